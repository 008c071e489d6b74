"""The attributions sheet typed column by column (issue #15: 200 000 rows at national scale): the
same rows, line records and errors as the row-by-row path, which still reads anything else."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.core import Candidate, EtlError, LoadContext
from etl.db import create_empty
from etl.loaders import programme
from tests.etl_build.conftest import write_csv

HEADER = ["contract", "year", "landlord", "reserving_party", "location", "qpv_code", "resource_quartile",
          "is_priority_household", "is_transfer", "is_lease_signed", "n_attributions", "remarque"]
ROWS = [
    ["demo", "2024", "Habitat A", "etat", "qpv", "QN07101I", "1", "oui", "non", "oui", "4", "x"],
    ["demo", "2024", "Habitat A", "etat", "hors_qpv", "", "2", "non", "", "oui", "1 075", ""],
    ["demo", "2024", "Habitat A", "Etat", "qpv", "QN07102I", "", "", "", "", "0", ""],
    ["autre-1", "2023", "Habitat B", "action_logement", "QPV", "QN07101I", "4", "x", "vrai", "faux", "2", ""],
]


def _load(path: Path, by_column: bool, monkeypatch):
    if not by_column:
        monkeypatch.setattr(programme, "_load_attributions_by_column", lambda *a: False)
    con = create_empty()
    ctx = LoadContext(con, "test")
    c = Candidate(path, path.name)
    rows = programme.load(ctx, c, programme.recognise(c))
    ctx.flush_lines()
    tables = {t: con.execute(f"select * from {t} order by all").fetchall()
              for t in ("housing_attributions", "_row_lines", "_programme_file_contracts")}
    return rows, tables, [str(m) for m in ctx.messages]


def test_same_rows_line_records_and_warnings_as_row_by_row(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "attributions.csv", [HEADER, *ROWS])
    fast = _load(path, True, monkeypatch)
    slow = _load(path, False, monkeypatch)
    assert fast == slow
    src = fast[1]["housing_attributions"][0][-1]
    assert fast[0] == 4
    assert fast[1]["housing_attributions"] == [
        ("autre-1", 2023, "Habitat B", "action_logement", "qpv", "QN07101I", 4, True, True, False, 2, src),
        ("demo", 2024, "Habitat A", "etat", "hors_qpv", None, 2, False, None, True, 1075, src),
        ("demo", 2024, "Habitat A", "etat", "qpv", "QN07101I", 1, True, False, True, 4, src),
        ("demo", 2024, "Habitat A", "etat", "qpv", "QN07102I", None, None, None, None, 0, src),
    ]
    assert fast[1]["_row_lines"] == sorted(
        [(src, "housing_attributions", "contract_slug", code, line, "contract")
         for code, line in (("demo", 2), ("demo", 3), ("demo", 4), ("autre-1", 5))]
        + [(src, "housing_attributions", "qpv_code", code, line, "qpv_code")
           for code, line in (("QN07101I", 2), ("QN07102I", 4), ("QN07101I", 5))]
        # The year's line too: a figure dated after its document is warned on it (etl.checks).
        + [(src, "housing_attributions", "year", year, line, "year")
           for year, line in (("2024", 2), ("2024", 3), ("2024", 4), ("2023", 5))])
    assert fast[1]["_programme_file_contracts"] == [(src, "autre-1"), (src, "demo")]
    assert fast[2] == ["attributions.csv : colonnes inconnues ignorées : remarque"]


@pytest.mark.parametrize("line, column, cell, expected", [
    (5, "n_attributions", "-3", "ligne 5, colonne « n_attributions » : nombre négatif (-3)"),
    (4, "resource_quartile", "5", "ligne 4, colonne « resource_quartile » : quartile 5 hors de 1 à 4"),
    (3, "qpv_code", "QN07101I", "ligne 3, colonne « qpv_code » : code de QPV « QN07101I » pour une "
                                "attribution hors QPV"),
    (2, "contract", "Demo!", "ligne 2, colonne « contract » : identifiant de contrat non valide « Demo! »"),
    (3, "year", "24", "ligne 3, colonne « year » : année non reconnue « 24 »"),
    (5, "is_transfer", "peut-être", "ligne 5, colonne « is_transfer » : valeur non reconnue « peut-être »"),
    (4, "landlord", "", "ligne 4, colonne « landlord » : valeur obligatoire manquante"),
    (5, "landlord", "Habitat A", "ligne 5, colonne « is_lease_signed » : ligne en double (même contract, year,"
                           " landlord, reserving_party, location, qpv_code, resource_quartile,"
                           " is_priority_household, is_transfer, is_lease_signed qu'à la ligne 4)"),
])
def test_errors_name_the_line_and_column_as_row_by_row(tmp_path, monkeypatch, line, column, cell, expected):
    rows = [list(r) for r in ROWS]
    rows[3] = list(rows[2])          # line 5 repeats line 4 but for its landlord
    rows[3][2] = "Habitat C"
    rows[line - 2][HEADER.index(column)] = cell
    path = write_csv(tmp_path / "attributions.csv", [HEADER, *rows])
    errors = []
    for by_column in (True, False):
        with pytest.raises(EtlError) as info:
            _load(path, by_column, monkeypatch)
        errors.append(str(info.value))
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"attributions.csv, {expected}")
