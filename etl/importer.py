"""Files uploaded from the import page: stored safely, validated, then published by a rebuild.

    batch = store_uploads([("filosofi.zip", data)])        # UPLOAD_DIR/.en_attente/<horodatage>/
    report = validate_pending(batch.folder)                 # nothing published, nothing moved
    report = publish_pending(batch.folder, config.DB_PATH)  # UPLOAD_DIR/<horodatage>/ + build

Safety rules (issue 5):
- every file is written under the upload folder, itself inside the data folder (refused
  otherwise): a name keeps its last path component only, normalised (NFKC, so a full-width
  solidus is a solidus), without control or reserved characters, leading dots or spaces; `..`,
  `.` and empty names are refused; an existing name is never overwritten (« nom (2).csv »);
- only data formats are accepted (csv, tsv, zip, xlsx, xlsm, json, geojson and shapefile parts);
- each file is at most `MAX_UPLOAD_BYTES` (200 Mio; QPV_MAX_UPLOAD_BYTES overrides), checked
  here whatever the browser did, and again by the build (`max_file_bytes`); zips are expanded
  by the build with its own limits (etl/discover.py);
- a new batch waits in `.en_attente/` (a hidden folder, which the build never reads) until the
  rebuild that includes it is published; a refused batch is removed with `discard_pending`.

The build publishes with an atomic rename: the running app keeps the old database until then.
"""
from __future__ import annotations

import os
import re
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable

import pandas as pd

import config
from etl.build import BuildReport, build, validate
from etl.core import EtlError
from etl.discover import _human as human_size

MAX_UPLOAD_BYTES = int(os.environ.get("QPV_MAX_UPLOAD_BYTES", str(200 * 1024 ** 2)))
ACCEPTED_SUFFIXES = (".csv", ".tsv", ".zip", ".xlsx", ".xlsm", ".json", ".geojson", ".shp", ".shx",
                     ".dbf", ".prj", ".cpg")
PENDING = ".en_attente"
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200       # in UTF-8; room left for « (2) » under the file systems' 255
_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')
_BATCH_RE = re.compile(r"^\d{8}-\d{6}-\d{6}$")


class UploadRejected(EtlError):
    """A file the import page refuses to store (its text is shown as it is, in French)."""


@dataclass
class StoredFile:
    original_name: str
    stored_name: str
    size_bytes: int


@dataclass
class Batch:
    folder: Path
    files: list[StoredFile] = field(default_factory=list)


def safe_name(original: str) -> str:
    """The name a file is stored under, or UploadRejected.

    'C:\\\\Users\\\\x\\\\Données.CSV' → 'Données.CSV'; '../../etc/passwd.csv' → 'passwd.csv';
    '..' → refused; '.bashrc.csv' → 'bashrc.csv'.
    """
    text = unicodedata.normalize("NFKC", str(original or ""))
    text = text.replace("\\", "/").split("/")[-1]
    text = _RESERVED.sub("_", text).strip().lstrip(".").rstrip(". ").strip()
    if text in ("", ".", "..") or set(text) <= {".", "_", " "}:
        raise UploadRejected(_shown(original), "nom de fichier invalide",
                             expected="un nom de fichier ordinaire (ex. filosofi_2021.csv)")
    suffix = PurePosixPath(text).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UploadRejected(_shown(original), f"type de fichier non accepté ({suffix or 'sans extension'})",
                             expected="un fichier " + ", ".join(s.lstrip(".") for s in ACCEPTED_SUFFIXES))
    stem = text[: -len(suffix)][: MAX_NAME_CHARS - len(suffix)]
    # File systems count bytes (255 at most): 120 emoji are 480 bytes. Cut on a character.
    stem = stem.encode("utf-8")[: MAX_NAME_BYTES - len(suffix.encode("utf-8"))].decode("utf-8", "ignore")
    return stem.rstrip(". ") + text[-len(suffix):]


def _shown(name: str) -> str:
    """A file name as messages show it: control characters removed, shortened."""
    text = "".join(ch for ch in str(name) if ch.isprintable())
    return text if len(text) <= 80 else text[:79] + "…"


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def check_upload_dir(upload_dir: Path, data_dir: Path) -> Path:
    """The upload folder, created if needed, when it lies inside the data folder."""
    upload_dir = Path(upload_dir)
    if not _inside(upload_dir, data_dir):
        raise UploadRejected(str(upload_dir), "dossier d'import hors du dossier de données",
                             expected=f"un dossier sous {Path(data_dir).resolve()} (QPV_UPLOAD_DIR)")
    upload_dir.mkdir(parents=True, exist_ok=True)
    return upload_dir


def _new_batch_folder(parent: Path, now: datetime | None = None) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    stamp = now or datetime.now()
    while True:
        folder = parent / stamp.strftime("%Y%m%d-%H%M%S-%f")
        try:
            folder.mkdir()
            return folder
        except FileExistsError:
            stamp = stamp.replace(microsecond=(stamp.microsecond + 1) % 1_000_000)


def _read(content: bytes | BinaryIO, limit: int, name: str) -> bytes:
    data = content if isinstance(content, (bytes, bytearray)) else content.read(limit + 1)
    if len(data) > limit:
        raise UploadRejected(_shown(name), "fichier trop volumineux",
                             expected=f"au plus {human_size(limit)} par fichier")
    return bytes(data)


def store_uploads(files: Iterable[tuple[str, bytes | BinaryIO]], *, upload_dir: Path | None = None,
                  data_dir: Path | None = None, max_bytes: int | None = None,
                  now: datetime | None = None) -> Batch:
    """Write uploaded files into a new pending batch folder; all or nothing.

    Raises UploadRejected (nothing is left on disk) for a bad name, type or size
    (`max_bytes`, default MAX_UPLOAD_BYTES).
    """
    max_bytes = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    upload_dir = check_upload_dir(upload_dir or config.UPLOAD_DIR, data_dir or config.DATA_DIR)
    items = list(files)
    if not items:
        raise UploadRejected(str(upload_dir), "aucun fichier reçu", expected="au moins un fichier")
    prepared = [(name, safe_name(name), _read(content, max_bytes, name)) for name, content in items]
    folder = _new_batch_folder(upload_dir / PENDING, now)
    batch = Batch(folder)
    try:
        for original, name, data in prepared:
            target = _free_name(folder, name)
            if not _inside(target, folder) or target.parent.resolve() != folder.resolve():
                raise UploadRejected(_shown(original), "chemin hors du dossier d'import",
                                     expected="un nom de fichier sans dossier")
            try:
                with open(target, "xb") as fh:      # never overwrite, never follow a link
                    fh.write(data)
            except OSError as exc:
                raise UploadRejected(_shown(original), f"écriture impossible ({_write_reason(exc)})",
                                     expected="de la place et des droits d'écriture dans le dossier "
                                              "d'import") from exc
            batch.files.append(StoredFile(original, target.name, len(data)))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return batch


def _write_reason(exc: OSError) -> str:
    import errno
    return {errno.ENOSPC: "disque plein", errno.EDQUOT: "quota disque dépassé",
            errno.EROFS: "dossier en lecture seule", errno.EACCES: "droits insuffisants",
            errno.ENAMETOOLONG: "nom trop long pour le système de fichiers"}.get(
                exc.errno, f"erreur système n° {exc.errno}")


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    suffix = PurePosixPath(name).suffix
    stem = name[: -len(suffix)] if suffix else name
    n = 2
    while target.exists() or target.is_symlink():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


def published_batches(upload_dir: Path | None = None) -> list[Path]:
    """The batch folders already part of the database, oldest first."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    if not upload_dir.is_dir():
        return []
    return sorted(p for p in upload_dir.iterdir() if p.is_dir() and _BATCH_RE.match(p.name))


def raw_dirs(*extra: Path, upload_dir: Path | None = None,
             default_dirs: Iterable[Path] | None = None) -> list[Path]:
    """What a rebuild reads: the default raw folders that exist, every published batch, `extra`."""
    defaults = [Path(d) for d in (config.DEFAULT_RAW_DIRS if default_dirs is None else default_dirs)]
    return [d for d in defaults if d.is_dir()] + published_batches(upload_dir) + [Path(e) for e in extra]


def _pending(folder: Path, upload_dir: Path | None) -> Path:
    folder = Path(folder)
    parent = Path(upload_dir or config.UPLOAD_DIR) / PENDING
    if folder.parent.resolve() != parent.resolve() or not _BATCH_RE.match(folder.name) or not folder.is_dir():
        raise UploadRejected(str(folder), "lot de fichiers en attente introuvable",
                             expected="un dossier créé par store_uploads")
    return folder


def validate_pending(folder: Path, *, upload_dir: Path | None = None,
                     default_dirs: Iterable[Path] | None = None, current_year: int | None = None) -> BuildReport:
    """Every step and check of the rebuild that would include `folder`; nothing is published."""
    folder = _pending(folder, upload_dir)
    return validate(raw_dirs(folder, upload_dir=upload_dir, default_dirs=default_dirs),
                    max_file_bytes=MAX_UPLOAD_BYTES, current_year=current_year)


def publish_pending(folder: Path, db_path: Path | None = None, *, upload_dir: Path | None = None,
                    default_dirs: Iterable[Path] | None = None, current_year: int | None = None) -> BuildReport:
    """Move the batch beside the published ones and rebuild the database with it.

    On failure the batch goes back to waiting and the error is raised again (the published
    database is unchanged: etl/build.py).
    """
    folder = _pending(folder, upload_dir)
    target = Path(upload_dir or config.UPLOAD_DIR) / folder.name
    os.replace(folder, target)
    try:
        return build(raw_dirs(upload_dir=upload_dir, default_dirs=default_dirs),
                     db_path or config.DB_PATH, progress=None, max_file_bytes=MAX_UPLOAD_BYTES,
                     current_year=current_year)
    except BaseException:
        os.replace(target, folder)
        raise


def discard_pending(folder: Path, *, upload_dir: Path | None = None) -> None:
    """Remove a batch that was refused (only a pending batch folder can be removed)."""
    shutil.rmtree(_pending(folder, upload_dir))


def failure_text(exc: BaseException) -> str:
    """A failed check or rebuild as the page shows it, in French: the file, line and column of
    an EtlError; the reason of a disk error; never an English traceback."""
    if isinstance(exc, EtlError):
        return str(exc)
    if isinstance(exc, OSError):
        name = f"{exc.filename} : " if exc.filename else ""
        return f"{name}écriture ou lecture impossible ({_write_reason(exc)})"
    return (f"erreur inattendue ({type(exc).__name__}) : signalez-la avec les fichiers importés ; "
            "la base publiée n'a pas été modifiée")


# ── What the page shows ──────────────────────────────────────────────────────────────────────
OUTCOME_LABELS = {"loaded": "chargé", "duplicate": "doublon ignoré", "companion": "lu avec son fichier",
                  "ignored": "ignoré", "unrecognised": "non reconnu", "error": "erreur",
                  "not_loaded": "non chargé (arrêt)"}


def files_table(report: BuildReport, batch: Batch | None = None) -> pd.DataFrame:
    """One row per file examined (the batch's files first when given): Fichier, Format reconnu,
    Résultat, Lignes, Message."""
    rows = [{"Fichier": f.file_name, "Format reconnu": f.kind or "—",
             "Résultat": OUTCOME_LABELS.get(f.outcome, f.outcome),
             "Lignes": f.rows_read, "Message": f.message or ""} for f in report.files]
    df = pd.DataFrame(rows, columns=["Fichier", "Format reconnu", "Résultat", "Lignes", "Message"])
    df["Lignes"] = df["Lignes"].astype("Int64")
    if batch is not None:
        prefix = batch.folder.name + "/"
        mine = df["Fichier"].str.startswith(prefix)
        df = pd.concat([df[mine], df[~mine]], ignore_index=True)
    return df


def messages_table(report: BuildReport) -> pd.DataFrame:
    """One row per error then warning: Niveau, Fichier, Ligne, Colonne, Message."""
    rows = [{"Niveau": "erreur" if m.level == "error" else "avertissement", "Fichier": m.file_name or "",
             "Ligne": m.line, "Colonne": m.column_name or "", "Message": m.message}
            for m in sorted(report.messages, key=lambda m: m.level != "error")]
    df = pd.DataFrame(rows, columns=["Niveau", "Fichier", "Ligne", "Colonne", "Message"])
    df["Ligne"] = df["Ligne"].astype("Int64")
    return df
