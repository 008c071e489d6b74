"""Comparer les quartiers: QPV × indicators, filters, sorting, the selected QPV highlighted, scatter."""
from __future__ import annotations

import streamlit as st

from indicators.compare import default_indicators, filter_compare
from indicators.registry import THEMES
from indicators.text import md_text
from ui import charts, components, data, exports, views

selection = components.current_selection()
components.page_header("Comparer les quartiers", selection)

available = data.contract_indicator_choices(selection.contract_slug)
qpvs = data.contract_qpvs(selection.contract_slug)
if qpvs.empty or not available:
    # Chambéry: three columns of « non disponible », then two sections saying nothing to plot.
    components.empty_note(views.no_values_note(qpvs.empty, "il n'y a rien à comparer"))
    st.stop()

f1, f2, f3 = st.columns([1.2, 2.5, 1.5])
# `wrap=True`: the chips on as many rows as needed (one scrolling row cut the second indicator).
theme = f1.selectbox("Thème", ["tous"] + [t for t in THEMES if views.theme_has(t, available)],
                     key="cmp_theme")
choices = [i for i in available if theme == "tous" or views.theme_of(i) == theme]
default = default_indicators(choices, selection.indicator_id)
indicators = f2.multiselect("Indicateurs", choices, default=default, key="cmp_indicators",
                            format_func=views.indicator_option,
                            placeholder="choisissez un ou plusieurs indicateurs", wrap=True)
communes = sorted({(c, n) for cs, ns in zip(qpvs["commune_codes"], qpvs["commune_names"])
                   for c, n in zip(cs, ns)}, key=lambda cn: cn[1])
chosen_communes = f3.multiselect("Communes", [c for c, _ in communes], key="cmp_communes",
                                 format_func=dict(communes).get, placeholder="toutes", wrap=True)
if not indicators:
    components.empty_note("Choisissez au moins un indicateur.")
    st.stop()

table = data.compare_frame(selection.contract_slug, indicators)
s1, s2, s3, s4 = st.columns([2, 1.5, 2, 1])
# Names read A to Z, figures highest first: choosing what to sort by sets the order's default.
sort_by = s1.selectbox("Trier par", [None] + indicators, key="cmp_sort",
                       format_func=lambda i: "nom du quartier" if i is None else views.indicator_option(i),
                       on_change=lambda: st.session_state.update(
                           cmp_desc=st.session_state.get("cmp_sort") is not None))
descending = s2.toggle("Ordre décroissant", value=False, key="cmp_desc")
threshold_on = s3.selectbox("Seuil sur", [None] + indicators, key="cmp_threshold_on",
                            format_func=lambda i: "aucun seuil" if i is None else views.indicator_option(i))
vintages = sorted({int(v) for v in qpvs["geography_vintage"].dropna()}, reverse=True)
vintage = s4.selectbox("Géographie", vintages + [None], key="cmp_vintage",
                       format_func=lambda v: "toutes" if v is None else f"QPV {v}")
thresholds = {}
if threshold_on:
    shown = table[threshold_on].dropna()
    if not shown.empty and shown.min() < shown.max():
        low, high = st.slider("Valeurs gardées", float(shown.min()), float(shown.max()),
                              (float(shown.min()), float(shown.max())), key="cmp_threshold")
        thresholds[threshold_on] = (low, high)
        st.caption("Les quartiers dont la valeur est couverte par le secret statistique ne sont "
                   "pas gardés par un seuil.")
kept = views.sort_compare(filter_compare(table, commune_codes=chosen_communes or None,
                                         thresholds=thresholds, vintage=vintage),
                          sort_by, descending)
st.caption(f"{views.plural(len(kept), 'quartier')} sur {len(table)} · ▶ quartier sélectionné · "
           "chaque indicateur est pris à la même année pour tous les quartiers")
compared = views.compare_table(kept, indicators, selection.qpv_code)
# The marker and the name pinned, the indicators' values right after them (readable at 390 px).
values = [c for c in compared.columns if c not in ("", "Quartier", "Code", "Commune(s)", "Portrait")]
components.table(compared, ["", "Quartier"], values, max_height_px=720, hide_index=True,
                 key="cmp_table")
# Shown as every figure's line (document, section — producer, year), the whole behind the toggle.
table_keys = [(c, i, y) for i in indicators
              for c, y, s in zip(kept["qpv_code"], kept[i + "__year"], kept[i + "__status"]) if s == "ok"]
table_credits = data.value_credits(table_keys)
components.source_line(views.credits_text(table_credits),
                       shown=views.credits_line(data.value_credits(table_keys, short=True)))
export, status_columns, units = views.compare_export(kept, indicators)
keys = [(c, i, y) for i in indicators for c, y in zip(kept["qpv_code"], kept[i + "__year"])]
exports.download_table(export, key="cmp_table", title="Comparaison des quartiers",
                       selection=selection, status_columns=status_columns, units=units,
                       sources=lambda: data.fact_sources(keys),
                       stem=f"comparaison_quartiers_{selection.contract_slug}")
if vintage is None and len(vintages) > 1:
    st.caption("⚠ Les quartiers 2015 (QP…) et 2024 (QN…) n'ont pas les mêmes contours : "
               "ne comparez pas leurs valeurs entre elles.")

if len(indicators) >= 2:
    st.subheader("Deux indicateurs croisés")
    x_id, y_id = indicators[0], indicators[1]
    points = views.scatter_points(kept, x_id, y_id)
    if points.empty:
        components.empty_note("Aucun quartier n'a de valeur diffusée pour ces deux indicateurs.")
    else:
        x_meta, y_meta = views.meta(x_id), views.meta(y_id)
        fig = charts.scatter(points, x_meta["label"], y_meta["label"], x_meta["unit"],
                             y_meta["unit"], selection.qpv_code)
        st.plotly_chart(fig, key="cmp_scatter", theme=None, config=components.PLOTLY_CONFIG,
                        alt=f"Nuage de points des quartiers : {x_meta['label']} et {y_meta['label']}")
        scatter_credits = data.value_credits(
            [(c, i, y) for i in (x_id, y_id) for c, y in zip(kept["qpv_code"], kept[i + "__year"])
             if c in set(points["qpv_code"])])
        scatter_keys = [(c, i, y) for i in (x_id, y_id) for c, y in zip(kept["qpv_code"], kept[i + "__year"])
                        if c in set(points["qpv_code"])]
        components.source_line(views.scatter_source(x_id, y_id, scatter_credits),
                               shown=views.credits_line(data.value_credits_many([scatter_keys], short=True).get(
                                   data.credit_key(scatter_keys)) or scatter_credits))
        exports.download_figure(fig, key="cmp_scatter",
                                title=f"{x_meta['label']} et {y_meta['label']}",
                                source=views.scatter_source(x_id, y_id, scatter_credits),
                                selection=selection,
                                stem=f"nuage_{x_id}_{y_id}_{selection.contract_slug}")

# Only indicators with two comparable years for a quartier: never a choice that shows a note.
gap_choices = [i for i in indicators if views.has_gap(i)
               and not data.gap_change_table(selection.contract_slug, i).empty]
if gap_choices:
    st.subheader("Les écarts se réduisent-ils ?")
    g1, g2 = st.columns(2)
    gap_id = g1.selectbox("Indicateur", gap_choices, key="gap_indicator",
                          format_func=views.indicator_short_option)
    g1.caption(md_text(views.indicator_full_name(gap_id)))     # the whole name (issue 11, D9)
    gap_level = g2.selectbox("Écart à", ["epci", "commune"], key="gap_level",
                             format_func={"epci": "l'intercommunalité", "commune": "la commune"}.get)
    changes = data.gap_change_table(selection.contract_slug, gap_id)
    changes = changes[changes["comparator_level"] == gap_level]
    if changes.empty:
        components.empty_note("Aucun quartier n'a deux années comparables pour cet indicateur.")
    else:
        g_meta = views.meta(gap_id)
        fig = charts.gap_change_scatter(changes, g_meta["label"], g_meta["unit"], selection.qpv_code)
        st.plotly_chart(fig, key="gap_scatter", theme=None, config=components.PLOTLY_CONFIG,
                        alt=f"Nuage de points des quartiers : niveau et évolution de l'écart, {g_meta['label']}")
        gap_src = views.gap_change_source(changes)
        st.caption(views.gap_change_caption(changes))
        components.source_line(gap_src, shown=views.gap_change_source(changes, short=True))
        exports.download_figure(fig, key="gap_scatter",
                                title=f"Niveau et évolution de l'écart – {g_meta['label']}",
                                source=gap_src, selection=selection,
                                stem=f"ecarts_{gap_id}_{selection.contract_slug}")
