"""Importer des fichiers: upload, a validation report before anything changes, a confirmed rebuild.

The logic is in etl/importer.py (safe storage, validation, publication). Data values (file
names, messages) are shown with st.dataframe / st.text only, never as HTML or Markdown.
"""
from __future__ import annotations

import streamlit as st

import config
from etl import importer
from etl.core import EtlError
from ui import components, data

PENDING, REPORT, DONE = "import_pending", "import_report", "import_done"
TITLE = "Importer des fichiers"

if data.db_version() is not None and not data.contracts().empty:
    components.page_header(TITLE, components.current_selection())
else:          # importing is also how a first database is filled
    components.base_style()
    st.title(TITLE)
st.caption("Ajoutez des fichiers officiels (Insee, ANCT, COG) ou des fichiers du modèle de saisie du "
           f"programme. Ils sont d'abord vérifiés ; la base n'est reconstruite qu'après votre "
           f"confirmation. Au plus {importer.human_size(importer.MAX_UPLOAD_BYTES)} par fichier.")

done = st.session_state.pop(DONE, None)
if done:
    st.success("Base reconstruite et publiée : les pages affichent désormais les nouveaux chiffres.")
    st.text(done)

pending = st.session_state.get(PENDING)
if pending is None:
    components.french_file_uploader(
        "Choisir des fichiers",
        f"Au plus {importer.human_size(importer.MAX_UPLOAD_BYTES)} par fichier · CSV, XLSX, ZIP, "
        "GeoJSON, shapefile")
    files = st.file_uploader("Fichiers à importer", accept_multiple_files=True, key="import_files",
                             type=[s.lstrip(".") for s in importer.ACCEPTED_SUFFIXES],
                             max_upload_size=max(1, importer.MAX_UPLOAD_BYTES // 1024 ** 2))
    if files and st.button("Vérifier ces fichiers", key="import_check", type="primary"):
        try:
            batch = importer.store_uploads([(f.name, f.getvalue()) for f in files])
        except EtlError as exc:
            st.error("Fichiers refusés, rien n'a été enregistré :")
            st.text(str(exc))
            st.stop()
        with st.spinner("Vérification de tous les fichiers (rien n'est encore publié)…"):
            report = importer.validate_pending(batch.folder)
        st.session_state[PENDING] = batch
        st.session_state[REPORT] = report
        st.rerun()
    st.stop()

batch, report = pending, st.session_state[REPORT]
st.subheader("Rapport de vérification")
st.text(report.summary())
if report.ok:
    st.success("Tous les fichiers sont lisibles et les contrôles sont passés.")
else:
    st.error("La base ne peut pas être reconstruite avec ces fichiers : corrigez les erreurs "
             "ci-dessous (fichier, ligne, colonne) puis importez-les à nouveau.")
    if report.error and not report.errors:
        st.text(report.error)
messages = importer.messages_table(report)
if not messages.empty:
    st.dataframe(messages, hide_index=True, key="import_messages")
st.dataframe(importer.files_table(report, batch), hide_index=True, key="import_files_table")

c1, c2 = st.columns(2)
if report.ok and c1.button("Reconstruire la base avec ces fichiers", key="import_rebuild", type="primary"):
    try:
        with st.spinner("Construction de la nouvelle base ; l'application sert l'ancienne jusqu'à la fin…"):
            published = importer.publish_pending(batch.folder, config.DB_PATH)
    except (EtlError, OSError) as exc:
        st.error("La construction a échoué ; la base publiée n'a pas été modifiée.")
        st.text(str(exc))
        st.stop()
    st.cache_data.clear()
    st.cache_resource.clear()
    for key in (PENDING, REPORT):
        st.session_state.pop(key, None)
    st.session_state[DONE] = published.summary()
    st.rerun()
if c2.button("Abandonner et retirer ces fichiers", key="import_discard"):
    importer.discard_pending(batch.folder)
    for key in (PENDING, REPORT):
        st.session_state.pop(key, None)
    st.rerun()
