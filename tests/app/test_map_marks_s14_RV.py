"""The map page tells its two orange marks apart (issue #11, final review RV): the selected QPV's
outline stood unexplained beside « En orange : 1 poche de pauvreté » and read as a pocket."""
from __future__ import annotations

import pandas as pd

from ui import views

SQUARE = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
FRAME = pd.DataFrame({"qpv_code": ["QN09903M", "QN09907N", "QN09910N"],
                      "qpv_name": ["Bords de Lorne - Gare", "Champ [de] Foire", "Le Clos Fleuri"],
                      "geojson": [SQUARE, SQUARE, None]})


def test_the_outline_is_named_when_the_selected_qpv_is_drawn() -> None:
    assert [views.selected_outline_note(FRAME, code) for code in
            ("QN09903M", "QN09907N", "QN09910N", "QN00000X", None)] == [
        "Entouré d'orange : Bords de Lorne \\- Gare, le quartier sélectionné.",
        "Entouré d'orange : Champ \\[de\\] Foire, le quartier sélectionné.",
        None, None, None]
    assert views.selected_outline_note(FRAME.iloc[:0], "QN09903M") is None


def test_the_pockets_line_says_filled() -> None:
    assert views.POCKETS_MARK == "En orange plein : "
