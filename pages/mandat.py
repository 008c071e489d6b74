"""Les chiffres du mandat: headline KPI tiles, financing and leverage per funder."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from indicators import fmt
from ui import charts, components, data, views

selection = components.current_selection()
components.page_header("Les chiffres du mandat", selection)

with st.spinner("Chargement des indicateurs du mandat…"):
    tiles = data.kpi_tiles(selection.contract_slug)
    money = data.financing_summary(selection.contract_slug)

if not tiles:
    components.empty_note("Aucun indicateur de suivi n'est saisi pour ce territoire "
                          "(tables kpi_definitions et kpi_values du modèle de programme).")
for theme, shown in views.tiles_by_theme(tiles):
    st.header(theme.capitalize(), divider="gray")
    components.grid(shown, components.kpi_tile)

st.header("Financements et effet levier", divider="gray")
by_funder, leverage_rows = money["by_funder"], views.leverage_rows(money["leverage"])
if by_funder.empty and not leverage_rows:
    components.empty_note("Aucun financement n'est saisi pour ce territoire.")
if not by_funder.empty:
    years = money["by_year"]["year"]
    st.metric(f"Financements saisis {views.year_span(years)}",
              views.amount_text(by_funder["amount_eur"].sum(), "EUR"))
    st.plotly_chart(charts.funder_bars(by_funder), key="funder_chart", theme=None,
                    config={"displaylogo": False})
    components.source_line("financements saisis dans le modèle de programme (table funding)")
if leverage_rows:
    st.subheader("Effet levier : pour 1 € de la ville")
    st.dataframe(pd.DataFrame(leverage_rows), hide_index=True, key="leverage_table")
projects = money["projects"]
if not projects.empty:
    st.subheader("Projets financés par année")
    st.dataframe(views.projects_table(projects), hide_index=True, key="projects_table")
