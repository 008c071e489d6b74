"""Issue 11, every page seen as an image (s14): a CIA result whose field the document does not
give (82 attributions and 12,04 %, the field 681 deduced from the rate) read « 82 sur 681 » in the
yearly review as if 681 were published, while the mandate report said « (déduit du taux
publié) ». The review's CIA section now says so in its note (PDF, XLSX and page alike). Small
data built by code (tests/exports/test_review_report.py's database)."""
from __future__ import annotations

import subprocess
from types import SimpleNamespace

import duckdb

from indicators import review
from reports import pdf
from tests.exports.test_review_report import _insert, build_review_db

NOTE = ("« Sur (attributions du champ) » déduit du taux publié (le document donne les attributions "
        "et le taux, pas le champ) : Ensemble — Attributions hors QPV aux ménages du 1er quartile.")


def _con(tmp_path):
    path = build_review_db(tmp_path / "review.duckdb")
    con = duckdb.connect(str(path))
    con.execute("delete from housing_attributions")
    _insert(con, "housing_published_results", contract_slug="c", year=2021, party_type="ensemble",
            party_name="ensemble", objective="q1_hors_qpv", numerator=82.0, rate_pct=12.04,
            document_id="annexes", source_ref="annexe 7")
    return con


def test_the_review_cia_section_says_its_field_is_deduced(tmp_path) -> None:
    con = _con(tmp_path)
    cia = {s.key: s for s in review.review_sections(con, "c", 2021)}["cia"]
    assert cia.note == NOTE
    assert cia.table.to_dict("records") == [{
        "Objectif": "Attributions hors QPV aux ménages du 1er quartile", "Partie": "Ensemble", "Origine": None,
        "Attributions qui le remplissent": 82, "Sur (attributions du champ)": 681, "Taux (%)": 12.04,
        "Cible (%)": 25.0, "Atteint": False}]
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.review_pdf(con, "c", 2021),
                         capture_output=True, check=True).stdout.decode()
    text = " ".join(out.split())
    start = text.rindex("Attributions de logements sociaux (CIA)")
    assert text[start:text.index("Personnes touchées et part", start)] == (
        f"Attributions de logements sociaux (CIA) {NOTE} Objectif Partie Attributions qui le remplissent "
        "Sur (attributions du champ) Taux Cible Atteint Attributions hors QPV aux ménages du 1er quartile "
        "Ensemble 82 681 12,04 % 25,0 % non Source : Annexes du contrat, annexe 7 — Agglo ")
    con.close()


def test_no_note_when_no_field_is_deduced() -> None:
    counted = SimpleNamespace(denominator_origin="counted", party_type="ensemble", party_name="ensemble",
                              objective_label="Attributions aux ménages prioritaires")
    assert review.deduced_note([counted]) is None
    assert review.deduced_note([]) is None
