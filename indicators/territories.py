"""Territory look-ups the pages need: contracts, the QPVs of a contract, a QPV's communes and parents.

Every function takes a DuckDB connection (or cursor) and plain parameters, runs parameterised
SQL on the published schema (etl/schema.sql) and returns plain Python objects or DataFrames.
Codes are text; a QPV can span several communes (territory_links is many-to-many).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# The geography of a QPV code from its shape: the one rule the build checks codes against
# (QP… → 2015, QN97… → 2025, QN… → 2024, anything else → None).
from etl.checks import qpv_vintage as qpv_code_vintage
from indicators.fmt import fold


@dataclass(frozen=True)
class TerritoryRef:
    """A territory as shown beside a figure: code, level, name."""
    code: str
    level: str
    name: str
    geography_vintage: int | None = None
    population: int | None = None
    population_year: int | None = None
    is_fictional: bool = False


@dataclass(frozen=True)
class Contract:
    slug: str
    name: str
    epci_code: str | None
    period_label: str | None
    start_year: int | None
    end_year: int | None
    is_fictional: bool


def _rows(con, sql: str, params=()) -> list[tuple]:
    return con.execute(sql, list(params)).fetchall()


def list_contracts(con) -> list[Contract]:
    """Every contract loaded, ordered with the demo last and the others by name."""
    rows = _rows(con, """
        select contract_slug, contract_name, epci_code, period_label, start_year, end_year,
               is_fictional
        from contracts
        order by is_fictional, contract_name, contract_slug""")
    seen: set[str] = set()
    out = []
    for r in rows:
        if r[0] in seen:
            continue
        seen.add(r[0])
        out.append(Contract(*r[:6], bool(r[6])))
    return out


def get_contract(con, contract_slug: str) -> Contract | None:
    """One contract, or None when the slug is unknown."""
    for c in list_contracts(con):
        if c.slug == contract_slug:
            return c
    return None


def get_territory(con, code: str, level: str | None = None) -> TerritoryRef | None:
    """A territory by code (and level when given; otherwise the first level found, QPV first)."""
    rows = _rows(con, """
        select territory_code, territory_level, territory_name, geography_vintage, population,
               population_year, is_fictional
        from territories
        where territory_code = ? and (? is null or territory_level = ?)
        order by case territory_level when 'qpv' then 0 else 1 end, territory_level
        limit 1""", (code, level, level))
    if not rows:
        return None
    r = rows[0]
    return TerritoryRef(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6]))


def territory_name(con, code: str, level: str | None = None) -> str:
    """The name of a territory, or its code when the territory is unknown."""
    t = get_territory(con, code, level)
    return t.name if t else code


def parents(con, code: str, level: str, parent_level: str) -> list[TerritoryRef]:
    """The parents of a territory at one level, directly linked or through intermediate links.

    A QPV's département may be linked to the QPV itself or only to its communes; both are found
    (links are followed upwards up to 4 steps). Ordered by code.
    """
    rows = _rows(con, """
        with recursive up(code, lvl, depth) as (
            select ?::varchar, ?::varchar, 0
            union
            select l.parent_code, l.parent_level, up.depth + 1
            from territory_links l join up on l.child_code = up.code and l.child_level = up.lvl
            where up.depth < 4
        )
        select distinct up.code, up.lvl, coalesce(t.territory_name, up.code), t.geography_vintage,
               t.population, t.population_year, coalesce(t.is_fictional, false)
        from up
        left join territories t on t.territory_code = up.code and t.territory_level = up.lvl
        where up.lvl = ? and up.depth > 0
        order by 1""", (code, level, parent_level))
    return [TerritoryRef(r[0], r[1], r[2], r[3], r[4], r[5], bool(r[6])) for r in rows]


def qpv_communes(con, qpv_code: str) -> list[TerritoryRef]:
    """The commune(s) a QPV lies in (several when it spans several), ordered by code."""
    return parents(con, qpv_code, "qpv", "commune")


def qpv_contracts(con, qpv_code: str) -> list[Contract]:
    """The contract(s) a QPV belongs to (contract_territories), ordered by name."""
    slugs = {r[0] for r in _rows(con, """
        select distinct contract_slug from contract_territories
        where territory_code = ? and territory_level = 'qpv'""", (qpv_code,))}
    return [c for c in list_contracts(con) if c.slug in slugs]


def contract_qpvs(con, contract_slug: str | None = None, vintage: int | None = None) -> pd.DataFrame:
    """The QPVs of a contract (all QPVs loaded when contract_slug is None), one row per QPV.

    Columns: qpv_code, qpv_name, geography_vintage, population, population_year,
    commune_codes (list), commune_names (list), commune_label (names joined by " / "),
    contract_slugs (list), note (contract_territories.note), is_fictional.
    Ordered by name (case- and accent-insensitive) then code. Optional filter on the geography vintage (2015 / 2024).
    """
    rows = _rows(con, """
        with q as (
            select t.territory_code, t.territory_name, t.geography_vintage, t.population,
                   t.population_year, t.is_fictional
            from territories t
            where t.territory_level = 'qpv'
              and (?::varchar is null or exists (
                    select 1 from contract_territories ct
                    where ct.contract_slug = ? and ct.territory_code = t.territory_code
                      and ct.territory_level = 'qpv'))
              and (?::integer is null or t.geography_vintage = ?)
        )
        select q.territory_code, any_value(q.territory_name), any_value(q.geography_vintage),
               any_value(q.population), any_value(q.population_year),
               list(distinct l.parent_code order by l.parent_code)
                   filter (where l.parent_code is not null),
               list(distinct ct.contract_slug order by ct.contract_slug)
                   filter (where ct.contract_slug is not null),
               string_agg(distinct ct.note, ' ; ') filter (where ct.note is not null
                                                              and (?::varchar is null or ct.contract_slug = ?)),
               bool_or(q.is_fictional)
        from q
        left join territory_links l on l.child_code = q.territory_code and l.child_level = 'qpv'
                                   and l.parent_level = 'commune'
        left join contract_territories ct on ct.territory_code = q.territory_code
                                         and ct.territory_level = 'qpv'
        group by q.territory_code
        order by 2, 1""", (contract_slug, contract_slug, vintage, vintage, contract_slug, contract_slug))
    names = {r[0]: r[1] for r in _rows(con, """
        select territory_code, any_value(territory_name) from territories
        where territory_level = 'commune' group by territory_code""")}
    records = []
    for r in rows:
        communes = list(r[5] or [])
        commune_names = [names.get(c, c) for c in communes]
        records.append({
            "qpv_code": r[0], "qpv_name": r[1], "geography_vintage": r[2],
            "population": r[3], "population_year": r[4],
            "commune_codes": communes, "commune_names": commune_names,
            "commune_label": " / ".join(commune_names),
            "contract_slugs": list(r[6] or []), "note": r[7], "is_fictional": bool(r[8]),
        })
    columns = ["qpv_code", "qpv_name", "geography_vintage", "population", "population_year",
               "commune_codes", "commune_names", "commune_label", "contract_slugs", "note",
               "is_fictional"]
    df = pd.DataFrame.from_records(records, columns=columns)
    for c in ("geography_vintage", "population", "population_year"):
        df[c] = df[c].astype("Int64")
    order = sorted(range(len(df)), key=lambda i: (fold(df.at[i, "qpv_name"]), df.at[i, "qpv_code"]))
    return df.iloc[order].reset_index(drop=True)


def contract_territories(con, contract_slug: str, level: str | None = None) -> pd.DataFrame:
    """Every territory a contract covers (QPVs, watch-list areas, poverty pockets, communes).

    Columns: territory_code, territory_level, territory_name, geography_vintage, population,
    population_year, note. Ordered by level (qpv, quartier_veille, poche_pauvrete, commune, other),
    then name.
    """
    rows = _rows(con, """
        select ct.territory_code, ct.territory_level, coalesce(any_value(t.territory_name), ct.territory_code),
               any_value(t.geography_vintage), any_value(t.population), any_value(t.population_year),
               string_agg(distinct ct.note, ' ; ')
        from contract_territories ct
        left join territories t on t.territory_code = ct.territory_code
                               and t.territory_level = ct.territory_level
        where ct.contract_slug = ? and (?::varchar is null or ct.territory_level = ?)
        group by ct.territory_code, ct.territory_level
        order by case ct.territory_level when 'qpv' then 0 when 'quartier_veille' then 1
                 when 'poche_pauvrete' then 2 when 'commune' then 3 else 4 end, 3, 1""",
                 (contract_slug, level, level))
    df = pd.DataFrame(rows, columns=["territory_code", "territory_level", "territory_name",
                                     "geography_vintage", "population", "population_year", "note"])
    for c in ("geography_vintage", "population", "population_year"):
        df[c] = df[c].astype("Int64")
    return df


def contract_communes(con, contract_slug: str) -> list[TerritoryRef]:
    """The communes of a contract: those it lists and those its QPVs lie in, ordered by name."""
    rows = _rows(con, """
        with c as (
            select territory_code as code from contract_territories
            where contract_slug = ? and territory_level = 'commune'
            union
            select l.parent_code from contract_territories ct
            join territory_links l on l.child_code = ct.territory_code and l.child_level = 'qpv'
                                  and l.parent_level = 'commune'
            where ct.contract_slug = ? and ct.territory_level = 'qpv'
        )
        select c.code, coalesce(any_value(t.territory_name), c.code), any_value(t.geography_vintage),
               any_value(t.population), any_value(t.population_year),
               coalesce(bool_or(t.is_fictional), false)
        from c left join territories t on t.territory_code = c.code and t.territory_level = 'commune'
        group by c.code order by 2, 1""", (contract_slug, contract_slug))
    return [TerritoryRef(r[0], "commune", r[1], r[2], r[3], r[4], bool(r[5])) for r in rows]


def find_qpvs(con, text: str, contract_slug: str | None = None, limit: int = 20) -> pd.DataFrame:
    """QPVs whose code or name contains the text (case- and accent-insensitive)."""
    df = contract_qpvs(con, contract_slug)
    if not text:
        return df.head(limit)
    needle = fold(text)
    mask = df["qpv_code"].map(fold).str.contains(needle, regex=False) | \
        df["qpv_name"].map(fold).str.contains(needle, regex=False)
    return df[mask].head(limit).reset_index(drop=True)




def qpv_exists(con, qpv_code: str) -> bool:
    """True when the code is a QPV of the database (for deep links: a wrong code gets a message)."""
    return bool(_rows(con, "select 1 from territories where territory_code = ? and territory_level = 'qpv'",
                      (qpv_code,)))


def default_qpv(con, contract_slug: str) -> str | None:
    """The first QPV of a contract (by name), for a page opened without a QPV; None when it has none."""
    df = contract_qpvs(con, contract_slug)
    return None if df.empty else str(df.iloc[0]["qpv_code"])
