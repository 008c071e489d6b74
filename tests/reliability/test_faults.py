"""Faults during a build (issue 5): the process killed at random moments, readers and the app
while a build runs, a full disk and a read-only data folder.

The promise in every case: the published database is the previous complete one (or the new
complete one), never a mix; the next build succeeds; a disk error is said in French.
"""
from __future__ import annotations

import errno
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import duckdb
import pytest

import config
import etl.build
from etl.build import StorageError, build
from tests.reliability.conftest import ROOT, csv_text, leftovers, query, sha256, text_file

N_KILLS = 20
KILL_SEED = 5_2024
REBUILD_EVERY = 4        # a complete build after every 4th kill (and after the last one)


@pytest.fixture(scope="session")
def demo_raw(tmp_path_factory) -> Path:
    """The demo territory's raw files, generated once per session."""
    from etl.demo import write_demo
    out = tmp_path_factory.mktemp("demo_raw") / "demo"
    write_demo(out)
    return out


@pytest.fixture
def chambery_raw(tmp_path: Path) -> Path:
    """A one-file programme folder: the Grand Chambéry contract."""
    raw = tmp_path / "chambery"
    text_file(raw / "contrat.csv", csv_text([["contract", "contract_name"],
                                             ["chambery", "Contrat de ville du Grand Chambéry"]]))
    text_file(raw / "territoires.csv", csv_text([
        ["contract", "territory_code", "territory_level", "territory_name", "in_contract"],
        ["chambery", "QN07301M", "qpv", "Biollay - Bellevue", "oui"]]))
    return raw


def _spawn(raws: list[Path], db: Path) -> subprocess.Popen:
    args = [sys.executable, "-m", "etl", "build", "--db", str(db), "--quiet"]
    for raw in raws:
        args += ["--raw", str(raw)]
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _build_ids(db: Path) -> list[str]:
    return [r[0] for r in query(db, "select build_id from builds order by started_at")]


# ── (a) SIGKILL at random moments ───────────────────────────────────────────────────────────
def test_sigkill_at_random_moments_keeps_the_previous_complete_database(demo_raw: Path, tmp_path: Path) -> None:
    db = tmp_path / "data" / "qpv.duckdb"
    build([demo_raw], db, progress=None)
    facts = query(db, "select count(*), sum(value) from indicator_facts")
    # The duration of a whole build in a subprocess (start-up included): kills are drawn in it.
    t0 = time.monotonic()
    proc = _spawn([demo_raw], db)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    duration = time.monotonic() - t0
    history, digest = _build_ids(db), sha256(db)
    assert len(history) == 2

    rng = random.Random(KILL_SEED)
    delays = [rng.uniform(0.0, duration) for _ in range(N_KILLS)]
    outcomes: Counter[str] = Counter()
    for i, delay in enumerate(delays, start=1):
        proc = _spawn([demo_raw], db)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)          # no-op if it has already finished
        proc.wait(timeout=60)
        ids = _build_ids(db)                     # the published file opens…
        if sha256(db) == digest:
            assert ids == history                # …and is the previous one, byte for byte
            outcomes["killed before publication"] += 1
        else:                                    # the kill came after the atomic rename
            assert ids[:-1] == history and len(ids) == len(history) + 1
            history, digest = ids, sha256(db)
            outcomes["published before the kill"] += 1
        assert query(db, "select count(*), sum(value) from indicator_facts") == facts
        if i % REBUILD_EVERY == 0:
            report = build([demo_raw], db, progress=None)      # the next build succeeds
            assert report.outcome == "published" and _build_ids(db) == history + [report.build_id]
            assert leftovers(db.parent) == []                  # and removed what the kill left
            history, digest = _build_ids(db), sha256(db)
    assert outcomes["killed before publication"] >= N_KILLS // 2, outcomes
    assert sum(outcomes.values()) == N_KILLS


# ── (b) The app keeps serving while a build runs ────────────────────────────────────────────
# DuckDB keeps one database instance per file path in a process: while any connection to the old
# file lives, `duckdb.connect(path)` returns that instance, i.e. the OLD database. ui/data.py
# therefore takes its connections from etl.db.open_snapshot (a fresh in-memory instance ATTACHing
# the file), one per database version: the tests below prove it switches without a restart.


def test_readers_during_a_build_see_the_old_or_the_new_database(demo_raw: Path, chambery_raw: Path,
                                                                tmp_path: Path) -> None:
    """The atomic rename: whoever opens the published file during a build gets a complete
    database, the old one or the new one; a connection opened before keeps its file."""
    from etl.db import open_snapshot

    db = tmp_path / "data" / "qpv.duckdb"
    first = build([chambery_raw], db, progress=None)
    long_lived = open_snapshot(db)
    proc = _spawn([demo_raw, chambery_raw], db)
    seen: Counter[str] = Counter()
    while proc.poll() is None:
        con = open_snapshot(db)
        try:
            builds = [r[0] for r in con.execute("select build_id from builds order by started_at").fetchall()]
            slugs = [r[0] for r in con.execute("select contract_slug from contracts order by 1").fetchall()]
            n_facts = con.execute("select count(*) from indicator_facts").fetchall()[0][0]
        finally:
            con.close()
        if builds == [first.build_id]:
            assert (slugs, n_facts) == (["chambery"], 0)
            seen["old"] += 1
        else:
            assert builds[0] == first.build_id and len(builds) == 2
            assert slugs == ["chambery", "demo"] and n_facts > 500
            seen["new"] += 1
        assert long_lived.execute("select contract_slug from contracts").fetchall() == [("chambery",)]
        time.sleep(0.01)
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert seen["old"] > 0, seen
    after = open_snapshot(db)
    assert after.execute("select contract_slug from contracts order by 1").fetchall() == [("chambery",), ("demo",)]
    assert long_lived.execute("select count(*) from builds").fetchall() == [(1,)]   # still its file
    after.close()
    long_lived.close()


def test_cached_access_of_the_pages_switches_after_publication(demo_raw: Path,
                                                               chambery_raw: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """ui/data.py keys its caches on the file's mtime: during a build it answers from the old
    database without an error, after publication from the new one, with no restart."""
    from ui import data

    db = tmp_path / "data" / "qpv.duckdb"
    build([chambery_raw], db, progress=None)
    monkeypatch.setattr(config, "DB_PATH", db)
    assert data.contracts()["contract_slug"].tolist() == ["chambery"]
    old_version = data.db_version()
    proc = _spawn([demo_raw, chambery_raw], db)
    while proc.poll() is None:
        assert data.contracts()["contract_slug"].tolist() in (["chambery"], ["chambery", "demo"])
        time.sleep(0.01)
    assert proc.returncode == 0, proc.stderr.read().decode()
    assert data.db_version() != old_version
    assert data.contracts()["contract_slug"].tolist() == ["chambery", "demo"]


def test_a_running_page_switches_to_the_new_database_without_restart(demo_raw: Path,
                                                                     chambery_raw: Path, tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "data" / "qpv.duckdb"
    build([chambery_raw], db, progress=None)
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = AppTest.from_file(str(ROOT / "pages" / "methode.py"), default_timeout=60)
    at.session_state["territoire"] = "chambery"
    at.run()
    assert not at.exception
    assert _n_files(at) == 2
    proc = _spawn([demo_raw, chambery_raw], db)
    at.run()                      # a rerun while the build runs: no error, old or new database
    assert not at.exception and not at.error
    assert _n_files(at) == 2 or _n_files(at) > 40
    assert proc.wait(timeout=120) == 0
    at.run()                      # the same session, after publication: the new database
    assert not at.exception and not at.error
    assert _n_files(at) > 40


def _n_files(at) -> int:
    """The number of files of the methode page's build summary ('base publiée : 47 fichiers, …',
    among the technicians' lines, as Markdown with the screen's spacing)."""
    import re
    summary = next(m.value for m in at.markdown if "Résumé imprimé par la construction" in m.value)
    return int(re.search(r"base publiée\W*?(\d+)\s*fichiers", summary).group(1))


# ── (c) Disk full, read-only data folder ────────────────────────────────────────────────────
DISK_FULL = ("{folder} : écriture impossible (disque plein) : la construction est arrêtée, les fichiers"
             " temporaires sont supprimés et la base publiée n'a pas été modifiée (attendu : libérer de"
             " l'espace disque puis relancer la construction)")
READ_ONLY = ("{folder} : écriture impossible (dossier en lecture seule) : la construction est arrêtée,"
             " les fichiers temporaires sont supprimés et la base publiée n'a pas été modifiée (attendu :"
             " un dossier de données accessible en écriture (variable QPV_DB_PATH))")
NO_RIGHTS = ("{folder} : écriture impossible (droits d'écriture insuffisants) : la construction est"
             " arrêtée, les fichiers temporaires sont supprimés et la base publiée n'a pas été modifiée"
             " (attendu : un dossier de données accessible en écriture (variable QPV_DB_PATH))")


def _fail_on_insert(monkeypatch, n: int) -> None:
    """DuckDB reports a full disk while writing the n-th batch of rows of the new database."""
    from etl.core import LoadContext
    real = LoadContext.insert
    calls = Counter()

    def insert(self, table, rows):
        calls["n"] += 1
        if calls["n"] == n:
            raise duckdb.IOException(f'IO Error: Could not write file "{self.con}": No space left on device')
        return real(self, table, rows)
    monkeypatch.setattr(LoadContext, "insert", insert)


def _fail_os_call(monkeypatch, name: str, code: int) -> None:
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[0]) if args else None)
    monkeypatch.setattr(etl.build.os, name, fail)


@pytest.mark.parametrize("where, expected", [
    ("insert", DISK_FULL),          # while loading the files (DuckDB's own error text)
    ("replace", DISK_FULL),         # at the atomic rename
    ("replace_ro", READ_ONLY),      # the folder turned read-only during the build
    ("lock", READ_ONLY),            # the folder is read-only from the start
    ("lock_rights", NO_RIGHTS),     # the folder belongs to someone else
])
def test_disk_errors_are_said_in_french_and_lose_nothing(demo_raw: Path, chambery_raw: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch, where: str,
                                                         expected: str) -> None:
    db = tmp_path / "data" / "qpv.duckdb"
    first = build([chambery_raw], db, progress=None)
    before = sha256(db)
    if where == "insert":
        _fail_on_insert(monkeypatch, 5)
    elif where.startswith("replace"):
        _fail_os_call(monkeypatch, "replace", errno.EROFS if where == "replace_ro" else errno.ENOSPC)
    else:
        real_open = open

        def guarded_open(path, mode="r", *args, **kwargs):
            if str(path).endswith(".lock") or str(path).endswith("build_log.jsonl"):
                code = errno.EROFS if where == "lock" else errno.EACCES
                raise OSError(code, os.strerror(code), str(path))
            return real_open(path, mode, *args, **kwargs)
        monkeypatch.setattr(etl.build, "open", guarded_open, raising=False)
    with pytest.raises(StorageError) as info:
        build([demo_raw, chambery_raw], db, progress=None)
    folder = db.with_name("qpv.duckdb.lock") if where.startswith("lock") else (
        db.with_name(f"qpv.duckdb.tmp-{os.getpid()}") if where.startswith("replace") else db.parent)
    assert str(info.value) == expected.format(folder=folder)
    assert isinstance(info.value, OSError) and info.value.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES)
    assert info.value.report.outcome == "failed"
    assert sha256(db) == before and _build_ids(db) == [first.build_id]
    assert leftovers(db.parent) == []
    monkeypatch.undo()
    assert build([demo_raw, chambery_raw], db, progress=None).outcome == "published"


def _mount(args: list[str]) -> bool:
    return subprocess.run(args, capture_output=True).returncode == 0


@pytest.fixture
def tiny_tmpfs(tmp_path: Path):
    """A 4 MiB tmpfs: room for the small published database, not for the demo build."""
    point = tmp_path / "petit_disque"
    point.mkdir()
    if os.geteuid() != 0 or not _mount(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(point)]):
        pytest.skip("mount -t tmpfs impossible here (needs root): the simulated ENOSPC tests cover it")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True)


@pytest.fixture
def read_only_bind(tmp_path: Path):
    """A folder and its read-only bind mount (root ignores chmod; a ro mount it cannot ignore)."""
    source, point = tmp_path / "donnees", tmp_path / "donnees_ro"
    source.mkdir()
    point.mkdir()
    if os.geteuid() != 0 or not _mount(["mount", "--bind", str(source), str(point)]):
        pytest.skip("mount --bind impossible here (needs root): the simulated EROFS tests cover it")
    try:
        if not _mount(["mount", "-o", "remount,ro,bind", str(point)]):
            pytest.skip("read-only remount impossible here: the simulated EROFS tests cover it")
        yield source, point
    finally:
        subprocess.run(["umount", str(point)], check=True)


def test_real_full_disk(tiny_tmpfs: Path, demo_raw: Path, chambery_raw: Path, tmp_path: Path) -> None:
    db = tiny_tmpfs / "qpv.duckdb"
    first = build([chambery_raw], db, progress=None)
    before = sha256(db)
    with pytest.raises(StorageError) as info:
        build([demo_raw, chambery_raw], db, progress=None)
    assert str(info.value) == DISK_FULL.format(folder=tiny_tmpfs)
    assert sha256(db) == before and _build_ids(db) == [first.build_id]
    assert leftovers(tiny_tmpfs) == []
    # Moved to a folder with room, the same build succeeds.
    big = tmp_path / "grand_disque"
    big.mkdir()
    shutil.copyfile(db, big / "qpv.duckdb")
    assert build([demo_raw, chambery_raw], big / "qpv.duckdb", progress=None).outcome == "published"


def test_real_read_only_folder(read_only_bind, chambery_raw: Path, demo_raw: Path) -> None:
    source, point = read_only_bind
    first = build([chambery_raw], source / "qpv.duckdb", progress=None)
    before = sha256(point / "qpv.duckdb")
    with pytest.raises(StorageError) as info:
        build([demo_raw, chambery_raw], point / "qpv.duckdb", progress=None)
    assert str(info.value) == READ_ONLY.format(folder=point / "qpv.duckdb.lock")
    assert sha256(point / "qpv.duckdb") == before
    assert _build_ids(point / "qpv.duckdb") == [first.build_id]
    assert leftovers(source) == []
