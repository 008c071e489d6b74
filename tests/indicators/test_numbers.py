"""Numbers typed in French (indicators.numbers.parse_french_number), issue #11."""
from __future__ import annotations

import pytest

from indicators.numbers import NumberError, parse_french_number


@pytest.mark.parametrize("text, expected", [
    ("13 224", 13224), ("13224", 13224), ("13\u00a0224", 13224), ("13\u202f224", 13224),
    ("  13 224  ", 13224), ("13 224,5", 13224.5), ("1 000 000", 1000000), ("0", 0),
    ("12 880 €", 12880), ("40 %", 40), ("40%", 40), ("-3,25", -3.25), ("−3", -3),
    ("", None), ("   ", None), (None, None), ("13 224,0", 13224),
])
def test_french_numbers_are_read(text, expected) -> None:
    value = parse_french_number(text)
    assert (value, type(value)) == (expected, type(expected))


@pytest.mark.parametrize("text, message", [
    ("13 2a4", "« 13 2a4 » n'est pas un nombre (par exemple 13 224 ou 13 224,5)."),
    ("1 3224", "« 1 3224 » n'est pas un nombre (par exemple 13 224 ou 13 224,5)."),
    ("13 22", "« 13 22 » n'est pas un nombre (par exemple 13 224 ou 13 224,5)."),
    ("13,2,2", "« 13,2,2 » n'est pas un nombre (par exemple 13 224 ou 13 224,5)."),
    ("€", "« € » n'est pas un nombre (par exemple 13 224 ou 13 224,5)."),
    ("13 224.5", "« 13 224.5 » : les décimales s'écrivent après une virgule (par exemple 13 224 ou "
                 "13 224,5)."),
    ("13.224", "« 13.224 » : les décimales s'écrivent après une virgule (par exemple 13 224 ou "
               "13 224,5)."),
])
def test_anything_else_is_a_french_error_quoting_the_entry(text, message) -> None:
    with pytest.raises(NumberError) as info:
        parse_french_number(text)
    assert str(info.value) == message


def test_whole_numbers_and_bounds() -> None:
    nnb = "\u202f"
    assert parse_french_number("1 000", integer=True, min_value=0, max_value=100_000) == 1000
    with pytest.raises(NumberError) as info:
        parse_french_number("900,5", integer=True)
    assert str(info.value) == "« 900,5 » : un nombre entier est attendu (par exemple 1 000)."
    with pytest.raises(NumberError) as info:
        parse_french_number("500", min_value=1_000, max_value=100_000)
    assert str(info.value) == f"« 500 » : la valeur doit être comprise entre 1{nnb}000 et 100{nnb}000."
    with pytest.raises(NumberError) as info:
        parse_french_number("-1", min_value=0)
    assert str(info.value) == "« -1 » : la valeur doit être au moins 0."
    with pytest.raises(NumberError) as info:
        parse_french_number("101", max_value=100)
    assert str(info.value) == "« 101 » : la valeur doit être au plus 100."
