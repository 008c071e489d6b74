"""The grid loader's EPSG:3035 → WGS84 transformer is made on first use, once per process, and
shared with the pocket search (issue #15: each costs about 0,1 s of CPU to make)."""
from __future__ import annotations

from tests.fresh_process import fresh_stdout


def test_the_grid_loader_makes_its_transformer_on_first_use_and_shares_it_with_the_pockets() -> None:
    code = ("from indicators import pockets; import etl.loaders.grid as grid; "
            "before = pockets._transformer.cache_info().currsize; "
            "lon, lat = grid._TO_WGS84.transform(4_321_000.0, 3_210_000.0); "
            "print(before, pockets._transformer.cache_info().currsize, round(lon, 9), round(lat, 9))")
    assert fresh_stdout(code) == "0 1 10.0 52.0"
