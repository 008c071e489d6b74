"""The checks refuse figures beyond what they can mean, whatever their origin (computed ones
included): a count above 10^8, any value, numerator or denominator above 10^13 in absolute value,
a territory's population negative or above 10^8."""
from __future__ import annotations

import pytest

from tests.etl_build.test_checks import _db, _fact, _messages


@pytest.mark.parametrize("tables, expected", [
    pytest.param(
        dict(indicator_facts=[_fact(indicator_id="population_count", value=2e8, origin="computed")]),
        [("error", "f.csv", "value",
          "effectif invraisemblable (plus de 100 millions) : population_count = 2e+08 pour QN09901N en 2021")],
        id="count_above_1e8"),
    pytest.param(
        dict(indicator_facts=[_fact(indicator_id="median_income_eur_year", value=-2e13)]),
        [("error", "f.csv", "value",
          "valeur invraisemblable (au-delà de 10^13) : median_income_eur_year = -2e+13 (vide / vide)"
          " pour QN09901N en 2021")],
        id="amount_beyond_1e13"),
    pytest.param(
        dict(indicator_facts=[_fact(indicator_id="grid_mean_living_standard_eur_year", value=1.0,
                                    numerator=3e13, denominator=3e13, origin="computed")]),
        [("error", "f.csv", "value",
          "valeur invraisemblable (au-delà de 10^13) : grid_mean_living_standard_eur_year = 1 (3e+13 / 3e+13)"
          " pour QN09901N en 2021")],
        id="numerator_beyond_1e13"),
    pytest.param(
        dict(territories=[dict(territory_code="99001", territory_level="commune", territory_name="D",
                               population=150_000_000)]),
        [("error", "f.csv", "population", "population invraisemblable (1,5e+08) pour 99001 (commune)")],
        id="population_above_1e8"),
    pytest.param(
        dict(territories=[dict(territory_code="99001", territory_level="commune", territory_name="D",
                               population=-1)]),
        [("error", "f.csv", "population", "population invraisemblable (-1) pour 99001 (commune)")],
        id="population_negative"),
])
def test_beyond_meaning(tables, expected) -> None:
    assert _messages(_db(**tables)) == expected


def test_limits_pass() -> None:
    con = _db(indicator_facts=[_fact(indicator_id="population_count", value=1e8),
                               _fact(indicator_id="median_income_eur_year", value=1e13)],
              territories=[dict(territory_code="99001", territory_level="commune", territory_name="D",
                                population=100_000_000),
                           dict(territory_code="QN09901N", territory_level="qpv", territory_name="Q",
                                geography_vintage=2024)])
    assert _messages(con) == []
