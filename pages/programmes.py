"""Programmes et financements: projects by year, funder, priority issue, QPV, operator; CPO and
poverty-pocket shares against the circular's thresholds."""
from __future__ import annotations

import streamlit as st

from indicators import beneficiaries
from indicators.financing import FUNDER_LABELS
from indicators.text import md_text
from ui import charts, components, data, exports, views

selection = components.current_selection()
components.page_header("Programmes et financements", selection)

with st.spinner("Chargement de la programmation…"):
    money = data.financing_summary(selection.contract_slug)
actions = money["actions"]
if actions.empty and money["by_year"].empty:
    components.empty_note("Aucune action ni aucun financement n'est saisi pour ce territoire "
                          "(ils se saisissent dans le modèle de programme : voir « Données et "
                          "méthode »).")
    elsewhere = views.programme_figures_elsewhere(data.kpi_tiles(selection.contract_slug))
    if elsewhere:
        st.caption(elsewhere)
    st.stop()

slug = selection.contract_slug
FUNDING_SOURCE = views.funding_source(money["documents"])
# Every chart and table of the page credits the funding with the same short line, whole behind
# « Source complète » (the chart had the short line, the tables the whole text).
FUNDING_SHOWN = views.funding_source(money["documents"], short=True)
PEOPLE_SOURCE = "listes de participants saisies par l'équipe du contrat (modèle de programme)"


def funding_sources() -> list:
    return data.contract_sources(slug, "programme_funding", "programme_actions")


def table_buttons(df, key: str, title: str) -> None:
    if df.empty:          # « Aucune convention … n'est saisie. »: nothing to download
        return
    exports.download_table(df, key=key, title=title, selection=selection, sources=funding_sources,
                           stem=f"{exports.slug(title.lower())}_{slug}")


by_year = money["by_year"]
if not by_year.empty:
    fig = charts.shared(charts.stacked_years, money["by_year_funder"])
    st.plotly_chart(fig, key="years_chart", theme=None, config=components.PLOTLY_CONFIG,
                    alt="Graphique : financements par année et par financeur")
    components.source_line(FUNDING_SOURCE, shown=FUNDING_SHOWN)
    if (charts.small_slices(money["by_year_funder"])["funder"] != charts.OTHERS).any():
        st.caption("Un financeur qui apporte moins de 2 % d'une année est compté dans « Autres » "
                   "pour cette année (sa part serait invisible) : son montant est au survol du "
                   "graphique et dans « Voir les données ».")
    exports.download_figure(fig, key="years_chart", title="Financements par année et par financeur",
                            unit="€", source=FUNDING_SOURCE, selection=selection,
                            stem=f"financements_par_annee_{slug}")
    table_buttons(views.export_frame("by_year_funder", money["by_year_funder"]), "years_table",
                  "Financements par année et par financeur")

c1, c2 = st.columns(2)
with c1:
    st.subheader("Conventions pluriannuelles (CPO)")
    st.caption("Circulaire du 31 août 2023 : au moins 50 % des conventions financées par l'État "
               "(programme 147) en CPO.")
    components.dataframe_or_note(views.cpo_table(money["cpo"]), "Aucune convention financée par "
                                 "l'État (programme 147) n'est saisie.", hide_index=True, key="cpo_table")
    if not money["cpo"].empty:
        components.source_line(FUNDING_SOURCE, shown=FUNDING_SHOWN)
    table_buttons(views.export_frame("cpo", money["cpo"]), "cpo_table",
                  "Conventions pluriannuelles (CPO)")
with c2:
    st.subheader("Poches de pauvreté hors QPV")
    st.caption("Au plus 2,5 % des crédits du programme 147 du département ; seule l'enveloppe du "
               "contrat est connue ici.")
    components.dataframe_or_note(views.pockets_table(money["pockets"]), "Aucun crédit du programme "
                                 "147 n'est saisi.", hide_index=True, key="pockets_table")
    if not money["pockets"].empty:
        components.source_line(FUNDING_SOURCE, shown=FUNDING_SHOWN)
    table_buttons(views.export_frame("pockets", money["pockets"]), "pockets_table",
                  "Poches de pauvreté hors QPV")
    found = data.stored_pockets(slug)
    reason = None if not found.empty else data.poverty_pockets(slug).message
    st.markdown(views.pockets_link_markdown(slug, found["pocket_id"].tolist(), reason))

t1, t2 = st.columns(2)
with t1:
    st.subheader("Par enjeu prioritaire")
    components.table(views.theme_amounts_table(money["by_theme"]), values=["Montant"], hide_index=True,
                     key="theme_table")
    components.source_line(FUNDING_SOURCE, shown=FUNDING_SHOWN)
    table_buttons(views.export_frame("by_theme", money["by_theme"]), "theme_table",
                  "Montants par enjeu prioritaire")
with t2:
    st.subheader("Par quartier")
    components.table(views.territory_amounts_table(money["by_territory"]),
                     values=["Montant (partagé à parts égales)"], hide_index=True, key="territory_table")
    components.source_line(FUNDING_SOURCE, shown=FUNDING_SHOWN)
    table_buttons(views.export_frame("by_territory", money["by_territory"]), "territory_table",
                  "Montants par quartier")

people_years = data.beneficiary_years(slug)
if people_years:
    st.header("Personnes touchées", divider="gray")
    st.caption("Comptées à partir des listes de participants (une ligne par personne, sans nom ni "
               "adresse). Les effectifs de moins de 5 personnes sont masqués au croisement le plus "
               "fin (action × année × quartier × sexe × tranche d'âge) ; chaque chiffre n'additionne "
               "que les effectifs publiés (« au moins … »), si bien qu'aucun effectif masqué ne se "
               "déduit d'une comparaison entre tableaux, années ou exports.")
    b1, b2 = st.columns(2)
    by = b1.selectbox("Répartition par", list(beneficiaries.DIMENSIONS), key="benef_by",
                      format_func=beneficiaries.DIMENSIONS.get)
    people_year = b2.selectbox("Année", [None, *people_years], key="benef_year",
                               format_func=lambda y: "toutes" if y is None else str(y))
    counts = data.beneficiary_counts(slug, by, people_year)
    components.table(beneficiaries.display_table(counts, by), hide_index=True, key="benef_table")
    components.source_line(PEOPLE_SOURCE)
    exports.download_table(
        beneficiaries.export_table(counts, by), key="benef_table",
        title=f"Personnes touchées par {beneficiaries.DIMENSIONS[by].lower()}", selection=selection,
        sources=lambda: data.contract_sources(slug, "programme_beneficiaries"),
        stem=f"personnes_touchees_{slug}")
    share = data.beneficiary_qpv_share(slug)
    st.subheader("Part des personnes touchées qui résident en QPV")
    st.caption("Par action et par année : le chiffre demandé par le bilan annuel. Le quartier de "
               "résidence est celui saisi, ou calculé à l'import depuis l'adresse, qui n'est pas "
               "conservée (résultat indicatif, pas une attestation). Un effectif de moins de 5 "
               "est masqué, ainsi que celui qui permettrait de le retrouver.")
    components.table(beneficiaries.share_display_table(share), hide_index=True, key="benef_qpv_share")
    components.source_line(PEOPLE_SOURCE)
    exports.download_table(
        beneficiaries.share_export_table(share), key="benef_qpv_share",
        title="Part des personnes touchées résidant en QPV", selection=selection,
        sources=lambda: data.contract_sources(slug, "programme_beneficiaries"),
        stem=f"part_residant_qpv_{slug}")

st.header("Actions", divider="gray")
f = st.columns([1, 1.3, 1.6, 1.3, 1.6])
year = f[0].selectbox("Année", [None] + sorted(actions["year"].unique().tolist(), reverse=True),
                      key="prog_year", format_func=lambda y: "toutes" if y is None else str(y))
funders = sorted({x for fs in actions["funders"] for x in fs})
funder = f[1].selectbox("Financeur", [None] + funders, key="prog_funder",
                        format_func=lambda x: "tous" if x is None else FUNDER_LABELS.get(x, x))
themes = sorted(actions["theme"].dropna().unique().tolist())
theme = f[2].selectbox("Enjeu prioritaire", [None] + themes, key="prog_theme",
                       format_func=lambda x: "tous" if x is None else x)
territories = sorted({x for ts in actions["territories"] for x in ts})
territory = f[3].selectbox("Quartier", [None] + territories, key="prog_territory",
                           format_func=lambda x: "tous" if x is None else data.territory_label(x))
operators = sorted(actions["operator"].dropna().unique().tolist())
operator = f[4].selectbox("Porteur", [None] + operators, key="prog_operator",
                          format_func=lambda x: "tous" if x is None else x)
search = st.text_input("Rechercher (intitulé, porteur, description)", key="prog_search")
shown = data.actions(selection.contract_slug, year=year, funder=funder, theme=theme,
                     territory_code=territory, operator=operator, search=search or None)
filtered = any(x is not None for x in (year, funder, theme, territory, operator)) or bool(search)
st.caption(views.actions_total_caption(len(shown), shown["amount_eur"].sum(), money["unattached_eur"],
                                       filtered))
components.table(views.actions_view(shown), hide_index=True, key="actions_table", max_height_px=720,
                 main=("Montant",))
if note := views.actions_view_note(shown):
    st.caption(note)
components.source_line(views.actions_list_source(money["action_documents"], money["documents"]),
                       shown=views.actions_list_source(money["action_documents"], money["documents"],
                                                       short=True))
if not shown.empty:
    # The long texts (description, source) and every cell whole, one action at a time.
    with st.expander("Détail d'une action (description, quartiers, financeurs, source)",
                     icon=":material/info:"):
        picked = st.selectbox("Action", range(len(shown)), key="prog_detail",
                              format_func=lambda i: views.action_choice(shown.iloc[i]))
        st.markdown("\n".join(f"- **{md_text(label)}** : {md_text(text)}" for label, text in
                               views.action_detail(shown.iloc[picked or 0], data.territory_label)))
table_buttons(views.export_frame("actions", shown), "actions_table", "Actions du programme")
