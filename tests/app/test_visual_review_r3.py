"""Issue 11, contracts demo and grand-chalon (review R3): what the screenshots showed, asserted on
the page runs (AppTest on the real demo database) or on the functions behind them."""
from __future__ import annotations

import json

from tests.app.test_pages import run_page
from ui import views


def test_name_column_width_fits_the_longest_name() -> None:
    assert views.name_column_px(["Champ de Foire", "Vieux Moulin - Paradis - Les Hauts de Lorne"]) == (
        24 + 7 * 43)
    assert views.name_column_px(["La Chênaie"]) == 24 + 7 * 10
    assert views.name_column_px(["x" * 200]) == 340
    assert views.name_column_px([]) == 24


def test_map_table_shows_every_quartier_name_whole(demo_db) -> None:
    # Streamlit's grid sized « Quartier » on its first rows: the last, « Vieux Moulin - Paradis -
    # Les Hauts de Lorne », read « Vieux Moulin - Paradis - Les Haut » at 1440 px.
    at = run_page("carte", territoire="demo")
    assert not at.exception
    table = at.dataframe[0]
    names = table.value["Quartier"].tolist()
    assert "Vieux Moulin - Paradis - Les Hauts de Lorne" in names
    columns = json.loads(table.proto.columns)
    assert columns["Quartier"]["width"] == 24 + 7 * max(len(n) for n in names)
    assert columns["Portrait"]["type_config"]["display_text"] == "Ouvrir le portrait"
