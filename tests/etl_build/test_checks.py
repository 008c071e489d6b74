"""Each check fires on purpose-built rows, with its exact message (etl/checks.py)."""
from __future__ import annotations

import pytest

from etl.checks import _found, all_checks, qpv_vintage, run_checks
from etl.core import ROW_LINES_DDL
from etl.db import create_empty

SRC = "src_a"


def _db(**tables):
    """A database holding one source 'f.csv' and the given rows (dicts per table)."""
    con = create_empty()
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at) values"
                " (?, 'test', 'f.csv', 'x', now()), ('src_b', 'test', 'g.csv', 'y', now())", [SRC])
    base_territories = [
        dict(territory_code="99001", territory_level="commune", territory_name="Démo"),
        dict(territory_code="QN09901N", territory_level="qpv", territory_name="Q", geography_vintage=2024),
    ]
    tables.setdefault("territories", base_territories)
    for table, rows in tables.items():
        for row in rows:
            row = dict(row)
            row.setdefault("source_id", SRC)
            cols = ", ".join(row)
            con.execute(f"insert into {table} ({cols}) values ({', '.join('?' for _ in row)})", list(row.values()))
    return con


def _fact(**kw):
    row = dict(territory_code="QN09901N", territory_level="qpv", indicator_id="poverty_rate_pct", year=2021,
               value=30.0, status="ok", origin="official_file")
    row.update(kw)
    return row


def _messages(con, year=2025):
    return [(m.level, m.file_name, m.column_name, m.message) for m in run_checks(con, current_year=year)]


def test_clean_database_passes() -> None:
    con = _db(indicator_facts=[_fact()])
    assert _messages(con) == []


CASES = [
    pytest.param(
        dict(indicator_facts=[_fact(), _fact(source_id="src_b")]),
        [("error", "f.csv ; g.csv", "territory_code, territory_level, indicator_id, year",
          "doublon dans indicator_facts (2 lignes pour territory_code = QN09901N, territory_level = qpv,"
          " indicator_id = poverty_rate_pct, year = 2021)")],
        id="unique_facts"),
    pytest.param(
        dict(territories=[dict(territory_code="99001", territory_level="commune", territory_name="A"),
                          dict(territory_code="99001", territory_level="commune", territory_name="B")]),
        [("error", "f.csv", "territory_code, territory_level",
          "doublon dans territories (2 lignes pour territory_code = 99001, territory_level = commune)")],
        id="unique_territories"),
    pytest.param(
        dict(kpi_values=[dict(contract_slug="demo", kpi_id="k", year=2024, status="ok", is_published=True)] * 2,
             contracts=[dict(contract_slug="demo", contract_name="D")],
             kpi_definitions=[dict(contract_slug="demo", kpi_id="k", label="K", cumulation="sum")]),
        [("error", "f.csv", "contract_slug, kpi_id, territory_code, year, period_label",
          "doublon dans kpi_values (2 lignes pour contract_slug = demo, kpi_id = k, territory_code = vide,"
          " year = 2024, period_label = vide)")],
        id="unique_with_nulls"),
    pytest.param(
        dict(indicator_facts=[_fact(territory_code="QN09999Z")]),
        [("error", "f.csv", "territory_code",
          "territoire inconnu QN09999Z de niveau qpv (cité dans indicator_facts) : il n'est déclaré par aucun"
          " fichier chargé (COG, contours, ou table territories du modèle)")],
        id="unknown_fact_territory"),
    pytest.param(
        dict(territory_links=[dict(child_code="QN09901N", child_level="qpv", parent_code="99002",
                                   parent_level="commune")]),
        [("error", "f.csv", "parent_code",
          "territoire inconnu 99002 de niveau commune (cité dans territory_links) : il n'est déclaré par"
          " aucun fichier chargé (COG, contours, ou table territories du modèle)")],
        id="unknown_link_parent"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             housing_attributions=[dict(contract_slug="demo", year=2024, landlord="L", reserving_party="etat",
                                        location="qpv", qpv_code="QN07101I", n_attributions=3)]),
        [("error", "f.csv", "qpv_code",
          "territoire inconnu QN07101I de niveau qpv (cité dans housing_attributions) : il n'est déclaré"
          " par aucun fichier chargé (COG, contours, ou table territories du modèle)")],
        id="unknown_attribution_qpv"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             kpi_definitions=[dict(contract_slug="demo", kpi_id="k", label="K", cumulation="sum")],
             kpi_values=[dict(contract_slug="demo", kpi_id="k", territory_code="QX1", status="ok",
                              is_published=False)]),
        [("error", "f.csv", "territory_code",
          "territoire inconnu QX1 (cité dans kpi_values) : il n'est déclaré par aucun fichier chargé"
          " (COG, contours, ou table territories du modèle)")],
        id="unknown_kpi_territory"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             programme_actions=[dict(contract_slug="demo", action_id="A", year=2024, title="T")],
             programme_action_territories=[dict(contract_slug="demo", action_id="A", year=2024,
                                                territory_code="QN00000A")]),
        [("error", "f.csv", "territory_code",
          "territoire inconnu QN00000A (cité dans programme_action_territories) : il n'est déclaré par"
          " aucun fichier chargé (COG, contours, ou table territories du modèle)")],
        id="unknown_action_territory"),
    pytest.param(
        dict(contract_territories=[dict(contract_slug="autre", territory_code="99001",
                                        territory_level="commune")]),
        [("error", "f.csv", "contract_slug",
          "contrat inconnu « autre » (cité dans contract_territories, absent de la table contracts)")],
        id="unknown_contract"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             kpi_values=[dict(contract_slug="demo", kpi_id="absent", status="ok", is_published=False)]),
        [("error", "f.csv", "kpi_id",
          "indicateur de suivi inconnu « absent » (cité dans kpi_values, absent de la table kpi_definitions)")],
        id="unknown_kpi"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             programme_funding=[dict(contract_slug="demo", action_id="Z", year=2024, funder="ville",
                                     amount_eur=10.0)]),
        [("error", "f.csv", "action_id",
          "action inconnu « Z » (cité dans programme_funding, absent de la table programme_actions)")],
        id="unknown_action"),
    pytest.param(
        dict(indicator_facts=[_fact(document_id="doc9", origin="published")]),
        [("error", "f.csv", "document_id",
          "document inconnu « doc9 » (cité dans indicator_facts, absent de la table documents)")],
        id="unknown_document"),
    pytest.param(
        dict(indicator_facts=[_fact(value=100.5)]),
        [("error", "f.csv", "value", "pourcentage hors de 0–100 : poverty_rate_pct = 100,5 pour QN09901N en 2021")],
        id="rate_above_100"),
    pytest.param(
        dict(indicator_facts=[_fact(value=-0.1)]),
        [("error", "f.csv", "value", "pourcentage hors de 0–100 : poverty_rate_pct = -0,1 pour QN09901N en 2021")],
        id="rate_below_0"),
    pytest.param(
        dict(indicator_facts=[_fact(indicator_id="population_count", value=-3)]),
        [("error", "f.csv", "value", "effectif négatif : population_count = -3 pour QN09901N en 2021")],
        id="negative_count"),
    pytest.param(
        dict(indicator_facts=[_fact(value=90.0, numerator=928.0, denominator=900.0)]),
        [("error", "f.csv", "numerator",
          "numérateur supérieur au dénominateur (928 > 900) : poverty_rate_pct pour QN09901N en 2021")],
        id="numerator_above_denominator"),
    pytest.param(
        # A mean (Σ€ / Σpersons) is not a share: its numerator may exceed its denominator.
        dict(indicator_facts=[_fact(indicator_id="grid_mean_living_standard_eur_year", value=18000.0,
                                    numerator=2_700_000.0, denominator=150.0)]),
        [],
        id="mean_numerator_above_denominator_is_fine"),
    pytest.param(
        dict(indicator_facts=[_fact(year=2026, origin="published")]),
        [("error", "f.csv", "year", "valeur pour une année future (2026 > 2025) : poverty_rate_pct pour QN09901N")],
        id="future_year"),
    pytest.param(
        dict(contracts=[dict(contract_slug="demo", contract_name="D")],
             housing_published_results=[dict(contract_slug="demo", year=2021, party_type="ensemble",
                                             party_name="Tous", objective="q1_hors_qpv", numerator=82.0,
                                             denominator=81.0, rate_pct=101.2)]),
        [("error", "f.csv", "numerator",
          "numérateur supérieur au dénominateur (82 > 81) : Tous, q1_hors_qpv, 2021"),
         ("error", "f.csv", "target_pct", "pourcentage hors de 0–100 : 101,2 pour Tous, q1_hors_qpv")],
        id="housing_results"),
    pytest.param(
        dict(territories=[dict(territory_code="QN0990", territory_level="qpv", territory_name="Q",
                               geography_vintage=2024)]),
        [("error", "f.csv", "geography_vintage",
          "code de QPV invalide « QN0990 » (attendu : QP + 6 chiffres (géographie 2015) ou QN + département"
          " sur 3 caractères + 2 chiffres + une lettre (géographie 2024, ex. QN07101I))")],
        id="qpv_code_format"),
    pytest.param(
        dict(territories=[dict(territory_code="QP099001", territory_level="qpv", territory_name="Q",
                               geography_vintage=2024)]),
        [("error", "f.csv", "geography_vintage",
          "QPV QP099001 : géographie 2024 incohérente avec son code (attendu : 2015)")],
        id="qpv_vintage_mismatch"),
    pytest.param(
        dict(territories=[dict(territory_code="QN97101M", territory_level="qpv", territory_name="Q")]),
        [("error", "f.csv", "geography_vintage", "QPV QN97101M sans géographie (attendu : 2025)")],
        id="qpv_vintage_missing"),
]


@pytest.mark.parametrize("tables, expected", CASES)
def test_check_fires(tables, expected) -> None:
    assert _messages(_db(**tables)) == expected


def test_withheld_and_computed_values_are_not_future_errors() -> None:
    con = _db(indicator_facts=[_fact(year=2030, origin="computed"), _fact(year=2031, value=None, status="secret",
                                                                         origin="official_file")])
    assert _messages(con, year=2030) == [
        ("error", "f.csv", "year", "valeur pour une année future (2031 > 2030) : poverty_rate_pct pour QN09901N")]


def test_many_errors_are_capped_per_check() -> None:
    con = _db(indicator_facts=[_fact(territory_code=f"QN0{i:02d}01A")
                               for i in range(25)])
    msgs = _messages(con)
    assert len(msgs) == 21
    assert msgs[-1] == ("error", None, None, "… et 5 autres erreurs du même type (exists_indicator_facts_territory_code)")


@pytest.mark.parametrize("code, vintage", [
    ("QP071001", 2015), ("QP02A001", 2015), ("QN07101I", 2024), ("QN02A01M", 2024), ("QN97101M", 2025),
    ("QN0710I", None), ("qn07101i", None), ("QP07100", None), ("", None), (None, None), ("71076", None),
])
def test_qpv_vintage(code, vintage) -> None:
    assert qpv_vintage(code) == vintage


class _Counting:
    """A connection that counts the statements run through it (run_checks' only calls)."""

    def __init__(self, con):
        self.con, self.statements = con, []

    def execute(self, sql, params=None):
        self.statements.append(sql)
        return self.con.execute(sql, params or [])


def test_clean_database_is_checked_in_one_query_of_probes() -> None:
    con = _Counting(_db(indicator_facts=[_fact()]))
    assert run_checks(con, current_year=2025) == []
    # the `_row_lines` DDL, then every probe in one statement: none of the 81 checks' queries
    assert len(con.statements) == 2
    # 46 probes for 81 checks: the 24 unique keys, the 13 value checks, 2 for the 12 territory
    # references (with a level, without), 7 for the 32 programme references (one per table cited)
    assert con.statements[1].count(" where exists (") == 24 + 13 + 2 + 7
    assert len(all_checks(2025)) == 81


@pytest.mark.parametrize("tables, expected", CASES)
def test_probe_finds_every_check_that_fires(tables, expected) -> None:
    """The probes run, besides each check's own query: a check whose query finds a row is always
    among those its probe found (a probe may find more, never less)."""
    con = _db(**tables)
    checks = all_checks(2025)
    con.execute(ROW_LINES_DDL)
    fired = [c.name for c in checks
             if [r for r in con.execute(c.sql, list(c.params)).fetchall() if c.keep is None or c.keep(r)]]
    probed = [c.name for c in _found(con, checks)]
    assert bool(fired) == bool(expected) and set(fired) <= set(probed)
    assert probed == [c.name for c in checks if c.name in probed]     # in the checks' order


def test_qpv_probe_leaves_right_codes_alone() -> None:
    right = [dict(territory_code=c, territory_level="qpv", territory_name="Q", geography_vintage=v)
             for c, v in (("QP071001", 2015), ("QN07101I", 2024), ("QN97101M", 2025), ("QN02A01M", 2024))]
    wrong = [dict(territory_code=c, territory_level="qpv", territory_name="Q", geography_vintage=v)
             for c, v in (("QN97102M", 2024), ("qn07101i", 2024), ("QP071002", None))]
    checks = [c for c in all_checks(2025) if c.name == "qpv_vintage"]
    assert _found(_db(territories=right), checks) == []
    for row in wrong:
        assert [c.name for c in _found(_db(territories=right + [row]), checks)] == ["qpv_vintage"]
