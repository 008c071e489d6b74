"""Issue #11: a share we compute reads with one decimal in every export (a rate typed from a
document keeps its own decimals: see tests/indicators/test_cia_display.py)."""
from __future__ import annotations

import io

import openpyxl
import pandas as pd

from reports.tables import to_xlsx_bytes
from ui import views


def _by_funder() -> pd.DataFrame:
    amounts = [46_470.0, 39_080.0, 14_450.0, 0.0]
    total = sum(amounts)
    return pd.DataFrame({"funder": ["etat", "epci", "commune", "caf"],
                         "funder_label": ["État", "EPCI", "Commune", "CAF"],
                         "amount_eur": amounts,
                         "share_pct": [100 * a / total for a in amounts]})


def test_funder_shares_export_with_one_decimal() -> None:
    out = views.export_frame("by_funder", _by_funder())
    assert out.to_dict("list") == {"Financeur": ["État", "EPCI", "Commune", "CAF"],
                                   "Montant (€)": [46_470.0, 39_080.0, 14_450.0, 0.0],
                                   "Part (%)": [46.5, 39.1, 14.5, 0.0]}
    # The XLSX cell holds the number the page shows, not « 46,47 % ».
    data = to_xlsx_bytes(out, title="Financements", territory="Test", units={"Part (%)": "%"})
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)
             and c.value < 100 and c.value not in (0.0,)]
    assert cells == [46.5, 39.1, 14.5]


def test_project_cpo_pocket_and_theme_shares_export_with_one_decimal() -> None:
    projects = pd.DataFrame({"year": [2024, 2025], "n_projects": [16, 3], "n_new": [7, 1],
                             "n_new_unknown": [0, 3], "share_new_pct": [100 * 7 / 16, None]})
    shares = views.export_frame("projects", projects)["Part de projets nouveaux (%)"]
    assert [None if pd.isna(v) else v for v in shares] == [43.8, None]
    cpo = pd.DataFrame({"year": [2024], "n_agreements": [80], "n_cpo": [73], "n_unknown": [0],
                        "share_pct": [91.25], "amount_p147_eur": [1.0], "amount_p147_cpo_eur": [1.0],
                        "target_pct": [12.04], "reached": [True]})
    out = views.export_frame("cpo", cpo)
    # 91,25 computed → 91,3 (half-up); the target typed from a document keeps its decimals.
    assert (out["Part de CPO (%)"].tolist(), out["Objectif (%)"].tolist()) == ([91.3], [12.04])
    themes = pd.DataFrame({"theme": ["Emploi", "Santé"], "n_actions": [3, 1],
                           "amount_eur": [2.0, 1.0], "share_pct": [200 / 3, 100 / 3]})
    assert views.export_frame("by_theme", themes)["Part (%)"].tolist() == [66.7, 33.3]


def test_xlsx_rate_cells_hold_computed_rates_at_one_decimal_and_typed_ones_as_typed() -> None:
    frame = pd.DataFrame({"Quartier": ["Aubépins", "Prés Saint-Jean", "CIA", "Entier"],
                          "Valeur (%)": [100 * 928 / 1017, 100 * 1505 / 1768, 12.04, 40.25]})
    data = to_xlsx_bytes(frame, title="Occupation", territory="Test", units={"Valeur (%)": "%"})
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    cells = [(row[0].value, row[1].value) for row in ws.iter_rows()
             if row[0].value in set(frame["Quartier"])]
    # 91,2487… and 85,1244… computed → 91,2 and 85,1; 12,04 and 40,25 typed → kept.
    assert cells == [("Aubépins", 91.2), ("Prés Saint-Jean", 85.1), ("CIA", 12.04), ("Entier", 40.25)]
