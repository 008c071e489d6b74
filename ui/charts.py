"""Plotly figures of the app (pure: they take plain values and return figures).

Colours come from reports/palette.py (shared with the exports; Okabe–Ito colour-blind-safe
set, one colour per comparison level); numbers in French
(decimal comma, narrow no-break space for thousands) through indicators/fmt.py.
"""
from __future__ import annotations

import functools
import pickle
import threading

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from indicators.fmt import fmt_target, fmt_value, shared_decimals, wrap_words
from indicators.sources import clipped
from indicators.text import plot_text
from reports import palette
from ui import views

QPV_COLOUR = palette.PRIMARY
COMPARATOR_COLOUR = palette.LEVEL_COLOURS["epci"]
HIGHLIGHT_COLOUR = palette.ACCENT
WITHHELD_COLOUR = palette.WITHHELD
FONT = dict(family="Source Sans Pro, sans-serif", size=13, color=palette.TEXT)
SEPARATORS = ",\u202f"        # plotly: decimal, thousands
# A chart title's line, in characters, that fits a half-width column and a 390 px phone (14 px:
# « Écart – Revenu disponible médian par unité de consommation – » (60) ran off both edges).
TITLE_CHARS = 45
BAR_NAME_GAP_PX = 6           # between a bar chart's territory names and the bars
# Room kept beyond the lowest and highest points of a gap chart, as a share of its range, for
# the label written under or over them (about 25 px of the 220 px plot).
GAP_LABEL_ROOM = 0.15


def unvalidated(spec: dict) -> go.Figure:
    """A figure from its plain spec (data as a list of trace dicts with their `type`, layout),
    built without plotly's per-property validation (issue #15: validating a comparison bar cost
    about 15 ms, 30 % of a France-sized portrait's first visit; unvalidated, under 1 ms). The
    same figure as `go.Figure(spec)` (the default template included): tests/app/test_unvalidated_figures.py
    builds each chart's spec both ways and compares `to_dict()`, so a spec plotly would refuse
    or rewrite fails there. Only for specs written in this module, of plain Python values."""
    return go.Figure(spec, _validate=False)


def comparison_bar(title: str, unit: str | None, rows: list[dict]) -> go.Figure:
    """A horizontal bar per territory: rows are dicts name, value, status, is_qpv (in order,
    the QPV first). Withheld values get no bar and their status text. The source goes under the
    chart (a caption in the page, a band in the exported image), never inside it: a long
    document reference would be cut at the chart's edge."""
    names = [wrap_words(r["name"], 28) for r in rows]
    shown = [r["value"] if r["status"] == "ok" and r["value"] is not None else 0 for r in rows]
    decimals = shared_decimals([r["value"] for r in rows if r["status"] == "ok"], unit)
    texts = [plot_text(views.value_text(r["value"], unit, r["status"], decimals=decimals))
             for r in rows]
    colours = [WITHHELD_COLOUR if r["status"] != "ok" or r["value"] is None
               else QPV_COLOUR if r.get("is_qpv")
               else palette.LEVEL_COLOURS.get(r.get("level"), COMPARATOR_COLOUR) for r in rows]
    wrapped = wrap_words(title, TITLE_CHARS)
    extra_lines = wrapped.count("<br>")
    return unvalidated(dict(
        data=[dict(type="bar", x=shown, y=names, orientation="h", marker=dict(color=colours), text=texts,
                   textposition="outside", cliponaxis=False, hovertext=texts, hoverinfo="y+text")],
        layout=dict(
            title=dict(text=wrapped, font=dict(size=14)),
            separators=SEPARATORS, font=dict(FONT), showlegend=False,
            margin=dict(l=10, r=100, t=50 + 20 * extra_lines, b=40),
            height=100 + 42 * len(rows) + 20 * extra_lines, plot_bgcolor="white",
            # Every bar says its value: no axis numbers, which collided in a half-width column
            # (« 5000 10 000 15 000 20 000 ») and on a phone.
            xaxis=dict(showgrid=True, gridcolor="#e6e6e6", zeroline=True, zerolinecolor="#999",
                       showticklabels=False, rangemode="tozero"),
            # A gap between each name and its bar: « Département fictif » touched the axis line.
            yaxis=dict(autorange="reversed", automargin=True, ticklabelstandoff=BAR_NAME_GAP_PX,
                       tickfont=dict(size=13, color=palette.TEXT)))))


# The x axis title of `scatter` is centred under a plot area narrowed by its two-line y title: at
# 390 px, 37 characters on one line ran past the chart's right edge (« Taux de pauvreté (seuil à
# 60 %, en % » and its bracket cut, the comparison page); 32 keep it inside (about 210 px).
SCATTER_X_TITLE_CHARS = 32


def scatter(df, x_label: str, y_label: str, x_unit: str | None, y_unit: str | None,
            highlight: str | None) -> go.Figure:
    """QPVs as points (columns qpv_code, qpv_name, x, y); the selected QPV highlighted."""
    fig = go.Figure()
    low, high = (float(df["x"].min()), float(df["x"].max())) if len(df) else (0.0, 0.0)
    for is_sel in (False, True):
        part = df[(df["qpv_code"] == highlight) == is_sel]
        if part.empty:
            continue
        # A name centred over a point at either end of the axis ran off the chart (« Aubépins » at
        # 390 px): at the right third it ends at its point, at the left third it starts there.
        where = ["top left" if high > low and x >= low + 2 * (high - low) / 3
                 else "top right" if high > low and x <= low + (high - low) / 3 else "top center"
                 for x in part["x"]]
        hover = [f"{plot_text(n)}<br>{plot_text(x_label)} : {views.value_text(x, x_unit, 'ok')}"
                 f"<br>{plot_text(y_label)} : {views.value_text(y, y_unit, 'ok')}"
                 for n, x, y in zip(part["qpv_name"], part["x"], part["y"])]
        fig.add_trace(go.Scatter(
            x=part["x"], y=part["y"], mode="markers+text" if is_sel else "markers",
            text=[plot_text(n) for n in part["qpv_name"]] if is_sel else None,
            textposition=where,
            hovertext=hover, hoverinfo="text",
            marker=dict(size=14 if is_sel else 10, color=HIGHLIGHT_COLOUR if is_sel else COMPARATOR_COLOUR,
                        line=dict(width=1, color="white")),
            name="quartier sélectionné" if is_sel else "autres quartiers"))
    fig.update_layout(separators=SEPARATORS, font=FONT, plot_bgcolor="white", height=480,
                      margin=dict(l=10, r=10, t=40, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
                      xaxis=dict(title=wrap_words(views.label_with_unit(x_label, x_unit), SCATTER_X_TITLE_CHARS),
                                 gridcolor="#e6e6e6", tickformat=",~f", automargin=True),
                      yaxis=dict(title=axis_title_dict(wrap_words(views.label_with_unit(y_label, y_unit), 40)),
                                 gridcolor="#e6e6e6", tickformat=",~f", automargin=True))
    return fig


def bars_by_category(categories: list[str], values: list[float], title: str, unit: str | None,
                     colour: str = QPV_COLOUR, target: float | None = None,
                     target_label: str = "", decimals: int | list[int] | None = None) -> go.Figure:
    """Vertical bars (one per category), French labels at one precision (« 15,55 % » beside
    « 14,6 % » read as two precisions; `decimals` when the caller knows it, else the fewest that
    write every value; a list gives each bar its own, for figures whose digits are the
    document's), an optional target line labelled in the right margin
    (`line_label`: never over a bar, whatever the width)."""
    decimals = shared_decimals(values, unit) if decimals is None else decimals
    per_bar = decimals if isinstance(decimals, list) else [decimals] * len(values)
    texts = [plot_text(views.value_text(v, unit, "ok", decimals=d))
             for v, d in zip(values, per_bar)]
    fig = go.Figure(go.Bar(x=[wrap_words(c, 16) for c in categories], y=values, text=texts,
                           textposition="outside", cliponaxis=False, marker_color=colour,
                           hovertext=texts, hoverinfo="x+text"))
    right = 10
    if target is not None:
        fig.add_hline(y=target, line_dash="dash", line_color=HIGHLIGHT_COLOUR)
        label, right = line_label(target_label, fmt_target(target, unit))
        fig.add_annotation(text=label, xref="paper", x=1, xanchor="left", xshift=LINE_LABEL_GAP_PX,
                           yref="y", y=target, yanchor="middle", showarrow=False, align="left",
                           font=dict(color=HIGHLIGHT_COLOUR))
    wrapped = wrap_words(title, TITLE_CHARS)  # half-width columns: a long title must not run off the edges
    n_lines = wrapped.count("<br>") + 1
    fig.update_layout(title=dict(text=wrapped, font=dict(size=14)), separators=SEPARATORS,
                      font=FONT, plot_bgcolor="white", height=300 + 20 * n_lines, showlegend=False,
                      margin=dict(l=10, r=right, t=40 + 20 * n_lines, b=30), xaxis=dict(type="category"),
                      yaxis=dict(gridcolor="#e6e6e6", rangemode="tozero", tickformat=",~f",
                                 automargin=True,
                                 ticksuffix="\u00a0%" if unit == "%" else ""))
    return fig


# A line's label in the plot's right margin (issue #11: « objectif » at the line's right end, in
# the plot, sat over the last bar at 1 440 and 390 px and in the exported images): the bars
# never reach the margin, and the chart keeps one line label.
LINE_LABEL_GAP_PX = 4
LINE_LABEL_CHAR_PX = 8.3      # a digit of the exports' 13 px DejaVu Sans (the screen's font is narrower)


def line_label(name: str, value: str) -> tuple[str, int]:
    """(the label of a reference line, « objectif<br>25,0 % », escaped for plotly; the right
    margin in px that holds its longest line whole)."""
    lines = [t for t in (name, value) if t]
    width = LINE_LABEL_CHAR_PX * max((len(t) for t in lines), default=0)
    return "<br>".join(plot_text(t) for t in lines), int(LINE_LABEL_GAP_PX + width + 6)


def funder_bars(by_funder, period: str = "") -> go.Figure:
    """Σ funding per funder (indicators.financing.totals_by_funder), funder colours; `period`
    (« 2022 », « 2020–2026 »), the years summed, goes in the title. Each bar has
    its funder and amount written above it, from the left edge: names on the axis and amounts
    after the bars left about 40 px for the bars at 390 px (a 5 % share was a sliver)."""
    # Shares with one decimal each, as in the mandate report (« 14,94 % » beside « 0,7 % »
    # read as two precisions); amounts in one scale (views.eur_column: never « 1,1 M€ » beside
    # « 430 400 € »).
    texts = [f"{a} ({fmt_value(s, '%', decimals=1)})"
             for a, s in zip(views.eur_column(by_funder["amount_eur"]), by_funder["share_pct"])]
    labels = list(by_funder["funder_label"])
    fig = go.Figure(go.Bar(
        x=by_funder["amount_eur"], y=labels, orientation="h", text=texts, textposition="none",
        width=0.45, marker_color=[palette.FUNDER_COLOURS.get(f, palette.FUNDER_COLOURS["autre"])
                                  for f in by_funder["funder"]], hovertext=texts, hoverinfo="y+text"))
    row_px = 48
    for label, text in zip(labels, texts):
        fig.add_annotation(x=0, y=label, xref="paper", yref="y", xanchor="left", yanchor="bottom",
                           yshift=row_px * 0.45 / 2, showarrow=False, align="left",
                           text=f"<b>{plot_text(label)}</b> · {plot_text(text)}")
    title = "Financements par financeur" + (f", {period}" if period else "") + " (€)"
    fig.update_layout(title=dict(text=plot_text(title), font=dict(size=14)),
                      separators=SEPARATORS, font=FONT, plot_bgcolor="white", showlegend=False,
                      height=90 + row_px * len(by_funder), margin=dict(l=10, r=10, t=50, b=20),
                      # Each bar says its amount: no axis numbers, which collided on a phone.
                      xaxis=dict(gridcolor="#e6e6e6", rangemode="tozero", showticklabels=False),
                      yaxis=dict(autorange="reversed", showticklabels=False,
                                 range=[len(by_funder) - 0.5, -0.9]))
    return fig


# A funder's slice under this share of its year's bar is a few pixels high on a 400 px chart
# (issue 11: « État – autres crédits », 0,7 % of 2022, was invisible between two others).
SMALL_SLICE_PCT = 2.0
OTHERS = "autre"


def small_slices(by_year_funder) -> pd.DataFrame:
    """The rows of indicators.financing.totals_by_year_funder that stacked_years draws inside the
    « Autres » slice of their year: every funder under SMALL_SLICE_PCT of that year's total,
    with « Autres financeurs » itself; each with its `share_pct` of the year."""
    df = by_year_funder.copy()
    df["share_pct"] = 100 * df["amount_eur"] / df.groupby("year")["amount_eur"].transform("sum")
    return df[(df["share_pct"] < SMALL_SLICE_PCT) | (df["funder"] == OTHERS)]


def stacked_years(by_year_funder) -> go.Figure:
    """Funding per year stacked by funder (indicators.financing.totals_by_year_funder). No slice
    is too thin to see: funders under SMALL_SLICE_PCT of a year join that year's « Autres »
    slice (small_slices), drawn on top, its share written above the bar when it is small itself,
    each funder's amount in its hover text (and in « Voir les données »)."""
    from indicators.fmt import fmt_pct
    grouped = small_slices(by_year_funder)
    fig = go.Figure()
    for funder, part in by_year_funder.drop(grouped.index).groupby("funder", sort=False):
        texts = [views.amount_text(a, "EUR") for a in part["amount_eur"]]
        fig.add_trace(go.Bar(
            x=[str(y) for y in part["year"]], y=part["amount_eur"],
            name=plot_text(part["funder_label"].iloc[0]),
            marker_color=palette.FUNDER_COLOURS.get(funder, palette.FUNDER_COLOURS["autre"]),
            hovertext=texts, hoverinfo="x+name+text"))
    if not grouped.empty:
        years = list(dict.fromkeys(grouped.sort_values("year")["year"]))
        amounts, shares, hovers = [], [], []
        for year in years:
            rows = grouped[grouped["year"] == year]
            amounts.append(float(rows["amount_eur"].sum()))
            shares.append(float(rows["share_pct"].sum()))
            detail = " ; ".join(f"{plot_text(label)} {views.amount_text(a, 'EUR')} ({fmt_pct(sh, 1)})"
                                for label, a, sh in zip(rows["funder_label"], rows["amount_eur"],
                                                        rows["share_pct"]))
            hovers.append(f"{views.amount_text(amounts[-1], 'EUR')} ({fmt_pct(shares[-1], 1)}) : {detail}"
                          if (rows["funder"] != OTHERS).any() else views.amount_text(amounts[-1], "EUR"))
        only_others = (grouped["funder"] == OTHERS).all()
        fig.add_trace(go.Bar(
            x=[str(y) for y in years], y=amounts,
            name=plot_text(grouped["funder_label"].iloc[0]) if only_others
            else f"Autres (dont financeurs de moins de {fmt_pct(SMALL_SLICE_PCT, 0)} de l'année)",
            marker_color=palette.FUNDER_COLOURS["autre"], hovertext=hovers, hoverinfo="x+name+text"))
        # A slice still thin once grouped says its share above its bar (it is the top of the
        # stack): an annotation, so that « Voir les données » keeps each year's detail.
        totals = by_year_funder.groupby("year")["amount_eur"].sum()
        for year, share in zip(years, shares):
            if share < SMALL_SLICE_PCT:
                fig.add_annotation(x=str(year), y=float(totals[year]), yanchor="bottom", showarrow=False,
                                   text=f"autres {fmt_pct(share, 1)}", font=dict(size=12))
    fig.update_layout(barmode="stack", title=dict(text="Financements par année et par financeur (€)",
                                                  font=dict(size=14)),
                      separators=SEPARATORS, font=FONT, plot_bgcolor="white", height=400,
                      margin=dict(l=10, r=10, t=60, b=10), legend=dict(orientation="h", y=-0.15),
                      xaxis=dict(type="category"),
                      yaxis=dict(gridcolor="#e6e6e6", tickformat=",~f", automargin=True))
    return fig


def gap_label_positions(series, kind: str | None) -> dict:
    """{row index: (label, textposition)} for gap_lines: at each year the highest point is
    labelled above, the lowest below, the others (and a point saying what another already says)
    not at all, so that labels of close series never print over each other (« +23,0 pts » over
    « +23,1 pts »). The first year's labels go right of the point, the last year's left, off the
    axis numbers and the chart's edge."""
    years = sorted({int(y) for y in series["year"]})
    out = {}
    for year, rows in series.groupby("year", sort=False):
        ranked = rows.sort_values("gap", ascending=False, kind="stable")
        side = ("right" if int(year) == years[0] and len(years) > 1
                else "left" if int(year) == years[-1] and len(years) > 1 else "center")
        shown = []
        for n, (i, g) in enumerate(ranked["gap"].items()):
            text = views.gap_text(g, kind)
            if n == 0 or (n == len(ranked) - 1 and text not in shown):
                out[i] = (text, f"{'top' if n == 0 else 'bottom'} {side}")
                shown.append(text)
            else:
                out[i] = ("", f"top {side}")
    return out


def gap_axis_range(gaps, kind: str | None) -> list[float]:
    """[bottom, top] of a gap chart's y axis: the parity line (0 point, × 1) and every point,
    with GAP_LABEL_ROOM of the range under the lowest point and over the highest for their
    labels (gap_label_positions). The axis ended at the lowest point, so at 390 and 1 440 px
    its label (« × 0,59 ») printed over the years' numbers. A chart of points all above 0 still
    starts at 0."""
    parity = 0.0 if kind == "points" else 1.0
    values = [float(g) for g in gaps if views._na(g) is not None]
    low, high = min(values + [parity]), max(values + [parity])
    room = GAP_LABEL_ROOM * ((high - low) or (1.0 if kind == "points" else 0.1))
    if not values:
        return [low - room, high + room]
    return [min(min(values) - room, parity), max(max(values) + room, parity)]


def gap_lines(series, title: str, unit: str | None) -> go.Figure:
    """The QPV's gap to each comparator over the years (indicators.gaps.gap_series): points for
    a rate, « × » ratio for an amount; the parity line (0 point, × 1) drawn; points labelled
    without overlap (gap_label_positions); a line after the first dashed, so that two equal
    series both show."""
    kind = series["gap_kind"].iloc[0] if not series.empty else "points"
    labels = gap_label_positions(series, kind)
    traces = []
    for n, ((name, level), part) in enumerate(series.groupby(["comparator_name", "comparator_level"],
                                                             sort=False)):
        texts = [views.gap_text(g, kind) for g in part["gap"]]
        traces.append(dict(
            type="scatter", x=part["year"].tolist(), y=part["gap"].tolist(), mode="lines+markers+text",
            name=wrap_words(name, 30), text=[labels[i][0] for i in part.index],
            textposition=[labels[i][1] for i in part.index], cliponaxis=False, hovertext=texts,
            hoverinfo="x+name+text", line=dict(color=palette.LEVEL_COLOURS.get(level, COMPARATOR_COLOUR),
                                               width=2, dash="solid" if n == 0 else "dash")))
    parity = 0 if kind == "points" else 1
    years = sorted({int(y) for y in series["year"]})
    wrapped = wrap_words(title, TITLE_CHARS)
    beyond_two = max(0, wrapped.count("<br>") - 1)      # two title lines fit the 70 px margin
    axis_title = wrap_words(views.gap_axis_title(kind, unit), 30)
    return unvalidated(dict(data=traces, layout=dict(
        title=dict(text=wrapped, font=dict(size=14)), separators=SEPARATORS,
        font=dict(FONT), plot_bgcolor="white", height=360 + 20 * beyond_two,
        margin=dict(l=10, r=30, t=70 + 20 * beyond_two, b=10),
        legend=dict(orientation="h", y=-0.2),
        # The parity line (what fig.add_hline drew).
        shapes=[dict(type="line", line=dict(color="#666", dash="dot"), x0=0, x1=1, xref="x domain",
                     y0=parity, y1=parity, yref="y")],
        xaxis=dict(tickmode="array", tickvals=years, ticktext=[str(y) for y in years],
                   gridcolor="#e6e6e6"),
        # On two lines: « Rapport quartier / territoire (× 1 = parité) » was cut at the top of a
        # 360 px chart; set off from the numbers by its extra lines (axis_title_standoff).
        yaxis=dict(title=axis_title_dict(axis_title),
                   gridcolor="#e6e6e6", tickformat=",~f", automargin=True,
                   range=gap_axis_range(series["gap"], kind)))))


# Plotly sets a y axis's title off from its numbers by its first line only: the next lines of a
# wrapped title (rotated, they stand on the numbers' side) printed over « 0,9 », « 0,8 »
# (issue 11, s14-RM: « (× 1 = parité) » on the gap charts, at 1 440 and 390 px and in the PNG).
AXIS_TITLE_STANDOFF_PX, AXIS_TITLE_LINE_PX = 8, 17


def axis_title_standoff(title: str) -> int:
    """The standoff (px) of a y axis's title of one or more lines (`<br>`): its usual gap plus a
    line's height for each line after the first."""
    return AXIS_TITLE_STANDOFF_PX + AXIS_TITLE_LINE_PX * str(title).count("<br>")


def axis_title_dict(title: str) -> dict:
    """A y axis's title (plotly's `title`) with its standoff (axis_title_standoff)."""
    return dict(text=title, standoff=axis_title_standoff(title))


def gap_change_scatter(table, label: str, unit: str | None, highlight: str | None) -> go.Figure:
    """Level against change in gap, one point per QPV (indicators.gaps.gap_change_table): below
    the zero line the gap narrowed, above it widened. Labels are placed in the figure's own
    coordinates for a phone's plot (`place_labels`, axis ranges set here so the place of every
    point is known): none covers another, a point or the zero line's note; a name with no room
    is shortened, or left to the hover and the « Voir les données » table."""
    fig = go.Figure()
    kind = table["gap_kind"].iloc[0] if not table.empty else "points"
    xs, ys = [float(v) for v in table["qpv_value_last"]], [float(v) for v in table["distance_change"]]
    x_range, y_range = padded_range(xs), padded_range(ys + [0.0])
    width, height = PHONE_PLOT_PX
    sizes = {i: 14 if table.at[i, "qpv_code"] == highlight else 10 for i in table.index}
    markers = [marker_box(x, y, x_range, y_range, width, height, sizes[i] / 2)
               for i, x, y in zip(table.index, xs, ys)]
    note = "en dessous : l'écart se réduit"
    note_where, note_box = zero_note_place(note, y_range, width, height, markers)
    # Labels placed once for every point, the selected QPV's first (it always keeps its label).
    order = sorted(table.index, key=lambda i: table.at[i, "qpv_code"] != highlight)
    placed = place_labels([table.at[i, "qpv_value_last"] for i in order],
                          [table.at[i, "distance_change"] for i in order],
                          [wrap_words(table.at[i, "qpv_name"], 18) for i in order],
                          x_range, y_range, width=width, height=height,
                          obstacles=markers + [note_box, zero_line_box(y_range, width, height)],
                          short_texts=[[wrap_words(table.at[i, "qpv_name"], 10),
                                        short_label(table.at[i, "qpv_name"])] for i in order],
                          marker_px=[sizes[i] / 2 for i in order])
    positions = dict(zip(order, placed))
    for is_sel in (False, True):
        part = table[(table["qpv_code"] == highlight) == is_sel]
        if part.empty:
            continue
        hover = [f"{plot_text(n)} ({y0}–{y1})<br>{plot_text(label)} : {views.value_text(v, unit, 'ok')}"
                 f"<br>{views.gap_change_text(c, k)}"
                 for n, y0, y1, v, c, k in zip(part["qpv_name"], part["first_year"],
                                               part["last_year"], part["qpv_value_last"],
                                               part["distance_change"], part["gap_kind"])]
        where = [positions[i] for i in part.index]
        fig.add_trace(go.Scatter(
            x=part["qpv_value_last"], y=part["distance_change"], mode="markers+text",
            text=[w[1] if w else "" for w in where],          # wrap_words escapes
            textposition=[w[0] if w else "top center" for w in where],
            cliponaxis=False, hovertext=hover, hoverinfo="text",
            marker=dict(size=14 if is_sel else 10,
                        color=HIGHLIGHT_COLOUR if is_sel else COMPARATOR_COLOUR,
                        line=dict(width=1, color="white")),
            name="quartier sélectionné" if is_sel else "autres quartiers"))
    fig.add_hline(y=0, line_dash="dot", line_color="#666", annotation_text=note,
                  annotation_position=note_where)
    fig.update_layout(
        separators=SEPARATORS, font=FONT, plot_bgcolor="white", height=480,
        margin=dict(l=10, r=30, t=40, b=10), legend=dict(orientation="h", y=1.02, yanchor="bottom", x=0),
        xaxis=dict(title=wrap_words(views.label_with_unit(label, unit, aside="dernière année"), 40),
                   gridcolor="#e6e6e6", tickformat=",~f", automargin=True, range=x_range),
        yaxis=dict(title=wrap_words("Évolution de l'écart " + ("(points)" if kind == "points"
                                                               else "(% de l'écart à la parité)"), 40),
                   gridcolor="#e6e6e6", tickformat=",~f", automargin=True, zeroline=True,
                   range=y_range))
    return fig


_POSITIONS = ("top center", "bottom center", "middle right", "middle left",
              # For a point in a corner of the plot: the label beside it, inwards.
              "bottom left", "bottom right", "top left", "top right")


# The plot area of the gap scatter on a phone, the narrowest screen (390 px: a 358 px chart,
# the y axis's two-line title and numbers taking about 100 px, the x axis's title, the legend
# above and the margins about 150 px of the 480): labels placed apart there are apart on any
# wider screen and in the exported images (900 px wide), where points move apart and labels
# keep their size.
PHONE_PLOT_PX = (220.0, 320.0)
LABEL_FONT_PX = 13            # FONT's size: plotly's point labels
LABEL_LINE_PX = 16
LABEL_GAP_PX = 3              # between a marker's edge and its label (plotly's own is about 3)
RANGE_PAD = 0.08              # of the data's span, on each side of an axis


def padded_range(values: list[float]) -> list[float]:
    """[low, high] of an axis showing every value with RANGE_PAD of the span on each side
    (a span of 0: ±1 around the value, or ±0,5 of its size)."""
    values = [float(v) for v in values if v is not None and v == v]
    if not values:
        return [-1.0, 1.0]
    low, high = min(values), max(values)
    pad = (high - low) * RANGE_PAD or (abs(high) * 0.5 or 1.0)
    return [low - pad, high + pad]


def label_px(text: str, size_px: int = LABEL_FONT_PX) -> float:
    """The width in px of a label's longest line (« <br> » between lines) in DejaVu Sans, the
    exports' font, wider than the screen's Source Sans: a label that fits the first fits both."""
    font = _label_font(size_px)
    return max(font.getlength(line) for line in str(text).split("<br>"))


@functools.lru_cache(maxsize=4)
def _label_font(size_px: int):
    from PIL import ImageFont
    from reports.images import FONT_PATH
    return ImageFont.truetype(FONT_PATH, size_px)


def _to_px(x: float, y: float, x_range, y_range, width: float, height: float) -> tuple[float, float]:
    return ((x - x_range[0]) / ((x_range[1] - x_range[0]) or 1.0) * width,
            (y - y_range[0]) / ((y_range[1] - y_range[0]) or 1.0) * height)


def marker_box(x: float, y: float, x_range, y_range, width: float, height: float,
               radius: float) -> tuple[float, float, float, float]:
    """The box (left, bottom, right, top, px from the plot's bottom-left corner) of a marker."""
    px, py = _to_px(x, y, x_range, y_range, width, height)
    return (px - radius, py - radius, px + radius, py + radius)


def zero_note_place(text: str, y_range, width: float, height: float,
                    markers: list[tuple[float, float, float, float]]):
    """(plotly annotation position, box) of the zero line's note: under the line at the left,
    else at the right, else over it, the first place that covers no marker."""
    _, py = _to_px(0.0, 0.0, [0.0, 1.0], y_range, width, height)
    w, h = label_px(text), LABEL_LINE_PX
    boxes = {"bottom left": (0.0, py - 2 - h, w, py - 2), "bottom right": (width - w, py - 2 - h, width, py - 2),
             "top left": (0.0, py + 2, w, py + 2 + h), "top right": (width - w, py + 2, width, py + 2 + h)}
    where = next((k for k, b in boxes.items() if not any(_overlap(b, m) for m in markers)), "bottom left")
    return where, boxes[where]


def zero_line_box(y_range, width: float, height: float) -> tuple[float, float, float, float]:
    """The zero line as a box 4 px high across the plot: no label is written over it."""
    _, py = _to_px(0.0, 0.0, [0.0, 1.0], y_range, width, height)
    return (0.0, py - 2, width, py + 2)


def short_label(name: str, limit: int = 14) -> str:
    """A point's name shortened for a crowded chart: its head before « - », clipped on a word
    (« Vieux Moulin - Paradis - Les Hauts de Lorne » → « Vieux Moulin… »), always with « … »
    (« Pré-Vert - Fontaine » read « Pré-Vert », a name of its own); the whole name stays in the
    hover and the table."""
    short = clipped(str(name).split(" - ")[0].strip(), limit)
    if len(short) >= len(str(name)):
        return ""
    return plot_text(short if short.endswith(("…", "… »")) else short + "…")


def place_labels(xs: list[float], ys: list[float], texts: list[str], x_range, y_range, *,
                 width: float = PHONE_PLOT_PX[0], height: float = PHONE_PLOT_PX[1],
                 obstacles=(), short_texts=None, marker_px=5.0) -> list[tuple[str, str] | None]:
    """(text position, text) per point, or None to leave its label out (its name stays in the
    hover and the table): no label overlaps another, an obstacle (markers, notes: boxes in px
    from the plot's bottom-left corner) or the plot's edge (where it would touch the axes'
    numbers: « Champ de Foire » over « −1,4 » at 390 px). Boxes are measured in the figure's own
    coordinates: the axis ranges `x_range` × `y_range` drawn on a width × height px plot (the
    phone's by default), each label's lines in the exports' font (`label_px`). A point whose
    whole label finds no place tries its other forms (`short_texts`: a text or a list per
    point, narrower or shorter). Labels are placed in order, so put the ones to keep first."""
    placed: list[tuple[float, float, float, float]] = []
    obstacles = list(obstacles)
    radii = marker_px if isinstance(marker_px, (list, tuple)) else [marker_px] * len(xs)
    shorts = short_texts if short_texts is not None else [""] * len(xs)
    out: list[tuple[str, str] | None] = []
    for x, y, text, short, r in zip(xs, ys, texts, shorts, radii):
        px, py = _to_px(x, y, x_range, y_range, width, height)
        choice = None
        others = [short] if isinstance(short, str) else list(short or ())
        for candidate in dict.fromkeys([text, *others]):
            if not candidate:
                continue
            w, h = label_px(candidate), LABEL_LINE_PX * (candidate.count("<br>") + 1)
            d = r + LABEL_GAP_PX
            boxes = {"top center": (px - w / 2, py + d, px + w / 2, py + d + h),
                     "bottom center": (px - w / 2, py - d - h, px + w / 2, py - d),
                     "middle right": (px + d, py - h / 2, px + d + w, py + h / 2),
                     "middle left": (px - d - w, py - h / 2, px - d, py + h / 2),
                     "bottom left": (px - w, py - d - h, px, py - d),
                     "bottom right": (px, py - d - h, px + w, py - d),
                     "top left": (px - w, py + d, px, py + d + h),
                     "top right": (px, py + d, px + w, py + d + h)}
            pos = next((pos for pos in _POSITIONS
                        if 0 <= boxes[pos][0] and boxes[pos][2] <= width
                        and 0 <= boxes[pos][1] and boxes[pos][3] <= height
                        and not any(_overlap(boxes[pos], other) for other in placed)
                        and not any(_overlap(boxes[pos], other) for other in obstacles)), None)
            if pos is not None:
                placed.append(boxes[pos])
                choice = (pos, candidate)
                break
        out.append(choice)
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


# Building a plotly figure (validation, template) is most of a page's rerun once its data is
# cached: `shared(chart, *args)` builds a chart once per content and shares it with every session
# and rerun. A shared figure is only read (st.plotly_chart, exports.download_figure copy it),
# never modified. Its content is keyed by the pickle of its arguments (issue #15: Streamlit's
# hashing of a gap chart's DataFrame cost about 5 ms a chart and rerun, its pickle 0,2 ms): equal
# bytes are equal arguments, and arguments pickled apart (another column order, a value
# changed) only build their own figure.

# Plotly's graph objects build their child objects lazily on first read, without a lock
# (plotly.py issue 3441: two sessions reading a shared figure at once can leave one with a child
# its parent no longer holds, « Invalid value … for the 'textposition' property of scatter »
# under the load test). Building a shared figure and reading one (copies, layout properties)
# happen under this lock; st.plotly_chart reads the figure's plain dicts and needs none.
PLOTLY_LOCK = threading.RLock()


@st.cache_resource(show_spinner=False, max_entries=2048)
def _shared(name: str, content: bytes, _args: tuple, _kwargs: tuple) -> go.Figure:
    # Streamlit hashes `name` and `content` only (its arguments starting with « _ » are not hashed).
    with PLOTLY_LOCK:
        return globals()[name](*_args, **dict(_kwargs))


def shared(chart, *args, **kwargs) -> go.Figure:
    """chart(*args, **kwargs), one of this module's charts, built once for the same arguments
    (do not modify it)."""
    if globals().get(chart.__name__) is not chart:
        raise ValueError(f"not a chart of ui.charts: {chart!r}")
    kwargs = tuple(sorted(kwargs.items()))
    key = (chart.__name__, pickle.dumps((args, kwargs), protocol=5))
    fig = _FIGURES.get(key)
    if fig is None:
        fig = _shared(*key, args, kwargs)
        with PLOTLY_LOCK:
            _FIGURES[key] = fig
            while len(_FIGURES) > _FIGURES_MAX:
                _FIGURES.pop(next(iter(_FIGURES)), None)
    return fig


# The shared figures by (chart, content), in front of Streamlit's cache (its lookup cost about
# 1 ms a chart and rerun, issue #15); content-keyed, so never out of date.
_FIGURES: dict[tuple[str, bytes], go.Figure] = {}
_FIGURES_MAX = 2048
