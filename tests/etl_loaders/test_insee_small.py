"""The INSEE loader's small files (issue #15): a few ASCII cells are read one by one in Python
(`insee.parse_small`), with the same values, statuses and markers as the vectorised reader
(`insee.parse_column`, pyarrow's rules); anything else is left to the vectorised reader. A file
of one chunk of columns is written straight into indicator_facts, a wider one through a staging
table, with the same facts."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import etl.db
from etl.core import EtlError, LoadContext
from etl.loaders import insee
from etl.readers import TextTable
from tests.etl_loaders.conftest import candidates, load

# Every rule of parse_column on ASCII text: plain, signed, decimal comma or point, exponents,
# grouped thousands, quotes and spaces around, markers in any case, empty cells, minus zero.
CELLS = ["12", " 12,5 ", '"1 234"', "1 234,5", "+1e3", "-2E-2", ".5", "5,", "-0", "0",
         "s", "S", " nd ", '"NC"', "", "-", "n/a", "ns", "secret", "c", "\t7\t", "12 345 678",
         "13\u00a0770", "1\u202f512\u202f300,5", "\u00a0-4\u2009500\u202f", "\u202fs"]
EXPECTED = (
    [12.0, 12.5, 1234.0, 1234.5, 1000.0, -0.02, 0.5, 5.0, -0.0, 0.0, None, None, None, None, None,
     None, None, None, None, None, 7.0, 12345678.0, 13770.0, 1512300.5, -4500.0, None],
    ["ok"] * 10 + ["secret", "secret", "missing", "missing", "missing", "missing", "missing",
                   "not_significant", "secret", "secret", "ok", "ok", "ok", "ok", "ok", "secret"],
    [None] * 10 + ["s", "S", "nd", "NC", None, "-", "n/a", "ns", "secret", "c", None, None,
                   None, None, None, "s"],
)


def _table(n: int) -> TextTable:
    return TextTable("f.csv", ["CODGEO", "V"], [], list(range(2, n + 2)), ";")


def _vectorised(cells: list[str]):
    return insee.parse_column(pd.Series(cells, dtype="str"), _table(len(cells)), "V")


def _same(a, b) -> None:
    """Two (value, status, marker) triples are the same, minus zero and NaN included."""
    assert [(None if np.isnan(x) else (x, np.signbit(x))) for x in a[0]] == \
           [(None if np.isnan(x) else (x, np.signbit(x))) for x in b[0]]
    assert list(a[1]) == list(b[1])
    assert list(a[2]) == list(b[2])


def test_small_cells_read_as_the_vectorised_reader():
    small = insee.parse_small(CELLS)
    assert small is not None
    values, statuses, markers = small
    assert [None if np.isnan(v) else v for v in values] == EXPECTED[0]
    assert np.signbit(values[CELLS.index("-0")])
    assert list(statuses) == EXPECTED[1]
    assert list(markers) == EXPECTED[2]
    _same(small, _vectorised(CELLS))


@pytest.mark.parametrize("code", [*range(128), 0xA0, 0x202F, 0x2009])
def test_every_ascii_character_around_a_cell_reads_alike(code):
    """Python's strip(), lower() and regexes agree with pyarrow's on every ASCII character and
    thousands separator around or inside a number or a marker; where the vectorised reader
    refuses a cell, parse_small leaves it to it (None)."""
    ch = chr(code)
    for cell in (f"{ch}12{ch}", f"{ch}S{ch}", f"1{ch}234", f"{ch}", f'"{ch}5"', f"{ch}ND"):
        small = insee.parse_small([cell])
        try:
            expected = _vectorised([cell])
        except EtlError:
            assert small is None, repr(cell)
            continue
        assert small is not None, repr(cell)
        _same(small, expected)


def test_other_cells_are_left_to_the_vectorised_reader():
    for cell in ("1\u2007234", "\u3000" + "12", "\uff11\uff12", "\u0661", "\u212a", "12x", "1e999", "1 23",
                 "1\u00a023"):
        assert insee.parse_small(["1", cell]) is None, repr(cell)
    assert insee.parse_small(["1", None]) is None


def test_an_unreadable_cell_is_named_as_before():
    """The first bad cell of the first column that has one: the vectorised reader's error."""
    df = pd.DataFrame([["Q1", "1", "2"], ["Q2", "3", "x4"], ["Q3", "y", "5"]],
                      columns=["CODGEO", "A", "B"], dtype=object)
    table = TextTable("f.csv", ["CODGEO", "A", "B"], [], [2, 3, 4], ";")
    with pytest.raises(EtlError) as err:
        insee.parse_columns(df, ["A", "B"], table)
    assert (err.value.file, err.value.line, err.value.column, err.value.message) == \
        ("f.csv", 4, "A", "valeur « y » illisible")


def test_columns_read_small_or_vectorised_give_the_same_slices(monkeypatch):
    df = pd.DataFrame({"CODGEO": ["Q1", "Q2", "Q3"], "A": ["1 234", "s", "2,5"],
                       "B": ["", "-0", '"7"']}, dtype=object)
    table = TextTable("f.csv", ["CODGEO", "A", "B"], [], [2, 3, 4], ";")
    small = insee.parse_columns(df, ["A", "B"], table)
    monkeypatch.setattr(insee, "SMALL_CELLS", 0)
    vectorised = insee.parse_columns(df, ["A", "B"], table)
    assert list(small) == list(vectorised) == ["A", "B"]
    for c in ("A", "B"):
        _same(small[c], vectorised[c])
    assert [None if np.isnan(v) else v for v in small["A"][0]] == [1234.0, None, 2.5]
    assert list(small["B"][1]) == ["missing", "ok", "ok"]


class _Statements:
    """A connection that remembers the text of every statement executed through it."""

    def __init__(self, con):
        self._con = con
        self.sql: list[str] = []

    def execute(self, sql, *args, **kwargs):
        self.sql.append(sql)
        return self._con.execute(sql, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._con, name)


def _facts(tmp_path, name: str, monkeypatch, chunk: int) -> tuple[list, list[str]]:
    monkeypatch.setattr(insee, "INSEE_CHUNK_COLUMNS", chunk)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "communes.csv").write_text(
        "CODGEO;LIBGEO;MED21;TP6021;NB_MEN_A21;NOTE_FILO\n73065;Chambéry;21 950;19,5;s;0\n"
        "71076;Chalon;20 100;nd;12;1\nFRM;France;22 000;14,5;1 200;\n", encoding="utf-8")
    con = _Statements(etl.db.create_empty())
    ctx = LoadContext(con, "t")
    assert load(insee, ctx, *candidates(folder)) == ("insee_commune_stats", 3)
    facts = con.execute("select territory_code, territory_level, indicator_id, year, value, status,"
                        " status_note, origin, source_variable from indicator_facts order by all").fetchall()
    return facts, [s for s in con.sql if "_insee_facts" in s]


def test_one_chunk_is_written_without_the_staging_table(tmp_path, monkeypatch):
    direct, direct_staging = _facts(tmp_path, "direct", monkeypatch, 24)
    staged, staged_staging = _facts(tmp_path, "staged", monkeypatch, 1)
    assert direct_staging == []
    assert len(staged_staging) == 6       # created, three chunks written into it, copied, dropped
    assert direct == staged
    assert len(direct) == 9
    assert ("71076", "commune", "median_income_eur_year", 2021, None, "not_significant",
            "NOTE_FILO=1", "official_file", "MED21") in direct
