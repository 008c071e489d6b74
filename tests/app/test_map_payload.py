"""The map's payload stays small for every QPV of France (ui/maps.py): contours beyond the vertex
budget are simplified and gridded, stay valid, and the deck's JSON is sent without indentation."""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import shapely

from indicators import compare
from ui import maps


def _ring(rng, lon, lat, k, radius):
    """A closed ring of k vertices around (lon, lat): a wobbly circle (as a contour digitised
    every few metres), counter-clockwise."""
    angles = np.linspace(0, 2 * np.pi, k, endpoint=False)
    r = radius * (1 + 0.25 * np.sin(3 * angles + rng.uniform(0, 6)) + rng.uniform(-0.04, 0.04, k))
    pts = np.column_stack([lon + r * np.cos(angles) / math.cos(math.radians(lat)), lat + r * np.sin(angles)])
    return [*pts.round(6).tolist(), pts[0].round(6).tolist()]


def france_contours(n=1_600, seed=3):
    """n QPV-like GeoJSON geometries of 20–400 vertices over metropolitan France: polygons, one
    in ten with a hole, one in twenty a multipolygon of two parts."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        lon, lat, k = rng.uniform(-4.5, 7.5), rng.uniform(43.0, 50.5), int(rng.integers(20, 401))
        radius = rng.uniform(0.003, 0.012)
        shell = _ring(rng, lon, lat, k, radius)
        if i % 20 == 0:
            other = _ring(rng, lon + 3 * radius, lat, max(20, k // 2), radius / 2)
            out.append({"type": "MultiPolygon", "coordinates": [[shell], [other]]})
        elif i % 10 == 1:
            hole = _ring(rng, lon, lat, 24, radius / 4)[::-1]
            out.append({"type": "Polygon", "coordinates": [shell, hole]})
        else:
            out.append({"type": "Polygon", "coordinates": [shell]})
    return out


def _shapes(geometries):
    return shapely.from_geojson([json.dumps(g) for g in geometries])


def test_contours_under_the_budget_are_sent_as_stored():
    contours = france_contours(50)
    assert maps.fit_vertex_budget(contours + [None]) == contours + [None]


def test_france_sized_contours_fit_the_budget_and_stay_valid():
    contours = france_contours()
    before = _shapes(contours)
    assert shapely.get_num_coordinates(before).sum() > 2 * maps.MAX_MAP_VERTICES   # ~340 000
    fitted = maps.fit_vertex_budget(contours[:800] + [None] + contours[800:])
    assert fitted[800] is None
    after = _shapes(fitted[:800] + fitted[801:])
    assert shapely.get_num_coordinates(after).sum() <= maps.MAX_MAP_VERTICES
    assert shapely.is_valid(after).all()
    assert [g["type"] for g in fitted[:800] + fitted[801:]] == [g["type"] for g in contours]
    assert [len(g["coordinates"]) for g in fitted if g] == [len(g["coordinates"]) for g in contours]
    # Each contour keeps its place and about its area (within 10 %), on the ~1 m grid.
    assert shapely.hausdorff_distance(before, after).max() < 0.002
    ratio = shapely.area(after) / shapely.area(before)
    assert ratio.min() > 0.9 and ratio.max() < 1.1
    coords = shapely.get_coordinates(after)
    assert np.allclose(coords, np.round(coords / maps.MAP_GRID_DEG) * maps.MAP_GRID_DEG, atol=1e-9)


def test_a_contour_smaller_than_the_grid_is_kept():
    tiny = {"type": "Polygon", "coordinates": [[[2.0, 47.0], [2.000003, 47.0], [2.000003, 47.000003],
                                                [2.0, 47.000003], [2.0, 47.0]]]}
    fitted = maps.fit_vertex_budget(france_contours(700) + [tiny], max_vertices=60_000)
    assert fitted[-1] == tiny
    assert shapely.get_num_coordinates(_shapes(fitted)).sum() <= 60_000


def test_geojson_dicts_are_shapelys_geojson_parsed():
    """The geometries built from coordinate arrays equal shapely's GeoJSON text parsed, for
    polygons, polygons with holes, multipolygons and any other kind, in their order."""
    contours = france_contours(60)
    shapes = np.array([*_shapes(contours), shapely.Point(2.5, 47.1),
                       shapely.LineString([(2, 47), (2.1, 47.2)])], dtype=object)
    assert maps.geojson_dicts(shapes) == [json.loads(t) for t in shapely.to_geojson(shapes)]


def test_the_tolerance_is_found_by_bisection_on_the_sample(monkeypatch):
    """The sample's tolerance is the smallest of MAP_TOLERANCES_DEG that fits 95 % of the budget
    (as a scan in order would find it), found in at most three fits of the sample."""
    contours = france_contours(800)
    budget = 60_000
    shapes = _shapes(contours)
    sample, scale = shapes[::4], len(shapes) / len(shapes[::4])
    expected = next(t for t in maps.MAP_TOLERANCES_DEG
                    if maps._fit(sample, t)[1] * scale <= 0.95 * budget)
    calls = []
    real_fit = maps._fit

    def fit(shapes, tolerance):
        calls.append((len(shapes), tolerance))
        return real_fit(shapes, tolerance)

    monkeypatch.setattr(maps, "_fit", fit)
    maps.fit_vertex_budget(contours, max_vertices=budget)
    sample_calls = [t for n, t in calls if n == len(sample)]
    assert len(sample_calls) <= 3
    assert [t for n, t in calls if n == len(shapes)][0] == expected


def _map_data(contours):
    n = len(contours)
    values = np.linspace(5, 60, n)
    cls = compare.classify(values.tolist(), 5, "quantile", False)
    frame = pd.DataFrame({
        "qpv_code": [f"QN{i:05d}X" for i in range(n)], "qpv_name": [f"Quartier {i}" for i in range(n)],
        "commune_label": "Commune", "value": values, "status": "ok",
        "year": pd.array([2021] * n, dtype="Int64"),
        "class_index": pd.array([cls.class_of(v) for v in values], dtype="Int64"),
        "colour_rgb": [[0, 0, 0]] * n, "value_text": [f"{v:.1f} %" for v in values],
        "centroid_lon": 0.0, "centroid_lat": 0.0, "geojson": contours})
    return compare.MapData("poverty_rate_pct", "Taux de pauvreté", "%", 2021, 2024, frame, cls)


def test_the_map_of_every_qpv_of_france_weighs_under_5_mb():
    map_data = maps.for_display(_map_data(france_contours()))
    frame, _ = maps.shared_colours(map_data)
    no_communes = pd.DataFrame(columns=["code", "name", "geojson", "centroid_lon", "centroid_lat"])
    payload = maps.build_deck(frame, no_communes, indicator_label="Taux de pauvreté").to_json()
    assert len(payload.encode()) < 5_000_000
    assert "\n" not in payload and ", " not in payload                 # no indentation, no spaces
    deck = json.loads(payload)
    layer = next(layer for layer in deck["layers"] if layer["id"] == maps.QPV_LAYER)
    assert [f["properties"]["code"] for f in layer["data"]["features"]] == list(frame["qpv_code"])
    assert layer["data"]["features"][7]["geometry"] == map_data.frame["geojson"][7]
    # The view frames every contour (metropolitan France).
    view = deck["initialViewState"]
    assert 43.0 < view["latitude"] < 50.5 and -4.5 < view["longitude"] < 7.5 and view["zoom"] < 7
