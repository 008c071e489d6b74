"""The import page and its module (etl/importer.py): safe names, nothing written outside the data
folder, size and type limits, a validation report before anything changes, a confirmed rebuild
that publishes, and the page itself driven by AppTest (upload, check, rebuild, discard)."""
from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from etl import importer
from etl.importer import UploadRejected, safe_name
from indicators.fmt import plain_spaces
from tests.reliability.conftest import CURRENT_YEAR, ROOT, csv_text, query, sha256

NOW = datetime(2026, 3, 2, 9, 15, 0, 123456)
GOOD = csv_text([["CODGEO", "LIBGEO", "MED21", "TP6021"], ["QN07301M", "Biollay", "18 000", "21,5"]]).encode()
BAD = csv_text([["CODGEO", "LIBGEO", "MED21", "TP6021"], ["QN07301M", "Biollay", "18 000", "112,5"]]).encode()
FACTS = "select territory_code, indicator_id, year, value from indicator_facts where origin = 'official_file'"


@pytest.mark.parametrize("original, stored", [
    ("filosofi_2021.csv", "filosofi_2021.csv"),
    ("Données QPV 2024.CSV", "Données QPV 2024.CSV"),
    ("../../etc/passwd.csv", "passwd.csv"),
    ("/etc/cron.d/evil.csv", "evil.csv"),
    ("C:\\Users\\analyste\\Bureau\\contours.geojson", "contours.geojson"),
    ("..\\..\\evil.zip", "evil.zip"),
    ("sub/../../evil.xlsx", "evil.xlsx"),
    ("..\uff0f..\uff0fevil.csv", "evil.csv"),                 # full-width solidus (NFKC → /)
    (".cache.csv", "cache.csv"),                                # never a hidden file
    ("a\x00b\r\n.csv", "a_b__.csv"),
    ("<script>alert(1)</script>.csv", "script_.csv"),                # '/' ends a folder name
    ("<img src=x onerror=alert(1)>.csv", "_img src=x onerror=alert(1)_.csv"),
    ("x" * 300 + ".csv", "x" * 116 + ".csv"),
])
def test_safe_names(original: str, stored: str) -> None:
    assert safe_name(original) == stored


@pytest.mark.parametrize("original, message", [
    ("..", ".. : nom de fichier invalide (attendu : un nom de fichier ordinaire (ex. filosofi_2021.csv))"),
    ("../", "../ : nom de fichier invalide (attendu : un nom de fichier ordinaire (ex. filosofi_2021.csv))"),
    ("", " : nom de fichier invalide (attendu : un nom de fichier ordinaire (ex. filosofi_2021.csv))"),
    ("outil.exe", "outil.exe : type de fichier non accepté (.exe) (attendu : un fichier csv, tsv, zip, xlsx,"
                  " xlsm, json, geojson, shp, shx, dbf, prj, cpg)"),
    ("notes.txt", "notes.txt : type de fichier non accepté (.txt) (attendu : un fichier csv, tsv, zip, xlsx,"
                  " xlsm, json, geojson, shp, shx, dbf, prj, cpg)"),
    ("LISEZMOI", "LISEZMOI : type de fichier non accepté (sans extension) (attendu : un fichier csv, tsv, zip,"
                 " xlsx, xlsm, json, geojson, shp, shx, dbf, prj, cpg)"),
])
def test_refused_names(original: str, message: str) -> None:
    with pytest.raises(UploadRejected) as info:
        safe_name(original)
    assert str(info.value) == message


def _tree(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_hostile_names_write_nothing_outside_the_upload_folder(tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = _tree(tmp_path)
    batch = importer.store_uploads(
        [("../../evil.csv", b"a"), ("/tmp/evil.csv", b"b"), ("C:\\evil.csv", b"c"),
         ("..\uff0fevil.csv", b"d"), ("ok.csv", b"e")],
        upload_dir=data / "uploads", data_dir=data, now=NOW)
    assert batch.folder == data / "uploads" / ".en_attente" / "20260302-091500-123456"
    assert [(f.original_name, f.stored_name, f.size_bytes) for f in batch.files] == [
        ("../../evil.csv", "evil.csv", 1), ("/tmp/evil.csv", "evil (2).csv", 1),
        ("C:\\evil.csv", "evil (3).csv", 1), ("..\uff0fevil.csv", "evil (4).csv", 1), ("ok.csv", "ok.csv", 1)]
    added = _tree(tmp_path) - before
    assert added == {"data", "data/uploads", "data/uploads/.en_attente", "data/uploads/.en_attente/20260302-091500-123456",
                     "data/uploads/.journal", "data/uploads/.journal/20260302-091500-123456.json"} | {
        f"data/uploads/.en_attente/20260302-091500-123456/{n}"
        for n in ("evil.csv", "evil (2).csv", "evil (3).csv", "evil (4).csv", "ok.csv")}
    assert (batch.folder / "evil (3).csv").read_bytes() == b"c"


def test_an_upload_folder_outside_the_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadRejected) as info:
        importer.store_uploads([("ok.csv", b"x")], upload_dir=tmp_path / "ailleurs", data_dir=tmp_path / "data")
    assert str(info.value) == (f"{tmp_path / 'ailleurs'} : dossier d'import hors du dossier de données"
                               f" (attendu : un dossier sous {tmp_path / 'data'} (QPV_UPLOAD_DIR))")
    assert not (tmp_path / "ailleurs").exists()


@pytest.mark.parametrize("files, message", [
    ([("ok.csv", b"x"), ("gros.csv", b"x" * 2049)], "gros.csv : fichier trop volumineux (attendu : au plus 2,0 kio par fichier)"),
    ([("ok.csv", b"x"), ("script.sh", b"rm")], "script.sh : type de fichier non accepté (.sh) (attendu : un fichier csv,"
                                              " tsv, zip, xlsx, xlsm, json, geojson, shp, shx, dbf, prj, cpg)"),
])
def test_a_refused_file_leaves_nothing(tmp_path: Path, files, message: str) -> None:
    data = tmp_path / "data"
    with pytest.raises(UploadRejected) as info:
        importer.store_uploads(files, upload_dir=data / "uploads", data_dir=data, max_bytes=2048)
    assert str(info.value) == message
    assert sorted(_tree(data)) == ["uploads"]


@pytest.fixture
def site(tmp_path: Path, context_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data folder with a published database built from the context; config points at it."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "qpv.duckdb"
    from etl.build import build
    build([context_dir], db, progress=None, current_year=CURRENT_YEAR)
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setattr(config, "DEFAULT_RAW_DIRS", (context_dir, data / "absent"))
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    return data


def test_validate_then_publish_then_a_bad_batch_is_discarded(site: Path) -> None:
    db = site / "qpv.duckdb"
    before = sha256(db)
    batch = importer.store_uploads([("QPV2024_FILOSOFI_2021.csv", GOOD)], now=NOW)
    report = importer.validate_pending(batch.folder, current_year=CURRENT_YEAR)
    assert (report.outcome, report.ok, report.n_files) == ("validated", True, 5)
    assert sha256(db) == before and importer.published_batches() == []
    assert importer.files_table(report, batch).iloc[0].tolist()[:4] == [
        "20260302-091500-123456/QPV2024_FILOSOFI_2021.csv", "insee_qpv_stats", "chargé", 1]
    published = importer.publish_pending(batch.folder, current_year=CURRENT_YEAR)
    assert published.outcome == "published" and sha256(db) != before
    assert importer.published_batches() == [site / "uploads" / "20260302-091500-123456"]
    assert sorted(query(db, FACTS)) == [("QN07301M", "median_income_eur_year", 2021, 18000.0),
                                        ("QN07301M", "poverty_rate_pct", 2021, 21.5)]
    # A second batch with an error: reported with file, line and column; nothing changes.
    after = sha256(db)
    bad = importer.store_uploads([("QPV2024_FILOSOFI_2022.csv", BAD.replace(b"MED21", b"MED22")
                                   .replace(b"TP6021", b"TP6022"))], now=NOW.replace(second=1))
    report = importer.validate_pending(bad.folder, current_year=CURRENT_YEAR)
    assert not report.ok
    assert importer.messages_table(report).values.tolist() == [[
        "erreur", "20260302-091501-123456/QPV2024_FILOSOFI_2022.csv", 2, "TP6022",
        "pourcentage hors de 0–100 : poverty_rate_pct = 112,5 pour QN07301M en 2022"]]
    importer.discard_pending(bad.folder)
    assert not bad.folder.exists() and sha256(db) == after
    with pytest.raises(UploadRejected):
        importer.discard_pending(site / "uploads" / "20260302-091500-123456")   # a published batch stays


def test_a_failed_rebuild_puts_the_batch_back_and_keeps_the_database(site: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import os

    import etl.build

    db = site / "qpv.duckdb"
    before = sha256(db)
    batch = importer.store_uploads([("QPV2024_FILOSOFI_2021.csv", GOOD)], now=NOW)
    real_replace = os.replace

    def replace(src, dst):
        if str(dst) == str(db):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)
    monkeypatch.setattr(etl.build.os, "replace", replace)
    with pytest.raises(etl.build.StorageError):
        importer.publish_pending(batch.folder, current_year=CURRENT_YEAR)
    assert batch.folder.is_dir() and importer.published_batches() == [] and sha256(db) == before


# ── The page ────────────────────────────────────────────────────────────────────────────────
def _page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=90)
    return at.run()


def _df(at: AppTest, column: str):
    """The table of the page that has `column` (AppTest does not expose a dataframe's key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _texts(at: AppTest) -> str:
    return plain_spaces("\n".join(str(e.value) for kind in ("title", "markdown", "caption", "text", "error",
                                                            "success") for e in getattr(at, kind)))


def test_page_upload_check_and_rebuild(site: Path) -> None:
    db = site / "qpv.duckdb"
    before = sha256(db)
    at = _page()
    assert not at.exception
    assert at.title[0].value == "Importer des fichiers"
    assert at.file_uploader[0].accept_multiple_files
    assert at.file_uploader[0].allowed_type == [".csv", ".tsv", ".zip", ".xlsx", ".xlsm", ".json",
                                                ".geojson", ".shp", ".shx", ".dbf", ".prj", ".cpg"]
    at.file_uploader[0].set_value([("QPV2024_FILOSOFI_2021.csv", GOOD, "text/csv")])
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert "Tous les fichiers sont lisibles et les contrôles sont passés." in _texts(at)
    assert sha256(db) == before                                        # nothing published yet
    files = _df(at, "Résultat")
    assert files.iloc[0]["Résultat"] == "chargé" and files.iloc[0]["Fichier"].endswith("/QPV2024_FILOSOFI_2021.csv")
    at.button(key="import_rebuild").click().run()
    assert not at.exception
    assert "Base reconstruite et publiée" in _texts(at)
    assert sha256(db) != before and len(importer.published_batches()) == 1
    assert sorted(query(db, FACTS)) == [("QN07301M", "median_income_eur_year", 2021, 18000.0),
                                        ("QN07301M", "poverty_rate_pct", 2021, 21.5)]


def test_page_reports_errors_then_discards(site: Path) -> None:
    db = site / "qpv.duckdb"
    before = sha256(db)
    at = _page()
    hostile = "<img src=x onerror=alert(1)>.csv"
    at.file_uploader[0].set_value([(hostile, BAD, "text/csv")])
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    messages = _df(at, "Niveau")
    assert messages[["Niveau", "Ligne", "Colonne"]].values.tolist() == [["erreur", 2, "TP6021"]]
    assert messages["Fichier"].iloc[0].endswith("/_img src=x onerror=alert(1)_.csv")
    assert not at.button(key="import_discard").disabled
    assert [b.key for b in at.button] == ["import_discard"]           # no rebuild offered
    # No data value reaches Markdown or HTML: names and messages are in tables and plain text.
    assert "<img" not in "\n".join(str(m.value) for m in at.markdown)
    at.button(key="import_discard").click().run()
    assert not at.exception
    assert at.file_uploader and not list((site / "uploads" / ".en_attente").iterdir())
    assert sha256(db) == before


@pytest.mark.parametrize("files, message", [
    ([("ok.csv", GOOD, "text/csv"), ("..csv", GOOD, "text/csv")],
     "..csv : type de fichier non accepté (sans extension) (attendu : un fichier csv, tsv, zip, xlsx, xlsm,"
     " json, geojson, shp, shx, dbf, prj, cpg)"),
    ([("ok.csv", GOOD, "text/csv"), ("gros.csv", GOOD * 40, "text/csv")],
     "gros.csv : fichier trop volumineux (attendu : au plus 2,0 kio par fichier)"),
])
def test_page_refuses_what_the_server_refuses(site: Path, monkeypatch: pytest.MonkeyPatch, files, message) -> None:
    """The browser's type filter and size limit are not trusted: the server checks again."""
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 2048)
    at = _page()
    at.file_uploader[0].set_value(files)
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == ["Fichiers refusés, rien n'a été enregistré :"]
    assert plain_spaces(at.text[-1].value) == message
    pending = site / "uploads" / ".en_attente"
    assert not pending.exists() or not list(pending.iterdir())


def test_page_runs_without_a_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", data / "qpv.duckdb")
    monkeypatch.setenv("QPV_DB_PATH", str(data / "qpv.duckdb"))
    at = _page()
    assert not at.exception and at.title[0].value == "Importer des fichiers"
    shutil.rmtree(data)
