"""Issue 11, final PDF review (s14-RP): a mandate report's « Bilans par quartier » printed a
quartier's review (« Le besoin au départ », …, « En chiffres » with its figures) with no source
line: its document was named only on the report's last page (Chambéry's « Hauts de Chambéry »).
Each quartier's bilan now ends with its source line, kept on the page of its last lines.
Small data built by code."""
from __future__ import annotations

import datetime as dt
import subprocess

from etl.db import create_empty
from reports import pdf
from tests.exports.conftest import Factory

DATE = dt.date(2026, 3, 1)


def _text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _db(path, *, with_document: bool = True):
    """Contract `cv`, a QPV whose bilan (two themes) is typed from the mandate's review (« bilan »),
    sections « Mobilités » and « Culture » of it; a second QPV without a bilan."""
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="bilan", title="Bilan du mandat 2020-2026",
             producer="Ville de Test", published_on="2026-02-10")
    f.territory("200000001", "epci", "CA de Test", contract="cv")
    f.territory("99001", "commune", "Testville", parents=[("200000001", "epci")], contract="cv")
    f.territory("QN09999A", "qpv", "Les Pins", 2024, [("99001", "commune")], "cv", population=2000)
    f.territory("QN09998A", "qpv", "Les Chênes", 2024, [("99001", "commune")], "cv", population=1500)
    for n, (item_type, theme, text, ref) in enumerate((
            ("review_need", "Améliorer les mobilités", "Des déplacements difficiles.", "§ « Mobilités »"),
            ("review_done", "Améliorer les mobilités", "Une ligne de bus créée.", "§ « Mobilités »"),
            ("review_figure", "Améliorer les mobilités", "Un bus toutes les 15 minutes.", "§ « Mobilités »"),
            ("review_need", "Culture", "Peu d'offre culturelle.", "§ « Culture »"),
            ("review_changed", "Culture", "Un cinéma rouvert.", "§ « Culture »")), 1):
        f.insert("qualitative_items", contract_slug="cv", territory_code="QN09999A", item_type=item_type,
                 theme=theme, position=n, text=text, document_id="bilan" if with_document else None,
                 source_ref=ref)
    return con


def test_a_quartiers_bilan_ends_with_its_source_line(tmp_path) -> None:
    con = _db(tmp_path / "b.duckdb")
    text = _text(pdf.mandate_pdf(con, "cv", ["bilans"], generated_on=DATE))
    body = text[text.index("Bilans par quartier Les Pins"):text.rindex("Sources Documents")]
    assert body == (
        "Bilans par quartier Les Pins "
        "Améliorer les mobilités Le besoin au départ • Des déplacements difficiles. "
        "Ce que nous avons décidé et fait • Une ligne de bus créée. "
        "En chiffres • Un bus toutes les 15 minutes. "
        "Culture Le besoin au départ • Peu d'offre culturelle. "
        "Ce que cela a changé • Un cinéma rouvert. "
        "Source : Bilan du mandat 2020-2026 — Ville de Test, 2026 "
        "Rapport de mandat — Contrat de ville de Test · produit le 1er mars 2026 page 3 / 4 ")
    # The sources page lists the document, once.
    assert text[text.rindex("Sources Documents"):].startswith(
        "Sources Documents • Bilan du mandat 2020-2026 — Ville de Test, 2026 Les fichiers chargés")
    con.close()


def test_a_bilan_typed_from_no_document_credits_its_file(tmp_path) -> None:
    con = _db(tmp_path / "b.duckdb", with_document=False)
    text = _text(pdf.mandate_pdf(con, "cv", ["bilans"], generated_on=DATE))
    assert ("Ce que cela a changé • Un cinéma rouvert. "
            "Source : Contrat de ville 2024–2030, annexes — Le Grand Chalon Rapport de mandat") in text
    con.close()
