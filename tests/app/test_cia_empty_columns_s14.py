"""Issue 11, every page seen at 1440 px (s14). The demo's CIA results table on « Logement » showed
« Manquantes publiées » and « Source » empty in every row (its file publishes neither), and the
note under it explained both. A column empty in every row shown is left out, with its sentence
(views.housing_table, views.housing_table_note). Small data built by code."""
from __future__ import annotations

from tests.app.test_screen_leftovers_s5 import _cia_rows
from ui import views

ALWAYS = ["Année", "Partie", "Objectif", "Visées", "Total", "Taux", "Cible", "Atteint",
          "Manquantes", "Origine"]


def test_columns_empty_in_every_row_are_left_out_with_their_sentence() -> None:
    rows = _cia_rows()
    rows["needed_published"] = None
    rows["source_ref"] = None
    table = views.housing_table(rows)
    assert list(table.columns) == ALWAYS
    note = views.housing_table_note(table)
    assert note == ("« Visées » : attributions aux ménages que vise l'objectif ; « Total » : toutes "
                    "les attributions (« déduit » : déduit du taux publié par le document). "
                    "« Manquantes » : attributions qui auraient dû aller aux ménages visés pour "
                    "atteindre l'objectif, le total restant le même (calcul exact) ; entre "
                    "parenthèses, si chaque attribution supplémentaire s'ajoute au total.")


def test_a_column_with_one_value_is_kept_and_explained() -> None:
    rows = _cia_rows()
    rows["source_ref"] = None                  # one published shortfall (90) in the first row
    table = views.housing_table(rows)
    assert list(table.columns) == [*ALWAYS[:9], "Manquantes publiées", "Origine"]
    assert table["Manquantes publiées"].tolist() == ["90", "", ""]
    note = views.housing_table_note(table)
    assert "(« Manquantes publiées ») est montré à côté" in note and "« Source »" not in note


def test_the_whole_note_when_every_column_is_shown() -> None:
    table = views.housing_table(_cia_rows())
    assert views.housing_table_note(table) == views.HOUSING_TABLE_NOTE


def test_cia_charts_go_two_a_row() -> None:
    """Three CIA charts side by side at 1440 px shrank their bar labels to about 8 px."""
    assert views.CHARTS_PER_ROW == 2
    assert views.in_rows(["a", "b", "c"], 2) == [["a", "b"], ["c"]]
    assert views.in_rows(["a", "b"], 2) == [["a", "b"]]
    assert views.in_rows([], 2) == []
