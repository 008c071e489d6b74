"""Cached, read-only access to the published database for the pages.

One read-only DuckDB connection per database file version (`st.cache_resource`); every query
takes its own cursor (a DuckDB connection is not shared across threads). Data functions are
`st.cache_data`, keyed by `view_key()` (the database file's modification time, `db_version()`,
and whether the session sees internal figures: ui/auth.py), so a rebuilt
database (the ETL publishes with an atomic rename) is picked up on the next rerun without a
restart and without a TTL.

Pages never write SQL: they call the functions below, which call the tested functions of
`indicators/` or, for plain listings of a table (sources, builds), one parameterised query.
"""
from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

import config
from etl.db import SNAPSHOT_CATALOG, open_snapshot, snapshot_cursor
from indicators import beneficiaries, compare, financing, housing, kpi, pockets, portrait, territories, visibility
from reports import tables as reports_tables
from ui import auth


class NoDatabase(Exception):
    """The published database file does not exist (yet)."""


def db_path() -> Path:
    return Path(config.DB_PATH)


def db_version() -> int | None:
    """The database file's identity (inode, device, modification time in ns, size) as one int,
    or None when there is no database. The inode matters: a copy published by rename that keeps
    its source's time (`cp -p`, `rsync -a`, deploy/publish.py onto a replica) is a new file."""
    try:
        stat = db_path().stat()
    except FileNotFoundError:
        return None
    return hash((stat.st_ino, stat.st_dev, stat.st_mtime_ns, stat.st_size))


class BrokenDatabase(Exception):
    """The published database file exists but cannot be read (empty, truncated, damaged, or
    not a DuckDB file)."""


def _problem_text(exc: Exception, path: Path) -> str:
    """What is wrong with an unreadable database file, in French (DuckDB's text is English)."""
    text = str(exc)
    try:
        size = path.stat().st_size
    except OSError:
        size = None
    if size == 0:
        return "le fichier est vide (0 octet)"
    if "not a valid DuckDB database file" in text:
        return "le fichier n'est pas une base DuckDB valide (début du fichier endommagé ou autre format)"
    if "Could not read enough bytes" in text or "truncated" in text.lower():
        return "le fichier est tronqué (il manque une partie de la base)"
    if "checksum" in text.lower() or "corrupt" in text.lower():
        return "le fichier est endommagé (un bloc de données ne correspond plus à sa somme de contrôle)"
    return "le fichier ne peut pas être lu par DuckDB"


@st.cache_data(show_spinner=False, max_entries=4)
def _db_problem(path: str, version: int) -> str | None:
    # Every table is read whole (a hash of every column), so a damaged block anywhere is found
    # once per database version (about 0,1 s on the demo database), not on some later click.
    try:
        con = open_snapshot(path)
        try:
            tables = [r[0] for r in con.execute(
                "select table_name from duckdb_tables() where database_name = ?",
                [SNAPSHOT_CATALOG]).fetchall()]
            if "contracts" not in tables:
                return "le fichier ne contient pas les tables du tableau de bord"
            for table in tables:
                con.execute(f'select max(hash(columns(*))) from "{table}"').fetchall()
        finally:
            con.close()
    except (duckdb.Error, OSError, RuntimeError) as exc:
        return _problem_text(exc, Path(path))
    return None


def db_problem() -> str | None:
    """Why the published database cannot be read (French), or None (readable, or no file yet)."""
    version = db_version()
    return None if version is None else _db_problem(str(db_path()), version)


@st.cache_resource(show_spinner=False, max_entries=2)
def _connection(path: str, version: int) -> duckdb.DuckDBPyConnection:
    # `version` is only a cache key: a new file (atomic rename by the ETL) gets a new connection.
    # open_snapshot, not duckdb.connect: DuckDB keeps one instance per path in a process, so a
    # plain connect after a rebuild would return the instance still open on the old file.
    return open_snapshot(path)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor on the published database, showing internal figures to editors only."""
    version = db_version()
    if version is None:
        raise NoDatabase(str(db_path()))
    problem = _db_problem(str(db_path()), version)
    if problem:
        raise BrokenDatabase(problem)
    return visibility.with_internal(snapshot_cursor(_connection(str(db_path()), version)),
                                    auth.sees_internal())


def view_key() -> tuple[int | None, bool]:
    """The cache key of what this session sees: the database version and whether internal
    figures are shown (an editor's cached results never reach an anonymous visitor)."""
    return db_version(), auth.sees_internal()


def _df(sql: str, params: list | None = None) -> pd.DataFrame:
    cur = cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


@st.cache_data(show_spinner=False)
def _internal_rows(version: tuple) -> int:
    return int(_df(" union all ".join(f"select count(*) as n from {t} where is_internal" for t in
                                      ("indicator_facts", "programme_actions", "programme_funding",
                                       "kpi_values", "review_figures", "review_tfpb")))["n"].sum())


def internal_rows() -> int:
    """How many internal rows (indicators.visibility) this session sees: 0 for a visitor."""
    return _internal_rows(view_key())


# ── People reached (per-person programme rows, masked under 5) ───────────────────────────────

@st.cache_data(show_spinner=False)
def _beneficiary_years(slug: str, version: int) -> list[int]:
    return [int(y) for y in _df("select distinct year from programme_beneficiaries"
                                " where contract_slug = ? order by year desc", [slug])["year"]]


def beneficiary_years(slug: str) -> list[int]:
    """Years with per-person rows for a contract, latest first (empty: no such rows)."""
    return _beneficiary_years(slug, view_key())


@st.cache_data(show_spinner=False)
def _beneficiary_counts(slug: str, by: str, year: int | None, version: int) -> pd.DataFrame:
    return beneficiaries.beneficiary_counts(cursor(), slug, by, year=year)


def beneficiary_counts(slug: str, by: str, year: int | None = None) -> pd.DataFrame:
    """indicators.beneficiaries.beneficiary_counts: sums of the protected finest cells (counts
    under 5 masked at action × year × QPV × sex × age band, never added in)."""
    return _beneficiary_counts(slug, by, year, view_key())


@st.cache_data(show_spinner=False)
def _beneficiary_qpv_share(slug: str, version: int) -> pd.DataFrame:
    return beneficiaries.qpv_share(cursor(), slug)


def beneficiary_qpv_share(slug: str) -> pd.DataFrame:
    """indicators.beneficiaries.qpv_share: per action and year, the share living in a QPV."""
    return _beneficiary_qpv_share(slug, view_key())


# ── Contracts and QPVs ───────────────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _contracts(version: int) -> pd.DataFrame:
    rows = [dataclasses.asdict(c) for c in territories.list_contracts(cursor())]
    df = pd.DataFrame(rows, columns=["slug", "name", "epci_code", "period_label", "start_year",
                                     "end_year", "is_fictional"])
    return df.rename(columns={"slug": "contract_slug", "name": "contract_name"})


@functools.lru_cache(maxsize=16)
def _contracts_memo(version: tuple) -> pd.DataFrame:
    # In front of st.cache_data, which unpickles a copy of the frame at each call (issue #15:
    # about 3 ms, two to four times a run).
    return _contracts(version)


def contracts() -> pd.DataFrame:
    """One row per contract: contract_slug, contract_name, epci_code, period_label, start_year,
    end_year, is_fictional. Shared by every session and rerun: read it only."""
    return _contracts_memo(view_key())


@st.cache_data(show_spinner=False)
def _contract_qpvs(slug: str, version: int) -> pd.DataFrame:
    return territories.contract_qpvs(cursor(), slug)


@functools.lru_cache(maxsize=64)
def _contract_qpvs_memo(slug: str, version: tuple) -> pd.DataFrame:
    # In front of st.cache_data, as _contracts_memo (a portrait run asked for it twice).
    return _contract_qpvs(slug, version)


def contract_qpvs(slug: str) -> pd.DataFrame:
    """The QPVs of a contract (indicators.territories.contract_qpvs: qpv_code, qpv_name,
    geography_vintage, population, commune_label, note, …). Shared by every session and rerun:
    read it only."""
    return _contract_qpvs_memo(slug, view_key())


@st.cache_data(show_spinner=False)
def _qpv_contracts(qpv_code: str, version: int) -> list[str]:
    return [c.slug for c in territories.qpv_contracts(cursor(), qpv_code)]


def qpv_contracts(qpv_code: str) -> list[str]:
    """The contract slugs that cover a QPV (empty when the code is unknown)."""
    return _qpv_contracts(qpv_code, view_key())


# ── Indicators and provenance (Données et méthode) ───────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _indicator_catalog(version: int) -> pd.DataFrame:
    return _df(
        "select indicator_id, label, unit, theme, definition, aggregation, higher_is_better,"
        " source_label, is_registered from indicator_catalog"
        " order by is_registered desc, theme, label")


def indicator_catalog() -> pd.DataFrame:
    return _indicator_catalog(view_key())


@st.cache_data(show_spinner=False)
def _indicator_ids_with_values(version: int) -> list[str]:
    rows = cursor().execute(
        "select distinct indicator_id from indicator_facts order by indicator_id").fetchall()
    return [r[0] for r in rows]


def indicator_ids_with_values() -> list[str]:
    return _indicator_ids_with_values(view_key())


@st.cache_data(show_spinner=False)
def _sources(version: int) -> pd.DataFrame:
    return _df(
        "select producer, title, vintage, licence, url, file_name, kind, sha256, rows_read,"
        " loaded_at, is_fictional from sources order by producer nulls last, title, file_name")


def sources() -> pd.DataFrame:
    """Every loaded file (one row per `sources` row)."""
    return _sources(view_key())


@st.cache_data(show_spinner=False)
def _last_build(version: int) -> tuple[dict | None, pd.DataFrame, pd.DataFrame]:
    builds = _df("select * from builds order by started_at desc limit 1")
    if builds.empty:
        return None, pd.DataFrame(), pd.DataFrame()
    build = builds.iloc[0].to_dict()
    files = _df("select file_name, kind, outcome, rows_read, message from build_files"
                " where build_id = ? order by file_name", [build["build_id"]])
    messages = _df("select level, file_name, line, column_name, message from build_messages"
                   " where build_id = ? order by level, file_name, line", [build["build_id"]])
    return build, files, messages


def last_build() -> tuple[dict | None, pd.DataFrame, pd.DataFrame]:
    """The last build (a dict of the `builds` row, or None), its files and its messages."""
    return _last_build(view_key())


# ── Portrait ─────────────────────────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _portrait(qpv_code: str, year: int | None, version: int) -> portrait.Portrait | None:
    try:
        return portrait.build_portrait(cursor(), qpv_code, year)
    except portrait.UnknownQpv:
        return None


@st.cache_data(show_spinner=False)
def _gap_series(qpv_code: str, indicator_id: str, version: int) -> pd.DataFrame:
    from indicators import gaps
    return gaps.gap_series(cursor(), qpv_code, indicator_id)


def gap_series(qpv_code: str, indicator_id: str) -> pd.DataFrame:
    """indicators.gaps.gap_series (cached until the database is rebuilt)."""
    return _gap_series(qpv_code, indicator_id, view_key())


@st.cache_data(show_spinner=False)
def _gap_series_many(qpv_code: str, indicator_ids: tuple[str, ...], version: tuple) -> dict[str, pd.DataFrame]:
    from indicators import gaps
    cur = cursor()
    try:
        return gaps.gap_series_many(cur, qpv_code, list(indicator_ids))
    finally:
        cur.close()


@functools.lru_cache(maxsize=512)
def _gap_series_memo(qpv_code: str, indicator_ids: tuple[str, ...], view: tuple) -> dict[str, pd.DataFrame]:
    # In front of st.cache_data, which unpickles a copy of every frame at each call (issue #15).
    return _gap_series_many(qpv_code, indicator_ids, view)


def gap_series_many(qpv_code: str, indicator_ids) -> dict[str, pd.DataFrame]:
    """indicators.gaps.gap_series_many: indicator id → its gap series, for a portrait's
    indicators at once. The frames are shared by every session and rerun: read them only."""
    return _gap_series_memo(qpv_code, tuple(dict.fromkeys(indicator_ids)), view_key())


@st.cache_data(show_spinner=False)
def _gap_change_table(slug: str, indicator_id: str, version: int) -> pd.DataFrame:
    from indicators import gaps
    return gaps.gap_change_table(cursor(), slug, indicator_id)


def gap_change_table(slug: str, indicator_id: str) -> pd.DataFrame:
    """indicators.gaps.gap_change_table (cached until the database is rebuilt)."""
    return _gap_change_table(slug, indicator_id, view_key())


def qpv_portrait(qpv_code: str, year: int | None = None) -> portrait.Portrait | None:
    """indicators.portrait.build_portrait, or None when the code is not a QPV of the database."""
    return _portrait(qpv_code, year, view_key())


@st.cache_data(show_spinner=False)
def _qualitative(contract_slug: str, territory_code: str | None, version: int) -> portrait.Qualitative:
    return portrait.qualitative(cursor(), contract_slug, territory_code)


def qualitative(contract_slug: str, territory_code: str | None) -> portrait.Qualitative:
    return _qualitative(contract_slug, territory_code, view_key())


@st.cache_data(show_spinner=False)
def _review(contract_slug: str, territory_code: str | None, version: int) -> portrait.Review:
    return portrait.review(cursor(), contract_slug, territory_code)


def review(contract_slug: str, territory_code: str | None) -> portrait.Review:
    return _review(contract_slug, territory_code, view_key())


# ── Map geometries ───────────────────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _contract_geometries(slug: str, version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    qpv_codes = list(territories.contract_qpvs(cursor(), slug)["qpv_code"])
    commune_codes = [c.code for c in territories.contract_communes(cursor(), slug)]
    sql = """
        select g.territory_code as code, coalesce(t.territory_name, g.territory_code) as name,
               g.geom_simplified_geojson as geojson, g.centroid_lon, g.centroid_lat
        from territory_geometries g
        left join territories t on t.territory_code = g.territory_code
                               and t.territory_level = g.territory_level
        where g.territory_level = ? and list_contains(?, g.territory_code)
        order by g.territory_code"""
    return _df(sql, ["qpv", qpv_codes]), _df(sql, ["commune", commune_codes])


def contract_geometries(slug: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(QPV contours, commune contours) of a contract: code, name, geojson (simplified, WGS84),
    centroid_lon, centroid_lat. Empty frames when the database holds no contour."""
    return _contract_geometries(slug, view_key())


@st.cache_data(show_spinner=False)
def _review_territories(slug: str, version: int) -> pd.DataFrame:
    return _df("""
        select q.territory_code, coalesce(any_value(t.territory_name), q.territory_code,
                                          'Ensemble du contrat') as territory_name
        from qualitative_items q
        left join territories t on t.territory_code = q.territory_code
        where q.contract_slug = ? and q.item_type like 'review_%'
        group by q.territory_code order by min(q.rowid)""", [slug])


def review_territories(slug: str) -> pd.DataFrame:
    """The neighbourhoods of a contract that have a "besoin / fait / changé" review
    (territory_code NULL: the whole contract), in file order."""
    return _review_territories(slug, view_key())


# ── Comparing and mapping QPVs ───────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _map_data(slug: str, indicator_id: str, method: str, version: int) -> compare.MapData:
    from ui import maps
    return maps.for_display(compare.map_values(cursor(), slug, indicator_id, method=method))


def map_data(slug: str, indicator_id: str, method: str = "quantile") -> compare.MapData:
    """indicators.compare.map_values for a contract and an indicator (latest common year), its
    contours within the map's budget (ui.maps.for_display)."""
    return _map_data(slug, indicator_id, method, view_key())


@st.cache_data(show_spinner=False)
def _compare_frame(slug: str, indicator_ids: tuple[str, ...], version: int) -> pd.DataFrame:
    return compare.compare_qpvs(cursor(), slug, list(indicator_ids))


def compare_frame(slug: str, indicator_ids: list[str]) -> pd.DataFrame:
    """indicators.compare.compare_qpvs (QPV × indicators at a common year per indicator)."""
    return _compare_frame(slug, tuple(indicator_ids), view_key())


def indicator_choices() -> list[str]:
    """Indicator ids that have values in the database: registry order first, then the others."""
    with_values = set(indicator_ids_with_values())
    ordered = compare.theme_indicator_ids(None, with_values)
    return ordered + sorted(with_values - set(ordered))


def indicator_label(indicator_id: str) -> str:
    catalog = indicator_catalog()
    row = catalog.loc[catalog["indicator_id"] == indicator_id]
    return indicator_id if row.empty else str(row.iloc[0]["label"])


# ── Mandate KPIs and financing ───────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _kpi_tiles(slug: str, territory_code: str | None, version: int) -> list:
    return kpi.kpi_tiles(cursor(), slug, territory_code)


def kpi_tiles(slug: str, territory_code: str | None = None) -> list:
    """indicators.kpi.kpi_tiles (the contract's when territory_code is None)."""
    return _kpi_tiles(slug, territory_code, view_key())


@st.cache_data(show_spinner=False)
def _headlines(slug: str, version: int):
    return kpi.headline_figures(cursor(), slug)


def headlines(slug: str):
    """indicators.kpi.headline_figures: the key figures of the contract's home page."""
    return _headlines(slug, view_key())


@st.cache_data(show_spinner=False)
def _financing(slug: str, version: int) -> dict:
    cur = cursor()
    return {
        "by_year_funder": financing.totals_by_year_funder(cur, slug),
        "by_year": financing.totals_by_year(cur, slug),
        "by_funder": financing.totals_by_funder(cur, slug),
        "leverage": financing.leverage(cur, slug),
        "projects": financing.projects_by_year(cur, slug),
        "cpo": financing.multiyear_agreement_share(cur, slug),
        "pockets": financing.poverty_pocket_share(cur, slug),
        "by_theme": financing.amounts_by_theme(cur, slug),
        "by_territory": financing.amounts_by_territory(cur, slug),
        "actions": financing.actions_table(cur, slug),
        "documents": financing.funding_documents(cur, slug),
        "action_documents": financing.action_documents(cur, slug),
        "unattached_eur": financing.unattached_funding(cur, slug),
    }


def financing_summary(slug: str) -> dict:
    """Every financing figure of a contract (indicators.financing), keyed by name."""
    return _financing(slug, view_key())


@st.cache_data(show_spinner=False)
def _actions(slug: str, filters: tuple, version: int) -> pd.DataFrame:
    return financing.actions_table(cursor(), slug, **dict(filters))


def actions(slug: str, **filters) -> pd.DataFrame:
    """indicators.financing.actions_table with the page's filters (year, funder, theme,
    territory_code, operator, search)."""
    return _actions(slug, tuple(sorted(filters.items())), view_key())


@st.cache_data(show_spinner=False)
def _territory_label(code: str, version: int) -> str:
    return f"{territories.territory_name(cursor(), code)} ({code})"


def territory_label(code: str) -> str:
    """"Aubépins (QN07101I)" (the code alone when the territory is unknown)."""
    return _territory_label(code, view_key())


# ── Housing attributions ─────────────────────────────────────────────────────────────────────

@st.cache_data(show_spinner=False)
def _housing(slug: str, version: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    cur = cursor()
    return (housing.results_frame(housing.attribution_results(cur, slug)),
            housing.objectives_frame(cur, slug))


def housing_results(slug: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(CIA results: published then computed, CIA objectives) — indicators.housing."""
    return _housing(slug, view_key())


@st.cache_data(show_spinner=False)
def _contract_indicator_choices(slug: str, vintage, version) -> list[str]:
    return compare.indicators_with_values(cursor(), slug, indicator_choices(), vintage)


def contract_indicator_choices(slug: str, vintage: int | None | str = None) -> list[str]:
    """indicator_choices() restricted to the indicators a page can show with at least one value
    for the contract's QPVs of geography ``vintage`` (None: all; "latest": the map's) at the year
    it would show (indicators.compare.indicators_with_values). Empty when none has a value: the
    page then says so, it never offers indicators to show a table of « non disponible »."""
    return _contract_indicator_choices(slug, vintage, view_key())


# ── Sources of what a table or a chart shows (for exports) ───────────────────────────────────

@st.cache_data(show_spinner=False)
def _fact_sources(keys: tuple[tuple[str, str, int], ...], version: int) -> list[dict]:
    if not keys:
        return []
    codes, indicators, years = (list(x) for x in zip(*keys))
    rows = cursor().execute("""
        select distinct f.source_id from indicator_facts f
        join (select unnest(?) as territory_code, unnest(?) as indicator_id,
                     unnest(?::integer[]) as year) k
          on k.territory_code = f.territory_code and k.indicator_id = f.indicator_id
         and k.year = f.year""", [codes, indicators, [int(y) for y in years]]).fetchall()
    return reports_tables.sources_from_db(cursor(), source_ids=[r[0] for r in rows])


@st.cache_data(show_spinner=False)
def _value_credits(keys: tuple[tuple[str, str, int], ...], version: int) -> list[str]:
    from indicators.sources import value_credits
    return value_credits(cursor(), keys)


@functools.lru_cache(maxsize=4096)
def _value_credits_memo(keys: tuple[tuple[str, str, int], ...], view: tuple) -> tuple[str, ...]:
    # In front of st.cache_data: a portrait asks about 140 times per run, and Streamlit's own
    # hashing of the keys cost more than the answer (issue #15). Same key: the view (database
    # version and what the session sees), so a new database or an editor never reads stale credits.
    return tuple(_value_credits(keys, view))


def value_credits(keys, *, short: bool = False) -> list[str]:
    """indicators.sources.value_credits: who to credit for the values (territory_code,
    indicator_id, year) a chart or a map shows, once each, in order. `short`: as the short line
    under a figure names them (document, section — producer, year: `value_credits_many`)."""
    if short:
        keys = list(keys)
        return value_credits_many([keys], short=True).get(credit_key(keys), [])
    clean = tuple((str(c), str(i), int(y)) for c, i, y in keys
                  if c is not None and i is not None and y is not None and not pd.isna(y))
    return list(_value_credits_memo(tuple(dict.fromkeys(clean)), view_key()))


@st.cache_data(show_spinner=False)
def _value_credits_many(groups: tuple[tuple[tuple[str, str, int], ...], ...], version: tuple,
                        short: bool = False) -> list[tuple[str, ...]]:
    from indicators.sources import value_credits_many
    cur = cursor()
    try:
        return [tuple(credits) for credits in value_credits_many(cur, groups, short=short)]
    finally:
        cur.close()


@functools.lru_cache(maxsize=1024)
def _value_credits_many_memo(groups: tuple, view: tuple, short: bool = False) -> tuple[tuple[str, ...], ...]:
    return tuple(_value_credits_many(groups, view, short))


def value_credits_many(groups, *, short: bool = False) -> dict[tuple, list[str]]:
    """`value_credits` of each group of keys, from one query (a portrait's cards and charts):
    {the group's keys as a tuple (as `value_credits` cleans them): its credits}. `short`: as the
    short line under a figure names them (indicators.sources.reader_credit)."""
    clean = tuple(dict.fromkeys(credit_key(keys) for keys in groups))
    return {keys: list(credits)
            for keys, credits in zip(clean, _value_credits_many_memo(clean, view_key(), short))}


def credit_key(keys) -> tuple:
    """The key of a group of (territory_code, indicator_id, year) in `value_credits_many`'s answer."""
    return tuple(dict.fromkeys((str(c), str(i), int(y)) for c, i, y in keys
                               if c is not None and i is not None and y is not None and not pd.isna(y)))


def fact_sources(keys) -> list[dict]:
    """The `sources` rows (reports.tables shape) behind the indicator values identified by
    (territory_code, indicator_id, year) triples — the files the figures shown come from."""
    clean = tuple(sorted({(str(c), str(i), int(y)) for c, i, y in keys
                          if c is not None and i is not None and y is not None and not pd.isna(y)}))
    return _fact_sources(clean, view_key())


# Programme tables a page may cite (a fixed list: table names are never user input).
PROGRAMME_TABLES = ("programme_actions", "programme_funding", "programme_beneficiaries", "kpi_values",
                    "housing_attributions", "housing_objectives", "housing_published_results",
                    "qualitative_items", "documents")


@st.cache_data(show_spinner=False)
def _contract_sources(slug: str, tables: tuple[str, ...], version: int) -> list[dict]:
    unknown = [t for t in tables if t not in PROGRAMME_TABLES]
    if unknown:
        raise ValueError(f"not a programme table: {unknown}")
    union = " union ".join(f"select source_id from {t} where contract_slug = ?" for t in tables)
    rows = cursor().execute(union, [slug] * len(tables)).fetchall()
    return reports_tables.sources_from_db(cursor(), source_ids=[r[0] for r in rows])


def contract_sources(slug: str, *tables: str) -> list[dict]:
    """The files a contract's rows of the given programme tables were loaded from."""
    return _contract_sources(slug, tuple(tables), view_key())


def all_sources() -> list[dict]:
    """Every loaded file (reports.tables shape)."""
    return reports_tables.sources_from_db(cursor())


# ── Poverty pockets (indicators/pockets.py) ─────────────────────────────────────────────────
@st.cache_data(show_spinner=False)
def _pocket_threshold(slug: str, version: tuple) -> pockets.Threshold:
    return pockets.default_threshold(cursor(), slug)


def pocket_threshold(slug: str) -> pockets.Threshold:
    """The default threshold S of a contract and what it is computed from."""
    return _pocket_threshold(slug, view_key())


@st.cache_data(show_spinner=False, max_entries=16)
def _poverty_pockets(slug: str, params: pockets.Params | None, version: tuple) -> pockets.PocketResult:
    return pockets.detect(cursor(), slug, params)


def poverty_pockets(slug: str, params: pockets.Params | None = None) -> pockets.PocketResult:
    """The pockets of a contract detected with `params` (the defaults when None)."""
    return _poverty_pockets(slug, params, view_key())


@st.cache_data(show_spinner=False)
def _stored_pockets(slug: str, version: tuple) -> pd.DataFrame:
    return pockets.stored_pockets(cursor(), slug)


def stored_pockets(slug: str) -> pd.DataFrame:
    """The pockets the build found for a contract with the default parameters (view poverty_pockets)."""
    return _stored_pockets(slug, view_key())


# ── Address → quartier (indicators/locate.py, indicators/geocode.py) ─────────────────────────

@st.cache_resource(show_spinner=False, max_entries=2)
def _locator(path: str, version: tuple):
    from indicators import geocode, locate

    cur = cursor()
    try:
        contours = locate.load_contours(cur)
        index = geocode.load_ban(cur) if geocode.has_ban(cur) else None
    finally:
        cur.close()
    return contours, index


def locator():
    """(contours, BAN index or None) of the published database, read once per database."""
    return _locator(str(db_path()), view_key())


@st.cache_data(show_spinner=False)
def _shapes_near(lon: float, lat: float, geography: int, version: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    sql = """
        select g.territory_code as code, coalesce(t.territory_name, g.territory_code) as name,
               g.geom_simplified_geojson as geojson, g.centroid_lon, g.centroid_lat
        from territory_geometries g
        left join territories t on t.territory_code = g.territory_code
                               and t.territory_level = g.territory_level
        where g.territory_level = ? and abs(g.centroid_lon - ?) < 0.06 and abs(g.centroid_lat - ?) < 0.04
          and (? = 'commune' or (case when g.geometry_vintage = 2015 then 2015 else 2024 end) = ?)
        order by 1"""
    return (_df(sql, ["qpv", lon, lat, "qpv", geography]),
            _df(sql, ["commune", lon, lat, "commune", geography]))


def shapes_near(lon: float, lat: float, geography: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(QPV contours of one geography, commune contours) around a point, for its map."""
    return _shapes_near(round(lon, 4), round(lat, 4), geography, view_key())


@st.cache_data(show_spinner=False)
def _fictional_codes(version: tuple) -> frozenset[str]:
    return frozenset(_df("select distinct territory_code from territories where is_fictional")
                     ["territory_code"])


def is_fictional_territory(code: str | None) -> bool:
    """True for a territory of the fictional demo (its views carry the demo mark)."""
    return bool(code) and code in _fictional_codes(view_key())


# ── The annual review: common law per signatory (indicators/review.py) ───────────────────────
@st.cache_data(show_spinner=False)
def _review_data(slug: str, year: int | None, version: tuple) -> dict:
    from indicators import review as review_mod
    cur = cursor()
    try:
        import datetime as _dt
        years = review_mod.year_choices(cur, slug, _dt.date.today().year)
        shown = year if year is not None else review_mod.default_review_year(cur, slug, _dt.date.today().year)
        out = {"years": years, "year": shown, "has_review": review_mod.has_review(cur, slug),
               "declared": review_mod.declared_years(cur, slug),
               "signatories": review_mod.signatories(cur, slug),
               "missing_types": review_mod.missing_signatory_types(cur, slug),
               "credits": review_mod.specific_vs_common(cur, slug),
               "tfpb": review_mod.tfpb(cur, slug), "committee": review_mod.committee(cur, slug),
               # The schemes' documents, any year: the credits table cites them too.
               "schemes_credit": review_mod.schemes_credit(cur, slug)}
        if shown is not None:
            out["mobilisation"] = review_mod.mobilisation(cur, slug, shown)
            out["schemes"] = review_mod.schemes_view(cur, slug, shown)
            out["missing"] = review_mod.missing_view(cur, slug, shown)
            # (the mobilisation's sentence, the undeclared list's) before the contract, else None
            out["not_expected"] = review_mod.schemes_not_expected(cur, slug, shown)
        return out
    finally:
        cur.close()


def review_data(slug: str, year: int | None = None) -> dict:
    """Everything the page « Droit commun et signataires » shows for a contract and year (default:
    the latest year with a figure or funding line)."""
    return _review_data(slug, year, view_key())


@st.cache_data(show_spinner=False)
def _commune_only_figures(qpv_code: str, version: tuple) -> pd.DataFrame:
    from indicators import pillars
    cur = cursor()
    try:
        return pillars.commune_only_figures(cur, qpv_code)
    finally:
        cur.close()


def commune_only_figures(qpv_code: str) -> pd.DataFrame:
    """indicators.pillars.commune_only_figures (the QPV's commune figures, said to be the commune's)."""
    return _commune_only_figures(qpv_code, view_key())
