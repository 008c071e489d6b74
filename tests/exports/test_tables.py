"""CSV and XLSX exports read back: values, types, marks for withheld values, formula
neutralisation, header block and Sources sheet."""
from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from config import DEMO_MARK
from reports.tables import csv_preamble_length, neutralise, to_csv_bytes, to_xlsx_bytes

SOURCES = [
    {"producer": "INSEE", "title": "Revenus et pauvreté des QPV (Filosofi)", "vintage": "2021",
     "licence": "Licence Ouverte 2.0", "url": "https://www.insee.fr/", "file_name": "filo_qpv.zip!qpv.csv",
     "sha256": "ab" * 32, "is_fictional": False},
    {"producer": "Grand Chalon", "title": "Portraits de quartiers", "vintage": "2023",
     "licence": None, "url": None, "file_name": "portraits.csv", "sha256": "cd" * 32},
]


def indicator_frame() -> pd.DataFrame:
    """The shape of the `indicator_values` view: value + status."""
    return pd.DataFrame({
        "Quartier": ["Aubépins", "Prés Saint Jean", "=HYPERLINK(\"http://x\")", "Vieux Puits - Paradis - Maunoury"],
        "Code": ["QN07101I", "QN07102I", "QN09901N", "QN02803M"],
        "value": [742.0, 712.0, 0.5, 31.25],
        "status": ["ok", "ok", "secret", "not_significant"],
        "Taux de pauvreté (%)": [45.3, 12.04, None, 1480.5],
        "Habitants": [2500, 5600, 1200, 1075],
    })


def test_csv_reads_back_with_marks_and_preamble() -> None:
    data = to_csv_bytes(indicator_frame(), title="Revenu médian", territory="Grand Chalon",
                        sources=SOURCES, generated_on=dt.date(2026, 3, 5))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    lines = text.split("\r\n")
    assert lines[:5] == [
        "Titre;Revenu médian",
        "Territoire;Grand Chalon",
        "Date;05/03/2026",
        "Source;INSEE;Revenus et pauvreté des QPV (Filosofi);2021;Licence Ouverte 2.0;https://www.insee.fr/;"
        "filo_qpv.zip!qpv.csv;" + "ab" * 32,
        "Source;Grand Chalon;Portraits de quartiers;2023;;;portraits.csv;" + "cd" * 32,
    ]
    assert lines[5] == ""
    assert DEMO_MARK not in text
    df = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=csv_preamble_length(data),
                     dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert df.to_dict("records") == [
        {"Quartier": "Aubépins", "Code": "QN07101I", "value": "742", "Taux de pauvreté (%)": "45,3", "Habitants": "2500"},
        {"Quartier": "Prés Saint Jean", "Code": "QN07102I", "value": "712", "Taux de pauvreté (%)": "12,04",
         "Habitants": "5600"},
        {"Quartier": "'=HYPERLINK(\"http://x\")", "Code": "QN09901N", "value": "secret statistique",
         "Taux de pauvreté (%)": "", "Habitants": "1200"},
        {"Quartier": "Vieux Puits - Paradis - Maunoury", "Code": "QN02803M", "value": "non significatif",
         "Taux de pauvreté (%)": "1480,5", "Habitants": "1075"},
    ]


def test_csv_numbers_parse_as_numbers_with_decimal_comma() -> None:
    df = pd.DataFrame({"Taux": [12.04, 0.1, 1e-7, 123456789.5], "n": [1, 2, 3, 4]})
    data = to_csv_bytes(df, title="t", territory="x")
    back = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=csv_preamble_length(data))
    assert back["Taux"].tolist() == [12.04, 0.1, 1e-7, 123456789.5]
    assert back["n"].tolist() == [1, 2, 3, 4]
    assert "1e" not in data.decode("utf-8-sig")  # no exponent a spreadsheet would misread


def test_secret_value_left_in_frame_is_never_written() -> None:
    df = pd.DataFrame({"value": [0.0, 57.0], "status": ["secret", "secret"], "x": ["a", "b"]})
    text = to_csv_bytes(df, title="t", territory="x").decode("utf-8-sig")
    table = text.split("\r\n\r\n", 1)[1]
    assert table == "value;x\r\nsecret statistique;a\r\nsecret statistique;b\r\n"
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, title="t", territory="x")))
    cells = [c.value for row in wb["Données"].iter_rows() for c in row]
    assert 0 not in cells and 57 not in cells and cells.count("secret statistique") == 2


@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+33 6", "'+33 6"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("Aubépins", "Aubépins"), ("a=b", "a=b"), ("", ""),
])
def test_neutralise(text: str, expected: str) -> None:
    assert neutralise(text) == expected


# A formula sign after what a spreadsheet skips (spaces, no-break spaces, zero-width characters,
# line breaks) or in its full-width form is a formula too.
HIDDEN_FORMULAS = [
    " =1+1", "  +33", "\u00a0=A1", "\u202f-2", "\u200b=A1", "\u200c@x", "\u200d=1", "\ufeff=1",
    "\u2060=1", " \n =1", "\r\n@SUM(A1)", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)",
    " \u200b\u00a0\uff1dHYPERLINK(\"http://evil.example\")",
]


@pytest.mark.parametrize("text", HIDDEN_FORMULAS)
def test_neutralise_formula_after_invisible_characters_or_full_width(text: str) -> None:
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", [" Aubépins", "\u00a0a=b", "\u200bQN07101I", "   ", "\u00a0",
                                  "1\uff1d1", "x -1"])
def test_neutralise_leaves_plain_text_alone(text: str) -> None:
    assert neutralise(text) == text


def test_csv_and_xlsx_neutralise_hidden_formulas() -> None:
    df = pd.DataFrame({"Texte": HIDDEN_FORMULAS, "n": range(len(HIDDEN_FORMULAS))})
    data = to_csv_bytes(df, title="\u00a0=titre", territory=" \uff0bt")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert rows[:2] == [["Titre", "'\u00a0=titre"], ["Territoire", "' \uff0bt"]]
    assert rows[5:] == [["'" + t, str(i)] for i, t in enumerate(HIDDEN_FORMULAS)]
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, title="\u00a0=titre", territory="x")))
    ws = wb["Données"]
    cells = [ws.cell(row=r, column=1) for r in range(7, 7 + len(HIDDEN_FORMULAS))]
    # (XML reads a stored CR LF back as LF.)
    assert [(c.value, c.data_type, c.quotePrefix) for c in cells] == [
        (t.replace("\r\n", "\n"), "s", True) for t in HIDDEN_FORMULAS]
    assert (ws["A1"].value, ws["A1"].data_type, ws["A1"].quotePrefix) == ("\u00a0=titre", "s", True)


def test_csv_neutralises_headers_title_and_cells_but_not_numbers() -> None:
    df = pd.DataFrame({"=cmd": ["@x", "ok"], "n": [-5, 3]})
    text = to_csv_bytes(df, title="+titre", territory="-t").decode("utf-8-sig")
    assert text.split("\r\n") == [
        "Titre;'+titre", "Territoire;'-t", f"Date;{dt.date.today():%d/%m/%Y}", "",
        "'=cmd;n", "'@x;-5", "ok;3", "",
    ]


def test_demo_mark_from_fictional_source_or_flag() -> None:
    df = pd.DataFrame({"a": [1]})
    fict = [{"producer": "Démo", "title": "Données générées", "file_name": "demo.csv", "sha256": "0" * 64,
             "is_fictional": True}]
    assert f"Mention;{DEMO_MARK}" in to_csv_bytes(df, title="t", territory="Démo", sources=fict).decode("utf-8-sig")
    assert f"Mention;{DEMO_MARK}" in to_csv_bytes(df, title="t", territory="Démo", fictional=True).decode("utf-8-sig")


def test_xlsx_typed_cells_formats_header_and_sources_sheet() -> None:
    data = to_xlsx_bytes(indicator_frame(), title="Revenu médian", territory="Grand Chalon", sources=SOURCES,
                         generated_on=dt.date(2026, 3, 5), units={"value": "EUR/mois"})
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Données", "Sources"]
    ws = wb["Données"]
    header = [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=4, max_col=2)]
    assert header == [
        ["Revenu médian", None],
        ["Territoire", "Grand Chalon"],
        ["Date", dt.datetime(2026, 3, 5)],
        ["Sources", "INSEE, Revenus et pauvreté des QPV (Filosofi), 2021 (Licence Ouverte 2.0) ; "
                    "Grand Chalon, Portraits de quartiers, 2023"],
    ]
    assert ws["B3"].number_format == "dd/mm/yyyy"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=6)]
    assert rows == [
        ["Quartier", "Code", "value", "Taux de pauvreté (%)", "Habitants"],
        ["Aubépins", "QN07101I", 742, 45.3, 2500],
        ["Prés Saint Jean", "QN07102I", 712, 12.04, 5600],
        ["=HYPERLINK(\"http://x\")", "QN09901N", "secret statistique", None, 1200],
        ["Vieux Puits - Paradis - Maunoury", "QN02803M", "non significatif", 1480.5, 1075],
    ]
    assert ws["A9"].data_type == "s" and ws["A9"].quotePrefix  # text, never a formula
    assert ws["C7"].data_type == "n" and ws["C7"].number_format == '#,##0"\u00a0€"'
    assert ws["D7"].number_format == '#,##0.0#"\u00a0%"'
    assert ws["E7"].data_type == "n" and ws["E7"].number_format == "#,##0"
    assert ws["C9"].data_type == "s"
    assert ws.freeze_panes == "A7" and ws.auto_filter.ref == "A6:E10"
    src = [[c.value for c in row] for row in wb["Sources"].iter_rows()]
    assert src == [
        ["Producteur", "Titre", "Millésime", "Licence", "Adresse", "Fichier", "SHA-256"],
        ["INSEE", "Revenus et pauvreté des QPV (Filosofi)", "2021", "Licence Ouverte 2.0", "https://www.insee.fr/",
         "filo_qpv.zip!qpv.csv", "ab" * 32],
        ["Grand Chalon", "Portraits de quartiers", "2023", None, None, "portraits.csv", "cd" * 32],
    ]


def test_xlsx_formula_text_is_stored_as_text_in_the_file() -> None:
    import zipfile
    df = pd.DataFrame({"=x": ["=1+1", "+SUM(A1:A2)", "@a", "-b"]})
    data = to_xlsx_bytes(df, title="=t", territory="@terr")
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet  # no formula element anywhere
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Données"]
    assert ws["A1"].value == "=t" and ws["B2"].value == "@terr"
    assert [c.value for c in ws["A"][5:]] == ["=x", "=1+1", "+SUM(A1:A2)", "@a", "-b"]
    assert all(c.data_type == "s" for c in ws["A"][5:])


def test_xlsx_demo_mark_and_empty_frame() -> None:
    data = to_xlsx_bytes(pd.DataFrame({"Quartier": [], "Valeur": []}), title="Vide", territory="Démo",
                         fictional=True)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["Données"]
    assert [ws["A5"].value, ws["B5"].value] == ["Mention", DEMO_MARK]
    assert [c.value for c in ws[7]] == ["Quartier", "Valeur"]
    assert ws.max_row == 7
    assert [c.value for c in wb["Sources"]["A"]][-1] == DEMO_MARK


def test_status_suffix_columns_and_booleans() -> None:
    df = pd.DataFrame({"pauvrete_pct": [23.0, 40.0], "pauvrete_pct_status": ["ok", "missing"],
                       "cpo": [True, False]})
    text = to_csv_bytes(df, title="t", territory="x").decode("utf-8-sig").split("\r\n\r\n", 1)[1]
    assert text == "pauvrete_pct;cpo\r\n23;oui\r\nnon disponible;non\r\n"


def test_xlsx_years_counts_ratios_and_empty_columns() -> None:
    """Years without a thousands separator, counts whole, computed ratios rounded to what their
    format shows (1 for M€; 1 for a % quotient, as the page shows a rate we compute, issue #11),
    and a column with no value is not exported."""
    df = pd.DataFrame({
        "Année": [2024, 2025],
        "year": [2019.0, 2020.0],
        "Actions": [12.0, 7.0],
        "Part CPO (%)": [100 * 5 / 12, 100 * 2 / 3],
        "Montant (M€)": [1.23456, 0.98765],
        "Montant": [20495.0, 40495.5],
        "median_income_eur_year": [8904.0, 11820.0],
        "Commentaire": [None, None],
        "Levier": [8.333333, 4.0],
    })
    data = to_xlsx_bytes(df, title="Programme", territory="Démo", units={"Montant": "EUR"})
    ws = openpyxl.load_workbook(io.BytesIO(data))["Données"]
    header = [c.value for c in ws[6]]
    assert header == ["Année", "year", "Actions", "Part CPO (%)", "Montant (M€)", "Montant",
                      "median_income_eur_year", "Levier"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=7)] == [
        [2024, 2019, 12, 41.7, 1.2, 20495.0, 8904, 8.33],
        [2025, 2020, 7, 66.7, 1.0, 40495.5, 11820, 4.0],
    ]
    assert [c.number_format for c in ws[7]] == [
        "0", "0", "#,##0", '#,##0.0#"\u00a0%"', '#,##0.0"\u00a0M€"', '#,##0.00"\u00a0€"',
        '#,##0"\u00a0€"', "#,##0.0#"]
    assert isinstance(ws["A7"].value, int) and isinstance(ws["C7"].value, int)
    # The CSV drops the empty column too.
    text = to_csv_bytes(df, title="t", territory="x").decode("utf-8-sig")
    assert "Commentaire" not in text and text.split("\r\n\r\n", 1)[1].startswith("Année;year;Actions;")


def test_empty_table_keeps_its_header_and_a_withheld_column_stays() -> None:
    df = pd.DataFrame({"Quartier": ["A"], "value": [None], "status": ["secret"], "Vide": [None]})
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, title="t", territory="x")))["Données"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=6)] == [
        ["Quartier", "value"], ["A", "secret statistique"]]


def test_xlsx_sources_sheet_has_no_empty_column() -> None:
    """Sources of the programme template give no vintage, licence or address: those columns are
    left out of the « Sources » sheet rather than printed empty."""
    srcs = [{"producer": "Grand Chalon", "title": "Modèle de saisie du programme : contrats", "vintage": None,
             "licence": None, "url": "", "file_name": "00_contrat.csv", "sha256": "ef" * 32},
            {"producer": "Grand Chalon", "title": "Modèle de saisie du programme : territoires",
             "file_name": "02_territoires.csv", "sha256": "01" * 32}]
    data = to_xlsx_bytes(pd.DataFrame({"Quartier": ["Aubépins"]}), title="t", territory="Grand Chalon",
                         sources=srcs)
    src = [[c.value for c in row] for row in openpyxl.load_workbook(io.BytesIO(data))["Sources"].iter_rows()]
    assert src == [
        ["Producteur", "Titre", "Fichier", "SHA-256"],
        ["Grand Chalon", "Modèle de saisie du programme : contrats", "00_contrat.csv", "ef" * 32],
        ["Grand Chalon", "Modèle de saisie du programme : territoires", "02_territoires.csv", "01" * 32],
    ]


def test_a_column_of_blank_text_is_not_exported() -> None:
    """« Publié » and « Source du chiffre publié » of the leverage table held empty strings: the
    spreadsheet showed two empty columns."""
    df = pd.DataFrame({"Financeur": ["Ville", "État"], "Calculé": [4.0, 8.3], "Publié": ["", " "],
                       "Source du chiffre publié": ["", None]})
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, title="t", territory="x")))["Données"]
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=6)] == [
        ["Financeur", "Calculé"], ["Ville", 4.0], ["État", 8.3]]
    text = to_csv_bytes(df, title="t", territory="x").decode("utf-8-sig")
    assert text.split("\r\n\r\n", 1)[1].split("\r\n")[0] == "Financeur;Calculé"


def test_a_fictional_source_is_never_credited_to_the_producer_it_imitates() -> None:
    """The demo's files imitate INSEE's: the sources line above an XLSX table (every sheet of
    the demo's yearly review read « INSEE, QPV2024_CAF_2022, 2022 (Licence Ouverte) ») credits
    them as fictional data, without INSEE's licence; a real source keeps its producer."""
    from reports.tables import source_line
    fict = {"producer": "INSEE", "title": "Cnaf, données par quartier", "vintage": "2022", "licence": "Licence Ouverte",
            "file_name": "QPV2024_CAF_2022.csv", "is_fictional": True}
    real = {**fict, "title": "Filosofi", "vintage": "2021", "is_fictional": False}
    # A file is named by what it is (its title), never by its file name (issue 11).
    assert source_line(fict) == "Données fictives de démonstration — Cnaf, données par quartier, 2022"
    assert source_line({"producer": "INSEE", "is_fictional": True}) == "Données fictives de démonstration"
    assert source_line(real) == "INSEE, Filosofi, 2021 (Licence Ouverte)"
    fict2 = {**fict, "title": "recensement de la population, données par quartier", "vintage": "2020"}
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(pd.DataFrame({"a": [1]}), title="t", territory="Démo",
                                                         sources=[fict, real, fict2])))
    # The fictional files under one heading, said once.
    assert wb["Données"]["B4"].value == ("INSEE, Filosofi, 2021 (Licence Ouverte) ; Données fictives de "
                                         "démonstration (Cnaf, données par quartier, 2022 ; recensement de la "
                                         "population, données par quartier, 2020)")
