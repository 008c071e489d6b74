from __future__ import annotations

import numpy as np
import pytest

from indicators.compare import (
    MISSING_RGB,
    SECRET_RGB,
    Classification,
    classify,
    compare_qpvs,
    filter_compare,
    indicators_with_values,
    legend,
    map_values,
    palette,
    theme_indicator_ids,
    value_decimals,
)
from indicators.fmt import plain_spaces

from .conftest import chalon_like, records

POV = "poverty_rate_pct"
INC = "median_income_eur_year"


def _data(db):
    chalon_like(db)
    db.fact("QN07101A", "qpv", POV, 2021, 40.0)
    db.fact("QN07102A", "qpv", POV, 2021, None, status="secret", status_note="s")
    db.fact("QN07103A", "qpv", POV, 2019, 30.0)        # only an older year: missing in 2021
    db.fact("QN07101A", "qpv", INC, 2020, 9000.0)
    db.fact("QN07103A", "qpv", INC, 2020, 12000.0)


def test_compare_qpvs_common_year_and_statuses(db):
    _data(db)
    df = compare_qpvs(db.con, "gc", [POV, INC])
    assert records(df) == [
        {"qpv_code": "QN07102A", "qpv_name": "Quartier Deux", "geography_vintage": 2024,
         "commune_codes": ["71001"], "commune_label": "Ville A", "contract_slugs": ["gc"],
         "population": None, POV: None, POV + "__status": "secret", POV + "__year": 2021,
         POV + "__origin": "official_file", POV + "__year_given": True, INC: None,
         INC + "__status": "missing", INC + "__year": 2020, INC + "__origin": None, INC + "__year_given": True},
        {"qpv_code": "QN07103A", "qpv_name": "Quartier Trois", "geography_vintage": 2024,
         "commune_codes": ["71001", "71002"], "commune_label": "Ville A / Ville B",
         "contract_slugs": ["gc"], "population": None, POV: None, POV + "__status": "missing",
         POV + "__year": 2021, POV + "__origin": None, POV + "__year_given": True, INC: 12000.0,
         INC + "__status": "ok", INC + "__year": 2020, INC + "__origin": "official_file",
         INC + "__year_given": True},
        {"qpv_code": "QN07101A", "qpv_name": "Quartier Un", "geography_vintage": 2024,
         "commune_codes": ["71001"], "commune_label": "Ville A", "contract_slugs": ["gc"],
         "population": 2500, POV: 40.0, POV + "__status": "ok", POV + "__year": 2021,
         POV + "__origin": "official_file", POV + "__year_given": True, INC: 9000.0,
         INC + "__status": "ok", INC + "__year": 2020, INC + "__origin": "official_file",
         INC + "__year_given": True},
    ]
    in_2019 = compare_qpvs(db.con, "gc", [POV], year=2019)
    assert in_2019[[POV, POV + "__status"]].fillna(-1).values.tolist() == [
        [-1, "missing"], [30.0, "ok"], [-1, "missing"]]


def test_compare_qpvs_over_every_indicator_builds_one_unfragmented_frame(db):
    """Every registry indicator at once (the comparison page's « all » view) added five columns
    each, one at a time: pandas warned « DataFrame is highly fragmented » on every page load.
    The columns are joined once; the frame is the same, column for column."""
    import warnings

    import pandas as pd

    from indicators import registry

    _data(db)
    ids = [i.id for i in registry.REGISTRY]
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        df = compare_qpvs(db.con, "gc", ids)
    assert df.shape == (3, 7 + 5 * len(ids))
    assert df.columns[7:12].tolist() == [ids[0], ids[0] + "__status", ids[0] + "__year",
                                         ids[0] + "__origin", ids[0] + "__year_given"]
    assert records(df[["qpv_code", POV, POV + "__status"]]) == records(
        compare_qpvs(db.con, "gc", [POV])[["qpv_code", POV, POV + "__status"]])


@pytest.mark.parametrize("kw, expected", [
    ({}, ["QN07102A", "QN07103A", "QN07101A"]),
    ({"commune_codes": ["71002"]}, ["QN07103A"]),
    ({"thresholds": {POV: (35, None)}}, ["QN07101A"]),
    ({"thresholds": {POV: (None, 100)}}, ["QN07101A"]),      # secret and missing never kept
    ({"thresholds": {INC: (None, 10000)}}, ["QN07101A"]),
    ({"search": "trois"}, ["QN07103A"]),
    ({"vintage": 2015}, []),
])
def test_filter_compare(db, kw, expected):
    _data(db)
    df = compare_qpvs(db.con, "gc", [POV, INC])
    assert filter_compare(df, **kw)["qpv_code"].tolist() == expected


def test_theme_indicator_ids():
    assert theme_indicator_ids("logement") == [
        "social_housing_dwellings_count", "social_housing_share_pct", "fragile_occupation_dwellings_pct"]
    assert theme_indicator_ids("logement", ["social_housing_share_pct", "x"]) == ["social_housing_share_pct"]


@pytest.mark.parametrize("values, k, method, hib, expected", [
    ([], 5, "quantile", None, Classification((), (), "empty", None)),
    ([7, 7, None, np.nan], 5, "quantile", True, Classification((7.0, 7.0), ("#26828e",), "single", True)),
    ([1, 2, 3, 4, 5], 2, "quantile", True, Classification((1.0, 3.0, 5.0), ("#440154", "#fde725"), "quantile", True)),
    ([1, 2, 3, 4, 5, 6], 3, "quantile", True,
     Classification((1.0, 2.6666666667, 4.3333333333, 6.0), ("#440154", "#26828e", "#fde725"), "quantile", True)),
    ([1, 2, 3, 4, 5], 2, "quantile", False, Classification((1.0, 3.0, 5.0), ("#fde725", "#440154"), "quantile", False)),
    ([1, 2], 5, "jenks", False, Classification((1.0, 1.0, 2.0), ("#fde725", "#440154"), "jenks", False)),
    ([1, 1, 1, 1, 9], 5, "quantile", None, Classification((1.0, 1.0, 9.0), ("#440154", "#fde725"), "quantile", None)),
    ([1, 2, 3, 10, 11, 12, 30], 3, "jenks", None,
     Classification((1.0, 3.0, 12.0, 30.0), ("#440154", "#26828e", "#fde725"), "jenks", None)),
    (list(range(20)), 9, "quantile", None,
     Classification((0.0, 3.8, 7.6, 11.4, 15.2, 19.0), palette(5), "quantile", None)),
])
def test_classify(values, k, method, hib, expected):
    assert classify(values, k, method, hib) == expected


def test_legend_writes_interpolated_breaks_at_the_values_precision():
    """The demo map's legend read « de 38,7 % à 41,82 % », « plus de 41,82 % à 43,36 % » beside
    values written 41,5 % and 43,4 %: a break is floored to the values' decimals, so a value
    sits in the class its label says."""
    values = [38.7, 40.2, 41.5, 42.1, 43.0, 43.4, 45.3, 46.1, 49.6, 52.4]
    c = classify(values, 5)
    assert c.breaks == (38.7, 41.24, 42.64, 44.16, 46.8, 52.4)
    assert value_decimals(values) == 1 and value_decimals([1, 2.25]) == 2
    assert value_decimals([1 / 3]) is None
    labels = [plain_spaces(label) for _, label in legend(c, "%", value_decimals(values))[:5]]
    assert labels == ["de 38,7 % à 41,2 %", "plus de 41,2 % à 42,6 %", "plus de 42,6 % à 44,1 %",
                      "plus de 44,1 % à 46,8 %", "plus de 46,8 % à 52,4 %"]
    # Every value lies in the class its label says.
    bounds = [38.7, 41.2, 42.6, 44.1, 46.8, 52.4]
    assert all(bounds[c.class_of(v)] < v <= bounds[c.class_of(v) + 1] or v == bounds[0]
               for v in values)
    # Without a precision, as before.
    assert plain_spaces(legend(c, "%")[1][1]) == "plus de 41,24 % à 42,64 %"


def test_class_of_edges():
    c = classify([1, 2, 3, 4, 5], 2)
    assert [c.class_of(v) for v in [1, 3, 3.5, 5, None]] == [0, 0, 1, 1, None]


def test_a_typed_figure_keeps_its_own_digits_in_the_map_and_its_table(db):
    """Issue 11: a figure typed from a document (« 48 % » on its portrait) was padded to its
    neighbours' precision (« 48,0 % »); the others still share one precision among themselves."""
    chalon_like(db)
    db.fact("QN07101A", "qpv", POV, 2021, 48.0, origin="published")
    db.fact("QN07102A", "qpv", POV, 2021, 40.25)
    db.fact("QN07103A", "qpv", POV, 2021, 43.0)
    m = map_values(db.con, "gc", POV)
    assert dict(zip(m.frame["qpv_code"], map(plain_spaces, m.frame["value_text"]))) == {
        "QN07101A": "48 %", "QN07102A": "40,25 %", "QN07103A": "43,00 %"}
    assert compare_qpvs(db.con, "gc", [POV])[POV + "__origin"].tolist() == [
        "official_file", "official_file", "published"]


def test_palette_is_viridis_and_reversed_when_lower_is_better():
    assert palette(5) == ("#440154", "#3e4989", "#26828e", "#6ece58", "#fde725")
    assert palette(5, False) == tuple(reversed(palette(5)))


def test_map_values(db):
    _data(db)
    db.territory("QN07101A-x", "qpv", "ignored")  # not in the contract
    db.con.execute("insert into territory_geometries values ('QN07101A', 'qpv', 2024, ''::blob, "
                   "'{\"type\": \"Point\", \"coordinates\": [4.8, 46.8]}', 4.8, 46.8, 1.0, 's')")
    m = map_values(db.con, "gc", POV)
    assert (m.indicator_id, m.unit, m.year, m.geography_vintage) == (POV, "%", 2021, 2024)
    assert m.classification == Classification((40.0, 40.0), ("#26828e",), "single", False)
    assert records(m.frame.drop(columns=["value_text"])) == [
        {"qpv_code": "QN07102A", "qpv_name": "Quartier Deux", "commune_label": "Ville A",
         "value": None, "status": "secret", "year": 2021, "class_index": None,
         "colour_rgb": list(SECRET_RGB), "centroid_lon": None, "centroid_lat": None, "geojson": None},
        {"qpv_code": "QN07103A", "qpv_name": "Quartier Trois", "commune_label": "Ville A / Ville B",
         "value": None, "status": "missing", "year": 2021, "class_index": None,
         "colour_rgb": list(MISSING_RGB), "centroid_lon": None, "centroid_lat": None, "geojson": None},
        {"qpv_code": "QN07101A", "qpv_name": "Quartier Un", "commune_label": "Ville A",
         "value": 40.0, "status": "ok", "year": 2021, "class_index": 0, "colour_rgb": [38, 130, 142],
         "centroid_lon": 4.8, "centroid_lat": 46.8,
         "geojson": {"type": "Point", "coordinates": [4.8, 46.8]}},
    ]
    assert m.frame["value_text"].tolist() == ["secret statistique", "non disponible", "40\u00a0%"]
    assert m.legend() == [("#26828e", "40\u00a0%"), ("#969696", "secret statistique"),
                          ("#e1e1e1", "non disponible")]


def test_map_values_writes_every_value_at_the_precision_the_set_needs(db):
    # A rate published with one decimal (43.0) is written « 43,0 % » beside « 40,2 % », as the
    # legend writes it; a set of whole values keeps none; beyond 2 decimals, 2 for every value.
    chalon_like(db)
    for code, value in (("QN07101A", 40.2), ("QN07102A", 43.0), ("QN07103A", 52.4)):
        db.fact(code, "qpv", POV, 2021, value)
        db.fact(code, "qpv", INC, 2021, value * 300)
    db.fact("QN07101A", "qpv", POV, 2019, 40.0)
    db.fact("QN07102A", "qpv", POV, 2019, 100 / 3)
    db.fact("QN07103A", "qpv", POV, 2019, 30.0)
    texts = {code: text for code, text in zip(*map_values(db.con, "gc", POV).frame[
        ["qpv_code", "value_text"]].T.values)}
    assert texts == {"QN07101A": "40,2\u00a0%", "QN07102A": "43,0\u00a0%", "QN07103A": "52,4\u00a0%"}
    frame = map_values(db.con, "gc", POV, year=2019).frame
    # 100 / 3 is a quotient we computed: the column reads at one decimal (issue #11).
    assert frame["value_text"].tolist() == ["33,3\u00a0%", "30,0\u00a0%", "40,0\u00a0%"]
    frame = map_values(db.con, "gc", INC).frame
    assert [plain_spaces(t) for t in frame["value_text"]] == ["12 900 €/an", "15 720 €/an",
                                                               "12 060 €/an"]


def test_legend_writes_every_bound_at_the_values_precision():
    from indicators.compare import legend
    ranges = Classification((40.2, 43.0, 47.5, 52.4), palette(3), "quantile", None)
    assert [plain_spaces(label) for _, label in legend(ranges, "%", 1)[:3]] == [
        "de 40,2 % à 43,0 %", "plus de 43,0 % à 47,5 %", "plus de 47,5 % à 52,4 %"]
    own = Classification((33.0, 33.0, 41.2), palette(2), "quantile", None)
    assert [plain_spaces(label) for _, label in legend(own, "%", value_decimals([33.0, 41.2]))[:2]] \
        == ["33,0 %", "41,2 %"]
    euros = Classification((9000.0, 9000.0, 12000.0), palette(2), "quantile", None)
    assert [plain_spaces(label) for _, label in legend(euros, "EUR/an", 1)[:2]] == [
        "9 000 €/an", "12 000 €/an"]


def test_map_values_empty_contract(db):
    db.contract("empty")
    m = map_values(db.con, "empty", POV)
    assert (m.year, len(m.frame), m.classification.method) == (None, 0, "empty")


def test_legend_bounds_never_overlap():
    from indicators.compare import legend
    ranges = Classification((10.0, 12.5, 15.0, 20.0), palette(3), "quantile", None)
    assert [label for _, label in legend(ranges, "%")[:3]] == [
        "de 10\u00a0% à 12,5\u00a0%", "plus de 12,5\u00a0% à 15\u00a0%", "plus de 15\u00a0% à 20\u00a0%"]
    own = Classification((10.0, 10.0, 12.5, 15.0), palette(3), "quantile", None)
    assert [label for _, label in legend(own, "%")[:3]] == ["10\u00a0%", "12,5\u00a0%", "15\u00a0%"]


def test_default_indicators_never_pair_an_indicator_with_its_restatement():
    from indicators.compare import default_indicators
    choices = ["median_income_eur_year", "median_income_eur_month", "poverty_rate_pct",
               "population_count"]
    assert default_indicators(choices, "median_income_eur_month") == [
        "median_income_eur_month", "poverty_rate_pct", "population_count"]
    assert default_indicators(choices, "poverty_rate_pct", n=2) == [
        "poverty_rate_pct", "median_income_eur_year"]
    assert default_indicators(choices, None, n=2) == ["median_income_eur_year", "poverty_rate_pct"]


def test_only_indicators_with_a_value_at_the_year_shown_are_offered(db):
    """Chambéry's map offered every indicator over a column of « non disponible » (issue #11):
    an indicator is offered when the year the table or the map shows has a value for one of the
    contract's quartiers of that geography; none offered when none has (never all of them)."""
    _data(db)
    db.territory("QP071001", "qpv", "Ancien quartier", vintage=2015, parents=[("71001", "commune")],
                 contract="gc")
    unemployment, rent = "unemployment_rate_pct", "social_housing_share_pct"
    db.fact("QP071001", "qpv", unemployment, 2018, 20.0)           # a 2015 quartier only
    db.fact("QN07101A", "qpv", rent, 2019, 50.0)                   # an older year had a value…
    db.fact("QN07102A", "qpv", rent, 2021, None, status="secret")  # …the latest is withheld
    db.contract("other", "Sans valeurs")
    db.territory("QN07199A", "qpv", "Quartier sans chiffre", vintage=2024,
                 parents=[("71002", "commune")], contract="other")
    asked = [rent, INC, POV, unemployment]
    assert indicators_with_values(db.con, "gc", asked) == [INC, POV, unemployment]
    assert indicators_with_values(db.con, "gc", asked, "latest") == [INC, POV]
    assert indicators_with_values(db.con, "gc", asked, 2024) == [INC, POV]
    assert indicators_with_values(db.con, "gc", asked, 2015) == [unemployment]
    assert indicators_with_values(db.con, "other", asked) == []
    assert indicators_with_values(db.con, "other", asked, "latest") == []
    assert indicators_with_values(db.con, "nobody", asked) == []
    # What the map then shows for an offered indicator has a value; the one left out had none.
    assert [map_values(db.con, "gc", i).frame["status"].tolist().count("ok") for i in asked] == [0, 2, 1, 0]
