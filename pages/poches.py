"""Poches de pauvreté hors QPV: pockets found on the Filosofi 200 m grid (indicators/pockets.py),
with adjustable parameters, a map layer beside the QPVs, and one justification sheet per pocket."""
from __future__ import annotations

import streamlit as st

from indicators import pockets as pk
from indicators.text import md_text
from reports import palette
from ui import components, data, exports, maps, views

selection = components.current_selection()
components.page_header("Poches de pauvreté hors QPV", selection)
slug = selection.contract_slug

st.markdown(
    "La circulaire du 31 août 2023 permet de financer des « poches de pauvreté » hors des quartiers "
    "prioritaires (au plus 2,5 % des crédits du programme 147) si des indicateurs locaux montrent "
    "« la similarité de la situation avec celle des QPV ». Cette page les cherche sur le carroyage "
    "Filosofi à 200 m, comme ont été dessinés les QPV.")

basis = data.pocket_threshold(slug)
# No national median of real figures (a real contract never takes the demo's): S is to be typed,
# never a made-up default.
default_s = round(basis.value_eur) if basis.value_eur is not None else None
with st.expander("Paramètres de la détection", expanded=True):
    c1, c2, c3, c4 = st.columns(4)
    # Text fields: st.number_input writes « 13224 » (no thousands separator, issue #11).
    threshold = components.number_field(
        "Seuil S de niveau de vie (€ par an)", key="pocket_threshold", value=default_s,
        min_value=1_000, max_value=100_000, integer=False, placeholder="à saisir", container=c1,
        help="Carreaux retenus : niveau de vie moyen des habitants du carreau sous S.")
    min_population = components.number_field(
        "Population minimale d'une poche", key="pocket_min_population",
        value=pk.DEFAULT_MIN_POPULATION, min_value=0, max_value=100_000, container=c2,
        help="1 000 habitants dans le décret du 3 juillet 2014.")
    contiguity = c3.radio("Carreaux contigus", list(pk.CONTIGUITY), key="pocket_contiguity",
                          format_func=pk.CONTIGUITY.get)
    # Whole percents.
    min_poor = components.number_field(
        "Part minimale de ménages pauvres par carreau (%)", key="pocket_min_poor", value=0,
        min_value=0, max_value=100, container=c4, help="0 : critère non appliqué.")
    # Markdown: the EPCI's name in it comes from the data. Without a default S the box below
    # says why, and the field « à saisir »: not a third time here.
    if default_s is not None:
        st.caption("Seuil par défaut : " + md_text(pk.threshold_text(basis)))
# The same Threshold as the caption above: the box never says a median the line says is absent.
st.info(pk.limits_text(basis), icon=":material/info:")

# A wrong entry is said under its field: nothing to search with.
if any(field.error for field in (threshold, min_population, min_poor)):
    st.stop()
# Without S (no real national median), the detection says what is missing: the grid, or S to type.
# An emptied population or share field means its default (0 %: the criterion is not applied).
params = None if threshold.value is None else pk.Params(
    threshold_eur=float(threshold.value),
    min_population=float(pk.DEFAULT_MIN_POPULATION if min_population.value is None
                         else min_population.value),
    contiguity=contiguity, min_poor_households_pct=float(min_poor.value or 0))
if params is None and default_s is not None:
    # S emptied by the user: the search waits for it (data.poverty_pockets would take the default).
    components.empty_note("Seuil S vide : saisissez le seuil S.")
    st.stop()
with st.spinner("Recherche des poches sur le carroyage…"):
    result = data.poverty_pockets(slug, params)
if result.message:
    if result.message != pk.NO_NATIONAL_MEDIAN:   # the limits box above says that one already
        components.empty_note(result.message)
    st.stop()

found = result.pockets
st.subheader(f"{len(found)} poche{'s' if len(found) > 1 else ''} de pauvreté hors QPV"
             if len(found) else "Aucune poche de pauvreté hors QPV avec ces paramètres")
st.caption(pk.METHOD_TEXT.format(min_population=pk.fmt_figure(params.min_population, "count"))
           + f" Carroyage Filosofi {result.grid_year}.")

qpv_geoms, communes = data.contract_geometries(slug)
deck = maps.pockets_deck(qpv_geoms, communes, found, qpv_codes=result.qpv_codes)
st.pydeck_chart(deck, key="pockets_map", height=520,
                alt="Carte : quartiers prioritaires et poches de pauvreté hors QPV")
st.markdown(maps.legend_html("Légende", [(palette.PRIMARY_LIGHT, "quartier prioritaire (QPV)"),
                                         (palette.POCKET, "poche de pauvreté hors QPV")]),
            unsafe_allow_html=True)
if found.empty:
    st.stop()



def pocket_sources() -> list[str]:
    cur = data.cursor()
    try:
        return pk.grid_sources(cur, result)
    finally:
        cur.close()


listing = views.pockets_list(found)
components.table(listing, hide_index=True, key="pockets_list")
source, short_source = views.pockets_source(pocket_sources())
components.source_line(source, shown=short_source)
if not listing.empty:
    st.caption(views.POCKETS_LIST_NOTE)
exports.download_table(listing, key="pockets_list", title="Poches de pauvreté hors QPV",
                       selection=selection, sources=pocket_sources,
                       stem=f"poches_de_pauvrete_{slug}")

for row in found.itertuples():
    st.subheader(md_text(pk.pocket_title(row.pocket_id, row.commune_names)), anchor=False)
    st.caption(md_text(f"{pk.fmt_figure(row.population, 'count')} habitants, {int(row.n_squares)} carreaux ; "
                       f"{pk.distance_text(row.distance_to_qpv_m)}"
                       + (f" ({row.nearest_qpv_name}, {row.nearest_qpv_code})" if row.nearest_qpv_code else "")))
    table = pk.comparison(result, row.pocket_id)
    components.table(views.pocket_comparison_table(table, row.commune_names), hide_index=True,
                     key=f"pocket_table_{row.pocket_id}")
    components.source_line(source, shown=short_source)
    exports.download_pocket_sheet(selection, params, row.pocket_id)
