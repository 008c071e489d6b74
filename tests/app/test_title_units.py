"""ui.views.map_title / indicators.fmt.unit_phrase: a title does not say its unit twice (issue #11)."""
from __future__ import annotations

import re
from types import SimpleNamespace

from indicators.fmt import fold
from indicators.registry import REGISTRY
from ui import views


def _title(label: str, unit: str | None, year: int | None = 2021) -> str:
    return views.map_title(SimpleNamespace(label=label, unit=unit, year=year, year_given=True))


def _words(text: str) -> set[str]:
    return set(re.sub(r"[^0-9a-z]+", " ", fold(text)).split())


def test_every_registry_title_says_its_unit_once() -> None:
    for ind in REGISTRY:
        title = _title(ind.label, ind.unit)
        assert title.startswith(ind.label + ", ") and title.endswith(", 2021"), title
        added = title[len(ind.label):-len(", 2021")]
        # What the title adds after the label is not something the label already says…
        added_words = _words(added) - {"en"}
        assert not added_words or not added_words <= _words(ind.label), title
        # …and a unit the label does not say is there (a symbol, or its words).
        shown = views.unit_text(ind.unit)
        if shown and not _words(shown) <= _words(ind.label):
            assert added == f", en {shown}", title


def test_titles_whose_label_says_the_unit() -> None:
    cases = {
        ("Revenu disponible médian par UC, par mois", "EUR/mois"):
            "Revenu disponible médian par UC, par mois, en €, 2021",
        ("Revenu disponible médian par unité de consommation", "EUR/an"):
            "Revenu disponible médian par unité de consommation, en € par an, 2021",
        ("Taux de pauvreté (seuil à 60 %)", "%"): "Taux de pauvreté (seuil à 60 %), en %, 2021",
        ("Taux (en %)", "%"): "Taux (en %), 2021",
        ("Part (%)", "%"): "Part (%), 2021",
        ("Cambriolages de logement (pour 1 000 logements)", "pour 1 000 logements"):
            "Cambriolages de logement (pour 1 000 logements), 2021",
        ("Accessibilité (APL, consultations par an et par habitant)", "consultations/an/habitant"):
            "Accessibilité (APL, consultations par an et par habitant), 2021",
        ("Logements sociaux", "logements"): "Logements sociaux, 2021",
        ("Population", "habitants"): "Population, en habitants, 2021",
        ("Rapport interdécile", None): "Rapport interdécile, 2021",
    }
    assert {key: _title(*key) for key in cases} == cases
    assert views.map_title(SimpleNamespace(label="Revenu disponible médian par UC, par mois",
                                           unit="EUR/mois", year=2019, year_given=False)) == \
        "Revenu disponible médian par UC, par mois, en €"


def test_export_column_names_say_their_unit_once() -> None:
    cases = {
        ("Revenu disponible médian par UC, par mois", "EUR/mois", 2019):
            "Revenu disponible médian par UC, par mois (€, 2019)",
        ("Revenu disponible médian par unité de consommation", "EUR/an", 2019):
            "Revenu disponible médian par unité de consommation (€ par an, 2019)",
        ("Cambriolages de logement (pour 1 000 logements)", "pour 1 000 logements", None):
            "Cambriolages de logement (pour 1 000 logements)",
        ("Taux de pauvreté (seuil à 60 %)", "%", 2021): "Taux de pauvreté (seuil à 60 %, en %, 2021)",
        ("Population", "habitants", None): "Population (habitants)",
    }
    assert {key: views.label_with_unit(*key) for key in cases} == cases
