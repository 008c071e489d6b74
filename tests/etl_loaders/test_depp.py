"""The Éducation nationale exports (etl/loaders/depp.py), built here as data.education.gouv.fr
publishes them (`;`, UTF-8 with a BOM, French labels or field names as header, decimal point or
comma, empty cells): per-school figures aggregated to the commune, never attached to a QPV; and
the portrait of a QPV shows the health and education figures of its commune, saying so."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.build import build
from etl.core import EtlError
from tests.etl_build.conftest import CONTRACTS, TERRITORIES, query, write_csv
from tests.etl_loaders.test_drees_apl import NAME as APL_NAME
from tests.etl_loaders.test_drees_apl import SHEETS as APL_SHEETS
from tests.etl_loaders.test_drees_apl import _workbook

LOADERS = ["etl.loaders.programme", "etl.loaders.depp"]
IPS_NAME = "fr-en-ips_colleges.csv"
IPS_HEADER = ["Rentrée scolaire", "Académie", "Code du département", "Département", "UAI",
              "Nom de l'établissment", "Code INSEE de la commune", "Nom de la commune", "Secteur", "IPS",
              "Ecart-type de l'IPS"]
IPS_ROWS = [
    ["2022-2023", "FICTIVE", "099", "DEPARTEMENT FICTIF", "0999101A", "COLLEGE JEAN MOULIN", "99001",
     "Démo-sur-Loire", "public", "85.3", "25.1"],
    ["2022-2023", "FICTIVE", "099", "DEPARTEMENT FICTIF", "0999102B", "COLLEGE VICTOR HUGO", "99001",
     "Démo-sur-Loire", "public", "92,7", "30.4"],
    ["2022-2023", "FICTIVE", "099", "DEPARTEMENT FICTIF", "0999103C", "COLLEGE SAINT-JOSEPH", "99001",
     "Démo-sur-Loire", "privé sous contrat", "121.2", "28.0"],
    ["2022-2023", "FICTIVE", "099", "DEPARTEMENT FICTIF", "0999201D", "COLLEGE LES ERABLES", "99002",
     "Saint-Exemple", "public", "", ""],
    ["2021-2022", "FICTIVE", "099", "DEPARTEMENT FICTIF", "0999101A", "COLLEGE JEAN MOULIN", "99001",
     "Démo-sur-Loire", "public", "86", "25.3"],
    ["2022-2023", "PARIS", "075", "PARIS", "0750001E", "COLLEGE FICTIF", "75056", "Paris", "public", "110.2",
     "31.0"],
]
ANNUAIRE_NAME = "fr-en-annuaire-education.csv"
ANNUAIRE_HEADER = ["Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement",
                   "Statut_public_prive", "Code_postal", "Code_commune", "Nom_commune",
                   "Appartenance_Education_Prioritaire", "Nombre_d_eleves", "date_maj_ligne", "libelle_nature"]
ANNUAIRE_ROWS = [
    ["0999001A", "Ecole élémentaire Jean Moulin", "Ecole", "Public", "99100", "99001", "Démo-sur-Loire",
     "REP+", "210", "2024-05-13", "ECOLE DE NIVEAU ELEMENTAIRE"],
    ["0999101A", "Collège Jean Moulin", "Collège", "Public", "99100", "99001", "Démo-sur-Loire", "REP", "540",
     "2024-06-02", "COLLEGE"],
    ["0999002B", "Ecole maternelle Les Lilas", "Ecole", "Public", "99100", "99001", "Démo-sur-Loire", "", "150",
     "2023-11-20", "ECOLE MATERNELLE"],
    ["0999103C", "Collège Saint-Joseph", "Collège", "Privé", "99100", "99001", "Démo-sur-Loire", "", "600",
     "2024-01-08", "COLLEGE"],
    ["0999301F", "Lycée Jules Ferry", "Lycée", "Public", "99100", "99001", "Démo-sur-Loire", "", "1200",
     "2024-01-08", "LYCEE ENSEIGNT GENERAL ET TECHNOLOGIQUE"],
    ["0999003C", "Ecole primaire Pasteur", "Ecole", "Public", "99200", "99002", "Saint-Exemple", "", "",
     "2024-02-01", "ECOLE DE NIVEAU ELEMENTAIRE"],
    ["0999004D", "Ecole primaire Curie", "Ecole", "Public", "99200", "99002", "Saint-Exemple", "", "90",
     "2024-02-01", "ECOLE DE NIVEAU ELEMENTAIRE"],
    ["0750002F", "Ecole fictive", "Ecole", "Public", "75001", "75056", "Paris", "REP", "100", "2024-02-01",
     "ECOLE DE NIVEAU ELEMENTAIRE"],
]


def _raw(tmp_path: Path, ips=IPS_ROWS, annuaire=ANNUAIRE_ROWS) -> Path:
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "territoires.csv", TERRITORIES)
    if ips is not None:
        write_csv(raw / IPS_NAME, [IPS_HEADER] + ips, bom=True)
    if annuaire is not None:
        write_csv(raw / ANNUAIRE_NAME, [ANNUAIRE_HEADER] + annuaire, bom=True, crlf=True)
    return raw


def _facts(db: Path) -> list[tuple]:
    return query(db, """select territory_code, territory_level, indicator_id, year, round(value, 4), numerator,
                               denominator, status, source_variable
                        from indicator_facts order by 1, 3, 4""")


def test_the_ips_of_public_colleges_load_per_commune(tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    report = build([_raw(tmp_path, annuaire=None)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    name = f"raw/{IPS_NAME}"
    assert [(f.kind, f.rows_read) for f in report.files if f.file_name == name] == [("depp_ips_colleges", 6)]
    assert [str(m) for m in report.messages if m.file_name == name] == [
        f"{name}, ligne 7, colonne « Code INSEE de la commune » : 1 codes de commune absents de la base "
        "(ni COG ni territoire déclaré), lignes écartées ; premier : « 75056 »"]
    assert _facts(db) == [
        ("99001", "commune", "public_colleges_count", 2021, 1.0, None, None, "ok", "UAI"),
        ("99001", "commune", "public_colleges_count", 2022, 2.0, None, None, "ok", "UAI"),
        ("99001", "commune", "public_colleges_mean_ips_index", 2021, 86.0, None, 1.0, "ok", "IPS"),
        ("99001", "commune", "public_colleges_mean_ips_index", 2022, 89.0, None, 2.0, "ok", "IPS"),
        ("99002", "commune", "public_colleges_count", 2022, 0.0, None, None, "ok", "UAI"),
        ("99002", "commune", "public_colleges_mean_ips_index", 2022, None, None, 0.0, "missing", "IPS"),
    ]
    assert query(db, "select producer, title, vintage from sources where kind = 'depp_ips_colleges'") == [
        ("DEPP", "Indices de position sociale (IPS) des collèges", "rentrées 2021-2022, 2022-2023")]


def test_the_field_name_header_of_the_export_loads_too(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ips=None, annuaire=None)
    header = ["rentree_scolaire", "academie", "code_du_departement", "departement", "uai", "nom_de_l_etablissment",
              "code_insee_de_la_commune", "nom_de_la_commune", "secteur", "ips", "ecart_type_de_l_ips"]
    write_csv(raw / "ips.csv", [header] + IPS_ROWS[:2], bom=True)
    db = tmp_path / "qpv.duckdb"
    build([raw], db, loader_modules=LOADERS, progress=None, current_year=2025)
    assert _facts(db) == [
        ("99001", "commune", "public_colleges_count", 2022, 2.0, None, None, "ok", "uai"),
        ("99001", "commune", "public_colleges_mean_ips_index", 2022, 89.0, None, 2.0, "ok", "ips"),
    ]


def test_the_share_of_pupils_in_rep_loads_per_commune_from_the_directory(tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    report = build([_raw(tmp_path, ips=None)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    name = f"raw/{ANNUAIRE_NAME}"
    assert [(f.kind, f.rows_read) for f in report.files if f.file_name == name] == [("education_annuaire", 8)]
    assert [str(m) for m in report.messages if m.file_name == name] == [
        f"{name} : 1 écoles ou collèges publics sans effectif publié, laissés hors du calcul de la part des "
        "élèves en REP ou REP+",
        f"{name}, ligne 9, colonne « Code_commune » : 1 codes de commune absents de la base (ni COG ni "
        "territoire déclaré), lignes écartées ; premier : « 75056 »",
    ]
    assert _facts(db) == [
        ("99001", "commune", "rep_pupils_pct", 2024, 83.3333, 750.0, 900.0, "ok",
         "Appartenance_Education_Prioritaire"),
        ("99002", "commune", "rep_pupils_pct", 2024, 0.0, 0.0, 90.0, "ok", "Appartenance_Education_Prioritaire"),
    ]
    assert query(db, "select producer, title, vintage from sources where kind = 'education_annuaire'") == [
        ("Ministère de l'Éducation nationale", "Annuaire de l'éducation", "mis à jour en 2024")]


@pytest.mark.parametrize("ips, annuaire, expected", [
    ([["2022/23", *IPS_ROWS[0][1:]]], None,
     f"raw/{IPS_NAME}, ligne 2, colonne « Rentrée scolaire » : rentrée non reconnue « 2022/23 » "
     "(attendu : une rentrée comme 2022-2023)"),
    ([IPS_ROWS[0][:8] + ["hors contrat"] + IPS_ROWS[0][9:]], None,
     f"raw/{IPS_NAME}, ligne 2, colonne « Secteur » : secteur non reconnu « hors contrat » "
     "(attendu : public ou privé sous contrat)"),
    ([IPS_ROWS[0][:9] + ["n.d.", ""]], None,
     f"raw/{IPS_NAME}, ligne 2, colonne « IPS » : nombre non reconnu « n.d. » (attendu : un nombre (ex. 98,4))"),
    (None, [ANNUAIRE_ROWS[0][:7] + ["ZEP", "210", "2024-05-13", "X"]],
     f"raw/{ANNUAIRE_NAME}, ligne 2, colonne « Appartenance_Education_Prioritaire » : valeur non reconnue « ZEP » "
     "(attendu : REP, REP+ ou vide)"),
    (None, [ANNUAIRE_ROWS[0][:8] + ["-3", "2024-05-13", "X"]],
     f"raw/{ANNUAIRE_NAME}, ligne 2, colonne « Nombre_d_eleves » : nombre négatif « -3 » "
     "(attendu : un nombre positif ou nul)"),
])
def test_a_bad_cell_names_file_line_and_column(tmp_path: Path, ips, annuaire, expected) -> None:
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, ips=ips, annuaire=annuaire)], tmp_path / "qpv.duckdb", loader_modules=LOADERS,
              progress=None, current_year=2025)
    assert str(e.value) == expected


def test_the_portrait_shows_health_and_education_of_the_commune_saying_so(tmp_path: Path, monkeypatch) -> None:
    import config
    from tests.app.test_pages import page_text, run_page
    raw = _raw(tmp_path)
    _workbook(raw / APL_NAME, APL_SHEETS)
    db = tmp_path / "qpv.duckdb"
    build([raw], db, loader_modules=LOADERS + ["etl.loaders.drees_apl"], progress=None, current_year=2025)
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = run_page("portrait", territoire="demo", qpv="QN09901N")      # Les Tilleuls, in 99001
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Valeur de la commune" in d.value.columns)
    assert table.values.tolist() == [
        ["Accessibilité aux médecins généralistes (APL, consultations par an et par habitant)", "Démo-sur-Loire",
         2022, "3,41\u00a0consultations/an/habitant",
         "DREES, Accessibilité potentielle localisée (APL) aux médecins généralistes, 2021, 2022"],
        ["Accessibilité aux médecins généralistes de moins de 65 ans (APL, consultations par an et par habitant)",
         "Démo-sur-Loire", 2022, "2,91\u00a0consultations/an/habitant",
         "DREES, Accessibilité potentielle localisée (APL) aux médecins généralistes, 2021, 2022"],
        ["Indice de position sociale moyen des collèges publics de la commune", "Démo-sur-Loire", 2022, "89",
         "DEPP, Indices de position sociale (IPS) des collèges, rentrées 2021-2022, 2022-2023"],
        ["Collèges publics de la commune (avec un IPS publié)", "Démo-sur-Loire", 2022, "2\u00a0collèges",
         "DEPP, Indices de position sociale (IPS) des collèges, rentrées 2021-2022, 2022-2023"],
        ["Élèves des écoles et collèges publics de la commune scolarisés en REP ou REP+", "Démo-sur-Loire", 2024,
         "83,3\u00a0%", "Ministère de l'Éducation nationale, Annuaire de l'éducation, mis à jour en 2024"],
    ]
    text = page_text(at)
    assert "Publié à la commune seulement : le chiffre est celui de la commune entière, le quartier " \
           "n'a pas le sien." in text
    assert "Insee" not in " ".join(table["Source"])


def test_files_of_fictional_communes_only_are_marked_fictional(tmp_path: Path) -> None:
    raw = _raw(tmp_path, ips=IPS_ROWS[:5], annuaire=ANNUAIRE_ROWS[:7])
    _workbook(raw / APL_NAME, {"APL 2022": APL_SHEETS["APL 2022"][:2]})
    db = tmp_path / "qpv.duckdb"
    build([raw], db, loader_modules=LOADERS + ["etl.loaders.drees_apl"], progress=None, current_year=2025)
    assert query(db, "select kind, is_fictional from sources where kind not like 'programme%' order by 1") == [
        ("depp_ips_colleges", True), ("drees_apl_commune", True), ("education_annuaire", True)]
    assert query(db, """select distinct source_label from indicator_values
                        where territory_code = '99001' and indicator_id = 'rep_pupils_pct'""") == [
        ("Fictif : Ministère de l'Éducation nationale, Annuaire de l'éducation, mis à jour en 2024",)]


def test_an_ips_file_of_ecoles_is_not_taken_for_colleges(tmp_path: Path) -> None:
    from etl.core import Candidate
    from etl.loaders import depp
    ecoles = [row[:5] + ["ECOLE ELEMENTAIRE " + row[5].split(" ", 1)[1]] + row[6:] for row in IPS_ROWS]
    path = write_csv(tmp_path / "fr-en-ips-ecoles-ap2022.csv", [IPS_HEADER] + ecoles, bom=True)
    colleges = write_csv(tmp_path / "fr-en-ips-colleges-ap2023.csv", [IPS_HEADER] + IPS_ROWS, bom=True)
    assert [depp.recognise(Candidate(p, p.name)) for p in (path, colleges)] == [None, "depp_ips_colleges"]


def test_a_school_on_several_lines_counts_once(tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    build([_raw(tmp_path, ips=IPS_ROWS[:2] + [IPS_ROWS[1]], annuaire=ANNUAIRE_ROWS[:3] + [ANNUAIRE_ROWS[1]])], db,
          loader_modules=LOADERS, progress=None, current_year=2025)
    assert _facts(db) == [
        ("99001", "commune", "public_colleges_count", 2022, 2.0, None, None, "ok", "UAI"),
        ("99001", "commune", "public_colleges_mean_ips_index", 2022, 89.0, None, 2.0, "ok", "IPS"),
        ("99001", "commune", "rep_pupils_pct", 2024, 83.3333, 750.0, 900.0, "ok", "Appartenance_Education_Prioritaire"),
    ]


def test_one_college_with_two_ips_for_a_rentree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, ips=IPS_ROWS[:2] + [IPS_ROWS[1][:9] + ["70.2", "20.0"]], annuaire=None)],
              tmp_path / "qpv.duckdb", loader_modules=LOADERS, progress=None, current_year=2025)
    assert str(e.value) == (f"raw/{IPS_NAME}, ligne 4, colonne « IPS » : collège 0999102B en double pour la rentrée "
                            "2022-2023 avec un autre IPS (ligne 3) (attendu : une ligne par collège et par rentrée)")
