"""Small databases built by code for the indicator tests: `db` gives an empty database and a
factory whose methods insert one row each with sensible defaults."""
from __future__ import annotations

from datetime import datetime

import pytest

from etl.db import create_empty

SRC = "src_test00000000"


class Factory:
    def __init__(self, con):
        self.con = con
        con.execute(
            "insert into sources (source_id, kind, producer, title, vintage, file_name, sha256,"
            " loaded_at) values (?, 'test', 'Insee', 'Fichier de test', '2021', 'test.csv', 'x', ?)",
            [SRC, datetime(2026, 1, 1)])

    def _insert(self, table: str, **values) -> None:
        values.setdefault("source_id", SRC)
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        self.con.execute(f"insert into {table} ({cols}) values ({marks})", list(values.values()))

    def contract(self, slug, name=None, epci_code=None, period_label="2024–2030", start_year=2024,
                 end_year=2030, is_fictional=False):
        self._insert("contracts", contract_slug=slug, contract_name=name or f"Contrat {slug}",
                     epci_code=epci_code, period_label=period_label, start_year=start_year,
                     end_year=end_year, is_fictional=is_fictional)

    def territory(self, code, level, name=None, vintage=None, parents=(), contract=None,
                  population=None, population_year=None, note=None, is_fictional=False):
        """A territory; parents = [(code, level), …] links; contract = slug to attach it to."""
        self._insert("territories", territory_code=code, territory_level=level,
                     territory_name=name or code, geography_vintage=vintage, population=population,
                     population_year=population_year, is_fictional=is_fictional)
        for p_code, p_level in parents:
            self._insert("territory_links", child_code=code, child_level=level,
                         parent_code=p_code, parent_level=p_level)
        if contract:
            self._insert("contract_territories", contract_slug=contract, territory_code=code,
                         territory_level=level, note=note)

    def fact(self, code, level, indicator_id, year, value=None, status="ok", origin="official_file",
             numerator=None, denominator=None, source_note=None, document_id=None, source_ref=None,
             status_note=None):
        self._insert("indicator_facts", territory_code=code, territory_level=level,
                     indicator_id=indicator_id, year=year, value=value, numerator=numerator,
                     denominator=denominator, status=status, status_note=status_note, origin=origin,
                     source_note=source_note, document_id=document_id, source_ref=source_ref)

    def document(self, contract, document_id, title, producer=None, published_on=None):
        self._insert("documents", contract_slug=contract, document_id=document_id, title=title,
                     producer=producer, published_on=published_on)

    def item(self, contract, territory_code, item_type, text, position, theme=None, document_id=None,
             source_ref=None):
        self._insert("qualitative_items", contract_slug=contract, territory_code=territory_code,
                     item_type=item_type, theme=theme, position=position, text=text,
                     document_id=document_id, source_ref=source_ref)

    def action(self, contract, action_id, year, title=None, operator=None, theme=None, is_new=None,
               is_multiyear_agreement=None, is_poverty_pocket=None, territories=(), document_id=None,
               source_ref=None):
        self._insert("programme_actions", contract_slug=contract, action_id=action_id, year=year,
                     title=title or action_id, operator=operator, theme=theme, is_new=is_new,
                     is_multiyear_agreement=is_multiyear_agreement,
                     is_poverty_pocket=is_poverty_pocket, document_id=document_id,
                     source_ref=source_ref)
        for t in territories:
            self._insert("programme_action_territories", contract_slug=contract, action_id=action_id,
                         year=year, territory_code=t)

    def funding(self, contract, action_id, year, funder, amount_eur, funder_label=None,
                document_id=None, source_ref=None):
        self._insert("programme_funding", contract_slug=contract, action_id=action_id, year=year,
                     funder=funder, funder_label=funder_label, amount_eur=amount_eur,
                     document_id=document_id, source_ref=source_ref)

    def kpi(self, contract, kpi_id, label=None, unit=None, theme=None, cumulation="sum",
            higher_is_better=True, definition=None, **headline_and_scope):
        self._insert("kpi_definitions", contract_slug=contract, kpi_id=kpi_id, label=label or kpi_id,
                     unit=unit, theme=theme, cumulation=cumulation,
                     higher_is_better=higher_is_better, definition=definition, **headline_and_scope)

    def headline_value(self, contract, code, level, indicator_id, year, order=None):
        self._insert("published_headlines", contract_slug=contract, territory_code=code,
                     territory_level=level, indicator_id=indicator_id, year=year,
                     headline_order=order)

    def kpi_value(self, contract, kpi_id, value, year=None, territory_code=None, period_label=None,
                  target=None, qualifier=None, status="ok", is_published=False, document_id=None,
                  source_ref=None):
        self._insert("kpi_values", contract_slug=contract, kpi_id=kpi_id,
                     territory_code=territory_code, year=year, period_label=period_label,
                     value=value, target=target, qualifier=qualifier, status=status,
                     is_published=is_published, document_id=document_id, source_ref=source_ref)

    def attribution(self, contract, year, landlord, reserving_party, location, n, qpv_code=None,
                    resource_quartile=None, is_priority_household=None, is_transfer=None,
                    is_lease_signed=True):
        self._insert("housing_attributions", contract_slug=contract, year=year, landlord=landlord,
                     reserving_party=reserving_party, location=location, qpv_code=qpv_code,
                     resource_quartile=resource_quartile,
                     is_priority_household=is_priority_household, is_transfer=is_transfer,
                     is_lease_signed=is_lease_signed, n_attributions=n)

    def objective(self, contract, party_type, party_name, objective, target_pct, note=None,
                  document_id=None, source_ref=None):
        self._insert("housing_objectives", contract_slug=contract, party_type=party_type,
                     party_name=party_name, objective=objective, target_pct=target_pct, note=note,
                     document_id=document_id, source_ref=source_ref)

    def published_result(self, contract, year, party_type, party_name, objective, numerator=None,
                         denominator=None, rate_pct=None, needed_published=None, document_id=None,
                         source_ref=None):
        self._insert("housing_published_results", contract_slug=contract, year=year,
                     party_type=party_type, party_name=party_name, objective=objective,
                     numerator=numerator, denominator=denominator, rate_pct=rate_pct,
                     needed_published=needed_published, document_id=document_id,
                     source_ref=source_ref)


def records(df) -> list[dict]:
    """DataFrame rows as dicts with NaN / NA written None (for whole-output equality)."""
    obj = df.astype(object)
    return obj.where(obj.notna(), None).to_dict("records")


@pytest.fixture
def db():
    con = create_empty()
    yield Factory(con)
    con.close()


def chalon_like(f: Factory) -> None:
    """A contract with two QPVs in one commune and one QPV spanning two communes, with
    comparators at every level (fictional figures shaped like the Grand Chalon annex)."""
    f.contract("gc", "Contrat de ville test", epci_code="200000001")
    f.territory("FRM", "france", "France métropolitaine")
    f.territory("ENSEMBLE_QPV_2024", "qpv_ensemble", "Ensemble des QPV", vintage=2024)
    f.territory("71", "departement", "Saône-et-Loire")
    f.territory("200000001", "epci", "Agglo test")
    f.territory("71001", "commune", "Ville A", parents=[("200000001", "epci"), ("71", "departement")])
    f.territory("71002", "commune", "Ville B", parents=[("200000001", "epci"), ("71", "departement")])
    f.territory("QN07101A", "qpv", "Quartier Un", vintage=2024, parents=[("71001", "commune")],
                contract="gc", population=2500, population_year=2019)
    f.territory("QN07102A", "qpv", "Quartier Deux", vintage=2024, parents=[("71001", "commune")],
                contract="gc")
    f.territory("QN07103A", "qpv", "Quartier Trois", vintage=2024,
                parents=[("71001", "commune"), ("71002", "commune")], contract="gc")
