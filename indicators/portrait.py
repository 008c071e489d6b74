"""The portrait of a QPV: every indicator with its comparators, gaps and ranks; time series; qualitative items.

Pure functions over the published database (etl/schema.sql): they take a DuckDB connection (or
cursor) and plain parameters and return frozen dataclasses. Nothing here formats for display
(see indicators/fmt.py) and nothing imports Streamlit.

Rules kept everywhere (DOMAIN.md §3, §5):
- a value whose status is not ``ok`` (secret, missing…) is never used in a derived figure: no gap
  is computed from it (on either side), and it takes no part in a rank;
- a time series never joins a 2015 QPV (``QP…``) and a 2024 QPV (``QN…``): each geography is its
  own segment and the break is stated;
- when several facts exist for the same territory × indicator × year, the one kept is, in order:
  from an official file, published in a document, computed (``ORIGIN_PRIORITY``).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import pandas as pd

from indicators import registry
from indicators.territories import (
    Contract,
    TerritoryRef,
    get_territory,
    parents,
    qpv_code_vintage,
    qpv_communes,
    qpv_contracts,
)

ORIGIN_PRIORITY = {"official_file": 0, "published": 1, "computed": 2}
FRANCE_CODE = "FRM"
OTHER_THEME = "autres indicateurs"


def ensemble_qpv_code(vintage: int | None) -> str:
    """The code of "ensemble des QPV" for a geography: ``ENSEMBLE_QPV_2024``."""
    return f"ENSEMBLE_QPV_{vintage or 2024}"


# ── Data classes ────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Fact:
    """One row of ``indicator_values`` (a value of one territory for one indicator and year)."""
    territory_code: str
    territory_level: str
    territory_name: str
    indicator_id: str
    year: int
    value: float | None
    numerator: float | None
    denominator: float | None
    status: str
    status_note: str | None
    origin: str
    source_label: str | None
    document_id: str | None
    source_ref: str | None
    geography_vintage: int | None
    year_given: bool = True            # False: the document gives no year (never display it)

    @property
    def is_ok(self) -> bool:
        return self.status == "ok" and self.value is not None


@dataclass(frozen=True)
class Comparator:
    """A comparison territory's value for the same indicator, and the QPV's gap to it.

    match: how the comparator value was chosen — 'same_document' (published beside the QPV's
    value in the same document), 'same_year', or 'earlier_year' (latest year before the QPV's).
    gap: QPV − comparator in percentage points (gap_kind 'points', for rates and % units) or
    QPV / comparator (gap_kind 'ratio', for amounts); None when either value is withheld or
    missing, or the comparator is 0 for a ratio.
    """
    territory_code: str
    territory_level: str
    territory_name: str
    value: float | None
    numerator: float | None
    denominator: float | None
    year: int
    status: str
    origin: str
    source_label: str | None
    document_id: str | None
    source_ref: str | None
    match: str
    gap: float | None
    gap_kind: str | None


@dataclass(frozen=True)
class Rank:
    """The QPV's rank among QPVs for one indicator, year and geography vintage.

    scope 'contract' (scope_code = contract slug) or 'all' (every QPV loaded). rank 1 = most
    favourable (highest value when higher_is_better, lowest when lower is better, highest when
    unknown: direction 'value_desc'). Ties share the best rank (1, 2, 2, 4) and tied is True.
    n counts the QPVs with a shown (ok) value, the QPV included; n_withheld counts those left out
    because their value is withheld or missing (in a contract's rank, also the contract's QPVs of
    the same geography with no value at all). rank is None when the QPV's own value is not shown.
    """
    scope: str
    scope_code: str | None
    scope_label: str
    rank: int | None
    n: int
    n_withheld: int
    tied: bool
    direction: str
    year: int
    geography_vintage: int | None


@dataclass(frozen=True)
class PortraitValue:
    """One indicator of a QPV portrait, with its comparators and ranks."""
    indicator_id: str
    label: str
    unit: str | None
    theme: str
    is_rate: bool
    higher_is_better: bool | None
    value: float | None
    numerator: float | None
    denominator: float | None
    year: int
    status: str
    status_note: str | None
    origin: str
    source_label: str | None
    document_id: str | None
    source_ref: str | None
    caution: str | None
    comparators: tuple[Comparator, ...] = ()
    ranks: tuple[Rank, ...] = ()
    year_given: bool = True            # False: the document gives no year (never display it)

    def comparator(self, level: str) -> Comparator | None:
        """The first comparator at a level ('commune', 'epci', 'departement', 'france', 'qpv_ensemble')."""
        return next((c for c in self.comparators if c.territory_level == level), None)


@dataclass(frozen=True)
class ThemeBlock:
    theme: str
    values: tuple[PortraitValue, ...]


@dataclass(frozen=True)
class Portrait:
    """A QPV with its geography and every indicator grouped by theme (registry order)."""
    qpv: TerritoryRef
    communes: tuple[TerritoryRef, ...]
    epcis: tuple[TerritoryRef, ...]
    departements: tuple[TerritoryRef, ...]
    contracts: tuple[Contract, ...]
    year: int | None                     # the year asked for (None: latest of each indicator)
    themes: tuple[ThemeBlock, ...] = ()

    @property
    def values(self) -> tuple[PortraitValue, ...]:
        return tuple(v for block in self.themes for v in block.values)

    def value(self, indicator_id: str) -> PortraitValue | None:
        return next((v for v in self.values if v.indicator_id == indicator_id), None)

    def to_frame(self) -> pd.DataFrame:
        """One row per indicator × territory (the QPV first, then its comparators), for exports.

        Withheld values stay NULL with their status; gaps are on comparator rows.
        """
        records = []
        for v in self.values:
            base = {"theme": v.theme, "indicator_id": v.indicator_id, "indicator_label": v.label,
                    "unit": v.unit}
            records.append({**base, "territory_code": self.qpv.code, "territory_level": "qpv",
                            "territory_name": self.qpv.name, "value": v.value, "year": v.year,
                            "status": v.status, "origin": v.origin, "source_label": v.source_label,
                            "source_ref": v.source_ref, "gap": None, "gap_kind": None,
                            "year_given": v.year_given})
            for c in v.comparators:
                records.append({**base, "territory_code": c.territory_code,
                                "territory_level": c.territory_level,
                                "territory_name": c.territory_name, "value": c.value,
                                "year": c.year, "status": c.status, "origin": c.origin,
                                "source_label": c.source_label, "source_ref": c.source_ref,
                                "gap": c.gap, "gap_kind": c.gap_kind, "year_given": True})
        columns = ["theme", "indicator_id", "indicator_label", "unit", "territory_code",
                   "territory_level", "territory_name", "value", "year", "status", "origin",
                   "source_label", "source_ref", "gap", "gap_kind", "year_given"]
        return pd.DataFrame.from_records(records, columns=columns)


class UnknownQpv(LookupError):
    """The code is not a QPV of the database (pages show a message and a way back)."""


# ── Facts ───────────────────────────────────────────────────────────────────────────────────

_FACT_COLUMNS = """territory_code, territory_level, coalesce(territory_name, territory_code),
    indicator_id, year, value, numerator, denominator, status, status_note, origin, source_label,
    document_id, source_ref, geography_vintage, year_given"""


def _fact(row) -> Fact:
    r = list(row)
    # A withheld value is never carried, even if a loader left a number beside a non-ok status.
    if r[8] != "ok":
        r[5] = r[6] = r[7] = None
    return Fact(*r)


def fetch_facts(con, territory_codes: Sequence[str], indicator_id: str | None = None,
                *, real_only: bool = False) -> list[Fact]:
    """Every fact of the given territories (optionally one indicator), ordered by code, year.

    `real_only` leaves out fictional facts (a real QPV is never compared with the demo's figures).
    """
    rows = con.execute(
        f"select {_FACT_COLUMNS} from indicator_values "
        "where list_contains(?, territory_code) and (?::varchar is null or indicator_id = ?) "
        "and not (? and is_fictional) "
        "order by territory_code, indicator_id, year",
        [list(territory_codes), indicator_id, indicator_id, real_only]).fetchall()
    return [_fact(r) for r in rows]


def _priority(f: Fact) -> tuple:
    return (ORIGIN_PRIORITY.get(f.origin, 9), f.document_id or "", f.source_label or "")


def pick_fact(facts: Iterable[Fact]) -> Fact | None:
    """The fact kept among several for one territory × indicator × year (ORIGIN_PRIORITY)."""
    facts = list(facts)
    return min(facts, key=_priority) if facts else None


def _latest(facts: Iterable[Fact]) -> Fact | None:
    facts = list(facts)
    if not facts:
        return None
    top = max(f.year for f in facts)
    return pick_fact(f for f in facts if f.year == top)


def choose_comparator_fact(candidates: Sequence[Fact], qpv_fact: Fact) -> tuple[Fact, str] | None:
    """Choose a comparator's value for a QPV value; returns (fact, match) or None.

    Order: (1) a value from the same document as the QPV's value (a published portrait pairs its
    own comparators: Aubépins 742 €/mois, Insee 2019, against 1 480 €/mois for Chalon-sur-Saône,
    Compas – ABS 2022, both in the same annex) — the latest such year; (2) the same year;
    (3) the latest earlier year. A later year is never used.
    """
    if qpv_fact.document_id:
        same_doc = [f for f in candidates if f.document_id == qpv_fact.document_id]
        if same_doc:
            return _latest(same_doc), "same_document"
    same_year = [f for f in candidates if f.year == qpv_fact.year]
    if same_year:
        return pick_fact(same_year), "same_year"
    earlier = [f for f in candidates if f.year < qpv_fact.year]
    if earlier:
        return _latest(earlier), "earlier_year"
    return None


# Units of counts: a neighbourhood's count is not comparable with a city's or France's.
COUNT_UNITS = ("habitants", "personnes", "ménages", "logements", "familles", "enfants")


def gap_kind(indicator_id: str, unit: str | None) -> str | None:
    """'points' for rates (registry is_rate or unit %), None for counts (registry aggregation
    'sum', or a count unit: 2 500 inhabitants against France's 65 million is no gap), 'ratio'
    for the other quantities (medians, amounts per person, indices)."""
    ind = registry.BY_ID.get(indicator_id)
    if (ind is not None and ind.is_rate) or unit == "%":
        return "points"
    if (ind is not None and ind.aggregation == "sum") or unit in COUNT_UNITS:
        return None
    return "ratio"


def compute_gap(qpv_value: float | None, qpv_status: str, comp_value: float | None,
                comp_status: str, kind: str) -> float | None:
    """QPV − comparator (points) or QPV / comparator (ratio), rounded to 6 decimals.

    None when either side is not an ``ok`` value, for a ratio to 0, and for a count (kind None).
    """
    if (kind is None or qpv_status != "ok" or comp_status != "ok" or qpv_value is None
            or comp_value is None):
        return None
    if kind == "points":
        return round(qpv_value - comp_value, 6)
    if comp_value == 0:
        return None
    return round(qpv_value / comp_value, 6)


# ── Ranks ───────────────────────────────────────────────────────────────────────────────────

def _direction(higher_is_better: bool | None) -> str:
    if higher_is_better is True:
        return "higher_is_better"
    if higher_is_better is False:
        return "lower_is_better"
    return "value_desc"


def rank_value(own: float | None, own_status: str, others: Sequence[tuple[float | None, str]],
               higher_is_better: bool | None) -> tuple[int | None, int, int, bool]:
    """Rank of ``own`` among ``others`` (which include own): returns (rank, n, n_withheld, tied).

    Only ``ok`` values are ranked; rank 1 is the most favourable; ties share the best rank.
    """
    shown = [v for v, s in others if s == "ok" and v is not None]
    n_withheld = sum(1 for v, s in others if not (s == "ok" and v is not None))
    if own_status != "ok" or own is None:
        return None, len(shown), n_withheld, False
    if higher_is_better is False:
        better = sum(1 for v in shown if v < own)
    else:
        better = sum(1 for v in shown if v > own)
    tied = sum(1 for v in shown if v == own) > 1
    return better + 1, len(shown), n_withheld, tied


def _qpv_values(con, indicator_id: str, year: int, vintage: int | None,
                is_fictional: bool = False) -> dict[str, Fact]:
    """One fact per QPV of a geography vintage for an indicator and year, among real QPVs
    (or among fictional ones for a demo QPV: the two are never ranked together)."""
    rows = con.execute(
        f"select {_FACT_COLUMNS} from indicator_values "
        "where territory_level = 'qpv' and indicator_id = ? and year = ? "
        "and geography_vintage is not distinct from ? and is_fictional = ?",
        [indicator_id, year, vintage, is_fictional]).fetchall()
    by_code: dict[str, list[Fact]] = {}
    for r in rows:
        f = _fact(r)
        by_code.setdefault(f.territory_code, []).append(f)
    return {code: pick_fact(fs) for code, fs in by_code.items()}


class RankedValue(NamedTuple):
    """What a rank needs of a QPV's fact: its value (None unless ``ok``) and status."""
    value: float | None
    status: str


# The QPVs' values of the keys in CTE `k` (k_indicator, k_year, k_vintage), one per QPV as
# `pick_fact` keeps it (ORIGIN_PRIORITY, then document, then source): CTEs `p` and `v`, their
# parameters the origins, their ranks and is_fictional. Shared by `_qpv_values_many` and
# `_ranks_many` so that a rank's pool and the values it is read from are chosen alike.
_POOL_VALUES_SQL = """p as (select unnest(?::varchar[]) as p_origin, unnest(?::integer[]) as p_rank),
                v as (select iv.indicator_id, iv.year, iv.geography_vintage, iv.territory_code,
                             case when iv.status = 'ok' then iv.value end as value, iv.status
                      from indicator_values iv
                      join k on k.k_indicator = iv.indicator_id and k.k_year = iv.year
                            and k.k_vintage is not distinct from iv.geography_vintage
                      left join p on p.p_origin = iv.origin
                      where iv.territory_level = 'qpv' and iv.is_fictional = ?
                      qualify row_number() over (
                          partition by iv.indicator_id, iv.year, iv.geography_vintage, iv.territory_code
                          order by coalesce(p.p_rank, 9), coalesce(iv.document_id, ''),
                                   coalesce(iv.source_label, '')) = 1)"""


def _qpv_values_many(con, keys: Sequence[tuple[str, int, int | None]],
                     is_fictional: bool = False) -> dict[tuple[str, int, int | None], dict[str, RankedValue]]:
    """The value and status of every QPV for many (indicator_id, year, geography_vintage) keys,
    in one query: the fact `pick_fact` keeps is chosen in SQL (ORIGIN_PRIORITY, then document,
    then source) and each key's QPVs come back as three lists. On the France-sized database a
    portrait's 120 keys cover about 190 000 facts: one `Fact` each cost about 4 s of CPU."""
    if not keys:
        return {}
    wanted = sorted({(i, int(y), v) for i, y, v in keys}, key=lambda k: (k[0], k[1], k[2] is None, k[2] or 0))
    rows = con.execute(
        """with k as (select unnest(?::varchar[]) as k_indicator, unnest(?::integer[]) as k_year,
                             unnest(?::integer[]) as k_vintage),
                """ + _POOL_VALUES_SQL + """
           select indicator_id, year, geography_vintage, list(territory_code order by territory_code),
                  list(value order by territory_code), list(status order by territory_code)
           from v group by indicator_id, year, geography_vintage""",
        [[k[0] for k in wanted], [k[1] for k in wanted], [k[2] for k in wanted],
         list(ORIGIN_PRIORITY), list(ORIGIN_PRIORITY.values()), is_fictional]).fetchall()
    grouped = {(i, y, v): dict(zip(codes, map(RankedValue, values, statuses)))
               for i, y, v, codes, values, statuses in rows}
    return {k: grouped.get((k[0], int(k[1]), k[2]), {}) for k in keys}


def _ranks_many(con, facts: Sequence[tuple[Fact, bool | None]], contracts: Sequence[Contract],
                members: dict[str, dict[str, int | None]],
                is_fictional: bool = False) -> dict[str, tuple[Rank, ...]]:
    """`compute_ranks` of many facts (each with its indicator's higher_is_better), by indicator,
    counted in one query: each rank's pool is chosen as `_qpv_values_many` chooses it and only its
    counts come back (QPVs shown, withheld, better than the QPV's value, equal to it; a contract's
    QPVs of the fact's geography without any value). Issue #15: on the France-sized database the
    3 100 QPVs × 120 indicators of a first portrait cost about 2 s of CPU as Python values."""
    if not facts:
        return {}
    slugs = [c.slug for c in contracts]
    in_contract = [(slug, code, vintage) for slug in slugs for code, vintage in members[slug].items()]
    rows = con.execute(
        """with k as (select unnest(?::varchar[]) as k_indicator, unnest(?::integer[]) as k_year,
                             unnest(?::integer[]) as k_vintage, unnest(?::double[]) as k_own,
                             unnest(?::boolean[]) as k_lower),
                m as (select unnest(?::varchar[]) as m_slug, unnest(?::varchar[]) as m_code,
                             unnest(?::integer[]) as m_vintage),
                """ + _POOL_VALUES_SQL + """,
                scoped as (select v.*, null::varchar as scope from v
                           union all
                           select v.*, m.m_slug from v join m on m.m_code = v.territory_code)
           select k.k_indicator, s.scope, false as absent,
                  count(s.value), count(s.territory_code) - count(s.value),
                  count(*) filter (where case when k.k_lower then s.value < k.k_own
                                         else s.value > k.k_own end),
                  count(*) filter (where s.value = k.k_own)
           from k join scoped s on s.indicator_id = k.k_indicator
           group by k.k_indicator, s.scope
           union all
           select k.k_indicator, m.m_slug, true, count(*), 0, 0, 0
           from k join m on m.m_vintage is not distinct from k.k_vintage
           where not exists (select 1 from v where v.indicator_id = k.k_indicator
                             and v.territory_code = m.m_code)
           group by k.k_indicator, m.m_slug""",
        [[f.indicator_id for f, _ in facts], [int(f.year) for f, _ in facts],
         [f.geography_vintage for f, _ in facts],
         [f.value if f.status == "ok" else None for f, _ in facts],
         [hib is False for _, hib in facts],
         [m[0] for m in in_contract], [m[1] for m in in_contract], [m[2] for m in in_contract],
         list(ORIGIN_PRIORITY), list(ORIGIN_PRIORITY.values()), is_fictional]).fetchall()
    counts = {(indicator_id, scope, absent): (n, withheld, better, equal)
              for indicator_id, scope, absent, n, withheld, better, equal in rows}
    out = {}
    for fact, hib in facts:
        ranks = []
        for scope, code, label in [*(("contract", c.slug, c.name) for c in contracts),
                                   ("all", None, "ensemble des QPV chargés")]:
            n, n_withheld, better, equal = counts.get((fact.indicator_id, code, False), (0, 0, 0, 0))
            # A contract's QPV of the fact's geography with no value at all is counted as a
            # withheld one (compute_ranks).
            n_withheld += counts.get((fact.indicator_id, code, True), (0,))[0]
            shown = fact.status == "ok" and fact.value is not None
            ranks.append(Rank(scope, code, label, better + 1 if shown else None, n, n_withheld,
                              shown and equal > 1, _direction(hib), fact.year, fact.geography_vintage))
        out[fact.indicator_id] = tuple(ranks)
    return out


def _contract_qpv_codes(con, contract_slug: str) -> dict[str, int | None]:
    """The contract's QPVs, each with its geography vintage (the territory's, else its code's)."""
    return {code: vintage if vintage is not None else qpv_code_vintage(code)
            for code, vintage in con.execute(
                "select ct.territory_code, any_value(t.geography_vintage) from contract_territories ct "
                "left join territories t on t.territory_code = ct.territory_code "
                "and t.territory_level = 'qpv' where ct.contract_slug = ? and ct.territory_level = 'qpv' "
                "group by ct.territory_code", [contract_slug]).fetchall()}


def _of_vintage(members, vintage: int | None) -> list[str]:
    """The codes of `members` (codes, or code → geography vintage) of that vintage."""
    if not isinstance(members, dict):
        return [c for c in members if qpv_code_vintage(c) == vintage]
    return [c for c, v in members.items() if v == vintage]


def compute_ranks(con, qpv_code: str, fact: Fact, higher_is_better: bool | None,
                  contracts: Sequence[Contract], is_fictional: bool = False, *,
                  values: dict[str, Fact] | None = None,
                  members: dict[str, set[str]] | None = None) -> tuple[Rank, ...]:
    """The QPV's rank among the QPVs of each of its contracts, then among all QPVs loaded
    (real and fictional QPVs are ranked apart). `values` (the QPVs' facts of this indicator,
    year and vintage, or anything with their `value` and `status`: `RankedValue`) and `members` (contract slug → its QPV codes) are read from the database
    when not given (build_portrait reads them once for every indicator)."""
    if values is None:
        values = _qpv_values(con, fact.indicator_id, fact.year, fact.geography_vintage, is_fictional)
    direction = _direction(higher_is_better)
    ranks = []
    scopes: list[tuple[str, str | None, str, dict[str, int | None] | set[str] | None]] = [
        ("contract", c.slug, c.name,
         members[c.slug] if members is not None else _contract_qpv_codes(con, c.slug))
        for c in contracts]
    scopes.append(("all", None, "ensemble des QPV chargés", None))
    for scope, code, label, members in scopes:
        pool = [f for c, f in values.items() if members is None or c in members]
        rank, n, n_withheld, tied = rank_value(
            fact.value, fact.status, [(f.value, f.status) for f in pool], higher_is_better)
        if members is not None:
            # A QPV of the contract (same geography) with no value at all for this indicator and
            # year is left out as a withheld one is: « 4e sur 4 QPV du contrat » read as if
            # Chartres métropole had 4 QPVs, La Madeleine's population not being published.
            n_withheld += sum(1 for c in _of_vintage(members, fact.geography_vintage) if c not in values)
        ranks.append(Rank(scope, code, label, rank, n, n_withheld, tied, direction, fact.year,
                          fact.geography_vintage))
    return tuple(ranks)


# ── Portrait ────────────────────────────────────────────────────────────────────────────────

def _indicator_meta(con, indicator_id: str) -> dict:
    ind = registry.BY_ID.get(indicator_id)
    if ind is not None:
        return {"label": ind.label, "unit": ind.unit, "theme": ind.theme, "is_rate": ind.is_rate,
                "higher_is_better": ind.higher_is_better, "caution": ind.caution}
    rows = con.execute("select label, unit, theme, higher_is_better from indicator_catalog "
                       "where indicator_id = ? limit 1", [indicator_id]).fetchall()
    label, unit, theme, hib = rows[0] if rows else (indicator_id, None, None, None)
    return {"label": label, "unit": unit, "theme": theme if theme in registry.THEMES else OTHER_THEME,
            "is_rate": False, "higher_is_better": hib, "caution": None}


def _indicator_order(indicator_id: str) -> tuple[int, int, str]:
    ind = registry.BY_ID.get(indicator_id)
    if ind is None:
        return (len(registry.THEMES), len(registry.REGISTRY), indicator_id)
    return (registry.THEMES.index(ind.theme), registry.REGISTRY.index(ind), indicator_id)


def comparator_territories(con, qpv: TerritoryRef, contracts: Sequence[Contract]) -> list[TerritoryRef]:
    """The comparison territories of a QPV, in display order: each commune, the EPCI(s),
    the département(s), France métropolitaine (FRM), ensemble des QPV of its geography."""
    communes = qpv_communes(con, qpv.code)
    epcis = parents(con, qpv.code, "qpv", "epci")
    known = {e.code for e in epcis}
    for c in contracts:
        if c.epci_code and c.epci_code not in known:
            t = get_territory(con, c.epci_code, "epci")
            epcis.append(t or TerritoryRef(c.epci_code, "epci", c.epci_code))
            known.add(c.epci_code)
    deps = parents(con, qpv.code, "qpv", "departement")
    france = get_territory(con, FRANCE_CODE, "france") or TerritoryRef(FRANCE_CODE, "france",
                                                                        "France métropolitaine")
    vintage = qpv.geography_vintage or qpv_code_vintage(qpv.code)
    ens_code = ensemble_qpv_code(vintage)
    ensemble = get_territory(con, ens_code, "qpv_ensemble") or TerritoryRef(
        ens_code, "qpv_ensemble", "Ensemble des QPV")
    return [*communes, *epcis, *deps, france, ensemble]


def build_portrait(con, qpv_code: str, year: int | None = None) -> Portrait:
    """The portrait of a QPV: its geography and every indicator that has a value for it.

    For each indicator, the QPV's value is the one of ``year`` or the latest year before it
    (``year=None``: the latest year). Comparators follow ``choose_comparator_fact``; gaps follow
    ``compute_gap``; ranks are computed among QPVs of the same geography vintage for the same
    indicator and year (``compute_ranks``). Values are grouped by theme in registry order;
    indicators not in the registry come last under "autres indicateurs".

    Raises UnknownQpv when the code is not a QPV of the database.
    """
    qpv = get_territory(con, qpv_code, "qpv")
    if qpv is None:
        raise UnknownQpv(qpv_code)
    if qpv.geography_vintage is None:
        qpv = TerritoryRef(qpv.code, qpv.level, qpv.name, qpv_code_vintage(qpv.code), qpv.population,
                           qpv.population_year, qpv.is_fictional)
    contracts = qpv_contracts(con, qpv_code)
    comps = comparator_territories(con, qpv, contracts)
    codes = [qpv_code] + [c.code for c in comps]
    facts = fetch_facts(con, codes, real_only=not qpv.is_fictional)
    own: dict[str, list[Fact]] = {}
    others: dict[tuple[str, str, str], list[Fact]] = {}
    for f in facts:
        if f.territory_code == qpv_code and f.territory_level == "qpv":
            own.setdefault(f.indicator_id, []).append(f)
        else:
            others.setdefault((f.territory_code, f.territory_level, f.indicator_id), []).append(f)

    latest = {i: _latest([f for f in own[i] if year is None or f.year <= year]) for i in own}
    # Every contract's QPVs read once, and every rank counted in one query (not once per indicator).
    members = {c.slug: _contract_qpv_codes(con, c.slug) for c in contracts}
    metas = {i: _indicator_meta(con, i) for i, f in latest.items() if f is not None}
    ranked = _ranks_many(con, [(f, metas[i]["higher_is_better"]) for i, f in latest.items() if f is not None],
                         contracts, members, bool(qpv.is_fictional))
    values: list[PortraitValue] = []
    for indicator_id in sorted(own, key=_indicator_order):
        fact = latest[indicator_id]
        if fact is None:
            continue
        meta = metas[indicator_id]
        kind = gap_kind(indicator_id, meta["unit"])
        comparators = []
        for t in comps:
            chosen = choose_comparator_fact(others.get((t.code, t.level, indicator_id), []), fact)
            if chosen is None:
                continue
            cf, match = chosen
            comparators.append(Comparator(
                t.code, t.level, cf.territory_name or t.name, cf.value, cf.numerator, cf.denominator,
                cf.year, cf.status, cf.origin, cf.source_label, cf.document_id, cf.source_ref, match,
                compute_gap(fact.value, fact.status, cf.value, cf.status, kind), kind))
        ranks = ranked[indicator_id]
        values.append(PortraitValue(
            indicator_id, meta["label"], meta["unit"], meta["theme"] or OTHER_THEME, meta["is_rate"],
            meta["higher_is_better"], fact.value, fact.numerator, fact.denominator, fact.year,
            fact.status, fact.status_note, fact.origin, fact.source_label, fact.document_id,
            fact.source_ref, meta["caution"], tuple(comparators), ranks,
            year_given=bool(fact.year_given)))

    blocks: list[ThemeBlock] = []
    for theme in (*registry.THEMES, OTHER_THEME):
        in_theme = tuple(v for v in values if v.theme == theme)
        if in_theme:
            blocks.append(ThemeBlock(theme, in_theme))
    epcis = tuple(c for c in comps if c.level == "epci")
    deps = tuple(c for c in comps if c.level == "departement")
    communes = tuple(c for c in comps if c.level == "commune")
    return Portrait(qpv, communes, epcis, deps, tuple(contracts), year, tuple(blocks))


# ── Time series ─────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class SeriesPoint:
    year: int
    value: float | None
    status: str
    origin: str
    source_label: str | None


@dataclass(frozen=True)
class SeriesSegment:
    """The points of one territory code within one geography vintage (drawn as one line)."""
    geography_vintage: int | None
    territory_code: str
    territory_name: str
    points: tuple[SeriesPoint, ...]


@dataclass(frozen=True)
class SeriesBreak:
    """A break between two geography vintages: the series is not joined across it."""
    from_vintage: int | None
    to_vintage: int | None
    note: str


@dataclass(frozen=True)
class TimeSeries:
    indicator_id: str
    label: str
    unit: str | None
    segments: tuple[SeriesSegment, ...]
    breaks: tuple[SeriesBreak, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per point with a ``segment`` key (one line per segment; never joined)."""
        records = [{"segment": f"{s.territory_code} ({s.geography_vintage})" if s.geography_vintage
                    else s.territory_code,
                    "geography_vintage": s.geography_vintage, "territory_code": s.territory_code,
                    "territory_name": s.territory_name, "year": p.year, "value": p.value,
                    "status": p.status, "origin": p.origin, "source_label": p.source_label}
                   for s in self.segments for p in s.points]
        return pd.DataFrame.from_records(records, columns=[
            "segment", "geography_vintage", "territory_code", "territory_name", "year", "value",
            "status", "origin", "source_label"])


BREAK_NOTE = ("Changement de géographie prioritaire : les quartiers de {a} et ceux de {b} n'ont pas "
              "les mêmes contours ni les mêmes codes (pas de correspondance un à un) ; la série est "
              "interrompue.")


def time_series(con, territory_code: str, indicator_id: str,
                related_codes: Sequence[str] = ()) -> TimeSeries:
    """The values of a territory over the years, one segment per geography vintage.

    ``related_codes`` adds other codes of the same neighbourhood in another geography (e.g. the
    2015 QPV ``QP…`` that preceded a 2024 ``QN…``): each code stays its own segment, segments are
    ordered by vintage, and a SeriesBreak is stated between two vintages. Points of a 2015 code and
    of a 2024 code are never put in one segment. Withheld points keep value None and their status.
    """
    codes = [territory_code, *[c for c in related_codes if c != territory_code]]
    facts = fetch_facts(con, codes, indicator_id)
    segments = []
    for code in codes:
        mine = [f for f in facts if f.territory_code == code]
        if not mine and code != territory_code:
            continue
        t = get_territory(con, code)
        vintage = (t.geography_vintage if t and t.level == "qpv" else None) or qpv_code_vintage(code)
        by_year: dict[int, list[Fact]] = {}
        for f in mine:
            by_year.setdefault(f.year, []).append(f)
        points = tuple(SeriesPoint(y, p.value, p.status, p.origin, p.source_label)
                       for y in sorted(by_year) for p in [pick_fact(by_year[y])])
        segments.append(SeriesSegment(vintage, code, t.name if t else code, points))
    segments.sort(key=lambda s: (s.geography_vintage or 0, s.territory_code != territory_code))
    breaks = []
    vintages = []
    for s in segments:
        if s.geography_vintage not in vintages:
            vintages.append(s.geography_vintage)
    for a, b in zip(vintages, vintages[1:]):
        breaks.append(SeriesBreak(a, b, BREAK_NOTE.format(a=a, b=b)))
    meta = _indicator_meta(con, indicator_id)
    return TimeSeries(indicator_id, meta["label"], meta["unit"], tuple(segments), tuple(breaks))


# ── Qualitative items ───────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class QualItem:
    item_type: str
    theme: str | None
    position: int
    text: str
    document_id: str | None
    source_ref: str | None
    document_title: str | None
    # Who published the document and when, as the documents table gives them (None: not given).
    document_producer: str | None = None
    document_date: str | None = None


@dataclass(frozen=True)
class Qualitative:
    """A neighbourhood's qualitative items, each tuple in document order (theme, then position)."""
    priority_issues: tuple[QualItem, ...] = ()
    strengths: tuple[QualItem, ...] = ()
    weaknesses: tuple[QualItem, ...] = ()
    appreciated: tuple[QualItem, ...] = ()
    deplored: tuple[QualItem, ...] = ()
    requested: tuple[QualItem, ...] = ()
    verbatims: tuple[QualItem, ...] = ()
    notes: tuple[QualItem, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, f) for f in self.__dataclass_fields__)


QUALITATIVE_FIELDS = {
    "priority_issue": "priority_issues", "strength": "strengths", "weakness": "weaknesses",
    "consultation_appreciated": "appreciated", "consultation_deplored": "deplored",
    "consultation_requested": "requested", "verbatim": "verbatims", "note": "notes",
}


def _items(con, contract_slug: str, territory_code: str | None, item_types: Sequence[str]) -> list[QualItem]:
    """Items ordered by theme (first appearance in the loaded file), then position."""
    rows = con.execute("""
        with q as (
            select rowid as rid, * from qualitative_items
            where contract_slug = ? and territory_code is not distinct from ?
              and list_contains(?, item_type)
        ), t as (
            select item_type, theme, min(rid) as first_rid from q group by item_type, theme
        )
        select q.item_type, q.theme, q.position, q.text, q.document_id, q.source_ref, d.title,
               d.producer, d.published_on
        from q
        join t on t.item_type = q.item_type and t.theme is not distinct from q.theme
        left join documents d on d.contract_slug = q.contract_slug and d.document_id = q.document_id
        order by t.first_rid, q.position, q.rid""",
                       [contract_slug, territory_code, list(item_types)]).fetchall()
    return [QualItem(*r) for r in rows]


def qualitative(con, contract_slug: str, territory_code: str | None) -> Qualitative:
    """Priority issues, strengths, consultation results (appreciated / deplored / requested,
    verbatims) and notes of a neighbourhood (territory_code None: the whole contract)."""
    items = _items(con, contract_slug, territory_code, list(QUALITATIVE_FIELDS))
    grouped: dict[str, list[QualItem]] = {f: [] for f in QUALITATIVE_FIELDS.values()}
    for it in items:
        grouped[QUALITATIVE_FIELDS[it.item_type]].append(it)
    return Qualitative(**{k: tuple(v) for k, v in grouped.items()})


def group_by_theme(items: Sequence[QualItem]) -> list[tuple[str | None, list[QualItem]]]:
    """Consecutive items grouped under their theme heading, order kept. A group whose items
    only repeat its theme gets no heading: « Parentalité et enjeux éducatifs » then
    « • Parentalité et enjeux éducatifs » said it twice."""
    from indicators.fmt import fold
    out: list[tuple[str | None, list[QualItem]]] = []
    for it in items:
        if out and out[-1][0] == it.theme:
            out[-1][1].append(it)
        else:
            out.append((it.theme, [it]))

    def same(a, b) -> bool:
        return fold(re.sub(r"\W+", " ", a or "")).strip() == fold(re.sub(r"\W+", " ", b or "")).strip()
    return [(None if theme and all(same(i.text, theme) for i in group) else theme, group)
            for theme, group in out]


@dataclass(frozen=True)
class ReviewTheme:
    """One theme of a neighbourhood review: the need at the start, what was decided and done,
    what changed, and its figures (seeds/001_*: Hauts de Chambéry)."""
    theme: str | None
    need: tuple[QualItem, ...] = ()
    done: tuple[QualItem, ...] = ()
    changed: tuple[QualItem, ...] = ()
    figures: tuple[QualItem, ...] = ()


@dataclass(frozen=True)
class Review:
    intro: tuple[QualItem, ...] = ()
    themes: tuple[ReviewTheme, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.intro and not self.themes


_REVIEW = {"review_need": "need", "review_done": "done", "review_changed": "changed",
           "review_figure": "figures"}
# The heading each part of a review is shown under (app and PDF). A text typed with its
# heading in front (« En chiffres : 423 personnes… ») loses it, so it is never printed twice.
REVIEW_HEADINGS = {"need": "Le besoin au départ", "done": "Ce que nous avons décidé et fait",
                   "changed": "Ce que cela a changé", "figures": "En chiffres"}


def _without_heading(item: QualItem) -> QualItem:
    heading = REVIEW_HEADINGS.get(_REVIEW.get(item.item_type, ""))
    if not heading:
        return item
    m = re.match(rf"\s*{re.escape(heading)}\s*[:\u00a0\u202f–—-]+\s*", item.text, flags=re.IGNORECASE)
    if not m or not item.text[m.end():].strip():
        return item
    rest = item.text[m.end():]
    return replace(item, text=rest[0].upper() + rest[1:] if rest[0].islower() else rest)


def review(con, contract_slug: str, territory_code: str | None) -> Review:
    """The "besoin / fait / changé" review of a neighbourhood, theme by theme in document order."""
    items = _items(con, contract_slug, territory_code, ["review_intro", *_REVIEW])
    intro = tuple(i for i in items if i.item_type == "review_intro")
    order: list[str | None] = []
    parts: dict[str | None, dict[str, list[QualItem]]] = {}
    rest = [_without_heading(i) for i in items if i.item_type != "review_intro"]
    # Theme order: first appearance of the theme in any review item type, in file order.
    rows = con.execute("""
        select theme, min(rowid) from qualitative_items
        where contract_slug = ? and territory_code is not distinct from ?
          and item_type in ('review_need', 'review_done', 'review_changed', 'review_figure')
        group by theme order by 2""", [contract_slug, territory_code]).fetchall()
    order = [r[0] for r in rows]
    for it in rest:
        parts.setdefault(it.theme, {v: [] for v in _REVIEW.values()})[_REVIEW[it.item_type]].append(it)
    themes = tuple(ReviewTheme(t, **{k: tuple(v) for k, v in parts[t].items()}) for t in order
                   if t in parts)
    return Review(intro, themes)
