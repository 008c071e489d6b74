"""A year is a label: every grid aligns it at the left, written as a number or as text (the
last page review, s14-RS: « Droit commun »'s first table had its « Année » at the right)."""
from __future__ import annotations

import pandas as pd

from ui import components, views


def test_a_year_is_aligned_left_in_every_grid_number_or_text() -> None:
    # « Droit commun »'s credits kept the year as a number (review.display_frame): the grid put
    # it at the right, where the TFPB's and every other table's year (text) sit at the left.
    credits = pd.DataFrame({"Année": [2024, 2025], "Programme 147 (€)": ["120 000", "non renseigné"],
                            "Année de l'objectif suivant": [2026.0, None], "Projets": [3, 4]})
    assert views.year_columns(credits) == ["Année", "Année de l'objectif suivant"]
    assert views.year_columns(pd.DataFrame({"Année": ["2024"], "Annee x": [1.5]})) == []
    config = components.fit_columns(credits)["column_config"]
    assert config["Année"]["alignment"] == "left"
    assert config["Année de l'objectif suivant"]["alignment"] == "left"
    assert "Projets" not in config or config["Projets"].get("alignment") is None
    # A year column with a width keeps it.
    texts = pd.DataFrame({"Année": [2024], "Quartier": ["Bords de Lorne"]})
    assert components.fit_columns(texts, column_config={})["column_config"]["Année"]["alignment"] == "left"
