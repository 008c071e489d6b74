"""Droit commun et signataires: per pillar and signatory, what is mobilisable and what was
mobilised year by year (QPV-specific share where known), programme 147 beside the common law,
what nobody reported, the landlords' TFPB abatement, the signatories and the steering committee."""
from __future__ import annotations

import streamlit as st

from indicators.fmt import fmt_count
from indicators.review import (SCHEME_DETAIL, declared_years_text, display_frame,
                               documents_credit, documents_short_credit)
from indicators.text import md_text
from ui import components, data, exports, views

selection = components.current_selection()
components.page_header("Droit commun et signataires", selection)
slug = selection.contract_slug
first = data.review_data(slug)
if not first["has_review"] and first["credits"].empty:
    components.empty_note("Aucun signataire ni dispositif de droit commun n'est saisi pour ce "
                          "territoire. Ils se saisissent dans le modèle de programme (signataires, "
                          "dispositifs et chiffres de droit commun, abattements de TFPB, comité "
                          "de pilotage : voir « Données et méthode »).")
    st.stop()

years = first["years"]
declared = first["declared"]
# A year of the contract nobody declared anything for stays selectable, said as such in the list.
year = (st.selectbox("Année de la revue", years, key="dc_year", index=years.index(first["year"]),
                     format_func=lambda y: str(y) if y in declared else f"{y} (aucun chiffre déclaré)")
        if len(years) > 1 and first["year"] in years else first["year"])
st.caption(md_text(declared_years_text(declared)))
review = data.review_data(slug, year) if year != first["year"] else first
if year is not None:
    exports.download_review(selection, year)


def na(df):
    """Figures as French text; absent ones read « non renseigné » (never 0, never blank)."""
    return display_frame(df)


st.header("Crédits spécifiques et droit commun", divider="gray", anchor=False)
credits = review["credits"]
if credits.empty:
    st.markdown("Ni crédits du programme 147 ni montant de droit commun ne sont saisis.")
else:
    components.table(na(credits.rename(columns={
        "year": "Année", "p147_eur": "Programme 147 (€)", "common_law_eur": "Droit commun déclaré (€)",
        "common_law_qpv_eur": "dont propre aux QPV (€)",
        "common_law_per_p147_eur": "Droit commun pour 1 € de P147"})), hide_index=True, key="dc_credits",
        main=("Droit commun déclaré (€)", "Droit commun pour 1 € de P147"))
    documents = data.financing_summary(slug)["documents"]
    components.source_line(views.credits_source(documents, review.get("schemes"),
                                                credit=review["schemes_credit"]),
                           shown=views.credits_source(documents, review.get("schemes"), short=True,
                                                      credit=review["schemes_credit"]))
st.caption("La circulaire du 31 août 2023 demande chaque année les moyens de droit commun mobilisés "
           "dans les QPV, « chiffrés le plus précisément possible et ciblés sur les QPV », à côté des "
           "crédits spécifiques.")

if year is not None and "mobilisation" in review:
    st.header(f"Mobilisable et mobilisé en {year}, par pilier et signataire", divider="gray", anchor=False)
    mob = review["mobilisation"]
    before = review["not_expected"]     # a year before the contract: nothing tallied, as in the review
    if before:
        st.markdown(before[0])
    elif mob.empty:
        st.markdown("Aucun dispositif de droit commun n'est saisi.")
    else:
        components.table(na(mob.rename(columns={
            "pillar": "Pilier", "signatory": "Signataire", "n_schemes": "Dispositifs mobilisables",
            "n_reported": f"Dispositifs déclarés en {year}", "amount_eur": "Montant déclaré (€)",
            "qpv_amount_eur": "dont propre aux QPV (€)", "qpv_share_pct": "Part propre aux QPV (%)"})),
            hide_index=True, key="dc_mobilisation", main=("Signataire", "Montant déclaré (€)"))
    schemes = review["schemes"]
    # The documents the schemes were typed from (title, producer, date), as a reader cites them.
    whole, short = review["schemes_credit"]
    if not mob.empty:
        components.source_line(views.schemes_source(schemes, whole),
                               shown=views.schemes_source(schemes, short) if short else None)
    for pillar, part in schemes.groupby("Pilier", sort=True):
        with st.expander(md_text(views.scheme_group_label(pillar, part))):
            # What tells two schemes of one name apart is in its column; the name repeats it
            # only where a narrow room leaves that column out (views.narrow_table_html).
            # Before the contract, no « Mobilisé en … » column: nothing is expected that year.
            components.table(part.drop(columns=["Pilier", SCHEME_DETAIL]
                                       + ([f"Mobilisé en {year}"] if before else [])), hide_index=True,
                             key=f"dc_schemes_{pillar}",
                             main=("Dispositif",) if before else ("Dispositif", f"Mobilisé en {year}"),
                             details={"Dispositif": part[SCHEME_DETAIL]})

    st.header(f"Ce qu'aucun signataire n'a déclaré pour {year}", divider="gray", anchor=False)
    missing = review["missing"]
    if before:
        st.markdown(before[1])
    elif missing.empty and review["schemes"].empty:
        # Nothing saisi: « chaque dispositif saisi a un chiffre » would be true of nothing.
        st.markdown("Aucun dispositif n'est saisi : rien ne peut être déclaré manquant.")
    elif missing.empty:
        st.markdown("Chaque dispositif saisi a au moins un chiffre déclaré pour cette année.")
    else:
        st.markdown(f"**{fmt_count(len(missing), 'dispositif')}** sans aucun chiffre déclaré (ni montant, ni "
                    "personnes, ni places, ni heures) : ils restent à déclarer et ne sont pas comptés 0.")
        # The template's scheme ids (« dc-06 ») are internal: never on screen (issue 11, D13);
        # schemes of one signatory with one name say what tells them apart (review.missing_view).
        components.table(missing, hide_index=True, key="dc_missing", own_heights=True)
        components.source_line(views.schemes_source(review["schemes"], whole),
                               shown=views.schemes_source(review["schemes"], short) if short else None)
if review["missing_types"]:
    st.markdown("**Signataires obligatoires absents** de la liste saisie : "
                + ", ".join(md_text(t) for t in review["missing_types"]) + ".")

st.header("Abattement de TFPB des bailleurs", divider="gray", anchor=False)
tfpb = review["tfpb"]
if tfpb.empty:
    st.markdown("Aucun bailleur n'a déclaré l'emploi de l'abattement de TFPB (non renseigné).")
else:
    components.table(na(views.tfpb_table(tfpb)), hide_index=True, key="dc_tfpb",
                     main=("Quartier", "Montant (€)"))
    # The document the lines cite (their « Source » column: its section), as under every table:
    # this one had no source line, and at 390 px its « Source » column hides under « Détail ».
    components.source_line(documents_credit(tfpb, sections=False), shown=documents_short_credit(tfpb))

st.header("Signataires et autres acteurs", divider="gray", anchor=False)
sig = review["signatories"]
if sig.empty:
    st.markdown("Aucun signataire n'est saisi.")
else:
    if not sig["is_signatory"].all():
        st.caption("« non signataire » : acteur nommé par le document (association, opérateur…) qui "
                   "porte des dispositifs sans signer le contrat.")
    components.table(sig[["name", "type_label", "role", "commitment", "source_ref"]].fillna("").rename(columns={
        "name": "Nom", "type_label": "Type", "role": "Rôle", "commitment": "Engagement",
        "source_ref": "Source"}), hide_index=True, key="dc_signatories")
    # The documents the rows cite (the « Source » column: their sections).
    components.source_line(documents_credit(sig, sections=False), shown=documents_short_credit(sig))

st.header("Comité de pilotage", divider="gray", anchor=False)
com = review["committee"]
if com.empty:
    st.markdown("La composition du comité de pilotage n'est pas saisie.")
else:
    for college, part in com.groupby("college", sort=False):
        st.subheader(md_text(college), anchor=False)
        # A member named as its organisation (« ARS — ARS » in the Grand Chalon annex) once.
        st.markdown("\n".join(f"- {md_text(o)}" if o == m else f"- {md_text(o)} — {md_text(m)}"
                              for o, m in zip(part["organisation"], part["member"])))
    # The document (title, producer, date) and its section, as every other source (issue 11).
    components.source_line(documents_credit(com), shown=documents_short_credit(com, sections=True))
