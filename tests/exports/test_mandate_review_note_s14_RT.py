"""A mandate report without its « Revue annuelle » says why (issue 11): a territory with no
signatory nor steering committee (Chartres métropole) gets no review section, and
`python -m reports mandate --review-year 2022` and the « Rapports et exports » page said nothing.
reports.pdf.review_left_out_note gives the French reason both print; small database built by code."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import config
from etl.db import create_empty
from reports import pdf
from reports.__main__ import main

ROOT = Path(__file__).resolve().parents[2]
SRC = "src_rt00000000001"
NO_SIGNATORY = ("La section « Revue annuelle 2022 » n'est pas dans le rapport : ce territoire n'a ni "
                "signataire ni comité de pilotage déclaré, dont elle présente les engagements.")


def _insert(con, table: str, **values) -> None:
    values.setdefault("source_id", SRC)
    con.execute(f"insert into {table} ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                list(values.values()))


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    """`sans`: programme funding only (no signatory, no committee); `avec`: one signatory."""
    path = tmp_path_factory.mktemp("rt") / "rt.duckdb"
    con = create_empty(path)
    con.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, rows_read,"
                " loaded_at, is_fictional) values (?, 'programme_signatories', 'Agglo', 'Modèle', '2022',"
                " 'revue.csv', 'x', 3, ?, false)", [SRC, datetime(2026, 1, 1)])
    for slug, name in (("sans", "Contrat de ville de Sansville"), ("avec", "Contrat de ville d'Avecville")):
        _insert(con, "contracts", contract_slug=slug, contract_name=name, period_label="2024–2030",
                start_year=2024, end_year=2030, is_fictional=False)
        _insert(con, "programme_funding", contract_slug=slug, year=2022, funder="etat_p147", amount_eur=1000.0)
    _insert(con, "review_signatories", contract_slug="avec", signatory_id="caf", name="CAF",
            signatory_type="caf")
    con.close()
    return path


def _contents(con, slug, sections=None, year=None):
    return pdf.mandate_contents(con, slug, sections, None, year)


def test_the_reason_a_report_holds_no_review(db) -> None:
    con = duckdb.connect(str(db), read_only=True)
    note = pdf.review_left_out_note
    # No signatory nor committee: the review is left out of the defaults, and the reason said.
    assert _contents(con, "sans", year=2022).sections == ("financements",)
    assert note(con, "sans", _contents(con, "sans", year=2022), None, 2022) == NO_SIGNATORY
    assert note(con, "sans", _contents(con, "sans")) == NO_SIGNATORY.replace(" 2022", "")
    # Sections asked without the review and no year: nothing was expected, nothing said.
    assert note(con, "sans", _contents(con, "sans", ["financements"]), ["financements"]) is None
    # A territory with review data: a year given while the sections asked leave it out.
    assert note(con, "avec", _contents(con, "avec", ["financements"], 2022), ["financements"], 2022) == (
        "La section « Revue annuelle 2022 » n'est pas dans le rapport : elle n'est pas parmi "
        "les sections demandées.")
    # The review in the report: nothing to say.
    assert note(con, "avec", _contents(con, "avec", year=2022), None, 2022) is None
    assert _contents(con, "avec", year=2022) == pdf.MandateContents(("financements", "revue"), (), 2022)
    con.close()


def test_the_command_line_prints_why(db, tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "mandate_pdf", lambda *a, **k: b"%PDF-1.4 test")
    out = tmp_path / "m.pdf"
    assert main(["--db", str(db), "mandate", "--territory", "sans", "--review-year", "2022",
                 "--out", str(out)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == NO_SIGNATORY
    assert lines[1].startswith(f"{out} (0 Ko, ") and len(lines) == 2
    assert main(["--db", str(db), "mandate", "--territory", "avec", "--review-year", "2022",
                 "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith(f"{out} (")


def test_the_reports_page_says_why(db, monkeypatch) -> None:
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "rapports.py"), default_timeout=90)
    at.session_state["territoire"] = "sans"
    at.run()
    assert not at.exception, at.exception
    assert at.multiselect(key="report_sections_sans").value == ["financements"]
    assert [c.value.replace("\xa0", " ") for c in at.caption if "Revue annuelle" in c.value] == [
        NO_SIGNATORY.replace(" 2022", "")]
    # (the page ties « » and « : » to their words with non-breaking spaces)
    # Once the review is chosen, its year is chosen and nothing is said against it.
    at.multiselect(key="report_sections_sans").set_value(["financements", "revue"]).run()
    assert not at.exception, at.exception
    assert [c.value.replace("\xa0", " ") for c in at.caption if "Revue annuelle" in c.value] == []
