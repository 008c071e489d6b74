"""The portrait's charts and situation map are built as plotly's own figure dicts
(reports.images.FigureSpec), never as validated go.Figure objects: the export server is sent
exactly what a validated figure would have sent, without plotly's validation (most of a report's
chart time)."""
from __future__ import annotations

import copy

import plotly.graph_objects as go
import pytest

from indicators import portrait as portrait_mod
from reports import images, pdf

CATS = ["Part des mineurs", "Familles nombreuses", "Familles monoparentales",
        "Demandeurs d'emploi de<br>niveau inférieur au<br>CAP-BEP", "Taux d'emploi des 15-64<br>ans",
        "Taux d'activité des<br>15-64 ans"]
RATE_LAYOUT = {"bargap": 0.22, "bargroupgap": 0.04, "barmode": "group", "font": {"size": 12},
               "legend": {"font": {"size": 12}, "orientation": "h", "traceorder": "reversed", "x": 0,
                          "y": 1.0, "yanchor": "bottom"},
               "margin": {"b": 30, "l": 10, "r": 40, "t": 10}, "separators": ", "}


def _bar(name, colour, text, x, y) -> dict:
    return {"cliponaxis": False, "marker": {"color": colour}, "name": name, "orientation": "h",
            "text": text, "textfont": {"size": 11}, "textposition": "outside", "type": "bar", "x": x, "y": y}


def _plotly_spelling(spec: dict) -> dict:
    return go.Figure(spec).to_dict()


def test_the_shares_chart_is_plotlys_own_dict(report_con) -> None:
    spec = pdf.rates_figure(portrait_mod.build_portrait(report_con, "QN07101I"))
    assert isinstance(spec, images.FigureSpec)
    assert _plotly_spelling(spec) == spec          # what a validated go.Figure would send
    assert spec["layout"]["template"] == images.template_dict("simple_white")
    assert spec["layout"]["template"]["layout"]["plot_bgcolor"] == "white"
    assert {**spec, "layout": {k: v for k, v in spec["layout"].items() if k != "template"}} == {
        "data": [
            _bar("CA Le Grand Chalon", "#56b4e9", ["", "", "", "14,6\xa0%", "", ""],
                 [None, None, None, 14.6, None, None], CATS),
            _bar("Chalon-sur-Saône", "#e69f00", ["", "", "", "", "60,1\xa0%", "74,3\xa0%"],
                 [None, None, None, None, 60.1, 74.3], CATS),
            _bar("Aubépins", "#1f4e79", ["17,8\xa0%", "27,4\xa0%", "37,5\xa0%", "26,3\xa0%", "43,0\xa0%", "64,1\xa0%"],
                 [17.8, 27.4, 37.5, 26.3, 43.0, 64.1], CATS)],
        "layout": {**RATE_LAYOUT, "xaxis": {"gridcolor": "#e6e6e6", "range": [0, 74.3 * 1.18 + 2],
                                            "showgrid": True, "ticksuffix": " %"}}}


def test_the_income_chart_is_plotlys_own_dict(report_con) -> None:
    spec, value = pdf.income_figure(portrait_mod.build_portrait(report_con, "QN07101I"))
    assert value.indicator_id == "median_income_eur_month"
    assert _plotly_spelling(spec) == spec
    assert {**spec, "layout": {k: v for k, v in spec["layout"].items() if k != "template"}} == {
        "data": [{"cliponaxis": False, "marker": {"color": ["#1f4e79", "#e69f00", "#56b4e9"]},
                  "text": ["742\xa0€/mois", "1\u202f480\xa0€/mois", "1\u202f770\xa0€/mois"],
                  "textfont": {"size": 13}, "textposition": "outside", "type": "bar",
                  "x": ["Aubépins<br>(2019)", "Chalon-sur-<br>Saône (2022)", "CA Le Grand<br>Chalon (2022)"],
                  "y": [742.0, 1480.0, 1770.0]}],
        "layout": {"font": {"size": 12}, "margin": {"b": 10, "l": 10, "r": 10, "t": 30}, "separators": ", ",
                   "showlegend": False, "xaxis": {"tickangle": 0, "tickfont": {"size": 11}},
                   "yaxis": {"gridcolor": "#e6e6e6", "showgrid": True, "tickformat": ",d"}}}
    assert spec["layout"]["template"] == images.template_dict("simple_white")


@pytest.mark.parametrize("code", ["QN09901N", "QN09902N", "QN09903N", "QN07102I"])
def test_every_portraits_charts_are_plotlys_own_dicts(report_con, code) -> None:
    p = portrait_mod.build_portrait(report_con, code)
    shown = [spec for spec in (pdf.rates_figure(p), (pdf.income_figure(p) or (None,))[0]) if spec is not None]
    assert shown, code
    assert [_plotly_spelling(s) for s in shown] == shown


@pytest.mark.parametrize("code", ["QN07101I", "QN09901N", "QN09903N"])
def test_the_shares_charts_labels_share_one_precision(report_con, code) -> None:
    # Issue 11: the bars are read side by side, « 43,0 % » beside « 23,4 % », never « 43 % ».
    spec = pdf.rates_figure(portrait_mod.build_portrait(report_con, code))
    labels = [t for bar in spec["data"] for t in bar["text"] if t]
    assert labels and {len(t.split(",")[1]) if "," in t else 0 for t in labels} == {len("0\xa0%")}, labels


@pytest.mark.parametrize("indicator", [None, "poverty_rate_pct"])
@pytest.mark.parametrize("options", [dict(legend=False, label_codes=["QN09902N"], size_px=(420, 260)),
                                     dict(legend=True), dict(show_names=False, legend=True)])
@pytest.mark.parametrize("highlight", [None, "QN09902N"])
def test_the_map_is_plotlys_own_dict(report_con, indicator, options, highlight) -> None:
    data = images.load_map_data(report_con, contract_slug="demo", indicator_id=indicator)
    spec = images.qpv_map_spec(data, highlight=highlight, **options)
    assert _plotly_spelling(spec) == spec
    assert images.qpv_map_figure(data, highlight=highlight, **options).to_dict() == spec
    assert spec["layout"]["template"] == images.template_dict()
    outlined = [t for t in spec["data"] if t.get("line", {}).get("width") == 3]
    assert [t["name"] for t in outlined] == (["Vieux Puits - Paradis - Maunoury"] if highlight else [])


def test_a_map_without_contours_is_plotlys_own_dict() -> None:
    spec = images.qpv_map_spec(images.MapData([], []))
    assert _plotly_spelling(spec) == spec
    assert [a["text"] for a in spec["layout"]["annotations"]] == ["Contours non disponibles pour ce territoire"]


def test_a_figure_spec_is_sent_as_a_copy_without_validation(report_con, monkeypatch) -> None:
    p = portrait_mod.build_portrait(report_con, "QN07101I")
    data = images.load_map_data(report_con, contract_slug="gc-test")
    images.template_dict("simple_white"), images.template_dict()     # the templates, validated once
    validated = [images.bare_spec(go.Figure(s), "Titre") for s in
                 (pdf.rates_figure(p), pdf.income_figure(p)[0], images.qpv_map_spec(data, highlight="QN07101I"))]

    def no_figure(*args, **kwargs):
        raise AssertionError("a report chart built a validated go.Figure")

    monkeypatch.setattr(go.Figure, "__init__", no_figure)
    specs = [pdf.rates_figure(p), pdf.income_figure(p)[0], images.qpv_map_spec(data, highlight="QN07101I")]
    kept = copy.deepcopy(specs)
    sent = [images.bare_spec(s, "Titre") for s in specs]
    assert sent == validated
    for s in sent:
        s["layout"]["template"]["layout"]["font"] = {"size": 99}
        s["data"][0]["x"].append(1)
    assert specs == kept                            # the figure may change after it is sent


def test_a_portrait_sends_its_charts_unvalidated(report_con, monkeypatch) -> None:
    """The portrait (alone or in a mandate report) builds no go.Figure: its three images are sent
    as FigureSpecs."""
    import io
    from concurrent.futures import Future

    from PIL import Image

    images.template_dict("simple_white"), images.template_dict()
    buf = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(buf, format="PNG")
    sent = []

    def later(fig, **kwargs):
        sent.append((type(fig).__name__, kwargs["title"]))
        done = Future()
        done.set_result(buf.getvalue())
        return done

    def no_figure(*args, **kwargs):
        raise AssertionError("a report chart built a validated go.Figure")

    monkeypatch.setattr(images, "figure_png_later", later)
    monkeypatch.setattr(go.Figure, "__init__", no_figure)
    pdf.portrait_parts(report_con, "QN07101I", generated_on=pdf.dt.date(2026, 3, 5))
    assert sent == [("FigureSpec", "Le quartier et ses territoires de comparaison"),
                    ("FigureSpec", "Situation : Aubépins"),
                    ("FigureSpec", "Revenu disponible médian par UC, par mois")]
