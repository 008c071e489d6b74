"""Text keys are one key however they were typed: Unicode NFC (« Santé » composed or decomposed),
zero-width characters removed; control characters are refused with file, line and column, and
never reach a terminal through the build's progress lines and messages."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.build import build
from etl.core import EtlError, Message, printable
from etl.readers import normalise_text, read_table
from tests.etl_build.conftest import (ACTIONS, CURRENT_YEAR, FUNDING, PROGRAMME_ONLY, make_programme_dir,
                                      query, write_csv)

COMPOSED = "Sant\u00e9"          # é as one character
DECOMPOSED = "Sante\u0301"       # e + combining acute accent
ZW = "\u200b"


def test_normalise_text():
    assert normalise_text(DECOMPOSED) == COMPOSED
    assert normalise_text(f"{ZW}Sant\u00e9\u200c\u200d\ufeff\u2060") == COMPOSED
    assert normalise_text("QN07101I") == "QN07101I"


def test_read_table_normalises_cells_and_header():
    data = f"theme;op\u00e9rateur{ZW}\n{DECOMPOSED};Maison de sant\u00e9{ZW}\n{COMPOSED};Maison de sante\u0301\n"
    table = read_table(data.encode("utf-8"), "f.csv")
    assert table.header == ["theme", "op\u00e9rateur"]
    assert table.rows == [[COMPOSED, "Maison de sant\u00e9"], [COMPOSED, "Maison de sant\u00e9"]]


def test_dos_end_of_file_mark_is_not_a_control_character():
    table = read_table(b"a;b\r\n1;2\r\n\x1a", "f.csv")
    assert (table.header, table.rows) == (["a", "b"], [["1", "2"]])


@pytest.mark.parametrize("cell, code", [("\x1b[31mrouge", "U+001B"), ("a\x00b", "U+0000"), ("x\x85", "U+0085"),
                                        ("\x7f", "U+007F")])
def test_read_table_refuses_control_characters_with_line_and_column(cell, code):
    data = f"contract;theme;operator\ndemo;Emploi;A\ndemo;Emploi;{cell}\n"
    with pytest.raises(EtlError) as err:
        read_table(data.encode("utf-8"), "f.csv")
    assert str(err.value) == (
        f"f.csv, ligne 3, colonne « operator » : caractère de contrôle {code} dans le texte "
        "(attendu : du texte sans caractère de contrôle (échappement ANSI, NUL…))")


def test_sante_typed_two_ways_is_one_theme_and_one_operator(tmp_path: Path):
    raw = make_programme_dir(tmp_path)
    write_csv(raw / "utf8" / "actions.csv", ACTIONS + [
        ["demo", "A3", "2024", "Bilan de santé", "Maison de " + COMPOSED.lower(), COMPOSED, "", "oui", "", ""],
        ["demo", "A4", "2024", "Accès aux soins", "Maison de " + DECOMPOSED.lower(), DECOMPOSED, "", "oui", "", ""],
        ["demo", f"A5{ZW}", "2024", "Prévention", f"Maison de sant\u00e9{ZW}", f"{ZW}{DECOMPOSED}",
         f"QN09901N\u2060", "oui", "", ""],
    ], sep=",", bom=True)
    write_csv(raw / "utf8" / "financements.csv", FUNDING + [["demo", "A5", "2024", "ville", "", "1 000"]],
              sep=",", bom=True)
    db = tmp_path / "qpv.duckdb"
    report = build([raw], db, loader_modules=PROGRAMME_ONLY, progress=None, current_year=CURRENT_YEAR)
    assert report.outcome == "published"
    assert query(db, "select action_id, operator, theme from programme_actions where action_id >= 'A3'"
                     " order by 1") == [
        ("A3", "Maison de sant\u00e9", COMPOSED), ("A4", "Maison de sant\u00e9", COMPOSED),
        ("A5", "Maison de sant\u00e9", COMPOSED)]
    assert query(db, "select count(distinct theme), count(distinct operator) from programme_actions"
                     " where action_id >= 'A3'") == [(1, 1)]
    assert query(db, "select action_id, territory_code from programme_action_territories"
                     " where action_id = 'A5'") == [("A5", "QN09901N")]
    assert query(db, "select action_id, amount_eur from programme_funding where year = 2024"
                     " and funder = 'ville'") == [("A5", 1000.0)]


def test_control_characters_never_reach_the_terminal(tmp_path: Path):
    raw = make_programme_dir(tmp_path)
    (raw / "utf8" / "actions.csv").rename(raw / "utf8" / "act\x1b[31mions\x07.csv")
    lines: list[str] = []
    build([raw], tmp_path / "qpv.duckdb", loader_modules=PROGRAMME_ONLY, progress=lines.append,
          current_year=CURRENT_YEAR)
    assert not [ln for ln in lines if "\x1b" in ln or "\x07" in ln]
    assert [ln.split()[-1] for ln in lines if "/act" in ln] == ["raw/utf8/act\\x1b[31mions\\x07.csv"]
    write_csv(raw / "utf8" / "bad\x1b[2J.csv", [FUNDING[0], ["demo", "A1", "2024", "ville", "x\x1b[0m"]])
    with pytest.raises(EtlError) as err:
        build([raw], tmp_path / "qpv.duckdb", loader_modules=PROGRAMME_ONLY, progress=lines.append,
              current_year=CURRENT_YEAR)
    assert str(err.value) == (
        "raw/utf8/bad\\x1b[2J.csv, ligne 2, colonne « funder_label » : caractère de contrôle U+001B dans le "
        "texte (attendu : du texte sans caractère de contrôle (échappement ANSI, NUL…))")
    assert not [ln for ln in lines if "\x1b" in ln]


def test_printable():
    assert printable("a\x1b[31mb\tc\nd\x9b") == "a\\x1b[31mb\tc\nd\\x9b"
    assert str(Message("warning", "f\x1b.csv", "valeur \x1b[0m")) == "f\\x1b.csv : valeur \\x1b[0m"


def _geojson(path: Path, props: list[dict]) -> Path:
    import json
    ring = [[4.85, 46.78], [4.86, 46.78], [4.86, 46.79], [4.85, 46.79], [4.85, 46.78]]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        for p in props]}), encoding="utf-8")
    return path


def test_contour_attributes_are_normalised_and_control_characters_refused(tmp_path: Path):
    import etl.db
    from etl.core import Candidate, LoadContext
    from etl.loaders import contours
    path = _geojson(tmp_path / "qp.geojson", [
        {"code_qp": f"QN07101I{ZW}", "lib_qp": "Aube\u0301pins", "insee_com": "71076", "lib_com": "Chalon-sur-Sa\u00f4ne"}])
    ctx = LoadContext(etl.db.create_empty(), "t")
    contours.load(ctx, Candidate(path, path.name), "anct_qpv_contours")
    assert ctx.con.execute("select territory_code, territory_name from territories").fetchall() == [
        ("QN07101I", "Aub\u00e9pins")]
    assert ctx.con.execute("select territory_code from territory_geometries").fetchall() == [("QN07101I",)]
    bad = _geojson(tmp_path / "bad.geojson", [
        {"code_qp": "QN07101I", "lib_qp": "Aubépins", "insee_com": "71076"},
        {"code_qp": "QN07102I", "lib_qp": "Prés\x1b[31m", "insee_com": "71076"}])
    with pytest.raises(EtlError) as err:
        contours.load(LoadContext(etl.db.create_empty(), "t"), Candidate(bad, bad.name), "anct_qpv_contours")
    assert (err.value.line, err.value.column, err.value.message) == (
        2, "lib_qp", "caractère de contrôle U+001B dans le nom de QN07102I")
