"""A team that loads only what it downloaded for its quartiers (ANCT contours or list + INSEE QPV
files, no COG) gets a working database: the communes, EPCIs, départements and régions the ANCT
file names in its attributes are declared from it, marked, with one warning; a COG loaded with
it keeps its own names and links."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from etl.build import build
from indicators.portrait import build_portrait
from tests.etl_build.conftest import CURRENT_YEAR, query, write_csv

SQUARE = [[4.85, 46.78], [4.86, 46.78], [4.86, 46.79], [4.85, 46.79], [4.85, 46.78]]


def _feature(props: dict, dx: float = 0.0) -> dict:
    ring = [[x + dx, y] for x, y in SQUARE]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


def _contours(folder: Path) -> None:
    base = {"insee_reg": "27", "lib_reg": "Bourgogne-Franche-Comté", "insee_dep": "71",
            "lib_dep": "Saône-et-Loire", "siren_epci": "247100589"}
    features = [
        _feature({"code_qp": "QN07101I", "lib_qp": "Aubépins", "insee_com": "71076",
                  "lib_com": "Chalon-sur-Saône", **base}),
        _feature({"code_qp": "QN07102I", "lib_qp": "Prés Saint Jean", "insee_com": "71076,71445",
                  "lib_com": "Chalon-sur-Saône,Saint-Rémy", **base}, dx=0.02),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    write_csv(folder / "insee" / "revenus_qpv_2021.csv", [
        ["CODGEO", "LIBGEO", "DISP_MED21", "DISP_TP6021"],
        ["QN07101I", "Aubépins", "9 870", "52,1"],
        ["QN07102I", "Prés Saint Jean", "11 240", "44,0"],
        ["71076", "Chalon-sur-Saône", "19 590", "23,0"],
    ])


def _cog(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    communes = [{"code": "71076", "nom": "Chalon-sur-Saône (COG)", "type": "commune-actuelle",
                 "departement": "71", "region": "27", "population": 45102},
                {"code": "71445", "nom": "Saint-Rémy (COG)", "type": "commune-actuelle",
                 "departement": "71", "region": "27", "population": 6123}]
    epci = [{"code": "247100589", "nom": "CA Le Grand Chalon (COG)", "type": "CA",
             "populationMunicipale": 113440,
             "membres": [{"code": "71076", "nom": "Chalon-sur-Saône"}, {"code": "71445", "nom": "Saint-Rémy"}]}]
    deps = [{"code": "71", "nom": "Saône-et-Loire (COG)", "region": "27", "chefLieu": "71270"}]
    regs = [{"code": "27", "nom": "Bourgogne-Franche-Comté (COG)", "chefLieu": "21231"}]
    for name, data in (("communes", communes), ("epci", epci), ("departements", deps), ("regions", regs)):
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


TERRITORIES = ("select territory_code, territory_level, territory_name, population, s.kind, s.title"
               " from territories t join sources s using (source_id)"
               " where territory_level in ('commune', 'epci', 'departement', 'region') order by 2, 1")
LINKS = ("select child_code, child_level, parent_code, parent_level, s.kind from territory_links l"
         " join sources s using (source_id) order by 2, 1, 4, 3")


def test_contours_and_insee_only_publish_with_declared_territories(tmp_path):
    raw = tmp_path / "raw"
    _contours(raw)
    db = tmp_path / "qpv.duckdb"
    report = build([raw], db, progress=None, current_year=CURRENT_YEAR)
    assert report.outcome == "published"
    declared, title = "declared_territories", "déclaré par le fichier des contours"
    assert query(db, TERRITORIES) == [
        ("71076", "commune", "Chalon-sur-Saône", None, declared, title),
        ("71445", "commune", "Saint-Rémy", None, declared, title),
        ("71", "departement", "Saône-et-Loire", None, declared, title),
        ("247100589", "epci", "EPCI 247100589", None, declared, title),
        ("27", "region", "Bourgogne-Franche-Comté", None, declared, title),
    ]
    assert query(db, LINKS) == [
        ("71076", "commune", "71", "departement", declared),
        ("71076", "commune", "247100589", "epci", declared),
        ("71445", "commune", "71", "departement", declared),
        ("71445", "commune", "247100589", "epci", declared),
        ("71", "departement", "27", "region", declared),
        ("QN07101I", "qpv", "71076", "commune", "anct_qpv_contours"),
        ("QN07102I", "qpv", "71076", "commune", "anct_qpv_contours"),
        ("QN07102I", "qpv", "71445", "commune", "anct_qpv_contours"),
    ]
    assert [(m.file_name, m.message) for m in report.warnings] == [(
        "raw/QP2024_France_Hexagonale_Outre_Mer_WGS84.geojson",
        "2 commune(s), 1 EPCI, 1 département(s), 1 région(s) déclaré(s) par le fichier des contours "
        "(aucun COG chargé ne les donne) : noms et rattachements tels que le fichier les donne, "
        "sans population ; un COG chargé les remplace")]
    con = duckdb.connect(str(db), read_only=True)
    try:
        portrait = build_portrait(con, "QN07101I")
    finally:
        con.close()
    assert [(t.code, t.name) for t in portrait.communes] == [("71076", "Chalon-sur-Saône")]
    assert [(t.code, t.name) for t in portrait.epcis] == [("247100589", "EPCI 247100589")]
    median = portrait.value("median_income_eur_year")
    assert (median.value, median.year) == (9870.0, 2021)
    assert [(c.territory_code, c.value, c.gap) for c in median.comparators] == [
        ("71076", 19590.0, round(9870.0 / 19590.0, 6))]


def test_a_cog_loaded_alongside_keeps_its_names_and_links(tmp_path):
    raw = tmp_path / "raw"
    _contours(raw)
    _cog(tmp_path / "cog2026")
    db = tmp_path / "qpv.duckdb"
    report = build([tmp_path / "cog2026", raw], db, progress=None, current_year=CURRENT_YEAR)
    assert report.outcome == "published"
    assert query(db, TERRITORIES) == [
        ("71076", "commune", "Chalon-sur-Saône (COG)", 45102, "cog_communes", "Code officiel géographique : communes"),
        ("71445", "commune", "Saint-Rémy (COG)", 6123, "cog_communes", "Code officiel géographique : communes"),
        ("71", "departement", "Saône-et-Loire (COG)", None, "cog_departements",
         "Code officiel géographique : départements"),
        ("247100589", "epci", "CA Le Grand Chalon (COG)", 113440, "cog_epci",
         "Code officiel géographique : EPCI à fiscalité propre"),
        ("27", "region", "Bourgogne-Franche-Comté (COG)", None, "cog_regions", "Code officiel géographique : régions"),
    ]
    assert {r[4] for r in query(db, LINKS)} == {"cog_communes", "cog_epci", "cog_departements",
                                                "anct_qpv_contours"}
    assert not [m for m in report.warnings if "déclaré" in m.message]
    assert query(db, "select count(*) from sources where kind = 'declared_territories'") == [(0,)]


def test_anct_list_without_cog_declares_what_it_names(tmp_path):
    """The list as the reference file shapes it: insee_dep without lib_dep, no EPCI."""
    raw = tmp_path / "raw"
    write_csv(raw / "qpv2024_by_commune.csv", [
        ["code_qp", "lib_qp", "insee_com", "lib_com", "insee_dep"],
        ["QN07101I", "Aubépins", "71076", "Chalon-sur-Saône", "71"],
        ["QN07102I", "Prés Saint Jean", "71076", "Chalon-sur-Saône", "71"],
        ["QN97101N", "Boissard", "97101", "Les Abymes", "971"],
    ], sep=",")
    db = tmp_path / "qpv.duckdb"
    report = build([raw], db, progress=None, current_year=CURRENT_YEAR)
    assert report.outcome == "published"
    declared, title = "declared_territories", "déclaré par le fichier des contours"
    assert query(db, TERRITORIES) == [
        ("71076", "commune", "Chalon-sur-Saône", None, declared, title),
        ("97101", "commune", "Les Abymes", None, declared, title),
        ("71", "departement", "Département 71", None, declared, title),
        ("971", "departement", "Département 971", None, declared, title),
    ]
    assert query(db, "select qpv_code, commune_code, commune_name, epci_code from qpv_communes order by 1") == [
        ("QN07101I", "71076", "Chalon-sur-Saône", None), ("QN07102I", "71076", "Chalon-sur-Saône", None),
        ("QN97101N", "97101", "Les Abymes", None)]
    assert [m.message.split(" (")[0] for m in report.warnings] == [
        "2 commune(s), 2 département(s) déclaré(s) par le fichier des contours"]


@pytest.mark.integration
def test_real_qpv_list_alone_publishes():
    """The real ANCT 2024 list, alone: every commune it names is declared, every QPV has one."""
    import tempfile

    from tests.etl_loaders.conftest import need_reference
    path = need_reference("qpv2024", "qpv2024_by_commune.csv")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw"
        raw.mkdir()
        (raw / path.name).write_bytes(path.read_bytes())
        db = Path(tmp) / "qpv.duckdb"
        report = build([raw], db, progress=None, current_year=CURRENT_YEAR)
        assert report.outcome == "published"
        assert query(db, "select territory_level, count(*) from territories group by 1 order by 1") == [
            ("commune", 824), ("departement", 101), ("qpv", 1493)]
        assert query(db, "select count(distinct qpv_code), count(*) from qpv_communes"
                         " where commune_name is not null") == [(1493, 1684)]
        assert query(db, "select commune_name from qpv_communes where qpv_code = 'QN07101I'") == [
            ("Chalon-sur-Saône",)]
