"""« Données et méthode » writes each indicator's unit as a reader reads it (issue 11, visual review
s14-RN: the registry table's « Unité » column printed the registry's codes « EUR/an », « EUR/mois »
for the income indicators, at 1440 and 390 px and in its CSV/XLSX)."""
from __future__ import annotations

import pandas as pd

from indicators.registry import REGISTRY, Indicator
from ui import views


def test_the_registry_table_writes_units_in_words(monkeypatch) -> None:
    small = (
        Indicator(id="income_eur_month", label="Revenu médian mensuel", unit="EUR/mois",
                  theme="revenus", definition="Médiane du revenu.", source="Insee, Filosofi",
                  aggregation="none"),
        Indicator(id="income_eur_year", label="Revenu médian", unit="EUR/an", theme="revenus",
                  definition="Médiane du revenu.", source="Insee, Filosofi", aggregation="none",
                  caution="Comparer avec prudence."),
        Indicator(id="poor_pct", label="Taux de pauvreté", unit="%", theme="revenus",
                  definition="Part des pauvres.", source="Insee, Filosofi", aggregation="ratio",
                  numerator="ménages pauvres", denominator="ménages"),
    )
    monkeypatch.setattr(views, "REGISTRY", small)
    expected = pd.DataFrame([
        {"Thème": "revenus", "Indicateur": "Revenu médian", "Unité": "€ par an",
         "Définition": "Médiane du revenu.", "Source": "Insee, Filosofi",
         "Agrégation": "ne s'agrège pas (médiane, indice)",
         "Précaution": "Comparer avec prudence.", "Identifiant": "income_eur_year"},
        {"Thème": "revenus", "Indicateur": "Revenu médian mensuel", "Unité": "€ par mois",
         "Définition": "Médiane du revenu.", "Source": "Insee, Filosofi",
         "Agrégation": "ne s'agrège pas (médiane, indice)", "Précaution": "",
         "Identifiant": "income_eur_month"},
        {"Thème": "revenus", "Indicateur": "Taux de pauvreté", "Unité": "%",
         "Définition": "Part des pauvres. Numérateur : ménages pauvres ; dénominateur : ménages.",
         "Source": "Insee, Filosofi", "Agrégation": "taux : Σ numérateurs / Σ dénominateurs",
         "Précaution": "", "Identifiant": "poor_pct"},
    ])
    pd.testing.assert_frame_equal(views.registry_table(), expected)


def test_no_unit_of_the_real_registry_is_shown_as_a_code() -> None:
    units = set(views.registry_table()["Unité"])
    assert not any("EUR" in u for u in units), units
    assert {"€ par an", "€ par mois", "%"} <= units
    assert len(views.registry_table()) == len(REGISTRY)
