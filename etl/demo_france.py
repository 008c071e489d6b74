"""A France-sized fictional dataset in the official formats, to measure the build at national scale.

`write_france(out_dir, n_qpv=1600)` writes a fictional country (« France fictive ») with, at the
default size, about 1 600 QPV 2024 and 1 500 QPV 2015 with irregular contours (20 to 400
vertices), 35 000 communes with outlines, 1 250 EPCIs, 96 départements in 13 régions; INSEE-style
QPV zips for three vintages x 120 variables with their `meta_*.csv` dictionaries and withheld
values (`s`, `nd`, `NOTE_*`); commune, EPCI, département and France comparators; a Filosofi
200 m grid of about 2,3 million squares; the programme template for 50 contracts over 10 years
with 200 000 attribution rows; BAN address files for 5 départements. Every count scales with
`n_qpv` (`sizes(n_qpv)`), so a test writes a small variant through the same code.

The geography is built in EPSG:3035 (the grid's projection): communes are the cells of a
jittered lattice of 4 km cells (shared vertices and wiggled shared edges, so outlines tile
without gaps), départements are blocks of the lattice, EPCIs runs of communes inside them.

Codes follow the official formats (communes `DDCCC`, QPV `QNDDDNNL`/`QPDDDNNN`, EPCI SIREN
`9991…`), with the numbering of the metropolitan départements: every name says « fictif » or
« fictive », file names say `fictif`, and the programme's contracts are `is_fictional`. Never
load this folder together with real files.

Deterministic: one numpy generator per part, seeded from SEED and the size; large files are
written by DuckDB from numpy columns (no Python list of millions of rows); zips carry fixed dates.
"""
from __future__ import annotations

import csv
import io
import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl.demo import BAN_HEADER, STREET_NAMES, STREET_TYPES, _afnor, _csv_bytes, _meta, _write_zip
from etl.template import BY_NAME as TEMPLATE_TABLES

SEED = 990_2025
SUBDIRS = ("cog", "contours", "insee_qpv", "insee_comparateurs", "carreaux", "programme", "ban")
CELL_M = 4000                     # side of a commune cell of the lattice (metres, EPSG:3035)
ORIGIN_3035 = (3_420_000, 2_180_000)
SUB = CELL_M // 200               # grid squares per cell side
VINTAGES = (2019, 2020, 2021)
N_VARIABLES = 120
COMPARATOR_OLD_VARIABLES = 12     # variables of the two earlier comparator vintages
GRID_YEAR = 2019
FRM_LABEL = "France métropolitaine (fictive)"
ENSEMBLE_CODE = "ENSEMBLE_QPV_2024"
ENSEMBLE_LABEL = "Ensemble des quartiers prioritaires (France fictive)"

METRO_DEPS = tuple([f"{i:02d}" for i in range(1, 20)] + ["2A", "2B"] + [f"{i:02d}" for i in range(21, 96)])
REGION_CODES = tuple(str(c) for c in range(60, 73))          # not real région codes


@dataclass(frozen=True)
class Sizes:
    qpv: int
    qpv2015: int
    communes: int
    epcis: int
    departements: int
    regions: int
    grid_squares: int
    contracts: int
    years: int
    attributions: int
    ban_departements: int
    variables: int


def sizes(n_qpv: int = 1600) -> Sizes:
    """Every count of the dataset, proportional to the number of QPVs (1 600: France)."""
    if n_qpv < 8:
        raise ValueError("au moins 8 QPV")
    f = n_qpv / 1600
    deps = max(2, min(len(METRO_DEPS), round(96 * f)))
    return Sizes(qpv=n_qpv, qpv2015=max(4, round(1500 * f)), communes=max(40, round(35_000 * f)),
                 epcis=max(deps, round(1250 * f)), departements=deps,
                 regions=max(1, min(len(REGION_CODES), round(deps / 7.4))),
                 grid_squares=max(2000, round(2_300_000 * f)), contracts=max(2, round(50 * f)),
                 years=10, attributions=max(500, round(200_000 * f)),
                 ban_departements=max(1, min(5, round(5 * f))), variables=N_VARIABLES)


# ── Geography ────────────────────────────────────────────────────────────────────────────────

@dataclass
class World:
    s: Sizes
    dep_codes: list[str]
    dep_region: np.ndarray           # index of each département's région
    com_code: np.ndarray             # str
    com_name: np.ndarray
    com_dep: np.ndarray              # département index
    com_epci: np.ndarray             # EPCI index
    com_cell: np.ndarray             # (n, 2) lattice cell (i, j)
    com_pop: np.ndarray
    com_rings: np.ndarray            # (n, k, 2) outline, EPSG:3035
    epci_code: list[str]
    epci_name: list[str]
    epci_dep: np.ndarray
    qpv_code: list[str]
    qpv_name: list[str]
    qpv_communes: list[list[int]]
    qpv_centre: np.ndarray           # (n, 2) EPSG:3035
    qpv_radius: np.ndarray
    qpv_pop: np.ndarray
    qpv_rings: list[np.ndarray]
    qp15_code: list[str]
    qp15_name: list[str]
    qp15_commune: list[int]
    qp15_rings: list[np.ndarray]


def _dep3(dep: str) -> str:
    return "0" + dep if len(dep) == 2 else dep


def _lattice(rng: np.random.Generator, nx: int, ny: int, wiggle_points: int = 3):
    """Vertices of a jittered lattice and the wiggled points of its shared edges."""
    vx = np.arange(nx + 1)[:, None] * CELL_M + rng.uniform(-0.1, 0.1, (nx + 1, ny + 1)) * CELL_M
    vy = np.arange(ny + 1)[None, :] * CELL_M + rng.uniform(-0.1, 0.1, (nx + 1, ny + 1)) * CELL_M
    v = np.stack([vx + ORIGIN_3035[0], vy + ORIGIN_3035[1]], axis=-1)       # (nx+1, ny+1, 2)
    t = (np.arange(1, wiggle_points + 1) / (wiggle_points + 1))[None, None, :, None]
    h = v[:-1, :, None, :] * (1 - t) + v[1:, :, None, :] * t                 # horizontal edges
    h[..., 1] += rng.uniform(-60, 60, h.shape[:3])
    e = v[:, :-1, None, :] * (1 - t) + v[:, 1:, None, :] * t                 # vertical edges
    e[..., 0] += rng.uniform(-60, 60, e.shape[:3])
    return v, h, e


def _cell_rings(v, h, e, cells: np.ndarray) -> np.ndarray:
    """Closed outline of each cell (counter-clockwise): bottom, right, top (reversed), left."""
    i, j = cells[:, 0], cells[:, 1]
    parts = [v[i, j][:, None], h[i, j], v[i + 1, j][:, None], e[i + 1, j], v[i + 1, j + 1][:, None],
             h[i, j + 1][:, ::-1], v[i, j + 1][:, None], e[i, j][:, ::-1], v[i, j][:, None]]
    return np.concatenate(parts, axis=1)


def _blob(rng: np.random.Generator, cx: float, cy: float, radius: float, n: int) -> np.ndarray:
    """An irregular closed outline of n vertices around (cx, cy) (random harmonics)."""
    a = np.linspace(0, 2 * np.pi, n, endpoint=False)
    r = np.ones(n)
    for k in (2, 3, 4, 5, 7):
        r += rng.uniform(0.02, 0.12) / (k - 1) * np.cos(k * a + rng.uniform(0, 2 * np.pi))
    r *= radius
    ring = np.stack([cx + r * np.cos(a), cy + r * np.sin(a)], axis=1)
    return np.vstack([ring, ring[:1]])


SYLLABLES = ("Beau", "Mont", "Val", "Saint-", "Roche", "Champ", "Font", "Ville", "Bois", "Pont",
             "Clair", "Haut", "Mar", "Lor", "Vern", "Bel", "Cour", "Chan", "Fleur", "Pré")
ENDINGS = ("ville", "mont", "court", "bourg", "fort", "lieu", "val", "champ", "ac", "ay", "y",
           "ières", "sur-Lorne", "les-Bains", "en-Plaine")
QPV_WORDS = ("Les Tilleuls", "Le Moulin", "La Gare", "Les Hauts", "Les Peupliers", "Le Clos",
             "La Fontaine", "Les Acacias", "Le Parc", "Les Prés", "La Chênaie", "Les Forges",
             "Le Champ de Foire", "Les Lilas", "Le Vieux Bourg", "Les Cèdres", "La Roseraie",
             "Les Sablons", "Le Plateau", "Les Vergers")


def build_world(s: Sizes) -> World:
    rng = np.random.default_rng([SEED, s.qpv, 1])
    deps = list(METRO_DEPS[:s.departements])
    per_dep = np.full(s.departements, s.communes // s.departements)
    per_dep[: s.communes % s.departements] += 1
    m = int(math.ceil(math.sqrt(per_dep.max())))            # cells per side of a département block
    dcols = int(math.ceil(math.sqrt(s.departements)))
    drows = int(math.ceil(s.departements / dcols))
    cells, com_dep = [], []
    for d in range(s.departements):
        bi, bj = d % dcols, d // dcols
        k = np.arange(per_dep[d])
        cells.append(np.stack([bi * m + k % m, bj * m + k // m], axis=1))
        com_dep.append(np.full(per_dep[d], d))
    cells = np.concatenate(cells)
    com_dep = np.concatenate(com_dep)
    v, h, e = _lattice(rng, dcols * m, drows * m)
    rings = _cell_rings(v, h, e, cells)
    n = len(cells)
    pop = np.clip(np.round(np.exp(rng.normal(6.6, 1.3, n))), 20, 900_000).astype(np.int64)
    order_in_dep = np.concatenate([np.arange(c) for c in per_dep])
    com_code = np.array([f"{deps[d]}{o + 1:03d}" for d, o in zip(com_dep, order_in_dep)])
    a = rng.integers(0, len(SYLLABLES), n)
    b = rng.integers(0, len(ENDINGS), n)
    com_name = np.array([f"{SYLLABLES[x]}{ENDINGS[y]} {o + 1} (fictive)".replace("- ", "-")
                         for x, y, o in zip(a, b, order_in_dep)])
    # EPCIs: runs of consecutive communes of a département, as many per département as its share.
    epci_per_dep = np.maximum(1, np.round(per_dep / per_dep.sum() * s.epcis)).astype(int)
    com_epci = np.empty(n, dtype=np.int64)
    epci_dep, start, e0 = [], 0, 0
    for d in range(s.departements):
        k = epci_per_dep[d]
        com_epci[start:start + per_dep[d]] = e0 + (np.arange(per_dep[d]) * k // per_dep[d])
        epci_dep += [d] * k
        start += per_dep[d]
        e0 += k
    epci_code = [f"9991{i + 1:05d}" for i in range(e0)]
    epci_name = [f"Communauté fictive n° {i + 1} ({deps[epci_dep[i]]})" for i in range(e0)]
    dep_region = np.minimum(np.arange(s.departements) * s.regions // s.departements, s.regions - 1)

    # QPV hosts: communes of at least 8 000 inhabitants, up to three QPVs each, weighted by size.
    big = np.flatnonzero(pop >= 8000)
    if len(big) * 3 < s.qpv:
        big = np.argsort(-pop)[: int(math.ceil(s.qpv / 3)) + 1]
        pop[big] = np.maximum(pop[big], 8000)
    slots = np.repeat(big, 3)
    w = np.repeat(pop[big].astype(float), 3)
    hosts = np.sort(rng.choice(slots, size=s.qpv, replace=False, p=w / w.sum()))
    qpv_code, qpv_name, qpv_communes, centres, radii, qpops, qrings = [], [], [], [], [], [], []
    dep_order = np.zeros(s.departements, dtype=int)
    n2015 = s.qpv2015
    cell_index = {(int(x), int(y)): k for k, (x, y) in enumerate(cells)}
    for c in np.unique(hosts):
        k = int((hosts == c).sum())
        cx, cy = rings[c][:-1].mean(axis=0)
        phase = rng.uniform(0, 2 * np.pi)
        for j in range(k):
            q = len(qpv_code)
            d = com_dep[c]
            dep_order[d] += 1
            letter = ("I" if rng.random() < 0.6 else "M") if q < n2015 else "N"
            code = f"QN{_dep3(deps[d])}{dep_order[d]:02d}{letter}"
            comms = [int(c)]
            if k == 1:
                east = cell_index.get((int(cells[c, 0]) + 1, int(cells[c, 1])))
                if east is not None and com_dep[east] == d and rng.random() < 0.18:
                    # Astride the border with the eastern neighbour.
                    comms.append(east)
                    cx2 = (rings[c][:-1, 0].max() + rings[east][:-1, 0].min()) / 2
                    px, py, radius = cx2, cy, rng.uniform(300, 600)
                else:
                    px, py, radius = cx + rng.uniform(-300, 300), cy + rng.uniform(-300, 300), rng.uniform(250, 750)
            else:
                ang = phase + 2 * np.pi * j / k
                px, py, radius = cx + 700 * np.cos(ang), cy + 700 * np.sin(ang), rng.uniform(220, 400)
            nv = int(np.clip(round(np.exp(rng.uniform(np.log(20), np.log(400)))), 20, 400))
            qpv_code.append(code)
            qpv_name.append(f"{QPV_WORDS[rng.integers(len(QPV_WORDS))]} {dep_order[d]} (quartier fictif)")
            qpv_communes.append(comms)
            centres.append((px, py))
            radii.append(radius)
            share = rng.uniform(0.08, 0.35)
            qpops.append(int(max(1000, min(share * pop[c], 25_000))))
            qrings.append(_blob(rng, px, py, radius, nv))
    # QPV 2015: most of them where a 2024 QPV is (its contour changed a little), codes QP.
    qp15_code, qp15_name, qp15_commune, qp15_rings = [], [], [], []
    dep15 = np.zeros(s.departements, dtype=int)
    for q in range(min(n2015, len(qpv_code))):
        c = qpv_communes[q][0]
        d = com_dep[c]
        dep15[d] += 1
        px, py = centres[q]
        qp15_code.append(f"QP{_dep3(deps[d])}{dep15[d]:03d}")
        qp15_name.append(qpv_name[q].replace("(quartier fictif)", "(quartier fictif, 2015)"))
        qp15_commune.append(c)
        qp15_rings.append(_blob(rng, px + rng.uniform(-60, 60), py + rng.uniform(-60, 60),
                                radii[q] * rng.uniform(0.85, 1.1), int(len(qrings[q]) - 1)))
    return World(s, deps, dep_region, com_code, com_name, com_dep, com_epci, cells, pop, rings,
                 epci_code, epci_name, np.array(epci_dep), qpv_code, qpv_name, qpv_communes,
                 np.array(centres), np.array(radii), np.array(qpops), qrings,
                 qp15_code, qp15_name, qp15_commune, qp15_rings)


# ── Writers ─────────────────────────────────────────────────────────────────────────────────

def _transform(src: int, dst: int):
    from pyproj import Transformer
    return Transformer.from_crs(src, dst, always_xy=True)


def _rings_to(rings: np.ndarray | list, src: int, dst: int, ndigits: int) -> list[np.ndarray]:
    """Reproject a list of rings at once (one pyproj call)."""
    lengths = [len(r) for r in rings]
    flat = np.concatenate(list(rings))
    x, y = _transform(src, dst).transform(flat[:, 0], flat[:, 1])
    xy = np.round(np.stack([x, y], axis=1), ndigits)
    return np.split(xy, np.cumsum(lengths)[:-1])


def _coords(ring: np.ndarray, ndigits: int) -> str:
    fmt = f"[%.{ndigits}f,%.{ndigits}f],"
    return "[[" + ((fmt * len(ring))[:-1] % tuple(ring.ravel().tolist())) + "]]"


def _feature_collection(path: Path, features: list[tuple[dict, str]], head: str = "") -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write('{"type":"FeatureCollection",' + head + '"features":[\n')
        for k, (props, coords) in enumerate(features):
            f.write(('' if k == 0 else ',\n') + '{"type":"Feature","properties":'
                    + json.dumps(props, ensure_ascii=False, separators=(",", ":"))
                    + ',"geometry":{"type":"Polygon","coordinates":' + coords + '}}')
        f.write("\n]}\n")


def _write_cog(root: Path, w: World) -> None:
    (root / "cog").mkdir(parents=True, exist_ok=True)
    deps = w.dep_codes
    with open(root / "cog" / "communes.json", "w", encoding="utf-8") as f:
        f.write("[\n")
        for k in range(len(w.com_code)):
            d = deps[w.com_dep[k]]
            obj = {"code": str(w.com_code[k]), "nom": str(w.com_name[k]), "typeLiaison": 0, "zone": "metro",
                   "departement": d, "region": REGION_CODES[w.dep_region[w.com_dep[k]]],
                   "type": "commune-actuelle", "population": int(w.com_pop[k])}
            f.write(("" if k == 0 else ",\n") + json.dumps(obj, ensure_ascii=False, separators=(",", ":")))
        f.write("\n]\n")
    members: dict[int, list[int]] = {}
    for k, e in enumerate(w.com_epci):
        members.setdefault(int(e), []).append(k)
    epci = []
    for e, code in enumerate(w.epci_code):
        ms = members.get(e, [])
        total = int(w.com_pop[ms].sum())
        epci.append({"code": code, "nom": w.epci_name[e], "type": "CA" if total > 50_000 else "CC",
                     "modeFinancement": "FPU", "populationTotale": int(total * 1.018),
                     "populationMunicipale": total,
                     "membres": [{"code": str(w.com_code[m]), "nom": str(w.com_name[m]),
                                  "populationMunicipale": int(w.com_pop[m])} for m in ms]})
    (root / "cog" / "epci.json").write_text(json.dumps(epci, ensure_ascii=False, separators=(",", ":")) + "\n",
                                            encoding="utf-8")
    first = {}
    for k, d in enumerate(w.com_dep):
        first.setdefault(int(d), k)
    (root / "cog" / "departements.json").write_text(json.dumps([
        {"code": d, "region": REGION_CODES[w.dep_region[i]], "chefLieu": str(w.com_code[first[i]]),
         "nom": f"Département fictif {d}", "typeLiaison": 0, "zone": "metro"}
        for i, d in enumerate(deps)], ensure_ascii=False) + "\n", encoding="utf-8")
    (root / "cog" / "regions.json").write_text(json.dumps([
        {"code": REGION_CODES[r], "chefLieu": str(w.com_code[first[int(np.flatnonzero(w.dep_region == r)[0])]]),
         "nom": f"Région fictive {REGION_CODES[r]}", "typeLiaison": 0, "zone": "metro"}
        for r in range(w.s.regions)], ensure_ascii=False) + "\n", encoding="utf-8")


def _write_contours(root: Path, w: World) -> None:
    (root / "contours").mkdir(parents=True, exist_ok=True)
    deps = w.dep_codes
    wgs = _rings_to(w.com_rings, 3035, 4326, 5)
    _feature_collection(root / "contours" / "communes_france_fictive_wgs84.geojson", [
        ({"code": str(w.com_code[k]), "nom": str(w.com_name[k]), "departement": deps[w.com_dep[k]],
          "epci": w.epci_code[w.com_epci[k]]}, _coords(wgs[k], 5)) for k in range(len(wgs))])
    l93 = _rings_to(w.qpv_rings, 3035, 2154, 2)
    feats = []
    for q, code in enumerate(w.qpv_code):
        cs = w.qpv_communes[q]
        d = deps[w.com_dep[cs[0]]]
        r = REGION_CODES[w.dep_region[w.com_dep[cs[0]]]]
        feats.append(({"code_qp": code, "lib_qp": w.qpv_name[q], "insee_reg": r,
                       "lib_reg": f"Région fictive {r}", "insee_dep": d, "lib_dep": f"Département fictif {d}",
                       "insee_com": ",".join(str(w.com_code[c]) for c in cs),
                       "lib_com": ",".join(str(w.com_name[c]) for c in cs),
                       "siren_epci": w.epci_code[w.com_epci[cs[0]]]}, _coords(l93[q], 2)))
    _feature_collection(root / "contours" / "QP2024_France_fictive_Lambert93.geojson", feats,
                        '"name":"QP2024_France_fictive_Lambert93","crs":{"type":"name","properties":'
                        '{"name":"urn:ogc:def:crs:EPSG::2154"}},')
    wgs15 = _rings_to(w.qp15_rings, 3035, 4326, 6)
    _feature_collection(root / "contours" / "QP2015_France_fictive_WGS84.geojson", [
        ({"CODE_QP": code, "NOM_QP": w.qp15_name[q], "COMMUNE_QP": str(w.com_name[w.qp15_commune[q]])},
         _coords(wgs15[q], 6)) for q, code in enumerate(w.qp15_code)])


# INSEE statistics ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Variable:
    name: str           # without the year suffix
    label: str          # with {year}
    kind: str           # share | count | amount
    lo: float
    hi: float


def variables(n: int = N_VARIABLES) -> list[Variable]:
    """The known variables first (registry names), then numbered fictional shares and counts."""
    known = [
        Variable("DISP_MED", "Médiane du revenu disponible par unité de consommation en {year} (euros)", "amount", 9000, 30000),
        Variable("DISP_TP60", "Taux de pauvreté au seuil de 60 % du revenu disponible en {year} (%)", "share", 5, 70),
        Variable("DISP_D1", "1er décile du revenu disponible par unité de consommation en {year} (euros)", "amount", 3000, 12000),
        Variable("DISP_D9", "9e décile du revenu disponible par unité de consommation en {year} (euros)", "amount", 20000, 60000),
        Variable("PART_FAM_MONO", "Part des familles monoparentales parmi les familles avec enfants en {year} (%)", "share", 10, 50),
        Variable("PART_FAM_NOMB", "Part des familles de 3 enfants ou plus parmi les familles avec enfants en {year} (%)", "share", 5, 25),
        Variable("PART_MOINS18", "Part des moins de 18 ans en {year} (%)", "share", 15, 40),
        Variable("PART_75ETPLUS", "Part des 75 ans ou plus en {year} (%)", "share", 3, 15),
        Variable("TX_ACT", "Taux d'activité des 15-64 ans en {year} (%)", "share", 55, 80),
        Variable("TX_TOT_EMPL", "Taux d'emploi des 15-64 ans en {year} (%)", "share", 40, 70),
        Variable("NB_LLS", "Nombre de logements locatifs sociaux en {year}", "count", 0, 0),
        Variable("PART_LLS", "Part des logements locatifs sociaux parmi les résidences principales en {year} (%)", "share", 20, 95),
    ]
    out = known[:n]
    k = 0
    while len(out) < n:
        k += 1
        if k % 3:
            out.append(Variable(f"PART_FICT{k:03d}", f"Part des ménages de la catégorie fictive n° {k} en {{year}} (%)",
                                "share", 1, 60))
        else:
            out.append(Variable(f"NB_FICT{k:03d}", f"Nombre de personnes de la catégorie fictive n° {k} en {{year}}",
                                "count", 0, 0))
    return out


def _values(rng: np.random.Generator, var: Variable, pop: np.ndarray, poverty: np.ndarray) -> np.ndarray:
    """Values for territories of population `pop` and poverty index `poverty` (0 rich … 1 poor)."""
    n = len(pop)
    if var.kind == "count":
        share = 0.4 if var.name == "NB_LLS" else rng.uniform(0.01, 0.2)
        return np.round(pop * share * rng.uniform(0.7, 1.3, n))
    t = np.clip(poverty + rng.normal(0, 0.08, n), 0, 1)
    if var.name in ("DISP_MED", "DISP_D1", "DISP_D9"):
        t = 1 - t
    v = var.lo + (var.hi - var.lo) * t
    return np.round(v, 1) if var.kind == "share" else np.round(v / 10) * 10


def _fr(values: np.ndarray, kind: str) -> np.ndarray:
    """French-formatted cells (decimal comma), as strings."""
    if kind == "share":
        return np.char.replace(np.char.mod("%.1f", values), ".", ",")
    return np.char.mod("%d", values.astype(np.int64))


def _write_insee_qpv(root: Path, w: World) -> None:
    (root / "insee_qpv").mkdir(parents=True, exist_ok=True)
    vs = variables(w.s.variables)
    pop = w.qpv_pop.astype(float)
    rng0 = np.random.default_rng([SEED, w.s.qpv, 2])
    poverty = rng0.uniform(0.55, 0.95, len(pop))
    small = pop < 1200              # Filosofi withheld (secret statistique)
    for vi, year in enumerate(VINTAGES):
        rng = np.random.default_rng([SEED, w.s.qpv, 3, year])
        yy = f"{year % 100:02d}"
        header = ["CODGEO", "LIBGEO"] + [f"{v.name}_A{yy}" for v in vs] + ["NOTE_FILO"]
        cols = []
        for v in vs:
            cells = _fr(_values(rng, v, pop * (1 + 0.01 * vi), poverty), v.kind).astype(object)
            if v.name.startswith("DISP_"):
                cells[small] = "s"
            holes = rng.random(len(cells)) < 0.01
            cells[holes] = np.where(rng.random(int(holes.sum())) < 0.5, "nd", "s")
            cols.append(cells)
        note = np.where(small, "1", "")
        rows = [[w.qpv_code[q], w.qpv_name[q]] + [c[q] for c in cols] + [note[q]] for q in range(len(pop))]
        ens = [ENSEMBLE_CODE, ENSEMBLE_LABEL] + [
            str(_fr(_values(rng, v, np.array([pop.sum()]), np.array([0.7])), v.kind)[0]) for v in vs] + [""]
        base = f"QPV2024_FICTIF_{year}"
        meta = [("CODGEO", "Code du quartier prioritaire"), ("LIBGEO", "Libellé du quartier prioritaire")]
        meta += [(f"{v.name}_A{yy}", v.label.format(year=year)) for v in vs]
        meta += [("NOTE_FILO", "Indicatrice : 1 si les données Filosofi du quartier sont soumises au secret statistique")]
        enc = "latin-1" if year == 2019 else "utf-8"
        _write_zip(root / "insee_qpv" / f"{base}.zip",
                   [(f"data_{base}.csv", _csv_bytes(header, [ens] + rows, encoding=enc)),
                    (f"meta_{base}.csv", _meta(meta, enc))])
    # Filosofi 2017 on the 2015 geography.
    rng = np.random.default_rng([SEED, w.s.qpv, 4])
    n15 = len(w.qp15_code)
    med = np.round(rng.uniform(10_500, 15_500, n15) / 10) * 10
    tp = np.round(rng.uniform(30, 60, n15), 1)
    rows = [[w.qp15_code[q], w.qp15_name[q], f"{int(med[q])}", f"{tp[q]:.1f}".replace(".", ",")]
            for q in range(n15)]
    base = "QPV2015_FICTIF_FILOSOFI_2017"
    _write_zip(root / "insee_qpv" / f"{base}.zip", [
        (f"data_{base}.csv", _csv_bytes(["CODGEO", "LIBGEO", "DISP_MED17", "DISP_TP6017"], rows, encoding="latin-1")),
        (f"meta_{base}.csv", _meta([
            ("CODGEO", "Code du quartier prioritaire (géographie 2015)"), ("LIBGEO", "Libellé du quartier prioritaire"),
            ("DISP_MED17", "Médiane du revenu disponible par unité de consommation en 2017 (euros)"),
            ("DISP_TP6017", "Taux de pauvreté au seuil de 60 % en 2017 (%)")], "latin-1"))])


def _comparator_cell(col: str, kind: str) -> str:
    """SQL formatting one comparator column as INSEE prints it (NULL: « s »)."""
    if kind == "share":
        return f"coalesce(replace(printf('%.1f', {col}), '.', ','), 's') as {col}"
    return f"coalesce(cast(cast({col} as bigint) as varchar), 's') as {col}"


def _write_comparators(root: Path, w: World) -> None:
    """Commune file per vintage, and one file with the EPCIs, départements and France."""
    import duckdb
    import pandas as pd

    (root / "insee_comparateurs").mkdir(parents=True, exist_ok=True)
    deps = w.dep_codes
    com_pop = w.com_pop.astype(float)
    epci_pop = np.bincount(w.com_epci, weights=com_pop, minlength=len(w.epci_code))
    dep_pop = np.bincount(w.com_dep, weights=com_pop, minlength=len(deps))
    rng0 = np.random.default_rng([SEED, w.s.qpv, 5])
    com_pov = rng0.uniform(0.05, 0.6, len(com_pop))
    con = duckdb.connect()
    con.execute("set threads = 1")               # one thread: rows keep their order
    for vi, year in enumerate(VINTAGES):
        rng = np.random.default_rng([SEED, w.s.qpv, 6, year])
        yy = f"{year % 100:02d}"
        vs = variables(w.s.variables if year == VINTAGES[-1] else COMPARATOR_OLD_VARIABLES)
        for name, codes, labels, pop, pov in (
                ("communes", w.com_code.astype(str), w.com_name.astype(str), com_pop, com_pov),
                ("epci_departements_france",
                 np.array(list(w.epci_code) + deps + ["FRM"]),
                 np.array(list(w.epci_name) + [f"Département fictif {d}" for d in deps] + [FRM_LABEL]),
                 np.concatenate([epci_pop, dep_pop, [com_pop.sum()]]),
                 np.full(len(w.epci_code) + len(deps) + 1, 0.3))):
            frame = {"CODGEO": codes, "LIBGEO": labels}
            for v in vs:
                values = _values(rng, v, pop * (1 + 0.01 * vi), pov)
                if name == "communes" and v.name.startswith("DISP_"):
                    values[pop < 500] = np.nan          # secret statistique: « s »
                frame[f"{v.name}_A{yy}"] = values
            df = pd.DataFrame(frame)      # noqa: F841  (read by DuckDB below)
            cells = ", ".join(_comparator_cell(f'"{v.name}_A{yy}"', v.kind) for v in vs)
            path = root / "insee_comparateurs" / f"insee_fictif_{year}_{name}.csv"
            con.execute(f"copy (select CODGEO, LIBGEO, {cells} from df) to '{path}' "
                        "(header, delimiter ';', quote '\"')")
            meta = [("CODGEO", "Code de la commune" if name == "communes" else
                     "Code de l'EPCI, du département ou de la France"), ("LIBGEO", "Libellé géographique")]
            meta += [(f"{v.name}_A{yy}", v.label.format(year=year)) for v in vs]
            (root / "insee_comparateurs" / f"meta_insee_fictif_{year}_{name}.csv").write_bytes(_meta(meta, "utf-8"))
    con.close()


# Filosofi 200 m grid ---------------------------------------------------------------------------

GRID_COLUMNS = ["Idcar_200m", "Ind", "Men", "Men_pauv", "Ind_snv", "Men_1ind", "Men_5ind",
                "Men_fmp", "Men_prop", "Log_soc", "Ind_0_3", "Ind_4_5", "Ind_6_10", "Ind_11_17",
                "Ind_18_24", "Ind_25_39", "Ind_40_54", "Ind_55_64", "Ind_65_79", "Ind_80p",
                "lcog_geo"]
AGE_SHARES = (0.05, 0.028, 0.07, 0.10, 0.085, 0.19, 0.19, 0.115, 0.12, 0.052)


def grid_squares(w: World) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The inhabited squares: lower-left x, y (EPSG:3035), commune index, QPV flag (centre near a
    QPV centre). Each commune gets squares around its centre, in number growing with its
    population (at most its cell's 400), and every square within reach of a QPV."""
    rng = np.random.default_rng([SEED, w.s.qpv, 7])
    s = w.s
    n = len(w.com_code)
    weight = np.sqrt(w.com_pop.astype(float))
    lo, hi = 0.0, 100.0
    for _ in range(50):                         # n_c = clip(k·√pop, 3, 400), Σ n_c ≈ target
        k = (lo + hi) / 2
        total = np.clip(np.round(k * weight), 3, SUB * SUB).sum()
        lo, hi = (k, hi) if total < s.grid_squares else (lo, k)
    n_c = np.clip(np.round(lo * weight), 3, SUB * SUB).astype(np.int64)
    a = np.arange(SUB * SUB)
    sub_d2 = ((a % SUB) - (SUB - 1) / 2) ** 2 + ((a // SUB) - (SUB - 1) / 2) ** 2
    chosen = []
    for start in range(0, n, 4000):            # chunks: never the whole 14 M keys at once
        stop = min(n, start + 4000)
        keys = sub_d2[None, :] / (n_c[start:stop, None] * 0.35) + rng.exponential(1.0, (stop - start, SUB * SUB))
        order = np.argsort(keys, axis=1)
        rank = np.empty_like(order)
        np.put_along_axis(rank, order, np.arange(SUB * SUB)[None, :], axis=1)
        ci, si = np.nonzero(rank < n_c[start:stop, None])
        chosen.append((ci + start) * (SUB * SUB) + si)
    lin = np.concatenate(chosen)
    # Every square whose centre lies within a QPV's reach.
    extra = []
    cell_of = {(int(x), int(y)): k for k, (x, y) in enumerate(w.com_cell)}
    for q in range(len(w.qpv_code)):
        cx, cy = w.qpv_centre[q]
        r = w.qpv_radius[q] * 1.2
        xs = np.arange(math.floor((cx - r) / 200) * 200, cx + r, 200)
        ys = np.arange(math.floor((cy - r) / 200) * 200, cy + r, 200)
        gx, gy = np.meshgrid(xs, ys)
        gx, gy = gx.ravel(), gy.ravel()
        keep = (gx + 100 - cx) ** 2 + (gy + 100 - cy) ** 2 <= r * r
        for x, y in zip(gx[keep], gy[keep]):
            i, j = int((x - ORIGIN_3035[0]) // CELL_M), int((y - ORIGIN_3035[1]) // CELL_M)
            c = cell_of.get((i, j))
            if c is None:
                continue
            si = int((x - ORIGIN_3035[0] - i * CELL_M) // 200) + SUB * int((y - ORIGIN_3035[1] - j * CELL_M) // 200)
            extra.append(c * SUB * SUB + si)
    lin = np.unique(np.concatenate([lin, np.array(extra, dtype=np.int64)]))
    com = lin // (SUB * SUB)
    si = lin % (SUB * SUB)
    x = ORIGIN_3035[0] + w.com_cell[com, 0] * CELL_M + (si % SUB) * 200
    y = ORIGIN_3035[1] + w.com_cell[com, 1] * CELL_M + (si // SUB) * 200
    near = np.zeros(len(lin), dtype=bool)
    extra_set = np.unique(np.array(extra, dtype=np.int64))
    near[np.searchsorted(lin, extra_set)] = True
    return x.astype(np.int64), y.astype(np.int64), com, near


def _write_grid(root: Path, w: World) -> int:
    import duckdb
    import pandas as pd

    (root / "carreaux").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, w.s.qpv, 8])
    x, y, com, near = grid_squares(w)
    n = len(x)
    n_per_com = np.bincount(com, minlength=len(w.com_code))
    ind = w.com_pop[com] / n_per_com[com] * rng.lognormal(0, 0.5, n)
    ind = np.where(near, np.maximum(ind, rng.uniform(60, 400, n)), ind)
    ind = np.maximum(np.round(ind, 1), 1.0)
    size = np.where(near, rng.uniform(2.2, 2.6, n), rng.uniform(2.0, 2.4, n))
    men = ind / size
    poor = np.where(near, rng.uniform(0.38, 0.55, n), rng.uniform(0.03, 0.2, n))
    snv = ind * np.where(near, rng.uniform(13_500, 16_000, n), rng.uniform(20_000, 30_000, n))
    cols = {"Ind": ind, "Men": men, "Men_pauv": men * poor, "Ind_snv": snv,
            "Men_1ind": men * rng.uniform(0.30, 0.42, n), "Men_5ind": men * rng.uniform(0.03, 0.12, n),
            "Men_fmp": men * rng.uniform(0.06, 0.2, n), "Men_prop": men * np.where(near, 0.1, 0.6),
            "Log_soc": men * np.where(near, 0.75, 0.05)}
    for name, share in zip(GRID_COLUMNS[10:20], AGE_SHARES):
        cols[name] = ind * share
    withheld = rng.random(n) < 0.004
    df = pd.DataFrame({"x": x, "y": y, "w": withheld, "lcog_geo": w.com_code.astype(str)[com],
                       **{k: np.round(v, 1) for k, v in cols.items()}})
    order = np.lexsort((x, y))
    df = df.iloc[order].reset_index(drop=True)
    sel = ", ".join(f"case when w then '' else printf('%.1f', \"{c}\") end as \"{c}\"" for c in cols)
    path = root / "carreaux" / f"Filosofi{GRID_YEAR}_carreaux_200m_france_fictive.csv"
    con = duckdb.connect()
    con.execute("set threads = 1")               # one thread: rows keep their order
    con.execute(f"""copy (select 'CRS3035RES200mN' || y || 'E' || x as Idcar_200m, {sel}, lcog_geo
                          from df) to '{path}' (header, delimiter ',')""")
    con.close()
    labels = {"Idcar_200m": "Identifiant Inspire du carreau de 200 m", "Ind": "Nombre d'individus",
              "Men": "Nombre de ménages", "Men_pauv": "Nombre de ménages pauvres",
              "Ind_snv": f"Somme des niveaux de vie winsorisés des individus en {GRID_YEAR}",
              "lcog_geo": "Code(s) commune du carreau"}
    meta = [(c, labels.get(c, f"Nombre (colonne {c}) en {GRID_YEAR}")) for c in GRID_COLUMNS]
    (root / "carreaux" / f"meta_Filosofi{GRID_YEAR}_carreaux_200m_france_fictive.csv").write_bytes(_meta(meta, "utf-8"))
    return n


# Programme template ----------------------------------------------------------------------------

def _template_csv(path: Path, table: str, rows) -> None:
    spec = TEMPLATE_TABLES[table]
    with open(path, "w", encoding="utf-8", newline="") as f:
        wr = csv.writer(f, delimiter=";", lineterminator="\n")
        wr.writerow(spec.names)
        for r in rows:
            wr.writerow(["" if r.get(c) is None else r[c] for c in spec.names])


LANDLORDS = ("Habitat fictif", "Logis fictif", "Foyer fictif", "Office fictif", "Toit fictif")
PARTIES = ("etat", "communes", "action_logement", "bailleurs", "autres")
FUNDERS = ("ville", "epci", "etat_p147", "caf", "departement", "region")


def _write_programme(root: Path, w: World) -> dict[str, int]:
    (root / "programme").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, w.s.qpv, 9])
    s = w.s
    # The contracts: the EPCIs with the most QPVs.
    epci_qpvs: dict[int, list[int]] = {}
    for q, cs in enumerate(w.qpv_communes):
        epci_qpvs.setdefault(int(w.com_epci[cs[0]]), []).append(q)
    chosen = sorted(epci_qpvs, key=lambda e: (-len(epci_qpvs[e]), e))[: s.contracts]
    years = list(range(2016, 2016 + s.years))
    contracts, territories, actions, funding, attributions = [], [], [], [], []
    for n, e in enumerate(chosen):
        slug = f"fictif-{n + 1:02d}"
        contracts.append({"contract": slug, "contract_name": f"Contrat de ville fictif n° {n + 1}",
                          "epci_code": w.epci_code[e], "period_label": f"{years[0]}–{years[-1]}",
                          "start_year": years[0], "end_year": years[-1], "is_fictional": "oui"})
        qs = epci_qpvs[e]
        for q in qs:
            territories.append({"contract": slug, "territory_code": w.qpv_code[q], "territory_level": "qpv",
                                "territory_name": w.qpv_name[q],
                                "parent_codes": ",".join(str(w.com_code[c]) for c in w.qpv_communes[q]),
                                "geography_vintage": 2024, "in_contract": "oui"})
        for y in years:
            for a in range(int(rng.integers(10, 30))):
                aid = f"{slug}-{a + 1:03d}"
                terr = ",".join(w.qpv_code[q] for q in rng.choice(qs, size=min(len(qs), int(rng.integers(1, 3))), replace=False))
                actions.append({"contract": slug, "action_id": aid, "year": y,
                                "title": f"Action fictive n° {a + 1}", "operator": "Association fictive",
                                "theme": "Cohésion sociale", "territories": terr,
                                "is_new": "oui" if y == years[0] else "non"})
                for fu in rng.choice(FUNDERS, size=int(rng.integers(1, 4)), replace=False):
                    funding.append({"contract": slug, "action_id": aid, "year": y, "funder": str(fu),
                                    "amount_eur": int(rng.integers(5, 400)) * 100})
    # Attributions: each row one combination (contract, year, landlord, party, location, QPV,
    # quartile, three flags), drawn without repetition until the target is reached.
    per_contract = s.attributions // len(chosen)
    for n, e in enumerate(chosen):
        slug = f"fictif-{n + 1:02d}"
        qs = [w.qpv_code[q] for q in epci_qpvs[e]]
        locs = [("hors_qpv", "")] + [("qpv", q) for q in qs]
        space = len(years) * len(LANDLORDS) * len(PARTIES) * len(locs) * 4 * 8
        take = min(space, per_contract + (s.attributions % len(chosen) if n == 0 else 0))
        picks = np.sort(rng.choice(space, size=take, replace=False))
        for p in picks:
            p, flags = divmod(int(p), 8)
            p, quartile = divmod(p, 4)
            p, li = divmod(p, len(locs))
            p, pa = divmod(p, len(PARTIES))
            yi, la = divmod(p, len(LANDLORDS))
            attributions.append({"contract": slug, "year": years[yi], "landlord": LANDLORDS[la],
                                 "reserving_party": PARTIES[pa], "location": locs[li][0],
                                 "qpv_code": locs[li][1] or None, "resource_quartile": quartile + 1,
                                 "is_priority_household": "oui" if flags & 1 else "non",
                                 "is_transfer": "oui" if flags & 2 else "non",
                                 "is_lease_signed": "oui" if flags & 4 else "non",
                                 "n_attributions": int(rng.integers(1, 12))})
    out = root / "programme"
    _template_csv(out / "contrats_fictifs.csv", "contracts", contracts)
    _template_csv(out / "territoires_fictifs.csv", "territories", territories)
    _template_csv(out / "actions_fictives.csv", "actions", actions)
    _template_csv(out / "financements_fictifs.csv", "funding", funding)
    _template_csv(out / "attributions_fictives.csv", "attributions", attributions)
    return {"contracts": len(contracts), "actions": len(actions), "funding": len(funding),
            "attributions": len(attributions)}


# Base Adresse Nationale ------------------------------------------------------------------------

def _write_ban(root: Path, w: World) -> int:
    """`adresses-DD.csv` for the first départements: streets around each commune's centre."""
    import duckdb
    import pandas as pd

    (root / "ban").mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, w.s.qpv, 10])
    to_l93 = _transform(3035, 2154)
    to_wgs = _transform(3035, 4326)
    kinds = [t for t, _ in STREET_TYPES]
    kw = np.array([p for _, p in STREET_TYPES])
    total = 0
    con = duckdb.connect()
    con.execute("set threads = 1")
    for d in range(w.s.ban_departements):
        coms = np.flatnonzero(w.com_dep == d)
        n_addr = np.clip(w.com_pop[coms] // 5, 20, 30_000)
        com = np.repeat(coms, n_addr)
        k = np.concatenate([np.arange(m) for m in n_addr])
        street = k // 40
        number = k % 40 + 1
        n = len(com)
        centre = w.com_rings[com][:, :-1].mean(axis=1)
        ang = rng.uniform(0, 2 * np.pi, n)
        rad = rng.uniform(0, 1, n) ** 0.5 * 1300
        x3, y3 = centre[:, 0] + rad * np.cos(ang), centre[:, 1] + rad * np.sin(ang)
        x, y = to_l93.transform(x3, y3)
        lon, lat = to_wgs.transform(x3, y3)
        n_st = int(street.max()) + 1
        st_kind = rng.choice(len(kinds), size=n_st, p=kw / kw.sum())
        st_name = rng.integers(0, len(STREET_NAMES), n_st)
        voie = np.array([f"{kinds[a]} {STREET_NAMES[b]}" for a, b in zip(st_kind, st_name)])[street]
        voie = np.char.add(voie, np.char.add(" ", (street + 1).astype(str)))
        codes = w.com_code.astype(str)[com]
        fantoir = np.char.add(np.char.add(codes, "_"), np.char.zfill((street + 1).astype(str), 4))
        ids = np.char.add(np.char.add(fantoir, "_"), np.char.zfill(number.astype(str), 5))
        uniq_voie = {v: _afnor(v) for v in np.unique(voie)}
        uniq_com = {c: _afnor(str(w.com_name[c])) for c in coms}
        df = pd.DataFrame({
            "id": ids, "id_fantoir": fantoir, "numero": number, "rep": "", "nom_voie": voie,
            "code_postal": np.char.add(w.dep_codes[d].replace("A", "0").replace("B", "0"),
                                       np.char.zfill(((com - coms[0]) % 1000).astype(str), 3)),
            "code_insee": codes, "nom_commune": w.com_name.astype(str)[com],
            "code_insee_ancienne_commune": "", "nom_ancienne_commune": "",
            "x": np.round(x, 2), "y": np.round(y, 2), "lon": np.round(lon, 6), "lat": np.round(lat, 6),
            "type_position": "entrée", "alias": "", "nom_ld": "",
            "libelle_acheminement": [uniq_com[c] for c in com],
            "nom_afnor": [uniq_voie[v] for v in voie], "source_position": "commune",
            "source_nom_voie": "commune", "certification_commune": 1, "cad_parcelles": ""})
        assert list(df.columns) == BAN_HEADER
        path = root / "ban" / f"adresses-{w.dep_codes[d]}.csv"
        con.execute(f"""copy (select * replace (printf('%.2f', x) as x, printf('%.2f', y) as y,
                                               printf('%.6f', lon) as lon, printf('%.6f', lat) as lat)
                              from df) to '{path}' (header, delimiter ';')""")
        total += n
    con.close()
    return total


# ── Entry point ─────────────────────────────────────────────────────────────────────────────

def write_france(out_dir: Path, n_qpv: int = 1600, progress=print) -> dict[str, float]:
    """Write the fictional France into `out_dir` (its own sub-folders replaced); return the
    counts written and the seconds each part took."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for sub in SUBDIRS:
        if (out_dir / sub).is_dir():
            shutil.rmtree(out_dir / sub)
    (out_dir / "LISEZMOI.txt").write_text(
        "Données entièrement fictives (« France fictive ») écrites par `python -m etl demo --scale france` "
        "pour mesurer la construction de la base à l'échelle nationale. Aucun chiffre n'est réel.\n",
        encoding="utf-8")
    figures: dict[str, float] = {}
    t0 = time.perf_counter()

    def step(name: str, fn, *args):
        t = time.perf_counter()
        result = fn(*args)
        figures[f"{name}_s"] = round(time.perf_counter() - t, 2)
        progress(f"  {name:<14} {figures[f'{name}_s']:6.1f} s")
        return result

    s = sizes(n_qpv)
    w = step("géographie", build_world, s)
    step("cog", _write_cog, out_dir, w)
    step("contours", _write_contours, out_dir, w)
    step("insee_qpv", _write_insee_qpv, out_dir, w)
    step("comparateurs", _write_comparators, out_dir, w)
    figures["grid_squares"] = step("carreaux", _write_grid, out_dir, w)
    counts = step("programme", _write_programme, out_dir, w)
    figures["ban_addresses"] = step("ban", _write_ban, out_dir, w)
    figures.update({"qpv": len(w.qpv_code), "qpv2015": len(w.qp15_code), "communes": len(w.com_code),
                    "epcis": len(w.epci_code), "departements": len(w.dep_codes), "regions": s.regions,
                    **{f"programme_{k}": v for k, v in counts.items()}})
    figures["total_s"] = round(time.perf_counter() - t0, 2)
    return figures
