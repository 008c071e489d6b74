"""Carte des quartiers: QPVs coloured by any indicator, commune outlines and names, click → portrait."""
from __future__ import annotations

import streamlit as st

from indicators.text import md_text
from ui import components, data, exports, maps, state, views

selection = components.current_selection()
# A click on a QPV reruns this page with the map's selection: open its portrait before anything
# is drawn or built again (issue #15: the click's run rebuilt the whole map to then leave it).
clicked = maps.selected_code(st.session_state.get("qpv_map"))
if clicked:
    st.switch_page("pages/portrait.py", query_params={"qpv": clicked})
components.page_header("Carte des quartiers", selection)

# Only indicators with a value for a quartier of the map (its geography, the year it shows):
# Chambéry's map was a column of « non disponible » under a choice of every indicator (issue #11).
choices = data.contract_indicator_choices(selection.contract_slug, "latest")
if not choices:
    components.empty_note(views.no_values_note(data.contract_qpvs(selection.contract_slug).empty,
                                               "la carte n'a rien à colorer"))
    st.stop()
current = selection.indicator_id if selection.indicator_id in choices else choices[0]
left, middle, right = st.columns([2.6, 1.6, 1.6])
indicator_id = left.selectbox(
    "Indicateur", choices, index=choices.index(current), key="map_indicator",
    format_func=views.indicator_short_option, on_change=lambda: state.set_indicator(
        st.session_state["map_indicator"]))
# The option is the short name (a select cuts a long one); the whole name under it (issue 11, D9).
left.caption(md_text(views.indicator_full_name(indicator_id)))
# The classes and the base map act on the map only: their controls are drawn once it is known
# that a map is (issue 11: no control that does nothing); the method is the radio's last value.
method = st.session_state.get("map_method", "quantile")

with st.spinner("Préparation de la carte…"):
    map_data = data.map_data(selection.contract_slug, indicator_id, method)
    _, communes = data.contract_geometries(selection.contract_slug)
frame, legend = maps.shared_colours(map_data)
drawn = not frame.empty and not frame["geojson"].isna().all()
with_tiles = False
if drawn:
    method = middle.radio("Classes", ["quantile", "jenks"], key="map_method", horizontal=True,
                          format_func={"quantile": "quantiles", "jenks": "seuils naturels"}.get)
    with_tiles = right.toggle("Fond de carte (Internet)", key="map_tiles", value=False,
                              help="Ajoute le fond OpenStreetMap, s'il est accessible ; la carte se lit sans.")
title = views.map_title(map_data)
if frame.empty:
    components.empty_note("Ce territoire ne compte aucun quartier prioritaire dans la base.")
    st.stop()

credit_keys = [(c, indicator_id, y) for c, y, st_ in zip(frame["qpv_code"], frame["year"], frame["status"])
               if st_ == "ok"]
map_credits = data.value_credits(credit_keys)
# The line shown: the values' short credits (document, section — producer, year), as a chart's.
map_short_credits = data.value_credits(credit_keys, short=True)
if not drawn:
    components.empty_note("Les contours des quartiers de ce territoire ne sont pas chargés : la carte "
                          "ne peut pas être dessinée. Voici les quartiers et leurs valeurs ; ajoutez "
                          "le fichier des contours de l'ANCT pour obtenir la carte.")
else:
    map_column, legend_column = st.columns([4, 1.3])
    with map_column:
        deck = maps.build_deck(frame, communes, indicator_label=map_data.label,
                               with_tiles=with_tiles, selected_code=selection.qpv_code,
                               pockets=data.stored_pockets(selection.contract_slug),
                               opens_on_click=True)
        st.pydeck_chart(deck, on_select="rerun", selection_mode="single-object", key="qpv_map",
                        height=560, alt=f"Carte : {title}")
    with legend_column:
        st.markdown(maps.legend_html(title, legend), unsafe_allow_html=True)
        components.source_line(views.map_source(map_data, map_credits),
                               shown=views.map_source(map_data, map_short_credits, short=True))
        st.caption("Cliquez sur un quartier pour ouvrir son portrait.")
        if outlined := views.selected_outline_note(frame, selection.qpv_code):
            st.markdown(outlined)
        found = data.stored_pockets(selection.contract_slug)
        if not found.empty:
            st.markdown(views.POCKETS_MARK + views.pockets_link_markdown(
                selection.contract_slug, found["pocket_id"].tolist()))
        exports.download_map(key="map", selection=selection, indicator_id=indicator_id,
                             year=map_data.year,
                             qpv_codes=list(frame.loc[frame["geojson"].notna(), "qpv_code"]),
                             method=method)

st.subheader("Valeurs par quartier")
if not drawn:     # without the map, its legend's title and source go with the table
    st.caption(md_text(title))      # an indicator's label may come from a file's dictionary
table_shown = views.map_table(frame)
components.table(table_shown, ["Quartier"], ["Valeur"], hide_index=True, key="map_table")
if not drawn and (frame["status"] == "ok").any():   # no figure shown, no source to cite
    components.source_line(views.map_source(map_data, map_credits),
                           shown=views.map_source(map_data, map_short_credits, short=True))
table, status_columns, units = views.map_export(map_data)
keys = [(c, indicator_id, y) for c, y in zip(frame["qpv_code"], frame["year"])]
exports.download_table(table, key="map_table", title=title, selection=selection,
                       status_columns=status_columns, units=units,
                       sources=lambda: data.fact_sources(keys),
                       stem=f"valeurs_{indicator_id}_{selection.contract_slug}")
