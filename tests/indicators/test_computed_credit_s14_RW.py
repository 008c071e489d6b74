"""Issue 11 (final review of Grand Chalon): a value computed from a document's figures (the
portrait's « Logements sociaux à occupation « fragile » à « très fragile » », 928 sur 1 017 from
annex 2) was credited « Données Bailleurs – OPS 2018 · Annexe 2 – Portraits de quartiers… »: the
producer it quotes and a section, never the document. It is now credited to its document as a
typed figure is, the producer quoted in brackets; a computed value citing no document, or a
document naming its own producer, keeps its own credit."""
from __future__ import annotations

from indicators.sources import value_credits
from ui import views

DOC = "Contrat de ville du Grand Chalon 2024-2030 – Annexes (annexe 2 « Portraits de quartiers »)"
KEY = [("QN07101I", "fragile_occupation_dwellings_pct", 2018)]


def test_a_value_computed_from_a_document_is_credited_to_it(db) -> None:
    db.document("gc", "annexes", DOC, "Le Grand Chalon (Agglomération)")
    db.fact("QN07101I", "qpv", "fragile_occupation_dwellings_pct", 2018, 91.2, origin="computed",
            source_note="Données Bailleurs – OPS 2018", document_id="annexes",
            source_ref="Annexe 2 – Portraits de quartiers (p. 24 s.), « Une dominante de logement social »")
    assert value_credits(db.con, KEY) == [
        "Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 – Portraits de quartiers "
        "(d'après Données Bailleurs – OPS 2018)"]
    # The short line as for a typed figure (sources.reader_credit: within two lines, the longer
    # of document and section cut at a word), the whole behind the toggle.
    assert value_credits(db.con, KEY, short=True) == [
        "Contrat de ville du…, Annexe 2 – Portraits de… (d'après Données Bailleurs – OPS 2018)"]


def test_a_computed_value_without_a_document_keeps_its_own_credit(db) -> None:
    db.fact("QN07101I", "qpv", "fragile_occupation_dwellings_pct", 2018, 91.2, origin="computed",
            source_note="Données Bailleurs – OPS 2018")
    assert value_credits(db.con, KEY) == ["Données Bailleurs – OPS 2018"]


def test_a_computed_figure_s_line_is_its_credit_then_calcule() -> None:
    from types import SimpleNamespace
    pv = SimpleNamespace(label="Logements sociaux à occupation « fragile » à « très fragile »",
                         value=91.2, unit="%", status="ok", numerator=928.0, denominator=1017.0,
                         comparators=(), ranks=(), caution=None, source_label="Données Bailleurs – OPS 2018",
                         origin="computed", year=2018, source_ref="Annexe 2 – Portraits de quartiers",
                         year_given=True)
    figure = views.portrait_figure(pv, credit=lambda code, year: "Contrat de ville, Annexe 2 (d'après "
                                                                 "Données Bailleurs – OPS 2018)",
                                   short_credit=lambda code, year: "Contrat de ville (d'après …)")
    assert (figure["source"], figure["short"], figure["numerator"]) == (
        "Contrat de ville, Annexe 2 (d'après Données Bailleurs – OPS 2018) · calculé",
        "Contrat de ville (d'après …) · calculé", "928 sur 1\u202f017")
