"""The COG loader on small etalab-style JSON files written by the test, and on the real COG 2026."""
from __future__ import annotations

import json
import time

import pytest

from etl.core import Candidate, EtlError
from etl.loaders import cog
from tests.etl_loaders.conftest import candidates, load, need_reference, rows, source_id

COMMUNES = [
    {"code": "73065", "nom": "Chambéry", "type": "commune-actuelle", "departement": "73",
     "region": "84", "population": 59964, "zone": "metro", "codesPostaux": ["73000"]},
    {"code": "73051", "nom": "Challes-les-Eaux", "type": "commune-actuelle", "departement": "73",
     "region": "84", "population": 5700},
    {"code": "73999", "nom": "Ancienne", "type": "commune-deleguee", "departement": "73",
     "region": "84", "chefLieu": "73065"},
    {"code": "69381", "nom": "Lyon 1er Arrondissement", "type": "arrondissement-municipal",
     "departement": "69", "region": "84", "commune": "69123", "population": 29000},
    {"code": "2A004", "nom": "Ajaccio", "type": "commune-actuelle", "departement": "2A",
     "region": "94"},
]
EPCI = [{"code": "200069110", "nom": "CA du Grand Chambéry", "type": "CA",
         "populationMunicipale": 141091,
         "membres": [{"code": "73065", "nom": "Chambéry"}, {"code": "73051", "nom": "Challes-les-Eaux"}]}]
DEPARTEMENTS = [{"code": "73", "region": "84", "chefLieu": "73065", "nom": "Savoie"},
                {"code": "2A", "region": "94", "chefLieu": "2A004", "nom": "Corse-du-Sud"}]
REGIONS = [{"code": "84", "chefLieu": "69123", "nom": "Auvergne-Rhône-Alpes"},
           {"code": "94", "chefLieu": "2A004", "nom": "Corse"}]


@pytest.fixture
def cog_dir(tmp_path):
    d = tmp_path / "cog2026"
    d.mkdir()
    for name, data in (("communes", COMMUNES), ("epci", EPCI), ("departements", DEPARTEMENTS),
                       ("regions", REGIONS)):
        (d / f"{name}.json").write_text(
            "[\n" + ",\n".join(json.dumps(x, ensure_ascii=False) for x in data) + "\n]\n",
            encoding="utf-8")
    return d


def test_recognised_by_content_not_by_name(tmp_path, cog_dir):
    # Same contents under uninformative names: still recognised.
    kinds = {}
    for c in candidates(cog_dir):
        renamed = tmp_path / f"x_{c.path.stem[::-1]}.json"
        renamed.write_bytes(c.read_bytes())
        kinds[c.path.stem] = cog.recognise(Candidate(renamed, renamed.name))
    assert kinds == {"communes": "cog_communes", "epci": "cog_epci",
                     "departements": "cog_departements", "regions": "cog_regions"}


@pytest.mark.parametrize("content", [
    '{"type": "FeatureCollection", "features": []}',
    '[{"id": 1, "label": "x"}]',
    '[1, 2, 3]',
    'not json',
    '',
])
def test_other_files_are_not_recognised(tmp_path, content):
    p = tmp_path / "f.json"
    p.write_text(content, encoding="utf-8")
    assert cog.recognise(Candidate(p, "f.json")) is None


def test_load_all_four(ctx, cog_dir):
    cands = {c.path.stem: c for c in candidates(cog_dir, prefix="cog2026/")}
    results = {name: load(cog, ctx, cands[name]) for name in ("regions", "departements", "communes", "epci")}
    assert results == {"regions": ("cog_regions", 2), "departements": ("cog_departements", 2),
                       "communes": ("cog_communes", 5), "epci": ("cog_epci", 1)}
    src = {name: source_id(ctx, f"cog2026/{name}.json") for name in cands}
    assert rows(ctx, "select * from territories order by territory_level, territory_code") == [
        ("2A004", "commune", "Ajaccio", 2026, None, None, False, src["communes"]),
        ("73051", "commune", "Challes-les-Eaux", 2026, 5700, 2023, False, src["communes"]),
        ("73065", "commune", "Chambéry", 2026, 59964, 2023, False, src["communes"]),
        ("2A", "departement", "Corse-du-Sud", 2026, None, None, False, src["departements"]),
        ("73", "departement", "Savoie", 2026, None, None, False, src["departements"]),
        ("200069110", "epci", "CA du Grand Chambéry", 2026, 141091, 2023, False, src["epci"]),
        ("84", "region", "Auvergne-Rhône-Alpes", 2026, None, None, False, src["regions"]),
        ("94", "region", "Corse", 2026, None, None, False, src["regions"]),
    ]
    assert rows(ctx, "select * from territory_links order by all") == [
        ("2A", "departement", "94", "region", src["departements"]),
        ("2A004", "commune", "2A", "departement", src["communes"]),
        ("73", "departement", "84", "region", src["departements"]),
        ("73051", "commune", "200069110", "epci", src["epci"]),
        ("73051", "commune", "73", "departement", src["communes"]),
        ("73065", "commune", "200069110", "epci", src["epci"]),
        ("73065", "commune", "73", "departement", src["communes"]),
    ]
    got = rows(ctx, "select kind, producer, title, vintage, licence, file_name, rows_read"
                    " from sources order by kind")
    assert got == [
        ("cog_communes", "INSEE / Etalab (découpage administratif)",
         "Code officiel géographique : communes", "COG 2026", "Licence Ouverte", "cog2026/communes.json", 5),
        ("cog_departements", "INSEE / Etalab (découpage administratif)",
         "Code officiel géographique : départements", "COG 2026", "Licence Ouverte",
         "cog2026/departements.json", 2),
        ("cog_epci", "INSEE / Etalab (découpage administratif)",
         "Code officiel géographique : EPCI à fiscalité propre", "COG 2026", "Licence Ouverte",
         "cog2026/epci.json", 1),
        ("cog_regions", "INSEE / Etalab (découpage administratif)",
         "Code officiel géographique : régions", "COG 2026", "Licence Ouverte", "cog2026/regions.json", 2),
    ]


def test_without_a_year_in_the_path_the_vintage_is_null(ctx, tmp_path):
    p = tmp_path / "regions.json"
    p.write_text(json.dumps(REGIONS), encoding="utf-8")
    load(cog, ctx, Candidate(p, "regions.json"))
    assert rows(ctx, "select territory_code, geography_vintage, population_year from territories"
                     " order by 1") == [("84", None, None), ("94", None, None)]
    assert rows(ctx, "select vintage from sources") == [(None,)]


def test_an_element_without_code_names_its_position(ctx, tmp_path):
    p = tmp_path / "regions.json"
    p.write_text(json.dumps(REGIONS + [{"nom": "Sans code", "chefLieu": "1"}]), encoding="utf-8")
    c = Candidate(p, "regions.json")
    with pytest.raises(EtlError) as err:
        cog.load(ctx, c, "cog_regions")
    assert (err.value.line, err.value.column) == (3, "code")
    assert str(err.value) == ("regions.json, ligne 3, colonne « code » : élément sans « code » ou "
                              "« nom » (attendu : un objet avec code et nom)")


@pytest.mark.parametrize("code, level, expected", [
    ("QN09901N", "qpv", True), ("QP099001", "qpv", True), ("QN07101I", "qpv", False),
    ("99001", "commune", True), ("73065", "commune", False), ("999000001", "epci", True),
    ("200069110", "epci", False), ("99", "departement", True), ("971", "departement", False),
    ("99", "region", True), ("84", "region", False), ("FRM", "france", False),
])
def test_fictional_codes(code, level, expected):
    assert cog.is_fictional_code(code, level) is expected


def test_demo_cog_is_fictional(ctx, tmp_path):
    p = tmp_path / "communes.json"
    p.write_text(json.dumps([{"code": "99001", "nom": "Lorneville", "type": "commune-actuelle",
                              "departement": "99", "region": "99", "population": 48650}]), encoding="utf-8")
    load(cog, ctx, Candidate(p, p.name))
    src = source_id(ctx, p.name)
    assert rows(ctx, "select * from territories") == [
        ("99001", "commune", "Lorneville", None, 48650, None, True, src)]
    assert rows(ctx, "select is_fictional from sources") == [(True,)]


@pytest.mark.integration
def test_real_cog_2026(ctx):
    folder = need_reference("cog2026")
    cands = {c.path.stem: c for c in candidates(folder, prefix="cog2026/")}
    started = time.perf_counter()
    for name in ("regions", "departements", "communes", "epci"):
        load(cog, ctx, cands[name])
    elapsed = time.perf_counter() - started
    counts = dict(rows(ctx, "select territory_level, count(*) from territories group by 1"))
    assert counts == {"region": 26, "departement": 109, "commune": 34969, "epci": 1255}
    assert rows(ctx, "select parent_code from territory_links where child_code = '28218'"
                     " and parent_level = 'epci'") == [("200033181",)]
    assert rows(ctx, "select territory_name, population from territories"
                     " where territory_code = '73065' and territory_level = 'commune'") == [("Chambéry", 59964)]
    print(f"\nreal COG 2026 loaded in {elapsed:.2f} s")
