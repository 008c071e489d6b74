"""Numbers beyond what a template column can mean are refused at load, with file, line and column:
anything above 10^13 in absolute value, a count (population, attributions, housing results) above
10^8 or negative, a published count indicator above 10^8."""
from __future__ import annotations

from pathlib import Path

import pytest

from etl.core import EtlError
from tests.etl_build.conftest import write_csv
from tests.etl_build.test_programme_loader import ATTR_H, FUND_H, TERR_H, VAL_H, _load

KPI_H = ["contract", "kpi_id", "territory_code", "year", "value"]
HOUSING_H = ["contract", "year", "party_type", "party_name", "objective", "numerator", "denominator"]
TOO_BIG = "(attendu : un nombre inférieur à 10 000 milliards en valeur absolue)"
COUNT = "(attendu : un effectif entre 0 et 100 millions)"


@pytest.mark.parametrize("header, row, expected", [
    (FUND_H, ["demo", "A1", "2024", "ville", "2e13"],
     f"f.csv, ligne 2, colonne « amount_eur » : nombre invraisemblable « 2e13 » (au-delà de 10^13) {TOO_BIG}"),
    (FUND_H, ["demo", "A1", "2024", "ville", "12 000 000 000 000 000"],
     "f.csv, ligne 2, colonne « amount_eur » : nombre invraisemblable « 12 000 000 000 000 000 » "
     f"(au-delà de 10^13) {TOO_BIG}"),
    (KPI_H, ["demo", "k1", "", "2024", "-1e300"],
     f"f.csv, ligne 2, colonne « value » : nombre invraisemblable « -1e300 » (au-delà de 10^13) {TOO_BIG}"),
    (TERR_H + ["population"], ["demo", "99001", "commune", "C", "", "", "150 000 000"],
     "f.csv, ligne 2, colonne « population » : effectif invraisemblable « 150 000 000 » (plus de 100 millions) "
     f"{COUNT}"),
    (TERR_H + ["population"], ["demo", "99001", "commune", "C", "", "", "-3"],
     f"f.csv, ligne 2, colonne « population » : effectif négatif « -3 » {COUNT}"),
    (ATTR_H, ["demo", "2024", "OPAC", "etat", "qpv", "QN09901N", "1", "200000000"],
     "f.csv, ligne 2, colonne « n_attributions » : effectif invraisemblable « 200000000 » (plus de 100 millions) "
     f"{COUNT}"),
    (HOUSING_H, ["demo", "2021", "bailleur", "OPAC", "menages_prioritaires", "-1", "10"],
     f"f.csv, ligne 2, colonne « numerator » : effectif négatif « -1 » {COUNT}"),
    (VAL_H, ["demo", "QN09901N", "qpv", "population_count", "2021", "200 000 000", "", "", ""],
     f"f.csv, ligne 2, colonne « value » : effectif invraisemblable (2e+08) pour population_count {COUNT}"),
])
def test_number_beyond_meaning_gives_exact_error(tmp_path: Path, header, row, expected) -> None:
    path = write_csv(tmp_path / "f.csv", [header, row])
    with pytest.raises(EtlError) as info:
        _load(path)
    assert str(info.value) == expected


def test_numbers_at_the_limits_load(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "f.csv", [FUND_H, ["demo", "A1", "2024", "ville", "10 000 000 000 000"]])
    ctx, n = _load(path)
    assert n == 1
    assert ctx.con.execute("select amount_eur from programme_funding").fetchall() == [(1e13,)]
