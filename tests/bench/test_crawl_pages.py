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


def test_print_pages_gives_each_run_its_server_cpu_and_the_load(capsys):
    bench_france.print_pages({
        "runs": [{"page": "portrait", "query": "territoire=a&qpv=QN01101A", "seconds": 12.34, "cpu_s": 1.234,
                  "load_1min": 17.26, "errors": [], "rss_mib": 512.4},
                 {"page": "carte", "query": "territoire=a", "seconds": 0.5, "cpu_s": 0.05,
                  "load_1min": 2.0, "errors": ["boom"], "rss_mib": 600.0}],
        "server_rss_mib": 600.0, "server_cpu_s": 3.5, "errors": ["carte (territoire=a) : boom"]})
    assert capsys.readouterr().out.splitlines() == [
        "  portrait       territoire=a&qpv=QN01101A                12,3 s (CPU du serveur 1,23 s, charge 17,3)"
        "  serveur 512 Mio",
        "  carte          territoire=a                             0,5 s (CPU du serveur 0,05 s, charge 2,0)"
        "  serveur 600 Mio  ERREURS : boom",
        "serveur après 2 pages : 600 Mio (objectif : < 1 024 Mio), CPU 3,5 s ; 1 erreur(s)"]
