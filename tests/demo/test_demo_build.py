"""The real build (etl/build.py and every loader) on the generated demo territory."""
from __future__ import annotations

import importlib.util
import math

import duckdb
import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("etl.build") is None,
                                reason="etl.build n'existe pas encore (écrit en parallèle)")


@pytest.fixture(scope="module")
def db(demo_dir, tmp_path_factory):
    from etl.build import build

    path = tmp_path_factory.mktemp("demo_db") / "demo.duckdb"
    report = build([demo_dir], path, progress=lambda line: None)
    assert report.outcome == "published", report.summary()
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def _rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def _round(rows):
    return [tuple(round(v, 4) if isinstance(v, float) and not math.isnan(v) else v for v in r)
            for r in rows]


def test_every_file_is_loaded(db, demo_dir):
    files = _rows(db, "select file_name, kind, outcome from build_files order by file_name")
    outcomes = {f[2] for f in files}
    assert outcomes == {"loaded"}
    kinds = sorted({f[1] for f in files})
    assert kinds == sorted([
        "anct_qpv_contours", "ban_addresses", "commune_contours", "cog_communes", "cog_departements", "cog_epci",
        "cog_regions", "depp_ips_colleges", "drees_apl_commune", "education_annuaire", "filosofi_grid",
        "insee_commune_stats", "insee_dictionary", "insee_qpv_stats",
        "programme_actions", "programme_attributions", "programme_beneficiaries",
        "programme_contracts", "programme_documents",
        "programme_funding", "programme_housing_results", "programme_kpi_definitions",
        "programme_kpi_values", "programme_published_values", "programme_territories",
        "programme_workbook", "programme_signatories", "programme_common_law_schemes",
        "programme_common_law_figures", "programme_tfpb_abatements", "programme_steering_committee"])
    assert _rows(db, "select level, message from build_messages where level = 'error'") == []


def test_territories(db):
    assert _rows(db, """
        select territory_level, count(*) from territories group by 1 order by 1""") == [
        ("commune", 8), ("departement", 1), ("epci", 1), ("france", 1), ("poche_pauvrete", 1),
        ("qpv", 12), ("qpv_ensemble", 2), ("quartier_veille", 2), ("region", 1)]
    assert _rows(db, """
        select qpv_code, qpv_name, geography_vintage, commune_code, epci_code, is_fictional
        from qpv_communes where qpv_code in ('QN09903M', 'QP099001') order by 1, 4""") == [
        ("QN09903M", "Bords de Lorne - Gare", 2024, "99001", "999000001", True),
        ("QN09903M", "Bords de Lorne - Gare", 2024, "99002", "999000001", True),
        ("QP099001", "Vieux Moulin - Paradis", 2015, "99001", "999000001", True)]
    assert _rows(db, """
        select territory_level, count(*) from contract_territories where contract_slug = 'demo'
        group by 1 order by 1""") == [("poche_pauvrete", 1), ("qpv", 12), ("quartier_veille", 2)]
    assert _rows(db, """
        select territory_level, count(*) from territory_geometries group by 1 order by 1""") == [
        ("commune", 8), ("qpv", 12)]
    assert _rows(db, "select contract_slug, epci_code, is_fictional from contracts") == [
        ("demo", "999000001", True)]


KEY_ROWS = """
    select territory_code, territory_level, indicator_id, year, value, status
    from indicator_values
    where (territory_code, indicator_id, year) in (
        ('QN09901M', 'median_income_eur_year', 2021), ('QN09901M', 'poverty_rate_pct', 2021),
        ('QN09910N', 'median_income_eur_year', 2021), ('QN09907N', 'median_income_eur_year', 2020),
        ('QN09904N', 'income_d1_eur_year', 2019), ('QN09904N', 'activity_rate_15_64_pct', 2020),
        ('QN09904N', 'population_count', 2020), ('QN09903M', 'jobseekers_below_cap_bep_pct', 2023),
        ('QN09907N', 'caf_low_income_pct', 2022), ('QP099001', 'median_income_eur_year', 2017),
        ('99001', 'median_income_eur_year', 2021), ('99008', 'poverty_rate_pct', 2021),
        ('999000001', 'poverty_rate_pct', 2021), ('99', 'median_income_eur_year', 2021),
        ('FRM', 'median_income_eur_year', 2021), ('FRM', 'poverty_rate_pct', 2021),
        ('ENSEMBLE_QPV_2024', 'median_income_eur_year', 2021),
        ('ENSEMBLE_QPV_2024', 'median_income_eur_year', 2020),
        ('ENSEMBLE_QPV_2015', 'median_income_eur_year', 2017),
        ('ENSEMBLE_QPV_2024', 'population_count', 2020),
        ('QN09901M', 'fragile_occupation_dwellings_pct', 2022),
        ('PP09901', 'poverty_rate_pct', 2021), ('QV09902', 'poverty_rate_pct', 2021))
    order by 1, 3, 4"""


def test_key_indicator_values(db):
    assert _round(_rows(db, KEY_ROWS)) == [
        ("99", "departement", "median_income_eur_year", 2021, 21540.0, "ok"),
        ("99001", "commune", "median_income_eur_year", 2021, 19480.0, "ok"),
        ("99008", "commune", "poverty_rate_pct", 2021, None, "secret"),
        ("999000001", "epci", "poverty_rate_pct", 2021, 17.1, "ok"),
        ("ENSEMBLE_QPV_2015", "qpv_ensemble", "median_income_eur_year", 2017, 12980.0, "ok"),
        ("ENSEMBLE_QPV_2024", "qpv_ensemble", "median_income_eur_year", 2020, 14010.0, "ok"),
        ("ENSEMBLE_QPV_2024", "qpv_ensemble", "median_income_eur_year", 2021, 14450.0, "ok"),
        ("ENSEMBLE_QPV_2024", "qpv_ensemble", "population_count", 2020, 5918340.0, "ok"),
        ("FRM", "france", "median_income_eur_year", 2021, 22880.0, "ok"),
        ("FRM", "france", "poverty_rate_pct", 2021, 14.5, "ok"),
        ("PP09901", "poche_pauvrete", "poverty_rate_pct", 2021, 41.0, "ok"),
        ("QN09901M", "qpv", "fragile_occupation_dwellings_pct", 2022, 90.0, "ok"),
        ("QN09901M", "qpv", "median_income_eur_year", 2021, 11820.0, "ok"),
        ("QN09901M", "qpv", "poverty_rate_pct", 2021, 52.4, "ok"),
        ("QN09903M", "qpv", "jobseekers_below_cap_bep_pct", 2023, 31.0, "ok"),
        ("QN09904N", "qpv", "activity_rate_15_64_pct", 2020, None, "secret"),
        ("QN09904N", "qpv", "income_d1_eur_year", 2019, None, "missing"),
        ("QN09904N", "qpv", "population_count", 2020, 1187.0, "ok"),
        ("QN09907N", "qpv", "caf_low_income_pct", 2022, None, "missing"),
        ("QN09907N", "qpv", "median_income_eur_year", 2020, None, "not_significant"),
        ("QN09910N", "qpv", "median_income_eur_year", 2021, None, "secret"),
        ("QP099001", "qpv", "median_income_eur_year", 2017, 11060.0, "ok"),
        ("QV09902", "quartier_veille", "poverty_rate_pct", 2021, None, "secret"),
    ]


def test_health_and_education_pillars_beside_a_qpv_are_its_communes_and_fictional(db):
    from indicators.pillars import commune_only_figures
    df = commune_only_figures(db, "QN09910N")       # Le Clos Fleuri, in 99005
    assert _round(df[["indicator_id", "commune_code", "year", "value", "numerator", "denominator", "status"]]
                  .astype(object).where(df.notna(), None).itertuples(index=False, name=None)) == [
        ("apl_gp_consultations_per_inhabitant_year", "99005", 2023, 2.8, None, None, "ok"),
        ("apl_gp_under65_consultations_per_inhabitant_year", "99005", 2023, None, None, None, "missing"),
        ("public_colleges_mean_ips_index", "99005", 2023, 98.0, None, 1.0, "ok"),
        ("public_colleges_count", "99005", 2023, 1.0, None, None, "ok"),
        ("rep_pupils_pct", "99005", 2024, 14.4578, 120.0, 830.0, "ok"),
    ]
    assert set(df["source_label"].str[:9]) == {"Fictif : "}


def test_filosofi_series_per_qpv(db):
    """Three vintages for every QPV 2024; the fully secret quartier has no value in any year."""
    rows = _rows(db, """
        select territory_code, count(*), count(value) from indicator_values
        where territory_level = 'qpv' and indicator_id = 'median_income_eur_year'
        group by 1 order by 1""")
    expected = [(f"QN099{i:02d}{x}", 3, 3) for i, x in zip(range(1, 10), "MIMNNNNNN")]
    expected[6] = ("QN09907N", 3, 2)
    assert rows == expected + [("QN09910N", 3, 0), ("QP099001", 1, 1), ("QP099002", 1, 1)]


def test_grid_figures_per_qpv(db):
    rows = _rows(db, """
        select territory_code, value from indicator_values
        where indicator_id = 'grid_poor_households_pct' and year = 2019 and territory_level = 'qpv'
        order by 1""")
    assert [r[0] for r in rows] == sorted([f"QN099{i:02d}{x}" for i, x in
                                           zip(range(1, 11), "MIMNNNNNNN")] + ["QP099001", "QP099002"])
    assert all(35 < r[1] < 60 for r in rows)


def test_planted_poverty_pockets_and_no_other(db):
    """The pockets the generator planted (etl/demo.GRID_POCKETS) and no other: not the decoy
    below 1 000 inhabitants, not the poor squares inside a QPV, not the withheld square."""
    from etl import demo
    from indicators.pockets import detect

    rows = _round(_rows(db, """
        select pocket_id, territory, n_squares, communes, commune_names, nearest_qpv_code,
               threshold_eur, is_fictional from poverty_pockets order by pocket_id"""))
    planted = [p for p in demo.GRID_POCKETS if p.detected]
    assert rows == [("demo-P01", "demo", 9, "99001, 99002", "Lorneville, Saint-Aubin-sur-Lorne",
                     "QN09907N", 12_880.0, True)]
    result = detect(db, "demo")
    cells = sorted(result.squares.loc[result.squares["pocket_id"] == "demo-P01", "cell_id"])
    assert cells == sorted(demo.grid_cell_id(xy) for xy in demo.grid_pocket_squares(planted[0]))
    population, poor, mean = _rows(db, """select population, poor_households_pct,
        mean_standard_of_living_eur from poverty_pockets""")[0]
    assert abs(population - planted[0].population) < 0.5
    assert 42 <= poor <= 52 and 10_200 <= mean <= 11_600
    withheld = [demo.grid_cell_id(xy) for xy in demo.grid_withheld_squares()]
    assert _rows(db, "select cell_id, ind, is_withheld from grid_200m where is_withheld") == [
        (withheld[0], None, True)]


def test_programme_tables(db):
    assert _rows(db, "select count(*), count(distinct action_id) from programme_actions") == [(129, 54)]
    assert _rows(db, "select count(*) from programme_funding where action_id is null") == [(7,)]
    assert _rows(db, "select min(year), max(year), count(distinct landlord) from housing_attributions") == [
        (2021, 2025, 4)]
    assert _rows(db, """
        select party_type, party_name, objective, target_pct from housing_objectives
        where party_type <> 'bailleur' order by 1, 2, 3""") == [
        ("ensemble", "ensemble", "hors_q1_en_qpv", 50.0, ),
        ("ensemble", "ensemble", "menages_prioritaires", 25.0),
        ("ensemble", "ensemble", "q1_hors_qpv", 25.0),
        ("reservataire", "action_logement", "menages_prioritaires", 25.0),
        ("reservataire", "autres", "menages_prioritaires", 25.0),
        ("reservataire", "bailleurs", "menages_prioritaires", 25.0),
        ("reservataire", "communes", "menages_prioritaires", 25.0),
        ("reservataire", "etat", "menages_prioritaires", 100.0)]
    assert _rows(db, """
        select kpi_id, year, period_label, value, qualifier, is_published from kpi_values
        where year is null""") == [
        ("habitants_rencontres", None, "depuis juillet 2024", 2100.0, "plus de", True)]
    assert _rows(db, """
        select item_type, count(*) from qualitative_items where territory_code = 'QN09901M'
        and item_type like 'review%' group by 1 order by 1""") == [
        ("review_changed", 3), ("review_done", 3), ("review_figure", 3), ("review_intro", 1),
        ("review_need", 3)]


def test_participants_are_located_and_no_address_is_stored(db):
    assert _rows(db, """select residence_status, count(*) from programme_beneficiaries
                        where source_id in (select source_id from sources
                                            where file_name like '%beneficiaires_adresses.csv')
                        group by 1 order by 1 nulls last""") == [
        ("a_verifier", 3), ("hors_qpv", 54), ("qpv", 77), (None, 5)]
    assert _rows(db, "select count(*) from ban_addresses") == [(8760,)]
    assert _rows(db, "select is_fictional from sources where kind = 'ban_addresses'") == [(True,)]
    columns = [r[0] for r in _rows(db, "select column_name from information_schema.columns"
                                       " where table_name = 'programme_beneficiaries'")]
    assert not {"adresse", "code_postal", "ville"} & set(columns)


def test_no_figure_is_dated_after_its_document(db):
    """Issue 11, D1: « Période : 2026 » was credited to a review published on 10 February 2026.
    The demo's figures stop at 2025 (2026: targets only); the real territories' build asserts
    it too (tests/territories/test_golden_build.py: no warning)."""
    from etl.checks import period_after_publication
    assert period_after_publication(db) == []
    assert _rows(db, "select max(year) from kpi_values where value is not null") == [(2025,)]
