"""Portrait de quartier: key figures with comparators by theme, charts, ranks, priorities, consultation."""
from __future__ import annotations

import streamlit as st

from ui import charts, components, data, views

selection = components.current_selection()
if selection.qpv_code is None:
    components.page_header("Portrait de quartier", selection)
    components.empty_note("Ce territoire ne compte aucun quartier prioritaire dans la base.")
    st.stop()

with st.spinner("Calcul du portrait…"):
    portrait = data.qpv_portrait(selection.qpv_code)
if portrait is None:
    components.link_errors([f"Le quartier « {selection.qpv_code} » n'existe pas dans la base."])

components.page_header(f"Portrait de quartier : {portrait.qpv.name}", selection)
st.markdown(components.esc(views.portrait_identity(portrait)), unsafe_allow_html=True)

if not portrait.themes:
    components.empty_note("Aucun chiffre n'est encore chargé pour ce quartier.")
for block in portrait.themes:
    st.header(block.theme.capitalize(), divider="gray")
    figures = [views.portrait_figure(pv) for pv in block.values]
    for start in range(0, len(figures), 3):
        for column, figure in zip(st.columns(3), figures[start:start + 3]):
            with column:
                components.figure_card(figure)
    charted = [pv for pv in block.values if views.chart_rows(pv, portrait.qpv.name)]
    for start in range(0, len(charted), 2):
        for column, pv in zip(st.columns(2), charted[start:start + 2]):
            with column:
                figure = views.portrait_figure(pv)
                st.plotly_chart(
                    charts.comparison_bar(pv.label, pv.unit, views.chart_rows(pv, portrait.qpv.name),
                                          figure["source"]),
                    key=f"chart_{pv.indicator_id}", theme=None, config={"displaylogo": False})

qualitative = data.qualitative(selection.contract_slug, selection.qpv_code)
sections = views.qualitative_sections(qualitative)
if sections:
    st.header("Enjeux et parole des habitants", divider="gray")
    for title, groups in sections:
        st.subheader(title)
        for heading, texts, source in groups:
            if heading:
                st.markdown(f"**{components.esc(heading)}**", unsafe_allow_html=True)
            st.markdown("\n".join(f"- {components.esc(t)}" for t in texts), unsafe_allow_html=True)
            components.source_line(source)
else:
    components.empty_note("Aucun enjeu prioritaire ni résultat de concertation saisi pour ce quartier.")
