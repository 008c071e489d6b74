"""A percent sign typed against its number reads « 25 % » as every figure does (issue 11, RY's page
review: Grand Chalon's CIA objectives printed Action Logement's target « Contribution à l'atteinte
des 25% d'attributions hors QPV » beside « 25,0 % »). Display only: the stored text is untouched."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from reportlab.platypus import Table

from indicators.text import french_marks
from reports import pdf

NB = "\u00a0"


@pytest.mark.parametrize("typed, shown", [
    ("Contribution à l'atteinte des 25% d'attributions hors QPV",
     f"Contribution à l'atteinte des 25{NB}% d'attributions hors QPV"),
    ("soit 12,04%. Il manque 88 attributions", f"soit 12,04{NB}%. Il manque 88 attributions"),
    ("(50%) ; 100% inclusion", f"(50{NB}%) ; 100{NB}% inclusion"),
    # Already spaced, a URL's escape, a code, an English decimal, inline code: as typed.
    (f"25 % et 25{NB}%", f"25 % et 25{NB}%"),
    ("https://x.fr/a?b=1%2C2 et a%20b", "https://x.fr/a?b=1%2C2 et a%20b"),
    ("A4% x1% 3%d 1.5%", "A4% x1% 3%d 1.5%"),
    ("`25%`", "`25%`"),
])
def test_french_marks_spaces_a_typed_percent(typed, shown) -> None:
    assert french_marks(typed) == shown
    assert french_marks(shown) == shown                          # idempotent


def test_the_cia_objectives_table_prints_a_typed_target_in_french(tmp_path) -> None:
    from etl.db import create_empty
    from tests.exports.conftest import Factory
    con = create_empty(tmp_path / "cia.duckdb")
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0)
    f.insert("housing_objectives", contract_slug="cv", party_type="reservataire",
             party_name="Action Logement Services", objective="q1_hors_qpv",
             note="Contribution à l'atteinte des 25% d'attributions hors QPV")
    flow = pdf._section_logement(con, SimpleNamespace(slug="cv"), pdf.styles())
    table = next(x for x in flow if isinstance(x, Table))
    rows = [[c.getPlainText() for c in row] for row in table._cellvalues]
    assert rows == [
        ["Partie", "Objectif", "Cible"],
        ["Ensemble", "Attributions hors QPV aux ménages du 1er quartile", f"25,0{NB}%"],
        ["Action Logement Services", "Attributions hors QPV aux ménages du 1er quartile",
         f"Contribution à l'atteinte des 25{NB}% d'attributions hors QPV"]]
    # Stored as typed.
    assert con.execute("select note from housing_objectives where note is not null").fetchone()[0] == (
        "Contribution à l'atteinte des 25% d'attributions hors QPV")
    con.close()
