"""Mandate and contract KPIs (kpi_definitions, kpi_values): tiles, yearly series, cumulation, targets.

Rules:
- A published figure (is_published) is shown as published — value, qualifier (« plus de »,
  « environ »), period label — and never recomputed or added to anything.
- Cumulation follows the definition: 'sum' adds the yearly values of the period (the contract's
  start_year..end_year when known, else every year); 'latest' takes the last year's value;
  'none' has no cumulated figure. A withheld yearly value (status not ok) withholds the
  cumulated figure from that year on (a sum would reveal it when the other years are shown).
- Achievement rate = 100 · value / target (percent), None when the target is missing or 0;
  cumulated achievement = cumulated value / cumulated target of the same years.
- Evolution = value − value of the previous year (year − 1), both ok; evolution_pct relative
  to the previous value (None when it is 0).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.sources import reader_credit
from indicators.territories import get_contract


@dataclass(frozen=True)
class KpiDefinition:
    contract_slug: str
    kpi_id: str
    label: str
    unit: str | None
    theme: str | None
    cumulation: str
    higher_is_better: bool | None
    definition: str | None
    headline: bool = False
    headline_order: int | None = None
    scope: str = "contrat"            # 'contrat' (a result) | 'national' (context, shown apart)


@dataclass(frozen=True)
class KpiTile:
    """A headline figure of the selected territory (whole contract or one neighbourhood)."""
    kpi_id: str
    label: str
    unit: str | None
    theme: str | None
    territory_code: str | None
    value: float | None
    status: str
    qualifier: str | None
    period_label: str | None          # as published, or built: « 2024 », « 2024–2026 (cumul) »
    year: int | None
    is_published: bool
    previous_value: float | None
    previous_year: int | None
    evolution: float | None
    evolution_pct: float | None
    cumulative_value: float | None
    cumulative_status: str | None
    cumulative_period_label: str | None
    target: float | None
    achievement_pct: float | None
    cumulative_target: float | None
    cumulative_achievement_pct: float | None
    higher_is_better: bool | None
    definition: str | None
    source_line: str | None
    document_id: str | None
    source_ref: str | None
    # A later year that has a target but no value yet (a target typed ahead of its results).
    next_target: float | None = None
    next_target_year: int | None = None
    scope: str = "contrat"
    # The short line under the tile: document, section — producer, year (sources.reader_credit).
    source_short: str | None = None


def _r6(x: float | None) -> float | None:
    return None if x is None else round(x, 6)


def achievement(value: float | None, target: float | None) -> float | None:
    """100 · value / target, None when either is missing or the target is 0."""
    if value is None or target is None or target == 0:
        return None
    return _r6(100 * value / target)


def published_date(text: str | None) -> str | None:
    """A document's date as a reader reads it: an ISO date « 2026-02-10 » in words (« 10 février
    2026 »), a month « 2026-02 » as « février 2026 »; a year or any other wording as given."""
    import re

    from indicators.fmt import fmt_date
    value = (text or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return fmt_date(value)
    if re.fullmatch(r"\d{4}-\d{2}", value):
        return fmt_date(value + "-15").split(None, 1)[1]        # « 15 février 2026 » (no-break spaces)
    return text


def source_line(title: str | None, source_ref: str | None, producer: str | None = None,
                published_on: str | None = None) -> str | None:
    """« Source : <title> (<producer>, <date>) — <section> », parts omitted when unknown."""
    if not title and not source_ref:
        return None
    from indicators.sources import document_name
    # One bracket: « Bilan 2025 (document fictif, CA Val-de-Lorne, fictive, 10 février 2026) »;
    # a title's own bracket stays the title's (« … (annexe 2 …), Le Grand Chalon … »).
    from indicators.fmt import typed_dates
    title, source_ref, producer = (typed_dates(t) for t in (title, source_ref, producer))
    # A section typed with the document's name in front does not repeat it (s14-RN: « Hauts de
    # Chambéry – « Ce qui a changé » … — Hauts de Chambéry – encadré « La Cité éducative… » »).
    from indicators.sources import _own_section
    source_ref = _own_section(title, source_ref) if title else source_ref
    head = document_name(title, producer, published_date(published_on)) if title else ""
    return "Source : " + " — ".join(p for p in (head, source_ref) if p)


def kpi_definitions(con, contract_slug: str) -> list[KpiDefinition]:
    """The KPIs of a contract in the order they were loaded (the document's order)."""
    rows = con.execute("""
        select contract_slug, kpi_id, label, unit, theme, cumulation, higher_is_better, definition,
               coalesce(headline, false), headline_order, coalesce(scope, 'contrat')
        from kpi_definitions where contract_slug = ? order by rowid""", [contract_slug]).fetchall()
    return [KpiDefinition(*r) for r in rows]


_VALUE_SQL = """
    select v.kpi_id, v.territory_code, v.year, v.period_label,
           case when v.status = 'ok' then v.value end as value, v.target, v.qualifier, v.status,
           v.is_published, v.document_id, v.source_ref, d.title, d.producer, d.published_on
    from kpi_values v
    left join documents d on d.contract_slug = v.contract_slug and d.document_id = v.document_id
    where v.contract_slug = ? and v.territory_code is not distinct from ?
          and (?::varchar is null or v.kpi_id = ?)
    order by v.kpi_id, v.year nulls first, v.rowid"""


def _values(con, contract_slug: str, territory_code: str | None, kpi_id: str | None = None) -> list[dict]:
    cols = ["kpi_id", "territory_code", "year", "period_label", "value", "target", "qualifier",
            "status", "is_published", "document_id", "source_ref", "title", "producer",
            "published_on"]
    rows = con.execute(_VALUE_SQL, [contract_slug, territory_code, kpi_id, kpi_id]).fetchall()
    return [dict(zip(cols, r)) for r in rows]


def _period(contract_slug: str, con) -> tuple[int | None, int | None]:
    c = get_contract(con, contract_slug)
    return (c.start_year, c.end_year) if c else (None, None)


def _in_period(year: int, start: int | None, end: int | None) -> bool:
    return (start is None or year >= start) and (end is None or year <= end)


def _period_text(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}–{years[-1]}"


def kpi_series(con, contract_slug: str, kpi_id: str, territory_code: str | None = None) -> pd.DataFrame:
    """The yearly values of a KPI (rows with a year), with targets and running cumulation.

    Columns: year, value (NaN unless ok), status, target, achievement_pct, cumulative_value,
    cumulative_status, cumulative_target, cumulative_achievement_pct, qualifier, is_published,
    period_label, source_line. Cumulation over the contract period only (rows outside it have
    no cumulated figure); see the module docstring for the rules.
    """
    defs = {d.kpi_id: d for d in kpi_definitions(con, contract_slug)}
    cumulation = defs[kpi_id].cumulation if kpi_id in defs else "none"
    start, end = _period(contract_slug, con)
    rows = [r for r in _values(con, contract_slug, territory_code, kpi_id) if r["year"] is not None]
    records = []
    cum_value, cum_target, cum_status = 0.0, 0.0, "ok"
    target_complete = True
    for r in rows:
        rec = {"year": r["year"], "value": r["value"], "status": r["status"], "target": r["target"],
               "achievement_pct": achievement(r["value"], r["target"]),
               "cumulative_value": None, "cumulative_status": None, "cumulative_target": None,
               "cumulative_achievement_pct": None, "qualifier": r["qualifier"],
               "is_published": bool(r["is_published"]), "period_label": r["period_label"],
               "source_line": source_line(r["title"], r["source_ref"], r["producer"], r["published_on"])}
        if cumulation != "none" and _in_period(r["year"], start, end):
            if r["status"] != "ok" or r["value"] is None:
                cum_status = r["status"] if r["status"] != "ok" else "missing"
            if cumulation == "sum":
                if cum_status == "ok":
                    cum_value += r["value"]
                    if r["target"] is None:
                        target_complete = False
                    else:
                        cum_target += r["target"]
                rec["cumulative_value"] = _r6(cum_value) if cum_status == "ok" else None
                rec["cumulative_target"] = _r6(cum_target) if target_complete and cum_status == "ok" else None
            else:  # latest
                rec["cumulative_value"] = r["value"]
                rec["cumulative_target"] = r["target"]
                cum_status = r["status"] if r["value"] is not None else "missing"
            rec["cumulative_status"] = cum_status
            rec["cumulative_achievement_pct"] = achievement(rec["cumulative_value"], rec["cumulative_target"])
        records.append(rec)
    df = pd.DataFrame.from_records(records, columns=[
        "year", "value", "status", "target", "achievement_pct", "cumulative_value",
        "cumulative_status", "cumulative_target", "cumulative_achievement_pct", "qualifier",
        "is_published", "period_label", "source_line"])
    df["year"] = df["year"].astype("Int64")
    return df


def kpi_tiles(con, contract_slug: str, territory_code: str | None = None) -> list[KpiTile]:
    """The headline tiles of a contract (territory_code None) or of one neighbourhood.

    For each KPI (definition order) with at least one value for that territory:
    - a period figure (row without a year) is the headline, as published;
    - otherwise the latest year that has a value (shown or withheld: any status but 'missing'),
      with the evolution against the previous year, and the cumulated figure over the contract
      period up to that year ('sum': total of the years, period label « 2024–2026 (cumul) »;
      'latest': the latest value). Later years that only hold a target (typed ahead of their
      results) do not hide it: the first of them is reported as next_target / next_target_year.
      When no year has a value yet, the latest row is the headline (status 'missing').
    Target and achievement come from the headline row; cumulated ones from the series.
    """
    tiles = []
    for d in kpi_definitions(con, contract_slug):
        rows = _values(con, contract_slug, territory_code, d.kpi_id)
        if not rows:
            continue
        period_rows = [r for r in rows if r["year"] is None]
        yearly = [r for r in rows if r["year"] is not None]
        series = kpi_series(con, contract_slug, d.kpi_id, territory_code) if yearly else None
        prev = evo = evo_pct = None
        prev_year = None
        cum_value = cum_status = cum_label = cum_target = cum_ach = None
        next_target = next_target_year = None
        if yearly:
            with_value = [r for r in yearly if r["status"] != "missing"]
            last = with_value[-1] if with_value else yearly[-1]
            ahead = [r for r in yearly if r["year"] > last["year"] and r["target"] is not None]
            if ahead:
                next_target, next_target_year = ahead[0]["target"], ahead[0]["year"]
            by_year = {r["year"]: r for r in yearly}
            p = by_year.get(last["year"] - 1)
            if p is not None:
                prev, prev_year = p["value"], p["year"]
                if prev is not None and last["value"] is not None:
                    evo = _r6(last["value"] - prev)
                    evo_pct = _r6(100 * (last["value"] - prev) / prev) if prev != 0 else None
            in_cum = series[series["cumulative_status"].notna()
                            & (series["year"] <= last["year"])]
            if d.cumulation != "none" and not in_cum.empty:
                lastc = in_cum.iloc[-1]
                cum_status = lastc["cumulative_status"]
                cum_value = None if pd.isna(lastc["cumulative_value"]) else float(lastc["cumulative_value"])
                cum_target = None if pd.isna(lastc["cumulative_target"]) else float(lastc["cumulative_target"])
                cum_ach = None if pd.isna(lastc["cumulative_achievement_pct"]) else float(lastc["cumulative_achievement_pct"])
                years = [int(y) for y in in_cum["year"]]
                cum_label = (f"{_period_text(years)} (cumul)" if d.cumulation == "sum"
                             else f"{years[-1]} (dernière valeur)")
        head = period_rows[-1] if period_rows else last
        label = head["period_label"] or (str(head["year"]) if head["year"] is not None else None)
        if period_rows:
            prev = prev_year = evo = evo_pct = None
            next_target = next_target_year = None
        tiles.append(KpiTile(
            d.kpi_id, d.label, d.unit, d.theme, territory_code, head["value"], head["status"],
            head["qualifier"], label, head["year"], bool(head["is_published"]), prev, prev_year,
            evo, evo_pct, cum_value, cum_status, cum_label, head["target"],
            achievement(head["value"], head["target"]), cum_target, cum_ach, d.higher_is_better,
            d.definition, source_line(head["title"], head["source_ref"], head["producer"],
                                      head["published_on"]),
            head["document_id"], head["source_ref"], next_target, next_target_year, d.scope,
            reader_credit(head["title"], head["source_ref"], head["producer"], head["published_on"])
            if head["title"] or head["source_ref"] else None))
    return tiles


def kpi_by_territory(con, contract_slug: str, kpi_id: str, year: int | None = None) -> pd.DataFrame:
    """A KPI's values per neighbourhood (rows with a territory_code), for the year given or, when
    None, each territory's latest row (period figures count as latest when there is no year).

    Columns: territory_code, territory_name, value (NaN unless ok), status, qualifier,
    period_label, year, is_published, source_line.
    """
    rows = con.execute("""
        select v.territory_code, coalesce(t.territory_name, v.territory_code),
               case when v.status = 'ok' then v.value end, v.status, v.qualifier, v.period_label,
               v.year, v.is_published, d.title, v.source_ref, d.producer, d.published_on
        from kpi_values v
        left join (select territory_code, any_value(territory_name) as territory_name
                   from territories group by territory_code) t on t.territory_code = v.territory_code
        left join documents d on d.contract_slug = v.contract_slug and d.document_id = v.document_id
        where v.contract_slug = ? and v.kpi_id = ? and v.territory_code is not null
          and (?::integer is null or v.year = ?)
        order by v.territory_code, v.year nulls first, v.rowid""",
                       [contract_slug, kpi_id, year, year]).fetchall()
    latest: dict[str, tuple] = {}
    for r in rows:
        latest[r[0]] = r
    records = [{"territory_code": r[0], "territory_name": r[1], "value": r[2], "status": r[3],
                "qualifier": r[4], "period_label": r[5], "year": r[6], "is_published": bool(r[7]),
                "source_line": source_line(r[8], r[9], r[10], r[11])} for r in latest.values()]
    df = pd.DataFrame.from_records(records, columns=[
        "territory_code", "territory_name", "value", "status", "qualifier", "period_label", "year",
        "is_published", "source_line"])
    df["year"] = df["year"].astype("Int64")
    df["value"] = df["value"].astype(float)
    return df


# ── Key figures (the first screen of a contract) ────────────────────────────────────────────

@dataclass(frozen=True)
class HeadlineValue:
    """A published indicator value a contract puts among its key figures, with the commune(s)
    and EPCI it is compared with in its portrait (same document first, then same year)."""
    indicator_id: str
    label: str
    unit: str | None
    territory_code: str
    territory_name: str
    value: float | None
    status: str
    year: int
    source_label: str | None
    document_id: str | None
    source_ref: str | None
    comparators: tuple = ()          # indicators.portrait.Comparator, commune(s) then EPCI
    year_given: bool = True          # False: the document gives no year (never display it)
    credit: str | None = None        # who to credit (indicators.sources): value and comparators
    credit_short: str | None = None  # the same as the short line under the figure (reader_credit)


@dataclass(frozen=True)
class Headlines:
    """The key figures of a contract's home page, in order: KpiTile and HeadlineValue items.

    chosen: True when the programme template flags them (`headline`), False for the default."""
    figures: tuple
    chosen: bool


DEFAULT_HEADLINES = 4


def _headline_values(con, contract_slug: str) -> list[tuple[int | None, HeadlineValue]]:
    from indicators.portrait import UnknownQpv, build_portrait
    rows = con.execute("""
        select h.headline_order, h.territory_code, h.territory_level, h.indicator_id, h.year,
               v.indicator_label, v.unit, coalesce(v.territory_name, h.territory_code), v.value,
               v.status, v.source_label, v.document_id, v.source_ref, v.year_given
        from published_headlines h
        join indicator_values v on v.territory_code = h.territory_code
             and v.territory_level = h.territory_level and v.indicator_id = h.indicator_id
             and v.year = h.year
        where h.contract_slug = ? order by h.rowid""", [contract_slug]).fetchall()
    out = []
    for (order, code, level, indicator, year, label, unit, name, value, status, source,
         document, ref, year_given) in rows:
        comparators: tuple = ()
        if level == "qpv":
            try:
                portrait = build_portrait(con, code, year)
            except UnknownQpv:
                portrait = None
            shown = [v for v in (portrait.values if portrait else ())
                     if v.indicator_id == indicator and v.year == year]
            if shown:
                comparators = tuple(c for c in shown[0].comparators
                                    if c.territory_level in ("commune", "epci"))
        from indicators.sources import value_credits
        keys = [(code, indicator, year)] + [(c.territory_code, indicator, c.year) for c in comparators]
        credits = value_credits(con, keys)
        short = value_credits(con, keys, short=True)
        out.append((order, HeadlineValue(indicator, label, unit, code, name,
                                         None if status != "ok" else value, status, year, source,
                                         document, ref, comparators, bool(year_given),
                                         " ; ".join(credits) or None, " ; ".join(short) or None)))
    return out


def headline_figures(con, contract_slug: str) -> Headlines:
    """The few figures an official quotes, shown first on the contract's home page.

    Chosen in the programme template: `kpi_definitions.headline` (the contract-wide tile of that
    KPI) and `published_values.headline` (a published value with its comparators), ordered by
    `headline_order` (unranked ones after, in load order, published values first). When nothing
    is flagged: the contract's KPIs that have a target (national context excluded), at their
    latest year, most recent first, at most DEFAULT_HEADLINES; failing that, the KPIs of the
    most recent year.
    """
    defs = {d.kpi_id: d for d in kpi_definitions(con, contract_slug)}
    tiles = kpi_tiles(con, contract_slug)
    flagged: list[tuple[int | None, object]] = _headline_values(con, contract_slug)
    flagged += [(defs[t.kpi_id].headline_order, t) for t in tiles if defs[t.kpi_id].headline]
    if flagged:
        ranked = sorted(enumerate(flagged), key=lambda p: (p[1][0] is None, p[1][0] or 0, p[0]))
        return Headlines(tuple(f for _, (_, f) in ranked), True)
    own = [t for t in tiles if t.scope != "national" and t.status != "missing"]
    with_target = [t for t in own if t.target is not None]
    if with_target:
        picked = sorted(with_target, key=lambda t: -(t.year or 0))
    else:
        latest = max((t.year for t in own if t.year is not None), default=None)
        picked = [t for t in own if t.year == latest] if latest is not None else []
    return Headlines(tuple(picked[:DEFAULT_HEADLINES]), False)
