"""A phone's table keeps the column that tells rows apart, and measures hyphenated words and
units with slashes where the page breaks them (the last page review of demo and grand-chalon,
s14-RS: the demo portrait's « Publiés pour la commune seulement » at 390 px)."""
from __future__ import annotations

import pandas as pd

from ui import views

# The demo portrait's « Publiés pour la commune seulement »: two communes, one figure each.
FIGURES = pd.DataFrame({
    "Indicateur": ["Accessibilité aux médecins généralistes (APL)"] * 2
                  + ["Élèves des écoles et collèges publics en REP ou REP+"] * 2,
    "Commune": ["Lorneville", "Saint-Aubin-sur-Lorne"] * 2,
    "Année": [2023, 2023, 2024, 2024],
    "Valeur de la commune": ["3,0 consultations/an/habitant", "2,6 consultations/an/habitant",
                             "48,4 %", "40,0 %"],
    "Source": ["DREES, Accessibilité potentielle localisée (APL) aux médecins généralistes"] * 2
              + ["Ministère de l'Éducation nationale, Annuaire de l'éducation"] * 2,
})


def test_a_hyphenated_name_and_a_unit_with_slashes_break_where_the_page_breaks_them() -> None:
    # The browser breaks after a hyphen between letters, after a slash where the cell writes a
    # <wbr>: the narrowest column is its widest part, never the whole word.
    assert views.word_px("Saint-Aubin-sur-Lorne") == max(
        views.word_px(p) for p in ("Saint-", "Aubin-", "sur-", "Lorne"))
    assert views.word_px("habitants/km") == max(views.word_px("habitants/"), views.word_px("km"))
    # Not between digits, nor after a sign: « 2022-2023 », « €/an » are counted whole.
    assert views.word_px("2022-2023") > views.word_px("2022-")
    assert views.word_px("€/an") > views.word_px("an")
    assert views._screen_cell("habitants/km") == ("habitants/<wbr>km", views.word_px("habitants/"))
    assert views._screen_cell("Saint-Aubin-sur-Lorne") == (
        "Saint-Aubin-sur-Lorne", views.word_px("Aubin-"))
    assert views.min_px(FIGURES, "Commune") == views.word_px("Lorneville")


def test_the_column_that_tells_rows_apart_stays_beside_the_label_on_a_phone() -> None:
    order = list(FIGURES.columns)
    assert views.apart_column(FIGURES, order) == "Commune"
    assert views.apart_column(FIGURES.drop_duplicates("Indicateur"), order) is None
    # Rows by year (a TFPB's, the CIA's): the page's `main` columns come first, as before.
    by_year = FIGURES[["Année", "Commune", "Valeur de la commune"]]
    assert views.apart_column(by_year, list(by_year.columns)) is None
    # Before the page's `main` value: « Année » and the prose source go to the « Détail ».
    shown, left = views.narrow_columns(FIGURES, order, main=("Valeur de la commune",))
    assert (shown, left) == (["Indicateur", "Commune", "Valeur de la commune"], ["Année", "Source"])
    # Also one of the page's `main` columns, it counts once (« Droit commun »'s signatory, the
    # amount then beside it).
    shown, left = views.narrow_columns(FIGURES, order, main=("Commune", "Valeur de la commune"))
    assert (shown, left) == (["Indicateur", "Commune", "Valeur de la commune"], ["Année", "Source"])
    room = sum(views.min_px(FIGURES, c) for c in ("Indicateur", "Commune", "Année"))
    assert views.narrow_columns(FIGURES, order, room, main=("Commune", "Année")) == (
        ["Indicateur", "Commune", "Année"], ["Valeur de la commune", "Source"])
    # Even where the room keeps only one column beside the label, it is the commune.
    room = views.min_px(FIGURES, "Indicateur") + views.min_px(FIGURES, "Commune")
    assert views.narrow_columns(FIGURES, order, room, main=("Valeur de la commune",)) == (
        ["Indicateur", "Commune"], ["Année", "Valeur de la commune", "Source"])


def test_the_detail_names_each_row_with_what_tells_it_apart() -> None:
    order = list(FIGURES.columns)
    room = views.min_px(FIGURES, "Indicateur") + views.min_px(FIGURES, "Commune")
    html = views.narrow_table_html(FIGURES, order, "c", room, main=("Valeur de la commune",))["html"]
    details = html.split("<ul>", 1)[1].split("</ul>", 1)[0]
    assert details == (
        "<li><b>Accessibilité aux médecins généralistes (APL) · Lorneville</b> — Année\u00a0: 2023\u00a0; "
        "Valeur de la commune\u00a0: 3,0 consultations/<wbr>an/<wbr>habitant\u00a0; Source\u00a0: DREES, "
        "Accessibilité potentielle localisée (APL) aux médecins généralistes</li>"
        "<li><b>Accessibilité aux médecins généralistes (APL) · Saint-Aubin-sur-Lorne</b> — Année\u00a0: 2023\u00a0; "
        "Valeur de la commune\u00a0: 2,6 consultations/<wbr>an/<wbr>habitant\u00a0; Source\u00a0: DREES, "
        "Accessibilité potentielle localisée (APL) aux médecins généralistes</li>"
        "<li><b>Élèves des écoles et collèges publics en REP ou REP+ · Lorneville</b> — Année\u00a0: 2024\u00a0; "
        "Valeur de la commune\u00a0: 48,4\u00a0%\u00a0; Source\u00a0: Ministère de l&#x27;Éducation nationale, "
        "Annuaire de l&#x27;éducation</li>"
        "<li><b>Élèves des écoles et collèges publics en REP ou REP+ · Saint-Aubin-sur-Lorne</b> — "
        "Année\u00a0: 2024\u00a0; Valeur de la commune\u00a0: 40,0\u00a0%\u00a0; Source\u00a0: Ministère de "
        "l&#x27;Éducation nationale, Annuaire de l&#x27;éducation</li>")
