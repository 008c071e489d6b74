"""Coordinates → QPV: inside, outside, on an edge, across two communes, Lambert-93 and WGS84,
2015 against 2024; columns recognised by name and by range; a whole table located."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pyproj import Transformer

from indicators.locate import (Columns, coordinate_columns, load_contours, locate_points,
                               locate_rows, output_frame, summary)
from tests.locate.conftest import make_db

TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)


def _rows(df, cols):
    return [tuple(None if (isinstance(v, float) and math.isnan(v)) else v for v in r)
            for r in df[cols].itertuples(index=False)]


def test_points_inside_outside_edge_and_across_communes(db):
    contours = load_contours(db)
    assert contours.geographies == [2024, 2015]
    lon = [2.0075, 2.0040, 2.009995, 2.010005, 2.0180, 2.0230, float("nan"), 2.0350]
    lat = [46.0075, 46.0075, 46.0080, 46.0080, 46.0140, 46.0140, 46.0, 46.0050]
    got = locate_points(lon, lat, contours)
    # Distance west of QN09901A: 0.001° of longitude at 46.0075° N.
    west = math.radians(0.001) * 6_378_137 * math.cos(math.radians(46.0075))
    assert _rows(got, ["qpv_code", "qpv_name", "commune_code", "commune_name", "qpv_status"]) == [
        ("QN09901A", "Les Tilleuls", "99001", "Alpha", "in_qpv"),
        (None, None, "99001", "Alpha", "outside"),
        ("QN09901A", "Les Tilleuls", "99001", "Alpha", "to_check"),
        (None, None, "99001", "Alpha", "to_check"),
        ("QN09902B", "Bords de Lorne", "99001", "Alpha", "in_qpv"),
        ("QN09902B", "Bords de Lorne", "99002", "Beta", "in_qpv"),
        (None, None, None, None, "not_located"),
        (None, None, "99002", "Beta", "outside"),
    ]
    d = got["edge_distance_m"].tolist()
    assert abs(d[1] - west) < 0.3 and 75 < d[1] < 80
    assert d[2] < 1 and d[3] < 1
    assert math.isnan(d[6])
    # Inside: the distance to the nearest edge (south edge of QN09901A, 0.0025° of latitude).
    assert abs(d[0] - 0.0025 * 111_200) < 300


def test_2015_and_2024_are_never_mixed(db):
    contours = load_contours(db)
    lon, lat = [2.0050], [46.0045]          # in the 2015 QPV, south of the 2024 one
    assert _rows(locate_points(lon, lat, contours, 2015), ["qpv_code", "qpv_status"]) == [
        ("QP099001", "in_qpv")]
    assert _rows(locate_points(lon, lat, contours, 2024), ["qpv_code", "qpv_status"]) == [
        (None, "outside")]
    # A geography that is not loaded locates nothing in a QPV.
    assert _rows(locate_points([2.0075], [46.0075], contours, 2015), ["qpv_code", "qpv_status"]) == [
        (None, "outside")]


def test_commune_without_commune_contours_comes_from_the_qpv_or_the_hint(tmp_path):
    con, _ = make_db(tmp_path, with_communes=False)
    got = locate_points([2.0075, 2.0180, 2.0230], [46.0075, 46.0140, 46.0140], load_contours(con),
                        commune_hint=[None, None, "99002"])
    # One commune: the QPV's; a QPV across two: only the hint (the address matched) says.
    assert _rows(got, ["qpv_code", "commune_code", "commune_name"]) == [
        ("QN09901A", "99001", "Alpha"), ("QN09902B", None, None), ("QN09902B", "99002", "Beta")]


def test_coordinate_columns_by_name_and_by_range():
    x, y = TO_L93.transform([2.0075, 2.0040], [46.0075, 46.0075])
    assert coordinate_columns(pd.DataFrame({"nom": ["a", "b"], "Longitude": ["2,0075", "2.004"],
                                            "Latitude": ["46,0075", "46.0075"]})) == ("Longitude", "Latitude", 4326)
    assert coordinate_columns(pd.DataFrame({"X": [f"{v:.1f}" for v in x],
                                            "Y": [f"{v:.1f}" for v in y]})) == ("X", "Y", 2154)
    assert coordinate_columns(pd.DataFrame({"x": [2.0075, 2.004], "y": [46.0075, 46.0075]})) == ("x", "y", 4326)
    # No telling names: the ranges decide (latitude first in the file).
    assert coordinate_columns(pd.DataFrame({"id": [1, 2], "col_a": [46.0075, 46.0075],
                                            "col_b": [2.0075, 2.004]})) == ("col_b", "col_a", 4326)
    assert coordinate_columns(pd.DataFrame({"p": x, "q": y})) == ("p", "q", 2154)
    # Named like coordinates but values of neither system; or no coordinates at all.
    assert coordinate_columns(pd.DataFrame({"x": [5_000_000.0], "y": [1.0]})) is None
    assert coordinate_columns(pd.DataFrame({"adresse": ["1 rue des Tilleuls"], "cp": ["99100"]})) is None


def test_a_table_in_lambert93_and_in_wgs84_gives_the_same_answers(db):
    lon, lat = [2.0075, 2.0040, 2.0230], [46.0075, 46.0075, 46.0140]
    x, y = TO_L93.transform(lon, lat)
    wgs = locate_rows(pd.DataFrame({"ref": ["a", "b", "c"], "lon": lon, "lat": lat}), db)
    l93 = locate_rows(pd.DataFrame({"ref": ["a", "b", "c"], "x_l93": [round(v, 2) for v in x],
                                    "y_l93": [round(v, 2) for v in y]}), db)
    cols = ["ref", "qpv_code", "qpv_name", "commune_code", "qpv_status"]
    expected = [("a", "QN09901A", "Les Tilleuls", "99001", "in_qpv"),
                ("b", None, None, "99001", "outside"),
                ("c", "QN09902B", "Bords de Lorne", "99002", "in_qpv")]
    assert _rows(wgs, cols) == expected
    assert _rows(l93, cols) == expected
    assert np.allclose(l93["located_lon"], lon, atol=1e-6)
    assert np.allclose(l93["located_lat"], lat, atol=1e-6)
    assert wgs["match_status"].tolist() == [None, None, None]


def test_output_file_and_summary(db):
    table = pd.DataFrame({"ref": list("abcde"),
                          "lon": [2.0075, 2.0078, 2.0040, 2.010005, ""],
                          "lat": [46.0075, 46.0075, 46.0075, 46.0080, ""]})
    located = locate_rows(table, db, columns=Columns(coords=("lon", "lat", 4326)))
    out = output_frame(located)
    assert list(out.columns) == ["ref", "lon", "lat", "qpv_code", "qpv_nom", "qpv_commune_code",
                                 "qpv_commune_nom", "qpv_statut", "qpv_distance_bord_m",
                                 "longitude_wgs84", "latitude_wgs84", "qpv_avertissement"]
    assert out["qpv_statut"].tolist() == ["en QPV", "en QPV", "hors QPV", "à vérifier", "non localisé"]
    assert summary(located).values.tolist() == [
        ["Lignes du fichier", 5], ["En QPV", 2], ["  dont Les Tilleuls (QN09901A)", 2],
        ["Hors QPV", 1], ["À vérifier (à moins de 10 m d'un bord)", 1],
        ["Coordonnées absentes ou illisibles", 1]]


def test_a_point_typed_in_the_search_box():
    from indicators.locate import parse_point

    assert parse_point("46.0075, 2.0075") == (2.0075, 46.0075)       # latitude first, as sites give it
    assert parse_point("2,0075 46,0075") == (2.0075, 46.0075)
    lon, lat = parse_point("623002.35 6545458.71")                   # Lambert-93
    assert (round(lon, 6), round(lat, 6)) == (2.005, 46.0045)
    assert parse_point("12 rue des Tilleuls") is None
    assert parse_point("46.0075") is None
