"""The QPV values every rank of a portrait is computed on (`portrait._qpv_values_many`): chosen in
SQL, one value and status per QPV, as `pick_fact` would keep them (issue #15: on the France-sized
database a `Fact` per QPV and indicator cost a first portrait about 4 s of CPU)."""
from __future__ import annotations

from indicators import portrait
from indicators.portrait import RankedValue


def _territory(f) -> None:
    f.contract("ville", epci_code="200000001")
    f.territory("200000001", "epci")
    f.territory("11001", "commune", parents=[("200000001", "epci")])
    for code in ("QN01101A", "QN01102B", "QN01103C"):
        f.territory(code, "qpv", code, vintage=2024, parents=[("11001", "commune")], contract="ville")
    f.territory("QN01104D", "qpv", "Hors contrat", vintage=2024, parents=[("11001", "commune")])
    f.territory("QP011001", "qpv", "Géographie 2015", vintage=2015, parents=[("11001", "commune")])
    f.territory("QN09901A", "qpv", "Fictif", vintage=2024, is_fictional=True)
    # QN01102B: the official file's figure wins over a published one (ORIGIN_PRIORITY), whatever
    # the order of the rows; QN01103C: withheld (a number beside it is never carried).
    f.fact("QN01101A", "qpv", "poverty_rate_pct", 2021, 30.0)
    f.fact("QN01102B", "qpv", "poverty_rate_pct", 2021, 50.0, origin="published", source_note="Annexe")
    f.fact("QN01102B", "qpv", "poverty_rate_pct", 2021, 20.0)
    f.fact("QN01103C", "qpv", "poverty_rate_pct", 2021, 99.0, status="secret")
    f.fact("QN01104D", "qpv", "poverty_rate_pct", 2021, 40.0)
    # Not in the pool: another geography, another year, a fictional QPV.
    f.fact("QP011001", "qpv", "poverty_rate_pct", 2021, 10.0)
    f.fact("QN01104D", "qpv", "poverty_rate_pct", 2020, 5.0)
    f.fact("QN09901A", "qpv", "poverty_rate_pct", 2021, 1.0)
    f.fact("QN01101A", "qpv", "median_income_eur_year", 2021, 15000.0)
    f.fact("QN01104D", "qpv", "median_income_eur_year", 2021, 18000.0, origin="computed")


def test_one_value_per_qpv_chosen_as_pick_fact_would(db):
    _territory(db)
    keys = [("poverty_rate_pct", 2021, 2024), ("median_income_eur_year", 2021, 2024),
            ("poverty_rate_pct", 2019, 2024)]
    assert portrait._qpv_values_many(db.con, keys) == {
        ("poverty_rate_pct", 2021, 2024): {
            "QN01101A": RankedValue(30.0, "ok"), "QN01102B": RankedValue(20.0, "ok"),
            "QN01103C": RankedValue(None, "secret"), "QN01104D": RankedValue(40.0, "ok")},
        ("median_income_eur_year", 2021, 2024): {
            "QN01101A": RankedValue(15000.0, "ok"), "QN01104D": RankedValue(18000.0, "ok")},
        ("poverty_rate_pct", 2019, 2024): {}}
    assert portrait._qpv_values_many(db.con, [("poverty_rate_pct", 2021, 2024)], is_fictional=True) == {
        ("poverty_rate_pct", 2021, 2024): {"QN09901A": RankedValue(1.0, "ok")}}
    # The same choice as pick_fact over every fact of each QPV.
    for code, chosen in portrait._qpv_values_many(db.con, keys[:1])[keys[0]].items():
        fact = portrait.pick_fact(f for f in portrait.fetch_facts(db.con, [code], "poverty_rate_pct")
                                  if f.year == 2021)
        assert chosen == RankedValue(fact.value, fact.status)


def test_portrait_ranks_on_that_pool(db):
    _territory(db)
    result = portrait.build_portrait(db.con, "QN01101A")
    assert [(pv.indicator_id, [(r.scope, r.scope_code, r.rank, r.n, r.n_withheld, r.tied) for r in pv.ranks])
            for pv in result.values] == [
        # Lower poverty is better: 20 (B) < 30 (A); among all, 40 (D) too; C withheld. B and C,
        # QPVs of the contract with no income at all, are counted as without a value in its rank
        # (« 1er sur 1 QPV du contrat » read as if the contract had one QPV).
        ("median_income_eur_year", [("contract", "ville", 1, 1, 2, False), ("all", None, 2, 2, 0, False)]),
        ("poverty_rate_pct", [("contract", "ville", 2, 2, 1, False), ("all", None, 2, 3, 1, False)])]
