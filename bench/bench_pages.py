"""Server work per page with a warm cache, and the same work done the straightforward pandas /
geopandas way (read with pandas, compute with DataFrame operations, no DuckDB) for comparison.

- the portrait page: the page script itself run by Streamlit's AppTest, warm (its data cached,
  the work left is what every visit redoes: views, charts, elements; the script's own time and
  CPU, without AppTest's start-up), and `build_portrait` on a warm connection (a QPV never
  visited yet);
- the comparison table of every QPV of the database (`compare_qpvs` with no contract and
  `views.compare_table`, the functions the comparison page calls);
- the map of every QPV of the database (`map_values`, `maps.shared_colours`, `maps.build_deck`
  and the JSON the page sends, whose size is measured), and the same on ~1 600 synthetic
  polygons of 20–400 vertices (France-sized) when the database holds fewer contours.
"""
from __future__ import annotations

import json
import math
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from bench import figures

TARGETS_MS = {"portrait": 100, "compare_all": 300, "map_all": 1000}
TARGET_MAP_MB = 5.0
MB = 1e6


# ── The app's way ────────────────────────────────────────────────────────────────────────────

def _cursor(con):
    from etl.db import snapshot_cursor
    from indicators import visibility
    return visibility.with_internal(snapshot_cursor(con), False)


def portrait_function(con, qpv_code: str):
    from indicators import portrait
    return portrait.build_portrait(_cursor(con), qpv_code)


def compare_all(con, indicator_ids: list[str]) -> pd.DataFrame:
    from indicators import compare
    from ui import views
    table = compare.compare_qpvs(_cursor(con), None, indicator_ids)
    return views.compare_table(views.sort_compare(table, indicator_ids[0], True), indicator_ids, None)


def map_payload(map_data, communes: pd.DataFrame | None = None) -> str:
    """The JSON the map page sends for a MapData (ui/maps.py), as st.pydeck_chart makes it."""
    from ui import maps
    frame, _ = maps.shared_colours(maps.for_display(map_data))     # as ui.data.map_data
    communes = communes if communes is not None else pd.DataFrame(
        columns=["code", "name", "geojson", "centroid_lon", "centroid_lat"])
    deck = maps.build_deck(frame, communes, indicator_label=map_data.label)
    return deck.to_json()


def map_all(con, indicator_id: str) -> str:
    from indicators import compare
    return map_payload(compare.map_values(_cursor(con), None, indicator_id))


def synthetic_map_data(n: int = 1_600, seed: int = 11):
    """A MapData of `n` QPV-like polygons of 20–400 vertices spread over metropolitan France
    (irregular star-shaped rings of 300 m to 1,5 km), with values classed in quantiles."""
    from indicators import compare
    rng = np.random.default_rng(seed)
    geometries = []
    for _ in range(n):
        k = int(rng.integers(20, 401))
        lon, lat = rng.uniform(-4.5, 7.5), rng.uniform(43.0, 50.5)
        angles = np.sort(rng.uniform(0, 2 * np.pi, k))
        radius = rng.uniform(0.003, 0.015) * rng.uniform(0.6, 1.0, k)
        ring = np.column_stack([lon + radius * np.cos(angles) / math.cos(math.radians(lat)),
                                lat + radius * np.sin(angles)])
        geometries.append(shapely.Polygon(ring))
    geometries = shapely.set_precision(shapely.make_valid(np.array(geometries)), 1e-6)
    values = rng.uniform(5, 60, n).round(1)
    status = np.where(rng.uniform(size=n) < 0.05, "secret", "ok")
    cls = compare.classify(values[status == "ok"].tolist(), 5, "quantile", False)
    frame = pd.DataFrame({
        "qpv_code": [f"QN{i:05d}X" for i in range(n)], "qpv_name": [f"Quartier {i}" for i in range(n)],
        "commune_label": "Commune", "value": np.where(status == "ok", values, np.nan), "status": status,
        "year": pd.array([2021] * n, dtype="Int64"),
        "class_index": pd.array([cls.class_of(v) if s == "ok" else None for v, s in zip(values, status)],
                                dtype="Int64"),
        "colour_rgb": [[200, 200, 200]] * n,
        "value_text": [f"{v:.1f} %" if s == "ok" else "secret statistique" for v, s in zip(values, status)],
        "centroid_lon": shapely.get_x(shapely.centroid(geometries)),
        "centroid_lat": shapely.get_y(shapely.centroid(geometries)),
        "geojson": [json.loads(g) for g in shapely.to_geojson(geometries)]})
    return compare.MapData("poverty_rate_pct", "Taux de pauvreté", "%", 2021, 2024, frame, cls)


def vertices(payload: str) -> int:
    """Coordinate pairs in the QPV layer of a deck's JSON."""
    deck = json.loads(payload)
    layer = next(layer for layer in deck["layers"] if layer.get("id") == "qpv")
    return int(sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(f["geometry"])))
                   for f in layer["data"]["features"]))


# ── The straightforward pandas / geopandas way ───────────────────────────────────────────────

def export_parquet(con, folder: Path) -> dict[str, Path]:
    """The tables the pandas way reads, written once as Parquet files (not timed)."""
    cur = _cursor(con)
    out = {}
    for name, sql in {
        "values": "select territory_code, territory_level, territory_name, indicator_id, year, value,"
                  " status from indicator_values",
        "territories": "select territory_code, territory_level, territory_name, geography_vintage,"
                       " population from territories",
        "links": "select child_code, child_level, parent_code, parent_level from territory_links",
        "geometries": "select territory_code, territory_level, geom_wkb from territory_geometries",
    }.items():
        out[name] = folder / f"{name}.parquet"
        cur.execute(sql).df().to_parquet(out[name])
    return out


def pandas_read(paths: dict[str, Path]) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(path) for name, path in paths.items() if name != "geometries"}


def pandas_portrait(frames: dict[str, pd.DataFrame], qpv_code: str) -> pd.DataFrame:
    """The QPV's latest value of each indicator, beside its commune, EPCI, département and
    France at the same year: filters, merges and a pivot."""
    values, links = frames["values"], frames["links"]
    mine = values[values["territory_code"] == qpv_code]
    latest = mine.sort_values("year").groupby("indicator_id").tail(1)
    communes = links.loc[(links["child_code"] == qpv_code) & (links["parent_level"] == "commune"),
                         "parent_code"]
    up = links[links["child_code"].isin(communes) & links["parent_level"].isin(["epci", "departement"])]
    comparators = set(communes) | set(up["parent_code"]) | {"FRM"}
    around = values[values["territory_code"].isin(comparators)
                    & values["indicator_id"].isin(latest["indicator_id"])]
    around = around.merge(latest[["indicator_id", "year"]], on=["indicator_id", "year"])
    table = around.pivot_table(index="indicator_id", columns="territory_level", values="value",
                               aggfunc="first")
    return latest.set_index("indicator_id")[["year", "value", "status"]].join(table)


def pandas_compare(frames: dict[str, pd.DataFrame], indicator_ids: list[str]) -> pd.DataFrame:
    """Every QPV × the indicators, each at its latest year: a filter, a groupby and a pivot."""
    values, terr = frames["values"], frames["territories"]
    qpv = values[(values["territory_level"] == "qpv") & values["indicator_id"].isin(indicator_ids)]
    latest = qpv.groupby("indicator_id")["year"].transform("max")
    qpv = qpv[qpv["year"] == latest]
    table = qpv.pivot_table(index="territory_code", columns="indicator_id", values="value", aggfunc="first")
    base = terr[terr["territory_level"] == "qpv"][["territory_code", "territory_name", "population"]]
    return base.merge(table, left_on="territory_code", right_index=True, how="left").sort_values(
        indicator_ids[0], ascending=False)


def pandas_map(frames: dict[str, pd.DataFrame], geometries_path: Path, indicator_id: str) -> str:
    """geopandas: the QPV contours read, joined to their latest values, classed in quantiles,
    written as GeoJSON (`GeoDataFrame.to_json`)."""
    import geopandas
    geoms = pd.read_parquet(geometries_path)
    geoms = geoms[geoms["territory_level"] == "qpv"]
    gdf = geopandas.GeoDataFrame(geoms[["territory_code"]],
                                 geometry=geopandas.GeoSeries.from_wkb(geoms["geom_wkb"]), crs=4326)
    values = frames["values"]
    mine = values[(values["territory_level"] == "qpv") & (values["indicator_id"] == indicator_id)]
    mine = mine[mine["year"] == mine["year"].max()]
    gdf = gdf.merge(mine[["territory_code", "territory_name", "value", "status"]], on="territory_code",
                    how="left")
    ok = gdf["value"].notna()
    gdf["class_index"] = -1
    if ok.sum() >= 5:
        gdf.loc[ok, "class_index"] = pd.qcut(gdf.loc[ok, "value"], 5, labels=False, duplicates="drop")
    return gdf.to_json()


def pandas_synthetic_map(map_data) -> str:
    import geopandas
    frame = map_data.frame
    gdf = geopandas.GeoDataFrame(
        frame[["qpv_code", "qpv_name", "value", "status", "value_text"]],
        geometry=geopandas.GeoSeries.from_wkb(shapely.to_wkb(
            shapely.from_geojson([json.dumps(g) for g in frame["geojson"]]))), crs=4326)
    return gdf.to_json()


# ── The portrait page run by AppTest ─────────────────────────────────────────────────────────

def page_script_seconds(db: Path, page: str, query: dict[str, str], repeat: int) -> tuple[float, float, float]:
    """(first run, median of the warm runs, median CPU of the warm runs) of a page script run by
    AppTest, in seconds: the time of the script itself (Streamlit's exec of the page), not
    AppTest's own start-up and polling."""
    import logging

    import config
    from streamlit.runtime.scriptrunner import script_runner
    from streamlit.testing.v1 import AppTest

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    config.DB_PATH = Path(db)
    runs: list[tuple[float, float]] = []
    original = script_runner.exec_func_with_error_handling

    def timed(fn, ctx):
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            return original(fn, ctx)
        finally:
            runs.append((time.perf_counter() - t0, time.thread_time() - c0))

    def once():
        at = AppTest.from_file(str(config.ROOT / "pages" / f"{page}.py"), default_timeout=300)
        for key, value in query.items():
            at.query_params[key] = value
        at.run()
        if at.exception:
            raise RuntimeError(f"pages/{page}.py : {at.exception[0].message}")

    script_runner.exec_func_with_error_handling = timed
    try:
        for _ in range(1 + max(1, repeat)):
            once()
    finally:
        script_runner.exec_func_with_error_handling = original
    warm = runs[1:]
    return runs[0][0], statistics.median(w for w, _ in warm), statistics.median(c for _, c in warm)


# ── Run ──────────────────────────────────────────────────────────────────────────────────────

def _line(label: str, ms: float, base_ms: float, target_ms: float | None, note: str = "") -> None:
    verdict = "" if target_ms is None else ("OK" if ms < target_ms else f"AU-DESSUS de {target_ms:g} ms")
    print(f"  {label:<52} {ms:8.1f} ms  (pandas {base_ms:7.1f} ms, ×{figures.ratio(ms, base_ms):.1f}) "
          f"{verdict} {note}".rstrip())


def run(db: Path, repeat: int = 3) -> dict[str, float]:
    from etl.db import open_snapshot
    from indicators import compare

    out: dict[str, float] = {}
    con = open_snapshot(db)
    cur = _cursor(con)
    qpv_code = cur.execute("""select territory_code from indicator_values where territory_level = 'qpv'
                              group by territory_code order by territory_code = 'QN07101I' desc,
                              count(*) desc, territory_code limit 1""").fetchall()
    n_qpv = cur.execute("select count(*) from territories where territory_level = 'qpv'").fetchall()[0][0]
    n_contours = cur.execute("select count(*) from territory_geometries where territory_level = 'qpv'"
                             ).fetchall()[0][0]
    print(f"  Base : {db} — {n_qpv} QPV, {n_contours} contours de QPV")
    indicator_ids = compare.default_indicators(
        [r[0] for r in cur.execute("select distinct indicator_id from indicator_values"
                                   " where territory_level = 'qpv' and status = 'ok'"
                                   " order by indicator_id").fetchall()], "poverty_rate_pct")
    with tempfile.TemporaryDirectory(prefix="qpv-bench-pages-") as tmp:
        paths = export_parquet(con, Path(tmp))
        read_s, frames = figures.median_seconds(lambda: pandas_read(paths), repeat)
        print(f"  Lecture pandas des tables (Parquet), pour mémoire          {read_s * 1000:8.1f} ms")
        out["pandas_read_tables_ms"] = read_s * 1000

        if qpv_code:
            code = qpv_code[0][0]
            portrait_function(con, code)                     # warm: imports, DuckDB buffers
            fn_s, _ = figures.median_seconds(lambda: portrait_function(con, code), repeat)
            base_s, _ = figures.median_seconds(lambda: pandas_portrait(frames, code), repeat)
            _line(f"Portrait {code} (build_portrait, jamais vu)", fn_s * 1000, base_s * 1000, None)
            first_s, warm_s, cpu_s = page_script_seconds(db, "portrait", {"qpv": code}, repeat)
            _line("Page Portrait (script, cache chaud)", warm_s * 1000, base_s * 1000,
                  TARGETS_MS["portrait"], f"(CPU {cpu_s * 1000:.0f} ms ; 1er passage {first_s:.2f} s)")
            out.update(portrait_function_ms=fn_s * 1000, portrait_server_ms=warm_s * 1000,
                       portrait_server_cpu_ms=cpu_s * 1000,
                       portrait_first_run_ms=first_s * 1000, portrait_pandas_ms=base_s * 1000,
                       portrait_vs_pandas_ratio=figures.ratio(warm_s, base_s))

        if indicator_ids:
            compare_all(con, indicator_ids)
            s, table = figures.median_seconds(lambda: compare_all(con, indicator_ids), repeat)
            base_s, _ = figures.median_seconds(lambda: pandas_compare(frames, indicator_ids), repeat)
            _line(f"Comparaison de tous les QPV ({len(table)} lignes × {len(indicator_ids)})",
                  s * 1000, base_s * 1000, TARGETS_MS["compare_all"])
            out.update(compare_all_server_ms=s * 1000, compare_all_pandas_ms=base_s * 1000,
                       compare_all_vs_pandas_ratio=figures.ratio(s, base_s))

        if n_contours:
            s, payload = figures.median_seconds(lambda: map_all(con, "poverty_rate_pct"), repeat)
            base_s, base_payload = figures.median_seconds(
                lambda: pandas_map(frames, paths["geometries"], "poverty_rate_pct"), repeat)
            size, base_size = len(payload.encode()) / MB, len(base_payload.encode()) / MB
            _line(f"Carte de tous les QPV ({n_contours} contours)", s * 1000, base_s * 1000,
                  TARGETS_MS["map_all"], f"; {size:.2f} Mo (geopandas {base_size:.2f} Mo)")
            out.update(map_all_server_ms=s * 1000, map_all_payload_mb=size, map_all_pandas_ms=base_s * 1000,
                       map_all_pandas_payload_mb=base_size, map_all_vs_pandas_ratio=figures.ratio(s, base_s))
    con.close()

    # France-sized: ~1 600 polygons of 20–400 vertices (synthetic), through the same deck.
    synthetic = synthetic_map_data()
    s, payload = figures.median_seconds(lambda: map_payload(synthetic), repeat)
    base_s, base_payload = figures.median_seconds(lambda: pandas_synthetic_map(synthetic), repeat)
    size, base_size = len(payload.encode()) / MB, len(base_payload.encode()) / MB
    n_in = int(sum(shapely.get_num_coordinates(shapely.from_geojson(json.dumps(g)))
                   for g in synthetic.frame["geojson"]))
    _line(f"Carte synthétique France ({len(synthetic.frame)} QPV, {n_in} sommets)", s * 1000,
          base_s * 1000, TARGETS_MS["map_all"],
          f"; {size:.2f} Mo (objectif < {TARGET_MAP_MB:g} Mo ; geopandas {base_size:.2f} Mo), "
          f"{vertices(payload)} sommets envoyés")
    out.update(map_france_synthetic_server_ms=s * 1000, map_france_synthetic_payload_mb=size,
               map_france_synthetic_pandas_ms=base_s * 1000,
               map_france_synthetic_pandas_payload_mb=base_size,
               map_france_synthetic_vs_pandas_ratio=figures.ratio(s, base_s))
    return out
