"""A portrait's ranks counted in SQL (`portrait._ranks_many`, issue #15: the France-sized database's
3 100 QPVs × 120 indicators as Python values cost a first portrait about 2 s of CPU) are those
`compute_ranks` gives indicator by indicator: ties, withheld values, a contract's QPV without any
value, two contracts, another geography, fictional QPVs, each direction."""
from __future__ import annotations

from indicators import portrait

QPVS = ("QN01101A", "QN01102B", "QN01103C", "QN01104D", "QN01105E")


def _territory(f) -> None:
    f.contract("ville", name="Contrat de ville", epci_code="200000001")
    f.contract("agglo", name="Contrat d'agglomération", epci_code="200000001")
    f.territory("200000001", "epci")
    f.territory("11001", "commune", parents=[("200000001", "epci")])
    for code in QPVS:
        f.territory(code, "qpv", code, vintage=2024, parents=[("11001", "commune")], contract="ville")
    # The second contract holds two of them, and a QPV of 2015.
    for code in ("QN01101A", "QN01104D"):
        f._insert("contract_territories", contract_slug="agglo", territory_code=code,
                  territory_level="qpv", note=None)
    f.territory("QP011001", "qpv", "Géographie 2015", vintage=2015, contract="agglo")
    f.territory("QN01106F", "qpv", "Hors contrat", vintage=2024)
    f.territory("QN09901A", "qpv", "Fictif", vintage=2024, is_fictional=True)
    # Lower is better: QN01101A ties with QN01102B; QN01103C withheld; QN01105E has no value.
    for code, value in zip(QPVS[:4], (20.0, 20.0, 99.0, 35.0)):
        f.fact(code, "qpv", "poverty_rate_pct", 2021, value, status="secret" if value == 99.0 else "ok")
    f.fact("QN01102B", "qpv", "poverty_rate_pct", 2021, 5.0, origin="published", source_note="Annexe")
    f.fact("QN01106F", "qpv", "poverty_rate_pct", 2021, 10.0)
    f.fact("QP011001", "qpv", "poverty_rate_pct", 2021, 1.0)
    f.fact("QN09901A", "qpv", "poverty_rate_pct", 2021, 1.0)
    # Higher is better.
    for code, value in zip(QPVS, (15000.0, 18000.0, 12000.0, 15000.0, 16000.0)):
        f.fact(code, "qpv", "median_income_eur_year", 2021, value)
    f.fact("QN01106F", "qpv", "median_income_eur_year", 2021, None, status="missing")
    # No direction (an unregistered variable); the QPV's own value withheld.
    for code, value in zip(QPVS, (None, 3.0, 4.0, 4.0, None)):
        f.fact(code, "qpv", "insee_XYZ21", 2021, value, status="ok" if value else "secret")


def _ranks(pv):
    return [(r.scope, r.scope_code, r.rank, r.n, r.n_withheld, r.tied, r.direction) for r in pv.ranks]


def test_ranks_counted_in_sql_are_those_of_compute_ranks(db):
    _territory(db)
    result = portrait.build_portrait(db.con, "QN01101A")
    by_id = {pv.indicator_id: pv for pv in result.values}
    assert sorted(by_id) == ["insee_XYZ21", "median_income_eur_year", "poverty_rate_pct"]
    for pv in result.values:
        fact = portrait._latest([f for f in portrait.fetch_facts(db.con, ["QN01101A"])
                                 if f.indicator_id == pv.indicator_id])
        assert pv.ranks == portrait.compute_ranks(db.con, "QN01101A", fact, pv.higher_is_better,
                                                  result.contracts)
    assert [c.slug for c in result.contracts] == ["agglo", "ville"]
    assert _ranks(by_id["poverty_rate_pct"]) == [
        # agglo: QN01101A and QN01104D (the 2015 QPV is of another geography).
        ("contract", "agglo", 1, 2, 0, False, "lower_is_better"),
        # ville: the official 20,0 of QN01102B (never its published 5,0) ties; QN01105E without
        # a value counts as withheld beside QN01103C.
        ("contract", "ville", 1, 3, 2, True, "lower_is_better"),
        ("all", None, 2, 4, 1, True, "lower_is_better")]
    assert _ranks(by_id["median_income_eur_year"]) == [
        ("contract", "agglo", 1, 2, 0, True, "higher_is_better"),
        ("contract", "ville", 3, 5, 0, True, "higher_is_better"),
        ("all", None, 3, 5, 1, True, "higher_is_better")]
    assert _ranks(by_id["insee_XYZ21"]) == [
        ("contract", "agglo", None, 1, 1, False, "value_desc"),
        ("contract", "ville", None, 3, 2, False, "value_desc"),
        ("all", None, None, 3, 2, False, "value_desc")]


def test_a_fictional_qpv_is_ranked_among_fictional_ones(db):
    _territory(db)
    result = portrait.build_portrait(db.con, "QN09901A")
    assert [_ranks(pv) for pv in result.values] == [[("all", None, 1, 1, 0, False, "lower_is_better")]]
