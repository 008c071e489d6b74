"""Small databases built by code for the export tests, and one shared image-export server.

`report_db` holds two contracts:
- `gc-test`: a Grand-Chalon-shaped contract (real names and the published figures of the
  annex: Aubépins 742 €/mois against 1 480 and 1 770; Prés Saint Jean 712), with contours,
  priority issues, consultation results, a KPI, funding and CIA attributions;
- `demo`: a fictional contract (département 099) with three QPVs, one of them with the long
  name "Vieux Puits - Paradis - Maunoury" and a withheld poverty rate.
"""
from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

from etl.db import create_empty

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "exports"
SRC_INSEE = "src_insee0000001"
SRC_DOC = "src_annex0000001"
SRC_DEMO = "src_demo00000001"
SRC_ANCT = "src_anct00000001"


class Factory:
    def __init__(self, con):
        self.con = con
        for sid, kind, producer, title, vintage, licence, fname, fict in [
            (SRC_INSEE, "insee_qpv_stats", "INSEE", "Revenus et pauvreté des QPV (Filosofi)", "2019",
             "Licence Ouverte 2.0", "filo_qpv_2019.csv", False),
            (SRC_DOC, "programme_indicator_values", "Le Grand Chalon",
             "Contrat de ville 2024–2030, annexes", "2024", None, "grand-chalon/indicateurs.csv", False),
            (SRC_ANCT, "anct_qpv_contours", "ANCT", "Contours des QPV 2024", "QPV 2024",
             "Licence Ouverte 2.0", "QP2024.geojson", False),
            (SRC_DEMO, "programme_indicator_values", "Démonstration", "Territoire fictif", "2024", None,
             "demo/indicateurs.csv", True),
        ]:
            con.execute(
                "insert into sources (source_id, kind, producer, title, vintage, licence, file_name, sha256,"
                " rows_read, loaded_at, is_fictional) values (?, ?, ?, ?, ?, ?, ?, ?, 10, ?, ?)",
                [sid, kind, producer, title, vintage, licence, fname, sid[-6:] * 10 + "abcd", datetime(2026, 1, 1),
                 fict])

    def insert(self, table: str, **values) -> None:
        values.setdefault("source_id", SRC_DOC)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f"insert into {table} ({cols}) values ({marks})", list(values.values()))

    def territory(self, code, level, name, vintage=None, parents=(), contract=None, population=None,
                  fictional=False, source_id=SRC_DOC):
        self.insert("territories", territory_code=code, territory_level=level, territory_name=name,
                    geography_vintage=vintage, population=population, population_year=2019 if population else None,
                    is_fictional=fictional, source_id=source_id)
        for p_code, p_level in parents:
            self.insert("territory_links", child_code=code, child_level=level, parent_code=p_code,
                        parent_level=p_level, source_id=source_id)
        if contract:
            self.insert("contract_territories", contract_slug=contract, territory_code=code,
                        territory_level=level, source_id=source_id)

    def geometry(self, code, level, lon, lat, size=0.01, source_id=SRC_ANCT):
        geom = box(lon, lat, lon + size * 1.4, lat + size)
        self.insert("territory_geometries", territory_code=code, territory_level=level, geometry_vintage=2024,
                    geom_wkb=shapely.to_wkb(geom), geom_simplified_geojson=json.dumps(geom.__geo_interface__),
                    centroid_lon=geom.centroid.x, centroid_lat=geom.centroid.y, area_m2=1e6, source_id=source_id)

    def fact(self, code, level, indicator_id, year, value, status="ok", origin="official_file",
             source_note=None, document_id=None, source_id=SRC_INSEE, status_note=None):
        self.insert("indicator_facts", territory_code=code, territory_level=level, indicator_id=indicator_id,
                    year=year, value=value, status=status, origin=origin, source_note=source_note,
                    document_id=document_id, source_id=source_id, status_note=status_note)

    def item(self, contract, code, item_type, text, position, theme=None, source_id=SRC_DOC):
        self.insert("qualitative_items", contract_slug=contract, territory_code=code, item_type=item_type,
                    theme=theme, position=position, text=text, document_id="annexe" if contract != "demo" else None,
                    source_ref="p. 25", source_id=source_id)


def _grand_chalon(f: Factory) -> None:
    f.insert("contracts", contract_slug="gc-test", contract_name="Contrat de ville du Grand Chalon",
             epci_code="247100589", period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="gc-test", document_id="annexe",
             title="Contrat de ville 2024–2030, annexes", producer="Le Grand Chalon", published_on="2024")
    f.territory("FRM", "france", "France métropolitaine")
    f.territory("ENSEMBLE_QPV_2024", "qpv_ensemble", "Ensemble des QPV", vintage=2024)
    f.territory("71", "departement", "Saône-et-Loire")
    f.territory("247100589", "epci", "CA Le Grand Chalon", contract="gc-test")
    f.territory("71076", "commune", "Chalon-sur-Saône", parents=[("247100589", "epci"), ("71", "departement")],
                contract="gc-test")
    f.territory("QN07101I", "qpv", "Aubépins", 2024, [("71076", "commune")], "gc-test", population=2500)
    f.territory("QN07102I", "qpv", "Prés Saint Jean", 2024, [("71076", "commune")], "gc-test", population=5600)
    f.geometry("QN07101I", "qpv", 4.84, 46.79)
    f.geometry("QN07102I", "qpv", 4.87, 46.77, size=0.012)
    doc = dict(origin="published", document_id="annexe", source_id=SRC_DOC)
    f.fact("QN07101I", "qpv", "median_income_eur_year", 2019, 8904, source_note="Insee 2019", **doc)
    f.fact("QN07101I", "qpv", "median_income_eur_month", 2019, 742, source_note="Insee 2019", **doc)
    f.fact("71076", "commune", "median_income_eur_month", 2022, 1480, source_note="Compas – ABS 2022", **doc)
    f.fact("247100589", "epci", "median_income_eur_month", 2022, 1770, source_note="Compas – ABS 2022", **doc)
    f.fact("QN07102I", "qpv", "median_income_eur_month", 2019, 712, source_note="Insee 2019", **doc)
    f.fact("QN07101I", "qpv", "population_count", 2019, 2500, source_note="Insee 2019", **doc)
    f.fact("QN07101I", "qpv", "single_parent_families_pct", 2022, 37.5, source_note="Compas – ABS 2022", **doc)
    f.fact("QN07101I", "qpv", "large_families_pct", 2022, 27.4, source_note="Compas – ABS 2022", **doc)
    f.fact("QN07101I", "qpv", "minors_pct", 2022, 17.8, source_note="Compas – ABS 2022", **doc)
    f.fact("QN07101I", "qpv", "jobseekers_below_cap_bep_pct", 2020, 26.3, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("247100589", "epci", "jobseekers_below_cap_bep_pct", 2020, 14.6, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("QN07101I", "qpv", "activity_rate_15_64_pct", 2020, 64.1, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("71076", "commune", "activity_rate_15_64_pct", 2020, 74.3, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("QN07101I", "qpv", "employment_rate_15_64_pct", 2020, 43.0, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("71076", "commune", "employment_rate_15_64_pct", 2020, 60.1, source_note="Pôle emploi Dares 2020", **doc)
    f.fact("QN07101I", "qpv", "poverty_rate_pct", 2019, None, status="secret", status_note="s")
    f.fact("71076", "commune", "poverty_rate_pct", 2019, 23.0)
    f.fact("FRM", "france", "poverty_rate_pct", 2019, 14.6)
    for i, (theme, text) in enumerate([
            ("Précarité et Santé", "Développer une approche sociale de proximité dans les QPV"),
            ("Précarité et Santé", "Lutter contre l'isolement"),
            ("Habiter et vivre ensemble - tranquillité publique",
             "Accueillir et accompagner les \"nouveaux-arrivants\" dans les QPV")], start=1):
        f.item("gc-test", "QN07101I", "priority_issue", text, i, theme)
    f.item("gc-test", "QN07101I", "strength", "le parc central, des services de proximité", 1)
    f.item("gc-test", "QN07101I", "consultation_appreciated", "Le lien social est favorisé par le parc", 1)
    f.item("gc-test", "QN07101I", "consultation_deplored", "Repli sur soi de beaucoup de personnes isolées", 1)
    f.item("gc-test", "QN07101I", "consultation_requested", "Embellir et sécuriser le parc", 1)
    f.item("gc-test", "QN07101I", "verbatim", "Je m'y sens bien, il y a tout ce qu'il faut", 1)
    f.insert("kpi_definitions", contract_slug="gc-test", kpi_id="residents_met", label="Habitants rencontrés",
             unit="personnes", cumulation="sum", higher_is_better=True)
    f.insert("kpi_values", contract_slug="gc-test", kpi_id="residents_met", year=2024, value=1650,
             qualifier="plus de", status="ok", is_published=True, document_id="annexe")
    f.insert("programme_actions", contract_slug="gc-test", action_id="A1", year=2024,
             title="Médiation sociale de proximité", operator="Association test", theme="Précarité et Santé",
             is_new=True, is_multiyear_agreement=True, is_poverty_pocket=False)
    f.insert("programme_funding", contract_slug="gc-test", action_id="A1", year=2024, funder="ville",
             amount_eur=20000)
    f.insert("programme_funding", contract_slug="gc-test", action_id="A1", year=2024, funder="etat_p147",
             amount_eur=20495, funder_label="FIPDR")
    f.insert("housing_objectives", contract_slug="gc-test", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0)
    f.insert("housing_published_results", contract_slug="gc-test", year=2021, party_type="ensemble",
             party_name="Ensemble", objective="q1_hors_qpv", numerator=82, rate_pct=12.04, needed_published=88)


def _demo(f: Factory) -> None:
    kw = dict(fictional=True, source_id=SRC_DEMO)
    f.insert("contracts", contract_slug="demo", contract_name="Contrat de ville de démonstration",
             epci_code="999000001", period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=True,
             source_id=SRC_DEMO)
    f.territory("999000001", "epci", "Agglomération de Démo", contract="demo", **kw)
    f.territory("99001", "commune", "Démoville", parents=[("999000001", "epci")], contract="demo", **kw)
    f.territory("99002", "commune", "Fictive-sur-Loire", parents=[("999000001", "epci")], contract="demo", **kw)
    f.territory("QN09901N", "qpv", "Les Tilleuls", 2024, [("99001", "commune")], "demo", population=3100, **kw)
    f.territory("QN09902N", "qpv", "Vieux Puits - Paradis - Maunoury", 2024, [("99001", "commune")], "demo",
                population=2040, **kw)
    f.territory("QN09903N", "qpv", "Bruxelles - Arcades - Béguines", 2024,
                [("99001", "commune"), ("99002", "commune")], "demo", population=1830, **kw)
    f.geometry("QN09901N", "qpv", 2.00, 48.00, source_id=SRC_DEMO)
    f.geometry("QN09902N", "qpv", 2.03, 48.01, size=0.015, source_id=SRC_DEMO)
    f.geometry("QN09903N", "qpv", 2.05, 47.985, source_id=SRC_DEMO)
    f.geometry("99001", "commune", 1.98, 47.97, size=0.07, source_id=SRC_DEMO)
    for code, pov, med in [("QN09901N", 41.2, 850), ("QN09902N", None, 760), ("QN09903N", 33.0, 910)]:
        f.fact(code, "qpv", "poverty_rate_pct", 2021, pov, status="ok" if pov is not None else "secret",
               source_id=SRC_DEMO)
        f.fact(code, "qpv", "median_income_eur_month", 2021, med, source_id=SRC_DEMO)
    f.fact("99001", "commune", "poverty_rate_pct", 2021, 19.5, source_id=SRC_DEMO)
    f.fact("999000001", "epci", "poverty_rate_pct", 2021, 14.0, source_id=SRC_DEMO)
    f.fact("99001", "commune", "median_income_eur_month", 2021, 1500, source_id=SRC_DEMO)
    f.item("demo", "QN09902N", "priority_issue", "Lutter contre l'isolement des seniors « très âgés »", 1,
           "Précarité et santé", source_id=SRC_DEMO)


def build_report_db(path) -> None:
    con = create_empty(path)
    f = Factory(con)
    _grand_chalon(f)
    _demo(f)
    con.close()


@pytest.fixture(scope="session")
def report_db_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reportdb") / "report.duckdb"
    build_report_db(path)
    return path


@pytest.fixture
def report_con(report_db_path):
    import duckdb
    con = duckdb.connect(str(report_db_path), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="session")
def image_server():
    """One kaleido server (one Chromium) for the whole test session."""
    from reports import images
    images._ensure_server()
    yield
    images.stop_server()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
