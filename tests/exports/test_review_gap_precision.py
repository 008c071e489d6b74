"""Issue #11: the review's gap table (« les écarts se réduisent-ils ? ») prints each column of
one indicator at one precision: « 29,0 » beside « 28,6 », not « 29 » beside « 28,6 »."""
from __future__ import annotations

import pandas as pd

from reports import pdf


def _gaps() -> pd.DataFrame:
    return pd.DataFrame({
        "Indicateur": ["Taux de pauvreté", "Taux de pauvreté", "Revenu médian", "Revenu médian"],
        "Quartier": ["Aubépins", "Stade", "Aubépins", "Stade"],
        "Année": [2021, 2021, 2021, 2021],
        "Écart au début": [29.0, 31.25, 0.5, 0.62],
        "À la fin": [28.6, 30.0, 0.55, 0.6],
        "Actions": [3, 4, 5, 6],
        "L'écart s'est": ["réduit", "réduit", "creusé", "réduit"],
    })


def test_review_decimals_one_precision_per_column_and_indicator() -> None:
    assert pdf.review_decimals(_gaps()) == {"Écart au début": [2, 2, 2, 2], "À la fin": [1, 1, 2, 2]}


def test_review_gap_table_prints_a_column_at_one_precision() -> None:
    pdf.register_fonts()
    table = pdf._review_table(_gaps(), pdf.styles())
    rows = [[(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in r]
            for r in table._cellvalues[1:]]
    assert [r[3:6] for r in rows] == [["29,00", "28,6", "3"], ["31,25", "30,0", "4"],
                                      ["0,50", "0,55", "5"], ["0,62", "0,60", "6"]]
