"""Issue 11, the screenshots of the demo and Grand Chalon at 1440 and 390 px looked at one by one
(session S1): what they showed, fixed for every contract."""
from __future__ import annotations

import pandas as pd

from indicators.fmt import plain_spaces
from ui import views


def _table_px(frame: pd.DataFrame) -> int:
    """How wide Streamlit's grid draws `frame`: each column as wide as its longest text,
    heading included (views.table_layout, the widths every displayed table is given)."""
    widths = views.table_layout(frame).widths
    assert set(widths) == set(frame.columns)
    return sum(widths.values())


def test_projects_per_year_fit_a_phone() -> None:
    # At 390 px the table of « Projets financés par année » ran past the screen: its last heading
    # read « Part de projets nouveau ».
    projects = pd.DataFrame({"year": [2020, 2026], "n_projects": [16, 120], "n_new": [7, 61],
                             "n_new_unknown": [0, 0], "share_new_pct": [43.75, 50.8]})
    got = views.projects_table(projects)
    assert got.map(plain_spaces).to_dict("list") == {
        "Année": ["2020", "2026"], "Projets": ["16", "120"], "Nouveaux": ["7", "61"],
        "Part des nouveaux": ["43,8 %", "50,8 %"]}
    assert _table_px(got) <= views.PHONE_TABLE_PX


def test_commune_only_figures_of_one_indicator_share_one_precision() -> None:
    # The portrait's « Publiés pour la commune seulement » read « 3 consultations/an/habitant »
    # above « 2,6 consultations/an/habitant », and « 48,4 % » above « 40 % ».
    df = pd.DataFrame({
        "indicator_id": ["apl", "apl", "rep", "rep", "ips"],
        "indicator_label": ["APL", "APL", "REP", "REP", "IPS"],
        "unit": ["consultations/an/habitant", "consultations/an/habitant", "%", "%", None],
        "commune_code": ["99001", "99002", "99001", "99002", "99001"],
        "commune_name": ["Lorneville", "Saint-Aubin", "Lorneville", "Saint-Aubin", "Lorneville"],
        "year": [2023, 2023, 2024, 2024, 2023], "value": [3.0, 2.6, 48.4, 40.0, None],
        "status": ["ok", "ok", "ok", "ok", "secret"], "source_label": ["s"] * 5})
    got = views.commune_only_table(df)
    got["Valeur de la commune"] = got["Valeur de la commune"].map(plain_spaces)
    assert got.to_dict("list") == {
        "Indicateur": ["APL", "APL", "REP", "REP", "IPS"],
        "Commune": ["Lorneville", "Saint-Aubin", "Lorneville", "Saint-Aubin", "Lorneville"],
        "Année": [2023, 2023, 2024, 2024, 2023],
        "Valeur de la commune": ["3,0 consultations/an/habitant", "2,6 consultations/an/habitant",
                                 "48,4 %", "40,0 %", "secret statistique"],
        "Source": ["s"] * 5}


def test_portrait_chart_titles_fit_a_phone() -> None:
    # At 390 px the gap charts' titles ran off both edges (« art – Revenu disponible médian par
    # unité de consommatio »): written on lines of 45 characters, the margin grown to hold them.
    from ui import charts
    series = pd.DataFrame({"year": [2019, 2021], "gap": [0.70, 0.69], "gap_kind": "ratio",
                           "comparator_level": "commune", "comparator_name": "Lorneville"})
    title = "Écart – Revenu disponible médian par unité de consommation – Bords de Lorne - Gare"
    gap = charts.gap_lines(series, title, "EUR/an").layout
    assert (gap.title.text, gap.margin.t, gap.height) == (
        "Écart – Revenu disponible médian par unité de<br>consommation – Bords de Lorne - Gare",
        70, 360)
    longer = charts.gap_lines(series, title + " - Les Hauts de Lorne et Vieux Moulin", "EUR/an").layout
    assert (longer.title.text.count("<br>"), longer.margin.t, longer.height) == (2, 90, 380)
    rows = [{"name": "Bords de Lorne - Gare", "value": 7010.0, "status": "ok", "is_qpv": True}]
    bar = charts.comparison_bar("Élèves des écoles et collèges publics scolarisés en REP ou REP+",
                                "%", rows).layout
    assert (bar.title.text, bar.margin.t, bar.height) == (
        "Élèves des écoles et collèges publics<br>scolarisés en REP ou REP+", 70, 162)
    short = charts.comparison_bar("Taux de pauvreté (seuil à 60 %)", "%", rows).layout
    assert (short.title.text, short.margin.t, short.height) == (
        "Taux de pauvreté (seuil à 60 %)", 50, 142)


def test_the_selected_quartier_s_name_stays_inside_the_scatter() -> None:
    # At 390 px « Aubépins », the right-most point of Grand Chalon's scatter, was centred over
    # it and cut at the chart's edge: a name at either end of the axis is written inwards.
    from ui import charts
    df = pd.DataFrame({"qpv_code": ["A", "B", "C"], "x": [8544.0, 8700.0, 8904.0],
                       "y": [5600.0, 4000.0, 2500.0],
                       "qpv_name": ["Prés Saint Jean", "Milieu", "Vieux Moulin - Paradis - Les Hauts de Lorne"]})
    positions = {}
    for code in ("A", "B", "C"):
        selected = charts.scatter(df, "Revenu", "Population", "EUR/an", "habitants", code).data[1]
        positions[code] = (list(selected.text), selected.textposition)
    assert positions == {"A": (["Prés Saint Jean"], ("top right",)),
                         "B": (["Milieu"], ("top center",)),
                         "C": (["Vieux Moulin - Paradis - Les Hauts de Lorne"], ("top left",))}


def test_bars_of_one_chart_read_at_one_precision() -> None:
    # The demo's CIA chart read « 14,6 % », « 15,55 % », « 16,6 % » side by side (a published
    # rate at two decimals among computed ones at one).
    from ui import charts
    fig = charts.bars_by_category(["2021", "2022", "2023"], [14.6, 15.55, 16.6], "Attributions", "%",
                                  target=25.0, target_label="objectif")
    assert [t.replace("\u00a0", " ") for t in fig.data[0].text] == ["14,60 %", "15,55 %", "16,60 %"]
    whole = charts.bars_by_category(["a", "b"], [20.0, 18.5], "Taux", "%")
    assert [t.replace("\u00a0", " ") for t in whole.data[0].text] == ["20,0 %", "18,5 %"]
