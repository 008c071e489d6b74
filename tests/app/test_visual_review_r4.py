"""Issue 11, the screenshots of Chambéry and Chartres métropole at 1440 and 390 px looked at one
by one: what they showed, fixed for every contract, checked with AppTest on the real demo
database (the seeds' territories included)."""
from __future__ import annotations

from pathlib import Path

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown

ROOT = Path(__file__).resolve().parents[2]


def test_the_review_shown_instead_names_its_quartier_with_de_contracted(demo_db) -> None:
    # Biollay - Bellevue has no review; the page showed « voici celui de Les Hauts De Chambéry ».
    at = run_page("bilan", territoire="chambery", qpv="QN07301M")
    assert not at.exception
    assert [plain_spaces(shown(i.value)) for i in at.info] == [
        "Aucun bilan n'est saisi pour Biollay - Bellevue ; voici celui des Hauts De Chambéry."]
    assert at.header[0].value == "Les Hauts De Chambéry"
