"""Poverty pockets on a grid built here, with pockets whose answer is known (indicators/pockets.py)."""
from __future__ import annotations

import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from etl.core import LoadContext
from indicators import pockets
from indicators.pockets import Params, comparison, detect, write_pockets
from tests.indicators.conftest import records

X0, Y0 = 3_750_000, 2_650_000
TO_WGS = Transformer.from_crs(3035, 4326, always_xy=True)
POOR, RICH = 9_000.0, 25_000.0


def square(i, j, ind, mean=POOR, commune="99001", poor_share=0.45, withheld=False):
    men = ind / 2.5
    row = {"cell_id": f"CRS3035RES200mN{Y0 + 200 * j}E{X0 + 200 * i}", "x_3035": float(X0 + 200 * i),
           "y_3035": float(Y0 + 200 * j), "lon": 0.0, "lat": 0.0, "commune_codes": commune,
           "ind": ind, "men": men, "men_pauv": men * poor_share, "ind_snv": ind * mean,
           "men_fmp": men * 0.2, "log_soc": men * 0.7, "ind_0_3": 0.0, "ind_4_5": 0.0,
           "ind_6_10": 0.0, "ind_11_17": ind * 0.25, "ind_18_24": ind * 0.10,
           "ind_25_39": ind * 0.50, "ind_40_54": 0.0, "ind_55_64": 0.0, "ind_65_79": ind * 0.15,
           "ind_80p": 0.0, "is_withheld": withheld, "source_id": "src_grid"}
    if withheld:                     # the poor households are withheld at the source
        row["men_pauv"] = None
    return row


def squares():
    out = []
    # The QPV: 3 × 3 poor squares (centres inside its contour); excluded, however poor.
    out += [square(i, j, 200) for i in range(3) for j in range(3)]
    # A pocket touching the QPV (sharing a side with it): 6 × 200 = 1 200 inhabitants.
    out += [square(i, j, 200) for i in (3, 4) for j in range(3)]
    # A pocket across two communes: 3 × 420 = 1 260 inhabitants.
    out += [square(10, 10, 420), square(11, 10, 420), square(12, 10, 420, commune="99002")]
    # Just below the population threshold: 2 × 499,5 = 999.
    out += [square(20, 20, 499.5), square(21, 20, 499.5)]
    # A pocket beside a withheld square (which is poor: were it counted, 1 730 inhabitants).
    out += [square(i, 30, 410) for i in (30, 31, 32)] + [square(33, 30, 500, withheld=True)]
    # Two squares touching by a corner only, 600 each.
    out += [square(40, 40, 600), square(41, 41, 600)]
    # Better-off squares, some beside the pockets.
    out += [square(5, 0, 300, RICH), square(13, 10, 300, RICH, commune="99002"),
            square(22, 20, 300, RICH), square(30, 31, 300, RICH)]
    return out


@pytest.fixture
def con(db):
    return build_pocket_db(db)


def build_pocket_db(f):
    """The grid above in a contract « t » (communes 99001, 99002, one QPV) with the medians."""
    f.con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at, vintage)"
                  " values ('src_grid', 'filosofi_grid', 'carreaux.csv', 'x', now(), '2019')")
    f.contract("t", "Contrat test", epci_code="200000001")
    f.territory("FRM", "france", "France métropolitaine")
    f.territory("200000001", "epci", "Agglo test")
    f.territory("99001", "commune", "Ville A", parents=[("200000001", "epci")], contract="t")
    f.territory("99002", "commune", "Ville B", parents=[("200000001", "epci")], contract="t")
    f.territory("QN09999A", "qpv", "Quartier test", vintage=2024, parents=[("99001", "commune")],
                contract="t")
    f.fact("FRM", "france", "median_income_eur_year", 2019, 22_040)
    f.fact("FRM", "france", "median_income_eur_year", 2021, 22_880)
    f.fact("200000001", "epci", "median_income_eur_year", 2019, 20_000)
    qpv = shapely.box(X0 + 10, Y0 + 10, X0 + 590, Y0 + 590)
    qpv_wgs = shapely.transform(qpv, lambda xy: __import__("numpy").column_stack(
        TO_WGS.transform(xy[:, 0], xy[:, 1])))
    ctx = LoadContext(f.con, "test")
    ctx.insert("territory_geometries", pd.DataFrame({
        "territory_code": ["QN09999A"], "territory_level": "qpv", "geometry_vintage": 2024,
        "geom_wkb": [shapely.to_wkb(qpv_wgs)], "geom_simplified_geojson": [shapely.to_geojson(qpv_wgs)],
        "source_id": "src_grid"}))
    ctx.insert("grid_200m", pd.DataFrame(squares()))
    return f.con


COLUMNS = ["pocket_id", "n_squares", "population", "households", "poor_households_pct",
           "mean_standard_of_living_eur", "single_parent_households_pct", "social_housing_pct",
           "age_0_17_pct", "age_18_24_pct", "age_25_64_pct", "age_65_plus_pct", "communes",
           "commune_names", "nearest_qpv_code"]


def _pockets(result):
    df = result.pockets[COLUMNS].copy()
    for c in COLUMNS[2:12]:
        df[c] = df[c].round(6)
    return records(df)


def _pocket(pid, n, pop, communes, names):
    return {"pocket_id": pid, "n_squares": n, "population": pop, "households": pop / 2.5,
            "poor_households_pct": 45.0, "mean_standard_of_living_eur": POOR,
            "single_parent_households_pct": 20.0, "social_housing_pct": 70.0,
            "age_0_17_pct": 25.0, "age_18_24_pct": 10.0, "age_25_64_pct": 50.0,
            "age_65_plus_pct": 15.0, "communes": communes, "commune_names": names,
            "nearest_qpv_code": "QN09999A"}


def test_default_threshold_follows_the_decree(con):
    t = pockets.default_threshold(con, "t")
    assert (t.year, t.national_median_eur, t.national_year, t.local_median_eur, t.local_year) == (
        2019, 22_040.0, 2019, 20_000.0, 2019)
    assert t.local_label == "Agglo test (EPCI, faute d'unité urbaine)"
    assert t.value_eur == pytest.approx(0.6 * (0.7 * 22_040 + 0.3 * 20_000))
    assert pockets.threshold_s(22_040, None) == pytest.approx(0.6 * 22_040)
    assert pockets.threshold_s(None, 20_000) is None


def test_known_pockets_are_found_and_no_other(con):
    result = detect(con, "t")
    assert result.params == Params(threshold_eur=12_857)
    assert _pockets(result) == [
        _pocket("t-P01", 3, 1_260.0, "99001, 99002", "Ville A, Ville B"),
        _pocket("t-P02", 3, 1_230.0, "99001", "Ville A"),      # the withheld square is not in it
        _pocket("t-P03", 6, 1_200.0, "99001", "Ville A"),      # touches the QPV
    ]
    # Distances to the QPV's contour (it runs 10 m inside the QPV squares' outer edge).
    assert result.pockets["distance_to_qpv_m"].tolist() == pytest.approx(
        [((2_000 - 590) ** 2 * 2) ** 0.5, ((6_000 - 590) ** 2 * 2) ** 0.5, 10.0], abs=1.5)
    members = result.squares.dropna(subset=["pocket_id"]).groupby("pocket_id")["cell_id"].apply(sorted)
    assert members.to_dict() == {
        "t-P01": sorted(f"CRS3035RES200mN{Y0 + 2_000}E{X0 + 200 * i}" for i in (10, 11, 12)),
        "t-P02": sorted(f"CRS3035RES200mN{Y0 + 6_000}E{X0 + 200 * i}" for i in (30, 31, 32)),
        "t-P03": sorted(f"CRS3035RES200mN{Y0 + 200 * j}E{X0 + 200 * i}" for i in (3, 4) for j in range(3)),
    }
    geom = shapely.from_wkt(result.pockets.loc[0, "geometry_wkt"])
    assert geom.geom_type == "Polygon" and len(geom.exterior.coords) == 5     # one rectangle


def test_parameters_change_the_answer(con):
    # A lower minimum takes the group of 999; corners join the two diagonal squares. Equal
    # populations are ordered by their first square's id (north, then east).
    result = detect(con, "t", Params(threshold_eur=12_857, min_population=900, contiguity="corner"))
    assert [(p, n, pop) for p, n, pop in result.pockets[["pocket_id", "n_squares", "population"]]
            .itertuples(index=False)] == [
        ("t-P01", 3, 1_260.0), ("t-P02", 3, 1_230.0), ("t-P03", 6, 1_200.0), ("t-P04", 2, 1_200.0),
        ("t-P05", 2, 999.0)]
    # A threshold below the squares' mean finds nothing; a poor-household minimum above 45 % neither.
    assert detect(con, "t", Params(threshold_eur=9_000)).pockets.empty
    assert detect(con, "t", Params(threshold_eur=12_857, min_poor_households_pct=46)).pockets.empty
    # Without QPV contours the grid cannot tell what lies outside the QPVs.
    con.execute("delete from territory_geometries")
    empty = detect(con, "t")
    assert empty.pockets.empty and empty.message.startswith("Contours des QPV absents")


def test_comparison_beside_the_qpvs_and_communes(con):
    result = detect(con, "t")
    table = comparison(result, "t-P01")
    visible = [s for s in squares() if not s["is_withheld"]]
    commune_pop = sum(s["ind"] for s in visible)
    commune_snv = sum(s["ind_snv"] for s in visible)
    assert table["figure"].tolist() == list(pockets.FIGURES)
    got = table.set_index("figure")
    assert got.loc["population"].tolist()[2:] == [1_260.0, 1_800.0, pytest.approx(commune_pop)]
    assert got.loc["mean_standard_of_living_eur", "qpvs"] == pytest.approx(POOR)
    assert got.loc["mean_standard_of_living_eur", "communes"] == pytest.approx(commune_snv / commune_pop)
    assert got.loc["poor_households_pct"].tolist()[2:] == pytest.approx([45.0, 45.0, 45.0])
    assert got.loc["population", "label"] == "Population (habitants)"


def test_build_writes_the_view(con):
    assert write_pockets(con) == 3
    rows = con.execute("select pocket_id, territory, population, households, round(poor_households_pct, 6),"
                       " round(mean_standard_of_living_eur, 6), communes, geometry_wkt like 'POLYGON%',"
                       " threshold_eur, min_population, contiguity, grid_year"
                       " from poverty_pockets order by pocket_id").fetchall()
    assert rows == [
        ("t-P01", "t", 1_260.0, 504.0, 45.0, POOR, "99001, 99002", True, 12_857.0, 1_000.0, "side", 2019),
        ("t-P02", "t", 1_230.0, 492.0, 45.0, POOR, "99001", True, 12_857.0, 1_000.0, "side", 2019),
        ("t-P03", "t", 1_200.0, 480.0, 45.0, POOR, "99001", True, 12_857.0, 1_000.0, "side", 2019),
    ]


def test_components_by_side_and_corner():
    ix = [0, 1, 5, 6, 7, 7]
    iy = [0, 0, 5, 6, 6, 9]
    side = pockets.components(ix, iy)
    corner = pockets.components(ix, iy, corners=True)
    groups = lambda labels: sorted(sorted(i for i in range(len(ix)) if labels[i] == g)   # noqa: E731
                                   for g in set(labels))
    assert groups(side) == [[0, 1], [2], [3, 4], [5]]
    assert groups(corner) == [[0, 1], [2, 3, 4], [5]]


def test_benchmark_grid_runs_small():
    from bench.bench_etl import pocket_detection
    seconds, n, found = pocket_detection((80, 60), n_zones=30, n_qpvs=10)
    assert n == 4_800 and found > 0 and seconds > 0


def test_a_real_contract_never_takes_a_fictional_median_and_both_texts_say_the_same(con):
    """Issue 11, Grand Chalon: its S came from the demo's fictional France median, and the
    explanation box said the EPCI median replaced the urban unit's while the threshold line beside
    it said there was no local median. Both texts now come from one Threshold."""
    said = "La base ne connaît pas l'unité urbaine : la médiane de l'EPCI du contrat la remplace."
    t = pockets.default_threshold(con, "t")
    assert said in pockets.limits_text(t) and pockets.limits_text(t) == pockets.LIMITS_TEXT
    # The EPCI's median withdrawn: S from the national median only, said in both texts.
    con.execute("delete from indicator_facts where territory_code = '200000001'")
    t = pockets.default_threshold(con, "t")
    # No bracket inside another nor two side by side (issue 11).
    assert pockets.threshold_text(t) == ("S = 0,6 × 22\u202f040\xa0€ = 13\u202f224\xa0€ par an et par unité "
                                         "de consommation ; médiane nationale : France (2019), pas de "
                                         "médiane locale dans la base.")
    assert pockets.limits_text(t) == pockets.LIMITS_TEXT.replace(said, (
        "La base n'a de médiane ni pour l'unité urbaine ni pour l'EPCI du contrat : le seuil S par "
        "défaut ne tient compte que de la médiane nationale."))
    # The France medians fictional (the demo's) and the contract real: no default S at all.
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at, is_fictional)"
                " values ('src_demo', 'insee', 'demo.csv', 'y', now(), true)")
    con.execute("update indicator_facts set source_id = 'src_demo' where territory_code = 'FRM'")
    t = pockets.default_threshold(con, "t")
    assert (t.national_median_eur, t.value_eur) == (None, None)
    assert pockets.threshold_text(t) == "Médiane nationale du niveau de vie absente : le seuil S est à saisir."
    assert pockets.limits_text(t) == pockets.LIMITS_TEXT.replace(said, (
        "La base n'a pas de médiane nationale du niveau de vie : le seuil S ne peut pas être "
        "calculé, il est à saisir."))
    # A fictional contract (the demo) reads its fictional medians.
    con.execute("update contracts set is_fictional = true where contract_slug = 't'")
    assert pockets.default_threshold(con, "t").national_median_eur == 22_040.0


class _Counting:
    """A connection counting the statements that read the grid or the facts."""

    def __init__(self, con):
        self.con, self.big_reads = con, 0

    def execute(self, sql, *args, **kwargs):
        self.big_reads += ("grid_200m" in sql) + ("indicator_facts" in sql)
        return self.con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.con, name)


def _several_contracts(f, n_more: int):
    """The grid above, a square across 99002 and 99003 (its own pocket), and `n_more` contracts:
    « u0 » covers the two communes of « t » (the same squares in two contracts), the others 99003."""
    build_pocket_db(f)
    f.territory("99003", "commune", "Ville C", parents=[("200000001", "epci")])
    LoadContext(f.con, "test").insert("grid_200m", pd.DataFrame([square(60, 60, 1_100, commune="9900299003")]))
    for k in range(n_more):
        f.contract(f"u{k}", epci_code="200000001")
        for code in (("99001", "99002") if k == 0 else ("99003",)):
            f._insert("contract_territories", contract_slug=f"u{k}", territory_code=code,
                      territory_level="commune")
    return f.con


def test_build_pockets_of_several_contracts_are_each_contracts_detection(db):
    """write_pockets reads the grid once for every contract: its rows are what `detect` finds
    contract by contract, a square in two contracts in each, a square naming two communes in the
    contracts of either."""
    con = _several_contracts(db, 3)
    assert write_pockets(con) == 4 + 4 + 1 + 1
    got = con.execute(f"select {', '.join(pockets.VIEW_COLUMNS)} from poverty_pocket_results"
                      " order by territory, pocket_id").df()
    alone = pd.concat([detect(con, slug).pockets.assign(is_fictional=False)[pockets.VIEW_COLUMNS]
                       for slug in ("t", "u0", "u1", "u2")], ignore_index=True)
    assert records(got) == records(alone.astype(got.dtypes.to_dict()))
    assert got[["territory", "pocket_id", "population", "communes"]].values.tolist() == [
        ["t", "t-P01", 1_260.0, "99001, 99002"], ["t", "t-P02", 1_230.0, "99001"],
        ["t", "t-P03", 1_200.0, "99001"], ["t", "t-P04", 1_100.0, "99002, 99003"],
        ["u0", "u0-P01", 1_260.0, "99001, 99002"], ["u0", "u0-P02", 1_230.0, "99001"],
        ["u0", "u0-P03", 1_200.0, "99001"], ["u0", "u0-P04", 1_100.0, "99002, 99003"],
        ["u1", "u1-P01", 1_100.0, "99002, 99003"], ["u2", "u2-P01", 1_100.0, "99002, 99003"]]
    assert con.execute("select count(*) from duckdb_tables() where table_name = '_pocket_squares'"
                       ).fetchall() == [(0,)]


def test_build_pockets_read_the_grid_and_facts_a_fixed_number_of_times(db):
    from etl.db import create_empty
    from tests.indicators.conftest import Factory
    reads = []
    for n_more, f in ((1, db), (6, Factory(create_empty()))):
        counting = _Counting(_several_contracts(f, n_more))
        write_pockets(counting)
        reads.append(counting.big_reads)
    assert reads[0] == reads[1]


def test_pockets_are_named_for_a_reader_and_their_distance_kept_short():
    """Issue 11, D7/D8: « Poche 1 », never the generated « demo-P01 » (it holds the contract's
    slug); the distance as a short cell in metres, its meaning said in the header."""
    assert [pockets.pocket_name(p) for p in ("demo-P01", "grand-chalon-P12", "t-P007")] == [
        "Poche 1", "Poche 12", "Poche 7"]
    assert pockets.pocket_title("u0-P02", "Ville A, Ville B") == "Poche 2 · Ville A, Ville B"
    assert pockets.pocket_title("u0-P02", "") == "Poche 2"
    assert [pockets.distance_cell(d) for d in (1_558.0, 0.0, 1.0, float("nan"), None)] == [
        "1\u202f558", "0 (touche)", "0 (touche)", "—", "—"]
