"""Checks run on the database being built, before it is published.

Each check is one query returning the offending rows; every row becomes an error message that
names the file(s) it came from (through `sources`). A build with any error is not published.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from typing import Callable

import duckdb

from etl.core import ROW_LINES_DDL, Message, flush_row_lines
from indicators.registry import REGISTRY

# ── QPV codes ─────────────────────────────────────────────────────────────────────────────
QPV_2015_RE = re.compile(r"^QP[0-9]{2}[0-9AB][0-9]{3}$")
QPV_2024_RE = re.compile(r"^QN[0-9]{2}[0-9AB][0-9]{2}[A-Z]$")
QPV_CODE_EXPECTED = "QP + 6 chiffres (géographie 2015) ou QN + département sur 3 caractères + 2 chiffres + une lettre (géographie 2024, ex. QN07101I)"


def qpv_vintage(code: str | None) -> int | None:
    """The geography a QPV code belongs to: 2015 (QP…), 2025 (QN97…, overseas), 2024 (QN…)."""
    if not code:
        return None
    if QPV_2015_RE.match(code):
        return 2015
    if QPV_2024_RE.match(code):
        return 2025 if code.startswith("QN97") else 2024
    return None


# ── Table grains (etl/schema.sql) ─────────────────────────────────────────────────────────
# table → columns that identify one row. NULLs compare equal (GROUP BY semantics).
UNIQUE_KEYS: dict[str, tuple[str, ...]] = {
    "sources": ("source_id",),
    "territories": ("territory_code", "territory_level"),
    "territory_links": ("child_code", "child_level", "parent_code", "parent_level"),
    "territory_geometries": ("territory_code", "territory_level", "geometry_vintage"),
    "contracts": ("contract_slug",),
    "contract_territories": ("contract_slug", "territory_code", "territory_level"),
    "indicator_catalog": ("indicator_id",),
    "indicator_facts": ("territory_code", "territory_level", "indicator_id", "year"),
    "grid_200m": ("cell_id",),
    "documents": ("contract_slug", "document_id"),
    "programme_actions": ("contract_slug", "action_id", "year"),
    "programme_action_territories": ("contract_slug", "action_id", "year", "territory_code"),
    "kpi_definitions": ("contract_slug", "kpi_id"),
    "published_headlines": ("contract_slug", "territory_code", "territory_level", "indicator_id",
                            "year"),
    "kpi_values": ("contract_slug", "kpi_id", "territory_code", "year", "period_label"),
    "housing_attributions": ("contract_slug", "year", "landlord", "reserving_party", "location",
                             "qpv_code", "resource_quartile", "is_priority_household",
                             "is_transfer", "is_lease_signed"),
    "housing_objectives": ("contract_slug", "party_type", "party_name", "objective"),
    "housing_published_results": ("contract_slug", "year", "party_type", "party_name", "objective"),
    "qualitative_items": ("contract_slug", "territory_code", "item_type", "theme", "position"),
    "review_signatories": ("contract_slug", "signatory_id"),
    "review_schemes": ("contract_slug", "scheme_id"),
    "review_figures": ("contract_slug", "scheme_id", "year", "measure", "scope", "territory_code"),
    "review_tfpb": ("contract_slug", "signatory_id", "year", "action", "territory_code"),
    "review_committee": ("contract_slug", "college", "organisation", "member"),
}

# The files a group of offending rows came from.
_FILES = "string_agg(distinct s.file_name, ' ; ' order by s.file_name)"


@dataclass(frozen=True)
class Check:
    name: str
    sql: str                                  # returns (file_names, *details)
    message: Callable[[tuple], str]
    column: str | None = None
    params: tuple = ()
    keep: Callable[[tuple], bool] | None = None   # filter in Python what SQL cannot express
    line_at: int | None = None      # index in the row of the file line (None: no line)
    column_at: int | None = None    # index in the row of the file's column name (else `column`)
    # A cheap query (no join to `sources` or `_row_lines`) returning a row whenever `sql` does
    # (it may return rows when `sql` finds nothing, never the reverse), with the same `params`:
    # run_checks asks every probe in one statement and runs `sql` only where a probe found rows
    # (each statement costs 7–12 ms of DuckDB planning, whatever the table's size).
    probe: str | None = None


def _unique_checks() -> list[Check]:
    checks = []
    for table, key in UNIQUE_KEYS.items():
        cols = ", ".join(f"t.{c}" for c in key)
        join = "left join sources s on s.source_id = t.source_id" if table != "indicator_catalog" else \
            "left join sources s on false"
        # The duplicated keys first (a plain count), then only their rows meet `sources`.
        on = " and ".join(f"t.{c} is not distinct from d.{c}" for c in key)
        dups = (f"(select t.* from {table} t join (select {', '.join(key)} from {table}"
                f" group by all having count(*) > 1) d on {on})")
        sql = (f"select {_FILES}, count(*), {cols} from {dups} t {join}"
               f" group by {cols} having count(*) > 1 order by {cols}")

        def msg(row, table=table, key=key):
            values = ", ".join(f"{k} = {_show(v)}" for k, v in zip(key, row[2:]))
            return f"doublon dans {table} ({row[1]} lignes pour {values})"
        checks.append(Check(f"unique_{table}", sql, msg, column=", ".join(key),
                            probe=f"select 1 from {table} group by {', '.join(key)} having count(*) > 1"))
    return checks


def _offending(table: str, alias: str, where: str) -> str:
    """The rows of `table` that fail a check, as a FROM item: filtering before the joins to
    `sources` and `_row_lines` keeps a check as small as what it finds (joining every row to
    its recorded lines first multiplied a table by its own size)."""
    return f"(select * from {table} {alias} where {where}) {alias}"


def _probe(table: str, alias: str, where: str) -> str:
    """The probe of a check whose offending rows are `_offending(table, alias, where)`."""
    return f"select 1 from {table} {alias} where {where}"


def _shared_probe(rows: list[str], cond: str) -> str:
    """One probe for several checks of the same condition: `cond` on the union of their rows
    (alias `r`). Each correlated subquery costs DuckDB milliseconds of planning; one over the
    union costs it once, and finds a row whenever one of the checks would."""
    return f"select 1 from ({' union all '.join(rows)}) r where {cond}"


def _lines_join(alias: str, table: str, column: str) -> str:
    """Join the file lines the loaders recorded (etl/core.py `record_lines`) for `alias.column`."""
    return (f" left join _row_lines l on l.source_id = {alias}.source_id and l.table_name = '{table}'"
            f" and l.column_name = '{column}' and l.code = {alias}.{column}")


# The line and file column of a group of rows, when they all come from one file.
_LINE = "case when count(distinct s.file_name) = 1 then min(l.line) end"
_FILE_COLUMN = "case when count(distinct s.file_name) = 1 then min(l.file_column) end"


def _show(v) -> str:
    return "vide" if v is None else str(v)


# Territory references: (table, code column, level column or None, label).
_REFERENCES = (
    ("indicator_facts", "territory_code", "territory_level"),
    ("territory_links", "child_code", "child_level"),
    ("territory_links", "parent_code", "parent_level"),
    ("territory_geometries", "territory_code", "territory_level"),
    ("contract_territories", "territory_code", "territory_level"),
    ("programme_action_territories", "territory_code", None),
    ("programme_beneficiaries", "territory_code", None),
    ("housing_attributions", "qpv_code", "'qpv'"),
    ("kpi_values", "territory_code", None),
    ("qualitative_items", "territory_code", None),
    ("review_figures", "territory_code", None),
    ("review_tfpb", "territory_code", None),
)


def _reference_checks() -> list[Check]:
    checks = []
    for table, code, level in _REFERENCES:
        if level is None:
            cond = f"not exists (select 1 from territories x where x.territory_code = t.{code})"
            lvl = "null"
        else:
            lvl = level if level.startswith("'") else f"t.{level}"
            cond = (f"not exists (select 1 from territories x where x.territory_code = t.{code}"
                    f" and x.territory_level = {lvl})")
        where = f"t.{code} is not null and {cond}"
        sql = (f"select {_FILES}, t.{code}, {lvl}, {_LINE}, {_FILE_COLUMN}"
               f" from {_offending(table, 't', where)}"
               f" left join sources s on s.source_id = t.source_id{_lines_join('t', table, code)}"
               f" group by t.{code}, {lvl} order by 2, 3")

        def msg(row, table=table):
            level_txt = f" de niveau {row[2]}" if row[2] else ""
            return (f"territoire inconnu {row[1]}{level_txt} (cité dans {table}) : il n'est déclaré"
                    " par aucun fichier chargé (COG, contours, ou table territories du modèle)")
        checks.append(Check(f"exists_{table}_{code}", sql, msg, column=code, line_at=3, column_at=4))
    # Two probes for them all: the codes with a level, the codes alone.
    QUOTE = "'"     # a level given as a constant ('qpv'), not a column
    with_level = [f"select t.{code} as code, {level if level.startswith(QUOTE) else 't.' + level} as level"
                  f" from {table} t where t.{code} is not null" for table, code, level in _REFERENCES if level]
    alone = [f"select t.{code} as code from {table} t where t.{code} is not null"
             for table, code, level in _REFERENCES if level is None]
    probe_level = _shared_probe(with_level, "not exists (select 1 from territories x where x.territory_code"
                                            " = r.code and x.territory_level = r.level)")
    probe_alone = _shared_probe(alone, "not exists (select 1 from territories x where x.territory_code = r.code)")
    return [replace(c, probe=probe_level if level else probe_alone)
            for c, (_, _, level) in zip(checks, _REFERENCES)]


# Programme references within a contract: (table, column, target table, target column, label).
_PROGRAMME_REFERENCES = (
    ("contract_territories", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("documents", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("programme_actions", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("programme_funding", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("kpi_definitions", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("kpi_values", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("housing_attributions", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("housing_objectives", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("housing_published_results", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("qualitative_items", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("kpi_values", "kpi_id", "kpi_definitions", "kpi_id", "indicateur de suivi"),
    ("programme_funding", "action_id", "programme_actions", "action_id", "action"),
    ("programme_beneficiaries", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("programme_beneficiaries", "action_id", "programme_actions", "action_id", "action"),
    ("review_signatories", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("review_schemes", "contract_slug", "contracts", "contract_slug", "contrat"),
    ("review_schemes", "signatory_id", "review_signatories", "signatory_id", "signataire"),
    ("review_figures", "scheme_id", "review_schemes", "scheme_id", "dispositif"),
    ("review_tfpb", "signatory_id", "review_signatories", "signatory_id", "signataire"),
    ("review_committee", "signatory_id", "review_signatories", "signatory_id", "signataire"),
)
_DOCUMENT_TABLES = ("indicator_facts", "programme_actions", "programme_funding", "kpi_values",
                    "housing_objectives", "housing_published_results", "qualitative_items",
                    "review_signatories", "review_schemes", "review_figures", "review_tfpb",
                    "review_committee")


def _programme_checks() -> list[Check]:
    checks = []
    # One probe per referenced table (and contract or not): the union of the referencing values.
    groups: dict[tuple[str, str, bool], list[str]] = {}
    keys: list[tuple[str, str, bool]] = []

    def probed(table: str, col: str, target: str, tcol: str, same_contract: bool) -> None:
        slug = ", t.contract_slug as slug" if same_contract else ""
        keys.append((target, tcol, same_contract))
        groups.setdefault(keys[-1], []).append(
            f"select t.{col} as v{slug} from {table} t where t.{col} is not null")
    for table, col, target, tcol, label in _PROGRAMME_REFERENCES:
        probed(table, col, target, tcol, target != "contracts")
        same_contract = "" if target == "contracts" else " and x.contract_slug = t.contract_slug"
        cond = (f"t.{col} is not null and not exists (select 1 from {target} x"
                f" where x.{tcol} = t.{col}{same_contract})")
        sql = (f"select {_FILES}, t.{col}, {_LINE}, {_FILE_COLUMN} from {_offending(table, 't', cond)}"
               f" left join sources s on s.source_id = t.source_id{_lines_join('t', table, col)}"
               f" group by t.{col} order by 2")

        def msg(row, table=table, target=target, label=label):
            return f"{label} inconnu « {row[1]} » (cité dans {table}, absent de la table {target})"
        checks.append(Check(f"exists_{table}_{col}", sql, msg, column=col, line_at=2, column_at=3))
    for table in _DOCUMENT_TABLES:
        probed(table, "document_id", "documents", "document_id", table != "indicator_facts")
        # indicator_facts carry no contract: the document may belong to any contract.
        same_contract = "" if table == "indicator_facts" else " and x.contract_slug = t.contract_slug"
        cond = (f"not exists (select 1 from documents x where x.document_id = t.document_id"
                f"{same_contract})")
        where = f"t.document_id is not null and {cond}"
        sql = (f"select {_FILES}, t.document_id, {_LINE}, {_FILE_COLUMN}"
               f" from {_offending(table, 't', where)}"
               f" left join sources s on s.source_id = t.source_id{_lines_join('t', table, 'document_id')}"
               f" group by t.document_id order by 2")

        def msg(row, table=table):
            return f"document inconnu « {row[1]} » (cité dans {table}, absent de la table documents)"
        checks.append(Check(f"exists_{table}_document", sql, msg, column="document_id", line_at=2,
                            column_at=3))
    probes = {(target, tcol, same): _shared_probe(rows, f"not exists (select 1 from {target} x where x.{tcol} = r.v"
                                                        + (" and x.contract_slug = r.slug)" if same else ")"))
              for (target, tcol, same), rows in groups.items()}
    return [replace(c, probe=probes[key]) for c, key in zip(checks, keys)]


# Beyond these, a figure is a typing or export error: more people than France has, more euros
# than the country's yearly income (the loaders refuse them with their line; these checks cover
# every origin, computed values included).
MAX_COUNT = 1e8
MAX_VALUE = 1e13

_RATE_IDS = tuple(i.id for i in REGISTRY if i.is_rate)
_COUNT_IDS = tuple(i.id for i in REGISTRY if i.aggregation == "sum")


def _value_checks(current_year: int) -> list[Check]:
    rate_list = ", ".join(f"'{i}'" for i in _RATE_IDS)   # registry constants, not user input
    count_list = ", ".join(f"'{i}'" for i in _COUNT_IDS)
    # The line of the territory's row in its file, and the file's column of the value (the
    # INSEE variable, e.g. TP6021; a template column otherwise).
    fact = ("select {files}, f.territory_code, f.indicator_id, f.year, {extra}, "
            + _LINE + ", case when count(distinct s.file_name) = 1 then"
            " coalesce(min(f.source_variable), '{column}') end"
            " from " + _offending("indicator_facts", "f", "{cond}") +
            " left join sources s on s.source_id = f.source_id"
            + _lines_join("f", "indicator_facts", "territory_code") +
            " group by f.territory_code, f.indicator_id, f.year, {extra} order by 2, 3, 4")
    at = {"line_at": -2, "column_at": -1}

    def fact_check(name: str, extra: str, column: str, cond: str, message, **kw) -> Check:
        return Check(name, fact.format(files=_FILES, extra=extra, column=column, cond=cond), message,
                     column=column, probe=_probe("indicator_facts", "f", cond), **at, **kw)
    return [
        fact_check("rate_in_range", "f.value", "value",
                   f"f.indicator_id in ({rate_list}) and (f.value < 0 or f.value > 100)",
                   lambda r: f"pourcentage hors de 0–100 : {r[2]} = {_num(r[4])} pour {r[1]} en {r[3]}"),
        fact_check("count_not_negative", "f.value", "value",
                   f"f.indicator_id in ({count_list}) and f.value < 0",
                   lambda r: f"effectif négatif : {r[2]} = {_num(r[4])} pour {r[1]} en {r[3]}"),
        fact_check("count_beyond_meaning", "f.value", "value",
                   f"f.indicator_id in ({count_list}) and f.value > {MAX_COUNT:.0f}",
                   lambda r: (f"effectif invraisemblable (plus de 100 millions) : {r[2]} = {_num(r[4])} "
                              f"pour {r[1]} en {r[3]}")),
        fact_check("value_beyond_meaning", "f.value, f.numerator, f.denominator", "value",
                   f"greatest(abs(f.value), abs(f.numerator), abs(f.denominator)) > {MAX_VALUE:.0f}",
                   lambda r: (f"valeur invraisemblable (au-delà de 10^13) : {r[2]} = {_num(r[4])} "
                              f"({_num(r[5])} / {_num(r[6])}) pour {r[1]} en {r[3]}")),
        fact_check("numerator_not_negative", "f.numerator, f.denominator", "numerator",
                   "f.numerator < 0 or f.denominator < 0",
                   lambda r: (f"numérateur ou dénominateur négatif ({_num(r[4])} / {_num(r[5])}) : "
                              f"{r[2]} pour {r[1]} en {r[3]}")),
        fact_check("numerator_le_denominator", "f.numerator, f.denominator", "numerator",
                   f"f.indicator_id in ({rate_list}) and f.numerator > f.denominator",
                   lambda r: (f"numérateur supérieur au dénominateur ({_num(r[4])} > {_num(r[5])}) : "
                              f"{r[2]} pour {r[1]} en {r[3]}")),
        fact_check("withheld_without_parts", "f.status", "numerator",
                   "f.status in ('secret', 'not_significant')"
                   " and (f.numerator is not null or f.denominator is not null)",
                   lambda r: (f"valeur couverte par le secret ({r[2]} pour {r[1]} en {r[3]}) avec son "
                              "numérateur ou son dénominateur : ils permettraient de la recalculer")),
        fact_check("future_year", "f.origin", "year",
                   "f.origin in ('official_file', 'published') and f.year > ?",
                   lambda r: (f"valeur pour une année future ({r[3]} > {current_year}) : {r[2]} pour {r[1]}"),
                   params=(current_year,)),
        Check("housing_results_numerator",
              f"select {_FILES}, t.party_name, t.objective, t.year, t.numerator, t.denominator"
              " from housing_published_results t left join sources s on s.source_id = t.source_id"
              " where t.numerator > t.denominator group by all order by 2, 3, 4",
              lambda r: (f"numérateur supérieur au dénominateur ({_num(r[4])} > {_num(r[5])}) : "
                         f"{r[1]}, {r[2]}, {r[3]}"),
              column="numerator",
              probe=_probe("housing_published_results", "t", "t.numerator > t.denominator")),
        Check("housing_pct_in_range",
              f"select {_FILES}, t.party_name, t.objective, v from ("
              " select source_id, party_name, objective, target_pct as v from housing_objectives"
              " union all select source_id, party_name, objective, rate_pct from housing_published_results"
              ") t left join sources s on s.source_id = t.source_id"
              " where t.v < 0 or t.v > 100 group by all order by 2, 3",
              lambda r: f"pourcentage hors de 0–100 : {_num(r[3])} pour {r[1]}, {r[2]}",
              column="target_pct",
              probe=("select 1 from housing_objectives where target_pct < 0 or target_pct > 100"
                     " union all select 1 from housing_published_results where rate_pct < 0 or rate_pct > 100")),
        Check("population_in_range",
              f"select {_FILES}, t.territory_code, t.territory_level, t.population from territories t"
              f" left join sources s on s.source_id = t.source_id where t.population < 0"
              f" or t.population > {MAX_COUNT:.0f} group by all order by 2, 3",
              lambda r: f"population invraisemblable ({_num(r[3])}) pour {r[1]} ({r[2]})",
              column="population",
              probe=_probe("territories", "t", f"t.population < 0 or t.population > {MAX_COUNT:.0f}")),
        Check("attributions_not_negative",
              f"select {_FILES}, t.landlord, t.year, t.n_attributions from housing_attributions t"
              " left join sources s on s.source_id = t.source_id where t.n_attributions < 0"
              " group by all order by 2, 3",
              lambda r: f"nombre d'attributions négatif ({r[3]}) : {r[1]} en {r[2]}",
              column="n_attributions",
              probe=_probe("housing_attributions", "t", "t.n_attributions < 0")),
    ]


def _qpv_checks() -> list[Check]:
    sql = (f"select {_FILES}, t.territory_code, t.geography_vintage from territories t"
           " left join sources s on s.source_id = t.source_id where t.territory_level = 'qpv'"
           " group by t.territory_code, t.geography_vintage order by 2")

    def msg(r):
        expected = qpv_vintage(r[1])
        if expected is None:
            return f"code de QPV invalide « {r[1]} » (attendu : {QPV_CODE_EXPECTED})"
        if r[2] is None:
            return f"QPV {r[1]} sans géographie (attendu : {expected})"
        return f"QPV {r[1]} : géographie {r[2]} incohérente avec son code (attendu : {expected})"
    # The probe: the QPV rows whose code and geography are not plainly right (a superset of what
    # `keep` keeps: NULLs and anything the SQL patterns refuse are probed, `keep` decides).
    valid = ("coalesce((regexp_full_match(t.territory_code, 'QP[0-9]{2}[0-9AB][0-9]{3}')"
             " and t.geography_vintage = 2015)"
             " or (regexp_full_match(t.territory_code, 'QN[0-9]{2}[0-9AB][0-9]{2}[A-Z]')"
             " and t.geography_vintage = case when t.territory_code like 'QN97%' then 2025 else 2024 end),"
             " false)")
    return [Check("qpv_vintage", sql, msg, column="geography_vintage",
                  keep=lambda r: qpv_vintage(r[1]) is None or r[2] != qpv_vintage(r[1]),
                  probe=_probe("territories", "t", f"t.territory_level = 'qpv' and not {valid}"))]


def _num(v) -> str:
    if v is None:
        return "vide"
    return f"{v:g}".replace(".", ",")


MAX_ROWS_PER_CHECK = 20


def all_checks(current_year: int) -> list[Check]:
    return (_unique_checks() + _reference_checks() + _programme_checks()
            + _value_checks(current_year) + _qpv_checks())


def _found(con: duckdb.DuckDBPyConnection, checks: list[Check]) -> list[Check]:
    """The checks whose probe found rows, and those without a probe, in their order: every probe
    in one statement (a clean database is checked in one query, not one per check)."""
    probes: dict[tuple[str, tuple], int] = {}     # checks sharing a probe ask it once
    for c in checks:
        if c.probe is not None:
            probes.setdefault((c.probe, c.params), len(probes))
    if not probes:
        return checks
    sql = " union all ".join(f"select {i} as i where exists ({probe})" for (probe, _), i in probes.items())
    params = [p for _, params in probes for p in params]
    hit = {row[0] for row in con.execute(sql, params).fetchall()}
    return [c for c in checks if c.probe is None or probes[(c.probe, c.params)] in hit]


def run_checks(con: duckdb.DuckDBPyConnection, *, current_year: int | None = None) -> list[Message]:
    """Every check; the errors found (empty list: the database may be published)."""
    year = current_year or date.today().year
    con.execute(ROW_LINES_DDL)   # lines recorded by the loaders (empty when none were)
    flush_row_lines(con)         # the loaders' line records still held in memory
    messages: list[Message] = []
    for check in _found(con, all_checks(year)):
        rows = con.execute(check.sql, list(check.params)).fetchall()
        if check.keep is not None:
            rows = [r for r in rows if check.keep(r)]
        for row in rows[:MAX_ROWS_PER_CHECK]:
            line = row[check.line_at] if check.line_at is not None else None
            column = (row[check.column_at] if check.column_at is not None else None) or check.column
            messages.append(Message("error", row[0], check.message(row), line, column))
        if len(rows) > MAX_ROWS_PER_CHECK:
            messages.append(Message("error", None, f"… et {len(rows) - MAX_ROWS_PER_CHECK} autres erreurs"
                                                   f" du même type ({check.name})"))
    return messages


# Figures credited to a document, by table: a full year's figure (`year`) cannot come from a
# document published before that year ends (issue 11, D1: « Période : 2026 » credited to a review
# published on 10 February 2026). A KPI's target alone is not a figure: a plan sets future targets;
# nor is a one-off count (cumulation 'none': Chambéry's « territoires retenus en 2021 », announced
# that February), only a year's flow ('sum') or its year-end stock ('latest'). A fact whose
# document gives no year (year_given false: Chartres's populations) carries the document's year.
_DATED_FIGURES = {
    "kpi_values": ("t.value is not null and exists (select 1 from kpi_definitions k where k.contract_slug"
                   " = t.contract_slug and k.kpi_id = t.kpi_id and k.cumulation in ('sum', 'latest'))"),
    "indicator_facts": "t.year_given is distinct from false",
    "housing_published_results": "true",
    "review_figures": "true",
    "review_tfpb": "true",
}


def _published_on_sql(column: str) -> str:
    """A document's publication date as a date: an ISO date, or a year alone read as its 31 December
    (the most favourable reading: « 2025 » never flags a figure of 2025)."""
    return (f"coalesce(try_cast({column} as date), case when regexp_full_match(trim({column}), '[0-9]{{4}}')"
            f" then make_date(cast(trim({column}) as integer), 12, 31) end)")


# What each table's figures are, as the person who typed them calls them (no table names).
_FIGURE_WORDS = {
    "kpi_values": "indicateur du contrat",
    "indicator_facts": "chiffre publié par quartier",
    "housing_published_results": "résultat publié de la CIA",
    "review_figures": "chiffre de la revue annuelle",
    "review_tfpb": "abattement de TFPB",
}


def _published_text(on: str) -> str:
    """« le 10 février 2026 » for an ISO date; « en 2025 » for a year alone."""
    from indicators.fmt import fmt_date
    try:
        return "le " + fmt_date(date.fromisoformat(str(on).strip()))
    except ValueError:
        return ("en " if str(on).strip().isdigit() else "le ") + str(on).strip()


def period_after_publication(con: duckdb.DuckDBPyConnection) -> list[Message]:
    """Warnings: a figure of a year that had not ended when its document was published, with the
    file, the line (the row's document_id and year recorded by the loader) and the column `year`."""
    con.execute(ROW_LINES_DDL)
    flush_row_lines(con)
    published = _published_on_sql("d.published_on")
    messages: list[Message] = []
    queries = []      # one statement for the five tables (each costs milliseconds of planning)
    for k, (table, figure) in enumerate(_DATED_FIGURES.items()):
        same_contract = "" if table == "indicator_facts" else " and d.contract_slug = t.contract_slug"
        queries.append(f"""select {k} as k, * from (
            with bad as (
                select t.source_id, t.document_id, t.year, any_value(d.title) as title,
                       any_value(d.published_on) as published_on, count(*) as n
                from {table} t join documents d on d.document_id = t.document_id{same_contract}
                where t.year is not null and {figure} and {published} is not null
                  and make_date(t.year, 12, 31) > {published}
                group by all)
            select s.file_name, b.document_id, b.year, b.title, b.published_on, b.n,
                   (select min(ld.line) from _row_lines ld join _row_lines ly
                      on ly.source_id = ld.source_id and ly.table_name = ld.table_name
                     and ly.line = ld.line and ly.column_name = 'year' and ly.code = cast(b.year as varchar)
                    where ld.source_id = b.source_id and ld.table_name = '{table}'
                      and ld.column_name = 'document_id' and ld.code = b.document_id) as line,
                   (select min(ly.file_column) from _row_lines ly where ly.source_id = b.source_id
                      and ly.table_name = '{table}' and ly.column_name = 'year') as file_column
            from bad b left join sources s on s.source_id = b.source_id)""")
    found = con.execute(" union all ".join(queries) + " order by 1, 2, 3, 4").fetchall()
    for k, table in enumerate(_DATED_FIGURES):
        rows = [r[1:] for r in found if r[0] == k]
        for file_name, doc, year, title, on, n, line, file_column in rows[:MAX_ROWS_PER_CHECK]:
            what = "un chiffre" if n == 1 else f"{n} chiffres"
            messages.append(Message(
                "warning", file_name,
                f"{what} de l'année {year} ({_FIGURE_WORDS[table]}) attribué{'s' if n > 1 else ''} au "
                f"document « {title or doc} », publié {_published_text(on)} : l'année n'était pas finie à sa "
                "publication. "
                "Vérifiez l'année du chiffre ou le document qui le donne.", line, file_column or "year"))
    return messages
