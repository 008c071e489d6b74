"""Loader of the DREES « Indicateur d'accessibilité potentielle localisée (APL) aux médecins
généralistes » (health pillar), the XLSX workbook as data.drees.solidarites-sante.gouv.fr
publishes it (dataset 530_l-accessibilite-potentielle-localisee-apl).

What the published workbook looks like (DREES page « L'indicateur d'accessibilité potentielle
localisée (APL) »; reusers read it with `pd.read_excel(..., sheet_name="APL_2019", skiprows=8)` or
scan for the row holding « Code commune INSEE »): a presentation/notes sheet, then one sheet per
year (« APL_2019 », « APL 2022 », …) whose first rows are a title and notes, then one header row

    Code commune INSEE | Commune | APL aux médecins généralistes |
    APL aux médecins généralistes de moins de 65 ans | APL aux médecins généralistes de moins de
    62 ans | Population standardisée … pour la médecine générale

(older vintages: « Code commune », « APL aux médecins généralistes (sans borne d'âge) »,
« Population standardisée par la consommation de soins par tranche d'âge »). The APL is expressed
in consultations/visites accessibles par an par habitant standardisé, for communes only (Paris,
Lyon and Marseille also by arrondissement: those rows are not current communes and are set aside
like any unknown code).

A sheet is read when a row within its first rows holds a « Code commune » cell and an « APL aux
médecins généralistes » cell; its year comes from the sheet name, else from its title (first
filled row; the notes below cite the sources' years); two sheets of one year stop the build. The
two columns mapped in COLUMNS become registry indicators (commune level, caution COMMUNE_ONLY);
other APL columns are named in one warning. A value left empty or marked « n.d. », « nd », « NA »
or « - » is stored NULL with status `missing`, « s »/« secret » as `secret`. Rows of communes the
database does not know are set aside with one warning naming the file, the first such line and the
column. A file whose communes are all fictional (the demo's) is marked fictional, as the INSEE
loader does. A cell that is neither a number nor a known mark stops the build naming sheet, Excel row
and column.
"""
from __future__ import annotations

import re
import unicodedata

from etl.core import Candidate, EtlError, LoadContext
from etl.loaders.cog import is_fictional_code
from etl.readers import open_workbook

PRIORITY = 96   # after the territories (COG, contours, programme template) it refers to
KINDS = ("drees_apl_commune",)
FORMAT_LABEL = "accessibilité potentielle localisée (APL) de la DREES (classeur XLSX)"
URL = "https://data.drees.solidarites-sante.gouv.fr/explore/dataset/530_l-accessibilite-potentielle-localisee-apl/"

# Normalised header → indicator (see `key`)
COLUMNS = {
    "apl aux medecins generalistes": "apl_gp_consultations_per_inhabitant_year",
    "apl aux medecins generalistes sans borne d age": "apl_gp_consultations_per_inhabitant_year",
    "apl aux medecins generalistes de moins de 65 ans": "apl_gp_under65_consultations_per_inhabitant_year",
}
SCAN_ROWS = 30
_MISSING = {"", "n.d.", "nd", "n.d", "na", "n/a", "-", "nc"}
_SECRET = {"s", "secret"}


def key(text: str) -> str:
    """A header cell compared without accents, case, punctuation or repeated spaces."""
    t = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", t).split())


def _text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def _is_code_header(cell: str) -> bool:
    return key(cell).startswith("code commune")


def _header_index(grid: list[list]) -> int | None:
    for i, row in enumerate(grid[:SCAN_ROWS]):
        cells = [_text(v) for v in row]
        if any(_is_code_header(c) for c in cells) and any(
                key(c).startswith("apl aux medecins generalistes") for c in cells):
            return i
    return None


def _sheets(c: Candidate, *, head_only: bool = False):
    """(sheet title, grid, header row index) of every APL sheet of the workbook."""
    wb = open_workbook(c)
    for ws in wb.worksheets:
        grid = []
        for i, row in enumerate(ws.iter_rows(values_only=True)):
            if head_only and i >= SCAN_ROWS:
                break
            grid.append(list(row))
        at = _header_index(grid)
        if at is not None:
            yield ws.title, grid, at


def recognise(c: Candidate) -> str | None:
    if c.suffix != ".xlsx":
        return None
    try:
        return KINDS[0] if next(_sheets(c, head_only=True), None) else None
    except Exception:  # noqa: BLE001 - recognise must not raise on another format (etl/core.py)
        return None


def _year(title: str, grid: list[list], at: int, where: str) -> int:
    # The sheet name (« APL 2022 », « APL_2019 »), else the sheet's title (its first filled row):
    # the note rows below the title cite the years of the sources (SNIIR-AM, populations).
    heading = next((" ".join(_text(v) for v in row) for row in grid[:at] if any(_text(v) for v in row)), "")
    for text in (title, heading):
        found = re.findall(r"(?<!\d)(20\d{2})(?!\d)", text)
        if found:
            return int(found[-1])
    raise EtlError(where, "année de l'APL introuvable", line=at + 1,
                   expected="une année dans le nom de la feuille (ex. « APL 2022 ») ou dans son titre")


def _value(v, where: str, line: int, column: str) -> tuple[float | None, str, str | None]:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        if v < 0:
            raise EtlError(where, f"nombre négatif « {v} »", line=line, column=column,
                           expected="un nombre positif ou nul")
        return float(v), "ok", None
    text = _text(v)
    low = text.lower()
    if low in _MISSING:
        return None, "missing", text or None
    if low in _SECRET:
        return None, "secret", text
    t = text.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    if re.fullmatch(r"\d+(\.\d+)?", t):
        return float(t), "ok", None
    raise EtlError(where, f"valeur non reconnue « {text[:20]} »", line=line, column=column,
                   expected="un nombre (ex. 3,2), vide ou « n.d. »")


def _code(v, where: str, line: int, column: str) -> str:
    text = _text(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        text = text.zfill(5)   # a code stored as a number lost its leading zero
    if not re.fullmatch(r"\d[0-9AB]\d{3}", text):
        raise EtlError(where, f"code de commune non valide « {text[:20]} »", line=line, column=column,
                       expected="un code commune Insee sur 5 caractères")
    return text


def _fictional(codes: set[str]) -> bool:
    """A file of the fictional demo territory only (never credited to its real producer)."""
    return bool(codes) and all(is_fictional_code(code, "commune") for code in codes)


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    known = {r[0] for r in ctx.con.execute(
        "select territory_code from territories where territory_level = 'commune'").fetchall()}
    sheets = list(_sheets(c))
    years = []
    facts, lines, codes_col = [], [], None
    other: set[str] = set()
    unknown: dict[str, tuple[int, str, str]] = {}   # code → (line, column, sheet)
    rows_read = 0
    read_codes: set[str] = set()
    sheet_of: dict[int, str] = {}
    for title, grid, at in sheets:
        where = f"{c.display_name}, feuille « {title} »"
        year = _year(title, grid, at, where)
        if year in sheet_of:
            raise EtlError(where, f"année {year} déjà lue dans la feuille « {sheet_of[year]} »", line=at + 1,
                           expected="une feuille par année")
        sheet_of[year] = title
        years.append(year)
        header = [_text(v) for v in grid[at]]
        code_i = next(i for i, h in enumerate(header) if _is_code_header(h))
        codes_col = header[code_i]
        mapped = {i: COLUMNS[key(h)] for i, h in enumerate(header) if key(h) in COLUMNS}
        other |= {h for i, h in enumerate(header)
                  if key(h).startswith("apl ") and i not in mapped}
        for n, row in enumerate(grid[at + 1:], start=at + 2):
            if not any(_text(v) for v in row):
                continue
            row = list(row) + [None] * (len(header) - len(row))
            if not _text(row[code_i]) or sum(1 for v in row if _text(v)) == 1:
                continue   # a note under the table (« Champ : … », « Source : … »)
            rows_read += 1
            code = _code(row[code_i], where, n, header[code_i])
            read_codes.add(code)
            if code not in known:
                unknown.setdefault(code, (n, header[code_i], where))
                continue
            for i, indicator in mapped.items():
                value, status, note = _value(row[i], where, n, header[i])
                facts.append(dict(territory_code=code, territory_level="commune", indicator_id=indicator,
                                  year=year, value=value, status=status, status_note=note,
                                  origin="official_file", source_variable=header[i]))
                lines.append(n)
    vintage = ", ".join(str(y) for y in sorted(set(years)))
    source_id = ctx.add_source(c, kind, producer="DREES",
                               title="Accessibilité potentielle localisée (APL) aux médecins généralistes",
                               vintage=vintage, licence="Licence Ouverte 2.0", url=URL, rows_read=rows_read,
                               is_fictional=_fictional(read_codes))
    for f in facts:
        f["source_id"] = source_id
    if other:
        ctx.warn(c.display_name, "colonnes non suivies par le tableau de bord, ignorées : "
                 + ", ".join(sorted(other)))
    if unknown:
        first_code, (line, column, where) = next(iter(unknown.items()))
        ctx.warn(where, f"{len(unknown)} codes de commune absents de la base (ni COG ni territoire "
                 f"déclaré), lignes écartées ; premier : « {first_code} »", line=line, column=column)
    ctx.record_lines(source_id, "indicator_facts", "territory_code", [f["territory_code"] for f in facts],
                     lines, codes_col or "Code commune INSEE")
    ctx.insert("indicator_facts", facts)
    return rows_read
