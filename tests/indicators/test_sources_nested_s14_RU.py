"""A quotation with a bracket of its own, quoted « (d'après …) », ends with one closing mark per
kind (issue 11, visual review s14-RU: Grand Chalon's « Comparer » line ended « … ABS 2022 »)) »):
its bracket reads square, as French writes a bracket within a bracket."""
from __future__ import annotations

from indicators.sources import clipped, credit

TITLE = "Contrat de ville de Lorneville – Annexes"
QUOTE = "Données INSEE 2019 (en-tête du portrait ; bloc cité « Données Compas – ABS 2022 »)"


def test_a_quoted_bracket_reads_square() -> None:
    assert credit(QUOTE, "published", document_title=TITLE, document_producer="Ville de Lorneville",
                  source_ref="Annexe 2") == (
        "Contrat de ville de Lorneville – Annexes, Annexe 2 (d'après Données INSEE 2019 "
        "[en-tête du portrait ; bloc cité « Données Compas – ABS 2022 »])")


def test_a_cut_inside_square_brackets_closes_them() -> None:
    text = "Annexe 2 (d'après Données INSEE 2019 [en-tête du portrait ; bloc cité « Données »])"
    assert clipped(text, 60) == "Annexe 2 (d'après Données INSEE 2019 [en-tête du portrait…])"
