"""Numbers typed by a user, in French: « 13 224 », « 13224 », « 13 224,5 », « 12 880 € ».

Streamlit's st.number_input shows « 13224 » (its printf-style format has no thousands separator)
and a decimal point: the app's number fields are text fields (ui.components.number_field) that
show the number as the app writes it (indicators.fmt.fmt_number: « 13 224 ») and read it back
here. Pure Python: no Streamlit import.
"""
from __future__ import annotations

import re

from indicators.fmt import fmt_number

# Spaces a French number may hold between its groups of thousands: ordinary, no-break (U+00A0)
# and narrow no-break (U+202F, what fmt_number writes).
_SPACES = " \u00a0\u202f\t"
_GROUPED = re.compile(r"[-−]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?")
_PLAIN = re.compile(r"[-−]?\d+(?:,\d+)?")
_UNIT = re.compile(r"[ \u00a0\u202f]*(?:€|%)$")
EXAMPLES = "par exemple 13 224 ou 13 224,5"


class NumberError(ValueError):
    """A typed number the app cannot read; the message is French, for the user."""


def parse_french_number(text, *, integer: bool = False, min_value: float | None = None,
                        max_value: float | None = None) -> int | float | None:
    """The number `text` writes in French; None for an empty field. Spaces (ordinary, no-break,
    narrow no-break) may group the thousands by three; the decimal separator is a comma; a
    trailing « € » or « % » is allowed. `integer` refuses decimals and returns an int (a whole
    float otherwise returns an int too, « 13 224 » → 13224). Raises NumberError (French message)
    for anything else or a value outside [min_value, max_value]."""
    raw = "" if text is None else str(text)
    typed = _UNIT.sub("", raw.strip(_SPACES)).strip(_SPACES)
    shown = " ".join(raw.split())
    if not raw.strip(_SPACES):
        return None
    if "." in typed and re.fullmatch(r"[-−]?[\d \u00a0\u202f]*\.\d+", typed):
        raise NumberError(f"« {shown} » : les décimales s'écrivent après une virgule ({EXAMPLES}).")
    if not (_GROUPED.fullmatch(typed) or _PLAIN.fullmatch(typed)):
        raise NumberError(f"« {shown} » n'est pas un nombre ({EXAMPLES}).")
    number = float(re.sub(r"[ \u00a0\u202f]", "", typed).replace(",", ".").replace("−", "-"))
    if integer and not number.is_integer():
        raise NumberError(f"« {shown} » : un nombre entier est attendu (par exemple 1 000).")
    if (min_value is not None and number < min_value) or (max_value is not None and number > max_value):
        raise NumberError(f"« {shown} » : la valeur doit être comprise entre "
                          f"{fmt_number(min_value)} et {fmt_number(max_value)}."
                          if min_value is not None and max_value is not None else
                          f"« {shown} » : la valeur doit être au moins {fmt_number(min_value)}."
                          if min_value is not None else
                          f"« {shown} » : la valeur doit être au plus {fmt_number(max_value)}.")
    return int(number) if number.is_integer() else number
