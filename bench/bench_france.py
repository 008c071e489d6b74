"""The build at national scale: generate the fictional France (`python -m etl demo --scale
france`), build it, and assign its 2,3 million grid squares to QPVs and communes; each figure
beside a straightforward pandas/geopandas way of doing the same work (read with pandas, compute
with DataFrame operations, no DuckDB).

`run(work_dir, n_qpv=1600) -> dict` returns the figures (seconds, MiB) and prints them in French.
The generation and the build run in child processes, each under a small Python parent that
reports its own children's peak RSS (resource.getrusage(RUSAGE_CHILDREN)), so that every peak
is the step's own.
"""
from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

import config

# Runs `python -m etl ARGS…` and prints {"seconds", "peak_mib", "cpu_s"} of that child alone.
_WRAP = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
p = subprocess.run([sys.executable, "-m", "etl", *sys.argv[1:]], stderr=subprocess.PIPE,
                   stdout=subprocess.DEVNULL, text=True)
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": time.perf_counter() - t, "peak_mib": r.ru_maxrss / 1024,
                  "cpu_s": r.ru_utime + r.ru_stime, "returncode": p.returncode, "stderr": p.stderr}))
"""

_PROGRESS = re.compile(r"^(?P<kind>\S+)\s+[\d\u202f\u00a0 ]+ lignes\s+(?P<s>[\d,]+) s\s+(?P<file>\S.*)$")
INSEE_KINDS = ("insee_qpv_stats", "insee_commune_stats", "insee_dictionary")


# Runs the build in this child with every loader's `load` and the build's later steps wrapped:
# prints {"steps": {name: [wall_s, cpu_s, calls]}, "seconds", "cpu_s", "peak_mib"} of the build.
# CPU is the process's (time.process_time: DuckDB's threads included), so a step's CPU does not
# depend on the other jobs of a shared machine the way its wall time does.
_WRAP_STEPS = """
import json, resource, sys, time
from pathlib import Path
import etl.build as b
from etl.loaders import import_loaders
import etl.checks, indicators.pockets
steps = {}
def timed(name_of, fn):
    def run(*a, **k):
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*a, **k)
        finally:
            s = steps.setdefault(name_of(*a), [0.0, 0.0, 0])
            s[0] += time.perf_counter() - w; s[1] += time.process_time() - c; s[2] += 1
    return run
for m in import_loaders():
    m.load = timed(lambda ctx, c, kind: kind, m.load)
    if hasattr(m, "post_load"):
        m.post_load = timed(lambda *a, _n=m.__name__: "post_load " + _n.rsplit(".", 1)[-1], m.post_load)
    if hasattr(m, "aggregate_to_territories"):
        m.aggregate_to_territories = timed(lambda *a: "grid aggregate_to_territories", m.aggregate_to_territories)
for name in ("_deduplicate", "_set_aside_communes_outside_cog", "_derive", "_add_france_and_ensembles",
             "run_checks", "_recognise", "_write_build_record"):
    setattr(b, name, timed(lambda *a, _n=name: _n.lstrip("_"), getattr(b, name)))
indicators.pockets.write_pockets = timed(lambda *a: "write_pockets", indicators.pockets.write_pockets)
w, c = time.perf_counter(), time.process_time()
report = b.build([Path(sys.argv[1])], Path(sys.argv[2]), progress=None)
print(json.dumps({"steps": steps, "seconds": time.perf_counter() - w, "cpu_s": time.process_time() - c,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "outcome": report.outcome}))
"""


def build_steps(raw: Path, db: Path) -> dict:
    """The build of `raw` into `db` in a child process, with the wall and CPU seconds of each
    kind of file and of each later step (`_WRAP_STEPS`)."""
    out = subprocess.run([sys.executable, "-c", _WRAP_STEPS, str(raw), str(db)], cwd=config.ROOT,
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def print_steps(result: dict) -> None:
    print(f"construction {_fr(result['seconds'])} s (CPU {_fr(result['cpu_s'])} s), "
          f"pic mémoire {_fr(result['peak_mib'], 0)} Mio")
    for name, (wall, cpu, calls) in sorted(result["steps"].items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:<34} {_fr(wall):>8} s  CPU {_fr(cpu):>7} s  ({calls} appel{'s' if calls > 1 else ''})")


def _etl(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, "-c", _WRAP, *args], cwd=config.ROOT, check=True,
                         capture_output=True, text=True)
    result = json.loads(out.stdout)
    if result["returncode"] != 0:
        raise RuntimeError(f"python -m etl {' '.join(args)} : échec\n{result['stderr'][-2000:]}")
    return result


def _seconds_per_kind(stderr: str) -> dict[str, float]:
    """Seconds per kind of file, from the build's progress lines."""
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        m = _PROGRESS.match(line.strip())
        if m:
            out[m["kind"]] = out.get(m["kind"], 0.0) + float(m["s"].replace(",", "."))
    return out


# ── The app on the France database ─────────────────────────────────────────────────────────────

APP_PAGES = ("", "bilan", "carte", "portrait", "comparer", "poches", "adresse", "programmes",
             "logement", "droit-commun", "methode", "rapports", "importer")


def browse_pages(db: Path, n_qpv: int = 3, timeout: float = 600) -> dict:
    """Every page of the app (APP_PAGES, url paths) run by a real `streamlit run` server on `db`,
    through a headless client (bench/stclient.py), for the first `n_qpv` links of bench.load
    (contract + QPV): the errors each run shows (an exception, an st.error, no end), the server's
    CPU seconds each run cost (its process tree's, so the wall time of a shared machine can be
    read against it), the load average after it, and the server's memory (RSS of its process
    tree) after every page."""
    import asyncio
    import tempfile

    from bench.load import (free_port, links, process_tree_cpu_seconds, process_tree_rss_bytes, start_server,
                            stop_server)
    from bench.stclient import Session, wait_healthy

    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="qpv-france-pages-")) / "streamlit.log"
    proc = start_server(db, port, log)
    url = f"http://127.0.0.1:{port}"
    runs: list[dict] = []
    try:
        wait_healthy(url, timeout=timeout, proc=proc)

        async def walk() -> None:
            async with Session(url) as session:
                for query in links(db)[:n_qpv]:
                    for page in APP_PAGES:
                        t, cpu = time.perf_counter(), process_tree_cpu_seconds(proc.pid)
                        run = await session.run_page(page, query, timeout=timeout)
                        runs.append({"page": page or "accueil", "query": query, "seconds": time.perf_counter() - t,
                                     "cpu_s": process_tree_cpu_seconds(proc.pid) - cpu,
                                     "load_1min": os.getloadavg()[0], "errors": run.errors,
                                     "rss_mib": process_tree_rss_bytes(proc.pid) / 2**20})

        asyncio.run(walk())
        return {"runs": runs, "server_rss_mib": process_tree_rss_bytes(proc.pid) / 2**20,
                "server_cpu_s": process_tree_cpu_seconds(proc.pid),
                "errors": [f"{r['page']} ({r['query']}) : {e}" for r in runs for e in r["errors"]]}
    finally:
        stop_server(proc, timeout=30)


def print_pages(result: dict) -> None:
    for r in result["runs"]:
        print(f"  {r['page']:<14} {r['query']:<40} {_fr(r['seconds'])} s (CPU du serveur {_fr(r['cpu_s'], 2)} s,"
              f" charge {_fr(r['load_1min'])})  serveur {_fr(r['rss_mib'], 0)} Mio"
              + (f"  ERREURS : {'; '.join(r['errors'])}" if r["errors"] else ""))
    print(f"serveur après {len(result['runs'])} pages : {_fr(result['server_rss_mib'], 0)} Mio "
          f"(objectif : < 1 024 Mio), CPU {_fr(result['server_cpu_s'])} s ; "
          f"{len(result['errors'])} erreur(s)")


def crawl_pages(db: Path, n_contracts: int = 3, n_qpv: int = 3, n_indicators: int = 4,
                n_options: int = 3) -> dict:
    """Every page script run by AppTest on `db` (tests/app/test_crawl.py's checks: an exception,
    a traceback, « nan »/« None », an English error), for `n_contracts` contracts spread over the
    database: the portrait for `n_qpv` of each contract's QPVs, the map for `n_indicators`
    indicators, the walked widgets (years, quartiers…) at `n_options` of their options (first,
    middle, last). Each run's wall and CPU seconds (time.process_time: AppTest runs the script in
    this process)."""
    import config
    from tests.app import test_crawl as tc
    from streamlit.testing.v1 import AppTest

    config.DB_PATH = Path(db)
    os.environ["QPV_DB_PATH"] = str(db)
    import duckdb
    con = duckdb.connect(str(db), read_only=True)
    try:
        slugs = [r[0] for r in con.execute("select contract_slug from contracts order by contract_slug").fetchall()]
    finally:
        con.close()
    step = max(1, len(slugs) // max(1, n_contracts))
    chosen = slugs[::step][:n_contracts]

    def spread(items: list, n: int) -> list:
        if len(items) <= n:
            return list(items)
        return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)] if n > 1 else items[:1]

    runs: list[dict] = []
    for contract in chosen:
        codes, indicator_ids = tc._targets(Path(db), contract)
        for page in tc.PAGES:
            def fresh() -> AppTest:
                at = AppTest.from_file(str(config.ROOT / "pages" / f"{page}.py"), default_timeout=1800)
                at.session_state["territoire"] = contract
                return at

            def run(at: AppTest, where: str) -> None:
                w, c = time.perf_counter(), time.process_time()
                at.run()
                runs.append({"page": page, "contract": contract, "where": where,
                             "seconds": time.perf_counter() - w, "cpu_s": time.process_time() - c,
                             "load_1min": os.getloadavg()[0],
                             "problems": tc.problems(at, f"{page} [{contract}] {where}", strict=True)})

            at = fresh()
            if page == "portrait":
                for code in spread(codes, n_qpv) or [None]:
                    at.session_state["qpv"] = code
                    run(at, f"qpv={code}")
                continue
            if page == "carte":
                for indicator_id in spread(indicator_ids, n_indicators) or ["poverty_rate_pct"]:
                    at.session_state["indicateur"] = indicator_id
                    run(at, f"indicateur={indicator_id}")
                continue
            run(at, "")
            for key in tc.WALKED_WIDGETS.get(page, ()):
                if not [w for w in at.selectbox if w.key == key]:
                    continue
                for i in spread(list(range(len(at.selectbox(key=key).options))), n_options):
                    label = tc._choose(at.selectbox(key=key), i)
                    run(at, f"{key}={label}")
    return {"runs": runs, "problems": [p for r in runs for p in r["problems"]]}


def print_crawl(result: dict) -> None:
    for r in result["runs"]:
        print(f"  {r['page']:<13} {r['contract']:<24} {r['where'][:40]:<40} {_fr(r['seconds'])} s"
              f" (CPU {_fr(r['cpu_s'])} s, charge {_fr(r['load_1min'])})"
              + (f"  PROBLÈMES : {' ; '.join(r['problems'])}" if r["problems"] else ""))
    slow = sorted(result["runs"], key=lambda r: -r["cpu_s"])[:5]
    print(f"{len(result['runs'])} exécutions, {len(result['problems'])} problème(s) ; les plus coûteuses : "
          + " ; ".join(f"{r['page']} [{r['contract']}] {r['where'][:30]} {_fr(r['cpu_s'])} s de CPU" for r in slow))


# ── The pandas way ─────────────────────────────────────────────────────────────────────────────

MARKERS = {"s", "nd", "ns", "nc", ""}


def _pandas_table(data: bytes) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return pd.read_csv(io.StringIO(text), sep=";", dtype=str, keep_default_na=False)


def _pandas_long(df: pd.DataFrame) -> pd.DataFrame:
    """One row per territory and variable, the value parsed as INSEE prints it."""
    value_cols = [c for c in df.columns if c not in ("CODGEO", "LIBGEO") and not c.startswith("NOTE")]
    long = df.melt(id_vars=["CODGEO"], value_vars=value_cols, var_name="variable", value_name="raw")
    raw = long["raw"].str.strip()
    withheld = raw.str.lower().isin(MARKERS)
    cleaned = raw.str.replace("\u202f", "", regex=False).str.replace("\u00a0", "", regex=False) \
        .str.replace(" ", "", regex=False).str.replace(",", ".", regex=False)
    long["value"] = pd.to_numeric(cleaned.where(~withheld), errors="coerce")
    long["status"] = np.where(withheld, "secret", "ok")
    long["year"] = 2000 + long["variable"].str.extract(r"(\d{2})$")[0].astype(float)
    return long


def pandas_insee(raw_dir: Path) -> tuple[float, int]:
    """Seconds to read and reshape every INSEE QPV zip and comparator file with pandas; rows."""
    t0 = time.perf_counter()
    rows = 0
    for z in sorted((raw_dir / "insee_qpv").glob("*.zip")):
        with zipfile.ZipFile(z) as zf:
            for name in zf.namelist():
                if name.startswith("data_"):
                    rows += len(_pandas_long(_pandas_table(zf.read(name))))
    for f in sorted((raw_dir / "insee_comparateurs").glob("insee_*.csv")):
        rows += len(_pandas_long(_pandas_table(f.read_bytes())))
    return time.perf_counter() - t0, rows


# ── Grid assignment ────────────────────────────────────────────────────────────────────────────

def etl_grid_assignment(db: Path) -> tuple[float, float, int]:
    """(seconds to assign every square to its QPVs and write the QPV facts — the build's
    `aggregate_to_territories` —, seconds to assign every square to its commune polygon the
    same way, squares) on a copy of the built database."""
    import duckdb
    import shapely

    from etl.loaders.grid import aggregate_to_territories

    copy = db.with_name(db.stem + "-grid.duckdb")
    shutil.copyfile(db, copy)
    con = duckdb.connect(str(copy))
    try:
        t0 = time.perf_counter()
        aggregate_to_territories(con)
        qpv_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        cells = con.execute("select lon, lat from grid_200m").fetchnumpy()
        polys = con.execute("select territory_code, geom_wkb from territory_geometries"
                            " where territory_level = 'commune'").fetchall()
        tree = shapely.STRtree(shapely.from_wkb([p[1] for p in polys]))
        pt, poly = tree.query(shapely.points(cells["lon"], cells["lat"]), predicate="within")
        codes = np.array([p[0] for p in polys], dtype=object)[poly]
        commune_s = time.perf_counter() - t0
        return qpv_s, commune_s, len(cells["lon"]) if len(codes) else 0
    finally:
        con.close()
        copy.unlink(missing_ok=True)


def pandas_grid_assignment(raw_dir: Path) -> float:
    """Seconds for the geopandas way: read the grid CSV with pandas, points from the square ids,
    then a spatial join with the QPV and the commune contours."""
    import geopandas as gpd

    t0 = time.perf_counter()
    grid = next((raw_dir / "carreaux").glob("Filosofi*.csv"))
    df = pd.read_csv(grid, dtype={"Idcar_200m": str, "lcog_geo": str})
    xy = df["Idcar_200m"].str.extract(r"N(?P<n>\d+)E(?P<e>\d+)").astype(float)
    points = gpd.GeoDataFrame(df[["Idcar_200m", "Ind", "Men", "Men_pauv", "Ind_snv"]],
                              geometry=gpd.points_from_xy(xy["e"] + 100, xy["n"] + 100), crs=3035).to_crs(4326)
    qpv = gpd.read_file(next((raw_dir / "contours").glob("QP2024*.geojson"))).to_crs(4326)
    communes = gpd.read_file(next((raw_dir / "contours").glob("communes*.geojson")))
    in_qpv = gpd.sjoin(points, qpv[["code_qp", "geometry"]], predicate="within")
    in_qpv.groupby("code_qp")[["Men", "Men_pauv", "Ind", "Ind_snv"]].sum()
    gpd.sjoin(points, communes[["code", "geometry"]], predicate="within")
    return time.perf_counter() - t0


# ── The benchmark ──────────────────────────────────────────────────────────────────────────────

def _fr(x: float, d: int = 1) -> str:
    return f"{x:,.{d}f}".replace(",", "\u202f").replace(".", ",")


def run(work_dir: Path | str, n_qpv: int = 1600, with_baselines: bool = True) -> dict:
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    raw, db = work / "france", work / "france.duckdb"
    fig: dict[str, float] = {}
    gen = _etl(["demo", "--scale", "france", "--qpv", str(n_qpv), "--out", str(raw)])
    fig.update(generation_s=gen["seconds"], generation_cpu_s=gen["cpu_s"], generation_peak_mib=gen["peak_mib"])
    b = _etl(["build", "--raw", str(raw), "--db", str(db)])
    fig.update(build_s=b["seconds"], build_cpu_s=b["cpu_s"], build_peak_mib=b["peak_mib"])
    per_kind = _seconds_per_kind(b["stderr"])
    fig["build_insee_s"] = sum(per_kind.get(k, 0.0) for k in INSEE_KINDS)
    fig["build_grid_load_s"] = per_kind.get("filosofi_grid", 0.0)
    qpv_s, commune_s, n_squares = etl_grid_assignment(db)
    fig.update(grid_qpv_s=qpv_s, grid_commune_s=commune_s, grid_squares=n_squares)
    print(f"France fictive ({n_qpv} QPV, {_fr(n_squares, 0)} carreaux) :")
    print(f"  génération des fichiers           {_fr(fig['generation_s'])} s (CPU {_fr(fig['generation_cpu_s'])} s), "
          f"pic mémoire {_fr(fig['generation_peak_mib'], 0)} Mio")
    print(f"  construction de la base           {_fr(fig['build_s'])} s (CPU {_fr(fig['build_cpu_s'])} s), "
          f"pic mémoire {_fr(fig['build_peak_mib'], 0)} Mio  (objectif : < 60 s, < 2 048 Mio)")
    print(f"    dont fichiers Insee QPV et comparateurs {_fr(fig['build_insee_s'])} s, carroyage {_fr(fig['build_grid_load_s'])} s")
    print(f"  carreaux → QPV (faits calculés)    {_fr(qpv_s, 2)} s ; carreaux → communes {_fr(commune_s, 2)} s"
          f"  (objectif : < 10 s)")
    if with_baselines:
        insee_s, rows = pandas_insee(raw)
        fig.update(pandas_insee_s=insee_s, pandas_insee_rows=rows)
        fig["insee_ratio"] = insee_s / fig["build_insee_s"] if fig["build_insee_s"] else float("nan")
        grid_s = pandas_grid_assignment(raw)
        fig["pandas_grid_s"] = grid_s
        fig["grid_ratio"] = grid_s / (qpv_s + commune_s)
        print(f"  pandas : fichiers Insee lus et mis en long  {_fr(insee_s)} s ({_fr(rows, 0)} valeurs) : "
              f"× {_fr(fig['insee_ratio'], 2)} le temps de l'ETL")
        print(f"  geopandas : carreaux → QPV et communes       {_fr(grid_s)} s : "
              f"× {_fr(fig['grid_ratio'], 2)} le temps de l'ETL")
    return fig


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Mesures à l'échelle de la France (données fictives).")
    ap.add_argument("work_dir", type=Path)
    ap.add_argument("--qpv", type=int, default=1600)
    ap.add_argument("--steps", type=Path, metavar="RAW",
                    help="seulement la construction de RAW (déjà généré), avec le temps et le CPU "
                         "de chaque sorte de fichier et de chaque étape")
    ap.add_argument("--pages", type=Path, metavar="DB",
                    help="seulement chaque page de l'application sur la base DB (serveur réel), "
                         "avec la mémoire du serveur")
    ap.add_argument("--crawl", type=Path, metavar="DB",
                    help="seulement chaque page exécutée par AppTest sur la base DB, pour quelques "
                         "contrats, quartiers, indicateurs et années (les contrôles de tests/app/test_crawl.py)")
    ap.add_argument("--contracts", type=int, default=3, help="avec --crawl : nombre de contrats")
    a = ap.parse_args()
    if a.crawl:
        print_crawl(crawl_pages(a.crawl, n_contracts=a.contracts))
    elif a.pages:
        print_pages(browse_pages(a.pages))
    elif a.steps:
        a.work_dir.mkdir(parents=True, exist_ok=True)
        print_steps(build_steps(a.steps, a.work_dir / "france.duckdb"))
    else:
        run(a.work_dir, a.qpv)
