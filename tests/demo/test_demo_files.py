"""The demo generator: same bytes every run, every file readable in its official format,
geography consistent, withheld values where they are meant to be, programme figures coherent."""
from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from openpyxl import load_workbook

from etl import demo
from etl.template import BY_NAME, TABLES
from indicators.registry import BY_SOURCE_VARIABLE
from tests.demo.conftest import read_insee, zip_members

QPV_CODES = [f"QN099{i:02d}{letter}" for i, letter in
             zip(range(1, 11), "MIMNNNNNNN")]
COMMUNE_CODES = [f"9900{i}" for i in range(1, 9)]
COMPARATOR_CODES = COMMUNE_CODES + ["999000001", "99", "FRM"]

EXPECTED_FILES = [
    "ban/adresses-99.csv",
    "carreaux/Filosofi2019_carreaux_200m_csv.zip",
    "cog/communes.json", "cog/departements.json", "cog/epci.json", "cog/regions.json",
    "contours/QP2015_Val_de_Lorne_WGS84.geojson",
    "contours/QP2024_Val_de_Lorne_Lambert93.geojson",
    "contours/communes_val_de_lorne_wgs84.geojson",
    "insee_communes/caf_2022_comparateurs.csv",
    "insee_communes/cc_filosofi_2017_val_de_lorne.csv",
    "insee_communes/cc_filosofi_2019_val_de_lorne.csv",
    "insee_communes/cc_filosofi_2020_val_de_lorne.csv",
    "insee_communes/cc_filosofi_2021_val_de_lorne.csv",
    "insee_communes/demandeurs_emploi_2023_comparateurs.csv",
    "insee_communes/logement_social_2022_comparateurs.csv",
    "insee_communes/rp_2020_comparateurs.csv",
    "insee_qpv/QPV2015_FILOSOFI_2017.zip",
    "insee_qpv/QPV2024_CAF_2022.zip",
    "insee_qpv/QPV2024_DEMANDEURS_EMPLOI_2023.zip",
    "insee_qpv/QPV2024_FILOSOFI_2019.zip",
    "insee_qpv/QPV2024_FILOSOFI_2020.zip",
    "insee_qpv/QPV2024_FILOSOFI_2021.zip",
    "insee_qpv/QPV2024_LOGEMENT_SOCIAL_2022.zip",
    "insee_qpv/QPV2024_RP_2020.zip",
    "piliers/APL_medecins_generalistes_val_de_lorne.xlsx", "piliers/fr-en-annuaire-education.csv",
    "piliers/fr-en-ips_colleges.csv",
    "programme/actions.csv", "programme/attributions.csv", "programme/beneficiaires_adresses.csv",
    "programme/beneficiaries.csv", "programme/common_law_figures.csv", "programme/common_law_schemes.csv",
    "programme/contracts.csv",
    "programme/documents.csv", "programme/funding.csv", "programme/housing_results.csv",
    "programme/kpi_definitions.csv", "programme/kpi_values.csv",
    "programme/programme_val_de_lorne.xlsx", "programme/published_values.csv",
    "programme/signatories.csv", "programme/steering_committee.csv",
    "programme/territories.csv", "programme/tfpb_abatements.csv",
]


def _digests(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


# ── Determinism and size ───────────────────────────────────────────────────────────────────

def test_same_bytes_on_every_run(tmp_path, demo_dir):
    first = tmp_path / "a"
    paths = demo.write_demo(first)
    assert [p.relative_to(first).as_posix() for p in paths] == EXPECTED_FILES
    assert _digests(first) == _digests(demo_dir)
    # Writing again into the same folder replaces the files and leaves nothing stale.
    (first / "programme" / "old_file.csv").write_text("x")
    demo.write_demo(first)
    assert _digests(first) == _digests(demo_dir)


def test_cli_in_another_process_gives_the_same_bytes(tmp_path, demo_dir):
    """`python -m etl demo --out DIR`, with another string-hash seed: no dependence on set order."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONHASHSEED="12345")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(tmp_path)], cwd=root,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert _digests(tmp_path) == _digests(demo_dir)


def test_other_files_of_the_folder_are_kept(tmp_path):
    (tmp_path / "README_local.md").write_text("notes")
    demo.write_demo(tmp_path)
    assert (tmp_path / "README_local.md").read_text() == "notes"


def test_small(tmp_path):
    # How long it takes is measured by `make bench` (bench/bench_etl.py), not asserted here.
    demo.write_demo(tmp_path)
    total = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert total < 3_000_000


# ── COG ───────────────────────────────────────────────────────────────────────────────────

def test_cog_files(demo_dir):
    communes = json.loads((demo_dir / "cog/communes.json").read_text("utf-8"))
    actual = [c for c in communes if c["type"] == "commune-actuelle"]
    assert [c["code"] for c in actual] == COMMUNE_CODES
    assert {(c["departement"], c["region"]) for c in actual} == {("99", "99")}
    assert sum(c["population"] for c in actual) == 119_500
    assert [c["code"] for c in communes if c["type"] != "commune-actuelle"] == ["99009"]
    epci = json.loads((demo_dir / "cog/epci.json").read_text("utf-8"))
    assert [(e["code"], e["nom"], e["populationMunicipale"]) for e in epci] == [
        ("999000001", "CA Val-de-Lorne (fictive)", 119_500)]
    assert [m["code"] for m in epci[0]["membres"]] == COMMUNE_CODES
    assert json.loads((demo_dir / "cog/departements.json").read_text("utf-8")) == [
        {"code": "99", "region": "99", "chefLieu": "99001", "nom": "Département fictif",
         "typeLiaison": 0, "zone": "metro"}]
    assert json.loads((demo_dir / "cog/regions.json").read_text("utf-8")) == [
        {"code": "99", "chefLieu": "99001", "nom": "Région fictive", "typeLiaison": 0, "zone": "metro"}]


# ── Contours ──────────────────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def contours(demo_dir):
    communes = gpd.read_file(demo_dir / "contours/communes_val_de_lorne_wgs84.geojson")
    qpv = gpd.read_file(demo_dir / "contours/QP2024_Val_de_Lorne_Lambert93.geojson")
    qpv15 = gpd.read_file(demo_dir / "contours/QP2015_Val_de_Lorne_WGS84.geojson")
    return communes, qpv, qpv15


def test_contour_attributes(contours):
    communes, qpv, qpv15 = contours
    assert communes.crs.to_epsg() == 4326
    assert list(communes["code"]) == COMMUNE_CODES
    assert qpv.crs.to_epsg() == 2154
    assert list(qpv.columns) == ["code_qp", "lib_qp", "insee_reg", "lib_reg", "insee_dep",
                                 "lib_dep", "insee_com", "lib_com", "siren_epci", "geometry"]
    assert list(qpv["code_qp"]) == QPV_CODES
    assert all(re.fullmatch(r"QN099\d{2}[IMN]", c) for c in qpv["code_qp"])
    assert dict(zip(qpv["code_qp"], qpv["insee_com"]))["QN09903M"] == "99001,99002"
    assert dict(zip(qpv["code_qp"], qpv["lib_qp"]))["QN09901M"] == \
        "Vieux Moulin - Paradis - Les Hauts de Lorne"
    assert set(qpv["siren_epci"]) == {"999000001"}
    assert qpv15.crs.to_epsg() == 4326
    assert qpv15.drop(columns="geometry").to_dict("records") == [
        {"CODE_QP": "QP099001", "NOM_QP": "Vieux Moulin - Paradis", "COMMUNE_QP": "Lorneville"},
        {"CODE_QP": "QP099002", "NOM_QP": "Les Tilleuls", "COMMUNE_QP": "Lorneville"}]


def test_lambert_file_declares_its_crs(demo_dir):
    raw = json.loads((demo_dir / "contours/QP2024_Val_de_Lorne_Lambert93.geojson").read_text("utf-8"))
    assert raw["crs"] == {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}
    assert list(raw) == ["type", "name", "crs", "features"]      # GDAL's order
    x, y = raw["features"][0]["geometry"]["coordinates"][0][0]
    assert 600_000 < x < 750_000 and 6_550_000 < y < 6_700_000


def test_communes_tile_without_overlap(contours):
    communes = contours[0].to_crs(2154)
    geoms = list(communes.geometry)
    assert all(g.geom_type == "Polygon" and g.is_valid for g in geoms)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert a.intersection(b).area < 1.0
    assert shapely.union_all(geoms).buffer(0.5).geom_type == "Polygon"   # one piece
    # Lorneville borders Saint-Aubin-sur-Lorne (the two-commune QPV sits on that border).
    assert geoms[0].buffer(1).intersection(geoms[1]).area > 0


def test_qpv_polygons_within_their_communes(contours):
    communes, qpv, qpv15 = contours
    by_code = dict(zip(communes["code"], communes.to_crs(2154).geometry))
    for code, insee_com, geom in zip(qpv["code_qp"], qpv["insee_com"], qpv.geometry):
        area = shapely.union_all([by_code[c] for c in insee_com.split(",")])
        assert geom.is_valid and geom.geom_type == "Polygon", code
        assert area.buffer(1).contains(geom), code
        assert 100_000 < geom.area < 2_500_000, code
    spanning = dict(zip(qpv["code_qp"], qpv.geometry))["QN09903M"]
    for c in ("99001", "99002"):
        assert spanning.intersection(by_code[c]).area > 0.2 * spanning.area
    geoms = list(qpv.geometry)
    for i, a in enumerate(geoms):
        for b in geoms[i + 1:]:
            assert not a.intersects(b)
    for geom in qpv15.to_crs(2154).geometry:
        assert by_code["99001"].buffer(1).contains(geom)
    # I = same contour in 2015 and 2024.
    tilleuls_2015 = qpv15.to_crs(2154).geometry.iloc[1]
    tilleuls_2024 = dict(zip(qpv["code_qp"], qpv.geometry))["QN09902I"]
    assert tilleuls_2015.symmetric_difference(tilleuls_2024).area < 0.001 * tilleuls_2024.area


# ── INSEE QPV statistics ──────────────────────────────────────────────────────────────────

QPV_ZIPS = {
    # file: (encoding, variables)
    "QPV2024_FILOSOFI_2019": ("latin-1", ["DISP_MED_A19", "DISP_TP60_A19", "DISP_D1_A19", "DISP_D9_A19", "NOTE_FILO"]),
    "QPV2024_FILOSOFI_2020": ("utf-8-sig", ["DISP_MED_A20", "DISP_TP60_A20", "DISP_D1_A20", "DISP_D9_A20", "NOTE_FILO"]),
    "QPV2024_FILOSOFI_2021": ("utf-8", ["DISP_MED_A21", "DISP_TP60_A21", "DISP_D1_A21", "DISP_D9_A21", "NOTE_FILO"]),
    "QPV2015_FILOSOFI_2017": ("latin-1", ["DISP_MED17", "DISP_TP6017", "DISP_D117", "DISP_D917"]),
    "QPV2024_RP_2020": ("utf-8", ["POP_MUN_A20", "PART_FAM_MONO_A20", "PART_FAM_NOMB_A20",
                                  "PART_MOINS18_A20", "PART_75ETPLUS_A20", "TX_ACT_A20",
                                  "TX_TOT_EMPL_A20", "NOTE_RP"]),
    "QPV2024_DEMANDEURS_EMPLOI_2023": ("utf-8", ["ABC_A23", "ABC_INFCAPBEP_A23", "ABC_CAPBEP_A23",
                                                 "ABC_BAC_A23", "ABC_SUPBAC_A23", "NOTE_PE"]),
    "QPV2024_CAF_2022": ("latin-1", ["PART_ALLOC_BAS_REV_A22", "NOTE_CNAF"]),
    "QPV2024_LOGEMENT_SOCIAL_2022": ("utf-8", ["NB_LLS_A22", "PART_LLS_A22"]),
}


def _base(var: str) -> str:
    return re.sub(r"(_A\d{2}|\d{2})$", "", var)


@pytest.mark.parametrize("name", sorted(QPV_ZIPS))
def test_insee_qpv_zip(demo_dir, name):
    encoding, variables = QPV_ZIPS[name]
    members = zip_members(demo_dir / f"insee_qpv/{name}.zip")
    assert sorted(members) == [f"data_{name}.csv", f"meta_{name}.csv"]
    df = read_insee(members[f"data_{name}.csv"], encoding)
    assert list(df.columns) == ["CODGEO", "LIBGEO"] + variables
    # "Ensemble des QPV" first, then the QPVs of the file's geography.
    assert df["LIBGEO"].iloc[0].startswith("Ensemble des quartiers prioritaires")
    expected_codes = ["QP099001", "QP099002"] if "QPV2015" in name else QPV_CODES
    assert list(df["CODGEO"].iloc[1:]) == expected_codes
    meta = read_insee(members[f"meta_{name}.csv"], encoding)
    assert list(meta.columns) == ["COD_VAR", "LIB_VAR"]
    assert list(meta["COD_VAR"]) == ["CODGEO", "LIBGEO"] + variables
    # Every measured variable maps to a registered indicator.
    for var in variables:
        if not var.startswith("NOTE_"):
            assert _base(var) in BY_SOURCE_VARIABLE, var


def test_insee_encodings_and_separators(demo_dir):
    def data(name):
        return zip_members(demo_dir / f"insee_qpv/{name}.zip")[f"data_{name}.csv"]

    latin = data("QPV2024_FILOSOFI_2019")
    with pytest.raises(UnicodeDecodeError):
        latin.decode("utf-8")
    assert b"\r\n" in latin and "13\u00a0770".encode("latin-1") in latin
    assert data("QPV2024_FILOSOFI_2020").startswith(b"\xef\xbb\xbf")
    utf8 = data("QPV2024_FILOSOFI_2021").decode("utf-8")
    assert "11\u202f820;52,4;6\u202f020;22\u202f450;" in utf8      # narrow no-break spaces
    assert utf8.splitlines()[0].endswith(";")                      # trailing empty column
    assert "5\u202f918\u202f340" in data("QPV2024_RP_2020").decode("utf-8")


def test_withheld_values(demo_dir):
    """Every withheld marker and NOTE_* flag of the QPV files, and nothing else."""
    found = set()
    for name, (encoding, variables) in QPV_ZIPS.items():
        df = read_insee(zip_members(demo_dir / f"insee_qpv/{name}.zip")[f"data_{name}.csv"], encoding)
        for _, row in df.iterrows():
            for var in variables:
                cell = row[var]
                if var.startswith("NOTE_"):
                    if cell:
                        found.add((name, row["CODGEO"], var, cell))
                elif cell in ("s", "nd", "ns", "nc", ""):
                    found.add((name, row["CODGEO"], var, cell))
    secret_filo = {(f"QPV2024_FILOSOFI_{y}", "QN09910N", f"DISP_{v}_A{y % 100}", "s")
                   for y in (2019, 2020, 2021) for v in ("MED", "TP60", "D1", "D9")}
    secret_flag = {(f"QPV2024_FILOSOFI_{y}", "QN09910N", "NOTE_FILO", "1") for y in (2019, 2020, 2021)}
    assert found == secret_filo | secret_flag | {
        ("QPV2024_FILOSOFI_2019", "QN09904N", "DISP_D1_A19", "nd"),
        ("QPV2024_FILOSOFI_2019", "QN09904N", "DISP_D9_A19", "nd"),
        ("QPV2024_FILOSOFI_2020", "QN09909N", "DISP_TP60_A20", "s"),
        ("QPV2024_FILOSOFI_2020", "QN09907N", "NOTE_FILO", "1"),
        ("QPV2024_RP_2020", "QN09904N", "TX_ACT_A20", "s"),
        ("QPV2024_RP_2020", "QN09904N", "TX_TOT_EMPL_A20", "s"),
        ("QPV2024_CAF_2022", "QN09907N", "PART_ALLOC_BAS_REV_A22", "nd"),
        ("QPV2024_CAF_2022", "QN09907N", "NOTE_CNAF", "1"),
    }


# ── INSEE commune-style comparators ───────────────────────────────────────────────────────

@pytest.mark.parametrize("year", [2017, 2019, 2020, 2021])
def test_filosofi_commune_files(demo_dir, year):
    yy = year % 100
    df = read_insee((demo_dir / f"insee_communes/cc_filosofi_{year}_val_de_lorne.csv").read_bytes(), "utf-8")
    assert list(df.columns) == ["CODGEO", f"NBMENFISC{yy}", f"NBPERSMENFISC{yy}", f"MED{yy}",
                                f"TP60{yy}", f"D1{yy}", f"D9{yy}", f"RD{yy}"]
    assert list(df["CODGEO"]) == COMPARATOR_CODES
    small = df.set_index("CODGEO").loc["99008"]
    assert [small[f"TP60{yy}"], small[f"D1{yy}"], small[f"D9{yy}"], small[f"RD{yy}"]] == ["s"] * 4
    france = df.set_index("CODGEO").loc["FRM"]
    med = float(france[f"MED{yy}"])
    assert 21_000 <= med <= 23_000
    assert 14.0 <= float(france[f"TP60{yy}"].replace(",", ".")) <= 14.8


def test_filosofi_2021_comparators_exact(demo_dir):
    df = read_insee((demo_dir / "insee_communes/cc_filosofi_2021_val_de_lorne.csv").read_bytes(), "utf-8")
    assert df.set_index("CODGEO")[["MED21", "TP6021"]].to_dict("index") == {
        "99001": {"MED21": "19480", "TP6021": "23,4"}, "99002": {"MED21": "21250", "TP6021": "17,2"},
        "99003": {"MED21": "22640", "TP6021": "12,9"}, "99004": {"MED21": "21780", "TP6021": "14,8"},
        "99005": {"MED21": "22930", "TP6021": "11,6"}, "99006": {"MED21": "24610", "TP6021": "7,4"},
        "99007": {"MED21": "25380", "TP6021": "6,1"}, "99008": {"MED21": "23870", "TP6021": "s"},
        "999000001": {"MED21": "21020", "TP6021": "17,1"}, "99": {"MED21": "21540", "TP6021": "15,3"},
        "FRM": {"MED21": "22880", "TP6021": "14,5"}}


@pytest.mark.parametrize("name,encoding,variables", [
    ("rp_2020_comparateurs", "utf-8", ["POP_MUN_A20", "PART_FAM_MONO_A20", "PART_FAM_NOMB_A20",
                                       "PART_MOINS18_A20", "PART_75ETPLUS_A20", "TX_ACT_A20",
                                       "TX_TOT_EMPL_A20"]),
    ("demandeurs_emploi_2023_comparateurs", "latin-1", ["ABC_A23", "ABC_INFCAPBEP_A23",
                                                        "ABC_CAPBEP_A23", "ABC_BAC_A23", "ABC_SUPBAC_A23"]),
    ("caf_2022_comparateurs", "utf-8", ["PART_ALLOC_BAS_REV_A22"]),
    ("logement_social_2022_comparateurs", "utf-8", ["NB_LLS_A22", "PART_LLS_A22"]),
])
def test_other_comparator_files(demo_dir, name, encoding, variables):
    df = read_insee((demo_dir / f"insee_communes/{name}.csv").read_bytes(), encoding)
    assert list(df.columns) == ["CODGEO", "LIBGEO"] + variables
    assert list(df["CODGEO"]) == COMPARATOR_CODES
    assert df.set_index("CODGEO").loc["FRM", "LIBGEO"] == "France métropolitaine"


def test_epci_population_is_the_sum_of_its_communes(demo_dir):
    df = read_insee((demo_dir / "insee_communes/rp_2020_comparateurs.csv").read_bytes(), "utf-8")
    pop = {k: int(v.replace(" ", "")) for k, v in zip(df["CODGEO"], df["POP_MUN_A20"])}
    assert pop["999000001"] == sum(pop[c] for c in COMMUNE_CODES)


# ── Filosofi 200 m grid ───────────────────────────────────────────────────────────────────

@pytest.fixture(scope="module")
def grid(demo_dir):
    members = zip_members(demo_dir / "carreaux/Filosofi2019_carreaux_200m_csv.zip")
    assert sorted(members) == ["carreaux_200m_met.csv", "meta_carreaux_200m_met.csv"]
    return pd.read_csv(io.BytesIO(members["carreaux_200m_met.csv"]), dtype={"lcog_geo": str})


def test_grid_columns_and_ids(grid):
    assert list(grid.columns) == demo.GRID_COLUMNS
    assert 1_000 < len(grid) < 5_000
    assert grid["Idcar_200m"].is_unique
    parts = grid["Idcar_200m"].str.extract(r"^CRS3035RES200mN(\d{7})E(\d{7})$").astype(int)
    assert (parts % 200 == 0).all().all()
    assert grid["lcog_geo"].str.fullmatch(r"(99\d{3})+").all()
    # One square is withheld at the source (every count empty, etl/demo.GRID_WITHHELD).
    withheld = grid["Ind"].isna()
    assert grid.loc[withheld, "Idcar_200m"].tolist() == [demo.grid_cell_id(xy) for xy in
                                                         demo.grid_withheld_squares()]
    assert grid.loc[withheld, demo.GRID_COLUMNS[1:-1]].isna().all().all()
    shown = grid[~withheld]
    age = shown[[c for c in grid.columns if c.startswith("Ind_") and c != "Ind_snv"]].sum(axis=1)
    assert ((age - shown["Ind"]).abs() < 0.5).all()
    assert (shown["Men_pauv"] <= shown["Men"]).all() and (shown["Ind"] > 0).all()


def test_grid_population_per_commune(grid):
    # A square on a border lists several communes; it is counted here with the first one.
    first = grid["lcog_geo"].str[:5]
    per_commune = grid.groupby(first)["Ind"].sum()
    for c in demo.COMMUNES:
        assert abs(per_commune[c.code] - c.population) < 0.10 * c.population, c.code
    total = sum(c.population for c in demo.COMMUNES)
    assert 0.95 * total < grid["Ind"].sum() < total


def test_grid_qpv_squares_are_poorer(grid, contours):
    from pyproj import Transformer

    qpv = shapely.union_all(list(contours[1].geometry))
    parts = grid["Idcar_200m"].str.extract(r"N(\d+)E(\d+)").astype(float)
    x, y = Transformer.from_crs(3035, 2154, always_xy=True).transform(parts[1] + 100, parts[0] + 100)
    inside = shapely.contains_xy(qpv, x, y)
    share = lambda m: grid.loc[m, "Men_pauv"].sum() / grid.loc[m, "Men"].sum()   # noqa: E731
    mean = lambda m: grid.loc[m, "Ind_snv"].sum() / grid.loc[m, "Ind"].sum()      # noqa: E731
    assert inside.sum() > 50
    assert share(inside) > 0.38 and share(~inside) < 0.15
    assert mean(inside) < 16_000 < 22_000 < mean(~inside)


# ── Programme template ────────────────────────────────────────────────────────────────────

CSV_TABLES = ["actions", "attributions", "beneficiaries", "contracts", "documents", "funding",
              "housing_results", "kpi_definitions", "kpi_values", "published_values", "territories",
              "signatories", "common_law_schemes", "common_law_figures", "tfpb_abatements",
              "steering_committee"]


@pytest.fixture(scope="module")
def programme(demo_dir) -> dict[str, pd.DataFrame]:
    tables = {}
    for name in CSV_TABLES:
        sep, enc = ("," if name == "attributions" else ";"), ("latin-1" if name == "attributions" else "utf-8")
        tables[name] = pd.read_csv(demo_dir / f"programme/{name}.csv", sep=sep, encoding=enc,
                                   dtype=str, keep_default_na=False)
    wb = load_workbook(demo_dir / "programme/programme_val_de_lorne.xlsx")
    assert wb.sheetnames == ["housing_objectives", "qualitative"]
    for ws in wb.worksheets:
        rows = list(ws.values)
        tables[ws.title] = pd.DataFrame(
            [["" if v is None else str(v) for v in r] for r in rows[1:]], columns=list(rows[0]))
    return tables


def test_every_template_table_is_present_with_its_header(programme):
    # The annual review's tables (issue 12) included.
    assert sorted(programme) == sorted(t.name for t in TABLES)
    for name, df in programme.items():
        spec = BY_NAME[name]
        assert list(df.columns) == list(spec.names), name
        for col in spec.columns:
            if col.required:
                assert (df[col.name] != "").all(), (name, col.name)
            if col.values:
                assert set(df[col.name]) - {""} <= set(col.values), (name, col.name)
            if col.type == "bool":
                assert set(df[col.name]) <= {"oui", "non", "", "True", "False"}, (name, col.name)
        assert set(df["contract"]) == {"demo"}


def test_contract_and_territories(programme):
    assert programme["contracts"].to_dict("records") == [{
        "contract": "demo", "contract_name": "Contrat de ville de Val-de-Lorne (fictif)",
        "epci_code": "999000001", "period_label": "2020–2026", "start_year": "2020",
        "end_year": "2026", "is_fictional": "oui"}]
    t = programme["territories"]
    assert list(zip(t["territory_code"], t["territory_level"])) == \
        [(c, "qpv") for c in QPV_CODES] + [("QP099001", "qpv"), ("QP099002", "qpv"),
                                            ("QV09901", "quartier_veille"), ("QV09902", "quartier_veille"),
                                            ("PP09901", "poche_pauvrete")]
    assert set(t["in_contract"]) == {"oui"}
    assert dict(zip(t["territory_code"], t["parent_codes"]))["QN09903M"] == "99001,99002"


def test_actions_and_funding(programme):
    actions, funding = programme["actions"], programme["funding"]
    assert set(actions["year"]) == {str(y) for y in range(2020, 2027)}
    assert 110 <= len(actions) <= 140
    assert not actions.duplicated(["action_id", "year"]).any()
    cpo = (actions["is_multiyear_agreement"] == "oui").mean()
    assert 0.40 <= cpo <= 0.60
    assert 0.25 <= (actions["is_new"] == "oui").mean() <= 0.45
    known = set(QPV_CODES) | {"QV09901", "QV09902", "PP09901"}
    codes = {c for cell in actions["territories"] if cell for c in cell.split(",")}
    assert codes <= known and "PP09901" in codes
    assert set(actions["theme"]) <= set(demo.THEMES)
    # Every funding line names an action of the same year, or none (an envelope).
    keys = set(zip(actions["action_id"], actions["year"]))
    tied = funding[funding["action_id"] != ""]
    assert set(zip(tied["action_id"], tied["year"])) <= keys
    assert (funding["action_id"] == "").sum() == 7
    amount = funding.assign(eur=funding["amount_eur"].astype(float))
    per_funder = amount.groupby("funder")["eur"].sum()
    leverage = per_funder / per_funder["ville"]
    assert set(per_funder.index) == {"ville", "epci", "etat_p147", "etat_autre", "caf",
                                     "departement", "region", "autre"}
    assert 1.3 < leverage["epci"] < 2.2 and 2.5 < leverage["etat_p147"] < 4.0
    per_year = amount.groupby("year")["eur"].sum()
    assert ((per_year > 700_000) & (per_year < 1_800_000)).all()
    # Poverty-pocket credits: under the 2,5 % cap of programme 147, from 2024.
    pocket = set(actions.loc[actions["is_poverty_pocket"] == "oui", "action_id"])
    assert pocket == {"VDL-PP1"}
    p147 = amount[amount["funder"] == "etat_p147"]
    for year in ("2024", "2025", "2026"):
        share = p147.loc[(p147["year"] == year) & p147["action_id"].isin(pocket), "eur"].sum() / \
            p147.loc[p147["year"] == year, "eur"].sum()
        assert 0.01 < share < 0.025, year


def test_review_tables(programme):
    # The annual review of the fictional contract (issue 12): signatories (one mandatory type,
    # justice, missing), two actors that do not sign, schemes per pillar, figures for 2024 and
    # 2025 (QPV-specific and territory-wide, some schemes never reported), TFPB, committee.
    sig = programme["signatories"]
    assert sig[["signatory_id", "signatory_type", "is_signatory"]].values.tolist() == [
        ["prefecture", "etat", "oui"], ["ddets", "etat", "oui"], ["lorneville", "commune", "oui"],
        ["agglo", "epci", "oui"], ["departement", "departement", "oui"], ["region", "region", "oui"],
        ["caf", "caf", "oui"], ["france-travail", "france_travail", "oui"],
        ["lorne-habitat", "bailleur", "oui"], ["habitat-du-val", "bailleur", "oui"], ["ars", "ars", "oui"],
        ["education", "education_nationale", "oui"], ["lorne-insertion", "autre", "non"],
        ["mission-locale", "autre", "non"]]
    # Fictional, and said so.
    assert all("fictif" in n or "fictive" in n or n == "Ville de Lorneville" for n in sig["name"])
    sch, fig = programme["common_law_schemes"], programme["common_law_figures"]
    assert sch.groupby("pillar").size().to_dict() == {
        "Cadre de vie": 2, "Emploi et insertion": 6, "Santé": 1, "Éducation et parentalité": 4}
    assert set(sch["signatory_id"]) <= set(sig["signatory_id"])
    assert set(fig["scheme_id"]) <= set(sch["scheme_id"])
    assert fig.groupby(["year", "scope"]).size().to_dict() == {
        ("2024", "qpv"): 8, ("2024", "territoire"): 3, ("2025", "qpv"): 6, ("2025", "territoire"): 2}
    # Never reported at all: the insertion worksites, the department's prevention, the health contract.
    assert sorted(set(sch["scheme_id"]) - set(fig["scheme_id"])) == ["dc-06", "dc-10", "dc-13"]
    assert (fig["document_id"] == "doc-bilan-2025").all()
    tfpb = programme["tfpb_abatements"]
    assert tfpb[["signatory_id", "year", "territory_code", "amount_eur"]].values.tolist() == [
        ["lorne-habitat", "2024", "QN09901M", "58000"], ["lorne-habitat", "2024", "QN09905N", "31500"],
        ["habitat-du-val", "2024", "", ""], ["lorne-habitat", "2025", "QN09901M", "61000"],
        ["lorne-habitat", "2025", "QN09905N", "12800"], ["habitat-du-val", "2025", "", "27400"]]
    com = programme["steering_committee"]
    assert com["college"].tolist() == ["Pilotes"] * 3 + ["Signataires"] * 6 + ["Habitants"]
    assert com["position"].tolist() == [str(i) for i in range(1, 11)]
    assert set(com["signatory_id"]) - {""} <= set(sig["signatory_id"])


def test_kpis(programme):
    defs, values = programme["kpi_definitions"], programme["kpi_values"]
    assert list(defs["kpi_id"]) == [k[0] for k in demo.KPIS]
    assert set(values["kpi_id"]) == set(defs["kpi_id"])
    yearly = values[values["year"] != ""]
    assert set(yearly["year"]) == {str(y) for y in range(2020, 2027)}
    assert (yearly["target"] != "").all()
    # 2026 holds targets only: the review giving the figures was published on 10 February 2026
    # (issue 11, D1: no document gives a year before it ends).
    missing = yearly[yearly["status"] != "ok"]
    assert missing[["kpi_id", "territory_code", "year", "value", "status"]].values.tolist() == [
        [k, "", "2026", "", "missing"] for k in ("droits_rouverts", "interventions_mediation",
                                                  "familles_accompagnees", "enfants_pre",
                                                  "participants_quartiers_ete", "jeunes_accompagnes_emploi")
    ] + [["habitants_rencontres", q, "2026", "", "missing"] for q in ("QN09901M", "QN09905N", "QN09903M",
                                                                      "QN09906N")]
    assert (yearly.loc[yearly["status"] == "ok", "value"] != "").all()
    per_qpv = values[values["territory_code"] != ""]
    assert set(per_qpv["kpi_id"]) == {"habitants_rencontres"}
    assert set(per_qpv["territory_code"]) == {"QN09901M", "QN09905N", "QN09903M", "QN09906N"}
    period = values[values["year"] == ""]
    assert period[["kpi_id", "period_label", "qualifier", "is_published"]].to_dict("records") == [
        {"kpi_id": "habitants_rencontres", "period_label": "depuis juillet 2024",
         "qualifier": "plus de", "is_published": "oui"}]


def test_attributions_and_cia(programme):
    att = programme["attributions"].assign(n=lambda d: d["n_attributions"].astype(int))
    assert set(att["year"]) == {"2021", "2022", "2023", "2024", "2025"}
    assert set(att["reserving_party"]) == {"etat", "communes", "action_logement", "bailleurs", "autres"}
    assert att["landlord"].nunique() == 4
    assert ((att["location"] == "qpv") == (att["qpv_code"] != "")).all()
    assert set(att.loc[att["qpv_code"] != "", "qpv_code"]) <= set(QPV_CODES)
    assert not att.duplicated([c for c in att.columns if c not in ("n_attributions", "n")]).any()
    signed = att[att["is_lease_signed"] == "oui"]
    for year, df in signed.groupby("year"):
        out = df[df["location"] == "hors_qpv"]
        q1_out = out.loc[out["resource_quartile"] == "1", "n"].sum() / out["n"].sum()
        inq = df[df["location"] == "qpv"]
        above_q1_in = inq.loc[inq["resource_quartile"] != "1", "n"].sum() / inq["n"].sum()
        assert 0.10 < q1_out < 0.25, year           # below the 25 % target
        assert 0.50 < above_q1_in < 0.70, year
    obj = programme["housing_objectives"]
    assert obj.loc[obj["party_type"] == "ensemble", ["objective", "target_pct"]].to_dict("records") == [
        {"objective": "q1_hors_qpv", "target_pct": "25"},
        {"objective": "hors_q1_en_qpv", "target_pct": "50"},
        {"objective": "menages_prioritaires", "target_pct": "25"}]
    etat = obj[(obj["party_type"] == "reservataire") & (obj["party_name"] == "etat")]
    assert list(etat["target_pct"]) == ["100"]
    # The published 2022 result is what the attributions give.
    res = programme["housing_results"].set_index("objective").loc["q1_hors_qpv"]
    y = signed[(signed["year"] == "2022") & (signed["location"] == "hors_qpv")]
    num, den = y.loc[y["resource_quartile"] == "1", "n"].sum(), y["n"].sum()
    assert (int(res["numerator"]), int(res["denominator"])) == (num, den)
    assert float(res["rate_pct"].replace(",", ".")) == round(100 * num / den, 2)
    assert int(res["needed_published"]) == round(0.25 * den - num)


def test_qualitative_and_published_values(programme):
    q = programme["qualitative"]
    assert set(q["item_type"]) == {
        "pillar", "priority_issue", "strength", "consultation_appreciated", "consultation_deplored",
        "consultation_requested", "verbatim", "review_intro", "review_need", "review_done",
        "review_changed", "review_figure", "note"}
    issues = q[q["item_type"] == "priority_issue"]
    assert set(issues["territory_code"]) == set(QPV_CODES) | {"QV09901", "QV09902", "PP09901"}
    review = q[q["item_type"].str.startswith("review_") & (q["item_type"] != "review_intro")]
    assert review.groupby("theme")["item_type"].apply(sorted).to_dict() == {
        theme: ["review_changed", "review_done", "review_figure", "review_need"]
        for theme in ("Accès aux droits", "Réussite éducative", "Tranquillité publique")}
    pv = programme["published_values"]
    assert pv.iloc[0].to_dict() == {
        "contract": "demo", "territory_code": "QN09901M", "territory_level": "qpv",
        "indicator_id": "fragile_occupation_dwellings_pct", "year": "2022", "value": "90,0",
        "numerator": "900", "denominator": "1000", "status": "ok",
        "source_note": "Bailleurs – enquête OPS 2022 (fictif)", "document_id": "doc-portraits",
        "source_ref": "p. 4", "is_internal": "", "headline": "", "headline_order": "", "year_given": ""}
    headlines = programme["kpi_definitions"]
    assert headlines.loc[headlines["headline"] == "oui", ["kpi_id", "headline_order"]].values.tolist() \
        == [["habitants_rencontres", "3"], ["droits_rouverts", "1"], ["interventions_mediation", "4"],
            ["familles_accompagnees", "2"]]
    docs = set(programme["documents"]["document_id"])
    for name in ("actions", "funding", "kpi_values", "published_values", "territories",
                 "qualitative", "housing_objectives", "housing_results"):
        assert set(programme[name]["document_id"]) - {""} <= docs, name


def test_xlsx_is_a_plain_workbook(demo_dir):
    with zipfile.ZipFile(demo_dir / "programme/programme_val_de_lorne.xlsx") as zf:
        core = zf.read("docProps/core.xml").decode()
    assert "2024-06-01T00:00:00Z" in core


def test_ban_file_has_the_real_layout(demo_dir):
    ban = pd.read_csv(demo_dir / "ban/adresses-99.csv", sep=";", dtype=str, keep_default_na=False)
    assert list(ban.columns) == demo.BAN_HEADER
    assert len(ban) == 8760 and ban["id"].is_unique
    assert sorted(ban["code_insee"].unique()) == [c.code for c in demo.COMMUNES]
    assert (ban.groupby("code_insee")["code_postal"].unique().map(list).to_dict()
            == {c.code: [c.postcode] for c in demo.COMMUNES})
    # The former commune (COG commune déléguée 99009) and a lieu-dit, as the BAN holds them.
    assert sorted(ban.loc[ban["nom_ancienne_commune"] != "", "code_insee"].unique()) == ["99004"]
    assert set(ban.loc[ban["nom_ld"] != "", "nom_voie"]) == {"Les Grandes Vignes"}
    assert set(ban["rep"]) == {"", "bis", "ter"}
    people = pd.read_csv(demo_dir / "programme/beneficiaires_adresses.csv", sep=";", dtype=str)
    assert list(people.columns) == ["contract", "action_id", "year", "adresse", "code_postal",
                                    "ville", "sex", "age_band"]
    assert len(people) == 139
