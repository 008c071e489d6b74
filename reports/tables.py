"""Table exports for French spreadsheets: CSV (`;`, decimal comma, UTF-8 with BOM) and XLSX.

Both functions take a DataFrame as the app shows it and return the file as bytes, ready for
`st.download_button(data=...)`. The conventions, decided once for every export:

* **Withheld values are marked in the cell itself** (per-value markers): a value whose status is
  not `ok` is written as its French label — « secret statistique », « non disponible »,
  « non significatif », « sans objet » — in place of the number, never 0 and never the number
  (even if one was left in the frame by mistake). The status of a value column is read from
  a column named `status` (for the column `value`, the shape of the `indicator_values` view), or
  `<col>_status` / `<col>__status` for `<col>`, or the `status_columns` mapping. These status
  columns are consumed and not written (the mark is already in the cell). A cell that already
  holds one of the labels as text passes through; a NULL without a status stays empty.
* **Text that a spreadsheet would run as a formula** (first character `=`, `+`, `-`, `@`, tab,
  CR or LF, their full-width forms `＝ ＋ － ＠`, also after leading spaces, no-break spaces or
  zero-width characters, which some spreadsheets skip) is neutralised: prefixed with `'` in the CSV; in the XLSX it is stored as a text cell
  with Excel's "quote prefix" style (shown as typed, never evaluated, no visible apostrophe).
  Numbers are numbers and are never prefixed.
* **CSV layout**: a few metadata lines (Titre, Territoire, Date, one `Source` line per source,
  and `Mention;Données fictives de démonstration` for the fictional territory), one empty line,
  then the table (header row + rows). Read it back with
  `pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=csv_preamble_length(data))`.
  Numbers have a decimal comma and no thousands separator (a spreadsheet reads `1480` as a
  number; `1 480` would be text); integers have no decimals.
* **XLSX layout**: sheet « Données » with a header block (title, territory, date as a real date,
  the demo mark in red when fictional), the table with a bold header row, a filter and frozen
  panes; numbers as numbers with number formats that Excel displays with the reader's locale
  (`#,##0` shows `1 480` in a French Excel, `#,##0.0#" %"` shows `12,04 %` for 12.04 — shares
  stay on the 0–100 scale, as in the app); sheet « Sources » with producer, title, vintage,
  licence, address, file and SHA-256 of every source.

Sources are a list of dicts with the column names of the `sources` table (`producer`, `title`,
`vintage`, `licence`, `url`, `file_name`, `sha256`, `is_fictional`), plain strings, or a
DataFrame; `sources_from_db(con, ...)` reads them from the database.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import numbers
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from config import DEMO_MARK
from indicators import fmt
from indicators.fmt import STATUS_TEXT
from indicators.sources import credited_source

# The words written in place of a withheld value: the app's own (indicators.fmt.STATUS_TEXT).
STATUS_LABELS: dict[str, str] = {k: v for k, v in STATUS_TEXT.items() if k != "ok"}
MARK_LABELS = frozenset(STATUS_LABELS.values())

# First characters that make Excel / LibreOffice / Google Sheets evaluate a cell (OWASP CSV
# injection), plus the line breaks some of them strip before looking, and the full-width and
# small forms of the signs (an East Asian input method or a normalising import turns them into
# the ASCII ones).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20",
                    "\ufe66", "\ufe62", "\ufe63", "\u2212")
# Invisible characters a spreadsheet may skip before it looks for a formula sign (besides every
# Unicode space: str.isspace covers U+00A0 and U+202F).
ZERO_WIDTH = frozenset("\u200b\u200c\u200d\u2060\ufeff\u180e")

SOURCE_FIELDS: tuple[tuple[str, str], ...] = (
    ("producer", "Producteur"),
    ("title", "Titre"),
    ("vintage", "Millésime"),
    ("licence", "Licence"),
    ("url", "Adresse"),
    ("file_name", "Fichier"),
    ("sha256", "SHA-256"),
)

NBSP = "\u00a0"
# Excel number formats: `,` and `.` are placeholders that Excel shows with the reader's locale
# separators (a French Excel shows `1 480` and `12,04`); literal text is quoted.
# Decimals kept in the cells of computed values (the display format shows as many).
KIND_DECIMALS = {"year": 0, "int": 0, "eur_int": 0, "pct": 2, "eur": 2, "meur": 1, "float": 2}

NUMBER_FORMATS = {
    "year": "0",
    "int": "#,##0",
    "float": "#,##0.0#",
    "pct": f'#,##0.0#"{NBSP}%"',
    "eur_int": f'#,##0"{NBSP}€"',
    "eur": f'#,##0.00"{NBSP}€"',
    "meur": f'#,##0.0"{NBSP}M€"',
    "date": "dd/mm/yyyy",
}


# ── Shared helpers ──────────────────────────────────────────────────────────────────────────
def neutralise(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with `'` (CSV injection)."""
    return "'" + text if is_formula_like(text) else text


def is_formula_like(text: str) -> bool:
    """True when the first character that is not a space or an invisible character (or the very
    first one: tab, CR, LF) is a formula sign (FORMULA_TRIGGERS)."""
    if not text:
        return False
    if text[0] in FORMULA_TRIGGERS:
        return True
    for ch in text:
        if not (ch.isspace() or ch in ZERO_WIDTH):
            return ch in FORMULA_TRIGGERS
    return False


def normalise_sources(sources: Any) -> list[dict[str, Any]]:
    """Sources as a list of dicts with the `sources` table's keys (missing keys are None)."""
    if sources is None:
        return []
    if isinstance(sources, pd.DataFrame):
        items: Iterable[Any] = sources.to_dict("records")
    elif isinstance(sources, (str, Mapping)):
        items = [sources]
    else:
        items = sources
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, str):
            d: dict[str, Any] = {"title": item}
        elif isinstance(item, Mapping):
            d = dict(item)
        else:
            raise TypeError(f"source must be a dict or a string, not {type(item).__name__}")
        for key, _ in SOURCE_FIELDS:
            value = d.get(key)
            d[key] = None if _is_null(value) else value
        d["is_fictional"] = bool(d.get("is_fictional") or False)
        # A fictional file is never credited to the producer whose format it imitates.
        out.append(credited_source(d))
    return out


def source_line(source: Mapping[str, Any]) -> str:
    """One readable line: 'INSEE, Filosofi, 2021 (Licence Ouverte 2.0)'. A fictional source is
    never credited to the producer whose format it imitates, nor under its licence: « Données
    fictives de démonstration — QPV2024_CAF_2022, 2022 » (as the PDFs, indicators.sources)."""
    if source.get("is_fictional"):
        from indicators.sources import FICTIONAL
        rest = ", ".join(dict.fromkeys(str(source[k]) for k in ("title", "vintage") if source.get(k)))
        return f"{FICTIONAL} — {rest}" if rest else FICTIONAL
    parts = [str(source[k]) for k in ("producer", "title", "vintage") if source.get(k)]
    text = ", ".join(dict.fromkeys(parts))
    if source.get("licence"):
        text += f" ({source['licence']})"
    return text or str(source.get("file_name") or "")


def sources_text(sources: Sequence[Mapping[str, Any]]) -> str:
    """The sources in one line: the real ones each with its producer, the fictional ones under
    one « Données fictives de démonstration (…) » (said once, not once per generated file)."""
    from indicators.sources import FICTIONAL
    real = [source_line(s) for s in sources if not s.get("is_fictional")]
    fict = [source_line(s)[len(FICTIONAL):].removeprefix(" — ") for s in sources if s.get("is_fictional")]
    fict = list(dict.fromkeys(f for f in fict if f))
    if any(s.get("is_fictional") for s in sources):
        real.append(FICTIONAL + (f" ({' ; '.join(fict)})" if fict else ""))
    return " ; ".join(dict.fromkeys(real))


def sources_from_db(con, *, source_ids: Sequence[str] | None = None,
                    contract_slug: str | None = None) -> list[dict[str, Any]]:
    """Rows of the `sources` table: the given ids, or those behind a contract's figures, or all.

    For a contract: the files its programme rows, qualitative items and territories came from,
    plus the statistical files of the indicator values of its territories.
    """
    cols = "producer, title, vintage, licence, url, file_name, sha256, is_fictional, source_id"
    if source_ids is not None:
        ids = list(dict.fromkeys(source_ids))
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        sql = f"select {cols} from sources where source_id in ({marks}) order by producer, title, file_name"
        rows = con.execute(sql, ids).fetchall()
    elif contract_slug is not None:
        sql = f"""
            with used as (
                select source_id from contracts where contract_slug = ?
                union select source_id from contract_territories where contract_slug = ?
                union select source_id from kpi_values where contract_slug = ?
                union select source_id from programme_funding where contract_slug = ?
                union select source_id from qualitative_items where contract_slug = ?
                union select source_id from housing_attributions where contract_slug = ?
                union select source_id from housing_published_results where contract_slug = ?
                union select source_id from review_signatories where contract_slug = ?
                union select source_id from review_schemes where contract_slug = ?
                union select source_id from review_figures where contract_slug = ?
                union select source_id from review_tfpb where contract_slug = ?
                union select source_id from review_committee where contract_slug = ?
                union select f.source_id from indicator_facts f
                      join contract_territories ct on ct.territory_code = f.territory_code
                       and ct.territory_level = f.territory_level and ct.contract_slug = ?
            )
            select {cols} from sources where source_id in (select source_id from used)
            order by producer, title, file_name"""
        rows = con.execute(sql, [contract_slug] * 13).fetchall()
    else:
        rows = con.execute(f"select {cols} from sources order by producer, title, file_name").fetchall()
    keys = [c.strip() for c in cols.split(",")]
    return normalise_sources([dict(zip(keys, r)) for r in rows])


def _is_null(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value)) if not isinstance(value, (str, bytes, list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Number) and not _is_bool(value) and not _is_null(value)


def plain_number(value: float | int, *, decimal_sep: str = ",") -> str:
    """A number as plain text, shortest exact form, no exponent: 1480 → '1480', 12.04 → '12,04'."""
    if isinstance(value, numbers.Integral):
        return str(int(value))
    f = float(value)
    if f.is_integer() and abs(f) < 1e15:
        return str(int(f))
    text = format(Decimal(repr(f)), "f")
    return text.replace(".", decimal_sep)


# ── Preparing the frame: markers for withheld values ────────────────────────────────────────
def _status_map(df: pd.DataFrame, status_columns: Mapping[str, str] | None) -> dict[str, str]:
    """value column → status column."""
    mapping: dict[str, str] = {}
    cols = [str(c) for c in df.columns]
    if "status" in cols and "value" in cols:
        mapping["value"] = "status"
    for c in cols:
        for suffix in ("__status", "_status"):
            if c.endswith(suffix) and c[: -len(suffix)] in cols:
                mapping[c[: -len(suffix)]] = c
                break
    if status_columns:
        for value_col, status_col in status_columns.items():
            if value_col not in cols or status_col not in cols:
                raise KeyError(f"status_columns: column {value_col!r} or {status_col!r} not in the table")
            mapping[value_col] = status_col
    return mapping


def prepare(df: pd.DataFrame, status_columns: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The frame to write: withheld values replaced by their French mark, status columns dropped.

    Every cell of a value column whose status is not 'ok' becomes the mark, whatever the value
    (a secret value left in the frame by mistake is still not written).
    """
    mapping = _status_map(df, status_columns)
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    for value_col, status_col in mapping.items():
        values = out[value_col].astype(object).tolist()
        statuses = out[status_col].tolist()
        new: list[Any] = []
        for value, status in zip(values, statuses):
            status = None if _is_null(status) else str(status)
            if status is not None and status != "ok":
                new.append(STATUS_LABELS.get(status, status))
            else:
                new.append(None if _is_null(value) else value)
        out[value_col] = pd.Series(new, index=out.index, dtype=object)
    out = out.drop(columns=list(dict.fromkeys(mapping.values())))
    # A column with no value in any row says nothing: it is not exported (an empty table keeps
    # its header). Blank text is no value (a spreadsheet shows it as an empty cell).
    if len(out):
        out = out[[c for c in out.columns
                   if not all(_is_null(v) or (isinstance(v, str) and not v.strip()) for v in out[c].tolist())]]
    return out


def _is_fictional(fictional: bool | None, sources: list[dict[str, Any]]) -> bool:
    if fictional is not None:
        return bool(fictional)
    return any(s.get("is_fictional") for s in sources)


def _date(value: dt.date | dt.datetime | str | None) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


# ── CSV ─────────────────────────────────────────────────────────────────────────────────────
def _csv_cell(value: Any) -> str:
    if _is_null(value):
        return ""
    if _is_bool(value):
        return "oui" if value else "non"
    if _is_number(value):
        return plain_number(value)
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.strftime("%d/%m/%Y %H:%M") if (value.hour or value.minute) else value.strftime("%d/%m/%Y")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return neutralise(str(value))


def to_csv_bytes(df: pd.DataFrame, *, title: str, territory: str, sources: Any = None,
                 generated_on: dt.date | str | None = None, fictional: bool | None = None,
                 status_columns: Mapping[str, str] | None = None) -> bytes:
    """The table as a CSV for French spreadsheets (UTF-8 with BOM, `;`, decimal comma, CRLF).

    `fictional=None` marks the file as demo data when a source is fictional; pass True for the
    demo territory when no source is given.
    """
    srcs = normalise_sources(sources)
    table = prepare(df, status_columns)
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(["Titre", neutralise(title)])
    w.writerow(["Territoire", neutralise(territory)])
    w.writerow(["Date", _date(generated_on).strftime("%d/%m/%Y")])
    for s in srcs:
        w.writerow(["Source"] + [_csv_cell(s.get(k)) for k, _ in SOURCE_FIELDS])
    if _is_fictional(fictional, srcs):
        w.writerow(["Mention", DEMO_MARK])
    w.writerow([])
    w.writerow([neutralise(str(c)) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        w.writerow([_csv_cell(v) for v in row])
    return buf.getvalue().encode("utf-8-sig")


def csv_preamble_length(data: bytes) -> int:
    """Number of lines before the table's header row (metadata lines and the empty line)."""
    lines = data.decode("utf-8-sig").split("\r\n")
    return lines.index("") + 1


# ── XLSX ────────────────────────────────────────────────────────────────────────────────────
_YEAR_NAME = re.compile(r"(^|[^a-z])(annee|annees|year|millesime)([^a-z]|$)")


def _column_kind(name: str, values: list[Any], unit: str | None) -> str:
    """How a column's numbers are written: year (no thousands separator), int (counts), pct,
    eur_int / eur, meur (millions of euros), float; or date, text."""
    from indicators.fmt import fold
    numbers_ = [v for v in values if _is_number(v)]
    if any(isinstance(v, (dt.date, dt.datetime, pd.Timestamp)) for v in values if not _is_null(v)):
        return "date"
    if not numbers_:
        return "text"
    lname = name.lower()
    u = (unit or "").lower()
    all_int = all(float(v).is_integer() for v in numbers_)
    if (u in {"année", "annee", "year"} or (_YEAR_NAME.search(fold(name)) and "eur" not in fold(name)
                                            and "€" not in name)) \
            and all_int and all(1800 <= float(v) <= 2200 for v in numbers_):
        return "year"
    if u in {"%", "pct"} or lname.endswith("_pct") or (not u and "%" in lname):
        return "pct"
    if u in {"m€", "meur"} or "m€" in lname or lname.endswith("_meur"):
        return "meur"
    if u.startswith("eur") or u.startswith("€") or "_eur" in lname or "€" in lname:
        return "eur_int" if all_int else "eur"
    return "int" if all_int else "float"


def _estimate_width(values: Iterable[Any], header: str) -> float:
    longest = max([len(header)] + [len(_csv_cell(v)) + 2 for v in values if not _is_null(v)])
    return float(min(max(longest + 2, 8), 60))


def to_xlsx_bytes(df: pd.DataFrame, *, title: str, territory: str, sources: Any = None,
                  generated_on: dt.date | str | None = None, fictional: bool | None = None,
                  status_columns: Mapping[str, str] | None = None,
                  units: Mapping[str, str] | None = None, sheet_name: str = "Données") -> bytes:
    """The table as an .xlsx workbook: typed cells, French-displaying formats, a Sources sheet.

    `units` maps a column to its unit ('%', 'EUR/mois', …) to choose its number format; without
    it the format is inferred from the column name (`_pct`, `(%)`, `_eur`, `€`) and the values.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    srcs = normalise_sources(sources)
    table = prepare(df, status_columns)
    is_demo = _is_fictional(fictional, srcs)
    units = dict(units or {})

    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(sheet_name)
    bold = Font(bold=True)

    def text_cell(row: int, col: int, text: str, font: Font | None = None):
        cell = ws.cell(row=row, column=col)
        _set_text(cell, text)
        if font is not None:
            cell.font = font
        return cell

    text_cell(1, 1, title, Font(bold=True, size=14))
    text_cell(2, 1, "Territoire", bold)
    text_cell(2, 2, territory)
    text_cell(3, 1, "Date", bold)
    date_cell = ws.cell(row=3, column=2, value=_date(generated_on))
    date_cell.number_format = NUMBER_FORMATS["date"]
    date_cell.alignment = Alignment(horizontal="left")
    text_cell(4, 1, "Sources", bold)
    text_cell(4, 2, sources_text(srcs) if srcs else "non précisées")
    row = 5
    if is_demo:
        text_cell(row, 1, "Mention", bold)
        text_cell(row, 2, DEMO_MARK, Font(bold=True, color="B00020"))
        row += 1
    header_row = row + 1

    header_fill = PatternFill("solid", fgColor="E8EEF4")
    columns = list(table.columns)
    for j, name in enumerate(columns, start=1):
        cell = text_cell(header_row, j, name, bold)
        cell.fill = header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")

    kinds = {name: _column_kind(name, table[name].tolist(), units.get(name)) for name in columns}
    for i, values in enumerate(table.itertuples(index=False, name=None), start=header_row + 1):
        for j, (name, value) in enumerate(zip(columns, values), start=1):
            cell = ws.cell(row=i, column=j)
            if _is_null(value):
                continue
            if _is_bool(value):
                _set_text(cell, "oui" if value else "non")
            elif _is_number(value):
                number = int(value) if isinstance(value, numbers.Integral) else float(value)
                # Computed ratios keep the decimals their format shows; counts and years are whole.
                number = round(number, KIND_DECIMALS.get(kinds[name], 2))
                if kinds[name] == "pct" and not fmt.written_at(value, fmt.TYPED_MAX_DECIMALS):
                    # A rate beyond the decimals a document types is a quotient: one decimal, as
                    # the page shows it (indicators.fmt.COMPUTED_PCT_DECIMALS), not « 91,25 % ».
                    number = float(Decimal(repr(float(value))).quantize(
                        Decimal(1).scaleb(-fmt.COMPUTED_PCT_DECIMALS), rounding=ROUND_HALF_UP))
                if kinds[name] in ("year", "int", "eur_int") and float(number).is_integer():
                    number = int(number)
                cell.value = number
                cell.number_format = NUMBER_FORMATS.get(kinds[name], NUMBER_FORMATS["float"])
            elif isinstance(value, (dt.datetime, pd.Timestamp, dt.date)):
                cell.value = value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
                cell.number_format = NUMBER_FORMATS["date"]
            else:
                _set_text(cell, str(value))
                if str(value) in MARK_LABELS:
                    cell.font = Font(italic=True, color="555555")
                    cell.alignment = Alignment(horizontal="right")

    for j, name in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(j)].width = _estimate_width(table[name].tolist(), name)
    if columns:
        ws.column_dimensions["A"].width = max(ws.column_dimensions["A"].width or 0, 12)
        last = get_column_letter(len(columns))
        ws.auto_filter.ref = f"A{header_row}:{last}{header_row + max(len(table), 1)}"
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1)

    src_ws = wb.create_sheet("Sources")
    # A field no source fills (licence, address… of the programme template's files) is no column.
    fields = [(key, label) for key, label in SOURCE_FIELDS
              if not srcs or any(not _is_null(s.get(key)) and str(s.get(key)).strip() for s in srcs)]
    for j, (_, label) in enumerate(fields, start=1):
        cell = src_ws.cell(row=1, column=j)
        _set_text(cell, label)
        cell.font = bold
        cell.fill = header_fill
    for i, s in enumerate(srcs, start=2):
        for j, (key, _) in enumerate(fields, start=1):
            if s.get(key) is not None:
                _set_text(src_ws.cell(row=i, column=j), str(s[key]))
    if is_demo:
        cell = src_ws.cell(row=len(srcs) + 3, column=1)
        _set_text(cell, DEMO_MARK)
        cell.font = Font(bold=True, color="B00020")
    for j, (key, label) in enumerate(fields, start=1):
        src_ws.column_dimensions[get_column_letter(j)].width = _estimate_width(
            [s.get(key) for s in srcs], label)

    wb.properties.title = title
    wb.properties.creator = "Tableau de bord politique de la ville"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _set_text(cell, text: str) -> None:
    """Store text as text: openpyxl would turn '=…' into a formula; the quote prefix keeps Excel
    from re-reading it as one when the cell is edited."""
    cell.value = text
    cell.data_type = "s"
    if is_formula_like(text):
        cell.quotePrefix = True


def _sheet_title(name: str) -> str:
    for ch in '[]:*?/\\':
        name = name.replace(ch, " ")
    return name[:31] or "Données"


def sheets_to_xlsx_bytes(sheets: Sequence[tuple], *, title: str,
                         territory: str, sources: Any = None,
                         generated_on: dt.date | str | None = None,
                         fictional: bool | None = None) -> bytes:
    """Several tables in one workbook: one sheet per (name, table, note) or (name, table, note,
    sheet_sources), each laid out as `to_xlsx_bytes` lays out its sheet (title, territory, date,
    its own sources, else `sources`, typed cells, formats), with the note (when given) under the
    title; then one Sources sheet, of `sources`."""
    from copy import copy

    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Font

    out = Workbook()
    out.remove(out.active)
    used: set[str] = set()
    sources_ws = load_workbook(io.BytesIO(to_xlsx_bytes(
        pd.DataFrame(), title=title, territory=territory, sources=sources, generated_on=generated_on,
        fictional=fictional)))["Sources"] if sheets else None
    for name, df, note, *own in sheets:
        one = load_workbook(io.BytesIO(to_xlsx_bytes(
            df, title=f"{title} — {name}", territory=territory, sources=own[0] if own else sources,
            generated_on=generated_on, fictional=fictional, sheet_name=name)))
        sheet_title = _sheet_title(name).strip() or "Données"
        base, i = sheet_title, 2
        while sheet_title.lower() in used:
            sheet_title = _sheet_title(f"{base[:27]} ({i})")
            i += 1
        used.add(sheet_title.lower())
        for src in one.worksheets:
            if src.title == "Sources":
                continue
            ws = out.create_sheet(sheet_title)
            for row in src.iter_rows():
                for cell in row:
                    target = ws.cell(row=cell.row, column=cell.column, value=cell.value)
                    if cell.has_style:
                        target.font, target.fill = copy(cell.font), copy(cell.fill)
                        target.number_format = cell.number_format
                        target.alignment = copy(cell.alignment)
                    target.data_type = cell.data_type
                    target.quotePrefix = cell.quotePrefix
            for key, dim in src.column_dimensions.items():
                ws.column_dimensions[key].width = dim.width
            ws.freeze_panes = src.freeze_panes
            ws.auto_filter.ref = src.auto_filter.ref
            if note:
                # The empty row above the header (to_xlsx_bytes leaves one) holds the note.
                header_row = ws[src.freeze_panes].row - 1 if src.freeze_panes else ws.max_row + 2
                _set_text(ws.cell(row=header_row - 1, column=1), note)
                ws.cell(row=header_row - 1, column=1).font = Font(italic=True, color="555555")
    if sources_ws is not None:
        ws = out.create_sheet("Sources")
        for row in sources_ws.iter_rows():
            for cell in row:
                target = ws.cell(row=cell.row, column=cell.column, value=cell.value)
                if cell.has_style:
                    target.font, target.fill = copy(cell.font), copy(cell.fill)
        for key, dim in sources_ws.column_dimensions.items():
            ws.column_dimensions[key].width = dim.width
    out.properties.title = title
    out.properties.creator = "Tableau de bord politique de la ville"
    buf = io.BytesIO()
    out.save(buf)
    return buf.getvalue()
