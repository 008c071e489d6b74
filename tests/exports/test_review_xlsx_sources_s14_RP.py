"""Issue 11, final review (s14-RP): every sheet of the review's XLSX, those showing no figure too,
credited every file of the contract (its qualitative items, territories and contract files among
them; Chartres métropole's 12 sheets), and the « Sources » sheet listed them all. Each sheet now
credits the files of what it shows, a sheet without a figure says so, and the « Sources » sheet
lists the files the workbook shows figures from. Small data built by code."""
from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook

from reports import pdf
from tests.exports.conftest import SRC_DOC, SRC_INSEE
from tests.exports.test_review_sources import _review_db

DATE = dt.date(2026, 3, 1)


def test_each_review_sheet_credits_the_files_of_what_it_shows(tmp_path) -> None:
    con = _review_db(tmp_path / "r.duckdb")
    con.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, rows_read,"
                " loaded_at, is_fictional) values ('src_qual', 'programme_qualitative_items', 'Ville de Test',"
                " 'Modèle de saisie du programme : éléments qualitatifs', null, 'qual.csv', 'q', 1, ?, false)",
                [dt.datetime(2026, 1, 1)])
    con.execute("insert into qualitative_items (contract_slug, territory_code, item_type, position, text,"
                " source_id) values ('cv', 'QN09999A', 'priority_issue', 1, 'Enjeu', 'src_qual')")
    wb = load_workbook(io.BytesIO(pdf.review_xlsx(con, "cv", 2025, generated_on=DATE)))
    doc = "Le Grand Chalon, Contrat de ville 2024–2030, annexes, 2024"      # the Factory's programme file
    assert {ws.title: ws["B4"].value for ws in wb.worksheets if ws.title != "Sources"} == {
        "Programmation 2025": doc,
        "Crédits spécifiques et droit co": "aucune : cette feuille ne montre aucun chiffre",
        "Droit commun par pilier et par": "aucune : cette feuille ne montre aucun chiffre",
        "Dispositifs sans chiffre déclar": "aucune : cette feuille ne montre aucun chiffre",
        "Abattement de TFPB des bailleur": "aucune : cette feuille ne montre aucun chiffre",
        "Attributions de logements socia": "aucune : cette feuille ne montre aucun chiffre",
        "Personnes touchées et part en Q": "aucune : cette feuille ne montre aucun chiffre",
        "Part des personnes touchées rés": "aucune : cette feuille ne montre aucun chiffre",
        "Indicateurs clés des quartiers": "INSEE, Revenus et pauvreté des QPV (Filosofi), 2019 (Licence Ouverte 2.0)",
        "Publiés pour la commune seuleme": "SSMSI, Délinquance enregistrée par commune, 2023",
        "Signataires et autres acteurs": "aucune : cette feuille ne montre aucun chiffre",
        "Comité de pilotage": doc,
    }
    # The « Sources » sheet: the three files shown, not the qualitative items' file.
    assert [r for r in wb["Sources"].iter_rows(values_only=True)] == [
        ("Producteur", "Titre", "Millésime", "Licence", "Fichier", "SHA-256"),
        ("INSEE", "Revenus et pauvreté des QPV (Filosofi)", "2019", "Licence Ouverte 2.0", "filo_qpv_2019.csv",
         SRC_INSEE[-6:] * 10 + "abcd"),
        ("Le Grand Chalon", "Contrat de ville 2024–2030, annexes", "2024", None, "grand-chalon/indicateurs.csv",
         SRC_DOC[-6:] * 10 + "abcd"),
        ("SSMSI", "Délinquance enregistrée par commune", "2023", None, "ssmsi.csv", "x"),
    ]
    con.close()
