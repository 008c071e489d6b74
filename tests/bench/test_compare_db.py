"""bench/compare_db.py: two built databases compared table by table, rows as multisets."""
from __future__ import annotations

import duckdb

from bench.compare_db import compare


def _db(path, facts, *, loaded_at="2026-12-01 10:00:00", extra_table=False):
    con = duckdb.connect(str(path))
    con.execute("create table sources (source_id varchar, file_name varchar, loaded_at timestamp)")
    con.execute("insert into sources values ('src_a', 'a.csv', ?)", [loaded_at])
    con.execute("create table indicator_facts (territory_code varchar, year integer, value double)")
    con.executemany("insert into indicator_facts values (?, ?, ?)", facts)
    if extra_table:
        con.execute("create table grid_200m (cell_id varchar)")
    con.close()
    return path


FACTS = [("QN09901M", 2021, 12.5), ("QN09902M", 2021, 30.0), ("QN09902M", 2021, 30.0)]


def test_same_rows_in_another_order_and_another_load_time_are_the_same(tmp_path):
    a = _db(tmp_path / "avant.duckdb", FACTS)
    b = _db(tmp_path / "apres.duckdb", list(reversed(FACTS)), loaded_at="2026-12-01 11:30:00")
    assert compare(a, b) == []


def test_every_difference_is_named(tmp_path):
    a = _db(tmp_path / "avant.duckdb", FACTS)
    # One value changed, the duplicated row kept once, and a table only in the second database.
    b = _db(tmp_path / "apres.duckdb", [("QN09901M", 2021, 12.6), ("QN09902M", 2021, 30.0)],
            extra_table=True)
    assert compare(a, b) == [
        "table grid_200m seulement dans apres.duckdb",
        "indicator_facts : 2 ligne(s) seulement dans avant.duckdb, 1 seulement dans apres.duckdb "
        "(3 / 2 lignes)",
    ]
