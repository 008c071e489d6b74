"""Issue 11, the demo portraits at 390 px (S6 review): the charts' labels clear of the axes."""
from __future__ import annotations

import pandas as pd
import pytest

from ui import charts


def gap_series(gaps: list[float], kind: str) -> pd.DataFrame:
    """A QPV's gap to its commune and EPCI over 2019–2021 (indicators.gaps.gap_series' columns)."""
    return pd.DataFrame({
        "comparator_name": ["Les Forges-de-Lorne"] * 3 + ["CA Val-de-Lorne (fictive)"] * 3,
        "comparator_level": ["commune"] * 3 + ["epci"] * 3,
        "year": [2019, 2020, 2021] * 2, "gap": gaps, "gap_kind": kind})


def test_a_ratio_gap_chart_keeps_room_under_its_lowest_label() -> None:
    # Cité des Forges' median income at 390 px: the axis ended at × 0,59, so the label written
    # under that point (« × 0,59 ») printed over « 2019 », « 2020 » and « 2021 ».
    series = gap_series([0.59, 0.59, 0.59, 0.61, 0.60, 0.61], "ratio")
    fig = charts.gap_lines(series, "Écart – Revenu disponible médian par UC, par mois", "EUR/mois")
    # Range 0,59 → 1 (the parity line): 15 % of it, 0,0615, under the lowest point.
    assert [round(v, 4) for v in fig.layout.yaxis.range] == [0.5285, 1.0]
    assert [(t.name, list(t.textposition)) for t in fig.data] == [
        ("Les Forges-de-Lorne", ["bottom right", "bottom center", "bottom left"]),
        ("CA Val-de-Lorne (fictive)", ["top right", "top center", "top left"])]


@pytest.mark.parametrize(("gaps", "kind", "expected"), [
    # Rates above their comparators': the axis still starts at the 0 line, far under the points.
    ([31.4, 30.5, 30.5, 29.4, 28.2, 28.2], "points", [0.0, 36.11]),
    # Rates under the comparators': room under the lowest, the 0 line on top.
    ([-4.0, -3.8, -3.5, -4.7, -4.9, -4.6], "points", [-5.635, 0.0]),
    # A gap crossing the 0 line: room on both sides.
    ([-2.0, 0.0, 1.0, -1.0, 1.0, 2.0], "points", [-2.6, 2.6]),
    # An amount above its comparator's (ratio over 1): the parity line at the bottom.
    ([1.2, 1.3, 1.25, 1.1, 1.15, 1.2], "ratio", [1.0, 1.345]),
    # Every gap at parity: a range around it all the same.
    ([1.0] * 6, "ratio", [0.985, 1.015]),
])
def test_gap_axis_range_holds_the_parity_line_and_the_labels(gaps, kind, expected) -> None:
    assert [round(v, 4) for v in charts.gap_axis_range(pd.Series(gaps), kind)] == expected


def test_gap_axis_range_skips_missing_gaps() -> None:
    gaps = pd.Series([0.7, None, float("nan"), 0.8])
    assert [round(v, 4) for v in charts.gap_axis_range(gaps, "ratio")] == [0.655, 1.0]
    assert [round(v, 4) for v in charts.gap_axis_range(pd.Series([None]), "points")] == [-0.15, 0.15]


def test_bar_names_stand_off_the_axis() -> None:
    # At 390 px « Département fictif » and « Saint-Aubin-sur-Lorne » touched the axis line.
    rows = [{"name": "Champ de Foire", "value": 26.9, "status": "ok", "is_qpv": True},
            {"name": "Département fictif", "value": 21.6, "status": "ok", "level": "departement"}]
    yaxis = charts.comparison_bar("Part des mineurs", "%", rows).layout.yaxis
    assert (yaxis.ticklabelstandoff, yaxis.automargin, yaxis.autorange) == (6, True, "reversed")


def test_one_reason_for_every_funder_is_said_once() -> None:
    # Chartres métropole: « non calculable : la Ville ne finance aucune de ces actions » on each
    # funder's row was cut at the edge of a 390 px screen; said once, each row « non calculable ».
    from ui import views
    reason = "non calculable : la Ville ne finance aucune de ces actions"
    rows = [{"Financeur": f, views.COMPUTED_COLUMN: reason, "Publié": "", "Source du chiffre publié": ""}
            for f in ("Intercommunalité", "État (tous crédits)", "État – autres crédits")]
    assert views.leverage_note(rows) == ("Effet levier non calculable : la Ville ne finance aucune "
                                         "de ces actions.")
    assert views.leverage_shown(rows).to_dict("records") == [
        {"Financeur": "Intercommunalité", views.COMPUTED_COLUMN: "non calculable"},
        {"Financeur": "État (tous crédits)", views.COMPUTED_COLUMN: "non calculable"},
        {"Financeur": "État – autres crédits", views.COMPUTED_COLUMN: "non calculable"}]
    # Reasons that differ, a computed ratio, a single row: each row keeps its own text.
    mixed = [rows[0], {**rows[1], views.COMPUTED_COLUMN: "non calculable : aucun financement de la Ville"}]
    computed = [rows[0], {**rows[1], views.COMPUTED_COLUMN: "Pour 1\u00a0€ de la Ville, 0,39 € de la CAF"}]
    for other in (mixed, computed, rows[:1]):
        assert views.leverage_note(other) is None
        assert views.leverage_shown(other)[views.COMPUTED_COLUMN].tolist() == [
            r[views.COMPUTED_COLUMN].replace("Pour 1\u00a0€ de la Ville, ", "") for r in other]


def test_mandate_page_says_once_why_no_leverage_is_computable(tmp_path, monkeypatch) -> None:
    from indicators.fmt import plain_spaces
    from tests.app.test_review_sources import run_page, small_db_with
    small_db_with(
        tmp_path, monkeypatch, "leverage.duckdb",
        "insert into programme_actions (contract_slug, action_id, year, title, source_id) "
        "values ('grand-chalon', 'a1', 2022, 'Médiation sociale', 'src_chalon')",
        "insert into programme_funding (contract_slug, action_id, year, funder, amount_eur,"
        " source_id) values ('grand-chalon', 'a1', 2022, 'epci', 20000, 'src_chalon'),"
        " ('grand-chalon', 'a1', 2022, 'etat_autre', 10000, 'src_chalon')")
    at = run_page("mandat", "grand-chalon")
    assert not at.exception
    assert ("Effet levier non calculable : la Ville ne finance aucune de ces actions."
            in [plain_spaces(c.value) for c in at.caption])
    from ui import views
    table = next(d.value for d in at.dataframe if views.COMPUTED_COLUMN in d.value.columns)
    assert table.to_dict("records") == [
        {"Financeur": "Intercommunalité", views.COMPUTED_COLUMN: "non calculable"},
        {"Financeur": "État (tous crédits)", views.COMPUTED_COLUMN: "non calculable"},
        {"Financeur": "État – autres crédits", views.COMPUTED_COLUMN: "non calculable"}]


def test_reports_page_mentions_fictional_data_only_for_a_fictional_contract(demo_db) -> None:
    # Chambéry's and Chartres's « Rapports et exports » said their report's pages carry the
    # fictional-data mention, which only the demo's do.
    from indicators.fmt import plain_spaces
    from tests.app.test_pages import run_page
    intro = "Un seul document avec une couverture, un sommaire, les numéros de page et les sources"
    said = {}
    for slug in ("demo", "chambery", "grand-chalon"):
        at = run_page("rapports", territoire=slug)
        assert not at.exception, slug
        said[slug] = next(plain_spaces(m.value) for m in at.markdown if m.value.startswith("Un seul document"))
    assert said == {
        "demo": intro + " ; chaque page porte la mention des données fictives. Choisissez les parties "
                        "et les quartiers.",
        "chambery": intro + ". Choisissez les parties et les quartiers.",
        "grand-chalon": intro + ". Choisissez les parties et les quartiers."}
