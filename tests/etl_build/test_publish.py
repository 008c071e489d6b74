"""Atomic publication: a failed build leaves the published database byte-for-byte as it was."""
from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from etl.build import BuildFailed, build, validate
from etl.core import EtlError
from tests.etl_build.conftest import CURRENT_YEAR, PROGRAMME_ONLY, query, sha256, write_csv


def _build(raw, db, **kw):
    return build(raw if isinstance(raw, list) else [raw], db, loader_modules=kw.pop("modules", PROGRAMME_ONLY),
                 progress=None, current_year=CURRENT_YEAR, **kw)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".tmp-" in p.name)


@pytest.mark.parametrize("breakage, expected_error", [
    ("bad_number",
     "raw/utf8/financements.csv, ligne 5, colonne « amount_eur » : nombre non reconnu « mille euros »"
     " (attendu : un nombre (ex. 1 075 ou 12,5))"),
    ("unrecognised",
     "raw/notes.json : format de fichier non reconnu (attendu : un des formats acceptés : modèle de saisie"
     " du programme (CSV ou classeur XLSX dont l'en-tête contient les colonnes obligatoires d'une table :"
     " voir python -m etl template-doc))"),
    ("failed_check",
     "raw/latin1/valeurs publiees.csv, ligne 9, colonne « value » : pourcentage hors de 0 à 100 (112,5)"
     " (attendu : un pourcentage entre 0 et 100)"),
    ("loader_bug",
     "raw/latin1/contrat.csv : erreur inattendue du chargeur broken (ZeroDivisionError : division by zero)"),
])
def test_failed_build_leaves_published_db_identical(programme_dir: Path, tmp_path: Path,
                                                    breakage: str, expected_error: str) -> None:
    db = tmp_path / "data" / "qpv.duckdb"
    first = _build(programme_dir, db)
    before = sha256(db)
    modules = PROGRAMME_ONLY
    if breakage == "bad_number":
        with (programme_dir / "utf8/financements.csv").open("a", encoding="utf-8") as fh:
            fh.write("demo,A2,2025,ville,Ville,mille euros\n")
    elif breakage == "unrecognised":
        (programme_dir / "notes.json").write_text('{"a": 1}', encoding="utf-8")
    elif breakage == "failed_check":
        with (programme_dir / "latin1/valeurs publiees.csv").open("a", encoding="cp1252") as fh:
            fh.write("demo;QN09902M;qpv;poverty_rate_pct;2019;112,5;;;;Insee 2019;;\n")
    else:
        from etl.loaders import programme
        broken = types.ModuleType("broken")
        broken.KINDS, broken.PRIORITY = ("x",), 0
        broken.recognise = lambda c: "x" if c.path.name == "contrat.csv" else None
        broken.load = lambda ctx, c, kind: 1 / 0
        modules = [broken, programme]

    with pytest.raises(EtlError) as info:
        _build(programme_dir, db, modules=modules)
    assert str(info.value) == expected_error
    assert sha256(db) == before
    assert _leftovers(db.parent) == []
    log = [json.loads(line) for line in (db.parent / "build_log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(log) == 1
    assert (log[0]["outcome"], log[0]["error"], log[0]["db_path"]) == ("failed", expected_error, str(db.resolve()))
    assert info.value.report.outcome == "failed"
    # The published database still answers with the first build only.
    assert query(db, "select build_id, outcome from builds") == [(first.build_id, "published")]


def test_next_build_carries_over_previous_builds(programme_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    first = _build(programme_dir, db)
    second = _build(programme_dir, db)
    assert query(db, "select build_id, outcome, n_files from builds order by started_at") == [
        (first.build_id, "published", 9), (second.build_id, "published", 9)]
    assert _leftovers(tmp_path) == []


def test_stale_temporary_of_a_killed_build_is_removed(programme_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    stale = tmp_path / "qpv.duckdb.tmp-999999"
    stale.write_bytes(b"half-written")
    (tmp_path / "qpv.duckdb.tmp-999999.wal").write_bytes(b"wal")
    _build(programme_dir, db)
    assert _leftovers(tmp_path) == []


def test_concurrent_build_of_same_db_is_refused(programme_dir: Path, tmp_path: Path) -> None:
    import fcntl

    db = tmp_path / "qpv.duckdb"
    with open(tmp_path / "qpv.duckdb.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(EtlError) as info:
            _build(programme_dir, db)
    assert str(info.value) == (f"{db} : une autre construction de cette base est en cours"
                               " (attendu : attendre la fin de l'autre construction)")
    assert not db.exists()


def test_missing_raw_folder(tmp_path: Path) -> None:
    with pytest.raises(EtlError) as info:
        _build(tmp_path / "absent", tmp_path / "qpv.duckdb")
    assert str(info.value) == (f"{tmp_path / 'absent'} : dossier de données introuvable"
                               " (attendu : un dossier existant (option --raw))")


def test_validate_publishes_nothing_and_reports(programme_dir: Path, tmp_path: Path) -> None:
    ok = validate([programme_dir], loader_modules=PROGRAMME_ONLY, current_year=CURRENT_YEAR)
    assert (ok.outcome, ok.ok, ok.db_path, ok.n_files, ok.error) == ("validated", True, None, 9, None)
    write_csv(programme_dir / "bad.csv", [["contract", "kpi_id", "label", "cumulation"],
                                          ["demo", "k2", "Libellé", "toujours"]])
    bad = validate([programme_dir], loader_modules=PROGRAMME_ONLY, current_year=CURRENT_YEAR)
    assert (bad.outcome, bad.ok) == ("failed", False)
    assert [str(m) for m in bad.errors] == [
        "raw/bad.csv, ligne 2, colonne « cumulation » : valeur non reconnue « toujours »"
        " (attendu : une de : sum, latest, none)"]
    assert bad.error == str(bad.errors[0])
    assert [(f.file_name, f.outcome) for f in bad.files if f.outcome in ("error", "not_loaded")][0] == \
        ("raw/bad.csv", "error")
    assert not list(tmp_path.glob("**/*.duckdb"))


def test_identical_file_twice_is_loaded_once(programme_dir: Path, tmp_path: Path) -> None:
    copy = programme_dir / "copie"
    copy.mkdir()
    (copy / "documents.csv").write_bytes((programme_dir / "latin1/documents.csv").read_bytes())
    report = _build(programme_dir, tmp_path / "qpv.duckdb")
    assert [(f.file_name, f.outcome, f.message) for f in report.files if f.outcome == "duplicate"] == [
        ("raw/latin1/documents.csv", "duplicate", "fichier identique à raw/copie/documents.csv, ignoré")]
    assert query(tmp_path / "qpv.duckdb", "select count(*) from documents") == [(1,)]


def test_disk_full_at_publication_fails_cleanly(programme_dir: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    import etl.build

    db = tmp_path / "qpv.duckdb"
    _build(programme_dir, db)
    before = sha256(db)

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(etl.build.os, "replace", full)
    with pytest.raises(OSError) as info:
        _build(programme_dir, db)
    assert info.value.errno == errno.ENOSPC
    assert sha256(db) == before
    assert _leftovers(tmp_path) == []
    log = (tmp_path / "build_log.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(log[-1])["error"] == str(info.value) == (
        f"{tmp_path} : écriture impossible (disque plein) : la construction est arrêtée, les fichiers"
        " temporaires sont supprimés et la base publiée n'a pas été modifiée (attendu : libérer de"
        " l'espace disque puis relancer la construction)")


def test_build_failed_lists_every_error(programme_dir: Path, tmp_path: Path) -> None:
    (programme_dir / "a.json").write_text("{}", encoding="utf-8")
    (programme_dir / "b.geojson").write_text("{}", encoding="utf-8")
    with pytest.raises(BuildFailed) as info:
        _build(programme_dir, tmp_path / "qpv.duckdb")
    assert [m.file_name for m in info.value.messages] == ["raw/a.json", "raw/b.geojson"]
    assert str(info.value).count("format de fichier non reconnu") == 2


@pytest.mark.parametrize("delay_s", [0.0, 0.2])
def test_sigkill_during_build_keeps_a_complete_database(programme_dir: Path, tmp_path: Path, delay_s: float) -> None:
    """Killed while writing: the published file is the previous one or the new complete one, never a
    mix; the next build succeeds and removes what the killed one left."""
    import signal
    import subprocess
    import sys
    import time

    from tests.etl_build.conftest import ROOT

    db = tmp_path / "qpv.duckdb"
    first = _build(programme_dir, db)
    before = sha256(db)
    code = ("import sys; from etl.build import build; "
            f"build([{str(programme_dir)!r}], {str(db)!r}, loader_modules=['etl.loaders.programme'],"
            f" progress=None, current_year={CURRENT_YEAR})")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    deadline = time.monotonic() + 60
    while not _leftovers(tmp_path) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay_s)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    builds = query(db, "select build_id from builds order by started_at")
    if sha256(db) == before:
        assert builds == [(first.build_id,)]
    else:   # the kill came after the rename: the new database is complete
        assert len(builds) == 2 and builds[0] == (first.build_id,)
    third = _build(programme_dir, db)
    assert query(db, "select build_id from builds order by started_at")[-1] == (third.build_id,)
    assert _leftovers(tmp_path) == []


def _data_loader():
    """A stand-in INSEE loader that recognises data.csv only (its dictionary is a companion)."""
    m = types.ModuleType("data_loader")
    m.KINDS, m.PRIORITY = ("insee_like",), 40
    m.recognise = lambda c: "insee_like" if c.path.name == "data.csv" else None

    def load(ctx, c, kind):
        ctx.add_source(c, kind, producer="INSEE")
        return 1
    m.load = load
    return m


def test_dictionary_companion_is_not_unrecognised(tmp_path: Path) -> None:
    import zipfile

    raw = tmp_path / "raw"
    raw.mkdir()
    with zipfile.ZipFile(raw / "insee.zip", "w") as zf:
        zf.writestr("data.csv", "CODGEO;MED\n")
        zf.writestr("meta_data.csv", "COD_VAR;LIB_VAR\nMED;Médiane\n")
    report = _build(raw, tmp_path / "qpv.duckdb", modules=[_data_loader()])
    assert [(f.file_name, f.kind, f.outcome) for f in report.files] == [
        ("raw/insee.zip!meta_data.csv", "dictionary", "companion"),
        ("raw/insee.zip!data.csv", "insee_like", "loaded"),
    ]
    # Alone, a dictionary is a file nobody reads: reported.
    lone = tmp_path / "lone"
    lone.mkdir()
    (lone / "variables.csv").write_text("COD_VAR;LIB_VAR\nMED;Médiane\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as info:
        _build(lone, tmp_path / "qpv2.duckdb", modules=[_data_loader()])
    assert str(info.value) == ("lone/variables.csv : format de fichier non reconnu"
                               " (attendu : un des formats acceptés : insee_like)")


def test_cli_reports_disk_errors(programme_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                 capsys) -> None:
    import errno

    import etl.build
    from etl.__main__ import main

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(etl.build.os, "replace", full)
    db = tmp_path / "qpv.duckdb"
    assert main(["build", "--raw", str(programme_dir), "--db", str(db), "--quiet"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "Erreur :",
        f"  {tmp_path} : écriture impossible (disque plein) : la construction est arrêtée, les fichiers"
        " temporaires sont supprimés et la base publiée n'a pas été modifiée (attendu : libérer de"
        " l'espace disque puis relancer la construction)",
        f"La base publiée ({db}) n'a pas été modifiée."]
    assert not db.exists()
