"""ETL benchmarks: the default build, the real reference build, and the grid → QPV aggregation.

Each build runs in a child process so that its time and peak memory (max RSS) are its own.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

import config
from etl.core import LoadContext
from etl.db import create_empty


def _child(args: list[str]) -> tuple[float, float]:
    """Run `python -m etl …` in a child: (seconds, peak RSS of the children so far, in MiB;
    the children run from smallest to largest, so it is this one's)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "etl", *args], check=True, cwd=config.ROOT,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def grid_aggregation(n_cells: int = 1_000_000, n_polygons: int = 1_500, seed: int = 7) -> float:
    """Seconds to assign `n_cells` grid squares to `n_polygons` QPV polygons and write the facts."""
    rng = np.random.default_rng(seed)
    con = create_empty()
    ctx = LoadContext(con, "bench")
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at, vintage)"
                " values ('src_bench', 'filosofi_grid', 'bench.csv', 'x', now(), '2019')")
    side = int(np.ceil(np.sqrt(n_polygons)))
    lon0, lat0, step = 2.0, 46.0, 0.02
    polys, codes = [], []
    for i in range(n_polygons):
        x, y = lon0 + (i % side) * step, lat0 + (i // side) * step
        polys.append(shapely.box(x, y, x + step * 0.6, y + step * 0.6))
        codes.append(f"QN{i // 100 % 1000:03d}{i % 100:02d}N")
    ctx.insert("territory_geometries", pd.DataFrame({
        "territory_code": codes, "territory_level": "qpv", "geometry_vintage": 2024,
        "geom_wkb": shapely.to_wkb(polys), "geom_simplified_geojson": "{}",
        "source_id": "src_bench"}))
    span = side * step
    cells = pd.DataFrame({
        "cell_id": np.arange(n_cells).astype(str), "x_3035": 0.0, "y_3035": 0.0,
        "lon": lon0 + rng.random(n_cells) * span, "lat": lat0 + rng.random(n_cells) * span,
        "ind": rng.integers(1, 60, n_cells).astype(float), "men": rng.integers(1, 25, n_cells).astype(float),
        "source_id": "src_bench"})
    cells["men_pauv"] = np.floor(cells["men"] * rng.random(n_cells))
    cells["ind_snv"] = cells["ind"] * rng.normal(21_000, 4_000, n_cells)
    ctx.insert("grid_200m", cells)
    from etl.loaders.grid import aggregate_to_territories
    t0 = time.perf_counter()
    n_facts = aggregate_to_territories(con)
    seconds = time.perf_counter() - t0
    assert n_facts > 0
    con.close()
    return seconds


def run() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        s, mib = _child(["demo", "--out", str(demo)])
        print(f"  Démo écrite (python -m etl demo)                 : {s:6.2f} s, mémoire max {mib:5.0f} Mio")
        s, mib = _child(["build", "--quiet", "--raw", str(demo), "--raw", str(config.TERRITORIES_DIR),
                         "--db", str(Path(tmp) / "default.duckdb")])
        print(f"  Base par défaut (démo + territoires réels)       : {s:6.2f} s, mémoire max {mib:5.0f} Mio")
        if config.REFERENCE_DIR.is_dir():
            s, mib = _child(["build", "--quiet", "--raw", str(demo), "--raw", str(config.TERRITORIES_DIR),
                             "--raw", str(config.REFERENCE_DIR), "--db", str(Path(tmp) / "ref.duckdb")])
            print(f"  Avec les fichiers de référence (COG, Filosofi)   : {s:6.2f} s, mémoire max {mib:5.0f} Mio")
        else:
            print(f"  Fichiers de référence absents ({config.REFERENCE_DIR}) : mesure sautée")
    s = grid_aggregation()
    print(f"  Carroyage : 1 000 000 carreaux dans 1 500 QPV     : {s:6.2f} s")
