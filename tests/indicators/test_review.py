"""The annual review (indicators/review.py): mobilisable vs mobilised per pillar and signatory,
what nobody reported, specific credits beside the common law, internal figures hidden."""
from __future__ import annotations

from indicators import review, visibility

from .conftest import records


def sig(f, sid, name, kind):
    f._insert("review_signatories", contract_slug="c", signatory_id=sid, name=name, signatory_type=kind,
              commitment=None, document_id=None, source_ref=None)


def scheme(f, sid, signatory, pillar, label, kind="droit_commun"):
    f._insert("review_schemes", contract_slug="c", scheme_id=sid, signatory_id=signatory, pillar=pillar,
              objective=None, scheme=label, funding_kind=kind)


def fig(f, sid, year, measure, value, unit, scope, internal=False):
    f._insert("review_figures", contract_slug="c", scheme_id=sid, year=year, measure=measure, value=value,
              unit=unit, scope=scope, is_internal=internal)


def review_db(f):
    f.contract("c")
    sig(f, "caf", "CAF", "caf")
    sig(f, "ddets", "DDETS", "etat")
    scheme(f, "s1", "caf", "Parentalité", "CLAS")
    scheme(f, "s2", "caf", "Parentalité", "Centres sociaux")
    scheme(f, "s3", "ddets", "Emploi", "Contrats aidés")
    scheme(f, "s4", "ddets", "Emploi", "Adultes-relais", kind="specifique")
    fig(f, "s1", 2024, "montant", 30000, "EUR", "qpv")
    fig(f, "s1", 2024, "montant", 70000, "EUR", "territoire")
    fig(f, "s1", 2024, "personnes", 120, "personnes", "qpv")
    fig(f, "s3", 2024, "montant", 5000, "EUR", "qpv", internal=True)
    fig(f, "s3", 2025, "places", 12, "places", "territoire")
    f.funding("c", None, 2024, "etat_p147", 50000)
    f.funding("c", None, 2024, "ville", 9000)


def test_mobilisation_per_pillar_and_signatory(db) -> None:
    review_db(db)
    assert records(review.mobilisation(db.con, "c", 2024)) == [
        {"pillar": "Emploi", "signatory": "DDETS", "n_schemes": 1, "n_reported": 1, "amount_eur": 5000.0,
         "qpv_amount_eur": 5000.0, "qpv_share_pct": 100.0},
        {"pillar": "Parentalité", "signatory": "CAF", "n_schemes": 2, "n_reported": 1,
         "amount_eur": 100000.0, "qpv_amount_eur": 30000.0, "qpv_share_pct": 30.0},
    ]


def test_internal_figures_are_hidden_from_a_public_connection(db) -> None:
    review_db(db)
    public = visibility.hide_internal(db.con.cursor())
    rows = records(review.mobilisation(public, "c", 2024))
    assert rows[0] == {"pillar": "Emploi", "signatory": "DDETS", "n_schemes": 1, "n_reported": 0,
                       "amount_eur": None, "qpv_amount_eur": None, "qpv_share_pct": None}
    assert records(review.specific_vs_common(public, "c")) == [
        {"year": 2024, "p147_eur": 50000.0, "common_law_eur": 100000.0, "common_law_qpv_eur": 30000.0,
         "common_law_per_p147_eur": 2.0},
    ]


def test_specific_credits_beside_common_law(db) -> None:
    review_db(db)
    assert records(review.specific_vs_common(db.con, "c")) == [
        {"year": 2024, "p147_eur": 50000.0, "common_law_eur": 105000.0, "common_law_qpv_eur": 35000.0,
         "common_law_per_p147_eur": 2.1},
    ]


def test_what_nobody_reported_is_listed(db) -> None:
    review_db(db)
    assert records(review.missing_reports(db.con, "c", 2025)) == [
        {"pillar": "Emploi", "signatory": "DDETS", "scheme": "Adultes-relais", "scheme_id": "s4"},
        {"pillar": "Parentalité", "signatory": "CAF", "scheme": "CLAS", "scheme_id": "s1"},
        {"pillar": "Parentalité", "signatory": "CAF", "scheme": "Centres sociaux", "scheme_id": "s2"},
    ]
    assert review.missing_signatory_types(db.con, "c") == [
        "Commune", "Intercommunalité", "Département", "Région", "France Travail", "Bailleur social",
        "Agence régionale de santé", "Éducation nationale", "Justice (procureur)"]
    assert review.review_years(db.con, "c") == [2025, 2024]
    assert review.has_review(db.con, "c") and not review.has_review(db.con, "other")


def test_a_commune_only_figure_is_said_once_for_all_its_quartiers(db) -> None:
    """Three quartiers in one commune and one in another: each commune's figure is one row (not
    one per quartier), the quartiers of each commune are named once in the note; a withheld
    figure stays « secret statistique », never 0."""
    from indicators.registry import COMMUNE_ONLY
    db.contract("c")
    db.territory("A", "commune", "Aval", contract="c")
    db.territory("B", "commune", "Bourg", contract="c")
    for code, name, commune in [("Q1", "Les Tilleuls", "A"), ("Q2", "Gare", "A"), ("Q3", "Centre", "B"),
                                ("Q4", "La Chênaie", "A")]:
        db.territory(code, "qpv", name, 2024, [(commune, "commune")], "c")
    db.fact("A", "commune", "apl_gp_consultations_per_inhabitant_year", 2023, 2.5)
    db.fact("A", "commune", "public_colleges_count", 2023, 4)
    db.fact("B", "commune", "apl_gp_consultations_per_inhabitant_year", 2022, 3.1)
    db.fact("B", "commune", "public_colleges_count", 2023, None, status="secret")
    section = next(s for s in review.review_sections(db.con, "c", 2024) if s.key == "communes")
    from indicators.fmt import plain_spaces
    assert [{k: plain_spaces(v) if isinstance(v, str) else int(v) for k, v in r.items()}
            for r in records(section.table)] == [
        {"Commune": "Aval", "Indicateur": "Accessibilité aux médecins généralistes (APL, consultations par an et par habitant)",
         "Année": 2023, "Valeur de la commune": "2,5 consultations/an/habitant"},
        {"Commune": "Aval", "Indicateur": "Collèges publics de la commune (avec un IPS publié)", "Année": 2023,
         "Valeur de la commune": "4 collèges"},
        {"Commune": "Bourg", "Indicateur": "Accessibilité aux médecins généralistes (APL, consultations par an et par habitant)",
         "Année": 2022, "Valeur de la commune": "3,1 consultations/an/habitant"},
        {"Commune": "Bourg", "Indicateur": "Collèges publics de la commune (avec un IPS publié)", "Année": 2023,
         "Valeur de la commune": "secret statistique"},
    ]
    assert section.note == (COMMUNE_ONLY + " Quartiers de chaque commune : Aval (Gare, La Chênaie, Les Tilleuls) ; "
                            "Bourg (Centre).")


def test_the_communes_figures_of_one_indicator_share_one_precision(db) -> None:
    # Issue 11: « 3 consultations » beside « 2,8 consultations » read down one column; each
    # indicator keeps its own precision (a count stays whole), a withheld one stays a text.
    db.contract("c")
    for code, name, q in [("A", "Aval", "Q1"), ("B", "Bourg", "Q2"), ("C", "Cluny", "Q3")]:
        db.territory(code, "commune", name, contract="c")
        db.territory(q, "qpv", f"Quartier {name}", 2024, [(code, "commune")], "c")
    db.fact("A", "commune", "apl_gp_consultations_per_inhabitant_year", 2023, 3.0)
    db.fact("B", "commune", "apl_gp_consultations_per_inhabitant_year", 2023, 2.8)
    db.fact("C", "commune", "apl_gp_consultations_per_inhabitant_year", 2023, None, status="secret")
    db.fact("A", "commune", "public_colleges_count", 2023, 4)
    db.fact("B", "commune", "public_colleges_count", 2023, 1)
    section = next(s for s in review.review_sections(db.con, "c", 2024) if s.key == "communes")
    from indicators.fmt import plain_spaces
    assert [(r["Commune"], plain_spaces(r["Valeur de la commune"])) for r in records(section.table)] == [
        ("Aval", "3,0 consultations/an/habitant"), ("Aval", "4 collèges"),
        ("Bourg", "2,8 consultations/an/habitant"), ("Bourg", "1 collège"),
        ("Cluny", "secret statistique")]


def test_two_empty_sections_in_a_row_do_not_repeat_one_note(db) -> None:
    # No person reached is typed: the section of the people reached says so, the next one (the
    # share per action) says what follows, not the same sentence again.
    review_db(db)
    notes = {s.key: s.note for s in review.review_sections(db.con, "c", 2024) if s.key.startswith("personnes")}
    assert notes == {"personnes": "Aucune personne touchée n'est saisie pour 2024.",
                     "personnes_actions": "Sans personne touchée saisie pour 2024, aucune part par action n'est calculée."}


def test_the_gap_table_says_what_its_gaps_are_counted_in(db) -> None:
    # Issue 11: « Écart au début 28,6 » (points) and « 0,60 » (a ratio) had no unit, and a ratio
    # rounded alike at both ends (« 0,70 → 0,70 creusé ») read as a contradiction.
    db.contract("c")
    db.territory("A", "commune", "Aval", contract="c")
    db.territory("Q1", "qpv", "Les Tilleuls", 2024, [("A", "commune")], "c")
    for year, q, a in [(2019, 45.0, 20.0), (2021, 41.0, 19.0)]:
        db.fact("Q1", "qpv", "poverty_rate_pct", year, q)
        db.fact("A", "commune", "poverty_rate_pct", year, a)
    section = next(s for s in review.review_sections(db.con, "c", 2024) if s.key == "ecarts")
    assert section.note == ("Écarts : en points pour un taux (celui du quartier moins celui du territoire "
                            "comparé). L'écart est dit réduit ou creusé d'après les valeurs avant arrondi.")
    for year, q, a in [(2019, 9000.0, 15000.0), (2021, 9500.0, 15500.0)]:
        db.fact("Q1", "qpv", "median_income_eur_year", year, q)
        db.fact("A", "commune", "median_income_eur_year", year, a)
    section = next(s for s in review.review_sections(db.con, "c", 2024) if s.key == "ecarts")
    assert section.note == ("Écarts : en points pour un taux (celui du quartier moins celui du territoire "
                            "comparé) ; en rapport pour un montant (celui du quartier divisé par celui du "
                            "territoire comparé : 0,60 = 60 %). L'écart est dit réduit ou creusé d'après les "
                            "valeurs avant arrondi.")
    assert len(section.table) == 2
