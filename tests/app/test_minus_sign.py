"""Issue #11: chart labels and hover texts write a negative gap with the minus sign U+2212 glued
to it (« −4,0 pts »), never a hyphen-minus; the axis ticks are plotly's, which write U+2212 too."""
from __future__ import annotations

import pandas as pd

from ui import charts


def test_gap_chart_labels_and_hovers_use_the_minus_sign() -> None:
    series = pd.DataFrame({
        "comparator_name": ["Les Forges-de-Lorne"] * 3 + ["CA Val-de-Lorne (fictive)"] * 3,
        "comparator_level": ["commune"] * 3 + ["epci"] * 3,
        "year": [2019, 2020, 2021] * 2, "gap": [-4.0, -3.8, 0.04, -12.96, 2.5, -0.5],
        "gap_kind": "points"})
    fig = charts.gap_lines(series, "Écart – Taux de pauvreté", "%")
    nb, m = "\u00a0", "\u2212"
    # Each year's highest and lowest points are labelled (charts.gap_label_positions): here both.
    assert [(list(t.text), list(t.hovertext)) for t in fig.data] == [
        ([f"{m}4,0{nb}pts", f"{m}3,8{nb}pts", f"0,0{nb}pts"],) * 2,
        ([f"{m}13,0{nb}pts", f"+2,5{nb}pts", f"{m}0,5{nb}pts"],) * 2]


def _negative_tile_script() -> None:
    from ui import components, views
    from tests.app.test_views import _tile
    components.kpi_tile(views.kpi_tile(_tile(evolution=-191.0, evolution_pct=-3.993,
                                             higher_is_better=True)), toggle=False)
    components.kpi_tile(views.kpi_tile(_tile(higher_is_better=False)), toggle=False)


def test_a_falling_figure_s_tile_shows_a_down_arrow_in_its_colour() -> None:
    """Streamlit reads a delta's direction from a leading « - »: « −191 » (U+2212, and md_text's
    « \\- » before) read as a rise, green and up. The tile gives the arrow and the colour."""
    from streamlit.proto.Metric_pb2 import Metric
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_function(_negative_tile_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert [(m.delta.replace("\\", "").replace("\u00a0", " ").replace("\u202f", " "), Metric.MetricColor.Name(m.proto.color),
             Metric.MetricDirection.Name(m.proto.direction)) for m in at.metric] == [
        ("\u2212191 par rapport à 2023 (\u22124,0 %)", "RED", "DOWN"),
        ("+504 par rapport à 2023 (+11,8 %)", "RED", "UP")]
