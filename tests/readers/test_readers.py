"""etl/readers.py: French numbers, withheld markers, encodings, separators, line numbers."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.core import EtlError
from etl.readers import ParsedNumber, looks_like_formula, parse_number, read_table
from indicators.fmt import fmt_number


@pytest.mark.parametrize("text,expected", [
    ("1075", ParsedNumber(1075.0, "ok", None)),
    ("1 075", ParsedNumber(1075.0, "ok", None)),
    ("1\u00a0075", ParsedNumber(1075.0, "ok", None)),          # no-break space
    ("1\u202f075", ParsedNumber(1075.0, "ok", None)),          # narrow no-break space
    ("12 345 678,5", ParsedNumber(12345678.5, "ok", None)),
    ("12,04", ParsedNumber(12.04, "ok", None)),
    ("12.04", ParsedNumber(12.04, "ok", None)),
    ("-14,8", ParsedNumber(-14.8, "ok", None)),
    ("\u221214,8", ParsedNumber(-14.8, "ok", None)),           # minus sign U+2212
    ("\u22121\u202f250", ParsedNumber(-1250.0, "ok", None)),
    ("  8904 ", ParsedNumber(8904.0, "ok", None)),
    ('"19,0"', ParsedNumber(19.0, "ok", None)),
    ("s", ParsedNumber(None, "secret", "s")),
    ("S", ParsedNumber(None, "secret", "S")),
    ("nd", ParsedNumber(None, "missing", "nd")),
    ("nc", ParsedNumber(None, "missing", "nc")),
    ("ns", ParsedNumber(None, "not_significant", "ns")),
    ("", ParsedNumber(None, "missing", None)),
    (None, ParsedNumber(None, "missing", None)),
])
def test_parse_number(text, expected):
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["abc", "12,5 %", "1 07", "1,2,3", "nan", "inf", "=1+1", "1 0755"])
def test_parse_number_rejects_text(text):
    with pytest.raises(ValueError):
        parse_number(text)


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_grouped_integers_round_trip(n):
    grouped = f"{n:,}".replace(",", "\u202f")
    assert parse_number(grouped).value == n
    assert parse_number(str(n)).value == n
    assert parse_number(fmt_number(n)).value == n     # as the app writes it (minus sign U+2212)


@given(st.decimals(min_value=-10**9, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_decimal_comma_round_trip(d):
    assert parse_number(str(d).replace(".", ",")).value == pytest.approx(float(d))


@given(st.text(max_size=12))
def test_parse_number_never_crashes_otherwise(text):
    try:
        result = parse_number(text)
    except ValueError:
        return
    assert result.status in {"ok", "secret", "missing", "not_significant"}
    assert (result.value is None) == (result.status != "ok")


def test_read_table_latin1_crlf_title_row_and_trailing_separator():
    data = ("Statistiques QPV\r\nCODGEO;LIBGEO;MED21;\r\nQN07101I;Aubépins;8904;\r\n\r\n"
            "QN07102I;Prés Saint Jean;s;\r\n").encode("latin-1")
    table = read_table(data, "f.csv")
    assert (table.header, table.rows, table.line_numbers, table.separator) == (
        ["CODGEO", "LIBGEO", "MED21"],
        [["QN07101I", "Aubépins", "8904"], ["QN07102I", "Prés Saint Jean", "s"]],
        [3, 5],
        ";",
    )


def test_read_table_utf8_bom_comma_quoted():
    data = '\ufeffcode,label\n"A","x, y"\n'.encode("utf-8")
    table = read_table(data, "f.csv")
    assert (table.header, table.rows, table.separator) == (["code", "label"], [["A", "x, y"]], ",")


@pytest.mark.parametrize("data,message", [
    (b"", "f.csv : le fichier est vide (attendu : un en-tête puis des lignes)"),
    (b"  \n\n", "f.csv : le fichier est vide (attendu : un en-tête puis des lignes)"),
    (b"a;b\n1;2;3\n", "f.csv, ligne 2 : 3 cellules pour 2 colonnes (attendu : 2 cellules séparées par « ; »)"),
    (b"a;a\n1;2\n", "f.csv, ligne 1, colonne « a » : colonne en double dans l'en-tête : a"
                    " (attendu : des noms de colonnes uniques)"),
])
def test_read_table_errors_name_file_and_line(data, message):
    with pytest.raises(EtlError) as err:
        read_table(data, "f.csv")
    assert str(err.value) == message


def test_header_only_gives_no_rows():
    table = read_table(b"CODGEO;MED21\n", "f.csv")
    assert (table.header, table.rows) == (["CODGEO", "MED21"], [])


@pytest.mark.parametrize("text,expected", [
    ("=SUM(A1:A3)", True), ("+33 6", True), ("@cmd", True), ("-x", True),
    ("-14,8", False), ("Aubépins", False), ("", False),
])
def test_looks_like_formula(text, expected):
    assert looks_like_formula(text) is expected
