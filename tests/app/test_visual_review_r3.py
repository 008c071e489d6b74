"""Issue 11, contracts demo and grand-chalon (review R3): what the screenshots showed, asserted on
the page runs (AppTest on the real demo database) or on the functions behind them."""
from __future__ import annotations

import json

from tests.app.test_pages import run_page, shown
from indicators.fmt import plain_spaces
from ui import views


def test_map_table_shows_every_quartier_name_whole(demo_db) -> None:
    # Streamlit's grid sized « Quartier » on its first rows: the last, « Vieux Moulin - Paradis -
    # Les Hauts de Lorne », read « Vieux Moulin - Paradis - Les Haut » at 1440 px.
    at = run_page("carte", territoire="demo")
    assert not at.exception
    table = at.dataframe[0]
    names = table.value["Quartier"].tolist()
    assert "Vieux Moulin - Paradis - Les Hauts de Lorne" in names
    columns = json.loads(table.proto.columns)
    assert columns["Quartier"]["width"] == min(max(views.text_px(n) for n in names), views.PINNED_NAME_MAX_PX)
    assert columns["Portrait"]["type_config"]["display_text"] == "Ouvrir le portrait"


def _walk(node, out: list) -> list:
    """Headers and metric labels of a page run, in the order they are shown."""
    kind = getattr(node, "type", None)
    if kind == "header":
        out.append(("header", node.value))
    elif kind == "metric":
        out.append(("metric", node.label))
    for child in getattr(node, "children", {}).values():
        _walk(child, out)
    return out


def test_housing_page_keeps_followed_results_out_of_context_figures(demo_db) -> None:
    # Grand Chalon's « Attributions hors QPV aux demandeurs du 1er quartile » (12,04 %, objective
    # 25 %) was the last tile under « Chiffres de contexte »: a result the contract follows.
    at = run_page("logement", territoire="grand-chalon")
    assert not at.exception
    seen = _walk(at.main, [])
    headers = [value for kind, value in seen if kind == "header"]
    # That followed result is the 2021 rate of the CIA tile above: said once, there (issue #11,
    # test_issue11_rc), so no « Indicateurs suivis du contrat » is left to show.
    assert headers[-1] == "Chiffres de contexte" and "Indicateurs suivis du contrat" not in headers
    end = seen.index(("header", "Chiffres de contexte"))
    context = [label for kind, label in seen[end:] if kind == "metric"]
    assert [plain_spaces(shown(label)) for label in context] == [
        "Seuil du 1er quartile de ressources des demandeurs",
        "Demandeurs en attente d'un logement social", "Part de la demande sur la ville centre",
        "Part des demandeurs en demande de mutation (déjà locataires du parc social)",
        "Part des demandeurs qui habitent déjà l'agglomération",
        "Pression locative globale (tous demandeurs confondus)",
        "Pression locative sur les petites typologies", "Pression locative pour les primo-demandeurs",
        "Part des logements sociaux situés dans la commune centre",
        "Part du parc social dans les résidences principales",
        "Bailleurs sociaux présents sur le territoire",
        "Part du patrimoine social détenue par OPAC 71 et Habellis", "Taux de rotation du parc social",
        "Taux de vacance commerciale du parc social", "Logements sociaux vacants",
        "Loyer du parc social hors QPV", "Loyer du parc social en QPV",
        "Ménages du parc social en QPV aux ressources inférieures à 40 % des plafonds PLUS",
        "Part des demandeurs de mutation dans les attributions",
        "Part des logements sociaux de l'agglomération situés en QPV",
        "Logements sociaux des QPV à occupation « fragile » à « très fragile »"]


def test_housing_results_table_shows_parties_and_objectives_whole(demo_db) -> None:
    # « Attributions en QPV aux ménages au-dessus du 1er q… »: the grid sized « Objectif » on
    # its first rows, all of the shorter objective.
    at = run_page("logement", territoire="demo")
    assert not at.exception
    table = at.dataframe[0]      # the results table, first on the page
    columns = json.loads(table.proto.columns)
    for name in ("Partie", "Objectif"):
        assert columns[name]["width"] == min(max(views.text_px(v) for v in [name, *table.value[name]]),
                                             views.TEXT_COLUMN_MAX_PX), name
    # Objectives by their short names, explained once under the table (views.HOUSING_TABLE_NOTE).
    assert "Hors 1er quartile, en QPV" in set(table.value["Objectif"])


def test_pinned_name_columns_fit_their_names_and_leave_the_value_on_a_phone(demo_db) -> None:
    # The comparison table's « Quartier » was sized on its first rows too (« Vieux Moulin -
    # Paradis - »); a pinned column as wide as a 60-character name would hide the value at 390 px.
    at = run_page("comparer", territoire="demo")
    assert not at.exception
    table = next(d for d in at.dataframe if "Quartier" in d.value.columns)
    columns = json.loads(table.proto.columns)
    longest = max(views.text_px(n) for n in table.value["Quartier"])
    # The marker column « ▶ » is pinned too: both together within PINNED_NAME_MAX_PX (at 390 px
    # a 280 px name beside the marker left 25 px for the value: « 38, »).
    room = views.PINNED_NAME_MAX_PX - views.PINNED_MARK_PX
    assert (columns["Quartier"]["width"], columns[""]["width"]) == (min(longest, room),
                                                                   views.PINNED_MARK_PX)
    assert columns["Quartier"]["pinned"] is True and columns[""]["pinned"] is True
    # A value column still shows a value whole beside them on a phone (« non disponibl » at 280 px).
    for value in ("secret statistique", "non disponible", "1 830 habitants"):
        assert views.PINNED_NAME_MAX_PX + views.text_px(value) <= views.PHONE_TABLE_PX, value
