"""Queries that do not grow with the number of indicators: build_portrait reads every rank's QPV
values in one query (its ranks those compute_ranks gives indicator by indicator), compare_qpvs
reads every indicator in one query."""
from __future__ import annotations

from indicators import portrait

INDICATORS = ("poverty_rate_pct", "unemployment_rate_pct", "median_income_eur", "single_parent_pct",
              "social_housing_pct", "youth_under_25_pct")


class Counting:
    """A connection that counts the statements executed."""

    def __init__(self, con):
        self.con, self.n = con, 0

    def execute(self, *args, **kwargs):
        self.n += 1
        return self.con.execute(*args, **kwargs)


def _territory(f, n_indicators: int) -> None:
    f.contract("ville", epci_code="200000001")
    f.contract("autre", epci_code="200000002")
    f.territory("200000001", "epci")
    f.territory("11001", "commune", parents=[("200000001", "epci")])
    for i, code in enumerate(("QN01101A", "QN01102B", "QN01103C", "QN01104D")):
        f.territory(code, "qpv", f"Quartier {i}", vintage=2024, parents=[("11001", "commune")],
                    contract="ville" if i < 3 else "autre")
        for k, ind in enumerate(INDICATORS[:n_indicators]):
            f.fact(code, "qpv", ind, 2021, value=10.0 + 3 * i + k,
                   status="secret" if (i, k) == (2, 1) else "ok")
    for k, ind in enumerate(INDICATORS[:n_indicators]):
        f.fact("11001", "commune", ind, 2021, value=8.0 + k)


def _queries(db, n_indicators: int) -> tuple[int, portrait.Portrait]:
    _territory(db, n_indicators)
    counting = Counting(db.con)
    result = portrait.build_portrait(counting, "QN01101A")
    return counting.n, result


def test_queries_do_not_grow_with_the_indicators(db):
    from etl.db import create_empty
    from tests.indicators.conftest import Factory
    few, shown = _queries(db, 2)
    other = Factory(create_empty())
    many, shown_many = _queries(other, 6)
    assert len(shown.values) == 2 and len(shown_many.values) == 6
    # Only the labels of indicators outside the registry may add a query each.
    unregistered = sum(1 for i in INDICATORS if i not in portrait.registry.BY_ID)
    assert many <= few + unregistered


def test_ranks_are_those_of_compute_ranks(db):
    _territory(db, 6)
    result = portrait.build_portrait(db.con, "QN01101A")
    contracts = result.contracts
    for pv in result.values:
        fact = portrait._latest([f for f in portrait.fetch_facts(db.con, ["QN01101A"])
                                 if f.indicator_id == pv.indicator_id])
        assert pv.ranks == portrait.compute_ranks(db.con, "QN01101A", fact, pv.higher_is_better,
                                                  contracts)
    # Among the 3 QPVs of its contract, then the 4 loaded: the lowest poverty rate is the best;
    # an indicator without a direction ranks the highest value first, the withheld one left out.
    assert [[(r.scope, r.scope_code, r.rank, r.n, r.n_withheld) for r in pv.ranks]
            for pv in result.values if pv.indicator_id in INDICATORS[:2]] == [
        [("contract", "ville", 1, 3, 0), ("all", None, 1, 4, 0)],
        [("contract", "ville", 2, 2, 1), ("all", None, 3, 3, 1)]]


def test_the_comparison_reads_every_indicator_in_one_query(db):
    from indicators import compare
    _territory(db, 6)
    counts, tables = [], []
    for n in (1, 6):
        counting = Counting(db.con)
        tables.append(compare.compare_qpvs(counting, None, list(INDICATORS[:n])))
        counts.append(counting.n)
    assert counts[0] == counts[1]
    table = tables[1]
    assert list(table["qpv_code"]) == ["QN01101A", "QN01102B", "QN01103C", "QN01104D"]
    assert list(table["unemployment_rate_pct"].fillna(-1)) == [11.0, 14.0, -1, 20.0]
    assert list(table["unemployment_rate_pct__status"]) == ["ok", "ok", "secret", "ok"]
    assert list(table["youth_under_25_pct"]) == [15.0, 18.0, 21.0, 24.0]
    assert set(table["poverty_rate_pct__year"]) == {2021}
