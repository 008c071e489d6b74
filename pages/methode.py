"""Données et méthode: indicator definitions (from the registry), loaded files, last build, cautions."""
from __future__ import annotations

import streamlit as st

from indicators.text import md_text
from ui import components, data, exports, views

selection = components.current_selection()
components.page_header("Données et méthode", selection)

st.header("Précautions de lecture", divider="gray")
for caution in views.CAUTIONS:
    st.markdown(f"- {caution}")

st.header("Indicateurs", divider="gray")
st.caption("Chaque indicateur est déclaré une fois dans le registre des indicateurs de "
           "l'application ; ce tableau en est généré.")
# The indicator's name pinned first: at 390 px it reads whole (wrapped), the theme after it.
components.table(views.registry_table(), ["Indicateur"], hide_index=True, key="registry_table")
exports.download_table(views.registry_table(), key="registry_table",
                       title="Indicateurs : définitions et sources", selection=selection,
                       fictional=False, stem="indicateurs_definitions",
                       sources=["Registre des indicateurs de l'application"])
extra = views.unregistered_table(data.indicator_catalog())
if not extra.empty:
    with st.expander(f"Autres variables chargées, hors registre ({len(extra)})"):
        components.table(extra, hide_index=True, key="unregistered_table")
        exports.download_table(extra, key="unregistered_table", title="Variables hors registre",
                               selection=selection, fictional=False, sources=data.all_sources,
                               stem="variables_hors_registre")

st.header("Fichiers chargés", divider="gray")
sources = data.sources()
if sources.empty:
    components.empty_note("Aucun fichier chargé.")
else:
    # On a phone the title beside the producer: the fictional files all read « Contrat de ville
    # de Val-de-Lorne (fictif) », told apart by their title only (issue 11).
    components.table(views.sources_table(sources), hide_index=True, key="sources_table", main=("Titre",))
    exports.download_table(views.sources_table(sources), key="sources_table",
                           title="Fichiers chargés", selection=selection, fictional=False,
                           sources=data.all_sources, stem="fichiers_charges")

st.header("Dernière construction de la base", divider="gray")
build, files, messages = data.last_build()
if build is None:
    components.empty_note("Aucune construction enregistrée dans la base.")
else:
    st.markdown("\n".join(f"- **{label}** : {md_text(value)}" for label, value in views.build_summary(build)))
    if not files.empty:
        st.subheader("Fichiers examinés")
        components.table(views.build_files_table(files), hide_index=True, key="build_files_table",
                         own_heights=True)
        exports.download_table(views.build_files_table(files), key="build_files_table",
                               title="Dernière construction : fichiers examinés",
                               selection=selection, fictional=False, stem="construction_fichiers")
    if not messages.empty:
        st.subheader("Avertissements et erreurs")
        components.table(views.build_messages_table(messages), hide_index=True, key="build_messages_table")
        exports.download_table(views.build_messages_table(messages), key="build_messages_table",
                               title="Dernière construction : avertissements et erreurs",
                               selection=selection, fictional=False,
                               stem="construction_messages")

st.header("Pour les techniciens", divider="gray")
with st.expander("Fichiers, tables et commandes"):   # the heading says « Pour les techniciens »
    st.markdown("\n".join(f"- {line}" for line in views.TECHNICAL_NOTES))
    st.markdown(f"- Base de données lue par l'application : `{data.db_path()}`.")
    if build is not None:
        st.markdown("\n".join(f"- {line}" for line in views.build_technical_lines(build)))
        # The build's own summary line repeats the figures listed above (files, rows,
        # territories…): shown here only, as the build printed it (issue 11: said once).
        if build.get("summary"):
            st.markdown(f"- Résumé imprimé par la construction : {md_text(build['summary'])}")
