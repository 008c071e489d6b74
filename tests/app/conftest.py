"""Fixtures for the app tests: a small database built by code, and the real demo database.

`small_db` is a few rows written with `etl.db.create_empty` (two contracts: a fictional one with
contours, Grand Chalon without contours). `demo_db` is the real ETL output on the generated demo
territory plus data/territories (built once per session into tmp); tests that need it are
skipped with the reason when the ETL cannot build it yet.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import shapely
import shapely.geometry

import config
from etl.db import create_empty

ROOT = Path(__file__).resolve().parents[2]


def _square(lon: float, lat: float, d: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + d, lat], [lon + d, lat + d],
                                                [lon, lat + d], [lon, lat]]]}


def build_small_db(path: Path) -> Path:
    """A tiny database: demo contract (2 QPVs with contours, 2 communes) and grand-chalon (1 QPV)."""
    con = create_empty(path)
    now = datetime(2026, 1, 15, 10, 30)
    con.executemany(
        "insert into sources (source_id, kind, producer, title, vintage, licence, file_name, sha256,"
        " rows_read, loaded_at, is_fictional) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [["src_demo", "insee_qpv_stats", "Démo", "Statistiques QPV fictives", "2021",
          "Licence Ouverte 2.0", "demo_qpv.csv", "ab" * 32, 12, now, True],
         ["src_chalon", "programme_published_values", "Grand Chalon", "Contrat de ville, annexes",
          "2024", None, "grand-chalon.xlsx", "cd" * 32, 1650, now, False]])
    territories = [
        ("QN09901N", "qpv", "Les Tilleuls", 2024, 1200, True, "src_demo"),
        ("QN09902M", "qpv", "Vieux Puits - Paradis - Maunoury", 2024, 2040, True, "src_demo"),
        ("99001", "commune", "Valfleuri", 2026, 30000, True, "src_demo"),
        ("99002", "commune", "Montclair", 2026, 12000, True, "src_demo"),
        ("999000001", "epci", "CA de Démo", 2026, 80000, True, "src_demo"),
        ("FRM", "france", "France métropolitaine", 2026, None, False, "src_chalon"),
        ("QN07101I", "qpv", "Aubépins", 2024, 2500, False, "src_chalon"),
        ("71076", "commune", "Chalon-sur-Saône", 2026, 45102, False, "src_chalon"),
        ("247100589", "epci", "CA Le Grand Chalon", 2026, 113440, False, "src_chalon"),
    ]
    con.executemany(
        "insert into territories (territory_code, territory_level, territory_name,"
        " geography_vintage, population, is_fictional, source_id) values (?, ?, ?, ?, ?, ?, ?)",
        territories)
    con.executemany(
        "insert into territory_links values (?, ?, ?, ?, ?)",
        [["QN09901N", "qpv", "99001", "commune", "src_demo"],
         ["QN09902M", "qpv", "99002", "commune", "src_demo"],
         ["99001", "commune", "999000001", "epci", "src_demo"],
         ["99002", "commune", "999000001", "epci", "src_demo"],
         ["QN07101I", "qpv", "71076", "commune", "src_chalon"],
         ["71076", "commune", "247100589", "epci", "src_chalon"]])
    geoms = [("QN09901N", "qpv", 2.005, 47.005, 0.004), ("QN09902M", "qpv", 2.025, 47.005, 0.004),
             ("99001", "commune", 2.0, 47.0, 0.02), ("99002", "commune", 2.02, 47.0, 0.02)]
    con.executemany(
        "insert into territory_geometries (territory_code, territory_level, geometry_vintage,"
        " geom_wkb, geom_simplified_geojson, centroid_lon, centroid_lat, area_m2, source_id)"
        " values (?, ?, 2024, ?, ?, ?, ?, 1000, 'src_demo')",
        [[code, lvl, shapely.to_wkb(shapely.geometry.shape(_square(lon, lat, d))),
          json.dumps(_square(lon, lat, d)), lon + d / 2, lat + d / 2]
         for code, lvl, lon, lat, d in geoms])
    con.executemany(
        "insert into contracts values (?, ?, ?, ?, ?, ?, ?, ?)",
        [["demo", "Contrat de ville de Démo", "999000001", "2024–2030", 2024, 2030, True, "src_demo"],
         ["grand-chalon", "Contrat de ville du Grand Chalon", "247100589", "2024–2030", 2024, 2030,
          False, "src_chalon"]])
    con.executemany(
        "insert into contract_territories values (?, ?, ?, ?, ?)",
        [["demo", "QN09901N", "qpv", None, "src_demo"],
         ["demo", "QN09902M", "qpv", None, "src_demo"],
         ["grand-chalon", "QN07101I", "qpv", None, "src_chalon"]])
    facts = [
        ("QN09901N", "qpv", "poverty_rate_pct", 2021, 41.5, "ok", "official_file", "src_demo", None),
        ("QN09902M", "qpv", "poverty_rate_pct", 2021, None, "secret", "official_file", "src_demo", None),
        ("99001", "commune", "poverty_rate_pct", 2021, 18.25, "ok", "official_file", "src_demo", None),
        ("QN07101I", "qpv", "median_income_eur_month", 2019, 742, "ok", "published", "src_chalon",
         "Insee 2019"),
        ("71076", "commune", "median_income_eur_month", 2019, 1480, "ok", "published", "src_chalon",
         "Insee 2019"),
        ("247100589", "epci", "median_income_eur_month", 2019, 1770, "ok", "published", "src_chalon",
         "Insee 2019"),
    ]
    con.executemany(
        "insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,"
        " status, origin, source_id, source_note) values (?, ?, ?, ?, ?, ?, ?, ?, ?)", facts)
    con.execute("insert into builds values ('b1', ?, ?, 'published', 'data/raw/demo', 2, 1662, 9,"
                " 2, 1, 'Base publiée.')", [now, now])
    con.executemany("insert into build_files values ('b1', ?, ?, ?, ?, ?, ?)",
                    [["demo_qpv.csv", "insee_qpv_stats", "loaded", 12, "src_demo", None],
                     ["notes.txt", None, "unrecognised", None, None, "format non reconnu"]])
    con.execute("insert into build_messages values ('b1', 'warning', 'demo_qpv.csv', 7, 'TP60',"
                " 'valeur « s » lue comme secret statistique')")
    con.close()
    return path


@pytest.fixture(scope="session")
def small_db_path(tmp_path_factory) -> Path:
    return build_small_db(tmp_path_factory.mktemp("small") / "small.duckdb")


def publish_db(monkeypatch, path: Path) -> Path:
    """`path` as the app's database for the test: config.DB_PATH and QPV_DB_PATH (the pages and
    the processes they start read one or the other)."""
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


@pytest.fixture
def small_db(small_db_path, monkeypatch) -> Path:
    """The small database, published as config.DB_PATH for the test."""
    return publish_db(monkeypatch, small_db_path)


def _run(args: list[str], log: Path) -> subprocess.CompletedProcess:
    with log.open("a", encoding="utf-8") as fh:
        return subprocess.run([sys.executable, *args], cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT,
                              timeout=900, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="session")
def demo_db_path(tmp_path_factory) -> Path:
    """The real ETL output: `python -m etl demo` then `python -m etl build` into tmp."""
    tmp = tmp_path_factory.mktemp("demo")
    log = tmp / "etl.log"
    raw = tmp / "raw_demo"
    db = tmp / "qpv.duckdb"
    if _run(["-m", "etl", "demo", "--out", str(raw)], log).returncode != 0:
        pytest.skip(f"`python -m etl demo` does not work yet: {log.read_text()[-800:]}")
    build = ["-m", "etl", "build", "--raw", str(raw), "--db", str(db)]
    if config.TERRITORIES_DIR.is_dir():
        build[5:5] = ["--raw", str(config.TERRITORIES_DIR)]
    if _run(build, log).returncode != 0 or not db.exists():
        pytest.skip(f"`python -m etl build` does not work yet: {log.read_text()[-800:]}")
    return db


@pytest.fixture
def demo_db(demo_db_path, monkeypatch) -> Path:
    return publish_db(monkeypatch, demo_db_path)
