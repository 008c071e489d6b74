"""Issue 11, every PDF page seen as an image (s14): the demo portrait of Le Clos Fleuri drew its
situation map without its commune's name, BEAUREPAIRE-LA-RIVIÈRE: on one line the name found no
place inside the map off the QPVs' outlines. A name with no room on one line is tried again on
two (split at the hyphen or space nearest its middle), and a place past the map's edge is slid
back inside it (reports.images.place_labels). Small data built by code."""
from __future__ import annotations

from reports import images
from reports.images import Label


def _place(labels, **kw):
    lines: list = []
    spots = images.place_labels(labels, x_range=(0, 10), y_range=(0, 10), width_px=100,
                                height_px=100, lines=lines, **kw)
    return spots, lines


def test_two_lines_splits_at_the_hyphen_nearest_the_middle() -> None:
    lab = Label(0, 0, ("BEAUREPAIRE-LA-RIVIÈRE",), 10, True)
    assert images._two_lines(lab).lines == ("BEAUREPAIRE-", "LA-RIVIÈRE")
    assert images._two_lines(Label(0, 0, ("SAINT AUBIN",), 10)).lines == ("SAINT", "AUBIN")
    assert images._two_lines(Label(0, 0, ("LORNEVILLE",), 10)) is None
    assert images._two_lines(Label(0, 0, ("A", "B"), 10)) is None


def test_a_name_too_wide_on_one_line_is_placed_on_two() -> None:
    wide = Label(5, 5, ("BEAUREPAIRE-LA-RIVIÈRE",), 10, True)
    assert images.label_width_px(wide) > 100          # wider than the whole map on one line
    spots, lines = _place([wide])
    assert spots[0] is not None
    assert lines == [("BEAUREPAIRE-", "LA-RIVIÈRE")]


def _nearly_as_wide_as_the_map() -> Label:
    """LORNEVILLE at the size where it takes 91–100 px of the 100 px map: no offset of whole or
    0.6 label widths around an anchor off the centre keeps it inside."""
    for size in range(4, 40):
        lab = Label(9.9, 5, ("LORNEVILLE",), size, True)
        if 91 <= images.label_width_px(lab) + 4 <= 100:
            return lab
    raise AssertionError("no size fits")


def test_a_name_near_the_edge_is_slid_inside_rather_than_dropped() -> None:
    edge = _nearly_as_wide_as_the_map()
    spots, lines = _place([edge])
    (x, y), = spots
    half_w = (images.label_width_px(edge) + 4) / 10 / 2
    assert lines == [("LORNEVILLE",)]
    assert (round(x + half_w, 6), y) == (10.0, 5)      # flush with the edge, at its anchor's height


def test_a_name_that_fits_keeps_its_anchor_and_its_one_line() -> None:
    spots, lines = _place([Label(5, 5, ("LORNEVILLE",), 10, True)])
    assert (spots, lines) == ([(5, 5)], [("LORNEVILLE",)])
