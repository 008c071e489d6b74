"""`python -m bench.load` end to end on the small database: a few sessions, the table, the last
line of JSON figures (with no error), and its refusal of a server that is not on this machine."""
from __future__ import annotations

import json

import pytest

from bench import load
from tests.app.conftest import build_small_db

pytestmark = pytest.mark.server


def test_load_prints_the_figures_as_the_last_line(tmp_path, capsys):
    db = build_small_db(tmp_path / "qpv.duckdb")
    assert load.main(["--db", str(db), "--sessions", "3", "--requests", "3", "--ramp", "0",
                      "--duration", "60"]) == 0
    out = capsys.readouterr().out.splitlines()
    figures = json.loads(out[-1])
    assert {k: figures[k] for k in ("sessions", "requests", "errors", "links")} == {
        "sessions": 3, "requests": 9, "errors": 0, "links": 3}
    assert 0 < figures["p50_s"] <= figures["p95_s"] <= figures["max_s"]
    assert figures["rss_peak_mb"] > 50 and figures["server_cpu_s"] > 0
    assert figures["server_cpu_per_run_s"] == round(figures["server_cpu_s"] / 9, 3)
    # Session i starts at page i: 3 sessions × 3 pages cover the first 5 pages.
    assert [k for k in figures if k.startswith("p95_s_")] == [
        "p95_s_accueil", "p95_s_portrait", "p95_s_carte", "p95_s_comparer", "p95_s_bilan"]
    table = out[out.index(next(l for l in out if l.startswith("page "))):]
    assert [line.split()[0] for line in table[1:7]] == [
        "accueil", "portrait", "carte", "comparer", "bilan", "ensemble"]


def test_load_refuses_a_remote_server(tmp_path, capsys):
    db = build_small_db(tmp_path / "qpv.duckdb")
    assert load.main(["--db", str(db), "--url", "http://example.org:8501"]) == 2
    assert capsys.readouterr().err == "--url doit viser 127.0.0.1 ou localhost, pas 'example.org'.\n"
