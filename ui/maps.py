"""The QPV map (pydeck): QPVs coloured by class, commune outlines and names from the database.

The map reads without any basemap: commune contours and names are drawn from the database
(`map_style=None`, no tile layer by default), because tile servers (Carto, OSM) are unreachable
offline. A tile layer is only an optional background. Every value placed in the tooltip is
escaped (html.escape) here, since the tooltip is HTML.
"""
from __future__ import annotations

import html
import json
import math
import urllib.parse

import numpy as np
import pandas as pd
import pydeck as pdk
import shapely
import shapely.affinity
import shapely.ops
from pydeck.bindings.json_tools import default_serialize

from indicators.text import html_text
from reports import palette

DEFAULT_CHARACTERS = "".join(chr(c) for c in range(32, 127))
QPV_LAYER = "qpv"
POCKET_LAYER = "poches"
COMMUNE_LAYER = "communes"
TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
# An inline, empty MapLibre style: without it Streamlit fetches Carto's positron style from the
# network (a failed request offline). Its only layer is a plain background.
# Streamlit wants a style URL (a string): a data: URL holds the style itself.
BLANK_STYLE = "data:application/json," + urllib.parse.quote(json.dumps(
    {"version": 8, "sources": {}, "layers": [
        {"id": "background", "type": "background", "paint": {"background-color": "#ffffff"}}]}))


# What the map sends to the browser: at most this many coordinate pairs for the QPV contours
# (about 20 bytes each in JSON, so about 3 MB for the 1 600 QPVs of France), on a grid of about
# 1 m. Below the budget the contours are sent as stored (simplified to ~15 m by the ETL).
MAX_MAP_VERTICES = 150_000
MAP_GRID_DEG = 1e-5
# Tolerances tried in turn (degrees; 1e-4 ≈ 10 m) until the contours fit the budget.
MAP_TOLERANCES_DEG = (0.0, 5e-5, 1e-4, 2e-4, 4e-4, 8e-4, 1.6e-3, 3.2e-3)


class Deck(pdk.Deck):
    """pydeck's Deck, serialised without indentation: pydeck writes `indent=2`, one number of
    each GeoJSON coordinate per line, which makes the map's JSON about four times larger.
    st.pydeck_chart sends `to_json()`."""

    def to_json(self) -> str:
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"))


def _count(coords) -> int:
    """Coordinate pairs in a GeoJSON `coordinates` member (without building any geometry)."""
    if not coords:
        return 0
    if isinstance(coords[0], (int, float)):
        return 1
    if isinstance(coords[0][0], (int, float)):
        return len(coords)
    return sum(_count(c) for c in coords)


def _shape(geometry: dict):
    """A shapely geometry from a GeoJSON geometry dict (polygons built directly: fast)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon" and coords:
        return shapely.polygons(coords[0], holes=coords[1:] or None)
    if kind == "MultiPolygon" and coords:
        return shapely.multipolygons([shapely.polygons(p[0], holes=p[1:] or None) for p in coords if p])
    return shapely.from_geojson(json.dumps(geometry))


def _fit(shapes: np.ndarray, tolerance: float) -> tuple[np.ndarray, int]:
    """Shapes simplified (Douglas-Peucker) with `tolerance` and put on the MAP_GRID_DEG grid,
    and their number of coordinate pairs."""
    simplified = shapely.simplify(shapes, tolerance, preserve_topology=False) if tolerance else shapes
    gridded = shapely.set_precision(simplified, MAP_GRID_DEG, mode="pointwise")
    return gridded, int(shapely.get_num_coordinates(gridded).sum())


def fit_vertex_budget(geometries: list, max_vertices: int = MAX_MAP_VERTICES) -> list:
    """GeoJSON geometries (dicts, or None) for the map, with at most `max_vertices` coordinate
    pairs in all when that can be reached: returned unchanged under the budget; otherwise put on
    a MAP_GRID_DEG grid and simplified (Douglas-Peucker) with the smallest tolerance of
    MAP_TOLERANCES_DEG that fits (the largest when none does). Every contour stays a valid, non-empty (multi)polygon: one
    the simplification or the grid makes invalid is repaired (`make_valid`, its polygons kept),
    one it empties keeps its stored coordinates."""
    present = [i for i, g in enumerate(geometries) if g is not None]
    if sum(_count(geometries[i].get("coordinates")) for i in present) <= max_vertices:
        return list(geometries)
    shapes = np.array([_shape(geometries[i]) for i in present], dtype=object)
    # The tolerance is chosen on a sample (every k-th contour), by bisection (fewer vertices as
    # the tolerance grows), then applied to all (and the next one tried if the whole still
    # exceeds the budget).
    step = max(1, len(shapes) // 200)
    sample, scale = shapes[::step], len(shapes) / len(shapes[::step])
    low, start = 0, len(MAP_TOLERANCES_DEG) - 1
    while low < start:
        middle = (low + start) // 2
        if _fit(sample, MAP_TOLERANCES_DEG[middle])[1] * scale <= 0.95 * max_vertices:
            start = middle
        else:
            low = middle + 1
    for tolerance in MAP_TOLERANCES_DEG[start:]:
        gridded, n_vertices = _fit(shapes, tolerance)
        if n_vertices <= max_vertices:
            break
    invalid = ~shapely.is_valid(gridded)
    if invalid.any():
        repaired = shapely.make_valid(gridded[invalid])
        # make_valid may return a collection (polygons with stray lines): keep the polygons.
        gridded[invalid] = [shapely.union_all(shapely.get_parts(g)[np.isin(shapely.get_type_id(
            shapely.get_parts(g)), (3, 6))]) for g in repaired]
    lost = shapely.is_empty(gridded) | ~np.isin(shapely.get_type_id(gridded), (3, 6))
    gridded[lost] = shapes[lost]
    out = list(geometries)
    for i, geometry in zip(present, geojson_dicts(gridded)):
        out[i] = geometry
    return out


def geojson_dicts(shapes: np.ndarray) -> list[dict]:
    """GeoJSON geometry dicts of polygons and multipolygons, equal to
    `json.loads(shapely.to_geojson(shape))` and built from their coordinate arrays (about twice
    as fast as writing and parsing the text: it counts in a France-sized map)."""
    out = [None] * len(shapes)
    types = shapely.get_type_id(shapes)
    for type_id, name in ((3, "Polygon"), (6, "MultiPolygon")):
        idx = np.flatnonzero(types == type_id)
        if not len(idx):
            continue
        _, coords, offsets = shapely.to_ragged_array(shapes[idx])
        points = coords.tolist()
        rings = [points[a:b] for a, b in zip(offsets[0][:-1].tolist(), offsets[0][1:].tolist())]
        items = [rings[a:b] for a, b in zip(offsets[1][:-1].tolist(), offsets[1][1:].tolist())]
        if type_id == 6:
            items = [items[a:b] for a, b in zip(offsets[2][:-1].tolist(), offsets[2][1:].tolist())]
        for i, coordinates in zip(idx.tolist(), items):
            out[i] = {"type": name, "coordinates": coordinates}
    for i in np.flatnonzero(~np.isin(types, (3, 6))).tolist():
        out[i] = json.loads(shapely.to_geojson(shapes[i]))
    return out


def for_display(map_data):
    """An indicators.compare.MapData whose contours fit the map's budget (fit_vertex_budget)."""
    import dataclasses
    frame = map_data.frame.copy()
    frame["geojson"] = fit_vertex_budget(list(frame["geojson"]))
    return dataclasses.replace(map_data, frame=frame)


def _characters(names) -> str:
    """Every character the labels need (for TextLayer's characterSet), without '"'."""
    chars = set(DEFAULT_CHARACTERS) | set("".join(str(n) for n in names))
    return "".join(sorted(chars - {'"'}))


def _rgba(colour: str, alpha: int = 255) -> list[int]:
    return [*palette.hex_to_rgb(colour), alpha]


def view_for(geometries: list[dict], width_px: int = 700, height_px: int = 560) -> pdk.ViewState:
    """A view that frames every geometry (GeoJSON geometry dicts)."""
    lons, lats = [], []
    for geometry in geometries:
        _collect(geometry["coordinates"], lons, lats)
    if not lons:
        return pdk.ViewState(latitude=46.6, longitude=2.4, zoom=5)
    return pdk.ViewState(latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2,
                         zoom=round(min(_fit_zoom(lons, lats, width_px, height_px), 16), 2),
                         pitch=0, bearing=0)


def _fit_zoom(lons: list, lats: list, width_px: float, height_px: float) -> float:
    """Web-Mercator zoom at which the box of these points fills ~85 % of a width × height
    viewport (deck.gl: a 512 px world at zoom 0)."""
    lon_span = max(max(lons) - min(lons), 1e-4)
    lat_span = max(max(lats) - min(lats), 1e-4)
    mid_lat = (max(lats) + min(lats)) / 2
    zoom_lon = math.log2(width_px * 0.85 * 360 / (512 * lon_span))
    lat_span_merc = lat_span / math.cos(math.radians(mid_lat))
    zoom_lat = math.log2(height_px * 0.85 * 360 / (512 * lat_span_merc))
    return min(zoom_lon, zoom_lat)


# The map page's map (pages/carte.py, height 560): about 700 px wide beside its legend on a
# computer, 358 px on a 390 px phone (the columns stack). One deck serves both, so the view and
# the commune names are laid out for the narrowest map: whatever it shows, a wider one shows too.
MAP_WIDE_PX = (700, 560)
MAP_NARROW_PX = (340, 560)
LABEL_FONT_PX = 15
LABEL_OUTLINE_PX = 3
LABEL_MARGIN_PX = 6


def map_view(qpv_geometries: list[dict], other_geometries: list[dict]) -> pdk.ViewState:
    """The map's view: centred on the QPVs (and poverty pockets), zoomed so that every one is
    inside the narrowest map (MAP_NARROW_PX) and, on a wide map, everything (communes too)
    when it fits; without QPV contour, everything framed on the wide map (view_for)."""
    lons, lats = [], []
    for geometry in qpv_geometries:
        _collect(geometry["coordinates"], lons, lats)
    if not lons:
        return view_for(other_geometries, *MAP_WIDE_PX)
    all_lons, all_lats = list(lons), list(lats)
    for geometry in other_geometries:
        _collect(geometry["coordinates"], all_lons, all_lats)
    zoom = min(_fit_zoom(lons, lats, *MAP_NARROW_PX), _fit_zoom(all_lons, all_lats, *MAP_WIDE_PX), 16)
    return pdk.ViewState(latitude=(max(lats) + min(lats)) / 2, longitude=(max(lons) + min(lons)) / 2,
                         zoom=round(zoom, 2), pitch=0, bearing=0)


def _to_px(lon, lat, zoom: float):
    """Web-Mercator pixel coordinates (deck.gl's: 512 px world at zoom 0; y downwards)."""
    scale = 512 * 2 ** zoom
    lat = np.clip(np.asarray(lat, dtype=float), -85.05, 85.05)
    x = (np.asarray(lon, dtype=float) + 180) / 360 * scale
    y = (1 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / np.pi) / 2 * scale
    return x, y


def _to_lonlat(x, y, zoom: float):
    scale = 512 * 2 ** zoom
    lon = np.asarray(x, dtype=float) / scale * 360 - 180
    lat = np.degrees(2 * np.arctan(np.exp(np.pi * (1 - 2 * np.asarray(y, dtype=float) / scale))) - np.pi / 2)
    return lon, lat


def label_size_px(text: str) -> tuple[float, float]:
    """(width, height) of a commune name on the map, in pixels, with its white outline: measured
    in Helvetica Bold, a little wider than the map's Source Sans Pro, so the box is generous."""
    from reportlab.pdfbase import pdfmetrics
    return (pdfmetrics.stringWidth(text, "Helvetica-Bold", LABEL_FONT_PX) + 2 * LABEL_OUTLINE_PX,
            1.25 * LABEL_FONT_PX + 2 * LABEL_OUTLINE_PX)


def _label_fits(shape, half_w: float, half_h: float):
    """Where the centre of a 2·half_w × 2·half_h box can go with the box inside `shape` (pixel
    coordinates): the shape moved by the box's corners and side middles, intersected (the
    erosion by the box, up to what lies between those eight points)."""
    out = shape
    for dx in (-half_w, 0.0, half_w):
        for dy in (-half_h, 0.0, half_h):
            if dx or dy:
                out = out.intersection(shapely.affinity.translate(shape, -dx, -dy))
    return out


def commune_labels(communes: pd.DataFrame, view: pdk.ViewState,
                   width_px: float = MAP_NARROW_PX[0], height_px: float = MAP_NARROW_PX[1]) -> pd.DataFrame:
    """Where each commune's name goes (name, lon, lat) so that it reads whole inside a
    width × height map showing `view`: at the commune's centroid when the name fits there;
    otherwise at the point of the commune's visible part (the map less half the name's size
    and a margin on each side) nearest the centroid, preferring the points where the whole
    name lies inside the commune; left out when there is none (the
    commune is out of sight, or too little of it shows). `communes`: name, geojson (a GeoJSON
    string), centroid_lon, centroid_lat."""
    rows = []
    cx, cy = _to_px(view.longitude, view.latitude, view.zoom)
    for r in communes.itertuples():
        if r.geojson is None or pd.isna(r.centroid_lon) or pd.isna(r.centroid_lat):
            continue
        name = str(r.name)
        w, h = label_size_px(name)
        half_w = width_px / 2 - LABEL_MARGIN_PX - w / 2
        half_h = height_px / 2 - LABEL_MARGIN_PX - h / 2
        if half_w < 0 or half_h < 0:
            continue
        x, y = (float(v) for v in _to_px(r.centroid_lon, r.centroid_lat, view.zoom))
        if abs(x - cx) <= half_w and abs(y - cy) <= half_h:       # the usual case: no geometry
            rows.append((name, float(r.centroid_lon), float(r.centroid_lat)))
            continue
        window = shapely.box(cx - half_w, cy - half_h, cx + half_w, cy + half_h)
        shape = shapely.transform(_shape(json.loads(r.geojson)),
                                  lambda xy: np.column_stack(_to_px(xy[:, 0], xy[:, 1], view.zoom)))
        centre = shapely.Point(x, y)
        # The visible point nearest the centroid (the name moves as little as it must), where
        # the whole name lies inside its commune when there is one, else anywhere in it.
        for inside in (_label_fits(shape, w / 2, h / 2), shape):
            parts = [p for p in shapely.get_parts(inside.intersection(window))
                     if p.geom_type == "Polygon" and p.area > 0]
            if parts:
                break
        if not parts:
            continue
        point = shapely.ops.nearest_points(shapely.union_all(parts), centre)[0]
        lon, lat = _to_lonlat(point.x, point.y, view.zoom)
        rows.append((name, round(float(lon), 6), round(float(lat), 6)))
    return pd.DataFrame(rows, columns=["name", "lon", "lat"])


def _collect(coords, lons: list, lats: list) -> None:
    if not coords:
        return
    if isinstance(coords[0], (int, float)):
        lons.append(coords[0])
        lats.append(coords[1])
        return
    if isinstance(coords[0][0], (int, float)):          # a ring or a line: its extremes
        xs, ys = tuple(zip(*coords))[:2]
        lons += (min(xs), max(xs))
        lats += (min(ys), max(ys))
        return
    for c in coords:
        _collect(c, lons, lats)


STATUS_DETAIL = {
    "secret": "valeur couverte par le secret statistique (non diffusée par la source)",
    "not_significant": "valeur non significative (effectif trop faible)",
    "missing": "pas de valeur pour ce quartier",
}


def qpv_feature_collection(frame: pd.DataFrame) -> dict:
    """GeoJSON features of the QPVs of a `map_values` frame (rows without contour are skipped),
    with escaped display properties for the tooltip."""
    features = []
    for row in frame.itertuples():
        if row.geojson is None:
            continue
        if row.status == "ok":
            detail = f"données {row.year}" if not pd.isna(row.year) else ""
        else:
            detail = STATUS_DETAIL.get(row.status, str(row.status))
        features.append({
            "type": "Feature",
            "geometry": row.geojson,
            "properties": {
                "code": row.qpv_code,
                "name": html.escape(str(row.qpv_name)),
                "value_text": html.escape(str(row.value_text)),
                "detail": html.escape(detail),
                "fill": [*row.colour_rgb, 225],
            },
        })
    return {"type": "FeatureCollection", "features": features}


def pocket_feature_collection(pockets: pd.DataFrame) -> dict:
    """GeoJSON features of poverty pockets (indicators/pockets.py: pocket_id, geometry_wkt,
    population, poor_households_pct, commune_names), with escaped tooltip texts."""
    import shapely

    from indicators import fmt
    from indicators import pockets as pk
    features = []
    for row in pockets.itertuples():
        geometry = json.loads(shapely.to_geojson(shapely.from_wkt(row.geometry_wkt)))
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            # The tooltip's « (code) »: the pocket's name, never its generated id (issue 11, D8).
            "code": html.escape(pk.pocket_name(row.pocket_id)),
            "name": html.escape(f"Poche de pauvreté hors QPV · {row.commune_names}"),
            "value_text": html.escape(f"{fmt.fmt_int(row.population)} habitants, "
                                      f"{fmt.fmt_pct(row.poor_households_pct, 1)} de ménages pauvres"),
            "detail": "carroyage Filosofi 200 m (approximation)",
            "fill": _rgba(palette.POCKET, 200)}})
    return {"type": "FeatureCollection", "features": features}


def pocket_layer(pockets: pd.DataFrame) -> pdk.Layer:
    """The poverty pockets as a layer beside the QPVs (palette.POCKET, outlined)."""
    return pdk.Layer(
        "GeoJsonLayer", id=POCKET_LAYER, data=pocket_feature_collection(pockets), stroked=True,
        filled=True, get_fill_color="properties.fill", get_line_color=_rgba(palette.TEXT),
        line_width_min_pixels=1.5, pickable=True, auto_highlight=True)


# The view of a map whose click opens something (st.pydeck_chart with on_select): deck.gl's
# controller zooms on a double click by default, and while a double click is possible deck.gl
# holds every click 300 ms (its tap recogniser waits for the second tap) before the page hears
# of it (issue #15). The map still zooms with the wheel, a pinch, the keyboard and its +/− buttons.
CLICK_CONTROLLER = {"doubleClickZoom": False}


def build_deck(frame: pd.DataFrame, commune_geoms: pd.DataFrame, *, indicator_label: str,
               with_tiles: bool = False, selected_code: str | None = None,
               pockets: pd.DataFrame | None = None, tooltip_html: str | None = None,
               opens_on_click: bool = False) -> pdk.Deck:
    """The deck: optional tiles, commune fills and outlines, QPVs, commune and QPV labels, and
    the poverty pockets outside the QPVs when given. `opens_on_click`: a click on a QPV opens
    something (the map page's portrait), so the click is not held for a double click
    (CLICK_CONTROLLER)."""
    layers = []
    if with_tiles:
        layers.append(pdk.Layer(
            "TileLayer", id="tiles", data=TILE_URL, min_zoom=0, max_zoom=19, tile_size=256,
            render_sub_layers=None, opacity=0.6))
    if not commune_geoms.empty:
        # Colours per feature (an accessor, not a constant): a click's selection makes
        # Streamlit redraw every layer with its colours through a function, and a colour that
        # was a constant then changes the layer's vertex layout, which a browser without GPU
        # (SwiftShader) recompiles before the page can send the click (issue #15).
        fill = [246, 246, 242, 0 if with_tiles else 255]
        communes = {"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": json.loads(r.geojson),
             "properties": {"code": r.code, "name": html.escape(str(r.name)), "fill": fill}}
            for r in commune_geoms.itertuples()]}
        layers.append(pdk.Layer(
            "GeoJsonLayer", id=COMMUNE_LAYER, data=communes, stroked=True, filled=True,
            get_fill_color="properties.fill",
            get_line_color=_rgba(palette.NO_DATA_OUTLINE), line_width_min_pixels=1.5,
            pickable=False))
    features = qpv_feature_collection(frame)
    line_colour = _rgba(palette.TEXT)
    layers.append(pdk.Layer(
        "GeoJsonLayer", id=QPV_LAYER, data=features, stroked=True, filled=True,
        get_fill_color="properties.fill", get_line_color=line_colour,
        line_width_min_pixels=1, pickable=True, auto_highlight=True,
        highlight_color=[255, 255, 255, 90]))
    if pockets is not None and not pockets.empty:
        layers.append(pocket_layer(pockets))
    if selected_code is not None:
        chosen = [f for f in features["features"] if f["properties"]["code"] == selected_code]
        if chosen:
            layers.append(pdk.Layer(
                "GeoJsonLayer", id="selected", data={"type": "FeatureCollection", "features": chosen},
                stroked=True, filled=False, get_line_color=_rgba(palette.ACCENT),
                line_width_min_pixels=3, pickable=False))
    subjects = [f["geometry"] for f in features["features"]]
    if pockets is not None and not pockets.empty:
        subjects += [f["geometry"] for f in pocket_feature_collection(pockets)["features"]]
    view = map_view(subjects, [json.loads(g) for g in commune_geoms["geojson"]])
    labels = commune_labels(commune_geoms, view) if not commune_geoms.empty else pd.DataFrame()
    if not labels.empty:
        labels = labels.assign(color=[_rgba(palette.TEXT_MUTED)] * len(labels))  # per row: as above
        layers.append(pdk.Layer(
            "TextLayer", id="commune_names", data=labels, get_position="[lon, lat]",
            get_text="name", get_size=15, get_color="color",
            get_text_anchor="'middle'", get_alignment_baseline="'center'",
            font_family='"Source Sans Pro, Helvetica, Arial, sans-serif"',
            font_weight=700, outline_width=3, outline_color=[255, 255, 255, 255],
            font_settings={"sdf": True}, pickable=False,
            # deck.gl only draws the characters it is given (ASCII by default): add the accents.
            # A string in double quotes is passed by pydeck as a literal (not an expression).
            character_set=f'"{_characters(labels["name"])}"'))
    tooltip = {
        "html": tooltip_html or (
            "<b>{name}</b> ({code})<br/>" + html.escape(indicator_label)
            + " : <b>{value_text}</b><br/><span style='font-size:11px'>{detail}</span>"
              "<br/><i style='font-size:11px'>Cliquer pour ouvrir le portrait</i>"),
        "style": {"backgroundColor": "white", "color": palette.TEXT, "fontSize": "13px",
                  "border": f"1px solid {palette.RULE}", "maxWidth": "320px",
                  "whiteSpace": "normal"},
    }
    return Deck(layers=layers, initial_view_state=view, map_style=BLANK_STYLE,
                map_provider="carto", tooltip=tooltip,
                views=[pdk.View(type="MapView", controller=CLICK_CONTROLLER if opens_on_click else True)])


def legend_html(title: str, items: list[tuple[str, str]]) -> str:
    """An HTML legend (escaped with indicators.text.html_text: it is shown by st.markdown, where a
    line break in a label would end the HTML block): (hex colour, label) swatches under a title."""
    rows = "".join(
        f"<div style='display:flex;align-items:center;gap:.5rem;margin:.15rem 0'>"
        f"<span style='display:inline-block;width:1.4rem;height:1rem;background:{html.escape(colour)};"
        f"border:1px solid #555;flex:none'></span><span>{html_text(label)}</span></div>"
        for colour, label in items)
    return (f"<div style='font-size:.9rem;line-height:1.3'><b>{html_text(title)}</b>{rows}</div>")


def selected_code(selection_state) -> str | None:
    """The QPV code clicked on the map (from st.pydeck_chart's selection state), or None."""
    try:
        objects = selection_state["selection"]["objects"]
    except (KeyError, TypeError):
        return None
    for obj in objects.get(QPV_LAYER, []) or []:
        props = obj.get("properties", obj) if isinstance(obj, dict) else {}
        code = props.get("code")
        if code:
            return str(code)
    return None


MISSING_COLOUR = "#e1e1e1"     # no value at all: lighter than a withheld one


def shared_colours(map_data) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """(frame, legend) of an indicators.compare.MapData recoloured with the palette of the
    exports (reports/palette.py: sequential classes, light = low, dark = high; withheld values
    in palette.WITHHELD), so that the map on screen and the downloaded map agree."""
    k = len(map_data.classification.colours)
    colours = palette.sequential(k) if k else ()
    frame = map_data.frame.copy()
    rgb = []
    for status, index in zip(frame["status"], frame["class_index"]):
        if status == "ok" and index is not None and not pd.isna(index) and int(index) < len(colours):
            rgb.append(list(palette.hex_to_rgb(colours[int(index)])))
        elif status == "missing":
            rgb.append(list(palette.hex_to_rgb(MISSING_COLOUR)))
        else:
            rgb.append(list(palette.hex_to_rgb(palette.WITHHELD)))
    frame["colour_rgb"] = rgb
    legend = [(colours[i], label) for i, (_, label) in enumerate(map_data.legend()[:k])]
    legend += [(palette.WITHHELD, "secret statistique"), (MISSING_COLOUR, "non disponible")]
    return frame, legend


def pockets_deck(qpv_geoms: pd.DataFrame, commune_geoms: pd.DataFrame,
                 pockets: pd.DataFrame, qpv_codes=None) -> pdk.Deck:
    """The pockets page's map: communes, the territory's QPVs (plain) and the poverty pockets.
    `qpv_codes`: the QPVs the pockets were searched outside of (indicators.pockets.PocketResult
    .qpv_codes, the current geography): a contract's QPVs of the previous geography (demo's
    « QP099001 », 2015) drew their outlines over their successors' under « quartier prioritaire »."""
    if qpv_codes is not None:
        qpv_geoms = qpv_geoms[qpv_geoms["code"].isin(list(qpv_codes))].reset_index(drop=True)
    frame = pd.DataFrame({
        "qpv_code": qpv_geoms["code"], "qpv_name": qpv_geoms["name"],
        "geojson": [json.loads(g) for g in qpv_geoms["geojson"]], "status": "ok", "year": None,
        "value_text": "quartier prioritaire",
        "colour_rgb": [list(palette.hex_to_rgb(palette.PRIMARY_LIGHT))] * len(qpv_geoms)})
    return build_deck(frame, commune_geoms, indicator_label="QPV", pockets=pockets,
                      tooltip_html="<b>{name}</b> ({code})<br/>{value_text}<br/>"
                                   "<span style='font-size:11px'>{detail}</span>")


def point_deck(lon: float, lat: float, qpvs: pd.DataFrame, communes: pd.DataFrame,
               found_code: str | None) -> pdk.Deck:
    """A searched point on the QPVs and communes around it (the QPV found outlined)."""
    layers = []
    if not communes.empty:
        layers.append(pdk.Layer(
            "GeoJsonLayer", id=COMMUNE_LAYER, stroked=True, filled=True, pickable=False,
            data={"type": "FeatureCollection", "features": [
                {"type": "Feature", "geometry": json.loads(r.geojson), "properties": {}}
                for r in communes.itertuples()]},
            get_fill_color=[246, 246, 242, 255], get_line_color=_rgba(palette.NO_DATA_OUTLINE),
            line_width_min_pixels=1.5))
    features = [{"type": "Feature", "geometry": json.loads(r.geojson),
                 "properties": {"name": html.escape(str(r.name)), "code": r.code,
                                "fill": _rgba(palette.ACCENT, 110 if r.code == found_code else 40)}}
                for r in qpvs.itertuples()]
    layers.append(pdk.Layer(
        "GeoJsonLayer", id=QPV_LAYER, data={"type": "FeatureCollection", "features": features},
        stroked=True, filled=True, get_fill_color="properties.fill",
        get_line_color=_rgba(palette.TEXT), line_width_min_pixels=1, pickable=True))
    layers.append(pdk.Layer(
        "ScatterplotLayer", id="point", data=pd.DataFrame({"lon": [lon], "lat": [lat]}),
        get_position="[lon, lat]", get_radius=6, radius_min_pixels=6,
        get_fill_color=[200, 30, 30, 255], get_line_color=[255, 255, 255, 255],
        stroked=True, line_width_min_pixels=2))
    view = pdk.ViewState(latitude=lat, longitude=lon, zoom=14, pitch=0, bearing=0)
    return Deck(layers=layers, initial_view_state=view, map_style=BLANK_STYLE,
                map_provider="carto", tooltip={"html": "<b>{name}</b> ({code})"})
