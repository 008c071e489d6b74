"""A section typed with the document's name in front is credited without repeating it (issue 11,
visual review s14-RN: Chambéry's « Crédits mobilisés par la Cité éducative » tile read « Source :
Hauts de Chambéry – « Ce qui a changé », Hauts de Chambéry – encadré « La Cité… » »)."""
from __future__ import annotations

import pytest

from indicators.sources import credit, reader_credit

TITLE = ("Quartier des Tilleuls – « Ce qui a changé » : le besoin au départ, ce que nous avons "
         "fait, ce que cela a changé")
PRODUCER = "Bilan du mandat municipal de Lorneville 2020-2026 (auteur et date non indiqués)"


@pytest.mark.parametrize(("section", "expected"), [
    # The document's name, then « – »: the section starts after it.
    ("Quartier des Tilleuls – encadré « La Cité éducative… » (rubrique « Investir »)",
     "Quartier des Tilleuls – « Ce qui a changé », encadré « La Cité éducative… »"),
    # The name and the title's quotation, with other punctuation: both left out.
    ("Quartier des Tilleuls, « Ce qui a changé » – rubrique « Investir dans l'éducation »",
     "Quartier des Tilleuls – « Ce qui a changé », rubrique « Investir dans l'éducation »"),
    # A section that names something else is kept as typed (up to its details).
    ("Annexe 2 – Portraits de quartiers, Tilleuls",
     "Quartier des Tilleuls – « Ce qui a changé », Annexe 2 – Portraits de quartiers"),
    # A section that is only the document's name adds nothing (the line has room for the
    # producer, cut at a word).
    ("Quartier des Tilleuls",
     "Quartier des Tilleuls – « Ce qui a changé » — Bilan du mandat municipal de Lorneville…"),
])
def test_the_short_line_does_not_repeat_the_document_name(section, expected) -> None:
    assert reader_credit(TITLE, section, PRODUCER, None) == expected


def test_the_printed_line_and_the_full_credit_do_not_repeat_it_either() -> None:
    section = "Quartier des Tilleuls – encadré « La Cité éducative… » (rubrique « Investir »)"
    assert reader_credit(TITLE, section, "Ville de Lorneville", "2025-06-30", whole=True) == (
        "Quartier des Tilleuls – « Ce qui a changé », encadré « La Cité éducative… » "
        "— Ville de Lorneville, 2025")
    assert credit("Ville de Lorneville", "published", document_title=TITLE,
                  document_producer="Ville de Lorneville", source_ref=section) == (
        "Ville de Lorneville")
    assert credit("Données Insee 2021", "published", document_title=TITLE,
                  document_producer="Ville de Lorneville", source_ref=section) == (
        "Quartier des Tilleuls – « Ce qui a changé » : le besoin au départ, ce que nous avons "
        "fait, ce que cela a changé, encadré « La Cité éducative… » (d'après Données Insee 2021)")


def test_the_whole_source_line_of_a_figure_does_not_repeat_it_either() -> None:
    # « Sources complètes » under the tiles and the PDFs' notes (indicators.kpi.source_line).
    from indicators.kpi import source_line
    section = "Quartier des Tilleuls – encadré « La Cité éducative… » (rubrique « Investir »)"
    assert source_line(TITLE, section, "Ville de Lorneville", None) == (
        "Source : Quartier des Tilleuls – « Ce qui a changé » : le besoin au départ, ce que nous "
        "avons fait, ce que cela a changé (Ville de Lorneville) — encadré « La Cité éducative… » "
        "(rubrique « Investir »)")
    # Another section, or none, as typed.
    assert source_line(TITLE, "Annexe 2", "Ville de Lorneville", None).endswith(
        "(Ville de Lorneville) — Annexe 2")
    assert source_line(None, "Quartier des Tilleuls – encadré", None, None) == (
        "Source : Quartier des Tilleuls – encadré")
