"""Rapports et exports: the mandate report PDF (sections and QPVs chosen by the user), the
portraits as PDF, and where every table, chart and map of the app downloads."""
from __future__ import annotations

import streamlit as st

from reports.pdf import SECTIONS
from indicators.text import md_text
from ui import components, data, exports, views

selection = components.current_selection()
components.page_header("Rapports et exports", selection)

qpvs = data.contract_qpvs(selection.contract_slug)
labels = views.qpv_short_labels(qpvs)

st.header("Rapport de mandat (PDF)", divider="gray")
# The fictional-data mention is said only where it applies (a demo contract's report).
st.markdown("Un seul document avec une couverture, un sommaire, les numéros de page et les sources"
            + (" ; chaque page porte la mention des données fictives" if selection.is_fictional else "")
            + ". Choisissez les parties et les quartiers.")
left, right = st.columns([1, 1.4])
# By default the report holds what `python -m reports mandate` holds: every QPV, every section
# that has data (reports.pdf.mandate_contents). In a column, Streamlit keeps the chips on one
# scrolling row, which cut the names at its edges: `wrap=True` puts them on as many rows as needed.
sections = left.multiselect(
    "Parties du rapport", list(SECTIONS),
    default=exports.mandate_default_sections(selection.contract_slug),
    format_func=SECTIONS.get, key=f"report_sections_{selection.contract_slug}",
    placeholder="choisissez les parties", wrap=True)
chosen_qpvs = right.multiselect(
    "Quartiers (portraits et bilans)", list(labels), default=[],
    format_func=labels.get, key=f"report_qpvs_{selection.contract_slug}", disabled=not labels,
    placeholder="tous les quartiers du territoire", wrap=True,
    help="Sans choix, le rapport contient le portrait et le bilan de chaque quartier du territoire.")
review_year = None
if "revue" in sections:
    # The annual review's year: by default the latest a signatory reported for, as on the
    # command line (reports.pdf.mandate_contents); any year of the contract can be chosen.
    years = data.review_data(selection.contract_slug)["years"]
    latest = exports.mandate_default_review_year(selection.contract_slug)
    if years:
        review_year = left.selectbox("Année de la revue annuelle", years,
                                     index=years.index(latest) if latest in years else 0,
                                     key=f"report_review_year_{selection.contract_slug}")
review_note = exports.mandate_review_note(selection.contract_slug, sections)
if review_note:
    left.caption(review_note)
n_portraits = (len(chosen_qpvs) or len(labels)) if "portraits" in sections else 0
if not sections:
    components.empty_note("Choisissez au moins une partie du rapport.")
else:
    if n_portraits > 3:
        st.caption(f"{n_portraits} portraits : la préparation prend environ "
                   f"{max(2 * n_portraits, 5)} secondes après le clic.")
    exports.download_mandate(selection, [s for s in SECTIONS if s in sections], chosen_qpvs,
                             review_year=review_year, stem="rapport_mandat")

st.header("Portraits de quartier (PDF)", divider="gray")
if selection.qpv_code is None:
    components.empty_note("Ce territoire ne compte aucun quartier prioritaire dans la base.")
else:
    st.markdown(f"Le portrait du quartier sélectionné (**{md_text(selection.qpv_name)}**) "
                "sur une ou deux pages A4, ou un PDF par quartier du territoire dans une archive ZIP.")
    exports.download_portrait(selection, selection.qpv_code, selection.qpv_name or selection.qpv_code)

st.header("Tableaux, graphiques et cartes", divider="gray")
st.markdown(
    "Les tableaux de chiffres se téléchargent sous le tableau, en **CSV** (tableur français : "
    "séparateur « ; », virgule décimale) et en **XLSX** (nombres typés, feuille « Sources ») ; "
    "ceux de « Droit commun et signataires » forment la revue annuelle (**XLSX**, une feuille par "
    "section), à télécharger en haut de cette page ; "
    "chaque graphique en **PNG** (résolution d'impression) et en **SVG**, avec le titre, l'unité, "
    "la source et la date dans l'image ; la carte depuis la page Carte des quartiers, le quartier "
    "sélectionné entouré. Les valeurs couvertes par le secret statistique restent marquées "
    "« secret statistique », jamais remplacées par 0.")
st.markdown("\n".join(f"- [{label}]({path})" for path, label in (
    ("./", "Les chiffres du mandat"), ("carte", "Carte des quartiers"),
    ("portrait", "Portrait de quartier"), ("comparer", "Comparer les quartiers"),
    ("programmes", "Programmes et financements"), ("logement", "Logement et attributions"),
    ("droit-commun", "Droit commun et signataires"), ("methode", "Données et méthode"))))

with st.expander("Les mêmes documents en ligne de commande"):
    slug = selection.contract_slug
    code = selection.qpv_code or "QN07101I"
    st.code(f"python -m reports portrait --qpv {code} --out portrait.pdf\n"
            f"python -m reports portrait --territory {slug} --out portraits/\n"
            f"python -m reports mandate --territory {slug} --out mandat.pdf"
            + (f" --review-year {review_year}" if review_year is not None else ""), language="bash")
