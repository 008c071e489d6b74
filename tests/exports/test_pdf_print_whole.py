"""Reports that print as they are (issue 11, RI): defects seen on the PDFs' pages, each checked on
small data built by code with whole outputs: source lines printed whole (never cut by the
screen's 90-character short line), the review's CIA table saying which result is the
document's and which is computed, the annex naming what tells apart two rows of one scheme,
a demo portrait's sources saying the demo mark once."""
from __future__ import annotations

import subprocess

import duckdb

from indicators import sources
from reports import pdf
from tests.exports.conftest import Factory


def _text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


LONG_TITLE = "Bilan annuel du contrat de ville de l'agglomération de Test 2025 (document fictif)"
LONG_PRODUCER = "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes"


def test_a_printed_credit_is_whole_where_the_screen_line_is_cut() -> None:
    # The screen's short line (SHORT_LINE, 90 characters) cuts the section and its year…
    short = sources.reader_credit(LONG_TITLE, "programmation 2021, tableau 2", LONG_PRODUCER, "2026-02-10",
                                  is_fictional=True)
    assert "2021" not in short and short.endswith("2026")
    # …a printed line wraps: document, section (its name, up to its details), producer, year.
    assert sources.reader_credit(LONG_TITLE, "programmation 2021, tableau 2", LONG_PRODUCER, "2026-02-10",
                                 is_fictional=True, whole=True) == (
        "Bilan annuel du contrat de ville de l'agglomération de Test 2025, programmation 2021 — "
        "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026")
    # A long title keeps its whole name (the short line keeps what is before « – »); a section
    # the title already says is not said twice; no date, no year; a fictional file's producer
    # as fictional; quoted producers follow whole.
    assert sources.reader_credit(
        "Convention intercommunale d'attribution – Communauté d'agglomération de Test (annexe 7)",
        "Convention intercommunale d'attribution", "Agglomération de Test", None, whole=True) == (
        "Convention intercommunale d'attribution – Communauté d'agglomération de Test — Agglomération de Test")
    assert sources.reader_credit("Filosofi", None, "INSEE", "2021", is_fictional=True, whole=True) == (
        "Filosofi — Données fictives (démo), format INSEE, 2021")
    assert sources.reader_credit("Portrait", "p. 4", "Ville", "2024", whole=True,
                                 quotes=["Insee 2019", "Données INSEE 2019", "Compas 2022"]) == (
        "Portrait, p. 4 — Ville, 2024 (d'après Données INSEE 2019 ; Compas 2022)")


def _long_db(path) -> duckdb.DuckDBPyConnection:
    from etl.db import create_empty
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="bilan", title=LONG_TITLE, producer=LONG_PRODUCER,
             published_on="2026-02-10")
    f.insert("documents", contract_slug="cv", document_id="cia",
             title="Convention intercommunale d'attribution de l'agglomération de Test (document fictif)",
             producer="Agglomération de Test", published_on="2021-11-30")
    for year in (2020, 2021):
        f.insert("programme_actions", contract_slug="cv", action_id=f"A{year}", year=year, title=f"Action {year}",
                 document_id="bilan", source_ref=f"programmation {year}")
        f.insert("programme_funding", contract_slug="cv", action_id=f"A{year}", year=year, funder="ville",
                 amount_eur=1000, document_id="bilan", source_ref=f"programmation {year}")
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0, document_id="cia", source_ref="article 3 (objectifs)")
    return con


def test_review_and_mandate_print_their_table_credits_whole(tmp_path) -> None:
    con = _long_db(tmp_path / "long.duckdb")
    programme = ("Source : Bilan annuel du contrat de ville de l'agglomération de Test 2025, programmation 2021 — "
                 "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026")
    cia = ("Source : Convention intercommunale d'attribution de l'agglomération de Test, article 3 — "
           "Agglomération de Test, 2021")
    assert pdf.table_credit(con, "cv", pdf.REVIEW_SECTION_TABLES["programme"], 2021) == programme
    assert pdf.table_credit(con, "cv", pdf.REVIEW_SECTION_TABLES["cia"]) == cia
    review = _text(pdf.review_pdf(con, "cv", 2021))
    assert f"Action Montant Action 2021 1 000 € {programme}" in review
    assert "…" not in review
    # The mandate report's funding table: two years, two sections of the document (named alone).
    mandate = _text(pdf.mandate_pdf(con, "cv", sections=["financements", "logement"]))
    assert ("Source : Bilan annuel du contrat de ville de l'agglomération de Test 2025 — "
            "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026") in mandate
    assert cia in mandate
    assert "…" not in mandate
    con.close()


def test_a_portrait_sources_list_says_the_demo_mark_once() -> None:
    """The demo portrait's list read « Données fictives de démonstration : » above [1]…[9] and
    again at [10] and [13], the fictional figures a document quotes with their page: every
    source under the mark joins its group, in the order of its number."""
    refs = pdf.SourceRefs()
    for label, ref in [("Fictif : INSEE, recensement de la population, 2020", None),
                       ("Fictif : Compas – ABS 2022 (fictif)", "p. 4"),
                       ("Fictif : INSEE, Cnaf, données par quartier, 2022", None),
                       ("Portraits de quartiers (document fictif, Ville, 5 octobre 2023)", None),
                       ("Fictif : Bailleurs – enquête OPS 2022 (fictif)", "p. 4"),
                       ("INSEE — recensement 2020", "tableau 3")]:
        refs.ref(label, ref)
    assert refs.lines() == [
        "Données fictives de démonstration :",
        "[1] recensement de la population, 2020",
        "[2] Compas – ABS 2022 (fictif) — p. 4",
        "[3] Cnaf, données par quartier, 2022",
        "[5] Bailleurs – enquête OPS 2022 (fictif) — p. 4",
        "[4] Portraits de quartiers (document fictif, Ville, 5 octobre 2023)",
        "[6] INSEE — recensement 2020 — tableau 3"]
    # One fictional source alone keeps its one line, mark included.
    alone = pdf.SourceRefs()
    alone.ref("Fictif : Compas – ABS 2022 (fictif)", "p. 4")
    assert alone.lines() == ["[1] Données fictives de démonstration — Compas – ABS 2022 (fictif) — p. 4"]
