"""Shared fixtures for the real territories typed in data/territories (the seeds' documents)."""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

import pytest

from etl.readers import read_table
from etl.template import TABLES, Table

ROOT = Path(__file__).resolve().parents[2]
TERRITORIES_DIR = ROOT / "data" / "territories"
CONTRACTS = ("grand-chalon", "chambery", "chartres-metropole")
REFERENCE_DIR = ROOT.parent / "shared" / "data" / "reference"


@dataclass(frozen=True)
class TypedFile:
    """One CSV of a territory folder, read as strings, with the template table its header names."""

    path: Path
    folder: str
    table: Table | None
    header: list[str]
    rows: list[dict[str, str]]
    lines: list[int]


def header_tables(header: list[str]) -> list[Table]:
    """Template tables whose required columns are all present and which know every column."""
    cols = set(header)
    return [t for t in TABLES if t.required <= cols and cols <= set(t.names)]


def read_typed(path: Path) -> TypedFile:
    t = read_table(path.read_bytes(), str(path.relative_to(ROOT)))
    tables = header_tables(t.header)
    return TypedFile(path, path.parent.name, tables[0] if len(tables) == 1 else None, t.header,
                     [dict(zip(t.header, r)) for r in t.rows], t.line_numbers)


def csv_files() -> list[Path]:
    return sorted(TERRITORIES_DIR.glob("*/*.csv"))


def folder_tables(folder: str) -> dict[str, TypedFile]:
    """The files of one folder keyed by template table name (one file per table)."""
    out: dict[str, TypedFile] = {}
    for path in sorted((TERRITORIES_DIR / folder).glob("*.csv")):
        f = read_typed(path)
        assert f.table is not None, path
        assert f.table.name not in out, f"two files for table {f.table.name} in {folder}"
        out[f.table.name] = f
    return out


def build_available() -> bool:
    return importlib.util.find_spec("etl.build") is not None


@pytest.fixture(scope="session")
def territories_db(tmp_path_factory):
    """A database built from data/territories only (no demo, no reference files)."""
    if not build_available():
        pytest.skip("etl/build.py n'est pas encore disponible")
    import duckdb

    from etl.build import build

    db = tmp_path_factory.mktemp("territories") / "territories.duckdb"
    report = build([TERRITORIES_DIR], db, progress=None)
    assert report.ok, report.summary()
    con = duckdb.connect(str(db), read_only=True)
    yield con, report
    con.close()
