"""indicators/gaps.py: a QPV's gap to its commune(s) and EPCI over time, and its change."""
from __future__ import annotations

from indicators.gaps import (SERIES_COLUMNS, distance, gap_change_table, gap_change_tables, gap_series,
                             gap_series_many)

from .conftest import records


def _territory(db):
    db.contract("c", "Contrat")
    db.territory("200000001", "epci", "Agglo")
    db.territory("71001", "commune", "Ville A", parents=[("200000001", "epci")])
    db.territory("71002", "commune", "Ville B", parents=[("200000001", "epci")])
    db.territory("QN07101A", "qpv", "Les Tilleuls", vintage=2024, contract="c",
                 parents=[("71001", "commune"), ("71002", "commune")])
    db.territory("QP071001", "qpv", "Tilleuls (2015)", vintage=2015, contract="c",
                 parents=[("71001", "commune")])
    db.territory("QN07102A", "qpv", "Un seul point", vintage=2024, contract="c",
                 parents=[("71001", "commune")])
    for year, a, b, e in ((2017, 20.0, 10.0, 14.0), (2019, 21.0, 11.0, 15.0),
                          (2021, 22.0, 12.0, 15.0)):
        db.fact("71001", "commune", "poverty_rate_pct", year, a)
        db.fact("71002", "commune", "poverty_rate_pct", year, b)
        db.fact("200000001", "epci", "poverty_rate_pct", year, e)
    # The 2024 QPV: 2019 and 2021 (and a withheld 2020); the 2015 QPV: 2017 and 2019.
    db.fact("QN07101A", "qpv", "poverty_rate_pct", 2019, 45.0)
    db.fact("QN07101A", "qpv", "poverty_rate_pct", 2020, None, status="secret")
    db.fact("QN07101A", "qpv", "poverty_rate_pct", 2021, 41.0)
    db.fact("QP071001", "qpv", "poverty_rate_pct", 2017, 40.0)
    db.fact("QP071001", "qpv", "poverty_rate_pct", 2019, 44.0)
    db.fact("QN07102A", "qpv", "poverty_rate_pct", 2021, 30.0)
    db.fact("QN07101A", "qpv", "population_count", 2019, 2500)
    db.fact("QN07101A", "qpv", "population_count", 2021, 2400)
    db.fact("71001", "commune", "population_count", 2019, 30000)
    db.fact("71001", "commune", "population_count", 2021, 29000)


def test_gap_series_per_comparator_and_year(db):
    _territory(db)
    got = records(gap_series(db.con, "QN07101A", "poverty_rate_pct"))
    assert {(r["qpv_source"], r["comparator_source"]) for r in got} == \
        {("Insee, Fichier de test, 2021", "Insee, Fichier de test, 2021")}
    assert [{k: v for k, v in r.items() if not k.endswith("_source")} for r in got] == [
        {"year": 2019, "qpv_value": 45.0, "comparator_code": "71001", "comparator_level": "commune",
         "comparator_name": "Ville A", "comparator_value": 21.0, "gap": 24.0, "gap_kind": "points",
         "distance": 24.0},
        {"year": 2021, "qpv_value": 41.0, "comparator_code": "71001", "comparator_level": "commune",
         "comparator_name": "Ville A", "comparator_value": 22.0, "gap": 19.0, "gap_kind": "points",
         "distance": 19.0},
        {"year": 2019, "qpv_value": 45.0, "comparator_code": "71002", "comparator_level": "commune",
         "comparator_name": "Ville B", "comparator_value": 11.0, "gap": 34.0, "gap_kind": "points",
         "distance": 34.0},
        {"year": 2021, "qpv_value": 41.0, "comparator_code": "71002", "comparator_level": "commune",
         "comparator_name": "Ville B", "comparator_value": 12.0, "gap": 29.0, "gap_kind": "points",
         "distance": 29.0},
        {"year": 2019, "qpv_value": 45.0, "comparator_code": "200000001", "comparator_level": "epci",
         "comparator_name": "Agglo", "comparator_value": 15.0, "gap": 30.0, "gap_kind": "points",
         "distance": 30.0},
        {"year": 2021, "qpv_value": 41.0, "comparator_code": "200000001", "comparator_level": "epci",
         "comparator_name": "Agglo", "comparator_value": 15.0, "gap": 26.0, "gap_kind": "points",
         "distance": 26.0},
    ]


def test_the_gap_series_of_many_indicators_at_once(db):
    _territory(db)
    db.fact("QN07101A", "qpv", "median_income_eur_month", 2021, 800.0)
    db.fact("200000001", "epci", "median_income_eur_month", 2021, 1600.0)
    db.fact("200000001", "epci", "median_income_eur_month", 2019, 1500.0)
    ids = ["poverty_rate_pct", "population_count", "median_income_eur_month", "no_such_indicator"]
    got = gap_series_many(db.con, "QN07101A", ids)
    assert list(got) == ids
    assert {i: records(f) for i, f in got.items()} == {i: records(gap_series(db.con, "QN07101A", i)) for i in ids}
    assert [(r["comparator_code"], r["year"], r["gap"], r["gap_kind"])
            for r in records(got["median_income_eur_month"])] == [("200000001", 2021, 0.5, "ratio")]
    assert len(got["poverty_rate_pct"]) == 6
    assert got["population_count"].empty and got["no_such_indicator"].empty
    assert {i: f.empty for i, f in gap_series_many(db.con, "QN99999Z", ids).items()} == dict.fromkeys(ids, True)
    # Every empty series is a frame of its own with the series' columns (copies of one empty frame,
    # issue #15), never one frame shared by two indicators.
    empties = [got["population_count"], got["no_such_indicator"]]
    assert [(list(f.columns), list(f.dtypes.astype(str))) for f in empties] == [
        (SERIES_COLUMNS, ["object"] * len(SERIES_COLUMNS))] * 2
    assert empties[0] is not empties[1]


def test_a_count_has_no_gap_series(db):
    _territory(db)
    assert gap_series(db.con, "QN07101A", "population_count").empty
    assert gap_series(db.con, "QN99999Z", "poverty_rate_pct").empty


def test_gap_change_never_joins_the_2015_and_2024_series(db):
    _territory(db)
    got = records(gap_change_table(db.con, "c", "poverty_rate_pct"))
    assert [(r["qpv_code"], r["comparator_code"], r["first_year"], r["last_year"],
             r["gap_first"], r["gap_last"], r["distance_change"]) for r in got] == [
        ("QN07101A", "71001", 2019, 2021, 24.0, 19.0, -5.0),
        ("QN07101A", "71002", 2019, 2021, 34.0, 29.0, -5.0),
        ("QN07101A", "200000001", 2019, 2021, 30.0, 26.0, -4.0),
        ("QP071001", "71001", 2017, 2019, 20.0, 23.0, 3.0),
        ("QP071001", "200000001", 2017, 2019, 26.0, 29.0, 3.0),
    ]
    assert got[0] == {
        "qpv_code": "QN07101A", "qpv_name": "Les Tilleuls", "comparator_code": "71001",
        "comparator_level": "commune", "comparator_name": "Ville A", "gap_kind": "points",
        "first_year": 2019, "last_year": 2021, "qpv_value_last": 41.0, "gap_first": 24.0,
        "gap_last": 19.0, "distance_first": 24.0, "distance_last": 19.0, "distance_change": -5.0,
        "sources": "Insee, Fichier de test, 2021"}


class _CountingCon:
    """A connection that counts the queries it runs."""
    def __init__(self, con):
        self.con, self.queries = con, 0

    def execute(self, *args, **kwargs):
        self.queries += 1
        return self.con.execute(*args, **kwargs)


def test_the_gap_changes_of_many_indicators_read_each_qpv_once(db):
    _territory(db)
    for year, q, e in ((2019, 700.0, 1400.0), (2021, 800.0, 1450.0)):
        db.fact("QN07101A", "qpv", "median_income_eur_month", year, q)
        db.fact("200000001", "epci", "median_income_eur_month", year, e)
    ids = ["poverty_rate_pct", "median_income_eur_month", "population_count"]
    got = gap_change_tables(db.con, "c", ids)
    assert list(got) == ids
    assert {i: records(f) for i, f in got.items()} == {i: records(gap_change_table(db.con, "c", i)) for i in ids}
    assert [(r["qpv_code"], r["comparator_code"]) for r in records(got["median_income_eur_month"])] == [
        ("QN07101A", "200000001")]
    assert len(got["poverty_rate_pct"]) == 5 and got["population_count"].empty
    # As many queries for three indicators as for one: each QPV's series are read once.
    one, three = _CountingCon(db.con), _CountingCon(db.con)
    gap_change_tables(one, "c", ids[:1])
    gap_change_tables(three, "c", ids)
    assert three.queries == one.queries


def test_ratio_gaps_and_their_distance(db):
    db.contract("c", "Contrat")
    db.territory("200000001", "epci", "Agglo")
    db.territory("QN07101A", "qpv", "Q", vintage=2024, contract="c", parents=[("200000001", "epci")])
    for year, q, e in ((2019, 700.0, 1400.0), (2021, 800.0, 1450.0)):
        db.fact("QN07101A", "qpv", "median_income_eur_month", year, q)
        db.fact("200000001", "epci", "median_income_eur_month", year, e)
    got = records(gap_change_table(db.con, "c", "median_income_eur_month"))
    assert [(r["gap_first"], r["gap_last"], r["distance_first"], r["distance_last"],
             r["distance_change"]) for r in got] == [(0.5, 0.551724, 50.0, 44.8276, -5.1724)]
    assert distance(None, "points") is None and distance(-3.5, "points") == 3.5


def test_a_real_qpv_is_never_compared_with_fictional_values(db):
    db.contract("c", "Contrat")
    db.territory("99001", "commune", "Fictive", is_fictional=True)
    db.territory("QN07101A", "qpv", "Q", vintage=2024, contract="c", parents=[("99001", "commune")])
    for year in (2019, 2021):
        db.fact("QN07101A", "qpv", "poverty_rate_pct", year, 40.0)
        db.fact("99001", "commune", "poverty_rate_pct", year, 20.0)
    assert gap_series(db.con, "QN07101A", "poverty_rate_pct").empty
