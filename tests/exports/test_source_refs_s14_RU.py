"""Source lines that read the same way everywhere (issue 11, visual review s14-RU).

1. A figure whose typed note names the document the database knows is cited as that document,
   once, with the note's precision in its reference (Chartres' portraits cited one web page as
   [1] « Chartres métropole, page « Politique de la ville » (21/09/2023) – … » and [2] « Politique
   de la ville (page du site de Chartres métropole) »).
"""
from __future__ import annotations

import datetime as dt
import io
import shutil

import duckdb
import pypdf

from indicators.fmt import plain_spaces
from indicators.sources import cited_document, credit, note_precision
from reports import pdf

TITLE = "Politique de la ville (page du site de Lorneville agglomération)"
PRODUCER = "Lorneville agglomération"
NOTE = ("Lorneville agglomération, page « Politique de la ville » (21/09/2023) – quartier "
        "prioritaire 2015–2023 « les Tilleuls » (contour de 2015, année de la population non précisée)")
SECTION = "§ « Les quartiers prioritaires » : « Il y a deux quartiers prioritaires »"
NAME = "Politique de la ville (page du site de Lorneville agglomération), Lorneville agglomération, 21 septembre 2023"
REFERENCE = ("§ « Les quartiers prioritaires » : « Il y a deux quartiers prioritaires » ; quartier "
             "prioritaire 2015–2023 « les Tilleuls » (contour de 2015, année de la population non précisée)")


def test_a_note_naming_its_document_is_that_document_with_the_note_s_precision() -> None:
    assert note_precision(NOTE, TITLE, "2023-09-21") == (
        "quartier prioritaire 2015–2023 « les Tilleuls » (contour de 2015, année de la population "
        "non précisée)")
    cited = cited_document(NOTE, SECTION, TITLE, PRODUCER, "2023-09-21")
    assert tuple(plain_spaces(p) for p in cited) == (NAME, REFERENCE)
    # Named by its URL, or by its title and its date without quotes; a note saying only that.
    assert note_precision("https://lorneville.fr/pdv – Tilleuls", TITLE, None,
                          "https://lorneville.fr/pdv") == "Tilleuls"
    assert note_precision("Politique de la ville, 21/09/2023", TITLE, "2023-09-21") == ""
    # Another source quoted by the document: not the document (an undated title that the
    # producer's file bears, a page of another date, another page).
    assert note_precision("Insee, Filosofi 2021", "Filosofi 2021 : revenus et pauvreté", None) is None
    assert note_precision("Politique de la ville, 03/01/2020 – Tilleuls", TITLE, "2023-09-21") is None
    assert note_precision("Lorneville agglomération, page « Habitat » (21/09/2023)", TITLE,
                          "2023-09-21") is None
    assert cited_document("Insee 2019", SECTION, TITLE, PRODUCER, "2023-09-21") is None


def test_the_screen_credits_it_as_the_texts_typed_from_it() -> None:
    details = dict(document_title=TITLE, document_producer=PRODUCER, source_ref=SECTION,
                   document_date="2023-09-21")
    assert plain_spaces(credit(NOTE, "published", **details)) == f"{NAME} – {REFERENCE}"
    assert credit(NOTE, "published", short=True, **details) == (
        "Politique de la ville, § « Les quartiers prioritaires » — Lorneville agglomération, 2023")
    # A producer's own quotation stays the credit (module rule); another quotation is quoted.
    assert credit("Lorneville agglomération, rapport 2022", "published", **details) == (
        "Lorneville agglomération, rapport 2022")
    assert credit("Insee 2019", "published", **details) == (
        "Politique de la ville, § « Les quartiers prioritaires » (d'après Insee 2019)")


def test_one_number_for_the_document_cited_by_a_figure_and_by_texts() -> None:
    refs = pdf.SourceRefs({"pdv": (TITLE, PRODUCER, "2023-09-21", None)})
    whole = pdf.sources_mod.document_name(TITLE, PRODUCER, "21\u00a0septembre\u00a02023")
    assert [refs.ref(NOTE, SECTION, "pdv"), refs.ref(whole, None), refs.ref("Insee 2019", "p. 3"),
            refs.ref(NOTE, SECTION, "pdv")] == [1, 1, 2, 1]
    assert [plain_spaces(line) for line in refs.lines()] == [
        f"[1] {NAME} — {REFERENCE}", "[2] Insee 2019 — p. 3"]
    # The document cited whole first (its texts), then at a section: one number, the section's.
    refs = pdf.SourceRefs({"pdv": (TITLE, PRODUCER, "2023-09-21", None)})
    assert [refs.ref("Doc B"), refs.ref(whole, None), refs.ref(NOTE, SECTION, "pdv"),
            refs.ref(whole, None)] == [1, 2, 2, 2]
    assert [plain_spaces(line) for line in refs.lines()] == ["[1] Doc B", f"[2] {NAME} — {REFERENCE}"]
    # Without the documents, or for a note naming something else, the note as typed.
    refs = pdf.SourceRefs()
    assert [refs.ref(NOTE, SECTION, "pdv"), refs.ref(whole, None)] == [1, 2]


def test_a_portrait_cites_the_page_once(report_db_path, image_server, tmp_path) -> None:
    from tests.exports.conftest import Factory
    db = tmp_path / "report.duckdb"
    shutil.copy(report_db_path, db)
    with duckdb.connect(str(db)) as con:
        f = Factory(con)
        f.insert("documents", contract_slug="gc-test", document_id="pdv", title=TITLE,
                 producer=PRODUCER, published_on="2023-09-21")
        f.territory("QN07103I", "qpv", "Les Tilleuls", 2024, [("71076", "commune")], "gc-test")
        f.insert("indicator_facts", territory_code="QN07103I", territory_level="qpv",
                 indicator_id="population_count", year=2023, value=2540, status="ok",
                 origin="published", source_note=NOTE, document_id="pdv", source_ref=SECTION,
                 year_given=False)
        f.insert("qualitative_items", contract_slug="gc-test", territory_code="QN07103I",
                 item_type="note", theme="Géographie prioritaire", position=1,
                 text="Quartier prioritaire 2015–2023 : les Tilleuls.", document_id="pdv")
        data = pdf.portrait_pdf(con, "QN07103I", generated_on=dt.date(2026, 3, 5), charts=False)
    text = " ".join(plain_spaces(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "2 540 habitants (année non précisée, source [1])" in text
    assert "Notes [1]" in text
    assert f"[1] {NAME} — {' '.join(REFERENCE.split())}" in text
    assert "[2]" not in text and "Lorneville agglomération, page" not in text
