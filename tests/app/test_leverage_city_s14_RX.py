"""Issue 11, final review (RX): Chambéry's « Les chiffres du mandat » showed its published cards
« 4 € pour 1 € de la Ville » (the document: « Pour 1 € investi par la Ville ») under a section
titled « Effet levier : pour 1 € de la ville » whose cells read « Pour 1 € de la ville, … » in the
exports. The city as a funder is written « la Ville » by every leverage string (financing.CITY_EURO),
as its documents and cards write it. Small data built by code."""
from __future__ import annotations

import pytest

from etl.db import create_empty
from indicators.financing import CITY_EURO, leverage, leverage_text
from indicators.fmt import plain_spaces
from tests.indicators.conftest import Factory
from ui import views


@pytest.fixture
def db():
    con = create_empty()
    yield Factory(con)
    con.close()


def _contract(db) -> None:
    db.contract("c")
    db.territory("QA", "qpv", "Quartier A", contract="c")
    db.document("c", "bilan", "Bilan du mandat", "Ville de C", "2024-06-01")
    for kpi_id in ("leverage_epci_eur_per_city_eur", "leverage_state_eur_per_city_eur"):
        db.kpi("c", kpi_id, label=f"Effet levier {kpi_id}", unit="EUR pour 1 EUR de la Ville")
    db.kpi_value("c", "leverage_epci_eur_per_city_eur", 4, is_published=True, document_id="bilan",
                 source_ref="§ « Une ambition »")
    db.kpi_value("c", "leverage_state_eur_per_city_eur", 8.3, is_published=True, document_id="bilan",
                 source_ref="§ « Une ambition »")


def test_the_leverage_title_cells_and_cards_write_the_city_one_way(db) -> None:
    _contract(db)
    levers = leverage(db.con, "c")
    rows = views.leverage_rows(levers)
    assert [{k: plain_spaces(v) for k, v in r.items()} for r in rows] == [
        {"Financeur": "Intercommunalité", "Calculé (financements saisis)": views.NOT_COMPUTED,
         "Publié": "Pour 1 € de la Ville, 4 € de l'intercommunalité",
         "Source du chiffre publié": "Source : Bilan du mandat (Ville de C, 1er juin 2024) — § « Une ambition »"},
        {"Financeur": "État (tous crédits)", "Calculé (financements saisis)": views.NOT_COMPUTED,
         "Publié": "Pour 1 € de la Ville, 8,3 € de l'État",
         "Source du chiffre publié": "Source : Bilan du mandat (Ville de C, 1er juin 2024) — § « Une ambition »"}]
    # The page's table: the title says « pour 1 € de la Ville », each cell the rest.
    assert plain_spaces(views.LEVERAGE_TITLE) == "Effet levier : pour 1 € de la Ville"
    assert views.leverage_shown(rows).to_dict("records") == [
        {"Financeur": "Intercommunalité", "Publié": "4\u00a0€ de l'intercommunalité",
         "Source du chiffre publié": "Bilan du mandat — § « Une ambition »"},
        {"Financeur": "État (tous crédits)", "Publié": "8,3\u00a0€ de l'État",
         "Source du chiffre publié": "Bilan du mandat — § « Une ambition »"}]
    # The cards (the published KPI in its typed unit) end with the title's own words.
    cards = [plain_spaces(views.amount_text(v, "EUR pour 1 EUR de la Ville", "ok", None)) for v in (4, 8.3)]
    assert cards == ["4 € pour 1 € de la Ville", "8,3 € pour 1 € de la Ville"]
    assert all(card.endswith(plain_spaces(CITY_EURO)) for card in cards)


def test_the_city_giving_nothing_is_said_with_the_same_word(db) -> None:
    _contract(db)
    db.action("c", "a1", 2024, "Médiation", "Asso", "Tranquillité")
    db.funding("c", "a1", 2024, "etat_p147", 1000)
    db.funding("c", "a1", 2024, "caf", 500)
    rows = views.leverage_rows(leverage(db.con, "c", (2024,)))
    assert [r[views.COMPUTED_COLUMN] for r in rows] == [
        "non calculable : la Ville ne finance aucune de ces actions"] * 4
    assert views.leverage_note(rows) == "Effet levier non calculable : la Ville ne finance aucune de ces actions."
    assert leverage_text(leverage(db.con, "c", (2024,))[0]) == (
        "Effet levier Intercommunalité : non calculable (la Ville ne finance aucune de ces actions)")
