"""The France-sized generator (etl/demo_france.py) at a small size, through the real build.

`python -m etl demo --scale france --qpv N` writes the same formats and code paths at every
size; 16 QPVs keep the test short (350 communes, 23 072 grid squares)."""
from __future__ import annotations

import hashlib

import duckdb
import pytest

N_QPV = 16


def _digests(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    from etl.demo_france import write_france

    root = tmp_path_factory.mktemp("france")
    figures = write_france(root, N_QPV, progress=lambda line: None)
    return root, figures


@pytest.fixture(scope="module")
def db(written, tmp_path_factory):
    from etl.build import build

    path = tmp_path_factory.mktemp("france_db") / "france.duckdb"
    report = build([written[0]], path, progress=lambda line: None)
    assert report.outcome == "published", report.summary()
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _rows(con, sql):
    return con.execute(sql).fetchall()


def test_sizes_follow_the_number_of_qpvs(written):
    from etl.demo_france import sizes

    _, figures = written
    counts = {k: v for k, v in figures.items() if not k.endswith("_s")}
    assert counts == {"qpv": 16, "qpv2015": 15, "communes": 350, "epcis": 12, "departements": 2,
                      "regions": 1, "grid_squares": 23_072, "ban_addresses": 60_079,
                      "programme_contracts": 2, "programme_actions": 438, "programme_funding": 884,
                      "programme_attributions": 2000}
    full = sizes(1600)
    assert (full.qpv, full.qpv2015, full.communes, full.epcis, full.departements, full.regions,
            full.grid_squares, full.contracts, full.years, full.attributions, full.ban_departements,
            full.variables) == (1600, 1500, 35_000, 1250, 96, 13, 2_300_000, 50, 10, 200_000, 5, 120)


def test_same_bytes_on_every_run(written, tmp_path):
    from etl.demo_france import write_france

    write_france(tmp_path, N_QPV, progress=lambda line: None)
    assert _digests(tmp_path) == _digests(written[0])


def test_files_in_the_official_formats(written):
    root, _ = written
    assert sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()) == sorted([
        "LISEZMOI.txt", "ban/adresses-01.csv",
        "carreaux/Filosofi2019_carreaux_200m_france_fictive.csv",
        "carreaux/meta_Filosofi2019_carreaux_200m_france_fictive.csv",
        "cog/communes.json", "cog/departements.json", "cog/epci.json", "cog/regions.json",
        "contours/QP2015_France_fictive_WGS84.geojson", "contours/QP2024_France_fictive_Lambert93.geojson",
        "contours/communes_france_fictive_wgs84.geojson",
        *[f"insee_comparateurs/{m}insee_fictif_{y}_{n}.csv" for y in (2019, 2020, 2021) for m in ("", "meta_")
          for n in ("communes", "epci_departements_france")],
        "insee_qpv/QPV2015_FICTIF_FILOSOFI_2017.zip", "insee_qpv/QPV2024_FICTIF_2019.zip",
        "insee_qpv/QPV2024_FICTIF_2020.zip", "insee_qpv/QPV2024_FICTIF_2021.zip",
        "programme/actions_fictives.csv", "programme/attributions_fictives.csv",
        "programme/contrats_fictifs.csv", "programme/financements_fictifs.csv",
        "programme/territoires_fictifs.csv"])


def test_qpv_contours_have_20_to_400_vertices():
    from etl.demo_france import build_world, sizes

    w = build_world(sizes(200))
    vertices = [len(r) - 1 for r in w.qpv_rings]
    assert (min(vertices) >= 20, max(vertices) <= 400, len(set(w.qpv_code)), len(set(w.qp15_code))) == \
        (True, True, 200, 188)


def test_the_build_loads_every_level(db):
    assert _rows(db, "select outcome, count(*) from build_files group by 1 order by 1") == [
        ("ignored", 1), ("loaded", 35)]      # LISEZMOI.txt is for people
    assert _rows(db, "select territory_level, count(*) from territories group by 1 order by 1") == [
        ("commune", 350), ("departement", 2), ("epci", 12), ("france", 1), ("qpv", 31),
        ("qpv_ensemble", 1), ("region", 1)]
    assert _rows(db, "select territory_level, count(distinct indicator_id), count(*) from indicator_facts"
                     " group by 1 order by 1") == [
        ("commune", 121, 51_450), ("departement", 121, 294), ("epci", 121, 1764), ("france", 121, 147),
        ("qpv", 123, 5915), ("qpv_ensemble", 121, 363)]
    assert _rows(db, "select count(*), count(*) filter (where is_withheld) from grid_200m") == [(23_072, 86)]
    assert _rows(db, "select (select count(*) from housing_attributions), (select count(*) from ban_addresses),"
                     " (select count(*) from programme_actions)") == [(2000, 60_079, 438)]
    assert _rows(db, "select level, message from build_messages") == []


def test_withheld_values_stay_null_with_their_status(db):
    assert _rows(db, "select status, count(*), count(value) from indicator_facts"
                     " where origin = 'official_file' group by 1 order by 1") == [
        ("missing", 36, 0), ("ok", 57_094, 57_094), ("secret", 1580, 0)]


def test_marked_fictional(db):
    # Every territory says so in its name; the contracts and EPCIs (SIREN 9991…) are flagged.
    assert _rows(db, "select count(*) from territories where territory_level not in ('france', 'qpv_ensemble')"
                     " and not regexp_matches(territory_name, 'fictif|fictive')") == [(0,)]
    assert _rows(db, "select count(*), count(*) filter (where is_fictional) from contracts") == [(2, 2)]
    assert _rows(db, "select count(*) filter (where is_fictional) from territories"
                     " where territory_level = 'epci'") == [(12,)]
