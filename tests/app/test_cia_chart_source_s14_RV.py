"""A CIA chart of computed rates cites the attribution files as its tile does (issue #11, final
review RV): the demo's « Attributions aux ménages prioritaires » chart read only « attributions
saisies dans le modèle de programme » under a tile citing « Modèle de saisie du programme —
attributions 2025, taux calculé par le tableau de bord »."""
from __future__ import annotations

import numpy as np
import pandas as pd

from ui import views

FILES = [{"title": "Modèle de saisie du programme", "producer": None, "vintage": None}]


def _part(origins: list[str]) -> pd.DataFrame:
    n = len(origins)
    published = [o == "published" for o in origins]
    return pd.DataFrame({
        "year": np.arange(2021, 2021 + n), "origin": origins,
        "source_line": ["Bilan 2025 (CA Val-de-Lorne) — p. 12" if p else None for p in published],
        "short_line": ["Bilan 2025, p. 12 — CA Val-de-Lorne, 2026" if p else None for p in published],
        "source_ref": ["p. 12" if p else None for p in published]})


def test_a_computed_chart_cites_the_files_and_its_years() -> None:
    part = _part(["computed"] * 5)
    line = "Modèle de saisie du programme — attributions 2021 à 2025, taux calculé par le tableau de bord"
    assert views.housing_chart_source(part, computed_files=FILES) == line
    assert views.housing_chart_source(part, short=True, computed_files=FILES) == line


def test_published_years_then_the_computed_ones() -> None:
    part = _part(["published"] * 4 + ["computed"])
    assert views.housing_chart_source(part, computed_files=FILES) == (
        "Bilan 2025 (CA Val-de-Lorne) — p. 12 ; Modèle de saisie du programme — attributions 2025, "
        "taux calculé par le tableau de bord")
    assert views.housing_chart_source(part, short=True, computed_files=FILES) == (
        "Bilan 2025, p. 12 — CA Val-de-Lorne, 2026 et al.")


def test_without_the_files_the_template_is_named() -> None:
    assert views.housing_chart_source(_part(["computed"] * 2)) == \
        "attributions saisies dans le modèle de programme"


def test_the_tile_and_the_chart_say_the_same_for_the_same_year() -> None:
    part = _part(["computed"])
    assert views.housing_chart_source(part, computed_files=FILES) == \
        views.cia_computed_source(FILES, np.int64(2021))


def test_the_short_line_keeps_the_years_as_the_tile_does() -> None:
    """The files' whole credit ran past the chart's two lines and lost its years (« … (Contrat de
    ville de Val-de-Lorne, fictif)… »): the short line is the tile's (views.short_source)."""
    files = [{"title": "Modèle de saisie du programme : attributions de logements",
              "producer": "Contrat de ville de Val-de-Lorne (fictif)", "vintage": None}]
    part = _part(["computed"] * 5)
    assert views.housing_chart_source(part, computed_files=files) == (
        "Modèle de saisie du programme : attributions de logements (Contrat de ville de "
        "Val-de-Lorne, fictif) — attributions 2021 à 2025, taux calculé par le tableau de bord")
    assert views.housing_chart_source(part, short=True, computed_files=files) == (
        "Modèle de saisie du programme — attributions 2021 à 2025, taux calculé par le tableau de bord")


def test_years_as_a_reader_says_them() -> None:
    assert [views.years_text(y) for y in (2025, np.int64(2025), [2024, 2025], [2021, 2022, 2023],
                                          [2021, 2023, 2025], pd.Series([2022, 2021]))] == [
        "2025", "2025", "2024 et 2025", "2021 à 2023", "2021, 2023 et 2025", "2021 et 2022"]
