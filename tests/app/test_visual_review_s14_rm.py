"""Defects of the s14 visual review of demo and Grand Chalon (RM), one test each, on data built here."""
from __future__ import annotations


def test_a_cut_inside_a_bracket_closes_it() -> None:
    """A gap chart's short source line read « (Filosofi, données par… et al. »: the bracket the
    cut fell in was never closed. `clipped` now closes every bracket and quotation it cuts,
    innermost first, after the one « … »."""
    from indicators.sources import clipped, credits_line
    assert [clipped(t, n) for t, n in (
        ("Données fictives (Filosofi, données par quartier, 2021)", 40),
        ("rubrique « Renforcer la sécurité du quartier » et plus", 35),
        ("Rapport (annexe « Les objectifs quantifiés par bailleur ») 2023", 45),
        ("Rapport (annexe 2) et « suite du texte long »", 30),
        ("Texte court (annexe 2)", 40),
        ("Un titre ( avec une parenthèse", 14))] == [
        "Données fictives (Filosofi, données par…)",
        "rubrique « Renforcer la sécurité… »",
        "Rapport (annexe « Les objectifs quantifiés… »)",
        "Rapport (annexe 2) et « suite… »",
        "Texte court (annexe 2)",
        "Un titre…"]
    quartier = "Données fictives de démonstration (Filosofi, données par quartier, 2021)"
    communes = ("Données fictives de démonstration (Filosofi, données par commune, EPCI, département "
                "et France, 2021)")
    assert credits_line([quartier, communes], suffix=" · écarts entre valeurs de la même année") == (
        "Données fictives de démonstration (Filosofi, données par…) et al. · écarts entre valeurs "
        "de la même année")
