"""Issue 11 (s14, the demo's `python -m reports map` looked at as an image): the contract's
exported map drew the 2015 and the 2024 QPV contours together, overlapping, « Les Tilleuls »
named twice. `images.map_png` / `map_svg` of a whole contract keep one geography
(`images.map_geography`): the highlighted QPV's, else the latest among the QPVs the indicator
has a value for, else the latest. Small data built by code."""
from __future__ import annotations

import duckdb

from etl.db import create_empty
from reports import images
from tests.exports.conftest import SRC_INSEE, Factory


def _con(tmp_path, values: dict[str, float]):
    con = create_empty(tmp_path / "geo.duckdb")
    f = Factory(con)
    f.insert("contracts", contract_slug="c", contract_name="Contrat test", period_label="2024–2030",
             start_year=2024, end_year=2030, is_fictional=False)
    f.territory("99001", "commune", "Ville A")
    f.geometry("99001", "commune", 2.0, 48.0, size=0.05)
    f.territory("QP099001", "qpv", "Les Tilleuls", 2015, [("99001", "commune")], "c")
    f.geometry("QP099001", "qpv", 2.01, 48.01)
    f.territory("QN09901N", "qpv", "Les Tilleuls", 2024, [("99001", "commune")], "c")
    f.geometry("QN09901N", "qpv", 2.012, 48.012)
    for code, value in values.items():
        f.fact(code, "qpv", "poverty_rate_pct", 2021 if code.startswith("QN") else 2017, value,
               source_id=SRC_INSEE)
    con.close()
    return duckdb.connect(str(tmp_path / "geo.duckdb"), read_only=True)


def _codes(con, **kw) -> list[str]:
    data = images.load_map_data(con, contract_slug="c", indicator_id="poverty_rate_pct", **kw)
    return [q.code for q in images.map_geography(con, data, kw.get("highlight")).qpvs]


def test_the_contract_map_keeps_the_geography_of_its_values(tmp_path) -> None:
    con = _con(tmp_path, {"QN09901N": 40.0, "QP099001": 42.0})
    assert [q.code for q in images.load_map_data(con, contract_slug="c").qpvs] == ["QN09901N", "QP099001"]
    assert _codes(con, year=2021) == ["QN09901N"]          # the 2024 QPV has the 2021 value
    assert _codes(con, year=2017) == ["QP099001"]          # the 2015 one has the 2017 value
    con.close()


def test_without_values_the_latest_geography(tmp_path) -> None:
    con = _con(tmp_path, {})
    data = images.load_map_data(con, contract_slug="c")
    assert [q.code for q in images.map_geography(con, data).qpvs] == ["QN09901N"]
    data = images.load_map_data(con, contract_slug="c")
    assert [q.code for q in images.map_geography(con, data, "QP099001").qpvs] == ["QP099001"]
    con.close()
