"""Logement et attributions: CIA objectives against results per year, landlord and reserving party,
the number of attributions still needed (computed, the document's figure beside), context figures."""
from __future__ import annotations

import streamlit as st

from indicators.housing import OBJECTIVE_LABELS, PARTY_TYPE_LABELS, chart_rates
from indicators.review import documents_credit, documents_short_credit
from ui import charts, components, data, exports, views

selection = components.current_selection()
components.page_header("Logement et attributions", selection)

with st.spinner("Calcul des résultats de la CIA…"):
    results, objectives = data.housing_results(selection.contract_slug)
# A key figure that is a CIA rate shown in « Les objectifs de la CIA en bref » is said there once.
context = [t for t in data.kpi_tiles(selection.contract_slug) if t.theme == "logement"
           and not views.repeats_cia_headline(t, results)]
if results.empty and objectives.empty:
    # Said even when national figures follow: these are context, not the contract's CIA.
    components.empty_note("Aucune donnée d'attribution (CIA) n'est saisie pour ce territoire "
                          "(attributions, objectifs et résultats de la CIA se saisissent dans le "
                          "modèle de programme : voir « Données et méthode »).")
    if not context:
        st.stop()

slug = selection.contract_slug


def housing_sources() -> list:
    return data.contract_sources(slug, "housing_attributions", "housing_objectives",
                                 "housing_published_results")


attribution_files = data.contract_sources(slug, "housing_attributions")
headline = views.housing_headlines(results, attribution_files)
if headline:
    st.header("Les objectifs de la CIA en bref", divider="gray")
    components.kpi_tiles(headline, columns=2)

if not results.empty:
    st.header("Résultats par année et par partie", divider="gray")
    f = st.columns(3)
    years = sorted(results["year"].unique().tolist(), reverse=True)
    year = f[0].selectbox("Année", [None] + years, key="cia_year",
                          format_func=lambda y: "toutes" if y is None else str(y))
    party_type = f[1].selectbox("Partie", [None] + list(PARTY_TYPE_LABELS), key="cia_party",
                                format_func=lambda p: "toutes" if p is None else PARTY_TYPE_LABELS[p])
    objective = f[2].selectbox("Objectif", [None] + list(OBJECTIVE_LABELS), key="cia_objective",
                               format_func=lambda o: "tous" if o is None else OBJECTIVE_LABELS[o])
    shown = views.filter_results(results, year, party_type, objective)
    table = views.housing_table(shown)
    # Each party and objective whole (the grid sized the columns on their first rows only).
    components.table(table, hide_index=True, key="cia_table", max_height_px=600,
                     main=("Partie", "Objectif", "Taux"))
    # The documents of the rows shown, as under the charts (the « Source » column: their sections).
    components.source_line(views.housing_chart_source(shown),
                           shown=views.housing_chart_source(shown, short=True))
    exports.download_table(views.export_frame("cia_results", shown), key="cia_table",
                           title="Résultats de la CIA par année et par partie", selection=selection,
                           sources=housing_sources, stem=f"resultats_cia_{slug}")
    st.caption(views.housing_table_note(table))
    rates = views.rates_by_objective(results)
    # Two charts a row at most: three side by side shrank their bar labels to about 8 px.
    placed = [(column, rate) for row in views.in_rows(rates, views.CHARTS_PER_ROW)
              for column, rate in zip(st.columns(views.CHARTS_PER_ROW), row)]
    for column, (objective_id, part) in placed:
        with column:
            target = part["target_pct"].dropna()
            title = f"{OBJECTIVE_LABELS[objective_id]} – ensemble du territoire"
            values, decimals = chart_rates(part["rate_pct"], part["rate_origin"])
            fig = charts.bars_by_category(
                part["year"].astype(str).tolist(), values, title, "%",
                target=float(target.iloc[0]) if not target.empty else None,
                target_label="objectif", decimals=decimals)
            st.plotly_chart(fig, key=f"cia_chart_{objective_id}", theme=None,
                            config=components.PLOTLY_CONFIG, alt=f"Graphique : {title}")
            source = views.housing_chart_source(part, computed_files=attribution_files)
            components.source_line(source, shown=views.housing_chart_source(
                part, short=True, computed_files=attribution_files))
            exports.download_figure(fig, key=f"cia_chart_{objective_id}", title=title, unit="%",
                                    source=source, selection=selection,
                                    stem=f"cia_{objective_id}_{slug}")

if not objectives.empty:
    st.header("Objectifs de la convention", divider="gray")
    components.table(views.objectives_table(objectives), hide_index=True, key="cia_objectives")
    # The documents the rows cite, without their sections (the « Source » column gives them).
    components.source_line(documents_credit(objectives, sections=False),
                           shown=documents_short_credit(objectives))
    exports.download_table(views.export_frame("cia_objectives", objectives), key="cia_objectives",
                           title="Objectifs de la convention intercommunale d'attribution",
                           selection=selection, sources=housing_sources,
                           stem=f"objectifs_cia_{slug}")

# A figure with a target is a result the contract follows, not context: under its own heading.
followed = [t for t in context if t.scope != "national" and views.has_target(t)]
local = [t for t in context if t.scope != "national" and not views.has_target(t)]
national = [t for t in context if t.scope == "national"]
if followed:
    st.header("Indicateurs suivis du contrat", divider="gray")
    components.kpi_tiles([views.kpi_tile(t) for t in followed])
if local:
    st.header("Chiffres de contexte", divider="gray")
    components.kpi_tiles([views.kpi_tile(t) for t in local])
if national:
    st.header("Programme national", divider="gray")
    st.caption("Chiffres du programme national, cités pour situer le territoire : ce ne sont pas "
               "des résultats du contrat.")
    components.kpi_tiles([views.kpi_tile(t) for t in national])
