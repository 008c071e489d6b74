"""`python -m etl import`: what « Importer des fichiers » does, from a terminal.

    python -m etl import FILE... [--yes]    store (personal columns removed), validate, print the
                                            report, publish on confirmation: « Publier ? [o/N] » on
                                            a terminal, --yes publishes without asking, no terminal
                                            on stdin leaves the batch pending
    python -m etl import --list             the history of batches
    python -m etl import --publish BATCH    publish a pending batch
    python -m etl import --withdraw BATCH   rebuild without a batch (its files are kept, unread)

Exit codes: 0 done (or left pending as asked); 1 refused files, failed checks or build; 2 bad
command line.
"""
from __future__ import annotations

import getpass
import sys

import duckdb

import config
from etl import importer
from etl.core import EtlError


def _author() -> str | None:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def _print_report(report, batch_id: str) -> None:
    """Messages, the batch's own files (what was recognised, rows), then the summary."""
    for m in report.messages:
        print(f"{'ERREUR' if m.level == 'error' else 'avertissement'} : {m}")
    if report.error and not report.errors:
        print(f"ERREUR : {report.error}")
    for f in report.files:
        if not f.file_name.startswith(batch_id + "/"):
            continue
        rows = "" if f.rows_read is None else f.rows_read
        print(f"{importer.OUTCOME_LABELS.get(f.outcome, f.outcome):<20} {f.kind or '-':<28} {rows:>9}  {f.file_name}")
    print(report.summary())


def _cell(value) -> str:
    return "" if value is None or str(value) in ("<NA>", "") else str(value)


def _confirmed(yes: bool) -> bool:
    if yes:
        return True
    if sys.stdin is None or not sys.stdin.isatty():
        return False
    try:
        answer = input("Publier ? [o/N] ")
    except EOFError:
        return False
    return answer.strip().lower() in ("o", "oui", "y", "yes")


def _publish(folder, db, batch_id: str) -> int:
    try:
        report = importer.publish_pending(folder, db)
    except EtlError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        print(f"Lot {batch_id} en attente ; la base publiée ({db}) n'a pas été modifiée.", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:
        print(f"Erreur : {type(exc).__name__} : {exc}", file=sys.stderr)
        print(f"Lot {batch_id} en attente ; la base publiée ({db}) n'a pas été modifiée.", file=sys.stderr)
        return 1
    print(f"Lot {batch_id} publié : {report.summary()}")
    return 0


def run_import(args, parser) -> int:
    actions = sum([bool(args.files), args.list, args.withdraw is not None, args.publish is not None])
    if actions != 1:
        parser.error("import : donner des fichiers, ou --list, --withdraw LOT ou --publish LOT (un seul)")
    db = args.db
    if args.list:
        batches = importer.list_batches(db)
        if not batches:
            print("Aucun lot importé.")
        for row in importer.history_table(batches).to_dict("records"):
            print(f"{row['Lot']}  {row['État']:<20} déposé {_cell(row['Déposé le']) or '?':<16} "
                  f"publié {_cell(row['Publié le']) or '-':<16} retiré {_cell(row['Retiré le']) or '-':<16} "
                  f"{row['Auteur']:<12} {_cell(row['Lignes']):>7} lignes  {row['Fichiers']}")
        return 0
    if args.withdraw is not None:
        try:
            report = importer.withdraw_batch(args.withdraw, db, author=_author())
        except (EtlError, OSError, duckdb.Error) as exc:
            print(f"Erreur : {exc}", file=sys.stderr)
            print(f"Le lot n'a pas été retiré ; la base publiée ({db}) n'a pas été modifiée.", file=sys.stderr)
            return 1
        print(f"Lot {args.withdraw} retiré" + (f" : {report.summary()}" if report else
                                                " (il n'était pas publié : rien à reconstruire)"))
        return 0
    if args.publish is not None:
        folder = config.UPLOAD_DIR / importer.PENDING / args.publish
        return _publish(folder, db, args.publish)

    try:
        contents = [(str(f.name), f.read_bytes()) for f in args.files]
    except OSError as exc:
        print(f"Erreur : {exc.filename} : fichier illisible ({exc.strerror})", file=sys.stderr)
        return 1
    try:
        batch = importer.store_uploads(contents, author=_author())
    except EtlError as exc:
        print(f"Fichiers refusés, rien n'a été enregistré : {exc}", file=sys.stderr)
        return 1
    print(f"Lot {batch.batch_id} enregistré ({len(batch.files)} fichiers).")
    if batch.removed_text():
        print(batch.removed_text())
    report = importer.validate_pending(batch.folder)
    _print_report(report, batch.batch_id)
    if not report.ok:
        print(f"Lot {batch.batch_id} refusé : corrigez les erreurs puis importez à nouveau.", file=sys.stderr)
        return 1
    if not _confirmed(args.yes):
        print(f"Lot {batch.batch_id} en attente, non publié "
              f"(python -m etl import --publish {batch.batch_id} pour le publier).")
        return 0
    return _publish(batch.folder, db, batch.batch_id)
