"""Charts built without plotly's per-property validation (issue #15: validating a comparison bar
was 30 % of a France-sized portrait's first visit) are the figures plotly would build validated:
each chart is built twice, once through `charts.unvalidated` and once with `go.Figure(spec)`
validating every property, and the whole `to_dict()` (the default template included) is compared."""
from __future__ import annotations

import json
import math

import plotly.graph_objects as go
import pytest

from ui import charts

LONG = ("Communauté d'agglomération du Grand Chalon et des communes associées du Val de Saône "
        "<script>alert(1)</script> & « guillemets »")

ROWS = {
    "every level": [
        {"name": "Les Tilleuls", "value": 41.5, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": 18.0, "status": "ok", "level": "commune"},
        {"name": "CA du Val", "value": 17.25, "status": "ok", "level": "epci"},
        {"name": "Département fictif", "value": 15.0, "status": "ok", "level": "departement"},
        {"name": "France métropolitaine", "value": 14.5, "status": "ok", "level": "france"},
        {"name": "Ensemble des QPV", "value": 43.0, "status": "ok", "level": "qpv_ensemble"}],
    "withheld and missing": [
        {"name": "Le Clos", "value": None, "status": "secret", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": None, "status": "missing", "level": "commune"},
        {"name": "CA du Val", "value": 3.0, "status": "not_significant", "level": "epci"},
        {"name": LONG, "value": 0.0, "status": "ok", "level": "unknown level"}],
    "amounts": [
        {"name": "Les Tilleuls", "value": 13_250.0, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": -1_250.5, "status": "ok", "level": "commune"},
        {"name": "Nulle part", "value": math.nan, "status": "ok", "level": "commune"}],
    "one bar": [{"name": "Seul", "value": 1e308, "status": "ok", "is_qpv": True, "level": "qpv"}],
    "no bar": [],
}
TITLES = ["Taux", "Part des allocataires dont les prestations représentent au moins la moitié des "
          "ressources", LONG]


def _validated(monkeypatch, chart, *args):
    with monkeypatch.context() as m:
        m.setattr(charts, "unvalidated", lambda spec: go.Figure(spec))
        return chart(*args)


@pytest.mark.parametrize("rows", list(ROWS), ids=list(ROWS))
@pytest.mark.parametrize("unit", ["%", "EUR", "EUR/mois", "nb", None])
@pytest.mark.parametrize("title", TITLES, ids=["short", "two lines", "hostile"])
def test_a_comparison_bar_is_the_figure_plotly_builds_validated(monkeypatch, rows, unit, title):
    fast = charts.comparison_bar(title, unit, ROWS[rows])
    assert fast.to_dict() == _validated(monkeypatch, charts.comparison_bar, title, unit, ROWS[rows]).to_dict()
    # Validated again from its own dict (plotly raises on a property it does not know).
    assert go.Figure(fast.to_dict()).to_dict() == fast.to_dict()
    assert fast.to_plotly_json()["layout"]["template"] == go.Figure().to_dict()["layout"]["template"]


def test_a_comparison_bar_whole() -> None:
    """The figure of a QPV beside its commune, whole: the bars, their texts and colours, the layout."""
    rows = [{"name": "Les Tilleuls", "value": 41.5, "status": "ok", "is_qpv": True, "level": "qpv"},
            {"name": "Valfleuri", "value": 18.25, "status": "ok", "is_qpv": False, "level": "commune"}]
    fig = charts.comparison_bar("Taux de pauvreté", "%", rows).to_dict()
    layout = {k: v for k, v in fig["layout"].items() if k != "template"}
    assert fig["data"] == [{
        "type": "bar", "orientation": "h", "x": [41.5, 18.25], "y": ["Les Tilleuls", "Valfleuri"],
        "marker": {"color": [charts.QPV_COLOUR, charts.palette.LEVEL_COLOURS["commune"]]},
        "text": ["41,50\u00a0%", "18,25\u00a0%"], "hovertext": ["41,50\u00a0%", "18,25\u00a0%"],
        "textposition": "outside", "cliponaxis": False, "hoverinfo": "y+text"}]
    assert layout == {
        "title": {"text": "Taux de pauvreté", "font": {"size": 14}}, "separators": ",\u202f",
        "font": {"family": "Source Sans Pro, sans-serif", "size": 13, "color": charts.palette.TEXT},
        "showlegend": False, "margin": {"l": 10, "r": 100, "t": 50, "b": 40}, "height": 184,
        "plot_bgcolor": "white",
        "xaxis": {"showgrid": True, "gridcolor": "#e6e6e6", "zeroline": True, "zerolinecolor": "#999",
                  "showticklabels": False, "rangemode": "tozero"},
        "yaxis": {"autorange": "reversed", "automargin": True, "ticklabelstandoff": 6,
                  "tickfont": {"size": 13, "color": charts.palette.TEXT}}}


def test_a_comparison_bar_skips_plotly_s_validation() -> None:
    fig = charts.comparison_bar("Taux", "%", ROWS["every level"])
    assert (fig._validate, fig.layout._validate, fig.data[0]._validate) == (False, False, False)


def _series(kind: str, rows: list[tuple]) -> "pd.DataFrame":
    import pandas as pd
    return pd.DataFrame.from_records(
        [{"year": y, "gap": g, "gap_kind": kind, "comparator_level": level, "comparator_name": name}
         for y, g, level, name in rows],
        columns=["year", "gap", "gap_kind", "comparator_level", "comparator_name"])


SERIES = {
    "points, two comparators": _series("points", [
        (2019, 10.0, "commune", "Valfleuri"), (2021, 8.5, "commune", "Valfleuri"),
        (2019, 12.25, "epci", "CA du Val"), (2021, 8.5, "epci", "CA du Val")]),
    "ratio, three years, one missing gap": _series("ratio", [
        (2017, 0.59, "commune", LONG), (2019, None, "commune", LONG), (2021, 0.71, "commune", LONG)]),
    "negative points": _series("points", [(2020, -4.0, "epci", "CA"), (2022, -1.5, "epci", "CA")]),
    "empty": _series("points", []),
}


@pytest.mark.parametrize("name", list(SERIES))
@pytest.mark.parametrize("unit", ["%", "EUR/mois", None])
def test_a_gap_chart_is_the_figure_plotly_builds_validated(monkeypatch, name, unit):
    # Compared as the JSON sent to the browser (a missing gap is NaN, which equals nothing).
    fast = charts.gap_lines(SERIES[name], f"Écart – {LONG}", unit)
    sent = json.loads(fast.to_json())
    assert sent == json.loads(_validated(monkeypatch, charts.gap_lines, SERIES[name], f"Écart – {LONG}",
                                         unit).to_json())
    assert json.loads(go.Figure(fast.to_dict()).to_json()) == sent
    assert fast._validate is False


def test_a_gap_chart_whole() -> None:
    fig = charts.gap_lines(SERIES["negative points"], "Écart – Taux", "%").to_dict()
    assert fig["data"] == [{
        "type": "scatter", "x": [2020, 2022], "y": [-4.0, -1.5], "mode": "lines+markers+text", "name": "CA",
        "text": ["\u22124,0\u00a0pts", "\u22121,5\u00a0pts"], "textposition": ["top right", "top left"],
        "cliponaxis": False, "hovertext": ["\u22124,0\u00a0pts", "\u22121,5\u00a0pts"], "hoverinfo": "x+name+text",
        "line": {"color": charts.palette.LEVEL_COLOURS["epci"], "width": 2, "dash": "solid"}}]
    layout = {k: v for k, v in fig["layout"].items() if k != "template"}
    assert layout == {
        "title": {"text": "Écart – Taux", "font": {"size": 14}}, "separators": ",\u202f",
        "font": {"family": "Source Sans Pro, sans-serif", "size": 13, "color": charts.palette.TEXT},
        "plot_bgcolor": "white", "height": 360, "margin": {"l": 10, "r": 30, "t": 70, "b": 10},
        "legend": {"orientation": "h", "y": -0.2},
        "shapes": [{"type": "line", "line": {"color": "#666", "dash": "dot"}, "x0": 0, "x1": 1,
                    "xref": "x domain", "y0": 0, "y1": 0, "yref": "y"}],
        "xaxis": {"tickmode": "array", "tickvals": [2020, 2022], "ticktext": ["2020", "2022"],
                  "gridcolor": "#e6e6e6"},
        "yaxis": {"title": {"text": charts.wrap_words(charts.views.gap_axis_title("points", "%"), 30),
                            "standoff": charts.AXIS_TITLE_STANDOFF_PX},
                  "gridcolor": "#e6e6e6", "tickformat": ",~f", "automargin": True,
                  "range": [pytest.approx(-4.6), 0.0]}}
