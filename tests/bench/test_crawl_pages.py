"""bench_france.crawl_pages: every page run by AppTest on a database, a few contracts, QPVs,
indicators and options each, with tests/app/test_crawl.py's checks and each run's CPU."""
from __future__ import annotations

from bench import bench_france
from tests.app.conftest import build_small_db


def test_crawl_pages_runs_every_page_for_the_chosen_contracts(tmp_path, monkeypatch):
    import config
    db = build_small_db(tmp_path / "small.duckdb")
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    result = bench_france.crawl_pages(db, n_contracts=1, n_qpv=1, n_indicators=1, n_options=1)
    # The contracts in slug order, one taken: demo; its first QPV, the first indicator with
    # values, the first option of each walked select (the comparison page's theme and geography).
    assert [(r["page"], r["contract"], r["where"]) for r in result["runs"]] == [
        ("adresse", "demo", ""), ("bilan", "demo", ""),
        ("carte", "demo", "indicateur=median_income_eur_month"), ("comparer", "demo", ""),
        ("comparer", "demo", "cmp_theme=tous"), ("comparer", "demo", "cmp_vintage=QPV 2024"),
        ("droit_commun", "demo", ""), ("importer", "demo", ""), ("logement", "demo", ""),
        ("mandat", "demo", ""), ("methode", "demo", ""), ("poches", "demo", ""),
        ("portrait", "demo", "qpv=QN09901N"), ("programmes", "demo", ""), ("rapports", "demo", "")]
    assert result["problems"] == []
    assert all(r["cpu_s"] >= 0 and r["seconds"] >= 0 for r in result["runs"])
