"""Issue #11 leftovers (RC): indicator selectors offering only indicators with values, chart
source lines of about two lines at 390 px, the actions table's « Quartiers » column, « politique
de la ville » in the product's own strings, each CIA figure once on the housing page.
AppTest on the demo build (every contract) and function-level tests on small data."""
from __future__ import annotations

import duckdb
import pytest

from indicators import compare
from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page
from ui import views

CONTRACTS = ["demo", "grand-chalon", "chambery", "chartres-metropole"]


def _catalog(path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        ids = [r[0] for r in con.execute("select distinct indicator_id from indicator_catalog").fetchall()]
        return ids
    finally:
        con.close()


@pytest.mark.parametrize("slug", CONTRACTS)
def test_the_map_offers_only_indicators_it_can_colour(demo_db, slug) -> None:
    """Chambéry's map: a column of « non disponible » under a choice of every indicator. Every
    option now draws at least one value on the map; none left out could; with none, a note."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        colourable = {i for i in _catalog(demo_db)
                      if (compare.map_values(con, slug, i).frame["status"] == "ok").any()}
    finally:
        con.close()
    at = run_page("carte", territoire=slug)
    assert not at.exception
    if not colourable:
        assert slug == "chambery"
        assert [plain_spaces(i.value) for i in at.info] == [
            "Aucune valeur d'indicateur n'est chargée pour les quartiers de ce territoire : la "
            "carte n'a rien à colorer (voir « Données et méthode » pour charger les fichiers de "
            "l'Insee)."]
        assert not at.selectbox and not at.dataframe and not at.get("deck_gl_json_chart")
        return
    select = at.selectbox(key="map_indicator")
    offered = {i for i in colourable
               if plain_spaces(views.indicator_short_option(i)) in map(plain_spaces, select.options)}
    assert len(select.options) == len(colourable) and offered == colourable
    assert select.value in colourable               # the default has values
    assert (at.dataframe[0].value["Valeur"] != "non disponible").any()


@pytest.mark.parametrize("slug", CONTRACTS)
def test_the_comparison_offers_only_indicators_with_values(demo_db, slug) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        table = compare.compare_qpvs(con, slug, _catalog(demo_db))
    finally:
        con.close()
    with_values = {c for c in _catalog(demo_db) if (table[c + "__status"] == "ok").any()}
    at = run_page("comparer", territoire=slug)
    assert not at.exception
    if not with_values:
        assert slug == "chambery" and not at.multiselect and "rien à comparer" in at.info[0].value
        return
    chips = at.multiselect(key="cmp_indicators")
    offered = {i for i in with_values
               if plain_spaces(views.indicator_option(i)) in map(plain_spaces, chips.options)}
    assert len(chips.options) == len(with_values) and offered == with_values
    assert chips.value and set(chips.value) <= with_values
