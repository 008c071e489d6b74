"""Text alternatives and explicit download labels (issue 11, accessibility), checked without a
browser: every chart has an accessible name (`alt`) and a « Voir les données » table built from
what it draws; download buttons say what they download. The browser checks (axe-core, phone
width, focus) are in tests/app/test_a11y_browser.py."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from indicators.fmt import plain_spaces
from ui import charts, exports

ROOT = Path(__file__).resolve().parents[2]


def test_figure_table_of_a_comparison_bar_chart() -> None:
    fig = charts.comparison_bar("Revenu médian", "EUR/mois", [
        {"name": "Aubépins", "value": 742.0, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Chalon-sur-Saône", "value": 1480.0, "status": "ok", "level": "commune"},
        {"name": "Vieux Puits - Paradis - Maunoury et ses alentours", "value": None,
         "status": "secret", "level": "commune"}])
    table = exports.figure_table(fig).map(plain_spaces)
    assert table.to_dict("records") == [
        {"Catégorie": "Aubépins", "Valeur": "742 €/mois"},
        {"Catégorie": "Chalon-sur-Saône", "Valeur": "1 480 €/mois"},
        {"Catégorie": "Vieux Puits - Paradis - Maunoury et ses alentours", "Valeur": "secret statistique"}]


def test_figure_table_of_stacked_bars_and_of_a_scatter() -> None:
    by_year = pd.DataFrame({"year": [2024, 2025, 2024], "funder": ["ville", "ville", "epci"],
                            "funder_label": ["Ville", "Ville", "Intercommunalité"],
                            "amount_eur": [1000.0, 2500000.0, 500.0]})
    table = exports.figure_table(charts.stacked_years(by_year)).map(plain_spaces)
    assert table.to_dict("records") == [
        {"Catégorie": "2024", "Ville": "1 000 €", "Intercommunalité": "500 €"},
        {"Catégorie": "2025", "Ville": "2,5 M€", "Intercommunalité": ""}]
    points = pd.DataFrame({"qpv_code": ["A", "B"], "qpv_name": ["Aubépins", "Les Tilleuls"],
                           "x": [45.25, 30.0], "y": [742.0, 1080.0]})
    fig = charts.scatter(points, "Taux de pauvreté", "Revenu médian", "%", "EUR/mois", "B")
    table = exports.figure_table(fig).map(plain_spaces)
    assert table.to_dict("records") == [
        {"Point": "Aubépins", "Taux de pauvreté (%)": "45,25", "Revenu médian (€ par mois)": "742"},
        {"Point": "Les Tilleuls", "Taux de pauvreté (%)": "30", "Revenu médian (€ par mois)": "1 080"}]


@pytest.mark.parametrize("page, territoire, qpv", [
    ("portrait", None, "QN09902I"), ("mandat", "demo", None), ("programmes", "demo", None),
    ("logement", "grand-chalon", None), ("comparer", "demo", None)])
def test_every_chart_has_a_name_and_its_data(demo_db, page, territoire, qpv) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    if territoire:
        at.session_state["territoire"] = territoire
    if qpv:
        at.query_params["qpv"] = qpv
    at.run()
    assert not at.exception, at.exception
    charts_ = at.get("plotly_chart")
    assert charts_, "the page shows no chart"
    assert all(c.proto.alt.strip() for c in charts_)
    data = [e for e in at.expander if e.label == "Voir les données"]
    assert len(data) == len(charts_)
    assert all(len(e.dataframe) == 1 and not e.dataframe[0].value.empty for e in data)
    labels = [b.label for b in at.get("download_button")]
    assert labels and all(label.startswith(("Télécharger", "Tous les portraits")) for label in labels)
    assert {b.help for b in at.get("download_button")} - {""} and all(b.help for b in at.get("download_button"))
