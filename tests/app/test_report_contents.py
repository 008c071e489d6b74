"""The mandate report from « Rapports et exports » holds what `python -m reports mandate` holds
(issue 11): one rule (reports.pdf.mandate_contents) decides the default sections and QPVs.

Both paths are run for every contract of the real demo database; `reports.pdf.mandate_pdf` is
replaced by a recorder so that what each path asks for is compared without laying out PDFs."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from reports import __main__ as cli
from reports import pdf

ROOT = Path(__file__).resolve().parents[2]

EXPECTED = {
    "demo": (("chiffres", "financements", "portraits", "bilans", "logement", "revue"),
             ("QN09901M", "QN09902I", "QN09903M", "QN09904N", "QN09905N", "QN09906N", "QN09907N",
              "QN09908N", "QN09909N", "QN09910N", "QP099001", "QP099002"), 2025),
    # The annual review, on by default when the territory has review data, for the latest year
    # reported, else the latest year with anything declared for the review (Grand Chalon:
    # signatories and committee, no signatory figure yet, the CIA's published results of 2021).
    "grand-chalon": (("chiffres", "portraits", "logement", "revue"), ("QN07101I", "QN07102I"), 2021),
    "chambery": (("chiffres", "portraits", "bilans"), ("QN07301M", "QN07302M")),
    "chartres-metropole": (("financements", "portraits"),
                           ("QN02802M", "QN02803M", "QN02804M", "QN02805I", "QN02811N")),
}


@pytest.fixture
def recorded(monkeypatch, demo_db) -> list:
    """Every mandate_pdf call, resolved to the contents it would print."""
    calls: list = []

    def fake(con, contract_slug, sections=None, qpv_codes=None, review_year=None, **kw):
        calls.append(pdf.mandate_contents(con, contract_slug, sections, qpv_codes, review_year))
        return b"%PDF-1.4 recorded"

    monkeypatch.setattr(pdf, "mandate_pdf", fake)
    return calls


def _app_contents(contract: str, monkeypatch, recorded: list) -> pdf.MandateContents:
    captured: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "rapports.py"), default_timeout=90)
    at.session_state["territoire"] = contract
    at.run()
    assert not at.exception, at.exception
    # What the user sees selected by default.
    shown = at.multiselect(key=f"report_sections_{contract}").value
    assert tuple(shown) == EXPECTED[contract][0]
    assert at.multiselect(key=f"report_qpvs_{contract}").value == []
    [make] = [f for name, f in captured.items() if name.startswith("rapport_mandat")]
    make()
    return recorded[-1]


@pytest.mark.parametrize("contract", sorted(EXPECTED))
def test_app_and_command_line_print_the_same_report(contract, demo_db, recorded, monkeypatch,
                                                     tmp_path) -> None:
    app = _app_contents(contract, monkeypatch, recorded)
    assert cli.main(["--db", str(demo_db), "mandate", "--territory", contract,
                     "--out", str(tmp_path / "m.pdf")]) == 0
    cli_ = recorded[-1]
    assert app == cli_ == pdf.MandateContents(*EXPECTED[contract])


def test_a_chosen_qpv_narrows_the_default_sections(demo_db) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        # Biollay - Bellevue has no review: the review section is not offered for it alone.
        assert pdf.mandate_contents(con, "chambery", qpv_codes=["QN07301M"]) == pdf.MandateContents(
            ("chiffres", "portraits"), ("QN07301M",))
        assert pdf.mandate_contents(con, "chambery", sections=["bilans", "chiffres"]) == \
            pdf.MandateContents(("chiffres", "bilans"), ("QN07301M", "QN07302M"))
        with pytest.raises(pdf.ReportError, match="Section inconnue : nope"):
            pdf.mandate_contents(con, "chambery", sections=["nope"])
    finally:
        con.close()


def test_chambery_report_holds_the_hauts_de_chambery_review(demo_db) -> None:
    import subprocess
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        data = pdf.mandate_pdf(con, "chambery", charts=False)
    finally:
        con.close()
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    assert "Aucun bilan" not in text
    assert text.count("Les Hauts De Chambéry") >= 3       # contents, portrait, review
    assert "Biollay - Bellevue" in text
    assert "Le besoin au départ" in text


def test_a_review_left_out_by_the_chosen_qpvs_is_named_not_denied(demo_db) -> None:
    import subprocess
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        data = pdf.mandate_pdf(con, "chambery", sections=["bilans"], qpv_codes=["QN07301M"], charts=False)
    finally:
        con.close()
    text = subprocess.run(["pdftotext", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode().replace("\n", " ")
    assert "Aucun bilan pour les quartiers choisis ; ce territoire en a pour : Les Hauts De Chambéry." in text
    assert "n'est chargé" not in text


def test_the_review_year_chosen_in_the_app_is_the_one_printed(demo_db, recorded, monkeypatch, tmp_path) -> None:
    captured: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "rapports.py"), default_timeout=90)
    at.session_state["territoire"] = "grand-chalon"
    at.run()
    box = at.selectbox(key="report_review_year_grand-chalon")
    assert box.label == "Année de la revue annuelle"
    assert box.value == 2021          # the CIA's published results: the latest declared year
    assert box.options == [str(y) for y in range(min(dt.date.today().year, 2030), 2023, -1)] + ["2021", "2020"]
    box.set_value(2024).run()
    assert not at.exception
    [make] = [f for name, f in captured.items() if name.startswith("rapport_mandat")]
    make()
    assert recorded[-1] == pdf.MandateContents(("chiffres", "portraits", "logement", "revue"),
                                               ("QN07101I", "QN07102I"), 2024)
    assert "--review-year 2024" in at.code[0].value
    # Without the review section, no year is asked for.
    at.multiselect(key="report_sections_grand-chalon").set_value(["chiffres"]).run()
    assert not at.selectbox
    assert cli.main(["--db", str(demo_db), "mandate", "--territory", "grand-chalon", "--review-year", "2024",
                     "--out", str(tmp_path / "m.pdf")]) == 0
    assert recorded[-1] == pdf.MandateContents(("chiffres", "portraits", "logement", "revue"),
                                               ("QN07101I", "QN07102I"), 2024)
