"""The yearly review's CIA table prints a target the convention gives in words (a landlord's
« Contribution à l'atteinte des 25 % ») as such, its « Atteint » as not applying (« — »), as the
app and the mandate's own CIA table do: it printed « non renseigné » twice (issue #11, final
review RV: demo's mandate report, pages 8–9). Small data built by code."""
from __future__ import annotations

from types import SimpleNamespace

from indicators import housing, review
from reports import pdf


def _result(party_type, party_name, target_pct, target_note, reached):
    return SimpleNamespace(
        year=2025, origin="computed", party_type=party_type, party_name=party_name,
        objective="q1_hors_qpv", objective_label="Attributions hors QPV aux ménages du 1er quartile",
        numerator=12, denominator=70, rate_pct=17.142857, rate_origin="computed",
        target_pct=target_pct, target_note=target_note, reached=reached,
        denominator_origin="counted", document_id=None, source_ref=None)


def test_a_contribution_target_is_said_and_nothing_is_said_reached(monkeypatch) -> None:
    results = [_result("ensemble", "ensemble", 25.0, None, False),
               _result("bailleur", "Foyer du Centre", None, "Contribution à l'atteinte des 25 %", None),
               _result("bailleur", "Autre", None, None, None)]
    monkeypatch.setattr(housing, "attribution_results", lambda con, slug: results)
    section = review._housing_section(None, "c", 2025)
    assert section.table[["Partie", "Cible (%)", "Atteint"]].to_dict("records") == [
        {"Partie": "Ensemble", "Cible (%)": 25.0, "Atteint": False},
        {"Partie": "Foyer du Centre", "Cible (%)": "Contribution à l'atteinte des 25 %", "Atteint": "—"},
        {"Partie": "Autre", "Cible (%)": None, "Atteint": None}]
    assert [[pdf.review_column_cell(c, v) for c, v in row.items()]
            for row in section.table[["Cible (%)", "Atteint"]].to_dict("records")] == [
        ["25,0\u00a0%", "non"], ["Contribution à l'atteinte des 25 %", "—"],
        ["non renseigné", "non renseigné"]]
