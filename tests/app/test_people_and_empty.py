"""The programmes page shows people reached with small counts withheld; a contract with no QPV
and the import page without any database do not break the app."""
from __future__ import annotations

import io

import pandas as pd
import pytest

import config
from etl.build import build
from reports.tables import csv_preamble_length
from tests.app.test_exports import deferred  # noqa: F401 - the fixture capturing download callables
from tests.app.test_pages import PAGES, page_text, run_page
from tests.etl_build.conftest import write_csv


def test_people_reached_are_shown_with_small_counts_withheld(demo_db) -> None:
    at = run_page("programmes", territoire="demo")
    assert not at.exception
    assert "Personnes touchées" in page_text(at)
    at.selectbox(key="benef_by").select("territory_code").run()
    table = next(d.value for d in at.dataframe if d.value.columns.tolist() == ["Quartier", "Personnes"])
    shown = dict(zip(table["Quartier"], table["Personnes"]))
    # Masked at action × year × QPV × sex × age band × residence; each figure adds the unmasked
    # cells only.
    assert shown["Total"] == "au moins 51 (dont secret statistique : 193 cellules)"
    assert shown["Saint-Exupéry"] == "secret statistique (10 cellules de moins de 5)"
    assert shown["Cité des Forges"] == "secret statistique (9 cellules de moins de 5)"
    assert shown["Bords de Lorne - Gare"] == "au moins 10 (dont secret statistique : 28 cellules)"
    # No personal column ever reaches the database, hence the page.
    assert not {"nom", "prenom", "adresse", "date_naissance"} & {c.lower() for c in table.columns}


def test_people_reached_download_carries_the_same_protected_figures(demo_db, deferred) -> None:
    """The page's CSV reads the same protected figures as its table: each figure with the masked
    cells it leaves out, never a raw count."""
    at = run_page("programmes", territoire="demo")
    at.selectbox(key="benef_by").select("sex").run()
    assert not at.exception
    table = next(d.value for d in at.dataframe if d.value.columns.tolist() == ["Sexe", "Personnes"])
    assert table.values.tolist() == [
        ["Femmes", "au moins 41 (dont secret statistique : 97 cellules)"],
        ["Hommes", "au moins 10 (dont secret statistique : 96 cellules)"],
        ["Total", "au moins 51 (dont secret statistique : 193 cellules)"]]
    data = next(make() for name, make in deferred.items()
                if name.startswith("personnes_touchees_demo") and name.endswith(".csv"))
    back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                       encoding="utf-8-sig", keep_default_na=False)
    assert back.values.tolist() == [["femme", "Femmes", "41", "97"], ["homme", "Hommes", "10", "96"],
                                    ["", "Total", "51", "193"]]
    assert back.columns.tolist() == ["Code", "Sexe", "Personnes hors secret statistique",
                                     "Cellules en secret statistique (moins de 5 personnes)"]


@pytest.fixture
def no_qpv_db(tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    write_csv(raw / "contrat.csv", [["contract", "contract_name"], ["vide", "Contrat sans quartier"]])
    db = tmp_path / "qpv.duckdb"
    build([raw], db, progress=None)
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    return db


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_for_a_contract_without_qpv(no_qpv_db, page) -> None:
    at = run_page(page, territoire="vide")
    assert not at.exception, page


def test_import_page_is_reachable_without_a_database(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(config, "DB_PATH", tmp_path / "absent.duckdb")
    monkeypatch.setenv("QPV_DB_PATH", str(tmp_path / "absent.duckdb"))
    at = run_page("importer")
    assert not at.exception
    assert "Importer des fichiers" in page_text(at)
