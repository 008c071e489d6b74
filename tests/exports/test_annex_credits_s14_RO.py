"""Issue 11, every page seen as an image (s14): the mandate report's annexes « Financements par
financeur et par année » and « Résultats des attributions par partie » printed their tables with
no source line (the section's line stayed pages before). Each year's funding table of the annex
now credits that year's rows, and the CIA annex repeats the CIA table's line. Small data built by
code (tests/exports/test_pdf_page_review.py's database, a 2024 funding row of another document
added); LONG_TABLE_ROWS lowered so that its few rows go to the annexes."""
from __future__ import annotations

import datetime as dt

from reports import pdf
from tests.exports.conftest import Factory
from tests.exports.test_pdf_page_review import _credit_db, _text

DATE = dt.date(2026, 3, 1)
FOOTER = "Rapport de mandat — Contrat de ville de Test · produit le 1er mars 2026"


def _db(path):
    con = _credit_db(path)
    f = Factory(con)
    f.insert("documents", contract_slug="cv", document_id="bilan24", title="Bilan du contrat de ville 2024",
             producer="Ville de Test", published_on="2025")
    f.insert("programme_funding", contract_slug="cv", action_id="B", year=2024, funder="etat_p147",
             amount_eur=4000, document_id="bilan24", source_ref="tableau 1")
    return con


def test_annex_tables_carry_their_source_lines(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(pdf, "LONG_TABLE_ROWS", 0)
    con = _db(tmp_path / "a.duckdb")
    text = _text(pdf.mandate_pdf(con, "cv", ["financements", "logement"], generated_on=DATE, charts=False))
    con.close()
    first = text[text.rindex("Annexe 1 — Financements"):text.rindex("Annexe 2 —")]
    assert first == (
        "Annexe 1 — Financements par financeur et par année "
        "Année 2024 Financeur Montant Part Actions financées État (programme 147) 4 000 € 100,0 % 1 Total 4 000 € "
        "Source : Bilan du contrat de ville 2024, tableau 1 — Ville de Test, 2025 "
        "Année 2025 Financeur Montant Part Actions financées Ville 3 000 € 100,0 % 2 Total 3 000 € "
        "Source : Bilan du contrat de ville 2025, § « Projets réalisés » — Ville de Test, 2026 "
        f"{FOOTER} page 5 / 7 ")
    second = text[text.rindex("Annexe 2 —"):text.rindex("Sources Documents")]
    assert second == (
        "Annexe 2 — Résultats des attributions par partie Année Partie Objectif Résultat Cible Il manque "
        "2025 Ensemble Attributions hors QPV aux ménages du 1er quartile 12 attributions sur 17 = 70,6 % "
        "(calculé) 25,0 % 0 (calcul) "
        "2025 Bailleur Attributions hors QPV aux ménages du 1er quartile 12 attributions sur 17 = 70,6 % "
        "(calculé) 25,0 % 0 (calcul) "
        "2025 État Attributions hors QPV aux ménages du 1er quartile 12 attributions sur 17 = 70,6 % "
        "(calculé) 25,0 % 0 (calcul) "
        "2025 Ensemble Attributions aux ménages prioritaires 0 attributions sur 17 = 0,0 % (calculé) — — "
        "2025 Bailleur Attributions aux ménages prioritaires 0 attributions sur 17 = 0,0 % (calculé) — — "
        "2025 État Attributions aux ménages prioritaires 0 attributions sur 17 = 0,0 % (calculé) 25,0 % "
        "5 (calcul) "
        "Sources : Données fictives de démonstration ; Convention intercommunale d'attribution — "
        f"Agglomération de Test, 2023 {FOOTER} page 6 / 7 ")
