"""A file of addresses or coordinates in, the same file with its QPVs out (CSV or XLSX).

Used by `python -m etl locate` and the page « Adresse → quartier ». Reading: CSV (`;`, `,` or
tab; UTF-8, Latin-1 or UTF-16; line numbers kept in errors) or the first sheet of an XLSX, every
cell as text. Writing: the file's own columns, then the added ones (indicators.locate.output_frame),
as CSV for French spreadsheets (UTF-8 with BOM, `;`) or XLSX; text a spreadsheet would run as a
formula is neutralised.
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from etl.core import EtlError
from reports.tables import neutralise


def read_file(data: bytes, name: str) -> pd.DataFrame:
    """The table of a CSV or XLSX file, every cell as text (None when empty)."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        import openpyxl

        try:
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # noqa: BLE001 - openpyxl raises many types on a damaged file
            raise EtlError(name, f"classeur XLSX illisible ({type(exc).__name__})",
                           expected="un classeur Excel .xlsx valide") from None
        rows = [[None if v is None else (str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
                 for v in r] for r in wb.worksheets[0].iter_rows(values_only=True)]
        rows = [r for r in rows if any(v not in (None, "") for v in r)]
        if not rows:
            raise EtlError(name, "la première feuille est vide", line=1, expected="un en-tête puis des lignes")
        header = [h if h else f"colonne_{i + 1}" for i, h in enumerate(rows[0])]
        width = len(header)
        body = [(r + [None] * width)[:width] for r in rows[1:]]
        return pd.DataFrame(body, columns=header, dtype=object)
    from etl.readers import read_table

    table = read_table(data, name)
    return pd.DataFrame([[v if v != "" else None for v in r] for r in table.rows],
                        columns=table.header, dtype=object)


def to_csv(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    w.writerow([neutralise(str(c)) for c in df.columns])
    for row in df.itertuples(index=False):
        w.writerow(["" if v is None or (isinstance(v, float) and pd.isna(v)) else
                    (f"{v}".replace(".", ",") if isinstance(v, float) else neutralise(str(v)))
                    for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(df: pd.DataFrame, summary: pd.DataFrame | None = None, note: str | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Adresses"
    ws.append([str(c) for c in df.columns])
    for row in df.itertuples(index=False):
        line = []
        for v in row:
            if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
                line.append(None)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                line.append(v)
            else:
                line.append(str(v))
        ws.append(line)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"        # never a formula
    if summary is not None:
        s = wb.create_sheet("Synthèse")
        for r in [list(summary.columns)] + summary.values.tolist():
            s.append([str(x) if not isinstance(x, (int, float)) else x for x in r])
        if note:
            s.append([])
            s.append([note])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write(df: pd.DataFrame, path: Path, summary: pd.DataFrame | None = None,
          note: str | None = None) -> None:
    """Write the located table: XLSX when `path` ends with .xlsx, else CSV."""
    data = to_xlsx(df, summary, note) if path.suffix.lower() == ".xlsx" else to_csv(df)
    path.write_bytes(data)
