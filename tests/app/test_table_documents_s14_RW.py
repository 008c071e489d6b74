"""Issue 11 (final review of Grand Chalon): the CIA's two tables (« Résultats par année et par
partie », « Objectifs de la convention ») and the signatories' table had no source line: their
« Source » column gives each row's section (« Annexe 7 – CIA, « … » (p. 8…) »), never the
document, its producer or its year. Each table now has its line under it, as the charts beside
them: the documents as a reader cites them, the whole credit behind « Source complète »."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from indicators import housing, review
from tests.app.test_first_screen_leftovers import sources_shown
from tests.app.conftest import publish_db
from tests.app.test_pages import run_page
from tests.exports.test_review_report import _insert, build_review_db
from ui import views

CIA = "Convention intercommunale d'attribution de Testville (annexe 7 du contrat)"
CIA_FULL = f"{CIA}, Agglo, 30 mars 2023"          # the title's own bracket, then producer, date
CIA_SHORT = "Convention intercommunale d'attribution de Testville — Agglo, 2023"
SECTION = "annexe 7, « Les objectifs quantifiés » (p. 8)"


def spaced(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


@pytest.fixture
def cited_db(tmp_path: Path, monkeypatch) -> Path:
    """Contract `c`: a CIA (title, producer, date) with a published 2021 result and two objectives
    citing it; its two signatories citing the contract's annexes (title and producer, no date)."""
    path = build_review_db(tmp_path / "cited.duckdb")
    con = duckdb.connect(str(path))
    _insert(con, "documents", contract_slug="c", document_id="cia", title=CIA, producer="Agglo",
            published_on="2023-03-30")
    _insert(con, "housing_published_results", contract_slug="c", year=2021, party_type="ensemble",
            party_name="Testville", objective="q1_hors_qpv", numerator=82.0, rate_pct=12.04,
            document_id="cia", source_ref=SECTION)
    for objective, target in (("q1_hors_qpv", 25.0), ("hors_q1_en_qpv", 50.0)):
        _insert(con, "housing_objectives", contract_slug="c", party_type="ensemble",
                party_name="Testville", objective=objective, target_pct=target, document_id="cia",
                source_ref=SECTION)
    con.execute("update review_signatories set document_id = 'annexes', source_ref = 'annexe 3 (p. 29)'")
    con.close()
    publish_db(monkeypatch, path)
    return path


def test_the_cia_tables_name_their_document(cited_db) -> None:
    at = run_page("logement", territoire="c")
    assert not at.exception
    lines = sources_shown(at)
    # The 2021 result's tile (its line, then the group's whole sources), then the results table
    # and the chart beside it the same, then the objectives table: its document without the
    # section its rows give (« Source » column), the whole behind the toggle.
    short = "Source : " + CIA_SHORT.replace(" — ", ", annexe 7 — ")
    whole = f"{CIA_FULL} — {SECTION}"
    assert lines == [short, whole, short, "Source : " + whole, short, "Source : " + whole,
                     "Source : " + CIA_SHORT, "Source : " + CIA_FULL]
    assert [p.proto.popover.label for p in at.get("popover")] == ["Source complète"] * 3


def test_the_signatories_table_names_its_document(cited_db) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    lines = sources_shown(at)
    # The credits, the schemes' line twice (under the table, under the list), then under the
    # signatories' table the annexes as a reader cites them and the whole credit without the
    # rows' sections (the committee cites nothing here: no line).
    assert lines[-2:] == ["Source : Annexes du contrat — Agglo", "Source : Annexes du contrat (Agglo)"]
    # Its toggle, after the credits' line and the two of the schemes' lines (their document
    # named: short line + whole).
    assert [p.proto.popover.label for p in at.get("popover")] == ["Source complète"] * 4


def test_rows_citing_documents_are_credited_with_or_without_their_sections(cited_db) -> None:
    con = duckdb.connect(str(cited_db), read_only=True)
    try:
        objectives = housing.objectives_frame(con, "c")
        signatories = review.signatories(con, "c")
    finally:
        con.close()
    assert objectives[["document_title", "document_producer", "document_date"]].values.tolist() == [
        [CIA, "Agglo", "2023-03-30"]] * 2
    # (Dates in words keep their no-break spaces: read here as spaces.)
    assert spaced(review.documents_credit(objectives)) == f"{CIA_FULL} — {SECTION}"
    assert spaced(review.documents_credit(objectives, sections=False)) == CIA_FULL
    assert review.documents_short_credit(objectives) == CIA_SHORT
    assert review.documents_short_credit(signatories) == "Annexes du contrat — Agglo"
    # A row citing no known document: no short line (the whole credit is the line).
    signatories.loc[0, "document_title"] = None
    assert review.documents_short_credit(signatories) is None


def test_the_common_law_tables_name_the_document_their_sections_belong_to(tmp_path, monkeypatch) -> None:
    """« Mobilisable et mobilisé » and « Ce qu'aucun signataire n'a déclaré »: their line read
    « d'après Annexe 3 – … » (Grand Chalon), a section without the document it is a section of."""
    path = build_review_db(tmp_path / "schemes.duckdb")
    con = duckdb.connect(str(path))
    con.execute("update documents set published_on = '2024-03-15' where document_id = 'annexes'")
    con.close()
    publish_db(monkeypatch, path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        whole, short = review.schemes_credit(con, "c")
    finally:
        con.close()
    assert (spaced(whole), short) == ("Annexes du contrat (Agglo, 15 mars 2024) — annexe 4",
                                      "Annexes du contrat — Agglo, 2024")
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    head = ("Source : dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du "
            "contrat (modèle de programme), d'après ")
    # Under the mobilisation table and under the undeclared schemes: the short line, then the
    # whole credit behind « Source complète ».
    lines = sources_shown(at)
    # The credits' line cites the schemes' document the same way (s15-RV merged with s15-RW).
    credits = "Source : programme 147 : financements saisis par l'équipe du contrat (modèle de programme) ; "
    assert lines[:2] == [credits + "droit commun : d'après Annexes du contrat — Agglo, 2024",
                         credits + "droit commun : " + head.removeprefix("Source : ")
                         + "Annexes du contrat (Agglo, 15 mars 2024) — annexe 4"]
    assert lines[2:6] == [head + "Annexes du contrat — Agglo, 2024",
                          head + "Annexes du contrat (Agglo, 15 mars 2024) — annexe 4"] * 2
    # Without a document known for a row, the sections alone, as before.
    assert views.schemes_source(pd.DataFrame({"Source": ["annexe 4"]})) == (
        head.removeprefix("Source : ") + "annexe 4")


def test_the_committee_line_names_its_document_as_the_tables_above_do(tmp_path, monkeypatch) -> None:
    """The committee's line was its whole credit cut at 220 characters (Grand Chalon: the annexes'
    long title, « …, « Les contributions des Signataires… ») ») under tables whose lines read
    « Contrat de ville du Grand Chalon 2024-2030 — Le Grand Chalon et al. »: now the document as a
    reader cites it with the section the members share, the whole behind « Source complète »."""
    path = build_review_db(tmp_path / "committee.duckdb")
    con = duckdb.connect(str(path))
    con.execute("delete from review_committee")
    for position, college in enumerate(("Pilotes", "Élus"), 1):
        _insert(con, "review_committee", contract_slug="c", college=college, organisation="Agglo",
                member=f"Membre {position}", position=position, document_id="annexes",
                source_ref=f"annexe 6 (p. 60), rubrique « {college} »")
    con.close()
    publish_db(monkeypatch, path)
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    assert sources_shown(at)[-2:] == ["Source : Annexes du contrat, annexe 6 — Agglo",
                                      "Source : Annexes du contrat (Agglo) — annexe 6 (p. 60)"]
