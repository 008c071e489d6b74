"""The embedded default: a fictional contrat de ville written in the official file formats.

`write_demo(out_dir)` writes "Val-de-Lorne", a fictional agglomeration (EPCI SIREN 999000001,
eight communes 99001…99008 in département 99, region 99, ten QPV 2024 `QN099…` and two QPV 2015
`QP099…`), as the files a user downloads or fills in: the COG JSON, ANCT contour GeoJSON (one
in Lambert-93), INSEE QPV statistics zips with their `meta_*.csv` dictionary (three Filosofi
vintages, Latin-1 and UTF-8, withheld values), INSEE commune-style comparator files, a Filosofi
200 m grid, the programme template (CSV and one XLSX workbook), and the health and education
pillars' files (DREES APL workbook, Éducation nationale exports). The ETL then reads them like
any other input: the demo exercises every loader.

The output is deterministic: one `random.Random(SEED)` drives everything, zip members and the
workbook carry fixed dates, so the same bytes come out on every run (tests compare sha256).
Everything here is invented; the files say so ("fictif", `is_fictional`).
"""
from __future__ import annotations

import csv
import io
import json
import math
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import config
from etl.template import BY_NAME as TEMPLATE_TABLES

SEED = 990_2024
CONTRACT = "demo"
EPCI_CODE = "999000001"
EPCI_NAME = "CA Val-de-Lorne (fictive)"
DEP_CODE = "99"
DEP_NAME = "Département fictif"
REG_CODE = "99"
REG_NAME = "Région fictive"
FICTIONAL_NOTE = config.DEMO_MARK
ZIP_DATE = (2024, 6, 1, 0, 0, 0)

# Sub-folders of out_dir this generator owns (cleared before writing).
SUBDIRS = ("cog", "contours", "insee_qpv", "insee_communes", "carreaux", "programme", "ban", "piliers")

# Centre of the fictional territory in Lambert-93 (≈ lon 2.6, lat 46.8).
CENTER_L93 = (669_000.0, 6_633_000.0)


# ── The territory ───────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    population: int          # population municipale (COG)
    offset_km: tuple[float, float]   # centre, relative to CENTER_L93
    weight: float            # larger: a larger area in the weighted tessellation
    postcode: str


COMMUNES: tuple[Commune, ...] = (
    Commune("99001", "Lorneville", 48_650, (0.0, 0.0), 1.35, "99100"),
    Commune("99002", "Saint-Aubin-sur-Lorne", 17_820, (5.6, -1.0), 1.0, "99110"),
    Commune("99003", "Montvaillant", 14_230, (-5.4, 2.6), 1.0, "99120"),
    Commune("99004", "Les Forges-de-Lorne", 11_460, (1.0, 5.6), 0.95, "99130"),
    Commune("99005", "Beaurepaire-la-Rivière", 9_870, (-1.4, -5.6), 0.95, "99140"),
    Commune("99006", "Chantemerle", 7_140, (-9.6, -3.2), 0.9, "99150"),
    Commune("99007", "Sainte-Colombe-des-Prés", 6_020, (9.4, 4.6), 0.9, "99160"),
    Commune("99008", "Val-Fleury", 4_310, (7.8, -6.4), 0.85, "99170"),
)
COMMUNE_BY_CODE = {c.code: c for c in COMMUNES}


@dataclass(frozen=True)
class Qpv:
    """A QPV 2024 with its 2021 Filosofi values and other statistics (None: withheld)."""

    code: str
    name: str
    communes: tuple[str, ...]
    offset_km: tuple[float, float] | None   # None: placed on the border of its two communes
    radius_m: float
    pop: int                 # RP 2020 population municipale
    med: int | None          # Filosofi 2021 median EUR/year per UC
    tp60: float | None
    d1: int | None
    d9: int | None
    fam_mono: float
    fam_nomb: float
    moins18: float
    plus75: float
    tx_act: float | None
    tx_empl: float | None
    abc: int
    abc_levels: tuple[float, float, float, float]   # infra CAP-BEP, CAP-BEP, bac, > bac (%)
    caf_bas_rev: float | None
    nb_lls: int
    part_lls: float


QPVS: tuple[Qpv, ...] = (
    Qpv("QN09901M", "Vieux Moulin - Paradis - Les Hauts de Lorne", ("99001",), (-1.7, 1.3), 720,
        5214, 11_820, 52.4, 6_020, 22_450, 41.2, 17.8, 33.1, 6.2, 63.5, 48.1,
        612, (38.2, 27.5, 20.1, 14.2), 58.3, 1842, 81.5),
    Qpv("QN09902I", "Les Tilleuls", ("99001",), (1.5, 1.7), 450,
        2436, 12_960, 46.1, 6_750, 24_100, 37.5, 14.2, 29.4, 8.9, 66.8, 52.3,
        268, (33.4, 29.1, 21.7, 15.8), 52.6, 905, 76.2),
    Qpv("QN09903M", "Bords de Lorne - Gare", ("99001", "99002"), None, 560,
        3108, 13_540, 43.0, 7_010, 25_300, 35.8, 12.6, 27.2, 9.5, 68.2, 54.9,
        331, (31.0, 28.4, 23.3, 17.3), 49.8, 1020, 68.4),
    Qpv("QN09904N", "La Chênaie", ("99001",), (0.3, -2.0), 360,
        1187, 14_280, 38.7, 7_540, 26_800, 32.4, 10.9, 26.0, 11.3, None, None,
        118, (29.5, 30.2, 23.0, 17.3), 45.1, 402, 71.0),
    Qpv("QN09905N", "Saint-Exupéry", ("99001",), (-1.9, -1.1), 600,
        3822, 12_340, 49.6, 6_380, 23_500, 39.9, 16.4, 31.8, 7.1, 64.9, 49.8,
        447, (36.7, 28.0, 20.8, 14.5), 55.9, 1350, 79.3),
    Qpv("QN09906N", "Pré-Vert - Fontaine", ("99002",), (6.2, -0.3), 500,
        2698, 13_110, 44.8, 6_890, 24_700, 36.2, 13.5, 28.7, 8.2, 67.3, 53.4,
        286, (32.8, 29.0, 22.1, 16.1), 51.2, 960, 74.8),
    Qpv("QN09907N", "Champ de Foire", ("99002",), (5.4, -2.3), 360,
        1302, 14_050, 40.2, 7_380, 26_100, 33.0, 11.4, 26.9, 10.6, 69.4, 56.2,
        127, (30.1, 30.5, 22.8, 16.6), None, 455, 70.2),
    Qpv("QN09908N", "Les Grands Prés", ("99003",), (-5.0, 2.3), 450,
        2087, 13_380, 42.9, 7_100, 25_200, 35.0, 12.8, 28.1, 9.0, 68.0, 54.6,
        214, (31.8, 29.6, 22.4, 16.2), 49.0, 735, 72.4),
    Qpv("QN09909N", "Cité des Forges", ("99004",), (0.7, 5.2), 380,
        1458, 12_880, 45.3, 6_820, 24_050, 36.9, 14.9, 29.9, 8.4, 66.1, 51.7,
        166, (34.9, 28.8, 21.3, 15.0), 53.1, 520, 77.5),
    # The small QPV whose Filosofi figures are all withheld (secret statistique).
    Qpv("QN09910N", "Le Clos Fleuri", ("99005",), (-0.9, -5.3), 330,
        1016, None, None, None, None, 34.1, 11.9, 27.5, 9.8, 67.7, 53.0,
        104, (32.0, 29.9, 22.0, 16.1), 48.2, 368, 73.1),
)

# QPV 2015 (older geography, older attribute names): no 1:1 link to the 2024 codes.
QPV2015 = (
    ("QP099001", "Vieux Moulin - Paradis", "99001", 4870, 11_060, 53.8, 5_710, 21_300),
    ("QP099002", "Les Tilleuls", "99001", 2390, 12_150, 47.9, 6_310, 22_900),
)

# Areas declared in the programme template (no official file gives them).
LOCAL_AREAS = (
    ("QV09901", "quartier_veille", "Les Acacias", "99003", 1420, "quartier de veille active"),
    ("QV09902", "quartier_veille", "Bel-Air", "99002", 1180, "quartier de veille active"),
    ("PP09901", "poche_pauvrete", "Résidence du Moulin-Neuf", "99004", 640,
     "poche de pauvreté hors QPV (crédits 147 plafonnés à 2,5 %)"),
)

# Filosofi comparators in 2021: code → (median, poverty rate, D1, D9, households, persons).
# 99008 is small: its rate and deciles are withheld as INSEE does for small communes.
FILO_2021: dict[str, tuple[int, float | None, int | None, int | None, int, int]] = {
    "99001": (19_480, 23.4, 9_870, 37_100, 22_140, 46_310),
    "99002": (21_250, 17.2, 10_950, 38_900, 7_930, 17_180),
    "99003": (22_640, 12.9, 11_820, 40_200, 6_210, 13_790),
    "99004": (21_780, 14.8, 11_240, 38_600, 5_020, 11_080),
    "99005": (22_930, 11.6, 12_010, 40_800, 4_240, 9_560),
    "99006": (24_610, 7.4, 13_420, 43_900, 2_980, 6_950),
    "99007": (25_380, 6.1, 13_980, 45_700, 2_520, 5_870),
    "99008": (23_870, None, None, None, 1_810, 4_190),
    EPCI_CODE: (21_020, 17.1, 10_820, 39_000, 52_850, 114_930),
    DEP_CODE: (21_540, 15.3, 11_090, 38_700, 148_300, 318_900),
    "FRM": (22_880, 14.5, 11_790, 41_650, 28_560_000, 63_480_000),
}
# "Ensemble des QPV" (all metropolitan QPVs), per vintage: median, rate, D1, D9.
ENSEMBLE_FILO = {
    2017: (12_980, 44.6, 6_610, 24_300),     # QPV 2015 geography
    2019: (13_770, 43.2, 7_080, 25_480),
    2020: (14_010, 42.7, 7_220, 25_950),
    2021: (14_450, 42.1, 7_460, 26_840),
}
FRANCE_FILO = {2017: (21_110, 14.1, 10_860, 37_930), 2019: (22_040, 14.6, 11_340, 39_860),
               2020: (22_400, 14.4, 11_560, 40_510), 2021: (22_880, 14.5, 11_790, 41_650)}
# Filosofi of earlier years: 2021 value × factor (then noise, rounded to 10 €).
FILO_FACTOR = {2017: 0.925, 2019: 0.962, 2020: 0.979, 2021: 1.0}

THEMES = (
    "Emploi, insertion et développement économique",
    "Éducation et réussite éducative",
    "Santé et accès aux droits",
    "Tranquillité publique et prévention",
    "Cadre de vie et habitat",
    "Lien social, culture et sport",
    "Transition écologique",
)

LANDLORDS = (
    # name, share of attributions, share in QPV, QPVs where it has stock
    ("Lorne Habitat (fictif)", 0.48, 0.55, ("QN09901M", "QN09903M", "QN09905N", "QN09909N")),
    ("Val-de-Lorne Logement (fictif)", 0.30, 0.45, ("QN09902I", "QN09906N", "QN09907N", "QN09908N")),
    ("SA Les Coteaux (fictive)", 0.14, 0.25, ("QN09903M", "QN09904N", "QN09910N")),
    ("Foyer du Centre (fictif)", 0.08, 0.0, ()),
)
PARTIES = (("etat", 0.28, 0.74), ("communes", 0.17, 0.27), ("action_logement", 0.22, 0.22),
           ("bailleurs", 0.28, 0.30), ("autres", 0.05, 0.26))


# ── Small helpers ───────────────────────────────────────────────────────────────────────────

def fr_number(value: float | int | None, decimals: int = 0, thousands: str = "") -> str:
    """A French-formatted number: decimal comma, optional thousands separator ('' when None)."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}".replace(",", "\x00").replace(".", ",")
    return text.replace("\x00", thousands)


def _round10(x: float) -> int:
    return int(round(x / 10.0)) * 10


def _csv_bytes(header: list[str], rows: list[list[str]], *, sep: str = ";",
               encoding: str = "utf-8", bom: bool = False, crlf: bool = False,
               trailing_sep: bool = False) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n" if crlf else "\n",
                        quoting=csv.QUOTE_MINIMAL)
    extra = [""] if trailing_sep else []
    writer.writerow(header + extra)
    for row in rows:
        writer.writerow(row + extra)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _write_zip(path: Path, members: list[tuple[str, bytes]]) -> None:
    """A zip with fixed dates and attributes, so that its bytes never change."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compresslevel=6)
    path.write_bytes(buf.getvalue())


# ── Geography (Lambert-93, metres) ───────────────────────────────────────────────────────────

@dataclass
class Geography:
    hull: object
    communes: dict[str, object]          # code → Polygon (EPSG:2154)
    qpv2024: dict[str, object]
    qpv2015: dict[str, object]
    qpv_centres: dict[str, tuple[float, float]] = field(default_factory=dict)


def _xy(offset_km: tuple[float, float]) -> tuple[float, float]:
    return CENTER_L93[0] + offset_km[0] * 1000.0, CENTER_L93[1] + offset_km[1] * 1000.0


def _blob(rng: random.Random, cx: float, cy: float, radius: float, n: int = 28,
          amplitude: float = 0.12):
    """An irregular closed shape around (cx, cy): a circle with a few random harmonics."""
    from shapely.geometry import Polygon

    harmonics = [(k, rng.uniform(0.3, 1.0) * amplitude / (k - 1), rng.uniform(0, 2 * math.pi))
                 for k in (2, 3, 4, 5)]
    pts = []
    for i in range(n):
        t = 2 * math.pi * i / n
        r = radius * (1 + sum(a * math.cos(k * t + p) for k, a, p in harmonics))
        pts.append((round(cx + r * math.cos(t), 2), round(cy + r * math.sin(t), 2)))
    return Polygon(pts)


def _largest(geom):
    if geom.geom_type == "Polygon":
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    return max(parts, key=lambda g: g.area)


def build_geography(rng: random.Random) -> Geography:
    """Communes (a weighted tessellation of small Voronoi cells) and QPV contours."""
    import shapely
    from shapely.geometry import MultiPoint, Point, Polygon

    cx, cy = CENTER_L93
    p1, p2, p3 = (rng.uniform(0, 2 * math.pi) for _ in range(3))
    hull_pts = []
    for i in range(72):
        t = 2 * math.pi * i / 72
        f = 1 + 0.07 * math.cos(3 * t + p1) + 0.05 * math.cos(5 * t + p2) + 0.03 * math.cos(7 * t + p3)
        hull_pts.append((round(cx + 12_800 * f * math.cos(t), 1), round(cy + 9_400 * f * math.sin(t), 1)))
    hull = Polygon(hull_pts)

    minx, miny, maxx, maxy = hull.bounds
    seeds: list[tuple[float, float]] = []
    while len(seeds) < 650:
        x, y = round(rng.uniform(minx, maxx), 1), round(rng.uniform(miny, maxy), 1)
        if hull.contains(Point(x, y)):
            seeds.append((x, y))
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=hull.buffer(2000))
    centres = {c.code: _xy(c.offset_km) for c in COMMUNES}
    assigned: dict[str, list] = {c.code: [] for c in COMMUNES}
    cell_list = list(cells.geoms)
    for sx, sy in seeds:
        pt = Point(sx, sy)
        cell = next(g for g in cell_list if g.contains(pt))
        clipped = cell.intersection(hull)
        if clipped.is_empty:
            continue
        best = min(COMMUNES, key=lambda c: math.dist((sx, sy), centres[c.code]) / c.weight)
        assigned[best.code].append(clipped)
    communes = {code: shapely.union_all(parts) for code, parts in assigned.items()}
    # A commune in several pieces gives its small pieces to the neighbour they share most with.
    for _ in range(5):
        changed = False
        for code in list(communes):
            geom = communes[code]
            if geom.geom_type == "Polygon":
                continue
            main = _largest(geom)
            for part in geom.geoms:
                if part.equals(main):
                    continue
                other = max((c for c in communes if c != code),
                            key=lambda c: part.boundary.intersection(communes[c].boundary).length)
                communes[other] = shapely.union_all([communes[other], part])
            communes[code] = main
            changed = True
        if not changed:
            break
    communes = {code: shapely.set_precision(g, 0.01) for code, g in communes.items()}

    qpv: dict[str, object] = {}
    qpv_centres: dict[str, tuple[float, float]] = {}
    placed = []
    for q in QPVS:
        if q.offset_km is None:
            a, b = q.communes
            qx, qy = _border_point(communes[a], communes[b], centres[a], centres[b])
        else:
            qx, qy = _xy(q.offset_km)
        allowed = shapely.union_all([communes[c] for c in q.communes]).buffer(-60)
        shape = _blob(rng, qx, qy, q.radius_m).intersection(allowed)
        if placed:
            shape = shape.difference(shapely.union_all(placed).buffer(40))
        shape = shapely.set_precision(_largest(shape), 0.01)
        qpv[q.code] = shape
        qpv_centres[q.code] = (qx, qy)
        placed.append(shape)

    # 2015: QP099001 was smaller and did not cross the river into Saint-Aubin; QP099002 is
    # the same contour as QN09902I (letter I).
    ox, oy = qpv_centres["QN09901M"]
    old = shapely.union_all([_blob(rng, ox + 150, oy - 100, 600),
                             _blob(rng, ox + 650, oy - 450, 300)])
    old = _largest(old.intersection(communes["99001"].buffer(-60)))
    qpv2015 = {"QP099001": shapely.set_precision(old, 0.01), "QP099002": qpv["QN09902I"]}
    return Geography(hull, communes, qpv, qpv2015, qpv_centres)


def _border_point(ga, gb, ca, cb) -> tuple[float, float]:
    """The point of the common border of two communes closest to the line between centres."""
    from shapely.geometry import LineString

    border = ga.boundary.intersection(gb.boundary)
    mid = LineString([ca, cb]).interpolate(0.5, normalized=True)
    p = border.interpolate(border.project(mid))
    return round(p.x, 1), round(p.y, 1)


def _transformer(src: int, dst: int):
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)


def _to_crs(geom, transformer, ndigits: int):
    import shapely

    def fn(coords):
        import numpy as np

        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.round(np.column_stack([x, y]), ndigits)

    return shapely.transform(geom, fn)


def _geojson_geometry(geom) -> dict:
    from shapely.geometry import mapping

    def tolist(obj):
        if isinstance(obj, (list, tuple)):
            return [tolist(o) for o in obj]
        return obj

    m = mapping(geom)
    return {"type": m["type"], "coordinates": tolist(m["coordinates"])}


def _dump_json(obj, *, indent: int | None = None) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, indent=indent, separators=(",", ":") if indent is None
                       else (",", ": ")) + "\n").encode("utf-8")


# ── Writers, one per official format ─────────────────────────────────────────────────────────

class _Out:
    def __init__(self, root: Path):
        self.root = root
        self.paths: list[Path] = []

    def path(self, rel: str) -> Path:
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        self.paths.append(p)
        return p

    def write(self, rel: str, data: bytes) -> None:
        self.path(rel).write_bytes(data)


def _write_cog(out: _Out) -> None:
    communes = []
    for i, c in enumerate(COMMUNES):
        communes.append({
            "code": c.code, "nom": c.name, "typeLiaison": 0, "zone": "metro",
            "arrondissement": "991", "departement": DEP_CODE, "region": REG_CODE,
            "type": "commune-actuelle", "rangChefLieu": 3 if i == 0 else 0,
            "siren": f"2199{c.code[2:]}{i % 10}", "codesPostaux": [c.postcode],
            "population": c.population,
        })
    # One commune déléguée, as in the real file (a loader keeps only commune-actuelle).
    communes.append({"code": "99009", "nom": "Lorne-le-Vieux (commune déléguée)", "typeLiaison": 0,
                     "arrondissement": "991", "departement": DEP_CODE, "region": REG_CODE,
                     "type": "commune-deleguee", "chefLieu": "99004", "zone": "metro"})
    # The real file is one object per line inside a JSON array.
    lines = ",\n".join(json.dumps(c, ensure_ascii=False, separators=(",", ":")) for c in communes)
    out.write("cog/communes.json", ("[\n" + lines + "\n]\n").encode("utf-8"))
    total = sum(c.population for c in COMMUNES)
    epci = [{
        "code": EPCI_CODE, "nom": EPCI_NAME, "type": "CA", "modeFinancement": "FPU",
        "populationTotale": int(total * 1.018), "populationMunicipale": total,
        "membres": [{"code": c.code, "siren": f"2199{c.code[2:]}{i % 10}", "nom": c.name,
                     "populationTotale": int(c.population * 1.018),
                     "populationMunicipale": c.population} for i, c in enumerate(COMMUNES)],
    }]
    out.write("cog/epci.json", _dump_json(epci))
    out.write("cog/departements.json", _dump_json([{
        "code": DEP_CODE, "region": REG_CODE, "chefLieu": "99001", "nom": DEP_NAME,
        "typeLiaison": 0, "zone": "metro"}]))
    out.write("cog/regions.json", _dump_json([{
        "code": REG_CODE, "chefLieu": "99001", "nom": REG_NAME, "typeLiaison": 0, "zone": "metro"}]))


def _write_contours(out: _Out, geo: Geography) -> None:
    to_wgs = _transformer(2154, 4326)
    features = []
    for c in COMMUNES:
        g = _to_crs(geo.communes[c.code], to_wgs, 6)
        features.append({"type": "Feature",
                         "properties": {"code": c.code, "nom": c.name, "departement": DEP_CODE,
                                        "region": REG_CODE, "epci": EPCI_CODE},
                         "geometry": _geojson_geometry(g)})
    out.write("contours/communes_val_de_lorne_wgs84.geojson",
              _dump_json({"type": "FeatureCollection", "features": features}))

    features = []
    for q in QPVS:
        names = [COMMUNE_BY_CODE[c].name for c in q.communes]
        features.append({"type": "Feature", "properties": {
            "code_qp": q.code, "lib_qp": q.name, "insee_reg": REG_CODE, "lib_reg": REG_NAME,
            "insee_dep": DEP_CODE, "lib_dep": DEP_NAME, "insee_com": ",".join(q.communes),
            "lib_com": ",".join(names), "siren_epci": EPCI_CODE},
            "geometry": _geojson_geometry(geo.qpv2024[q.code])})
    # As GDAL writes it: `crs` (with its own "properties") before the features.
    out.write("contours/QP2024_Val_de_Lorne_Lambert93.geojson", _dump_json({
        "type": "FeatureCollection", "name": "QP2024_Val_de_Lorne_Lambert93",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
        "features": features}))

    features = []
    for code, name, commune, *_ in QPV2015:
        g = _to_crs(geo.qpv2015[code], to_wgs, 6)
        features.append({"type": "Feature", "properties": {
            "CODE_QP": code, "NOM_QP": name, "COMMUNE_QP": COMMUNE_BY_CODE[commune].name},
            "geometry": _geojson_geometry(g)})
    out.write("contours/QP2015_Val_de_Lorne_WGS84.geojson",
              _dump_json({"type": "FeatureCollection", "features": features}))


# INSEE QPV statistics ------------------------------------------------------------------------

# The "ensemble des QPV" row: a code in most files, an empty CODGEO with only the label in others
# (the 2020 Filosofi file and the 2015-geography file), as both layouts are met.
ENSEMBLE_CODE = {2024: "ENSEMBLE_QPV_2024", 2015: "ENSEMBLE_QPV_2015"}
ENSEMBLE_LABEL = "Ensemble des quartiers prioritaires de France métropolitaine"
FLAGGED_2020 = "QN09907N"     # Filosofi 2020 values present but NOTE_FILO=1


def _filo_year(rng: random.Random, year: int) -> dict[str, tuple]:
    """Filosofi values of one year for every QPV 2024 and comparator (None: withheld)."""
    f = FILO_FACTOR[year]
    values: dict[str, tuple] = {}
    for q in QPVS:
        if q.med is None:
            values[q.code] = (None, None, None, None)
            continue
        if year == 2021:
            values[q.code] = (q.med, q.tp60, q.d1, q.d9)
            continue
        values[q.code] = (_round10(q.med * f * rng.uniform(0.99, 1.01)),
                          round(q.tp60 + (2021 - year) * 0.4 + rng.uniform(-0.8, 0.8), 1),
                          _round10(q.d1 * f * rng.uniform(0.98, 1.02)),
                          _round10(q.d9 * f * rng.uniform(0.99, 1.01)))
    return values


def _comparator_filo(rng: random.Random, year: int) -> dict[str, tuple]:
    f = FILO_FACTOR[year]
    values = {}
    for code, (med, tp, d1, d9, men, pers) in FILO_2021.items():
        if code == "FRM":
            fm, ftp, fd1, fd9 = FRANCE_FILO[year]
            values[code] = (fm, ftp, fd1, fd9, men, pers)
            continue
        if year == 2021:
            values[code] = (med, tp, d1, d9, men, pers)
            continue
        g = rng.uniform(0.995, 1.005)
        values[code] = (_round10(med * f * g),
                        None if tp is None else round(tp + (2021 - year) * 0.2 + rng.uniform(-0.5, 0.5), 1),
                        None if d1 is None else _round10(d1 * f * g),
                        None if d9 is None else _round10(d9 * f * g),
                        int(men * (1 - (2021 - year) * 0.004)), int(pers * (1 - (2021 - year) * 0.003)))
    return values


def _meta(rows: list[tuple[str, str]], encoding: str) -> bytes:
    return _csv_bytes(["COD_VAR", "LIB_VAR"], [list(r) for r in rows], encoding=encoding)


def _write_insee_qpv(out: _Out, rng: random.Random) -> dict[int, dict[str, tuple]]:
    """The INSEE QPV zips; returns the QPV Filosofi values written, per year."""
    written: dict[int, dict[str, tuple]] = {}

    # Filosofi 2019, 2020, 2021 on the QPV 2024 geography: three encodings/layouts.
    layouts = {
        # year: (encoding, bom, crlf, trailing separator, thousands separator)
        2019: ("latin-1", False, True, False, "\u00a0"),
        2020: ("utf-8", True, False, False, ""),
        2021: ("utf-8", False, False, True, "\u202f"),
    }
    for year, (enc, bom, crlf, trailing, thousands) in layouts.items():
        yy = f"{year % 100:02d}"
        vals = _filo_year(rng, year)
        written[year] = vals
        names = [f"DISP_MED_A{yy}", f"DISP_TP60_A{yy}", f"DISP_D1_A{yy}", f"DISP_D9_A{yy}"]
        header = ["CODGEO", "LIBGEO"] + names + ["NOTE_FILO"]
        em, et, e1, e9 = ENSEMBLE_FILO[year]
        rows = [["" if year == 2020 else ENSEMBLE_CODE[2024], ENSEMBLE_LABEL, fr_number(em, 0, thousands),
                 fr_number(et, 1), fr_number(e1, 0, thousands), fr_number(e9, 0, thousands), ""]]
        for q in QPVS:
            med, tp, d1, d9 = vals[q.code]
            note = ""
            cells = [fr_number(med, 0, thousands), fr_number(tp, 1), fr_number(d1, 0, thousands),
                     fr_number(d9, 0, thousands)]
            if med is None:
                cells = ["s", "s", "s", "s"]
                note = "1"
            elif year == 2019 and q.code == "QN09904N":
                # Deciles not available that year for this small quartier.
                cells[2] = cells[3] = "nd"
            elif year == 2020 and q.code == "QN09909N":
                cells[1] = "s"
            elif year == 2020 and q.code == FLAGGED_2020:
                note = "1"     # values printed but flagged: not to be used
            rows.append([q.code, q.name] + cells + [note])
        base = f"QPV2024_FILOSOFI_{year}"
        data = _csv_bytes(header, rows, encoding=enc, bom=bom, crlf=crlf, trailing_sep=trailing)
        meta = _meta([("CODGEO", "Code du quartier prioritaire"),
                      ("LIBGEO", "Libellé du quartier prioritaire"),
                      (names[0], f"Médiane du revenu disponible par unité de consommation en {year} (euros)"),
                      (names[1], f"Taux de pauvreté au seuil de 60 % du revenu disponible en {year} (%)"),
                      (names[2], f"1er décile du revenu disponible par unité de consommation en {year} (euros)"),
                      (names[3], f"9e décile du revenu disponible par unité de consommation en {year} (euros)"),
                      ("NOTE_FILO", "Indicatrice : 1 si les données Filosofi du quartier sont soumises au secret statistique")],
                     enc)
        _write_zip(out.path(f"insee_qpv/{base}.zip"),
                   [(f"data_{base}.csv", data), (f"meta_{base}.csv", meta)])

    # Filosofi 2017 on the QPV 2015 geography (QP codes), Latin-1.
    em, et, e1, e9 = ENSEMBLE_FILO[2017]
    header = ["CODGEO", "LIBGEO", "DISP_MED17", "DISP_TP6017", "DISP_D117", "DISP_D917"]
    rows = [["", ENSEMBLE_LABEL + " (géographie 2015)", fr_number(em),
             fr_number(et, 1), fr_number(e1), fr_number(e9)]]
    for code, name, _commune, _pop, med, tp, d1, d9 in QPV2015:
        rows.append([code, name, fr_number(med), fr_number(tp, 1), fr_number(d1), fr_number(d9)])
    written[2017] = {r[0]: r for r in QPV2015}
    base = "QPV2015_FILOSOFI_2017"
    _write_zip(out.path(f"insee_qpv/{base}.zip"), [
        (f"data_{base}.csv", _csv_bytes(header, rows, encoding="latin-1")),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire (géographie 2015)"),
            ("LIBGEO", "Libellé du quartier prioritaire"),
            ("DISP_MED17", "Médiane du revenu disponible par unité de consommation en 2017 (euros)"),
            ("DISP_TP6017", "Taux de pauvreté au seuil de 60 % en 2017 (%)"),
            ("DISP_D117", "1er décile du revenu disponible par UC en 2017 (euros)"),
            ("DISP_D917", "9e décile du revenu disponible par UC en 2017 (euros)")], "latin-1")),
    ])

    # Recensement 2020: population, families, ages, activity.
    names = ["POP_MUN_A20", "PART_FAM_MONO_A20", "PART_FAM_NOMB_A20", "PART_MOINS18_A20",
             "PART_75ETPLUS_A20", "TX_ACT_A20", "TX_TOT_EMPL_A20"]
    rows = [[ENSEMBLE_CODE[2024], ENSEMBLE_LABEL, fr_number(5_918_340, 0, "\u202f"), "24,8", "13,6",
             "30,2", "6,1", "64,3", "50,4", ""]]
    for q in QPVS:
        rows.append([q.code, q.name, fr_number(q.pop, 0, "\u202f"), fr_number(q.fam_mono, 1),
                     fr_number(q.fam_nomb, 1), fr_number(q.moins18, 1), fr_number(q.plus75, 1),
                     "s" if q.tx_act is None else fr_number(q.tx_act, 1),
                     "s" if q.tx_empl is None else fr_number(q.tx_empl, 1), ""])
    base = "QPV2024_RP_2020"
    _write_zip(out.path(f"insee_qpv/{base}.zip"), [
        (f"data_{base}.csv", _csv_bytes(["CODGEO", "LIBGEO"] + names + ["NOTE_RP"], rows)),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire"), ("LIBGEO", "Libellé du quartier prioritaire"),
            ("POP_MUN_A20", "Population municipale en 2020"),
            ("PART_FAM_MONO_A20", "Part des familles monoparentales parmi les familles avec enfants en 2020 (%)"),
            ("PART_FAM_NOMB_A20", "Part des familles de 3 enfants ou plus parmi les familles avec enfants en 2020 (%)"),
            ("PART_MOINS18_A20", "Part des moins de 18 ans en 2020 (%)"),
            ("PART_75ETPLUS_A20", "Part des 75 ans ou plus en 2020 (%)"),
            ("TX_ACT_A20", "Taux d'activité des 15-64 ans en 2020 (%)"),
            ("TX_TOT_EMPL_A20", "Taux d'emploi des 15-64 ans en 2020 (%)"),
            ("NOTE_RP", "Indicatrice : 1 si des données du recensement sont soumises au secret")], "utf-8")),
    ])

    # Demandeurs d'emploi 2023 (count and education levels in % of ABC).
    names = ["ABC_A23", "ABC_INFCAPBEP_A23", "ABC_CAPBEP_A23", "ABC_BAC_A23", "ABC_SUPBAC_A23"]
    rows = [[ENSEMBLE_CODE[2024], ENSEMBLE_LABEL, fr_number(612_450, 0, " "), "30,9", "27,2",
             "23,4", "18,5", ""]]
    for q in QPVS:
        rows.append([q.code, q.name, fr_number(q.abc)] + [fr_number(v, 1) for v in q.abc_levels] + [""])
    base = "QPV2024_DEMANDEURS_EMPLOI_2023"
    _write_zip(out.path(f"insee_qpv/{base}.zip"), [
        (f"data_{base}.csv", _csv_bytes(["CODGEO", "LIBGEO"] + names + ["NOTE_PE"], rows)),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire"), ("LIBGEO", "Libellé du quartier prioritaire"),
            ("ABC_A23", "Demandeurs d'emploi de catégories A, B, C au 31 décembre 2023"),
            ("ABC_INFCAPBEP_A23", "Part des demandeurs d'emploi ABC de niveau inférieur au CAP-BEP en 2023 (%)"),
            ("ABC_CAPBEP_A23", "Part des demandeurs d'emploi ABC de niveau CAP-BEP en 2023 (%)"),
            ("ABC_BAC_A23", "Part des demandeurs d'emploi ABC de niveau bac en 2023 (%)"),
            ("ABC_SUPBAC_A23", "Part des demandeurs d'emploi ABC de niveau supérieur au bac en 2023 (%)"),
            ("NOTE_PE", "Indicatrice : 1 si les données France Travail sont soumises au secret")], "utf-8")),
    ])

    # CAF 2022: share of low-income recipients (not the Filosofi poverty rate).
    rows = [[ENSEMBLE_CODE[2024], ENSEMBLE_LABEL, "51,7", ""]]
    for q in QPVS:
        rows.append([q.code, q.name, "nd" if q.caf_bas_rev is None else fr_number(q.caf_bas_rev, 1),
                     "1" if q.caf_bas_rev is None else ""])
    base = "QPV2024_CAF_2022"
    _write_zip(out.path(f"insee_qpv/{base}.zip"), [
        (f"data_{base}.csv", _csv_bytes(["CODGEO", "LIBGEO", "PART_ALLOC_BAS_REV_A22", "NOTE_CNAF"],
                                        rows, encoding="latin-1")),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire"), ("LIBGEO", "Libellé du quartier prioritaire"),
            ("PART_ALLOC_BAS_REV_A22", "Part des allocataires à bas revenus en 2022 (%)"),
            ("NOTE_CNAF", "Indicatrice : 1 si les données Cnaf ne sont pas disponibles")], "latin-1")),
    ])

    # Logement social 2022.
    rows = [[ENSEMBLE_CODE[2024], ENSEMBLE_LABEL, fr_number(1_512_300, 0, "\u202f"), "64,2"]]
    for q in QPVS:
        rows.append([q.code, q.name, fr_number(q.nb_lls), fr_number(q.part_lls, 1)])
    base = "QPV2024_LOGEMENT_SOCIAL_2022"
    _write_zip(out.path(f"insee_qpv/{base}.zip"), [
        (f"data_{base}.csv", _csv_bytes(["CODGEO", "LIBGEO", "NB_LLS_A22", "PART_LLS_A22"], rows)),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire"), ("LIBGEO", "Libellé du quartier prioritaire"),
            ("NB_LLS_A22", "Nombre de logements locatifs sociaux en 2022"),
            ("PART_LLS_A22", "Part des logements locatifs sociaux parmi les résidences principales en 2022 (%)")],
            "utf-8")),
    ])
    return written


# INSEE commune-style comparators ------------------------------------------------------------

def _comparator_rows_label(code: str) -> str:
    if code in COMMUNE_BY_CODE:
        return COMMUNE_BY_CODE[code].name
    return {EPCI_CODE: EPCI_NAME, DEP_CODE: DEP_NAME, "FRM": "France métropolitaine"}[code]


def _write_insee_communes(out: _Out, rng: random.Random) -> None:
    # Filosofi, in the layout of cc_filosofi_2021_COM.csv (MED21, TP6021, D121, D921…).
    for year in (2017, 2019, 2020, 2021):
        yy = f"{year % 100:02d}"
        vals = _comparator_filo(rng, year)
        header = ["CODGEO", f"NBMENFISC{yy}", f"NBPERSMENFISC{yy}", f"MED{yy}", f"TP60{yy}",
                  f"D1{yy}", f"D9{yy}", f"RD{yy}"]
        rows = []
        for code, (med, tp, d1, d9, men, pers) in vals.items():
            rd = None if d1 is None or d9 is None else round(d9 / d1, 1)
            rows.append([code, str(men), str(pers), fr_number(med), fr_number(tp, 1) if tp is not None else "s",
                         fr_number(d1) if d1 is not None else "s", fr_number(d9) if d9 is not None else "s",
                         fr_number(rd, 1) if rd is not None else "s"])
        out.write(f"insee_communes/cc_filosofi_{year}_val_de_lorne.csv", _csv_bytes(header, rows))

    total_pop = sum(c.population for c in COMMUNES)
    # RP 2020, job seekers 2023, CAF 2022, social housing 2022 — one file each.
    profiles = {
        # code: pop2020, fam_mono, fam_nomb, moins18, plus75, tx_act, tx_empl,
        #       abc, infcap, capbep, bac, supbac, caf_bas_rev, nb_lls, part_lls
        "99001": (48_910, 27.4, 11.2, 23.1, 9.8, 71.2, 60.4, 4_210, 29.8, 28.1, 23.6, 18.5, 41.2, 8_950, 36.8),
        "99002": (17_760, 22.9, 9.8, 22.4, 10.3, 73.4, 64.1, 1_290, 26.4, 29.0, 24.8, 19.8, 33.5, 2_640, 31.2),
        "99003": (14_110, 19.8, 8.9, 21.8, 10.9, 74.6, 66.8, 870, 24.1, 29.4, 25.5, 21.0, 28.0, 1_510, 23.9),
        "99004": (11_520, 21.6, 9.4, 22.0, 11.2, 73.9, 65.2, 760, 25.9, 30.1, 24.6, 19.4, 31.4, 1_380, 27.6),
        "99005": (9_780, 18.9, 8.5, 21.5, 11.6, 75.1, 67.9, 540, 23.5, 30.0, 25.9, 20.6, 26.2, 940, 22.1),
        "99006": (7_090, 14.2, 7.9, 21.2, 11.1, 77.3, 71.5, 290, 19.8, 29.2, 27.4, 23.6, 18.9, 210, 7.2),
        "99007": (5_960, 13.1, 7.6, 22.3, 10.4, 78.0, 72.6, 230, 18.5, 28.6, 28.1, 24.8, 17.1, 140, 5.6),
        "99008": (4_280, 15.0, 8.1, 21.0, 12.3, 76.4, 70.2, 180, 21.3, 30.4, 26.9, 21.4, "s", 95, 5.3),
        EPCI_CODE: (total_pop + 0, 23.6, 10.1, 22.4, 10.4, 73.2, 63.5, 8_370, 27.1, 28.8, 24.5, 19.6, 34.8, 15_865, 29.1),
        DEP_CODE: (318_600, 21.9, 9.6, 21.6, 11.4, 74.1, 65.8, 21_940, 25.6, 29.3, 24.9, 20.2, 30.9, 31_200, 20.4),
        "FRM": (65_269_154, 23.9, 9.9, 21.4, 9.6, 74.3, 66.3, 5_420_000, 22.3, 27.5, 25.3, 24.9, 29.6, 4_950_000, 16.7),
    }
    # The EPCI's 2020 population is the sum of its communes' 2020 populations.
    epci = list(profiles[EPCI_CODE])
    epci[0] = sum(profiles[c.code][0] for c in COMMUNES)
    profiles[EPCI_CODE] = tuple(epci)

    def num(v, d=1, thousands=""):
        return v if isinstance(v, str) else fr_number(v, d, thousands)

    rows = [[code, _comparator_rows_label(code), num(p[0], 0, " "), num(p[1]), num(p[2]), num(p[3]),
             num(p[4]), num(p[5]), num(p[6])] for code, p in profiles.items()]
    out.write("insee_communes/rp_2020_comparateurs.csv", _csv_bytes(
        ["CODGEO", "LIBGEO", "POP_MUN_A20", "PART_FAM_MONO_A20", "PART_FAM_NOMB_A20",
         "PART_MOINS18_A20", "PART_75ETPLUS_A20", "TX_ACT_A20", "TX_TOT_EMPL_A20"], rows))
    rows = [[code, _comparator_rows_label(code), num(p[7], 0), num(p[8]), num(p[9]), num(p[10]),
             num(p[11])] for code, p in profiles.items()]
    out.write("insee_communes/demandeurs_emploi_2023_comparateurs.csv", _csv_bytes(
        ["CODGEO", "LIBGEO", "ABC_A23", "ABC_INFCAPBEP_A23", "ABC_CAPBEP_A23", "ABC_BAC_A23",
         "ABC_SUPBAC_A23"], rows, encoding="latin-1"))
    rows = [[code, _comparator_rows_label(code), num(p[12])] for code, p in profiles.items()]
    out.write("insee_communes/caf_2022_comparateurs.csv", _csv_bytes(
        ["CODGEO", "LIBGEO", "PART_ALLOC_BAS_REV_A22"], rows))
    rows = [[code, _comparator_rows_label(code), num(p[13], 0), num(p[14])] for code, p in profiles.items()]
    out.write("insee_communes/logement_social_2022_comparateurs.csv", _csv_bytes(
        ["CODGEO", "LIBGEO", "NB_LLS_A22", "PART_LLS_A22"], rows))


# Filosofi 200 m grid -------------------------------------------------------------------------

GRID_YEAR = 2019
GRID_COLUMNS = ["Idcar_200m", "Ind", "Men", "Men_pauv", "Ind_snv", "Men_1ind", "Men_5ind",
                "Men_fmp", "Men_prop", "Log_soc", "Ind_0_3", "Ind_4_5", "Ind_6_10", "Ind_11_17",
                "Ind_18_24", "Ind_25_39", "Ind_40_54", "Ind_55_64", "Ind_65_79", "Ind_80p",
                "lcog_geo"]
AGE_SHARES_QPV = (0.062, 0.033, 0.085, 0.115, 0.098, 0.205, 0.180, 0.100, 0.087, 0.035)
AGE_SHARES_OTHER = (0.040, 0.024, 0.062, 0.090, 0.075, 0.170, 0.205, 0.130, 0.145, 0.059)


@dataclass(frozen=True)
class GridPocket:
    """A block of squares planted in the grid with QPV-like incomes (mean standard of living
    10 200–11 600 €, far below the demo's threshold S of about 12 900 €), whose detection by
    indicators/pockets.py is known in advance."""

    name: str
    anchor_km: tuple[float, float]   # a point of the block's lower-left square (offset, km)
    cols: int
    rows: int
    population: int | None           # spread over the block; None: the QPV's own squares
    qpv: str | None                  # inside this QPV (its squares of the block only)
    detected: bool
    why: str


GRID_POCKETS = (
    GridPocket("Les Peupliers", (3.0, -3.2), 3, 3, 1_260, None, True,
               "poche détectée, à cheval sur Lorneville et Saint-Aubin-sur-Lorne"),
    GridPocket("La Brosse", (-7.0, 1.0), 2, 4, 980, None, False,
               "leurre : 980 habitants, sous le seuil de 1 000"),
    GridPocket("Cœur du Vieux Moulin", (-1.9, 1.1), 4, 3, None, "QN09901M", False,
               "leurre : dans le QPV Vieux Moulin - Paradis - Les Hauts de Lorne"),
)
# A poor square withheld at the source (every count empty), on the east side of Les Peupliers'
# middle row: it is in no pocket and in no figure.
GRID_WITHHELD = (("Les Peupliers", 3, 1),)      # pocket, column, row (may lie outside the block)


def grid_pocket_squares(p: GridPocket) -> list[tuple[int, int]]:
    """The EPSG:3035 lower-left corners of a planted block's squares (before the QPV filter)."""
    x, y = _transformer(2154, 3035).transform(*_xy(p.anchor_km))
    x0, y0 = math.floor(x / 200) * 200, math.floor(y / 200) * 200
    return [(x0 + 200 * i, y0 + 200 * j) for j in range(p.rows) for i in range(p.cols)]


def grid_withheld_squares() -> list[tuple[int, int]]:
    by_name = {p.name: p for p in GRID_POCKETS}
    out = []
    for name, i, j in GRID_WITHHELD:
        x0, y0 = grid_pocket_squares(by_name[name])[0]
        out.append((x0 + 200 * i, y0 + 200 * j))
    return out


def grid_cell_id(xy: tuple[int, int]) -> str:
    return f"CRS3035RES200mN{int(xy[1])}E{int(xy[0])}"


def _write_grid(out: _Out, rng: random.Random, geo: Geography) -> None:
    import numpy as np
    import shapely

    to3035 = _transformer(2154, 3035)
    communes = {c: _to_crs(g, to3035, 2) for c, g in geo.communes.items()}
    qpvs = {c: _to_crs(g, to3035, 2) for c, g in geo.qpv2024.items()}
    hull = _to_crs(geo.hull, to3035, 2)
    minx, miny, maxx, maxy = hull.bounds
    x0, y0 = math.floor(minx / 200) * 200, math.floor(miny / 200) * 200
    xs = np.arange(x0, maxx, 200.0)
    ys = np.arange(y0, maxy, 200.0)
    gx, gy = np.meshgrid(xs, ys)
    gx, gy = gx.ravel(), gy.ravel()
    cxs, cys = gx + 100, gy + 100

    def where(px, py) -> np.ndarray:
        codes = np.full(px.shape, "", dtype=object)
        for code, g in communes.items():
            codes[shapely.contains_xy(g, px, py)] = code
        return codes

    centre_commune = where(cxs, cys)
    corners = [where(gx + dx, gy + dy) for dx in (1, 199) for dy in (1, 199)]
    in_qpv = np.full(gx.shape, "", dtype=object)
    for code, g in qpvs.items():
        in_qpv[shapely.contains_xy(g, cxs, cys)] = code

    centres3035 = {}
    for c in COMMUNES:
        x, y = to3035.transform(*_xy(c.offset_km))
        centres3035[c.code] = (x, y)

    ind = np.zeros(gx.shape)
    # QPV population, spread over the QPV's squares.
    for q in QPVS:
        idx = np.nonzero(in_qpv == q.code)[0]
        w = np.array([rng.lognormvariate(0, 0.3) for _ in idx])
        ind[idx] = q.pop * 0.97 * w / w.sum()
    # The rest of each commune, denser near its centre.
    for c in COMMUNES:
        in_c = (centre_commune == c.code) & (in_qpv == "")
        idx = np.nonzero(in_c)[0]
        qpv_pop = sum(q.pop / len(q.communes) for q in QPVS if c.code in q.communes)
        rest = c.population * 0.975 - qpv_pop
        sigma = 1100 * math.sqrt(c.population / 10_000)
        cx, cy = centres3035[c.code]
        d2 = (cxs[idx] - cx) ** 2 + (cys[idx] - cy) ** 2
        w = np.exp(-d2 / (2 * sigma ** 2)) * np.array([rng.lognormvariate(0, 0.6) for _ in idx])
        w = w / w.sum() * rest
        keep = w >= 6
        w = np.where(keep, w, 0)
        w = w / w.sum() * rest
        ind[idx] = w

    # Planted poverty pockets (GRID_POCKETS) and withheld squares (GRID_WITHHELD). Squares that
    # had nobody before draw from their own generator, so the rest of the demo is unchanged.
    existed = ind > 0
    prng = random.Random(SEED + 14)
    index = {(int(a), int(b)): k for k, (a, b) in enumerate(zip(gx, gy))}
    planted = np.full(gx.shape, "", dtype=object)
    for p in GRID_POCKETS:
        cells = np.array([index[xy] for xy in grid_pocket_squares(p)])
        if p.qpv is not None:
            cells = cells[in_qpv[cells] == p.qpv]
            if ind[cells].sum() < 1_000:
                raise AssertionError(f"{p.name}: moins de 1 000 habitants dans le QPV")
        else:
            if (in_qpv[cells] != "").any() or (centre_commune[cells] == "").any():
                raise AssertionError(f"{p.name}: bloc hors du territoire ou dans un QPV")
            touched = sorted(set(centre_commune[cells]))
            others = {c: (centre_commune == c) & (in_qpv == "") & (planted == "") for c in touched}
            before = {c: ind[others[c]].sum() for c in touched}
            w = np.array([prng.lognormvariate(0, 0.2) for _ in cells])
            ind[cells] = p.population * w / w.sum()
            for c in touched:   # the commune keeps its population: its other squares give it up
                rest_mask = others[c].copy()
                rest_mask[cells] = False
                ind[rest_mask] *= (before[c] - ind[cells][centre_commune[cells] == c].sum()) / ind[rest_mask].sum()
        planted[cells] = p.name
    withheld = np.zeros(gx.shape, dtype=bool)
    for xy in grid_withheld_squares():
        k = index[xy]
        withheld[k] = True
        planted[k] = "secret"
        ind[k] = max(float(ind[k]), 40.0)

    rows = []
    order = np.lexsort((gx, gy))
    for i in order:
        if ind[i] <= 0 or not centre_commune[i]:
            continue
        r = rng if existed[i] else prng
        n = float(ind[i])
        codes = sorted({centre_commune[i]} | {c[i] for c in corners if c[i]})
        is_qpv = bool(in_qpv[i]) or bool(planted[i])
        poor_pocket = bool(planted[i])
        size = r.uniform(2.2, 2.6) if is_qpv else r.uniform(2.0, 2.4)
        men = n / size
        poor = (r.uniform(0.42, 0.52) if poor_pocket else r.uniform(0.38, 0.55) if is_qpv else
                (r.uniform(0.10, 0.22) if centre_commune[i] == "99001" else r.uniform(0.03, 0.12)))
        snv = n * (r.uniform(10_200, 11_600) if poor_pocket else
                   r.uniform(13_500, 16_000) if is_qpv else r.uniform(22_000, 30_000))
        shares = AGE_SHARES_QPV if is_qpv else AGE_SHARES_OTHER
        noisy = [s * r.uniform(0.85, 1.15) for s in shares]
        ages = [round(n * s / sum(noisy), 1) for s in noisy[:-1]]
        last = round(n - sum(ages), 1)
        if last < 0:     # rounding: take the difference from the largest band
            k = ages.index(max(ages))
            ages[k] = round(ages[k] + last, 1)
            last = 0.0
        ages.append(last)
        values = [n, men, men * poor, snv, men * r.uniform(0.30, 0.42),
                  men * (r.uniform(0.08, 0.14) if is_qpv else r.uniform(0.03, 0.07)),
                  men * (r.uniform(0.14, 0.24) if is_qpv else r.uniform(0.06, 0.11)),
                  men * (r.uniform(0.05, 0.15) if is_qpv else r.uniform(0.45, 0.75)),
                  men * (r.uniform(0.60, 0.90) if is_qpv else r.uniform(0.0, 0.12))]
        cell = grid_cell_id((gx[i], gy[i]))
        counts = [f"{v:.1f}" for v in values] + [f"{v:.1f}" for v in ages]
        if withheld[i]:
            counts = [""] * len(counts)
        rows.append([cell] + counts + ["".join(codes)])
    labels = {
        "Idcar_200m": "Identifiant Inspire du carreau de 200 m", "Ind": "Nombre d'individus",
        "Men": "Nombre de ménages", "Men_pauv": "Nombre de ménages pauvres",
        "Ind_snv": f"Somme des niveaux de vie winsorisés des individus en {GRID_YEAR}",
        "Men_1ind": "Nombre de ménages d'un seul individu", "Men_5ind": "Nombre de ménages de 5 individus ou plus",
        "Men_fmp": "Nombre de ménages monoparentaux", "Men_prop": "Nombre de ménages propriétaires",
        "Log_soc": "Nombre de logements sociaux", "lcog_geo": "Code(s) commune du carreau",
    }
    meta = [(c, labels.get(c, f"Nombre d'individus de la tranche {c[4:].replace('_', ' à ')} ans"))
            for c in GRID_COLUMNS]
    _write_zip(out.path(f"carreaux/Filosofi{GRID_YEAR}_carreaux_200m_csv.zip"), [
        ("carreaux_200m_met.csv", _csv_bytes(GRID_COLUMNS, rows, sep=",")),
        ("meta_carreaux_200m_met.csv", _meta(meta, "utf-8"))])


# Programme template --------------------------------------------------------------------------

def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return fr_number(value, 2).rstrip("0").rstrip(",") if value != int(value) else fr_number(value, 1)
    if isinstance(value, (list, tuple)):
        return ",".join(value)
    return str(value)


def _template_rows(table: str, rows: list[dict]) -> tuple[list[str], list[list[str]]]:
    spec = TEMPLATE_TABLES[table]
    for r in rows:
        unknown = set(r) - set(spec.names)
        if unknown:
            raise ValueError(f"{table}: unknown columns {sorted(unknown)}")
    return list(spec.names), [[_cell(r.get(n)) for n in spec.names] for r in rows]


def _template_csv(out: _Out, table: str, rows: list[dict], *, sep: str = ";",
                  encoding: str = "utf-8") -> None:
    header, cells = _template_rows(table, rows)
    out.write(f"programme/{table}.csv", _csv_bytes(header, cells, sep=sep, encoding=encoding))


def _template_xlsx(out: _Out, name: str, tables: dict[str, list[dict]]) -> None:
    """One workbook with one sheet per table; numbers typed as numbers, fixed metadata."""
    import datetime

    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for table, rows in tables.items():
        spec = TEMPLATE_TABLES[table]
        ws = wb.create_sheet(table)
        ws.append(list(spec.names))
        for r in rows:
            line = []
            for col in spec.columns:
                v = r.get(col.name)
                if v is None:
                    line.append(None)
                elif col.type in ("int", "number", "year") and not isinstance(v, str):
                    line.append(v)
                else:
                    line.append(_cell(v))
            ws.append(line)
    fixed = datetime.datetime(2024, 6, 1)
    wb.properties.creator = "Démonstration Val-de-Lorne (fictif)"
    wb.properties.created = fixed
    _save_stable_xlsx(wb, out.path(f"programme/{name}"))


def _save_stable_xlsx(wb, path: Path) -> None:
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps the save time and the zip dates: rewrite both so the bytes are stable.
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    members = []
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename == "docProps/core.xml":
            data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                          rb"\g<1>2024-06-01T00:00:00Z\g<2>", data)
        members.append((info.filename, data))
    _write_zip(path, members)


def _programme(rng: random.Random) -> dict[str, list[dict]]:
    c = CONTRACT
    docs = [
        ("doc-cdv", "Contrat de ville Val-de-Lorne 2024–2030 (document fictif)", "2024-03-15"),
        ("doc-bilan-2025", "Bilan annuel du contrat de ville 2025 (document fictif)", "2026-02-10"),
        ("doc-cia", "Convention intercommunale d'attribution de Val-de-Lorne (document fictif)", "2021-11-30"),
        ("doc-portraits", "Portraits de quartiers de Val-de-Lorne (document fictif)", "2023-10-05"),
    ]
    tables: dict[str, list[dict]] = {}
    tables["contracts"] = [{
        "contract": c, "contract_name": "Contrat de ville de Val-de-Lorne (fictif)",
        "epci_code": EPCI_CODE, "period_label": "2020–2026", "start_year": 2020, "end_year": 2026,
        "is_fictional": True}]
    tables["documents"] = [{
        "contract": c, "document_id": d, "title": t, "producer": EPCI_NAME, "published_on": on,
        "licence": FICTIONAL_NOTE} for d, t, on in docs]
    # The contract's QPVs (the official contour file names them too: same names) and the
    # areas only the contract declares (watch-list neighbourhoods, a poverty pocket).
    tables["territories"] = [{
        "contract": c, "territory_code": q.code, "territory_level": "qpv", "territory_name": q.name,
        "parent_codes": list(q.communes), "geography_vintage": 2024, "in_contract": True,
        "document_id": "doc-cdv", "source_ref": "annexe 1 (fictive)"} for q in QPVS]
    tables["territories"] += [{
        "contract": c, "territory_code": code, "territory_level": "qpv", "territory_name": name,
        "parent_codes": [commune], "geography_vintage": 2015, "in_contract": True,
        "note": "géographie 2015 (contrat précédent)", "document_id": "doc-cdv",
        "source_ref": "annexe 1 (fictive)"} for code, name, commune, *_ in QPV2015]
    tables["territories"] += [{
        "contract": c, "territory_code": code, "territory_level": level, "territory_name": name,
        "parent_codes": [commune], "population": pop, "population_year": 2020, "in_contract": True,
        "note": note, "document_id": "doc-cdv", "source_ref": "annexe 1 (fictive)"}
        for code, level, name, commune, pop, note in LOCAL_AREAS]

    tables["published_values"] = [
        {"contract": c, "territory_code": "QN09901M", "territory_level": "qpv",
         "indicator_id": "fragile_occupation_dwellings_pct", "year": 2022, "value": 90.0,
         "numerator": 900, "denominator": 1000, "status": "ok",
         "source_note": "Bailleurs – enquête OPS 2022 (fictif)", "document_id": "doc-portraits",
         "source_ref": "p. 4"},
        {"contract": c, "territory_code": "QN09905N", "territory_level": "qpv",
         "indicator_id": "fragile_occupation_dwellings_pct", "year": 2022, "value": 83.7,
         "numerator": 1130, "denominator": 1350, "status": "ok",
         "source_note": "Bailleurs – enquête OPS 2022 (fictif)", "document_id": "doc-portraits",
         "source_ref": "p. 8"},
        {"contract": c, "territory_code": "QN09901M", "territory_level": "qpv",
         "indicator_id": "minors_vulnerability_index_pct", "year": 2022, "value": 46.5,
         "status": "ok", "source_note": "Compas – ABS 2022 (fictif)", "document_id": "doc-portraits",
         "source_ref": "p. 4"},
        {"contract": c, "territory_code": "QN09901M", "territory_level": "qpv",
         "indicator_id": "fragility_index_pct", "year": 2022, "value": 38.2,
         "status": "ok", "source_note": "Compas – ABS 2022 (fictif)", "document_id": "doc-portraits",
         "source_ref": "p. 4"},
        {"contract": c, "territory_code": "PP09901", "territory_level": "poche_pauvrete",
         "indicator_id": "poverty_rate_pct", "year": 2021, "value": 41.0, "status": "ok",
         "source_note": "Analyse des besoins sociaux 2023 (fictive)", "document_id": "doc-cdv",
         "source_ref": "annexe 3"},
        {"contract": c, "territory_code": "QV09902", "territory_level": "quartier_veille",
         "indicator_id": "poverty_rate_pct", "year": 2021, "status": "secret",
         "source_note": "Insee, Filosofi 2021 – carreaux (fictif)", "document_id": "doc-cdv",
         "source_ref": "annexe 3"},
    ]

    actions, funding = _actions_and_funding(rng)
    tables["actions"] = actions
    tables["funding"] = funding
    defs, values = _kpis(rng)
    tables["kpi_definitions"] = defs
    tables["kpi_values"] = values
    attributions = _attributions(rng)
    tables["attributions"] = attributions
    tables["housing_objectives"] = _housing_objectives()
    tables["housing_results"] = _housing_results(attributions)
    tables["qualitative"] = _qualitative(values)
    tables["beneficiaries"] = _beneficiaries(actions)
    tables.update(_review())
    return tables


# The annual review (circular of 31 August 2023), invented: who signs, what each can mobilise per
# pillar, what it reported for 2024 and 2025 (QPV-specific or territory-wide, some schemes never
# reported, one signatory type missing: justice), the landlords' TFPB abatement (one amount not
# given) and the steering committee. Two actors carry schemes without signing the contract.
REVIEW_SIGNATORIES = (
    # id, name, type, is_signatory, commitment
    ("prefecture", "Préfecture du Val-de-Lorne (fictive)", "etat", True,
     "Mobiliser les services de l'État et les crédits du programme 147 au bénéfice des quartiers."),
    ("ddets", "DDETS du Val-de-Lorne (fictive)", "etat", True, None),
    ("lorneville", "Ville de Lorneville", "commune", True, None),
    ("agglo", EPCI_NAME, "epci", True, "Piloter le contrat et coordonner les signataires."),
    ("departement", "Département 99 (fictif)", "departement", True, None),
    ("region", "Région 99 (fictive)", "region", True, None),
    ("caf", "CAF du Val-de-Lorne (fictive)", "caf", True,
     "Soutenir la parentalité, l'animation de la vie sociale et l'accueil des jeunes enfants."),
    ("france-travail", "France Travail Val-de-Lorne (fictif)", "france_travail", True, None),
    ("lorne-habitat", "Lorne Habitat (fictif)", "bailleur", True, None),
    ("habitat-du-val", "Habitat du Val (fictif)", "bailleur", True, None),
    ("ars", "ARS (délégation fictive)", "ars", True, None),
    ("education", "Éducation nationale, circonscription de Lorneville (fictive)", "education_nationale",
     True, None),
    ("lorne-insertion", "Association Lorne Insertion (fictive)", "autre", False, None),
    ("mission-locale", "Mission locale du Val-de-Lorne (fictive)", "autre", False, None),
)
REVIEW_SCHEMES = (
    # id, signatory, pillar, objective, scheme, funding kind
    ("dc-01", "france-travail", "Emploi et insertion", "Rapprocher les demandeurs d'emploi de l'emploi",
     "Accompagnement intensif des demandeurs d'emploi", "droit_commun"),
    ("dc-02", "ddets", "Emploi et insertion", "Rapprocher les demandeurs d'emploi de l'emploi",
     "Parcours emploi compétences", "droit_commun"),
    ("dc-03", "ddets", "Emploi et insertion", "Rapprocher les demandeurs d'emploi de l'emploi",
     "Adultes-relais", "specifique"),
    ("dc-04", "region", "Emploi et insertion", "Former les habitants", "Formations qualifiantes",
     "droit_commun"),
    ("dc-05", "mission-locale", "Emploi et insertion", "Accompagner les jeunes vers l'emploi",
     "Contrat d'engagement jeune", "droit_commun"),
    ("dc-06", "lorne-insertion", "Emploi et insertion", "Accompagner les jeunes vers l'emploi",
     "Chantiers d'insertion", "droit_commun"),
    ("dc-07", "caf", "Éducation et parentalité", "Soutenir les parents",
     "Contrats locaux d'accompagnement à la scolarité (CLAS)", "droit_commun"),
    ("dc-08", "caf", "Éducation et parentalité", "Soutenir les parents",
     "Prestation de service des centres sociaux", "droit_commun"),
    ("dc-09", "education", "Éducation et parentalité", "Réussir à l'école",
     "Dédoublement des classes de grande section, CP et CE1", "droit_commun"),
    ("dc-10", "departement", "Éducation et parentalité", "Soutenir les parents",
     "Prévention spécialisée", "droit_commun"),
    ("dc-11", "lorneville", "Cadre de vie", "Améliorer la tranquillité des quartiers",
     "Médiation de nuit", "droit_commun"),
    ("dc-12", "agglo", "Cadre de vie", "Améliorer la tranquillité des quartiers",
     "Gestion urbaine de proximité", "droit_commun"),
    ("dc-13", "ars", "Santé", "Faciliter l'accès aux soins", "Contrat local de santé", "droit_commun"),
)
REVIEW_FIGURES = (
    # scheme, year, measure, value, unit, scope, territory
    ("dc-01", 2024, "personnes", 410, "personnes", "qpv", None),
    ("dc-01", 2025, "personnes", 455, "personnes", "qpv", None),
    ("dc-02", 2024, "montant", 186_000, "EUR", "territoire", None),
    ("dc-02", 2024, "montant", 74_000, "EUR", "qpv", None),
    ("dc-02", 2025, "montant", 192_000, "EUR", "territoire", None),
    ("dc-03", 2024, "montant", 84_700, "EUR", "qpv", None),
    ("dc-03", 2025, "montant", 84_700, "EUR", "qpv", None),
    ("dc-04", 2024, "places", 60, "places", "territoire", None),
    ("dc-05", 2024, "personnes", 128, "personnes", "qpv", None),
    ("dc-05", 2025, "personnes", 141, "personnes", "qpv", None),
    ("dc-07", 2024, "montant", 38_500, "EUR", "qpv", None),
    ("dc-07", 2025, "montant", 41_200, "EUR", "qpv", None),
    ("dc-08", 2024, "montant", 212_000, "EUR", "territoire", None),
    ("dc-08", 2024, "montant", 96_000, "EUR", "qpv", "QN09901M"),
    ("dc-08", 2025, "montant", 98_500, "EUR", "qpv", "QN09901M"),
    ("dc-09", 2024, "heures", 5_200, "heures", "qpv", None),
    ("dc-11", 2024, "montant", 145_000, "EUR", "qpv", None),
    ("dc-11", 2025, "montant", 151_000, "EUR", "qpv", None),
    ("dc-12", 2025, "montant", 62_000, "EUR", "territoire", None),
)
REVIEW_TFPB = (
    # landlord, year, action, territory, amount
    ("lorne-habitat", 2024, "Renforcement du gardiennage", "QN09901M", 58_000),
    ("lorne-habitat", 2024, "Gestion urbaine de proximité", "QN09905N", 31_500),
    ("habitat-du-val", 2024, "Sur-entretien des parties communes", None, None),
    ("lorne-habitat", 2025, "Renforcement du gardiennage", "QN09901M", 61_000),
    ("lorne-habitat", 2025, "Animation, lien social", "QN09905N", 12_800),
    ("habitat-du-val", 2025, "Sur-entretien des parties communes", None, 27_400),
)
REVIEW_COMMITTEE = (
    # college, organisation, member, signatory
    ("Pilotes", EPCI_NAME, "La Présidence", "agglo"),
    ("Pilotes", "Préfecture du Val-de-Lorne (fictive)", "Le Préfet et le Sous-préfet", "prefecture"),
    ("Pilotes", "Ville de Lorneville", "Le Maire", "lorneville"),
    ("Signataires", "Département 99 (fictif)", "Vice-présidence en charge des solidarités", "departement"),
    ("Signataires", "Région 99 (fictive)", "Vice-présidence en charge de la cohésion territoriale", "region"),
    ("Signataires", "CAF du Val-de-Lorne (fictive)", "Direction", "caf"),
    ("Signataires", "France Travail Val-de-Lorne (fictif)", "Direction territoriale", "france-travail"),
    ("Signataires", "Lorne Habitat (fictif)", "Direction générale", "lorne-habitat"),
    ("Signataires", "Habitat du Val (fictif)", "Direction générale", "habitat-du-val"),
    ("Habitants", "Conseil citoyen de Lorneville (fictif)", "Deux représentants", None),
)


def _review() -> dict[str, list[dict]]:
    c, doc = CONTRACT, "doc-cdv"
    ref = "annexe 4, droit commun mobilisable (fictive)"
    bilan, bilan_ref = "doc-bilan-2025", "revue annuelle 2025, chiffres déclarés (fictive)"
    return {
        "signatories": [{
            "contract": c, "signatory_id": sid, "name": name, "signatory_type": kind,
            "is_signatory": signs, "commitment": commitment, "document_id": doc,
            "source_ref": "signataires du contrat (fictif)" if signs else ref}
            for sid, name, kind, signs, commitment in REVIEW_SIGNATORIES],
        "common_law_schemes": [{
            "contract": c, "scheme_id": sid, "signatory_id": sig, "pillar": pillar,
            "objective_label": objective, "scheme": scheme, "funding_kind": kind, "document_id": doc,
            "source_ref": ref} for sid, sig, pillar, objective, scheme, kind in REVIEW_SCHEMES],
        "common_law_figures": [{
            "contract": c, "scheme_id": sid, "year": year, "measure": measure, "value": value,
            "unit": unit, "scope": scope, "territory_code": territory, "document_id": bilan,
            "source_ref": bilan_ref} for sid, year, measure, value, unit, scope, territory in REVIEW_FIGURES],
        "tfpb_abatements": [{
            "contract": c, "signatory_id": sig, "year": year, "action": action,
            "territory_code": territory, "amount_eur": amount, "document_id": bilan,
            "source_ref": bilan_ref} for sig, year, action, territory, amount in REVIEW_TFPB],
        "steering_committee": [{
            "contract": c, "college": college, "organisation": org, "member": member,
            "signatory_id": sig, "position": i, "document_id": doc,
            "source_ref": "composition du comité de pilotage (fictive)"}
            for i, (college, org, member, sig) in enumerate(REVIEW_COMMITTEE, 1)],
    }


AGE_BAND_WEIGHTS = (("moins_16", 0.22), ("16_29", 0.31), ("30_59", 0.33), ("60_plus", 0.14))


def _beneficiaries(actions: list[dict]) -> list[dict]:
    """One row per person reached by six actions a year in 2024 and 2025 (no personal data).

    A random generator of its own, so that the other tables keep their bytes. Some groups are
    small on purpose: the app masks every count under 5 (indicators/beneficiaries.py).
    """
    rng = random.Random(SEED + 5)
    rows: list[dict] = []
    for year in (2024, 2025):
        year_actions = sorted((a for a in actions if a["year"] == year and a["territories"]
                               and a["action_id"] != "VDL-PP1"), key=lambda a: a["action_id"])
        for a in rng.sample(year_actions, 6):
            n = rng.choice((3, 12, 18, 25, 34, 47))
            for _ in range(n):
                qpvs = [t for t in a["territories"] if t.startswith("QN")] or [None]
                rows.append({
                    "contract": CONTRACT, "action_id": a["action_id"], "year": year,
                    "territory_code": None if rng.random() < 0.08 else rng.choice(qpvs),
                    "sex": "femme" if rng.random() < 0.58 else "homme",
                    "age_band": rng.choices([b for b, _ in AGE_BAND_WEIGHTS],
                                            weights=[w for _, w in AGE_BAND_WEIGHTS])[0]})
    rows.sort(key=lambda r: (r["year"], r["action_id"], r["territory_code"] or "", r["sex"], r["age_band"]))
    return rows


ACTION_POOL: tuple[tuple[str, str, int, int], ...] = (
    # title, operator, theme index, base cost (EUR)
    ("Chantier d'insertion « Jardins de Lorne »", "Régie de quartier du Val (fictive)", 0, 92_000),
    ("Permanences emploi de proximité", "Mission locale Val-de-Lorne (fictive)", 0, 48_000),
    ("Parcours « Déclic » vers l'emploi des femmes", "Association Parole de Femmes (fictive)", 0, 36_000),
    ("Couveuse d'entreprises des quartiers", "Lorne Initiatives (fictive)", 0, 55_000),
    ("Job dating et forums de quartier", "Maison de l'emploi Val-de-Lorne (fictive)", 0, 18_000),
    ("Ateliers numériques pour l'emploi", "Atelier Clic & Cité (fictif)", 0, 24_000),
    ("Programme de réussite éducative", "CCAS de Lorneville (fictif)", 1, 120_000),
    ("Accompagnement à la scolarité", "Centre social des Tilleuls (fictif)", 1, 42_000),
    ("Cité éducative – parentalité", "Maison des familles de Lorneville (fictive)", 1, 65_000),
    ("Ateliers langue française parents-enfants", "Association Lire Ensemble (fictive)", 1, 21_000),
    ("Orientation et stages de 3e", "Collège Jean-Moulin – foyer socio-éducatif (fictif)", 1, 14_000),
    ("Vacances apprenantes", "Ligue de l'enseignement de Lorne (fictive)", 1, 30_000),
    ("Médiation santé et accès aux droits", "Association Santé Lorne (fictive)", 2, 52_000),
    ("Bus France services des quartiers", "CCAS de Lorneville (fictif)", 2, 70_000),
    ("Prévention bucco-dentaire en école", "Mutualité de Lorne (fictive)", 2, 12_000),
    ("Aller-vers : ouverture des droits", "Association Droits Devant (fictive)", 2, 46_000),
    ("Atelier santé ville", "Ville de Lorneville (fictif)", 2, 38_000),
    ("Médiation de nuit", "Médiation Lorne Nuit (fictive)", 3, 140_000),
    ("Prévention spécialisée – équipes de rue", "Association Prévention Val (fictive)", 3, 110_000),
    ("Chantiers éducatifs jeunes", "Régie de quartier du Val (fictive)", 3, 28_000),
    ("Aide aux victimes – permanence", "France Victimes Lorne (fictive)", 3, 16_000),
    ("Correspondant de nuit", "Médiation Lorne Nuit (fictive)", 3, 41_000),
    ("Gestion urbaine de proximité", "Lorne Habitat (fictif)", 4, 35_000),
    ("Diagnostic en marchant avec les habitants", "Conseil citoyen Val-de-Lorne (fictif)", 4, 6_000),
    ("Embellissement des halls d'immeubles", "Compagnie Les Passeurs (fictive)", 4, 19_000),
    ("Maîtrise des charges et éco-gestes", "Agence locale de l'énergie (fictive)", 6, 22_000),
    ("Atelier vélo solidaire", "Atelier vélo solidaire (fictif)", 6, 26_000),
    ("Jardins partagés", "Centre social des Tilleuls (fictif)", 6, 15_000),
    ("Quartiers d'été", "Ville de Lorneville (fictif)", 5, 85_000),
    ("Fête de quartier et repas partagés", "Centre social de Saint-Aubin (fictif)", 5, 11_000),
    ("École de musique hors les murs", "Conservatoire de Lorne (fictif)", 5, 27_000),
    ("Sport au pied des immeubles", "Club sportif du Moulin (fictif)", 5, 33_000),
    ("Résidence d'artistes en quartier", "Compagnie Les Passeurs (fictive)", 5, 40_000),
    ("Lutte contre l'isolement des seniors", "Association Âge d'or Lorne (fictive)", 5, 24_000),
    ("Radio de quartier", "Radio Lorne FM (fictive)", 5, 17_000),
    ("Accueil de jour femmes", "Association Parole de Femmes (fictive)", 2, 31_000),
    ("Boxe éducative", "Club sportif du Moulin (fictif)", 3, 13_000),
    ("Fonds de participation des habitants", "Conseil citoyen Val-de-Lorne (fictif)", 5, 9_000),
    ("Ateliers cuisine et nutrition", "Maison des familles de Lorneville (fictive)", 2, 10_000),
    ("Permis de conduire solidaire", "Auto-école sociale Lorne (fictive)", 0, 29_000),
)
# Share of each funder in an action's budget (before per-action variation).
FUNDER_SHARES = (("ville", 0.13), ("epci", 0.21), ("etat_p147", 0.33), ("caf", 0.10),
                 ("departement", 0.09), ("region", 0.06), ("autre", 0.04), ("etat_autre", 0.04))
FUNDER_LABELS = {
    "ville": None, "epci": EPCI_NAME, "etat_p147": "État – programme 147",
    "etat_autre": "FIPD (fictif)", "caf": "Caf de Lorne (fictive)",
    "departement": DEP_NAME, "region": REG_NAME, "autre": "Fondation Lorne Solidaire (fictive)",
}
POCKET_ACTION = ("Accompagnement social – Résidence du Moulin-Neuf", "CCAS des Forges-de-Lorne (fictif)", 2)


def _actions_and_funding(rng: random.Random) -> tuple[list[dict], list[dict]]:
    c = CONTRACT
    qpv_codes = [q.code for q in QPVS]
    qpv_weights = [q.pop for q in QPVS]
    pool = list(range(len(ACTION_POOL)))
    rng.shuffle(pool)
    current: dict[str, dict] = {}     # action_id → persistent properties
    next_id = 1
    actions: list[dict] = []
    funding: list[dict] = []

    def new_action(year: int, first_year: bool) -> None:
        nonlocal next_id
        if not pool:
            return
        idx = pool.pop()
        title, operator, theme, cost = ACTION_POOL[idx]
        aid = f"VDL-{next_id:03d}"
        next_id += 1
        r = rng.random()
        if r < 0.15:
            terr: list[str] = []
        else:
            k = 1 if r < 0.6 else (2 if r < 0.88 else 3)
            terr = sorted(set(rng.choices(qpv_codes, weights=qpv_weights, k=k)))
            if rng.random() < 0.12:
                terr.append(rng.choice(["QV09901", "QV09902"]))
        cpo_years = 3 if rng.random() < 0.4 else 0
        current[aid] = {"title": title, "operator": operator, "theme": THEMES[theme], "cost": cost,
                        "territories": terr, "start": year, "cpo_until": year + cpo_years - 1,
                        "new": (rng.random() < 0.45) if first_year else True, "commune": (
                            "99002" if any(t in ("QN09906N", "QN09907N") for t in terr) and
                            not any(t.startswith("QN09901") for t in terr) else "99001")}

    for year in range(2020, 2027):
        if year == 2020:
            for _ in range(16):
                new_action(year, True)
        else:
            for aid in list(current):
                a = current[aid]
                if year <= a["cpo_until"]:
                    continue
                if rng.random() > 0.5:
                    del current[aid]
                elif a["cpo_until"] >= a["start"] and rng.random() < 0.35:
                    a["cpo_until"] = year + 2     # CPO renewed for three more years
            target = 16 + (year - 2020) // 2 + rng.randint(0, 2)
            while len(current) < target and pool:
                new_action(year, False)
            if not pool:   # recycle titles of ended actions for the late years
                pool.extend(i for i in range(len(ACTION_POOL))
                            if ACTION_POOL[i][0] not in {a["title"] for a in current.values()})
                rng.shuffle(pool)
        rows_this_year = []
        for aid in sorted(current):
            a = current[aid]
            rows_this_year.append((aid, a))
        if year >= 2024:
            rows_this_year.append(("VDL-PP1", {
                "title": POCKET_ACTION[0], "operator": POCKET_ACTION[1], "theme": THEMES[POCKET_ACTION[2]],
                "cost": 0, "territories": ["PP09901"], "start": 2024, "cpo_until": 2023,
                "new": year == 2024, "commune": "99004"}))
        year_rows = []
        for aid, a in rows_this_year:
            is_new = (a["start"] == year and a["new"]) if aid != "VDL-PP1" else year == 2024
            actions.append({
                "contract": c, "action_id": aid, "year": year, "title": a["title"],
                "operator": a["operator"], "theme": a["theme"], "territories": a["territories"],
                "is_new": is_new, "is_multiyear_agreement": a["start"] <= year <= a["cpo_until"],
                "is_poverty_pocket": aid == "VDL-PP1",
                "description": "Action fictive de démonstration.",
                "document_id": "doc-bilan-2025", "source_ref": f"programmation {year}"})
            year_rows.append((aid, a))
        # Funding of the year's actions.
        p147_total = 0.0
        for aid, a in year_rows:
            if aid == "VDL-PP1":
                continue
            budget = 1.3 * a["cost"] * (1 + 0.03 * (year - 2020)) * rng.uniform(0.85, 1.15)
            shares = {}
            for funder, share in FUNDER_SHARES:
                if funder == "caf" and a["theme"] not in (THEMES[1], THEMES[2], THEMES[5]):
                    continue
                if funder == "region" and a["theme"] not in (THEMES[0], THEMES[4], THEMES[6]):
                    continue
                if funder == "etat_autre" and a["theme"] != THEMES[3]:
                    continue
                if funder in ("departement", "autre") and rng.random() < 0.5:
                    continue
                shares[funder] = share * rng.uniform(0.7, 1.3)
            total_share = sum(shares.values())
            for funder, share in shares.items():
                amount = round(budget * share / total_share / 100) * 100
                if amount <= 0:
                    continue
                if funder == "etat_p147":
                    p147_total += amount
                label = (f"Ville de {COMMUNE_BY_CODE[a['commune']].name}" if funder == "ville"
                         else FUNDER_LABELS[funder])
                funding.append({"contract": c, "action_id": aid, "year": year, "funder": funder,
                                "funder_label": label, "amount_eur": amount,
                                "document_id": "doc-bilan-2025", "source_ref": f"programmation {year}"})
        # Adultes-relais: a State envelope not tied to one action.
        envelope = 4 * 20_000 + (year - 2020) * 1_500
        funding.append({"contract": c, "action_id": None, "year": year, "funder": "etat_p147",
                        "funder_label": "État – programme 147 (adultes-relais)", "amount_eur": envelope,
                        "document_id": "doc-bilan-2025", "source_ref": f"programmation {year}"})
        p147_total += envelope
        if year >= 2024:
            # Poverty pocket: about 2 % of the year's programme 147 credits, co-financed.
            p147 = round(p147_total * rng.uniform(0.017, 0.023) / 100) * 100
            for funder, amount in (("etat_p147", p147), ("ville", round(p147 * 0.8 / 100) * 100),
                                   ("caf", round(p147 * 0.5 / 100) * 100)):
                label = "Ville des Forges-de-Lorne" if funder == "ville" else FUNDER_LABELS[funder]
                funding.append({"contract": c, "action_id": "VDL-PP1", "year": year, "funder": funder,
                                "funder_label": label, "amount_eur": amount,
                                "document_id": "doc-bilan-2025", "source_ref": f"programmation {year}"})
    return actions, funding


KPIS = (
    # kpi_id, label, unit, theme, cumulation, 2020 value, yearly growth, target ratio
    ("habitants_rencontres", "Habitants rencontrés par les équipes d'aller-vers", "personnes",
     "Santé et accès aux droits", "sum"),
    ("droits_rouverts", "Droits ouverts ou rouverts", "droits", "Santé et accès aux droits", "sum"),
    ("interventions_mediation", "Interventions de médiation de nuit", "interventions",
     "Tranquillité publique et prévention", "sum"),
    ("familles_accompagnees", "Familles accompagnées par la Cité éducative", "familles",
     "Éducation et réussite éducative", "sum"),
    ("enfants_pre", "Enfants suivis par le Programme de réussite éducative", "enfants",
     "Éducation et réussite éducative", "latest"),
    ("participants_quartiers_ete", "Participants aux Quartiers d'été", "participants",
     "Lien social, culture et sport", "sum"),
    ("jeunes_accompagnes_emploi", "Jeunes de moins de 26 ans accompagnés vers l'emploi", "personnes",
     "Emploi, insertion et développement économique", "sum"),
)


KPI_NOT_YET_2026 = "jeunes_accompagnes_emploi"
# The last year the fictional annual review (doc-bilan-2025, published 10 February 2026) reports.
LAST_REPORTED_YEAR = 2025


DEMO_HEADLINES = ("droits_rouverts", "familles_accompagnees", "habitants_rencontres",
                  "interventions_mediation")


def _kpis(rng: random.Random) -> tuple[list[dict], list[dict]]:
    c = CONTRACT
    defs = [{"contract": c, "kpi_id": k, "label": label, "unit": unit, "theme": theme,
             "cumulation": cum, "higher_is_better": True,
             "definition": f"{label} au cours de l'année (indicateur fictif de démonstration)."
             if cum == "sum" else f"{label} au 31 décembre (indicateur fictif de démonstration)."}
            for k, label, unit, theme, cum in KPIS]
    # The key figures of the home page (kpi_definitions.headline), in this order.
    for d in defs:
        if d["kpi_id"] in DEMO_HEADLINES:
            d.update(headline=True, headline_order=DEMO_HEADLINES.index(d["kpi_id"]) + 1)
    values: list[dict] = []

    def add(kpi, year, value, target, territory=None, status="ok"):
        values.append({"contract": c, "kpi_id": kpi, "territory_code": territory, "year": year,
                       "value": value, "target": target, "status": status, "is_published": False,
                       "document_id": "doc-bilan-2025", "source_ref": "tableau de bord"})

    # Whole-territory series to 2025; 2026 has targets only (status missing): the review that gives
    # the figures was published on 10 February 2026, and no document can give a year before it ends
    # (issue 11, D1; etl.checks.period_after_publication). The random draws of 2026 are still made,
    # so that every later figure of the demo stays the same.
    base = {"droits_rouverts": (60, 1.32, 120), "interventions_mediation": (2_950, 1.09, 3_200),
            "familles_accompagnees": (180, 1.18, 250), "enfants_pre": (62, 1.05, 80),
            "participants_quartiers_ete": (3_100, 1.08, 3_500),
            "jeunes_accompagnes_emploi": (210, 1.06, 260)}
    for kpi, (v0, growth, t0) in base.items():
        for year in range(2020, 2027):
            target = int(round(t0 * (1 + 0.05 * (year - 2020)), -1 if t0 >= 100 else 0))
            if year == 2026 and kpi == KPI_NOT_YET_2026:
                add(kpi, year, None, target, status="missing")
                continue
            value = int(round(v0 * growth ** (year - 2020) * rng.uniform(0.93, 1.07)))
            if kpi == "interventions_mediation" and year == 2020:
                value = int(value * 0.7)      # lockdowns
            if year > LAST_REPORTED_YEAR:
                add(kpi, year, None, target, status="missing")
                continue
            add(kpi, year, value, target)
    # Outreach started in July 2024, counted per QPV.
    outreach = {"QN09901M": 240, "QN09905N": 180, "QN09903M": 130, "QN09906N": 110}
    for code, v0 in outreach.items():
        for year in (2024, 2025, 2026):
            target = v0 * (1 if year == 2024 else 2)
            factor = {2024: 1.0, 2025: 2.1, 2026: 2.2}[year]
            value = int(round(v0 * factor * rng.uniform(0.9, 1.15)))
            if year > LAST_REPORTED_YEAR:
                add("habitants_rencontres", year, None, target, territory=code, status="missing")
                continue
            add("habitants_rencontres", year, value, target, territory=code)
    # A figure published for a period rather than a year.
    total = sum(v["value"] for v in values if v["kpi_id"] == "habitants_rencontres" and v["value"])
    values.append({"contract": c, "kpi_id": "habitants_rencontres", "territory_code": None,
                   "year": None, "period_label": "depuis juillet 2024",
                   "value": int(total // 100 * 100), "qualifier": "plus de", "status": "ok",
                   "is_published": True, "document_id": "doc-bilan-2025", "source_ref": "p. 2"})
    return defs, values


def _attributions(rng: random.Random) -> list[dict]:
    counts: dict[tuple, int] = {}
    for year in range(2021, 2026):
        total = int(880 + 25 * (year - 2021) + rng.randint(-40, 40))
        q1_out = 0.15 + 0.016 * (year - 2021)     # below the 25 % target, improving
        for landlord, l_share, qpv_share, stock in LANDLORDS:
            for party, p_share, priority in PARTIES:
                n = int(round(total * l_share * p_share * rng.uniform(0.85, 1.15)))
                for _ in range(n):
                    in_qpv = bool(stock) and rng.random() < qpv_share
                    qpv = rng.choice(stock) if in_qpv else None
                    if in_qpv:
                        quartile = 1 if rng.random() < 0.41 else rng.choice((2, 2, 3, 3, 4))
                    else:
                        quartile = 1 if rng.random() < q1_out else rng.choice((2, 2, 2, 3, 3, 4))
                    key = (year, landlord, party, "qpv" if in_qpv else "hors_qpv", qpv, quartile,
                           rng.random() < priority, rng.random() < 0.31, rng.random() < 0.96)
                    counts[key] = counts.get(key, 0) + 1
    rows = []
    for key in sorted(counts, key=lambda k: tuple("" if v is None else str(v) for v in k)):
        year, landlord, party, location, qpv, quartile, prio, transfer, lease = key
        rows.append({"contract": CONTRACT, "year": year, "landlord": landlord,
                     "reserving_party": party, "location": location, "qpv_code": qpv,
                     "resource_quartile": quartile, "is_priority_household": prio,
                     "is_transfer": transfer, "is_lease_signed": lease,
                     "n_attributions": counts[key]})
    return rows


def _housing_objectives() -> list[dict]:
    c = CONTRACT
    src = {"document_id": "doc-cia", "source_ref": "article 3 (fictif)"}
    rows = [
        {"contract": c, "party_type": "ensemble", "party_name": "ensemble", "objective": "q1_hors_qpv",
         "target_pct": 25, "note": "Attributions suivies d'un bail signé, hors QPV, au 1er quartile", **src},
        {"contract": c, "party_type": "ensemble", "party_name": "ensemble", "objective": "hors_q1_en_qpv",
         "target_pct": 50, "note": "Attributions en QPV aux ménages des quartiles 2 à 4", **src},
        {"contract": c, "party_type": "ensemble", "party_name": "ensemble",
         "objective": "menages_prioritaires", "target_pct": 25, **src},
    ]
    for party, target in (("etat", 100), ("communes", 25), ("action_logement", 25),
                          ("bailleurs", 25), ("autres", 25)):
        rows.append({"contract": c, "party_type": "reservataire", "party_name": party,
                     "objective": "menages_prioritaires", "target_pct": target, **src})
    for landlord, *_ in LANDLORDS:
        rows.append({"contract": c, "party_type": "bailleur", "party_name": landlord,
                     "objective": "q1_hors_qpv", "target_pct": None,
                     "note": "Contribution à l'atteinte des 25 %", **src})
    return rows


def _housing_results(attributions: list[dict]) -> list[dict]:
    """Results 'published' by the fictional annual review, computed from the attributions the
    way the real documents do (the missing number: round(25 % × total − achieved))."""
    def tally(year, location, pred):
        rows = [r for r in attributions if r["year"] == year and r["location"] == location
                and r["is_lease_signed"]]
        return sum(r["n_attributions"] for r in rows if pred(r)), sum(r["n_attributions"] for r in rows)

    out = []
    num, den = tally(2022, "hors_qpv", lambda r: r["resource_quartile"] == 1)
    out.append({"contract": CONTRACT, "year": 2022, "party_type": "ensemble", "party_name": "ensemble",
                "objective": "q1_hors_qpv", "numerator": num, "denominator": den,
                "rate_pct": round(100 * num / den, 2), "needed_published": round(0.25 * den - num),
                "document_id": "doc-bilan-2025", "source_ref": "p. 12"})
    num, den = tally(2021, "qpv", lambda r: r["resource_quartile"] != 1)
    out.append({"contract": CONTRACT, "year": 2021, "party_type": "ensemble", "party_name": "ensemble",
                "objective": "hors_q1_en_qpv", "numerator": num, "denominator": den,
                "rate_pct": round(100 * num / den, 2), "document_id": "doc-bilan-2025",
                "source_ref": "p. 12"})
    return out


def _qualitative(kpi_values: list[dict]) -> list[dict]:
    c = CONTRACT
    rows: list[dict] = []

    def kpi(kpi_id, year=None, territory=None) -> int:
        return int(sum(v["value"] for v in kpi_values if v["kpi_id"] == kpi_id and v["value"]
                       and v.get("year") is not None and (year is None or v["year"] == year)
                       and v.get("territory_code") == territory))

    def fr(n: int) -> str:
        return fr_number(n, 0, "\u202f")

    def add(territory, item_type, text, theme=None, ref=None, doc="doc-cdv"):
        rows.append({"contract": c, "territory_code": territory, "item_type": item_type,
                     "theme": theme, "text": text, "document_id": doc, "source_ref": ref})

    for pillar in ("Cohésion sociale", "Emploi et développement économique",
                   "Cadre de vie et renouvellement urbain", "Valeurs de la République et citoyenneté"):
        add(None, "pillar", pillar, ref="p. 6")
    priorities = {
        "QN09901M": (0, 1, 3, 4), "QN09902I": (1, 2, 5), "QN09903M": (0, 4, 6),
        "QN09904N": (2, 5), "QN09905N": (0, 1, 3), "QN09906N": (1, 5, 6),
        "QN09907N": (0, 2), "QN09908N": (1, 4), "QN09909N": (0, 3, 5), "QN09910N": (2, 5),
        "QV09901": (5,), "QV09902": (1,), "PP09901": (2,),
    }
    for code, themes in priorities.items():
        for t in themes:
            add(code, "priority_issue", THEMES[t], ref="annexe 2")
    doc = "doc-portraits"
    strengths = {
        "QN09901M": ["Un tissu associatif dense et mobilisé", "Des équipements récents : médiathèque, gymnase"],
        "QN09905N": ["Une ligne de bus directe vers le centre-ville", "Un centre social très fréquenté"],
        "QN09903M": ["La proximité de la gare et des commerces"],
    }
    for code, items in strengths.items():
        for text in items:
            add(code, "strength", text, ref="portrait", doc=doc)
    consultation = {
        "QN09901M": (["Les espaces verts et les jardins partagés", "La solidarité entre voisins"],
                     ["Les rodéos et l'insécurité le soir", "L'état des halls et des ascenseurs"],
                     ["Plus d'activités pour les adolescents", "Une permanence de santé dans le quartier"]),
        "QN09905N": (["Le marché du samedi"], ["Le manque de commerces de proximité"],
                     ["Un accompagnement vers l'emploi plus proche"]),
    }
    for code, (appreciated, deplored, requested) in consultation.items():
        for text in appreciated:
            add(code, "consultation_appreciated", text, ref="concertation juillet 2023 (fictive)", doc=doc)
        for text in deplored:
            add(code, "consultation_deplored", text, ref="concertation juillet 2023 (fictive)", doc=doc)
        for text in requested:
            add(code, "consultation_requested", text, ref="concertation juillet 2023 (fictive)", doc=doc)
    add("QN09901M", "verbatim", "« On veut que nos enfants réussissent ici, pas ailleurs. » (fictif)",
        ref="concertation juillet 2023 (fictive)", doc=doc)
    review = "doc-bilan-2025"
    add("QN09901M", "review_intro", "Bilan de mandat du quartier Vieux Moulin - Paradis - Les Hauts "
        "de Lorne, thème par thème (bilan fictif).", doc=review, ref="p. 20")
    for theme, need, done, changed, figure in (
        ("Tranquillité publique",
         "Des rodéos et des regroupements dans les halls signalés chaque semaine.",
         "Une équipe de médiation de nuit et deux correspondants de nuit depuis 2021.",
         "Les signalements ont baissé d'un tiers entre 2021 et 2025.",
         f"{fr(kpi('interventions_mediation', 2025))} interventions de médiation en 2025 "
         "(ensemble du territoire)"),
        ("Réussite éducative",
         "Un enfant sur trois en difficulté de lecture à l'entrée en 6e.",
         "Cité éducative labellisée en 2021 : 45 actions dans le quartier.",
         "Deux fois plus de familles accompagnées qu'en 2020.",
         f"{fr(kpi('familles_accompagnees', 2025))} familles accompagnées en 2025 "
         "(ensemble du territoire)"),
        ("Accès aux droits",
         "Beaucoup d'habitants sans complémentaire santé ni droits ouverts.",
         "Des permanences d'aller-vers depuis juillet 2024 et un bus France services.",
         "Des droits rouverts pour plusieurs centaines d'habitants.",
         f"{fr(kpi('habitants_rencontres', territory='QN09901M'))} habitants du quartier "
         "rencontrés depuis juillet 2024"),
    ):
        add("QN09901M", "review_need", need, theme=theme, doc=review, ref="p. 21")
        add("QN09901M", "review_done", done, theme=theme, doc=review, ref="p. 21")
        add("QN09901M", "review_changed", changed, theme=theme, doc=review, ref="p. 21")
        add("QN09901M", "review_figure", figure, theme=theme, doc=review, ref="p. 21")
    add(None, "note", FICTIONAL_NOTE + " : aucun de ces éléments ne décrit un territoire réel.")
    for i, r in enumerate(rows):
        r["position"] = i + 1
    return rows


def _write_programme(out: _Out, rng: random.Random) -> dict[str, list[dict]]:
    tables = _programme(rng)
    xlsx_tables = ("housing_objectives", "qualitative")
    for name, rows in tables.items():
        if name in xlsx_tables:
            continue
        # The attributions export uses ',' and Latin-1, as a landlord's spreadsheet might.
        if name == "attributions":
            _template_csv(out, name, rows, sep=",", encoding="latin-1")
        else:
            _template_csv(out, name, rows)
    _template_xlsx(out, "programme_val_de_lorne.xlsx", {n: tables[n] for n in xlsx_tables})
    return tables


# Base Adresse Nationale ----------------------------------------------------------------------

BAN_HEADER = ["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee",
              "nom_commune", "code_insee_ancienne_commune", "nom_ancienne_commune", "x", "y", "lon",
              "lat", "type_position", "alias", "nom_ld", "libelle_acheminement", "nom_afnor",
              "source_position", "source_nom_voie", "certification_commune", "cad_parcelles"]
STREET_TYPES = (("Rue", 0.46), ("Avenue", 0.12), ("Boulevard", 0.05), ("Place", 0.06),
                ("Chemin", 0.1), ("Allée", 0.09), ("Impasse", 0.08), ("Route", 0.04))
STREET_NAMES = (
    "des Tilleuls", "du Moulin", "de la Gare", "Victor Hugo", "Jean Jaurès", "des Acacias",
    "de la Lorne", "du Stade", "des Écoles", "Pasteur", "de l'Église", "des Lilas", "du Château",
    "de la Fontaine", "des Prés", "du Général de Gaulle", "Saint-Exupéry", "des Forges",
    "de la Chênaie", "du Paradis", "des Vignes", "de la Paix", "Gambetta", "du Marché",
    "des Peupliers", "Saint-Martin", "de la République", "des Hauts de Lorne", "Jules Ferry",
    "du Champ de Foire", "des Rosiers", "de l'Abreuvoir", "du Clos Fleuri", "Sainte-Colombe",
    "des Cerisiers", "du Val", "Anatole France", "de la Libération", "des Marronniers",
    "du 8 Mai 1945", "des Sources", "Émile Zola", "de Verdun", "des Pâquerettes", "du Lavoir",
    "de l'Industrie", "Louise Michel", "Pierre et Marie Curie", "des Hirondelles", "du Pont",
)
# The commune déléguée of the COG (99009) is a former commune inside Les Forges-de-Lorne.
FORMER_COMMUNE = ("99004", "99009", "Lorne-le-Vieux")


def _afnor(text: str) -> str:
    import unicodedata

    t = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z0-9]+", " ", t).strip()


def _write_ban(out: _Out, geo: "Geography") -> list[dict]:
    """`ban/adresses-99.csv`: fictional streets of the eight communes in the BAN's real layout
    (Lambert-93 x/y and WGS84 lon/lat). Streets cross each QPV and the rest of each commune;
    numbers run along them, odd on one side and even on the other, with a few bis/ter. A
    random generator of its own, so that the other files keep their bytes."""
    import shapely
    from shapely.geometry import LineString, Point

    rng = random.Random(SEED + 7)
    to_wgs = _transformer(2154, 4326)
    rows: list[dict] = []
    for c in COMMUNES:
        poly = geo.communes[c.code]
        qpvs = [q for q in QPVS if c.code in q.communes]
        n_streets = max(10, c.population // 2500)
        names = rng.sample(STREET_NAMES, n_streets + 1)
        lieu_dit = "Les Grandes Vignes" if c.code != "99001" else None
        used: set[str] = set()
        minx, miny, maxx, maxy = poly.bounds
        for k in range(n_streets):
            if k < 2 * len(qpvs):            # two streets through each QPV of the commune
                q = qpvs[k // 2]
                cx, cy = shapely.centroid(geo.qpv2024[q.code].intersection(poly)).coords[0]
            else:
                while True:
                    cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                    if poly.buffer(-150).contains(Point(cx, cy)):
                        break
            angle = rng.uniform(0, math.pi)
            half = rng.uniform(350, 900)
            line = LineString([(cx - half * math.cos(angle), cy - half * math.sin(angle)),
                               (cx + half * math.cos(angle), cy + half * math.sin(angle))])
            line = line.intersection(poly.buffer(-25))
            if line.is_empty:
                continue
            if line.geom_type != "LineString":
                line = max(line.geoms, key=lambda g: g.length)
            kind = rng.choices([t for t, _ in STREET_TYPES], weights=[w for _, w in STREET_TYPES])[0]
            name = f"{kind} {names[k]}"
            if name in used:
                continue
            used.add(name)
            fantoir = f"{c.code}_{k + 1:04d}"
            nx, ny = -math.sin(angle), math.cos(angle)
            step = 14.0 if kind != "Place" else 8.0
            n_numbers = int(line.length // step)
            for j in range(n_numbers):
                number = j + 1
                side = 1 if number % 2 else -1
                p = line.interpolate((j // 2) * step * 2 + (step if side < 0 else 0) + step / 2)
                reps = [""] + (["bis"] if rng.random() < 0.06 else []) + (["ter"] if rng.random() < 0.02 else [])
                for r, rep in enumerate(reps):
                    x = round(p.x + side * 9.0 * nx + r * 3.0, 2)
                    y = round(p.y + side * 9.0 * ny + r * 3.0, 2)
                    rows.append(_ban_row(c, fantoir, number, rep, name, x, y, to_wgs, None))
        # A lieu-dit with its own addresses (no street), as the BAN holds them.
        if lieu_dit:
            while True:
                cx, cy = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
                if poly.buffer(-200).contains(Point(cx, cy)):
                    break
            fantoir = f"{c.code}_B{len(used):03d}"
            for number in range(1, 7):
                rows.append(_ban_row(c, fantoir, number, "", lieu_dit, round(cx + 12 * number, 2),
                                     round(cy + 5 * number, 2), to_wgs, lieu_dit))
    rows.sort(key=lambda r: r["id"])
    out.write(f"ban/adresses-{DEP_CODE}.csv",
              _csv_bytes(BAN_HEADER, [[r[h] for h in BAN_HEADER] for r in rows], sep=";"))
    return rows


def _ban_row(c: Commune, fantoir: str, number: int, rep: str, voie: str, x: float, y: float,
             to_wgs, lieu_dit: str | None) -> dict:
    lon, lat = to_wgs.transform(x, y)
    former = FORMER_COMMUNE if c.code == FORMER_COMMUNE[0] and x < CENTER_L93[0] + 1000 else None
    return {
        "id": f"{fantoir}_{number:05d}" + (f"_{rep}" if rep else ""), "id_fantoir": fantoir,
        "numero": str(number), "rep": rep, "nom_voie": voie, "code_postal": c.postcode,
        "code_insee": c.code, "nom_commune": c.name,
        "code_insee_ancienne_commune": former[1] if former else "",
        "nom_ancienne_commune": former[2] if former else "",
        "x": f"{x:.2f}", "y": f"{y:.2f}", "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
        "type_position": "entrée", "alias": "", "nom_ld": lieu_dit or "",
        "libelle_acheminement": _afnor(c.name), "nom_afnor": _afnor(voie),
        "source_position": "commune", "source_nom_voie": "commune",
        "certification_commune": "1", "cad_parcelles": ""}


# People reached, with their address: the loader locates them and drops the address.
BENEFICIARY_ADDRESS_HEADER = ["contract", "action_id", "year", "adresse", "code_postal", "ville",
                              "sex", "age_band"]


def _write_beneficiary_addresses(out: _Out, geo: "Geography", ban: list[dict],
                                 actions: list[dict]) -> None:
    """`programme/beneficiaires_adresses.csv`: the participants' lists of three actions of 2025,
    as an association keeps them (address, postcode, town; typed with abbreviations, some
    misspelt, a few not in the BAN). The build computes each person's QPV of residence and
    stores no address."""
    rng = random.Random(SEED + 11)
    year_actions = sorted((a for a in actions if a["year"] == 2025 and a["action_id"] != "VDL-PP1"),
                          key=lambda a: a["action_id"])
    chosen = rng.sample(year_actions, 3)
    abbreviations = {"Rue": "r.", "Avenue": "av.", "Boulevard": "bd", "Place": "pl.",
                     "Chemin": "chem.", "Allée": "all.", "Impasse": "imp.", "Route": "rte"}
    import shapely

    qpv_area = shapely.union_all(list(geo.qpv2024.values()))
    in_qpv = shapely.contains_xy(qpv_area, [float(r["x"]) for r in ban], [float(r["y"]) for r in ban])
    inside = [r for r, ok in zip(ban, in_qpv) if ok]
    outside = [r for r, ok in zip(ban, in_qpv) if not ok]
    lines = []
    for a in chosen:
        share = rng.choice((0.55, 0.7, 0.85))     # most participants live in the quartiers
        for _ in range(rng.choice((28, 41, 57))):
            r = rng.choice(inside if rng.random() < share else outside)
            kind, _, rest = r["nom_voie"].partition(" ")
            voie = r["nom_voie"]
            u = rng.random()
            if u < 0.3 and kind in abbreviations:
                voie = f"{abbreviations[kind]} {rest}"
            elif u < 0.4:
                voie = voie.upper()
            elif u < 0.46 and len(rest) > 6:      # a typing slip
                i = rng.randrange(2, len(rest) - 2)
                voie = f"{kind} {rest[:i]}{rest[i + 1:]}"
            elif u < 0.5:
                voie = voie.replace("Saint-", "St ").replace("Sainte-", "Ste ")
            number = f"{r['numero']}{(' ' + r['rep']) if r['rep'] else ''}"
            address = f"{number} {voie}"
            if rng.random() < 0.03:
                address = f"{rng.randint(1, 40)} rue des Inconnus"
            town = r["nom_commune"] if rng.random() > 0.15 else r["nom_commune"].upper()
            lines.append([CONTRACT, a["action_id"], "2025", address, r["code_postal"], town,
                          "femme" if rng.random() < 0.55 else "homme",
                          rng.choices([b for b, _ in AGE_BAND_WEIGHTS],
                                      weights=[w for _, w in AGE_BAND_WEIGHTS])[0]])
    out.write("programme/beneficiaires_adresses.csv",
              _csv_bytes(BENEFICIARY_ADDRESS_HEADER, lines, sep=";"))


# ── Entry point ─────────────────────────────────────────────────────────────────────────────

# ── Health and education pillars (commune level) ──────────────────────────────────────────────

# Per commune: APL 2022 (all ages, under 65), public collèges, schools in REP/REP+ (share of pupils).
_PILLARS = {
    "99001": (3.1, 2.6, 4, 0.55), "99002": (2.7, 2.2, 2, 0.40), "99003": (3.4, 2.9, 1, 0.30),
    "99004": (2.2, 1.7, 1, 0.45), "99005": (2.9, None, 1, 0.35), "99006": (2.4, 1.9, 0, 0.0),
    "99007": (3.6, 3.2, 0, 0.0), "99008": (1.8, 1.4, 0, 0.0),
}


def _write_pillars(out: _Out) -> None:
    """The DREES APL workbook and the Éducation nationale exports (IPS of collèges, annuaire de
    l'éducation) for the fictional communes, in their published layouts (etl/loaders/drees_apl.py,
    etl/loaders/depp.py). Its own random generator: the other files keep their bytes."""
    import datetime

    from openpyxl import Workbook

    rng = random.Random(SEED + 1)
    wb = Workbook()
    intro = wb.active
    intro.title = "Présentation"
    intro.append(["Indicateur d'accessibilité potentielle localisée (APL) aux médecins généralistes "
                  "- données fictives de démonstration"])
    for year, drift in ((2022, 0.0), (2023, -0.1)):
        ws = wb.create_sheet(f"APL {year}")
        ws.append([f"APL aux médecins généralistes {year} (fictif)"])
        ws.append(["L'APL est exprimée en nombre de consultations/visites accessibles par an par habitant "
                   "standardisé."])
        ws.append([])
        ws.append(["Code commune INSEE", "Commune", "APL aux médecins généralistes",
                   "APL aux médecins généralistes de moins de 65 ans"])
        for c in COMMUNES:
            apl, under65 = _PILLARS[c.code][:2]
            ws.append([c.code, c.name, round(apl + drift, 3),
                       round(under65 + drift, 3) if under65 is not None else "n.d."])
    wb.properties.creator = "Démonstration Val-de-Lorne (fictif)"
    wb.properties.created = datetime.datetime(2024, 6, 1)
    _save_stable_xlsx(wb, out.path("piliers/APL_medecins_generalistes_val_de_lorne.xlsx"))

    ips_rows, annuaire_rows = [], []
    n = 0
    for c in COMMUNES:
        colleges, rep_share = _PILLARS[c.code][2:]
        for k in range(colleges):
            n += 1
            uai = f"0999{n:03d}C"
            ips = round(rng.uniform(72, 112), 1)
            for rentree, shift in (("2022-2023", 0.0), ("2023-2024", 1.2)):
                ips_rows.append([rentree, "FICTIVE", DEP_CODE, DEP_NAME, uai, f"COLLEGE FICTIF {n}", c.code,
                                 c.name, "public", f"{ips + shift:.1f}", "24.1"])
            pupils = 380 + 40 * k
            annuaire_rows.append([uai, f"Collège fictif {n}", "Collège", "Public", c.postcode, c.code, c.name,
                                  "REP" if k < round(colleges * rep_share) else "", str(pupils), "2024-05-13"])
        for k in range(3):
            n += 1
            in_rep = k < round(3 * rep_share)
            annuaire_rows.append([f"0999{n:03d}E", f"Ecole fictive {n}", "Ecole", "Public", c.postcode, c.code,
                                  c.name, "REP+" if in_rep and k == 0 else ("REP" if in_rep else ""),
                                  str(120 + 30 * k), "2024-05-13"])
    out.write("piliers/fr-en-ips_colleges.csv", _csv_bytes(
        ["Rentrée scolaire", "Académie", "Code du département", "Département", "UAI", "Nom de l'établissment",
         "Code INSEE de la commune", "Nom de la commune", "Secteur", "IPS", "Ecart-type de l'IPS"],
        ips_rows, bom=True))
    out.write("piliers/fr-en-annuaire-education.csv", _csv_bytes(
        ["Identifiant_de_l_etablissement", "Nom_etablissement", "Type_etablissement", "Statut_public_prive",
         "Code_postal", "Code_commune", "Nom_commune", "Appartenance_Education_Prioritaire", "Nombre_d_eleves",
         "date_maj_ligne"], annuaire_rows, bom=True))


def _clear(out_dir: Path) -> None:
    """Remove what an earlier run wrote (only this generator's sub-folders)."""
    import shutil

    for sub in SUBDIRS:
        p = out_dir / sub
        if p.is_dir():
            shutil.rmtree(p)


def write_demo(out_dir: Path = config.DEMO_RAW_DIR) -> list[Path]:
    """Write the fictional demo territory's raw files into `out_dir`; return their paths.

    The same bytes are written on every run. Only the generator's own sub-folders of
    `out_dir` are replaced.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    rng = random.Random(SEED)
    out = _Out(out_dir)
    geo = build_geography(rng)
    _write_cog(out)
    _write_contours(out, geo)
    _write_insee_qpv(out, rng)
    _write_insee_communes(out, rng)
    _write_grid(out, rng, geo)
    tables = _write_programme(out, rng)
    ban = _write_ban(out, geo)
    _write_beneficiary_addresses(out, geo, ban, tables["actions"])
    _write_pillars(out)
    return sorted(out.paths)
