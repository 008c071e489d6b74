"""Connected squares of a small grid are labelled without scipy (issue #15: importing scipy cost
the demo's build about 0,5 s of CPU), with exactly the labels scipy gives."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import config
from indicators import pockets


def _grid(seed: int, n: int, side: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` distinct random squares on a `side` × `side` grid, in random order."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(side * side, size=n, replace=False)
    return cells // side, cells % side


@pytest.mark.parametrize("corners", [False, True])
@pytest.mark.parametrize("seed,n,side", [(1, 1, 3), (2, 40, 10), (3, 600, 40), (4, 3_000, 60)])
def test_small_grid_labels_are_scipys(monkeypatch, corners, seed, n, side) -> None:
    ix, iy = _grid(seed, n, side)
    small = pockets.components(ix, iy, corners=corners)
    monkeypatch.setattr(pockets, "SMALL_GRID_SQUARES", 0)       # the scipy path, as for France
    large = pockets.components(ix, iy, corners=corners)
    assert small.dtype == large.dtype
    assert small.tolist() == large.tolist()


def test_labels_follow_the_smallest_square_of_each_component() -> None:
    # Squares 0 and 3 touch by a side, 1 and 2 by a corner only, 4 is alone.
    ix = [5, 0, 1, 5, 9]
    iy = [5, 0, 1, 6, 0]
    assert pockets.components(ix, iy).tolist() == [0, 1, 2, 0, 3]
    assert pockets.components(ix, iy, corners=True).tolist() == [0, 1, 1, 0, 2]


def test_a_small_grid_search_does_not_import_scipy() -> None:
    code = ("import sys; from indicators import pockets; "
            "labels = pockets.components(list(range(100)), [0] * 100); "
            "print(sorted(set(labels.tolist())), 'scipy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=config.ROOT, capture_output=True,
                         text=True, check=True).stdout
    assert out.strip() == "[0] False"
