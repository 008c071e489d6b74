"""LoadContext (etl/core.py): line records are held and written in one insert, before the
checks read them; rows are appended by column name, absent columns NULL."""
from __future__ import annotations

import pandas as pd

from etl import core
from etl.checks import run_checks
from etl.core import LoadContext, flush_row_lines
from etl.db import create_empty


def _row_lines(con) -> list[tuple]:
    return con.execute("select source_id, table_name, column_name, code, line, file_column"
                       " from _row_lines order by all").fetchall()


def _has_row_lines(con) -> bool:
    return bool(con.execute("select count(*) from duckdb_tables()"
                            " where table_name = '_row_lines'").fetchall()[0][0])


def test_line_records_of_several_calls_are_written_together_when_flushed() -> None:
    con = create_empty()
    ctx = LoadContext(con, "t")
    ctx.record_lines("src_a", "indicator_facts", "territory_code", ["QN07101I", None, "", 71076],
                     [2, 3, 4, 5], "CODGEO")
    ctx.record_lines("src_b", "programme_actions", "action_id", ["A1", "A2"], [7, 8], "action_id")
    ctx.record_lines("src_b", "programme_actions", "document_id", [None, ""], [7, 8], "document_id")
    assert not _has_row_lines(con)          # held in memory: no statement per call
    flush_row_lines(con)
    assert _row_lines(con) == [
        ("src_a", "indicator_facts", "territory_code", "71076", 5, "CODGEO"),
        ("src_a", "indicator_facts", "territory_code", "QN07101I", 2, "CODGEO"),
        ("src_b", "programme_actions", "action_id", "A1", 7, "action_id"),
        ("src_b", "programme_actions", "action_id", "A2", 8, "action_id"),
    ]
    flush_row_lines(con)                     # nothing pending: nothing written twice
    assert len(_row_lines(con)) == 4


def test_a_large_call_is_written_at_once(monkeypatch) -> None:
    monkeypatch.setattr(core, "LINES_BATCH", 3)
    con = create_empty()
    ctx = LoadContext(con, "t")
    ctx.record_lines("src_a", "indicator_facts", "territory_code", ["A", "B"], [2, 3], "CODGEO")
    assert not _has_row_lines(con)
    ctx.record_lines("src_a", "indicator_facts", "territory_code", ["C"], [4], "CODGEO")
    assert [r[3:5] for r in _row_lines(con)] == [("A", 2), ("B", 3), ("C", 4)]


def test_the_checks_read_the_lines_still_held() -> None:
    """A check's message names the line recorded by a loader whose records were never flushed."""
    con = create_empty()
    ctx = LoadContext(con, "t")
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at)"
                " values ('src_a', 'insee_qpv', 'qpv.csv', 'x', now())")
    ctx.insert("indicator_facts", [dict(territory_code="QN07101I", territory_level="qpv",
                                        indicator_id="poverty_rate_pct", year=2021, value=130.0,
                                        status="ok", origin="official_file", source_id="src_a")])
    ctx.record_lines("src_a", "indicator_facts", "territory_code", ["QN07101I"], [4], "TP60_2021")
    errors = [str(m) for m in run_checks(con, current_year=2025) if "pourcentage" in m.message]
    assert errors == ["qpv.csv, ligne 4, colonne « value » : pourcentage hors de 0–100 : "
                      "poverty_rate_pct = 130 pour QN07101I en 2021"]


def test_insert_matches_columns_by_name_and_leaves_absent_ones_null() -> None:
    con = create_empty()
    ctx = LoadContext(con, "t")
    n = ctx.insert("territories", pd.DataFrame({
        "territory_name": ["Les Aubépins", "Chalon"], "territory_code": ["QN07101I", "71076"],
        "territory_level": ["qpv", "commune"], "is_fictional": [False, True], "source_id": "src_a"}))
    assert n == 2
    assert con.execute("select * from territories order by territory_code").fetchall() == [
        ("71076", "commune", "Chalon", None, None, None, True, "src_a"),
        ("QN07101I", "qpv", "Les Aubépins", None, None, None, False, "src_a")]


def test_a_table_created_after_the_first_insert_is_written_by_name() -> None:
    """Columns are read for every table at the first insert; a later table is read on its own."""
    con = create_empty()
    ctx = LoadContext(con, "t")
    ctx.insert("territory_links", [dict(child_code="71076", child_level="commune", parent_code="200070",
                                        parent_level="epci", source_id="src_a")])
    con.execute("create temp table _later (code varchar, n integer, note varchar)")
    ctx.insert("_later", [dict(n=3, code="A"), dict(n=None, code="B")])
    assert con.execute("select * from _later order by code").fetchall() == [("A", 3, None), ("B", None, None)]
    assert con.execute("select * from territory_links").fetchall() == [
        ("71076", "commune", "200070", "epci", "src_a")]


class _Statements:
    """A connection that remembers the first words of every statement executed through it."""

    def __init__(self, con):
        self._con = con
        self.sql: list[str] = []

    def execute(self, sql, *args, **kwargs):
        self.sql.append(" ".join(sql.split()[:3]))
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def test_a_file_loaded_again_replaces_its_source_row(tmp_path) -> None:
    """One row per source_id: a file whose row is already stored (by an earlier context, or by
    this one) replaces it; new files are inserted without a delete each (issue #15: the ids
    stored are read once)."""
    files = []
    for name in ("a.csv", "b.csv", "c.csv"):
        (tmp_path / name).write_text(f"contenu de {name}\n", encoding="utf-8")
        files.append(core.Candidate(tmp_path / name, name))
    con = create_empty()
    LoadContext(con, "earlier").add_source(files[0], "programme_contracts", title="avant")
    spy = _Statements(con)
    ctx = LoadContext(spy, "t")
    ids = [ctx.add_source(c, "programme_contracts", title=f"titre {c.display_name}") for c in files]
    ctx.add_source(files[1], "programme_contracts", title="relu", rows_read=4)
    assert ids == [f"src_{c.sha256[:12]}" for c in files]
    assert con.execute("select source_id, file_name, title, rows_read from sources order by file_name"
                       ).fetchall() == [(ids[0], "a.csv", "titre a.csv", None),
                                        (ids[1], "b.csv", "relu", 4),
                                        (ids[2], "c.csv", "titre c.csv", None)]
    assert spy.sql == ["select source_id from", "delete from sources", "insert into sources",
                       "insert into sources", "insert into sources", "delete from sources",
                       "insert into sources"]


class _Calls(_Statements):
    """A connection that also remembers its `register`/`unregister` calls."""

    def register(self, name, frame):
        self.sql.append(f"register {name}")
        return self._con.register(name, frame)

    def unregister(self, name):
        self.sql.append(f"unregister {name}")
        return self._con.unregister(name)


def test_a_frame_is_inserted_in_one_statement_without_registering_it(monkeypatch) -> None:
    """`insert` reads its frame by DuckDB's replacement scan (`core.frame_sql`): one statement
    per insert, no register/unregister around it (issue #15)."""
    con = create_empty()
    con.execute("set python_scan_all_frames = true")   # the scan looks through the spy's frame
    spy = _Calls(con)
    monkeypatch.setattr(core.duckdb, "DuckDBPyConnection", _Calls)   # the spy taken as DuckDB's own
    ctx = LoadContext(spy, "t")
    ctx.columns("territories")
    spy.sql.clear()
    n = ctx.insert("territories", pd.DataFrame({
        "territory_code": ["71076", "71270"], "territory_level": "commune",
        "territory_name": ["Chalon-sur-Saône", "Le Creusot"], "is_fictional": False,
        "source_id": "src_a"}))
    assert (n, spy.sql) == (2, ['insert into territories'])
    assert con.execute("select * from territories order by territory_code").fetchall() == [
        ("71076", "commune", "Chalon-sur-Saône", None, None, None, False, "src_a"),
        ("71270", "commune", "Le Creusot", None, None, None, False, "src_a")]


def test_a_wrapped_connection_still_inserts_its_frame() -> None:
    """Behind a wrapper whose frame the scan does not search, the frame is registered by name
    for that statement and unregistered after (the rows are the same)."""
    con = create_empty()
    spy = _Calls(con)
    ctx = LoadContext(spy, "t")
    ctx.columns("territories")
    spy.sql.clear()
    ctx.insert("territories", [dict(territory_code="QN07101I", territory_level="qpv",
                                    territory_name="Les Aubépins", is_fictional=False, source_id="s")])
    assert spy.sql == ["register _etl_frame", "insert into territories", "unregister _etl_frame"]
    assert con.execute("select territory_code, territory_name from territories").fetchall() == [
        ("QN07101I", "Les Aubépins")]
    assert not con.execute("select count(*) from duckdb_views() where view_name = '_etl_frame'"
                           ).fetchall()[0][0]


def test_has_source_reads_the_stored_ids_once(tmp_path) -> None:
    """The build asks after each file whether its source row exists: the ids written by this
    context, or stored before it, read in one query for all files (issue #15)."""
    (tmp_path / "a.csv").write_text("a\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("b\n", encoding="utf-8")
    a, b = core.Candidate(tmp_path / "a.csv", "a.csv"), core.Candidate(tmp_path / "b.csv", "b.csv")
    con = create_empty()
    stored = LoadContext(con, "earlier").add_source(a, "programme_contracts")
    spy = _Statements(con)
    ctx = LoadContext(spy, "t")
    answers = [ctx.has_source(stored), ctx.has_source("src_absent"), ctx.has_source(stored)]
    written = ctx.add_source(b, "programme_contracts")
    answers += [ctx.has_source(written), ctx.has_source("src_absent")]
    assert answers == [True, False, True, True, False]
    assert spy.sql == ["select source_id from", "insert into sources"]
