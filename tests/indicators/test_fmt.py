from __future__ import annotations

import math

import pandas as pd
import pytest

from indicators import fmt
from indicators.fmt import (
    fmt_bytes,
    fmt_eur,
    fmt_eur_month,
    fmt_eur_year,
    fmt_gap,
    fmt_gap_points,
    fmt_gap_ratio,
    fmt_int,
    fmt_millions_eur,
    fmt_number,
    fmt_pct,
    fmt_status,
    fmt_value,
    plain_spaces,
)

N = "\u202f"  # babel fr group separator
S = "\u00a0"  # babel fr space before % and €


@pytest.mark.parametrize("fn, value, expected", [
    (fmt_number, 1650, f"1{N}650"),
    (fmt_number, 12.04, "12,04"),
    (fmt_number, 8.30, "8,3"),
    (fmt_number, 12.045, "12,05"),       # half-up
    (fmt_number, -0.001, "0"),           # no "-0"
    (fmt_number, 1234567.891, f"1{N}234{N}567,89"),
    (fmt_number, None, ""),
    (fmt_number, math.nan, ""),
    (fmt_int, 2500, f"2{N}500"),
    (fmt_pct, 12.04, f"12,04{S}%"),
    (fmt_pct, 25, f"25{S}%"),
    (fmt_eur, 8.3, f"8,3{S}€"),
    (fmt_eur, 20495, f"20{N}495{S}€"),
    (fmt_eur_month, 742, f"742{S}€/mois"),
    (fmt_eur_month, 1480, f"1{N}480{S}€/mois"),
    (fmt_eur_year, 8904, f"8{N}904{S}€/an"),
    (fmt_millions_eur, 1_500_000, f"1,5{S}M€"),
    (fmt_gap_points, 3.2, f"+3,2{S}pts"),
    (fmt_gap_points, -12.96, f"\u221213,0{S}pts"),
    (fmt_gap_points, -0.04, f"0,0{S}pts"),
    (fmt_gap_ratio, 0.5, f"×{S}0,50"),
    (fmt_gap_ratio, 0.501351, f"×{S}0,50"),
    (fmt_gap_ratio, None, ""),
    # Negative numbers: the minus sign U+2212 glued to the number (issue #11), never « - ».
    (fmt_number, -1250, f"\u22121{N}250"),
    (fmt_number, -0.25, "\u22120,25"),
    (fmt_number, -math.inf, "\u2212∞"),
    (fmt_pct, -3.2, f"\u22123,2{S}%"),
    (fmt_eur, -20495, f"\u221220{N}495{S}€"),
    (fmt_eur_month, -742, f"\u2212742{S}€/mois"),
    (fmt_millions_eur, -1_500_000, f"\u22121,5{S}M€"),
])
def test_formatters(fn, value, expected):
    assert fn(value) == expected


def test_number_with_fixed_decimals():
    assert fmt_number(12, 2) == "12,00"
    assert fmt_pct(12.5, 1) == f"12,5{S}%"


@pytest.mark.parametrize("value, unit, status, kw, expected", [
    (742, "EUR/mois", "ok", {}, f"742{S}€/mois"),
    (8904.4, "EUR/an", "ok", {}, f"8{N}904{S}€/an"),
    (12.04, "%", "ok", {}, f"12,04{S}%"),        # typed: the decimals it was typed with
    (100 * 928 / 1017, "%", "ok", {}, f"91,2{S}%"),   # computed (91,2487…): one decimal
    (100 * 120 / 830, "%", "ok", {}, f"14,5{S}%"),
    (100 * 120 / 830, "%", "ok", {"decimals": 2}, f"14,46{S}%"),   # asked for: as asked
    (100 / 3, "pour 1 000 habitants", "ok", {}, f"33,33{S}pour 1 000 habitants"),
    (2500, "habitants", "ok", {}, f"2{N}500{S}habitants"),
    (1.5, "ratio", "ok", {}, "1,5"),
    (1650, "personnes", "ok", {"qualifier": "plus de"}, f"plus de 1{N}650{S}personnes"),
    # « la moitié 50 % » and « dans certains secteurs 90 % » were on Chambéry's home page.
    (50, "%", "ok", {"qualifier": "la moitié"}, f"50{S}% (la moitié)"),
    (90, "%", "ok", {"qualifier": "dans certains secteurs"}, f"90{S}% dans certains secteurs"),
    (5000, "participants/an", "ok", {"qualifier": "en moyenne"},
     f"en moyenne 5{N}000{S}participants/an"),
    (None, "%", "secret", {}, "secret statistique"),
    (40.0, "%", "secret", {}, "secret statistique"),   # a number beside a secret is never shown
    (None, "%", "ok", {}, "non disponible"),
    (None, "%", "missing", {}, "non disponible"),
    (None, "%", "not_significant", {}, "non significatif"),
    (3, None, "ok", {}, "3"),
    (1, "collèges", "ok", {}, f"1{S}collège"),
    (0, "habitants", "ok", {}, f"0{S}habitant"),
    (1.5, "consultations/an/habitant", "ok", {}, f"1,5{S}consultation/an/habitant"),
    (2, "consultations/an/habitant", "ok", {}, f"2{S}consultations/an/habitant"),
    (1.2, "pour 1 000 habitants", "ok", {}, f"1,2{S}pour 1 000 habitants"),
    (1, "mois", "ok", {}, f"1{S}mois"),
])
def test_fmt_value(value, unit, status, kw, expected):
    assert fmt_value(value, unit, status, **kw) == expected


def test_status_and_gap_texts():
    assert fmt_status("secret") == "secret statistique"
    assert fmt_status("missing", "Insee") == "non disponible (Insee)"
    assert fmt_status(None) == "non disponible"
    assert fmt_gap(3.2, "points") == f"+3,2{S}pts"
    assert fmt_gap(0.5, "ratio") == f"×{S}0,50"
    assert fmt_gap(0.5, None) == ""
    assert plain_spaces(fmt_eur_month(1480)) == "1 480 €/mois"


@pytest.mark.parametrize("missing", [None, float("nan"), pd.NA])
def test_missing_values_format_as_empty(missing):
    """Nullable pandas columns give pd.NA: nothing to format, as for None and NaN."""
    assert (fmt.fmt_int(missing), fmt.fmt_year(missing), fmt.fmt_number(missing)) == ("", "", "")


def test_dates_in_any_text_never_break():
    from indicators.fmt import no_break_dates
    assert no_break_dates("décrets du 28 décembre 2023, modifiés ; depuis juillet 2024 ; le 1er Mars 2026 ;"
                          " 5\u202ffévrier 2021 ; 12 mois 2024 ; mai") == (
        "décrets du 28\u00a0décembre\u00a02023, modifiés ; depuis juillet\u00a02024 ; le 1er\u00a0Mars\u00a02026 ;"
        " 5\u00a0février\u00a02021 ; 12 mois 2024 ; mai")


def test_dates_durations_and_counts_in_french():
    from datetime import date, datetime

    from indicators.fmt import fmt_count, fmt_date, fmt_datetime, fmt_duration
    # No-break spaces inside a date and a time: a line never breaks inside one (issue 11).
    assert fmt_date(date(2026, 12, 1)) == "1er\u00a0décembre\u00a02026"
    assert fmt_date(date(2026, 12, 15)) == "15\u00a0décembre\u00a02026"
    assert fmt_date(None) == ""
    assert fmt_datetime(datetime(2026, 1, 1, 9, 5)) == "1er\u00a0janvier\u00a02026 à 9\u00a0h\u00a005"
    assert fmt_duration(4.27) == "4,3\u00a0s"
    assert fmt_duration(72) == "1\u00a0min 12\u00a0s"
    assert fmt_duration(3600) == "1\u00a0h 0\u00a0min"
    assert [fmt_count(n, "erreur") for n in (0, 1, 2, 1234)] == [
        "0 erreur", "1 erreur", "2 erreurs", "1\u202f234 erreurs"]


def test_wrap_words_cuts_a_long_hyphenated_name_after_its_hyphens():
    # A commune's name under a bar of the PDF's income chart ran into the next bar's name
    # (issue 11, demo mandate report, Bords de Lorne - Gare).
    assert fmt.wrap_words("Saint-Aubin-sur-Lorne (2021)", 13) == "Saint-Aubin-<br>sur-Lorne<br>(2021)"
    # The separating dash stays with the word before it (issue #11), past the width if need be.
    assert fmt.wrap_words("Vieux Moulin - Paradis", 13) == "Vieux Moulin -<br>Paradis"
    assert fmt.wrap_words("Anticonstitutionnellement x", 13) == "Anticonstitutionnellement<br>x"
    assert fmt.wrap_words("Lorneville (2021)", 13) == "Lorneville<br>(2021)"


def test_file_sizes_without_a_useless_decimal():
    """The import page read « Au plus 200,0 Mio par fichier »."""
    assert [plain_spaces(fmt_bytes(n)) for n in (200 * 1024 ** 2, 1536, 5 * 1024 ** 3, 12, 1)] == [
        "200 Mio", "1,5 kio", "5 Gio", "12 octets", "1 octet"]


@pytest.mark.parametrize("values, unit, expected", [
    ([43.0, 40.2, 52.4], "%", 1),              # « 43,0 % » beside « 40,2 % »
    ([43.0, 40.25, None, float("nan")], "%", 2),
    ([100 / 3, 30.0], "%", 1),                 # beyond 2 decimals, a quotient we computed: 1
    ([100 * 928 / 1017, 85.12443438914028], "%", 1),   # Grand Chalon's fragile occupation
    ([100 / 3, 30.0], "pour 1 000 habitants", 2),      # other units: 2, fmt_number's default
    ([2500, 5_420_000], "habitants", 0),
    ([742.4, 1480.0], "EUR/mois", 0),          # a unit with fixed decimals keeps them
    ([None, float("nan")], "%", None),         # nothing shown: fmt_value's default
])
def test_shared_decimals(values, unit, expected):
    assert fmt.shared_decimals(values, unit) == expected


def test_of_name_contracts_de_with_the_article_of_a_place_name():
    assert [fmt.of_name(n) for n in ["Les Hauts De Chambéry", "Le Clos Fleuri", "La Chênaie",
                                      "l'Ermitage", "Biollay - Bellevue", "  Les   Clos ",
                                      "Lesneven", "Lens"]] == [
        "des Hauts De Chambéry", "du Clos Fleuri", "de La Chênaie", "de l'Ermitage",
        "de Biollay - Bellevue", "des Clos", "de Lesneven", "de Lens"]


def test_an_aside_never_opens_a_second_bracket() -> None:
    from indicators.fmt import with_aside
    assert with_aside("Agglomération chartraine (Chartres métropole)", "2015–2022, prolongé jusqu'à fin 2023") == (
        "Agglomération chartraine (Chartres métropole), 2015–2022, prolongé jusqu'à fin 2023")
    assert with_aside("Contrat de ville de Val-de-Lorne", "2020–2026") == "Contrat de ville de Val-de-Lorne (2020–2026)"
    assert with_aside("Contrat de ville de Val-de-Lorne", None) == "Contrat de ville de Val-de-Lorne"


def test_wrap_words_never_starts_a_line_with_a_dash_or_french_punctuation():
    # Issue #11: « Bruxelles - Arcades - Béguines » wrapped as « - Arcades » on a chart.
    from indicators.fmt import wrap_words
    assert wrap_words("Bruxelles - Arcades - Béguines", 10) == "Bruxelles -<br>Arcades -<br>Béguines"
    assert wrap_words("Bruxelles - Arcades - Béguines", 9) == "Bruxelles -<br>Arcades -<br>Béguines"
    assert wrap_words("Chalon – délégations", 7) == "Chalon –<br>délégations"
    assert wrap_words("Taux : « très long » ?", 8) == "Taux :<br>« très<br>long » ?"
    assert wrap_words("Saint-Aubin-sur-Lorne les Bains", 12) == "Saint-Aubin-<br>sur-Lorne<br>les Bains"


def test_numeric_dates_typed_in_a_text_read_in_words_other_numbers_stay():
    from indicators.fmt import typed_dates
    nb = "\u00a0"
    assert [typed_dates(t) for t in (
        "Chartres métropole, page « Politique de la ville » (21/09/2023) – 2 540 habitants",
        "conseil du 01/02/2024 et du 1/3/2024.",
        "31/02/2023", "2023/2024", "3/4 des ménages", "12/09/20231", "p. 12/40", "", None)] == [
        f"Chartres métropole, page « Politique de la ville » (21{nb}septembre{nb}2023) – 2 540 habitants",
        f"conseil du 1er{nb}février{nb}2024 et du 1er{nb}mars{nb}2024.",
        "31/02/2023", "2023/2024", "3/4 des ménages", "12/09/20231", "p. 12/40", "", None]


def test_numbers_are_formatted_without_parsing_their_pattern_each_time(monkeypatch):
    """Issue #15: each pattern is parsed once, the fr_FR locale once (babel's format_decimal parsed
    both at every number); the texts are those format_decimal gave."""
    parsed = []
    real = fmt.parse_pattern
    monkeypatch.setattr(fmt, "parse_pattern", lambda pattern: parsed.append(pattern) or real(pattern))
    fmt._number_pattern.cache_clear()
    n = "\u202f"
    values = [0, -0.0, 1650, 12.04, 8.30, -1234567.891, 0.005, 12.045, 1e15, 2.5e-7]
    assert [[fmt.fmt_number(v, d) for d in (None, 0, 1, 3)] for v in values] == [
        ["0", "0", "0,0", "0,000"], ["0", "0", "0,0", "0,000"],
        [f"1{n}650", f"1{n}650", f"1{n}650,0", f"1{n}650,000"], ["12,04", "12", "12,0", "12,040"],
        ["8,3", "8", "8,3", "8,300"],
        [f"\u22121{n}234{n}567,89", f"\u22121{n}234{n}568", f"\u22121{n}234{n}567,9",
         f"\u22121{n}234{n}567,891"],
        ["0,01", "0", "0,0", "0,005"], ["12,05", "12", "12,0", "12,045"],
        [f"1{n}000{n}000{n}000{n}000{n}000"] * 2 + [f"1{n}000{n}000{n}000{n}000{n}000,0",
                                                    f"1{n}000{n}000{n}000{n}000{n}000,000"],
        ["0", "0", "0,0", "0,000"]]
    assert fmt.fmt_number(10 ** 40) == "10" + f"{n}000" * 13
    assert sorted(parsed) == ["#,##0", "#,##0.##", "#,##0.0", "#,##0.000"]
