"""indicators/pockets.py imports scipy and pyproj only when a grid is searched: the build of a
database without a grid, and every page of the app, import the module without paying for them."""
from __future__ import annotations

import subprocess
import sys

import config


def test_importing_pockets_imports_neither_scipy_nor_pyproj() -> None:
    code = ("import sys, indicators.pockets; "
            "print(sorted(m for m in ('scipy', 'scipy.sparse', 'pyproj') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=config.ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_transformers_are_made_once_and_project_both_ways() -> None:
    import shapely

    from indicators.pockets import _to_3035, _to_wgs84, _transformer
    assert _transformer(3035, 4326) is _transformer(3035, 4326)
    # The LAEA grid's false origin (4 321 000, 3 210 000) is 10° E, 52° N.
    lon, lat = _to_wgs84(shapely.Point(4_321_000, 3_210_000)).coords[0]
    assert (round(lon, 9), round(lat, 9)) == (10.0, 52.0)
    square = shapely.box(3_800_000, 2_800_000, 3_800_200, 2_800_200)
    assert shapely.equals_exact(_to_3035(_to_wgs84(square)), square, tolerance=1e-3)
