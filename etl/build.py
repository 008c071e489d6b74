"""The build: raw folders → a checked DuckDB database, published by one atomic rename.

    report = build([Path("data/raw/demo")], Path("data/qpv.duckdb"))

Steps: discover files (etl/discover.py) → recognise each by content (etl/loaders) → load them
into `<db>.tmp-<pid>` ordered by loader PRIORITY, kind and name → post-load steps (loader hooks,
de-duplication, derived indicators, grid aggregates, France and "ensemble des QPV" territories)
→ checks (etl/checks.py) → build record → `os.replace` onto the published file.

On any failure the temporary file is removed, the published database is left byte-for-byte as it
was, a JSON line is appended to `build_log.jsonl` next to the database, and the error is raised
again. `validate()` runs the same steps into a throw-away database and publishes nothing.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterable

import duckdb

from etl import db as etl_db
from etl.checks import period_after_publication, run_checks
from etl.core import Candidate, EtlError, LoadContext, Message, printable
from etl.discover import discover
from etl.loaders import accepted_formats, import_loaders
from etl.readers import read_table
from indicators.registry import REGISTRY

Progress = Callable[[str], None] | None


def _stderr(line: str) -> None:
    print(printable(line), file=sys.stderr, flush=True)


class BuildFailed(EtlError):
    """Several errors (failed checks, unrecognised files, conflicting facts): all are reported."""

    def __init__(self, messages: list[Message]):
        self.messages = messages
        first = messages[0]
        super().__init__(first.file_name or "", first.message, line=first.line, column=first.column_name)

    def __str__(self) -> str:
        return "\n".join(str(m) for m in self.messages)


class StorageError(EtlError, OSError):
    """The data folder cannot be written (disk full, read-only folder, no permission). Not the
    input files' fault: the text says so in French, the published database is unchanged. Also
    an OSError carrying the original errno."""


_STORAGE_REASONS = {
    errno.ENOSPC: ("disque plein", "libérer de l'espace disque puis relancer la construction"),
    errno.EDQUOT: ("quota disque dépassé", "libérer de l'espace disque puis relancer la construction"),
    errno.EROFS: ("dossier en lecture seule",
                  "un dossier de données accessible en écriture (variable QPV_DB_PATH)"),
    errno.EACCES: ("droits d'écriture insuffisants",
                   "un dossier de données accessible en écriture (variable QPV_DB_PATH)"),
    errno.EPERM: ("opération non permise",
                  "un dossier de données accessible en écriture (variable QPV_DB_PATH)"),
}
# How DuckDB words the same conditions (it raises its own exceptions, without errno).
_DUCKDB_TEXTS = (("No space left on device", errno.ENOSPC), ("Disk quota exceeded", errno.EDQUOT),
                 ("Read-only file system", errno.EROFS), ("Permission denied", errno.EACCES))


def _disk_errno(exc: BaseException) -> int | None:
    """The errno of a disk error (full, read-only, no rights), from Python or DuckDB, else None."""
    if isinstance(exc, EtlError):
        return None
    if isinstance(exc, OSError) and exc.errno in _STORAGE_REASONS:
        return exc.errno
    if isinstance(exc, duckdb.Error):
        return next((c for text, c in _DUCKDB_TEXTS if text in str(exc)), None)
    return None


def storage_error(exc: BaseException, db_path: Path) -> StorageError | None:
    """The French StorageError for a disk error met while building `db_path`, else None."""
    code = _disk_errno(exc)
    if code is None:
        return None
    where = (exc.filename if isinstance(exc, OSError) else None) or db_path.parent
    reason, expected = _STORAGE_REASONS[code]
    err = StorageError(str(where), f"écriture impossible ({reason}) : la construction est arrêtée, "
                       "les fichiers temporaires sont supprimés et la base publiée n'a pas été modifiée",
                       expected=expected)
    err.errno = code
    err.strerror = os.strerror(code)
    return err


@dataclass
class FileReport:
    file_name: str
    kind: str | None
    outcome: str   # loaded | duplicate | companion | ignored | unrecognised | error | not_loaded
    rows_read: int | None = None
    source_id: str | None = None
    message: str | None = None
    seconds: float = 0.0


@dataclass
class BuildReport:
    build_id: str
    raw_dirs: list[str]
    db_path: str | None
    started_at: datetime
    finished_at: datetime | None = None
    outcome: str = "running"    # published | validated | failed
    files: list[FileReport] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    n_rows: int = 0
    n_territories: int = 0
    n_indicators: int = 0
    error: str | None = None    # the text of the error that stopped the build

    @property
    def n_files(self) -> int:
        return sum(1 for f in self.files if f.outcome == "loaded")

    @property
    def warnings(self) -> list[Message]:
        return [m for m in self.messages if m.level == "warning"]

    @property
    def errors(self) -> list[Message]:
        return [m for m in self.messages if m.level == "error"]

    @property
    def n_warnings(self) -> int:
        return len(self.warnings)

    @property
    def ok(self) -> bool:
        return self.outcome in ("published", "validated") and not self.errors

    @property
    def duration_s(self) -> float:
        end = self.finished_at or datetime.now(timezone.utc).replace(tzinfo=None)
        return (end - self.started_at).total_seconds()

    def summary(self) -> str:
        verdict = {"published": "base publiée", "validated": "validation réussie (rien n'est publié)",
                   "failed": "échec, la base publiée n'a pas été modifiée"}.get(self.outcome, self.outcome)
        from indicators.fmt import fmt_count, fmt_duration
        return (f"{verdict} : {fmt_count(self.n_files, 'fichier')}, "
                f"{fmt_count(self.n_rows, 'ligne lue', 'lignes lues')}, "
                f"{fmt_count(self.n_territories, 'territoire')}, "
                f"{fmt_count(self.n_indicators, 'indicateur')}, "
                f"{fmt_count(self.n_warnings, 'avertissement')}, "
                f"{fmt_count(len(self.errors), 'erreur')}, {fmt_duration(self.duration_s)}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["started_at"] = self.started_at.isoformat()
        d["finished_at"] = self.finished_at.isoformat() if self.finished_at else None
        d["messages"] = [dict(asdict(m), text=str(m)) for m in self.messages]
        d.update(n_files=self.n_files, n_warnings=self.n_warnings, ok=self.ok,
                 duration_s=round(self.duration_s, 3))
        return d


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


# ── Public entry points ───────────────────────────────────────────────────────────────────
BUILD_MEMORY_LIMIT = "1GiB"


def build(raw_dirs: Iterable[str | Path], db_path: str | Path, *,
          loader_modules: Iterable[str | ModuleType] | None = None, progress: Progress = _stderr,
          current_year: int | None = None, max_file_bytes: int | None = None,
          import_batches: Iterable[dict] | None = None) -> BuildReport:
    """Build `db_path` from `raw_dirs`; publish it only if every file loaded and every check passed.

    `import_batches` (etl/importer.py) are written into the `import_batches` table of the
    published database, in the same atomic rename: its rows say which imported batches it holds.

    Raises EtlError (BuildFailed for several errors) or any other error, after removing the
    temporary database and logging the failure; the published database is then unchanged.
    """
    db_path = Path(db_path).resolve()
    raw_dirs = [Path(d) for d in raw_dirs]
    report = BuildReport(build_id=_new_build_id(), raw_dirs=[str(d) for d in raw_dirs],
                         db_path=str(db_path), started_at=_now())
    tmp = db_path.with_name(f"{db_path.name}.tmp-{os.getpid()}")
    con = None
    lock = None
    try:
        db_path.parent.mkdir(parents=True, exist_ok=True)
        lock = _lock(db_path)
        _remove_stale_temporaries(db_path)
        _remove_db_file(tmp)
        con = etl_db.create_empty(tmp)
        # DuckDB's buffers stay within 1 GiB (beyond, it spills to disk): a national build must
        # fit in 2 GiB with the Python side (issue #15).
        con.execute(f"set memory_limit = '{BUILD_MEMORY_LIMIT}'")
        _run(con, raw_dirs, report, loader_modules, progress, current_year, max_file_bytes)
        con.execute("begin transaction")     # the build record: one commit, not one per row
        _carry_over_builds(con, db_path, report)
        report.outcome = "published"
        report.finished_at = _now()
        _write_build_record(con, report)
        _write_import_batches(con, report, import_batches or ())
        con.execute("commit")
        con.execute("checkpoint")
        con.close()
        con = None
        _fsync(tmp)
        os.replace(tmp, db_path)
        _fsync_dir(db_path.parent)
    except BaseException as exc:
        if con is not None:
            try:
                con.close()
            except Exception:  # noqa: BLE001 - already failing; the temp file is removed below
                pass
        _remove_db_file(tmp)
        disk = storage_error(exc, db_path)
        report.outcome = "failed"
        report.finished_at = _now()
        if disk is not None:
            report.error = str(disk)
        else:
            report.error = str(exc) if isinstance(exc, EtlError) else f"{type(exc).__name__}: {exc}"
        failure = disk if disk is not None else exc
        if isinstance(failure, EtlError) and not report.errors:
            report.messages.append(_message_of(failure))
        _log_failure(db_path, report)
        if progress:
            progress(report.summary())
        failure.report = report  # type: ignore[attr-defined]
        if disk is not None:
            raise disk from exc
        raise
    finally:
        if lock is not None:
            lock.close()
    if progress:
        progress(report.summary())
    return report


def validate(raw_dirs: Iterable[str | Path], *, loader_modules: Iterable[str | ModuleType] | None = None,
             progress: Progress = None, current_year: int | None = None,
             max_file_bytes: int | None = None) -> BuildReport:
    """Run every step and check into a throw-away database; publish nothing.

    Returns the report: `report.ok` is False when the files would fail to build, with each
    error in `report.errors` (file, line, column) and the stopping error in `report.error`.
    """
    raw_dirs = [Path(d) for d in raw_dirs]
    report = BuildReport(build_id=_new_build_id(), raw_dirs=[str(d) for d in raw_dirs],
                         db_path=None, started_at=_now())
    with tempfile.TemporaryDirectory(prefix="qpv-validate-") as tmpdir:
        con = etl_db.create_empty(Path(tmpdir) / "validate.duckdb")
        try:
            _run(con, raw_dirs, report, loader_modules, progress, current_year, max_file_bytes)
            report.outcome = "validated"
        except (EtlError, OSError, duckdb.Error) as exc:
            err = exc if isinstance(exc, EtlError) else storage_error(exc, Path(tmpdir) / "validate.duckdb")
            if err is None:
                raise
            report.outcome = "failed"
            report.error = str(err)
            if not report.errors:   # stopped before any file was read (an unsafe archive…)
                report.messages.append(_message_of(err))
        finally:
            con.close()
    report.finished_at = _now()
    if progress:
        progress(report.summary())
    return report


# ── The steps ─────────────────────────────────────────────────────────────────────────────
def _run(con: duckdb.DuckDBPyConnection, raw_dirs: list[Path], report: BuildReport,
         loader_modules, progress: Progress, current_year: int | None,
         max_file_bytes: int | None = None) -> None:
    modules = _modules(loader_modules)
    ctx = LoadContext(con, report.build_id)
    try:
        with discover(raw_dirs, max_file_bytes=max_file_bytes) as found:
            report.files.extend(FileReport(i.display_name, None, "ignored", message=i.reason)
                                for i in found.ignored)
            plan = _recognise(found.candidates, modules, report)
            _load(ctx, plan, report, progress)
        report.messages.extend(ctx.messages)
        ctx.messages = []
        t0 = time.monotonic()
        for module in modules:
            hook = getattr(module, "post_load", None)
            if hook is not None:
                report.messages.extend(hook(con) or [])   # a hook may return warnings
        _deduplicate(con, report)
        _set_aside_communes_outside_cog(con, report)
        if report.errors:
            raise BuildFailed(report.errors)   # conflicting facts: the later steps would repeat them
        grid = next((m for m in modules if m.__name__.endswith(".grid")), None)
        aggregate = getattr(grid, "aggregate_to_territories", None) if grid else None
        if aggregate is not None:
            aggregate(con)
        _derive(con)
        _add_france_and_ensembles(con)
        from indicators.pockets import write_pockets   # poverty pockets on the grid (issue 14)
        write_pockets(con)
        report.messages.extend(run_checks(con, current_year=current_year))
        report.messages.extend(period_after_publication(con))     # warnings (issue 11, D1)
        report.n_territories = con.execute("select count(*) from territories").fetchall()[0][0]
        report.n_indicators = con.execute(
            "select count(distinct indicator_id) from indicator_facts").fetchall()[0][0]
        if progress:
            progress(f"{'contrôles':<28} {'':>9}  {_secs(time.monotonic() - t0)}")
    finally:
        report.messages.extend(ctx.messages)
    if report.errors:
        raise BuildFailed(report.errors)


def _modules(loader_modules) -> list[ModuleType]:
    if loader_modules is None:
        return import_loaders()
    names = [m for m in loader_modules if isinstance(m, str)]
    imported = iter(import_loaders(names)) if names else iter(())
    return [next(imported) if isinstance(m, str) else m for m in loader_modules]


def _new_build_id() -> str:
    return f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


@dataclass
class _Planned:
    candidate: Candidate
    module: ModuleType
    kind: str
    sha256: str

    @property
    def sort_key(self):
        kinds = list(getattr(self.module, "KINDS", ()))
        rank = kinds.index(self.kind) if self.kind in kinds else len(kinds)
        return (self.module.PRIORITY, rank, self.candidate.display_name)


def _recognise(candidates: list[Candidate], modules: list[ModuleType], report: BuildReport) -> list[_Planned]:
    plan: list[_Planned] = []
    unknown: list[Candidate] = []
    by_sha: dict[str, str] = {}
    for c in candidates:
        kind = module = None
        for m in modules:
            try:
                kind = m.recognise(c)
            except Exception as exc:  # noqa: BLE001 - the protocol says recognise never raises
                raise EtlError(c.display_name, f"le chargeur {m.__name__} n'a pas pu examiner ce fichier "
                                               f"({type(exc).__name__} : {exc})") from exc
            if kind:
                module = m
                break
        if module is None:
            unknown.append(c)
            continue
        sha = _file_sha256(c.path)
        first = by_sha.get(sha)
        if first is not None:
            report.files.append(FileReport(c.display_name, kind, "duplicate",
                                           message=f"fichier identique à {first}, ignoré"))
            report.messages.append(Message("warning", c.display_name,
                                           f"fichier identique à {first}, ignoré"))
            continue
        by_sha[sha] = c.display_name
        plan.append(_Planned(c, module, kind, sha))
    recognised = {p.candidate.display_name for p in plan}
    formats = accepted_formats(modules)
    for c in unknown:
        if _is_dictionary(c) and any(o.display_name in recognised for o in c.companions):
            report.files.append(FileReport(c.display_name, "dictionary", "companion",
                                           message="dictionnaire des variables, lu avec les données"))
            continue
        explained = _explain_unrecognised(c, modules)
        if explained is not None:
            report.files.append(FileReport(c.display_name, None, "unrecognised", message=str(explained)))
            report.messages.append(explained)
            continue
        message = "format de fichier non reconnu"
        report.files.append(FileReport(c.display_name, None, "unrecognised",
                                       message=f"{message} (formats acceptés : {formats})"))
        report.messages.append(Message("error", c.display_name,
                                       f"{message} (attendu : un des formats acceptés : {formats})"))
    plan.sort(key=lambda p: p.sort_key)
    if unknown and any(f.outcome == "unrecognised" for f in report.files):
        for p in plan:
            report.files.append(FileReport(p.candidate.display_name, p.kind, "not_loaded"))
        raise BuildFailed(report.errors)
    return plan


def _explain_unrecognised(c: Candidate, modules: list[ModuleType]) -> Message | None:
    """Why no loader took a file, when it can be said more precisely than "format non reconnu":
    an empty file, an archive inside an archive, or what a loader's optional
    `explain_unrecognised(c) -> EtlError | None` finds (a template header missing a required
    column, an INSEE table without CODGEO, a .geojson that is an HTML page…)."""
    head = c.head(65536)
    if not head.strip():
        return Message("error", c.display_name, "le fichier est vide (attendu : un en-tête puis des lignes)")
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06") and "!" in c.display_name \
            and c.suffix not in (".xlsx", ".xlsm"):
        return Message("error", c.display_name,
                       "archive zip à l'intérieur d'une archive : elle n'est pas décompressée "
                       "(attendu : les fichiers de données directement dans l'archive)")
    for m in modules:
        explain = getattr(m, "explain_unrecognised", None)
        if explain is None:
            continue
        try:
            err = explain(c)
        except Exception:  # noqa: BLE001 - an explanation is a courtesy; the generic one remains
            err = None
        if err is not None:
            return _message_of(err)
    return None


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_dictionary(c: Candidate) -> bool:
    """An INSEE variable dictionary (meta_*.csv: COD_VAR, LIB_VAR…), read by its data file's loader."""
    if c.path.name.lower().startswith("meta") and c.suffix == ".csv":
        return True
    if c.suffix not in (".csv", ""):
        return False
    try:
        header = {h.strip().upper() for h in read_table(c.head(8192), c.display_name, partial=True).header}
    except (EtlError, ValueError, UnicodeDecodeError):
        return False
    return {"COD_VAR", "LIB_VAR"} <= header


# Quick files share one transaction until their loading has taken this much CPU time (each
# commit costs a write and an fsync of the journal, and two statements: issue #15); a longer file
# is committed on its own, as before. CPU, not wall time: on a loaded machine the wall clock
# would commit after every file; and it bounds what a failure costs (the files of the failed
# transaction are loaded again).
COMMIT_AFTER_SECONDS = 1.0


def _load(ctx: LoadContext, plan: list[_Planned], report: BuildReport, progress: Progress) -> None:
    """Load the files in order. Quick files are committed together (`COMMIT_AFTER_SECONDS`);
    when a file fails, the transaction is rolled back and the files loaded since the last commit
    are loaded again and committed: the failed file leaves no row, the earlier ones keep theirs."""
    group: list[_Planned] = []            # files loaded since the last commit
    group_seconds = 0.0
    saved = ctx.save_state()
    for i, p in enumerate(plan):
        c = p.candidate
        t0, cpu0 = time.monotonic(), time.process_time()
        if not group:
            ctx.con.execute("begin transaction")
        n_messages = len(ctx.messages)
        try:
            rows = p.module.load(ctx, c, p.kind)
        except EtlError as exc:
            _roll_back(ctx, group, saved, n_messages)
            report.files.append(FileReport(c.display_name, p.kind, "error", message=str(exc)))
            report.messages.append(_message_of(exc))
            for q in plan[i + 1:]:
                report.files.append(FileReport(q.candidate.display_name, q.kind, "not_loaded"))
            raise
        except Exception as exc:  # noqa: BLE001 - a loader bug still names the file it failed on
            _roll_back(ctx, group, saved, n_messages)
            if _disk_errno(exc) is not None:
                raise     # the disk, not the file: build() says it in French
            err = EtlError(c.display_name, f"erreur inattendue du chargeur {p.module.__name__} "
                                           f"({type(exc).__name__} : {exc})")
            report.files.append(FileReport(c.display_name, p.kind, "error", message=str(err)))
            report.messages.append(_message_of(err))
            for q in plan[i + 1:]:
                report.files.append(FileReport(q.candidate.display_name, q.kind, "not_loaded"))
            raise err from exc
        except BaseException:
            _roll_back(ctx, [], saved, n_messages)
            raise
        seconds = time.monotonic() - t0
        group.append(p)
        group_seconds += time.process_time() - cpu0
        if group_seconds >= COMMIT_AFTER_SECONDS or i == len(plan) - 1:
            ctx.con.execute("commit")
            group, group_seconds = [], 0.0
            saved = ctx.save_state()
        c._bytes = None   # the file's content is not kept once loaded
        c.memo.clear()
        source_id = f"src_{p.sha256[:12]}"
        has_source = ctx.has_source(source_id)
        report.files.append(FileReport(c.display_name, p.kind, "loaded", rows,
                                       source_id if has_source else None, seconds=round(seconds, 3)))
        report.n_rows += rows or 0
        if progress:
            progress(printable(f"{p.kind:<28} {rows or 0:>9} lignes {_secs(seconds)}  {c.display_name}"))


def _roll_back(ctx: LoadContext, group: list[_Planned], saved, n_messages: int) -> None:
    """A file failed: roll the open transaction back, then load again and commit the files of
    `group` (loaded since the last commit, in the same transaction), from the context's state
    `saved` at that commit. The failed file's own warnings stay, after theirs."""
    try:
        ctx.con.execute("rollback")
    except duckdb.Error:    # the failure may have ended the transaction already
        pass
    if not group:
        return
    failed_messages = ctx.messages[n_messages:]
    ctx.restore_state(saved)
    _in_transaction(ctx.con, lambda: [q.module.load(ctx, q.candidate, q.kind) for q in group])
    ctx.messages.extend(failed_messages)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], int]) -> int:
    """Run one file's loading in one transaction: committed once, not after each of its
    statements (each commit of the database file costs a write to its journal). A failed file's
    rows are rolled back (the build stops, nothing is published)."""
    con.execute("begin transaction")
    try:
        result = work()
    except BaseException:
        try:
            con.execute("rollback")
        except duckdb.Error:    # the failure may have ended the transaction already
            pass
        raise
    con.execute("commit")
    return result


def _message_of(exc: EtlError) -> Message:
    text = exc.message + (f" (attendu : {exc.expected})" if exc.expected else "")
    return Message("error", exc.file, text, exc.line, exc.column)


# ── Post-load steps ───────────────────────────────────────────────────────────────────────
_ORIGIN_RANK = {"official_file": 0, "published": 1, "computed": 2}


def _deduplicate(con: duckdb.DuckDBPyConnection, report: BuildReport) -> None:
    """One row per key. Territories: the official name wins over a typed one. Facts: the same
    value twice keeps one (warning naming both files); different values are an error."""
    # Territories --------------------------------------------------------------------------
    dup = con.execute("""
        select count(*) from (select 1 from territories group by territory_code, territory_level
                              having count(*) > 1)""").fetchall()[0][0]
    if dup:
        con.execute("""
            create or replace temp table _terr as
            select t.*, s.file_name, s.kind,
                   row_number() over (partition by t.territory_code, t.territory_level
                       order by case when s.kind like 'programme_%' then 1 else 0 end, t.rowid) as rk
            from territories t left join sources s on s.source_id = t.source_id""")
        for code, level, kept, kept_file, other, other_file in con.execute("""
                select a.territory_code, a.territory_level, a.territory_name, a.file_name,
                       b.territory_name, b.file_name
                from _terr a join _terr b on a.territory_code = b.territory_code
                     and a.territory_level = b.territory_level and a.rk = 1 and b.rk > 1
                where a.territory_name <> b.territory_name order by 1, 2, b.rk""").fetchall():
            report.messages.append(Message(
                "warning", other_file,
                f"territoire {code} ({level}) : le nom « {other} » est remplacé par « {kept} » "
                f"donné par {kept_file}"))
        con.execute("delete from territories")
        con.execute("""
            insert into territories
            select territory_code, territory_level,
                   arg_min(territory_name, rk),
                   arg_min(geography_vintage, rk) filter (where geography_vintage is not null),
                   arg_min(population, rk) filter (where population is not null),
                   arg_min(population_year, rk) filter (where population is not null),
                   arg_min(is_fictional, rk),
                   arg_min(source_id, rk)
            from _terr group by territory_code, territory_level""")
        con.execute("drop table _terr")
    # Links and contract membership: exact duplicates are one fact ----------------------------
    for table, key in (("territory_links", "child_code, child_level, parent_code, parent_level"),
                       ("contract_territories", "contract_slug, territory_code, territory_level")):
        con.execute(f"delete from {table} where rowid not in"
                    f" (select min(rowid) from {table} group by {key})")
    # Geometries: one contour per territory and vintage ---------------------------------------
    for code, level, vintage, files in con.execute("""
            select g.territory_code, g.territory_level, g.geometry_vintage,
                   string_agg(distinct s.file_name, ' et ' order by s.file_name)
            from territory_geometries g left join sources s on s.source_id = g.source_id
            group by 1, 2, 3 having count(*) > 1 order by 1, 2, 3""").fetchall():
        report.messages.append(Message("warning", files,
                                       f"contour de {code} ({level}, {vintage}) donné deux fois : "
                                       "le premier chargé est gardé"))
    con.execute("""delete from territory_geometries where rowid not in
                   (select min(rowid) from territory_geometries
                    group by territory_code, territory_level, geometry_vintage)""")
    # Facts ----------------------------------------------------------------------------------
    rows = con.execute("""
        with d as (select territory_code, territory_level, indicator_id, year from indicator_facts
                   group by all having count(*) > 1)
        select f.rowid, f.territory_code, f.territory_level, f.indicator_id, f.year, f.value,
               f.status, f.numerator, f.denominator, f.origin, s.file_name,
               coalesce(s.is_fictional, false)
        from indicator_facts f join d using (territory_code, territory_level, indicator_id, year)
        left join sources s on s.source_id = f.source_id
        order by f.territory_code, f.territory_level, f.indicator_id, f.year, f.rowid""").fetchall()
    groups: dict[tuple, list[tuple]] = {}
    for r in rows:
        groups.setdefault(r[1:5], []).append(r)
    losers: list[int] = []
    for (code, level, indicator, year), group in groups.items():
        # A real figure wins over a fictional one (the demo's France or "ensemble des QPV"
        # comparators give way to real national files loaded beside it).
        group.sort(key=lambda r: (r[11], _ORIGIN_RANK.get(r[9], 9), r[0]))
        keep = group[0]
        for other in group[1:]:
            if other[11] and not keep[11]:
                report.messages.append(Message(
                    "warning", other[10],
                    f"{indicator} de {code} en {year} : la valeur fictive de démonstration est "
                    f"remplacée par la valeur réelle de {keep[10]}"))
                losers.append(other[0])
            elif _same(keep[5], other[5]) and keep[6] == other[6]:
                report.messages.append(Message(
                    "warning", other[10],
                    f"{indicator} de {code} en {year} déjà donné par {keep[10]} avec la même valeur :"
                    " une seule ligne est gardée"))
                losers.append(other[0])
                if keep[7] is None and other[7] is not None:
                    con.execute("update indicator_facts set numerator = ?, denominator = ? where rowid = ?",
                                [other[7], other[8], keep[0]])
            else:
                report.messages.append(Message(
                    "error", f"{keep[10]} et {other[10]}",
                    f"valeurs différentes pour {indicator} de {code} ({level}) en {year} : "
                    f"{_show(keep[5], keep[6])} dans {keep[10]}, {_show(other[5], other[6])} dans {other[10]}"))
    if losers:
        con.executemany("delete from indicator_facts where rowid = ?", [[i] for i in losers])


_OUTSIDE_COG = """
    from indicator_facts f join sources s on s.source_id = f.source_id
    where f.territory_level = 'commune' and f.origin = 'official_file' and s.kind like 'insee_%'
      and exists (select 1 from sources c where c.kind = 'cog_communes')
      and not exists (select 1 from territories t where t.territory_code = f.territory_code
                      and t.territory_level = 'commune')"""


def _set_aside_communes_outside_cog(con: duckdb.DuckDBPyConnection, report: BuildReport) -> None:
    """INSEE publishes a commune file on the geography of its own year (Filosofi 2021 is on the
    COG of 2023): communes merged since, communes déléguées and arrondissements municipaux are not
    current communes of a later COG. When a COG is loaded, their rows cannot be attached to any
    territory: they are set aside with one warning per file listing the codes. Without a COG, or
    in a file typed by the team, an unknown code stays an error (etl/checks.py)."""
    rows = con.execute(f"select s.file_name, f.territory_code {_OUTSIDE_COG}"
                       " group by all order by 1, 2").fetchall()
    by_file: dict[str, list[str]] = {}
    for file_name, code in rows:
        by_file.setdefault(file_name, []).append(code)
    for file_name, codes in by_file.items():
        shown = ", ".join(codes[:10]) + (" …" if len(codes) > 10 else "")
        report.messages.append(Message(
            "warning", file_name,
            f"{len(codes)} code(s) de commune absent(s) du COG chargé (communes fusionnées ou "
            f"déléguées, arrondissements municipaux) : leurs valeurs ne sont pas chargées ({shown})",
            column_name="CODGEO"))
    if rows:
        con.execute(f"delete from indicator_facts where rowid in (select f.rowid {_OUTSIDE_COG})")


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _secs(seconds: float) -> str:
    """A progress line's duration, French decimal comma, aligned: « {:6.1f} s » → "   4,3 s"."""
    return f"{seconds:6.1f} s".replace(".", ",")


def _show(value: float | None, status: str) -> str:
    if value is None:
        return f"valeur vide ({status})"
    return f"{value:g}".replace(".", ",")


_RATES = tuple(i.id for i in REGISTRY if i.is_rate)


def _derive(con: duckdb.DuckDBPyConnection) -> None:
    """Indicators the build computes where no file gives them (origin 'computed')."""
    # Monthly median = yearly / 12, where no published or official monthly value exists.
    # A withheld yearly value gives a withheld monthly one (NULL with the same status).
    con.execute("""
        insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,
            numerator, denominator, status, status_note, origin, source_variable, source_note,
            document_id, source_ref, is_internal, source_id)
        select y.territory_code, y.territory_level, 'median_income_eur_month', y.year, y.value / 12,
               null, null, y.status, y.status_note, 'computed', y.source_variable, y.source_note,
               y.document_id, y.source_ref, y.is_internal, y.source_id
        from indicator_facts y
        where y.indicator_id = 'median_income_eur_year'
          and not exists (select 1 from indicator_facts m where m.indicator_id = 'median_income_eur_month'
                          and m.territory_code = y.territory_code
                          and m.territory_level = y.territory_level and m.year = y.year)""")
    # A rate from its numerator and denominator when only the value is missing (never when
    # the value is withheld: a secret stays secret).
    con.execute(f"""
        update indicator_facts set value = 100.0 * numerator / denominator, status = 'ok',
               origin = 'computed'
        where value is null and status = 'missing' and numerator is not null and denominator > 0
          and indicator_id in ({", ".join("?" for _ in _RATES)})""", list(_RATES))


_AGGREGATES = {
    ("FRM", "france"): ("France métropolitaine", None),
    ("ENSEMBLE_QPV_2024", "qpv_ensemble"): ("Ensemble des quartiers prioritaires (géographie 2024)", 2024),
    ("ENSEMBLE_QPV_2015", "qpv_ensemble"): ("Ensemble des quartiers prioritaires (géographie 2015)", 2015),
}


def _add_france_and_ensembles(con: duckdb.DuckDBPyConnection) -> None:
    """Territory rows for France métropolitaine and the QPV ensembles when values refer to them."""
    for (code, level), (name, vintage) in _AGGREGATES.items():
        exists = con.execute("select count(*) from territories where territory_code = ? and territory_level = ?",
                             [code, level]).fetchall()[0][0]
        if exists:
            continue
        refs = con.execute("""
            select min(r.source_id), coalesce(bool_and(s.is_fictional), false) from (
                select source_id from indicator_facts where territory_code = ? and territory_level = ?
                union all select source_id from territory_links where parent_code = ? and parent_level = ?
                union all select source_id from contract_territories where territory_code = ? and territory_level = ?
            ) r left join sources s on s.source_id = r.source_id""",
                           [code, level] * 3).fetchall()[0]
        if refs[0] is None:
            continue
        con.execute("insert into territories (territory_code, territory_level, territory_name,"
                    " geography_vintage, is_fictional, source_id) values (?, ?, ?, ?, ?, ?)",
                    [code, level, name, vintage, refs[1], refs[0]])


# ── Build record and publication ──────────────────────────────────────────────────────────
def _carry_over_builds(con: duckdb.DuckDBPyConnection, db_path: Path, report: BuildReport) -> None:
    if not db_path.exists():
        return
    cols = [r[0] for r in con.execute("select column_name from information_schema.columns"
                                      " where table_name = 'builds' order by ordinal_position").fetchall()]
    try:
        old = duckdb.connect(str(db_path), read_only=True)
        try:
            rows = old.sql(f"select {', '.join(cols)} from builds").to_arrow_table()
        finally:
            old.close()
    except duckdb.Error as exc:
        report.messages.append(Message("warning", db_path.name,
                                       f"historique des constructions précédentes non repris ({exc})"))
        return
    if rows.num_rows:
        _insert_table(con, "builds", rows)


def _insert_table(con: duckdb.DuckDBPyConnection, table: str, rows) -> None:
    """An Arrow table's rows appended to `table` (its columns, by name) in one statement:
    executemany runs one statement per row, a few milliseconds each (issue #15)."""
    con.register("_build_rows", rows)
    try:
        columns = ", ".join(f'"{c}"' for c in rows.column_names)
        con.execute(f"insert into {table} ({columns}) select {columns} from _build_rows")
    finally:
        con.unregister("_build_rows")


def _arrow_rows(columns: dict[str, str], rows: list[list]):
    """An Arrow table of `rows` (lists in the order of `columns`: name → 'string' | 'int64')."""
    import pyarrow as pa
    types = {"string": pa.string(), "int64": pa.int64()}
    return pa.table({name: pa.array([r[i] for r in rows], types[kind])
                     for i, (name, kind) in enumerate(columns.items())})


def _write_build_record(con: duckdb.DuckDBPyConnection, report: BuildReport) -> None:
    con.execute("insert into builds (build_id, started_at, finished_at, outcome, raw_dirs, n_files,"
                " n_rows, n_territories, n_indicators, n_warnings, summary)"
                " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [report.build_id, report.started_at, report.finished_at, report.outcome,
                 " ; ".join(report.raw_dirs), report.n_files, report.n_rows, report.n_territories,
                 report.n_indicators, report.n_warnings, report.summary()])
    if report.files:
        _insert_table(con, "build_files", _arrow_rows(
            {"build_id": "string", "file_name": "string", "kind": "string", "outcome": "string",
             "rows_read": "int64", "source_id": "string", "message": "string"},
            [[report.build_id, f.file_name, f.kind, f.outcome, f.rows_read, f.source_id,
              f.message] for f in report.files]))
    if report.messages:
        _insert_table(con, "build_messages", _arrow_rows(
            {"build_id": "string", "level": "string", "file_name": "string", "line": "int64",
             "column_name": "string", "message": "string"},
            [[report.build_id, m.level, m.file_name, m.line, m.column_name, m.message]
             for m in report.messages]))


def _write_import_batches(con: duckdb.DuckDBPyConnection, report: BuildReport, batches: Iterable[dict]) -> None:
    """One row per imported batch; a published batch's rows are those this build read from its
    files (named '<batch_id>/…'), its publication time this build's when it had none."""
    rows = []
    for b in batches:
        published = b["state"] == "published"
        prefix = b["batch_id"] + "/"
        n_rows = sum(f.rows_read or 0 for f in report.files if f.file_name.startswith(prefix)
                     and f.outcome == "loaded") if published else b.get("n_rows")
        rows.append([b["batch_id"], b["state"], " ; ".join(b.get("files") or ()), n_rows,
                     b.get("created_at"), b.get("published_at") or (report.finished_at if published else None),
                     b.get("withdrawn_at"), b.get("author"),
                     b.get("build_id") or (report.build_id if published else None), b.get("withdrawn_by")])
    if rows:
        con.executemany("insert into import_batches values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _lock(db_path: Path):
    fh = open(db_path.with_name(db_path.name + ".lock"), "a")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise EtlError(str(db_path), "une autre construction de cette base est en cours",
                       expected="attendre la fin de l'autre construction") from None
    return fh


def _remove_stale_temporaries(db_path: Path) -> None:
    """Temporary databases left by a build that was killed (we hold the lock: none is in use)."""
    for p in db_path.parent.glob(db_path.name + ".tmp-*"):
        p.unlink(missing_ok=True)


def _remove_db_file(path: Path) -> None:
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            p.unlink(missing_ok=True)
        except OSError:
            pass


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    try:
        _fsync(path)
    except OSError:
        pass


def _log_failure(db_path: Path, report: BuildReport) -> None:
    """Append the failed build to build_log.jsonl next to the database (best effort: a read-only
    or full disk must not hide the original error)."""
    record = {
        "build_id": report.build_id, "outcome": report.outcome,
        "started_at": report.started_at.isoformat(),
        "finished_at": report.finished_at.isoformat() if report.finished_at else None,
        "raw_dirs": report.raw_dirs, "db_path": report.db_path, "error": report.error,
        "files": [asdict(f) for f in report.files],
        "messages": [str(m) for m in report.messages],
    }
    try:
        with open(db_path.parent / "build_log.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    except OSError as exc:
        print(f"build_log.jsonl non écrit : {exc}", file=sys.stderr)

