"""Issue 11, final PDF review (s14-RP): a review table's « non renseigné » stood in a column too
narrow for it and printed « non » above « renseigné » (Chartres métropole's « Programmation
2022 »: two actions without an amount, a « Porteur » column taking the width). The words that
stand in a figure's place never wrap, as a figure does not. Small data built by code."""
from __future__ import annotations

import datetime as dt
import subprocess

from reportlab.lib.units import mm

from etl.db import create_empty
from reports import pdf
from tests.exports.conftest import Factory

DATE = dt.date(2026, 3, 1)


def _layout_text(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data,
                         capture_output=True, check=True)
    return [" ".join(line.split()) for line in out.stdout.decode().splitlines() if line.strip()]


def _db(path):
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="page", title="Politique de la ville",
             producer="Agglomération de Test", published_on="2023-09-21")
    for action, title, operator in (
            ("a", "Ateliers de customisation de vêtements et d'accessoires", "La Dame à la licorne"),
            ("b", "Jobs d'été et Jobs d'automne", "Régies de quartier de Chartres, Mainvilliers et Lucé"),
            ("c", "Correspondante sociale au commissariat",
             "Association d'aide aux victimes d'infractions d'Eure-et-Loir")):
        f.insert("programme_actions", contract_slug="cv", action_id=action, year=2022, title=title,
                 operator=operator, document_id="page", source_ref="§ « Projets »")
    f.insert("programme_funding", contract_slug="cv", action_id="c", year=2022, funder="epci",
             amount_eur=40990, document_id="page", source_ref="§ « Projets »")
    return con


def test_the_words_in_a_figures_place_are_one_word_for_the_column_widths() -> None:
    assert [pdf._unbroken_cell(t) for t in ("non renseigné", "secret statistique", "40 990 €", "1,5 M€",
                                            "2019–2021", "La Dame à la licorne", "non", "")] == \
        [True, True, True, True, True, False, False, False]
    header = ["Action", "Porteur", "Montant"]
    body = [["Ateliers de customisation de vêtements et d'accessoires", "La Dame à la licorne", "non renseigné"],
            ["Jobs d'été et Jobs d'automne", "Régies de quartier de Chartres, Mainvilliers et Lucé",
             "non renseigné"],
            ["Correspondante sociale au commissariat",
             "Association d'aide aux victimes d'infractions d'Eure-et-Loir", "40\u202f990\u00a0€"]]
    pdf.register_fonts()
    widths = pdf._review_widths(header, body)
    assert round(sum(widths), 3) == round(pdf.CONTENT_W, 3)
    # Each « non renseigné » holds on one line in its column (cell padding: 3 pt each side).
    st = pdf.styles()
    for text in ("non renseigné", "Montant"):
        para = pdf.Paragraph(text, st.cell)
        para.wrap(widths[2] - 6, 100 * mm)
        assert len(para.blPara.lines) == 1, text


def test_the_review_pdf_prints_non_renseigne_on_one_line(tmp_path) -> None:
    con = _db(tmp_path / "r.duckdb")
    lines = _layout_text(pdf.review_pdf(con, "cv", 2022, generated_on=DATE))
    start = lines.index("Programmation 2022", 2)         # the chapter, not the contents' line
    assert lines[start:start + 9] == [
        "Programmation 2022",
        "3 actions programmées en 2022.",
        "Action Porteur Montant",
        "Ateliers de customisation de vêtements et La Dame à la licorne non renseigné",
        "d'accessoires",
        "Correspondante sociale au commissariat Association d'aide aux victimes d'infractions 40 990 €",
        "d'Eure-et-Loir",
        "Jobs d'été et Jobs d'automne Régies de quartier de Chartres, Mainvilliers et Lucé non renseigné",
        "Source : Politique de la ville, § « Projets » — Agglomération de Test, 2023",
    ]
    con.close()
