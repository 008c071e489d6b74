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


class _Transactions:
    """A connection that remembers its begin, commit and rollback statements."""

    def __init__(self, con):
        self._con = con
        self.seen: list[str] = []

    def execute(self, sql, *args, **kwargs):
        if sql in ("begin transaction", "commit", "rollback"):
            self.seen.append(sql)
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _inserting(code: str, calls: list[str]):
    def load(ctx, c, kind):
        calls.append(c.display_name)
        ctx.warn(c.display_name, f"avertissement de {code}")
        _insert(ctx, code)
        return 1
    return load


def test_quick_files_share_one_commit(tmp_path, monkeypatch) -> None:
    """Each commit writes and syncs the journal (issue #15): files loaded within
    COMMIT_AFTER_SECONDS of the last commit are committed together."""
    monkeypatch.setattr(build, "COMMIT_AFTER_SECONDS", 3600.0)
    calls: list[str] = []
    con = create_empty(tmp_path / "t.duckdb")
    spy = _Transactions(con)
    report = _report()
    plan = [_plan(tmp_path, f"{code}.csv", _module(_inserting(code, calls))) for code in ("71076", "71077", "71078")]
    build._load(LoadContext(spy, "b"), plan, report, None)
    assert spy.seen == ["begin transaction", "commit"]
    assert con.execute("select territory_code from territories order by 1").fetchall() == [
        ("71076",), ("71077",), ("71078",)]
    assert [(f.file_name, f.outcome, f.rows_read) for f in report.files] == [
        ("71076.csv", "loaded", 1), ("71077.csv", "loaded", 1), ("71078.csv", "loaded", 1)]


def test_a_long_file_is_committed_on_its_own(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(build, "COMMIT_AFTER_SECONDS", 0.0)
    calls: list[str] = []
    con = create_empty(tmp_path / "t.duckdb")
    spy = _Transactions(con)
    plan = [_plan(tmp_path, f"{code}.csv", _module(_inserting(code, calls))) for code in ("71076", "71077")]
    build._load(LoadContext(spy, "b"), plan, _report(), None)
    assert spy.seen == ["begin transaction", "commit", "begin transaction", "commit"]


def test_a_failing_file_rolls_back_alone_the_earlier_files_of_its_transaction_are_loaded_again(
        tmp_path, monkeypatch) -> None:
    """The earlier files of the failed transaction are loaded again and committed: they keep
    their rows and their warnings (once each); the failed file leaves no row, its own warning
    stays after theirs, then its error."""
    monkeypatch.setattr(build, "COMMIT_AFTER_SECONDS", 3600.0)
    calls: list[str] = []

    def bad(ctx, c, kind):
        calls.append(c.display_name)
        ctx.warn(c.display_name, "avertissement avant l'erreur")
        _insert(ctx, "71079")
        raise EtlError(c.display_name, "valeur non reconnue", line=5, column="code")
    con = create_empty(tmp_path / "t.duckdb")
    spy = _Transactions(con)
    ctx = LoadContext(spy, "b")
    report = _report()
    plan = [_plan(tmp_path, f"{code}.csv", _module(_inserting(code, calls))) for code in ("71076", "71077")]
    plan.append(_plan(tmp_path, "c.csv", _module(bad)))
    with pytest.raises(EtlError, match="c.csv, ligne 5, colonne « code » : valeur non reconnue"):
        build._load(ctx, plan, report, None)
    assert spy.seen == ["begin transaction", "rollback", "begin transaction", "commit"]
    assert calls == ["71076.csv", "71077.csv", "c.csv", "71076.csv", "71077.csv"]
    assert con.execute("select territory_code from territories order by 1").fetchall() == [
        ("71076",), ("71077",)]
    assert [str(m) for m in ctx.messages] == ["71076.csv : avertissement de 71076",
                                              "71077.csv : avertissement de 71077",
                                              "c.csv : avertissement avant l'erreur"]
    assert [(f.file_name, f.outcome) for f in report.files] == [
        ("71076.csv", "loaded"), ("71077.csv", "loaded"), ("c.csv", "error")]
    assert [str(m) for m in report.messages] == ["c.csv, ligne 5, colonne « code » : valeur non reconnue"]
