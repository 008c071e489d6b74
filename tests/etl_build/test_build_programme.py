"""The real build on a programme folder in three layouts: whole outputs of every table."""
from __future__ import annotations

import re
from pathlib import Path

from tests.etl_build.conftest import CURRENT_YEAR, PROGRAMME_ONLY, query, sha256

from etl.build import FileReport, build


def test_build_publishes_every_programme_table(programme_dir: Path, tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    report = build([programme_dir], db, loader_modules=PROGRAMME_ONLY, progress=None,
                   current_year=CURRENT_YEAR)

    assert report.outcome == "published" and report.ok
    src = {f.file_name: f.source_id for f in report.files if f.source_id}
    xlsx, contrat, terr = src["raw/classeur.xlsx"], src["raw/latin1/contrat.csv"], src["raw/latin1/territoires.csv"]
    docs, vals = src["raw/latin1/documents.csv"], src["raw/latin1/valeurs publiees.csv"]
    actions, funding = src["raw/utf8/actions.csv"], src["raw/utf8/financements.csv"]
    kdef, kval = src["raw/utf8/kpi.csv"], src["raw/utf8/kpi_valeurs.csv"]
    assert [(f.file_name, f.kind, f.outcome, f.rows_read) for f in report.files] == [
        ("raw/.cache", None, "ignored", None),
        ("raw/LISEZMOI.md", None, "ignored", None),
        ("raw/classeur.xlsx", "programme_workbook", "loaded", 5),
        ("raw/latin1/contrat.csv", "programme_contracts", "loaded", 1),
        ("raw/latin1/territoires.csv", "programme_territories", "loaded", 8),
        ("raw/latin1/documents.csv", "programme_documents", "loaded", 1),
        ("raw/latin1/valeurs publiees.csv", "programme_published_values", "loaded", 7),
        ("raw/utf8/actions.csv", "programme_actions", "loaded", 3),
        ("raw/utf8/financements.csv", "programme_funding", "loaded", 3),
        ("raw/utf8/kpi.csv", "programme_kpi_definitions", "loaded", 1),
        ("raw/utf8/kpi_valeurs.csv", "programme_kpi_values", "loaded", 2),
    ]
    assert [str(m) for m in report.messages] == [
        "raw/classeur.xlsx, feuille « Notice » : feuille sans en-tête du modèle, ignorée",
        "raw/classeur.xlsx, feuille « attributions » : colonnes inconnues ignorées : remarque",
    ]
    assert (report.n_files, report.n_rows, report.n_territories, report.n_indicators, report.n_warnings) == \
        (9, 31, 9, 5, 2)

    producer, fict = "Contrat de ville de démonstration", True
    assert query(db, "select source_id, kind, producer, title, file_name, sha256, rows_read, is_fictional"
                     " from sources order by file_name") == [
        (xlsx, "programme_workbook", producer, "Modèle de saisie du programme : attributions de logements, éléments qualitatifs",
         "raw/classeur.xlsx", sha256(programme_dir / "classeur.xlsx"), 5, fict),
        (contrat, "programme_contracts", producer, "Modèle de saisie du programme : contrats",
         "raw/latin1/contrat.csv", sha256(programme_dir / "latin1/contrat.csv"), 1, fict),
        (docs, "programme_documents", producer, "Modèle de saisie du programme : documents",
         "raw/latin1/documents.csv", sha256(programme_dir / "latin1/documents.csv"), 1, fict),
        (terr, "programme_territories", producer, "Modèle de saisie du programme : territoires",
         "raw/latin1/territoires.csv", sha256(programme_dir / "latin1/territoires.csv"), 8, fict),
        (vals, "programme_published_values", producer, "Modèle de saisie du programme : chiffres publiés",
         "raw/latin1/valeurs publiees.csv", sha256(programme_dir / "latin1/valeurs publiees.csv"), 7, fict),
        (actions, "programme_actions", producer, "Modèle de saisie du programme : actions",
         "raw/utf8/actions.csv", sha256(programme_dir / "utf8/actions.csv"), 3, fict),
        (funding, "programme_funding", producer, "Modèle de saisie du programme : financements",
         "raw/utf8/financements.csv", sha256(programme_dir / "utf8/financements.csv"), 3, fict),
        (kdef, "programme_kpi_definitions", producer, "Modèle de saisie du programme : indicateurs de suivi",
         "raw/utf8/kpi.csv", sha256(programme_dir / "utf8/kpi.csv"), 1, fict),
        (kval, "programme_kpi_values", producer, "Modèle de saisie du programme : valeurs des indicateurs de suivi",
         "raw/utf8/kpi_valeurs.csv", sha256(programme_dir / "utf8/kpi_valeurs.csv"), 2, fict),
    ]

    assert query(db, "select territory_code, territory_level, territory_name, indicator_id, year, value,"
                     " unit, status, source_label, numerator, denominator, origin, status_note, document_id,"
                     " source_ref, source_id from indicator_values order by territory_code, indicator_id") == [
        ("99001", "commune", "Démo-sur-Loire", "median_income_eur_month", 2019, 1480.0, "EUR/mois", "ok",
         "Fictif : Insee 2019", None, None, "published", None, "portraits", "p. 3", vals),
        ("99001", "commune", "Démo-sur-Loire", "median_income_eur_year", 2019, 17760.0, "EUR/an", "ok",
         "Fictif : Insee 2019", None, None, "published", None, "portraits", "p. 3", vals),
        ("FRM", "france", "France métropolitaine", "poverty_rate_pct", 2019, 14.6, "%", "ok",
         "Fictif : Insee 2019", None, None, "published", None, None, None, vals),
        ("QN09901N", "qpv", "Les Tilleuls", "median_income_eur_month", 2019, 742.0, "EUR/mois", "ok",
         "Fictif : Insee 2019", None, None, "computed", None, "portraits", "p. 3", vals),
        ("QN09901N", "qpv", "Les Tilleuls", "median_income_eur_year", 2019, 8904.0, "EUR/an", "ok",
         "Fictif : Insee 2019", None, None, "published", None, "portraits", "p. 3", vals),
        ("QN09901N", "qpv", "Les Tilleuls", "poverty_rate_pct", 2019, None, "%", "secret",
         "Fictif : Insee 2019", None, None, "published", "s", "portraits", "p. 4", vals),
        ("QN09901N", "qpv", "Les Tilleuls", "single_parent_families_pct", 2019, 37.5, "%", "ok",
         "Fictif : Insee 2019", 375.0, 1000.0, "computed", None, "portraits", "p. 4", vals),
        ("QN09902M", "qpv", "Côte-Rôtie", "fragile_occupation_dwellings_pct", 2018, 91.25, "%", "ok",
         "Fictif : OPS 2018", 928.0, 1017.0, "published", None, "portraits", "p. 5", vals),
    ]

    assert query(db, "select * from territories order by territory_level, territory_code") == [
        ("99001", "commune", "Démo-sur-Loire", None, 25300, 2021, True, terr),
        ("99002", "commune", "Saint-Exemple", None, 15900, 2021, True, terr),
        ("99", "departement", "Département fictif", None, None, None, True, terr),
        ("999000001", "epci", "CA de Démo-sur-Loire", None, 41200, 2021, True, terr),
        ("FRM", "france", "France métropolitaine", None, None, None, True, vals),
        ("QN09901N", "qpv", "Les Tilleuls", 2024, 2500, 2019, True, terr),
        ("QN09902M", "qpv", "Côte-Rôtie", 2024, 5600, 2019, True, terr),
        ("QV99001", "quartier_veille", "Les Érables", None, None, None, True, terr),
        ("99", "region", "Région fictive", None, None, None, True, terr),
    ]
    assert query(db, "select child_code, child_level, parent_code, parent_level from territory_links"
                     " order by all") == [
        ("99", "departement", "99", "region"),
        ("99001", "commune", "999000001", "epci"),
        ("99002", "commune", "999000001", "epci"),
        ("999000001", "epci", "99", "departement"),
        ("QN09901N", "qpv", "99001", "commune"),
        ("QN09902M", "qpv", "99001", "commune"),
        ("QN09902M", "qpv", "99002", "commune"),
        ("QV99001", "quartier_veille", "99002", "commune"),
    ]
    assert query(db, "select * from contract_territories order by territory_code") == [
        ("demo", "QN09901N", "qpv", None, terr),
        ("demo", "QN09902M", "qpv", "à cheval sur deux communes", terr),
        ("demo", "QV99001", "quartier_veille", "quartier de veille active", terr),
    ]
    assert query(db, "select * from contracts") == [
        ("demo", "Contrat de ville de démonstration", "999000001", "2024–2030", 2024, 2030, True, contrat)]
    assert query(db, "select * from documents") == [
        ("demo", "portraits", "Portraits de quartiers", "CA de Démo-sur-Loire", "2025", None, None, docs)]
    assert query(db, "select * from programme_actions order by action_id, year") == [
        ("demo", "A1", 2024, "Médiation de nuit", "Association Relais", "Tranquillité", True, False, None,
         "Présence de 20 h à 2 h", None, None, False, actions),
        ("demo", "A1", 2025, "Médiation de nuit", "Association Relais", "Tranquillité", False, True, None,
         None, None, None, False, actions),
        ("demo", "A2", 2025, "Atelier d'écriture", "Les Mots", "Culture", True, None, None,
         "=1+1 n'est pas calculé", None, None, False, actions),
    ]
    assert query(db, "select * from programme_action_territories order by all") == [
        ("demo", "A1", 2024, "QN09901N", actions), ("demo", "A1", 2024, "QN09902M", actions),
        ("demo", "A1", 2025, "QN09901N", actions), ("demo", "A1", 2025, "QN09902M", actions),
    ]
    assert query(db, "select * from programme_funding order by year, funder") == [
        ("demo", "A1", 2024, "epci", "CA de Démo-sur-Loire", 20495.5, None, None, False, funding),
        ("demo", "A1", 2024, "etat_p147", "BOP 147", 20495.0, None, None, False, funding),
        ("demo", None, 2025, "ville", "Enveloppe globale", 1500000.0, None, None, False, funding),
    ]
    assert query(db, "select * from kpi_definitions") == [
        ("demo", "residents_met", "Habitants rencontrés", "personnes", None, "sum", True, None,
         False, None, "contrat", kdef)]
    assert query(db, "select * from kpi_values order by territory_code nulls first") == [
        ("demo", "residents_met", None, 2024, None, 1650.0, 1500.0, "plus de", "ok", True, "portraits", None, False, kval),
        ("demo", "residents_met", "QN09901N", 2024, None, None, None, None, "missing", False, None, None, False, kval),
    ]
    # The landlord cell merged over two rows is read for both; the title row is skipped.
    assert query(db, "select * from housing_attributions order by reserving_party") == [
        ("demo", 2024, "OPAC Démo", "communes", "hors_qpv", None, 2, False, None, None, 30, xlsx),
        ("demo", 2024, "OPAC Démo", "etat", "qpv", "QN09901N", 1, True, None, None, 12, xlsx),
    ]
    # A formula is kept as its text; HTML stays text (escaping is the pages' job).
    assert query(db, "select * from qualitative_items order by item_type, position") == [
        ("demo", "QN09901N", "priority_issue", "Emploi", 1, "Lever les freins à l'emploi", None, None, xlsx),
        ("demo", "QN09901N", "priority_issue", "Emploi", 2, '=HYPERLINK("http://x")', None, None, xlsx),
        ("demo", None, "verbatim", None, 1, "<script>alert(1)</script>", None, None, xlsx),
    ]
    # The build record of this build.
    assert query(db, "select build_id, outcome, n_files, n_rows, n_territories, n_indicators, n_warnings"
                     " from builds") == [(report.build_id, "published", 9, 31, 9, 5, 2)]
    assert query(db, "select file_name, kind, outcome, rows_read from build_files where outcome = 'loaded'"
                     " order by file_name")[0] == ("raw/classeur.xlsx", "programme_workbook", "loaded", 5)
    assert query(db, "select level, file_name, line, column_name, message from build_messages order by message") == [
        ("warning", "raw/classeur.xlsx, feuille « attributions »", None, None, "colonnes inconnues ignorées : remarque"),
        ("warning", "raw/classeur.xlsx, feuille « Notice »", None, None, "feuille sans en-tête du modèle, ignorée"),
    ]


def test_single_sheet_workbook_is_kind_of_its_table(tmp_path: Path) -> None:
    import openpyxl

    from etl.core import Candidate
    from etl.loaders import programme

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["contract", "kpi_id", "label", "cumulation"])
    ws.append(["demo", "k", "Libellé", "latest"])
    path = tmp_path / "kpi.xlsx"
    wb.save(path)
    assert programme.recognise(Candidate(path, "kpi.xlsx")) == "programme_kpi_definitions"


def test_progress_lines_name_kind_rows_and_file(programme_dir: Path, tmp_path: Path) -> None:
    lines: list[str] = []
    build([programme_dir], tmp_path / "qpv.duckdb", loader_modules=PROGRAMME_ONLY, progress=lines.append,
          current_year=CURRENT_YEAR)
    assert lines[0].split()[:3] == ["programme_workbook", "5", "lignes"]
    assert all(re.search(r" \d+,\d s", line) for line in lines[:-1]), lines   # « 0,1 s »
    assert lines[0].endswith("raw/classeur.xlsx")
    assert len(lines) == 11   # 9 files, the checks, the summary
    assert lines[-1].startswith("base publiée : 9 fichiers, 31 lignes lues, 9 territoires, 5 indicateurs,"
                                " 2 avertissements, 0 erreur, ")
    assert re.search(r", \d+,\d\u00a0s$", lines[-1]), lines[-1]      # « 4,3 s »: French decimals


def test_report_to_dict_is_json_ready(programme_dir: Path, tmp_path: Path) -> None:
    import json

    report = build([programme_dir], tmp_path / "qpv.duckdb", loader_modules=PROGRAMME_ONLY, progress=None,
                   current_year=CURRENT_YEAR)
    d = json.loads(json.dumps(report.to_dict()))
    assert (d["outcome"], d["ok"], d["n_files"], d["n_warnings"], d["db_path"]) == \
        ("published", True, 9, 2, str((tmp_path / "qpv.duckdb").resolve()))
    assert d["files"][2] == FileReport("raw/classeur.xlsx", "programme_workbook", "loaded", 5,
                                       d["files"][2]["source_id"], None, d["files"][2]["seconds"]).__dict__


def test_every_template_table_has_a_title_for_readers() -> None:
    """A loaded template file is credited as « Modèle de saisie du programme : chiffres publiés »,
    never with a table name (« published_values »)."""
    from etl.loaders.programme import TABLE_TITLES
    from etl.template import TABLES
    assert set(TABLE_TITLES) == {t.name for t in TABLES}
    assert not any("_" in title for title in TABLE_TITLES.values())
