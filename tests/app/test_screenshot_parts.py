"""The screenshot tool of issue 11 covers a page taller than one shot in parts, none missing a band
under the app's fixed header and none showing a band twice (tests/app/screenshots.py)."""
from __future__ import annotations

from tests.app.screenshots import part_offsets


def covered(height: int, view: int, cover: int) -> list[tuple[int, int]]:
    """The page rows [start, end) each part shows."""
    return [(scroll + top, scroll + bottom) for scroll, top, bottom in part_offsets(height, view, cover)]


def test_a_page_within_one_view_is_one_part() -> None:
    assert part_offsets(5_000, 10_000, 60) == [(0, 0, 5_000)]
    assert part_offsets(10_000, 10_000, 60) == [(0, 0, 10_000)]


def test_the_parts_of_a_tall_page_follow_each_other_below_the_header() -> None:
    # 27 391 px (a demo portrait at 390 px) in views of 10 000 px under a 60 px header: the second
    # part scrolls 60 px less than the first showed, the last stops at the bottom and shows only
    # the rows the second did not.
    assert part_offsets(27_391, 10_000, 60) == [(0, 0, 10_000), (9_940, 60, 10_000),
                                                (17_391, 2_549, 10_000)]
    assert covered(27_391, 10_000, 60) == [(0, 10_000), (10_000, 19_940), (19_940, 27_391)]


def test_every_row_is_shown_once_whatever_the_sizes() -> None:
    for height in (10_001, 16_001, 19_940, 20_000, 33_333, 60_000):
        for view, cover in ((10_000, 0), (10_000, 60), (7_000, 112)):
            parts = covered(height, view, cover)
            assert parts[0][0] == 0 and parts[-1][1] == height
            assert all(a[1] == b[0] for a, b in zip(parts, parts[1:])), (height, view, cover, parts)
            assert all(end > start for start, end in parts)


def test_the_shot_waits_for_a_page_that_grows_after_its_first_measure() -> None:
    # Chartres' home page at 390 px: its chart is drawn after the figures are painted, the page
    # grew once the window had been sized to its first height, and the shot stopped at the last
    # table's header. The window follows the page until two measures agree.
    from tests.app.screenshots import settled_height
    heights, fits = iter([1_640, 2_050, 2_230, 2_230]), []
    assert settled_height(lambda: next(heights), fits.append) == 2_230
    assert fits == [1_640, 2_050, 2_230]
    # A page that keeps growing: at most `tries` fits, the last height measured.
    growing, fits = iter(range(1_000, 10_000, 100)), []
    assert settled_height(lambda: next(growing), fits.append, tries=3) == 1_300
    assert fits == [1_000, 1_100, 1_200]
