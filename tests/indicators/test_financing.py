from __future__ import annotations

import pytest

from indicators.financing import (
    Leverage,
    actions_table,
    amounts_by_territory,
    amounts_by_theme,
    leverage,
    leverage_text,
    multiyear_agreement_share,
    poverty_pocket_share,
    projects_by_year,
    totals_by_funder,
    totals_by_year,
    totals_by_year_funder,
)

from .conftest import records


def _programme(db):
    db.contract("c")
    db.territory("QA", "qpv", "Quartier A", contract="c")
    db.territory("QB", "qpv", "Quartier B", contract="c")
    db.document("c", "doc", "Programmation", "Ville", "2024")
    db.action("c", "a1", 2024, "Soutien scolaire", "Asso 1", "Éducation", is_new=True,
              is_multiyear_agreement=True, territories=["QA", "QB"], document_id="doc", source_ref="p. 2")
    db.action("c", "a2", 2024, "Médiation", "Asso 2", "Tranquillité", is_new=False,
              is_multiyear_agreement=False, territories=["QA"])
    db.action("c", "a3", 2024, "Poche Sud", "Asso 3", None, is_new=None, is_poverty_pocket=True)
    db.action("c", "a1", 2025, "Soutien scolaire", "Asso 1", "Éducation", is_new=False,
              is_multiyear_agreement=True, territories=["QA", "QB"])
    f = db.funding
    f("c", "a1", 2024, "ville", 1000)
    f("c", "a1", 2024, "etat_p147", 3000)
    f("c", "a1", 2024, "epci", 2000)
    f("c", "a2", 2024, "ville", 1000)
    f("c", "a2", 2024, "etat_p147", 1000)
    f("c", "a3", 2024, "etat_p147", 100)
    f("c", None, 2024, "etat_p147", 5900, funder_label="enveloppe non affectée")
    f("c", "a1", 2025, "etat_p147", 500)
    f("c", "a1", 2025, "etat_autre", 500, funder_label="FIPDR")


def test_totals(db):
    _programme(db)
    assert records(totals_by_year(db.con, "c")) == [
        {"year": 2024, "amount_eur": 14000.0, "n_actions": 3},
        {"year": 2025, "amount_eur": 1000.0, "n_actions": 1}]
    assert records(totals_by_year_funder(db.con, "c")) == [
        {"year": 2024, "funder": "ville", "funder_label": "Ville", "amount_eur": 2000.0, "n_lines": 2},
        {"year": 2024, "funder": "epci", "funder_label": "Intercommunalité", "amount_eur": 2000.0, "n_lines": 1},
        {"year": 2024, "funder": "etat_p147", "funder_label": "État – programme 147", "amount_eur": 10000.0, "n_lines": 4},
        {"year": 2025, "funder": "etat_p147", "funder_label": "État – programme 147", "amount_eur": 500.0, "n_lines": 1},
        {"year": 2025, "funder": "etat_autre", "funder_label": "État – autres crédits", "amount_eur": 500.0, "n_lines": 1}]
    assert records(totals_by_funder(db.con, "c", (2025,))) == [
        {"funder": "etat_p147", "funder_label": "État – programme 147", "amount_eur": 500.0, "share_pct": 50.0},
        {"funder": "etat_autre", "funder_label": "État – autres crédits", "amount_eur": 500.0, "share_pct": 50.0}]


def test_leverage(db):
    _programme(db)
    assert leverage(db.con, "c", (2024,)) == [
        Leverage("epci", "Intercommunalité", 2024, 2000.0, 2000.0, 1.0, "ok", None, None, None, None),
        Leverage("etat", "État (tous crédits)", 2024, 10000.0, 2000.0, 5.0, "ok", None, None, None, None),
        Leverage("etat_p147", "État – programme 147", 2024, 10000.0, 2000.0, 5.0, "ok", None, None, None, None),
    ]
    no_city = leverage(db.con, "c", (2025,))
    assert [(l.funder, l.ratio, l.status, l.amount_city_eur) for l in no_city] == [
        ("etat", None, "undefined", 0.0), ("etat_p147", None, "undefined", 0.0),
        ("etat_autre", None, "undefined", 0.0)]
    assert leverage_text(no_city[0]) == ("Effet levier État (tous crédits) : non calculable "
                                         "(la Ville ne finance aucune de ces actions)")
    assert leverage_text(leverage(db.con, "c", (2024,))[1]) == "Pour 1\u00a0€ de la Ville, 5\u00a0€ de l'État"
    pub = leverage(db.con, "c", (2024,))[0]
    assert leverage_text(pub, 8.3) == "Pour 1\u00a0€ de la Ville, 8,3\u00a0€ de l'intercommunalité"


def test_published_leverage_beside_computed(db):
    db.contract("chy")
    db.document("chy", "m", "Les chiffres du mandat")
    db.kpi("chy", "leverage_epci_eur_per_city_eur")
    db.kpi("chy", "leverage_state_eur_per_city_eur")
    db.kpi_value("chy", "leverage_epci_eur_per_city_eur", 4, is_published=True, document_id="m", source_ref="§ 1")
    db.kpi_value("chy", "leverage_state_eur_per_city_eur", 8.3, is_published=True, document_id="m", source_ref="§ 1")
    src = "Source : Les chiffres du mandat — § 1"
    assert leverage(db.con, "chy") == [
        Leverage("epci", "Intercommunalité", None, None, None, None, "not_computed", 4.0, None, src,
                 "aucun financement détaillé saisi"),
        Leverage("etat", "État (tous crédits)", None, None, None, None, "not_computed", 8.3, None, src,
                 "aucun financement détaillé saisi"),
    ]
    db.funding("chy", "x", 2024, "ville", 10)
    db.funding("chy", "x", 2024, "epci", 40)
    got = {l.funder: (l.ratio, l.status, l.published_ratio) for l in leverage(db.con, "chy")}
    assert got == {"epci": (4.0, "ok", 4.0), "etat": (0.0, "ok", 8.3)}


def test_projects_cpo_and_pockets(db):
    _programme(db)
    assert records(projects_by_year(db.con, "c")) == [
        {"year": 2024, "n_projects": 3, "n_new": 1, "n_new_unknown": 1, "share_new_pct": 50.0},
        {"year": 2025, "n_projects": 1, "n_new": 0, "n_new_unknown": 0, "share_new_pct": 0.0}]
    assert records(multiyear_agreement_share(db.con, "c")) == [
        {"year": 2024, "n_agreements": 3, "n_cpo": 1, "n_unknown": 1, "share_pct": 50.0,
         "amount_p147_eur": 4100.0, "amount_p147_cpo_eur": 3000.0, "target_pct": 50.0, "reached": True},
        {"year": 2025, "n_agreements": 1, "n_cpo": 1, "n_unknown": 0, "share_pct": 100.0,
         "amount_p147_eur": 500.0, "amount_p147_cpo_eur": 500.0, "target_pct": 50.0, "reached": True}]
    assert records(poverty_pocket_share(db.con, "c")) == [
        {"year": 2024, "envelope_p147_eur": 10000.0, "poverty_pocket_eur": 100.0, "share_pct": 1.0,
         "cap_pct": 2.5, "within_cap": True},
        {"year": 2025, "envelope_p147_eur": 500.0, "poverty_pocket_eur": 0.0, "share_pct": 0.0,
         "cap_pct": 2.5, "within_cap": True}]


def test_empty_programme(db):
    db.contract("e")
    assert totals_by_year(db.con, "e").empty and totals_by_year_funder(db.con, "e").empty
    assert leverage(db.con, "e") == []
    assert multiyear_agreement_share(db.con, "e").empty and poverty_pocket_share(db.con, "e").empty
    assert amounts_by_theme(db.con, "e").empty and amounts_by_territory(db.con, "e").empty
    assert actions_table(db.con, "e").empty


def test_amounts_by_theme(db):
    _programme(db)
    assert records(amounts_by_theme(db.con, "c")) == [
        {"theme": "Éducation", "n_actions": 1, "amount_eur": 7000.0, "share_pct": 76.923077},
        {"theme": "Tranquillité", "n_actions": 1, "amount_eur": 2000.0, "share_pct": 21.978022},
        {"theme": "non renseigné", "n_actions": 1, "amount_eur": 100.0, "share_pct": 1.098901}]


@pytest.mark.parametrize("mode, expected", [
    ("split", [
        {"territory_code": "QA", "territory_name": "Quartier A", "n_actions": 3, "amount_eur": 5500.0,
         "note": "2 actions sur plusieurs quartiers : montant partagé à parts égales"},
        {"territory_code": "QB", "territory_name": "Quartier B", "n_actions": 2, "amount_eur": 3500.0,
         "note": "2 actions sur plusieurs quartiers : montant partagé à parts égales"},
        {"territory_code": None, "territory_name": "ensemble du contrat", "n_actions": 1,
         "amount_eur": 100.0, "note": None}]),
    ("each", [
        {"territory_code": "QA", "territory_name": "Quartier A", "n_actions": 3, "amount_eur": 9000.0,
         "note": "2 actions sur plusieurs quartiers comptées en entier dans chacun : la colonne ne s'additionne pas"},
        {"territory_code": "QB", "territory_name": "Quartier B", "n_actions": 2, "amount_eur": 7000.0,
         "note": "2 actions sur plusieurs quartiers comptées en entier dans chacun : la colonne ne s'additionne pas"},
        {"territory_code": None, "territory_name": "ensemble du contrat", "n_actions": 1,
         "amount_eur": 100.0, "note": None}]),
])
def test_amounts_by_territory(db, mode, expected):
    _programme(db)
    got = records(amounts_by_territory(db.con, "c", mode=mode))
    assert got == expected
    if mode == "split":   # adds up to the actions' total (envelope lines are not actions)
        assert sum(r["amount_eur"] for r in got) == 9100.0


@pytest.mark.parametrize("mode, note", [
    ("split", "1 action sur plusieurs quartiers : montant partagé à parts égales"),
    ("each", "1 action sur plusieurs quartiers comptée en entier dans chacun : la colonne ne s'additionne pas"),
])
def test_a_territory_s_note_agrees_with_its_count(db, mode, note):
    """One shared action reads « 1 action … comptée », not « 1 action(s) … comptée(s) » (issue #11,
    final review RV: the programmes page's « Par quartier » read « 8 action(s) »)."""
    db.contract("c")
    db.territory("QA", "qpv", "Quartier A", contract="c")
    db.territory("QB", "qpv", "Quartier B", contract="c")
    db.action("c", "a1", 2024, "Soutien scolaire", "Asso 1", "Éducation", territories=["QA", "QB"])
    db.funding("c", "a1", 2024, "ville", 1000)
    amount = 500.0 if mode == "split" else 1000.0
    assert records(amounts_by_territory(db.con, "c", mode=mode)) == [
        {"territory_code": "QA", "territory_name": "Quartier A", "n_actions": 1, "amount_eur": amount,
         "note": note},
        {"territory_code": "QB", "territory_name": "Quartier B", "n_actions": 1, "amount_eur": amount,
         "note": note}]


@pytest.mark.parametrize("kw, expected", [
    ({}, [(2025, "a1"), (2024, "a2"), (2024, "a3"), (2024, "a1")]),
    ({"year": 2024, "funder": "epci"}, [(2024, "a1")]),
    ({"territory_code": "QA", "year": 2024}, [(2024, "a2"), (2024, "a1")]),
    ({"search": "asso 3"}, [(2024, "a3")]),
    ({"theme": "Éducation", "operator": "Asso 1"}, [(2025, "a1"), (2024, "a1")]),
])
def test_actions_table(db, kw, expected):
    _programme(db)
    df = actions_table(db.con, "c", **kw)
    assert list(zip(df["year"], df["action_id"])) == expected


def test_actions_table_row(db):
    _programme(db)
    row = records(actions_table(db.con, "c", year=2024, search="soutien"))[0]
    assert row == {"year": 2024, "action_id": "a1", "title": "Soutien scolaire", "operator": "Asso 1",
                   "theme": "Éducation", "territories": ["QA", "QB"],
                   "territory_names": ["Quartier A", "Quartier B"], "is_new": True,
                   "is_multiyear_agreement": True, "is_poverty_pocket": None, "amount_eur": 6000.0,
                   "funders": ["epci", "etat_p147", "ville"], "description": None,
                   "source_line": "Source : Programmation (Ville, 2024) — p. 2"}


def test_new_projects_unknown_when_no_action_says(db):
    db.contract("c", "Contrat")
    db.action("c", "a1", 2024, is_new=None)
    db.action("c", "a2", 2024, is_new=None)
    db.action("c", "a1", 2025, is_new=True)
    db.action("c", "a2", 2025, is_new=None)
    assert records(projects_by_year(db.con, "c")) == [
        {"year": 2024, "n_projects": 2, "n_new": None, "n_new_unknown": 2, "share_new_pct": None},
        {"year": 2025, "n_projects": 2, "n_new": 1, "n_new_unknown": 1, "share_new_pct": 100.0}]


def test_unattached_funding_is_what_the_actions_do_not_count(db):
    from indicators.financing import unattached_funding
    db.contract("c", "Contrat")
    db.action("c", "a1", 2024)
    db.funding("c", "a1", 2024, "ville", 1000)
    db.funding("c", None, 2024, "etat_p147", 500)       # a global envelope
    db.funding("c", "a1", 2025, "ville", 200)           # a1 is not listed in 2025
    assert unattached_funding(db.con, "c") == 700.0
    assert unattached_funding(db.con, "absent") == 0.0


def test_actions_table_names_the_quartiers_and_keeps_a_code_the_database_does_not_name(db):
    """Issue #11: the table gives the quartiers by name (the codes stay beside them, in order)."""
    db.contract("c", "Contrat")
    db.territory("QA", "qpv", "Quartier A", contract="c")
    db.territory("QB", "qpv", "Quartier B", contract="c")
    db.action("c", "a1", 2024, territories=["QB", "QZ", "QA"])
    db.action("c", "a2", 2024, territories=[])
    got = [(r["action_id"], r["territories"], r["territory_names"])
           for r in records(actions_table(db.con, "c"))]
    assert got == [("a1", ["QA", "QB", "QZ"], ["Quartier A", "Quartier B", "QZ"]),
                   ("a2", [], [])]
