from __future__ import annotations

import pytest

from indicators.portrait import (
    Comparator,
    PortraitValue,
    QualItem,
    Rank,
    SeriesBreak,
    SeriesPoint,
    SeriesSegment,
    TimeSeries,
    UnknownQpv,
    build_portrait,
    compute_gap,
    gap_kind,
    qualitative,
    rank_value,
    review,
    time_series,
)
from indicators.territories import Contract, TerritoryRef

from .conftest import chalon_like

GC = Contract("gc", "Contrat de ville test", "200000001", "2024–2030", 2024, 2030, False)


def test_portrait_geography_multi_commune(db):
    chalon_like(db)
    p = build_portrait(db.con, "QN07103A")
    assert p.qpv == TerritoryRef("QN07103A", "qpv", "Quartier Trois", 2024, None, None, False)
    assert p.communes == (TerritoryRef("71001", "commune", "Ville A"),
                          TerritoryRef("71002", "commune", "Ville B"))
    assert p.epcis == (TerritoryRef("200000001", "epci", "Agglo test"),)
    assert p.departements == (TerritoryRef("71", "departement", "Saône-et-Loire"),)
    assert p.contracts == (GC,)
    assert p.themes == ()


def test_portrait_unknown_qpv(db):
    chalon_like(db)
    with pytest.raises(UnknownQpv):
        build_portrait(db.con, "QN99999Z")


def test_published_comparators_from_same_document(db):
    """Aubépins-shaped: the QPV's 742 €/mois (Insee 2019) is compared with the commune and EPCI
    figures of the same document (Compas – ABS 2022), not with a later official file."""
    chalon_like(db)
    doc = dict(origin="published", document_id="annexe", source_ref="p. 25")
    db.fact("QN07101A", "qpv", "median_income_eur_month", 2019, 742, source_note="Insee 2019", **doc)
    db.fact("71001", "commune", "median_income_eur_month", 2022, 1480,
            source_note="Compas – ABS 2022", **doc)
    db.fact("200000001", "epci", "median_income_eur_month", 2022, 1770,
            source_note="Compas – ABS 2022", **doc)
    db.fact("71001", "commune", "median_income_eur_month", 2019, 1500)  # same year, other source
    p = build_portrait(db.con, "QN07101A")
    assert p.value("median_income_eur_month") == PortraitValue(
        "median_income_eur_month", "Revenu disponible médian par UC, par mois", "EUR/mois",
        "revenus et pauvreté", False, True, 742.0, None, None, 2019, "ok", None, "published",
        "Insee 2019", "annexe", "p. 25", None,
        comparators=(
            Comparator("71001", "commune", "Ville A", 1480.0, None, None, 2022, "ok", "published",
                       "Compas – ABS 2022", "annexe", "p. 25", "same_document", 0.501351, "ratio"),
            Comparator("200000001", "epci", "Agglo test", 1770.0, None, None, 2022, "ok",
                       "published", "Compas – ABS 2022", "annexe", "p. 25", "same_document",
                       0.419209, "ratio"),
        ),
        # The contract's two other QPVs have no monthly median at all: counted without a value.
        ranks=(Rank("contract", "gc", "Contrat de ville test", 1, 1, 2, False, "higher_is_better",
                    2019, 2024),
               Rank("all", None, "ensemble des QPV chargés", 1, 1, 0, False, "higher_is_better",
                    2019, 2024)),
    )


def test_comparators_same_year_then_earlier_year_and_every_level(db):
    chalon_like(db)
    ind = "poverty_rate_pct"
    db.fact("QN07103A", "qpv", ind, 2021, 45.0)
    db.fact("71001", "commune", ind, 2021, 23.0)
    db.fact("71001", "commune", ind, 2019, 22.0)
    db.fact("71002", "commune", ind, 2020, 15.5)   # no 2021: latest earlier year
    db.fact("71002", "commune", ind, 2022, 16.0)   # later year: never used
    db.fact("200000001", "epci", ind, 2021, None, status="secret", status_note="s")
    db.fact("71", "departement", ind, 2021, 14.0)
    db.fact("FRM", "france", ind, 2021, 14.5)
    db.fact("ENSEMBLE_QPV_2024", "qpv_ensemble", ind, 2021, 43.0)
    v = build_portrait(db.con, "QN07103A").value(ind)
    src = "Insee, Fichier de test, 2021"
    assert v.comparators == (
        Comparator("71001", "commune", "Ville A", 23.0, None, None, 2021, "ok", "official_file", src,
                   None, None, "same_year", 22.0, "points"),
        Comparator("71002", "commune", "Ville B", 15.5, None, None, 2020, "ok", "official_file", src,
                   None, None, "earlier_year", 29.5, "points"),
        Comparator("200000001", "epci", "Agglo test", None, None, None, 2021, "secret",
                   "official_file", src, None, None, "same_year", None, "points"),
        Comparator("71", "departement", "Saône-et-Loire", 14.0, None, None, 2021, "ok",
                   "official_file", src, None, None, "same_year", 31.0, "points"),
        Comparator("FRM", "france", "France métropolitaine", 14.5, None, None, 2021, "ok",
                   "official_file", src, None, None, "same_year", 30.5, "points"),
        Comparator("ENSEMBLE_QPV_2024", "qpv_ensemble", "Ensemble des QPV", 43.0, None, None, 2021,
                   "ok", "official_file", src, None, None, "same_year", 2.0, "points"),
    )


def test_withheld_qpv_value_gives_no_gap_no_rank_and_no_number(db):
    chalon_like(db)
    ind = "poverty_rate_pct"
    # a loader left a number beside the secret status: it must not come out
    db.fact("QN07101A", "qpv", ind, 2021, 40.0, status="secret", status_note="s", numerator=12)
    db.fact("QN07102A", "qpv", ind, 2021, 38.0)
    db.fact("71001", "commune", ind, 2021, 23.0)
    v = build_portrait(db.con, "QN07101A").value(ind)
    assert (v.value, v.numerator, v.status, v.status_note) == (None, None, "secret", "s")
    assert [c.gap for c in v.comparators] == [None]
    # In the contract: A withheld and Quartier Trois with no figure, both without a value.
    assert v.ranks == (
        Rank("contract", "gc", "Contrat de ville test", None, 1, 2, False, "lower_is_better", 2021, 2024),
        Rank("all", None, "ensemble des QPV chargés", None, 1, 1, False, "lower_is_better", 2021, 2024),
    )


def test_ranks_ties_secrets_scope_and_vintage(db):
    chalon_like(db)
    db.contract("other", "Autre contrat")
    db.territory("QN06901A", "qpv", "Ailleurs", vintage=2024, contract="other")
    db.territory("QP071001", "qpv", "Ancien", vintage=2015, contract="gc")
    ind = "poverty_rate_pct"   # lower is better
    db.fact("QN07101A", "qpv", ind, 2021, 30.0)
    db.fact("QN07102A", "qpv", ind, 2021, 30.0)
    db.fact("QN07103A", "qpv", ind, 2021, None, status="secret")
    db.fact("QN06901A", "qpv", ind, 2021, 20.0)
    db.fact("QP071001", "qpv", ind, 2021, 10.0)     # 2015 geography: not ranked with 2024
    db.fact("QN07102A", "qpv", ind, 2020, 5.0)      # other year: not ranked
    v = build_portrait(db.con, "QN07101A").value(ind)
    assert v.ranks == (
        Rank("contract", "gc", "Contrat de ville test", 1, 2, 1, True, "lower_is_better", 2021, 2024),
        Rank("all", None, "ensemble des QPV chargés", 2, 3, 1, True, "lower_is_better", 2021, 2024),
    )


@pytest.mark.parametrize("own, status, others, hib, expected", [
    (10, "ok", [(10, "ok"), (20, "ok"), (5, "ok")], True, (2, 3, 0, False)),
    (10, "ok", [(10, "ok"), (20, "ok"), (5, "ok")], False, (2, 3, 0, False)),
    (10, "ok", [(10, "ok"), (20, "ok"), (5, "ok")], None, (2, 3, 0, False)),
    (20, "ok", [(10, "ok"), (20, "ok"), (20, "ok")], True, (1, 3, 0, True)),
    (10, "ok", [(10, "ok"), (None, "secret"), (None, "missing")], True, (1, 1, 2, False)),
    (None, "secret", [(None, "secret"), (3, "ok")], True, (None, 1, 1, False)),
])
def test_rank_value(own, status, others, hib, expected):
    assert rank_value(own, status, others, hib) == expected


@pytest.mark.parametrize("a, sa, b, sb, kind, expected", [
    (45.0, "ok", 23.0, "ok", "points", 22.0),
    (12.04, "ok", 25.0, "ok", "points", -12.96),
    (742, "ok", 1480, "ok", "ratio", 0.501351),
    (742, "ok", 0, "ok", "ratio", None),
    (0, "ok", 0, "ok", "points", 0.0),
    (None, "secret", 10, "ok", "points", None),
    (10, "ok", None, "secret", "ratio", None),
    (10, "ok", 5, "not_significant", "ratio", None),
    (2500, "ok", 5_420_000, "ok", None, None),          # a count: no gap
])
def test_compute_gap(a, sa, b, sb, kind, expected):
    assert compute_gap(a, sa, b, sb, kind) == expected


@pytest.mark.parametrize("indicator_id, unit, expected", [
    ("poverty_rate_pct", "%", "points"),
    ("median_income_eur_month", "EUR/mois", "ratio"),
    ("fragility_index_pct", "%", "points"),
    ("population_count", "habitants", None),
    ("insee_NB_LOG", "logements", None),                # unregistered, a count unit
    ("insee_REV_MOY", "EUR", "ratio"),
])
def test_gaps_only_where_comparable(indicator_id, unit, expected):
    assert gap_kind(indicator_id, unit) == expected


def test_year_selection_and_theme_order(db):
    chalon_like(db)
    q = "QN07101A"
    db.fact(q, "qpv", "population_count", 2019, 2500, origin="published", document_id="d")
    db.fact(q, "qpv", "poverty_rate_pct", 2019, 40.0)
    db.fact(q, "qpv", "poverty_rate_pct", 2021, 42.0)
    db.fact(q, "qpv", "median_income_eur_year", 2021, 8904)
    db.fact(q, "qpv", "median_income_eur_year", 2021, 9000, origin="published")  # official wins
    db.fact(q, "qpv", "local_thing", 2021, 3)   # not in the registry
    latest = build_portrait(db.con, q)
    assert [(b.theme, [(v.indicator_id, v.year, v.value) for v in b.values]) for b in latest.themes] == [
        ("revenus et pauvreté", [("median_income_eur_year", 2021, 8904.0), ("poverty_rate_pct", 2021, 42.0)]),
        ("familles et démographie", [("population_count", 2019, 2500.0)]),
        ("autres indicateurs", [("local_thing", 2021, 3.0)]),
    ]
    in_2020 = build_portrait(db.con, q, year=2020)
    assert [(v.indicator_id, v.year, v.value) for v in in_2020.values] == [
        ("poverty_rate_pct", 2019, 40.0), ("population_count", 2019, 2500.0)]


def test_to_frame_keeps_status(db):
    chalon_like(db)
    db.fact("QN07101A", "qpv", "poverty_rate_pct", 2021, None, status="secret")
    db.fact("71001", "commune", "poverty_rate_pct", 2021, 23.0)
    df = build_portrait(db.con, "QN07101A").to_frame()[["territory_code", "value", "status", "gap"]]
    df = df.astype(object).where(df.notna(), None)
    assert df.to_dict("records") == [
        {"territory_code": "QN07101A", "value": None, "status": "secret", "gap": None},
        {"territory_code": "71001", "value": 23.0, "status": "ok", "gap": None},
    ]


def test_time_series_breaks_between_vintages(db):
    chalon_like(db)
    db.territory("QP071001", "qpv", "Ancien quartier", vintage=2015)
    ind = "poverty_rate_pct"
    db.fact("QP071001", "qpv", ind, 2016, 41.0)
    db.fact("QP071001", "qpv", ind, 2018, None, status="secret")
    db.fact("QN07101A", "qpv", ind, 2021, 43.0)
    db.fact("QN07101A", "qpv", ind, 2022, 44.0, origin="computed")
    ts = time_series(db.con, "QN07101A", ind, related_codes=["QP071001"])
    src = "Insee, Fichier de test, 2021"
    assert ts == TimeSeries(
        ind, "Taux de pauvreté (seuil à 60 %)", "%",
        segments=(
            SeriesSegment(2015, "QP071001", "Ancien quartier", (
                SeriesPoint(2016, 41.0, "ok", "official_file", src),
                SeriesPoint(2018, None, "secret", "official_file", src))),
            SeriesSegment(2024, "QN07101A", "Quartier Un", (
                SeriesPoint(2021, 43.0, "ok", "official_file", src),
                SeriesPoint(2022, 44.0, "ok", "computed", src))),
        ),
        breaks=(SeriesBreak(2015, 2024, (
            "Changement de géographie prioritaire : les quartiers de 2015 et ceux de 2024 n'ont pas "
            "les mêmes contours ni les mêmes codes (pas de correspondance un à un) ; la série est "
            "interrompue.")),),
    )
    assert ts.to_frame()["segment"].tolist() == ["QP071001 (2015)"] * 2 + ["QN07101A (2024)"] * 2


def test_time_series_single_vintage_has_no_break(db):
    chalon_like(db)
    db.fact("QN07101A", "qpv", "population_count", 2019, 2500)
    ts = time_series(db.con, "QN07101A", "population_count")
    assert ts.breaks == () and len(ts.segments) == 1


def test_qualitative_in_document_order(db):
    chalon_like(db)
    db.document("gc", "annexe", "Annexes du contrat de ville")
    q = "QN07101A"
    db.item("gc", q, "priority_issue", "Lutter contre l'isolement", 2, "Précarité et Santé", "annexe")
    db.item("gc", q, "priority_issue", "Approche sociale de proximité", 1, "Précarité et Santé", "annexe")
    db.item("gc", q, "priority_issue", "Cohabitation", 1, "Habiter et vivre ensemble", "annexe")
    db.item("gc", q, "consultation_appreciated", "Le parc", 1)
    db.item("gc", q, "strength", "Le parc central", 1)
    db.item("gc", "QN07102A", "strength", "Le lac", 1)
    got = qualitative(db.con, "gc", q)
    assert got.priority_issues == (
        QualItem("priority_issue", "Précarité et Santé", 1, "Approche sociale de proximité", "annexe",
                 None, "Annexes du contrat de ville"),
        QualItem("priority_issue", "Précarité et Santé", 2, "Lutter contre l'isolement", "annexe",
                 None, "Annexes du contrat de ville"),
        QualItem("priority_issue", "Habiter et vivre ensemble", 1, "Cohabitation", "annexe", None,
                 "Annexes du contrat de ville"),
    )
    assert got.strengths == (QualItem("strength", None, 1, "Le parc central", None, None, None),)
    assert got.appreciated == (QualItem("consultation_appreciated", None, 1, "Le parc", None, None, None),)
    assert got.deplored == () and not got.is_empty
    assert qualitative(db.con, "gc", "QN07199Z").is_empty


def test_review_theme_by_theme(db):
    chalon_like(db)
    q = "QN07101A"
    db.item("gc", q, "review_intro", "Introduction", 1)
    db.item("gc", q, "review_need", "Besoin sécurité", 1, "Sécurité")
    db.item("gc", q, "review_done", "10 policiers", 1, "Sécurité")
    db.item("gc", q, "review_need", "Besoin éducation", 1, "Éducation")
    db.item("gc", q, "review_changed", "Moins d'incivilités", 1, "Sécurité")
    r = review(db.con, "gc", q)
    assert [i.text for i in r.intro] == ["Introduction"]
    assert [(t.theme, [i.text for i in t.need], [i.text for i in t.done], [i.text for i in t.changed])
            for t in r.themes] == [
        ("Sécurité", ["Besoin sécurité"], ["10 policiers"], ["Moins d'incivilités"]),
        ("Éducation", ["Besoin éducation"], [], []),
    ]


def test_a_review_text_never_repeats_its_heading(db):
    """« En chiffres » then « En chiffres : 423 personnes… » printed « En chiffres En chiffres »."""
    chalon_like(db)
    q = "QN07101A"
    db.item("gc", q, "review_figure", "En chiffres : 423 personnes accompagnées", 1, "Emploi")
    db.item("gc", q, "review_figure", "en chiffres : une hausse de 10 %", 2, "Emploi")
    db.item("gc", q, "review_need", "Le besoin au départ – un quartier isolé", 1, "Emploi")
    db.item("gc", q, "review_done", "En chiffres : ce texte garde son début", 1, "Emploi")
    db.item("gc", q, "review_changed", "Ce que cela a changé :", 1, "Emploi")
    r = review(db.con, "gc", q)
    assert [(t.theme, [i.text for i in t.need], [i.text for i in t.done],
             [i.text for i in t.changed], [i.text for i in t.figures]) for t in r.themes] == [
        ("Emploi", ["Un quartier isolé"], ["En chiffres : ce texte garde son début"],
         ["Ce que cela a changé :"], ["423 personnes accompagnées", "Une hausse de 10 %"]),
    ]


def test_a_year_no_document_gives_is_carried_so_it_is_never_shown(db):
    from ui import views
    db.contract("c", "Chartres")
    db.territory("28085", "commune", "Chartres")
    db.territory("QN02802M", "qpv", "Les Clos", vintage=2024, parents=[("28085", "commune")],
                 contract="c")
    db._insert("indicator_facts", territory_code="QN02802M", territory_level="qpv",
               indicator_id="population_count", year=2023, value=2540.0, status="ok",
               origin="published", source_note="Chartres métropole, page (année non précisée)",
               year_given=False)
    db.fact("QN02802M", "qpv", "poverty_rate_pct", 2021, 40.0)
    p = build_portrait(db.con, "QN02802M")
    assert [(v.indicator_id, v.year, v.year_given) for v in p.values] == [
        ("poverty_rate_pct", 2021, True), ("population_count", 2023, False)]
    assert views.portrait_table(p)["Année"].tolist() == ["2021", "année non précisée"]
    assert views.portrait_figure(p.value("population_count"))["source"] == \
        "Chartres métropole, page (année non précisée) · chiffre publié"


def test_a_theme_heading_is_not_repeated_by_its_only_item():
    from indicators.portrait import group_by_theme

    def item(text, theme):
        return QualItem("priority_issue", theme, 1, text, None, None, None)
    items = [item("Lutter contre l'isolement", "Précarité et Santé"),
             item("Parentalité et enjeux éducatifs", "Parentalité et enjeux éducatifs"),
             item("Emploi-Insertion-Formation et entrepreneuriat", "Emploi - insertion - formation et entrepreneuriat"),
             item("Parentalité", "Éducation"), item("Éducation", "Éducation")]
    assert [(theme, [i.text for i in group]) for theme, group in group_by_theme(items)] == [
        ("Précarité et Santé", ["Lutter contre l'isolement"]),
        (None, ["Parentalité et enjeux éducatifs"]),
        (None, ["Emploi-Insertion-Formation et entrepreneuriat"]),
        ("Éducation", ["Parentalité", "Éducation"]),
    ]
