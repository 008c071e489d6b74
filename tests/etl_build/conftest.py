"""Fixture folders for the build tests, written by code: programme template files in the
encodings and layouts a contract team produces (`;` + Latin-1, `,` + UTF-8 with BOM, an XLSX
workbook with a title row and merged cells)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAMME_ONLY = ["etl.loaders.programme"]
CURRENT_YEAR = 2025


def write_csv(path: Path, rows: list[list], *, sep: str = ";", encoding: str = "utf-8",
              bom: bool = False, crlf: bool = False) -> Path:
    """Write rows as a delimited file (cells quoted when they hold the separator)."""
    def cell(v) -> str:
        text = "" if v is None else str(v)
        return f'"{text}"' if sep in text or '"' in text else text
    end = "\r\n" if crlf else "\n"
    text = end.join(sep.join(cell(v) for v in r) for r in rows) + end
    data = text.encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def query(db: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


CONTRACTS = [["contract", "contract_name", "epci_code", "period_label", "start_year", "end_year",
              "is_fictional"],
             ["demo", "Contrat de ville de démonstration", "999000001", "2024–2030", "2024", "2030", "oui"]]

TERRITORIES = [
    ["contract", "territory_code", "territory_level", "territory_name", "parent_codes", "population",
     "population_year", "in_contract", "note"],
    ["demo", "99", "region", "Région fictive", "", "", "", "", ""],
    ["demo", "99", "departement", "Département fictif", "99", "", "", "", ""],
    ["demo", "999000001", "epci", "CA de Démo-sur-Loire", "99", "41 200", "2021", "non", ""],
    ["demo", "99001", "commune", "Démo-sur-Loire", "999000001", "25 300", "2021", "non", ""],
    ["demo", "99002", "commune", "Saint-Exemple", "999000001", "15 900", "2021", "non", ""],
    ["demo", "QN09901N", "qpv", "Les Tilleuls", "99001", "2 500", "2019", "oui", ""],
    ["demo", "QN09902M", "qpv", "Côte-Rôtie", "99001|99002", "5 600", "2019", "oui", "à cheval sur deux communes"],
    ["demo", "QV99001", "quartier_veille", "Les Érables", "99002", "", "", "oui", "quartier de veille active"],
]

DOCUMENTS = [["contract", "document_id", "title", "producer", "published_on"],
             ["demo", "portraits", "Portraits de quartiers", "CA de Démo-sur-Loire", "2025"]]

PUBLISHED = [
    ["contract", "territory_code", "territory_level", "indicator_id", "year", "value", "numerator",
     "denominator", "status", "source_note", "document_id", "source_ref"],
    ["demo", "QN09901N", "qpv", "median_income_eur_year", "2019", "8 904", "", "", "", "Insee 2019", "portraits", "p. 3"],
    ["demo", "99001", "commune", "median_income_eur_year", "2019", "17\u00a0760", "", "", "", "Insee 2019", "portraits", "p. 3"],
    ["demo", "99001", "commune", "median_income_eur_month", "2019", "1 480", "", "", "", "Insee 2019", "portraits", "p. 3"],
    ["demo", "QN09901N", "qpv", "single_parent_families_pct", "2019", "", "375", "1 000", "", "Insee 2019", "portraits", "p. 4"],
    ["demo", "QN09901N", "qpv", "poverty_rate_pct", "2019", "s", "", "", "", "Insee 2019", "portraits", "p. 4"],
    ["demo", "QN09902M", "qpv", "fragile_occupation_dwellings_pct", "2018", "91,25", "928", "1017", "ok", "OPS 2018", "portraits", "p. 5"],
    ["demo", "FRM", "france", "poverty_rate_pct", "2019", "14,6", "", "", "", "Insee 2019", "", ""],
]

ACTIONS = [
    ["contract", "action_id", "year", "title", "operator", "theme", "territories", "is_new",
     "is_multiyear_agreement", "description"],
    ["demo", "A1", "2024", "Médiation de nuit", "Association Relais", "Tranquillité", "QN09901N, QN09902M", "oui", "non", "Présence de 20 h à 2 h"],
    ["demo", "A1", "2025", "Médiation de nuit", "Association Relais", "Tranquillité", "QN09901N|QN09902M", "non", "oui", ""],
    ["demo", "A2", "2025", "Atelier d'écriture", "Les Mots", "Culture", "", "oui", "", "=1+1 n'est pas calculé"],
]

FUNDING = [
    ["contract", "action_id", "year", "funder", "funder_label", "amount_eur"],
    ["demo", "A1", "2024", "etat_p147", "BOP 147", "20 495"],
    ["demo", "A1", "2024", "epci", "CA de Démo-sur-Loire", "20495,5"],
    ["demo", "", "2025", "ville", "Enveloppe globale", "1 500 000"],
]

KPI_DEFINITIONS = [["contract", "kpi_id", "label", "unit", "cumulation", "higher_is_better"],
                   ["demo", "residents_met", "Habitants rencontrés", "personnes", "sum", "oui"]]

KPI_VALUES = [["contract", "kpi_id", "territory_code", "year", "value", "target", "qualifier", "document_id"],
              ["demo", "residents_met", "", "2024", "1 650", "1 500", "plus de", "portraits"],
              ["demo", "residents_met", "QN09901N", "2024", "nd", "", "", ""]]


def write_workbook(path: Path) -> Path:
    """attributions (title row merged over the header, landlord merged down two rows),
    qualitative (a formula-like text) and a notice sheet that is not a table."""
    import openpyxl

    wb = openpyxl.Workbook()
    notice = wb.active
    notice.title = "Notice"
    notice["A1"] = "Remplir une ligne par groupe d'attributions."
    ws = wb.create_sheet("attributions")
    ws["A1"] = "Attributions 2024 – CIA"
    ws.merge_cells("A1:F1")
    ws.append(["contract", "year", "landlord", "reserving_party", "location", "qpv_code",
               "resource_quartile", "is_priority_household", "n_attributions", "remarque"])
    ws.append(["demo", 2024, "OPAC Démo", "etat", "qpv", "QN09901N", 1, True, 12, "x"])
    ws.append(["demo", 2024, None, "communes", "hors_qpv", None, 2, False, 30, None])
    ws.merge_cells("C3:C4")
    q = wb.create_sheet("qualitative")
    q.append(["Enjeux prioritaires"])
    q.append(["contract", "territory_code", "item_type", "theme", "text"])
    q.append(["demo", "QN09901N", "priority_issue", "Emploi", "Lever les freins à l'emploi"])
    q.append(["demo", "QN09901N", "priority_issue", "Emploi", "=HYPERLINK(\"http://x\")"])
    q.append(["demo", None, "verbatim", None, "<script>alert(1)</script>"])
    wb.save(path)
    return path


@pytest.fixture
def programme_dir(tmp_path: Path) -> Path:
    return make_programme_dir(tmp_path)


def make_programme_dir(tmp_path: Path) -> Path:
    """A complete, valid programme folder in three layouts."""
    raw = tmp_path / "raw"
    latin = raw / "latin1"
    write_csv(latin / "contrat.csv", CONTRACTS, sep=";", encoding="cp1252", crlf=True)
    write_csv(latin / "territoires.csv", TERRITORIES, sep=";", encoding="cp1252")
    write_csv(latin / "documents.csv", DOCUMENTS, sep=";", encoding="latin-1")
    write_csv(latin / "valeurs publiees.csv", PUBLISHED, sep=";", encoding="cp1252")
    utf = raw / "utf8"
    write_csv(utf / "actions.csv", ACTIONS, sep=",", bom=True)
    write_csv(utf / "financements.csv", FUNDING, sep=",", bom=True)
    write_csv(utf / "kpi.csv", KPI_DEFINITIONS, sep=",", bom=True)
    write_csv(utf / "kpi_valeurs.csv", KPI_VALUES, sep=",", bom=True)
    write_workbook(raw / "classeur.xlsx")
    (raw / "LISEZMOI.md").write_text("notes", encoding="utf-8")
    (raw / ".cache").write_text("x", encoding="utf-8")
    return raw
