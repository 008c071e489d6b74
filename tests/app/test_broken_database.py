"""A published database file that cannot be read (first bytes overwritten, truncated, empty, random
bytes, a damaged block in the middle): every page says so in French, without a traceback, and the
import page still works, so the database can be rebuilt from the browser."""
from __future__ import annotations

import os
import random
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from etl.db import open_snapshot
from indicators.fmt import plain_spaces

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py") if p.stem != "importer")


def _damaged(data: bytes, kind: str) -> bytes:
    rnd = random.Random(9)
    noise = lambda n: bytes(rnd.getrandbits(8) for _ in range(n))   # noqa: E731
    half = len(data) // 2
    return {
        "debut_ecrase": noise(4096) + data[4096:],
        "tronque": data[:half],
        "vide": b"",
        "aleatoire": noise(min(len(data), 1 << 20)),
        "bloc_endommage": data[:half] + noise(65536) + data[half + 65536:],
    }[kind]


KINDS = ("debut_ecrase", "tronque", "vide", "aleatoire", "bloc_endommage")
EXPECTED = {
    "debut_ecrase": "le fichier n'est pas une base DuckDB valide (début du fichier endommagé ou autre format)",
    "tronque": "le fichier est tronqué (il manque une partie de la base)",
    "vide": "le fichier est vide (0 octet)",
    "aleatoire": "le fichier n'est pas une base DuckDB valide (début du fichier endommagé ou autre format)",
    "bloc_endommage": "le fichier est endommagé (un bloc de données ne correspond plus à sa somme de contrôle)",
}


@pytest.fixture
def broken_site(request, demo_db_path, tmp_path, monkeypatch) -> tuple[str, Path]:
    """A data folder whose published database is the demo's, damaged as `request.param` says."""
    data = tmp_path / "data"
    data.mkdir()
    db = data / "qpv.duckdb"
    db.write_bytes(_damaged(demo_db_path.read_bytes(), request.param))
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setattr(config, "DEFAULT_RAW_DIRS", (demo_db_path.parent / "raw_demo",))
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    return request.param, db


def _texts(at: AppTest) -> str:
    return plain_spaces("\n".join(str(e.value) for kind in ("title", "markdown", "caption", "text", "error",
                                                            "warning", "success") for e in getattr(at, kind)))


def _message(db: Path, kind: str) -> str:
    return (f"La base de données est illisible : {EXPECTED[kind]}.\n\n"
            "Un éditeur peut la reconstruire depuis la page « Importer des fichiers » (bouton "
            "« Reconstruire la base ») ; la base reconstruite remplacera le fichier endommagé.")


@pytest.mark.parametrize("broken_site", KINDS, indirect=True)
def test_every_page_says_the_database_is_unreadable(broken_site) -> None:
    kind, db = broken_site
    for page in PAGES:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60).run()
        assert not at.exception, (page, at.exception)
        assert [plain_spaces(e.value) for e in at.error] == [_message(db, kind)], page
        assert "Traceback" not in _texts(at)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == [_message(db, kind)]


# A rebuild takes a few seconds: one damaged header, one damaged block (the file opens, a read fails).
@pytest.mark.parametrize("broken_site", ["debut_ecrase", "bloc_endommage"], indirect=True)
def test_the_import_page_rebuilds_an_unreadable_database(broken_site) -> None:
    kind, db = broken_site
    at = AppTest.from_file(str(ROOT / "pages" / "importer.py"), default_timeout=120).run()
    assert not at.exception and at.title[0].value == "Importer des fichiers"
    contract = ("contract;contract_name;epci_code;period_label;start_year;end_year;is_fictional\n"
                "essai;Contrat d'essai;;;;;oui\n").encode()
    at.file_uploader[0].set_value([("contrat_essai.csv", contract, "text/csv")])
    at.run()
    at.button(key="import_check").click().run()
    assert not at.exception
    assert "Tous les fichiers sont lisibles et les contrôles sont passés." in _texts(at)
    at.button(key="import_rebuild").click().run()
    assert not at.exception
    assert "Base reconstruite et publiée" in _texts(at)
    con = open_snapshot(db)
    slugs = sorted(r[0] for r in con.execute("select contract_slug from contracts").fetchall())
    con.close()
    assert slugs == ["demo", "essai"]
    at = AppTest.from_file(str(ROOT / "pages" / "mandat.py"), default_timeout=60).run()
    assert not at.exception and not at.error
    assert os.path.getsize(db) > 0
