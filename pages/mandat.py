"""Les chiffres du mandat: headline KPI tiles, financing and leverage per funder."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators.text import md_text
from ui import charts, components, data, exports, views

selection = components.current_selection()
components.page_header("Les chiffres du mandat", selection)

with st.spinner("Chargement des indicateurs du mandat…"):
    tiles = data.kpi_tiles(selection.contract_slug)
    headlines = data.headlines(selection.contract_slug)
slug = selection.contract_slug

if headlines.figures:
    st.header("Les chiffres clés", divider="gray")
    components.kpi_tiles([views.headline_card(f) for f in headlines.figures])
if not tiles and not headlines.figures:
    components.empty_note("Aucun indicateur de suivi n'est saisi pour ce territoire "
                          "(voir « Données et méthode » pour les saisir).")
in_headlines = {getattr(f, "kpi_id", None) for f in headlines.figures}
for theme, shown in views.tiles_by_theme(tiles, exclude=in_headlines):
    st.header(md_text(theme.capitalize()), divider="gray", anchor=False)
    components.kpi_tiles(shown)
context = [views.kpi_tile(t) for t in tiles if t.scope == "national"]
if context:
    st.header("Contexte national", divider="gray")
    st.caption("Chiffres de programmes nationaux, cités par les documents du territoire pour le "
               "situer : ce ne sont pas des résultats du contrat.")
    components.kpi_tiles(context)
if tiles:
    table, status_columns, units = views.kpi_export(tiles)
    st.caption("Tous les chiffres du mandat, avec leur période, leur objectif et leur source :")
    exports.download_table(table, key="kpi_table", title="Les chiffres du mandat",
                           selection=selection, status_columns=status_columns, units=units,
                           sources=lambda: data.contract_sources(slug, "kpi_values"),
                           stem=f"chiffres_du_mandat_{slug}")

@st.fragment
def _financing(selection, money: dict) -> None:
    """Financing and leverage, projects. A fragment: its chart and tables are drawn once the
    browser has painted the figures (components.after_paint), in this fragment's own rerun."""
    slug = selection.contract_slug
    st.header("Financements et effet levier", divider="gray")
    by_funder, leverage_rows = money["by_funder"], views.leverage_rows(money["leverage"])
    if by_funder.empty and not leverage_rows:
        components.empty_note("Aucun financement n'est saisi pour ce territoire.")
    funding_source = views.funding_source(money["documents"])
    funding_shown = views.funding_source(money["documents"], short=True)   # chart and table alike
    if not by_funder.empty:
        years = money["by_year"]["year"]
        st.metric(f"Financements saisis {views.year_span(years)}",
                  views.amount_text(by_funder["amount_eur"].sum(), "EUR"))
        if money["unattached_eur"]:
            note = views.unattached_note(money["unattached_eur"], by_funder["amount_eur"].sum())
            st.caption(note[0].upper() + note[1:] + ".")
    # The chart and the tables once the browser has painted the figures (issue #15).
    if not components.after_paint("mandat_after_figures"):
        return
    if not by_funder.empty:
        fig = charts.shared(charts.funder_bars, by_funder, views.year_span(years).strip("()"))
        st.plotly_chart(fig, key="funder_chart", theme=None, config=components.PLOTLY_CONFIG,
                        alt=f"Graphique : financements par financeur {views.year_span(years)}")
        components.source_line(funding_source, shown=funding_shown)
        exports.download_figure(fig, key="funder_chart",
                                title=f"Financements par financeur {views.year_span(years)}",
                                unit="€", source=funding_source, selection=selection,
                                stem=f"financements_par_financeur_{slug}")
        exports.download_table(views.export_frame("by_funder", by_funder), key="funder_table",
                               title="Financements par financeur", selection=selection,
                               sources=lambda: data.contract_sources(slug, "programme_funding"),
                               stem=f"financements_par_financeur_{slug}")
    if leverage_rows:
        st.subheader(views.LEVERAGE_TITLE)
        leverage = pd.DataFrame(leverage_rows)
        shown = views.leverage_shown(leverage_rows)
        if views.COMPUTED_COLUMN not in shown:
            st.caption("Aucun financement n'est saisi : l'effet levier n'est pas calculé ; voici les "
                       "chiffres publiés par les documents du territoire.")
        elif note := views.leverage_note(leverage_rows):
            st.caption(note)
        components.table(shown, ["Financeur"], [views.COMPUTED_COLUMN, "Publié"], hide_index=True,
                         key="leverage_table")
        if any(lev.status == "ok" for lev in money["leverage"]):    # the computed column's source
            components.source_line(funding_source, shown=funding_shown)
        exports.download_table(leverage, key="leverage_table", title=views.LEVERAGE_TITLE,
                               selection=selection,
                               sources=lambda: data.contract_sources(slug, "programme_funding",
                                                                     "kpi_values"),
                               stem=f"effet_levier_{slug}")
    projects = money["projects"]
    if not projects.empty:
        st.subheader("Projets financés par année")
        components.table(views.projects_table(projects), hide_index=True, key="projects_table")
        components.source_line(views.actions_source(money["action_documents"]),
                               shown=views.actions_source(money["action_documents"], short=True))
        exports.download_table(views.export_frame("projects", projects), key="projects_table",
                               title="Projets financés par année", selection=selection,
                               sources=lambda: data.contract_sources(slug, "programme_actions"),
                               stem=f"projets_par_annee_{slug}")


# Read once the tiles are sent: only the financing section below them needs it (issue #15).
with st.spinner("Chargement des financements…"):
    money = data.financing_summary(slug)
_financing(selection, money)
