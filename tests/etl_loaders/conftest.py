"""Shared helpers for the loader tests: a fresh database, candidates as the build makes them."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

import config
import etl.db
from etl.core import Candidate, LoadContext

REFERENCE = Path(config.REFERENCE_DIR)


@pytest.fixture
def ctx():
    con = etl.db.create_empty()
    yield LoadContext(con, "test")
    con.close()


def candidates(folder: Path, prefix: str = "") -> list[Candidate]:
    """Every file of `folder` as a Candidate whose companions are the other files (as the build does)."""
    files = sorted(p for p in folder.iterdir() if p.is_file())
    cands = [Candidate(p, prefix + p.name) for p in files]
    for c in cands:
        c.companions = [o for o in cands if o is not c]
    return cands


def zip_candidates(archive: Path, tmp: Path) -> list[Candidate]:
    """The members of a zip, extracted beside each other and named 'archive.zip!member'."""
    out = tmp / (archive.stem + "_x")
    out.mkdir()
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(out)
    return candidates(out, prefix=archive.name + "!")


def one(folder: Path, name: str) -> Candidate:
    return next(c for c in candidates(folder) if c.path.name == name)


def load(module, ctx: LoadContext, c: Candidate) -> tuple[str, int]:
    kind = module.recognise(c)
    assert kind is not None, f"{c.display_name} not recognised by {module.__name__}"
    return kind, module.load(ctx, c, kind)


def rows(ctx: LoadContext, sql: str, params=()) -> list[tuple]:
    return ctx.con.execute(sql, list(params)).fetchall()


def source_id(ctx: LoadContext, file_name: str) -> str:
    return rows(ctx, "select source_id from sources where file_name = ?", [file_name])[0][0]


def need_reference(*parts: str) -> Path:
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference file absent: {path} (real files live in ../shared/data/reference)")
    return path
