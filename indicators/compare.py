"""Comparing QPVs: the QPV × indicator table, its filters, and the map values with their classes.

Pure functions (no Streamlit). A withheld value stays NULL with its status in every output; it is
never classed, never coloured as a value, never kept by a threshold filter (nothing about it can
be inferred from the filter either: it is left out whatever the threshold).
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators import fmt, registry
from indicators.portrait import FRANCE_CODE, _fact, _FACT_COLUMNS, pick_fact  # noqa: F401
from indicators.territories import contract_qpvs

STATUS_SUFFIX = "__status"
YEAR_SUFFIX = "__year"
YEAR_GIVEN_SUFFIX = "__year_given"
# A value's origin (published: typed from a document, which keeps its own digits on screen).
ORIGIN_SUFFIX = "__origin"

# Viridis, sampled at 10 points (matplotlib's viridis; perceptually uniform and readable with
# the common colour-vision deficiencies). Dark = the unfavourable end (see ``classify``).
VIRIDIS = ("#440154", "#482878", "#3e4989", "#31688e", "#26828e",
           "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725")
SECRET_RGB = (150, 150, 150)     # withheld: grey (the page hatches it and says why)
MISSING_RGB = (225, 225, 225)    # no value: light grey


def _hex_rgb(h: str) -> tuple[int, int, int]:
    h = h.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


# ── Indicator values for a set of QPVs ──────────────────────────────────────────────────────

def _values_for(con, qpv_codes: Sequence[str], indicator_ids: Sequence[str],
                year: int | None) -> dict[str, tuple[int | None, dict[str, object]]]:
    """{indicator_id: (common year, {qpv_code: Fact})}, read in one query — for each indicator,
    the latest year ≤ ``year`` (any when None) that has a fact for at least one of the QPVs; one
    fact per QPV (ORIGIN_PRIORITY)."""
    rows = con.execute(
        f"select {_FACT_COLUMNS} from indicator_values where territory_level = 'qpv' "
        "and list_contains(?, indicator_id) and list_contains(?, territory_code) "
        "and (?::integer is null or year <= ?)",
        [list(indicator_ids), list(qpv_codes), year, year]).fetchall()
    by_indicator: dict[str, list] = {}
    for r in rows:
        f = _fact(r)
        by_indicator.setdefault(f.indicator_id, []).append(f)
    out: dict[str, tuple[int | None, dict[str, object]]] = {}
    for indicator_id in indicator_ids:
        facts = by_indicator.get(indicator_id, [])
        if not facts:
            out[indicator_id] = (None, {})
            continue
        common = max(f.year for f in facts)
        by_code: dict[str, list] = {}
        for f in facts:
            if f.year == common:
                by_code.setdefault(f.territory_code, []).append(f)
        out[indicator_id] = (common, {c: pick_fact(fs) for c, fs in by_code.items()})
    return out


def latest_vintage(qpvs: pd.DataFrame) -> int | None:
    """The most recent geography vintage among a ``contract_qpvs`` frame's QPVs (the map's)."""
    if qpvs.empty or not qpvs["geography_vintage"].notna().any():
        return None
    return int(qpvs["geography_vintage"].dropna().max())


def indicators_with_values(con, contract_slug: str | None, indicator_ids: Sequence[str],
                           vintage: int | None | str = None) -> list[str]:
    """The ``indicator_ids`` (order kept) that ``compare_qpvs`` would show with at least one value
    (status ok) for the contract's QPVs of geography ``vintage`` (``"latest"``: the map's, see
    ``map_values``): at the common year it picks, not at any year, so an indicator whose latest
    year is all withheld is not offered for a table of « secret statistique » only. An empty list
    when none has a value (Chambéry: no INSEE figure for its quartiers), never every indicator.
    """
    qpvs = contract_qpvs(con, contract_slug)
    if vintage == "latest":
        vintage = latest_vintage(qpvs)
    if vintage is not None:
        qpvs = qpvs[qpvs["geography_vintage"] == vintage]
    if qpvs.empty or not indicator_ids:
        return []
    values = _values_for(con, qpvs["qpv_code"].tolist(), list(indicator_ids), None)
    return [i for i in indicator_ids if any(f.is_ok for f in values[i][1].values())]


def compare_qpvs(con, contract_slug: str | None, indicator_ids: Sequence[str],
                 year: int | None = None, vintage: int | None = None) -> pd.DataFrame:
    """QPV × indicators: one row per QPV of the contract (every QPV loaded when None).

    Columns: qpv_code, qpv_name, geography_vintage, commune_codes, commune_label,
    contract_slugs, population; then for each indicator ``<id>`` (float, NaN unless status ok),
    ``<id>__status`` (ok | secret | missing | …; 'missing' when the QPV has no value that year)
    ``<id>__year``, ``<id>__origin`` (published, official_file, computed; None without a value)
    and ``<id>__year_given`` (False when no document dates the column's values:
    the year is then never displayed). Each indicator is taken at one common year for all rows: the latest year
    (≤ ``year`` when given) with a value for at least one of these QPVs — so a column never mixes
    years. ``vintage`` keeps only QPVs of one geography (2015 or 2024).
    """
    qpvs = contract_qpvs(con, contract_slug, vintage)
    base = qpvs[["qpv_code", "qpv_name", "geography_vintage", "commune_codes", "commune_label",
                 "contract_slugs", "population"]].copy()
    codes = base["qpv_code"].tolist()
    values = _values_for(con, codes, indicator_ids, year)
    columns: dict[str, object] = {}       # joined once: a column at a time fragments the frame
    for ind in indicator_ids:
        common, facts = values[ind]
        columns[ind] = pd.Series([facts[c].value if c in facts and facts[c].is_ok else np.nan
                                  for c in codes], index=base.index, dtype=float)
        columns[ind + STATUS_SUFFIX] = [facts[c].status if c in facts else "missing" for c in codes]
        columns[ind + YEAR_SUFFIX] = pd.array([common] * len(codes), dtype="Int64")
        columns[ind + ORIGIN_SUFFIX] = [facts[c].origin if c in facts else None for c in codes]
        # False when no value of the column has a year its document gives (never display it).
        columns[ind + YEAR_GIVEN_SUFFIX] = (not facts) or any(bool(f.year_given) for f in facts.values())
    if columns:
        base = pd.concat([base, pd.DataFrame(columns, index=base.index)], axis=1)
    return base


def filter_compare(df: pd.DataFrame, *, commune_codes: Iterable[str] | None = None,
                   thresholds: dict[str, tuple[float | None, float | None]] | None = None,
                   search: str | None = None, vintage: int | None = None) -> pd.DataFrame:
    """Rows of a ``compare_qpvs`` frame kept by the page's filters (pure).

    commune_codes: QPVs lying (at least partly) in one of these communes. thresholds:
    ``{indicator_id: (min, max)}`` inclusive bounds, None for an open side; a row whose value is
    not shown (secret, missing) is left out by any threshold on that indicator. search: text in
    the QPV's name or code (case-insensitive). vintage: geography 2015 / 2024.
    """
    mask = pd.Series(True, index=df.index)
    if commune_codes:
        wanted = set(commune_codes)
        mask &= df["commune_codes"].map(lambda cs: bool(wanted & set(cs or [])))
    for ind, (lo, hi) in (thresholds or {}).items():
        ok = df[ind + STATUS_SUFFIX] == "ok"
        if lo is not None:
            ok &= df[ind] >= lo
        if hi is not None:
            ok &= df[ind] <= hi
        mask &= ok.fillna(False)
    if search:
        s = search.casefold()
        mask &= df["qpv_name"].str.casefold().str.contains(s, regex=False) | \
            df["qpv_code"].str.casefold().str.contains(s, regex=False)
    if vintage is not None:
        mask &= df["geography_vintage"] == vintage
    return df[mask].reset_index(drop=True)


def theme_indicator_ids(theme: str | None, available: Iterable[str] | None = None) -> list[str]:
    """Registry ids of a theme (all themes when None), in registry order, optionally restricted
    to ``available`` ids (e.g. those with values in the database)."""
    ids = [i.id for i in registry.REGISTRY if theme is None or i.theme == theme]
    if available is not None:
        avail = set(available)
        ids = [i for i in ids if i in avail]
    return ids


def _twins(indicator_id: str) -> set[str]:
    """The indicator and those that restate it (a monthly median is the yearly one / 12)."""
    ind = registry.BY_ID.get(indicator_id)
    out = {indicator_id}
    if ind is not None and ind.derived_from:
        out.add(ind.derived_from)
    out |= {i.id for i in registry.REGISTRY if i.derived_from == indicator_id}
    return out


def default_indicators(choices: Sequence[str], selected: str | None, n: int = 3) -> list[str]:
    """The indicators the comparison page opens with: the selected one first, then the next
    choices, never two that restate each other (so the default scatter crosses two different
    indicators, not the yearly median with itself divided by 12)."""
    ordered = [i for i in choices if i == selected] + [i for i in choices if i != selected]
    picked: list[str] = []
    for i in ordered:
        if not any(i in _twins(p) for p in picked):
            picked.append(i)
        if len(picked) == n:
            break
    return picked


# ── Classes for maps ────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Classification:
    """Class breaks and colours for a choropleth.

    breaks: k + 1 edges from the minimum to the maximum (class i covers breaks[i]..breaks[i+1],
    the upper edge included, the first class also its lower edge). colours: k hex colours, the
    first for the lowest class. method: 'quantile' | 'jenks' | 'single' | 'empty'.
    """
    breaks: tuple[float, ...]
    colours: tuple[str, ...]
    method: str
    higher_is_better: bool | None

    @property
    def k(self) -> int:
        return len(self.colours)

    @property
    def colours_rgb(self) -> tuple[tuple[int, int, int], ...]:
        return tuple(_hex_rgb(c) for c in self.colours)

    def class_of(self, value) -> int | None:
        """Index of the class of a value, None for NaN/None or an empty classification."""
        if value is None or pd.isna(value) or not self.colours:
            return None
        for i in range(self.k):
            if value <= self.breaks[i + 1]:
                return i
        return self.k - 1


def palette(k: int, higher_is_better: bool | None = None) -> tuple[str, ...]:
    """k viridis colours. Dark is the unfavourable end: dark = low values when higher is better
    (or unknown), the palette is reversed when lower is better (dark = high values)."""
    if k <= 0:
        return ()
    if k == 1:
        cols = (VIRIDIS[4],)
    else:
        cols = tuple(VIRIDIS[round(i * (len(VIRIDIS) - 1) / (k - 1))] for i in range(k))
    return tuple(reversed(cols)) if higher_is_better is False else cols


def _jenks_breaks(values: np.ndarray, k: int) -> list[float]:
    """Fisher–Jenks natural breaks (exact optimum of within-class squared deviations), O(k·n²)
    vectorised with numpy; values sorted ascending."""
    n = len(values)
    s1 = np.concatenate([[0.0], np.cumsum(values)])
    s2 = np.concatenate([[0.0], np.cumsum(values ** 2)])

    def ssd(i: np.ndarray, j: int) -> np.ndarray:      # squared deviations of values[i..j] (incl.)
        cnt = j - i + 1
        s = s1[j + 1] - s1[i]
        return (s2[j + 1] - s2[i]) - s * s / cnt

    cost = np.full((k + 1, n), np.inf)
    back = np.zeros((k + 1, n), dtype=int)
    for j in range(n):
        cost[1, j] = ssd(np.array([0]), j)[0]
    for m in range(2, k + 1):
        for j in range(m - 1, n):
            starts = np.arange(m - 1, j + 1)            # first index of the last class
            total = cost[m - 1, starts - 1] + ssd(starts, j)
            best = int(np.argmin(total))
            cost[m, j] = total[best]
            back[m, j] = starts[best]
    edges = []
    j = n - 1
    for m in range(k, 1, -1):
        start = back[m, j]
        edges.append(values[start - 1])
        j = start - 1
    return [float(values[0]), *sorted(float(e) for e in edges), float(values[-1])]


def classify(values: Iterable, k: int = 5, method: str = "quantile",
             higher_is_better: bool | None = None) -> Classification:
    """Class breaks for the shown values (NaN/None are ignored: pass only ``ok`` values).

    k is capped at 5 and at the number of distinct values; with k distinct values or fewer each
    value is its own class (breaks (d0, d0, d1, …)). 'quantile': breaks at the i/k quantiles
    (linear interpolation), duplicates merged; 'jenks': Fisher–Jenks natural breaks.
    One distinct value gives one class ('single'); no value gives an empty classification.
    """
    arr = np.array([float(v) for v in values if v is not None and not pd.isna(v)], dtype=float)
    if arr.size == 0:
        return Classification((), (), "empty", higher_is_better)
    arr.sort()
    distinct = np.unique(arr)
    k = max(1, min(k, 5, distinct.size))
    if k == 1:
        return Classification((float(arr[0]), float(arr[-1])), palette(1, higher_is_better),
                              "single", higher_is_better)
    if method not in ("quantile", "jenks"):
        raise ValueError(f"unknown classification method {method!r}")
    if distinct.size <= k:
        # As many classes as distinct values: each value its own class.
        breaks = [float(distinct[0]), *(float(d) for d in distinct)]
        return Classification(tuple(breaks), palette(len(distinct), higher_is_better), method,
                              higher_is_better)
    if method == "jenks":
        breaks = _jenks_breaks(arr, k)
    elif method == "quantile":
        breaks = [float(np.quantile(arr, i / k)) for i in range(k + 1)]
    clean = [breaks[0]]
    for b in breaks[1:]:
        if b > clean[-1]:
            clean.append(b)
    if len(clean) < 2:
        clean.append(clean[0])
    k = len(clean) - 1
    return Classification(tuple(round(b, 10) for b in clean), palette(k, higher_is_better),
                          method, higher_is_better)


def value_decimals(values, most: int = 3) -> int | None:
    """The fewest decimals that write every value exactly (None beyond `most`): 1 for
    [40.2, 43, 52.4]."""
    vals = [float(v) for v in values if v is not None and not pd.isna(v)]
    for d in range(most + 1):
        if all(abs(v * 10 ** d - round(v * 10 ** d)) < 1e-6 for v in vals):
            return d
    return None


def _floor(value: float, decimals: int) -> float:
    from decimal import ROUND_FLOOR, Decimal
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_FLOOR))


def legend(classification: Classification, unit: str | None,
           decimals: int | None = None) -> list[tuple[str, str]]:
    """(hex colour, French label) per class, then the withheld and missing entries.

    Labels never share a bound: a class holds its upper edge (the first also its lower edge), so
    « de 10 % à 12,5 % », then « plus de 12,5 % à 15 % »…; when each value is its own class
    (breaks d0, d0, d1, …) a label is that value alone. `decimals`: the values' precision
    (value_decimals); an interpolated quantile break (41,82 between values written 41,5 and
    42,1) is then written at that precision, floored, which keeps every value in the class its
    label says: « de 38,7 % à 41,8 % », « plus de 41,8 % … »."""
    out = []
    b = classification.breaks
    own_values = len(b) > 2 and b[0] == b[1]
    if decimals is not None and len(b) > 2 and not own_values:
        b = (b[0], *(_floor(x, decimals) for x in b[1:-1]), b[-1])
    for i, colour in enumerate(classification.colours):
        # At the values' precision: « 43,0 % » beside « 40,2 % », never « 43 % ».
        lo, hi = (fmt.fmt_value(x, unit, decimals=fmt.UNIT_DECIMALS.get(unit or "", decimals))
                  for x in (b[i], b[i + 1]))
        if lo == hi or own_values:
            label = hi
        elif i == 0:
            label = f"de {lo} à {hi}"
        else:
            label = f"plus de {lo} à {hi}"
        out.append((colour, label))
    out.append(("#{:02x}{:02x}{:02x}".format(*SECRET_RGB), "secret statistique"))
    out.append(("#{:02x}{:02x}{:02x}".format(*MISSING_RGB), "non disponible"))
    return out


@dataclass(frozen=True)
class MapData:
    """What the map page draws: one row per QPV of the contract, the classes and the year."""
    indicator_id: str
    label: str
    unit: str | None
    year: int | None
    geography_vintage: int | None
    frame: pd.DataFrame
    classification: Classification
    # False when no document gives the year of the values: `year` then only orders them and is
    # never displayed (indicator_values.year_given).
    year_given: bool = True

    def legend(self) -> list[tuple[str, str]]:
        shown = self.frame.loc[self.frame["status"] == "ok", "value"] if not self.frame.empty else []
        return legend(self.classification, self.unit, value_decimals(shown))


def map_values(con, contract_slug: str, indicator_id: str, year: int | None = None, k: int = 5,
               method: str = "quantile", vintage: int | None = None) -> MapData:
    """One row per QPV of the contract (geography ``vintage``, default the most recent one among
    its QPVs) with its value for a common year (see ``compare_qpvs``), status, class and colour.

    Frame columns: qpv_code, qpv_name, commune_label, value (NaN unless ok), status, year,
    class_index (Int64, NA unless ok), colour_rgb [r, g, b] (grey for withheld / missing),
    value_text (French, or "secret statistique" / "non disponible"), centroid_lon, centroid_lat,
    geojson (simplified geometry, parsed; None without contours). Classes are computed on the
    ``ok`` values only.
    """
    if vintage is None:
        vintage = latest_vintage(contract_qpvs(con, contract_slug))
    df = compare_qpvs(con, contract_slug, [indicator_id], year, vintage)
    ind = registry.BY_ID.get(indicator_id)
    if ind is not None:
        label, unit, hib = ind.label, ind.unit, ind.higher_is_better
    else:
        rows = con.execute("select label, unit, higher_is_better from indicator_catalog "
                           "where indicator_id = ? limit 1", [indicator_id]).fetchall()
        label, unit, hib = rows[0] if rows else (indicator_id, None, None)
    status = df[indicator_id + STATUS_SUFFIX]
    values = df[indicator_id].where(status == "ok")
    cls = classify(values.dropna().tolist(), k, method, hib)
    year_used = None if df.empty else df[indicator_id + YEAR_SUFFIX].iloc[0]
    year_used = None if year_used is None or pd.isna(year_used) else int(year_used)
    geo = {r[0]: r[1:] for r in con.execute(
        "select territory_code, centroid_lon, centroid_lat, geom_simplified_geojson "
        "from territory_geometries where territory_level = 'qpv' and list_contains(?, territory_code)",
        [df["qpv_code"].tolist()]).fetchall()}
    classes = [cls.class_of(v) if s == "ok" else None for v, s in zip(values, status)]
    # Every value at one precision, the legend's: « 43,0 % » beside « 40,2 % », never « 43 % »;
    # but a typed figure keeps its own digits (« 48 % », as on its portrait: fmt.column_decimals).
    decimals = fmt.column_decimals(values, df[indicator_id + ORIGIN_SUFFIX], unit)
    colours = []
    for c, s in zip(classes, status):
        if c is not None:
            colours.append(list(cls.colours_rgb[c]))
        else:
            colours.append(list(SECRET_RGB if s in ("secret", "not_significant") else MISSING_RGB))
    frame = pd.DataFrame({
        "qpv_code": df["qpv_code"], "qpv_name": df["qpv_name"], "commune_label": df["commune_label"],
        "value": values.astype(float), "status": status,
        "year": pd.array([year_used] * len(df), dtype="Int64"),
        "class_index": pd.array(classes, dtype="Int64"), "colour_rgb": colours,
        "value_text": [fmt.fmt_value(v, unit, s, decimals=d) for v, s, d in zip(values, status, decimals)],
        "centroid_lon": [geo.get(c, (None, None, None))[0] for c in df["qpv_code"]],
        "centroid_lat": [geo.get(c, (None, None, None))[1] for c in df["qpv_code"]],
        "geojson": [json.loads(geo[c][2]) if c in geo and geo[c][2] else None for c in df["qpv_code"]],
    })
    year_given = df.empty or bool(df[indicator_id + YEAR_GIVEN_SUFFIX].iloc[0])
    return MapData(indicator_id, label, unit, year_used, vintage, frame, cls, year_given)
