"""The Filosofi 200 m grid loader and its aggregation to neighbourhood polygons."""
from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box, mapping

import etl.db
from etl.core import Candidate, EtlError, LoadContext
from etl.loaders import contours, grid
from tests.etl_loaders.conftest import candidates, load, rows, source_id

TO_WGS = Transformer.from_crs(3035, 4326, always_xy=True)
TO_L93 = Transformer.from_crs(3035, 2154, always_xy=True)

# Four squares in a row (lower-left corners, EPSG:3035) near Lucé.
CELLS = [(3_723_800 + 200 * i, 2_840_000) for i in range(4)]
COLUMNS = ["Ind", "Men", "Men_pauv", "Ind_snv", "Men_1ind", "Men_5ind", "Men_fmp", "Men_prop",
           "Log_soc", "Ind_0_3", "Ind_4_5", "Ind_6_10", "Ind_11_17", "Ind_18_24", "Ind_25_39",
           "Ind_40_54", "Ind_55_64", "Ind_65_79", "Ind_80p"]
VALUES = [
    [100.0, 40.0, 10.0, 2_000_000.0] + [1.0] * 15,
    [50.5, 20.0, 8.0, 800_000.5] + [2.0] * 15,
    [10.0, 4.0, 0.0, 260_000.0] + [0.5] * 15,
    [0.0, 0.0, 0.0, 0.0] + [0.0] * 15,
]


def cell_id(x, y):
    return f"CRS3035RES200mN{y}E{x}"


def write_grid(path, *, sep=",", decimal=".", lower=False, suffix=""):
    header = ["Idcar_200m", "I_est_200", "Idcar_1km"] + [c + suffix for c in COLUMNS] + ["lcog_geo"]
    if lower:
        header = [h.lower() for h in header]
    lines = [sep.join(header)]
    for (x, y), vals in zip(CELLS, VALUES):
        cells = [cell_id(x, y), "0", f"CRS3035RES1000mN{y // 1000 * 1000}E{x // 1000 * 1000}"]
        cells += [repr(v).replace(".", decimal) for v in vals]
        cells.append("28218" if x < 3_724_400 else "2821828085")
        lines.append(sep.join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def expected_cells(src):
    out = []
    for (x, y), vals in zip(CELLS, VALUES):
        lon, lat = TO_WGS.transform(x + 100, y + 100)
        out.append((cell_id(x, y), float(x), float(y), round(lon, 7), round(lat, 7),
                    "28218" if x < 3_724_400 else "2821828085", *vals, src))
    return out


CELL_SQL = ("select cell_id, x_3035, y_3035, round(lon, 7), round(lat, 7), commune_codes, ind, men,"
            " men_pauv, ind_snv, men_1ind, men_5ind, men_fmp, men_prop, log_soc, ind_0_3, ind_4_5,"
            " ind_6_10, ind_11_17, ind_18_24, ind_25_39, ind_40_54, ind_55_64, ind_65_79, ind_80p,"
            " source_id from grid_200m order by cell_id")


@pytest.mark.parametrize("sep, decimal, lower", [(",", ".", False), (";", ",", True)])
def test_grid_cells(ctx, tmp_path, sep, decimal, lower):
    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv", sep=sep, decimal=decimal, lower=lower)
    c = Candidate(p, p.name)
    assert load(grid, ctx, c) == ("filosofi_grid", 4)
    src = source_id(ctx, p.name)
    assert rows(ctx, CELL_SQL) == expected_cells(src)
    assert rows(ctx, "select kind, producer, title, vintage, licence, rows_read from sources") == [
        ("filosofi_grid", "INSEE", "Filosofi, données carroyées à 200 m", "2019", "Licence Ouverte", 4)]
    assert ctx.messages == []


def _qpv_over_first_two_cells(ctx, tmp_path):
    """A QPV polygon (Lambert-93) covering the centres of the first two squares only."""
    (x0, y0), (x1, _) = CELLS[0], CELLS[1]
    xa, ya = TO_L93.transform(x0 + 50, y0 + 50)
    xb, yb = TO_L93.transform(x1 + 150, y0 + 150)
    doc = {"type": "FeatureCollection",
           "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
           "features": [{"type": "Feature",
                         "properties": {"code_qp": "QN02803M", "lib_qp": "Vieux Puits", "insee_com": "28218"},
                         "geometry": mapping(box(xa, ya, xb, yb))}]}
    p = tmp_path / "qp.geojson"
    p.write_text(json.dumps(doc), encoding="utf-8")
    load(contours, ctx, Candidate(p, p.name))


def test_aggregate_to_qpv(ctx, tmp_path):
    _qpv_over_first_two_cells(ctx, tmp_path)
    p = write_grid(tmp_path / "carreaux.csv")
    (tmp_path / "meta_carreaux.csv").write_text(
        "COD_VAR;LIB_VAR\nInd;Nombre d'individus (Filosofi 2019)\n", encoding="utf-8")
    c = next(x for x in candidates(tmp_path) if x.path.name == "carreaux.csv")
    load(grid, ctx, c)
    assert grid.aggregate_to_territories(ctx.con) == 2
    src = source_id(ctx, "carreaux.csv")
    assert rows(ctx, "select territory_code, territory_level, indicator_id, year, round(value, 6),"
                     " numerator, denominator, status, origin, source_note, source_id"
                     " from indicator_facts order by indicator_id") == [
        ("QN02803M", "qpv", "grid_mean_living_standard_eur_year", 2019,
         round(2_800_000.5 / 150.5, 6), 2_800_000.5, 150.5, "ok", "computed", grid.CAUTION, src),
        ("QN02803M", "qpv", "grid_poor_households_pct", 2019, 30.0, 18.0, 60.0, "ok", "computed",
         grid.CAUTION, src),
    ]
    # Running it again replaces, never duplicates.
    assert grid.aggregate_to_territories(ctx.con) == 2
    assert rows(ctx, "select count(*) from indicator_facts") == [(2,)]


def test_year_from_column_suffix(ctx, tmp_path):
    p = write_grid(tmp_path / "carreaux.csv", suffix="_21")
    load(grid, ctx, Candidate(p, p.name))
    assert rows(ctx, "select vintage from sources") == [("2021",)]
    assert rows(ctx, "select sum(ind), sum(men_pauv) from grid_200m") == [(160.5, 18.0)]


def test_without_a_year_cells_load_but_nothing_is_computed(ctx, tmp_path):
    _qpv_over_first_two_cells(ctx, tmp_path)
    p = write_grid(tmp_path / "carreaux.csv")
    load(grid, ctx, Candidate(p, p.name))
    assert [str(m) for m in ctx.messages] == [
        "carreaux.csv : année du carroyage introuvable (ni dictionnaire, ni année dans le nom du "
        "fichier, ni suffixe de colonne) : les carreaux sont chargés mais aucun indicateur de "
        "quartier n'en est calculé"]
    assert grid.aggregate_to_territories(ctx.con) == 0
    assert rows(ctx, "select count(*) from grid_200m") == [(4,)]


@pytest.mark.parametrize("bad_line, column, message", [
    ("CRS3035RES200mX1E2,0,x,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,28218", "Idcar_200m",
     "identifiant de carreau « CRS3035RES200mX1E2 » illisible"),
    (f"{cell_id(1, 2)},0,x,1,un,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,28218", "Men", "valeur « un » illisible"),
])
def test_errors_name_line_and_column(ctx, tmp_path, bad_line, column, message):
    p = write_grid(tmp_path / "carreaux_2019.csv")
    p.write_text(p.read_text(encoding="utf-8") + bad_line + "\n", encoding="utf-8")
    with pytest.raises(EtlError) as err:
        load(grid, ctx, Candidate(p, p.name))
    assert (err.value.line, err.value.column) == (6, column)
    assert message in str(err.value)


@pytest.mark.parametrize("content", [
    "CODGEO;MED21\n73065;21950\n",
    "Idcar_200m;foo\nx;1\n",
    "",
])
def test_not_recognised(tmp_path, content):
    p = tmp_path / "x.csv"
    p.write_text(content, encoding="utf-8")
    assert grid.recognise(Candidate(p, p.name)) is None


def test_aggregation_of_300000_squares_into_1500_polygons():
    """300 000 squares into 1 500 polygons, every square counted in its polygon (the time of the
    national case is measured by `bench`, not asserted here)."""
    con = etl.db.create_empty()
    ctx = LoadContext(con, "perf")
    rng = np.random.default_rng(7)
    n_poly, n_cells = 1500, 300_000
    centres = np.column_stack([rng.uniform(-1.0, 7.0, n_poly), rng.uniform(43.0, 50.0, n_poly)])
    from etl import geo
    polys = np.array([box(x, y, x + 0.01, y + 0.008) for x, y in centres], dtype=object)
    codes = [f"QN{i:03d}01N" for i in range(n_poly)]
    ctx.insert("territory_geometries", geo.geometry_rows(codes, "qpv", 2024, polys, "src_perf"))
    ctx.insert("sources", [{"source_id": "src_perf", "kind": "filosofi_grid", "vintage": "2019",
                            "file_name": "perf.csv", "sha256": "0", "is_fictional": False, "loaded_at": pd.Timestamp("2026-01-01")}])
    pick = rng.integers(0, n_poly, n_cells)
    lon = centres[pick, 0] + rng.uniform(-0.01, 0.02, n_cells)
    lat = centres[pick, 1] + rng.uniform(-0.008, 0.016, n_cells)
    ctx.insert("grid_200m", pd.DataFrame({
        "cell_id": np.arange(n_cells).astype(str), "x_3035": 0.0, "y_3035": 0.0, "lon": lon,
        "lat": lat, "men": 10.0, "men_pauv": 2.0, "ind": 20.0, "ind_snv": 400_000.0,
        "source_id": "src_perf"}))
    started = time.perf_counter()
    n = grid.aggregate_to_territories(con)
    elapsed = time.perf_counter() - started
    assert n == 2 * n_poly
    assert rows(ctx, "select min(value), max(value) from indicator_facts"
                     " where indicator_id = 'grid_poor_households_pct'") == [(20.0, 20.0)]
    inside = sum(1 for i in range(n_cells) if polys[pick[i]].bounds[0] <= lon[i] <= polys[pick[i]].bounds[2]
                 and polys[pick[i]].bounds[1] <= lat[i] <= polys[pick[i]].bounds[3])
    assert rows(ctx, "select sum(denominator) from indicator_facts"
                     " where indicator_id = 'grid_poor_households_pct'")[0][0] >= inside * 10
    print(f"\n300 000 squares aggregated in {elapsed:.2f} s")
    con.close()


def test_withheld_squares_are_flagged(ctx, tmp_path):
    # Square 2 has its poor households withheld (`s`), square 3 every count empty.
    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv")
    lines = p.read_text(encoding="utf-8").splitlines()
    second = lines[2].split(",")
    second[5] = "s"                      # Men_pauv
    lines[2] = ",".join(second)
    third = lines[3].split(",")
    third[3:-1] = [""] * (len(third) - 4)
    lines[3] = ",".join(third)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load(grid, ctx, Candidate(p, p.name))
    assert rows(ctx, "select cell_id, ind, men, men_pauv, log_soc, is_withheld from grid_200m"
                     " order by x_3035") == [
        (cell_id(*CELLS[0]), 100.0, 40.0, 10.0, 1.0, False),
        (cell_id(*CELLS[1]), 50.5, 20.0, None, 2.0, True),
        (cell_id(*CELLS[2]), None, None, None, None, True),
        (cell_id(*CELLS[3]), 0.0, 0.0, 0.0, 0.0, False),
    ]


def test_withheld_square_is_left_out_of_the_qpv_figures(ctx, tmp_path):
    # The QPV covers squares 1 and 2; square 2's poor households are withheld: its other counts
    # must not enter the denominators (they would understate the share).
    _qpv_over_first_two_cells(ctx, tmp_path)
    p = write_grid(tmp_path / "carreaux_2019.csv")
    lines = p.read_text(encoding="utf-8").splitlines()
    second = lines[2].split(",")
    second[5] = "s"
    lines[2] = ",".join(second)
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    load(grid, ctx, Candidate(p, p.name))
    assert grid.aggregate_to_territories(ctx.con) == 2
    assert rows(ctx, "select indicator_id, value, numerator, denominator from indicator_facts"
                     " order by indicator_id") == [
        ("grid_mean_living_standard_eur_year", 20_000.0, 2_000_000.0, 100.0),
        ("grid_poor_households_pct", 25.0, 10.0, 40.0),
    ]


@pytest.mark.parametrize("sep, decimal, lower", [(",", ".", False), (";", ",", True)])
def test_a_readable_grid_is_read_by_duckdb_not_by_pandas(ctx, tmp_path, monkeypatch, sep, decimal, lower):
    """A national grid (2,3 million squares) must not be held as Python objects: a readable file
    goes through DuckDB's reader alone, with the same rows as the careful reader gives."""
    def refuse(*args, **kwargs):
        raise AssertionError("lecteur pandas appelé pour un fichier lisible")

    monkeypatch.setattr(grid, "_load_pandas", refuse)
    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv", sep=sep, decimal=decimal, lower=lower)
    assert load(grid, ctx, Candidate(p, p.name)) == ("filosofi_grid", 4)
    assert rows(ctx, CELL_SQL) == expected_cells(source_id(ctx, p.name))
    assert rows(ctx, "select count(*) from grid_200m where is_withheld") == [(0,)]


def _grid_rows(path, monkeypatch, *, typed: bool) -> tuple[list, list]:
    """The squares a grid file loads, through the typed DuckDB read or without it, and which
    readers ran."""
    ran = []
    real_typed, real_pandas = grid._load_typed, grid._load_pandas

    def typed_read(*args):
        got = real_typed(*args) if typed else None
        ran.append(("typed", got is not None))
        return got

    def careful(*args):
        ran.append(("pandas", True))
        return real_pandas(*args)

    monkeypatch.setattr(grid, "_load_typed", typed_read)
    monkeypatch.setattr(grid, "_load_pandas", careful)
    con = etl.db.create_empty()
    try:
        try:
            grid.load(LoadContext(con, "t"), Candidate(path, path.name), "filosofi_grid")
        except EtlError as exc:
            return [str(exc)], ran
        return con.execute(CELL_SQL.replace("source_id from", "is_withheld, source_id from")).fetchall(), ran
    finally:
        con.close()


@pytest.mark.parametrize("label, cell, typed", [
    ("markers in any case, empty cells", {(1, "Men_pauv"): "S", (2, "Ind"): "", (2, "Log_soc"): "Nd",
                                          (3, "Ind_80p"): "nc"}, True),
    ("marker with spaces", {(1, "Men_pauv"): " s "}, False),
    ("number with spaces", {(1, "Men"): " 20 "}, True),
    ("commune code withheld", {(1, "lcog_geo"): "s"}, False),
    ("empty id", {(2, "Idcar_200m"): ""}, False),
])
def test_typed_read_gives_the_text_readers_squares(tmp_path, monkeypatch, label, cell, typed):
    """A comma-separated grid is read by DuckDB with its types (counts as DOUBLE, markers as
    NULL); any cell it is not sure of sends the file to the text reader, with the same squares."""
    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv")
    lines = [ln.split(",") for ln in p.read_text(encoding="utf-8").splitlines()]
    for (row, column), value in cell.items():
        lines[row + 1][lines[0].index(column)] = value
    p.write_text("\n".join(",".join(ln) for ln in lines) + "\n", encoding="utf-8")
    got, ran = _grid_rows(p, monkeypatch, typed=True)
    expected, ran_without = _grid_rows(p, monkeypatch, typed=False)
    assert ran == [("typed", typed)] and ran_without == [("typed", False)]
    assert got == expected
    assert len(got) == (3 if "Idcar_200m" in str(cell) else 4)


def test_typed_read_refuses_a_bad_count_before_writing(tmp_path, monkeypatch):
    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv")
    text = p.read_text(encoding="utf-8").splitlines()
    cells = text[3].split(",")
    cells[4] = "12 abc"                    # Men of the third square
    text[3] = ",".join(cells)
    p.write_text("\n".join(text) + "\n", encoding="utf-8")
    got, ran = _grid_rows(p, monkeypatch, typed=True)
    assert ran == [("typed", False), ("pandas", True)]
    assert got == ["Filosofi2019_carreaux_200m.csv, ligne 4, colonne « Men » : valeur « 12 abc » "
                   "illisible (attendu : un nombre (ex. 12.5))"]


def test_a_cell_the_typed_read_refuses_leaves_the_builds_transaction_usable(ctx, tmp_path):
    """The build loads each file in one transaction (etl.build._in_transaction): a cell DuckDB's
    typed read refuses (a marker with spaces) fails the read alone, and the text reader loads
    the file in that same transaction (it used to fail with « Current transaction is aborted »)."""
    from etl.build import _in_transaction

    p = write_grid(tmp_path / "Filosofi2019_carreaux_200m.csv")
    lines = [ln.split(",") for ln in p.read_text(encoding="utf-8").splitlines()]
    lines[2][lines[0].index("Men_pauv")] = " s "          # the second square's poor households
    p.write_text("\n".join(",".join(ln) for ln in lines) + "\n", encoding="utf-8")
    c = Candidate(p, p.name)
    assert _in_transaction(ctx.con, lambda: grid.load(ctx, c, "filosofi_grid")) == 4
    expected = [(*row, False) for row in expected_cells(source_id(ctx, p.name))]
    expected[1] = (*expected[1][:8], None, *expected[1][9:-1], True)
    assert rows(ctx, CELL_SQL.replace("source_id from", "source_id, is_withheld from")) == expected
    assert rows(ctx, "select database_name from duckdb_databases() where database_name like '%grid%'") == []


def test_points_near_the_boxes_keep_every_point_inside_a_box():
    """The prefilter of the aggregation (issue #15): every point inside a box, edges and corners
    included, is kept; points far from every box are not; NaN coordinates are not."""
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 5.5, 6.0], [9.0, 2.0, 10.0, 2.0]])
    x = np.array([0.0, 1.0, 0.5, 5.5, 5.25, 9.5, 10.0, 3.0, 7.0, -0.5, 10.5, np.nan, 0.5])
    y = np.array([0.0, 1.0, 0.5, 6.0, 5.0, 2.0, 2.0, 3.0, 8.0, 0.5, 2.0, 0.5, np.nan])
    near = grid._near_some_box(x, y, boxes, cells=100)
    assert near.tolist() == [True] * 7 + [False] * 6
    rng = np.random.default_rng(3)
    x, y = rng.uniform(-1, 11, 20_000), rng.uniform(-1, 9, 20_000)
    inside = np.zeros(len(x), dtype=bool)
    for x0, y0, x1, y1 in boxes:
        inside |= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    near = grid._near_some_box(x, y, boxes, cells=64)
    assert inside.any() and (near[inside]).all() and near.sum() < len(x) / 10


def test_aggregate_counts_the_squares_a_test_of_every_centre_counts():
    """The aggregation's figures are those of testing every square's centre against every polygon."""
    con = etl.db.create_empty()
    ctx = LoadContext(con, "t")
    rng = np.random.default_rng(11)
    from etl import geo
    polys = np.array([shapely.buffer(shapely.points(x, y), 0.02) for x, y in
                      zip(rng.uniform(2.0, 3.0, 40), rng.uniform(45.0, 46.0, 40))], dtype=object)
    codes = [f"QN{i:03d}01N" for i in range(len(polys))]
    ctx.insert("territory_geometries", geo.geometry_rows(codes, "qpv", 2024, polys, "src_g"))
    ctx.insert("sources", [{"source_id": "src_g", "kind": "filosofi_grid", "vintage": "2019",
                            "file_name": "g.csv", "sha256": "0", "is_fictional": False,
                            "loaded_at": pd.Timestamp("2026-01-01")}])
    n = 50_000
    lon, lat = rng.uniform(1.5, 3.5, n), rng.uniform(44.5, 46.5, n)
    men = rng.integers(1, 30, n).astype(float)
    ctx.insert("grid_200m", pd.DataFrame({
        "cell_id": np.arange(n).astype(str), "x_3035": 0.0, "y_3035": 0.0, "lon": lon, "lat": lat,
        "men": men, "men_pauv": np.floor(men / 3), "ind": 2 * men, "ind_snv": 30_000 * men,
        "source_id": "src_g"}))
    grid.aggregate_to_territories(con)
    got = rows(ctx, "select territory_code, numerator, denominator from indicator_facts"
                    " where indicator_id = 'grid_poor_households_pct' order by 1")
    pts = shapely.points(lon, lat)
    expected = []
    for code, poly in sorted(zip(codes, polys)):
        within = shapely.within(pts, poly)
        if within.any():
            expected.append((code, round(float(np.floor(men / 3)[within].sum()), 6),
                             round(float(men[within].sum()), 6)))
    assert len(expected) > 30 and got == expected
    con.close()
