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
  rebuild that includes it is published; a refused batch is removed with `discard_pending`;
- columns of personal data (etl/personal.py: any CSV/TSV/XLSX whose header is a file of people,
  GeoJSON properties, the members of a zip) are removed from a file before it is written: the
  stored copy, which the build reads, never holds them; an archive that cannot be checked is
  refused.

The build publishes with an atomic rename: the running app keeps the old database until then.

Batches are part of the database for good (issue 9). Each batch has one state, recorded in a
journal, `UPLOAD_DIR/.journal/<batch_id>.json` (written with os.replace after an fsync), and in
the `import_batches` table of the database built with it:

    pending → publishing → published → withdrawing → withdrawn      (failed: refused at validation)

`publishing` and `withdrawing` are intents, written before the build. `reconcile` (called under
the journal lock by every operation, and before every default build) settles them against the
published database, the only truth: a batch is published iff the published database's
`import_batches` lists it as published; an interrupted publication goes back to pending, an
interrupted withdrawal ends withdrawn. Every build of the published database (`rebuild`,
`python -m etl build`, `make db`) reads the default folders and every published batch.
"""
from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable

import pandas as pd

import config
from etl.build import BuildReport, build, validate
from etl.core import EtlError
from etl.discover import _human as human_size
from etl.personal import strip_personal_data

MAX_UPLOAD_BYTES = int(os.environ.get("QPV_MAX_UPLOAD_BYTES", str(200 * 1024 ** 2)))
ACCEPTED_SUFFIXES = (".csv", ".tsv", ".zip", ".xlsx", ".xlsm", ".json", ".geojson", ".shp", ".shx",
                     ".dbf", ".prj", ".cpg")
PENDING = ".en_attente"
JOURNAL = ".journal"
STATES = ("pending", "publishing", "published", "withdrawing", "withdrawn", "failed")
STATE_LABELS = {"pending": "en attente", "publishing": "publication en cours", "published": "publié",
                "withdrawing": "retrait en cours", "withdrawn": "retiré", "failed": "refusé"}
MAX_NAME_CHARS = 120
MAX_NAME_BYTES = 200       # in UTF-8; room left for « (2) » under the file systems' 255
_RESERVED = re.compile(r'[\x00-\x1f\x7f<>:"|?*\\/]')
_BATCH_RE = re.compile(r"^\d{8}-\d{6}-\d{6}$")
AUTHOR_FILE = ".publie_par"          # who published a batch (set by publish_pending)


class UploadRejected(EtlError):
    """A file the import page refuses to store (its text is shown as it is, in French)."""


@dataclass
class StoredFile:
    original_name: str
    stored_name: str
    size_bytes: int
    removed_columns: list[str] = field(default_factory=list)   # personal data, never written
    removed_in: dict[str, list[str]] = field(default_factory=dict)  # the file or 'zip!member' → its columns


@dataclass
class Batch:
    folder: Path
    files: list[StoredFile] = field(default_factory=list)

    @property
    def batch_id(self) -> str:
        return self.folder.name

    def removed_text(self) -> str:
        """What the report says about personal columns removed before storage ('' if none)."""
        return "\n".join(f"{where} : colonnes de données personnelles retirées avant "
                         f"l'enregistrement : {', '.join(columns)}"
                         for f in self.files for where, columns in f.removed_in.items())


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
                  now: datetime | None = None, author: str | None = None) -> Batch:
    """Write uploaded files into a new pending batch folder, and its journal entry; all or nothing.

    Columns of personal data are removed from each file in memory, before anything is written.
    Raises UploadRejected (nothing is left on disk) for a bad name, type or size
    (`max_bytes`, default MAX_UPLOAD_BYTES).
    """
    max_bytes = MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    upload_dir = check_upload_dir(upload_dir or config.UPLOAD_DIR, data_dir or config.DATA_DIR)
    items = list(files)
    if not items:
        raise UploadRejected(str(upload_dir), "aucun fichier reçu", expected="au moins un fichier")
    prepared = []
    for name, content in items:
        stored = safe_name(name)
        data, removed = strip_personal_data(_read(content, max_bytes, name), stored)
        prepared.append((name, stored, data, removed))
    folder = _new_batch_folder(upload_dir / PENDING, now)
    batch = Batch(folder)
    try:
        for original, name, data, removed in prepared:
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
            batch.files.append(StoredFile(original, target.name, len(data),
                                          [c for columns in removed.values() for c in columns],
                                          {_renamed(where, name, target.name): columns
                                           for where, columns in removed.items()}))
        _write_entry(upload_dir, {
            "batch_id": folder.name, "state": "pending", "author": author,
            "created_at": (now or datetime.now()).isoformat(timespec="seconds"),
            "files": [vars(f) for f in batch.files], "n_rows": None,
            "published_at": None, "withdrawn_at": None, "withdrawn_by": None, "build_id": None})
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        _entry_path(upload_dir, folder.name).unlink(missing_ok=True)
        raise
    return batch


def _write_reason(exc: OSError) -> str:
    import errno
    return {errno.ENOSPC: "disque plein", errno.EDQUOT: "quota disque dépassé",
            errno.EROFS: "dossier en lecture seule", errno.EACCES: "droits insuffisants",
            errno.ENAMETOOLONG: "nom trop long pour le système de fichiers"}.get(
                exc.errno, f"erreur système n° {exc.errno}")


def _renamed(where: str, name: str, stored: str) -> str:
    """'x.csv' or 'x.zip!member.csv' under the name the file was finally stored as."""
    return stored + where[len(name):] if where.startswith(name) else where


def _free_name(folder: Path, name: str) -> Path:
    target = folder / name
    suffix = PurePosixPath(name).suffix
    stem = name[: -len(suffix)] if suffix else name
    n = 2
    while target.exists() or target.is_symlink():
        target = folder / f"{stem} ({n}){suffix}"
        n += 1
    return target


# ── The journal ──────────────────────────────────────────────────────────────────────────
def _entry_path(upload_dir: Path, batch_id: str) -> Path:
    return Path(upload_dir) / JOURNAL / f"{batch_id}.json"


def _write_entry(upload_dir: Path, entry: dict) -> None:
    """Replace a batch's journal entry atomically: temporary file, fsync, os.replace, fsync of
    the folder. A reader (or a process killed at any moment) sees the old entry or the new one."""
    path = _entry_path(upload_dir, entry["batch_id"])
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(entry, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _read_entries(upload_dir: Path) -> dict[str, dict]:
    """Every batch's journal entry, by batch id. A batch folder under UPLOAD_DIR without an entry
    (published before the journal existed) is published; a pending folder without one (being
    written, or discarded half-way) is not a batch yet."""
    upload_dir = Path(upload_dir)
    entries: dict[str, dict] = {}
    journal = upload_dir / JOURNAL
    if journal.is_dir():
        for p in sorted(journal.glob("*.json")):
            if not _BATCH_RE.match(p.stem):
                continue
            try:
                entry = json.loads(p.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if entry.get("batch_id") == p.stem and entry.get("state") in STATES:
                entries[p.stem] = entry
    if upload_dir.is_dir():
        for p in sorted(upload_dir.iterdir()):
            if p.is_dir() and _BATCH_RE.match(p.name) and p.name not in entries:
                entries[p.name] = {"batch_id": p.name, "state": "published", "author": None,
                                   "created_at": None, "n_rows": None, "published_at": None,
                                   "withdrawn_at": None, "build_id": None, "legacy": True,
                                   "files": [{"original_name": f.name, "stored_name": f.name,
                                              "size_bytes": f.stat().st_size, "removed_columns": []}
                                             for f in sorted(p.iterdir()) if f.is_file()]}
    return dict(sorted(entries.items()))


def _batch_folder(upload_dir: Path, batch_id: str) -> Path | None:
    """Where a batch's files are: UPLOAD_DIR/<id>/ once published, else UPLOAD_DIR/.en_attente/<id>/."""
    for folder in (Path(upload_dir) / batch_id, Path(upload_dir) / PENDING / batch_id):
        if folder.is_dir():
            return folder
    return None


def _place(upload_dir: Path, batch_id: str, state: str) -> None:
    """Move a batch folder where its state keeps it: published ones beside each other, pending and
    refused ones in .en_attente (withdrawn ones stay where they are)."""
    folder = _batch_folder(upload_dir, batch_id)
    if folder is None:
        return
    target = {"published": Path(upload_dir) / batch_id, "pending": Path(upload_dir) / PENDING / batch_id,
              "failed": Path(upload_dir) / PENDING / batch_id}.get(state)
    if target is not None and folder != target:
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder, target)
        _fsync_dir(target.parent)


@contextmanager
def _journal_lock(upload_dir: Path, *, wait: bool = False):
    """One importer operation at a time (page, command line, default build): an flock on
    UPLOAD_DIR/.journal/.lock, released by the system if the process dies."""
    folder = Path(upload_dir) / JOURNAL
    folder.mkdir(parents=True, exist_ok=True)
    fh = open(folder / ".lock", "a")
    try:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise UploadRejected(str(upload_dir), "une autre publication ou un autre retrait de lot est en cours",
                                 expected="attendre la fin de l'autre opération") from None
        yield
    finally:
        fh.close()


def published_in(db_path: Path) -> dict[str, dict] | None:
    """What the published database says of the batches: {batch_id: its import_batches row}, or
    None when there is no readable database. A database built before the table existed lists
    the batches its last build loaded files from."""
    db_path = Path(db_path)
    if not db_path.is_file():
        return None
    import duckdb

    from etl.db import open_snapshot
    try:
        con = open_snapshot(db_path)
    except duckdb.Error:
        return None
    try:
        has_table = con.execute("select count(*) from information_schema.tables where table_catalog = 'qpv'"
                                " and table_name = 'import_batches'").fetchall()[0][0]
        if has_table:
            cur = con.execute("select * from import_batches")
            cols = [d[0] for d in cur.description]
            return {r[0]: dict(zip(cols, r)) for r in cur.fetchall()}
        rows = con.execute("select distinct split_part(file_name, '/', 1) from build_files where outcome = 'loaded'"
                           " and build_id = (select build_id from builds order by started_at desc limit 1)"
                           ).fetchall()
        return {r[0]: {"batch_id": r[0], "state": "published"} for r in rows if _BATCH_RE.match(r[0])}
    except duckdb.Error:
        return None
    finally:
        con.close()


def _settled_state(state: str, in_db: dict | None, db_known: bool) -> str:
    """A batch's state once checked against the published database (see the module's text)."""
    if not db_known:            # no database yet: nothing was published, what is published will be
        return {"publishing": "pending", "withdrawing": "withdrawn"}.get(state, state)
    db_state = in_db["state"] if in_db else None
    if db_state == "published":
        return "published"
    if state in ("published", "publishing"):
        return "withdrawn" if db_state == "withdrawn" else "pending"
    if state == "withdrawing":
        return "withdrawn"
    return state


def _iso(value) -> str | None:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


def _reconcile_locked(db_path: Path, upload_dir: Path) -> dict[str, dict]:
    for tmp in (upload_dir / JOURNAL).glob(".*.tmp-*"):       # left by a killed write
        tmp.unlink(missing_ok=True)
    listing = published_in(db_path)
    entries = _read_entries(upload_dir)
    for batch_id, entry in entries.items():
        in_db = (listing or {}).get(batch_id)
        state = _settled_state(entry["state"], in_db, listing is not None)
        if state == "published" and in_db and in_db.get("build_id"):
            for key in ("n_rows", "published_at", "build_id"):
                entry[key] = _iso(in_db.get(key)) if in_db.get(key) is not None else entry.get(key)
        if state == "withdrawn" and not entry.get("withdrawn_at"):
            entry["withdrawn_at"] = _iso((in_db or {}).get("withdrawn_at")) or datetime.now().isoformat(timespec="seconds")
        if state == "withdrawn" and not entry.get("withdrawn_by") and (in_db or {}).get("withdrawn_by"):
            entry["withdrawn_by"] = in_db["withdrawn_by"]
        changed = state != entry["state"] or entry.pop("legacy", False)
        entry["state"] = state
        _place(upload_dir, batch_id, state)       # the folder first, the entry last: idempotent
        if changed:
            _write_entry(upload_dir, entry)
    return entries


def reconcile(db_path: Path | None = None, *, upload_dir: Path | None = None) -> list[dict]:
    """Settle every batch against the published database (after a crash or a kill), and return
    the batches, oldest first. When another operation holds the journal, the entries are
    returned as they are (that operation settles them)."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    if not upload_dir.is_dir():
        return []
    try:
        with _journal_lock(upload_dir):
            return list(_reconcile_locked(Path(db_path or config.DB_PATH), upload_dir).values())
    except UploadRejected:
        return list(_read_entries(upload_dir).values())


def list_batches(db_path: Path | None = None, *, upload_dir: Path | None = None) -> list[dict]:
    """The history of batches (reconciled first), oldest first."""
    return reconcile(db_path, upload_dir=upload_dir)


def published_batches(upload_dir: Path | None = None) -> list[Path]:
    """The folders of the batches that are part of the database, oldest first."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    folders = [upload_dir / b for b, e in _read_entries(upload_dir).items() if e["state"] == "published"]
    return [f for f in folders if f.is_dir()]


def raw_dirs(*extra: Path, upload_dir: Path | None = None,
             default_dirs: Iterable[Path] | None = None) -> list[Path]:
    """What a rebuild reads: the default raw folders that exist, every published batch, `extra`."""
    defaults = [Path(d) for d in (config.DEFAULT_RAW_DIRS if default_dirs is None else default_dirs)]
    return [d for d in defaults if d.is_dir()] + published_batches(upload_dir) + [Path(e) for e in extra]


def missing_default_dirs(default_dirs: Iterable[Path] | None = None) -> list[Path]:
    """The default raw folders absent on this machine (a fresh clone has no demo yet)."""
    return [Path(d) for d in (config.DEFAULT_RAW_DIRS if default_dirs is None else default_dirs)
            if not Path(d).is_dir()]


def _records(entries: dict[str, dict]) -> list[dict]:
    """The import_batches rows a build writes: the batches published (or being published: this
    build fills in their rows, time and build id) and the withdrawn ones (or being withdrawn)."""
    out = []
    for batch_id, e in entries.items():
        state = {"publishing": "published", "withdrawing": "withdrawn"}.get(e["state"], e["state"])
        if state not in ("published", "withdrawn"):
            continue
        settled = e["state"] in ("published", "withdrawn", "withdrawing")
        out.append({"batch_id": batch_id, "state": state, "author": e.get("author"),
                    "files": [f["stored_name"] for f in e.get("files", [])],
                    "created_at": _when(e.get("created_at")),
                    "n_rows": e.get("n_rows") if state == "withdrawn" else None,
                    "published_at": _when(e.get("published_at")) if settled else None,
                    "withdrawn_at": _when(e.get("withdrawn_at")) if state == "withdrawn" else None,
                    "withdrawn_by": e.get("withdrawn_by") if state == "withdrawn" else None,
                    "build_id": e.get("build_id") if settled else None})
    return out


def batch_records(upload_dir: Path | None = None) -> list[dict]:
    """The import_batches rows of a build read from the journal as it is (for a database other
    than the published one: nothing is settled against it)."""
    return _records({b: e for b, e in _read_entries(Path(upload_dir or config.UPLOAD_DIR)).items()
                     if e["state"] in ("published", "withdrawn")})


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _build_with(entries: dict[str, dict], db_path: Path, upload_dir: Path, default_dirs, current_year,
                progress, max_file_bytes: int | None = MAX_UPLOAD_BYTES, base: list[Path] | None = None) -> BuildReport:
    """Build the published database from the default folders (or `base`) and every batch that is
    (being) published, recording the batches in import_batches."""
    dirs = list(base) if base is not None else [
        Path(d) for d in (config.DEFAULT_RAW_DIRS if default_dirs is None else default_dirs) if Path(d).is_dir()]
    dirs += [upload_dir / b for b, e in entries.items()
             if e["state"] in ("published", "publishing") and (upload_dir / b).is_dir()]
    return build(dirs, db_path, progress=progress, max_file_bytes=max_file_bytes,
                 current_year=current_year, import_batches=_records(entries))


def rebuild(db_path: Path | None = None, *, upload_dir: Path | None = None, base: list[Path] | None = None,
            default_dirs: Iterable[Path] | None = None, current_year: int | None = None,
            progress=None, max_file_bytes: int | None = None) -> BuildReport:
    """Rebuild the published database from the default folders (or `base`) and every published
    batch, after settling the journal (python -m etl build, make db, make run)."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    db_path = Path(db_path or config.DB_PATH)
    if not upload_dir.is_dir():
        return _build_with({}, db_path, upload_dir, default_dirs, current_year, progress, max_file_bytes, base)
    with _journal_lock(upload_dir, wait=True):
        entries = _reconcile_locked(db_path, upload_dir)
        return _build_with(entries, db_path, upload_dir, default_dirs, current_year, progress,
                           max_file_bytes, base)


def _pending(folder: Path, upload_dir: Path | None) -> Path:
    folder = Path(folder)
    parent = Path(upload_dir or config.UPLOAD_DIR) / PENDING
    if folder.parent.resolve() != parent.resolve() or not _BATCH_RE.match(folder.name) or not folder.is_dir():
        raise UploadRejected(str(folder), "lot de fichiers en attente introuvable",
                             expected="un dossier créé par store_uploads")
    return folder


def _entry_of(upload_dir: Path, folder: Path) -> dict:
    """The journal entry of a pending batch folder (one is made for a folder from before the journal)."""
    entry = _read_entries(upload_dir).get(folder.name)
    if entry is None:
        entry = {"batch_id": folder.name, "state": "pending", "author": None, "created_at": None,
                 "n_rows": None, "published_at": None, "withdrawn_at": None, "build_id": None,
                 "files": [{"original_name": f.name, "stored_name": f.name, "size_bytes": f.stat().st_size,
                            "removed_columns": []} for f in sorted(folder.iterdir()) if f.is_file()]}
    return entry


def _batch_rows(report: BuildReport, batch_id: str) -> int:
    return sum(f.rows_read or 0 for f in report.files if f.file_name.startswith(batch_id + "/")
               and f.outcome == "loaded")


def validate_pending(folder: Path, *, upload_dir: Path | None = None,
                     default_dirs: Iterable[Path] | None = None, current_year: int | None = None) -> BuildReport:
    """Every step and check of the rebuild that would include `folder`; nothing is published.
    The batch is recorded as pending when it passes, refused (failed) otherwise."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    folder = _pending(folder, upload_dir)
    report = validate(raw_dirs(folder, upload_dir=upload_dir, default_dirs=default_dirs),
                      max_file_bytes=MAX_UPLOAD_BYTES, current_year=current_year)
    entry = _entry_of(upload_dir, folder)
    if entry["state"] in ("pending", "failed"):
        entry.update(state="pending" if report.ok else "failed", n_rows=_batch_rows(report, folder.name))
        _write_entry(upload_dir, entry)
    return report


def publish_pending(folder: Path, db_path: Path | None = None, *, upload_dir: Path | None = None,
                    default_dirs: Iterable[Path] | None = None, current_year: int | None = None,
                    progress=None, author: str | None = None) -> BuildReport:
    """Publish a pending batch: intent `publishing` in the journal, the folder moved beside the
    published ones, the database rebuilt with it (atomic rename), then `published`.

    `author` (the signed-in editor, ui/auth.py) becomes the batch's author in the journal and the
    database, and is written into the batch as `AUTHOR_FILE` (a hidden file, which the build never
    reads).

    On failure the batch goes back to waiting and the error is raised again (the published
    database is unchanged: etl/build.py). Killed at any moment, `reconcile` settles it.
    """
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    db_path = Path(db_path or config.DB_PATH)
    with _journal_lock(upload_dir):
        entries = _reconcile_locked(db_path, upload_dir)
        folder = _pending(folder, upload_dir)
        entry = entries.get(folder.name) or _entry_of(upload_dir, folder)
        if entry["state"] not in ("pending", "failed"):
            raise UploadRejected(folder.name, f"lot {STATE_LABELS[entry['state']]}",
                                 expected="un lot en attente")
        if author:
            (folder / AUTHOR_FILE).write_text(author, encoding="utf-8")
            entry["author"] = author
        entry.update(state="publishing")
        _write_entry(upload_dir, entry)
        entries[folder.name] = entry
        _place(upload_dir, folder.name, "published")
        try:
            report = _build_with(entries, db_path, upload_dir, default_dirs, current_year, progress)
        except BaseException:
            _reconcile_locked(db_path, upload_dir)
            raise
        entry.update(state="published", n_rows=_batch_rows(report, folder.name), build_id=report.build_id,
                     published_at=_iso(report.finished_at))
        _write_entry(upload_dir, entry)
        return report


def withdraw_batch(batch_id: str, db_path: Path | None = None, *, upload_dir: Path | None = None,
                   default_dirs: Iterable[Path] | None = None, current_year: int | None = None,
                   progress=None, author: str | None = None) -> BuildReport | None:
    """Take a batch out: a published one by a rebuild without it (atomic, like any build; intent
    `withdrawing` first), a pending or refused one at once. Its files are kept and never read
    again; its state is `withdrawn`. `author` (the signed-in editor) is recorded as who withdrew
    it (`withdrawn_by`, in the journal and import_batches). Returns the build's report, or None
    when nothing was built."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    db_path = Path(db_path or config.DB_PATH)
    with _journal_lock(upload_dir):
        entries = _reconcile_locked(db_path, upload_dir)
        entry = entries.get(str(batch_id))
        if entry is None:
            raise UploadRejected(_shown(batch_id), "lot inconnu",
                                 expected="un lot de la liste (python -m etl import --list)")
        if entry["state"] == "withdrawn":
            raise UploadRejected(entry["batch_id"], "lot déjà retiré", expected="un lot publié ou en attente")
        now = datetime.now().isoformat(timespec="seconds")
        if entry["state"] != "published":
            entry.update(state="withdrawn", withdrawn_at=now, withdrawn_by=author)
            _write_entry(upload_dir, entry)
            return None
        entry.update(state="withdrawing", withdrawn_at=now, withdrawn_by=author)
        _write_entry(upload_dir, entry)
        try:
            report = _build_with(entries, db_path, upload_dir, default_dirs, current_year, progress)
        except BaseException:
            _reconcile_locked(db_path, upload_dir)
            raise
        entry.update(state="withdrawn")
        _write_entry(upload_dir, entry)
        return report


def discard_pending(folder: Path, *, upload_dir: Path | None = None) -> None:
    """Remove a batch that was refused (only a pending batch folder can be removed)."""
    upload_dir = Path(upload_dir or config.UPLOAD_DIR)
    folder = _pending(folder, upload_dir)
    _entry_path(upload_dir, folder.name).unlink(missing_ok=True)    # the entry first: no half batch
    shutil.rmtree(folder)


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


def _removed_of(stored: dict) -> str:
    """« personnes.csv : Nom, Prénom », per file (and per zip member) of a journal entry."""
    where = stored.get("removed_in") or {stored["stored_name"]: stored["removed_columns"]}
    return " ; ".join(f"{name} : {', '.join(columns)}" for name, columns in where.items())


def history_table(batches: list[dict]) -> pd.DataFrame:
    """One row per batch, newest first: Lot, État, Déposé le, Publié le, Retiré le, Auteur,
    Retiré par, Fichiers, Lignes, Colonnes personnelles retirées."""
    def day(text):
        return datetime.fromisoformat(text).strftime("%d/%m/%Y %H:%M") if text else ""
    rows = [{"Lot": b["batch_id"], "État": STATE_LABELS[b["state"]], "Déposé le": day(b.get("created_at")),
             "Publié le": day(b.get("published_at")), "Retiré le": day(b.get("withdrawn_at")),
             "Auteur": b.get("author") or "inconnu",
             "Retiré par": (b.get("withdrawn_by") or "inconnu") if b["state"] == "withdrawn" else "",
             "Fichiers": ", ".join(f["stored_name"] for f in b.get("files", [])),
             "Lignes": b.get("n_rows"),
             "Colonnes personnelles retirées": " ; ".join(_removed_of(f) for f in b.get("files", [])
                                                          if f.get("removed_columns"))}
            for b in reversed(batches)]
    df = pd.DataFrame(rows, columns=["Lot", "État", "Déposé le", "Publié le", "Retiré le", "Auteur",
                                     "Retiré par", "Fichiers", "Lignes", "Colonnes personnelles retirées"])
    df["Lignes"] = df["Lignes"].astype("Int64")
    return df
