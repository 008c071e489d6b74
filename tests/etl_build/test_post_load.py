"""Post-load steps: de-duplication across files, derived indicators, France and QPV ensembles."""
from __future__ import annotations

import json
import types
from pathlib import Path

import pytest

from etl.build import BuildFailed, build
from etl.core import Candidate, LoadContext
from etl.loaders import programme
from tests.etl_build.conftest import CURRENT_YEAR, query, write_csv

HEADER = ["contract", "territory_code", "territory_level", "indicator_id", "year", "value", "numerator",
          "denominator", "status", "source_note"]


def official_loader(name: str = "official") -> types.ModuleType:
    """A stand-in official loader: a JSON file {"territories": [[code, level, name, vintage]],
    "facts": [[code, level, indicator, year, value, status]]} loaded as an official file."""
    m = types.ModuleType(name)
    m.KINDS, m.PRIORITY = ("official_json",), 10

    def recognise(c: Candidate):
        try:
            return "official_json" if "facts" in json.loads(c.read_bytes()) else None
        except ValueError:
            return None

    def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
        data = json.loads(c.read_bytes())
        sid = ctx.add_source(c, kind, producer="INSEE", title="Fichier officiel", vintage="2021")
        ctx.insert("territories", [dict(territory_code=t[0], territory_level=t[1], territory_name=t[2],
                                        geography_vintage=t[3], is_fictional=False, source_id=sid)
                                       for t in data["territories"]])
        ctx.insert("indicator_facts", [dict(territory_code=f[0], territory_level=f[1], indicator_id=f[2],
                                            year=f[3], value=f[4], status=f[5], origin="official_file",
                                            source_variable="X", source_id=sid) for f in data["facts"]])
        return len(data["facts"])
    m.recognise, m.load = recognise, load
    return m


def _setup(tmp_path: Path, official: dict, published: list[list]) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "officiel.json").write_text(json.dumps(official), encoding="utf-8")
    write_csv(raw / "contrat.csv", [["contract", "contract_name"], ["demo", "Démo"]])
    write_csv(raw / "territoires.csv", [
        ["contract", "territory_code", "territory_level", "territory_name", "parent_codes"],
        ["demo", "99001", "commune", "Demo sur Loire (saisi)", ""],
        ["demo", "QN09901N", "qpv", "Les Tilleuls", "99001"],
    ])
    write_csv(raw / "valeurs.csv", [HEADER] + published)
    return raw


def _build(raw: Path, tmp_path: Path):
    return build([raw], tmp_path / "qpv.duckdb", loader_modules=[official_loader(), programme],
                 progress=None, current_year=CURRENT_YEAR)


OFFICIAL = {"territories": [["99001", "commune", "Démo-sur-Loire", None]],
            "facts": [["99001", "commune", "poverty_rate_pct", 2021, 19.0, "ok"],
                      ["99001", "commune", "median_income_eur_year", 2021, None, "secret"]]}


def test_official_name_wins_and_same_fact_kept_once(tmp_path: Path) -> None:
    raw = _setup(tmp_path, OFFICIAL, [["demo", "99001", "commune", "poverty_rate_pct", "2021", "19,0", "", "", "",
                                       "Insee 2021"]])
    report = _build(raw, tmp_path)
    assert [(m.level, str(m)) for m in report.messages] == [
        ("warning", "raw/territoires.csv : territoire 99001 (commune) : le nom « Demo sur Loire (saisi) » est"
                    " remplacé par « Démo-sur-Loire » donné par raw/officiel.json"),
        ("warning", "raw/valeurs.csv : poverty_rate_pct de 99001 en 2021 déjà donné par raw/officiel.json avec"
                    " la même valeur : une seule ligne est gardée"),
    ]
    db = tmp_path / "qpv.duckdb"
    off = query(db, "select source_id from sources where file_name = 'raw/officiel.json'")[0][0]
    assert query(db, "select territory_code, territory_level, territory_name, source_id from territories"
                     " order by 1") == [("99001", "commune", "Démo-sur-Loire", off),
                                        ("QN09901N", "qpv", "Les Tilleuls",
                                         query(db, "select source_id from sources where file_name ="
                                                   " 'raw/territoires.csv'")[0][0])]
    # The secret yearly median gives a secret monthly one (NULL, never a number).
    assert query(db, "select territory_code, indicator_id, year, value, status, origin, source_label"
                     " from indicator_values order by indicator_id") == [
        ("99001", "median_income_eur_month", 2021, None, "secret", "computed", "INSEE, Fichier officiel, 2021"),
        ("99001", "median_income_eur_year", 2021, None, "secret", "official_file", "INSEE, Fichier officiel, 2021"),
        ("99001", "poverty_rate_pct", 2021, 19.0, "ok", "official_file", "INSEE, Fichier officiel, 2021"),
    ]


def test_conflicting_values_stop_the_build(tmp_path: Path) -> None:
    raw = _setup(tmp_path, OFFICIAL, [["demo", "99001", "commune", "poverty_rate_pct", "2021", "19,5", "", "", "",
                                       ""]])
    with pytest.raises(BuildFailed) as info:
        _build(raw, tmp_path)
    assert str(info.value) == (
        "raw/officiel.json et raw/valeurs.csv : valeurs différentes pour poverty_rate_pct de 99001 (commune)"
        " en 2021 : 19 dans raw/officiel.json, 19,5 dans raw/valeurs.csv")
    assert not (tmp_path / "qpv.duckdb").exists()


def test_secret_against_a_value_is_a_conflict(tmp_path: Path) -> None:
    raw = _setup(tmp_path, OFFICIAL, [["demo", "99001", "commune", "median_income_eur_year", "2021", "21 950", "",
                                       "", "", ""]])
    with pytest.raises(BuildFailed) as info:
        _build(raw, tmp_path)
    assert str(info.value) == (
        "raw/officiel.json et raw/valeurs.csv : valeurs différentes pour median_income_eur_year de 99001"
        " (commune) en 2021 : valeur vide (secret) dans raw/officiel.json, 21950 dans raw/valeurs.csv")


def test_derived_values_and_aggregate_territories(tmp_path: Path) -> None:
    official = {"territories": [["99001", "commune", "Démo-sur-Loire", None]],
                "facts": [["FRM", "france", "median_income_eur_year", 2021, 24330.0, "ok"],
                          ["ENSEMBLE_QPV_2024", "qpv_ensemble", "poverty_rate_pct", 2021, 43.3, "ok"],
                          ["ENSEMBLE_QPV_2015", "qpv_ensemble", "poverty_rate_pct", 2019, 42.6, "ok"]]}
    raw = _setup(tmp_path, official, [
        ["demo", "QN09901N", "qpv", "single_parent_families_pct", "2021", "", "48", "100", "", ""],
        ["demo", "QN09901N", "qpv", "large_families_pct", "2021", "", "10", "", "", ""],
        ["demo", "QN09901N", "qpv", "minors_pct", "2021", "s", "", "", "", ""],
        ["demo", "QN09901N", "qpv", "median_income_eur_year", "2021", "8 544", "", "", "", ""],
        ["demo", "QN09901N", "qpv", "median_income_eur_month", "2021", "700", "", "", "", ""],
    ])
    _build(raw, tmp_path)
    db = tmp_path / "qpv.duckdb"
    assert query(db, "select territory_code, indicator_id, year, value, status, origin from indicator_facts"
                     " order by 1, 2, 3") == [
        ("ENSEMBLE_QPV_2015", "poverty_rate_pct", 2019, 42.6, "ok", "official_file"),
        ("ENSEMBLE_QPV_2024", "poverty_rate_pct", 2021, 43.3, "ok", "official_file"),
        ("FRM", "median_income_eur_month", 2021, 24330.0 / 12, "ok", "computed"),
        ("FRM", "median_income_eur_year", 2021, 24330.0, "ok", "official_file"),
        ("QN09901N", "large_families_pct", 2021, None, "missing", "published"),
        # a published monthly value is kept, not recomputed (700, not 8 544 / 12 = 712)
        ("QN09901N", "median_income_eur_month", 2021, 700.0, "ok", "published"),
        ("QN09901N", "median_income_eur_year", 2021, 8544.0, "ok", "published"),
        # withheld stays withheld (a numerator or denominator beside it is an error: it would
        # bring the value back; tests/reliability/cases.py, secret_value_with_its_parts)
        ("QN09901N", "minors_pct", 2021, None, "secret", "published"),
        ("QN09901N", "single_parent_families_pct", 2021, 48.0, "ok", "computed"),
    ]
    assert query(db, "select territory_code, territory_level, territory_name, geography_vintage from territories"
                     " where territory_level in ('france', 'qpv_ensemble') order by 1") == [
        ("ENSEMBLE_QPV_2015", "qpv_ensemble", "Ensemble des quartiers prioritaires (géographie 2015)", 2015),
        ("ENSEMBLE_QPV_2024", "qpv_ensemble", "Ensemble des quartiers prioritaires (géographie 2024)", 2024),
        ("FRM", "france", "France métropolitaine", None),
    ]


def test_grid_aggregate_hook_is_called(tmp_path: Path) -> None:
    raw = _setup(tmp_path, OFFICIAL, [])
    calls = []
    grid = types.ModuleType("etl.loaders.grid")
    grid.KINDS, grid.PRIORITY = ("filosofi_grid",), 50
    grid.recognise = lambda c: None
    grid.load = lambda ctx, c, kind: 0
    grid.aggregate_to_territories = lambda con: calls.append(
        con.execute("select count(*) from territories").fetchall()[0][0])
    build([raw], tmp_path / "qpv.duckdb", loader_modules=[official_loader(), grid, programme], progress=None,
          current_year=CURRENT_YEAR)
    assert calls == [2]


def test_a_real_value_replaces_a_fictional_one(tmp_path: Path) -> None:
    """The demo's figures give way to real files loaded beside them (no conflict)."""
    raw = _setup(tmp_path, OFFICIAL, [["demo", "99001", "commune", "poverty_rate_pct", "2021", "14,5", "", "", "",
                                       ""]])
    write_csv(raw / "contrat.csv", [["contract", "contract_name", "is_fictional"], ["demo", "Démo", "oui"]])
    report = _build(raw, tmp_path)
    assert [str(m) for m in report.messages if "fictive" in m.message] == [
        "raw/valeurs.csv : poverty_rate_pct de 99001 en 2021 : la valeur fictive de démonstration est"
        " remplacée par la valeur réelle de raw/officiel.json"]
    assert query(tmp_path / "qpv.duckdb", "select value, is_fictional from indicator_values"
                 " where indicator_id = 'poverty_rate_pct'") == [(19.0, False)]
