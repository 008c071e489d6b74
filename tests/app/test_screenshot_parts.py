"""The screenshot tool of issue 11 covers a page taller than one shot in parts, none missing a band
under the app's fixed header and none showing a band twice (tests/app/screenshots.py)."""
from __future__ import annotations

from tests.app.screenshots import part_offsets, settled_height


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


def test_the_shot_waits_for_a_page_that_grows_after_its_first_run() -> None:
    # The portrait's figures (3 516 px) come first; its charts arrive in a fragment rerun once the
    # browser has painted them, after the first wait: the window follows the page until it stops
    # growing, and the shot's height is the whole page's, not the figures'.
    # One quiet wait may pass before that rerun starts: the height must hold over two waits.
    heights = iter([3_516, 3_516, 9_870, 12_402, 12_402, 12_402])
    steps = []
    height = settled_height(lambda: next(heights), lambda h: steps.append(("resize", h)),
                            lambda: steps.append("wait"))
    assert height == 12_402
    assert steps == [("resize", 3_516), "wait", ("resize", 3_516), "wait", ("resize", 9_870), "wait",
                     ("resize", 12_402), "wait", ("resize", 12_402), "wait"]


def test_a_page_that_never_stops_growing_is_shot_after_a_bounded_wait() -> None:
    grown = iter(range(1_000, 100_000, 500))
    assert settled_height(lambda: next(grown), lambda h: None, lambda: None, tries=3) == 2_500
