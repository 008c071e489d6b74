"""Entrypoint: page configuration, navigation, the shared selectors; the pages do the rest.

Run with `streamlit run app.py` (or `make run`). The selection (territoire, QPV, indicateur)
lives in the session and in the URL (see ui/state.py), so `/portrait?qpv=QN07101I` opens the
portrait of Aubépins and `/carte?territoire=demo&indicateur=poverty_rate_pct` a map.
"""
from __future__ import annotations

import streamlit as st

from indicators.text import md_text
from ui import auth, components, data, state, views

st.set_page_config(page_title="Quartiers prioritaires – tableau de bord", page_icon="🏘️",
                   layout="wide")

HOME = st.Page("pages/mandat.py", title="Les chiffres du mandat", icon=":material/dashboard:",
               url_path="chiffres-du-mandat", default=True)


def _to_home() -> None:
    """`/mandat` and `/accueil` (the home page's names, in links already sent) open the home page."""
    st.switch_page(HOME, query_params=st.query_params.to_dict())


PAGES = {
    "Tableau de bord": [
        HOME,
        st.Page("pages/bilan.py", title="Bilan par quartier", icon=":material/fact_check:",
                url_path="bilan"),
    ],
    "Quartiers": [
        MAP := st.Page("pages/carte.py", title="Carte des quartiers", icon=":material/map:",
                       url_path="carte"),
        PORTRAIT := st.Page("pages/portrait.py", title="Portrait de quartier",
                            icon=":material/location_city:", url_path="portrait"),
        st.Page("pages/comparer.py", title="Comparer les quartiers", icon=":material/compare:",
                url_path="comparer"),
        st.Page("pages/poches.py", title="Poches de pauvreté hors QPV", icon=":material/grid_on:",
                url_path="poches"),
        st.Page("pages/adresse.py", title="Adresse → quartier", icon=":material/pin_drop:",
                url_path="adresse"),
    ],
    "Actions": [
        st.Page("pages/programmes.py", title="Programmes et financements",
                icon=":material/payments:", url_path="programmes"),
        st.Page("pages/logement.py", title="Logement et attributions", icon=":material/home_work:",
                url_path="logement"),
        st.Page("pages/droit_commun.py", title="Droit commun et signataires",
                icon=":material/handshake:", url_path="droit-commun"),
    ],
    "Méthode": [
        st.Page("pages/methode.py", title="Données et méthode", icon=":material/menu_book:",
                url_path="methode"),
        st.Page("pages/rapports.py", title="Rapports et exports", icon=":material/picture_as_pdf:",
                url_path="rapports"),
        st.Page("pages/importer.py", title="Importer des fichiers", icon=":material/upload_file:",
                url_path="importer"),
        # The default page is served at "/" (Streamlit gives it the url path ""): these hidden
        # aliases make its names reach it instead of « Page not found ».
        st.Page(_to_home, title="Les chiffres du mandat", url_path="mandat", visibility="hidden"),
        st.Page(_to_home, title="Les chiffres du mandat", url_path="accueil", visibility="hidden"),
    ],
}


def _sidebar(selection: state.Selection) -> None:
    contracts = data.contracts()
    names = dict(zip(contracts["contract_slug"], contracts["contract_name"]))
    qpvs = data.contract_qpvs(selection.contract_slug)
    qpv_labels = views.qpv_short_labels(qpvs)
    with st.sidebar:
        st.selectbox("Territoire (contrat de ville)", list(names), key=state.TERRITOIRE,
                     format_func=lambda slug: views.short_name(names.get(slug, slug)),
                     help=md_text(names.get(selection.contract_slug)))
        if qpv_labels:
            st.selectbox("Quartier (QPV)", list(qpv_labels), key=state.QPV,
                         format_func=lambda code: qpv_labels.get(code, code))
            row = qpvs.loc[qpvs["qpv_code"] == selection.qpv_code]
            if not row.empty:
                st.caption(md_text(views.qpv_identity_line(row.iloc[0])))
        else:
            st.caption("Aucun quartier prioritaire connu pour ce territoire.")
        st.toggle("Mode présentation", key=state.PRESENTATION,
                  help="Masque le menu et les commandes pour des captures d'écran propres.")
        auth.internal_notice(data.internal_rows())


# A click on a QPV of the map runs its portrait at once (one run, not the map's then the portrait's).
components.open_clicked_portrait(MAP, PORTRAIT)
# expanded: every page listed; collapsed, Streamlit adds an English « View 3 more » button.
navigation = st.navigation(PAGES, expanded=True)
with st.sidebar:
    components.french_document()

if data.db_version() is None or data.db_problem() or data.contracts().empty:
    if navigation.url_path == "importer":     # importing is also how a first database is filled
        navigation.run()
        st.stop()
    if data.db_version() is None:
        components.no_database()
    if data.db_problem():
        components.broken_database(data.db_problem())
    components.empty_database()

selection = state.resolve()
state.write_url()
_sidebar(selection)
if selection.errors:
    components.base_style()
    components.link_errors(selection.errors)

navigation.run()

if st.session_state.get(state.PRESENTATION):
    st.button("Quitter le mode présentation", key="leave_presentation", type="tertiary",
              on_click=lambda: st.session_state.update({state.PRESENTATION: False}))
