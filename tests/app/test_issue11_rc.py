"""Issue #11 leftovers (RC): indicator selectors offering only indicators with values, chart
source lines of about two lines at 390 px, the actions table's « Quartiers » column, « politique
de la ville » in the product's own strings, each CIA figure once on the housing page.
AppTest on the demo build (every contract) and function-level tests on small data."""
from __future__ import annotations

import duckdb
import pytest

from indicators import compare
from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page
from ui import views

CONTRACTS = ["demo", "grand-chalon", "chambery", "chartres-metropole"]


def _catalog(path) -> list[str]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        ids = [r[0] for r in con.execute("select distinct indicator_id from indicator_catalog").fetchall()]
        return ids
    finally:
        con.close()


@pytest.mark.parametrize("slug", CONTRACTS)
def test_the_map_offers_only_indicators_it_can_colour(demo_db, slug) -> None:
    """Chambéry's map: a column of « non disponible » under a choice of every indicator. Every
    option now draws at least one value on the map; none left out could; with none, a note."""
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        colourable = {i for i in _catalog(demo_db)
                      if (compare.map_values(con, slug, i).frame["status"] == "ok").any()}
    finally:
        con.close()
    at = run_page("carte", territoire=slug)
    assert not at.exception
    if not colourable:
        assert slug == "chambery"
        assert [plain_spaces(i.value) for i in at.info] == [
            "Aucune valeur d'indicateur n'est chargée pour les quartiers de ce territoire : la "
            "carte n'a rien à colorer (voir « Données et méthode » pour charger les fichiers de "
            "l'Insee)."]
        assert not at.selectbox and not at.dataframe and not at.get("deck_gl_json_chart")
        return
    select = at.selectbox(key="map_indicator")
    offered = {i for i in colourable
               if plain_spaces(views.indicator_short_option(i)) in map(plain_spaces, select.options)}
    assert len(select.options) == len(colourable) and offered == colourable
    assert select.value in colourable               # the default has values
    assert (at.dataframe[0].value["Valeur"] != "non disponible").any()


@pytest.mark.parametrize("slug", CONTRACTS)
def test_the_comparison_offers_only_indicators_with_values(demo_db, slug) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        table = compare.compare_qpvs(con, slug, _catalog(demo_db))
    finally:
        con.close()
    with_values = {c for c in _catalog(demo_db) if (table[c + "__status"] == "ok").any()}
    at = run_page("comparer", territoire=slug)
    assert not at.exception
    if not with_values:
        assert slug == "chambery" and not at.multiselect and "rien à comparer" in at.info[0].value
        return
    chips = at.multiselect(key="cmp_indicators")
    offered = {i for i in with_values
               if plain_spaces(views.indicator_option(i)) in map(plain_spaces, chips.options)}
    assert len(chips.options) == len(with_values) and offered == with_values
    assert chips.value and set(chips.value) <= with_values


# ── 2–3. Chart and tile source lines in about two lines, the whole credit behind the toggle ───

def test_a_charts_short_line_lists_its_credits_or_the_first_et_al() -> None:
    from indicators.sources import CHART_LINE, credits_line
    quartier = "Données fictives de démonstration (Filosofi, données par quartier, 2021)"
    communes = "Données fictives de démonstration (Filosofi, données par commune, EPCI, département et France, 2021)"
    gap = " · écarts entre valeurs de la même année"
    assert [credits_line(c, suffix=s) for c, s in (
        ([quartier, quartier], ""), ([quartier, communes], ""), ([quartier, communes], gap),
        (["Insee 2019", "Cnaf 2022"], gap), ([communes * 2], ""), ([], gap))] == [
        quartier,
        quartier + " et al.",
        # The cut bracket closed (s14-RM: « données par… et al. » left it open).
        "Données fictives de démonstration (Filosofi, données par…) et al." + gap,
        "Insee 2019 ; Cnaf 2022" + gap,
        # One credit too long: cut at a word, one « … », its bracket closed.
        "Données fictives de démonstration (Filosofi, données par commune, EPCI, département et "
        "France…)",
        "écarts entre valeurs de la même année"]
    assert all(len(credits_line([communes * 3, quartier], suffix=s)) <= CHART_LINE for s in ("", gap))


def _cia_part():
    import pandas as pd
    full = ("Convention Intercommunale d'Attribution – Communauté d'Agglomération du Grand Chalon "
            "(reproduite en annexe 7 des annexes du contrat de ville 2024-2030), Le Grand Chalon, l'État "
            "(préfet de Saône-et-Loire), le Département, les communes, les bailleurs sociaux et Action "
            "Logement Services, 30 mars 2023 — Annexe 7 – CIA, « Les objectifs quantifiés et "
            "territorialisés par bailleur »")
    short = "Convention Intercommunale d'Attribution, Annexe 7 – CIA — Le Grand Chalon et al., 2023"
    return pd.DataFrame({"year": [2020, 2021, 2022], "origin": ["published", "published", "computed"],
                         "source_line": [full, full, None], "short_line": [short, short, None],
                         "source_ref": ["Annexe 7 – CIA"] * 2 + [None]}), full, short


def test_cia_chart_and_tiles_cite_the_short_line_the_whole_behind() -> None:
    part, full, short = _cia_part()
    assert views.housing_chart_source(part) == full + " ; attributions saisies dans le modèle de programme"
    assert views.housing_chart_source(part, short=True) == short + " et al."
    assert views.housing_chart_source(part.iloc[:2], short=True) == short


def test_funding_chart_short_line_names_each_document_as_a_reader_cites_it() -> None:
    documents = [("Bilan annuel du contrat de ville 2025 (document fictif)", "CA Val-de-Lorne (fictive)",
                  "2026-02-10")]
    assert plain_spaces(views.funding_source(documents)) == (
        "financements saisis par l'équipe du contrat (modèle de programme), d'après « Bilan annuel "
        "du contrat de ville 2025 (document fictif) » (CA Val-de-Lorne, fictive, 10 février 2026)")
    assert views.funding_source(documents, short=True) == (
        "financements saisis d'après Bilan annuel du contrat de ville 2025 — CA Val-de-Lorne "
        "(fictive), 2026")
    assert views.funding_source([], short=True) == views.FUNDING_SOURCE


def test_grand_chalon_housing_lines_are_the_short_credit(demo_db) -> None:
    """The CIA tiles and charts cut the whole credit to four lines at 390 px and lost the section
    (« Communauté d'Agglomération… — Annexe 7 – CIA, « Les objectifs… » »)."""
    from tests.app.test_review_sources import source_lines
    at = run_page("logement", territoire="grand-chalon")
    assert not at.exception
    cia = "Source : Convention Intercommunale d'Attribution, Annexe 7 – CIA — Le Grand Chalon et al., 2023"
    lines = [plain_spaces(t).replace("&#x27;", "'") for t in source_lines(at)]
    whole = "Source : Convention Intercommunale d'Attribution – Communauté d'Agglomération du Grand Chalon"
    # Two tiles (their whole credit once under « Sources complètes »), then each chart's line
    # followed by its whole credit (behind « Source complète »).
    cia_lines = [t for t in lines if "Convention Intercommunale" in t]
    assert cia_lines[:2] == [cia, cia]
    assert cia_lines[2].startswith(whole.removeprefix("Source : "))
    assert cia_lines[3] == cia and cia_lines[4].startswith(whole)
    assert cia_lines[5] == cia and cia_lines[6].startswith(whole)


def test_portrait_chart_lines_hold_in_about_two_lines(demo_db) -> None:
    """A comparison chart's line listed every credit whole (184 to 224 characters at 390 px)."""
    from indicators.sources import CHART_LINE
    at = run_page("portrait", territoire="demo", qpv="QN09903M")
    assert not at.exception
    import html as html_lib
    import re
    # The lines shown cut, their whole credit behind « Source complète » (class qpv-more).
    lines = [plain_spaces(html_lib.unescape(re.sub(r"<[^>]+>", "", m.value))).replace("\u2060", "")
             for m in at.markdown if 'class="qpv-source qpv-more"' in m.value]
    charts = [t for t in lines if t.endswith(" et al.") or t.endswith("de la même année")]
    assert charts and [t for t in charts if len(t) > len("Source : ") + CHART_LINE] == []
    assert "Source : Données fictives de démonstration (Filosofi, données par quartier, 2021) et al." in charts
    assert not [t for t in lines if t.count("…") > 1]


# ── 6. Each CIA figure once on the housing page ──────────────────────────────────────────────

def test_a_key_figure_repeating_a_cia_tile_is_recognised() -> None:
    import dataclasses

    import pandas as pd

    from indicators.kpi import KpiTile
    results = pd.DataFrame({
        "year": [2020, 2021, 2020], "party_type": ["ensemble"] * 3,
        "objective": ["q1_hors_qpv", "q1_hors_qpv", "hors_q1_en_qpv"],
        "origin": ["published"] * 3, "rate_pct": [10.5, 12.04, 59.23]})
    base = KpiTile(*([None] * 5), value=12.04, status="ok", qualifier=None, period_label="2021",
                   year=2021, is_published=True, **{f.name: None for f in dataclasses.fields(KpiTile)
                                                   if f.name not in {"kpi_id", "label", "unit", "theme",
                                                                     "territory_code", "value", "status",
                                                                     "qualifier", "period_label", "year",
                                                                     "is_published"} and
                                                   f.default is dataclasses.MISSING})
    tile = dataclasses.replace(base, unit="%")
    assert [views.repeats_cia_headline(t, results) for t in (
        tile,                                           # the 2021 rate shown by the CIA tile
        dataclasses.replace(tile, value=59.23, year=2020),   # the other objective's latest year
        dataclasses.replace(tile, value=10.5, year=2020),    # an earlier year: not on a tile
        dataclasses.replace(tile, value=12.0),               # another figure
        dataclasses.replace(tile, unit="logements"),         # not a rate
    )] == [True, True, False, False, False]
    assert views.repeats_cia_headline(tile, results.iloc[0:0]) is False


def test_grand_chalon_housing_page_says_its_2021_cia_rate_once(demo_db) -> None:
    at = run_page("logement", territoire="grand-chalon")
    assert not at.exception
    said = [plain_spaces(m.label) for m in at.metric if "12,04" in m.value]
    assert said == ["Attributions hors QPV aux ménages du 1er quartile – 2021"]
    # The rest of the contract's housing figures are still there.
    assert "Indicateurs suivis du contrat" not in [h.value for h in at.header]
    assert "Chiffres de contexte" in [h.value for h in at.header]
    # The home page, without the CIA tiles, keeps the key figure.
    at = run_page("mandat", territoire="grand-chalon")
    assert [plain_spaces(m.label) for m in at.metric if "12,04" in m.value] == [
        "Attributions hors QPV aux demandeurs du 1er quartile"]


# ── 5. « politique de la ville », « contrat de ville »: common nouns in the product's strings ──

def test_the_products_own_strings_write_de_la_ville_in_lower_case() -> None:
    """The UI and the PDFs wrote « pour 1 € de la Ville » beside « de la ville »: the common nouns
    « politique de la ville », « contrat de ville » are lower case in every string of ui/, pages/,
    app.py, indicators/ and reports/, and the city as a funder is « la Ville » (the institution,
    as its documents and Chambéry's typed cards write it: « pour 1 € de la Ville »)."""
    import io
    import tokenize
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    files = [root / "app.py", *[p for d in ("ui", "pages", "indicators", "reports")
                                for p in sorted((root / d).rglob("*.py"))]]
    import re
    capital = re.compile(r"\b([Cc]ontrats? de Ville|[Pp]olitique de la Ville)\b"
                         r"|€ de la ville\b|\b(la ville ne finance|financement de la ville)\b")
    found = []
    for path in files:
        for tok in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if tok.type in (tokenize.STRING, tokenize.COMMENT, getattr(tokenize, "FSTRING_MIDDLE", -1)) \
                    and capital.search(tok.string):
                found.append(f"{path.relative_to(root)}:{tok.start[0]}")
    assert found == []


# ── 4. The actions table's short columns sized from their content in a wide room ─────────────

def test_short_columns_keep_one_line_in_a_wide_room() -> None:
    """Chartres' actions at 1440 px (the HTML table: the grid is wider than the page): « non /
    renseigné » on two lines in « Quartiers », « Enjeu », « Montant » beside long titles."""
    import pandas as pd

    from ui import components
    frame = pd.DataFrame({
        "Année": ["2022", "2021"], "Action": ["Ateliers de customisation de vêtements et d'accessoires",
                                              "Accompagnement au microcrédit"],
        "Quartiers": ["non renseigné", "non renseigné"], "Montant": ["40 990 €", "non renseigné"],
        "Porteur": ["Association d'aide aux victimes d'infractions d'Eure-et-Loir", "ADIE"]})
    order = list(frame.columns)
    assert views.short_columns(frame, order) == [1, 3, 4]
    css = components.narrow_css("actions table", 1400, 600, tuple(views.short_columns(frame, order)))
    assert css.endswith(
        "@container (min-width: 700px) { .qpv-narrow-actions-table th:nth-child(1), "
        ".qpv-narrow-actions-table td:nth-child(1), .qpv-narrow-actions-table th:nth-child(3), "
        ".qpv-narrow-actions-table td:nth-child(3), .qpv-narrow-actions-table th:nth-child(4), "
        ".qpv-narrow-actions-table td:nth-child(4) { white-space: nowrap; } }</style>")
    # Kept on one line only from the room the table needs with them so: its short columns on one
    # line, the others at their widest word (Grand Chalon's « Mobilisation » table ran 992 px wide
    # in its 928 px at 1440 px).
    short = tuple(views.short_columns(frame, order))
    need = views.one_line_px(frame, order, short)
    assert need == (sum(max(views.text_px(views.screen_text(t)) for t in {c, *frame[c]})
                        - views.CELL_PADDING_PX + views.HTML_CELL_PADDING_PX for c in ("Année", "Quartiers", "Montant"))
                    + views.min_px(frame, "Action") + views.min_px(frame, "Porteur"))
    assert "@container (min-width: 1000px) { .qpv-narrow-actions-table th:nth-child(1)" in components.narrow_css(
        "actions table", 1400, 600, short, 1000)
    assert "@container (min-width: 700px)" in components.narrow_css("actions table", 1400, 600, short, 500)
    # Without short columns, the same queries as before.
    assert components.narrow_css("actions table", 1400, 600) == components.narrow_css(
        "actions table", 1400, 600, ())
    assert "nowrap" not in components.narrow_css("actions table", 1400, 600)


def test_the_gap_selector_offers_only_indicators_with_two_comparable_years(demo_db) -> None:
    from indicators import gaps
    # The demo's CAF share has one year only: « Aucun quartier n'a deux années comparables… ».
    chosen = ["median_income_eur_month", "caf_low_income_pct", "poverty_rate_pct"]
    at = run_page("comparer", territoire="demo")
    at.multiselect(key="cmp_indicators").set_value(chosen).run()
    assert not at.exception
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        assert [gaps.gap_change_table(con, "demo", i).empty for i in chosen] == [False, True, False]
    finally:
        con.close()
    assert [plain_spaces(o) for o in at.selectbox(key="gap_indicator").options] == [
        plain_spaces(views.indicator_short_option(i)) for i in ("median_income_eur_month", "poverty_rate_pct")]
