"""Loader of the programme template (etl/template.py): local figures typed by a contract team.

Recognised by the header row: a CSV (any encoding or separator that etl/readers.py reads) or an
XLSX workbook (every sheet) whose header holds every required column of one template table;
when several tables fit, the one with the most matching columns wins. Title rows above the header
are skipped, merged cells are filled with their value, formulas are never evaluated (a formula in
a text column is kept as its text; in a numeric column it is an error).
"""
from __future__ import annotations

import csv
import functools
import io
import math
import re
import zipfile
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import pandas as pd

from etl.checks import QPV_CODE_EXPECTED, UNIQUE_KEYS, qpv_vintage
from etl.core import Candidate, EtlError, LoadContext, source_id_of
from etl.readers import (CONTROL_EXPECTED, control_character, decode_text, is_person_marker,
                         is_personal_column, normalise_text, parse_number, read_table, sniff_separator)
from etl.template import BY_NAME, LEVELS, TABLES, Col, Table
from indicators.registry import BY_ID

PRIORITY = 90   # after official files: an official name wins over a typed one
KINDS: tuple[str, ...] = ("programme_workbook",) + tuple(f"programme_{t.name}" for t in TABLES)
FORMAT_LABEL = ("modèle de saisie du programme (CSV ou classeur XLSX dont l'en-tête contient les "
                "colonnes obligatoires d'une table : voir python -m etl template-doc)")

_TEXT_SUFFIXES = (".csv", ".tsv", ".tab", "")
_XLSX_SUFFIXES = (".xlsx", ".xlsm")
_HEADER_SCAN_ROWS = 20

NUMBER_EXPECTED = "un nombre (ex. 1 075 ou 12,5)"
INT_EXPECTED = "un nombre entier (ex. 1 075)"
YEAR_EXPECTED = "une année sur 4 chiffres (ex. 2024)"
BOOL_EXPECTED = "oui ou non (ou vrai/faux, 1/0, x ou vide)"
_TRUE = {"oui", "o", "true", "vrai", "1", "x", "yes", "y"}
_FALSE = {"non", "n", "false", "faux", "0", "no"}

# Which level a parent code has, for each child level (territories.parent_codes).
_PARENT_LEVEL = {
    "qpv": "commune", "commune": "epci", "epci": "departement", "departement": "region",
    "region": "france", "quartier_veille": "commune", "poche_pauvrete": "commune",
}
# Database column → template column, for messages.
_TEMPLATE_NAMES = {"contract_slug": "contract"}
# Columns where a withheld marker (s, nd, ns…) is a status rather than an error.
_MARKER_COLUMNS = {("published_values", "value"), ("published_values", "numerator"),
                   ("published_values", "denominator"), ("kpi_values", "value"),
                   ("kpi_values", "target")}


def normalise_header(name: Any) -> str:
    text = "" if name is None else str(name)
    text = text.replace("\ufeff", "").strip().strip("*").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def match_table(header: list[str]) -> Table | None:
    """The template table a header row belongs to, or None. Raises nothing."""
    cols = {normalise_header(h) for h in header}
    fits = [t for t in TABLES if t.required <= cols]
    if not fits:
        return None
    return max(fits, key=lambda t: (len(cols & set(t.names)), len(t.required), -TABLES.index(t)))


# ── Recognition ───────────────────────────────────────────────────────────────────────────
@dataclass
class Sheet:
    """One table read from a file: header, rows of raw cells, and where each row was."""

    file_name: str          # for messages: 'x.csv' or 'x.xlsx, feuille « actions »'
    header: list[str]       # normalised
    raw_header: list[str]
    rows: list[list[Any]]
    line_numbers: list[int]
    table: Table | None


def _is_xlsx(c: Candidate) -> bool:
    head = c.head(4)
    if head != b"PK\x03\x04":
        return False
    try:
        with zipfile.ZipFile(c.path) as zf:
            return "xl/workbook.xml" in zf.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def _find_header(text: str) -> tuple[int, Table] | None:
    """The 0-based line of the template header within the first lines of a text, and its table."""
    lines = text.split("\n")
    for i, line in enumerate(lines[:_HEADER_SCAN_ROWS]):
        if not line.strip():
            continue
        cells = next(csv.reader([line], delimiter=sniff_separator(line), quotechar='"'), [])
        table = match_table(cells)
        if table is not None:
            return i, table
    return None


def _head_text(c: Candidate) -> str | None:
    head = c.head(65536)
    if b"\x00" in head[:4096] and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        return decode_text(head, c.display_name)
    except (EtlError, UnicodeDecodeError, ValueError):
        return None


def recognise(c: Candidate) -> str | None:
    try:
        if _is_xlsx(c):
            sheets = _xlsx_sheets(c)
            tables = [s.table for s in sheets if s.table is not None]
            if not tables:
                return None
            return f"programme_{tables[0].name}" if len(tables) == 1 else "programme_workbook"
        if c.suffix in _XLSX_SUFFIXES or c.suffix not in _TEXT_SUFFIXES and c.head(2) == b"PK":
            return None
        text = _head_text(c)
        found = _find_header(text) if text is not None else None
        return f"programme_{found[1].name}" if found else None
    except Exception:  # noqa: BLE001 - recognise must not raise on another format (etl/core.py)
        return None


def _near_miss(cells: list[Any]) -> tuple[Table, list[str]] | None:
    """The template table a header almost matches (it has `contract` and at least one other
    column of the table) and the required columns it lacks."""
    cols = {normalise_header(_cell_text(h)) for h in cells}
    if "contract" not in cols:
        return None
    scored = [(len(cols & set(t.names)), -TABLES.index(t), t) for t in TABLES]
    score, _, table = max(scored, key=lambda x: (x[0], x[1]))
    if score < 2:
        return None
    return table, [n for n in table.names if n in table.required and n not in cols]


def explain_unrecognised(c: Candidate) -> EtlError | None:
    """A header that looks like a template table but lacks a required column (build hook)."""
    if _is_xlsx(c):
        import openpyxl
        wb = openpyxl.load_workbook(io.BytesIO(c.read_bytes()), read_only=True)
        for ws in wb.worksheets:
            for i, row in enumerate(ws.iter_rows(max_row=_HEADER_SCAN_ROWS, values_only=True), start=1):
                miss = _near_miss(list(row))
                if miss:
                    return _missing_error(f"{c.display_name}, feuille « {ws.title} »", i, *miss)
        return None
    if c.suffix not in _TEXT_SUFFIXES:
        return None
    text = _head_text(c)
    if text is None:
        return None
    for i, line in enumerate(text.split("\n")[:_HEADER_SCAN_ROWS], start=1):
        if not line.strip():
            continue
        cells = next(csv.reader([line], delimiter=sniff_separator(line), quotechar='"'), [])
        miss = _near_miss(cells)
        if miss:
            return _missing_error(c.display_name, i, *miss)
    return None


def _missing_error(name: str, line: int, table: Table, missing: list[str]) -> EtlError:
    plural = "s" if len(missing) > 1 else ""
    return EtlError(name, f"colonne{plural} obligatoire{plural} absente{plural} pour la table "
                    f"{table.name} du modèle : {', '.join(missing)}", line=line, column=missing[0],
                    expected="les colonnes " + ", ".join(n for n in table.names if n in table.required))


# ── Reading ───────────────────────────────────────────────────────────────────────────────
def _csv_sheet(c: Candidate) -> Sheet:
    text = decode_text(c.read_bytes(), c.display_name)
    found = _find_header(text)
    if found is None:
        return Sheet(c.display_name, [], [], [], [], None)
    skip = found[0]
    # Read from the header line on; line numbers stay those of the file.
    body = "\n".join(text.split("\n")[skip:]).encode("utf-8")
    try:
        t = read_table(body, c.display_name, skip_title_rows=False)
    except EtlError as exc:
        if exc.line is not None:
            exc.line += skip
        raise
    header = [normalise_header(h) for h in t.header]
    return Sheet(c.display_name, header, t.header, t.rows, [n + skip for n in t.line_numbers],
                 match_table(t.header))


def _xlsx_sheets(c: Candidate) -> list[Sheet]:
    """The sheets of a workbook, parsed once: `recognise` parses the whole workbook to find its
    tables and `load` reads the same sheets (kept in `c.memo` until the file is loaded; nothing
    changes them in place; issue #15)."""
    sheets = c.memo.get("programme_sheets")
    if sheets is None:
        sheets = c.memo["programme_sheets"] = _parse_xlsx_sheets(c)
    return list(sheets)


def _parse_xlsx_sheets(c: Candidate) -> list[Sheet]:
    import openpyxl   # imported here: only workbooks need it

    try:
        wb = openpyxl.load_workbook(io.BytesIO(c.read_bytes()), data_only=False, read_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a damaged file
        raise EtlError(c.display_name, f"classeur XLSX illisible ({type(exc).__name__})",
                       expected="un classeur Excel .xlsx valide")
    sheets = []
    for ws in wb.worksheets:
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        for rng in ws.merged_cells.ranges:
            value = ws.cell(rng.min_row, rng.min_col).value
            for r in range(rng.min_row, rng.max_row + 1):
                for col in range(rng.min_col, rng.max_col + 1):
                    if r - 1 < len(grid) and col - 1 < len(grid[r - 1]):
                        grid[r - 1][col - 1] = value
        name = f"{c.display_name}, feuille « {ws.title} »"
        header_idx = None
        table = None
        for i, row in enumerate(grid[:_HEADER_SCAN_ROWS]):
            cells = [_cell_text(v) for v in row]
            if sum(1 for v in cells if v) < 2:
                continue
            table = match_table(cells)
            if table is not None:
                header_idx = i
                break
        if header_idx is None:
            filled = [list(r) for r in grid if any(_cell_text(v) for v in r)]
            sheets.append(Sheet(name, [], [], filled, [], None))
            continue
        raw = [_cell_text(v) for v in grid[header_idx]]
        while raw and not raw[-1]:
            raw.pop()
        rows, lines = [], []
        for j, row in enumerate(grid[header_idx + 1:], start=header_idx + 2):
            cells = list(row[:len(raw)]) + [None] * (len(raw) - len(row))
            if all(_cell_text(v) == "" for v in cells):
                continue
            if any(_cell_text(v) for v in row[len(raw):]):
                raise EtlError(name, "une cellule remplie à droite de la dernière colonne de l'en-tête",
                               line=j, expected="des valeurs sous les colonnes de l'en-tête")
            rows.append(cells)
            lines.append(j)
        sheets.append(Sheet(name, [normalise_header(h) for h in raw], raw, rows, lines, table))
    return sheets


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "oui" if v else "non"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if v.time() == datetime.min.time() else v.isoformat()
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


# ── Parsing cells ─────────────────────────────────────────────────────────────────────────
_COLUMNS: dict[tuple[str, str], Col] = {}


def _column(table: Table, name: str) -> Col:
    """The template column `name` of `table` (a dict lookup: 200 000 rows × 10 columns)."""
    col = _COLUMNS.get((table.name, name))
    if col is None:
        col = _COLUMNS[(table.name, name)] = next(c for c in table.columns if c.name == name)
    return col


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _clean_text(raw: Any) -> tuple[str, str | None]:
    """A cell as normalised text (one key however « Santé » was typed) and its first control
    character; memoised, as a large file repeats the same few values."""
    text = normalise_text(_cell_text(raw))
    return text, control_character(text)


_VALUE, _LIST, _MARKER, _ERROR = object(), object(), object(), object()


class _Row:
    """Typed access to one row, raising EtlError with file, line, column and expectation."""

    def __init__(self, sheet: Sheet, table: Table, cells: list[Any], line: int,
                 typed: dict | None = None):
        self.sheet, self.table, self.line = sheet, table, line
        self.cells = dict(zip(sheet.header, cells))
        self.markers: dict[str, tuple[str, str | None]] = {}
        self.typed = typed

    def error(self, column: str, message: str, expected: str | None = None) -> EtlError:
        return EtlError(self.sheet.file_name, message, line=self.line, column=column, expected=expected)

    def raw(self, name: str) -> Any:
        return self.cells.get(name)

    def get(self, name: str) -> Any:
        """The cell typed; a text cell (or an empty one) is typed once per column and value
        (`typed`, shared by the rows of a sheet: a file repeats the same few values), with the
        same value, marker or error (raised with this row's line) as `_typed`."""
        raw = self.cells.get(name)
        if self.typed is None or not (raw is None or type(raw) is str):
            return self._typed(name)
        key = (name, raw)
        outcome = self.typed.get(key)
        if outcome is None:
            outcome = self.typed[key] = self._outcome(name)
        kind, value = outcome
        if kind is _VALUE:
            return value
        if kind is _LIST:
            return list(value)
        if kind is _MARKER:
            self.markers[name] = value
            return None
        raise self.error(name, *value)

    def _outcome(self, name: str) -> tuple[object, Any]:
        """What `_typed` gives for this cell: a value, a list, a withheld marker or an error."""
        self.markers.pop(name, None)
        try:
            value = self._typed(name)
        except EtlError as exc:
            return _ERROR, (exc.message, exc.expected)
        if name in self.markers:
            return _MARKER, self.markers[name]
        return (_LIST, tuple(value)) if isinstance(value, list) else (_VALUE, value)

    def _typed(self, name: str) -> Any:
        col = _column(self.table, name)
        raw = self.cells.get(name)
        text, control = _clean_text(raw)
        if control:
            raise self.error(name, f"caractère de contrôle {control} dans le texte", CONTROL_EXPECTED)
        if text == "":
            if col.required:
                raise self.error(name, "valeur obligatoire manquante", _expected(col))
            return [] if col.type == "list" else None
        if col.type == "text":
            if col.values:
                low = text.lower()
                if low not in col.values:
                    raise self.error(name, f"valeur non reconnue « {_clip(text)} »",
                                     "une de : " + ", ".join(col.values))
                return low
            return text
        if isinstance(raw, str) and raw.startswith("="):
            raise self.error(name, f"formule de tableur « {_clip(raw)} » (les formules ne sont pas"
                                   " calculées)", _expected(col))
        if col.type == "list":
            return [p.strip() for p in re.split(r"[,|]", text) if p.strip()]
        if col.type == "bool":
            if isinstance(raw, bool):
                return raw
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise self.error(name, f"valeur non reconnue « {_clip(text)} »", BOOL_EXPECTED)
        if col.type == "year":
            if isinstance(raw, (int, float)) and not isinstance(raw, bool) and float(raw).is_integer():
                text = str(int(raw))
            if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= 2100:
                raise self.error(name, f"année non reconnue « {_clip(text)} »", YEAR_EXPECTED)
            return int(text)
        # number / int
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            value = float(raw)
        else:
            try:
                parsed = parse_number(text)
            except ValueError:
                raise self.error(name, f"nombre non reconnu « {_clip(text)} »", _expected(col)) from None
            if parsed.value is None:
                if (self.table.name, name) in _MARKER_COLUMNS:
                    self.markers[name] = (parsed.status, parsed.marker)
                    return None
                raise self.error(name, f"nombre non reconnu « {_clip(text)} »", _expected(col))
            value = parsed.value
        self._check_bounds(name, value, text)
        if col.type == "int":
            if not float(value).is_integer():
                raise self.error(name, f"nombre entier attendu, trouvé « {_clip(text)} »", INT_EXPECTED)
            return int(value)
        return value


    def _check_bounds(self, name: str, value: float, text: str) -> None:
        """Numbers beyond what any column can mean: not finite, above 10^13 in absolute value
        (euros: more than the country's yearly income), a count above 10^8 or negative."""
        if not math.isfinite(value):
            raise self.error(name, f"nombre non fini « {_clip(text)} »", NUMBER_EXPECTED)
        if abs(value) > MAX_AMOUNT:
            raise self.error(name, f"nombre invraisemblable « {_clip(text)} » (au-delà de 10^13)",
                             "un nombre inférieur à 10 000 milliards en valeur absolue")
        if (self.table.name, name) in COUNT_COLUMNS and value > MAX_COUNT:
            raise self.error(name, f"effectif invraisemblable « {_clip(text)} » (plus de 100 millions)",
                             COUNT_EXPECTED)
        if (self.table.name, name) in COUNT_COLUMNS and value < 0 and name != "n_attributions":
            raise self.error(name, f"effectif négatif « {_clip(text)} »", COUNT_EXPECTED)


# Columns holding a number of people, households, dwellings or attributions (0 to 10^8).
COUNT_COLUMNS = {("territories", "population"), ("attributions", "n_attributions"),
                 ("housing_results", "numerator"), ("housing_results", "denominator"),
                 ("housing_results", "needed_published")}
MAX_COUNT = 1e8
MAX_AMOUNT = 1e13
COUNT_EXPECTED = "un effectif entre 0 et 100 millions"


def _expected(col: Col) -> str:
    if col.values:
        return "une de : " + ", ".join(col.values)
    return {"number": NUMBER_EXPECTED, "int": INT_EXPECTED, "year": YEAR_EXPECTED,
            "bool": BOOL_EXPECTED, "list": "des codes séparés par « , » ou « | »",
            "text": "un texte"}[col.type]


def _clip(text: str, n: int = 60) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


# ── Loading ───────────────────────────────────────────────────────────────────────────────
def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    if _is_xlsx(c):
        sheets = [s for s in _xlsx_sheets(c)]
        for s in sheets:
            if s.table is None and (s.rows or s.header):
                ctx.warn(s.file_name, "feuille sans en-tête du modèle, ignorée")
        sheets = [s for s in sheets if s.table is not None]
    else:
        sheets = [_csv_sheet(c)]
    if not sheets or any(s.table is None for s in sheets):
        raise EtlError(c.display_name, "en-tête du modèle de saisie introuvable", line=1,
                       expected="les colonnes obligatoires d'une table du modèle (python -m etl template-doc)")
    sheets.sort(key=lambda s: TABLES.index(s.table))
    # The source row is written once its rows are counted: one statement, not an insert and an
    # update (issue #15); nothing reads it before the file is loaded.
    source_id = source_id_of(c)
    total = 0
    for sheet in sheets:
        total += _load_sheet(ctx, sheet, source_id)
    ctx.add_source(c, kind, producer="Équipe du contrat de ville", title=_title(sheets), rows_read=total)
    return total


# What each template table holds, in the words a reader of a source line understands (the
# title of a loaded template file is shown in credits: « published_values » is a table name).
TABLE_TITLES = {
    "contracts": "contrats", "territories": "territoires", "documents": "documents",
    "published_values": "chiffres publiés", "actions": "actions", "funding": "financements",
    "kpi_definitions": "indicateurs de suivi", "kpi_values": "valeurs des indicateurs de suivi",
    "attributions": "attributions de logements", "housing_objectives": "objectifs d'attribution",
    "housing_results": "résultats d'attribution", "beneficiaries": "personnes touchées",
    "qualitative": "éléments qualitatifs", "signatories": "signataires",
    "common_law_schemes": "dispositifs de droit commun",
    "common_law_figures": "chiffres du droit commun", "tfpb_abatements": "abattement de TFPB",
    "steering_committee": "comité de pilotage",
}


def _title(sheets: list[Sheet]) -> str:
    names = ", ".join(TABLE_TITLES.get(s.table.name, s.table.name) for s in sheets)
    return f"Modèle de saisie du programme : {names}"


_PEOPLE_TABLES = ("beneficiaries",)


def personal_columns(raw_header: list[str], table: Table | None) -> list[int]:
    """The indexes of the columns of personal data in a header (of `table` when it is one of the
    template's), decided by the whole header: in a table of people (`beneficiaries`), or in any
    header with a column only a file about people has (Prénom, date de naissance, téléphone,
    e-mail, NIR, n° allocataire… `is_person_marker`), every personal column (`is_personal_column`:
    nom, adresse, code postal… too); in any other header, none (a COG « nom », a BAN « nom_voie »
    or « code_postal », an ANCT « NOM_QP » stay). A column of the template itself is never one."""
    own = set(table.names) if table is not None else set()
    found = [i for i, raw in enumerate(raw_header) if is_personal_column(raw)
             and normalise_header(raw) not in own]
    if table is not None and table.name in _PEOPLE_TABLES:
        return found
    return found if any(is_person_marker(raw_header[i]) for i in found) else []


def strip_personal_columns(data: bytes, name: str) -> tuple[bytes, list[str]]:
    """The file without its columns of personal data, and their names (etl/personal.py calls it
    before an uploaded file is written anywhere), for any CSV/TSV or workbook, recognised or not:
    the header is the template's header row when there is one, else the first of the first lines
    with the most non-empty cells. A CSV is rewritten in UTF-8 with its separator; a workbook is
    saved again without those columns. A file without such columns, or that cannot be read as a
    table, is returned as it is (the build reports what is wrong)."""
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    try:
        if data[:4] == b"PK\x03\x04" and suffix in ("xlsx", "xlsm"):
            return _strip_xlsx(data, keep_vba=suffix == "xlsm")
        if suffix in ("csv", "tsv"):
            return _strip_csv(data, name)
    except (EtlError, UnicodeDecodeError, ValueError, zipfile.BadZipFile, KeyError, OSError, csv.Error):
        pass
    return data, []


def _header_row(rows: list[list[str]]) -> tuple[int, Table | None] | None:
    """Which of the first rows of a table is its header: the template's header row if one is,
    else the first row with the most non-empty cells (at least two: title rows have one)."""
    rows = rows[:_HEADER_SCAN_ROWS]
    for i, cells in enumerate(rows):
        if sum(1 for v in cells if v.strip()) >= 2 and (table := match_table(cells)) is not None:
            return i, table
    counts = [sum(1 for v in cells if v.strip()) for cells in rows]
    if not counts or max(counts) < 2:
        return None
    return counts.index(max(counts)), None


def _strip_csv(data: bytes, name: str) -> tuple[bytes, list[str]]:
    head = data
    if len(data) > 65536 and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = data[:65536]
        head = head[:head.rfind(b"\n") + 1] or head      # whole lines: no character cut in two
    lines = decode_text(head, name).split("\n")[:_HEADER_SCAN_ROWS]
    cells = [next(csv.reader([line], delimiter=sniff_separator(line), quotechar='"'), []) if line.strip()
             else [] for line in lines]
    found = _header_row(cells)
    if found is None:
        return data, []
    header = [h.strip().strip("\ufeff") for h in cells[found[0]]]
    drop = set(personal_columns(header, found[1]))
    if not drop:
        return data, []
    text = decode_text(data, name)
    lines = text.split("\n")
    sep = sniff_separator(lines[found[0]])
    rows = list(csv.reader(io.StringIO("\n".join(lines[found[0]:])), delimiter=sep, quotechar='"'))
    removed = [rows[0][i].strip() for i in sorted(drop)]
    out = io.StringIO()
    out.write("".join(line + "\n" for line in lines[:found[0]]))
    writer = csv.writer(out, delimiter=sep, quotechar='"', lineterminator="\n")
    for row in rows:
        writer.writerow([cell for i, cell in enumerate(row) if i not in drop])
    return out.getvalue().encode("utf-8"), removed


def _strip_xlsx(data: bytes, *, keep_vba: bool) -> tuple[bytes, list[str]]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=False, keep_vba=keep_vba)
    removed: list[str] = []
    for ws in wb.worksheets:
        rows = [[_cell_text(v) for v in row] for row in ws.iter_rows(max_row=_HEADER_SCAN_ROWS, values_only=True)]
        found = _header_row(rows)
        if found is None:
            continue
        cells = rows[found[0]]
        drop = personal_columns(cells, found[1])
        if not drop:
            continue
        removed += [cells[i] for i in drop]
        above = [(c.row, c.column, c.value, copy(c._style)) for row in ws.iter_rows(max_row=found[0])
                 for c in row] if found[0] else []    # title rows stay: only the table loses columns
        for i in reversed(drop):
            ws.delete_cols(i + 1)
        for r, col, value, style in above:
            ws.cell(r, col).value = value
            ws.cell(r, col)._style = style
    if not removed:
        return data, []
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), removed


def _drop_personal_columns(ctx: LoadContext, sheet: Sheet) -> Sheet:
    """In a table of people, columns of personal data are dropped before any cell is read (so no
    value of theirs can be stored, shown, exported or quoted in an error message)."""
    drop = set(personal_columns(sheet.raw_header, sheet.table))
    keep = [i for i in range(len(sheet.raw_header)) if i not in drop]
    dropped = [raw for i, raw in enumerate(sheet.raw_header) if i not in keep]
    if not dropped:
        return sheet
    ctx.warn(sheet.file_name, "colonnes de données personnelles ignorées, jamais enregistrées : "
             + ", ".join(dropped))
    return Sheet(sheet.file_name, [sheet.header[i] for i in keep], [sheet.raw_header[i] for i in keep],
                 [[row[i] if i < len(row) else None for i in keep] for row in sheet.rows],
                 sheet.line_numbers, sheet.table)


def _locate_people(ctx: LoadContext, sheet: Sheet) -> tuple[Sheet, dict[int, str]]:
    """In a table of people, the QPV of residence is computed from address or coordinate columns
    (indicators.locate.locate_rows, against the contours and the BAN loaded before this file),
    then those columns are dropped: no address or point is stored. Returns the sheet without
    them (its `territory_code` filled where empty) and the residence status per line."""
    from indicators.locate import IN_QPV, OUTSIDE, TO_CHECK, guess_columns, load_contours, locate_rows

    extra = [i for i, h in enumerate(sheet.header) if h not in sheet.table.names]
    if not extra or not sheet.rows:
        return sheet, {}
    df = pd.DataFrame([[_cell_text(row[i]) if i < len(row) else "" for i in extra] for row in sheet.rows],
                      columns=[sheet.raw_header[i] for i in extra])
    columns = guess_columns(df)
    if columns.empty:
        return sheet, {}
    if not columns.coords and not ctx.con.execute("select count(*) from ban_addresses").fetchall()[0][0]:
        return sheet, {}      # no BAN loaded: the address columns are dropped as personal data
    contours = load_contours(ctx.con)
    if not contours.qpv:
        ctx.warn(sheet.file_name, "aucun contour de QPV chargé : le quartier de résidence n'est pas "
                 "calculé ; colonnes d'adresse ou de coordonnées ignorées, jamais enregistrées : "
                 + ", ".join(columns.used()))
        located = None
    else:
        located = locate_rows(df, ctx.con if columns.address else contours, columns=columns,
                              geography=contours.geographies[0])
    used = set(columns.used())
    keep = [i for i, raw in enumerate(sheet.raw_header) if not (i in extra and raw in used)]
    t_idx = sheet.header.index("territory_code") if "territory_code" in sheet.header else None
    header, raw_header = [sheet.header[i] for i in keep], [sheet.raw_header[i] for i in keep]
    if t_idx is None:
        header, raw_header = header + ["territory_code"], raw_header + ["territory_code"]
    rows, residence = [], {}
    names = {IN_QPV: "qpv", OUTSIDE: "hors_qpv", TO_CHECK: "a_verifier"}
    for j, (row, line) in enumerate(zip(sheet.rows, sheet.line_numbers)):
        cells = [row[i] if i < len(row) else None for i in keep]
        typed = _cell_text(row[t_idx]) if t_idx is not None and t_idx < len(row) else ""
        status = located["qpv_status"].iloc[j] if located is not None else None
        code = located["qpv_code"].iloc[j] if located is not None else None
        code = code if isinstance(code, str) else None
        if not typed and status in names:
            residence[line] = names[status]
            if t_idx is None:
                cells.append(code)
            else:
                cells[keep.index(t_idx)] = code
        elif t_idx is None:
            cells.append(None)
        rows.append(cells)
    if located is not None:
        s = located["qpv_status"]
        counts = (f"{int((s == IN_QPV).sum())} en QPV, {int((s == OUTSIDE).sum())} hors QPV, "
                  f"{int((s == TO_CHECK).sum())} à vérifier, {int(s.isin([None, 'not_located']).sum())}"
                  " non localisées")
        ctx.warn(sheet.file_name, "quartier de résidence calculé (" + counts + ") puis colonnes "
                 "d'adresse ou de coordonnées ignorées, jamais enregistrées : " + ", ".join(
                     sheet.raw_header[i] for i in extra if sheet.raw_header[i] in used))
    return Sheet(sheet.file_name, header, raw_header, rows, sheet.line_numbers, sheet.table), residence


def _load_sheet(ctx: LoadContext, sheet: Sheet, source_id: str) -> int:
    residence: dict[int, str] = {}
    if sheet.table.name in _PEOPLE_TABLES:
        sheet, residence = _locate_people(ctx, sheet)
        sheet = _drop_personal_columns(ctx, sheet)
    table = sheet.table
    known = set(table.names)
    unknown = [raw for raw, h in zip(sheet.raw_header, sheet.header) if h and h not in known]
    if unknown:
        ctx.warn(sheet.file_name, "colonnes inconnues ignorées : " + ", ".join(unknown), line=None)
    if not sheet.rows:
        ctx.warn(sheet.file_name, f"aucune ligne de données (table {table.name})")
        return 0
    if table.name == "attributions" and _load_attributions_by_column(ctx, sheet, source_id):
        return len(sheet.rows)
    typed: dict = {}
    rows = [_Row(sheet, table, cells, line, typed) for cells, line in zip(sheet.rows, sheet.line_numbers)]
    writer = _WRITERS[table.name]
    out: dict[str, list[dict]] = {}
    lines_of: dict[str, list[int]] = {}
    seen: dict[str, dict[tuple, int]] = {}
    state: dict = {"residence": residence}
    for row in rows:
        for target, record, line in writer(row, state):
            record["source_id"] = source_id
            key_cols = UNIQUE_KEYS.get(target)
            if key_cols and target != "territory_links":
                key = tuple(record.get(k) for k in key_cols)
                first = seen.setdefault(target, {}).get(key)
                if first is not None:
                    names = [_TEMPLATE_NAMES.get(k, k) for k in key_cols]
                    raise EtlError(sheet.file_name,
                                   f"ligne en double (même {', '.join(names)} qu'à la ligne {first})",
                                   line=line, column=names[-1],
                                   expected="une seule ligne par " + " × ".join(names))
                seen[target][key] = line
            out.setdefault(target, []).append(record)
            lines_of.setdefault(target, []).append(line)
    if table.name == "steering_committee":
        _warn_uncited(ctx, sheet, rows)
    for target, records in out.items():
        _record_lines(ctx, source_id, target, records, lines_of[target])
        if target == "territory_links":
            records = list({tuple(sorted(r.items())): r for r in records}.values())
        ctx.insert(target, records)
    # Which contracts this file speaks for (read by post_load, whatever the table).
    ctx.con.execute("create temp table if not exists _programme_file_contracts"
                    " (source_id varchar, contract_slug varchar)")
    ctx.con.executemany("insert into _programme_file_contracts values (?, ?)",
                        [[source_id, slug] for slug in sorted({r.get("contract") for r in rows})])
    return len(rows)


def _warn_uncited(ctx: LoadContext, sheet: Sheet, rows: list) -> None:
    """Committee rows citing no document: the app can credit their section only, without a
    document title, producer or date (nothing is made up): one warning per file, at the first."""
    lines = [r.line for r in rows if not r.get("document_id")]
    if lines:
        ctx.warn(sheet.file_name, f"{len(lines)} membre{'s' if len(lines) > 1 else ''} du comité de "
                 "pilotage sans document source : leur source sera citée sans titre de document, "
                 "producteur ni date (attendu : l'identifiant d'un document de la table documents)",
                 line=lines[0], column="document_id")


# Code columns whose line is remembered for the checks run after loading (etl/checks.py):
# database column → template column, per target table where they differ.
_LINE_COLUMNS = ("territory_code", "qpv_code", "kpi_id", "action_id", "document_id", "contract_slug",
                 "child_code", "parent_code", "signatory_id", "scheme_id",
                 "year")    # with document_id: the row of a figure dated after its document (etl.checks)
_FILE_COLUMNS = {("programme_action_territories", "territory_code"): "territories",
                 ("territory_links", "parent_code"): "parent_codes",
                 ("territory_links", "child_code"): "territory_code"}


def _record_lines(ctx: LoadContext, source_id: str, target: str, records: list[dict],
                  lines: list[int]) -> None:
    for column in _LINE_COLUMNS:
        if not any(r.get(column) is not None for r in records):
            continue
        file_column = _FILE_COLUMNS.get((target, column), _TEMPLATE_NAMES.get(column, column))
        ctx.record_lines(source_id, target, column, [r.get(column) for r in records], lines, file_column)


_CONTRACT_RE = re.compile(r"[a-z0-9][a-z0-9_-]*")


def _load_attributions_by_column(ctx: LoadContext, sheet: Sheet, source_id: str) -> bool:
    """The attributions sheet (200 000 rows at national scale) typed column by column: each
    distinct text of a column is typed once (`_Row._outcome`), the rules of `_w_attributions` and
    the unique key are checked on whole columns, and the columns are written as they are.
    Returns False, having written nothing, when a cell is not plain text (a workbook's numbers)
    or when any cell, rule or key fails: the row-by-row path then raises the same error with
    its line as it always did."""
    table = sheet.table
    index = {h: i for i, h in enumerate(sheet.header)}      # the last of a repeated name, as _Row
    probe = _Row(sheet, table, [], 0)
    cols: dict[str, list] = {}
    for col in table.columns:
        i = index.get(col.name)
        raws = [row[i] if i < len(row) else None for row in sheet.rows] if i is not None \
            else [None] * len(sheet.rows)
        outcomes = {}
        for raw in set(raws):
            if not (raw is None or type(raw) is str):
                return False
            probe.cells = {col.name: raw}
            kind, value = outcomes[raw] = probe._outcome(col.name)
            if kind is not _VALUE:
                return False
        cols[col.name] = [outcomes[raw][1] for raw in raws]
    location, qpv, quartile, n = (cols[c] for c in ("location", "qpv_code", "resource_quartile",
                                                    "n_attributions"))
    if (any(q and loc == "hors_qpv" for loc, q in zip(location, qpv))
            or any(q is not None and not 1 <= q <= 4 for q in quartile)
            or any(v < 0 for v in n)
            or any(not _CONTRACT_RE.fullmatch(slug) for slug in set(cols["contract"]))):
        return False
    record = {"contract_slug": cols["contract"], **{c: cols[c] for c in (
        "year", "landlord", "reserving_party", "location", "qpv_code", "resource_quartile",
        "is_priority_household", "is_transfer", "is_lease_signed", "n_attributions")}}
    keys = list(zip(*(record[k] for k in UNIQUE_KEYS["housing_attributions"])))
    if len(set(keys)) != len(keys):
        return False
    for column in _LINE_COLUMNS:
        if column in record and any(v is not None for v in record[column]):
            ctx.record_lines(source_id, "housing_attributions", column, record[column], sheet.line_numbers,
                             _FILE_COLUMNS.get(("housing_attributions", column), _TEMPLATE_NAMES.get(column, column)))
    ctx.insert("housing_attributions", pd.DataFrame({**record, "source_id": source_id}))
    ctx.con.execute("create temp table if not exists _programme_file_contracts"
                    " (source_id varchar, contract_slug varchar)")
    ctx.con.executemany("insert into _programme_file_contracts values (?, ?)",
                        [[source_id, slug] for slug in sorted(set(cols["contract"]))])
    return True


def _contract(row: _Row) -> str:
    slug = row.get("contract")
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", slug):
        raise row.error("contract", f"identifiant de contrat non valide « {_clip(slug)} »",
                        "des minuscules, chiffres et tirets (ex. grand-chalon)")
    return slug


def _w_contracts(r: _Row, state: dict):
    start, end = r.get("start_year"), r.get("end_year")
    if start and end and end < start:
        raise r.error("end_year", f"dernière année {end} avant la première {start}",
                      "une année postérieure ou égale à start_year")
    yield "contracts", dict(
        contract_slug=_contract(r), contract_name=r.get("contract_name"), epci_code=r.get("epci_code"),
        period_label=r.get("period_label"), start_year=start, end_year=end,
        is_fictional=bool(r.get("is_fictional"))), r.line


def _w_territories(r: _Row, state: dict):
    contract = _contract(r)
    code, level = r.get("territory_code"), r.get("territory_level")
    vintage = r.get("geography_vintage")
    if level == "qpv":
        expected = qpv_vintage(code)
        if expected is None:
            raise r.error("territory_code", f"code de QPV non valide « {_clip(code)} »", QPV_CODE_EXPECTED)
        if vintage is None:
            vintage = expected
        elif vintage != expected:
            raise r.error("geography_vintage", f"géographie {vintage} incohérente avec le code {code}",
                          str(expected))
    yield "territories", dict(
        territory_code=code, territory_level=level, territory_name=r.get("territory_name"),
        geography_vintage=vintage, population=r.get("population"),
        population_year=r.get("population_year"), is_fictional=False), r.line
    for parent in r.get("parent_codes"):
        parent_level = _parent_level(r, level, parent)
        yield "territory_links", dict(child_code=code, child_level=level, parent_code=parent,
                                      parent_level=parent_level), r.line
    if r.get("in_contract"):
        yield "contract_territories", dict(contract_slug=contract, territory_code=code,
                                           territory_level=level, note=r.get("note")), r.line


def _parent_level(r: _Row, level: str, parent: str) -> str:
    if level == "commune":
        # A commune's parent is its EPCI (SIREN, 9 digits) or, when given, its département.
        if re.fullmatch(r"\d{9}", parent):
            return "epci"
        if re.fullmatch(r"\d{2,3}|2[AB]", parent):
            return "departement"
        raise r.error("parent_codes", f"code parent non reconnu « {_clip(parent)} » pour une commune",
                      "le SIREN de l'EPCI (9 chiffres) ou le code du département")
    if level not in _PARENT_LEVEL:
        raise r.error("parent_codes", f"un territoire de niveau {level} n'a pas de parent",
                      "une cellule vide")
    return _PARENT_LEVEL[level]


def _w_documents(r: _Row, state: dict):
    yield "documents", dict(
        contract_slug=_contract(r), document_id=r.get("document_id"), title=r.get("title"),
        producer=r.get("producer"), published_on=r.get("published_on"), url=r.get("url"),
        licence=r.get("licence")), r.line


def _status(r: _Row, value_col: str, has_value: bool, allow_empty_ok: bool) -> tuple[str, str | None]:
    """Status of a value: the status column, else the marker found in the value, else ok/missing."""
    given = r.get("status")
    marker_status, marker = r.markers.get(value_col, (None, None))
    if has_value:
        if given and given != "ok":
            raise r.error("status", f"une valeur est saisie avec le statut « {given} »",
                          "le statut ok, ou une valeur vide (jamais un chiffre secret)")
        return "ok", None
    if given == "ok" and not allow_empty_ok:
        raise r.error(value_col, "valeur vide avec le statut ok", NUMBER_EXPECTED)
    if given and given != "ok":
        return given, marker
    return marker_status or "missing", marker


def _w_published_values(r: _Row, state: dict):
    r.get("contract")
    indicator = r.get("indicator_id")
    if indicator not in BY_ID:
        raise r.error("indicator_id", f"indicateur inconnu « {_clip(indicator)} »",
                      "un identifiant du registre (indicators/registry.py), ex. poverty_rate_pct")
    value, num, den = r.get("value"), r.get("numerator"), r.get("denominator")
    has_parts = num is not None and den is not None
    if BY_ID[indicator].is_rate and value is not None and not 0 <= value <= 100:
        raise r.error("value", f"pourcentage hors de 0 à 100 ({value:g})".replace(".", ","),
                      "un pourcentage entre 0 et 100")
    if BY_ID[indicator].aggregation == "sum" and value is not None and value > MAX_COUNT:
        raise r.error("value", f"effectif invraisemblable ({value:g}) pour {indicator}".replace(".", ","),
                      COUNT_EXPECTED)
    if has_parts and num > den:
        raise r.error("numerator", f"numérateur {num:g} supérieur au dénominateur {den:g}".replace(".", ","),
                      "un numérateur inférieur ou égal au dénominateur")
    status, note = _status(r, "value", value is not None, allow_empty_ok=has_parts)
    if status in ("secret", "not_significant") and (num is not None or den is not None):
        part = "numerator" if num is not None else "denominator"
        raise r.error(part, "numérateur ou dénominateur saisi pour une valeur couverte par le secret :"
                      " il permettrait de la recalculer", "des cellules vides pour une valeur secrète")
    if status == "ok" and value is None:
        status = "missing"   # the build derives the rate from its numerator and denominator
    yield "indicator_facts", dict(
        territory_code=r.get("territory_code"), territory_level=r.get("territory_level"),
        indicator_id=indicator, year=r.get("year"), value=value, numerator=num, denominator=den,
        status=status, status_note=note, origin="published", source_variable=None,
        source_note=r.get("source_note"), document_id=r.get("document_id"),
        source_ref=r.get("source_ref"),
        is_internal=bool(r.get("is_internal")),
        year_given=None if r.get("year_given") is None else bool(r.get("year_given"))), r.line
    if r.get("headline") or r.get("headline_order") is not None:
        yield "published_headlines", dict(
            contract_slug=_contract(r), territory_code=r.get("territory_code"),
            territory_level=r.get("territory_level"), indicator_id=indicator, year=r.get("year"),
            headline_order=r.get("headline_order")), r.line


def _w_actions(r: _Row, state: dict):
    contract, action, year = _contract(r), r.get("action_id"), r.get("year")
    yield "programme_actions", dict(
        contract_slug=contract, action_id=action, year=year, title=r.get("title"),
        operator=r.get("operator"), theme=r.get("theme"), is_new=r.get("is_new"),
        is_multiyear_agreement=r.get("is_multiyear_agreement"),
        is_poverty_pocket=r.get("is_poverty_pocket"), description=r.get("description"),
        document_id=r.get("document_id"), source_ref=r.get("source_ref"),
        is_internal=bool(r.get("is_internal"))), r.line
    for code in r.get("territories"):
        yield "programme_action_territories", dict(contract_slug=contract, action_id=action, year=year,
                                                   territory_code=code), r.line


def _w_funding(r: _Row, state: dict):
    amount = r.get("amount_eur")
    if amount < 0:
        raise r.error("amount_eur", f"montant négatif ({amount:g})", "un montant positif en euros")
    yield "programme_funding", dict(
        contract_slug=_contract(r), action_id=r.get("action_id"), year=r.get("year"),
        funder=r.get("funder"), funder_label=r.get("funder_label"), amount_eur=amount,
        document_id=r.get("document_id"), source_ref=r.get("source_ref"),
        is_internal=bool(r.get("is_internal"))), r.line


def _w_kpi_definitions(r: _Row, state: dict):
    yield "kpi_definitions", dict(
        contract_slug=_contract(r), kpi_id=r.get("kpi_id"), label=r.get("label"), unit=r.get("unit"),
        theme=r.get("theme"), cumulation=r.get("cumulation"),
        higher_is_better=r.get("higher_is_better"), definition=r.get("definition"),
        headline=bool(r.get("headline") or r.get("headline_order") is not None),
        headline_order=r.get("headline_order"), scope=r.get("scope") or "contrat"), r.line


def _w_kpi_values(r: _Row, state: dict):
    value = r.get("value")
    status, _ = _status(r, "value", value is not None, allow_empty_ok=False)
    published = r.get("is_published")
    document = r.get("document_id")
    yield "kpi_values", dict(
        contract_slug=_contract(r), kpi_id=r.get("kpi_id"), territory_code=r.get("territory_code"),
        year=r.get("year"), period_label=r.get("period_label"), value=value, target=r.get("target"),
        qualifier=r.get("qualifier"), status=status,
        is_published=bool(document) if published is None else published,
        document_id=document, source_ref=r.get("source_ref"),
        is_internal=bool(r.get("is_internal"))), r.line


def _w_attributions(r: _Row, state: dict):
    location, qpv = r.get("location"), r.get("qpv_code")
    if location == "hors_qpv" and qpv:
        raise r.error("qpv_code", f"code de QPV « {_clip(qpv)} » pour une attribution hors QPV",
                      "une cellule vide quand location = hors_qpv")
    quartile = r.get("resource_quartile")
    if quartile is not None and not 1 <= quartile <= 4:
        raise r.error("resource_quartile", f"quartile {quartile} hors de 1 à 4", "1, 2, 3 ou 4")
    n = r.get("n_attributions")
    if n < 0:
        raise r.error("n_attributions", f"nombre négatif ({n})", "un nombre entier positif ou nul")
    yield "housing_attributions", dict(
        contract_slug=_contract(r), year=r.get("year"), landlord=r.get("landlord"),
        reserving_party=r.get("reserving_party"), location=location, qpv_code=qpv,
        resource_quartile=quartile, is_priority_household=r.get("is_priority_household"),
        is_transfer=r.get("is_transfer"), is_lease_signed=r.get("is_lease_signed"),
        n_attributions=n), r.line


def _pct(r: _Row, name: str) -> float | None:
    v = r.get(name)
    if v is not None and not 0 <= v <= 100:
        raise r.error(name, f"pourcentage hors de 0 à 100 ({v:g})", "un pourcentage entre 0 et 100")
    return v


def _w_housing_objectives(r: _Row, state: dict):
    yield "housing_objectives", dict(
        contract_slug=_contract(r), party_type=r.get("party_type"), party_name=r.get("party_name"),
        objective=r.get("objective"), target_pct=_pct(r, "target_pct"), note=r.get("note"),
        document_id=r.get("document_id"), source_ref=r.get("source_ref")), r.line


def _w_housing_results(r: _Row, state: dict):
    num, den = r.get("numerator"), r.get("denominator")
    if num is not None and den is not None and num > den:
        raise r.error("numerator", f"numérateur {num:g} supérieur au dénominateur {den:g}",
                      "un numérateur inférieur ou égal au dénominateur")
    yield "housing_published_results", dict(
        contract_slug=_contract(r), year=r.get("year"), party_type=r.get("party_type"),
        party_name=r.get("party_name"), objective=r.get("objective"), numerator=num,
        denominator=den, rate_pct=_pct(r, "rate_pct"), needed_published=r.get("needed_published"),
        document_id=r.get("document_id"), source_ref=r.get("source_ref")), r.line


def _w_qualitative(r: _Row, state: dict):
    contract, territory = _contract(r), r.get("territory_code")
    item_type, theme = r.get("item_type"), r.get("theme")
    position = r.get("position")
    group = (contract, territory, item_type, theme)
    rank = state.setdefault("rank", {})
    rank[group] = rank.get(group, 0) + 1
    if position is None:
        position = rank[group]   # row order within (contract, territory, item_type, theme)
    yield "qualitative_items", dict(
        contract_slug=contract, territory_code=territory, item_type=item_type, theme=theme,
        position=position, text=r.get("text"), document_id=r.get("document_id"),
        source_ref=r.get("source_ref")), r.line


def _w_beneficiaries(r: _Row, state: dict):
    yield "programme_beneficiaries", dict(
        contract_slug=_contract(r), action_id=r.get("action_id"), year=r.get("year"),
        territory_code=r.get("territory_code"), sex=r.get("sex"), age_band=r.get("age_band"),
        residence_status=state.get("residence", {}).get(r.line)), r.line


def _w_signatories(r: _Row, state: dict):
    yield "review_signatories", dict(
        contract_slug=_contract(r), signatory_id=r.get("signatory_id"), name=r.get("name"),
        signatory_type=r.get("signatory_type"),
        is_signatory=r.get("is_signatory") is not False, commitment=r.get("commitment"),
        document_id=r.get("document_id"), source_ref=r.get("source_ref")), r.line


def _w_common_law_schemes(r: _Row, state: dict):
    yield "review_schemes", dict(
        contract_slug=_contract(r), scheme_id=r.get("scheme_id"), signatory_id=r.get("signatory_id"),
        pillar=r.get("pillar"), objective=r.get("objective_label"), scheme=r.get("scheme"),
        funding_kind=r.get("funding_kind") or "droit_commun",
        document_id=r.get("document_id"), source_ref=r.get("source_ref")), r.line


def _w_common_law_figures(r: _Row, state: dict):
    value = r.get("value")
    if value < 0:
        raise r.error("value", f"valeur négative ({value:g})", "un nombre positif ou nul")
    yield "review_figures", dict(
        contract_slug=_contract(r), scheme_id=r.get("scheme_id"), year=r.get("year"),
        measure=r.get("measure"), value=value, unit=r.get("unit"), scope=r.get("scope"),
        territory_code=r.get("territory_code"), document_id=r.get("document_id"),
        source_ref=r.get("source_ref"), is_internal=bool(r.get("is_internal"))), r.line


def _w_tfpb_abatements(r: _Row, state: dict):
    amount = r.get("amount_eur")
    if amount is not None and amount < 0:
        raise r.error("amount_eur", f"montant négatif ({amount:g})", "un montant positif en euros")
    yield "review_tfpb", dict(
        contract_slug=_contract(r), signatory_id=r.get("signatory_id"), year=r.get("year"),
        action=r.get("action"), territory_code=r.get("territory_code"), amount_eur=amount,
        document_id=r.get("document_id"), source_ref=r.get("source_ref"),
        is_internal=bool(r.get("is_internal"))), r.line


def _w_steering_committee(r: _Row, state: dict):
    contract = _contract(r)
    position = r.get("position")
    rank = state.setdefault("rank", {})
    rank[contract] = rank.get(contract, 0) + 1
    yield "review_committee", dict(
        contract_slug=contract, college=r.get("college"), organisation=r.get("organisation"),
        member=r.get("member"), signatory_id=r.get("signatory_id"),
        position=rank[contract] if position is None else position,
        document_id=r.get("document_id"), source_ref=r.get("source_ref")), r.line


_WRITERS = {
    "contracts": _w_contracts, "territories": _w_territories, "documents": _w_documents,
    "published_values": _w_published_values, "actions": _w_actions, "funding": _w_funding,
    "kpi_definitions": _w_kpi_definitions, "kpi_values": _w_kpi_values,
    "attributions": _w_attributions, "housing_objectives": _w_housing_objectives,
    "housing_results": _w_housing_results, "qualitative": _w_qualitative,
    "beneficiaries": _w_beneficiaries,
    "signatories": _w_signatories, "common_law_schemes": _w_common_law_schemes,
    "common_law_figures": _w_common_law_figures, "tfpb_abatements": _w_tfpb_abatements,
    "steering_committee": _w_steering_committee,
}
assert set(_WRITERS) == set(BY_NAME), "every template table needs a writer"
assert set(LEVELS) >= set(_PARENT_LEVEL)


# ── After every file is loaded ────────────────────────────────────────────────────────────
def post_load(con) -> None:
    """Name each programme file's producer after its contract and carry `is_fictional` over.

    Done after loading so that a contracts file is used whatever order the files come in.
    Territories typed in the template take their contract's `is_fictional`.
    """
    con.execute("create temp table if not exists _programme_file_contracts"
                " (source_id varchar, contract_slug varchar)")
    union = "select source_id, contract_slug from _programme_file_contracts"
    con.execute(f"""
        create or replace temp table _programme_source_contracts as
        select u.source_id, count(distinct u.contract_slug) as n_contracts,
               min(c.contract_name) as contract_name, coalesce(bool_or(c.is_fictional), false) as fictional
        from ({union}) u left join contracts c on c.contract_slug = u.contract_slug
        group by u.source_id""")
    con.execute("""
        update sources s set
            producer = case when p.n_contracts = 1 and p.contract_name is not null
                            then p.contract_name else s.producer end,
            is_fictional = s.is_fictional or p.fictional
        from _programme_source_contracts p
        where p.source_id = s.source_id and s.kind like 'programme_%'""")
    # Territories typed in the template: fictional when their file is.
    con.execute("""
        update territories t set is_fictional = true
        from sources s where s.source_id = t.source_id and s.kind like 'programme_%' and s.is_fictional""")
    con.execute("drop table _programme_source_contracts")
    con.execute("drop table _programme_file_contracts")
    # People whose territory of residence was typed: in a QPV, or not (a watch-list area).
    con.execute("""
        update programme_beneficiaries b
        set residence_status = case when t.is_qpv then 'qpv' else 'hors_qpv' end
        from (select territory_code, bool_or(territory_level = 'qpv') as is_qpv
              from territories group by 1) t
        where b.residence_status is null and t.territory_code = b.territory_code""")
