"""Issue 11, D1: a figure of a year that had not ended when its document was published is a
build warning naming the file, the row's line and the column « year » (etl.checks)."""
from __future__ import annotations

from etl.checks import period_after_publication
from etl.core import ROW_LINES_DDL
from tests.etl_build.test_checks import _Counting, _db

NB = "\xa0"


def _kpi(year, value, document_id="doc-bilan", **kw):
    row = dict(contract_slug="c", kpi_id="k", year=year, value=value, target=10.0, status="ok",
               is_published=False, document_id=document_id)
    row.update(kw)
    return row


def test_figures_dated_after_their_document_are_warned_with_their_line() -> None:
    con = _db(
        documents=[dict(contract_slug="c", document_id="doc-bilan", title="Bilan 2025", published_on="2026-02-10"),
                   dict(contract_slug="c", document_id="doc-annee", title="Rapport", published_on="2025"),
                   dict(contract_slug="c", document_id="doc-sans-date", title="Sans date")],
        kpi_definitions=[dict(contract_slug="c", kpi_id=k, label=k, unit="u", cumulation=c)
                         for k, c in (("k", "sum"), ("k2", "latest"), ("k3", "sum"), ("k4", "none"))],
        # A fact whose document gives no year carries the document's own year: not flagged.
        indicator_facts=[dict(territory_code="QN09901N", territory_level="qpv", indicator_id="population_count",
                              year=2026, value=2540.0, status="ok", origin="published", document_id="doc-bilan",
                              year_given=False)],
        kpi_values=[
            _kpi(2026, 23.0, kpi_id="k4"),           # a one-off count dated 2026 (cumulation none): fine
            _kpi(2025, 5.0),                         # 2025 ended before 10 February 2026: fine
            _kpi(2026, 7.0),                         # flagged
            _kpi(2026, None, status="missing"),      # a target alone for 2026: a plan, fine
            _kpi(2025, 3.0, "doc-annee"),            # a year alone read as its 31 December: fine
            _kpi(2026, 3.0, "doc-annee", kpi_id="k2"),   # flagged, the date as the document gives it
            _kpi(2030, 3.0, "doc-sans-date", kpi_id="k3"),   # no date: nothing to compare
        ],
        review_tfpb=[dict(contract_slug="c", signatory_id="s", year=2026, action="a", amount_eur=1.0,
                          document_id="doc-bilan", source_id="src_b")])
    con.execute(ROW_LINES_DDL)
    # The loader's line records (etl/loaders/programme.py): the row of doc-bilan's 2026 figure is line 3.
    con.executemany("insert into _row_lines values ('src_a', 'kpi_values', ?, ?, ?, ?)", [
        ("document_id", "doc-bilan", 2, "document_id"), ("year", "2025", 2, "annee"),
        ("document_id", "doc-bilan", 3, "document_id"), ("year", "2026", 3, "annee"),
        ("document_id", "doc-annee", 5, "document_id"), ("year", "2026", 6, "annee"),
        ("document_id", "doc-annee", 6, "document_id")])
    messages = [(m.level, m.file_name, m.line, m.column_name, m.message) for m in period_after_publication(con)]
    assert messages == [
        ("warning", "f.csv", 6, "annee",
         "un chiffre de l'année 2026 (indicateur du contrat) attribué au document « Rapport », publié en 2025 : "
         "l'année n'était pas finie à sa publication. Vérifiez l'année du chiffre ou le document qui le donne."),
        ("warning", "f.csv", 3, "annee",
         f"un chiffre de l'année 2026 (indicateur du contrat) attribué au document « Bilan 2025 », publié le 10{NB}février"
         f"{NB}2026 : l'année n'était pas finie à sa publication. Vérifiez l'année du chiffre ou le document "
         "qui le donne."),
        ("warning", "g.csv", None, "year",
         f"un chiffre de l'année 2026 (abattement de TFPB) attribué au document « Bilan 2025 », publié le 10{NB}février"
         f"{NB}2026 : l'année n'était pas finie à sa publication. Vérifiez l'année du chiffre ou le document "
         "qui le donne.")]


def test_the_five_tables_are_read_in_one_statement() -> None:
    con = _Counting(_db(documents=[dict(contract_slug="c", document_id="d", title="Bilan", published_on="2026-02-10")],
                        kpi_definitions=[dict(contract_slug="c", kpi_id="k", label="k", unit="u", cumulation="sum")],
                        kpi_values=[_kpi(2026, 7.0, "d")]))
    assert [m.message for m in period_after_publication(con)] == [
        f"un chiffre de l'année 2026 (indicateur du contrat) attribué au document « Bilan », publié le 10{NB}février"
        f"{NB}2026 : l'année n'était pas finie à sa publication. Vérifiez l'année du chiffre ou le document "
        "qui le donne."]
    assert len(con.statements) == 2      # the `_row_lines` DDL, then one query (five before)
