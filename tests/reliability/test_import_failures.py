"""The import page in every failed state still offers to discard the pending files, and names
too long in bytes are shortened safely (etl/importer.py, pages/importer.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl import importer
from etl.core import EtlError
from etl.importer import safe_name
from indicators.fmt import plain_spaces
from tests.reliability.test_importer import BAD, GOOD, _page, _texts, site  # noqa: F401 - fixture

DISCARD = "Abandonner et retirer ces fichiers"


@pytest.mark.parametrize("original, stored", [
    ("é" * 100 + ".csv", "é" * 98 + ".csv"),                    # 204 bytes → 200
    ("🏘️" * 100 + ".csv", "🏘️" * 28 + ".csv"),                  # 7 bytes each, never cut in a character
    ("a" * 60 + "€" * 60 + ".zip", "a" * 60 + "€" * 45 + ".zip"),   # 116 characters, then 196 bytes
    ("x" * 195 + "é.csv", "x" * 116 + ".csv"),
])
def test_names_too_long_in_bytes_are_shortened_by_bytes(original: str, stored: str) -> None:
    assert safe_name(original) == stored
    assert len(stored.encode()) <= importer.MAX_NAME_BYTES


def _pending(site: Path) -> list[Path]:
    folder = site / "uploads" / ".en_attente"
    return sorted(folder.iterdir()) if folder.exists() else []


def _upload_and_check(name: str, content: bytes):
    at = _page()
    at.file_uploader[0].set_value([(name, content, "text/csv")])
    at.run()
    return at.button(key="import_check").click().run()


def test_an_upload_with_a_name_of_700_bytes_is_stored_and_checked(site: Path) -> None:
    at = _upload_and_check("🏘️" * 100 + ".csv", GOOD)
    assert not at.exception
    assert "Tous les fichiers sont lisibles et les contrôles sont passés." in _texts(at)
    assert [p.name for p in _pending(site)[0].iterdir()] == ["🏘️" * 28 + ".csv"]
    assert [b.key for b in at.button] == ["import_rebuild", "import_discard"]


@pytest.mark.parametrize("failure, shown", [
    (EtlError("lot.csv", "fichier illisible", line=3, column="TP60", expected="un nombre"),
     "lot.csv, ligne 3, colonne « TP60 » : fichier illisible (attendu : un nombre)"),
    (OSError(28, "No space left on device", "/data/qpv.duckdb.tmp"),
     "/data/qpv.duckdb.tmp : écriture ou lecture impossible (disque plein)"),
    (RuntimeError("boom"),
     "erreur inattendue (RuntimeError) : signalez-la avec les fichiers importés ; la base publiée "
     "n'a pas été modifiée"),
])
def test_a_check_that_fails_still_offers_to_discard(site: Path, monkeypatch, failure, shown) -> None:
    def fail(*args, **kwargs):
        raise failure
    monkeypatch.setattr(importer, "validate_pending", fail)
    at = _upload_and_check("ok.csv", GOOD)
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == ["La vérification n'a pas pu aller à son terme ; rien n'a été publié."]
    assert plain_spaces(at.text[-1].value) == shown
    assert [(b.key, b.label) for b in at.button] == [("import_discard", DISCARD)]
    assert len(_pending(site)) == 1
    at.button(key="import_discard").click().run()
    assert not at.exception and at.file_uploader and _pending(site) == []


@pytest.mark.parametrize("failure, shown", [
    (EtlError("lot.csv", "clé en double", line=2), "lot.csv, ligne 2 : clé en double"),
    (RuntimeError("boom"),
     "erreur inattendue (RuntimeError) : signalez-la avec les fichiers importés ; la base publiée "
     "n'a pas été modifiée"),
])
def test_a_rebuild_that_fails_still_offers_to_discard(site: Path, monkeypatch, failure, shown) -> None:
    at = _upload_and_check("ok.csv", GOOD)
    def fail(*args, **kwargs):
        raise failure
    monkeypatch.setattr(importer, "publish_pending", fail)
    at.button(key="import_rebuild").click().run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == ["La construction a échoué ; la base publiée n'a pas été modifiée."]
    assert plain_spaces(at.text[-1].value) == shown
    assert [b.key for b in at.button] == ["import_rebuild", "import_discard"]
    at.button(key="import_discard").click().run()
    assert not at.exception and at.file_uploader and _pending(site) == []


def test_a_report_with_errors_offers_only_to_discard(site: Path) -> None:
    at = _upload_and_check("mauvais.csv", BAD)
    assert not at.exception
    assert [b.key for b in at.button] == ["import_discard"]
    at.button(key="import_discard").click().run()
    assert not at.exception and _pending(site) == []


def test_discarding_a_batch_already_removed_does_not_fail(site: Path) -> None:
    at = _upload_and_check("mauvais.csv", BAD)
    for folder in _pending(site):
        importer.discard_pending(folder)
    at.button(key="import_discard").click().run()
    assert not at.exception and at.file_uploader
