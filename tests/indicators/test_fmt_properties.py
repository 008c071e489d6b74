"""Property tests (hypothesis): no formatter of indicators/fmt.py crashes on any value a database
or a computation can hold (inf, nan, 1e308, -0.0, subnormals, ints beyond a float's range), and
the French text it gives reads back as the value rounded half-up."""
from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, localcontext

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators import fmt
from indicators.numbers import parse_french_number

extreme_floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [1e308, -1e308, 1.7976931348623157e308, -0.0, 5e-324, -5e-324, 0.5, -0.5, 2.5, 12.045])
huge_ints = st.integers(min_value=-(10 ** 400), max_value=10 ** 400) | st.sampled_from([2 ** 63, -(2 ** 63) - 1])
values = extreme_floats | huge_ints | st.none()
units = st.sampled_from(sorted(fmt.UNIT_SUFFIX) + ["habitants", "personnes", "", None])
statuses = st.sampled_from([None, *fmt.STATUS_TEXT])

FORMATTERS = [fmt.fmt_number, fmt.fmt_int, fmt.fmt_pct, fmt.fmt_eur, fmt.fmt_eur_month,
              fmt.fmt_eur_year, fmt.fmt_millions_eur, fmt.fmt_gap_points, fmt.fmt_gap_ratio,
              fmt.fmt_year, lambda v: fmt.fmt_gap(v, "points"), lambda v: fmt.fmt_gap(v, "ratio")]


def _read_back(text: str) -> Decimal:
    return Decimal(text.replace(fmt.NNBSP, "").replace(",", ".").replace(fmt.MINUS, "-"))


def _half_up(value, decimals: int) -> Decimal:
    d = Decimal(value) if isinstance(value, int) else Decimal(repr(float(value)))
    with localcontext() as ctx:
        ctx.prec = max(28, d.adjusted() + decimals + 3)
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


@settings(max_examples=300, deadline=None)
@given(value=values)
def test_no_formatter_raises_and_missing_is_empty(value):
    for f in FORMATTERS:
        text = f(value)
        assert isinstance(text, str)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            assert text == ""


@settings(max_examples=300, deadline=None)
@given(value=values, unit=units, status=statuses, decimals=st.none() | st.integers(0, 4))
def test_fmt_value_never_raises(value, unit, status, decimals):
    text = fmt.fmt_value(value, unit, status, decimals=decimals)
    assert isinstance(text, str) and text
    if status not in (None, "ok") or value is None or (isinstance(value, float) and math.isnan(value)):
        assert text == fmt.fmt_status(status if status not in (None, "ok") else "missing")


@settings(max_examples=300, deadline=None)
@given(value=extreme_floats.filter(math.isfinite) | huge_ints, decimals=st.integers(0, 3))
def test_fmt_number_reads_back_as_the_value_rounded_half_up(value, decimals):
    text = fmt.fmt_number(value, decimals)
    expected = _half_up(value, decimals)
    assert _read_back(text) == expected
    assert "-" not in text                               # the minus sign U+2212, never « - »
    assert not text.startswith(fmt.MINUS) or expected < 0   # never "−0" nor "−0,00"
    assert parse_french_number(text) == float(expected)  # what the app writes, it reads back


@given(value=st.sampled_from([math.inf, -math.inf]))
def test_infinities_read_as_infinity(value):
    sign = fmt.MINUS if value < 0 else ""
    assert fmt.fmt_number(value) == f"{sign}∞"
    assert fmt.fmt_pct(value) == f"{sign}∞{fmt.NBSP}%"
    assert fmt.fmt_eur_year(value) == f"{sign}∞{fmt.NBSP}€/an"
    assert fmt.fmt_gap_points(value) == f"{sign or '+'}∞{fmt.NBSP}pts"
    assert fmt.fmt_year(value) == f"{sign}∞"


def test_extremes_exactly():
    assert fmt.fmt_number(-0.0) == "0"
    assert fmt.fmt_gap_points(-0.0) == f"0,0{fmt.NBSP}pts"
    assert fmt.fmt_int(1e308) == "100" + "\u202f000" * 102
    assert fmt.fmt_int(10 ** 30) == "1" + "\u202f000" * 10
    assert fmt.fmt_millions_eur(10 ** 30) == "1" + "\u202f000" * 8 + f"{fmt.NBSP}M€"
    assert fmt.fmt_number(5e-324) == "0"
