"""Property-based tests (hypothesis): the number and code parsers of the loaders, the reading of
delimited files, and the arithmetic not covered by tests/indicators/test_properties.py
(complementary masking, amounts split between neighbourhoods, French formats read back)."""
from __future__ import annotations

import csv
import io
import string
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from etl.checks import qpv_vintage
from etl.core import EtlError
from etl.loaders import contours, insee
from etl.loaders.insee import code_level, parse_column, split_variable
from etl.readers import TextTable, parse_number, read_table
from indicators import fmt
from indicators.kpi import achievement
from indicators.registry import BY_SOURCE_VARIABLE
from indicators.secrecy import mask_breakdown, mask_small_counts, protect_breakdown, secure_total

SPACES = (" ", "\u00a0", "\u202f")

# ── Codes ───────────────────────────────────────────────────────────────────────────────────
metro_dept = st.one_of(st.integers(1, 95).filter(lambda d: d != 20).map(lambda d: f"{d:02d}"),
                       st.sampled_from(["2A", "2B"]))
overseas_dept = st.sampled_from(["971", "972", "973", "974", "976"])
qpv_2024 = st.builds(lambda d, n, letter: f"QN{d}{n:02d}{letter}",
                     st.one_of(metro_dept.map(lambda d: "0" + d), overseas_dept),
                     st.integers(1, 99), st.sampled_from("NMI"))
qpv_2015 = st.builds(lambda d, n: f"QP{d}{n:03d}", st.integers(1, 95).filter(lambda d: d != 20)
                     .map(lambda d: f"0{d:02d}"), st.integers(1, 999))
commune = st.one_of(st.integers(1000, 95999).map(lambda n: f"{n:05d}"),
                    st.builds(lambda d, n: f"{d}{n:03d}", st.sampled_from(["2A", "2B"]), st.integers(1, 999)))
epci = st.integers(200_000_000, 249_999_999).map(str)


@given(qpv_2024)
def test_2024_qpv_codes_are_recognised_everywhere(code: str) -> None:
    assert code_level(code) == code_level(code.lower()) == "qpv"
    assert qpv_vintage(code) == (2025 if code.startswith("QN97") else 2024) == contours.qpv_vintage(code)
    assert contours.QPV_RE.match(code)
    dept = contours._dept_of_qpv(code)
    assert dept == (code[2:5] if code.startswith("QN97") else code[3:5])


@given(qpv_2015)
def test_2015_qpv_codes_are_recognised_everywhere(code: str) -> None:
    assert code_level(code) == "qpv" and qpv_vintage(code) == 2015 == contours.qpv_vintage(code)
    assert contours._dept_of_qpv(code) == code[3:5]


@given(commune, epci, metro_dept)
def test_commune_epci_and_departement_shapes(c: str, e: str, d: str) -> None:
    assert (code_level(c), code_level(e), code_level(d)) == ("commune", "epci", "departement")
    assert qpv_vintage(c) is qpv_vintage(e) is None


@given(st.text(max_size=12))
def test_code_level_never_raises_and_a_qpv_is_a_valid_shape(text: str) -> None:
    level = code_level(text)
    assert level in (None, "qpv", "commune", "epci", "departement", "france", "qpv_ensemble")
    if qpv_vintage(text.strip().upper()) is not None:
        assert level == "qpv"


@given(st.sampled_from(sorted(BY_SOURCE_VARIABLE)), st.integers(0, 99), st.integers(1990, 2039))
def test_year_suffixes_of_variables(base: str, yy: int, yyyy: int) -> None:
    assert split_variable(f"{base}_A{yy:02d}", None) == (base, 2000 + yy)
    assert split_variable(f"{base}_{yyyy}", None) == (base, yyyy)
    assert split_variable(base, None) == (base, None)
    assert split_variable(f"P{yy:02d}_{base}", None) == (f"P_{base}", 2000 + yy)


# ── Numbers: one grammar, two parsers (parse_number and the INSEE loader's vectorised one) ──
def french_number(value: Decimal, sep: str, grouped: bool, decimals: int) -> str:
    text = f"{abs(value):,.{decimals}f}" if grouped else f"{abs(value):.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", sep)
    return ("-" if value < 0 else "") + text


numbers = st.builds(french_number, st.decimals(-10**9, 10**9, places=3, allow_nan=False, allow_infinity=False),
                    st.sampled_from(SPACES), st.booleans(), st.integers(0, 3))
cells = st.one_of(numbers, st.sampled_from(["s", "S", "nd", "nc", "ns", "", "-", "secret", "NA"]),
                  st.text(alphabet=string.digits + ",. \u00a0\u202fe+-sabc", max_size=8))


@given(numbers)
def test_french_numbers_parse_to_their_value(text: str) -> None:
    expected = float(Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", "")
                             .replace("\u202f", "")))
    assert parse_number(text).value == pytest.approx(expected)
    assert parse_number(f'"{text}"').value == pytest.approx(expected)


@settings(max_examples=150, deadline=None)
@given(st.lists(cells, min_size=1, max_size=12))
def test_the_vectorised_parser_agrees_with_parse_number(values: list[str]) -> None:
    table = TextTable("f.csv", ["V"], [[v] for v in values], list(range(2, len(values) + 2)), ";")
    expected = []
    first_bad = None
    for i, v in enumerate(values):
        try:
            expected.append(parse_number(v))
        except ValueError:
            first_bad = i if first_bad is None else first_bad
    try:
        value, status, _ = parse_column(pd.Series(values, dtype=object), table, "V")
    except EtlError as exc:
        assert first_bad is not None and exc.line == first_bad + 2 and exc.column == "V"
        return
    assert first_bad is None
    for got_v, got_s, want in zip(value, status, expected):
        assert got_s == want.status
        assert (np.isnan(got_v) and want.value is None) or got_v == pytest.approx(want.value)


@given(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 3))
def test_what_the_app_shows_the_etl_reads_back(x: float, decimals: int) -> None:
    """fmt_number (the pages, the exports' French text) and parse_number (the loaders) agree."""
    shown = fmt.fmt_number(x, decimals)
    assert parse_number(shown).value == pytest.approx(float(fmt._round(x, decimals)))
    assert parse_number(fmt.fmt_int(round(x))).value == float(fmt._round(round(x), 0))


# ── Reading delimited files ─────────────────────────────────────────────────────────────────
LATIN1_TEXT = string.ascii_letters + string.digits + " ;,'\"-_()/éèêàçùôîÉÈ"
CP1252_TEXT = LATIN1_TEXT + "€œ’«»"


@st.composite
def tables(draw):
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "latin-1", "cp1252"]))
    alphabet = LATIN1_TEXT if encoding == "latin-1" else CP1252_TEXT
    sep = draw(st.sampled_from([";", ",", "\t"]))
    n_cols = draw(st.integers(2, 5))
    header = [f"col{i}" for i in range(n_cols)]
    word = st.text(alphabet=alphabet, max_size=10).map(str.strip)
    rows = draw(st.lists(st.lists(word, min_size=n_cols, max_size=n_cols)
                         .filter(lambda r: any(r) and r[-1] != ""), max_size=8))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return encoding, sep, newline, header, rows


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables())
def test_read_table_reads_back_what_a_spreadsheet_writes(t) -> None:
    """Any encoding the loaders accept, any separator, quoted cells, CRLF: the same cells,
    each row on its own line."""
    encoding, sep, newline, header, rows = t
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerows([header] + rows)
    data = buf.getvalue().encode(encoding)
    table = read_table(data, "f.csv", skip_title_rows=False)
    assert (table.header, table.rows, table.separator) == (header, rows, sep)
    assert table.line_numbers == list(range(2, len(rows) + 2))


@settings(max_examples=100, deadline=None)
@given(tables(), st.data())
def test_a_truncated_file_is_never_read_silently(t, data) -> None:
    """Cut anywhere inside its last row, a file either still reads its complete rows (the cut
    fell on a line end) or stops with an error naming a line: never a shortened last row."""
    encoding, sep, newline, header, rows = t
    assume(rows)
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator=newline).writerows([header] + rows)
    text = buf.getvalue()
    last_start = text.rstrip("\r\n").rfind("\n") + 1
    cut = data.draw(st.integers(last_start + 1, len(text.rstrip("\r\n")) - 1)) if \
        len(text.rstrip("\r\n")) - 1 > last_start else None
    assume(cut is not None)
    try:
        table = read_table(text[:cut].encode(encoding), "f.csv", skip_title_rows=False)
    except EtlError as exc:
        assert exc.line == len(rows) + 1
        return
    # Read without error: the cut fell inside the last cell (a complete-looking row, every
    # column present), or it left only separators (no value of the row was kept: read as an
    # empty line). Every other row is intact.
    if len(table.rows) == len(rows):
        assert table.rows[:-1] == rows[:-1] and len(table.rows[-1]) == len(header)
    else:
        assert table.rows == rows[:-1]
        assert not text[last_start:cut].replace(sep, "").replace('"', "").strip()


# ── Secret statistique arithmetic ───────────────────────────────────────────────────────────
counts = st.lists(st.integers(0, 60), min_size=1, max_size=10)


@given(counts)
def test_complementary_masking_never_lets_a_masked_cell_be_recovered(values: list[int]) -> None:
    hidden, total_hidden = protect_breakdown(values)
    assert all(h for v, h in zip(values, hidden) if v < 5)                     # primary
    if total_hidden:
        assert sum(values) < 5 or all(hidden)
    else:
        assert secure_total(values, hidden).status == "ok"                   # nothing to subtract
        parts = [v for v, h in zip(values, hidden) if h]
        assert len(parts) != 1 and (not parts or sum(parts) >= 5)
    # Complementary cells are the smallest shown ones: none shown is smaller than one of them.
    extra = [v for v, h in zip(values, hidden) if h and v >= 5]
    shown = [v for v, h in zip(values, hidden) if not h]
    assert not extra or not shown or max(extra) <= min(shown)


@given(counts, st.randoms(use_true_random=False))
def test_masking_does_not_depend_on_the_order_of_the_rows(values: list[int], rnd) -> None:
    order = list(range(len(values)))
    rnd.shuffle(order)
    hidden, total_hidden = protect_breakdown(values)
    hidden2, total_hidden2 = protect_breakdown([values[i] for i in order])
    assert total_hidden == total_hidden2
    assert sorted(v for v, h in zip(values, hidden) if h) == sorted(
        values[i] for i, h in zip(order, hidden2) if h)


@given(counts)
def test_mask_breakdown_shows_no_number_for_a_masked_cell(values: list[int]) -> None:
    df = pd.DataFrame({"label": [f"c{i}" for i in range(len(values))], "n": values})
    out = mask_breakdown(df, "n", label_col="label")
    body, total = out[~out["is_total"]], out[out["is_total"]].iloc[0]
    assert str(out["n"].dtype) == "Int64"
    assert ((body["n__status"] == "secret") == body["n"].isna()).all()
    assert all(int(v) >= 5 for v in body["n"].dropna())
    if total["n__status"] == "ok":
        assert int(total["n"]) == sum(values)
    else:
        assert pd.isna(total["n"])


@given(st.lists(st.one_of(st.none(), st.integers(0, 30)), min_size=1, max_size=10), st.booleans())
def test_mask_small_counts_never_shows_a_small_count_or_a_zero(values, keep_zero: bool) -> None:
    df = pd.DataFrame({"n": pd.array(values, dtype="Int64")})
    out = mask_small_counts(df, ["n"], keep_zero=keep_zero)
    for v, shown, status in zip(values, out["n"], out["n__status"]):
        if v is None:
            assert pd.isna(shown)
        elif v < 5 and not (keep_zero and v == 0):
            assert pd.isna(shown) and status == "secret"
        else:
            assert shown == v and status == "ok"


# ── Programme arithmetic ────────────────────────────────────────────────────────────────────
@given(st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False)), st.one_of(st.none(), st.floats(0, 1e7, allow_nan=False)))
def test_achievement_is_value_over_target(value, target) -> None:
    got = achievement(value, target)
    if value is None or target is None or target == 0:
        assert got is None
    else:
        assert got == pytest.approx(100 * value / target, rel=1e-6, abs=1e-6)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 50_000), st.lists(st.sampled_from(["QN07301M", "QN07302M", "QV07301"]),
                                                          max_size=3, unique=True)), min_size=1, max_size=8))
def test_amounts_split_between_neighbourhoods_add_up_to_the_total(actions) -> None:
    """mode 'split': an action on n neighbourhoods gives each amount / n, so the column adds up to
    the programme's total; mode 'each' gives every neighbourhood the whole amount."""
    from etl.db import create_empty
    from indicators.financing import amounts_by_territory

    con = create_empty()
    for i, (amount, terrs) in enumerate(actions):
        con.execute("insert into programme_actions (contract_slug, action_id, year, title, source_id)"
                    " values ('c', ?, 2024, 'x', 's')", [f"A{i}"])
        con.execute("insert into programme_funding (contract_slug, action_id, year, funder, amount_eur,"
                    " source_id) values ('c', ?, 2024, 'ville', ?, 's')", [f"A{i}", amount])
        for t in terrs:
            con.execute("insert into programme_action_territories values ('c', ?, 2024, ?, 's')", [f"A{i}", t])
    split = amounts_by_territory(con, "c", mode="split")
    assert split["amount_eur"].sum() == pytest.approx(sum(a for a, _ in actions), abs=1e-3)
    each = amounts_by_territory(con, "c", mode="each")
    for code in ("QN07301M", "QN07302M", "QV07301"):
        got = each.loc[each["territory_code"] == code, "amount_eur"]
        want = sum(a for a, ts in actions if code in ts)
        assert (got.iloc[0] if len(got) else 0) == pytest.approx(want, abs=1e-3)
    con.close()
