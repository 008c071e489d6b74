"""Issue 11, session 13 (contracts chambery and chartres-metropole looked at one by one at 1440
and 390 px after the merges of session 11): the defects found, each fixed at its cause for every
contract."""
from __future__ import annotations

from indicators.fmt import plain_spaces
from tests.app.test_pages import shown
from tests.app.test_review_sources import run_page


def test_the_build_tables_buttons_name_their_table_whole(small_db) -> None:
    # « Télécharger « Dernière construction : fichiers… » (CSV) » under « Fichiers examinés », and
    # « … avertissements… » under « Avertissements et erreurs »: the title cut at 40 characters
    # did not say which table the button downloads (issue 11: buttons say what they download).
    at = run_page("methode", "demo")
    assert not at.exception
    # Compared as the reader sees them (no-break spaces as spaces).
    assert [plain_spaces(shown(b.proto.label)) for b in at.get("download_button")] == [
        f"Télécharger « {name} » ({fmt})"
        for name in ("Indicateurs : définitions et sources", "Fichiers chargés",
                     "Dernière construction : fichiers examinés",
                     "Dernière construction : avertissements et erreurs")
        for fmt in ("CSV", "XLSX")]
