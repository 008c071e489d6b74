"""ETL benchmarks: the default build, the real reference build, the grid → QPV aggregation, and
the poverty-pocket detection on a France-sized grid (2,3 million squares).

Each build runs in a child process so that its time and peak memory (max RSS) are its own.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

import config
from bench import figures
from etl.core import LoadContext
from etl.db import create_empty


def _child(args: list[str]) -> tuple[float, float, float]:
    """Run `python -m etl …` in a child: (seconds, the child's own peak RSS in MiB, its CPU
    seconds, user + system, DuckDB's threads included: on a shared machine the wall time is
    noisy, the CPU time much less)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "etl", *args], cwd=config.ROOT,
                            stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, ["python", "-m", "etl", *args])
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def _children(args: list[str], repeat: int) -> tuple[float, float, float]:
    """Median seconds, largest peak RSS (MiB) and median CPU seconds of `repeat` runs of
    `python -m etl …`."""
    runs = [_child(args) for _ in range(max(1, repeat))]
    return (statistics.median(s for s, _, _ in runs), max(m for _, m, _ in runs),
            statistics.median(c for _, _, c in runs))


def pandas_read(folder: Path) -> int:
    """The straightforward way, for comparison with the build: read every file of a raw folder
    with pandas/geopandas (CSV, zipped CSV, XLSX, GeoJSON, JSON), no checks, no DuckDB.
    Returns the rows read."""
    import io
    import json
    import zipfile

    import geopandas
    rows = 0
    for path in sorted(folder.rglob("*")):
        suffix = path.suffix.lower()
        if suffix == ".csv":
            try:
                rows += len(pd.read_csv(path, sep=None, engine="python", dtype=str))
            except UnicodeDecodeError:          # INSEE's Latin-1 files
                rows += len(pd.read_csv(path, sep=None, engine="python", dtype=str, encoding="latin-1"))
        elif suffix == ".zip":
            with zipfile.ZipFile(path) as z:
                for name in z.namelist():
                    if name.lower().endswith(".csv"):
                        data = z.read(name)
                        try:
                            text = data.decode("utf-8")
                        except UnicodeDecodeError:
                            text = data.decode("latin-1")
                        rows += len(pd.read_csv(io.StringIO(text), sep=";", dtype=str))
        elif suffix == ".xlsx":
            rows += sum(len(df) for df in pd.read_excel(path, sheet_name=None).values())
        elif suffix == ".geojson":
            rows += len(geopandas.read_file(path).to_crs(4326))
        elif suffix == ".json":
            rows += len(pd.DataFrame(json.loads(path.read_text(encoding="utf-8"))))
    return rows


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


def pocket_detection(n_side: tuple[int, int] = (1_600, 1_440), n_zones: int = 5_000,
                     n_qpvs: int = 1_500, seed: int = 14) -> tuple[float, int, int]:
    """Seconds to find the poverty pockets of a France-sized grid (1 600 × 1 440 = 2,3 million
    squares of 200 m), generated here: better-off squares with `n_zones` poor blocks, the first
    `n_qpvs` of them inside a QPV contour. Times `indicators.pockets.detect` on the whole grid
    (reading the squares from DuckDB included). Returns (seconds, squares, pockets)."""
    from pyproj import Transformer

    from indicators.pockets import Params, detect
    rng = np.random.default_rng(seed)
    nx, ny = n_side
    x0, y0 = 3_200_000, 2_100_000
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    ix, iy = ix.ravel(), iy.ravel()
    n = len(ix)
    poor = np.zeros((nx, ny), dtype=bool)
    zones = []
    for _ in range(n_zones):
        w, h = rng.integers(3, 11, 2)
        a, b = rng.integers(0, nx - w), rng.integers(0, ny - h)
        poor[a:a + w, b:b + h] = True
        zones.append((a, b, w, h))
    poor = poor.ravel()
    ind = rng.integers(5, 80, n).astype(float)
    men = np.round(ind / rng.uniform(2.0, 2.6, n), 1)
    mean = np.where(poor, rng.uniform(9_000, 12_000, n), rng.uniform(16_000, 32_000, n))
    cells = pd.DataFrame({
        "cell_id": "CRS3035RES200mN" + pd.Series(y0 + 200 * iy).astype(str) + "E"
                   + pd.Series(x0 + 200 * ix).astype(str),
        "x_3035": (x0 + 200 * ix).astype(float), "y_3035": (y0 + 200 * iy).astype(float),
        "lon": 0.0, "lat": 0.0, "commune_codes": "99001", "ind": ind, "men": men,
        "men_pauv": np.round(men * np.where(poor, 0.45, 0.1), 1), "ind_snv": ind * mean,
        "men_fmp": np.round(men * 0.15, 1), "log_soc": np.round(men * 0.3, 1),
        "is_withheld": False, "source_id": "src_bench"})
    for band in ("ind_0_3", "ind_4_5", "ind_6_10", "ind_11_17", "ind_18_24", "ind_25_39",
                 "ind_40_54", "ind_55_64", "ind_65_79", "ind_80p"):
        cells[band] = ind / 10
    to_wgs = Transformer.from_crs(3035, 4326, always_xy=True)
    boxes = []
    for a, b, w, h in zones[:n_qpvs]:
        xa, ya = to_wgs.transform(x0 + 200 * a, y0 + 200 * b)
        xb, yb = to_wgs.transform(x0 + 200 * (a + w), y0 + 200 * (b + h))
        boxes.append(shapely.box(xa, ya, xb, yb))
    con = create_empty()
    con.execute("set enable_progress_bar = false")
    ctx = LoadContext(con, "bench")
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at, vintage)"
                " values ('src_bench', 'filosofi_grid', 'bench.csv', 'x', now(), '2021')")
    ctx.insert("territory_geometries", pd.DataFrame({
        "territory_code": [f"QN{i:05d}X" for i in range(len(boxes))], "territory_level": "qpv",
        "geometry_vintage": 2024, "geom_wkb": shapely.to_wkb(boxes), "geom_simplified_geojson": "{}",
        "source_id": "src_bench"}))
    ctx.insert("grid_200m", cells)
    del cells
    t0 = time.perf_counter()
    result = detect(con, None, Params(threshold_eur=12_900))
    seconds = time.perf_counter() - t0
    con.close()
    return seconds, n, len(result.pockets)


def run(repeat: int = 3) -> dict[str, float]:
    """Median seconds and peak memory of the builds (each in a child process), the pandas
    reading of the demo's files for comparison, the grid aggregation and the pocket detection."""
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        s, mib, _ = _child(["demo", "--out", str(demo)])
        print(f"  Démo écrite (python -m etl demo)                 : {s:6.2f} s, mémoire max {mib:5.0f} Mio")
        out.update(demo_write_s=s)
        s, mib, cpu = _children(["build", "--quiet", "--raw", str(demo), "--db", str(Path(tmp) / "demo.duckdb")],
                                repeat)
        base = statistics.median(figures.timings(lambda: pandas_read(demo), repeat)[0])
        print(f"  Base de la démo seule                            : {s:6.2f} s, CPU {cpu:.2f} s, mémoire max {mib:5.0f} Mio "
              f"(objectif < 2 s ; lecture pandas des mêmes fichiers {base:.2f} s, ×{figures.ratio(s, base):.1f})")
        out.update(build_demo_s=s, build_demo_cpu_s=cpu, build_demo_peak_mib=mib, build_demo_pandas_read_s=base,
                   build_demo_vs_pandas_ratio=figures.ratio(s, base))
        s, mib, cpu = _children(["build", "--quiet", "--raw", str(demo), "--raw", str(config.TERRITORIES_DIR),
                                 "--db", str(Path(tmp) / "default.duckdb")], repeat)
        print(f"  Base par défaut (démo + territoires réels)       : {s:6.2f} s, CPU {cpu:.2f} s, mémoire max {mib:5.0f} Mio")
        out.update(build_default_s=s, build_default_peak_mib=mib)
        if config.REFERENCE_DIR.is_dir():
            s, mib, _ = _children(["build", "--quiet", "--raw", str(demo), "--raw", str(config.TERRITORIES_DIR),
                                "--raw", str(config.REFERENCE_DIR), "--db", str(Path(tmp) / "ref.duckdb")],
                               repeat)
            print(f"  Avec les fichiers de référence (COG, Filosofi)   : {s:6.2f} s, mémoire max {mib:5.0f} Mio")
            out.update(build_reference_s=s, build_reference_peak_mib=mib)
        else:
            print(f"  Fichiers de référence absents ({config.REFERENCE_DIR}) : mesure sautée")
    s = statistics.median(grid_aggregation() for _ in range(max(1, repeat)))
    print(f"  Carroyage : 1 000 000 carreaux dans 1 500 QPV     : {s:6.2f} s")
    out.update(grid_aggregation_s=s)
    s, n, found = pocket_detection()
    squares = f"{n:_}".replace("_", " ")
    print(f"  Poches de pauvreté : {squares} carreaux, {found} poches  : {s:6.2f} s (objectif < 30 s, 1 mesure)")
    out.update(pockets_france_s=s, pockets_france_count=found)
    return out
