"""Is this point in a QPV? Coordinates → QPV code and name, commune, distance to the nearest QPV
edge, offline, from the contours held in the database (`territory_geometries`).

Pure Python (shapely 2, vectorised; no streamlit). The contours of each geography are kept
apart and never mixed: 2015 (`QP…`) and 2024 (`QN…`, with the overseas list of 2025).

Distances are computed in Web Mercator and brought back to metres on the ground by the cosine of
the point's latitude (exact enough within a few kilometres, anywhere in France). A point closer
than `EDGE_TOLERANCE_M` to a QPV edge is « à vérifier » rather than decided: contours are drawn
at about a metre and an address's position is its entrance or its parcel.

Results are indicative: they are not the legal attestation of residence in a QPV (that is SIG
Ville's « attestation »). Every output says so (`DISCLAIMER`).
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

EDGE_TOLERANCE_M = 10.0
# Distances to an edge beyond this are not computed (the point is far from every QPV).
MAX_EDGE_DISTANCE_M = 2_000.0
EARTH_RADIUS_M = 6_378_137.0
CURRENT = 2024

DISCLAIMER = ("Résultat indicatif, calculé à partir des contours officiels chargés : il ne vaut "
              "pas attestation de résidence en quartier prioritaire (voir sig.ville.gouv.fr).")

# qpv_status codes → French labels.
IN_QPV, OUTSIDE, TO_CHECK, NOT_LOCATED = "in_qpv", "outside", "to_check", "not_located"
QPV_STATUS_LABELS = {IN_QPV: "en QPV", OUTSIDE: "hors QPV", TO_CHECK: "à vérifier",
                     NOT_LOCATED: "non localisé"}
RESULT_COLUMNS = ["qpv_code", "qpv_name", "commune_code", "commune_name", "edge_distance_m",
                  "qpv_status"]


def geography_of(vintage: int | None) -> int:
    """The geography a contour belongs to: 2015, or 2024 (the overseas list of 2025 with it)."""
    return 2015 if vintage == 2015 else CURRENT


def geography_label(geography: int) -> str:
    return ("quartiers prioritaires 2015–2023 (codes QP…)" if geography == 2015
            else "quartiers prioritaires 2024 (codes QN…)")


# ── Projections ─────────────────────────────────────────────────────────────────────────────

def _mercator(lon, lat) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.clip(np.asarray(lat, dtype=float), -85.0, 85.0)
    x = EARTH_RADIUS_M * np.radians(lon)
    y = EARTH_RADIUS_M * np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))
    return x, y


def _mercator_geoms(geoms: np.ndarray) -> np.ndarray:
    def fn(coords):
        x, y = _mercator(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])
    return shapely.transform(geoms, fn)


def lambert93_to_wgs84(x, y) -> tuple[np.ndarray, np.ndarray]:
    from pyproj import Transformer

    tr = Transformer.from_crs(2154, 4326, always_xy=True)
    lon, lat = tr.transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon), np.asarray(lat)


def is_wgs84(x, y) -> bool:
    """All finite pairs are longitudes/latitudes (France and overseas included)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any()) and bool(((np.abs(x[ok]) <= 180) & (np.abs(y[ok]) <= 90)).all())


def is_lambert93(x, y) -> bool:
    """All finite pairs lie in the Lambert-93 extent of metropolitan France."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    return bool(ok.any()) and bool(((x[ok] > -400_000) & (x[ok] < 1_400_000)
                                    & (y[ok] > 5_900_000) & (y[ok] < 7_300_000)).all())


# ── Contours ────────────────────────────────────────────────────────────────────────────────

@dataclass
class Layer:
    """Polygons of one geography (QPVs) or the communes, in Web Mercator, with an index."""

    codes: np.ndarray
    names: np.ndarray
    geoms: np.ndarray
    tree: shapely.STRtree = field(repr=False)
    boundaries: np.ndarray = field(repr=False, default=None)

    @classmethod
    def from_wkb(cls, codes, names, wkbs) -> "Layer":
        geoms = _mercator_geoms(shapely.from_wkb(np.asarray(list(wkbs), dtype=object)))
        shapely.prepare(geoms)
        return cls(np.asarray(list(codes), dtype=object), np.asarray(list(names), dtype=object),
                   geoms, shapely.STRtree(geoms), shapely.boundary(geoms))


@dataclass
class Contours:
    """What locating needs, read once from a database: the QPV layers per geography, the
    commune layer (when commune contours are loaded), QPV → communes links and names."""

    qpv: dict[int, Layer]
    communes: Layer | None
    qpv_communes: dict[str, list[str]]
    commune_names: dict[str, str]

    @property
    def geographies(self) -> list[int]:
        """Loaded geographies, the current one first."""
        return sorted(self.qpv, reverse=True)


def load_contours(con) -> Contours:
    """Read the contours of every loaded geography from a database (`territory_geometries`)."""
    rows = con.execute("""
        select g.territory_code, coalesce(t.territory_name, g.territory_code),
               coalesce(g.geometry_vintage, t.geography_vintage), g.geom_wkb
        from territory_geometries g
        left join territories t on t.territory_code = g.territory_code and t.territory_level = 'qpv'
        where g.territory_level = 'qpv' order by 1""").fetchall()
    by_geo: dict[int, list] = {}
    for code, name, vintage, wkb in rows:
        by_geo.setdefault(geography_of(vintage), []).append((code, name, wkb))
    qpv = {g: Layer.from_wkb([r[0] for r in rs], [r[1] for r in rs], [r[2] for r in rs])
           for g, rs in by_geo.items()}
    crow = con.execute("""
        select g.territory_code, coalesce(t.territory_name, g.territory_code), g.geom_wkb
        from territory_geometries g
        left join territories t on t.territory_code = g.territory_code and t.territory_level = 'commune'
        where g.territory_level = 'commune' order by 1""").fetchall()
    communes = Layer.from_wkb([r[0] for r in crow], [r[1] for r in crow], [r[2] for r in crow]) if crow else None
    links: dict[str, list[str]] = {}
    for q, c in con.execute("""
            select child_code, parent_code from territory_links
            where child_level = 'qpv' and parent_level = 'commune' order by 1, 2""").fetchall():
        links.setdefault(q, []).append(c)
    names = dict(con.execute("select territory_code, territory_name from territories"
                             " where territory_level = 'commune'").fetchall())
    return Contours(qpv, communes, links, names)


def _contours(con_or_contours) -> Contours:
    return con_or_contours if isinstance(con_or_contours, Contours) else load_contours(con_or_contours)


# ── Points → QPV ────────────────────────────────────────────────────────────────────────────

def locate_points(lon, lat, contours: Contours, geography: int | None = None, *,
                  tolerance_m: float = EDGE_TOLERANCE_M, commune_hint=None) -> pd.DataFrame:
    """WGS84 points → one row each: `qpv_code`, `qpv_name` (the QPV containing the point, also
    when « à vérifier »), `commune_code`, `commune_name`, `edge_distance_m` (to the nearest QPV
    edge of the geography, inside or outside; NaN beyond MAX_EDGE_DISTANCE_M), `qpv_status`
    (in_qpv | outside | to_check | not_located for a missing point).

    `geography`: 2024 (default, the current one) or 2015; only that geography's contours are used.
    `commune_hint`: commune codes (e.g. from the address matched) used when no commune contour
    is loaded and the QPV does not settle it.
    """
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    n = len(lon)
    geography = CURRENT if geography is None else geography
    layer = contours.qpv.get(geography)
    valid = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    mx, my = _mercator(np.where(valid, lon, 0.0), np.where(valid, lat, 0.0))
    scale = np.cos(np.radians(np.where(valid, lat, 0.0)))          # mercator → ground metres
    points = shapely.points(mx, my)
    idx = np.flatnonzero(valid)

    inside = np.full(n, -1, dtype=np.int64)
    distance = np.full(n, np.nan)
    if layer is not None and len(idx):
        pairs = layer.tree.query(points[idx], predicate="within")
        if pairs.shape[1]:
            # A point on the shared edge of two QPVs: the first one (it is « à vérifier » anyway).
            first = np.unique(pairs[0], return_index=True)[1]
            inside[idx[pairs[0][first]]] = pairs[1][first]
        # Distance to the nearest edge, inside or outside: the QPVs within reach (an index
        # query), then the distances to their boundaries, vectorised (much faster than
        # STRtree.query_nearest on a million points).
        max_merc = MAX_EDGE_DISTANCE_M / max(float(scale[idx].min()), 0.05)
        pi, gi = layer.tree.query(points[idx], predicate="dwithin", distance=max_merc)
        if len(pi):
            dist = shapely.distance(points[idx[pi]], layer.boundaries[gi]) * scale[idx[pi]]
            best = np.full(len(idx), np.inf)
            np.minimum.at(best, pi, dist)
            reached = np.isfinite(best)
            distance[idx[reached]] = best[reached]
        distance[valid & np.isfinite(distance) & (distance > MAX_EDGE_DISTANCE_M)] = np.nan

    status = np.full(n, NOT_LOCATED, dtype=object)
    status[valid] = OUTSIDE
    status[inside >= 0] = IN_QPV
    status[valid & np.isfinite(distance) & (distance <= tolerance_m)] = TO_CHECK
    qpv_code = np.full(n, None, dtype=object)
    qpv_name = np.full(n, None, dtype=object)
    if layer is not None:
        has = inside >= 0
        qpv_code[has] = layer.codes[inside[has]]
        qpv_name[has] = layer.names[inside[has]]

    commune_code = np.full(n, None, dtype=object)
    if contours.communes is not None and len(idx):
        pairs = contours.communes.tree.query(points[idx], predicate="intersects")
        if pairs.shape[1]:
            first = np.unique(pairs[0], return_index=True)[1]
            commune_code[idx[pairs[0][first]]] = contours.communes.codes[pairs[1][first]]
    hint = None if commune_hint is None else list(commune_hint)
    for i in np.flatnonzero(valid & pd.isna(commune_code)):
        own = contours.qpv_communes.get(qpv_code[i]) if qpv_code[i] else None
        if own and len(own) == 1:
            commune_code[i] = own[0]
        elif hint is not None and isinstance(hint[i], str) and hint[i]:
            commune_code[i] = hint[i]
    commune_name = np.array([contours.commune_names.get(c) if c else None for c in commune_code],
                            dtype=object)
    return pd.DataFrame({
        "qpv_code": qpv_code, "qpv_name": qpv_name, "commune_code": commune_code,
        "commune_name": commune_name,
        "edge_distance_m": np.round(distance, 1),
        "qpv_status": status,
    }, columns=RESULT_COLUMNS)


# ── Columns of a file: recognised by name and by range ──────────────────────────────────────

def squash(name) -> str:
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


_LON_NAMES = ("lon", "long", "lng", "longitude", "longitudewgs84", "lonwgs84", "xwgs84", "wgs84lon")
_LAT_NAMES = ("lat", "latitude", "latitudewgs84", "latwgs84", "ywgs84", "wgs84lat")
_X_NAMES = ("x", "xl93", "xlambert93", "lambertx", "coordx", "coordonneex", "xcoord", "x93", "l93x")
_Y_NAMES = ("y", "yl93", "ylambert93", "lamberty", "coordy", "coordonneey", "ycoord", "y93", "l93y")


def _numbers(series: pd.Series) -> np.ndarray:
    text = series.astype("string").str.strip().str.replace("\u202f", "", regex=False) \
        .str.replace("\xa0", "", regex=False).str.replace(" ", "", regex=False) \
        .str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def coordinate_columns(df: pd.DataFrame) -> tuple[str, str, int] | None:
    """(x column, y column, EPSG) of a table's point coordinates, or None.

    Columns are recognised by name (lon/lat/longitude/latitude → WGS84; x/y, x_l93… → Lambert-93
    or WGS84 by range), then the values decide: longitudes/latitudes (EPSG:4326) or Lambert-93
    metres (EPSG:2154). Columns named like coordinates whose values fit neither are not taken.
    """
    by_key = {squash(c): c for c in df.columns}

    def find(names):
        return next((by_key[n] for n in names if n in by_key), None)

    for xs, ys in ((_LON_NAMES, _LAT_NAMES), (_X_NAMES, _Y_NAMES)):
        cx, cy = find(xs), find(ys)
        if cx is None or cy is None or cx == cy:
            continue
        x, y = _numbers(df[cx]), _numbers(df[cy])
        if is_wgs84(x, y):
            return cx, cy, 4326
        if is_lambert93(x, y):
            return cx, cy, 2154
    # By range only: two numeric columns that look like lon/lat or Lambert-93 x/y.
    numeric = [c for c in df.columns if np.isfinite(_numbers(df[c])).mean() > 0.8] if len(df) else []
    for i, a in enumerate(numeric):
        for b in numeric[i + 1:]:
            x, y = _numbers(df[a]), _numbers(df[b])
            if is_lambert93(x, y) and np.nanmin(x) > 1000:
                return a, b, 2154
            if _looks_france_lonlat(x, y):
                return a, b, 4326
            if _looks_france_lonlat(y, x):
                return b, a, 4326
    return None


def _looks_france_lonlat(x, y) -> bool:
    """Metropolitan longitudes (−5.5…10) and latitudes (41…51.5), with decimals."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return False
    x, y = x[ok], y[ok]
    return bool(((x > -5.5) & (x < 10) & (y > 41) & (y < 51.5)).all() and (x % 1 != 0).any())


def points_of(df: pd.DataFrame, x_col: str, y_col: str, epsg: int) -> tuple[np.ndarray, np.ndarray]:
    """The WGS84 lon/lat of a table's coordinate columns (NaN where a cell is not a number)."""
    x, y = _numbers(df[x_col]), _numbers(df[y_col])
    if epsg == 2154:
        ok = np.isfinite(x) & np.isfinite(y)
        lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
        if ok.any():
            lon[ok], lat[ok] = lambert93_to_wgs84(x[ok], y[ok])
        return lon, lat
    return x, y


def distance_label(metres) -> str:
    if metres is None or (isinstance(metres, float) and math.isnan(metres)):
        return f"plus de {MAX_EDGE_DISTANCE_M / 1000:.0f} km".replace(".", ",")
    return f"{metres:.0f} m" if metres < 1000 else f"{metres / 1000:.1f} km".replace(".", ",")


# ── A whole table: addresses or coordinates → QPV ───────────────────────────────────────────

@dataclass
class Columns:
    """How a table gives its locations: coordinate columns (x, y, EPSG) or address roles
    (indicators.geocode.ADDRESS_ROLES → column)."""

    coords: tuple[str, str, int] | None = None
    address: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.coords is None and not self.address

    def used(self) -> list[str]:
        """The table's columns that hold a location (dropped from a table of people)."""
        cols = list(self.coords[:2]) if self.coords else []
        return cols + [c for c in self.address.values() if c not in cols]


def guess_columns(df: pd.DataFrame) -> Columns:
    """Coordinates when a table has them (by name and range), else its address columns."""
    from indicators.geocode import address_columns

    coords = coordinate_columns(df)
    return Columns(coords, {} if coords else address_columns(df.columns))


ADDED_COLUMNS = ["qpv_code", "qpv_name", "commune_code", "commune_name", "qpv_status",
                 "edge_distance_m", "match_status", "match_score", "ban_label", "located_lon",
                 "located_lat"]


def locate_rows(df: pd.DataFrame, con_or_contours, *, columns: Columns | None = None,
                geography: int | None = None, ban=None) -> pd.DataFrame:
    """`df` with the QPV of each row added (ADDED_COLUMNS; `match_*` and `ban_label` stay empty
    for coordinates). Locations come from `columns` (guessed when None: coordinates first, then
    addresses). `con_or_contours`: a database connection (contours and BAN read from it) or a
    `Contours`; `ban`: a `geocode.BanIndex` (read from the connection when None).

    This is what a table of people calls before anything is stored: the QPV code is kept and the
    address and coordinate columns (`Columns.used()`) can then be dropped.
    """
    from indicators import geocode

    columns = columns or guess_columns(df)
    contours = _contours(con_or_contours)
    n = len(df)
    match = pd.DataFrame({"match_status": [None] * n, "match_score": [np.nan] * n,
                          "ban_label": [None] * n, "match_code_insee": [None] * n})
    if columns.coords is not None:
        lon, lat = points_of(df, *columns.coords)
    elif columns.address:
        if ban is None and not isinstance(con_or_contours, Contours):
            ban = ban_for(con_or_contours, df, columns.address)
        elif ban is None:
            ban = geocode.build_index(pd.DataFrame(columns=["ban_id", "numero", "rep", "nom_voie",
                                                            "code_postal", "code_insee",
                                                            "nom_commune", "lon", "lat"]))
        m = geocode.geocode_frame(ban, df, columns.address)
        lon, lat = m["lon"].to_numpy(dtype=float), m["lat"].to_numpy(dtype=float)
        match = m[["match_status", "match_score", "ban_label", "match_code_insee"]]
    else:
        lon = lat = np.full(n, np.nan)
    located = locate_points(lon, lat, contours, geography,
                            commune_hint=match["match_code_insee"].tolist())
    out = df.reset_index(drop=True).copy()
    added = pd.concat([located.reset_index(drop=True),
                       match.drop(columns="match_code_insee").reset_index(drop=True)], axis=1)
    added["located_lon"], added["located_lat"] = np.round(lon, 6), np.round(lat, 6)
    # A column of the file named like an added one (a file located before) is kept, renamed.
    out = out.rename(columns={c: f"{c}_origine" for c in out.columns
                              if c in ADDED_COLUMNS or c in OUTPUT_HEADERS.values()})
    for col in ADDED_COLUMNS:
        values = added[col]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            out[col] = pd.Series([v if isinstance(v, str) else None for v in values],
                                 index=out.index, dtype=object)     # NULL stays None, never NaN
        else:
            out[col] = values.to_numpy()
    return out


def ban_for(con, df: pd.DataFrame, roles: dict[str, str]):
    """The BAN rows a table needs: those of its postcodes and INSEE codes when every row gives
    one (a file of one town reads a few thousand rows, not the whole département), else all."""
    from indicators import geocode

    def values(role):
        if role not in roles:
            return [None] * len(df)
        return [str(v).strip()[:5] if isinstance(v, str) and v.strip() else None for v in df[roles[role]]]

    pcs, codes = values("postcode"), values("code_insee")
    if len(df) and all(p or c for p, c in zip(pcs, codes)):
        return geocode.load_ban(con, communes=sorted({c for c in codes if c}) or None,
                                postcodes=sorted({p for p in pcs if p}) or None)
    return geocode.load_ban(con)


# French headers of the added columns in a returned file.
OUTPUT_HEADERS = {
    "qpv_code": "qpv_code", "qpv_name": "qpv_nom", "commune_code": "qpv_commune_code",
    "commune_name": "qpv_commune_nom", "qpv_status": "qpv_statut",
    "edge_distance_m": "qpv_distance_bord_m", "match_status": "adresse_statut",
    "match_score": "adresse_score", "ban_label": "adresse_ban", "located_lon": "longitude_wgs84",
    "located_lat": "latitude_wgs84",
}


def output_frame(located: pd.DataFrame) -> pd.DataFrame:
    """The located table as returned to a user: French statuses and headers, a note column."""
    from indicators.geocode import MATCH_STATUS_LABELS

    out = located.copy()
    out["qpv_status"] = out["qpv_status"].map(QPV_STATUS_LABELS)
    out["match_status"] = out["match_status"].map(lambda s: MATCH_STATUS_LABELS.get(s) if s else None)
    if out["match_status"].isna().all():
        out = out.drop(columns=["match_status", "match_score", "ban_label"])
    out = out.rename(columns=OUTPUT_HEADERS)
    out["qpv_avertissement"] = "indicatif, ne vaut pas attestation"
    return out


def summary(located: pd.DataFrame) -> pd.DataFrame:
    """Rows, rows in a QPV (then one line per QPV), outside, à vérifier, not located (and,
    for addresses, not found). Columns « Résultat », « Lignes »."""
    s = located["qpv_status"]
    rows = [("Lignes du fichier", len(located)), ("En QPV", int((s == IN_QPV).sum()))]
    inside = located[s == IN_QPV]
    for (code, name), g in inside.groupby(["qpv_code", "qpv_name"], sort=True):
        rows.append((f"  dont {name} ({code})", len(g)))
    rows += [("Hors QPV", int((s == OUTSIDE).sum())),
             (f"À vérifier (à moins de {EDGE_TOLERANCE_M:.0f} m d'un bord)", int((s == TO_CHECK).sum()))]
    if "match_status" in located and located["match_status"].notna().any():
        rows.append(("Adresse introuvable", int((located["match_status"] == "not_found").sum())))
        rows.append(("Rue seulement (numéro absent de la BAN)",
                     int((located["match_status"] == "street").sum())))
    else:
        rows.append(("Coordonnées absentes ou illisibles", int((s == NOT_LOCATED).sum())))
    return pd.DataFrame(rows, columns=["Résultat", "Lignes"])


# ── One search: an address or a point typed in a box ────────────────────────────────────────

_POINT_RE = re.compile(r"^\s*(-?\d+(?:[.,]\d+)?)\s*[;,\s]\s*(-?\d+(?:[.,]\d+)?)\s*$")


def parse_point(text: str) -> tuple[float, float] | None:
    """« 46.8519, 2.5694 » (latitude, longitude as most sites give them), « 2.5694 46.8519 », or
    Lambert-93 « 669000 6633000 » → WGS84 (lon, lat); None when the text is not a point."""
    m = _POINT_RE.match(str(text or ""))
    if not m:
        return None
    a, b = (float(g.replace(",", ".")) for g in m.groups())
    if is_lambert93([a], [b]):
        lon, lat = lambert93_to_wgs84([a], [b])
        return float(lon[0]), float(lat[0])
    if abs(a) <= 90 and abs(b) <= 180 and not (abs(a) <= 10 and 41 <= b <= 52):
        return b, a            # latitude first
    if abs(a) <= 180 and abs(b) <= 90:
        return a, b
    return None


def search(text: str, contours: Contours, ban=None, geography: int | None = None) -> pd.Series:
    """One address or point → one row of `locate_rows` (with `query`). Addresses need `ban`."""
    from indicators import geocode

    point = parse_point(text)
    if point is not None:
        located = locate_points([point[0]], [point[1]], contours, geography)
        row = located.iloc[0].copy()
        row["match_status"], row["match_score"], row["ban_label"] = None, None, None
        row["located_lon"], row["located_lat"] = point
        return row
    table = pd.DataFrame({"adresse": [text]})
    if ban is None:
        ban = geocode.build_index(pd.DataFrame(columns=["ban_id", "numero", "rep", "nom_voie",
                                                        "code_postal", "code_insee", "nom_commune",
                                                        "lon", "lat"]))
    located = locate_rows(table, contours, columns=Columns(address={"address": "adresse"}),
                          geography=geography, ban=ban)
    return located.iloc[0]


def result_lines(row: pd.Series) -> list[str]:
    """The result of one search in French, one line each (Markdown-free text)."""
    from indicators.geocode import MATCH_STATUS_LABELS

    lines = []
    if row.get("match_status"):
        if row["match_status"] == "not_found":
            return ["Adresse introuvable dans la Base Adresse Nationale chargée : vérifiez le nom "
                    "de la voie et le code postal, ou donnez des coordonnées."]
        lines.append(f"Adresse retenue : {row['ban_label']} (correspondance "
                     f"{MATCH_STATUS_LABELS[row['match_status']]}, score {row['match_score']:.0f}/100)")
    status = row["qpv_status"]
    commune = f"{row['commune_name']} ({row['commune_code']})" if row.get("commune_code") else None
    distance = distance_label(row["edge_distance_m"])
    if status == IN_QPV:
        lines.append(f"Dans le quartier prioritaire {row['qpv_name']} ({row['qpv_code']})"
                     + (f", commune de {commune}" if commune else "")
                     + f" ; à {distance} du bord du quartier.")
    elif status == OUTSIDE:
        lines.append("Hors quartier prioritaire" + (f", commune de {commune}" if commune else "")
                     + f" ; le bord du QPV le plus proche est à {distance}.")
    elif status == TO_CHECK:
        where = (f"au bord du quartier prioritaire {row['qpv_name']} ({row['qpv_code']})"
                 if row.get("qpv_code") else "juste à l'extérieur d'un quartier prioritaire")
        lines.append(f"À vérifier : {where}, à {distance} du bord (moins de "
                     f"{EDGE_TOLERANCE_M:.0f} m) ; consultez le plan du quartier.")
    else:
        lines.append("Point non localisé (coordonnées absentes ou hors limites).")
    return lines
