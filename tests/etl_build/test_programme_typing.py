"""The programme loader types a text cell once per column and value (etl/loaders/programme.py
`_Row.get`, shared by the rows of a sheet) and gives, for every row, what typing each cell alone
gives: the same value, the same withheld marker, the same error with that row's line."""
from __future__ import annotations

import pytest

from etl.core import EtlError
from etl.loaders import programme
from etl.loaders.programme import Sheet, _Row
from etl.template import BY_NAME

# (table, column, cells): repeated values, markers, empty cells, lists, numbers, errors.
CASES = [
    ("published_values", "value", ["12,5", "s", "12,5", "", "nd", "s", "abc", "1e14", "abc", None, "1 075"]),
    ("published_values", "year", ["2021", "2021", "21", "=A1", "2021", "1850"]),
    ("published_values", "territory_level", ["QPV", "qpv", "îlot", "qpv", "îlot"]),
    ("published_values", "headline", ["oui", "x", "peut-être", "", "non", "peut-être"]),
    ("published_values", "status", ["secret", "secret", "ok", "inconnu", "inconnu"]),
    ("published_values", "territory_code", ["QN07101I", "QN07101I\x1b", "", "QN07101I"]),
    ("actions", "territories", ["QN07101I, QN07102I", "QN07101I | QN07102I", "", "QN07101I, QN07102I"]),
    ("territories", "population", ["1 200", "-3", "1 200", "2,5", "-3", "200000000"]),
    ("attributions", "n_attributions", ["4", "4", "-1", "quatre", "-1"]),
]


def _outcome(row: _Row, column: str):
    try:
        return "value", row.get(column), dict(row.markers)
    except EtlError as exc:
        return "error", str(exc), (exc.line, exc.column)


def _typed(table_name: str, column: str, cells: list, shared: dict | None) -> list:
    table = BY_NAME[table_name]
    sheet = Sheet("saisie.csv", [column], [column], [[c] for c in cells],
                  list(range(2, len(cells) + 2)), table)
    return [_outcome(_Row(sheet, table, [cell], line, shared), column)
            for cell, line in zip(sheet.rows, sheet.line_numbers) for cell in cell]


@pytest.mark.parametrize("table, column, cells", CASES, ids=[f"{t}.{c}" for t, c, _ in CASES])
def test_typing_once_per_value_gives_what_typing_each_cell_gives(table, column, cells) -> None:
    assert _typed(table, column, cells, {}) == _typed(table, column, cells, None)


def test_a_repeated_error_names_each_row_line() -> None:
    out = _typed("attributions", "n_attributions", ["4", "quatre", "4", "quatre"], {})
    assert out == [
        ("value", 4, {}),
        ("error", "saisie.csv, ligne 3, colonne « n_attributions » : nombre non reconnu « quatre » "
                  "(attendu : un nombre entier (ex. 1 075))", (3, "n_attributions")),
        ("value", 4, {}),
        ("error", "saisie.csv, ligne 5, colonne « n_attributions » : nombre non reconnu « quatre » "
                  "(attendu : un nombre entier (ex. 1 075))", (5, "n_attributions")),
    ]


def test_a_list_is_a_new_list_for_each_row() -> None:
    shared: dict = {}
    out = _typed("actions", "territories", ["QN07101I, QN07102I"] * 2, shared)
    assert out == [("value", ["QN07101I", "QN07102I"], {})] * 2
    table = BY_NAME["actions"]
    sheet = Sheet("saisie.csv", ["territories"], ["territories"], [], [], table)
    first = _Row(sheet, table, ["QN07101I, QN07102I"], 2, shared).get("territories")
    first.append("changed")
    assert _Row(sheet, table, ["QN07101I, QN07102I"], 3, shared).get("territories") == ["QN07101I", "QN07102I"]


def test_each_value_of_a_column_is_typed_once(monkeypatch) -> None:
    calls: list[tuple[str, object]] = []
    typed = _Row._typed

    def counting(self, name):
        calls.append((name, self.cells.get(name)))
        return typed(self, name)
    monkeypatch.setattr(programme._Row, "_typed", counting)
    out = _typed("published_values", "value", ["12,5", "s", "12,5", "s", "12,5"] * 20, {})
    assert [o[1:] for o in out[:2]] == [(12.5, {}), (None, {"value": ("secret", "s")})]
    assert calls == [("value", "12,5"), ("value", "s")]
