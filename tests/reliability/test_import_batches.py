"""Imported batches are part of the database for good (issue 9): every default build reads the
published ones, each batch has one state on disk (the journal) and in the database
(`import_batches`), the two never disagree after reconciliation even when a publishing process is
SIGKILLed at random moments, a batch can be withdrawn (page, function, command line), and columns
of personal data never reach the disk."""
from __future__ import annotations

import getpass
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

import config
from etl import importer
from indicators.fmt import plain_spaces
from etl.__main__ import main
from etl.importer import UploadRejected
from tests.reliability.conftest import CURRENT_YEAR, ROOT, csv_text, query, sha256

NOW = datetime(2026, 3, 2, 9, 15, 0, 123456)
MEDIANS = ("select year, value from indicator_facts where territory_code = 'QN07301M'"
           " and indicator_id = 'median_income_eur_year' and origin = 'official_file' order by year")
BATCHES = "select batch_id, state, files, n_rows, author from import_batches order by batch_id"


def insee(year: int, value: int) -> tuple[str, bytes]:
    """An INSEE QPV file with one median income for QN07301M in `year` (2001–2099)."""
    yy = f"{year % 100:02d}"
    return (f"QPV2024_FILOSOFI_{year}.csv",
            csv_text([["CODGEO", "LIBGEO", f"MED{yy}"], ["QN07301M", "Biollay", str(value)]]).encode())


@pytest.fixture
def site(tmp_path: Path, context_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with a database built from the context; config points at it."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "qpv.duckdb"
    from etl.build import build
    build([context_dir], db, progress=None, current_year=CURRENT_YEAR)
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setattr(config, "DEFAULT_RAW_DIRS", (context_dir,))
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    return data


def _publish(year: int, value: int, second: int, author: str | None = None) -> importer.Batch:
    batch = importer.store_uploads([insee(year, value)], now=NOW.replace(second=second), author=author)
    assert importer.validate_pending(batch.folder, current_year=CURRENT_YEAR).ok
    importer.publish_pending(batch.folder, current_year=CURRENT_YEAR)
    return batch


def _states() -> dict[str, str]:
    return {b["batch_id"]: b["state"] for b in importer.list_batches()}


# ── Every later build reads the published batches ──────────────────────────────────────────
def test_a_plain_build_keeps_the_published_batches(site: Path, capsys) -> None:
    db = site / "qpv.duckdb"
    first = _publish(2019, 17000, 1, author="analyste")
    assert query(db, MEDIANS) == [(2019, 17000.0)]
    assert main(["build", "--quiet"]) == 0                   # python -m etl build, make db, make run
    assert query(db, MEDIANS) == [(2019, 17000.0)]
    assert query(db, BATCHES) == [(first.batch_id, "published", "QPV2024_FILOSOFI_2019.csv", 1, "analyste")]
    published_by = query(db, "select build_id from import_batches")[0][0]
    assert published_by == query(db, "select build_id from builds order by started_at")[1][0]   # the import's
    # --raw replaces the default folders, never the imports of the published database.
    assert main(["build", "--quiet", "--raw", str(config.DEFAULT_RAW_DIRS[0])]) == 0
    assert query(db, MEDIANS) == [(2019, 17000.0)] and len(query(db, "select * from builds")) == 4
    # Another database built with --raw only reads what it is given.
    other = site / "autre.duckdb"
    assert main(["build", "--quiet", "--raw", str(config.DEFAULT_RAW_DIRS[0]), "--db", str(other)]) == 0
    assert query(other, MEDIANS) == [] and query(other, BATCHES) == []
    # Without --raw, another database reads the default folders and the published batches.
    assert main(["build", "--quiet", "--db", str(other)]) == 0
    assert query(other, MEDIANS) == [(2019, 17000.0)]
    assert query(other, BATCHES) == [(first.batch_id, "published", "QPV2024_FILOSOFI_2019.csv", 1, "analyste")]
    assert _states() == {first.batch_id: "published"}


def test_a_missing_default_folder_is_skipped_with_a_message(site: Path, monkeypatch, capsys) -> None:
    """A fresh clone has no data/raw/demo until `python -m etl demo`: the build still works."""
    demo = site / "raw" / "demo"
    monkeypatch.setattr(config, "DEMO_RAW_DIR", demo)
    monkeypatch.setattr(config, "DEFAULT_RAW_DIRS", (demo,) + tuple(config.DEFAULT_RAW_DIRS))
    assert main(["build", "--quiet"]) == 0
    assert capsys.readouterr().err == (f"Dossier par défaut absent, ignoré : {demo} (python -m etl demo l'écrit)\n")
    assert query(site / "qpv.duckdb", "select count(*) from territories where territory_level = 'qpv'") == [(3,)]


def test_make_db_rebuilds_when_a_batch_changes(tmp_path: Path) -> None:
    """`make db` considers the imported batches an input (pending ones excepted)."""
    uploads = tmp_path / "uploads"
    (uploads / ".en_attente" / "20260302-091500-000001").mkdir(parents=True)
    (uploads / "20260302-091500-000002").mkdir(parents=True)
    batch_file = uploads / "20260302-091500-000002" / "a.csv"
    pending_file = uploads / ".en_attente" / "20260302-091500-000001" / "b.csv"
    batch_file.write_text("x")
    pending_file.write_text("x")
    db = tmp_path / "qpv.duckdb"
    db.write_text("")
    stamp = tmp_path / "stamp"
    stamp.write_text("")
    old, future = time.time() - 3600, time.time() + 3600
    for p in (uploads, *uploads.rglob("*")):
        os.utime(p, (old, old))
    os.utime(stamp, (future - 120, future - 120))   # the venv is installed
    os.utime(db, (future - 60, future - 60))        # newer than etl/, indicators/, territories

    def up_to_date() -> bool:
        done = subprocess.run(["make", "-q", str(db), f"DB={db}", f"UPLOADS={uploads}", f"STAMP={stamp}"],
                              cwd=ROOT, capture_output=True, text=True)
        assert done.returncode in (0, 1), done.stderr
        return done.returncode == 0

    assert up_to_date()
    os.utime(pending_file, (future, future))        # a pending batch is not read by the build
    journal = uploads / ".journal" / "20260302-091500-000002.json"
    journal.parent.mkdir()
    journal.write_text("{}")                         # written after the database it describes
    os.utime(journal, (future, future))
    os.utime(journal.parent, (future, future))
    assert up_to_date()
    os.utime(batch_file, (future, future))
    assert not up_to_date()


# ── Withdrawing ─────────────────────────────────────────────────────────────────────────────
def test_withdraw_rebuilds_without_the_batch_and_keeps_its_files(site: Path) -> None:
    db = site / "qpv.duckdb"
    first = _publish(2019, 17000, 1)
    second = _publish(2020, 17500, 2)
    assert query(db, MEDIANS) == [(2019, 17000.0), (2020, 17500.0)]
    report = importer.withdraw_batch(first.batch_id, current_year=CURRENT_YEAR)
    assert report.outcome == "published"
    assert query(db, MEDIANS) == [(2020, 17500.0)]
    assert query(db, BATCHES) == [(first.batch_id, "withdrawn", "QPV2024_FILOSOFI_2019.csv", 1, None),
                                  (second.batch_id, "published", "QPV2024_FILOSOFI_2020.csv", 1, None)]
    assert (site / "uploads" / first.batch_id / "QPV2024_FILOSOFI_2019.csv").read_bytes() == insee(2019, 17000)[1]
    assert importer.published_batches() == [site / "uploads" / second.batch_id]
    # A later import, and a plain build, never read it again.
    third = _publish(2021, 18000, 3)
    assert main(["build", "--quiet"]) == 0
    assert query(db, MEDIANS) == [(2020, 17500.0), (2021, 18000.0)]
    assert _states() == {first.batch_id: "withdrawn", second.batch_id: "published", third.batch_id: "published"}
    with pytest.raises(UploadRejected) as info:
        importer.withdraw_batch(first.batch_id)
    assert str(info.value) == f"{first.batch_id} : lot déjà retiré (attendu : un lot publié ou en attente)"
    with pytest.raises(UploadRejected) as info:
        importer.withdraw_batch("20990101-000000-000000")
    assert str(info.value) == ("20990101-000000-000000 : lot inconnu"
                               " (attendu : un lot de la liste (python -m etl import --list))")


def test_withdrawing_a_pending_batch_builds_nothing(site: Path) -> None:
    db = site / "qpv.duckdb"
    before = sha256(db)
    batch = importer.store_uploads([insee(2019, 17000)], now=NOW)
    assert importer.withdraw_batch(batch.batch_id) is None
    assert sha256(db) == before and _states() == {batch.batch_id: "withdrawn"}
    assert main(["build", "--quiet"]) == 0 and query(db, MEDIANS) == []


def test_history_table(site: Path) -> None:
    first = _publish(2019, 17000, 1, author="analyste")
    refused = importer.store_uploads([("faux.csv", b"a;b\n1;2\n")], now=NOW.replace(second=2))
    assert not importer.validate_pending(refused.folder, current_year=CURRENT_YEAR).ok
    importer.withdraw_batch(first.batch_id, current_year=CURRENT_YEAR, author="Alice Martin (alice@ville.example)")
    table = importer.history_table(importer.list_batches())
    published_at = datetime.fromisoformat(json.loads(
        (site / "uploads" / ".journal" / f"{first.batch_id}.json").read_text())["published_at"])
    withdrawn_at = table.iloc[1]["Retiré le"]
    assert withdrawn_at
    assert table.astype(object).where(table.notna(), None).values.tolist() == [
        [refused.batch_id, "refusé", "02/03/2026 09:15", "", "", "inconnu", "", "faux.csv", 0, ""],
        [first.batch_id, "retiré", "02/03/2026 09:15", published_at.strftime("%d/%m/%Y %H:%M"), withdrawn_at,
         "analyste", "Alice Martin (alice@ville.example)", "QPV2024_FILOSOFI_2019.csv", 1, ""]]
    # Who withdrew it: in the journal and in the database, kept by every later build.
    assert _entry(site, first.batch_id)["withdrawn_by"] == "Alice Martin (alice@ville.example)"
    assert main(["build", "--quiet"]) == 0
    assert query(site / "qpv.duckdb", "select batch_id, state, author, withdrawn_by from import_batches") == [
        (first.batch_id, "withdrawn", "analyste", "Alice Martin (alice@ville.example)")]


# ── Reconciliation: the journal against the published database ─────────────────────────────
def _entry(site: Path, batch_id: str) -> dict:
    return json.loads((site / "uploads" / ".journal" / f"{batch_id}.json").read_text(encoding="utf-8"))


def _set_state(site: Path, batch_id: str, state: str) -> None:
    entry = _entry(site, batch_id)
    entry["state"] = state
    importer._write_entry(site / "uploads", entry)


def test_reconcile_settles_every_half_state_against_the_database(site: Path) -> None:
    """What a kill at each step of a publication or a withdrawal leaves, settled."""
    db = site / "qpv.duckdb"
    kept = _publish(2019, 17000, 1)
    # Killed after the intent, before the folder moved or the database changed.
    early = importer.store_uploads([insee(2020, 17500)], now=NOW.replace(second=2))
    _set_state(site, early.batch_id, "publishing")
    # Killed during the build (the folder already beside the published ones).
    during = importer.store_uploads([insee(2021, 18000)], now=NOW.replace(second=3))
    _set_state(site, during.batch_id, "publishing")
    os.replace(during.folder, site / "uploads" / during.batch_id)
    # Killed after the database was published, before the journal said so.
    late = importer.store_uploads([insee(2022, 18500)], now=NOW.replace(second=4))
    _set_state(site, late.batch_id, "publishing")
    os.replace(late.folder, site / "uploads" / late.batch_id)
    entries = importer._read_entries(site / "uploads")
    from etl.build import build
    build([*config.DEFAULT_RAW_DIRS, site / "uploads" / kept.batch_id, site / "uploads" / late.batch_id], db,
          progress=None, current_year=CURRENT_YEAR, import_batches=importer._records(
              {k: v for k, v in entries.items() if k in (kept.batch_id, late.batch_id)}))
    assert query(db, MEDIANS) == [(2019, 17000.0), (2022, 18500.0)]

    assert _states() == {kept.batch_id: "published", early.batch_id: "pending",
                         during.batch_id: "pending", late.batch_id: "published"}
    assert sorted(p.name for p in (site / "uploads" / ".en_attente").iterdir()) == [early.batch_id, during.batch_id]
    assert importer.published_batches() == [site / "uploads" / kept.batch_id, site / "uploads" / late.batch_id]
    late_entry = _entry(site, late.batch_id)
    assert (late_entry["n_rows"], late_entry["build_id"]) == (
        1, query(db, "select build_id from builds order by started_at desc limit 1")[0][0])
    # An unrelated import later never sweeps the pending ones in.
    _publish(2023, 19000, 5)
    assert query(db, MEDIANS) == [(2019, 17000.0), (2022, 18500.0), (2023, 19000.0)]
    # A withdrawal killed before its build ends published; killed after it, withdrawn.
    _set_state(site, kept.batch_id, "withdrawing")
    assert _states()[kept.batch_id] == "published"
    _set_state(site, kept.batch_id, "withdrawing")
    importer._build_with(importer._read_entries(site / "uploads"), db, site / "uploads", None, CURRENT_YEAR, None)
    assert _states()[kept.batch_id] == "withdrawn" and (2019, 17000.0) not in query(db, MEDIANS)
    # A published batch the database does not hold (rebuilt by other means) is pending again.
    build(list(config.DEFAULT_RAW_DIRS), db, progress=None, current_year=CURRENT_YEAR)
    assert set(_states().values()) == {"pending", "withdrawn"}
    assert importer.published_batches() == []


def test_a_batch_published_before_the_journal_is_published(site: Path) -> None:
    """A batch folder from before issue 9 (no journal entry) in a database without the table."""
    db = site / "qpv.duckdb"
    legacy = site / "uploads" / "20250101-120000-000000"
    legacy.mkdir(parents=True)
    name, data = insee(2018, 16500)
    (legacy / name).write_bytes(data)
    from etl.build import build
    build([*config.DEFAULT_RAW_DIRS, legacy], db, progress=None, current_year=CURRENT_YEAR)
    import duckdb
    con = duckdb.connect(str(db))
    con.execute("drop table import_batches")         # the schema before issue 9
    con.close()
    assert _states() == {legacy.name: "published"}
    assert _entry(site, legacy.name)["state"] == "published"
    assert main(["build", "--quiet"]) == 0
    assert query(db, MEDIANS) == [(2018, 16500.0)]
    assert query(db, BATCHES) == [(legacy.name, "published", name, 1, None)]


# ── SIGKILL at random moments of a publication ─────────────────────────────────────────────
N_KILLS = 16
KILL_SEED = 9_2026
IMPORT_EVERY = 4         # an unrelated import (in-process) after every 4th kill

_BOOT = """
import sys
from pathlib import Path
import config
data = Path(sys.argv[1])
config.DATA_DIR, config.UPLOAD_DIR, config.DB_PATH = data, data / "uploads", data / "qpv.duckdb"
config.DEFAULT_RAW_DIRS = (Path(sys.argv[2]),)
from etl.__main__ import main
sys.exit(main(sys.argv[3:]))
"""


def _spawn_import(site: Path, file: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _BOOT, str(site), str(config.DEFAULT_RAW_DIRS[0]),
                             "import", str(file), "--yes"], cwd=ROOT, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _check_consistent(site: Path, years: dict[str, int]) -> dict[str, str]:
    """After reconciliation: no half state; the journal's published batches are exactly the ones
    the published database lists, whose figures it holds; folders are where the state says."""
    states = _states()
    assert set(states.values()) <= {"pending", "published"}, states
    db = site / "qpv.duckdb"
    published = sorted(b for b, s in states.items() if s == "published")
    assert [r[0] for r in query(db, "select batch_id from import_batches where state = 'published'"
                                    " order by 1")] == published
    assert query(db, MEDIANS) == sorted((years[b], 10000.0 + years[b]) for b in published)
    for batch_id, state in states.items():
        where = site / "uploads" / batch_id if state == "published" else site / "uploads" / ".en_attente" / batch_id
        assert where.is_dir(), (batch_id, state)
    return states


def test_sigkill_during_a_publication_never_leaves_the_journal_and_the_database_apart(
        site: Path, tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()

    def new_file(year: int) -> Path:
        name, data = insee(year, 10000 + year)
        (files / name).write_bytes(data)
        return files / name

    years: dict[str, int] = {}

    def note_new_batches(year: int) -> None:
        for batch_id in importer._read_entries(site / "uploads"):
            years.setdefault(batch_id, year)

    # The duration of a whole import in a subprocess (start-up included): kills are drawn in it.
    t0 = time.monotonic()
    proc = _spawn_import(site, new_file(2000))
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    duration = time.monotonic() - t0
    note_new_batches(2000)
    _check_consistent(site, years)

    rng = random.Random(KILL_SEED)
    outcomes: Counter[str] = Counter()
    for i in range(1, N_KILLS + 1):
        year = 2000 + i
        proc = _spawn_import(site, new_file(year))
        time.sleep(rng.uniform(0.0, duration))
        proc.send_signal(signal.SIGKILL)              # no-op if it has already finished
        proc.wait(timeout=60)
        note_new_batches(year)
        states = _check_consistent(site, years)
        batch = next((b for b, y in years.items() if y == year), None)
        outcomes["not stored" if batch is None else states[batch]] += 1
        if i % IMPORT_EVERY == 0:                     # an unrelated import publishes only itself
            before = {b for b, s in states.items() if s == "published"}
            unrelated_year = 2000 + N_KILLS + i // IMPORT_EVERY
            unrelated = _publish(unrelated_year, 10000 + unrelated_year, i)
            years[unrelated.batch_id] = unrelated_year
            after = _check_consistent(site, years)
            assert {b for b, s in after.items() if s == "published"} == before | {unrelated.batch_id}
    assert sum(outcomes.values()) == N_KILLS
    assert outcomes["pending"] + outcomes["not stored"] >= 1, outcomes
    print(dict(outcomes))


# ── Personal data never rests on disk ───────────────────────────────────────────────────────
PERSONAL = ["Dupont", "Jeanne", "12/03/1980", "0612345678", "jeanne.dupont@example.org",
            "3 rue des Lilas", "280037512345678"]
BENEFICIARIES = [["contract", "action_id", "year", "Nom", "Prénom", "territory_code", "Date de naissance",
                  "sex", "Téléphone", "E-mail", "Adresse", "NIR", "age_band"],
                 ["chambery", "ACT-1", "2024", "Dupont", "Jeanne", "QN07301M", "12/03/1980", "femme",
                  "0612345678", "jeanne.dupont@example.org", "3 rue des Lilas", "280037512345678", "26-64"],
                 ["chambery", "ACT-1", "2024", "", "", "QN07302M", "", "homme", "", "", "", "", "16-25"]]
REMOVED = ["Nom", "Prénom", "Date de naissance", "Téléphone", "E-mail", "Adresse", "NIR"]


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "beneficiaries"
    ws.append(["Personnes touchées (titre)"])
    for row in rows:
        ws.append(row)
    notice = wb.create_sheet("Notice")
    notice.append(["Remplir une ligne par personne"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _every_byte_on_disk(folder: Path) -> bytes:
    """The files under `folder`, a zip (workbook) expanded member by member."""
    out = b""
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            out += data
            if data[:2] == b"PK":
                with zipfile.ZipFile(p) as zf:
                    out += b"".join(zf.read(n) for n in zf.namelist())
    return out


def test_personal_columns_are_removed_before_the_files_are_stored(site: Path) -> None:
    latin1 = csv_text(BENEFICIARIES).encode("cp1252")
    batch = importer.store_uploads([("personnes.csv", latin1), ("personnes.xlsx", _xlsx(BENEFICIARIES))], now=NOW)
    assert [(f.stored_name, f.removed_columns) for f in batch.files] == [
        ("personnes.csv", REMOVED), ("personnes.xlsx", REMOVED)]
    assert batch.removed_text() == (
        "personnes.csv : colonnes de données personnelles retirées avant l'enregistrement : "
        "Nom, Prénom, Date de naissance, Téléphone, E-mail, Adresse, NIR\n"
        "personnes.xlsx : colonnes de données personnelles retirées avant l'enregistrement : "
        "Nom, Prénom, Date de naissance, Téléphone, E-mail, Adresse, NIR")
    on_disk = _every_byte_on_disk(site)
    for value in PERSONAL:
        for encoding in ("utf-8", "cp1252", "utf-16-le"):
            assert value.encode(encoding) not in on_disk, value
    assert (batch.folder / "personnes.csv").read_text(encoding="utf-8") == (
        "contract;action_id;year;territory_code;sex;age_band\n"
        "chambery;ACT-1;2024;QN07301M;femme;26-64\n"
        "chambery;ACT-1;2024;QN07302M;homme;16-25\n")
    wb = openpyxl.load_workbook(batch.folder / "personnes.xlsx")
    assert [list(r) for r in wb["beneficiaries"].iter_rows(values_only=True)] == [
        ["Personnes touchées (titre)", None, None, None, None, None],
        ["contract", "action_id", "year", "territory_code", "sex", "age_band"],
        ["chambery", "ACT-1", "2024", "QN07301M", "femme", "26-64"],
        ["chambery", "ACT-1", "2024", "QN07302M", "homme", "16-25"]]
    assert [list(r) for r in wb["Notice"].iter_rows(values_only=True)] == [["Remplir une ligne par personne"]]
    assert _entry(site, batch.batch_id)["files"][0]["removed_columns"] == REMOVED


def test_files_without_personal_columns_are_stored_byte_for_byte(site: Path) -> None:
    """Only a table of people loses columns: an INSEE file's LIBGEO or a template table's own
    columns stay, and the bytes are the uploaded ones."""
    other = csv_text([["contract", "contract_name"], ["chambery", "Contrat de ville"]]).encode("cp1252")
    batch = importer.store_uploads([insee(2019, 17000), ("contrat.csv", other)], now=NOW)
    assert [f.removed_columns for f in batch.files] == [[], []]
    assert (batch.folder / "contrat.csv").read_bytes() == other
    assert (batch.folder / "QPV2024_FILOSOFI_2019.csv").read_bytes() == insee(2019, 17000)[1]


# ── The command line ────────────────────────────────────────────────────────────────────────
def test_cli_import_list_withdraw(site: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    db = site / "qpv.duckdb"
    name, data = insee(2019, 17000)
    (tmp_path / name).write_bytes(data)
    monkeypatch.setattr("sys.stdin", io.StringIO(""))                 # no terminal: never published
    assert main(["import", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out.splitlines()
    batch_id = out[0].split()[1]
    assert out[0] == f"Lot {batch_id} enregistré (1 fichiers)."
    assert out[1].split() == ["chargé", "insee_qpv_stats", "1", f"{batch_id}/{name}"]
    assert out[2].startswith("validation réussie (rien n'est publié) : 5 fichiers")
    assert out[3] == (f"Lot {batch_id} en attente, non publié"
                      f" (python -m etl import --publish {batch_id} pour le publier).")
    assert query(db, MEDIANS) == [] and _states() == {batch_id: "pending"}

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True
    monkeypatch.setattr("sys.stdin", Terminal("n\n"))                 # asked, refused
    assert main(["import", str(tmp_path / name)]) == 0
    out = capsys.readouterr().out
    assert "Publier ? [o/N] " in out and query(db, MEDIANS) == []
    second = out.splitlines()[0].split()[1]
    assert main(["import", "--withdraw", second]) == 0
    assert capsys.readouterr().out == f"Lot {second} retiré (il n'était pas publié : rien à reconstruire)\n"

    assert main(["import", "--publish", batch_id]) == 0
    assert capsys.readouterr().out.startswith(f"Lot {batch_id} publié : base publiée : 5 fichiers")
    assert query(db, MEDIANS) == [(2019, 17000.0)]
    assert main(["import", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[:2] for line in lines] == [[second, "retiré"], [batch_id, "publié"]]
    assert lines[1].endswith(f"1 lignes  {name}")
    assert main(["import", "--withdraw", batch_id]) == 0
    assert capsys.readouterr().out.startswith(f"Lot {batch_id} retiré : base publiée : 4 fichiers")
    assert query(db, MEDIANS) == []
    user = getpass.getuser()                                          # who withdrew, as for who imported
    assert query(db, "select batch_id, state, author, withdrawn_by from import_batches order by 1") == [
        (batch_id, "withdrawn", user, user), (second, "withdrawn", user, user)]

    (tmp_path / "faux.csv").write_bytes(b"a;b\n1;2\n")                # refused: exit 1, state failed
    assert main(["import", str(tmp_path / "faux.csv"), "--yes"]) == 1
    captured = capsys.readouterr()
    refused = captured.out.splitlines()[0].split()[1]
    assert captured.err.splitlines()[-1] == f"Lot {refused} refusé : corrigez les erreurs puis importez à nouveau."
    assert _states()[refused] == "failed"


# ── The page ────────────────────────────────────────────────────────────────────────────────
def test_page_shows_the_history_and_withdraws_a_batch(site: Path) -> None:
    db = site / "qpv.duckdb"
    first = _publish(2019, 17000, 1, author="analyste")
    second = _publish(2020, 17500, 2)
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90).run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "État" in d.value.columns)
    assert history[["Lot", "État", "Auteur", "Fichiers", "Lignes"]].values.tolist() == [
        [second.batch_id, "publié", "inconnu", "QPV2024_FILOSOFI_2020.csv", 1],
        [first.batch_id, "publié", "analyste", "QPV2024_FILOSOFI_2019.csv", 1]]
    assert at.selectbox(key="import_withdraw_choice").options == [
        f"{second.batch_id} (publié, QPV2024_FILOSOFI_2020.csv)", f"{first.batch_id} (publié, QPV2024_FILOSOFI_2019.csv)"]
    at.selectbox(key="import_withdraw_choice").set_value(first.batch_id).run()
    at.button(key="import_withdraw").click().run()
    assert not at.exception
    assert [plain_spaces(s.value) for s in at.success] == [
        "Base reconstruite et publiée : les pages affichent désormais les nouveaux chiffres."]
    assert query(db, MEDIANS) == [(2020, 17500.0)]
    history = next(d.value for d in at.dataframe if "État" in d.value.columns)
    assert history[["Lot", "État"]].values.tolist() == [[second.batch_id, "publié"], [first.batch_id, "retiré"]]
    assert at.selectbox(key="import_withdraw_choice").options == [
        f"{second.batch_id} (publié, QPV2024_FILOSOFI_2020.csv)"]
    assert history[["Lot", "Auteur", "Retiré par"]].values.tolist() == [
        [second.batch_id, "inconnu", ""], [first.batch_id, "analyste", "poste local"]]
    assert query(db, "select batch_id, withdrawn_by from import_batches order by 1") == [
        (first.batch_id, "poste local"), (second.batch_id, None)]
    assert _entry(site, first.batch_id)["withdrawn_by"] == "poste local"


def test_page_publishes_a_pending_batch_from_the_history(site: Path) -> None:
    """A batch left pending (python -m etl import without --yes, or a page closed after the
    check) is published from the history by an editor, who becomes its author."""
    db = site / "qpv.duckdb"
    published = _publish(2019, 17000, 1)
    pending = importer.store_uploads([insee(2020, 17500)], now=NOW.replace(second=2), author="analyste")
    refused = importer.store_uploads([("faux.csv", b"a;b\n1;2\n")], now=NOW.replace(second=3))
    assert not importer.validate_pending(refused.folder, current_year=CURRENT_YEAR).ok
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90).run()
    assert not at.exception
    assert at.selectbox(key="import_publish_choice").options == [
        f"{pending.batch_id} (en attente, QPV2024_FILOSOFI_2020.csv)"]
    at.button(key="import_publish").click().run()
    assert not at.exception
    assert [plain_spaces(s.value) for s in at.success] == [
        "Base reconstruite et publiée : les pages affichent désormais les nouveaux chiffres."]
    assert query(db, MEDIANS) == [(2019, 17000.0), (2020, 17500.0)]
    assert query(db, BATCHES) == [
        (published.batch_id, "published", "QPV2024_FILOSOFI_2019.csv", 1, None),
        (pending.batch_id, "published", "QPV2024_FILOSOFI_2020.csv", 1, "poste local")]
    assert _states() == {published.batch_id: "published", pending.batch_id: "published",
                         refused.batch_id: "failed"}
    history = next(d.value for d in at.dataframe if "État" in d.value.columns)
    assert history[["Lot", "État", "Auteur"]].values.tolist() == [
        [refused.batch_id, "refusé", "inconnu"], [pending.batch_id, "publié", "poste local"],
        [published.batch_id, "publié", "inconnu"]]
    assert [s.key for s in at.selectbox] == ["import_withdraw_choice"]     # nothing pending any more
    assert at.selectbox(key="import_withdraw_choice").options == [
        f"{refused.batch_id} (refusé, faux.csv)", f"{pending.batch_id} (publié, QPV2024_FILOSOFI_2020.csv)",
        f"{published.batch_id} (publié, QPV2024_FILOSOFI_2019.csv)"]


def test_page_publishing_a_pending_batch_that_fails_changes_nothing(site: Path) -> None:
    db = site / "qpv.duckdb"
    before = sha256(db)
    batch = importer.store_uploads([("QPV2024_FILOSOFI_2019.csv", b"CODGEO;MED19\nQN07301M;dix-sept mille\n")],
                                   now=NOW)
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90).run()
    at.button(key="import_publish").click().run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == ["Le lot n'a pas été publié ; la base publiée n'a pas été modifiée."]
    assert [plain_spaces(t.value) for t in at.text] == [
        f"{batch.batch_id}/QPV2024_FILOSOFI_2019.csv, ligne 2, colonne « MED19 » : valeur « dix-sept mille »"
        " illisible (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))"]
    assert sha256(db) == before and _states() == {batch.batch_id: "pending"}


def test_page_after_a_killed_publication_shows_the_batch_as_it_is(site: Path) -> None:
    """A batch left `publishing` by a killed server is shown pending, as the database holds it."""
    batch = importer.store_uploads([insee(2019, 17000)], now=NOW)
    _set_state(site, batch.batch_id, "publishing")
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90).run()
    assert not at.exception
    history = next(d.value for d in at.dataframe if "État" in d.value.columns)
    assert history[["Lot", "État"]].values.tolist() == [[batch.batch_id, "en attente"]]
    assert _entry(site, batch.batch_id)["state"] == "pending"


def test_page_report_says_which_personal_columns_were_removed(site: Path) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90).run()
    at.file_uploader[0].set_value([("personnes.csv", csv_text(BENEFICIARIES).encode(), "text/csv")])
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert [plain_spaces(i.value) for i in at.info] == [
        "Données personnelles retirées avant l'enregistrement (jamais écrites sur le disque) :"]
    assert ("personnes.csv : colonnes de données personnelles retirées avant l'enregistrement : "
            "Nom, Prénom, Date de naissance, Téléphone, E-mail, Adresse, NIR") in [plain_spaces(t.value) for t in at.text]
    for value in PERSONAL:
        assert value.encode() not in _every_byte_on_disk(site / "uploads")


def test_a_cleaned_zip_is_what_the_build_reads(site: Path) -> None:
    """A zip with an INSEE file and the programme's people (with their names and phones): stored
    without the personal columns, validated and published from that copy; nothing personal in the
    database, and the build has nothing left to drop."""
    db = site / "qpv.duckdb"
    contract = csv_text([["contract", "contract_name"], ["chambery", "Grand Chambéry"]]).encode()
    actions = csv_text([["contract", "action_id", "year", "title"],
                        ["chambery", "ACT-1", "2024", "Médiation"]]).encode()
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(*insee(2019, 17000))
        zf.writestr("programme/contrat.csv", contract)
        zf.writestr("programme/actions.csv", actions)
        people = [[{"26-64": "30_59", "16-25": "16_29"}.get(v, v) for v in row] for row in BENEFICIARIES]
        zf.writestr("programme/personnes.csv", csv_text(people).encode("cp1252"))
    batch = importer.store_uploads([("programme.zip", archive.getvalue())], now=NOW)
    assert batch.removed_text() == ("programme.zip!programme/personnes.csv : colonnes de données personnelles"
                                    " retirées avant l'enregistrement : " + ", ".join(REMOVED))
    report = importer.validate_pending(batch.folder, current_year=CURRENT_YEAR)
    assert report.ok and [str(w) for w in report.warnings] == []
    importer.publish_pending(batch.folder, current_year=CURRENT_YEAR)
    assert query(db, MEDIANS) == [(2019, 17000.0)]
    assert query(db, "select * exclude (source_id) from programme_beneficiaries order by territory_code") == [
        ("chambery", "ACT-1", 2024, "QN07301M", "femme", "30_59", "qpv"),
        ("chambery", "ACT-1", 2024, "QN07302M", "homme", "16_29", "qpv")]
    on_disk = _every_byte_on_disk(site)
    for value in PERSONAL:
        assert value.encode() not in on_disk and value.encode("cp1252") not in on_disk, value
