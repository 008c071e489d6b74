"""Commune names on the map read whole on a phone (390 px) and on a computer (1440 px): the view
frames the QPVs on the narrowest map, a name that would cross the edge moves inside its commune,
and a commune out of sight on a phone is left unnamed (issue 11)."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import shapely

from ui import maps

# The map's width in pages/carte.py: 358 px on a 390 px phone (page padding off), 680 px beside
# the legend at 1440 px; its height is 560 px.
WIDTHS_PX = (358, 680)
HEIGHT_PX = 560


def _box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _communes(boxes: dict[str, tuple]) -> pd.DataFrame:
    return pd.DataFrame({
        "code": [f"9900{i}" for i in range(len(boxes))], "name": list(boxes),
        "geojson": [json.dumps(_box(*b)) for b in boxes.values()],
        "centroid_lon": [(b[0] + b[2]) / 2 for b in boxes.values()],
        "centroid_lat": [(b[1] + b[3]) / 2 for b in boxes.values()]})


def _qpvs(boxes: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame({
        "qpv_code": [f"QN0990{i}N" for i in range(len(boxes))],
        "qpv_name": [f"Quartier {i}" for i in range(len(boxes))], "status": "ok", "year": 2021,
        "value_text": "40 %", "colour_rgb": [[68, 1, 84]] * len(boxes),
        "geojson": [_box(*b) for b in boxes]})


COMMUNES = {
    "Centre-Ville": (1.98, 46.98, 2.02, 47.02),
    "Ouest-sur-Longue-Rivière": (1.90, 46.98, 1.98, 47.02),   # its centre too near the edge
    "Est": (2.02, 46.98, 2.10, 47.02),
    "Lointaine": (2.30, 46.98, 2.40, 47.02),                   # out of sight on a phone
}


def _deck(communes=COMMUNES, qpvs=((1.99, 46.99, 2.01, 47.01),)) -> dict:
    deck = maps.build_deck(_qpvs(list(qpvs)), _communes(communes), indicator_label="Taux")
    return json.loads(deck.to_json())


def _label_boxes(deck: dict) -> dict[str, tuple[float, float, float, float]]:
    """Each label's box in pixels, relative to the map's centre (x right, y down)."""
    view = deck["initialViewState"]
    cx, cy = maps._to_px(view["longitude"], view["latitude"], view["zoom"])
    labels = next((layer["data"] for layer in deck["layers"] if layer["id"] == "commune_names"), [])
    out = {}
    for label in labels:
        x, y = maps._to_px(label["lon"], label["lat"], view["zoom"])
        w, h = maps.label_size_px(label["name"])
        out[label["name"]] = (float(x - cx) - w / 2, float(y - cy) - h / 2,
                              float(x - cx) + w / 2, float(y - cy) + h / 2)
    return out


@pytest.mark.parametrize("width_px", WIDTHS_PX)
def test_every_name_reads_whole_inside_the_map(width_px) -> None:
    boxes = _label_boxes(_deck())
    assert sorted(boxes) == ["Centre-Ville", "Est", "Ouest-sur-Longue-Rivière"]
    for name, (x0, y0, x1, y1) in boxes.items():
        assert -width_px / 2 <= x0 and x1 <= width_px / 2, (name, width_px, x0, x1)
        assert -HEIGHT_PX / 2 <= y0 and y1 <= HEIGHT_PX / 2, (name, y0, y1)


def test_a_name_near_the_edge_moves_inside_its_commune_and_one_out_of_sight_is_left_out() -> None:
    deck = _deck()
    labels = {d["name"]: (d["lon"], d["lat"])
              for d in next(la for la in deck["layers"] if la["id"] == "commune_names")["data"]}
    # Centre-Ville and Est fit at their centroid; the long western name is moved east, still
    # inside its commune and on its middle line; Lointaine is not drawn.
    assert labels["Centre-Ville"] == (2.0, 47.0)
    assert labels["Est"] == (2.06, 47.0)
    lon, lat = labels["Ouest-sur-Longue-Rivière"]
    assert 1.94 < lon < 1.98 and lat == pytest.approx(47.0, abs=1e-4)
    assert shapely.box(*COMMUNES["Ouest-sur-Longue-Rivière"]).contains(shapely.Point(lon, lat))
    assert "Lointaine" not in labels


def test_the_view_keeps_every_qpv_inside_a_phone_map() -> None:
    # Two QPVs far apart: both inside the 358 px map, whatever the communes around.
    qpvs = ((1.905, 46.99, 1.92, 47.0), (2.08, 47.0, 2.095, 47.01))
    deck = _deck(qpvs=qpvs)
    view = deck["initialViewState"]
    cx, cy = maps._to_px(view["longitude"], view["latitude"], view["zoom"])
    for x0, y0, x1, y1 in qpvs:
        xs, ys = maps._to_px([x0, x1], [y0, y1], view["zoom"])
        assert all(abs(float(x - cx)) <= WIDTHS_PX[0] / 2 for x in xs)
        assert all(abs(float(y - cy)) <= HEIGHT_PX / 2 for y in ys)


def test_a_name_wider_than_a_phone_map_is_left_out() -> None:
    long_name = "Commune-au-nom-beaucoup-trop-long-pour-un-téléphone-sur-Lorne"
    assert maps.label_size_px(long_name)[0] > WIDTHS_PX[0]
    deck = _deck(communes={long_name: COMMUNES["Centre-Ville"]})
    assert [layer["id"] for layer in deck["layers"]] == ["communes", "qpv"]


def test_a_moved_name_lies_whole_inside_its_commune_when_it_can() -> None:
    # Saint-Aubin-sur-Lorne: an upper part starting right of the centre (where the nearest
    # visible point would put the name across the border, over Centre-Ville) and a lower band
    # reaching left, where the whole name fits.
    upper, lower = shapely.box(2.015, 46.975, 2.30, 47.02), shapely.box(1.95, 46.94, 2.30, 46.975)
    aubin = upper.union(lower)
    communes = pd.DataFrame({
        "code": ["99001", "99002"], "name": ["Centre-Ville", "Saint-Aubin-sur-Lorne"],
        "geojson": [json.dumps(_box(1.95, 46.975, 2.015, 47.02)),
                    shapely.to_geojson(aubin)],
        "centroid_lon": [1.9825, aubin.centroid.x], "centroid_lat": [46.9975, aubin.centroid.y]})
    deck = json.loads(maps.build_deck(_qpvs([(1.99, 46.99, 2.01, 47.01)]), communes,
                                      indicator_label="Taux").to_json())
    view = deck["initialViewState"]
    [labels] = [layer["data"] for layer in deck["layers"] if layer["id"] == "commune_names"]
    [label] = [la for la in labels if la["name"] == "Saint-Aubin-sur-Lorne"]
    x, y = maps._to_px(label["lon"], label["lat"], view["zoom"])
    w, h = maps.label_size_px(label["name"])
    to_px = lambda xy: np.column_stack(maps._to_px(xy[:, 0], xy[:, 1], view["zoom"]))  # noqa: E731
    # (Half a pixel for the float rounding of a name set on its commune's edge.)
    assert shapely.transform(aubin, to_px).buffer(0.5).contains(
        shapely.box(float(x) - w / 2, float(y) - h / 2, float(x) + w / 2, float(y) + h / 2))
    assert label["lat"] < 46.975                      # in the lower band
    assert _label_boxes(deck)["Saint-Aubin-sur-Lorne"][2] <= WIDTHS_PX[0] / 2
