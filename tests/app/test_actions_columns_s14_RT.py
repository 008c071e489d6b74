"""Issue 11, « Programmes et financements »: a column of the actions table that reads « non
renseigné » on every row shown says nothing (Chartres métropole: enjeu, quartiers, nouvelle and
CPO on all 8 actions); it is left out and named once under the table (views.actions_view_note)."""
from __future__ import annotations

import pandas as pd

from tests.app.test_actions_table import NBSP, NNBSP, programme
from ui import views


def sparse() -> pd.DataFrame:
    """Two actions with a porteur; one amount and its funders; no theme, quartier, flags."""
    df = programme().iloc[[1, 1]].reset_index(drop=True)
    df["action_id"] = ["B1", "B2"]
    df["title"] = ["Jobs d'été", "Accompagnement au microcrédit"]
    df["operator"] = ["Régies de quartier", "ADIE"]
    df["amount_eur"] = [40_990.0, None]
    df["funders"] = [["intercommunalite", "etat_autres"], []]
    return df


def test_columns_without_any_value_are_left_out_and_named() -> None:
    view = views.actions_view(sparse())
    expected = pd.DataFrame({
        "Année": ["2025", "2025"],
        "Action": ["Jobs d'été", "Accompagnement au microcrédit"],
        "Porteur": ["Régies de quartier", "ADIE"],
        "Montant": [f"40{NNBSP}990{NBSP}€", "non renseigné"],
        "Financeurs": [[views.funder_labels(["intercommunalite", "etat_autres"])[0],
                        views.funder_labels(["intercommunalite", "etat_autres"])[1]], ["non renseigné"]],
    })
    pd.testing.assert_frame_equal(view, expected)
    assert views.actions_view_note(sparse()) == (
        "Enjeu prioritaire, quartiers, action nouvelle, convention pluriannuelle (CPO) : non "
        "renseignés pour toutes ces actions (colonnes masquées ; le détail d'une action les donne).")


def test_a_column_with_one_value_stays_and_nothing_is_said() -> None:
    assert list(views.actions_view(programme()).columns) == [
        "Année", "Action", "Porteur", "Enjeu", "Quartiers", "Montant", "Financeurs", "Nouvelle", "CPO"]
    assert views.actions_view_note(programme()) is None
    assert views.actions_view_note(programme().iloc[0:0]) is None


def test_annee_action_porteur_montant_always_stay() -> None:
    df = programme().iloc[[1]]
    assert list(views.actions_view(df).columns) == ["Année", "Action", "Porteur", "Montant"]
    assert views.actions_view_note(df).startswith("Enjeu prioritaire, quartiers, financeurs, action nouvelle")
