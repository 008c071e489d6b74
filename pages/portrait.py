"""Portrait de quartier: key figures with comparators by theme, charts, ranks, priorities, consultation;
the portrait as a PDF (one QPV, or every QPV of the territory in a ZIP), the figures as a table."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.text import md_text
from ui import charts, components, data, exports, views

selection = components.current_selection()
if selection.qpv_code is None:
    components.page_header("Portrait de quartier", selection)
    components.empty_note("Ce territoire ne compte aucun quartier prioritaire dans la base.")
    st.stop()

with st.spinner("Calcul du portrait…"):
    portrait = data.qpv_portrait(selection.qpv_code)
if portrait is None:
    components.link_errors([f"Le quartier « {md_text(selection.qpv_code)} » n'existe pas dans la base."])

components.page_header(f"Portrait de quartier : {md_text(portrait.qpv.name)}", selection)
st.markdown(md_text(views.portrait_identity(portrait)))
exports.download_portrait(selection, portrait.qpv.code, portrait.qpv.name)



def _chart_keys(pv) -> list[tuple]:
    """The values a comparison chart draws: the QPV's and each comparator's."""
    return ([(portrait.qpv.code, pv.indicator_id, pv.year)]
            + [(c.territory_code, pv.indicator_id, c.year) for c in pv.comparators])


# Above this many comparison charts in a portrait (a France-sized catalogue: about 120), each
# theme's charts, their « Voir les données » tables and downloads, and the gap charts are built
# once the reader asks for them (a toggle per theme, issue #15); the demo's and the contracts'
# portraits (at most 17 charts, up to about 30 indicators) show them all at once, as before.
CHARTS_ON_REQUEST_ABOVE = 40


# Each theme's comparison charts (QPV and comparators' bars), and whether they come on request.
charted_of = {block.theme: [pv for pv in block.values if views.chart_rows(pv, portrait.qpv.name)]
              for block in portrait.themes}
on_request = sum(map(len, charted_of.values())) > CHARTS_ON_REQUEST_ABOVE

# Every credit of the page (each card line, each chart) from one query; with the charts on
# request, a theme's charts' credits once they are shown (chart_credits).
credits = data.value_credits_many(
    [[key] for pv in portrait.values for key in _chart_keys(pv)]
    + ([] if on_request else [_chart_keys(pv) for pv in portrait.values]))
chart_credits: dict = {}


# The short lines under the cards: document, section — producer, year (sources.reader_credit).
short_credits = data.value_credits_many([[key] for pv in portrait.values for key in _chart_keys(pv)],
                                        short=True)


def credited(keys) -> list[str]:
    found = credits.get(data.credit_key(keys), chart_credits.get(data.credit_key(keys)))
    return found if found is not None else data.value_credits(keys)


def short_credited(keys) -> list[str]:
    found = short_credits.get(data.credit_key(keys))
    return found if found is not None else credited(keys)


def _asked(key: str, label: str) -> bool:
    """A toggle, off at first, whose state outlives the runs that do not draw it (the figures'
    first run before the paint, another QPV's portrait without so many charts)."""
    kept = f"{key}.kept"
    return st.toggle(label, value=st.session_state.get(kept, False), key=key,
                     on_change=lambda: st.session_state.update({kept: st.session_state[key]}))


def _count(n: int) -> str:
    return f"{n} graphique{'s' if n > 1 else ''}"


@st.fragment
def _body() -> None:
    """The figures by theme, then their charts and the rest. A fragment: the charts and tables
    come once the browser has painted the title and the figures (components.after_paint, issue
    #15: the map's click opens this page in a browser that has not loaded the charts' code)."""
    ready = components.after_paint("portrait_after_figures")
    if not portrait.themes:
        components.empty_note("Aucun chiffre n'est encore chargé pour ce quartier.")
    for number, block in enumerate(portrait.themes):
        if not ready and number:
            # The first theme's figures fill the screen: the other themes' figure cards (each
            # a few HTML blocks the browser parses and draws before it paints the title) come
            # with the charts, once these are painted (issue #15).
            return
        st.header(md_text(block.theme.capitalize()), divider="gray", anchor=False)
        figures = [views.portrait_figure(pv, credit=lambda code, year, i=pv.indicator_id: " ; ".join(
            credited([(code or portrait.qpv.code, i, year)])),
            short_credit=lambda code, year, i=pv.indicator_id: " ; ".join(
                short_credited([(code or portrait.qpv.code, i, year)]))) for pv in block.values]
        for start in range(0, len(figures), 3):
            for column, figure in zip(st.columns(3), figures[start:start + 3]):
                with column:
                    components.figure_card(figure)
        if not ready:
            continue
        charted = charted_of[block.theme]
        if on_request and charted and not _asked(
                f"portrait_charts_{block.theme}",
                f"Afficher les graphiques du thème « {md_text(block.theme.capitalize())} » "
                f"({_count(len(charted))})"):
            continue
        if on_request:
            chart_credits.update(data.value_credits_many([_chart_keys(pv) for pv in charted]))
        for start in range(0, len(charted), 2):
            for column, pv in zip(st.columns(2), charted[start:start + 2]):
                with column:
                    # Every source of the bars drawn (the QPV's and each comparator's): the caption
                    # and the exported image credit the same.
                    source = views.credits_text(credited(_chart_keys(pv)))
                    fig = charts.shared(charts.comparison_bar, pv.label, pv.unit,
                                        views.chart_rows(pv, portrait.qpv.name))
                    st.plotly_chart(fig, key=f"chart_{pv.indicator_id}", theme=None,
                                    config=components.PLOTLY_CONFIG,
                                    alt=f"Graphique : {pv.label}, le quartier et ses territoires de comparaison")
                    # Under the chart, about two lines (issue #11); the whole behind the toggle.
                    components.source_line(source, shown=views.credits_line(
                        c for key in _chart_keys(pv) for c in short_credited([key])))
                    exports.download_figure(
                        fig, key=f"chart_{pv.indicator_id}", title=f"{pv.label} – {portrait.qpv.name}",
                        unit=views.unit_text(pv.unit), source=source, selection=selection,
                        stem=f"graphique_{pv.indicator_id}_{portrait.qpv.code}")

    if not ready:
        return
    series_of = data.gap_series_many(portrait.qpv.code, [pv.indicator_id for pv in portrait.values])
    gap_charts = [(pv, series_of[pv.indicator_id]) for pv in portrait.values]
    # At least two years (read as a list: Series.nunique cost about 0,2 ms an indicator, issue #15).
    gap_charts = [(pv, series) for pv, series in gap_charts
                  if len({y for y in series["year"].tolist() if not pd.isna(y)}) >= 2]
    if gap_charts:
        st.header("Les écarts se réduisent-ils ?", divider="gray")
        st.caption("Écart entre le quartier et sa commune ou son intercommunalité, chaque année où "
                   "les deux ont une valeur diffusée : en points pour un taux, en rapport pour un "
                   "montant. Une série ne franchit jamais le passage des QPV de 2015 à ceux de 2024.")
        if on_request and not _asked("portrait_charts_gaps",
                                     f"Afficher les graphiques d'écart ({_count(len(gap_charts))})"):
            gap_charts = []
        for start in range(0, len(gap_charts), 2):
            for column, (pv, series) in zip(st.columns(2), gap_charts[start:start + 2]):
                with column:
                    title = f"Écart – {pv.label} – {portrait.qpv.name}"
                    fig = charts.shared(charts.gap_lines, series, title, pv.unit)
                    st.plotly_chart(fig, key=f"gap_{pv.indicator_id}", theme=None,
                                    config=components.PLOTLY_CONFIG,
                                    alt=f"Graphique : {title}, écart au fil des années")
                    components.source_line(views.gap_source(series),
                                           shown=views.gap_source(series, short=True))
                    exports.download_figure(
                        fig, key=f"gap_{pv.indicator_id}", title=title, source=views.gap_source(series),
                        unit=views.gap_axis_title(series["gap_kind"].iloc[0], pv.unit),
                        selection=selection, stem=f"ecart_{pv.indicator_id}_{portrait.qpv.code}")

    if portrait.themes:
        st.header("Tous les chiffres du portrait", divider="gray")
        shown_table, (table, status_columns, units), row_indicators = views.portrait_tables(portrait)
        with st.expander("Tableau : chaque indicateur pour le quartier et ses territoires de comparaison"):
            components.table(shown_table, hide_index=True, key="portrait_table")
        keys = [(c, i, y) for c, i, y in zip(table["Code"], row_indicators, table["Année"])]
        exports.download_table(
            table, key="portrait_table", title=f"Portrait de quartier – {portrait.qpv.name} "
            f"({portrait.qpv.code})", selection=selection, status_columns=status_columns, units=units,
            sources=lambda: [*data.fact_sources(keys), *sorted(set(table["Source"]) - {""})],
            stem=f"portrait_{portrait.qpv.code}_{portrait.qpv.name.lower()}")

    commune_only = data.commune_only_figures(portrait.qpv.code)
    if not commune_only.empty:
        st.header("Publiés pour la commune seulement", divider="gray", anchor=False)
        st.caption(md_text(commune_only["caution"].iloc[0]))
        components.table(views.commune_only_table(commune_only), values=["Valeur de la commune"],
                         hide_index=True, key="commune_only_table")

    qualitative = data.qualitative(selection.contract_slug, selection.qpv_code)
    sections, notes = views.shared_qualitative_sections(qualitative)
    if sections:
        st.header("Enjeux et parole des habitants", divider="gray")
        for title, groups in sections:
            st.subheader(title)
            for heading, texts, source, short in groups:
                if heading:
                    st.markdown(f"**{md_text(heading)}**")
                st.markdown("\n".join(f"- {md_text(t)}" for t in texts))
                components.source_line(source, shown=short)
    else:
        components.empty_note("Aucun enjeu prioritaire ni résultat de concertation saisi pour ce quartier.")
    if notes:
        st.header(views.NOTES_TITLE, divider="gray")
        for heading, texts, source, short in notes:
            if heading:
                st.subheader(md_text(heading), anchor=False)
            st.markdown("\n".join(f"- {md_text(t)}" for t in texts))
            components.source_line(source, shown=short)


_body()
