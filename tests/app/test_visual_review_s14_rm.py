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


def _gap_series(kind: str):
    import pandas as pd
    rows = [dict(comparator_name=name, comparator_level=level, year=year, gap=gap, gap_kind=kind)
            for name, level, gaps in (("Ville A", "commune", (0.70, 0.70, 0.69)),
                                      ("Agglo B", "epci", (0.65, 0.64, 0.64)))
            for year, gap in zip((2019, 2020, 2021), gaps)]
    return pd.DataFrame(rows)


def test_a_wrapped_y_axis_title_stands_off_the_numbers_by_its_extra_lines() -> None:
    """Plotly set the gap chart's two-line y title off the numbers by its first line only: its
    second line, « (× 1 = parité) », printed over « 0,9 », « 0,8 » (demo and Grand Chalon
    portraits, 1 440 and 390 px). A title's standoff now adds a line's height per extra line;
    the comparison's scatter keeps a one-line title at the usual gap."""
    from ui import charts
    ratio = charts.gap_lines(_gap_series("ratio"), "Écart – Revenu médian – Quartier", "EUR/an").to_dict()
    assert ratio["layout"]["yaxis"]["title"] == {
        "text": "Rapport quartier / territoire<br>(× 1 = parité)", "standoff": 25}
    points = charts.gap_lines(_gap_series("points"), "Écart – Taux – Quartier", "%").to_dict()
    assert points["layout"]["yaxis"]["title"] == {"text": "Écart (points de %)", "standoff": 8}
    assert [charts.axis_title_standoff(t) for t in ("Un", "Un<br>deux", "Un<br>deux<br>trois")] == [8, 25, 42]


def test_the_pockets_source_line_names_the_grid_and_keeps_the_rest_behind_its_toggle() -> None:
    from ui import views
    assert views.pockets_source([
        "Insee, Revenus, pauvreté et niveau de vie – données carroyées 2019", "",
        "Médianes du niveau de vie (Filosofi) : France (2019)",
        "Contours des QPV : ANCT ; circulaire du 31 août 2023 relative aux contrats de ville"]) == (
        "Insee, Revenus, pauvreté et niveau de vie – données carroyées 2019 ; Médianes du niveau de "
        "vie (Filosofi) : France (2019) ; Contours des QPV : ANCT ; circulaire du 31 août 2023 "
        "relative aux contrats de ville",
        "Insee, Revenus, pauvreté et niveau de vie – données carroyées 2019")
    assert views.pockets_source(["", " "]) == (None, None)


def test_the_pockets_tables_name_their_source(demo_db) -> None:
    """The list of pockets and each pocket's comparison table had no source line (demo, Grand
    Chalon, 1 440 and 390 px): the grid's line now follows each."""
    from tests.app.test_sources_under_tables import _after
    from tests.app.test_pages import run_page
    at = run_page("poches", territoire="demo")
    assert not at.exception
    line = ('<div class="qpv-source qpv-more" title="Source : Données fictives de démonstration, '
            'carroyage à 200 m, 2019 ; Médianes du niveau de vie (Filosofi) : France (2019), CA '
            'Val-de-Lorne (fictive, EPCI, faute d\'unité urbaine, 2019) ; Contours des QPV : fictifs ; '
            'circulaire du 31 août 2023 relative aux contrats de ville">Source : Données fictives de '
            'démonstration, carroyage à 200 m, 2019</div>')
    assert [_after(at, "Ménages pauvres"), _after(at, "QPV du territoire")] == [line, line]


def test_the_method_pages_indicator_table_writes_units_as_the_app_does() -> None:
    """« Données et méthode » listed the registry's units as stored (« EUR/an », « EUR/mois »)
    where every title, tile and chart writes « € par an »."""
    from indicators.registry import REGISTRY
    from ui import views
    table = views.registry_table()
    units = dict(zip(table["Identifiant"], table["Unité"]))
    expected = {"EUR/an": "€ par an", "EUR/mois": "€ par mois", "EUR": "€"}
    assert units == {i.id: expected.get(i.unit, i.unit) for i in REGISTRY}
    assert not any("EUR" in u for u in units.values())


def test_the_common_law_source_names_each_document_once() -> None:
    import pandas as pd
    from ui import views
    schemes = pd.DataFrame({"Pilier": ["A", "A", "B"], "Source": ["annexe 4", None, "annexe 4"]})
    assert views.schemes_source(schemes) == (
        "dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du contrat "
        "(modèle de programme), d'après annexe 4")
    assert views.schemes_source(pd.DataFrame({"Pilier": []})) == (
        "dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du contrat "
        "(modèle de programme)")


def test_the_undeclared_schemes_table_names_its_source(demo_db) -> None:
    """« Ce qu'aucun signataire n'a déclaré » had no source line (demo, Grand Chalon)."""
    import html
    from tests.app.test_sources_under_tables import _after
    from tests.app.test_pages import run_page, shown
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    # The document the schemes' section belongs to, as a reader cites it (s14-RW: « d'après
    # annexe 4 » named no document); the whole credit is the line's hover text and toggle.
    head = ("Source : dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du "
            "contrat (modèle de programme), d'après ")
    whole = (head + "Contrat de ville Val-de-Lorne 2024–2030 (document fictif, CA Val-de-Lorne, "
             "fictive, 15 mars 2024) — annexe 4, droit commun mobilisable (fictive)")
    line = (f'<div class="qpv-source qpv-more" title="{whole}">{head}Contrat de ville Val-de-Lorne '
            "2024–2030 — CA Val-de-Lorne (fictive), 2024</div>")

    def read(text: str) -> str:
        return html.unescape(shown(text)).replace("\u202f", " ").replace("\u00a0", " ")

    assert read(_after(at, "Dispositifs mobilisables")) == line
    # The undeclared schemes' table: the one with a « Pilier » and a « Dispositif » column (each
    # pillar's table in its expander has no « Pilier »).
    flat = []

    def walk(node) -> None:
        if getattr(node, "type", None) in ("dataframe", "markdown", "caption"):
            flat.append(node)
            return
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    i = next(i for i, e in enumerate(flat) if e.type == "dataframe"
             and {"Pilier", "Dispositif"} <= set(e.value.columns))
    assert read(flat[i + 1].value) == line
