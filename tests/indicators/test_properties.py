"""Property-based tests (hypothesis) for the indicator arithmetic."""
from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.housing import (
    implied_denominators,
    needed_fixed_total,
    needed_growing_total,
    round_half_up,
)
from indicators.portrait import rank_value
from indicators.secrecy import secure_total

targets = st.sampled_from([10, 25, 42.5, 50, 75, 99.5])


@settings(max_examples=300, deadline=None)
@given(total=st.integers(1, 5000), data=st.data(), target=targets)
def test_needed_fixed_total_is_the_smallest_that_reaches(total, data, target):
    k = data.draw(st.integers(0, total))
    t = Fraction(str(target)) / 100
    n = needed_fixed_total(k, total, target)
    assert Fraction(k + n, total) >= t
    assert n == 0 or Fraction(k + n - 1, total) < t


@settings(max_examples=300, deadline=None)
@given(total=st.integers(1, 5000), data=st.data(), target=targets)
def test_needed_growing_total_is_the_smallest_that_reaches(total, data, target):
    k = data.draw(st.integers(0, total))
    t = Fraction(str(target)) / 100
    n = needed_growing_total(k, total, target)
    assert Fraction(k + n, total + n) >= t
    assert n == 0 or Fraction(k + n - 1, total + n - 1) < t
    assert n >= needed_fixed_total(k, total, target)


@settings(max_examples=300, deadline=None)
@given(d=st.integers(1, 20000), data=st.data())
def test_implied_denominators_contain_the_true_total(d, data):
    k = data.draw(st.integers(1, d))
    rate = round_half_up(Fraction(100 * k, d), 2)
    found = implied_denominators(k, float(rate))
    assert d in found
    assert all(round_half_up(Fraction(100 * k, x), 2) == rate for x in found)


@given(values=st.lists(st.one_of(st.none(), st.integers(0, 100)), min_size=1, max_size=30),
       hib=st.sampled_from([True, False, None]))
def test_rank_ignores_withheld_and_is_within_bounds(values, hib):
    pool = [(v, "ok" if v is not None else "secret") for v in values]
    for own, status in pool:
        rank, n, n_withheld, _ = rank_value(own, status, pool, hib)
        assert n + n_withheld == len(pool)
        if status == "ok":
            assert 1 <= rank <= n
        else:
            assert rank is None


@given(parts=st.lists(st.integers(0, 50), min_size=1, max_size=10), data=st.data())
def test_secure_total_never_reveals_a_single_withheld_part(parts, data):
    withheld = data.draw(st.lists(st.booleans(), min_size=len(parts), max_size=len(parts)))
    total = secure_total(parts, withheld)
    hidden = [p for p, w in zip(parts, withheld) if w]
    if total.status == "ok":
        assert total.value == sum(parts)
        assert len(hidden) != 1 and (not hidden or sum(hidden) >= 5)
