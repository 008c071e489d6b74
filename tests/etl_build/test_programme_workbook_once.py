"""A programme workbook is parsed once: `recognise` finds its tables, `load` reads the same
sheets from `Candidate.memo`, which the build clears once the file is loaded (issue #15)."""
from __future__ import annotations

from datetime import datetime

import openpyxl

from etl import build
from etl.core import Candidate, LoadContext
from etl.db import create_empty
from etl.loaders import programme


def _workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "actions"
    for row in (["contract", "action_id", "year", "title"], ["demo", "A1", 2024, "Atelier"],
                ["demo", "A2", 2025, "Forum"]):
        ws.append(row)
    wb.save(path)
    return Candidate(path, path.name)


def test_the_workbook_is_parsed_once_and_forgotten_once_loaded(tmp_path, monkeypatch) -> None:
    parsed = []
    original = programme._parse_xlsx_sheets

    def counting(c):
        parsed.append(c.display_name)
        return original(c)
    monkeypatch.setattr(programme, "_parse_xlsx_sheets", counting)
    c = _workbook(tmp_path / "programme.xlsx")
    kind = programme.recognise(c)
    con = create_empty(tmp_path / "t.duckdb")
    report = build.BuildReport(build_id="b", raw_dirs=[], db_path=None, started_at=datetime(2025, 1, 1))
    build._load(LoadContext(con, "b"), [build._Planned(c, programme, kind, c.sha256)], report, None)
    assert (kind, parsed, c.memo) == ("programme_actions", ["programme.xlsx"], {})
    assert con.execute("select contract_slug, action_id, year, title from programme_actions order by 2"
                       ).fetchall() == [("demo", "A1", 2024, "Atelier"), ("demo", "A2", 2025, "Forum")]
    assert [(f.file_name, f.outcome, f.rows_read) for f in report.files] == [("programme.xlsx", "loaded", 2)]
