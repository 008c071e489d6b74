"""Map names in PDFs (issue 11): at least 7 pt once printed, fewer names rather than names over
one another, and the highlighted QPV's name on its polygon or right beside it
(reports.images.place_labels with `Label.shape`, print_text_px, qpv_map_spec; the portrait's
situation map and the pocket sheet's map)."""
from __future__ import annotations

import io
from concurrent.futures import Future

import pytest
import shapely
from PIL import Image
from reportlab.platypus import Table

from reports import images, pdf

L = images.Label
# A 200×100 px plot of 100×50 data units: 2 px a unit both ways, the plot's bounds (0, 0, 100, 50).
PLOT = dict(x_range=(0, 100), y_range=(0, 50), width_px=200, height_px=100)
H11 = (1.25 * 11 + 2) / 2          # a one-line label's height at 11 px, in data units
H12 = (1.25 * 12 + 2) / 2
GAP = (3 + 2) / 2                  # the outline's 3 px and 2 px more, in data units


def test_a_highlighted_name_that_fits_in_its_polygon_is_written_on_it() -> None:
    big = shapely.box(20, 10, 80, 40)
    assert images.place_labels([L(50, 25, ("Gare",), 11, shape=big)], **PLOT) == [(50, 25)]


def test_a_highlighted_name_too_big_for_its_polygon_goes_right_above_it() -> None:
    """Above the box (5 px from the polygon: the outline's 3 px and 2 more), centred on it; a
    commune name anchored on the polygon keeps off its box and off the name."""
    small = shapely.box(48, 24, 52, 26)
    spots = images.place_labels([L(50, 25, ("Les Tilleuls",), 11, shape=small),
                                 L(50, 25, ("LORNEVILLE",), 12, True)], **PLOT)
    assert spots == [(50, 26 + GAP + H11 / 2), (50, 25 - H12)]


def test_a_highlighted_name_never_goes_over_a_name_placed_before_it() -> None:
    """Above is taken by a name placed first: the highlighted name goes right below its polygon."""
    small = shapely.box(48, 24, 52, 26)
    spots = images.place_labels([L(50, 33, ("Gare",), 11), L(50, 25, ("Les Tilleuls",), 11, shape=small)],
                                **PLOT)
    assert spots == [(50, 33), (50, 24 - GAP - H11 / 2)]


def test_a_highlighted_name_prefers_a_side_that_hides_no_other_quartier() -> None:
    """Another QPV right above the highlighted one: its name goes below rather than over it;
    with QPVs all around, it takes the first place beside its polygon all the same."""
    small = shapely.box(48, 24, 52, 26)
    above = shapely.box(46, 29, 54, 33)
    label = L(50, 25, ("Les Tilleuls",), 11, shape=small)
    assert images.place_labels([label], **PLOT, shapes=[small, above]) == [(50, 24 - GAP - H11 / 2)]
    assert images.place_labels([label], **PLOT, shapes=[small, shapely.box(0, 0, 100, 50).difference(small)]) == [
        (50, 26 + GAP + H11 / 2)]


def test_a_highlighted_polygon_at_the_top_edge_is_named_below() -> None:
    top = shapely.box(48, 44, 52, 48)
    assert images.place_labels([L(50, 46, ("Les Tilleuls",), 11, shape=top)], **PLOT) == [
        (50, 44 - GAP - H11 / 2)]


def test_a_name_whose_anchor_falls_outside_its_polygon_goes_to_its_representative_point() -> None:
    """A U-shaped quartier: its centroid (50, 22) lies in the notch; the name goes to the
    polygon's representative point (in its left arm), where its box fits inside the polygon."""
    u_shape = shapely.Polygon([(10, 5), (90, 5), (90, 45), (70, 45), (70, 15), (30, 15), (30, 45), (10, 45)])
    assert (round(u_shape.centroid.x, 6), round(u_shape.centroid.y, 6)) == (50, 22)
    assert images.place_labels([L(50, 22, ("Gare",), 11, shape=u_shape)], **PLOT) == [(20, 30)]


def test_a_highlighted_name_boxed_in_everywhere_stays_on_its_polygon() -> None:
    small = shapely.box(48, 24, 52, 26)
    assert images.place_labels([L(50, 25, ("Les Tilleuls",), 11, shape=small)], **PLOT,
                               obstacles=[(0, 0, 100, 50)]) == [(50, 25)]


def test_print_text_px_prints_at_least_7_pt() -> None:
    # The portrait's map (420 px printed 208,6 pt wide), the pocket sheet's (600 px, 336,7 pt),
    # a 900 px map on 316 pt (the sheet's old 4 pt names), and an exact 7 pt.
    assert [images.print_text_px(420, 208.6), images.print_text_px(600, pdf.POCKET_MAP_W),
            images.print_text_px(900, 316.3), images.print_text_px(700, 350)] == [15, 13, 20, 14]


def _square(x: float, y: float, size: float) -> list[tuple[float, float]]:
    return [(x, y), (x + size, y), (x + size, y + size), (x, y + size), (x, y)]


def _map_data() -> images.MapData:
    qpvs = [images.MapArea("Q1", "Les Tilleuls", [_square(2.0, 48.0, 0.004)], (2.002, 48.002)),
            images.MapArea("Q2", "La Gare", [_square(2.05, 48.03, 0.004)], (2.052, 48.032))]
    communes = [images.MapArea("99001", "Démoville", [_square(1.98, 47.98, 0.1)], (2.03, 48.03))]
    return images.MapData(qpvs=qpvs, communes=communes)


def _texts(spec) -> list[tuple[int, list[str], list[float], list[float]]]:
    return [(t["textfont"]["size"], t["text"], t["x"], t["y"]) for t in spec["data"] if t.get("mode") == "text"]


def test_the_situation_map_names_its_quartier_right_above_it_at_print_size() -> None:
    """The portrait's map (420×260 px, names at 15 px): the highlighted QPV, too small for its
    name, is named 5 px above its outline, centred on it; the commune's name (16 px, bold) is
    placed too, over neither."""
    data = _map_data()
    spec = images.qpv_map_spec(data, highlight="Q1", legend=False, label_codes=["Q1"], size_px=(420, 260),
                               text_px=15)
    texts = _texts(spec)
    assert [(size, text) for size, text, _, _ in texts] == [(15, ["Les Tilleuls"]), (16, ["<b>DÉMOVILLE</b>"])]
    xr, yr = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    ratio = spec["layout"]["yaxis"]["scaleratio"]
    px = min(400 / (xr[1] - xr[0]), 240 / ((yr[1] - yr[0]) * ratio))
    py = px * ratio
    h = (1.25 * 15 + 2) / py
    assert (texts[0][2], texts[0][3]) == (pytest.approx([2.002]), pytest.approx([48.004 + 5 / py + h / 2]))
    # The commune's name meets neither the QPV's name nor the highlighted outline (its 3 px line).
    x, y = texts[1][2][0], texts[1][3][0]
    w = (images.label_width_px(L(x, y, ("DÉMOVILLE",), 16, True)) + 4) / px
    hc = (1.25 * 16 + 2) / py
    commune = shapely.box(x - w / 2, y - hc / 2, x + w / 2, y + hc / 2)
    wq = (images.label_width_px(L(0, 0, ("Les Tilleuls",), 15)) + 4) / px
    name = shapely.box(2.002 - wq / 2, texts[0][3][0] - h / 2, 2.002 + wq / 2, texts[0][3][0] + h / 2)
    outline = shapely.box(2.0 - 3 / px, 48.0 - 3 / py, 2.004 + 3 / px, 48.004 + 3 / py)
    assert not commune.intersects(name) and not commune.intersects(outline)


def test_a_big_highlighted_quartier_carries_its_name() -> None:
    """A quartier 0,09° wide (about 310 px of the 420 px map) holds its name on its centre."""
    data = _map_data()
    data.qpvs[0].rings = [[(1.985, 48.0), (2.075, 48.0), (2.075, 48.03), (1.985, 48.03), (1.985, 48.0)]]
    data.qpvs[0].centroid = (2.03, 48.015)
    spec = images.qpv_map_spec(data, highlight="Q1", legend=False, label_codes=["Q1"], size_px=(420, 260),
                               text_px=15)
    assert _texts(spec)[0] == (15, ["Les Tilleuls"], [2.03], [48.015])


def test_a_pockets_communes_are_named_before_the_quartiers() -> None:
    """A commune's name and a QPV's name anchored on the same spot: the first placed keeps the
    spot, the other goes above it; the pocket sheet names its pocket's communes first, so they
    are the names kept (issue 11: Lorneville and Saint-Aubin-sur-Lorne, the pocket's communes,
    were the names left out of its map)."""
    data = _map_data()
    data.qpvs[1].centroid = (2.03, 48.03)             # La Gare's name anchored on Démoville's
    data.qpvs[1].rings = [_square(2.07, 47.99, 0.004)]

    def spots(first):
        spec = images.qpv_map_spec(data, legend=False, size_px=(420, 260), text_px=15, first_communes=first)
        py = _py(spec)                                  # offsets in screen px above the anchor
        return [(text, x, round((y - 48.03) * py, 6)) for _, texts, xs, ys in _texts(spec)
                for text, x, y in zip(texts, xs, ys) if text != "Les Tilleuls"]

    assert spots(()) == [("La Gare", 2.03, 0), ("<b>DÉMOVILLE</b>", 2.03, 1.25 * 16 + 2)]
    # The commune's bold name is taller: one of La Gare's heights above would still touch it, two do not.
    assert spots(["99001"]) == [("La Gare", 2.03, 2 * (1.25 * 15 + 2)), ("<b>DÉMOVILLE</b>", 2.03, 0)]


def _py(spec) -> float:
    """Screen px per y unit of a 420×260 map without legend (10 px margins)."""
    xr, yr = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    ratio = spec["layout"]["yaxis"]["scaleratio"]
    return min(400 / (xr[1] - xr[0]), 240 / ((yr[1] - yr[0]) * ratio)) * ratio


def _png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), "white").save(buf, format="PNG")
    return buf.getvalue()


def test_the_portraits_map_names_print_at_least_7_pt(report_con, monkeypatch) -> None:
    """The situation map of a portrait: every name and the size it prints at, from the figure the
    portrait sends and the width it lays the image out at."""
    sent = []

    def later(fig, **kw):
        future = Future()
        future.set_result(_png(kw["width"], kw["height"]))
        sent.append((fig, kw, future))
        return future

    monkeypatch.setattr(images, "figure_png_later", later)
    parts = pdf.portrait_parts(report_con, "QN09901N")
    [(fig, kw, future)] = [s for s in sent if s[1]["title"].startswith("Situation")]
    laid = [im for f in parts.flowables if isinstance(f, Table) for row in f._cellvalues for cell in row
            if isinstance(cell, list) for im in cell if getattr(im, "_pending", None) is future]
    printed = laid[0]._at_width / kw["width"]          # points per CSS px
    sizes = [(t["text"], round(t["textfont"]["size"] * printed, 1)) for t in _texts_of(fig)]
    assert sizes == [(["Les Tilleuls"], 7.5), (["<b>DÉMOVILLE</b>", "<b>FICTIVE-SUR-LOIRE</b>"], 7.9)]


def _texts_of(fig) -> list[dict]:
    return [t for t in fig["data"] if t.get("mode") == "text"]


def test_the_pocket_sheets_map_prints_its_names_and_legend_at_least_7_pt(monkeypatch) -> None:
    """The pocket sheet's map (issue 11: its names printed at about 4 pt): names and legend at
    13 px on a 600 px map printed 336,7 pt wide (7,3 pt); no name over another nor over the
    highlighted pocket."""
    import datetime as dt

    from etl.db import create_empty
    from indicators.pockets import detect
    from tests.indicators.conftest import Factory
    from tests.indicators.test_pockets import build_pocket_db

    con = create_empty()
    build_pocket_db(Factory(con))
    result = detect(con, "t")
    sent = []

    def figure_png(fig, **kw):
        sent.append((fig, kw))
        return _png(kw["width"] * 2, kw["height"] * 2)

    monkeypatch.setattr(images, "figure_png", figure_png)
    pdf.pocket_sheet_pdf(con, result, "t-P01", generated_on=dt.date(2026, 3, 5))
    [(fig, kw)] = sent
    assert (kw["width"], kw["height"]) == pdf.POCKET_MAP_PX
    printed = pdf.POCKET_MAP_W / kw["width"]
    spec = fig.to_dict()
    assert spec["layout"]["legend"]["font"]["size"] * printed >= 7
    texts = _texts_of(spec)
    assert [(t["text"], round(t["textfont"]["size"] * printed, 1)) for t in texts] == [
        (["Quartier test"], 7.3), (["<b>VILLE A</b>"], 7.9)]
    # Names apart from one another and from the highlighted pocket's outline.
    xr, yr = spec["layout"]["xaxis"]["range"], spec["layout"]["yaxis"]["range"]
    ratio = spec["layout"]["yaxis"]["scaleratio"]
    plot_w = kw["width"] - spec["layout"]["margin"]["l"] - spec["layout"]["margin"]["r"]
    px = min(plot_w / (xr[1] - xr[0]), (kw["height"] - 20) / ((yr[1] - yr[0]) * ratio))
    boxes = []
    for t in texts:
        bold = t["text"][0].startswith("<b>")
        for x, y, text in zip(t["x"], t["y"], t["text"]):
            lines = tuple(text.removeprefix("<b>").removesuffix("</b>").split("<br>"))
            w = images.label_width_px(L(x, y, lines, t["textfont"]["size"], bold)) / px
            h = len(lines) * 1.25 * t["textfont"]["size"] / (px * ratio)
            boxes.append(shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    pocket = shapely.from_wkt(result.pockets.set_index("pocket_id").loc["t-P01", "geometry_wkt"])
    assert boxes and not any(a.intersects(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(b.intersects(pocket.envelope) for b in boxes)
    con.close()
