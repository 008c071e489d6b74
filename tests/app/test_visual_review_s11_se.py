"""Issue 11, session 11 (contracts chambery and chartres-metropole looked at one by one at 1440
and 390 px): the defects found, each fixed at its cause for every contract."""
from __future__ import annotations

from indicators.sources import clipped, reader_credit
from ui import views


def test_a_cut_after_an_ellipsis_ends_with_one_ellipsis() -> None:
    # Chambéry's key figure « 46 territoires »: its section, typed « § « … retenus… » et « … » »,
    # read « retenus…… » once cut to the short line's length.
    assert reader_credit(
        "Grand Chambéry engagée dans la mise en œuvre accélérée du Logement d'abord (communiqué)",
        "§ « Quels bénéfices pour les territoires retenus… » et « Les 46 territoires engagés… »",
        "Grand Chambéry", "2021-05-01") == (
        "Grand Chambéry engagée dans la mise en œuvre accélérée du Logement…, § « Quels bénéfices "
        "pour les territoires retenus… » — Grand Chambéry, 2021")
    # Both clipping helpers (credits and the screens' source lines), after « … », « ... » or « . ».
    for clip in (clipped, views._clip):
        assert [clip(text, 16) for text in ("Voir la page… suite du texte",
                                            "Voir la page... suite du texte",
                                            "Voir la page. Suite du texte",
                                            "« Voir la page… » suite")] == [
            "Voir la page…", "Voir la page…", "Voir la page…", "« Voir la page… »"]
