"""A real QPV is never compared with, nor ranked among, the demo's fictional figures."""
from __future__ import annotations

from datetime import datetime

from indicators.portrait import build_portrait

DEMO_SRC = "src_demo00000000"


def _demo_source(con):
    con.execute(
        "insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, loaded_at,"
        " is_fictional) values (?, 'insee_commune_stats', 'Démo', 'Filosofi fictif', '2021',"
        " 'demo.csv', 'y', ?, true)", [DEMO_SRC, datetime(2026, 1, 1)])


def test_real_qpv_ignores_fictional_comparators_and_ranks(db):
    con = db.con
    _demo_source(con)
    db.contract("real")
    db.territory("FRM", "france", "France métropolitaine")
    db.territory("71076", "commune", "Chalon-sur-Saône")
    db.territory("QN07101I", "qpv", "Aubépins", vintage=2024, parents=[("71076", "commune")],
                 contract="real")
    db.territory("QN09901M", "qpv", "Quartier fictif", vintage=2024, is_fictional=True)
    db.fact("QN07101I", "qpv", "poverty_rate_pct", 2021, 40.0)
    db.fact("71076", "commune", "poverty_rate_pct", 2021, 23.0)
    # Fictional France figure and a fictional QPV, both from the demo's files.
    con.execute("insert into indicator_facts (territory_code, territory_level, indicator_id, year,"
                " value, status, origin, source_id) values"
                " ('FRM', 'france', 'poverty_rate_pct', 2021, 14.5, 'ok', 'official_file', ?),"
                " ('QN09901M', 'qpv', 'poverty_rate_pct', 2021, 55.0, 'ok', 'official_file', ?)",
                [DEMO_SRC, DEMO_SRC])

    value = build_portrait(con, "QN07101I").value("poverty_rate_pct")
    assert [(c.territory_code, c.value) for c in value.comparators] == [("71076", 23.0)]
    assert [(r.scope, r.rank, r.n) for r in value.ranks] == [("contract", 1, 1), ("all", 1, 1)]

    demo = build_portrait(con, "QN09901M").value("poverty_rate_pct")
    assert [(r.scope, r.rank, r.n) for r in demo.ranks] == [("all", 1, 1)]
