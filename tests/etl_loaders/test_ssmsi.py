"""The SSMSI communal crime base (etl/loaders/ssmsi.py), in the format data.gouv.fr publishes:
`;`, decimal comma, 2-digit years, `diff`/`ndiff`; mapped classes become registry indicators at
commune level only, unpublished figures stay NULL as secret, unknown communes are set aside."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.build import build
from etl.core import EtlError
from tests.etl_build.conftest import CONTRACTS, TERRITORIES, query, write_csv

HEADER = ["CODGEO_2024", "annee", "classe", "unité.de.compte", "valeur.publiée", "faits", "tauxpourmille",
          "complementinfoval", "complementinfotaux", "POP", "millPOP", "LOG", "millLOG"]
ROWS = [
    ["99001", "23", "Coups et blessures volontaires", "victime", "diff", "51", "2,015810277", "", "",
     "25300", "21", "12100", "20"],
    ["99001", "23", "Cambriolages de logement", "infraction", "diff", "30", "2,479338843", "", "",
     "25300", "21", "12100", "20"],
    ["99002", "23", "Vols violents sans arme", "victime", "ndiff", "", "", "1,2", "0,08", "15900", "21",
     "7000", "20"],
    ["99002", "23", "Usage de stupéfiants", "Mis en cause", "diff", "12", "0,75", "", "", "15900", "21",
     "7000", "20"],
    ["75056", "23", "Coups et blessures volontaires", "victime", "diff", "9000", "4,3", "", "",
     "2100000", "21", "1400000", "20"],
]
LOADERS = ["etl.loaders.programme", "etl.loaders.ssmsi"]


def _raw(tmp_path: Path, rows: list[list]) -> Path:
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "territoires.csv", TERRITORIES)
    write_csv(raw / "donnee-comm-data.gouv-2023-geographie2024-produit-le2024-07-05.csv", [HEADER] + rows)
    return raw


def test_the_published_file_loads_at_commune_level(tmp_path: Path) -> None:
    db = tmp_path / "qpv.duckdb"
    report = build([_raw(tmp_path, ROWS)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    name = "raw/donnee-comm-data.gouv-2023-geographie2024-produit-le2024-07-05.csv"
    assert [(f.file_name, f.kind, f.rows_read) for f in report.files if f.file_name == name] == [
        (name, "ssmsi_commune_crime", 5)]
    assert [str(m) for m in report.messages if m.file_name == name] == [
        f"{name} : classes non suivies par le tableau de bord, ignorées : Usage de stupéfiants",
        f"{name} : 1 communes absentes de la base (ni COG ni territoire déclaré) : leurs lignes sont écartées",
    ]
    assert query(db, """select territory_code, territory_level, indicator_id, year, round(value, 4),
                               numerator, denominator, status, status_note, source_variable
                        from indicator_facts order by 1, 3""") == [
        ("99001", "commune", "crime_assault_per_1000", 2023, 2.0158, 51.0, 25300.0, "ok", None,
         "Coups et blessures volontaires"),
        ("99001", "commune", "crime_burglary_per_1000_dwellings", 2023, 2.4793, 30.0, 12100.0, "ok", None,
         "Cambriolages de logement"),
        ("99002", "commune", "crime_street_robbery_per_1000", 2023, None, None, None, "secret",
         "non diffusé (SSMSI)", "Vols violents sans arme"),
    ]
    assert query(db, "select producer, vintage from sources where kind = 'ssmsi_commune_crime'") == [
        ("SSMSI", "géographie 2024")]


@pytest.mark.parametrize("row, expected", [
    (["99001", "2k3", "Coups et blessures volontaires", "victime", "diff", "1", "1", "", "", "10", "21", "5", "20"],
     "ligne 2, colonne « annee » : année non reconnue « 2k3 » (attendu : une année sur 2 ou 4 chiffres (ex. 23 ou 2023))"),
    (["99001", "23", "Coups et blessures volontaires", "victime", "oui", "1", "1", "", "", "10", "21", "5", "20"],
     "ligne 2, colonne « valeur.publiée » : valeur non reconnue « oui » (attendu : diff ou ndiff)"),
    (["99001", "23", "Coups et blessures volontaires", "victime", "diff", "-4", "1", "", "", "10", "21", "5", "20"],
     "ligne 2, colonne « faits » : nombre négatif « -4 » (attendu : un nombre positif ou nul)"),
])
def test_a_bad_cell_names_file_line_and_column(tmp_path: Path, row, expected) -> None:
    with pytest.raises(EtlError) as e:
        build([_raw(tmp_path, [row])], tmp_path / "qpv.duckdb", loader_modules=LOADERS, progress=None,
              current_year=2025)
    assert str(e.value) == "raw/donnee-comm-data.gouv-2023-geographie2024-produit-le2024-07-05.csv, " + expected


def test_the_qpv_shows_its_commune_figure_saying_so(tmp_path: Path) -> None:
    import duckdb

    from indicators.pillars import commune_only_figures
    db = tmp_path / "qpv.duckdb"
    build([_raw(tmp_path, ROWS)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    con = duckdb.connect(str(db), read_only=True)
    df = commune_only_figures(con, "QN09902M")     # Côte-Rôtie, across 99001 and 99002
    assert df[["indicator_id", "commune_code", "commune_name", "year", "value", "status", "status_note"]] \
        .astype(object).where(df.notna(), None).values.tolist() == [
        ["crime_assault_per_1000", "99001", "Démo-sur-Loire", 2023, 2.015810277, "ok", None],
        ["crime_street_robbery_per_1000", "99002", "Saint-Exemple", 2023, None, "secret", "non diffusé (SSMSI)"],
        ["crime_burglary_per_1000_dwellings", "99001", "Démo-sur-Loire", 2023, 2.479338843, "ok", None],
    ]
    assert set(df["caution"]) == {"Publié à la commune seulement : le chiffre est celui de la commune "
                                  "entière, le quartier n'a pas le sien."}
    assert commune_only_figures(con, "QN09901N")["commune_code"].tolist() == ["99001", "99001"]


def test_the_portrait_page_shows_the_commune_figure_beside_the_qpv(tmp_path: Path, monkeypatch) -> None:
    import config
    from tests.app.test_pages import page_text, run_page
    db = tmp_path / "qpv.duckdb"
    build([_raw(tmp_path, ROWS)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = run_page("portrait", territoire="demo", qpv="QN09902M")
    assert not at.exception
    table = next(d.value for d in at.dataframe if "Valeur de la commune" in d.value.columns)
    assert table.values.tolist() == [
        ["Coups et blessures volontaires (victimes pour 1 000 habitants)", "Démo-sur-Loire", 2023,
         "2,02\u00a0pour 1 000 habitants", table.iloc[0, 4]],
        ["Vols violents sans arme (victimes pour 1 000 habitants)", "Saint-Exemple", 2023,
         "secret statistique", table.iloc[1, 4]],
        ["Cambriolages de logement (pour 1 000 logements)", "Démo-sur-Loire", 2023,
         "2,48\u00a0pour 1 000 logements", table.iloc[2, 4]],
    ]
    assert set(table["Source"]) == {"SSMSI, Base statistique communale de la délinquance enregistrée par la "
                                    "police et la gendarmerie nationales, géographie 2024"}
    assert "Publié à la commune seulement : le chiffre est celui de la commune entière, le quartier " \
           "n'a pas le sien." in page_text(at)


def test_the_yearly_review_lists_each_commune_figure_once_with_its_qpvs(tmp_path: Path) -> None:
    import duckdb

    from indicators.review import review_sections
    db = tmp_path / "qpv.duckdb"
    build([_raw(tmp_path, ROWS)], db, loader_modules=LOADERS, progress=None, current_year=2025)
    con = duckdb.connect(str(db), read_only=True)
    section = next(s for s in review_sections(con, "demo", 2023) if s.key == "communes")
    # One row per commune and indicator (not one per quartier); the note names each commune's
    # quartiers once.
    assert section.note == ("Publié à la commune seulement : le chiffre est celui de la commune entière, "
                            "le quartier n'a pas le sien. Quartiers de chaque commune : Démo-sur-Loire "
                            "(Côte-Rôtie, Les Tilleuls) ; Saint-Exemple (Côte-Rôtie).")
    assert list(section.table.columns) == ["Commune", "Indicateur", "Année", "Valeur de la commune"]
    assert section.table.values.tolist() == [
        ["Démo-sur-Loire", "Coups et blessures volontaires (victimes pour 1 000 habitants)", 2023,
         "2,02\u00a0pour 1 000 habitants"],
        ["Démo-sur-Loire", "Cambriolages de logement (pour 1 000 logements)", 2023,
         "2,48\u00a0pour 1 000 logements"],
        ["Saint-Exemple", "Vols violents sans arme (victimes pour 1 000 habitants)", 2023,
         "secret statistique"],
    ]
