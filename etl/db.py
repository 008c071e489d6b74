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
    create_schema(con)
    write_registry(con)
    return con


def connect_read_only(path: str | Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)
