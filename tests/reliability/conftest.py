"""Helpers for the reliability tests: a small valid context (COG, QPV list) written by code, a
published database built from it once per session, and small file writers (CSV in any encoding,
GeoJSON, zips with hostile members).

Codes are real-looking (Savoie, 73) so that nothing is marked fictional and the demo's
"a real value replaces a fictional one" rule stays out of the way.
"""
from __future__ import annotations

import json
import shutil
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from tests.etl_build.conftest import query, sha256  # noqa: F401 - shared with the reliability tests

ROOT = Path(__file__).resolve().parents[2]
CURRENT_YEAR = 2025

REGIONS = [{"code": "84", "nom": "Auvergne-Rhône-Alpes", "chefLieu": "69123"}]
DEPARTEMENTS = [{"code": "73", "nom": "Savoie", "region": "84", "chefLieu": "73065"}]
COMMUNES = [
    {"code": "73065", "nom": "Chambéry", "type": "commune-actuelle", "departement": "73",
     "region": "84", "population": 59964},
    {"code": "73008", "nom": "Aix-les-Bains", "type": "commune-actuelle", "departement": "73",
     "region": "84", "population": 31000},
]
QPV_LIST = [["code_qp", "lib_qp", "insee_com"],
            ["QN07301M", "Biollay - Bellevue", "73065"],
            ["QN07302M", "Les Hauts De Chambéry", "73065"],
            ["QP073001", "Le Biollay (2015)", "73065"]]


def text_file(path: Path, text: str, *, encoding: str = "utf-8", bom: bool = False,
              newline: str = "\n") -> Path:
    """Write `text` (lines separated by \\n) with the given encoding and line end."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.replace("\n", newline).encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def csv_text(rows: list[list], sep: str = ";") -> str:
    """Delimited text; a cell holding the separator or a quote is quoted (doubled quotes)."""
    def cell(v) -> str:
        text = "" if v is None else str(v)
        return '"' + text.replace('"', '""') + '"' if sep in text or '"' in text else text
    return "".join(sep.join(cell(v) for v in r) + "\n" for r in rows)


def write_json(path: Path, obj) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return path


def write_context(raw: Path) -> Path:
    """COG 2026 (région, département, two communes) and the ANCT list of three QPVs."""
    write_json(raw / "cog2026" / "regions.json", REGIONS)
    write_json(raw / "cog2026" / "departements.json", DEPARTEMENTS)
    write_json(raw / "cog2026" / "communes.json", COMMUNES)
    text_file(raw / "anct" / "liste_qpv.csv", csv_text(QPV_LIST))
    return raw


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def square(lon: float, lat: float, d: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d],
                                                [lon, lat + d], [lon, lat]]]}


def feature_collection(features: list[tuple[dict, dict | None]], crs: str | None = None) -> dict:
    fc: dict = {"type": "FeatureCollection"}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    fc["features"] = [{"type": "Feature", "properties": p, "geometry": g} for p, g in features]
    return fc


@dataclass
class Published:
    """A published database (copied per test) and the raw folder of its context."""

    db: Path
    context: Path
    build_id: str
    digest: str = field(default="")


@pytest.fixture(scope="session")
def context_dir(tmp_path_factory) -> Path:
    return write_context(tmp_path_factory.mktemp("context") / "contexte")


@pytest.fixture(scope="session")
def baseline_db(tmp_path_factory, context_dir: Path) -> tuple[Path, str]:
    """The context built and published once: (database file, build_id)."""
    from etl.build import build
    db = tmp_path_factory.mktemp("baseline") / "qpv.duckdb"
    report = build([context_dir], db, progress=None, current_year=CURRENT_YEAR)
    return db, report.build_id


@pytest.fixture
def published(tmp_path: Path, baseline_db, context_dir: Path) -> Published:
    """A copy of the baseline database, published in this test's own data folder."""
    src, build_id = baseline_db
    data = tmp_path / "data"
    data.mkdir()
    db = data / "qpv.duckdb"
    shutil.copyfile(src, db)
    return Published(db, context_dir, build_id, sha256(db))


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


Writer = Callable[[Path], None]
