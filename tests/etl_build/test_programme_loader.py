"""The programme-template loader: recognition by header, and one exact error per kind of bad cell."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.core import Candidate, EtlError, LoadContext
from etl.db import create_empty
from etl.loaders import programme
from tests.etl_build.conftest import write_csv

ACTION_H = ["contract", "action_id", "year", "title"]
FUND_H = ["contract", "action_id", "year", "funder", "amount_eur"]
TERR_H = ["contract", "territory_code", "territory_level", "territory_name", "parent_codes", "geography_vintage"]
VAL_H = ["contract", "territory_code", "territory_level", "indicator_id", "year", "value", "numerator",
         "denominator", "status"]
ATTR_H = ["contract", "year", "landlord", "reserving_party", "location", "qpv_code", "resource_quartile",
          "n_attributions"]


def _load(path: Path):
    con = create_empty()
    ctx = LoadContext(con, "test")
    c = Candidate(path, path.name)
    kind = programme.recognise(c)
    assert kind is not None
    rows = programme.load(ctx, c, kind)
    return ctx, rows


@pytest.mark.parametrize("header, row, expected", [
    (FUND_H, ["demo", "A1", "2024", "ville", "abc"],
     "f.csv, ligne 2, colonne « amount_eur » : nombre non reconnu « abc » (attendu : un nombre (ex. 1 075 ou 12,5))"),
    (FUND_H, ["demo", "A1", "2024", "ville", "=SUM(B2:B4)"],
     "f.csv, ligne 2, colonne « amount_eur » : formule de tableur « =SUM(B2:B4) » (les formules ne sont pas"
     " calculées) (attendu : un nombre (ex. 1 075 ou 12,5))"),
    (FUND_H, ["demo", "A1", "2024", "ville", "s"],
     "f.csv, ligne 2, colonne « amount_eur » : nombre non reconnu « s » (attendu : un nombre (ex. 1 075 ou 12,5))"),
    (FUND_H, ["demo", "A1", "2024", "ville", "-5"],
     "f.csv, ligne 2, colonne « amount_eur » : montant négatif (-5) (attendu : un montant positif en euros)"),
    (FUND_H, ["demo", "A1", "24", "ville", "5"],
     "f.csv, ligne 2, colonne « year » : année non reconnue « 24 » (attendu : une année sur 4 chiffres (ex. 2024))"),
    (FUND_H, ["demo", "A1", "2024", "mairie", "5"],
     "f.csv, ligne 2, colonne « funder » : valeur non reconnue « mairie » (attendu : une de : ville, epci,"
     " etat_p147, etat_autre, caf, departement, region, bailleur, europe, autre)"),
    (FUND_H, ["Grand Chalon", "A1", "2024", "ville", "5"],
     "f.csv, ligne 2, colonne « contract » : identifiant de contrat non valide « Grand Chalon »"
     " (attendu : des minuscules, chiffres et tirets (ex. grand-chalon))"),
    (ACTION_H, ["demo", "A1", "2024", ""],
     "f.csv, ligne 2, colonne « title » : valeur obligatoire manquante (attendu : un texte)"),
    (ACTION_H + ["is_new"], ["demo", "A1", "2024", "T", "peut-être"],
     "f.csv, ligne 2, colonne « is_new » : valeur non reconnue « peut-être » (attendu : oui ou non"
     " (ou vrai/faux, 1/0, x ou vide))"),
    (ATTR_H, ["demo", "2024", "OPAC", "etat", "qpv", "QN09901N", "1", "2,5"],
     "f.csv, ligne 2, colonne « n_attributions » : nombre entier attendu, trouvé « 2,5 »"
     " (attendu : un nombre entier (ex. 1 075))"),
    (ATTR_H, ["demo", "2024", "OPAC", "etat", "qpv", "QN09901N", "5", "2"],
     "f.csv, ligne 2, colonne « resource_quartile » : quartile 5 hors de 1 à 4 (attendu : 1, 2, 3 ou 4)"),
    (ATTR_H, ["demo", "2024", "OPAC", "etat", "hors_qpv", "QN09901N", "1", "2"],
     "f.csv, ligne 2, colonne « qpv_code » : code de QPV « QN09901N » pour une attribution hors QPV"
     " (attendu : une cellule vide quand location = hors_qpv)"),
    (ATTR_H, ["demo", "2024", "OPAC", "etat", "qpv", "", "1", "-2"],
     "f.csv, ligne 2, colonne « n_attributions » : nombre négatif (-2) (attendu : un nombre entier positif ou nul)"),
    (TERR_H, ["demo", "QN123", "qpv", "Q", "99001", ""],
     "f.csv, ligne 2, colonne « territory_code » : code de QPV non valide « QN123 » (attendu : QP + 6 chiffres"
     " (géographie 2015) ou QN + département sur 3 caractères + 2 chiffres + une lettre (géographie 2024,"
     " ex. QN07101I))"),
    (TERR_H, ["demo", "QP099001", "qpv", "Q", "99001", "2024"],
     "f.csv, ligne 2, colonne « geography_vintage » : géographie 2024 incohérente avec le code QP099001"
     " (attendu : 2015)"),
    (TERR_H, ["demo", "99001", "commune", "C", "Bourgogne", ""],
     "f.csv, ligne 2, colonne « parent_codes » : code parent non reconnu « Bourgogne » pour une commune"
     " (attendu : le SIREN de l'EPCI (9 chiffres) ou le code du département)"),
    (TERR_H, ["demo", "FRM", "france", "France", "EU", ""],
     "f.csv, ligne 2, colonne « parent_codes » : un territoire de niveau france n'a pas de parent"
     " (attendu : une cellule vide)"),
    (TERR_H, ["demo", "X", "quartier", "Q", "", ""],
     "f.csv, ligne 2, colonne « territory_level » : valeur non reconnue « quartier » (attendu : une de : qpv,"
     " commune, epci, departement, region, france, qpv_ensemble, quartier_veille, poche_pauvrete)"),
    (VAL_H, ["demo", "99001", "commune", "taux_chomage", "2021", "12", "", "", ""],
     "f.csv, ligne 2, colonne « indicator_id » : indicateur inconnu « taux_chomage » (attendu : un identifiant"
     " du registre (indicators/registry.py), ex. poverty_rate_pct)"),
    (VAL_H, ["demo", "99001", "commune", "poverty_rate_pct", "2021", "12", "", "", "secret"],
     "f.csv, ligne 2, colonne « status » : une valeur est saisie avec le statut « secret » (attendu : le statut"
     " ok, ou une valeur vide (jamais un chiffre secret))"),
    (VAL_H, ["demo", "99001", "commune", "poverty_rate_pct", "2021", "", "", "", "ok"],
     "f.csv, ligne 2, colonne « value » : valeur vide avec le statut ok (attendu : un nombre (ex. 1 075 ou 12,5))"),
    (VAL_H, ["demo", "99001", "commune", "poverty_rate_pct", "2021", "101", "", "", ""],
     "f.csv, ligne 2, colonne « value » : pourcentage hors de 0 à 100 (101) (attendu : un pourcentage entre 0 et 100)"),
    (VAL_H, ["demo", "99001", "commune", "poverty_rate_pct", "2021", "", "12,5", "10", ""],
     "f.csv, ligne 2, colonne « numerator » : numérateur 12,5 supérieur au dénominateur 10"
     " (attendu : un numérateur inférieur ou égal au dénominateur)"),
    (FUND_H, ["demo", "A1", "2024", "ville", "5", "extra"],
     "f.csv, ligne 2 : 6 cellules pour 5 colonnes (attendu : 5 cellules séparées par « ; »)"),
])
def test_bad_cell_gives_exact_error(tmp_path: Path, header, row, expected) -> None:
    path = write_csv(tmp_path / "f.csv", [header, row])
    with pytest.raises(EtlError) as info:
        _load(path)
    assert str(info.value) == expected


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [ACTION_H, ["demo", "A1", "2024", "T"], ["demo", "A2", "2024", "U"],
                                          ["demo", "A1", "2024", "T bis"]])
    with pytest.raises(EtlError) as info:
        _load(path)
    assert str(info.value) == ("f.csv, ligne 4, colonne « year » : ligne en double (même contract, action_id,"
                               " year qu'à la ligne 2) (attendu : une seule ligne par contract × action_id × year)")


@pytest.mark.parametrize("text, value", [
    ("1 075", 1075.0), ("1\u00a0075", 1075.0), ("1\u202f075", 1075.0), ("1075,50", 1075.5), ("1075.5", 1075.5),
    ("1 500 000", 1500000.0), ("0", 0.0),
])
def test_numbers_as_typed_in_france(tmp_path: Path, text: str, value: float) -> None:
    path = write_csv(tmp_path / "f.csv", [FUND_H, ["demo", "", "2024", "ville", text]])
    ctx, _ = _load(path)
    assert ctx.con.execute("select amount_eur from programme_funding").fetchall() == [(value,)]


def test_header_only_and_unknown_columns_warn(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [ACTION_H + ["Commentaire", "budget"]])
    ctx, rows = _load(path)
    assert rows == 0
    assert [str(m) for m in ctx.messages] == ["f.csv : colonnes inconnues ignorées : Commentaire, budget",
                                              "f.csv : aucune ligne de données (table actions)"]


def test_header_names_are_forgiving(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["Contract", " Action ID ", "YEAR*", "title"], ["demo", "A", "2024", "T"]])
    ctx, rows = _load(path)
    assert ctx.con.execute("select contract_slug, action_id, year, title from programme_actions").fetchall() == [
        ("demo", "A", 2024, "T")]


@pytest.mark.parametrize("titles", [
    [["Programmation 2024", "", "", ""]],
    [["Programmation", "2024", "", ""], ["", "", "", ""], ["Ville de Démo", "", "", ""]],
])
def test_title_rows_above_csv_header(tmp_path: Path, titles) -> None:
    path = write_csv(tmp_path / "f.csv", titles + [ACTION_H, ["demo", "A", "2024", "T"], ["demo", "B", "2024", ""]])
    with pytest.raises(EtlError) as info:
        _load(path)
    line = len(titles) + 3
    assert str(info.value) == f"f.csv, ligne {line}, colonne « title » : valeur obligatoire manquante (attendu : un texte)"


def test_too_many_cells_after_title_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [["Programmation", "2024"], ACTION_H, ["demo", "A", "2024", "T", "", "x"]])
    with pytest.raises(EtlError) as info:
        _load(path)
    assert str(info.value) == "f.csv, ligne 3 : 6 cellules pour 4 colonnes (attendu : 4 cellules séparées par « ; »)"


def test_xlsx_formula_in_numeric_column_is_an_error(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "financements"
    ws.append(FUND_H)
    ws.append(["demo", "A1", 2024, "ville", "=10*2"])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    with pytest.raises(EtlError) as info:
        _load(path)
    assert str(info.value) == ("f.xlsx, feuille « financements », ligne 2, colonne « amount_eur » : formule de"
                               " tableur « =10*2 » (les formules ne sont pas calculées)"
                               " (attendu : un nombre (ex. 1 075 ou 12,5))")


def test_xlsx_native_types(tmp_path: Path) -> None:
    import datetime

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["contract", "document_id", "title", "published_on"])
    ws.append(["demo", "d1", "Titre", datetime.datetime(2023, 7, 1)])
    ws.append(["demo", 42, "Numéro", 2021])
    path = tmp_path / "docs.xlsx"
    wb.save(path)
    ctx, _ = _load(path)
    assert ctx.con.execute("select document_id, title, published_on from documents order by 1").fetchall() == [
        ("42", "Numéro", "2021"), ("d1", "Titre", "2023-07-01")]


@pytest.mark.parametrize("header, table", [
    (["contract", "kpi_id", "value", "territory_code", "year"], "kpi_values"),
    (["contract", "territory_code", "territory_level", "indicator_id", "year", "value"], "published_values"),
    (["contract", "party_type", "party_name", "objective", "target_pct"], "housing_objectives"),
    (["contract", "year", "party_type", "party_name", "objective", "rate_pct"], "housing_results"),
    (["contract", "action_id", "year", "title", "document_id"], "actions"),
    (["contract", "document_id", "title", "producer"], "documents"),
    (["contract", "year", "funder", "amount_eur"], "funding"),
    (["CODGEO", "LIBGEO", "MED21"], None),
    (["contract", "title"], None),
])
def test_table_chosen_by_header(header, table) -> None:
    found = programme.match_table(header)
    assert (found.name if found else None) == table


@pytest.mark.parametrize("content", [
    b"", b"\x00\x01\x02binary", b'{"type": "FeatureCollection"}', b"CODGEO;MED21\n71076;19590\n",
    b"PK\x03\x04garbage",
])
def test_other_files_are_not_recognised(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(content)
    assert programme.recognise(Candidate(path, "x.csv")) is None


def test_is_internal_is_read_and_stored_for_each_flagged_table(tmp_path: Path) -> None:
    """oui/non/empty in the four tables that carry it; absent: public."""
    files = {
        "actions": (ACTION_H + ["is_internal"], [["demo", "A1", "2024", "T1", "oui"], ["demo", "A2", "2024", "T2", ""]]),
        "funding": (FUND_H + ["is_internal"], [["demo", "A1", "2024", "ville", "5", "x"],
                                               ["demo", "A2", "2024", "ville", "6", "non"]]),
        "kpi": (["contract", "kpi_id", "year", "value", "is_internal"], [["demo", "k1", "2024", "3", "vrai"]]),
        "values": (VAL_H[:6] + ["is_internal"], [["demo", "QN09901N", "qpv", "poverty_rate_pct", "2021", "40", "1"]]),
        "plain": (FUND_H, [["demo", "A3", "2024", "caf", "7"]]),
    }
    con = create_empty()
    ctx = LoadContext(con, "test")
    for name, (header, rows) in files.items():
        path = write_csv(tmp_path / f"{name}.csv", [header, *rows])
        c = Candidate(path, path.name)
        programme.load(ctx, c, programme.recognise(c))
    assert con.execute("select action_id, is_internal from programme_actions order by 1").fetchall() == [
        ("A1", True), ("A2", False)]
    assert con.execute("select action_id, is_internal from programme_funding order by 1").fetchall() == [
        ("A1", True), ("A2", False), ("A3", False)]
    assert con.execute("select kpi_id, is_internal from kpi_values").fetchall() == [("k1", True)]
    assert con.execute("select indicator_id, is_internal from indicator_facts").fetchall() == [
        ("poverty_rate_pct", True)]


def test_a_figure_derived_from_an_internal_one_is_internal() -> None:
    from etl.build import _derive
    con = create_empty()
    con.executemany("insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,"
                    " status, origin, is_internal, source_id) values (?, 'qpv', 'median_income_eur_year', ?, ?,"
                    " 'ok', 'published', ?, 's')", [["QN09901N", 2021, 12000.0, True],
                                                    ["QN09901N", 2020, 11400.0, None]])
    _derive(con)
    assert con.execute("select year, value, origin, is_internal from indicator_facts"
                       " where indicator_id = 'median_income_eur_month' order by year").fetchall() == [
        (2020, 950.0, "computed", None), (2021, 1000.0, "computed", True)]
