"""Issue 11, the actions table of « Programmes »: short rows, « non renseigné » in every column,
the long texts in the detail of each action."""
from __future__ import annotations

import re

import pandas as pd

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown
from ui import components, views

NBSP = "\u00a0"
NNBSP = "\u202f"


def programme() -> pd.DataFrame:
    """Three actions as indicators.financing.actions_table gives them: one whole, one with its
    operator, theme, quartiers, funding and flags missing, one with a blank theme."""
    return pd.DataFrame.from_records([
        {"year": 2026, "action_id": "A1", "title": "Atelier vélo solidaire", "operator": "Régie du Val",
         "theme": "Emploi, insertion et développement économique",
         "territories": ["QN09901M", "QN09902I"], "territory_names": ["Les Tilleuls", "Bords de Lorne"],
         "is_new": True, "is_multiyear_agreement": False,
         "is_poverty_pocket": False, "amount_eur": 12_000.0,
         "funders": ["ville", "etat_p147", "autre"], "description": "Réparer des vélos au pied des immeubles.",
         "source_line": "Source : Bilan 2025 (CA Val-de-Lorne, 10 février 2026) — programmation 2026"},
        {"year": 2025, "action_id": "A2", "title": "Accueil de jour", "operator": None, "theme": None,
         "territories": [], "territory_names": [], "is_new": None, "is_multiyear_agreement": None, "is_poverty_pocket": None,
         "amount_eur": None, "funders": [], "description": None, "source_line": None},
        {"year": 2025, "action_id": "A3", "title": "Jardins partagés", "operator": "  ", "theme": "",
         "territories": ["QN09903M"], "territory_names": ["Le Vieux Moulin"], "is_new": False, "is_multiyear_agreement": True,
         "is_poverty_pocket": False, "amount_eur": 3_500.0, "funders": ["ville"], "description": "",
         "source_line": float("nan")},
    ])


def test_the_actions_view_says_non_renseigne_in_every_column_and_lists_the_funders() -> None:
    view = views.actions_view(programme())
    expected = pd.DataFrame({
        "Année": ["2026", "2025", "2025"],
        "Action": ["Atelier vélo solidaire", "Accueil de jour", "Jardins partagés"],
        "Porteur": ["Régie du Val", "non renseigné", "non renseigné"],
        "Enjeu": ["Emploi, insertion et développement économique", "non renseigné", "non renseigné"],
        "Quartiers": ["Les Tilleuls, Bords de Lorne", "non renseigné", "Le Vieux Moulin"],
        "Montant": [f"12{NNBSP}000{NBSP}€", "non renseigné", f"3{NNBSP}500{NBSP}€"],
        "Financeurs": [["Ville", "État – programme 147", "Autres financeurs"], ["non renseigné"], ["Ville"]],
        "Nouvelle": ["oui", "non renseigné", "non"],
        "CPO": ["non", "non renseigné", "oui"],
    })
    pd.testing.assert_frame_equal(view, expected)


def test_the_actions_table_rows_are_two_lines_at_most_and_the_funders_one() -> None:
    view = views.actions_view(programme())
    args = components.fit_columns(view)
    widths = {c: (cfg.get("type_config", {}).get("type"), cfg.get("width"))
              for c, cfg in args["column_config"].items()}
    assert widths == {
        "Année": ("text", views.text_px("Année")),
        "Action": ("text", views.text_px("Atelier vélo solidaire")),
        "Porteur": ("text", views.text_px("non renseigné")),
        "Enjeu": ("text", 280),
        "Quartiers": ("text", views.text_px("Les Tilleuls, Bords de Lorne")),
        "Montant": ("text", views.text_px("non renseigné")),
        "Nouvelle": ("text", views.text_px("non renseigné")),
        "CPO": ("text", views.text_px("non renseigné")),
        # The three labels on one line, capped: the list opens whole on a click.
        "Financeurs": ("list", 280),
    }
    # Only « Emploi, insertion et développement économique » wraps, on two lines: 2 × 20 + 16
    # px, under the 65 px floor of a wrapped row (it was 96 px with the funders and the source
    # wrapped in 280 px cells).
    assert args["row_height"] == views.WRAP_ROW_MIN_PX == 65
    assert args["height"] == views.TABLE_HEADER_PX + 65 * 3


def test_the_actions_export_gives_the_quartiers_by_name_and_their_codes_in_a_column_of_their_own() -> None:
    """Issue #11: names in « Quartiers » as on screen, codes kept for the analysts beside them."""
    out = views.export_frame("actions", programme())
    assert list(out.columns) == ["Année", "Identifiant", "Action", "Porteur", "Enjeu", "Quartiers",
                                 "Codes des quartiers", "Montant (€)", "Financeurs", "Nouvelle", "CPO",
                                 "Poche de pauvreté", "Description", "Source"]
    assert out[["Quartiers", "Codes des quartiers"]].to_dict("records") == [
        {"Quartiers": "Les Tilleuls, Bords de Lorne", "Codes des quartiers": "QN09901M, QN09902I"},
        {"Quartiers": "", "Codes des quartiers": ""},
        {"Quartiers": "Le Vieux Moulin", "Codes des quartiers": "QN09903M"}]


def test_a_list_column_is_as_wide_as_its_longest_list() -> None:
    frame = pd.DataFrame({"Financeurs": [["Ville"], ["Ville", "CAF"]]})
    assert views.list_columns(frame) == ["Financeurs"]
    expected = views.CELL_PADDING_PX + sum(views.text_px(x) - views.CELL_PADDING_PX
                                           + views.LIST_ITEM_PX for x in ("Ville", "CAF"))
    assert views.list_px(frame["Financeurs"]) == expected < 280
    config = components.fit_columns(frame)["column_config"]["Financeurs"]
    assert (config["type_config"]["type"], config["width"]) == ("list", expected)


def test_the_detail_of_an_action_keeps_what_the_table_leaves_out() -> None:
    rows = programme()
    names = {"QN09901M": "Les Tilleuls", "QN09902I": "Bords de Lorne"}.get
    assert views.action_choice(rows.iloc[0]) == "2026 · Atelier vélo solidaire"
    assert views.action_detail(rows.iloc[0], names) == [
        ("Année", "2026"), ("Action", "Atelier vélo solidaire"), ("Porteur", "Régie du Val"),
        ("Enjeu", "Emploi, insertion et développement économique"),
        ("Quartiers", "Les Tilleuls, Bords de Lorne"), ("Montant", f"12{NNBSP}000{NBSP}€"),
        ("Financeurs", "Ville, État – programme 147, Autres financeurs"),
        ("Nouvelle action", "oui"), ("Convention pluriannuelle (CPO)", "non"),
        ("Description", "Réparer des vélos au pied des immeubles."),
        ("Source", "Bilan 2025 (CA Val-de-Lorne, 10 février 2026) — programmation 2026"),
    ]
    assert views.action_detail(rows.iloc[1], names) == [
        ("Année", "2025"), ("Action", "Accueil de jour"), ("Porteur", "non renseigné"),
        ("Enjeu", "non renseigné"), ("Quartiers", "non renseigné"), ("Montant", "non renseigné"),
        ("Financeurs", "non renseigné"), ("Nouvelle action", "non renseigné"),
        ("Convention pluriannuelle (CPO)", "non renseigné"), ("Description", "non renseigné"),
        ("Source", "non renseigné"),
    ]


def test_the_programmes_page_shows_short_rows_and_the_detail_of_the_picked_action(demo_db) -> None:
    at = run_page("programmes", territoire="demo")
    assert not at.exception
    table = at.dataframe[-1].value
    assert list(table.columns) == ["Année", "Action", "Porteur", "Enjeu", "Quartiers", "Montant",
                                   "Financeurs", "Nouvelle", "CPO"]
    assert not table.map(lambda v: len(v) == 0).to_numpy().any()      # no empty cell, no empty list
    # The quartiers by name, never by code (issue #11); the demo's actions name its quartiers.
    named = [q for q in table["Quartiers"] if q != "non renseigné"]
    assert named and not any(re.search(r"\bQ[NP]\d", q) for q in named)
    picker = at.selectbox(key="prog_detail")
    # Options are shown as screen text (no-break spaces, ui.typography): compared as read.
    assert plain_spaces(picker.options[0]) == plain_spaces(
        views.action_choice({"year": 2026, "title": table["Action"][0]}))
    picker.select_index(1).run()
    detail = [plain_spaces(shown(m.value)) for m in at.markdown if "**Description**" in m.value]
    assert detail == ["\n".join([
        "- **Année** : 2026", "- **Action** : Atelier santé ville",
        "- **Porteur** : Ville de Lorneville (fictif)", "- **Enjeu** : Santé et accès aux droits",
        "- **Quartiers** : non renseigné", "- **Montant** : 64 500 €",
        "- **Financeurs** : Autres financeurs, CAF, Département, Intercommunalité, "
        "État – programme 147, Ville",
        "- **Nouvelle action** : non", "- **Convention pluriannuelle (CPO)** : oui",
        "- **Description** : Action fictive de démonstration.",
        "- **Source** : Bilan annuel du contrat de ville 2025 (document fictif, CA Val-de-Lorne, "
        "fictive, 10 février 2026) — programmation 2026"])]
    # The row picked is the table's second row, with its cells.
    assert list(table.iloc[1][["Action", "Quartiers", "Montant"]]) == [
        "Atelier santé ville", "non renseigné", "64\u202f500\u00a0€"]
