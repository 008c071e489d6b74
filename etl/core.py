"""The contract between the build (etl/build.py) and the loaders (etl/loaders/*.py).

A loader module exposes:

    KINDS: tuple[str, ...]                       # the kinds it can recognise, e.g. ("cog_communes",)
    PRIORITY: int                                # load order: lower first (territories before values)
    def recognise(c: Candidate) -> str | None    # the kind, from the file's CONTENT, or None
    def load(ctx: LoadContext, c: Candidate, kind: str) -> int   # rows read; raises EtlError

`recognise` must be cheap and must not raise on a file of another format. `load` writes with
`ctx.insert(table, dataframe)` and records provenance with `ctx.add_source(...)`. Any problem in
the input raises `EtlError` naming the file, the line (or feature) and the column, and saying
what was expected; the build then stops and the published database is left untouched.
"""
from __future__ import annotations

import hashlib
import re
import weakref
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd


_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe for a terminal or a log: control characters (an ANSI escape \\x1b[…] in a file
    name or a value) are shown as \\x1b instead of acting; line ends and tabs stay."""
    text = str(text)
    return _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", text) if _UNPRINTABLE.search(text) else text


class EtlError(Exception):
    """A problem in an input file. Its text is shown to analysts as it is (French)."""

    def __init__(self, file: str, message: str, *, line: int | None = None,
                 column: str | None = None, expected: str | None = None):
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.expected = expected
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.line is not None:
            where.append(f"ligne {self.line}")
        if self.column is not None:
            where.append(f"colonne « {self.column} »")
        text = f"{', '.join(where)} : {self.message}"
        if self.expected:
            text += f" (attendu : {self.expected})"
        return printable(text)


@dataclass
class Candidate:
    """One input file as found on disk (a zip member is extracted beside the others).

    `display_name` is what messages show: a path relative to the raw folder, or
    'archive.zip!member.csv'. `companions` are the other files of the same zip or folder
    (an INSEE data file finds its meta_*.csv dictionary there).
    """

    path: Path
    display_name: str
    companions: list["Candidate"] = field(default_factory=list)
    _bytes: bytes | None = field(default=None, repr=False)
    # What a loader's `recognise` parsed and its `load` reuses (the build clears it once loaded).
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    def read_bytes(self) -> bytes:
        if self._bytes is None:
            self._bytes = self.path.read_bytes()
        return self._bytes

    def head(self, n: int = 65536) -> bytes:
        if self._bytes is not None:
            return self._bytes[:n]
        with self.path.open("rb") as fh:
            return fh.read(n)

    @property
    def sha256(self) -> str:
        if self._bytes is not None:
            return hashlib.sha256(self._bytes).hexdigest()
        h = hashlib.sha256()                 # streamed: a national file is never held whole
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()


@dataclass
class Message:
    level: str  # warning | error
    file_name: str | None
    message: str
    line: int | None = None
    column_name: str | None = None

    def __str__(self) -> str:
        where = ", ".join(x for x in [
            self.file_name or "",
            f"ligne {self.line}" if self.line is not None else "",
            f"colonne « {self.column_name} »" if self.column_name else "",
        ] if x)
        return printable(f"{where} : {self.message}" if where else self.message)


def frame_sql(con: duckdb.DuckDBPyConnection, sql: str, frame, params=None) -> duckdb.DuckDBPyConnection:
    """Run `sql`, in which the table `_etl_frame` is `frame` (a pandas DataFrame or an Arrow
    table). DuckDB's replacement scan finds the frame as a local variable of this function: no
    `register`/`unregister` statements around the query (each DuckDB statement costs about a
    millisecond of CPU, issue #15), and the frame is read exactly as a registered one would be."""
    if isinstance(con, duckdb.DuckDBPyConnection):
        _etl_frame = frame  # noqa: F841 - read by DuckDB's replacement scan, by name
        return con.execute(sql, params)
    # A connection wrapped by another object (its `execute` is not DuckDB's own, so the scan
    # would look in the wrapper's frame): the frame registered by name, as before.
    con.register("_etl_frame", frame)
    try:
        return con.execute(sql, params)
    finally:
        con.unregister("_etl_frame")


def source_id_of(c: Candidate, sha256: str | None = None) -> str:
    """The `sources` id of a file: 'src_' + the first 12 hex digits of its sha256."""
    return f"src_{(sha256 or c.sha256)[:12]}"


# The contexts holding line records not yet written (`flush_row_lines`).
_PENDING_LINES: "weakref.WeakSet[LoadContext]" = weakref.WeakSet()

ROW_LINES_DDL = ("create temp table if not exists _row_lines (source_id varchar, table_name varchar,"
                 " column_name varchar, code varchar, line integer, file_column varchar)")


# Line records are written in batches of this many rows (a national file flushes on its own).
LINES_BATCH = 200_000


def flush_row_lines(con: duckdb.DuckDBPyConnection) -> None:
    """Write the line records still pending in any LoadContext on `con` (etl/checks.py calls
    it before reading `_row_lines`)."""
    for ctx in list(_PENDING_LINES):
        if ctx.con is con:
            ctx.flush_lines()


class LoadContext:
    """What a loader may do to the database being built."""

    def __init__(self, con: duckdb.DuckDBPyConnection, build_id: str):
        self.con = con
        self.build_id = build_id
        self.messages: list[Message] = []
        self._columns: dict[str, list[str]] = {}
        self.source_ids: set[str] = set()       # every source_id add_source wrote
        self._stored_sources: set[str] | None = None   # source_ids in `sources` (read once)
        self._pending_lines: list[tuple[str, str, str, str, list[tuple[str, int]]]] = []
        self._n_pending_lines = 0

    # Transactions -----------------------------------------------------------------------
    def save_state(self) -> tuple:
        """What this context holds in memory, as at a commit: the build rolls back a failed
        transaction of several files, restores this and loads the earlier files again."""
        return (len(self.messages), set(self.source_ids),
                None if self._stored_sources is None else set(self._stored_sources),
                list(self._pending_lines), self._n_pending_lines)

    def restore_state(self, state: tuple) -> None:
        n_messages, source_ids, stored, pending, n_pending = state
        del self.messages[n_messages:]
        self.source_ids = set(source_ids)
        self._stored_sources = None if stored is None else set(stored)
        self._pending_lines, self._n_pending_lines = list(pending), n_pending
        self._columns = {}      # a table created in the rolled-back transaction is gone
        if pending:
            _PENDING_LINES.add(self)
        else:
            _PENDING_LINES.discard(self)

    # Provenance -------------------------------------------------------------------------
    def add_source(self, c: Candidate, kind: str, *, producer: str | None = None,
                   title: str | None = None, vintage: str | None = None,
                   licence: str | None = None, url: str | None = None,
                   rows_read: int | None = None, is_fictional: bool = False) -> str:
        """Record one loaded file and return its source_id ('src_' + sha256 prefix)."""
        sha = c.sha256
        source_id = source_id_of(c, sha)
        self.source_ids.add(source_id)
        # A file loaded again replaces its row. The ids already stored are read once, not one
        # delete per file (each DuckDB statement costs milliseconds: issue #15).
        if self._stored_sources is None:
            self._stored_sources = {r[0] for r in self.con.execute("select source_id from sources").fetchall()}
        if source_id in self._stored_sources:
            self.con.execute("delete from sources where source_id = ?", [source_id])
        self._stored_sources.add(source_id)
        self.con.execute(
            "insert into sources (source_id, kind, producer, title, vintage, licence, url,"
            " file_name, sha256, rows_read, loaded_at, is_fictional)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [source_id, kind, producer, title, vintage, licence, url, c.display_name, sha,
             rows_read, datetime.now(timezone.utc).replace(tzinfo=None), is_fictional],
        )
        return source_id

    def has_source(self, source_id: str) -> bool:
        """Whether `sources` holds this id: written by `add_source`, or stored before this
        context (the stored ids are read once, not one query per file: issue #15)."""
        if source_id in self.source_ids:
            return True
        if self._stored_sources is None:
            self._stored_sources = {r[0] for r in self.con.execute("select source_id from sources").fetchall()}
        return source_id in self._stored_sources

    def set_rows_read(self, source_id: str, rows_read: int) -> None:
        self.con.execute("update sources set rows_read = ? where source_id = ?", [rows_read, source_id])

    # Messages ---------------------------------------------------------------------------
    def warn(self, file_name: str | None, message: str, *, line: int | None = None,
             column: str | None = None) -> None:
        self.messages.append(Message("warning", file_name, message, line, column))

    # Where each code came from ----------------------------------------------------------
    def record_lines(self, source_id: str, table: str, column: str, codes, lines,
                     file_column: str) -> None:
        """Remember the file line of each code written to `table.column`, so that a check run
        after loading (an unknown territory, a percentage over 100) names the line and the
        file's column (`file_column`). Kept in the temporary table `_row_lines`, written in one
        insert for many calls (`flush_lines`: each DuckDB statement costs milliseconds); the
        checks flush what is pending before reading it (`flush_row_lines`)."""
        kept = [(str(code), int(line)) for code, line in zip(codes, lines)
                if code is not None and str(code) != ""]
        if not kept:
            return
        self._pending_lines.append((source_id, table, column, file_column, kept))
        self._n_pending_lines += len(kept)
        _PENDING_LINES.add(self)
        if self._n_pending_lines >= LINES_BATCH:
            self.flush_lines()

    def flush_lines(self) -> None:
        """Write the pending line records into `_row_lines` in one insert."""
        if not self._pending_lines:
            return
        import pyarrow as pa
        pending, self._pending_lines, self._n_pending_lines = self._pending_lines, [], 0
        _PENDING_LINES.discard(self)
        columns: dict[str, list] = {"source_id": [], "table_name": [], "column_name": [], "code": [],
                                    "line": [], "file_column": []}
        for source_id, table, column, file_column, kept in pending:
            n = len(kept)
            columns["source_id"] += [source_id] * n
            columns["table_name"] += [table] * n
            columns["column_name"] += [column] * n
            columns["code"] += [code for code, _ in kept]
            columns["line"] += [line for _, line in kept]
            columns["file_column"] += [file_column] * n
        types = {"line": pa.int32()}
        batch = pa.table({k: pa.array(v, types.get(k, pa.string())) for k, v in columns.items()})
        self.con.execute(ROW_LINES_DDL)
        frame_sql(self.con, "insert into _row_lines select * from _etl_frame", batch)

    # Writing ----------------------------------------------------------------------------
    def columns(self, table: str) -> list[str]:
        if not self._columns:       # every table's columns in one query (each costs milliseconds)
            for name, column in self.con.execute(
                    "select table_name, column_name from information_schema.columns"
                    " order by table_name, ordinal_position").fetchall():
                self._columns.setdefault(name, []).append(column)
        if table not in self._columns:
            rows = self.con.execute(
                "select column_name from information_schema.columns"
                " where table_name = ? order by ordinal_position", [table]).fetchall()
            if not rows:
                raise KeyError(f"unknown table {table}")
            self._columns[table] = [r[0] for r in rows]
        return self._columns[table]

    def insert(self, table: str, rows: pd.DataFrame | list[dict[str, Any]]) -> int:
        """Append rows to `table`; columns are matched by name, absent ones are NULL."""
        df = rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
        if df.empty:
            return 0
        cols = self.columns(table)
        unknown = [c for c in df.columns if c not in cols]
        if unknown:
            raise KeyError(f"{table}: unknown columns {unknown}")
        given = set(df.columns)
        # Absent columns are written NULL (never their DEFAULT), without copying the frame. The
        # frame is read by DuckDB's replacement scan (`frame_sql`): one statement, where a
        # register + unregister around it cost two more (issue #15).
        into = ", ".join(f'"{c}"' for c in cols)
        select = ", ".join(f'"{c}"' if c in given else "null" for c in cols)
        frame_sql(self.con, f"insert into {table} ({into}) select {select} from _etl_frame", df)
        return len(df)
