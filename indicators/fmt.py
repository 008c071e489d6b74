"""French formatting of numbers, amounts, rates, gaps and statuses (babel, locale fr_FR).

The characters are babel's fr_FR ones, so that every page and export agrees:
- the thousands separator is the narrow no-break space U+202F: ``fmt_number(1650) == "1\u202f650"``;
- the space before ``%`` and ``€`` (and before units such as ``pts``) is the no-break space U+00A0,
  as in babel's fr percent and currency patterns: ``fmt_pct(12.04) == "12,04\u00a0%"``,
  ``fmt_eur(8.3) == "8,3\u00a0€"``, ``fmt_eur_month(742) == "742\u00a0€/mois"``;
- a negative number is written with the minus sign U+2212 glued to it, as French typography
  wants (babel's fr_FR writes a hyphen-minus): ``fmt_number(-1250) == "\u22121\u202f250"``,
  ``fmt_gap_points(-4) == "\u22124,0\u00a0pts"``. These are display texts: machine-readable
  outputs (CSV/XLSX number cells, URLs, sort keys) keep the numbers, and the parsers of typed
  numbers (indicators.numbers, etl.readers) read « − » and « - » alike.

Tests and browser checks that compare text should normalise both spaces
(see ``plain_spaces``). A value that is not shown (withheld, missing) is never formatted as a
number: ``fmt_value`` returns the status text ("secret statistique", "non disponible").
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, localcontext

import pandas as pd
from babel import Locale
from babel.dates import format_date
from babel.numbers import NumberPattern, parse_pattern

LOCALE = "fr_FR"
# babel's format_decimal parses its locale and its pattern at every call (issue #15: half of a
# number's formatting): both once here, then NumberPattern.apply as format_decimal does.
_BABEL_LOCALE = Locale.parse(LOCALE)


@functools.lru_cache(maxsize=64)
def _number_pattern(pattern: str) -> NumberPattern:
    return parse_pattern(pattern)

NNBSP = "\u202f"   # narrow no-break space: thousands separator
NBSP = "\u00a0"    # no-break space: before %, €, units
MINUS = "\u2212"   # minus sign: before a negative number (never a hyphen-minus on display)

STATUS_TEXT: dict[str, str] = {
    "ok": "",
    "secret": "secret statistique",
    "missing": "non disponible",
    "not_significant": "non significatif",
    "not_applicable": "sans objet",
}

ORIGIN_TEXT: dict[str, str] = {
    "published": "chiffre publié",
    "official_file": "fichier officiel",
    "computed": "calculé",
}

# Registry units → suffix shown after the number, and default number of decimals
# (None: up to 2 significant decimals, trailing zeros dropped).
UNIT_SUFFIX: dict[str, str] = {
    "%": "%",
    "EUR": "€",
    "EUR/an": "€/an",
    "EUR/mois": "€/mois",
    "EUR/m2": "€/m²",
    "ratio": "",
    "indice": "",
    "nombre": "",      # a count whose dictionary does not say of what (insee_* variables)
}
UNIT_DECIMALS: dict[str, int | None] = {
    "EUR/an": 0,
    "EUR/mois": 0,
    "ratio": 1,
}

# A rate we compute (a quotient: 928 / 1 017 = 91,2487… %) is shown with one decimal; a rate
# typed from a document keeps the decimals it was typed with (« 12,04 % » as the CIA prints it).
# A rate with more than 2 decimals was not typed: it is a quotient, shown as one (issue #11).
COMPUTED_PCT_DECIMALS = 1
TYPED_MAX_DECIMALS = 2


def written_at(value, decimals: int) -> bool:
    """Whether `value` is written exactly with `decimals` decimals (float noise aside); a value
    beyond 1e15 or infinite has no decimals to write."""
    try:
        v = float(value)
    except OverflowError:
        return True
    if not math.isfinite(v) or abs(v) >= 1e15:
        return True
    return abs(v * 10 ** decimals - round(v * 10 ** decimals)) < 1e-6


def plain_spaces(text: str) -> str:
    """The text with U+202F and U+00A0 replaced by ordinary spaces (for comparisons, search)."""
    return text.replace(NNBSP, " ").replace(NBSP, " ")


def _is_missing(value) -> bool:
    """None, NaN and pandas' NA (nullable columns): nothing to format."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _decimal(value) -> Decimal:
    """The exact decimal of a stored value: an int as it is (even beyond a float's range),
    a float from its shortest representation; infinities stay infinite."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    return Decimal(repr(float(value)))


def _round(value, decimals: int) -> Decimal:
    # Half-up on the decimal representation (12.045 → 12.05), as documents round. The precision
    # grows with the number, so that 1e308 or a 40-digit int rounds instead of raising.
    d = _decimal(value)
    if not d.is_finite():
        return d
    with localcontext() as ctx:
        ctx.prec = max(28, d.adjusted() + decimals + 3)
        return d.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def fmt_number(value, decimals: int | None = None, *, max_decimals: int = 2) -> str:
    """A number in French: ``1650 → "1 650"``, ``12.04 → "12,04"``, ``8.30 → "8,3"``.

    decimals=None shows up to ``max_decimals`` decimals with trailing zeros dropped;
    an int shows exactly that many decimals. Rounding is half-up. None/NaN gives "".
    """
    if _is_missing(value):
        return ""
    if decimals is None:
        d = _round(value, max_decimals)
        pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    else:
        d = _round(value, decimals)
        pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    if d.is_infinite():
        return f"{MINUS}∞" if d < 0 else "∞"
    if d == 0:
        d = abs(d)  # no "-0"
    with localcontext() as ctx:   # babel quantizes again: room for every digit of a huge value
        ctx.prec = max(28, d.adjusted() + max_decimals + (decimals or 0) + 3)
        text = _number_pattern(pattern).apply(abs(d), _BABEL_LOCALE, decimal_quantization=True)
    return f"{MINUS}{text}" if d < 0 else text


def fmt_int(value) -> str:
    """A whole number: ``2500 → "2 500"``."""
    return fmt_number(value, 0)


def fmt_pct(value, decimals: int | None = None) -> str:
    """A percentage given in percent units: ``12.04 → "12,04 %"``, ``25 → "25 %"``."""
    if _is_missing(value):
        return ""
    return f"{fmt_number(value, decimals)}{NBSP}%"


def fmt_eur(value, decimals: int | None = None) -> str:
    """An amount in euros: ``8.3 → "8,3 €"``, ``20495 → "20 495 €"``."""
    if _is_missing(value):
        return ""
    return f"{fmt_number(value, decimals)}{NBSP}€"


def fmt_eur_month(value) -> str:
    """A monthly amount: ``742 → "742 €/mois"``."""
    if _is_missing(value):
        return ""
    return f"{fmt_number(value, 0)}{NBSP}€/mois"


def fmt_eur_year(value) -> str:
    """A yearly amount: ``8904 → "8 904 €/an"``."""
    if _is_missing(value):
        return ""
    return f"{fmt_number(value, 0)}{NBSP}€/an"


def fmt_millions_eur(value, decimals: int = 1) -> str:
    """An amount in millions of euros: ``1_500_000 → "1,5 M€"``."""
    if _is_missing(value):
        return ""
    return f"{fmt_number(_decimal(value).scaleb(-6), None, max_decimals=decimals)}{NBSP}M€"


def fmt_amount(value, unit: str | None, status: str | None = "ok", *,
               qualifier: str | None = None) -> str:
    """A published figure as documents write it: millions of euros as ``"1,5 M€"`` (``"1,5 M€/an"``
    for EUR/an), whole euros from 100 € up, other units as ``fmt_value`` (a free-text unit's
    "EUR" written €: ``"4 € pour 1 € de la Ville"``). The qualifier stays in front."""
    if status not in (None, "ok") or _is_missing(value):
        return fmt_status(status if status not in (None, "ok") else "missing")
    if unit in ("EUR", "EUR/an") and abs(value) >= 1_000_000:
        text = fmt_millions_eur(value) + ("/an" if unit == "EUR/an" else "")
        return with_qualifier(text, qualifier)
    decimals = 0 if unit in ("EUR", "EUR/an") and abs(value) >= 100 else None
    shown = unit if unit is None or unit in UNIT_SUFFIX else unit.replace("EUR", "€")
    return fmt_value(value, shown, "ok", qualifier=qualifier, decimals=decimals)


def fmt_target(value, unit: str | None) -> str:
    """An objective as every tile, table and report shows it, at the precision of the indicator's
    values: a share at COMPUTED_PCT_DECIMALS (« 25,0 % », as the CIA's rates and objectives),
    anything else as `fmt_amount` (« 1,5 M€/an », « 4 550 »). "" when missing."""
    if _is_missing(value):
        return ""
    if unit == "%":
        return fmt_value(value, "%", "ok", decimals=COMPUTED_PCT_DECIMALS)
    return fmt_amount(value, unit)


def fmt_bytes(n: int) -> str:
    """A file size in binary units, in French, without a useless decimal: ``200 * 1024**2 →
    "200 Mio"``, ``1536 → "1,5 kio"``, ``12 → "12 octets"``."""
    for unit, size in (("Gio", 1024 ** 3), ("Mio", 1024 ** 2), ("kio", 1024)):
        if n >= size:
            return f"{fmt_number(n / size, max_decimals=1)}{NBSP}{unit}"
    return f"{fmt_number(n)}{NBSP}octet{'s' if n > 1 else ''}"


def fmt_status(status: str | None, note: str | None = None) -> str:
    """The text shown instead of a number: "secret statistique", "non disponible (Insee)"."""
    text = STATUS_TEXT.get(status or "missing", "non disponible")
    if note and status != "ok":
        return f"{text} ({note})"
    return text


def fmt_value(value, unit: str | None, status: str | None = "ok", *, decimals: int | None = None,
              qualifier: str | None = None) -> str:
    """A value with its registry unit, or the status text when it is not shown.

    ``fmt_value(742, "EUR/mois") == "742 €/mois"``; ``fmt_value(None, "%", "secret") ==
    "secret statistique"``; units without a symbol ("habitants", "logements") are written in
    words: ``fmt_value(2500, "habitants") == "2 500 habitants"``. A published qualifier is kept in
    front: ``fmt_value(1650, "personnes", qualifier="plus de") == "plus de 1 650 personnes"``.
    """
    if status not in (None, "ok") or _is_missing(value):
        return fmt_status(status if status not in (None, "ok") else "missing")
    unit = unit or ""
    if decimals is None:
        decimals = UNIT_DECIMALS.get(unit)
    if decimals is None and unit == "%" and not written_at(value, TYPED_MAX_DECIMALS):
        decimals = COMPUTED_PCT_DECIMALS
    number = fmt_number(value, decimals)
    if unit in UNIT_SUFFIX:
        suffix = UNIT_SUFFIX[unit]
        text = f"{number}{NBSP}{suffix}" if suffix else number
    elif unit:
        text = f"{number}{NBSP}{_singular(unit) if abs(value) < 2 else unit}"
    else:
        text = number
    return with_qualifier(text, qualifier)


# Qualifiers that name the figure itself (« la moitié » = 50 %) follow it in brackets; those that
# place it (« dans certains secteurs ») follow it; the others (« plus de », « en moyenne ») lead.
_FRACTION_WORDS = re.compile(r"^(la moitié|un tiers|les deux tiers|deux tiers|un quart|"
                             r"les trois quarts|trois quarts|un sur \w+|une sur \w+)$", re.I)
_AFTER_WORDS = re.compile(r"^(dans|sur|pour|chez|parmi|en \d{4})\b", re.I)


def shared_decimals(values, unit: str | None, most: int = 2) -> int | None:
    """The decimals that write values read side by side (a QPV and its comparators, a table's
    column) at one precision: the fewest that write each exactly, at most `most`, so that
    ``[43.0, 40.2]`` in % gives 1 (« 43,0 % » beside « 40,2 % », never « 43 % »); a rate that
    needs more than `most` is a quotient we computed: COMPUTED_PCT_DECIMALS (« 91,2 % » for
    928 / 1 017, not « 91,25 % »). A unit with fixed decimals (UNIT_DECIMALS) keeps them; None
    (fmt_value's default) when no value is shown."""
    if (unit or "") in UNIT_DECIMALS:
        return UNIT_DECIMALS[unit or ""]
    vals = [float(v) for v in values if not _is_missing(v) and math.isfinite(float(v))]
    if not vals:
        return None
    for d in range(most + 1):
        if all(written_at(v, d) for v in vals):
            return d
    # A rate beyond the decimals a document types is one we computed: one decimal.
    return COMPUTED_PCT_DECIMALS if (unit or "") == "%" else most


def column_decimals(values, origins, unit: str | None) -> list[int | None]:
    """The decimals of each value of one column: a figure typed from a document (origin
    ``published``) keeps its own digits (« 48 % » as its portrait writes it, never « 48,0 % »
    beside « 37,5 % »: a digit the document does not give); the others share one precision among
    themselves (`shared_decimals`), a typed figure's digits never padding them. A unit with fixed
    decimals (UNIT_DECIMALS) keeps them for all."""
    values, origins = list(values), list(origins)
    shared = shared_decimals([v for v, o in zip(values, origins) if o != "published"], unit)
    return [shared_decimals([v], unit) if o == "published" else shared for v, o in zip(values, origins)]


def with_qualifier(text: str, qualifier: str | None) -> str:
    """A formatted figure with the qualifier the document gives it, read in French:
    ``"plus de 400 personnes"``, ``"50 % (la moitié)"``, ``"90 % dans certains secteurs"``."""
    qualifier = (qualifier or "").strip()
    if not qualifier:
        return text
    if _FRACTION_WORDS.match(qualifier):
        return f"{text} ({qualifier})"
    if _AFTER_WORDS.match(qualifier):
        return f"{text} {qualifier}"
    return f"{qualifier} {text}"


def _singular(unit: str) -> str:
    """A unit in words below 2, French singular on its first word: « 1 collège », « 1 habitant »,
    « 1,5 consultation/an/habitant »; « pour 1 000 habitants » and the invariable « mois »,
    « temps », « poids » stay as they are."""
    head, tail = re.match(r"([^ /]*)(.*)", unit, re.S).groups()
    plural = len(head) > 2 and re.search(r"(?<![aiouyAIOUY])s$", head) and not head.endswith(("ps", "ds"))
    return (head[:-1] if plural else head) + tail


def fmt_gap_points(value, decimals: int = 1) -> str:
    """A gap between two rates, in percentage points: ``3.2 → "+3,2 pts"``, ``-1.25 → "−1,3 pts"``
    (minus sign U+2212); a gap that rounds to zero has no sign (``"0,0 pts"``)."""
    if _is_missing(value):
        return ""
    d = _round(value, decimals)
    sign = "+" if d > 0 else (MINUS if d < 0 else "")
    return f"{sign}{fmt_number(abs(d), decimals)}{NBSP}pts"


def fmt_gap_ratio(value, decimals: int = 2) -> str:
    """A ratio between two amounts: ``0.5 → "× 0,50"``."""
    if _is_missing(value):
        return ""
    return f"×{NBSP}{fmt_number(value, decimals)}"


def fmt_gap(value, kind: str | None) -> str:
    """A gap by kind: 'points' → ``fmt_gap_points``, 'ratio' → ``fmt_gap_ratio``; else ""."""
    if kind == "points":
        return fmt_gap_points(value)
    if kind == "ratio":
        return fmt_gap_ratio(value)
    return ""


def fmt_year(year) -> str:
    """A year without a thousands separator: ``2019 → "2019"``."""
    if _is_missing(year):
        return ""
    if isinstance(year, float) and math.isinf(year):
        return f"{MINUS}∞" if year < 0 else "∞"
    return str(int(year))


def fold(text) -> str:
    """Text for matching and sorting: accents removed, case folded (« Élysée » → « elysee »)."""
    decomposed = unicodedata.normalize("NFKD", "" if text is None else str(text))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _plain_words(text) -> list[str]:
    return re.sub(r"[^0-9a-z]+", " ", fold(text or "")).split()


def unit_words(unit: str | None) -> str:
    """A registry unit in words for titles: 'EUR/mois' → '€ par mois'."""
    return {"EUR/an": "€ par an", "EUR/mois": "€ par mois", "EUR": "€"}.get(unit or "", unit or "")


def unit_phrase(label: str, unit: str | None) -> str:
    """The unit a title adds after `label`, without what the label already says: "€ par mois"
    after "Revenu disponible médian", "€" after "… par UC, par mois", nothing after
    "Cambriolages de logement (pour 1 000 logements)" nor "Logements sociaux". The unit's words
    count as said when every one is in the label (case, accents aside); a symbol (%, €) only when
    the label says « en % » or « (%) » (the « 60 % » of a threshold is not the unit)."""
    phrase = unit_words(unit)
    if not phrase:
        return ""
    said = set(re.sub(r"[^0-9a-z]+", " ", fold(label)).split())
    words = re.sub(r"[^0-9a-z]+", " ", fold(phrase)).split()
    if words and set(words) <= said:
        phrase = "".join(re.findall(r"[^\w\s/]", phrase))
    folded = fold(label)
    if not phrase or f"en {fold(phrase)}" in folded or f"({fold(phrase)})" in folded:
        return ""
    return phrase


def with_aside(text: str, aside: str | None) -> str:
    """`text (aside)`, or `text, aside` when `text` already ends with a bracket, so a reader never
    meets « (Chartres métropole) (2015–2022, …) » or brackets inside brackets."""
    if not aside:
        return text
    return f"{text}, {aside}" if text.rstrip().endswith(")") else f"{text} ({aside})"


def period_beside_name(name, period) -> str | None:
    """What a contract's period label adds to its name, shown beside it: the whole label, or
    only its bracketed rest when the name already says the rest (« Contrat de ville –
    Engagements 2030 (signé en 2024) » beside « … – Contrat de ville Engagements 2030 » →
    « signé en 2024 »), or None when the name says it all (« 2024–2030 » beside « … 2024-2030 »).
    Accents, case, dashes and brackets are ignored."""
    if not period or not str(period).strip():
        return None
    period = str(period).strip()
    m = re.match(r"^(.*?)\s*\(([^()]*)\)\s*$", period)
    head, rest = (m.group(1), m.group(2).strip()) if m else (period, None)
    said, wanted = _plain_words(name), _plain_words(head)
    if wanted and any(said[i:i + len(wanted)] == wanted for i in range(len(said))):
        return rest or None
    return period


def _says(words: list[str], part: list[str]) -> bool:
    return bool(part) and any(words[i:i + len(part)] == part for i in range(len(words)))


def label_and_period(label, period) -> tuple[str, str | None]:
    """A figure's label and the period shown under it, each saying a period once (issue #11:
    « Structures … disparues (constat de 2020) » then « Période : constat de 2020 »): a period
    the label already says is dropped (None); the other way round, a bracket ending the label
    that the period says (« Logements réhabilités (2024) » over « en 2024 ») leaves the label.
    Accents, case, dashes and brackets are ignored. `(label, period or None)`."""
    label = "" if label is None else str(label)
    period = str(period).strip() if period is not None and str(period).strip() else None
    if period is None:
        return label, None
    said = _plain_words(label)
    if _says(said, _plain_words(period)):
        return label, None
    m = re.match(r"^(.*\S)\s*\(([^()]*)\)\s*$", label)
    if m and _says(_plain_words(period), _plain_words(m.group(2))):
        return m.group(1), period
    return label, period


_GLUED_BEFORE = frozenset({"-", "–", "—", ":", ";", "!", "?", "»"})


def wrap_words(text, width: int = 18) -> str:
    """Text on lines of at most `width` characters joined by <br>, for plotly labels (a long
    QPV name on a map or beside a bar); a longer word is cut after its hyphens
    (« Saint-Aubin-<br>sur-Lorne », which ran into the next bar's name), and a longer part keeps
    its own line. Each line is escaped for plotly (indicators.text.plot_text): `<a href>` in a
    name stays text."""
    from indicators.text import plot_text
    lines, line = [], ""
    # A separating dash, « : », « ; », « ! », « ? » and a closing « » stay with the word before
    # them, an opening « « » with the word after (issue #11: « Bruxelles -<br>Arcades », never
    # « <br>- Arcades »).
    words: list[str] = []
    for word in str(text).split():
        if words and (word in _GLUED_BEFORE or words[-1] == "«"):
            words[-1] = f"{words[-1]} {word}"
        else:
            words.append(word)
    for word in words:
        parts = re.findall(r"[^-]+-?|-", word) if len(word) > width else [word]
        for k, part in enumerate(parts):
            glue = "" if k else " "
            # A glued « - » or « : » may stand past the width: « Vieux Moulin -<br>Paradis ».
            slack = 2 if part[-2:-1] == " " and part[-1] in _GLUED_BEFORE else 0
            if line and len(line) + len(glue) + len(part) - slack > width:
                lines.append(line)
                line = part
            else:
                line = f"{line}{glue}{part}" if line else part
    lines.append(line)
    return "<br>".join(plot_text(line) for line in lines)


__all__ = [
    "MINUS", "NBSP", "NNBSP", "ORIGIN_TEXT", "STATUS_TEXT", "fmt_eur", "fmt_eur_month", "fmt_eur_year",
    "fmt_gap", "fmt_gap_points", "fmt_gap_ratio", "fmt_int", "fmt_millions_eur", "fmt_number",
    "fmt_pct", "fmt_status", "fmt_value", "fmt_year", "fold", "plain_spaces", "wrap_words",
]


# ── Dates, durations, counts ────────────────────────────────────────────────────────────────

def fmt_date(value) -> str:
    """A date in words, the 1st of the month as « 1er »: ``2026-12-01 → "1er décembre 2026"``,
    ``2026-12-15 → "15 décembre 2026"``; "" when missing. Its spaces are no-break spaces
    (U+00A0), so a line never breaks inside a date (« 5 / février 2021 »)."""
    if _is_missing(value):
        return ""
    import pandas as pd
    day = pd.Timestamp(value).date()
    text = format_date(day, "d MMMM y", locale=LOCALE)
    return no_break_dates("1er" + text[1:] if day.day == 1 else text)


def fmt_datetime(value) -> str:
    """``2026-12-01 10:30 → "1er décembre 2026 à 10 h 30"`` (no line break inside the date nor
    the time); "" when missing."""
    if _is_missing(value):
        return ""
    import pandas as pd
    ts = pd.Timestamp(value)
    return f"{fmt_date(ts)} à {ts.hour}{NBSP}h{NBSP}{ts.minute:02d}"


_MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
           "octobre", "novembre", "décembre")
_DATE_IN_TEXT = re.compile(
    r"\b(?:(1er|[0-3]?\d)[ \t\u202f]+)?(" + "|".join(_MONTHS) + r")[ \t\u202f]+((?:19|20)\d\d)\b",
    re.IGNORECASE)


def no_break_dates(text: str) -> str:
    """The text with the spaces inside its dates in words made no-break (U+00A0): « décrets du
    28 décembre 2023 », « depuis juillet 2024 » never break inside the date, whatever the text
    (a document's title typed by a team, a sentence of a report)."""
    return _DATE_IN_TEXT.sub(lambda m: NBSP.join(g for g in m.groups() if g), text)


# A numeric French date typed inside a text: « 21/09/2023 », « 1/2/2024 » (never inside a longer
# run of digits and slashes: « 2023/2024 », « 12/09/20231 », a fraction « 3/4 » are left alone).
_NUMERIC_DATE = re.compile(r"(?<![\d/])([0-3]?\d)/([01]?\d)/((?:19|20)\d\d)(?![\d/])")


def typed_dates(text):
    """Text typed by a team with its numeric dates dd/mm/yyyy in words, as `fmt_date` writes them:
    « page (21/09/2023) » → « page (21 septembre 2023) », « 01/02/2024 » → « 1er février 2024 ».
    A date that does not exist (« 31/02/2023 ») and every other number stay as typed; None and
    non-text values are returned unchanged."""
    if not isinstance(text, str) or "/" not in text:
        return text
    import datetime as dt

    def words(m):
        try:
            day = dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        except ValueError:
            return m.group(0)
        return fmt_date(day)
    return _NUMERIC_DATE.sub(words, text)


def fmt_duration(seconds) -> str:
    """``4.27 → "4,3 s"``, ``72 → "1 min 12 s"``, ``3 600 → "1 h 0 min"``; "" when missing."""
    if _is_missing(seconds):
        return ""
    s = float(seconds)
    if s < 60:
        return f"{fmt_number(s, 1)}{NBSP}s"
    m, sec = divmod(int(round(s)), 60)
    if m < 60:
        return f"{m}{NBSP}min {sec}{NBSP}s"
    h, m = divmod(m, 60)
    return f"{h}{NBSP}h {m}{NBSP}min"


def fmt_count(n, one: str, many: str | None = None) -> str:
    """A count with its noun, French plural (0 and 1 singular): « 1 erreur », « 2 erreurs »,
    « 1 234 fichiers »."""
    n = int(n)
    return f"{fmt_int(n)} {one if abs(n) < 2 else (many or one + 's')}"


_ARTICLE = re.compile(r"^(Les|Le)\s+(?=\S)", re.I)


def of_name(name) -> str:
    """« de » before a place name, contracted as French writes it: « des Hauts De Chambéry »
    (Les), « du Clos Fleuri » (Le), « de La Chênaie », « de l'Ermitage », « de Biollay »."""
    text = " ".join(str(name).split())
    article = _ARTICLE.match(text)
    if article:
        rest = text[article.end():]
        return ("des " if article.group(1).lower() == "les" else "du ") + rest
    return f"de {text}"
