"""The DREES APL workbook (etl/loaders/drees_apl.py), built here in the layout DREES publishes:
a presentation sheet, one sheet per year with title and note rows above the header, « n.d. » or
empty cells, Paris arrondissements and other codes the database does not know."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from etl.build import build
from etl.core import EtlError
from tests.etl_build.conftest import CONTRACTS, TERRITORIES, query, write_csv

LOADERS = ["etl.loaders.programme", "etl.loaders.drees_apl"]
NAME = "Indicateur d'accessibilité potentielle localisée (APL) aux médecins généralistes.xlsx"
TITLE_ROWS = [
    ["Accessibilité potentielle localisée (APL) aux médecins généralistes"],
    ["Source : SNIIR-AM 2022, EGB 2019, CNAM-TS ; populations par sexe et âge 2020, distancier METRIC, Insee ; "
     "traitements DREES."],
    [],
    ["L'APL est exprimée en nombre de consultations/visites accessibles par an par habitant standardisé."],
    ["Note : la population standardisée tient compte de la structure par âge de la population."],
    [],
    [],
    [],
]
HEADER = ["Code commune INSEE", "Commune", "APL aux médecins généralistes",
          "APL aux médecins généralistes de moins de 65 ans", "APL aux médecins généralistes de moins de 62 ans",
          "Population standardisée 2020 pour la médecine générale"]


def _workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = Workbook()
    intro = wb.active
    intro.title = "Présentation"
    intro.append(["Indicateur d'accessibilité potentielle localisée (APL) aux médecins généralistes"])
    intro.append(["Voir les onglets par année."])
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for r in TITLE_ROWS + [HEADER] + rows:
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


SHEETS = {
    "APL 2022": [
        ["99001", "Démo-sur-Loire", 3.4128, 2.9051, 2.7, 26100.5],
        ["99002", "Saint-Exemple", "2,1", "n.d.", None, 15800],
        ["75101", "Paris 1er Arrondissement", 4.8, 4.1, 3.9, 15000],
        [1001, "L'Abergement-Clémenciat", 1.9, 1.5, 1.4, 800],
        [],
        ["Champ : France hors Mayotte."],
    ],
    "APL_2021": [
        ["99001", "Démo-sur-Loire", 3.5, 3.0, 2.8, 26000],
    ],
}


def _raw(tmp_path: Path, sheets: dict[str, list[list]]) -> Path:
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "territoires.csv", TERRITORIES)
    _workbook(raw / NAME, sheets)
    return raw


def test_the_published_workbook_loads_every_year_at_commune_level(tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    report = build([_raw(tmp_path, SHEETS)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    name = f"raw/{NAME}"
    assert [(f.kind, f.rows_read) for f in report.files if f.file_name == name] == [("drees_apl_commune", 5)]
    assert [str(m) for m in report.messages if m.file_name and m.file_name.startswith(name)] == [
        f"{name} : colonnes non suivies par le tableau de bord, ignorées : "
        "APL aux médecins généralistes de moins de 62 ans",
        f"{name}, feuille « APL 2022 », ligne 12, colonne « Code commune INSEE » : 2 codes de commune absents "
        "de la base (ni COG ni territoire déclaré), lignes écartées ; premier : « 75101 »",
    ]
    assert query(db, """select territory_code, territory_level, indicator_id, year, value, status, status_note,
                               source_variable
                        from indicator_facts order by 1, 3, 4""") == [
        ("99001", "commune", "apl_gp_consultations_per_inhabitant_year", 2021, 3.5, "ok", None,
         "APL aux médecins généralistes"),
        ("99001", "commune", "apl_gp_consultations_per_inhabitant_year", 2022, 3.4128, "ok", None,
         "APL aux médecins généralistes"),
        ("99001", "commune", "apl_gp_under65_consultations_per_inhabitant_year", 2021, 3.0, "ok", None,
         "APL aux médecins généralistes de moins de 65 ans"),
        ("99001", "commune", "apl_gp_under65_consultations_per_inhabitant_year", 2022, 2.9051, "ok", None,
         "APL aux médecins généralistes de moins de 65 ans"),
        ("99002", "commune", "apl_gp_consultations_per_inhabitant_year", 2022, 2.1, "ok", None,
         "APL aux médecins généralistes"),
        ("99002", "commune", "apl_gp_under65_consultations_per_inhabitant_year", 2022, None, "missing", "n.d.",
         "APL aux médecins généralistes de moins de 65 ans"),
    ]
    assert query(db, "select producer, title, vintage, url from sources where kind = 'drees_apl_commune'") == [
        ("DREES", "Accessibilité potentielle localisée (APL) aux médecins généralistes", "2021, 2022",
         "https://data.drees.solidarites-sante.gouv.fr/explore/dataset/530_l-accessibilite-potentielle-localisee-apl/")]


@pytest.mark.parametrize("row, expected", [
    (["99001", "Démo-sur-Loire", "beaucoup", 2.9, 2.7, 100],
     "feuille « APL 2022 », ligne 10, colonne « APL aux médecins généralistes » : valeur non reconnue « beaucoup » "
     "(attendu : un nombre (ex. 3,2), vide ou « n.d. »)"),
    (["99001", "Démo-sur-Loire", -1.5, 2.9, 2.7, 100],
     "feuille « APL 2022 », ligne 10, colonne « APL aux médecins généralistes » : nombre négatif « -1.5 » "
     "(attendu : un nombre positif ou nul)"),
    (["Démo", "Démo-sur-Loire", 1.5, 2.9, 2.7, 100],
     "feuille « APL 2022 », ligne 10, colonne « Code commune INSEE » : code de commune non valide « Démo » "
     "(attendu : un code commune Insee sur 5 caractères)"),
])
def test_a_bad_cell_names_sheet_line_and_column(tmp_path: Path, row, expected) -> None:
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, {"APL 2022": [row]})], tmp_path / "qpv.duckdb", loader_modules=LOADERS,
              progress=None, current_year=2025)
    assert str(e.value) == f"raw/{NAME}, " + expected


def test_a_sheet_without_year_is_refused(tmp_path: Path) -> None:
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, {"Données": [["99001", "Démo-sur-Loire", 1.5, 2.9, 2.7, 100]]})],
              tmp_path / "qpv.duckdb", loader_modules=LOADERS, progress=None, current_year=2025)
    assert str(e.value) == (f"raw/{NAME}, feuille « Données », ligne 9 : année de l'APL introuvable (attendu : une "
                            "année dans le nom de la feuille (ex. « APL 2022 ») ou dans son titre)")


def test_the_older_layout_loads_to_the_same_indicators(tmp_path: Path, monkeypatch) -> None:
    import tests.etl_loaders.test_drees_apl as module
    monkeypatch.setattr(module, "HEADER", [
        "Code commune", "Commune", "APL aux médecins généralistes (sans borne d'âge)",
        "APL aux médecins généralistes de moins de 65 ans",
        "Population standardisée par la consommation de soins par tranche d'âge"])
    db = tmp_path / "qpv.duckdb"
    build([_raw(tmp_path, {"APL_2017": [["99001", "Démo-sur-Loire", 4.1, 3.6, 25000]]})], db,
          loader_modules=LOADERS, progress=None, current_year=2025)
    assert query(db, "select territory_code, indicator_id, year, value, source_variable from indicator_facts "
                     "order by 2") == [
        ("99001", "apl_gp_consultations_per_inhabitant_year", 2017, 4.1,
         "APL aux médecins généralistes (sans borne d'âge)"),
        ("99001", "apl_gp_under65_consultations_per_inhabitant_year", 2017, 3.6,
         "APL aux médecins généralistes de moins de 65 ans"),
    ]


def test_two_sheets_of_the_same_year_are_refused(tmp_path: Path) -> None:
    row = ["99001", "Démo-sur-Loire", 1.5, 2.9, 2.7, 100]
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, {"APL 2022": [row], "APL_2022 (révisé)": [row]})], tmp_path / "qpv.duckdb",
              loader_modules=LOADERS, progress=None, current_year=2025)
    assert str(e.value) == (f"raw/{NAME}, feuille « APL_2022 (révisé) », ligne 9 : année 2022 déjà lue dans la "
                            "feuille « APL 2022 » (attendu : une feuille par année)")
