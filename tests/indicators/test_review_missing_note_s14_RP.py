"""Issue 11, final PDF review (s14-RP): the review's « Dispositifs sans chiffre déclaré » stated
its rule (« Un dispositif sans chiffre n'est pas compté 0 : il reste à déclarer. ») above no list
for Chambéry and Chartres métropole, which have no scheme typed. Without a row, the note now says
why the list is empty. Small data built by code."""
from __future__ import annotations

from etl.db import create_empty
from indicators import review
from tests.exports.conftest import Factory


def _section(con):
    return next(s for s in review.review_sections(con, "cv", 2025) if s.key == "manquants")


def test_the_missing_schemes_note_says_why_its_list_is_empty(tmp_path) -> None:
    con = create_empty(tmp_path / "m.duckdb")
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    s = _section(con)
    assert (s.title, s.note, len(s.table)) == (
        "Dispositifs sans chiffre déclaré en 2025", "Aucun dispositif n'est saisi pour ce territoire.", 0)

    f.insert("review_signatories", contract_slug="cv", signatory_id="ddets", name="DDETS",
             signatory_type="etat", is_signatory=True)
    for scheme in ("adultes-relais", "parrainage"):
        f.insert("review_schemes", contract_slug="cv", scheme_id=scheme, signatory_id="ddets", pillar="Emploi",
                 scheme=scheme.capitalize(), funding_kind="droit_commun")
    f.insert("review_figures", contract_slug="cv", scheme_id="adultes-relais", year=2025, measure="montant",
             value=1000, unit="€", scope="territoire")
    s = _section(con)
    assert (s.note, s.table.values.tolist()) == (
        "Un dispositif sans chiffre n'est pas compté 0 : il reste à déclarer.",
        [["Emploi", "DDETS", "Parrainage"]])

    f.insert("review_figures", contract_slug="cv", scheme_id="parrainage", year=2025, measure="montant",
             value=500, unit="€", scope="territoire")
    s = _section(con)
    assert (s.note, len(s.table)) == ("Chaque dispositif saisi a au moins un chiffre déclaré pour 2025.", 0)
    con.close()
