"""Golden tests: a database built from data/territories alone carries every published figure of
the seeds exactly, through the public view `indicator_values` and the programme tables.

The expected values below are the documents' own figures (seeds 000–004), not values read back
from the CSV files: a typing error in data/territories fails here.
"""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.usefixtures("territories_db")

ANX = "gc-annexes-cv-2024"
CIA = "gc-cia-2023"
INSEE_2019 = "Insee 2019"
FAM = "Données INSEE 2019 (en-tête du portrait ; bloc cité « Données Compas – ABS 2022 »)"
COMPAS = "Données Compas – ABS 2022"
PE = "Pôle emploi Dares 2020"
OPS = "Données Bailleurs – OPS 2018"
FILO = "Insee, Filosofi 2021"


def _rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _published(con, code: str, level: str) -> dict:
    """indicator_id, year → (value, numerator, denominator, status, source_label, document_id)."""
    rows = _rows(con, """
        select indicator_id, year, value, numerator, denominator, status, source_label, document_id
        from indicator_values where territory_code = ? and territory_level = ? and origin = 'published'
        order by 1, 2""", (code, level))
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _portrait(pop, med_y, med_m, mono, nomb, mineurs, vuln, seniors, frag, infcap, supbac, act, emp,
              frag_num, frag_den) -> dict:
    return {
        ("population_count", 2019): (pop, None, None, "ok", "Données INSEE 2019", ANX),
        ("median_income_eur_year", 2019): (med_y, None, None, "ok", INSEE_2019, ANX),
        ("median_income_eur_month", 2019): (med_m, None, None, "ok", INSEE_2019, ANX),
        ("single_parent_families_pct", 2019): (mono, None, None, "ok", FAM, ANX),
        ("large_families_pct", 2019): (nomb, None, None, "ok", FAM, ANX),
        ("minors_pct", 2019): (mineurs, None, None, "ok", FAM, ANX),
        ("minors_vulnerability_index_pct", 2022): (vuln, None, None, "ok", COMPAS, ANX),
        ("seniors_75_pct", 2019): (seniors, None, None, "ok", FAM, ANX),
        ("fragility_index_pct", 2022): (frag, None, None, "ok", COMPAS, ANX),
        ("jobseekers_below_cap_bep_pct", 2020): (infcap, None, None, "ok", PE, ANX),
        ("jobseekers_above_bac_pct", 2020): (supbac, None, None, "ok", PE, ANX),
        ("activity_rate_15_64_pct", 2020): (act, None, None, "ok", PE, ANX),
        ("employment_rate_15_64_pct", 2020): (emp, None, None, "ok", PE, ANX),
    }


# ── Grand Chalon: the two portraits and their comparators ──────────────────────────────────
@pytest.mark.parametrize("code, expected", [
    ("QN07101I", _portrait(2500, 8904, 742, 37.5, 27.4, 17.8, 40, 10, 35, 26.3, 13.1, 64.1, 43, 928, 1017)),
    ("QN07102I", _portrait(5600, 8544, 712, 48, 33.2, 29.7, 57, 6.2, 45.6, 29.2, 11.8, 64.1, 43, 1505, 1768)),
], ids=["Aubépins", "Prés-Saint-Jean"])
def test_grand_chalon_portrait_figures(territories_db, code, expected) -> None:
    con, _ = territories_db
    assert _published(con, code, "qpv") == expected


@pytest.mark.parametrize("code, num, den", [("QN07101I", 928, 1017), ("QN07102I", 1505, 1768)])
def test_fragile_occupation_keeps_the_published_counts_and_marks_the_rate_computed(territories_db, code, num, den) -> None:
    con, _ = territories_db
    rows = _rows(con, """
        select year, numerator, denominator, value, status, origin, source_label, document_id, unit
        from indicator_values where territory_code = ? and indicator_id = 'fragile_occupation_dwellings_pct'""",
                 (code,))
    assert len(rows) == 1
    year, n, d, value, status, origin, source, doc, unit = rows[0]
    # The document gives "928 logements sur 1 017", not the rate: the build computes it.
    assert (year, n, d, status, origin, source, doc, unit) == (2018, num, den, "ok", "computed", OPS, ANX, "%")
    assert value == pytest.approx(100 * num / den)


def test_grand_chalon_comparators(territories_db) -> None:
    con, _ = territories_db
    assert _published(con, "71076", "commune") == {
        ("median_income_eur_month", 2022): (1480, None, None, "ok", COMPAS, ANX),
        ("activity_rate_15_64_pct", 2020): (74.3, None, None, "ok", PE, ANX),
        ("employment_rate_15_64_pct", 2020): (60.1, None, None, "ok", PE, ANX),
        ("median_income_eur_year", 2021): (19590, None, None, "ok", FILO, "insee-filosofi-2021"),
        ("poverty_rate_pct", 2021): (23.0, None, None, "ok", FILO, "insee-filosofi-2021"),
    }
    assert _published(con, "247100589", "epci") == {
        ("median_income_eur_month", 2022): (1770, None, None, "ok", COMPAS, ANX),
        ("jobseekers_below_cap_bep_pct", 2020): (14.6, None, None, "ok", PE, ANX),
        ("jobseekers_above_bac_pct", 2020): (24.9, None, None, "ok", PE, ANX),
    }


def test_indicator_values_carry_readable_labels_and_names(territories_db) -> None:
    con, _ = territories_db
    rows = _rows(con, """
        select territory_name, indicator_label, unit, value from indicator_values
        where territory_code = 'QN07101I' and indicator_id in ('median_income_eur_year', 'median_income_eur_month')
        order by indicator_id""")
    assert rows == [("Aubépins", "Revenu disponible médian par UC, par mois", "EUR/mois", 742.0),
                    ("Aubépins", "Revenu disponible médian par unité de consommation", "EUR/an", 8904.0)]


def test_grand_chalon_geography(territories_db) -> None:
    con, _ = territories_db
    assert sorted(_rows(con, "select qpv_code, qpv_name, geography_vintage, commune_code, commune_name, epci_code"
                             " from qpv_communes where epci_code = '247100589'")) == [
        ("QN07101I", "Aubépins", 2024, "71076", "Chalon-sur-Saône", "247100589"),
        ("QN07102I", "Prés Saint Jean", 2024, "71076", "Chalon-sur-Saône", "247100589"),
    ]
    assert _rows(con, "select contract_slug, contract_name, epci_code, start_year, end_year, is_fictional"
                      " from contracts where contract_slug = 'grand-chalon'") == [
        ("grand-chalon", "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030",
         "247100589", 2024, 2030, False)]


# ── Grand Chalon: the CIA ──────────────────────────────────────────────────────────────────
def test_cia_published_results(territories_db) -> None:
    con, _ = territories_db
    assert _rows(con, """
        select year, party_type, party_name, objective, numerator, denominator, rate_pct, needed_published, document_id
        from housing_published_results where contract_slug = 'grand-chalon' order by year""") == [
        (2020, "ensemble", "Grand Chalon", "hors_q1_en_qpv", 231.0, None, 59.23, None, CIA),
        (2021, "ensemble", "Grand Chalon", "q1_hors_qpv", 82.0, None, 12.04, 88.0, CIA),
    ]
    assert _rows(con, "select count(*) from housing_attributions") == [(0,)]


def test_cia_objectives(territories_db) -> None:
    con, _ = territories_db
    rows = _rows(con, """
        select party_type, party_name, objective, target_pct, note from housing_objectives
        where contract_slug = 'grand-chalon'""")
    got = {(r[0], r[1], r[2]): r[3] for r in rows}
    expected = {
        ("ensemble", "Grand Chalon", "menages_prioritaires"): 42.5,
        ("ensemble", "Grand Chalon", "q1_hors_qpv"): 25.0,
        ("ensemble", "Grand Chalon", "hors_q1_en_qpv"): 50.0,
        ("reservataire", "État", "menages_prioritaires"): 100.0,
        ("reservataire", "Communes", "menages_prioritaires"): 25.0,
        ("reservataire", "Action Logement Services", "menages_prioritaires"): 25.0,
        ("reservataire", "Action Logement Services", "q1_hors_qpv"): None,
        ("reservataire", "Action Logement Services", "hors_q1_en_qpv"): None,
        ("reservataire", "Autres", "menages_prioritaires"): 25.0,
        ("reservataire", "Bailleurs", "menages_prioritaires"): 25.0,
    }
    for landlord in ("OPAC 71", "HABELLIS", "SEMCODA", "DYNACITE", "La Thoisseienne"):
        expected[("bailleur", landlord, "menages_prioritaires")] = 25.0
        expected[("bailleur", landlord, "q1_hors_qpv")] = 25.0
    expected[("bailleur", "OPAC 71", "hors_q1_en_qpv")] = 50.0
    expected[("bailleur", "HABELLIS", "hors_q1_en_qpv")] = 50.0
    assert got == expected
    notes = {(r[1], r[2]): r[4] for r in rows}
    assert notes[("Action Logement Services", "q1_hors_qpv")] == "Contribution à l'atteinte des 25% d'attributions hors QPV"
    assert notes[("Action Logement Services", "hors_q1_en_qpv")] == "Contribution à l'atteinte des 50% d'attributions en QPV"


def _kpis(con, contract: str) -> dict:
    """kpi_id, territory → (value, year, period_label, qualifier, unit, is_published, status)."""
    rows = _rows(con, """
        select v.kpi_id, v.territory_code, v.value, v.year, v.period_label, v.qualifier, d.unit,
               v.is_published, v.status
        from kpi_values v join kpi_definitions d using (contract_slug, kpi_id)
        where v.contract_slug = ?""", (contract,))
    out = {}
    for r in rows:
        assert (r[0], r[1]) not in out
        out[(r[0], r[1])] = tuple(r[2:])
    return out


def test_cia_context_figures(territories_db) -> None:
    con, _ = territories_db
    P = (True, "ok")
    assert _kpis(con, "grand-chalon") == {
        ("cia_q1_threshold_eur_year_uc", None): (8958, 2021, None, None, "EUR/an/UC", *P),
        ("sne_applicants_count", None): (2314, 2021, "à fin 2021", None, "demandeurs", *P),
        ("sne_applicants_central_city_pct", None): (74, 2021, "à fin 2021", None, "%", *P),
        ("sne_applicants_transfer_pct", None): (45, 2021, "à fin 2021", None, "%", *P),
        ("sne_applicants_endogenous_pct", None): (77, 2021, None, None, "%", *P),
        ("rental_pressure_ratio", None): (2.1, 2021, None, None, "ratio", *P),
        ("rental_pressure_small_dwellings_ratio", None): (3.7, 2021, None, None, "ratio", *P),
        ("rental_pressure_first_time_ratio", None): (1.7, 2021, None, None, "ratio", *P),
        ("social_housing_central_city_pct", None): (72, 2018, None, None, "%", *P),
        ("social_housing_main_residences_pct", None): (19, 2018, None, None, "%", *P),
        ("social_landlords_count", None): (6, 2018, None, None, "bailleurs", *P),
        ("top2_landlords_stock_pct", None): (84, 2018, None, "près de", "%", *P),
        ("social_housing_rotation_pct", None): (13, 2018, None, None, "%", *P),
        ("social_housing_vacancy_pct", None): (7.3, 2018, None, None, "%", *P),
        ("social_housing_vacant_count", None): (736, 2018, None, None, "logements", *P),
        ("social_rent_outside_qpv_eur_m2", None): (5.5, 2018, None, None, "EUR/m²", *P),
        ("social_rent_in_qpv_eur_m2", None): (4.9, 2018, None, None, "EUR/m²", *P),
        ("qpv_households_below_40pct_plus_pct", None): (39, 2018, None, None, "%", *P),
        ("transfers_share_of_attributions_pct", None): (33, None, None, None, "%", *P),
        ("social_housing_in_qpv_pct", None): (40, None, None, None, "%", *P),
        ("fragile_occupation_qpv_pct", None): (87, 2018, None, None, "%", *P),
        # The CIA's 2021 result against its 25 % target, a key figure of the home page.
        ("cia_q1_outside_qpv_pct", None): (12.04, 2021, None, None, "%", *P),
    }


def test_key_figures_and_national_context(territories_db) -> None:
    con, _ = territories_db
    assert _rows(con, """
        select contract_slug, territory_code, indicator_id, year, headline_order
        from published_headlines order by contract_slug, headline_order""") == [
        ("grand-chalon", "QN07101I", "median_income_eur_month", 2019, 1),
        ("grand-chalon", "QN07102I", "median_income_eur_month", 2019, 2)]
    assert _rows(con, """
        select contract_slug, kpi_id, headline_order from kpi_definitions where headline
        order by contract_slug, headline_order""") == [
        ("chambery", "city_pv_budget_eur_year", 1),
        ("chambery", "priority_geography_added_residents_count", 2),
        ("chambery", "residents_met_outreach_count", 3),
        ("chambery", "rights_reopened_count", 4),
        ("chambery", "cite_educative_families_count", 5),
        ("chambery", "declic_people_count", 6),
        ("chambery", "night_mediation_interventions_count", 7),
        ("grand-chalon", "cia_q1_outside_qpv_pct", 3)]
    assert _rows(con, "select contract_slug, kpi_id from kpi_definitions where scope = 'national'"
                 " order by kpi_id") == [
        ("chambery", "lda_support_credits_eur"), ("chambery", "lda_territories_2021_count"),
        ("chambery", "lda_territories_first_ami_count"), ("chambery", "lda_territories_total_count"),
        ("chambery", "zero_non_recours_pilot_territories_count")]


def test_grand_chalon_qualitative_items(territories_db) -> None:
    con, _ = territories_db
    counts = dict(((r[0], r[1]), r[2]) for r in _rows(con, """
        select coalesce(territory_code, '-'), item_type, count(*) from qualitative_items
        where contract_slug = 'grand-chalon' group by all"""))
    assert counts == {
        ("-", "note"): 11,
        ("QN07101I", "strength"): 2, ("QN07101I", "weakness"): 1, ("QN07101I", "verbatim"): 2,
        ("QN07101I", "consultation_appreciated"): 4, ("QN07101I", "consultation_deplored"): 4,
        ("QN07101I", "consultation_requested"): 5, ("QN07101I", "priority_issue"): 6,
        ("QN07102I", "strength"): 2, ("QN07102I", "weakness"): 1, ("QN07102I", "note"): 1,
        ("QN07102I", "consultation_appreciated"): 3, ("QN07102I", "consultation_deplored"): 4,
        ("QN07102I", "consultation_requested"): 5, ("QN07102I", "priority_issue"): 8,
    }
    assert _rows(con, """
        select theme, text from qualitative_items
        where territory_code = 'QN07101I' and item_type = 'priority_issue' order by position""") == [
        ("Précarité et Santé", "Développer une approche sociale de proximité dans les QPV"),
        ("Précarité et Santé", "Lutter contre l'isolement"),
        ("Précarité et Santé", "Lutter contre le non-recours aux soins"),
        ("Habiter et vivre ensemble - tranquillité publique",
         "Favoriser la cohabitation des habitants dans les espaces communs, entre voisins et générations dans les espaces publics"),
        ("Habiter et vivre ensemble - tranquillité publique",
         'Accueillir et accompagner les "nouveaux-arrivants" dans les QPV'),
        ("Parentalité et enjeux éducatifs", "Et notamment Sensibiliser aux usages du numérique"),
    ]
    assert _rows(con, "select text from qualitative_items where territory_code = 'QN07102I' and item_type = 'note'") == [
        ("Jusqu'à 58,9 % de familles monoparentales sur certains secteurs",)]


# ── Chambéry ───────────────────────────────────────────────────────────────────────────────
def test_chambery_mandate_and_review_figures(territories_db) -> None:
    con, _ = territories_db
    P = (True, "ok")
    H = "QN07302M"
    assert _kpis(con, "chambery") == {
        # seed 000 – Les chiffres du mandat
        ("city_pv_budget_eur_year", None): (1500000, None, "par an", None, "EUR/an", *P),
        ("projects_funded_count", None): (120, None, None, None, "projets", *P),
        ("new_projects_share_pct", None): (50, None, None, "la moitié", "%", *P),
        ("leverage_epci_eur_per_city_eur", None): (4, None, None, None, "EUR pour 1 EUR de la Ville", *P),
        ("leverage_state_eur_per_city_eur", None): (8.3, None, None, None, "EUR pour 1 EUR de la Ville", *P),
        ("priority_geography_added_residents_count", None): (200, None, None, None, "habitants", *P),
        ("residents_met_outreach_count", None): (1650, None, "depuis juillet 2024", None, "personnes", *P),
        ("rights_reopened_count", None): (610, None, None, None, "droits", *P),
        ("rights_reopened_residents_count", None): (120, None, None, None, "habitants", *P),
        ("zero_non_recours_pilot_territories_count", None): (39, None, None, None, "territoires", *P),
        ("cite_educative_actions_count", None): (139, None, None, "plus de", "actions", *P),
        ("cite_educative_families_count", None): (2000, None, None, None, "familles", *P),
        ("pre_children_followed_count", None): (90, None, None, None, "enfants", *P),
        ("declic_people_count", None): (400, None, None, "plus de", "personnes", *P),
        ("declic_young_share_pct", None): (38, None, None, None, "%", *P),
        ("cites_lab_people_year_count", None): (100, None, "chaque année", None, "personnes/an", *P),
        ("night_mediation_interventions_count", None): (4783, 2024, "en 2024", None, "interventions", *P),
        ("seniors_supported_count", None): (400, None, None, "plus de", "personnes", *P),
        ("seniors_participation_rate_pct", None): (90, None, None, "dans certains secteurs", "%", *P),
        ("quartiers_ete_participants_year_count", None): (5000, None, "par an", "en moyenne", "participants/an", *P),
        ("social_life_structures_closed_count", None): (3, None, "constat de 2020", None, "structures", *P),
        # seed 001 – Hauts de Chambéry
        ("deputy_residents_received_count", H): (250, None, None, None, "personnes", *P),
        ("extra_national_police_posts_count", H): (10, None, "contrat de sécurité intégré signé en 2021", None, "postes", *P),
        ("cite_educative_budget_eur_year", None): (350000, None, "par an", None, "EUR/an", *P),
        ("cite_educative_actions_count", H): (60, None, None, None, "actions", *P),
        ("declic_people_count", H): (423, None, None, None, "personnes", *P),
        ("declic_under30_count", H): (160, None, None, None, "personnes", *P),
        ("ami_vieillissement_people_count", H): (393, None, None, None, "personnes", *P),
        ("chrono_e_frequency_min", H): (15, None, None, "toutes les", "minutes", *P),
        # seed 003 – Logement d'abord
        ("lda_territories_first_ami_count", None): (23, None, None, None, "territoires", *P),
        ("lda_territories_2021_count", None): (23, 2021, None, None, "territoires", *P),
        ("lda_territories_total_count", None): (46, None, None, None, "territoires", *P),
        ("lda_support_credits_eur", None): (15000000, None, None, None, "EUR", *P),
    }


def test_chambery_headline_box(territories_db) -> None:
    """The seven tiles of « Les chiffres du mandat », in the document's order, and their KPIs."""
    con, _ = territories_db
    assert _rows(con, """
        select text from qualitative_items where contract_slug = 'chambery'
        and theme = 'Les chiffres du mandat (encadré)' order by position""") == [
        ("1,5 M€ par an consacrés à la politique de la ville.",),
        ("1 650 habitants rencontrés via l'aller-vers pour lutter contre le non-recours aux droits.",),
        ("610 droits réouverts.",),
        ("400 personnes accompagnées via DECLIC.",),
        ("2 000 familles accompagnées par la Cité éducative.",),
        ("4 783 interventions de médiation nocturne en 2024.",),
        ("+200 habitants intégrés à la géographie prioritaire.",),
    ]
    headline = _rows(con, """
        select kpi_id from kpi_values where contract_slug = 'chambery'
        and source_ref like 'Encadré « Les chiffres du mandat »%' order by kpi_id""")
    assert [r[0] for r in headline] == sorted([
        "city_pv_budget_eur_year", "residents_met_outreach_count", "rights_reopened_count",
        "declic_people_count", "cite_educative_families_count", "night_mediation_interventions_count",
        "priority_geography_added_residents_count"])


REVIEW_THEMES = [
    "Une mairie de quartier au cœur de la vie locale",
    "Faire revenir la culture et les services publics dans le quartier",
    "Renforcer la tranquillité et la sécurité du quartier",
    "Soutenir la jeunesse et la vie associative",
    "Transformer durablement le cadre de vie et le logement",
    "Investir dans l'éducation et l'avenir",
    "Favoriser l'insertion sociale et professionnelle",
    "Améliorer les mobilités",
]


def test_hauts_de_chambery_review_theme_by_theme(territories_db) -> None:
    con, _ = territories_db
    rows = _rows(con, """
        select theme, item_type, count(*) from qualitative_items
        where contract_slug = 'chambery' and territory_code = 'QN07302M' and item_type like 'review_%'
        group by all""")
    got = {(r[0], r[1]): r[2] for r in rows}
    expected = {(None, "review_intro"): 1}
    for theme in REVIEW_THEMES:
        for kind in ("review_need", "review_done", "review_changed"):
            expected[(theme, kind)] = 1
    for theme in (REVIEW_THEMES[0], REVIEW_THEMES[2], REVIEW_THEMES[5], REVIEW_THEMES[6], REVIEW_THEMES[7]):
        expected[(theme, "review_figure")] = 1
    assert got == expected
    figures = [r[0] for r in _rows(con, """
        select text from qualitative_items where territory_code = 'QN07302M' and item_type = 'review_figure'
        order by text""")]
    for needle in ("250 personnes reçues", "10 postes de policiers nationaux supplémentaires",
                   "350 000 € par an", "60 actions", "423 personnes accompagnées par Déclic, dont 160 de moins de 30 ans",
                   "393 personnes de plus de 60 ans", "toutes les 15 minutes"):
        assert sum(needle in f for f in figures) == 1, needle


def test_logement_d_abord_programme(territories_db) -> None:
    con, _ = territories_db
    rows = _rows(con, """
        select item_type, theme, count(*) from qualitative_items
        where contract_slug = 'chambery' and territory_code = '200069110' group by all""")
    assert {(r[0], r[1]): r[2] for r in rows} == {
        ("programme_axis", "Plan national Logement d'abord (2018-2022) – 5 axes"): 5,
        ("programme_axis", "Projet territorial de Grand Chambéry – 8 axes"): 8,
        ("programme_priority_action", "Projet territorial de Grand Chambéry – 8 axes"): 4,
        ("partner_territory", "Les 23 territoires du premier appel à manifestations d'intérêt"): 24,
        ("partner_territory", "Les 23 territoires retenus en 2021"): 23,
        ("note", "Logement d'abord"): 2,
    }
    assert _rows(con, "select count(*) from qualitative_items where item_type = 'partner_territory'"
                      " and text = 'Grand Chambéry'") == [(1,)]


def test_chambery_filosofi_and_geography(territories_db) -> None:
    con, _ = territories_db
    assert _published(con, "73065", "commune") == {
        ("median_income_eur_year", 2021): (21950, None, None, "ok", FILO, "insee-filosofi-2021"),
        ("poverty_rate_pct", 2021): (19.0, None, None, "ok", FILO, "insee-filosofi-2021"),
    }
    assert sorted(_rows(con, "select qpv_code, qpv_name, commune_code, epci_code from qpv_communes"
                             " where commune_code = '73065'")) == [
        ("QN07301M", "Biollay - Bellevue", "73065", "200069110"),
        ("QN07302M", "Les Hauts De Chambéry", "73065", "200069110"),
    ]


# ── Chartres métropole ─────────────────────────────────────────────────────────────────────
def test_chartres_correspondent_funding(territories_db) -> None:
    con, _ = territories_db
    assert _rows(con, """
        select f.action_id, f.year, f.funder, f.funder_label, f.amount_eur, a.operator
        from programme_funding f join programme_actions a using (contract_slug, action_id, year)
        where f.contract_slug = 'chartres-metropole' order by f.funder""") == [
        ("correspondante-sociale-commissariat", 2022, "epci", "Chartres métropole", 20495.0,
         "Association d'aide aux victimes d'infractions d'Eure-et-Loir"),
        ("correspondante-sociale-commissariat", 2022, "etat_autre",
         "FIPDR (Fonds interministériel de prévention de la délinquance et de la radicalisation)", 20495.0,
         "Association d'aide aux victimes d'infractions d'Eure-et-Loir"),
    ]


def test_chartres_projects_by_year(territories_db) -> None:
    con, _ = territories_db
    assert _rows(con, """
        select year, operator from programme_actions where contract_slug = 'chartres-metropole'
        order by year, operator""") == [
        (2021, "ADIE"), (2021, "BETAMACHINE"), (2021, "France Victime"), (2021, "Les lumières de la ville"),
        (2021, "Résidence mère-enfants Le Bercail"),
        (2022, "Association d'aide aux victimes d'infractions d'Eure-et-Loir"), (2022, "La Dame à la licorne"),
        (2022, "Régies de quartier de Chartres, Mainvilliers et Lucé"),
    ]


def test_chartres_qpvs_watch_list_and_populations(territories_db) -> None:
    con, _ = territories_db
    assert sorted(_rows(con, """
        select ct.territory_code, ct.territory_level, t.territory_name, t.geography_vintage
        from contract_territories ct join territories t using (territory_code, territory_level)
        where ct.contract_slug = 'chartres-metropole' and ct.territory_level in ('qpv', 'quartier_veille')""")) == [
        ("QN02802M", "qpv", "Les Clos", 2024),
        ("QN02803M", "qpv", "Vieux Puits - Paradis - Maunoury", 2024),
        ("QN02804M", "qpv", "Bruxelles - Arcades - Béguines", 2024),
        ("QN02805I", "qpv", "Tallemont - Bretagne", 2024),
        ("QN02811N", "qpv", "La Madeleine", 2024),
        ("VEILLE-28-CLEMENCEAU-GUYNEMER", "quartier_veille", "Clémenceau-Guynemer", None),
        ("VEILLE-28-LA-MADELEINE", "quartier_veille", "La Madeleine (quartier de veille)", None),
        ("VEILLE-28-MANDELA-BRIAND", "quartier_veille", "Mandela-Briand", None),
    ]
    pops = {r[0]: r[1:] for r in _rows(con, """
        select territory_code, year, value, origin, document_id from indicator_values
        where indicator_id = 'population_count' and territory_code like 'QN028%'""")}
    doc = "cm-politique-ville-2023"
    assert pops == {"QN02802M": (2023, 2540.0, "published", doc), "QN02803M": (2023, 2040.0, "published", doc),
                    "QN02804M": (2023, 1830.0, "published", doc), "QN02805I": (2023, 2450.0, "published", doc)}
    # The page gives the 2015–2023 quartiers' populations: each label says so.
    for (label,) in _rows(con, "select source_label from indicator_values where indicator_id = 'population_count'"
                               " and territory_code like 'QN028%'"):
        assert "contour de 2015" in label


def test_chartres_pillars_and_filosofi(territories_db) -> None:
    con, _ = territories_db
    assert _rows(con, """
        select text from qualitative_items where contract_slug = 'chartres-metropole' and item_type = 'pillar'
        order by position""") == [
        ("la cohésion sociale",), ("l'aménagement et le cadre de vie",),
        ("le développement économique et l'accès à l'emploi",),
        ("les valeurs de la République et citoyenneté",)]
    got = {(r[0], r[1]): r[2] for r in _rows(con, """
        select territory_code, indicator_id, value from indicator_values
        where origin = 'published' and document_id = 'insee-filosofi-2021' and territory_code like '28%'""")}
    assert got == {("28085", "median_income_eur_year"): 22770, ("28085", "poverty_rate_pct"): 16.0,
                   ("28218", "median_income_eur_year"): 19390, ("28218", "poverty_rate_pct"): 23.0,
                   ("28229", "median_income_eur_year"): 20670, ("28229", "poverty_rate_pct"): 21.0}
    assert sorted(_rows(con, "select commune_code, epci_code from qpv_communes where epci_code = '200033181'")) == [
        ("28085", "200033181"), ("28085", "200033181"), ("28218", "200033181"), ("28218", "200033181"),
        ("28229", "200033181")]


def test_build_of_the_real_territories_is_clean(territories_db) -> None:
    _, report = territories_db
    assert (report.errors, report.warnings) == ([], [])
    outcomes = {}
    for f in report.files:
        outcomes.setdefault(f.outcome, []).append(f.file_name.rsplit("/", 1)[-1])
    assert sorted(outcomes) == ["ignored", "loaded"]
    assert outcomes["ignored"] == ["README.md"]      # documentation, not data
    assert len(outcomes["loaded"]) == 26 == report.n_files     # 23, and the review annex (issue 12)
