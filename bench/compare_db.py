"""Are two built databases the same? Every table compared whole, row for row, as multisets
(`EXCEPT ALL` both ways: the order rows were written in does not count, a duplicated row does).

    python -m bench.compare_db BEFORE.duckdb AFTER.duckdb

A speed-up of the build must publish the same database (issue #15): run the build of the same
folder with the old and the new code, then this. What differs from one build to the next by
nature is left out: the build's id and times (`VOLATILE_COLUMNS`), the folders it was given.
Exit code 0 when the databases are the same, 1 otherwise (each difference printed in French).
"""
from __future__ import annotations

import sys
from pathlib import Path

import duckdb

# table → columns that differ between two builds of the same files by nature.
VOLATILE_COLUMNS: dict[str, tuple[str, ...]] = {
    "builds": ("build_id", "started_at", "finished_at", "raw_dirs", "summary"),
    "build_files": ("build_id",),
    "build_messages": ("build_id",),
    "sources": ("loaded_at",),
}


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, list[str]]:
    rows = con.execute("select table_name, column_name from duckdb_columns() where database_name = ?"
                       " and schema_name = 'main' order by table_name, column_index", [catalog]).fetchall()
    out: dict[str, list[str]] = {}
    for table, column in rows:
        out.setdefault(table, []).append(column)
    return out


def compare(before: Path, after: Path) -> list[str]:
    """The differences between the databases `before` and `after` (empty: the same), in French."""
    con = duckdb.connect()
    try:
        con.execute("attach ? as a (read_only)", [str(before)])
        con.execute("attach ? as b (read_only)", [str(after)])
        ta, tb = _tables(con, "a"), _tables(con, "b")
        diffs = [f"table {t} seulement dans {before.name}" for t in sorted(set(ta) - set(tb))]
        diffs += [f"table {t} seulement dans {after.name}" for t in sorted(set(tb) - set(ta))]
        for table in sorted(set(ta) & set(tb)):
            if ta[table] != tb[table]:
                diffs.append(f"{table} : colonnes différentes ({', '.join(ta[table])} / {', '.join(tb[table])})")
                continue
            cols = ", ".join(f'"{c}"' for c in ta[table] if c not in VOLATILE_COLUMNS.get(table, ()))
            only_a, only_b, n_a, n_b = con.execute(
                f"""select (select count(*) from (select {cols} from a.main."{table}"
                                                  except all select {cols} from b.main."{table}")),
                           (select count(*) from (select {cols} from b.main."{table}"
                                                  except all select {cols} from a.main."{table}")),
                           (select count(*) from a.main."{table}"), (select count(*) from b.main."{table}")"""
            ).fetchall()[0]
            if only_a or only_b:
                diffs.append(f"{table} : {only_a} ligne(s) seulement dans {before.name}, {only_b} seulement "
                             f"dans {after.name} ({n_a} / {n_b} lignes)")
        return diffs
    finally:
        con.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage : python -m bench.compare_db AVANT.duckdb APRES.duckdb", file=sys.stderr)
        sys.exit(2)
    found = compare(Path(sys.argv[1]), Path(sys.argv[2]))
    for line in found:
        print(line)
    print("bases identiques" if not found else f"{len(found)} différence(s)")
    sys.exit(1 if found else 0)
