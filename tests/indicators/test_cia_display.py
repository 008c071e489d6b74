"""CIA rates as shown (issue 11): a rate we compute reads with one decimal on the page, in the PDF
and in the XLSX (a numeric cell rounded to one decimal of percent); a rate typed from a document
keeps the decimals the document prints. Results come latest year first, in the convention's
order of objectives and parties."""
from __future__ import annotations

import io

import pypdf
import pytest
from openpyxl import load_workbook

from indicators import housing
from reports import pdf
from reports.tables import to_xlsx_bytes
from ui import views

NBSP = "\u00a0"


@pytest.mark.parametrize("rate, origin, decimals, shown", [
    (57.5758, "computed", 1, 57.6),
    (12.04, "published", 2, 12.04),
    (42.5, "published", 1, 42.5),
    (25.0, "published", 0, 25.0),
    (33.3333, "computed", 1, 33.3),
    (12.25, "computed", 1, 12.3),          # half-up, exactly (not the float's 12.2)
    (None, None, 1, None),
])
def test_rate_decimals_and_shown_rate(rate, origin, decimals, shown) -> None:
    assert housing.rate_decimals(rate, origin) == decimals
    assert housing.shown_rate(rate, origin) == shown


def _cia(db) -> None:
    """Grand Chalon's published 2021 rate (12,04 %), a document's counts without a rate (2022:
    19 of 33, so we compute 57,6 %), and attributions for 2023 (computed, 2 of 3 = 66,7 %)."""
    db.contract("gc", name="Contrat de ville du Grand Chalon")
    db.published_result("gc", 2021, "ensemble", "Ensemble", "q1_hors_qpv", numerator=82,
                        rate_pct=12.04, needed_published=88, document_id="cia", source_ref="p. 120")
    db.published_result("gc", 2022, "ensemble", "Ensemble", "q1_hors_qpv", numerator=19,
                        denominator=33, document_id="cia", source_ref="p. 121")
    db.attribution("gc", 2023, "OPAC 71", "etat", "hors_qpv", 2, resource_quartile=1,
                   is_priority_household=True)
    db.attribution("gc", 2023, "OPAC 71", "etat", "hors_qpv", 1, resource_quartile=2,
                   is_priority_household=False)
    db.attribution("gc", 2021, "OPAC 71", "etat", "qpv", 3, qpv_code="QN07101I", resource_quartile=3,
                   is_priority_household=False)
    db.attribution("gc", 2021, "OPAC 71", "etat", "hors_qpv", 1, resource_quartile=1,
                   is_priority_household=True)


def test_results_come_latest_year_first_in_the_convention_s_order(db) -> None:
    _cia(db)
    got = [(r.year, r.objective, r.party_type, r.party_name, r.origin)
           for r in housing.attribution_results(db.con, "gc")]
    assert got == [
        (2023, "q1_hors_qpv", "ensemble", "Ensemble", "computed"),
        (2023, "q1_hors_qpv", "bailleur", "OPAC 71", "computed"),
        (2023, "q1_hors_qpv", "reservataire", "etat", "computed"),
        (2023, "menages_prioritaires", "ensemble", "Ensemble", "computed"),
        (2023, "menages_prioritaires", "bailleur", "OPAC 71", "computed"),
        (2023, "menages_prioritaires", "reservataire", "etat", "computed"),
        (2022, "q1_hors_qpv", "ensemble", "Ensemble", "published"),
        (2021, "q1_hors_qpv", "ensemble", "Ensemble", "published"),      # the document's first
        (2021, "q1_hors_qpv", "ensemble", "Ensemble", "computed"),
        (2021, "q1_hors_qpv", "bailleur", "OPAC 71", "computed"),
        (2021, "q1_hors_qpv", "reservataire", "etat", "computed"),
        (2021, "hors_q1_en_qpv", "ensemble", "Ensemble", "computed"),
        (2021, "hors_q1_en_qpv", "bailleur", "OPAC 71", "computed"),
        (2021, "hors_q1_en_qpv", "reservataire", "etat", "computed"),
        (2021, "menages_prioritaires", "ensemble", "Ensemble", "computed"),
        (2021, "menages_prioritaires", "bailleur", "OPAC 71", "computed"),
        (2021, "menages_prioritaires", "reservataire", "etat", "computed"),
    ]


def _whole_territory_q1(db):
    results = housing.results_frame(housing.attribution_results(db.con, "gc"))
    return results[(results["party_type"] == "ensemble") & (results["objective"] == "q1_hors_qpv")]


def test_page_table_and_tiles_show_computed_rates_with_one_decimal(db) -> None:
    _cia(db)
    part = _whole_territory_q1(db)
    table = views.housing_table(part)
    assert table[["Année", "Taux", "Origine"]].values.tolist() == [
        ["2023", f"66,7{NBSP}%", "calculé"],
        ["2022", f"57,6{NBSP}%", "publié"],        # the document's counts, the rate is ours
        ["2021", f"12,04{NBSP}%", "publié"],       # as the document prints it
        ["2021", f"100,0{NBSP}%", "calculé"],
    ]
    results = housing.results_frame(housing.attribution_results(db.con, "gc"))
    assert [(t["label"], t["value"]) for t in views.housing_headlines(results)] == [
        ("Attributions hors QPV aux ménages du 1er quartile – 2023", f"66,7{NBSP}%"),
        ("Attributions en QPV aux ménages au-dessus du 1er quartile – 2021", f"100,0{NBSP}%"),
        ("Attributions aux ménages prioritaires – 2023", f"66,7{NBSP}%"),
    ]


def test_xlsx_keeps_a_number_rounded_to_one_decimal_for_a_computed_rate(db) -> None:
    _cia(db)
    frame = views.export_frame("cia_results", _whole_territory_q1(db))
    assert frame[["Année", "Taux (%)", "Origine"]].values.tolist() == [
        [2023, 66.7, "calculé"], [2022, 57.6, "publié"], [2021, 12.04, "publié"],
        [2021, 100.0, "calculé"]]
    data = to_xlsx_bytes(frame, title="Résultats de la CIA", territory="Grand Chalon", sources=[])
    ws = load_workbook(io.BytesIO(data)).active
    rows = [r for r in ws.iter_rows() if r[0].value in (2021, 2022, 2023)]
    column = [c.value for c in next(r for r in ws.iter_rows() if r[0].value == "Année")].index("Taux (%)")
    assert [r[column].value for r in rows] == [66.7, 57.6, 12.04, 100]
    assert {r[column].number_format for r in rows} == {f'#,##0.0#"{NBSP}%"'}


def test_pdf_shows_a_computed_rate_with_one_decimal_and_a_published_one_as_printed(db) -> None:
    _cia(db)
    data = pdf.mandate_pdf(db.con, "gc", sections=["logement"], charts=False)
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages).split())
    assert "19 attributions sur 33 = 57,6 % (publié)" in text.replace(NBSP, " ").replace("\u202f", " ")
    assert "82 attributions sur 681 (déduit du taux publié) = 12,04 % (publié)" in text.replace(
        NBSP, " ").replace("\u202f", " ")
    assert "2 attributions sur 3 = 66,7 % (calculé)" in text.replace(NBSP, " ").replace("\u202f", " ")
    assert "57,58" not in text and "66,67" not in text


def test_review_section_rounds_a_computed_rate_to_one_decimal(db) -> None:
    from indicators import review
    _cia(db)
    [section] = [s for s in review.review_sections(db.con, "gc", 2022) if s.key == "cia"]
    assert section.table[["Partie", "Taux (%)"]].values.tolist() == [["Ensemble", 57.6]]
    [section] = [s for s in review.review_sections(db.con, "gc", 2023) if s.key == "cia"]
    assert section.table["Taux (%)"].tolist() == [66.7, 66.7, 66.7, 66.7, 66.7, 66.7]
