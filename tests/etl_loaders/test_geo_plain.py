"""A plain GeoJSON is read with json + shapely, exactly as pyogrio/GDAL reads it, and reprojected
without geopandas (issue #15: geopandas and pyogrio cost the demo's build about 0,2 s of CPU);
any file where GDAL could read otherwise still goes through pyogrio."""
from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from shapely.geometry import mapping

from etl import geo
from etl.core import Candidate
from tests.fresh_process import fresh_stdout

L93_CRS = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}}


def _square(x: float, y: float, side: float) -> shapely.Polygon:
    return shapely.box(x, y, x + side, y + side)


def _collection(features: list[tuple[dict, object]], crs: dict | None = None, **extra) -> dict:
    doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": g if isinstance(g, dict) or g is None else mapping(g),
         **extra} for p, g in features]}
    if crs is not None:
        doc["crs"] = crs
    return doc


def _write(tmp_path: Path, name: str, doc: dict) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


WGS_FEATURES = [
    ({"code": "99001", "nom": "Lorneville", "population": 12_345, "surface_km2": 12.5},
     _square(2.5, 46.8, 0.01)),
    ({"code": "99002", "nom": "Saint-Aubépin", "population": 3_000_000_000, "surface_km2": 3},
     shapely.MultiPolygon([_square(2.6, 46.8, 0.01), _square(2.62, 46.8, 0.005)])),
]
L93_FEATURES = [
    ({"code_qp": "QN09901M", "lib_qp": "Vieux Moulin", "insee_com": "99001, 99002"},
     shapely.Polygon([(650_000.25, 6_860_000.5, 10.0), (650_400.125, 6_860_000.5, 11.0),
                      (650_400.125, 6_860_300.75, 12.0), (650_000.25, 6_860_000.5, 10.0)])),
    ({"code_qp": "QN09902M", "lib_qp": "Les Hauts", "insee_com": "99001"},
     _square(651_000.0, 6_861_000.0, 300.0)),
]


def _pyogrio(path: Path) -> tuple[pd.DataFrame, list[bytes], int | None]:
    gdf = pyogrio.read_dataframe(path)
    return (pd.DataFrame(gdf.drop(columns="geometry")), list(shapely.to_wkb(gdf.geometry.values)),
            geo._declared_crs(gdf.crs))


@pytest.mark.parametrize("features,crs", [(WGS_FEATURES, None), (L93_FEATURES, L93_CRS),
                                          (WGS_FEATURES, {"type": "name", "properties": {"name": "EPSG:4326"}})])
def test_a_plain_geojson_reads_as_pyogrio_reads_it(tmp_path, features, crs) -> None:
    path = _write(tmp_path, "f.geojson", _collection(features, crs))
    attrs, geoms, epsg = geo._plain_geojson(path.read_bytes())
    want_attrs, want_wkb, want_epsg = _pyogrio(path)
    pd.testing.assert_frame_equal(attrs, want_attrs)
    assert list(shapely.to_wkb(geoms)) == want_wkb
    assert epsg == want_epsg


@pytest.mark.parametrize("change", [
    "feature id", "null attribute", "missing attribute", "date attribute", "time attribute",
    "boolean attribute", "list attribute", "mixed types", "names equal but for case",
    "CRS84", "null geometry", "not a collection", "no feature", "not JSON"])
def test_what_gdal_could_read_otherwise_goes_through_pyogrio(tmp_path, change) -> None:
    props = [dict(p) for p, _ in WGS_FEATURES]
    geoms = [g for _, g in WGS_FEATURES]
    extra, crs = {}, None
    if change == "feature id":
        extra = {"id": "a"}
    elif change == "null attribute":
        props[1]["nom"] = None
    elif change == "missing attribute":
        del props[1]["nom"]
    elif change == "date attribute":
        props[0]["maj"] = "2024-01-15"
        props[1]["maj"] = "inconnue"
    elif change == "time attribute":
        props[0]["maj"] = "12:30"
        props[1]["maj"] = "x"
    elif change == "boolean attribute":
        props[0]["ok"], props[1]["ok"] = True, False
    elif change == "list attribute":
        props[0]["codes"], props[1]["codes"] = ["99001"], ["99002"]
    elif change == "mixed types":
        props[1]["population"] = "3 000"
    elif change == "names equal but for case":
        props[0]["CODE"], props[1]["CODE"] = "a", "b"
    elif change == "CRS84":
        crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    elif change == "null geometry":
        geoms[1] = None
    doc = _collection(list(zip(props, geoms)), crs, **extra)
    if change == "not a collection":
        doc = doc["features"][0]
    elif change == "no feature":
        doc["features"] = []
    data = b"<html>erreur</html>" if change == "not JSON" else json.dumps(doc).encode()
    assert geo._plain_geojson(data) is None


def test_a_date_like_geojson_still_loads_through_pyogrio(tmp_path, ctx) -> None:
    props = [dict(p, maj="2024-01-15") for p, _ in WGS_FEATURES]
    path = _write(tmp_path, "communes.geojson", _collection(list(zip(props, [g for _, g in WGS_FEATURES]))))
    vf = geo.read_vector(Candidate(path, path.name), ctx, code_columns=("code",))
    want_attrs, want_wkb, _ = _pyogrio(path)
    want_attrs.insert(0, "feature", np.arange(1, 3))
    pd.testing.assert_frame_equal(vf.attributes, want_attrs)
    assert list(shapely.to_wkb(vf.geometry)) == want_wkb
    assert vf.source_epsg == 4326


@pytest.mark.parametrize("source,target", [(2154, 4326), (4326, 6933), (4326, 2154)])
def test_to_crs_is_geopandas_to_crs(source, target) -> None:
    if source == 2154:
        geoms = [g for _, g in L93_FEATURES] + [shapely.Point(650_000.0, 6_860_000.0, 5.0)]
    else:
        geoms = [g for _, g in WGS_FEATURES] + [shapely.LineString([(2.5, 46.8, 1.0), (2.6, 46.9, 2.0)])]
    geoms = np.asarray(geoms, dtype=object)
    want = gpd.GeoSeries(geoms, crs=source).to_crs(target).values
    got = geo.to_crs(geoms, source, target)
    assert list(shapely.to_wkb(got, include_srid=False)) == list(shapely.to_wkb(np.asarray(want), include_srid=False))
    assert list(shapely.to_wkb(geoms)) == list(shapely.to_wkb(np.asarray(
        [g for _, g in (L93_FEATURES if source == 2154 else WGS_FEATURES)]
        + [geoms[-1]], dtype=object)))      # the input is left as it was


def test_reading_a_plain_geojson_imports_neither_geopandas_nor_pyogrio(tmp_path) -> None:
    path = _write(tmp_path, "qp.geojson", _collection(L93_FEATURES, L93_CRS))
    code = ("import sys; import etl.db; from etl import geo; from etl.core import Candidate, LoadContext; "
            f"c = Candidate(__import__('pathlib').Path({str(path)!r}), 'qp.geojson'); "
            "vf = geo.read_vector(c, LoadContext(etl.db.create_empty(), 't'), ('code_qp',)); "
            "rows = geo.geometry_rows(['QN09901M', 'QN09902M'], 'qpv', 2024, vf.geometry, 's'); "
            "print(vf.source_epsg, len(rows), sorted(m for m in ('geopandas', 'pyogrio') if m in sys.modules))")
    assert fresh_stdout(code) == "2154 2 []"

