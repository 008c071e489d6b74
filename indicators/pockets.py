"""Poverty pockets outside the QPVs, found on the Filosofi 200 m grid (circular of 31 August 2023).

A contrat de ville may fund « poches de pauvreté » outside the QPVs (up to 2,5 % of the programme
147 envelope) if local indicators show a situation similar to the QPVs'. This module finds them
the way the QPVs were drawn, as closely as the public grid allows (DOMAIN.md §5):

1. the squares of the territory (its communes, from each square's `lcog_geo` codes);
2. minus the squares whose centre lies in a QPV (current geography) and the squares withheld at
   the source (`grid_200m.is_withheld`: they are in no pocket and in no figure, so no figure
   can reveal them);
3. keep the squares whose **mean** standard of living `Ind_snv / Ind` is below the threshold
   S = 0,6 × (0,7 × national median + 0,3 × the urban unit's median) (and, optionally, whose
   poor-household share `Men_pauv / Men` is at least a minimum);
4. group contiguous kept squares (sharing a side, or optionally a corner);
5. keep the groups of at least `min_population` inhabitants (1 000 in the decree).

It approximates the official method: the decree compares the *median* income per consumption
unit (revenus fiscaux) of each square with S, which the public grid does not give; the grid's
mean is above the median, so the mean criterion is stricter. The database has no unité
urbaine: the contract's EPCI median stands in for it. Every figure is a ratio of sums over the
pocket's squares (never a mean of rates), beside the same figure for the territory's QPVs and for
the commune(s) the pocket touches.

Pure functions (numpy, scipy, shapely): `find_pockets` works on a table of squares and is what the
benchmark times on a France-sized grid; `detect(con, contract_slug, params)` reads the database;
`write_pockets(con)` (run by the build) stores the pockets of every contract with the default
parameters in `poverty_pocket_results`, read through the view `poverty_pockets`.
"""
from __future__ import annotations

import functools
import re
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import shapely

from indicators.sources import FICTIONAL
from indicators.text import qualified

SQUARE_M = 200.0
DEFAULT_MIN_POPULATION = 1_000
CONTIGUITY = {"side": "par un côté", "corner": "par un côté ou par un coin"}
MEDIAN_INDICATOR = "median_income_eur_year"
FRANCE_CODE = "FRM"

BANDS = {
    "age_0_17_pct": ("ind_0_3", "ind_4_5", "ind_6_10", "ind_11_17"),
    "age_18_24_pct": ("ind_18_24",),
    "age_25_64_pct": ("ind_25_39", "ind_40_54", "ind_55_64"),
    "age_65_plus_pct": ("ind_65_79", "ind_80p"),
}
SUM_COLUMNS = ("ind", "men", "men_pauv", "ind_snv", "men_fmp", "log_soc") + tuple(
    c for cols in BANDS.values() for c in cols)

# figure id → (French label, kind: 'count' | 'pct' | 'eur')
FIGURES: dict[str, tuple[str, str]] = {
    "population": ("Population (habitants)", "count"),
    "households": ("Ménages", "count"),
    "poor_households_pct": ("Part des ménages pauvres", "pct"),
    "mean_standard_of_living_eur": ("Niveau de vie moyen par personne", "eur"),          # value in €/an
    "single_parent_households_pct": ("Part des ménages monoparentaux", "pct"),
    "social_housing_pct": ("Logements sociaux rapportés aux ménages", "pct"),
    "age_0_17_pct": ("Part des 0-17 ans", "pct"),
    "age_18_24_pct": ("Part des 18-24 ans", "pct"),
    "age_25_64_pct": ("Part des 25-64 ans", "pct"),
    "age_65_plus_pct": ("Part des 65 ans ou plus", "pct"),
}

METHOD_TEXT = (
    "Carreaux de 200 m du carroyage Filosofi hors QPV dont le niveau de vie moyen (somme des niveaux de vie "
    "des habitants du carreau divisée par leur nombre) "
    "est inférieur au seuil S = 0,6 × (0,7 × médiane nationale + 0,3 × médiane locale), regroupés "
    "quand ils se touchent, puis groupes d'au moins {min_population} habitants. Les carreaux "
    "soumis au secret statistique ne sont dans aucune poche ni aucun chiffre.")
LIMITS_TEXT = (
    "Approximation du critère officiel des QPV (décret du 3 juillet 2014) : le décret compare le "
    "revenu fiscal médian par unité de consommation de chaque carreau au seuil S ; le carroyage "
    "public ne donne que la moyenne des niveaux de vie (supérieure à la médiane, le critère est donc "
    "plus strict) et la part des ménages pauvres. La base ne connaît pas l'unité urbaine : la "
    "médiane de l'EPCI du contrat la remplace. Une poche se justifie par la comparaison de ses "
    "chiffres avec ceux des QPV du territoire et de sa commune, comme le demande la circulaire du "
    "31 août 2023 (crédits du programme 147 plafonnés à 2,5 %).")


@functools.cache
def _transformer(source: int, target: int):
    """A pyproj transformer, made on first use (pyproj and scipy are imported only when a grid is
    searched: the build and the app import this module without needing them)."""
    from pyproj import Transformer
    return Transformer.from_crs(source, target, always_xy=True)


@dataclass(frozen=True)
class Params:
    """The detection's parameters, shown and adjustable on the page."""

    threshold_eur: float                  # S, EUR/year per consumption unit
    min_population: float = DEFAULT_MIN_POPULATION
    contiguity: str = "side"              # 'side' | 'corner'
    min_poor_households_pct: float = 0.0  # optional second criterion per square (0: not applied)


@dataclass(frozen=True)
class Threshold:
    """The default S and what it is computed from."""

    year: int | None
    national_median_eur: float | None
    national_year: int | None
    local_median_eur: float | None
    local_year: int | None
    local_label: str | None

    @property
    def value_eur(self) -> float | None:
        return threshold_s(self.national_median_eur, self.local_median_eur)


@dataclass
class PocketResult:
    territory: str | None
    params: Params | None
    threshold: Threshold | None
    grid_year: int | None
    pockets: pd.DataFrame                       # one row per pocket (columns of poverty_pockets)
    squares: pd.DataFrame = field(default_factory=pd.DataFrame)   # territory squares, pocket_id
    qpv_codes: list[str] = field(default_factory=list)            # the territory's QPVs
    commune_names: dict[str, str] = field(default_factory=dict)
    message: str | None = None                  # French, when nothing could be detected


def threshold_s(national_median: float | None, local_median: float | None) -> float | None:
    """S = 0,6 × (0,7 × national median + 0,3 × local median); national alone without a local one."""
    if national_median is None:
        return None
    local = national_median if local_median is None else local_median
    return 0.6 * (0.7 * national_median + 0.3 * local)


# ── Pure detection ──────────────────────────────────────────────────────────────────────────

# Squares a process labels in Python before it imports scipy: importing scipy costs about 0,5 s
# of CPU, labelling 50 000 squares in Python about 0,17 s (the demo's grid: 3 600 squares). A
# France-sized build, with hundreds of contracts, goes on with scipy once the budget is spent.
PYTHON_SQUARES_BUDGET = 50_000
_python_squares = 0


def _union_find_labels(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """scipy's connected_components labels, without scipy: a component's label is the rank of
    its smallest square index (0 for the component of square 0, and so on)."""
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(rows.tolist(), cols.tolist()):
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    labels = np.empty(n, dtype=np.int32)
    label_of_root: dict[int, int] = {}
    for i in range(n):
        labels[i] = label_of_root.setdefault(root(i), len(label_of_root))
    return labels


def components(ix: np.ndarray, iy: np.ndarray, corners: bool = False) -> np.ndarray:
    """Connected-component label of each square (integer grid coordinates), by side or corner."""
    n = len(ix)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ix = np.asarray(ix, dtype=np.int64)
    iy = np.asarray(iy, dtype=np.int64)
    span = int(iy.max() - iy.min()) + 3
    key = (ix - ix.min() + 1) * span + (iy - iy.min() + 1)
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    offsets = [(1, 0), (0, 1)] + ([(1, 1), (1, -1)] if corners else [])
    rows, cols = [np.arange(n)], [np.arange(n)]
    for dx, dy in offsets:
        target = key + dx * span + dy
        pos = np.minimum(np.searchsorted(sorted_keys, target), n - 1)
        hit = sorted_keys[pos] == target
        rows.append(np.flatnonzero(hit))
        cols.append(order[pos[hit]])
    r, c = np.concatenate(rows), np.concatenate(cols)
    global _python_squares
    if "scipy.sparse.csgraph" not in sys.modules and _python_squares + n <= PYTHON_SQUARES_BUDGET:
        _python_squares += n
        return _union_find_labels(n, r, c)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n)).tocsr()
    return connected_components(graph, directed=False)[1]


def _ratio(num: float, den: float, scale: float = 1.0) -> float | None:
    if num is None or den is None or not np.isfinite(num) or not np.isfinite(den) or den <= 0:
        return None
    return float(num / den * scale)


def _figures_from_sums(s: dict[str, float | None]) -> dict[str, float | None]:
    out = {
        "population": s["ind"], "households": s["men"],
        "poor_households_pct": _ratio(s["men_pauv"], s["men"], 100),
        "mean_standard_of_living_eur": _ratio(s["ind_snv"], s["ind"]),
        "single_parent_households_pct": _ratio(s["men_fmp"], s["men"], 100),
        "social_housing_pct": _ratio(s["log_soc"], s["men"], 100),
    }
    for name, cols in BANDS.items():
        parts = [s[c] for c in cols]
        out[name] = None if any(p is None for p in parts) else _ratio(sum(parts), s["ind"], 100)
    return out


def figures(squares: pd.DataFrame) -> dict[str, float | None]:
    """The pocket figures of a group of squares (withheld squares must be left out beforehand):
    ratios of sums; a figure whose column the file does not give is None."""
    if len(squares) == 0:
        return _figures_from_sums({c: None for c in SUM_COLUMNS})
    s = {c: (float(squares[c].sum()) if c in squares and squares[c].notna().all() else None)
         for c in SUM_COLUMNS}
    return _figures_from_sums(s)


def _group_sums(sq: pd.DataFrame, rows: np.ndarray, labels: np.ndarray, n: int) -> list[dict]:
    """Σ of every SUM_COLUMN per group (None where a group has a missing value), vectorised."""
    sums = {}
    for c in SUM_COLUMNS:
        values = sq[c].to_numpy(dtype=float)[rows] if c in sq else np.full(len(rows), np.nan)
        missing = np.bincount(labels, weights=np.isnan(values), minlength=n) > 0
        total = np.bincount(labels, weights=np.nan_to_num(values), minlength=n)
        sums[c] = [None if m else float(t) for m, t in zip(missing, total)]
    return [{c: sums[c][g] for c in SUM_COLUMNS} for g in range(n)]


def _split_codes(codes) -> list[str]:
    if codes is None or (isinstance(codes, float) and np.isnan(codes)):
        return []
    text = str(codes)
    return [text[i:i + 5] for i in range(0, len(text) - len(text) % 5, 5)]


def _to_wgs84(geom):
    to_wgs84 = _transformer(3035, 4326)
    return shapely.transform(geom, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))


def _to_3035(geom):
    to_3035 = _transformer(4326, 3035)
    return shapely.transform(geom, lambda xy: np.column_stack(to_3035.transform(xy[:, 0], xy[:, 1])))


def find_pockets(squares: pd.DataFrame, qpv_polygons_3035: list, qpv_codes: list[str],
                 params: Params, territory: str | None = None,
                 commune_names: dict[str, str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pockets of a table of squares: (pockets, squares with their `pocket_id`).

    `squares` has x_3035, y_3035 (lower-left corner), commune_codes, is_withheld and the
    SUM_COLUMNS; `qpv_polygons_3035` are the current QPV contours (EPSG:3035) with their codes.
    """
    commune_names = commune_names or {}
    sq = squares.reset_index(drop=True).copy()
    x = sq["x_3035"].to_numpy(dtype=float)
    y = sq["y_3035"].to_numpy(dtype=float)
    cx, cy = x + SQUARE_M / 2, y + SQUARE_M / 2
    withheld = sq["is_withheld"].fillna(False).to_numpy(dtype=bool)
    ind = sq["ind"].to_numpy(dtype=float)
    men = sq["men"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = sq["ind_snv"].to_numpy(dtype=float) / ind
        poor = sq["men_pauv"].to_numpy(dtype=float) / men * 100
    keep = ~withheld & (ind > 0) & (mean < params.threshold_eur)
    if params.min_poor_households_pct > 0:
        keep &= (men > 0) & (poor >= params.min_poor_households_pct)
    # Only the low-income squares need the point-in-QPV test (the costly step on a large grid).
    tree = shapely.STRtree(qpv_polygons_3035) if len(qpv_polygons_3035) else None
    if tree is not None:
        cand = np.flatnonzero(keep)
        inside = tree.query(shapely.points(cx[cand], cy[cand]), predicate="within")[0]
        keep[cand[inside]] = False
    idx = np.flatnonzero(keep)
    labels = components(np.rint(x[idx] / SQUARE_M), np.rint(y[idx] / SQUARE_M),
                        corners=params.contiguity == "corner")
    pop = np.bincount(labels, weights=ind[idx]) if len(idx) else np.zeros(0)
    big = np.flatnonzero(pop >= params.min_population)
    # Members of each kept group (one sort, not one scan per group).
    in_big = np.isin(labels, big)
    rows_kept, labels_kept = idx[in_big], labels[in_big]
    order = np.argsort(labels_kept, kind="stable")
    rows_kept, labels_kept = rows_kept[order], labels_kept[order]
    starts = np.searchsorted(labels_kept, big)
    ends = np.searchsorted(labels_kept, big, side="right")
    cell_ids = sq["cell_id"].to_numpy(dtype=object) if "cell_id" in sq else np.full(len(sq), "")
    groups = sorted(((-pop[g], str(min(cell_ids[rows_kept[a:b]])), rows_kept[a:b])
                     for g, a, b in zip(big, starts, ends)), key=lambda t: (t[0], t[1]))
    prefix = territory or "FR"
    width = max(2, len(str(len(groups))))
    pocket_ids = np.full(len(sq), None, dtype=object)
    group_of = np.zeros(len(sq), dtype=np.int64)
    members_all = []
    for k, (_, _, members) in enumerate(groups):
        pocket_ids[members] = f"{prefix}-P{k + 1:0{width}d}"
        group_of[members] = k
        members_all.append(members)
    flat = np.concatenate(members_all) if members_all else np.zeros(0, dtype=np.int64)
    sums = _group_sums(sq, flat, group_of[flat], len(groups))
    boxes = shapely.box(x[flat], y[flat], x[flat] + SQUARE_M, y[flat] + SQUARE_M)
    bounds = np.cumsum([0] + [len(m) for m in members_all])
    geoms_3035 = [shapely.simplify(shapely.coverage_union_all(boxes[bounds[k]:bounds[k + 1]]), 0)
                  for k in range(len(groups))]          # simplify drops the collinear corners
    wkts = (shapely.to_wkt(_to_wgs84(np.array(geoms_3035, dtype=object)), rounding_precision=6)
            if geoms_3035 else [])
    codes_of = sq["commune_codes"].to_numpy(dtype=object)
    rows = []
    for k, members in enumerate(members_all):
        codes = sorted({c for v in codes_of[members] for c in _split_codes(v)})
        rows.append({"pocket_id": f"{prefix}-P{k + 1:0{width}d}", "territory": territory,
                     "n_squares": len(members), **_figures_from_sums(sums[k]),
                     "communes": ", ".join(codes),
                     "commune_names": ", ".join(commune_names.get(c, c) for c in codes),
                     "geometry_wkt": wkts[k]})
    sq["pocket_id"] = pocket_ids
    pockets = pd.DataFrame(rows, columns=["pocket_id", "territory", "n_squares", *FIGURES,
                                          "communes", "commune_names", "geometry_wkt"])
    pockets["nearest_qpv_code"] = None
    pockets["distance_to_qpv_m"] = np.nan
    if tree is not None and geoms_3035:
        nearest, dist = tree.query_nearest(geoms_3035, return_distance=True, all_matches=False)
        codes = np.asarray(qpv_codes, dtype=object)
        pockets.loc[nearest[0], "nearest_qpv_code"] = codes[nearest[1]]
        pockets.loc[nearest[0], "distance_to_qpv_m"] = np.round(dist, 0)
    return pockets, sq


# ── Database ────────────────────────────────────────────────────────────────────────────────

def _rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def grid_year(con) -> int | None:
    """The most recent vintage among the loaded grids."""
    r = _rows(con, "select max(try_cast(s.vintage as integer)) from sources s"
                   " where s.source_id in (select distinct source_id from grid_200m)")
    return r[0][0] if r else None


def _median(con, code: str, year: int | None, real_only: bool = False) -> tuple[float | None, int | None]:
    """The median nearest `year`; `real_only` leaves out fictional (demo) figures."""
    r = _rows(con, """
        select f.value, f.year from indicator_facts f
        left join sources s on s.source_id = f.source_id
        where f.territory_code = ? and f.indicator_id = ? and f.status = 'ok' and f.value is not null
          and not (? and coalesce(s.is_fictional, false))
        order by abs(f.year - ?), f.year desc limit 1""", (code, MEDIAN_INDICATOR, real_only, year or 9999))
    return (float(r[0][0]), int(r[0][1])) if r else (None, None)


def default_threshold(con, contract_slug: str | None, shared: "_Shared | None" = None) -> Threshold:
    """S from the national median and the contract's EPCI median nearest the grid's year
    (`shared`: what write_pockets read once for every contract). A real contract's S is never
    computed from a fictional (demo) median."""
    year = shared.year if shared is not None else grid_year(con)
    median = shared.median if shared is not None else functools.partial(_median, con)
    fictional = _rows(con, "select coalesce(is_fictional, false) from contracts where contract_slug = ?",
                      (contract_slug,)) if contract_slug else []
    real_only = bool(contract_slug) and not (fictional and fictional[0][0])
    national, national_year = median(FRANCE_CODE, year, real_only)
    local = local_year = label = None
    if contract_slug:
        r = _rows(con, """select c.epci_code, t.territory_name from contracts c
                          left join territories t on t.territory_code = c.epci_code
                                                 and t.territory_level = 'epci'
                          where c.contract_slug = ?""", (contract_slug,))
        if r and r[0][0]:
            local, local_year = median(r[0][0], year, real_only)
            label = (qualified(r[0][1] or r[0][0], "EPCI, faute d'unité urbaine")
                     if local is not None else None)
    return Threshold(year, national, national_year, local, local_year, label)


def _contract_communes(con, contract_slug: str) -> list[str]:
    from indicators.territories import contract_communes
    return [c.code for c in contract_communes(con, contract_slug)]


def _qpv_polygons(con) -> tuple[list, list[str]]:
    """Current QPV contours (latest geography vintage), in EPSG:3035, with their codes."""
    rows = _rows(con, """
        select territory_code, geom_wkb from territory_geometries
        where territory_level = 'qpv' and coalesce(geometry_vintage, 0) =
              (select max(coalesce(geometry_vintage, 0)) from territory_geometries
               where territory_level = 'qpv')
        order by territory_code""")
    if not rows:
        return [], []
    geoms = _to_3035(shapely.from_wkb([r[1] for r in rows]))
    return list(geoms), [r[0] for r in rows]


_SQUARE_COLUMNS = ("g.cell_id, g.x_3035, g.y_3035, g.commune_codes, coalesce(g.is_withheld, false)"
                   " as is_withheld, " + ", ".join(f"g.{c}" for c in SUM_COLUMNS))


def load_squares(con, contract_slug: str | None, year: int) -> pd.DataFrame:
    """The squares of the grid of `year` in the contract's communes (all squares when None)."""
    sql = (f"select {_SQUARE_COLUMNS} from grid_200m g join sources s using (source_id)"
           f" where try_cast(s.vintage as integer) = ?")
    params: list = [year]
    if contract_slug is not None:
        # Most squares name one commune: a plain lookup; the regex only for the others.
        sql += (" and case when length(g.commune_codes) = 5 then list_contains(?, g.commune_codes)"
                " else list_has_any(regexp_extract_all(g.commune_codes, '.{5}'), ?) end")
        communes = _contract_communes(con, contract_slug)
        params += [communes, communes]
    return con.execute(sql, params).df()


def _names(con, level: str) -> dict[str, str]:
    """{code: name} of the territories of `level`."""
    return dict(_rows(con, "select territory_code, territory_name from territories"
                           " where territory_level = ?", (level,)))


# Why nothing is searched without S: `limits_text` says it already on the page (never twice).
NO_NATIONAL_MEDIAN = "Médiane nationale du niveau de vie absente de la base : saisissez le seuil S."


def detect(con, contract_slug: str | None, params: Params | None = None, *,
           qpv_polygons: tuple[list, list[str]] | None = None,
           shared: "_Shared | None" = None) -> PocketResult:
    """The pockets of a contract (of the whole grid when None); default parameters when None.
    `qpv_polygons`: `_qpv_polygons(con)` when the caller already has it (the build's loop);
    `shared`: the grid's year, medians, names and squares read once for every contract."""
    threshold = default_threshold(con, contract_slug, shared)
    year = threshold.year
    empty = pd.DataFrame()
    if year is None:
        return PocketResult(contract_slug, params, threshold, None, empty,
                            message="Aucun carroyage Filosofi 200 m n'est chargé.")
    if params is None:
        if threshold.value_eur is None:
            return PocketResult(contract_slug, None, threshold, year, empty,
                                message=NO_NATIONAL_MEDIAN)
        params = Params(threshold_eur=round(threshold.value_eur))
    polys, codes = qpv_polygons if qpv_polygons is not None else _qpv_polygons(con)
    if not polys:
        return PocketResult(contract_slug, params, threshold, year, empty, message=(
            "Contours des QPV absents : impossible de distinguer les carreaux hors QPV "
            "(chargez le fichier des contours de l'ANCT)."))
    squares = shared.squares(contract_slug) if shared is not None else load_squares(con, contract_slug, year)
    if squares.empty:
        return PocketResult(contract_slug, params, threshold, year, empty, message=(
            "Aucun carreau du carroyage Filosofi dans les communes de ce territoire."))
    names = shared.names if shared is not None else _names(con, "commune")
    pockets, sq = find_pockets(squares, polys, codes, params, contract_slug, names)
    own_qpvs = codes
    if contract_slug is not None:
        mine = {r[0] for r in _rows(con, "select territory_code from contract_territories"
                                         " where contract_slug = ? and territory_level = 'qpv'",
                                    (contract_slug,))}
        own_qpvs = [c for c in codes if c in mine]
        # The territory's QPV squares (centre in one of its QPVs), for the comparison.
        sq["in_own_qpv"] = _centres_within(sq, [p for p, c in zip(polys, codes) if c in mine])
    pockets["grid_year"] = year
    pockets["threshold_eur"] = params.threshold_eur
    pockets["min_population"] = params.min_population
    pockets["contiguity"] = params.contiguity
    qpv_names = shared.qpv_names if shared is not None else _names(con, "qpv")
    pockets["nearest_qpv_name"] = [qpv_names.get(c, c) if c else None
                                   for c in pockets["nearest_qpv_code"]]
    return PocketResult(contract_slug, params, threshold, year, pockets, sq, own_qpvs, names)


def _centres_within(sq: pd.DataFrame, polygons: list) -> np.ndarray:
    """Whether each square's centre lies in one of the polygons (EPSG:3035)."""
    out = np.zeros(len(sq), dtype=bool)
    if polygons and len(sq):
        pts = shapely.points(sq["x_3035"].to_numpy() + SQUARE_M / 2,
                             sq["y_3035"].to_numpy() + SQUARE_M / 2)
        out[shapely.STRtree(polygons).query(pts, predicate="within")[0]] = True
    return out


def comparison(result: PocketResult, pocket_id: str) -> pd.DataFrame:
    """Each figure of a pocket beside the same figure for the territory's QPVs and its commune(s).

    Columns: figure, label, kind, pocket, qpvs, communes. Withheld squares are in none of them.
    """
    sq = result.squares
    row = result.pockets.set_index("pocket_id").loc[pocket_id]
    visible = sq[~sq["is_withheld"].fillna(False).astype(bool)]
    codes = set(row["communes"].split(", ")) if row["communes"] else set()
    in_communes = visible["commune_codes"].map(lambda v: bool(codes & set(_split_codes(v))))
    pocket = figures(visible[visible["pocket_id"] == pocket_id])
    qpvs = figures(visible[visible["in_own_qpv"]]) if "in_own_qpv" in visible else figures(visible.iloc[:0])
    communes = figures(visible[in_communes.astype(bool)])
    return pd.DataFrame([{"figure": f, "label": label, "kind": kind, "pocket": pocket[f],
                          "qpvs": qpvs[f], "communes": communes[f]}
                         for f, (label, kind) in FIGURES.items()])


VIEW_COLUMNS = ["pocket_id", "territory", "grid_year", "n_squares", *FIGURES, "communes",
                "commune_names", "nearest_qpv_code", "distance_to_qpv_m", "threshold_eur",
                "min_population", "contiguity", "geometry_wkt", "is_fictional"]


class _Shared:
    """What every contract's detection reads the same way, read once by write_pockets: the grid's
    year, the medians, the names, and the squares of every contract in one pass over the grid
    (one query per contract scanned the national grid and the facts 50 times at France scale)."""

    def __init__(self, con, year: int):
        self.con, self.year = con, year
        self._medians: dict[str, list[tuple[int, float, bool]]] = {}
        for code, y, value, fictional in _rows(
                con, "select f.territory_code, f.year, f.value, coalesce(s.is_fictional, false)"
                     " from indicator_facts f left join sources s on s.source_id = f.source_id"
                     " where f.indicator_id = ? and f.status = 'ok' and f.value is not null"
                     " order by f.rowid", (MEDIAN_INDICATOR,)):
            self._medians.setdefault(code, []).append((int(y), float(value), bool(fictional)))
        self.names, self.qpv_names = _names(con, "commune"), _names(con, "qpv")
        # Each contract's squares (load_squares' filter: a square naming one of its communes), in
        # the grid's order, kept sorted by contract so that each read is a range of the table.
        con.execute(f"""
            create or replace temp table _pocket_squares as
            with cc as (
                select contract_slug, territory_code as code from contract_territories
                where territory_level = 'commune'
                union
                select ct.contract_slug, l.parent_code from contract_territories ct
                join territory_links l on l.child_code = ct.territory_code and l.child_level = 'qpv'
                                      and l.parent_level = 'commune'
                where ct.territory_level = 'qpv'),
            g as (select g.rowid as rid, g.* from grid_200m g join sources s using (source_id)
                  where try_cast(s.vintage as integer) = ?),
            codes as (select rid, commune_codes as code from g where length(commune_codes) = 5
                      union all
                      select rid, unnest(regexp_extract_all(commune_codes, '.{{5}}')) from g
                      where length(commune_codes) <> 5),
            hit as (select distinct cc.contract_slug, codes.rid from codes join cc using (code))
            select hit.contract_slug, {_SQUARE_COLUMNS} from hit join g on g.rid = hit.rid
            order by hit.contract_slug, g.rid""", [year])

    def median(self, code: str, year: int | None, real_only: bool = False) -> tuple[float | None, int | None]:
        """_median without a query: the value of the year nearest `year` (the later on a tie);
        `real_only` leaves out fictional (demo) figures."""
        rows = [r for r in self._medians.get(code, ()) if not (real_only and r[2])]
        if not rows:
            return None, None
        target = year or 9999
        y, value, _ = min(rows, key=lambda r: (abs(r[0] - target), -r[0]))
        return value, y

    def squares(self, contract_slug: str) -> pd.DataFrame:
        return self.con.execute("select * exclude (contract_slug) from _pocket_squares"
                                " where contract_slug = ?", [contract_slug]).df()

    def close(self) -> None:
        self.con.execute("drop table if exists _pocket_squares")


def write_pockets(con) -> int:
    """Detect the pockets of every contract with the default parameters (run by the build)."""
    con.execute("delete from poverty_pocket_results")
    year = grid_year(con)
    if year is None:
        return 0
    frames = []
    polygons = _qpv_polygons(con)          # once for every contract
    shared = _Shared(con, year)
    try:
        for slug, fictional in _rows(con, "select contract_slug, is_fictional from contracts"
                                          " order by contract_slug"):
            result = detect(con, slug, qpv_polygons=polygons, shared=shared)
            if result.pockets.empty:
                continue
            frame = result.pockets.copy()
            frame["is_fictional"] = bool(fictional)
            frames.append(frame[VIEW_COLUMNS])
    finally:
        shared.close()
    if not frames:
        return 0
    df = pd.concat(frames, ignore_index=True)
    con.register("_pockets_df", df)
    try:
        cols = ", ".join(VIEW_COLUMNS)
        con.execute(f"insert into poverty_pocket_results ({cols}) select {cols} from _pockets_df")
    finally:
        con.unregister("_pockets_df")
    return len(df)


# ── Display helpers (pure: used by the page and the PDF sheet) ──────────────────────────────

def fmt_figure(value, kind: str) -> str:
    """A pocket figure in French: counts whole, shares to one decimal, euros per year."""
    from indicators import fmt
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "non disponible"
    if kind == "count":
        return fmt.fmt_int(value)
    if kind == "pct":
        return fmt.fmt_pct(value, 1)
    return fmt.fmt_eur_year(value)


def distance_text(metres) -> str:
    from indicators import fmt
    if metres is None or (isinstance(metres, float) and np.isnan(metres)):
        return "aucun QPV dont le contour est chargé"
    if metres <= 1:
        return "touche un QPV"
    return f"à {fmt.fmt_int(metres)} m du QPV le plus proche"


def distance_cell(metres) -> str:
    """The distance as a short table cell, in metres (the header says « (m) » and what it is
    measured to): « 1 558 », « 0 (touche) », « — » without any QPV outline (issue 11, D7)."""
    from indicators import fmt
    if metres is None or (isinstance(metres, float) and np.isnan(metres)):
        return "—"
    if metres <= 1:
        return "0 (touche)"
    return fmt.fmt_int(metres)


_POCKET_NUMBER = re.compile(r"-P(\d+)$")


def pocket_name(pocket_id: str) -> str:
    """A pocket as a reader names it: « Poche 1 » for the generated id « demo-P01 » (the id holds
    the contract's slug: internal, kept in exports only; issue 11, D8)."""
    m = _POCKET_NUMBER.search(str(pocket_id))
    return f"Poche {int(m.group(1))}" if m else str(pocket_id)


def pocket_title(pocket_id: str, commune_names: str) -> str:
    """« Poche 1 · Lorneville, Saint-Aubin-sur-Lorne »: the pocket's name and the commune(s) it lies in."""
    return f"{pocket_name(pocket_id)} · {commune_names}" if commune_names else pocket_name(pocket_id)


def limits_text(t: Threshold | None) -> str:
    """LIMITS_TEXT, its sentence on the local median said from the same Threshold as
    threshold_text (the page shows both side by side: they never contradict each other)."""
    if t is None or t.value_eur is not None and t.local_median_eur is not None:
        return LIMITS_TEXT
    said = "La base ne connaît pas l'unité urbaine : la médiane de l'EPCI du contrat la remplace. "
    if t.value_eur is None:
        instead = ("La base n'a pas de médiane nationale du niveau de vie : le seuil S ne peut pas "
                   "être calculé, il est à saisir. ")
    else:
        instead = ("La base n'a de médiane ni pour l'unité urbaine ni pour l'EPCI du contrat : le seuil "
                   "S par défaut ne tient compte que de la médiane nationale. ")
    return LIMITS_TEXT.replace(said, instead)


def threshold_text(t: Threshold) -> str:
    """How the default S is computed, with its inputs (French)."""
    from indicators import fmt
    if t.value_eur is None:
        return "Médiane nationale du niveau de vie absente : le seuil S est à saisir."
    # The medians' territories and years after the formula, never in a bracket of its own inside
    # the formula's bracket (issue 11).
    national = fmt.fmt_eur(t.national_median_eur, 0)
    result = f"{fmt.fmt_eur(round(t.value_eur), 0)} par an et par unité de consommation"
    national_said = f"médiane nationale : {qualified('France', t.national_year)}"
    if t.local_median_eur is None:
        return (f"S = 0,6 × {national} = {result} ; {national_said}, pas de médiane locale "
                "dans la base.")
    local = fmt.fmt_eur(t.local_median_eur, 0)
    return (f"S = 0,6 × (0,7 × {national} + 0,3 × {local}) = {result} ; {national_said}, "
            f"médiane locale : {qualified(t.local_label, t.local_year)}.")


def grid_sources(con, result: PocketResult) -> list[str]:
    """The grid file(s) and the medians the detection used, as source lines (French)."""
    rows = _rows(con, """
        select coalesce(s.producer, ''), coalesce(s.title, ''), coalesce(s.vintage, ''),
               s.file_name, s.is_fictional
        from sources s where s.source_id in (select distinct source_id from grid_200m)
          and try_cast(s.vintage as integer) = ? order by s.file_name""", (result.grid_year,))
    # No file name or path in a source line; a fictional grid is never credited to INSEE. The
    # year after a comma, as every other source line writes it (« …, données carroyées à 200 m,
    # 2019 »): it stood glued to the grid's size (« carroyage à 200 m 2019 », issue 11).
    out = list(dict.fromkeys(
        ", ".join(p for p in ((FICTIONAL, "carroyage à 200 m") if fict
                              else (prod, title or "carroyage Filosofi à 200 m")) + (vintage,) if p)
        for prod, title, vintage, _name, fict in rows))
    t = result.threshold
    if t is not None and t.national_median_eur is not None:
        out.append("Médianes du niveau de vie (Filosofi) : " + qualified("France", t.national_year)
                   + (f", {qualified(t.local_label, t.local_year)}" if t.local_median_eur is not None else ""))
    fictional = any(r[4] for r in rows)
    out.append(("Contours des QPV : fictifs" if fictional else "Contours des QPV : ANCT")
               + " ; circulaire du 31 août 2023 relative aux contrats de ville")
    return out


def map_source_line(con, result: PocketResult) -> str:
    """The pocket map's source line: the grid as the sheet's sources name it, its year included,
    then the contours (« Données fictives de démonstration, carroyage à 200 m, 2019 ; contours des
    QPV : fictifs »). It read « carroyage Filosofi 200 m ; … » whatever the grid: no year, and the
    demo's fictional grid under INSEE's product name."""
    lines = grid_sources(con, result)
    grids = [ln for ln in lines if not ln.startswith(("Médianes du niveau de vie", "Contours des QPV"))]
    contours = "contours des QPV : fictifs" if lines[-1].startswith("Contours des QPV : fictifs") \
        else "contours des QPV : ANCT"
    return " ; ".join(grids + [contours])


def stored_pockets(con, contract_slug: str) -> pd.DataFrame:
    """The pockets the build found for a contract (view poverty_pockets), by pocket_id."""
    return con.execute("select * from poverty_pockets where territory = ? order by pocket_id",
                       [contract_slug]).df()
