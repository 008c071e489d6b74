from __future__ import annotations

import pytest

from indicators.housing import (
    AttributionResult,
    computed_results,
    implied_denominators,
    needed_fixed_total,
    needed_growing_total,
    published_results,
    results_frame,
)

Q1 = "Attributions hors QPV aux ménages du 1er quartile"
HQ1 = "Attributions en QPV aux ménages au-dessus du 1er quartile"
PRIO = "Attributions aux ménages prioritaires"


@pytest.mark.parametrize("k, rate, expected", [
    (82, 12.04, (681,)),
    (231, 59.23, (390,)),
    (1, 33.33, (3,)),
    (1, 50, (2,)),
    (2, 50, (4,)),
    (0, 10, ()),
    (5, 0, ()),
    (3, 12.5, (24,)),
])
def test_implied_denominators(k, rate, expected):
    assert implied_denominators(k, rate) == expected


@pytest.mark.parametrize("k, total, target, fixed, growing", [
    (82, 681, 25, 89, 118),          # Grand Chalon 2021: the document says 88
    (231, 390, 50, 0, 0),            # 2020: already above 50 %
    (0, 4, 25, 1, 2),                # 1/4 = 25 % exactly reaches; (0+n)/(4+n) ≥ 1/4 → n = 4/3 → 2
    (25, 100, 25, 0, 0),             # exactly on target
    (24, 100, 25, 1, 2),             # (24+n)/(100+n) ≥ 1/4 ⇔ n ≥ 4/3
    (10, 40, 42.5, 7, 13),           # 42,5 % read exactly: 17 − 10; (17 − 10)/0,575 = 12,17 → 13
    (3, 10, 100, 7, None),           # 100 %: (b) impossible
    (0, 0, 25, None, 1),             # no attributions
])
def test_needed_numbers(k, total, target, fixed, growing):
    assert needed_fixed_total(k, total, target) == fixed
    assert needed_growing_total(k, total, target) == growing


def test_needed_uses_exact_rationals():
    # 0.425 * 40 = 17 exactly; a float product can land on 17.000000000000004 → ceil 18.
    assert needed_fixed_total(0, 40, 42.5) == 17
    assert needed_fixed_total(0, 100, 0.1 * 3 * 100) == 30  # 30.000000000000004 as a float
    assert needed_fixed_total(0, 3, 1 / 3 * 100) == 1       # 33.333333 % of 3 → 0.99999999 → 1


def test_published_grand_chalon(db):
    db.objective("gc", "ensemble", "Ensemble", "q1_hors_qpv", 25, document_id="cia", source_ref="§7")
    db.published_result("gc", 2021, "ensemble", "Ensemble", "q1_hors_qpv", numerator=82,
                        rate_pct=12.04, needed_published=88, document_id="cia", source_ref="p. 120")
    db.published_result("gc", 2020, "ensemble", "Ensemble", "hors_q1_en_qpv", numerator=231,
                        rate_pct=59.23, document_id="cia", source_ref="p. 121")
    assert published_results(db.con, "gc") == [
        AttributionResult(2020, "ensemble", "Ensemble", "hors_q1_en_qpv", HQ1, "published", 231, 390,
                          "deduced", (390,), 59.23, 50.0, "loi", None, True, 0, 0, None, 0, "cia",
                          "p. 121", "déduit du taux publié", "published"),
        AttributionResult(2021, "ensemble", "Ensemble", "q1_hors_qpv", Q1, "published", 82, 681,
                          "deduced", (681,), 12.04, 25.0, "CIA", None, False, 89, 118, 88, 0, "cia",
                          "p. 120", "déduit du taux publié", "published"),
    ]


def test_a_published_result_credits_its_document_not_only_its_page(db):
    """The CIA chart of the demo said « Source : p. 12 »: a result names its document."""
    db.document("gc", "cia", "Convention intercommunale d'attribution", "Le Grand Chalon")
    db.published_result("gc", 2021, "ensemble", "Ensemble", "q1_hors_qpv", numerator=82,
                        rate_pct=12.04, document_id="cia", source_ref="p. 120")
    db.published_result("gc", 2022, "ensemble", "Ensemble", "q1_hors_qpv", numerator=80,
                        rate_pct=12.0, document_id="unknown", source_ref="p. 7")
    assert [(r.year, r.source_ref, r.source_line) for r in published_results(db.con, "gc")] == [
        (2021, "p. 120", "Convention intercommunale d'attribution (Le Grand Chalon) — p. 120"),
        (2022, "p. 7", None)]


def test_published_with_denominator_and_without_rate(db):
    db.published_result("gc", 2022, "reservataire", "État", "menages_prioritaires", numerator=30,
                        denominator=40)
    db.objective("gc", "reservataire", "État", "menages_prioritaires", 100)
    db.published_result("gc", 2022, "bailleur", "OPAC 71", "q1_hors_qpv", rate_pct=20.0)
    assert published_results(db.con, "gc") == [
        AttributionResult(2022, "bailleur", "OPAC 71", "q1_hors_qpv", Q1, "published", None, None, None,
                          (), 20.0, 25.0, "loi", None, None, None, None, None, 0, None, None, None,
                          "published"),
        AttributionResult(2022, "reservataire", "État", "menages_prioritaires", PRIO, "published", 30,
                          40, "published", (), 75.0, 100.0, "CIA", None, False, 10, None, None, 0,
                          None, None, None, "computed"),     # the document gives counts: we compute
    ]


def test_computed_from_attributions(db):
    a = db.attribution
    # outside QPV: 1 Q1 of 4 for OPAC/etat, 2 Q1 of 2 for Habellis/communes, 1 unknown quartile
    a("gc", 2023, "OPAC 71", "etat", "hors_qpv", 1, resource_quartile=1, is_priority_household=True)
    a("gc", 2023, "OPAC 71", "etat", "hors_qpv", 3, resource_quartile=2, is_priority_household=False)
    a("gc", 2023, "Habellis", "communes", "hors_qpv", 2, resource_quartile=1, is_priority_household=True)
    a("gc", 2023, "Habellis", "communes", "hors_qpv", 1, is_priority_household=False)
    a("gc", 2023, "Habellis", "communes", "hors_qpv", 9, resource_quartile=1,
      is_lease_signed=False)  # no lease: out
    # inside QPV: 3 above Q1 of 4
    a("gc", 2023, "OPAC 71", "communes", "qpv", 3, qpv_code="QN07101I", resource_quartile=3,
      is_priority_household=False)
    a("gc", 2023, "OPAC 71", "communes", "qpv", 1, qpv_code="QN07101I", resource_quartile=1)
    db.objective("gc", "reservataire", "État", "menages_prioritaires", 100)
    db.objective("gc", "reservataire", "Collectivités", "menages_prioritaires", 30)
    db.objective("gc", "ensemble", "Grand Chalon", "menages_prioritaires", 42.5)
    db.objective("gc", "bailleur", "OPAC 71", "q1_hors_qpv", None,
                 note="Contribution à l'atteinte des 25 %")
    got = [(r.objective, r.party_type, r.party_name, r.numerator, r.denominator, r.rate_pct,
            r.target_pct, r.target_source, r.target_note, r.reached, r.needed_fixed_total,
            r.needed_growing_total, r.n_unknown) for r in computed_results(db.con, "gc")]
    note = "Contribution à l'atteinte des 25 %"
    assert got == [
        ("q1_hors_qpv", "ensemble", "Ensemble", 3, 7, 42.8571, 25.0, "loi", None, True, 0, 0, 1),
        ("q1_hors_qpv", "bailleur", "Habellis", 2, 3, 66.6667, 25.0, "loi", None, True, 0, 0, 1),
        ("q1_hors_qpv", "bailleur", "OPAC 71", 1, 4, 25.0, None, None, note, None, None, None, 0),
        ("q1_hors_qpv", "reservataire", "communes", 2, 3, 66.6667, 25.0, "loi", None, True, 0, 0, 1),
        ("q1_hors_qpv", "reservataire", "etat", 1, 4, 25.0, 25.0, "loi", None, True, 0, 0, 0),
        ("hors_q1_en_qpv", "ensemble", "Ensemble", 3, 4, 75.0, 50.0, "loi", None, True, 0, 0, 0),
        ("hors_q1_en_qpv", "bailleur", "OPAC 71", 3, 4, 75.0, 50.0, "loi", None, True, 0, 0, 0),
        ("hors_q1_en_qpv", "reservataire", "communes", 3, 4, 75.0, 50.0, "loi", None, True, 0, 0, 0),
        ("menages_prioritaires", "ensemble", "Ensemble", 3, 11, 27.2727, 42.5, "CIA", None, False, 2, 3, 1),
        ("menages_prioritaires", "bailleur", "Habellis", 2, 3, 66.6667, None, None, None, None, None, None, 0),
        ("menages_prioritaires", "bailleur", "OPAC 71", 1, 8, 12.5, None, None, None, None, None, None, 1),
        ("menages_prioritaires", "reservataire", "communes", 2, 7, 28.5714, 30.0, "CIA", None, False, 1, 1, 1),
        ("menages_prioritaires", "reservataire", "etat", 1, 4, 25.0, 100.0, "CIA", None, False, 3, None, 0),
    ]
    assert len(results_frame(computed_results(db.con, "gc"))) == 13


def test_published_rate_with_several_possible_totals(db):
    assert implied_denominators(100, 0.5)[:1] + implied_denominators(100, 0.5)[-1:] == (19802, 20202)
    assert len(implied_denominators(100, 0.5)) == 401
    db.published_result("gc", 2021, "ensemble", "Ensemble", "q1_hors_qpv", numerator=1, rate_pct=20)
    db.published_result("gc", 2022, "ensemble", "Ensemble", "q1_hors_qpv", numerator=100, rate_pct=0.5)
    r2021, r2022 = published_results(db.con, "gc")
    assert (r2021.denominator, r2021.implied_denominators, r2021.needed_fixed_total) == (5, (5,), 1)
    assert (r2022.denominator, r2022.denominator_origin, r2022.needed_fixed_total, r2022.note) == (
        None, "deduced", None,
        "déduit du taux publié; plusieurs totaux possibles : de 19802 à 20202 (401 valeurs)")
