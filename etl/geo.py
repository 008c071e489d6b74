"""Geometry helpers shared by the loaders: reading vector files, checking the coordinate system,
repairing polygons, and the rows of `territory_geometries` (full WKB + simplified GeoJSON, WGS84).

No spatial extension in DuckDB: everything is shapely 2 (vectorised), pyproj and pyogrio.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
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
    try:
        info = pyogrio.read_info(c.path)
    except Exception:  # noqa: BLE001 - a broken shapefile is simply not recognised here
        return None
    return [str(f) for f in info.get("fields", [])]


def _declared_crs(gdf: gpd.GeoDataFrame) -> int | None:
    if gdf.crs is not None:
        epsg = gdf.crs.to_epsg()
        if epsg is None and gdf.crs.is_geographic:
            return WGS84
        return epsg
    return None


def read_vector(c: Candidate, ctx: LoadContext, code_columns: tuple[str, ...] = ()) -> VectorFile:
    """Read a GeoJSON or shapefile, check its coordinate system, repair and reproject to WGS84."""
    try:
        gdf = pyogrio.read_dataframe(c.path)
    except Exception as exc:  # noqa: BLE001 - GDAL's message is the explanation
        raise EtlError(c.display_name, f"fichier géographique illisible ({exc})",
                       expected="un GeoJSON FeatureCollection ou un shapefile complet (.shp, .shx, .dbf, .prj)") from exc
    if gdf.empty:
        raise EtlError(c.display_name, "aucun objet géographique", expected="au moins un polygone")
    attrs = pd.DataFrame(gdf.drop(columns="geometry"))
    attrs.insert(0, "feature", np.arange(1, len(gdf) + 1))
    geoms = np.asarray(gdf.geometry.values, dtype=object)
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

    epsg = _declared_crs(gdf)
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
        geoms = np.asarray(gpd.GeoSeries(geoms, crs=epsg).to_crs(WGS84).values, dtype=object)
    return VectorFile(attrs, geoms, epsg)


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
    area = gpd.GeoSeries(geoms, crs=WGS84).to_crs(EQUAL_AREA).area.to_numpy()
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
