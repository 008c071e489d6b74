"""Issue 11, screen leftovers of the S1 review (D11): tables built by code, whole outputs."""
from __future__ import annotations

import pandas as pd

from indicators.fmt import plain_spaces
from ui import views

NB = "\u202f"


def _cia_rows() -> pd.DataFrame:
    base = {"party_type": "ensemble", "party_name": "Ensemble", "target_pct": 25.0, "target_note": None,
            "origin": "published", "source_ref": "p. 12", "implied_denominators": None}
    rows = [
        # Grand Chalon's case: a published rate, the total deduced from it.
        {**base, "year": 2021, "objective": "q1_hors_qpv", "objective_label": "Attributions hors QPV aux "
         "ménages du 1er quartile", "numerator": 82, "denominator": 681, "denominator_origin": "deduced",
         "rate_pct": 12.04, "rate_origin": "published", "reached": False, "needed_fixed_total": 89,
         "needed_growing_total": 119, "needed_published": 90},
        # Reached: nothing missing; a computed rate.
        {**base, "year": 2022, "objective": "menages_prioritaires", "objective_label": "Attributions aux "
         "ménages prioritaires", "numerator": 300, "denominator": 1_000, "denominator_origin": "published",
         "rate_pct": 30.0, "rate_origin": "computed", "reached": True, "needed_fixed_total": 0,
         "needed_growing_total": 0, "needed_published": None, "origin": "computed"},
        # No total: the possible totals, deduced; an objective the app does not know keeps its label.
        {**base, "year": 2023, "objective": "autre", "objective_label": "Objectif local",
         "party_type": "bailleur", "party_name": "OPAC 71", "numerator": 10, "denominator": None,
         "denominator_origin": None, "implied_denominators": (80, 81), "rate_pct": None,
         "rate_origin": None, "reached": None, "needed_fixed_total": None, "needed_growing_total": None,
         "needed_published": None},
    ]
    return pd.DataFrame(rows)


def test_cia_results_table_has_short_headers_and_cells_its_notes_said_once() -> None:
    """D11: « Attributions visées », « (déduit du taux publié) », « (119 si le total augmente) » and
    the objectives' whole labels pushed « Taux » past the page at 1440 px."""
    table = views.housing_table(_cia_rows())
    assert list(table.columns) == ["Année", "Partie", "Objectif", "Visées", "Total", "Taux", "Cible",
                                   "Atteint", "Manquantes", "Manquantes publiées", "Origine", "Source"]
    assert table.values.tolist() == [
        ["2021", "Ensemble", "1er quartile, hors QPV", "82", "681 (déduit)", "12,04\xa0%",
         "25,0\xa0%", "non", "89 (119)", "90", "publié", "p. 12"],
        ["2022", "Ensemble", "Ménages prioritaires", "300", f"1{NB}000", "30,0\xa0%", "25,0\xa0%", "oui",
         "—", "", "calculé", "p. 12"],
        ["2023", "Bailleur : OPAC 71", "Objectif local", "10", "80 ou 81 (déduit)", "—", "25,0\xa0%", "—",
         "non calculable", "", "publié", "p. 12"]]
    # What the short cells mean is said once, under the table.
    assert "« déduit » : déduit du taux publié" in views.HOUSING_TABLE_NOTE
    assert "entre parenthèses, si chaque attribution supplémentaire s'ajoute au total" in views.HOUSING_TABLE_NOTE


def test_every_long_indicator_label_has_a_short_name_for_selects() -> None:
    """D9: a select cuts a long option (« …par unité de consommatio » at 1440 and 390 px)."""
    from indicators.registry import REGISTRY, SHORT_LABEL_CHARS
    too_long = [i.id for i in REGISTRY if len(views.indicator_short_option(i.id)) > SHORT_LABEL_CHARS]
    assert too_long == []
    assert views.indicator_short_option("median_income_eur_year") == "Revenu médian par UC"
    assert views.indicator_short_option("poverty_rate_pct") == "Taux de pauvreté (seuil à 60 %)"
    assert views.indicator_short_option("VAR_DU_FICHIER") == "VAR_DU_FICHIER"
    assert views.indicator_full_name("median_income_eur_year") == (
        "Revenu disponible médian par unité de consommation (revenus et pauvreté)")


def _picked(page: str, key: str, indicator: str):
    """(the page's AppTest, its select `key`) once `indicator` is chosen in it, on the demo."""
    from tests.app.test_pages import run_page
    at = run_page(page, territoire="demo")
    assert not at.exception, at.exception
    at.selectbox(key=key).set_value(indicator).run()
    assert not at.exception, at.exception
    return at, at.selectbox(key=key)


def test_map_and_gap_selects_show_the_short_name_and_the_whole_one_under_them(demo_db) -> None:
    from indicators.registry import BY_ID
    from indicators.text import md_text
    at, select = _picked("carte", "map_indicator", "median_income_eur_year")
    assert select.value == "median_income_eur_year"
    assert "Revenu médian par UC" in select.options
    assert all(len(o) <= 36 for o in select.options)
    captions = [c.value for c in at.caption]
    assert md_text(views.indicator_full_name("median_income_eur_year")) in captions
    at, gap = _picked("comparer", "gap_indicator", "median_income_eur_year")
    assert "Revenu médian par UC" in gap.options
    # Options are shown as screen text (ui.typography, « 60 % » kept together): compared as read.
    assert {plain_spaces(o) for o in gap.options} <= {views.indicator_short_option(i) for i in BY_ID}
    assert md_text(views.indicator_full_name("median_income_eur_year")) in [c.value for c in at.caption]
