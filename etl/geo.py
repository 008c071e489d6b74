"""Geometry helpers shared by the loaders: reading vector files, checking the coordinate system,
repairing polygons, and the rows of `territory_geometries` (full WKB + simplified GeoJSON, WGS84).

No spatial extension in DuckDB: everything is shapely 2 (vectorised), pyproj and pyogrio.
A plain GeoJSON (string and number attributes, an EPSG `crs` or none) is read with json and
shapely alone: pyogrio imports geopandas, which cost the demo's build about 0,2 s of CPU for
three small files; any other vector file goes through pyogrio (imported then).
"""
from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from etl.core import Candidate, EtlError, LoadContext

WGS84 = 4326
LAMBERT93 = 2154
EQUAL_AREA = 6933          # WGS 84 / NSIDC EASE-Grid 2.0 Global: equal-area, metropole and overseas
# Display simplification: ~15 m (in degrees of latitude; longitudes at 45–50° N shrink it to ~10 m).
SIMPLIFY_DEG = 0.000135
# GeoJSON for display keeps 6 decimals (~0.1 m).
DISPLAY_GRID_DEG = 1e-6


@dataclass
class VectorFile:
    """Attributes (one row per feature, 1-based `feature` number) and WGS84 geometries."""

    attributes: pd.DataFrame
    geometry: np.ndarray       # shapely geometries, EPSG:4326
    source_epsg: int | None


def geojson_properties(c: Candidate, max_bytes: int = 8 << 20) -> dict | None:
    """The `properties` of the first feature of a GeoJSON FeatureCollection, read from its head.

    Cheap: reads at most `max_bytes`; returns None for anything that is not a FeatureCollection.
    """
    if c.suffix not in (".geojson", ".json"):
        return None
    head = c.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"{") or b"Feature" not in c.head(1 << 16):
        return None
    size = 1 << 16
    decoder = json.JSONDecoder()
    while True:
        chunk = c.head(size)
        text = chunk.decode("utf-8", errors="ignore")
        start = text.find('"features"')
        i = text.find('"properties"', start) if start >= 0 else -1
        if i >= 0:
            j = text.find("{", i)
            k = text.find(":", i)
            if j >= 0 and k >= 0 and text[k + 1:j].strip() == "":
                try:
                    obj, _ = decoder.raw_decode(text[j:])
                    return obj if isinstance(obj, dict) else None
                except ValueError:
                    pass
            elif k >= 0 and text[k + 1:].lstrip().startswith("null"):
                return {}
        if len(chunk) < size or size >= max_bytes:
            return None
        size *= 4


def shapefile_fields(c: Candidate) -> list[str] | None:
    if c.suffix != ".shp":
        return None
    import pyogrio
    try:
        info = pyogrio.read_info(c.path)
    except Exception:  # noqa: BLE001 - a broken shapefile is simply not recognised here
        return None
    return [str(f) for f in info.get("fields", [])]


def _declared_crs(crs) -> int | None:
    if crs is not None:
        epsg = crs.to_epsg()
        if epsg is None and crs.is_geographic:
            return WGS84
        return epsg
    return None


# GDAL reads a GeoJSON string that looks like a date or a time as a date field: such files go
# through pyogrio, so that both ways give the same attributes.
_DATE_LIKE = re.compile(r"\s*(\d{4}[-/]\d{1,2}[-/]\d{1,2}|\d{1,2}:\d{2})")
_EPSG_NAME = re.compile(r"(?:urn:ogc:def:crs:EPSG:[\d.]*:|EPSG:)(\d+)", re.IGNORECASE)
_INT32 = 2 ** 31
# Larger files (France's commune contours) keep pyogrio: json's objects would take several times
# the file's size in memory.
PLAIN_GEOJSON_MAX_BYTES = 16 << 20


def _plain_geojson(data: bytes) -> tuple[pd.DataFrame, np.ndarray, int] | None:
    """(attributes, geometries, EPSG) of a GeoJSON FeatureCollection exactly as pyogrio/GDAL
    read it, or None when the file has anything where GDAL could differ from json + shapely:
    a `crs` other than an EPSG name, a feature `id`, a missing or null attribute or geometry,
    an attribute mixing types, a list, an object, a boolean or a date-like string, names equal
    but for case. None also for no feature at all or invalid JSON (pyogrio says why)."""
    try:
        doc = json.loads(data)
    except ValueError:
        return None
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        return None
    features = doc.get("features")
    if not isinstance(features, list) or not features:
        return None
    crs = doc.get("crs")
    if crs is None:
        epsg = WGS84        # RFC 7946: GDAL reads a GeoJSON without `crs` as WGS84
    else:
        name = crs.get("properties", {}).get("name") if isinstance(crs, dict) and crs.get("type") == "name" \
            and isinstance(crs.get("properties"), dict) else None
        m = _EPSG_NAME.fullmatch(name.strip()) if isinstance(name, str) else None
        if m is None:
            return None
        epsg = int(m[1])
    columns: dict[str, list] = {}
    geometries: list[str] = []
    for f in features:
        if not isinstance(f, dict) or f.get("type") != "Feature" or "id" in f:
            return None
        props, geometry = f.get("properties"), f.get("geometry")
        if not isinstance(props, dict) or not isinstance(geometry, dict):
            return None
        if columns and props.keys() != columns.keys():
            return None
        for key, value in props.items():
            columns.setdefault(key, []).append(value)
        geometries.append(json.dumps(geometry))
    if len({k.lower() for k in columns}) != len(columns):
        return None
    frame: dict[str, np.ndarray | list] = {}
    for key, values in columns.items():
        kinds = {type(v) for v in values}
        if kinds == {str}:
            if any(_DATE_LIKE.match(v) for v in values):
                return None
            frame[key] = values
        elif kinds == {int}:
            if any(abs(v) >= 2 ** 63 for v in values):
                return None
            small = all(-_INT32 <= v < _INT32 for v in values)
            frame[key] = np.array(values, dtype=np.int32 if small else np.int64)
        elif kinds <= {int, float}:
            frame[key] = np.array(values, dtype=np.float64)
            if not np.isfinite(frame[key]).all():      # NaN, Infinity: not JSON for GDAL
                return None
        else:
            return None
    try:
        geoms = shapely.from_geojson(geometries)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        return None
    return pd.DataFrame(frame, index=pd.RangeIndex(len(features))), np.asarray(geoms, dtype=object), epsg


def _read_with_pyogrio(c: Candidate) -> tuple[pd.DataFrame, np.ndarray, int | None]:
    import pyogrio   # imports geopandas: only for shapefiles and unusual GeoJSON
    try:
        gdf = pyogrio.read_dataframe(c.path)
    except Exception as exc:  # noqa: BLE001 - GDAL's message is the explanation
        raise EtlError(c.display_name, f"fichier géographique illisible ({exc})",
                       expected="un GeoJSON FeatureCollection ou un shapefile complet (.shp, .shx, .dbf, .prj)") from exc
    if gdf.empty:
        raise EtlError(c.display_name, "aucun objet géographique", expected="au moins un polygone")
    return (pd.DataFrame(gdf.drop(columns="geometry")), np.asarray(gdf.geometry.values, dtype=object),
            _declared_crs(gdf.crs))


def read_vector(c: Candidate, ctx: LoadContext, code_columns: tuple[str, ...] = ()) -> VectorFile:
    """Read a GeoJSON or shapefile, check its coordinate system, repair and reproject to WGS84."""
    plain = (_plain_geojson(c.read_bytes()) if c.suffix in (".geojson", ".json")
             and c.path.stat().st_size <= PLAIN_GEOJSON_MAX_BYTES else None)
    attrs, geoms, epsg = plain if plain is not None else _read_with_pyogrio(c)
    attrs.insert(0, "feature", np.arange(1, len(geoms) + 1))
    lower = {str(col).lower(): col for col in attrs.columns}
    code_column = next((lower[n.lower()] for n in code_columns if n.lower() in lower), None)

    def name(i: int) -> str:
        if code_column and code_column in attrs:
            return f"objet n° {i + 1} ({attrs[code_column].iloc[i]})"
        return f"objet n° {i + 1}"

    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise EtlError(c.display_name, f"{name(i)} : géométrie absente ou vide", line=i + 1,
                       column="geometry", expected="un polygone ou multipolygone")
    kinds = shapely.get_type_id(geoms)
    not_poly = ~np.isin(kinds, [3, 6])   # Polygon, MultiPolygon
    if not_poly.any():
        i = int(np.flatnonzero(not_poly)[0])
        raise EtlError(c.display_name, f"{name(i)} : géométrie de type {geoms[i].geom_type}",
                       line=i + 1, column="geometry", expected="un polygone ou multipolygone")

    bounds = shapely.bounds(geoms)              # xmin, ymin, xmax, ymax per feature
    metres = (np.abs(bounds[:, [0, 2]]) > 180).any(axis=1) | (np.abs(bounds[:, [1, 3]]) > 90).any(axis=1)
    if epsg is None:
        if metres.all() and _looks_lambert93(bounds):
            epsg = LAMBERT93
            ctx.warn(c.display_name, "système de coordonnées non déclaré (.prj absent) : "
                     "Lambert-93 (EPSG:2154) supposé d'après les coordonnées")
        elif not metres.any():
            epsg = WGS84
            ctx.warn(c.display_name, "système de coordonnées non déclaré : WGS84 (EPSG:4326) supposé")
        else:
            i = int(np.flatnonzero(metres)[0])
            raise EtlError(c.display_name, f"{name(i)} : système de coordonnées non déclaré et "
                           "non reconnaissable", line=i + 1, column="geometry",
                           expected="un fichier .prj ou un membre « crs » (EPSG:4326 ou EPSG:2154)")
    crs = CRS.from_epsg(epsg)
    if crs.is_geographic and metres.any():
        i = int(np.flatnonzero(metres)[0])
        raise EtlError(c.display_name,
                       f"{name(i)} : coordonnées en mètres (x={bounds[i, 0]:.0f}, y={bounds[i, 1]:.0f}) "
                       f"alors que le fichier déclare des degrés (EPSG:{epsg})", line=i + 1,
                       column="geometry",
                       expected="des longitudes/latitudes WGS84, ou un « crs » Lambert-93 (EPSG:2154) déclaré")
    if not crs.is_geographic and not metres.any():
        i = 0
        raise EtlError(c.display_name,
                       f"{name(i)} : coordonnées en degrés alors que le fichier déclare EPSG:{epsg}",
                       line=1, column="geometry", expected=f"des coordonnées en mètres (EPSG:{epsg})")

    geoms = repair(geoms, c, ctx, name)
    if epsg != WGS84:
        geoms = to_crs(geoms, epsg, WGS84)
    return VectorFile(attrs, geoms, epsg)


@functools.cache
def _transformer(source: int, target: int):
    from pyproj import Transformer
    return Transformer.from_crs(source, target, always_xy=True)


def to_crs(geoms: np.ndarray, source: int, target: int) -> np.ndarray:
    """The geometries reprojected from EPSG `source` to `target`: what geopandas'
    `GeoSeries(geoms, crs=source).to_crs(target)` gives (the same transformer, the same
    coordinates, Z kept), without importing geopandas."""
    geoms = np.asarray(geoms, dtype=object)
    func = _transformer(source, target).transform
    has_z = shapely.has_z(geoms)
    result = np.empty_like(geoms)
    coords = shapely.get_coordinates(geoms[~has_z], include_z=False)
    result[~has_z] = shapely.set_coordinates(geoms[~has_z].copy(), np.array(func(coords[:, 0], coords[:, 1])).T)
    coords_z = shapely.get_coordinates(geoms[has_z], include_z=True)
    result[has_z] = shapely.set_coordinates(
        geoms[has_z].copy(), np.array(func(coords_z[:, 0], coords_z[:, 1], coords_z[:, 2])).T)
    return result


def _looks_lambert93(bounds: np.ndarray) -> bool:
    return bool((bounds[:, 0] > -400_000).all() and (bounds[:, 2] < 1_400_000).all()
                and (bounds[:, 1] > 5_900_000).all() and (bounds[:, 3] < 7_300_000).all())


def repair(geoms: np.ndarray, c: Candidate, ctx: LoadContext, name) -> np.ndarray:
    """Invalid polygons are repaired with make_valid (a warning names each), else EtlError."""
    valid = shapely.is_valid(geoms)
    if valid.all():
        return geoms
    geoms = geoms.copy()
    for i in np.flatnonzero(~valid):
        reason = shapely.is_valid_reason(geoms[i])
        fixed = _polygonal(shapely.make_valid(geoms[i]))
        if fixed is None or fixed.is_empty or not fixed.is_valid or fixed.area == 0:
            raise EtlError(c.display_name, f"{name(i)} : polygone invalide impossible à réparer "
                           f"({reason})", line=int(i) + 1, column="geometry",
                           expected="un polygone valide (sans auto-intersection)")
        ctx.warn(c.display_name, f"{name(i)} : polygone invalide réparé ({reason})",
                 line=int(i) + 1, column="geometry")
        geoms[i] = fixed
    return geoms


def _polygonal(geom):
    """Keep the polygonal part of a make_valid result (which may add lines or points)."""
    if geom is None:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return None
    return shapely.union_all(parts)


def geometry_rows(codes, level: str, vintage, geoms: np.ndarray, source_id: str) -> pd.DataFrame:
    """Rows of territory_geometries for WGS84 geometries (vectorised)."""
    geoms = np.asarray(geoms, dtype=object)
    simplified = shapely.simplify(geoms, SIMPLIFY_DEG, preserve_topology=True)
    simplified = shapely.set_precision(simplified, DISPLAY_GRID_DEG)
    bad = shapely.is_empty(simplified)
    if bad.any():          # a tiny polygon vanishing on the grid keeps its full geometry
        simplified[bad] = geoms[bad]
    centroids = shapely.centroid(geoms)
    area = shapely.area(to_crs(geoms, WGS84, EQUAL_AREA))
    return pd.DataFrame({
        "territory_code": list(codes),
        "territory_level": level,
        "geometry_vintage": vintage if not isinstance(vintage, (list, np.ndarray, pd.Series)) else list(vintage),
        "geom_wkb": shapely.to_wkb(geoms),
        "geom_simplified_geojson": shapely.to_geojson(simplified),
        "centroid_lon": shapely.get_x(centroids),
        "centroid_lat": shapely.get_y(centroids),
        "area_m2": area,
        "source_id": source_id,
    })
