"""INSEE statistics tables (QPV files, comparateur de territoires, Filosofi communes).

Recognised by content: a delimited text file whose header holds a `CODGEO` column (any case).
The kind depends on the codes: `insee_qpv_stats` when most codes are QPV codes (QN…/QP…),
`insee_commune_stats` otherwise. A `meta_*.csv` variable dictionary (`COD_VAR;LIB_VAR`,
`VARIABLE;LIBELLE`, maybe `LIB_VAR_LONG`) is recognised as `insee_dictionary`: it is read by the
data file beside it (its companions) and loads nothing by itself.

What a data file may hold, as INSEE publishes it:
- `;` separator, decimal comma, UTF-8 or Latin-1, thousands separated by a space, a no-break
  space or a narrow no-break space, trailing empty columns;
- withheld values: empty, `s`, `nd`, `ns`, `nc` (kept NULL with their status and the marker);
- `NOTE_*` flag columns (`NOTE_FILO`, `NOTE_RP`, `NOTE_CNAF`, `NOTE_PE`) or `<PREFIX>_NOTE<yy>`:
  a non-empty, non-zero flag makes that row's values of that source `not_significant` (or
  `secret` when the flag says so), NULL, with `NOTE_FILO=1` in status_note;
- a `LIBGEO` column and descriptive columns (`LIB*`, `NOM*`, `DEP`, `REG`, …), not loaded;
- a row for the whole of France métropolitaine (`FRM`, `METRO`, …) → territory `FRM`, and a row
  for all QPVs ("ensemble des QPV") → `ENSEMBLE_QPV_<vintage>`, level qpv_ensemble;
- a year suffix on variables (`MED21`, `TP6021`, `D121`, `DISP_MED_A19`, `DISP_MED_19`), or the
  census prefix (`P21_POP` → `P_POP`, 2021); without one, the year comes from the dictionary's
  labels, else (with a warning) from the file name.

A variable maps to a registered indicator through `indicators.registry.BY_SOURCE_VARIABLE` (its
name without the year suffix); any other variable is loaded as `insee_<name>` with a catalogue
row (`is_registered` false) labelled from the dictionary. The dictionary has the last word: when
its label says a count, a share, an amount per month or per year, a variation… that contradicts
the registry's unit for that name (INSEE reuses names across vintages), the variable loads as
`insee_<name>` with the dictionary's unit and a warning (`label_kind`, `registry_kind`). Values
beyond what the variable can mean are refused with their line and column (`check_bounds`).

An XLSX workbook as INSEE publishes it is read too: the first sheet with a CODGEO header row
(title rows above are skipped), labelled by a sheet of variables or by the row above the codes.
"""
from __future__ import annotations

import csv
import math
import os
import re
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from etl.core import Candidate, EtlError, LoadContext, frame_sql
from etl.loaders.cog import is_fictional_code
from etl.readers import (_GROUPED_RE, _NUMBER_RE, _SPACES, CONTROL_RE, MOJIBAKE_RE, WITHHELD_MARKERS,
                         ZERO_WIDTH, TextTable, decode_text, normalise_text, open_workbook, read_table, sniff_separator)
from indicators.registry import BY_ID, BY_SOURCE_VARIABLE
from indicators.sources import dataset_title

KINDS = ("insee_qpv_stats", "insee_commune_stats", "insee_dictionary")
PRIORITY = 40
FORMAT_LABEL = ("statistiques Insee par QPV ou par commune (CSV avec colonne CODGEO, seul ou dans "
                "un zip, avec son dictionnaire meta_*.csv, ou classeur XLSX avec sa feuille de libellés)")

PRODUCER = "INSEE"
LICENCE = "Licence Ouverte"
NUMBER_EXPECTED = "un nombre ou un marqueur de secret (s, nd, ns, nc)"
CODE_EXPECTED = ("un code QPV (QN… ou QP…), commune (5 caractères), EPCI (9 chiffres), "
                 "département (2 ou 3 caractères), FRM ou « ensemble des QPV »")

KEY_COLUMN = "CODGEO"
DICT_CODE_COLUMNS = ("COD_VAR", "CODE_VAR", "VARIABLE", "COD_VARIABLE", "NOM_VAR", "VAR")
DICT_LABEL_COLUMNS = ("LIB_VAR", "LIBELLE", "LIBELLE_VAR", "LIB_VARIABLE", "INTITULE", "LIB")
DICT_LONG_COLUMNS = ("LIB_VAR_LONG", "LIBELLE_LONG", "DEFINITION")

QPV_RE = re.compile(r"^Q[NP][0-9A-Z]{6}$")
COMMUNE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
EPCI_RE = re.compile(r"^\d{9}$")
DEPT_RE = re.compile(r"^(\d{2,3}|2[AB])$")
FRANCE_CODES = {"FRM", "METRO", "METROPOLE", "FRANCE METROPOLITAINE", "FRANCE METRO", "FR METRO",
                "FRMETRO", "FRANCE HORS DOM", "FRANCE METROPOLITAINE HORS MAYOTTE"}
ENSEMBLE_RE = re.compile(r"^(ENSEMBLE( DES)?( QPV| QUARTIERS.*)?( \d{4})?|ENS QPV|QPV|TOTAL QPV|"
                         r"ENSEMBLE QPV \d{4}|FQPV|FR QPV|FRANCE QPV)$")
# Columns that describe a row rather than measure it (not loaded).
TEXT_COLUMN_RE = re.compile(r"^(LIB|NOM|TYPE|CODE_|COD_|DEP$|REG$|COM$|EPCI$|ARR$|UU\d*$|ZE\d*$|"
                            r"BV\d*$|AAV\d*$|TYPEQU|QP$|QPV$|IRIS$)", re.I)
NOTE_RE = re.compile(r"^NOTE_?(?P<src>[A-Z0-9]+)$|^(?P<prefix>[A-Z0-9]+)_NOTE(_?A?\d{2})?$", re.I)
_YEAR_IN_TEXT = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_EXPLICIT_SUFFIX = re.compile(r"^(?P<base>.+?)_(?:A(?P<yy>\d{2})|(?P<yyyy>(?:19|20)\d{2}))$", re.I)
_BARE_SUFFIX = re.compile(r"^(?P<base>.+?)(?P<sep>_?)(?P<yy>\d{2})$")
# Census variables carry the year as a prefix: P21_POP, C20_MEN → P_POP, C_MEN.
_RP_PREFIX = re.compile(r"^(?P<kind>[PC])(?P<yy>\d{2})_(?P<rest>.+)$", re.I)

FILO_BASES = {"MED", "D1", "D2", "D3", "D4", "D6", "D7", "D8", "D9", "RD", "Q1", "Q2", "Q3",
              "NBMENFISC", "NBPERSMENFISC", "PIMP", "PACT", "PTSA", "PCHO", "PBEN", "PPEN", "PPAT",
              "PPSOC", "PPFAM", "PPMINI", "PPLOGT", "PIMPOT", "S80S20", "GI"}


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[\s_\-]+", " ", text.strip().upper())


def _upper_map(header: list[str]) -> dict[str, str]:
    return {h.upper(): h for h in header}


def _header_of(c: Candidate) -> list[str] | None:
    """The header row of a delimited text file, from its head (cheap, never raises)."""
    if c.suffix not in (".csv", ".txt", ".tsv", ""):
        return None
    head = c.head(65536)
    if not head.strip() or b"\x00" in head[:4096]:
        return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = head[:exc.start].decode("utf-8") if exc.start > len(head) - 4 else head.decode("cp1252", "replace")
    for line in text.replace("\r", "\n").split("\n")[:6]:
        if not line.strip():
            continue
        sep = sniff_separator(line)
        cells = [x.strip().strip('"').strip() for x in line.split(sep)]
        if len([x for x in cells if x]) > 1:
            return cells
    return None


def _dictionary_columns(header: list[str]) -> tuple[str, str, str | None] | None:
    # Accents dropped: INSEE writes "Variable;Libellé" as well as "COD_VAR;LIB_VAR".
    up = {_norm(h).replace(" ", "_"): h for h in header if h}
    code = next((up[n] for n in DICT_CODE_COLUMNS if n in up), None)
    label = next((up[n] for n in DICT_LABEL_COLUMNS if n in up), None)
    long = next((up[n] for n in DICT_LONG_COLUMNS if n in up), None)
    if label is None and long is not None:
        label = long
    if code is None or label is None:
        return None
    return code, label, long


def code_level(code: str) -> str | None:
    """The territory level of a CODGEO from its shape, or None when unknown."""
    c = code.strip().upper()
    if QPV_RE.match(c):
        return "qpv"
    if COMMUNE_RE.match(c):
        return "commune"
    if EPCI_RE.match(c):
        return "epci"
    if DEPT_RE.match(c):
        return "departement"
    n = _norm(code)
    if n in FRANCE_CODES:
        return "france"
    if ENSEMBLE_RE.match(n) or n.startswith("ENSEMBLE QPV"):
        return "qpv_ensemble"
    return None


_XML_TAG_RE = re.compile(rb"<[^>]*>")
_XML_REF_RE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")


def _xlsx_may_hold_key(c: Candidate) -> bool:
    """False only when no XML part of the workbook holds CODGEO as text (its tags removed, its
    character references read, zero-width characters dropped, any case): no sheet can then have
    the column, and openpyxl need not parse the workbook to know it (issue #15: a programme or APL
    workbook was parsed once more only to be refused here). True whenever unsure: not a zip, a part
    that is not plain UTF-8 XML, a CDATA section."""
    import io
    import zipfile
    try:
        with zipfile.ZipFile(io.BytesIO(c.read_bytes())) as z:
            for info in [i for i in z.infolist() if i.filename.lower().endswith(".xml")]:
                data = z.read(info)
                if b"\x00" in data or b"<![CDATA[" in data or data.startswith((b"\xfe\xff", b"\xff\xfe")):
                    return True
                text = _XML_TAG_RE.sub(b"", data)
                text = _XML_REF_RE.sub(lambda m: chr(int(m.group(1)[1:], 16) if m.group(1)[:1] in b"xX"
                                                   else int(m.group(1))).encode("utf-8", "replace"), text)
                if KEY_COLUMN in text.decode("utf-8", "replace").translate(ZERO_WIDTH).upper():
                    return True
        return False
    except Exception:  # noqa: BLE001 - unsure: openpyxl decides, as before
        return True


def recognise(c: Candidate) -> str | None:
    if c.suffix == ".xlsx":
        if not _xlsx_may_hold_key(c):
            return None
        try:
            found = _xlsx_data_sheet(c, head_only=True)
        except Exception:  # noqa: BLE001 - recognise must not raise on another format (etl/core.py)
            return None
        if found is None:
            return None
        codes = [row[found.key].strip().upper() for row in found.rows if len(row) > found.key]
        qpv = sum(1 for x in codes if QPV_RE.match(x))
        return "insee_qpv_stats" if codes and qpv * 2 >= len(codes) else "insee_commune_stats"
    header = _header_of(c)
    if not header:
        return None
    up = _upper_map(header)
    if KEY_COLUMN in up:
        return _kind_from_head(c, header.index(up[KEY_COLUMN]))
    if _dictionary_columns(header) is not None and not any(
            h.upper() in ("CODE_QP", "IDCAR_200M", "CONTRACT") for h in header):
        return "insee_dictionary"
    return None


_CODGEO_LOOKALIKES = {"CODE_GEO", "COD_GEO", "CODEGEO", "CODGEO_2024", "CODE", "CODE_INSEE", "CODGEO_QP",
                      "CODE_QPV", "QP", "QPV", "COM", "CODE_COMMUNE", "DEPCOM", "GEO"}


def explain_unrecognised(c: Candidate) -> EtlError | None:
    """An INSEE-looking table (LIBGEO, or known variables) without its CODGEO column (build hook)."""
    header = _header_of(c)
    if not header:
        return None
    up = [h.upper() for h in header]
    known = [h for h in header if split_variable(h, file_suffix(header))[0].upper() in BY_SOURCE_VARIABLE]
    if "LIBGEO" not in up and not known:
        return None
    alike = next((h for h in header if h.upper() in _CODGEO_LOOKALIKES), None)
    found = f" ; colonne « {alike} » trouvée à la place" if alike else ""
    return EtlError(c.display_name, f"colonne CODGEO absente{found}", line=1, column=KEY_COLUMN,
                    expected="une colonne CODGEO portant le code du QPV ou de la commune de chaque ligne")


def _kind_from_head(c: Candidate, key_index: int) -> str:
    head = c.head(65536)
    text = head.decode("latin-1")
    lines = [ln for ln in text.replace("\r", "\n").split("\n") if ln.strip()]
    sep = sniff_separator(lines[0]) if lines else ";"
    codes = []
    # The last line of a head cut at 64 kio may be cut too; a whole small file has none cut.
    for ln in (lines[1:-1] if len(head) == 65536 else lines[1:]):
        cells = ln.split(sep)
        if len(cells) > key_index:
            codes.append(cells[key_index].strip().strip('"'))
    qpv = sum(1 for x in codes if QPV_RE.match(x.upper()))
    return "insee_qpv_stats" if codes and qpv * 2 >= len(codes) else "insee_commune_stats"


# ── XLSX as INSEE publishes it ──────────────────────────────────────────────────────────
# A first sheet of data: title rows, often a row of labels, the row of variable codes (CODGEO,
# LIBGEO, MED21…), then one row per territory; and a sheet of variable labels ("Documentation",
# "Variables": COD_VAR/LIB_VAR or Variable/Libellé columns).
_XLSX_SCAN_ROWS = 30


@dataclass
class _XlsxSheet:
    name: str                   # 'file.xlsx, feuille « Données »'
    header: list[str]
    rows: list[list[str]]
    lines: list[int]            # Excel row numbers
    key: int                    # index of CODGEO in header
    labels_above: list[str]     # the row above the header (labels), or []


def _xlsx_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return str(int(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return normalise_text(str(v)).strip()


def _xlsx_data_sheet(c: Candidate, *, head_only: bool = False, wb=None) -> _XlsxSheet | None:
    """The first sheet whose header row (within the first rows) holds CODGEO."""
    wb = wb or open_workbook(c)
    for ws in wb.worksheets:
        grid = []
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if head_only and i >= _XLSX_SCAN_ROWS + 50:
                break
            grid.append([_xlsx_text(v) for v in row])
        for i, row in enumerate(grid[:_XLSX_SCAN_ROWS]):
            up = [x.upper() for x in row]
            if KEY_COLUMN not in up:
                continue
            header = list(row)
            while header and not header[-1]:
                header.pop()
            rows, lines = [], []
            for j, r in enumerate(grid[i + 1:], start=i + 2):
                if not any(r):
                    continue
                rows.append((r + [""] * len(header))[:len(header)])
                lines.append(j)
            above = grid[i - 1] if i > 0 else []
            return _XlsxSheet(f"{c.display_name}, feuille « {ws.title} »", header, rows, lines,
                              up.index(KEY_COLUMN), above)
    return None


def _xlsx_dictionary(c: Candidate, wb, data: _XlsxSheet) -> Dictionary | None:
    """The labels of a workbook: a sheet of variables (COD_VAR/LIB_VAR, Variable/Libellé), else
    the row of labels just above the row of codes."""
    for ws in wb.worksheets:
        grid = [[_xlsx_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        for i, row in enumerate(grid[:_XLSX_SCAN_ROWS]):
            cols = _dictionary_columns(row)
            if cols is None or KEY_COLUMN in (x.upper() for x in row):
                continue
            code_i, label_i = row.index(cols[0]), row.index(cols[1])
            long_i = row.index(cols[2]) if cols[2] else None
            labels, longs = {}, {}
            for r in grid[i + 1:]:
                r = r + [""] * len(row)
                if r[code_i]:
                    if r[label_i]:
                        labels.setdefault(r[code_i].upper(), r[label_i])
                    if long_i is not None and r[long_i]:
                        longs.setdefault(r[code_i].upper(), r[long_i])
            if labels:
                return Dictionary(f"{c.display_name}, feuille « {ws.title} »", labels, longs)
    above = data.labels_above
    labels = {h.upper(): above[k] for k, h in enumerate(data.header)
              if h and k < len(above) and above[k] and above[k].upper() != h.upper()}
    if len(labels) * 2 >= len(data.header):
        return Dictionary(data.name, labels, {})
    return None


def _read_xlsx(c: Candidate) -> tuple[TextTable, Dictionary | None]:
    wb = open_workbook(c)
    data = _xlsx_data_sheet(c, wb=wb)
    if data is None:
        raise EtlError(c.display_name, "colonne CODGEO absente", line=1, column=KEY_COLUMN,
                       expected="une feuille avec une colonne CODGEO (code géographique)")
    dictionary = _xlsx_dictionary(c, wb, data)
    table = TextTable(data.name, data.header, data.rows, data.lines, ";",
                      data.lines[0] - 1 if data.lines else 1)
    return table, dictionary


# ── Dictionary ──────────────────────────────────────────────────────────────────────────
@dataclass
class Dictionary:
    file_name: str
    labels: dict[str, str]          # variable code (upper) → label
    long_labels: dict[str, str]

    def label(self, *names: str) -> str | None:
        for n in names:
            if n.upper() in self.labels:
                return self.labels[n.upper()]
        return None

    def long_label(self, *names: str) -> str | None:
        for n in names:
            if n.upper() in self.long_labels:
                return self.long_labels[n.upper()]
        return None

    def year(self, *names: str) -> int | None:
        for n in names:
            for text in (self.labels.get(n.upper()), self.long_labels.get(n.upper())):
                if text:
                    found = _YEAR_IN_TEXT.findall(text)
                    if found:
                        return int(found[0])
        return None

    def common_year(self) -> int | None:
        years = Counter(int(y) for t in list(self.labels.values()) + list(self.long_labels.values())
                        for y in _YEAR_IN_TEXT.findall(t))
        return years.most_common(1)[0][0] if years else None


# ── What a variable is: the dictionary's word against the registry's ────────────────────
# A variable's kind of quantity: 'count', 'share' (%), 'eur_year', 'eur_month', 'eur' (period
# not said), 'ratio'. INSEE reuses variable names across vintages with other meanings (ABC_BAC
# a count in one file, a share in another): the dictionary's label decides, never the registry.
KIND_UNIT = {"count": "nombre", "share": "%", "income_share": "%", "change_pct": "%", "change": None, "eur_year": "EUR/an", "eur_month": "EUR/mois",
             "eur": "EUR", "ratio": "ratio"}
KIND_TEXT = {"count": "un effectif", "share": "une part (en %)",
             "income_share": "une part du revenu disponible (en %)", "change_pct": "une variation (en %)",
             "change": "une variation ou un solde", "eur_year": "un montant en euros par an",
             "eur_month": "un montant en euros par mois", "eur": "un montant en euros",
             "ratio": "un rapport"}
_LEAD_COUNT = re.compile(r"^(nombre|nb|effectifs?|population|total)\b")
_LEAD_SHARE = re.compile(r"^(part|taux|proportion|pourcentage|pct)\b")
_LEAD_RATIO = re.compile(r"^(rapport|ratio|indice)\b")
_UNIT_SHARE = re.compile(r"\(\s*(en\s*)?%\s*\)|\ben\s*%\s*$|\ben pourcentage\b")
_UNIT_EUR = re.compile(r"€|\beuros?\b|\beur\b|\bniveau de vie\b|\brevenu|\bmediane?\b|\bdecile|"
                       r"\bquartile|\bsalaire")
# A change or a balance ("Var. annuelle moyenne de la population (en %)", "Taux d'évolution",
# "Solde naturel"): negative or above 100 by nature, never a share.
_CHANGE = re.compile(r"\bvar\b|\bvar\.|variation|evolution|\bsolde\b|croissance|\becart\b")
# A share of disposable income (Filosofi PACT, PIMPOT): above 100 or negative by construction.
_INCOME_PART = re.compile(r"^part des (revenus|impots|pensions|prestations|salaires|indemnites|"
                          r"minima|allocations|traitements|autres revenus)")
_PER_MONTH = re.compile(r"\bpar mois\b|\bmensuel|/\s*mois\b")
_PER_YEAR = re.compile(r"\bpar an\b|\bannuel|/\s*an\b")


def _plain(text: str) -> str:
    """Lower case, accents dropped (€ kept), spaces squeezed."""
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.lower()).strip()


def label_kind(label: str | None) -> str | None:
    """What a dictionary label says a variable is, or None when it does not say.

    "Nombre de …", "Effectif …" → count; "Part de …", "Taux …", "… (en %)" → share;
    "Médiane du revenu … (en euros par mois)" → eur_month; "Rapport …", "Indice …" → ratio.
    The first words decide before a unit in brackets ("Nombre de personnes sous le seuil de 60 %"
    is a count)."""
    if not label:
        return None
    t = _plain(label)
    if _CHANGE.search(t):
        return "change_pct" if "%" in t or "pourcent" in t else "change"
    if _LEAD_COUNT.match(t) and not t.startswith(("population active", "population couverte")):
        return "count"
    if _LEAD_SHARE.match(t) or _UNIT_SHARE.search(t):
        return "income_share" if _INCOME_PART.search(t) else "share"
    if _LEAD_RATIO.match(t):
        return "ratio"
    if _UNIT_EUR.search(t):
        if _PER_MONTH.search(t):
            return "eur_month"
        if _PER_YEAR.search(t):
            return "eur_year"
        return "eur"
    return None


def registry_kind(indicator_id: str) -> str | None:
    """The kind of quantity a registered indicator holds."""
    ind = BY_ID.get(indicator_id)
    if ind is None:
        return None
    if ind.is_rate or ind.unit == "%":
        return "share"
    if ind.unit == "EUR/an":
        return "eur_year"
    if ind.unit == "EUR/mois":
        return "eur_month"
    if ind.unit == "ratio":
        return "ratio"
    if ind.aggregation == "sum":
        return "count"
    return None


def kinds_agree(said: str | None, registered: str | None) -> bool:
    if said is None or registered is None or said == registered:
        return True
    return (said == "eur" and registered.startswith("eur")) or \
        (said == "income_share" and registered == "share")


def read_dictionary(c: Candidate) -> Dictionary | None:
    header = _header_of(c)
    if not header or _dictionary_columns(header) is None:
        return None
    table = read_table(c.read_bytes(), c.display_name)
    cols = _dictionary_columns(table.header)
    if cols is None:
        return None
    code_i = table.header.index(cols[0])
    label_i = table.header.index(cols[1])
    long_i = table.header.index(cols[2]) if cols[2] else None
    labels: dict[str, str] = {}
    longs: dict[str, str] = {}
    for row in table.rows:
        code = row[code_i].strip().upper()
        if not code:
            continue
        if row[label_i].strip():
            labels.setdefault(code, row[label_i].strip())
        if long_i is not None and row[long_i].strip():
            longs.setdefault(code, row[long_i].strip())
    return Dictionary(c.display_name, labels, longs)


def companion_dictionaries(c: Candidate) -> Iterator[Dictionary]:
    """The variable dictionaries among a file's companions (unreadable ones are passed over)."""
    for comp in c.companions:
        if comp.path == c.path:
            continue
        try:
            d = read_dictionary(comp)
        except EtlError:
            continue
        if d is not None:
            yield d


def _find_dictionary(c: Candidate, columns: list[str]) -> Dictionary | None:
    """The companion dictionary describing the most of `columns`."""
    best, best_n = None, 0
    wanted = {x.upper() for x in columns}
    for d in companion_dictionaries(c):
        n = len(wanted & set(d.labels) | wanted & set(d.long_labels))
        bases = {split_variable(x, None)[0].upper() for x in columns}
        n += len(bases & set(d.labels))
        if n > best_n:
            best, best_n = d, n
    return best


def load_dictionary(ctx: LoadContext, c: Candidate) -> int:
    d = read_dictionary(c)
    n = len(d.labels) if d else 0
    data_keys = {KEY_COLUMN, "IDCAR_200M"}     # an INSEE table, or the 200 m grid it describes
    has_data = any(data_keys & set(_upper_map(_header_of(x) or []))
                   for x in c.companions if x.path != c.path)
    if not has_data:
        ctx.warn(c.display_name, "dictionnaire de variables sans fichier de données à côté "
                 "(dans la même archive ou le même dossier) : rien n'est chargé")
    return n


# ── Variables and years ─────────────────────────────────────────────────────────────────
def split_variable(name: str, file_yy: str | None) -> tuple[str, int | None]:
    """'DISP_MED_A19' → ('DISP_MED', 2019); 'MED21' with file suffix '21' → ('MED', 2021)."""
    m = _EXPLICIT_SUFFIX.match(name)
    if m:
        year = 2000 + int(m["yy"]) if m["yy"] else int(m["yyyy"])
        return m["base"], year
    m = _RP_PREFIX.match(name)
    if m:
        return f"{m['kind']}_{m['rest']}", 2000 + int(m["yy"])
    if name.upper() in BY_SOURCE_VARIABLE:
        return name, None
    m = _BARE_SUFFIX.match(name)
    if m and file_yy is not None and m["yy"] == file_yy:
        return m["base"], 2000 + int(file_yy)
    return name, None


def file_suffix(columns: list[str]) -> str | None:
    """The 2-digit year suffix most variables of the file share ('21' in MED21, TP6021), if any."""
    counts: Counter[str] = Counter()
    n = 0
    latest = (date.today().year + 1) % 100
    for col in columns:
        if _EXPLICIT_SUFFIX.match(col) or _RP_PREFIX.match(col) or col.upper() in BY_SOURCE_VARIABLE:
            continue
        n += 1
        m = _BARE_SUFFIX.match(col)
        if m and 0 <= int(m["yy"]) <= latest:
            counts[m["yy"]] += 1
    if not counts:
        return None
    yy, k = counts.most_common(1)[0]
    return yy if k * 2 >= n else None


def _family(base: str) -> str:
    """The source family of a variable, to match it with its NOTE_* flag column."""
    b = base.upper()
    ind = BY_ID.get(BY_SOURCE_VARIABLE.get(b, ""))
    src = (ind.source if ind else "").lower()
    if "filosofi" in src or b.startswith(("DISP_", "DEC_")) or b in FILO_BASES or b.startswith("TP60"):
        return "FILO"
    if "cnaf" in src or any(k in b for k in ("ALLOC", "CAF", "BAS_REV", "AL_", "RSA", "PPA")):
        return "CNAF"
    if "travail" in src or "dares" in src or b.startswith(("ABC", "DEFM", "DE_", "CAT")):
        return "PE"
    if "CNAM" in b or "C2S" in b or "CMU" in b:
        return "CNAM"
    return "RP"


def _flag_status(value: str) -> str | None:
    v = value.strip().lower()
    if v in ("", "0", "ok", "0.0", "0,0"):
        return None
    if v in WITHHELD_MARKERS:
        status = WITHHELD_MARKERS[v]
        return "not_significant" if status == "missing" else status
    if "secret" in v:
        return "secret"
    return "not_significant"


# ── Values ──────────────────────────────────────────────────────────────────────────────
def parse_column(values: pd.Series, table: TextTable, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised parse_number: (value float array, status array, marker array)."""
    s = values.str.strip().str.strip('"').str.strip()
    key = s.str.lower()
    is_marker = key.isin(list(WITHHELD_MARKERS))
    # Only a cell with a space-like character can be a grouped number (the regex runs in Python).
    spaced = pd.Series(False, index=s.index)
    for ch in _SPACES:
        spaced |= s.str.contains(ch, regex=False)
    grouped = pd.Series(False, index=s.index)
    if (spaced & ~is_marker).any():
        grouped[spaced & ~is_marker] = s[spaced & ~is_marker].str.match(_GROUPED_RE.pattern)
    cleaned = s.copy()
    if grouped.any():
        g = cleaned[grouped]
        for ch in _SPACES:
            g = g.str.replace(ch, "", regex=False)
        cleaned[grouped] = g
    ok_shape = cleaned.str.fullmatch(_NUMBER_RE.pattern.strip("^$"))
    bad = ~is_marker & ~ok_shape
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise EtlError(table.file_name, f"valeur « {values.iloc[i]} » illisible",
                       line=table.line_numbers[i], column=column, expected=NUMBER_EXPECTED)
    number = pd.to_numeric(cleaned.where(~is_marker).str.replace(",", ".", regex=False),
                           errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(number[~is_marker.to_numpy()]).all():
        i = int(np.flatnonzero(~is_marker.to_numpy() & ~np.isfinite(number))[0])
        raise EtlError(table.file_name, f"valeur « {values.iloc[i]} » non finie",
                       line=table.line_numbers[i], column=column, expected=NUMBER_EXPECTED)
    status = np.where(is_marker, key.map(WITHHELD_MARKERS).fillna("missing"), "ok").astype(object)
    marker = np.where(is_marker & (s != ""), s, None).astype(object)
    return number, status, marker


# Up to this many cells, parse_columns reads them one by one in Python (issue #15): each
# vectorised string operation costs about a millisecond whatever its length, some twenty of them
# for a file of 50 cells, where Python reads 2 000 cells in that time.
SMALL_CELLS = 2_000
_FULL_NUMBER_RE = re.compile(_NUMBER_RE.pattern.strip("^$"))
_NO_SPACES = str.maketrans("", "", _SPACES)


def parse_small(cells) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """parse_column's (value, status, marker) for a few cells, read one by one by the same rules,
    or None when a cell is not ASCII text with, at most, the thousands separators of _SPACES
    (other Unicode spaces, digits and cases are left to the vectorised reader, whose rules are
    pyarrow's) or is not plainly a number or a marker (the vectorised reader then words the
    error). On that text Python's strip() and lower() remove and fold the same characters as
    pyarrow's, its float() reads a number as pandas' to_numeric does
    (tests/etl_loaders/test_insee_small.py compares both readers cell by cell)."""
    n = len(cells)
    number = np.full(n, np.nan)
    status = np.empty(n, dtype=object)
    marker = np.full(n, None, dtype=object)
    for i, cell in enumerate(cells):
        if not isinstance(cell, str) or not (cell.isascii() or cell.translate(_NO_SPACES).isascii()):
            return None
        s = cell.strip().strip('"').strip()
        withheld = WITHHELD_MARKERS.get(s.lower())
        if withheld is not None:
            status[i] = withheld
            if s:
                marker[i] = s
            continue
        if any(ch in s for ch in _SPACES) and _GROUPED_RE.match(s):
            s = s.translate(_NO_SPACES)
        if not _FULL_NUMBER_RE.fullmatch(s):
            return None
        value = float(s.replace(",", "."))
        if not math.isfinite(value):
            return None
        number[i] = value
        status[i] = "ok"
    return number, status, marker


def parse_columns(df: pd.DataFrame, columns: list[str], table: TextTable
                  ) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """parse_column for many columns at once: one pass over the stacked cells (each string
    operation has a fixed cost that 120 columns would pay 120 times); a few ASCII cells are read
    one by one (parse_small). On an unreadable value, the columns are parsed one by one so that
    the error names the first bad cell exactly as parse_column does."""
    n = len(df)
    if not columns:
        return {}
    cells = np.concatenate([df[c].astype(str).to_numpy(dtype=object) for c in columns])
    small = parse_small(cells) if len(cells) <= SMALL_CELLS else None
    if small is not None:
        value, status, marker = small
        return {c: (value[k * n:(k + 1) * n], status[k * n:(k + 1) * n], marker[k * n:(k + 1) * n])
                for k, c in enumerate(columns)}
    # Arrow-backed strings: each string operation runs once, in C, over every cell.
    stacked = pd.Series(cells, dtype="str")
    lines = np.tile(np.asarray(table.line_numbers), len(columns))
    try:
        value, status, marker = parse_column(stacked, _StackedLines(table.file_name, lines), columns[0])
    except EtlError:
        for c in columns:
            parse_column(df[c].astype(str), table, c)
        raise
    return {c: (value[k * n:(k + 1) * n], status[k * n:(k + 1) * n], marker[k * n:(k + 1) * n])
            for k, c in enumerate(columns)}


class _StackedLines:
    """The part of a TextTable parse_column reads, for stacked columns."""

    def __init__(self, file_name: str, line_numbers: np.ndarray):
        self.file_name = file_name
        self.line_numbers = line_numbers


INSEE_CHUNK_COLUMNS = 24      # variables parsed and written together (bounds the memory)


# The largest value each kind of quantity can mean (beyond: a typing or export error).
MAX_COUNT = 1e8        # more people, households or dwellings than France has
MAX_AMOUNT = 1e13      # euros: above the whole country's yearly income
BOUNDS_TEXT = {"share": "une part entre 0 et 100", "income_share": "une part entre -1 000 et 1 000",
               "count": "un effectif entre 0 et 100 millions"}


def check_bounds(value: np.ndarray, kind: str | None, table: TextTable, column: str,
                 indicator: str) -> None:
    """Refuse a value the variable cannot mean: a share outside 0–100, a negative count or one
    above 10^8, any amount or other value above 10^13 in absolute value. For a registered
    indicator, the range of a rate and the sign of a count are left to the build's checks
    (etl/checks.py), which name the same file, line and column."""
    registered = indicator in BY_ID
    with np.errstate(invalid="ignore"):
        if kind == "share" and not registered:
            bad, why = (value < 0) | (value > 100), "part hors de 0–100"
        elif kind == "income_share":
            bad, why = np.abs(value) > 1000, "part du revenu invraisemblable (au-delà de ±1 000 %)"
        elif kind == "count":
            bad = (value > MAX_COUNT) if registered else (value < 0) | (value > MAX_COUNT)
            why = "effectif invraisemblable" if registered else "effectif négatif ou invraisemblable"
        else:
            bad, why = np.abs(value) > MAX_AMOUNT, "valeur invraisemblable (au-delà de 10^13)"
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise EtlError(table.file_name, f"{why} : {column} = {f'{value[i]:g}'.replace('.', ',')} ({indicator})",
                       line=table.line_numbers[i], column=column,
                       expected=BOUNDS_TEXT.get(kind or "", "une valeur inférieure à 10^13 en valeur absolue"))


def _year_from_name(display_name: str) -> int | None:
    years = _YEAR_IN_TEXT.findall(display_name)
    if years:
        return int(years[-1])
    # 'cc_filosofi_21_COM.csv' style names are not trusted: 4 digits only.
    return None


def _ensure_territory(ctx: LoadContext, code: str, level: str, name: str, vintage: int | None,
                      source_id: str, fictional: bool) -> None:
    exists = ctx.con.execute(
        "select count(*) from territories where territory_code = ? and territory_level = ?",
        [code, level]).fetchall()[0][0]
    if not exists:
        ctx.insert("territories", [{
            "territory_code": code, "territory_level": level, "territory_name": name,
            "geography_vintage": vintage, "is_fictional": fictional, "source_id": source_id}])


def _drop_repeated_rows(ctx: LoadContext, table: TextTable, key: str) -> TextTable:
    """One row per code. A row repeated identically is dropped with a warning; the same code
    with other values is an error naming both lines (a file is one figure per territory)."""
    i = table.header.index(key)
    first: dict[str, int] = {}
    keep_rows, keep_lines, repeated = [], [], []
    for pos, (row, line) in enumerate(zip(table.rows, table.line_numbers)):
        code = row[i].strip().upper()
        if code in first:
            j = first[code]
            if row != table.rows[j]:
                raise EtlError(table.file_name, f"code géographique {row[i].strip()} en double avec "
                               f"d'autres valeurs qu'à la ligne {table.line_numbers[j]}", line=line,
                               column=key, expected="une seule ligne par territoire")
            repeated.append(line)
            continue
        first[code] = pos
        keep_rows.append(row)
        keep_lines.append(line)
    if repeated:
        shown = ", ".join(map(str, repeated[:10])) + (" …" if len(repeated) > 10 else "")
        ctx.warn(table.file_name, f"{len(repeated)} ligne(s) répétée(s) à l'identique, ignorée(s) "
                 f"(lignes {shown})", line=repeated[0], column=key)
    if not repeated:
        return table
    return TextTable(table.file_name, table.header, keep_rows, keep_lines, table.separator,
                     table.header_line)


def _mixed_vintages(c: Candidate, qpv_codes: pd.Series, lines: np.ndarray, key: str) -> None:
    """An INSEE statistics file is published for one QPV geography (2015: QP…, 2024: QN…).
    Both kinds of code in one file means a hand-merged or mislabelled file: its "ensemble des
    QPV" row could not be placed, and the two geographies must never be joined silently."""
    is_2024 = qpv_codes.str.startswith("QN").to_numpy()
    n_2024 = int(is_2024.sum())
    main_2024 = n_2024 * 2 > len(is_2024) or (n_2024 * 2 == len(is_2024) and bool(is_2024[0]))
    odd = np.flatnonzero(~is_2024 if main_2024 else is_2024)[0]
    main, other = ("2024 (QN…)", "2015 (QP…)") if main_2024 else ("2015 (QP…)", "2024 (QN…)")
    raise EtlError(c.display_name, f"code QPV « {qpv_codes.iloc[odd]} » de la géographie {other} dans un "
                   f"fichier de la géographie {main} : un fichier de statistiques Insee porte sur une "
                   "seule géographie", line=int(lines[odd]), column=key,
                   expected="un fichier par géographie (les quartiers 2015 et 2024 n'ont pas les mêmes contours)")


# ── A CSV read by DuckDB ────────────────────────────────────────────────────────────────
# A national comparator file (35 000 communes x 120 variables) is 4 million cells: DuckDB reads
# and parses them, Python only sees the few columns it needs row by row (CODGEO, LIBGEO, NOTE_*).
# Any file DuckDB could read otherwise than `read_table` (title rows, blank lines, a cell on two
# lines, a stray quote, mojibake, a control character, a repeated code, a cell that is not plainly
# a number or a marker…) goes to the careful reader, which names the file, line and column of the
# problem exactly as before: the SQL below only ever accepts what parse_column accepts, with the
# same value, status and marker.
_SQL_TRIM = " \t"


def _re2(pattern: re.Pattern) -> str:
    """A Python pattern for DuckDB (RE2): anchors dropped, \\uXXXX written as the character."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m[1], 16)), pattern.pattern.strip("^$"))


_SQL_MARKERS = ", ".join("'" + k.replace("'", "''") + "'" for k in WITHHELD_MARKERS)
_SQL_STATUS = " ".join(f"when '{k}' then '{v}'" for k, v in WITHHELD_MARKERS.items())
_SQL_MACROS = f"""
create or replace temp macro _insee_s(x) as trim(trim(trim(coalesce(x, ''), '{_SQL_TRIM}'), '"'), '{_SQL_TRIM}');
create or replace temp macro _insee_is_marker(s) as lower(s) in ({_SQL_MARKERS});
create or replace temp macro _insee_clean(s) as
    case when regexp_full_match(s, '{_re2(_GROUPED_RE)}')
         then regexp_replace(s, '[{_SPACES}]', '', 'g') else s end;
create or replace temp macro _insee_num(s) as
    case when not _insee_is_marker(s) then try_cast(replace(_insee_clean(s), ',', '.') as double) end;
create or replace temp macro _insee_ok_s(s) as
    _insee_is_marker(s) or (regexp_full_match(_insee_clean(s), '{_re2(_NUMBER_RE)}')
                            and coalesce(isfinite(_insee_num(s)), false));
-- A plain number (no space, quote, sign of a marker): most cells, checked with one regex.
create or replace temp macro _insee_plain(x) as regexp_full_match(x, '{_re2(_NUMBER_RE)}');
create or replace temp macro _insee_ok(x) as
    case when _insee_plain(x) then coalesce(isfinite(try_cast(replace(x, ',', '.') as double)), false)
         else _insee_ok_s(_insee_s(x)) end;
-- Once every cell is known good (_insee_ok): the value, status and marker of a cell `x`,
-- `plain` being _insee_plain(x) (computed once per cell).
create or replace temp macro _insee_value(x, plain) as
    case when plain then cast(replace(x, ',', '.') as double) else _insee_num(_insee_s(x)) end;
create or replace temp macro _insee_status(x, plain) as
    case when plain then 'ok' else case lower(_insee_s(x)) {_SQL_STATUS} else 'ok' end end;
create or replace temp macro _insee_marker(x, plain) as
    case when plain then null
         when _insee_is_marker(_insee_s(x)) and _insee_s(x) <> '' then _insee_s(x) end;
"""


_ZERO_WIDTH_RE = re.compile("[" + "".join(map(chr, ZERO_WIDTH)) + "]")


@dataclass
class _SqlTable:
    """An INSEE CSV in the temporary table `_insee_raw` (one VARCHAR column per header cell,
    `c0`, `c1`…, in file order): the header, where each column is, the line of each row, and
    the columns Python reads (`frame`: the code, LIBGEO, NOTE_* cells, stripped as read_table
    strips them)."""
    file_name: str
    header: list[str]
    sql_column: dict[str, str]
    line_numbers: list[int]
    frame: pd.DataFrame


def _q(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


# Below this size the text reader is quicker (DuckDB's fixed cost per query and per variable, and
# its string work on grouped numbers and markers, outweigh the rows), measured on a quiet machine:
# 1 600 QPVs x 120 variables (1 MB) 1,2 s of CPU by text, 2,9 s by SQL; the real Filosofi 2021
# communes (2,6 MB, 27 variables, many `s` and grouped numbers) 4,4 s by text, 7,0 s by SQL;
# 35 000 communes x 120 variables (19 MB) 25 s by text, 13 s by SQL, with half the memory.
SQL_MIN_BYTES = 8 << 20


def _read_sql(con, c: Candidate) -> _SqlTable | None:
    """The file read by DuckDB, or None when it is small (SQL_MIN_BYTES) or needs the careful
    reader (nothing written but the temporary table `_insee_raw`, dropped on None)."""
    if c.path.stat().st_size < SQL_MIN_BYTES:
        return None
    data = c.read_bytes()
    try:
        text = decode_text(data, c.display_name).rstrip("\x1a")
    except (EtlError, UnicodeDecodeError):
        return None
    if not text.isascii() and (_ZERO_WIDTH_RE.search(text) or not unicodedata.is_normalized("NFC", text)):
        return None      # read_table would rewrite it (normalise_text)
    if "\n" not in text.strip():            # a header alone: the careful reader says so
        return None
    if CONTROL_RE.search(text) or MOJIBAKE_RE.search(text) or text.count('"') % 2:
        return None
    first, _, body = text.partition("\n")
    sep = sniff_separator(first)
    raw_header = next(csv.reader([first], delimiter=sep, quotechar='"'), [])
    header = [h.strip().strip("\ufeff") for h in raw_header]
    while header and header[-1] == "":
        header.pop()
    up = _upper_map(header)
    if (len([h for h in header if h]) < 2 or "" in header or len(set(header)) != len(header)
            or KEY_COLUMN not in up):
        return None
    body = body[:-1] if body.endswith("\n") else body
    if not body.strip():
        return None
    # Blank lines (skipped by read_table), and a quote inside a cell (csv and DuckDB may differ).
    s = re.escape(sep)
    if re.search(rf'(?m)^[\s{s}"]*$', body) or ('"' in text and re.search(rf'[^{s}\n"]"[^{s}\n"]', text)):
        return None
    n_lines = body.count("\n") + 1
    names = [f"c{i}" for i in range(len(raw_header))]
    columns = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
    path, temp = str(c.path), None
    if data != text.encode("utf-8"):        # BOM, Latin-1, CR LF, NFC…: the text read_table reads
        fd, temp = tempfile.mkstemp(prefix="qpv-insee-", suffix=".csv")
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
        path = temp
    try:
        con.execute(_SQL_MACROS)
        con.execute(f"""create or replace temp table _insee_raw as select * from read_csv(?,
            delim = ?, quote = '"', escape = '"', header = true, skip = 0, auto_detect = false,
            columns = {columns}, strict_mode = true, null_padding = false, encoding = 'utf-8')""",
                    [path, sep])
        n_rows = con.execute("select count(*) from _insee_raw").fetchall()[0][0]
        extra = [f"_insee_s({n}) <> ''" for n in names[len(header):]]   # after a trailing separator
        blank = " and ".join(f"coalesce({n}, '') = ''" for n in names)
        odd = con.execute(f"select count(*) filter (where ({blank}) {' or ' if extra else ''}{' or '.join(extra)})"
                          f" from _insee_raw").fetchall()[0][0]
        if n_rows != n_lines or odd:
            raise LookupError
        col = dict(zip(header, names))
        libgeo = up.get("LIBGEO")
        small = [h for h in header if h == up[KEY_COLUMN] or h == libgeo or NOTE_RE.match(h)]
        frame = con.execute(f"select {', '.join(f'coalesce({col[h]}, {_q(chr(32))})' for h in small)}"
                            " from _insee_raw order by rowid").fetchnumpy()
        frame = pd.DataFrame({h: [x.strip() for x in frame[k].tolist()] for h, k in zip(small, frame)},
                             dtype=object)
        codes = frame[up[KEY_COLUMN]].str.upper()
        if codes.duplicated().any():        # the careful reader names both lines
            raise LookupError
        values = [col[h] for h in header if h not in small and h]
        if values:
            bad = con.execute("select " + ", ".join(f"bool_or(not _insee_ok({v}))" for v in values)
                              + " from _insee_raw").fetchall()[0]
            if any(bad):
                raise LookupError
    except (LookupError, duckdb.Error):
        con.execute("drop table if exists _insee_raw")
        return None
    finally:
        if temp:
            os.unlink(temp)
    return _SqlTable(c.display_name, header, col, list(range(2, n_rows + 2)), frame)


def _sql_bounds(con, t: _SqlTable, chunk: list) -> None:
    """check_bounds on the DuckDB table for a chunk of columns (one scan): the first value, in
    column order then line order, beyond what its variable can mean."""
    checks = []
    for col, _base, indicator, _year, kind in chunk:
        v = f"_insee_value({t.sql_column[col]}, _insee_plain({t.sql_column[col]}))"
        registered = indicator in BY_ID
        if kind == "share" and not registered:
            bad, why = f"{v} < 0 or {v} > 100", "part hors de 0–100"
        elif kind == "income_share":
            bad, why = f"abs({v}) > 1000", "part du revenu invraisemblable (au-delà de ±1 000 %)"
        elif kind == "count":
            bad = f"{v} > {MAX_COUNT}" if registered else f"{v} < 0 or {v} > {MAX_COUNT}"
            why = "effectif invraisemblable" if registered else "effectif négatif ou invraisemblable"
        else:
            bad, why = f"abs({v}) > {MAX_AMOUNT}", "valeur invraisemblable (au-delà de 10^13)"
        checks.append((col, indicator, kind, v, bad, why))
    first = con.execute("select " + ", ".join(f"min(rowid) filter (where {bad})" for *_, bad, _why in checks)
                        + " from _insee_raw").fetchall()[0]
    for (col, indicator, kind, v, _bad, why), i in zip(checks, first):
        if i is None:
            continue
        value = con.execute(f"select {v} from _insee_raw where rowid = ?", [i]).fetchall()[0][0]
        raise EtlError(t.file_name, f"{why} : {col} = {f'{value:g}'.replace('.', ',')} ({indicator})",
                       line=t.line_numbers[i], column=col,
                       expected=BOUNDS_TEXT.get(kind or "", "une valeur inférieure à 10^13 en valeur absolue"))


def _sql_facts(ctx: LoadContext, t: _SqlTable, chunk: list, notes_of: dict[str, list[str]],
               note_index: dict[str, int], source_id: str) -> None:
    """The facts of a chunk of columns, parsed and flagged in SQL, into indicator_facts, from
    `_insee_base`: the cells beside each row's code, level and NOTE_* flags (`fs<k>` the status a
    flag gives, `ft<k>` its text)."""
    selects = []
    for col, _base, indicator, year, _qkind in chunk:
        flags = [note_index[n] for n in notes_of[col]]
        if flags:
            hit = f"st = 'ok' and coalesce({', '.join(f'fs{k}::varchar' for k in flags)}) is not null"
            status = f"coalesce({', '.join(f'fs{k}::varchar' for k in flags)})"
            text = "case " + " ".join(f"when fs{k} is not null then ft{k}::varchar" for k in flags) + " end"
        else:
            hit, status, text = "false", "null", "null"
        selects.append(f"""select territory_code, territory_level, {_q(indicator)}, {int(year)},
            case when {hit} then null else _insee_value(x, plain) end,
            case when {hit} then {status} else st end,
            case when {hit} then {text} else _insee_marker(x, plain) end,
            'official_file', {_q(col)}, {_q(source_id)}
            from (select *, _insee_status(x, plain) as st
                  from (select *, {t.sql_column[col]} as x, _insee_plain({t.sql_column[col]}) as plain
                        from _insee_base))""")
    ctx.con.execute("insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,"
                    " status, status_note, origin, source_variable, source_id) "
                    + " union all ".join(selects))


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    if kind == "insee_dictionary":
        return load_dictionary(ctx, c)
    sheet_dictionary = None
    sql = None
    if c.suffix == ".xlsx":
        table, sheet_dictionary = _read_xlsx(c)
    else:
        sql = _read_sql(ctx.con, c)
        table = (TextTable(sql.file_name, sql.header, [], sql.line_numbers, ";") if sql
                 else read_table(c.read_bytes(), c.display_name))
    try:
        return _load_table(ctx, c, kind, table, sheet_dictionary, sql)
    finally:
        if sql is not None:
            ctx.con.execute("drop table if exists _insee_raw")


def _load_table(ctx: LoadContext, c: Candidate, kind: str, table: TextTable,
                sheet_dictionary: Dictionary | None, sql: _SqlTable | None) -> int:
    up = _upper_map(table.header)
    if KEY_COLUMN not in up:
        raise EtlError(c.display_name, "colonne CODGEO absente", line=1, column=KEY_COLUMN,
                       expected="une colonne CODGEO (code géographique)")
    key = up[KEY_COLUMN]
    libgeo = up.get("LIBGEO")
    notes: dict[str, str] = {}         # note column → family or prefix ('FILO', 'DISP_')
    variables: list[str] = []
    ignored: list[str] = []
    for h in table.header:
        if h in (key, libgeo) or not h:
            continue
        m = NOTE_RE.match(h)
        if m:
            notes[h] = m["src"].upper() if m["src"] else m["prefix"].upper() + "_"
        elif TEXT_COLUMN_RE.match(h):
            ignored.append(h)
        else:
            variables.append(h)
    if ignored:
        ctx.warn(c.display_name, f"colonnes descriptives non chargées : {', '.join(ignored)}", line=1)
    if not variables:
        raise EtlError(c.display_name, "aucune colonne de valeurs à côté de CODGEO", line=1,
                       expected="des variables numériques (ex. MED21, DISP_TP60)")

    if sql is not None:     # rows, codes unique: checked by _read_sql
        df = sql.frame
    else:
        if not table.rows:
            raise EtlError(c.display_name, "aucune ligne de données sous l'en-tête", line=table.header_line,
                           expected="une ligne par territoire (fichier tronqué ou export incomplet ?)")
        table = _drop_repeated_rows(ctx, table, key)
        df = pd.DataFrame(table.rows, columns=table.header, dtype=object)
    lines = np.asarray(table.line_numbers)

    # Levels from the shape of each code.
    codes = df[key].astype(str).str.strip()
    if libgeo is not None:
        empty = codes == ""
        ens = df[libgeo].astype(str).map(lambda x: bool(ENSEMBLE_RE.match(_norm(x))) or
                                          ("ENSEMBLE" in _norm(x) and "QUARTIER" in _norm(x)))
        codes = codes.where(~(empty & ens), "ENSEMBLE QPV")
    levels = codes.map(code_level)
    if levels.isna().any():
        i = int(np.flatnonzero(levels.isna().to_numpy())[0])
        raise EtlError(c.display_name, f"code géographique « {codes.iloc[i]} » non reconnu",
                       line=int(lines[i]), column=key, expected=CODE_EXPECTED)
    codes = codes.str.upper().where(levels.isin(["qpv", "commune", "epci", "departement"]), codes)
    qpv_codes = codes[levels == "qpv"]
    vintages = {2024 if x.startswith("QN") else 2015 for x in qpv_codes}
    if len(vintages) > 1:
        _mixed_vintages(c, qpv_codes, lines[(levels == "qpv").to_numpy()], key)
    qpv_vintage = max(vintages) if vintages else None
    if (levels == "qpv_ensemble").any():
        explicit = [int(y) for x in codes[levels == "qpv_ensemble"] for y in _YEAR_IN_TEXT.findall(x)]
        if explicit:
            qpv_vintage = explicit[0]
        if qpv_vintage is None:
            qpv_vintage = 2024
            ctx.warn(c.display_name, "ligne « ensemble des QPV » sans code QPV dans le fichier : "
                     "géographie 2024 supposée", column=key)
    codes = codes.where(levels != "france", "FRM")
    codes = codes.where(levels != "qpv_ensemble", f"ENSEMBLE_QPV_{qpv_vintage}")

    # Variables → (indicator, year).
    dictionary = sheet_dictionary or _find_dictionary(c, variables)
    yy = file_suffix(variables)
    name_year = _year_from_name(c.display_name)
    registered_used: set[tuple[str, int]] = set()
    plan: list[tuple[str, str, str, int, str | None]] = []   # column, base, indicator_id, year, kind
    warned_name_year = False
    for col in variables:
        base, year = split_variable(col, yy)
        if year is None and dictionary:
            year = dictionary.year(col, base) or dictionary.common_year()
        if year is None:
            if name_year is None:
                raise EtlError(c.display_name, f"année de la variable {col} introuvable", line=1,
                               column=col, expected="un suffixe d'année (MED21, DISP_MED_A19), "
                               "une année dans le libellé du dictionnaire meta_*.csv ou dans le nom du fichier")
            year = name_year
            if not warned_name_year:
                ctx.warn(c.display_name, f"année des variables sans suffixe prise dans le nom du "
                         f"fichier : {year}", line=1, column=col)
                warned_name_year = True
        indicator = BY_SOURCE_VARIABLE.get(base.upper())
        label = (dictionary.label(col, base) or dictionary.long_label(col, base)) if dictionary else None
        said = label_kind(label) or (label_kind(dictionary.long_label(col, base)) if dictionary else None)
        if indicator and not kinds_agree(said, registry_kind(indicator)):
            ctx.warn(c.display_name, f"le dictionnaire {dictionary.file_name} décrit {col} comme "
                     f"{KIND_TEXT[said]} (« {label} ») alors que le référentiel rattache {base} à "
                     f"{indicator} ({KIND_TEXT[registry_kind(indicator)]}) : la variable est chargée "
                     f"sous son propre nom, insee_{base.lower()}, avec l'unité du dictionnaire",
                     line=1, column=col)
            indicator = None
        if indicator and (indicator, year) in registered_used:
            ctx.warn(c.display_name, f"{col} décrit le même indicateur ({indicator}, {year}) qu'une "
                     f"colonne précédente : chargé sous insee_{base.lower()}", line=1, column=col)
            indicator = None
        if indicator:
            registered_used.add((indicator, year))
            qkind = registry_kind(indicator)
        else:
            indicator = f"insee_{base.lower()}"
            qkind = said
        plan.append((col, base, indicator, year, qkind))

    years = Counter(p[3] for p in plan)
    data_year = years.most_common(1)[0][0]
    # Named by what it is, never by its file name (which the method page shows).
    title = dataset_title((BY_ID[p[2]].source for p in plan if p[2] in BY_ID), set(levels),
                          producer=PRODUCER)
    local = [(code, level) for code, level in zip(codes, levels)
             if level in ("qpv", "commune", "epci", "departement")]
    fictional = bool(local) and all(is_fictional_code(code, level) for code, level in local)
    source_id = ctx.add_source(c, kind, producer=PRODUCER, title=title, vintage=str(data_year),
                               licence=LICENCE, rows_read=len(df), is_fictional=fictional)
    ctx.record_lines(source_id, "indicator_facts", "territory_code", codes.tolist(), lines.tolist(), key)

    if (levels == "france").any():
        _ensure_territory(ctx, "FRM", "france", "France métropolitaine", None, source_id, fictional)
    if (levels == "qpv_ensemble").any():
        _ensure_territory(ctx, f"ENSEMBLE_QPV_{qpv_vintage}", "qpv_ensemble",
                          f"Ensemble des quartiers prioritaires (géographie {qpv_vintage})",
                          qpv_vintage, source_id, fictional)

    # Flags per row and per note column.
    flag_status = {n: np.array([_flag_status(v) for v in df[n].astype(str)], dtype=object)
                   for n in notes}
    flag_text = {n: np.array([f"{n}={v.strip()}" for v in df[n].astype(str)], dtype=object)
                 for n in notes}
    flag_hit = {n: np.array([f is not None for f in fs], dtype=bool) for n, fs in flag_status.items()}

    def notes_for(base: str) -> list[str]:
        if len(notes) == 1:
            return list(notes)
        fam = _family(base)
        out = []
        for n, tag in notes.items():
            if tag.endswith("_"):
                if base.upper().startswith(tag):
                    out.append(n)
            elif tag == fam or (tag in ("FILOSOFI", "FILO") and fam == "FILO") or \
                    (tag in ("CAF", "CNAF") and fam == "CNAF") or \
                    (tag in ("PE", "FT", "DEFM", "DEE") and fam == "PE"):
                out.append(n)
        return out

    # By chunks of columns: a national commune file (35 000 rows x 120 variables) never has all
    # its parsed cells in Python at once; the chunks wait in a temporary table, so that a value
    # refused in a later chunk leaves nothing of the file in indicator_facts.
    n_rows = len(df)
    target = ctx.columns("indicator_facts")
    # One chunk (every file but the widest) is checked whole before its one insert: written
    # straight into indicator_facts, without the temporary table (three statements a file).
    staged = sql is None and len(plan) > INSEE_CHUNK_COLUMNS
    if staged:
        ctx.con.execute("create or replace temp table _insee_facts as select * from indicator_facts limit 0")
    if sql is not None:
        note_index = {n: k for k, n in enumerate(notes)}
        rows = pd.DataFrame({"_row": np.arange(n_rows, dtype=np.int64),
                             "territory_code": codes.to_numpy(dtype=object),
                             "territory_level": levels.to_numpy(dtype=object)})
        for n, k in note_index.items():
            rows[f"fs{k}"] = flag_status[n]
            rows[f"ft{k}"] = flag_text[n]
        notes_of = {p[0]: notes_for(p[1]) for p in plan}
        # Every value checked before any is written: a refused value leaves nothing of the file.
        for start in range(0, len(plan), INSEE_CHUNK_COLUMNS):
            _sql_bounds(ctx.con, sql, plan[start:start + INSEE_CHUNK_COLUMNS])
        frame_sql(ctx.con, "create or replace temp table _insee_base as select * from _insee_raw p"
                           " join _etl_frame r on r._row = p.rowid", rows)
        try:
            for start in range(0, len(plan), INSEE_CHUNK_COLUMNS):
                _sql_facts(ctx, sql, plan[start:start + INSEE_CHUNK_COLUMNS], notes_of, note_index, source_id)
        finally:
            ctx.con.execute("drop table if exists _insee_base")
    for start in range(0, len(plan) if sql is None else 0, INSEE_CHUNK_COLUMNS):
        chunk = plan[start:start + INSEE_CHUNK_COLUMNS]
        parsed = parse_columns(df, [p[0] for p in chunk], table)
        values, statuses, notes_out = [], [], []
        for col, base, indicator, year, qkind in chunk:
            value, status, marker = parsed[col]
            check_bounds(value, qkind, table, col, indicator)
            status_note = marker.copy()
            for n in notes_for(base):
                fs = flag_status[n]
                hit = flag_hit[n] & (status == "ok")
                if hit.any():
                    status = status.copy()
                    status[hit] = fs[hit]
                    value = value.copy()
                    value[hit] = np.nan
                    status_note = status_note.copy()
                    status_note[hit] = flag_text[n][hit]
            values.append(value)
            statuses.append(status)
            notes_out.append(status_note)
        del parsed
        # One frame per chunk (a frame per column costs more than its rows on wide files).
        n_cols = len(chunk)
        facts = pd.DataFrame({
            "territory_code": np.tile(codes.to_numpy(dtype=object), n_cols),
            "territory_level": np.tile(levels.to_numpy(dtype=object), n_cols),
            "indicator_id": np.repeat(np.array([p[2] for p in chunk], dtype=object), n_rows),
            "year": np.repeat(np.array([p[3] for p in chunk], dtype=np.int64), n_rows),
            "value": np.concatenate(values).astype("float64"),
            "status": np.concatenate(statuses),
            "status_note": np.concatenate(notes_out),
            "origin": "official_file",
            "source_variable": np.repeat(np.array([p[0] for p in chunk], dtype=object), n_rows),
            "source_id": source_id,
        }).reindex(columns=target)
        frame_sql(ctx.con, f"insert into {'_insee_facts' if staged else 'indicator_facts'}"
                           " select * from _etl_frame", facts)
        del facts, values, statuses, notes_out
    if staged:
        ctx.con.execute("insert into indicator_facts select * from _insee_facts")
        ctx.con.execute("drop table _insee_facts")

    # Catalogue rows for variables the registry does not map.
    known = {r[0] for r in ctx.con.execute("select indicator_id from indicator_catalog").fetchall()}
    new_rows = []
    for col, base, indicator, year, qkind in plan:
        if indicator in known:
            continue
        known.add(indicator)
        label = (dictionary.label(col, base) if dictionary else None) or base
        definition = dictionary.long_label(col, base) if dictionary else None
        new_rows.append({"indicator_id": indicator, "label": label, "definition": definition,
                         "unit": KIND_UNIT.get(qkind or ""),
                         "source_label": f"INSEE, {title}", "is_registered": False})
    ctx.insert("indicator_catalog", new_rows)
    return len(df)
