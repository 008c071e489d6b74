"""Connected squares are labelled without scipy until a process has labelled 50 000 squares
(issue #15: importing scipy cost the demo's build about 0,5 s of CPU), with exactly the labels
scipy gives; beyond, or once scipy is loaded, scipy labels them."""
from __future__ import annotations

import sys

import numpy as np
import pytest

from indicators import pockets
from tests.fresh_process import fresh_stdout


def _grid(seed: int, n: int, side: int) -> tuple[np.ndarray, np.ndarray]:
    """`n` distinct random squares on a `side` × `side` grid, in random order."""
    rng = np.random.default_rng(seed)
    cells = rng.choice(side * side, size=n, replace=False)
    return cells // side, cells % side


@pytest.mark.parametrize("corners", [False, True])
@pytest.mark.parametrize("seed,n,side", [(1, 1, 3), (2, 40, 10), (3, 600, 40), (4, 3_000, 60)])
def test_python_labels_are_scipys(monkeypatch, corners, seed, n, side) -> None:
    ix, iy = _grid(seed, n, side)
    monkeypatch.setattr(pockets, "_python_squares", 0)
    monkeypatch.delitem(sys.modules, "scipy.sparse.csgraph", raising=False)   # as if never loaded
    small = pockets.components(ix, iy, corners=corners)
    assert pockets._python_squares == n                         # labelled in Python
    monkeypatch.setattr(pockets, "PYTHON_SQUARES_BUDGET", 0)       # the scipy path, as for France
    large = pockets.components(ix, iy, corners=corners)
    assert small.dtype == large.dtype
    assert small.tolist() == large.tolist()


def test_labels_follow_the_smallest_square_of_each_component(monkeypatch) -> None:
    monkeypatch.setattr(pockets, "_python_squares", 0)
    # Squares 0 and 3 touch by a side, 1 and 2 by a corner only, 4 is alone.
    ix = [5, 0, 1, 5, 9]
    iy = [5, 0, 1, 6, 0]
    assert pockets.components(ix, iy).tolist() == [0, 1, 2, 0, 3]
    assert pockets.components(ix, iy, corners=True).tolist() == [0, 1, 1, 0, 2]


def test_scipy_is_imported_only_once_the_budget_is_spent() -> None:
    code = ("import sys; from indicators import pockets; pockets.PYTHON_SQUARES_BUDGET = 250; "
            "out = []\n"
            "for _ in range(3):\n"
            "    labels = pockets.components(list(range(100)), [0] * 100)\n"
            "    out.append((sorted(set(labels.tolist())), 'scipy' in sys.modules, pockets._python_squares))\n"
            "print(out)")
    assert fresh_stdout(code) == "[([0], False, 100), ([0], False, 200), ([0], True, 200)]"
