"""Are the gaps narrowing? A QPV's gap to its commune(s) and EPCI, year after year.

Rules:
- A gap is computed only for a year where the QPV and the comparator both have a shown value
  (status ok) of the same year: QPV − comparator in percentage points for a rate, QPV /
  comparator for an amount or a median (indicators.portrait.gap_kind/compute_gap). A count
  has no gap (gap_kind None), so no series.
- A series belongs to one QPV code, hence to one geography: a QP… (2015) and a QN… (2024)
  neighbourhood are two series, never joined across the 2015→2024 break.
- The distance to parity is |gap| in points for a rate, |ratio − 1| · 100 (percent of the
  comparator's value) for a ratio; the change in gap is the distance of the last year minus
  the distance of the first year: negative means the gap narrowed.
- A real QPV is never compared with a fictional (demo) value.
"""
from __future__ import annotations

import pandas as pd

from indicators.portrait import compute_gap, gap_kind
from indicators.sources import credit
from indicators.territories import contract_qpvs, get_territory, parents

COMPARATOR_LEVELS = ("commune", "epci")
SERIES_COLUMNS = ["year", "qpv_value", "comparator_code", "comparator_level", "comparator_name",
                  "comparator_value", "gap", "gap_kind", "distance", "qpv_source",
                  "comparator_source"]
CHANGE_COLUMNS = ["qpv_code", "qpv_name", "comparator_code", "comparator_level",
                  "comparator_name", "gap_kind", "first_year", "last_year", "qpv_value_last",
                  "gap_first", "gap_last", "distance_first", "distance_last", "distance_change",
                  "sources"]


def distance(gap: float | None, kind: str | None) -> float | None:
    """How far from parity: |gap| (points) or |ratio − 1| · 100 (percent); None without a gap."""
    if gap is None or kind is None:
        return None
    return round(abs(gap), 6) if kind == "points" else round(abs(gap - 1) * 100, 6)


def _values(con, territories: list[tuple[str, str]], indicator_ids: list[str],
            real_only: bool) -> dict[tuple[str, str, str], dict[int, tuple[float, str | None]]]:
    """(code, level, indicator) → {year: (value, credit)} of the shown values, one query (the
    territories' rows read first: joined to the keys alone, the whole view was read, issue #15)."""
    rows = con.execute("""
        select v.territory_code, v.territory_level, v.indicator_id, v.year, v.value, v.source_label,
               v.origin, v.source_ref, v.is_fictional, d.title, d.producer, s.title, s.vintage
        from (select * from indicator_values where list_contains(?::varchar[], territory_code)) v
        join (select unnest(?::varchar[]) as code, unnest(?::varchar[]) as lvl) k
          on k.code = v.territory_code and k.lvl = v.territory_level
        left join (select document_id, any_value(title) as title, any_value(producer) as producer
                   from documents group by document_id) d on d.document_id = v.document_id
        left join sources s on s.source_id = v.source_id
        where list_contains(?::varchar[], v.indicator_id)
          and v.status = 'ok' and v.value is not null and (not ? or not v.is_fictional)
        order by v.year""", [sorted({c for c, _ in territories}), [c for c, _ in territories],
                             [lv for _, lv in territories],
                             list(indicator_ids), real_only]).fetchall()
    out: dict[tuple[str, str, str], dict[int, tuple[float, str | None]]] = {}
    for code, level, indicator, y, v, label, origin, ref, fictional, doc, producer, file_title, vintage in rows:
        out.setdefault((code, level, indicator), {})[int(y)] = (
            float(v), credit(label, origin, source_ref=ref, is_fictional=bool(fictional),
                             document_title=doc, document_producer=producer,
                             file_title=file_title, file_vintage=vintage))
    return out


def gap_series(con, qpv_code: str, indicator_id: str) -> pd.DataFrame:
    """The QPV's gap to each of its communes and its EPCI, for every year both have a value.

    One row per comparator × year (comparators in the order commune(s), EPCI; years ascending),
    with the credit of each value (indicators.sources.credit: never INSEE for fictional data).
    Empty when the indicator is a count, or when nothing can be compared.
    """
    return gap_series_many(con, qpv_code, [indicator_id])[indicator_id]


def gap_series_many(con, qpv_code: str, indicator_ids: list[str]) -> dict[str, pd.DataFrame]:
    """`gap_series` of each indicator (a portrait has about fifteen), with a handful of queries
    for all of them."""
    units = dict(con.execute("select indicator_id, unit from indicator_catalog"
                             " where list_contains(?::varchar[], indicator_id)",
                             [list(indicator_ids)]).fetchall())
    kinds = {i: gap_kind(i, units.get(i)) for i in indicator_ids}
    qpv = get_territory(con, qpv_code, "qpv")
    # Copies of one empty frame (issue #15: a frame built empty cost 0,5 ms, a copy 0,02 ms; a
    # France portrait has about 120 indicators, most without two years of gaps).
    empty = pd.DataFrame(columns=SERIES_COLUMNS)
    out = {i: empty.copy() for i in indicator_ids}
    wanted = [i for i in indicator_ids if kinds[i] is not None]
    if qpv is None or not wanted:
        return out
    comparators = [(level, comp) for level in COMPARATOR_LEVELS
                   for comp in parents(con, qpv_code, "qpv", level)]
    values = _values(con, [(qpv_code, "qpv")] + [(comp.code, level) for level, comp in comparators],
                     wanted, not qpv.is_fictional)
    for indicator_id in wanted:
        kind = kinds[indicator_id]
        own = values.get((qpv_code, "qpv", indicator_id), {})
        records = []
        for level, comp in comparators:
            theirs = values.get((comp.code, level, indicator_id), {})
            for year in sorted(set(own) & set(theirs)):
                (mine, my_source), (other, other_source) = own[year], theirs[year]
                gap = compute_gap(mine, "ok", other, "ok", kind)
                records.append({"year": year, "qpv_value": mine, "comparator_code": comp.code,
                                "comparator_level": level, "comparator_name": comp.name,
                                "comparator_value": other, "gap": gap, "gap_kind": kind,
                                "distance": distance(gap, kind), "qpv_source": my_source,
                                "comparator_source": other_source})
        if records:
            out[indicator_id] = pd.DataFrame.from_records(records, columns=SERIES_COLUMNS)
    return out


def gap_change_table(con, contract_slug: str, indicator_id: str) -> pd.DataFrame:
    """For each QPV of the contract and each comparator with at least two years of gaps: the
    first and last years, the QPV's last value (its level), the gaps and distances to parity at
    both ends and their change (negative: the gap narrowed), and the sources of the values
    compared (« ; »-separated, once each). Ordered by QPV code, then comparator (commune(s),
    EPCI)."""
    return gap_change_tables(con, contract_slug, [indicator_id])[indicator_id]


def gap_change_tables(con, contract_slug: str, indicator_ids: list[str]) -> dict[str, pd.DataFrame]:
    """`gap_change_table` of each indicator, with one `gap_series_many` per QPV for all of them
    (the annual review's five indicators read each QPV's series once, not once per indicator)."""
    records: dict[str, list[dict]] = {i: [] for i in indicator_ids}
    qpvs = contract_qpvs(con, contract_slug)
    for qpv_code, qpv_name in zip(qpvs["qpv_code"], qpvs["qpv_name"]):
        many = gap_series_many(con, qpv_code, list(indicator_ids))
        for indicator_id in indicator_ids:
            records[indicator_id] += _change_records(qpv_code, qpv_name, many[indicator_id])
    out = {}
    for indicator_id, rows in records.items():
        rows.sort(key=lambda r: r["qpv_code"])     # stable: comparators keep their order
        out[indicator_id] = pd.DataFrame.from_records(rows, columns=CHANGE_COLUMNS)
    return out


def _change_records(qpv_code: str, qpv_name: str, series: pd.DataFrame) -> list[dict]:
    """The change rows of one QPV's gap series (one per comparator with two years of gaps)."""
    records = []
    for (code, level, name), part in series.groupby(
            ["comparator_code", "comparator_level", "comparator_name"], sort=False):
        part = part[part["gap"].notna()]
        if len(part) < 2:
            continue
        first, last = part.iloc[0], part.iloc[-1]
        records.append({
            "qpv_code": qpv_code, "qpv_name": qpv_name, "comparator_code": code,
            "comparator_level": level, "comparator_name": name, "gap_kind": last["gap_kind"],
            "first_year": int(first["year"]), "last_year": int(last["year"]),
            "qpv_value_last": float(last["qpv_value"]), "gap_first": float(first["gap"]),
            "gap_last": float(last["gap"]), "distance_first": float(first["distance"]),
            "distance_last": float(last["distance"]),
            "distance_change": round(float(last["distance"]) - float(first["distance"]), 6),
            "sources": " ; ".join(dict.fromkeys(
                str(x) for x in [*part["qpv_source"], *part["comparator_source"]]
                if x is not None and not pd.isna(x)))})
    return records
