"""Internal figures: rows of the programme template flagged `is_internal` (draft funding, a
forecast KPI…) are shown to signed-in editors only and never in a public export.

The filtering happens once, on the connection, rather than in every query:

    cur = hide_internal(cur)                 # anonymous visitor, public export, `python -m reports`
    financing.actions_table(cur, "demo")     # sees no internal action, funding line or KPI value

`hide_internal` creates temporary views named like the tables (DuckDB resolves a temporary object
before the database's own), so every function of indicators/ and reports/ — and any added later —
reads the public rows without a parameter to forget. The views, and the views of the database
built on them (`indicator_values`), then hold:

- `indicator_facts`: no internal published value (nor what the build derived from it);
- `programme_actions`: no internal action; `programme_action_territories`,
  `programme_beneficiaries`: nothing of an internal action × year;
- `programme_funding`: no internal line, and no line of an internal action × year;
- `kpi_values`: no internal value;
- `review_figures`, `review_tfpb`: no internal common-law figure or TFPB line.

Temporary objects belong to one DuckDB connection (a cursor is one): call it on each cursor.
"""
from __future__ import annotations

import duckdb

# table → the condition its public rows meet (`t` is the table's own rows in the database).
_INTERNAL_ACTION = """exists (select 1 from {db}.main.programme_actions a
                             where a.contract_slug = t.contract_slug and a.action_id = t.action_id
                               and a.year = t.year and a.is_internal)"""
PUBLIC_ROWS: dict[str, str] = {
    "indicator_facts": "t.is_internal is not true",
    "programme_actions": "t.is_internal is not true",
    "programme_action_territories": "not " + _INTERNAL_ACTION,
    "programme_beneficiaries": "not " + _INTERNAL_ACTION,
    "programme_funding": "t.is_internal is not true and not " + _INTERNAL_ACTION,
    "kpi_values": "t.is_internal is not true",
    "review_figures": "t.is_internal is not true",
    "review_tfpb": "t.is_internal is not true",
}


def hide_internal(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    """`con` itself, from now on reading only the public rows of the tables in PUBLIC_ROWS."""
    db = con.execute("select current_database()").fetchall()[0][0]
    quoted = '"' + db.replace('"', '""') + '"'
    for table, condition in PUBLIC_ROWS.items():
        con.execute(f"create or replace temp view {table} as "
                    f"select t.*, t.rowid as rowid from {quoted}.main.{table} t where {condition.format(db=quoted)}")
    return con


def with_internal(con: duckdb.DuckDBPyConnection, include_internal: bool) -> duckdb.DuckDBPyConnection:
    """`con` as a visitor may read it: everything for an editor (`include_internal`), the public
    rows otherwise."""
    return con if include_internal else hide_internal(con)

