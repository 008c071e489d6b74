"""Creating and opening the database: the schema (etl/schema.sql) and the registry catalogue."""
from __future__ import annotations

from pathlib import Path

import duckdb

from indicators.registry import REGISTRY

SCHEMA_SQL = Path(__file__).with_name("schema.sql")


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every table and view of the published database in an empty database."""
    con.execute(SCHEMA_SQL.read_text(encoding="utf-8"))


def write_registry(con: duckdb.DuckDBPyConnection) -> None:
    """(Re)write the registered indicators into indicator_catalog."""
    con.execute("delete from indicator_catalog where is_registered")
    con.executemany(
        "insert into indicator_catalog (indicator_id, label, unit, theme, definition, aggregation,"
        " higher_is_better, source_label, is_registered) values (?, ?, ?, ?, ?, ?, ?, ?, true)",
        [[i.id, i.label, i.unit, i.theme, i.definition, i.aggregation, i.higher_is_better, i.source]
         for i in REGISTRY],
    )


def create_empty(path: str | Path = ":memory:") -> duckdb.DuckDBPyConnection:
    """A new database with the schema and the registry, ready for loaders or test rows."""
    con = duckdb.connect(str(path))
    con.execute("begin transaction")   # one commit for the schema and the registry, not one each
    create_schema(con)
    write_registry(con)
    con.execute("commit")
    return con


SNAPSHOT_CATALOG = "qpv"


def open_snapshot(path: str | Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the database file published at `path` *now*.

    DuckDB keeps one database instance per file path in a process: `duckdb.connect(path)` after
    a rebuild (the build publishes with an atomic rename) returns the instance still open on the
    old file while any connection to it lives, so a long-running app would keep showing the old
    database. A fresh in-memory instance that ATTACHes the file opens the file published now;
    connections opened earlier keep reading theirs (its inode) until closed.

    Unqualified table names resolve in the attached file for this connection; a cursor must
    `use qpv` too: take cursors with `snapshot_cursor(con)`.
    """
    con = duckdb.connect(":memory:")
    con.execute(f"attach ? as {SNAPSHOT_CATALOG} (read_only)", [str(path)])
    con.execute(f"use {SNAPSHOT_CATALOG}")
    return con


def snapshot_cursor(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """A cursor of an `open_snapshot` connection (one per thread), reading the attached file."""
    cur = con.cursor()
    cur.execute(f"use {SNAPSHOT_CATALOG}")
    return cur
