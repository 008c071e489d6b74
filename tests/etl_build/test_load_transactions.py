"""Each file is loaded in one transaction (etl/build.py `_load`): its statements are committed
together, and the rows of a file that fails are rolled back."""
from __future__ import annotations

import types
from datetime import datetime
from pathlib import Path

import pytest

from etl import build
from etl.core import Candidate, EtlError, LoadContext
from etl.db import create_empty


def _module(load) -> types.ModuleType:
    module = types.ModuleType("tests.fake_loader")
    module.PRIORITY, module.KINDS, module.load = 0, ("fake",), load
    return module


def _plan(tmp_path: Path, name: str, module) -> build._Planned:
    path = tmp_path / name
    path.write_text("x", encoding="utf-8")
    return build._Planned(Candidate(path, name), module, "fake", "ab" * 32)


def _report() -> build.BuildReport:
    return build.BuildReport(build_id="b", raw_dirs=[], db_path=None, started_at=datetime(2025, 1, 1))


def _insert(ctx: LoadContext, code: str) -> None:
    ctx.insert("territories", [dict(territory_code=code, territory_level="commune", territory_name=code,
                                    is_fictional=False, source_id="src_x")])


def test_a_file_is_loaded_in_one_transaction(tmp_path) -> None:
    seen = []

    def load(ctx, c, kind):
        _insert(ctx, "71076")
        # Inside a transaction, a second connection to the same database does not see the row yet.
        seen.append(ctx.con.cursor().execute("select count(*) from territories").fetchall()[0][0])
        return 1
    con = create_empty(tmp_path / "t.duckdb")
    report = _report()
    build._load(LoadContext(con, "b"), [_plan(tmp_path, "a.csv", _module(load))], report, None)
    assert seen == [0]
    assert con.cursor().execute("select territory_code from territories").fetchall() == [("71076",)]
    assert [(f.file_name, f.outcome, f.rows_read) for f in report.files] == [("a.csv", "loaded", 1)]


def test_the_rows_of_a_failing_file_are_rolled_back(tmp_path) -> None:
    def good(ctx, c, kind):
        _insert(ctx, "71076")
        return 1

    def bad(ctx, c, kind):
        _insert(ctx, "71077")
        raise EtlError(c.display_name, "valeur non reconnue", line=3, column="code")
    con = create_empty(tmp_path / "t.duckdb")
    report = _report()
    plan = [_plan(tmp_path, "a.csv", _module(good)), _plan(tmp_path, "b.csv", _module(bad))]
    with pytest.raises(EtlError, match="b.csv, ligne 3, colonne « code » : valeur non reconnue"):
        build._load(LoadContext(con, "b"), plan, report, None)
    assert con.execute("select territory_code from territories").fetchall() == [("71076",)]
    assert [(f.file_name, f.outcome) for f in report.files] == [("a.csv", "loaded"), ("b.csv", "error")]
    con.execute("insert into territories (territory_code, territory_level, territory_name, is_fictional,"
                " source_id) values ('2A004', 'commune', 'Ajaccio', false, 's')")   # usable after
    assert len(con.execute("select * from territories").fetchall()) == 2
