"""Importer des fichiers: upload, a validation report before anything changes, a confirmed rebuild;
the history of imported batches, publishing a pending one, and withdrawing one.

The logic is in etl/importer.py (safe storage, validation, publication, the journal of batches).
Data values (file names, messages) are shown with st.dataframe / st.text only, never as HTML or
Markdown. Each part is a function; `auth.require_editor()` guards them all (editors only).
"""
from __future__ import annotations

import streamlit as st

import config
from etl import importer
from etl.core import EtlError
from indicators import fmt
from ui import auth, components, data

PENDING, REPORT, DONE = "import_pending", "import_report", "import_done"
FAILURE = "import_failure"
TITLE = "Importer des fichiers"


def _discard(batch) -> None:
    """Remove the pending batch (already gone: nothing to remove) and forget it."""
    try:
        importer.discard_pending(batch.folder)
    except EtlError:
        pass
    for key in (PENDING, REPORT, FAILURE):
        st.session_state.pop(key, None)
    st.rerun()


def header() -> None:
    if data.db_version() is not None and not data.db_problem() and not data.contracts().empty:
        components.page_header(TITLE, components.current_selection())
    else:          # importing is also how a first database is filled
        components.base_style()
        st.title(TITLE)
    st.caption("Ajoutez des fichiers officiels (Insee, ANCT, COG) ou des fichiers du modèle de saisie du "
               f"programme. Ils sont d'abord vérifiés ; la base n'est reconstruite qu'après votre "
               f"confirmation. Au plus {fmt.fmt_bytes(importer.MAX_UPLOAD_BYTES)} par fichier.")


def _published(summary: str) -> None:
    st.cache_data.clear()
    st.cache_resource.clear()
    for key in (PENDING, REPORT, FAILURE):
        st.session_state.pop(key, None)
    st.session_state[DONE] = summary
    st.rerun()


def upload_section(editor: auth.Editor) -> None:
    """Upload and check; then the report and the confirmed rebuild (or discard)."""
    done = st.session_state.pop(DONE, None)
    if done:
        st.success("Base reconstruite et publiée : les pages affichent désormais les nouveaux chiffres.")
        st.text(done)

    pending = st.session_state.get(PENDING)
    if pending is None:
        components.french_file_uploader(
            "Choisir des fichiers",
            f"Au plus {fmt.fmt_bytes(importer.MAX_UPLOAD_BYTES)} par fichier · CSV, XLSX, ZIP, "
            "GeoJSON, shapefile")
        files = st.file_uploader("Fichiers à importer", accept_multiple_files=True, key="import_files",
                                 type=[s.lstrip(".") for s in importer.ACCEPTED_SUFFIXES],
                                 max_upload_size=max(1, importer.MAX_UPLOAD_BYTES // 1024 ** 2))
        if files and st.button("Vérifier ces fichiers", key="import_check", type="primary"):
            try:
                batch = importer.store_uploads([(f.name, f.getvalue()) for f in files], author=editor.label)
            except (EtlError, OSError) as exc:
                st.error("Fichiers refusés, rien n'a été enregistré :")
                st.text(importer.failure_text(exc))
                return
            st.session_state[PENDING] = batch      # stored: from now on the page offers to discard it
            try:
                with st.spinner("Vérification de tous les fichiers (rien n'est encore publié)…"):
                    st.session_state[REPORT] = importer.validate_pending(batch.folder)
            except Exception as exc:                # noqa: BLE001 - the page must still offer "Abandonner"
                st.session_state[REPORT] = None
                st.session_state[FAILURE] = importer.failure_text(exc)
            st.rerun()
        return

    batch, report = pending, st.session_state.get(REPORT)
    if report is None:             # the check itself failed: say why, and offer only to discard
        st.error("La vérification n'a pas pu aller à son terme ; rien n'a été publié.")
        st.text(st.session_state.get(FAILURE) or "")
        if st.button("Abandonner et retirer ces fichiers", key="import_discard"):
            _discard(batch)
        return
    st.subheader("Rapport de vérification")
    st.text(report.summary())
    if batch.removed_text():
        st.info("Données personnelles retirées avant l'enregistrement (jamais écrites sur le disque) :")
        st.text(batch.removed_text())
    if report.ok:
        st.success("Tous les fichiers sont lisibles et les contrôles sont passés.")
    else:
        st.error("La base ne peut pas être reconstruite avec ces fichiers : corrigez les erreurs "
                 "ci-dessous (fichier, ligne, colonne) puis importez-les à nouveau.")
        if report.error and not report.errors:
            st.text(report.error)
    messages = importer.messages_table(report)
    if not messages.empty:
        components.table(messages, hide_index=True, key="import_messages")
    components.table(importer.files_table(report, batch), hide_index=True, key="import_files_table")

    c1, c2 = st.columns(2)
    if report.ok and c1.button("Reconstruire la base avec ces fichiers", key="import_rebuild", type="primary"):
        try:
            with st.spinner("Construction de la nouvelle base ; l'application sert l'ancienne jusqu'à la fin…"):
                published = importer.publish_pending(batch.folder, config.DB_PATH, author=editor.label)
        except Exception as exc:                    # noqa: BLE001 - the discard button stays below
            st.error("La construction a échoué ; la base publiée n'a pas été modifiée.")
            st.text(importer.failure_text(exc))
        else:
            _published(published.summary())
    if c2.button("Abandonner et retirer ces fichiers", key="import_discard"):
        _discard(batch)


def history_section(editor: auth.Editor) -> None:
    """Every batch with its state as the published database holds it; publishing a pending one,
    withdrawing one (the editor is recorded as who did it)."""
    batches = importer.list_batches(config.DB_PATH)
    if not batches:             # nothing imported yet: no history to show
        return
    st.subheader("Historique des imports")
    components.table(importer.history_table(batches), hide_index=True, key="import_history")
    current = st.session_state.get(PENDING)
    labels = {b["batch_id"]: f"{b['batch_id']} ({importer.STATE_LABELS[b['state']]}, "
              f"{', '.join(f['stored_name'] for f in b.get('files', []))})" for b in batches}

    def others(*states: str) -> list[str]:
        return [b["batch_id"] for b in reversed(batches) if b["state"] in states
                and (current is None or b["batch_id"] != current.batch_id)]

    waiting = others("pending")
    if waiting:
        chosen = st.selectbox("Lot en attente à publier", waiting, format_func=labels.get,
                              key="import_publish_choice")
        st.caption("Le lot est publié par une reconstruction de la base avec lui, après les mêmes "
                   "contrôles que « Vérifier ces fichiers ».")
        if st.button("Publier ce lot", key="import_publish"):
            try:
                with st.spinner("Construction de la nouvelle base ; l'application sert l'ancienne jusqu'à la fin…"):
                    report = importer.publish_pending(config.UPLOAD_DIR / importer.PENDING / chosen,
                                                      config.DB_PATH, author=editor.label)
            except (EtlError, OSError) as exc:
                st.error("Le lot n'a pas été publié ; la base publiée n'a pas été modifiée.")
                st.text(str(exc))
                return
            _published(report.summary())

    choices = others("published", "pending", "failed")
    if not choices:
        return
    chosen = st.selectbox("Lot à retirer", choices, format_func=labels.get, key="import_withdraw_choice")
    st.caption("Un lot publié est retiré par une reconstruction de la base sans lui ; ses fichiers "
               "sont conservés mais ne sont plus lus.")
    if st.button("Retirer ce lot", key="import_withdraw"):
        try:
            with st.spinner("Reconstruction de la base sans ce lot ; l'application sert l'ancienne jusqu'à la fin…"):
                report = importer.withdraw_batch(chosen, config.DB_PATH, author=editor.label)
        except (EtlError, OSError) as exc:
            st.error("Le lot n'a pas été retiré ; la base publiée n'a pas été modifiée.")
            st.text(importer.failure_text(exc))
            return
        if report is not None:
            _published(report.summary())
        st.rerun()


header()
editor = auth.require_editor()      # every action below changes the data: editors only
if editor is None:
    st.stop()
upload_section(editor)
history_section(editor)
