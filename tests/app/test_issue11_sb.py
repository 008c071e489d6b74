"""Issue #11, defects left by the last page review (SB): a period said once per tile, short
credits under figures and comparators, French typography of team text, chart labels that never
collide."""
from __future__ import annotations

import pytest

from indicators import fmt
from indicators.fmt import plain_spaces
from indicators.kpi import KpiTile
from ui import views


def _tile(**kw) -> KpiTile:
    base = dict(kpi_id="k", label="Structures disparues", unit="structures", theme="participation",
                territory_code=None, value=3.0, status="ok", qualifier=None, period_label=None,
                year=2020, is_published=True, previous_value=None, previous_year=None,
                evolution=None, evolution_pct=None, cumulative_value=None, cumulative_status=None,
                cumulative_period_label=None, target=None, achievement_pct=None,
                cumulative_target=None, cumulative_achievement_pct=None, higher_is_better=None,
                definition=None, source_line="Source : bilan", document_id=None, source_ref=None)
    base.update(kw)
    return KpiTile(**base)


@pytest.mark.parametrize("label, period, expected", [
    # Chambéry: the label says the period, the « Période » line does not repeat it.
    ("Structures d'animation de la vie sociale disparues (constat de 2020)", "constat de 2020",
     ("Structures d'animation de la vie sociale disparues (constat de 2020)", None)),
    ("Jeunes retenus en 2021", "2021", ("Jeunes retenus en 2021", None)),
    # Case, accents and dashes aside.
    ("Logements réhabilités 2020-2026", "2020–2026", ("Logements réhabilités 2020-2026", None)),
    # The other way round: the label's bracket is said by the period under it.
    ("Logements réhabilités (2024)", "en 2024", ("Logements réhabilités", "en 2024")),
    ("Habitants rencontrés (depuis juillet 2024)", "depuis juillet 2024 (cumul)",
     ("Habitants rencontrés", "depuis juillet 2024 (cumul)")),
    # Different periods: both kept; a year inside a longer number is not the year.
    ("Interventions (2023)", "en 2024", ("Interventions (2023)", "en 2024")),
    ("Jeunes suivis (20245 dossiers)", "2024", ("Jeunes suivis (20245 dossiers)", "2024")),
    ("Interventions", None, ("Interventions", None)),
    ("Interventions", "  ", ("Interventions", None)),
])
def test_a_period_is_said_once_by_a_label_and_its_period(label, period, expected) -> None:
    assert fmt.label_and_period(label, period) == expected


def test_a_tile_never_repeats_in_its_period_line_the_period_its_label_says() -> None:
    said = views.kpi_tile(_tile(label="Structures disparues (constat de 2020)",
                                period_label="constat de 2020"))
    assert (said["label"], said["lines"]) == ("Structures disparues (constat de 2020)", [])
    other = views.kpi_tile(_tile(label="Structures disparues (2020)", period_label="constat de 2020"))
    assert (other["label"], [plain_spaces(x) for x in other["lines"]]) == (
        "Structures disparues", ["Période : constat de 2020"])
    plain = views.kpi_tile(_tile(period_label="constat de 2020"))
    assert (plain["label"], [plain_spaces(x) for x in plain["lines"]]) == (
        "Structures disparues", ["Période : constat de 2020"])


def test_the_mandate_report_and_the_tile_drop_the_same_period() -> None:
    from reports.pdf import kpi_cells
    assert kpi_cells(_tile(label="Structures disparues (constat de 2020)",
                           period_label="constat de 2020"))[1] == ""
    assert kpi_cells(_tile(label="Structures disparues", period_label="constat de 2020"))[1] \
        == "constat de 2020"


# ── 1. The objective line's label never over a bar ───────────────────────────────────────────

@pytest.mark.parametrize("values, target, unit", [
    ([59.23], 50.0, "%"),                       # Grand Chalon: the bar crosses the line
    ([12.04, 14.6, 25.1], 25.0, "%"),           # the last bar just over the line
    ([4783.0, 4592.0], 4000.0, "interventions"),
])
def test_the_objective_line_is_labelled_in_the_right_margin_held_whole(values, target, unit) -> None:
    from reports import images
    from ui import charts
    fig = charts.bars_by_category([str(2020 + i) for i in range(len(values))], values, "Taux", unit,
                                  target=target, target_label="objectif")
    (note,) = fig.layout.annotations
    value = fmt.fmt_target(target, unit)
    # Right of the plot area (paper x = 1, anchored on its left): no bar reaches it, at any width.
    assert (note.text, note.xref, note.x, note.xanchor, note.yref, note.y, note.showarrow) == (
        f"objectif<br>{value}", "paper", 1, "left", "y", target, False)
    # The margin holds the label's longest line in the exports' font (wider than the screen's).
    font = images._font(13)
    longest = max(font.getlength(t) for t in ("objectif", value))
    assert note.xshift + longest <= fig.layout.margin.r
    # The line itself: a dashed line across the plot, with no label of its own.
    (line,) = fig.layout.shapes
    assert (line.y0, line.y1, line.line.dash) == (target, target, "dash")
    assert charts.bars_by_category(["2020"], [10.0], "Taux", "%").layout.margin.r == 10
