"""The INSEE loader refuses a workbook without CODGEO before openpyxl parses it (issue #15): its
XML is searched for the word as text first; a workbook that may hold it is read as before."""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from etl.core import Candidate
from etl.loaders import insee


def _workbook(path: Path, header, rows) -> Candidate:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Taux de pauvreté par quartier, 2021"])
    ws.append([])
    ws.append(header)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return Candidate(path, path.name)


def _recognised(c: Candidate, monkeypatch) -> tuple[bool, str | None, int]:
    """(may hold CODGEO, kind recognised, sheets parsed by openpyxl)."""
    parsed = []
    original = insee._xlsx_data_sheet

    def spy(*args, **kwargs):
        parsed.append(1)
        return original(*args, **kwargs)
    monkeypatch.setattr(insee, "_xlsx_data_sheet", spy)
    return insee._xlsx_may_hold_key(c), insee.recognise(c), len(parsed)


QPV_ROWS = [["QN07101I", "Les Aubépins", 41.5], ["QN07102I", "Le Stade", 38.0]]


def test_a_workbook_without_codgeo_is_refused_unparsed(tmp_path, monkeypatch) -> None:
    c = _workbook(tmp_path / "programme.xlsx", ["contract", "action_id", "title"],
                  [["val-de-lorne", "A1", "Code géographique des ateliers"]])
    assert _recognised(c, monkeypatch) == (False, None, 0)


def test_an_insee_workbook_is_read_as_before(tmp_path, monkeypatch) -> None:
    c = _workbook(tmp_path / "pauvrete.xlsx", ["CODGEO", "LIBGEO", "TP60_2021"], QPV_ROWS)
    assert _recognised(c, monkeypatch) == (True, "insee_qpv_stats", 1)


def test_codgeo_in_any_case_with_a_zero_width_character_is_found(tmp_path, monkeypatch) -> None:
    c = _workbook(tmp_path / "communes.xlsx", ["cod\u200bgeo", "LIBGEO", "MED21"],
                  [["71076", "Chalon-sur-Saône", 21_000.0]])
    assert _recognised(c, monkeypatch) == (True, "insee_commune_stats", 1)


def test_codgeo_written_in_two_runs_of_rich_text_is_found(tmp_path, monkeypatch) -> None:
    header = [CellRichText([TextBlock(InlineFont(b=True), "COD"), TextBlock(InlineFont(i=True), "GEO")]),
              "LIBGEO", "TP60_2021"]
    c = _workbook(tmp_path / "riche.xlsx", header, QPV_ROWS)
    assert _recognised(c, monkeypatch) == (True, "insee_qpv_stats", 1)


def test_codgeo_written_with_character_references_is_found(tmp_path, monkeypatch) -> None:
    plain = _workbook(tmp_path / "plain.xlsx", ["CODGEO", "LIBGEO", "TP60_2021"], QPV_ROWS)
    out = io.BytesIO()
    with zipfile.ZipFile(plain.path) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/sharedStrings.xml":
                assert b">CODGEO<" in data
                data = data.replace(b">CODGEO<", b">&#67;OD&#x47;EO<")
            zout.writestr(info, data)
    path = tmp_path / "references.xlsx"
    path.write_bytes(out.getvalue())
    assert _recognised(Candidate(path, path.name), monkeypatch) == (True, "insee_qpv_stats", 1)


def test_a_damaged_workbook_is_left_to_openpyxl(tmp_path, monkeypatch) -> None:
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"PK\x03\x04 pas un classeur")
    assert _recognised(Candidate(path, path.name), monkeypatch) == (True, None, 1)
