"""The landlords' TFPB table of « Droit commun et signataires » names its document right under it,
as every other table of the page: it had no source line, its « Source » column giving only the
section (« revue annuelle 2025, chiffres déclarés »), and at 390 px that column hides under
« Détail » (issue 11, s15-ZA). indicators.review.tfpb gives each line's document; the page writes
review.documents_credit / documents_short_credit under the table."""
from __future__ import annotations

import html
from datetime import date, datetime

import pytest

from etl.db import create_empty
from indicators import review
from indicators.fmt import plain_spaces

SRC = "src"


def _insert(con, table: str, **values) -> None:
    values.setdefault("source_id", SRC)
    con.execute(f"insert into {table} ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                list(values.values()))


@pytest.fixture
def con():
    c = create_empty()
    c.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, rows_read,"
              " loaded_at, is_fictional) values (?, 'programme_signatories', 'Agglo', 'Modèle', '2025',"
              " 'revue.csv', 'x', 3, ?, false)", [SRC, datetime(2026, 1, 1)])
    _insert(c, "documents", contract_slug="c", document_id="bilan", title="Bilan annuel 2025",
            producer="Agglo de Testville", published_on=date(2026, 2, 10))
    _insert(c, "review_signatories", contract_slug="c", signatory_id="opac", name="OPAC de Testville",
            signatory_type="bailleur")
    _insert(c, "review_tfpb", contract_slug="c", signatory_id="opac", year=2025, action="Gardiennage",
            amount_eur=12_000.0, document_id="bilan", source_ref="p. 8, abattement TFPB", is_internal=False)
    _insert(c, "review_tfpb", contract_slug="c", signatory_id="opac", year=2024, action="Animation",
            amount_eur=None, document_id="bilan", source_ref="p. 8, abattement TFPB", is_internal=False)
    yield c
    c.close()


def test_each_tfpb_line_carries_its_document(con):
    frame = review.tfpb(con, "c")
    assert frame.astype(object).where(frame.notna(), None).values.tolist() == [
        [2024, "OPAC de Testville", "Animation", None, None, None, "bilan", "p. 8, abattement TFPB",
         "Bilan annuel 2025", "Agglo de Testville", "2026-02-10"],
        [2025, "OPAC de Testville", "Gardiennage", None, None, 12_000.0, "bilan", "p. 8, abattement TFPB",
         "Bilan annuel 2025", "Agglo de Testville", "2026-02-10"]]
    # The line under the table: the document without its section (the « Source » column has it).
    assert plain_spaces(review.documents_credit(frame, sections=False)) == (
        "Bilan annuel 2025 (Agglo de Testville, 10 février 2026)")
    assert review.documents_short_credit(frame) == "Bilan annuel 2025 — Agglo de Testville, 2026"


def test_a_line_citing_no_document_gives_its_section(con):
    con.execute("update review_tfpb set document_id = null")
    frame = review.tfpb(con, "c")
    assert review.documents_credit(frame, sections=False) == "p. 8, abattement TFPB"
    assert review.documents_short_credit(frame) is None


def test_the_demo_tfpb_table_names_its_document_under_it(demo_db) -> None:
    from tests.app.test_pages import run_page
    from tests.app.test_sources_under_tables import _after
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    assert plain_spaces(html.unescape(_after(at, "Action financée"))) == (
        '<div class="qpv-source qpv-more" title="Source : Bilan annuel du contrat de ville 2025 (document '
        'fictif, CA Val-de-Lorne, fictive, 10 février 2026)">Source : Bilan annuel du contrat de ville '
        '2025 — CA Val-de-Lorne (fictive), 2026</div>')
