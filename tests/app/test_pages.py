"""Every page, run alone with AppTest on the real demo database (ETL output), for the demo and
each real contract; the figures of the seeds; widget interactions change what is shown."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators import fmt
from indicators.fmt import plain_spaces

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
CONTRACTS = ("demo", "grand-chalon", "chambery", "chartres-metropole")
TITLES = {
    "mandat": "Les chiffres du mandat", "carte": "Carte des quartiers",
    "portrait": "Portrait de quartier", "comparer": "Comparer les quartiers",
    "programmes": "Programmes et financements", "logement": "Logement et attributions",
    "bilan": "Bilan par quartier", "methode": "Données et méthode",
    "rapports": "Rapports et exports", "importer": "Importer des fichiers",
    "poches": "Poches de pauvreté hors QPV", "droit_commun": "Droit commun et signataires",
    "adresse": "Adresse → quartier",
}
DEMO_MARK = "Données fictives de démonstration"


def run_page(page: str, *, territoire: str | None = None, qpv: str | None = None,
             query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    if territoire:
        at.session_state["territoire"] = territoire
    if qpv:
        at.session_state["qpv"] = qpv
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def shown(markdown: str) -> str:
    """Escaped data as the reader sees it: without the Markdown backslashes and the invisible
    word joiners of indicators.text.md_text / html_text."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def page_text(at: AppTest) -> str:
    """Every text the page shows (markdown, titles, captions, metrics, messages, tables), with
    ordinary spaces instead of the French no-break ones."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "error", "warning", "info",
                 "text"):
        parts += [str(e.value) for e in getattr(at, kind)]
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts = [shown(p) for p in parts]
    parts += [df.value.to_string() for df in at.dataframe]
    return plain_spaces("\n".join(parts))


@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_for_every_contract(demo_db, page, contract) -> None:
    at = run_page(page, territoire=contract)
    assert not at.exception, at.exception
    assert at.title[0].value.startswith(TITLES[page])
    if page != "adresse":       # the address page serves every territory; a result carries the mark
        assert (DEMO_MARK in page_text(at)) == (contract == "demo")


def test_portrait_of_aubepins_from_a_link_shows_the_annex_figures(demo_db) -> None:
    at = run_page("portrait", query={"qpv": "QN07101I"})
    assert not at.exception
    text = page_text(at)
    assert plain_spaces(at.title[0].value) == "Portrait de quartier : Aubépins"
    for figure in ("742 €/mois", "Chalon-sur-Saône : <b>1 480 €/mois</b>",
                   "CA Le Grand Chalon : <b>1 770 €/mois</b>", "8 904 €/an", "2 500 habitants",
                   "37,5 %", "Insee 2019"):
        assert figure in text, figure
    assert DEMO_MARK not in text
    charts = at.get("plotly_chart")
    assert charts, "the portrait draws comparison charts"
    spec = json.loads(charts[0].proto.spec)
    assert spec["data"][0]["text"][:3] == ["742\u00a0€/mois", "1\u202f480\u00a0€/mois",
                                           "1\u202f770\u00a0€/mois"]


def test_portrait_shows_withheld_values_as_secret(demo_db) -> None:
    at = run_page("portrait", query={"qpv": "QN09910N"})
    assert not at.exception
    assert "secret statistique" in page_text(at)


def test_mandate_page_of_chambery_shows_the_seed_figures(demo_db) -> None:
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    values = {plain_spaces(shown(m.label)): plain_spaces(shown(m.value)) for m in at.metric}
    assert values["Budget de la Ville consacré à la politique de la ville (associations et actions "
                  "de terrain)"] == "1,5 M€/an"
    assert values["Projets financés"] == "120 projets"
    assert values["Habitants rencontrés par l'aller-vers (non-recours aux droits)"] == "1 650 personnes"
    assert values["Droits réouverts"] == "610 droits"
    assert values["Interventions de médiation nocturne"] == "4 783 interventions"
    assert values["Effet levier : euros mobilisés par l'État pour 1 € de la Ville"] == \
        "8,3 € pour 1 € de la Ville"
    text = page_text(at)
    # Under « Effet levier : pour 1 € de la Ville », each cell says the rest.
    table = next(d.value for d in at.dataframe if "Financeur" in d.value.columns)
    assert dict(zip(table["Financeur"], table["Publié"].map(plain_spaces))) == {
        "Intercommunalité": "4 € de l'intercommunalité", "État (tous crédits)": "8,3 € de l'État"}
    assert "Effet levier : pour 1 € de la Ville" in text


def _sections(at: AppTest) -> dict[str, list[str]]:
    """Each header of the page with the metric labels (and values) shown under it, in order."""
    sections: dict[str, list[str]] = {}
    current = ""

    def walk(node) -> None:
        nonlocal current
        kind = getattr(node, "type", None)
        if kind == "header":
            current = plain_spaces(shown(node.value))
            sections[current] = []
            return
        if kind == "metric":
            sections.setdefault(current, []).append(plain_spaces(shown(f"{node.label} = {node.value}")))
            return
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    return sections


def test_home_of_grand_chalon_opens_on_its_key_figures(demo_db) -> None:
    at = run_page("mandat", territoire="grand-chalon")
    assert not at.exception
    sections = _sections(at)
    assert list(sections)[0] == "Les chiffres clés"
    assert sections["Les chiffres clés"] == [
        "Revenu disponible médian par UC, par mois – Aubépins = 742 €/mois",
        "Revenu disponible médian par UC, par mois – Prés Saint Jean = 712 €/mois",
        "Attributions hors QPV aux demandeurs du 1er quartile = 12,04 %"]
    text = page_text(at)
    assert "Chalon-sur-Saône : 1 480 €/mois (2022)" in text
    assert "CA Le Grand Chalon : 1 770 €/mois (2022)" in text
    # The objective at the precision of the CIA tiles and table (issue 11: « 25 % » beside « 25,0 % »).
    assert "Objectif 2021 : 25,0 %" in text
    # Key figures are not repeated under their theme.
    assert not any(m.startswith("Attributions hors QPV") for m in sections.get("Logement", []))


def test_home_of_chambery_puts_national_figures_apart(demo_db) -> None:
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    sections = _sections(at)
    assert list(sections)[0] == "Les chiffres clés"
    assert [m.split(" = ")[0] for m in sections["Les chiffres clés"]][:2] == [
        "Budget de la Ville consacré à la politique de la ville (associations et actions de terrain)",
        "Habitants supplémentaires intégrés à la géographie prioritaire"]
    national = [m.split(" = ")[0] for m in sections["Contexte national"]]
    assert national == [
        "Territoires pilotes de l'expérimentation nationale « Zéro non-recours »",
        "Territoires du premier appel à manifestation d'intérêt Logement d'abord",
        "Territoires retenus en 2021 (second appel) pour le Logement d'abord",
        "Territoires engagés dans la mise en œuvre accélérée du Logement d'abord",
        "Crédits supports répartis entre les territoires du Logement d'abord"]
    for theme, metrics in sections.items():
        if theme != "Contexte national":
            assert not any(m.startswith(tuple(national)) for m in metrics), theme


def test_review_of_the_hauts_de_chambery(demo_db) -> None:
    at = run_page("bilan", territoire="chambery", qpv="QN07302M")
    assert not at.exception
    text = page_text(at)
    assert "Une mairie de quartier au cœur de la vie locale" in [s.value for s in at.subheader]
    for part in ("Le besoin au départ", "Ce que nous avons décidé et fait", "Ce que cela a changé"):
        assert part in text


def test_housing_page_of_grand_chalon_computes_and_quotes_the_needed_attributions(demo_db) -> None:
    at = run_page("logement", territoire="grand-chalon")
    assert not at.exception
    values = {plain_spaces(shown(m.label)): plain_spaces(shown(m.value)) for m in at.metric}
    assert values["Attributions hors QPV aux ménages du 1er quartile – 2021"] == "12,04 %"
    assert values["Attributions en QPV aux ménages au-dessus du 1er quartile – 2020"] == "59,23 %"
    text = page_text(at)
    assert "Attributions manquantes (calcul) : 89" in text
    assert "Selon le document : 88" in text
    assert "2 314 demandeurs" in text


def test_housing_filters_change_the_table(demo_db) -> None:
    at = run_page("logement", territoire="grand-chalon")
    assert len(at.dataframe[0].value) == 2
    at.selectbox(key="cia_year").select(2021).run()
    assert not at.exception
    assert at.dataframe[0].value["Année"].tolist() == ["2021"]


def test_map_draws_qpvs_communes_and_labels_without_tiles(demo_db) -> None:
    at = run_page("carte", territoire="demo")
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    layer_ids = [layer["id"] for layer in deck["layers"]]
    assert layer_ids[:2] == ["communes", "qpv"] and "commune_names" in layer_ids
    assert "tiles" not in layer_ids
    assert deck["mapStyle"].startswith("data:application/json")
    labels = [layer for layer in deck["layers"] if layer["id"] == "commune_names"][0]
    assert "Lorneville" in {row["name"] for row in labels["data"]}
    qpv_names = {f["properties"]["name"] for f in deck["layers"][1]["data"]["features"]}
    assert "Les Tilleuls" in qpv_names
    legend = [m.value for m in at.markdown if "Taux de pauvreté" in m.value][0]
    assert "secret statistique" in legend and "2021" in legend


def test_map_controls_have_room_for_their_labels(demo_db) -> None:
    """« Fond de carte (Internet) » was cut to « Fond de carte (Inter… » at 1440 px: the toggle's
    column and the radio's get more than a quarter of the row each (about 260 px)."""
    at = run_page("carte", territoire="demo")
    assert not at.exception
    weights = [c.weight for c in at.columns[:3]]
    assert ([r.label for r in at.radio], [t.label for t in at.toggle]) == (
        ["Classes"], ["Fond de carte (Internet)"])
    assert all(w / sum(weights) > 0.27 for w in weights[1:]), weights


def test_compare_sort_toggle_has_room_for_its_label(demo_db) -> None:
    """« Ordre décroissant » was cut to « Ordre décroiss… » at 1440 px (a sixth of the row):
    its column gets more than a fifth (weights are shares of their row)."""
    at = run_page("comparer", territoire="demo")
    assert not at.exception
    column = next(c for c in at.columns if [t.key for t in c.toggle] == ["cmp_desc"])
    assert column.weight > 0.2, column.weight


def test_map_indicator_and_tiles_widgets_change_the_map(demo_db) -> None:
    at = run_page("carte", territoire="demo")
    at.selectbox(key="map_indicator").select("median_income_eur_year").run()
    assert not at.exception
    assert at.session_state["indicateur"] == "median_income_eur_year"
    assert any("Revenu disponible médian par unité de consommation, en € par an" in plain_spaces(m.value)
               for m in at.markdown)
    at.toggle(key="map_tiles").set_value(True).run()
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["layers"][0]["id"] == "tiles"


def test_map_of_a_territory_without_contours_lists_the_qpvs(demo_db) -> None:
    at = run_page("carte", territoire="chartres-metropole")
    assert not at.exception
    assert not at.get("deck_gl_json_chart")
    assert "Les contours des quartiers de ce territoire ne sont pas chargés" in at.info[0].value
    # No map, no « Classes » nor « Fond de carte » that would do nothing (issue 11).
    assert ([r.label for r in at.radio], [t.label for t in at.toggle]) == ([], [])
    table = at.dataframe[0].value
    assert "Vieux Puits - Paradis - Maunoury" in table["Quartier"].tolist()
    assert table["Portrait"].str.startswith("/portrait?qpv=QN028").all()


def test_comparison_filters_sorting_and_scatter(demo_db) -> None:
    at = run_page("comparer", territoire="demo", qpv="QN09902I")
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[table[""] == "▶", "Code"].tolist() == ["QN09902I"]
    assert at.get("plotly_chart"), "two indicators give a scatter plot"
    n_before = len(table)
    at.selectbox(key="cmp_sort").select("poverty_rate_pct").run()
    at.selectbox(key="cmp_threshold_on").select("poverty_rate_pct").run()
    low, high = at.slider(key="cmp_threshold").value
    at.slider(key="cmp_threshold").set_range(low + (high - low) / 2, high).run()
    assert not at.exception
    kept = at.dataframe[0].value
    assert 0 < len(kept) < n_before
    rates = [float(v.replace("\u00a0%", "").replace(",", ".")) for v in kept.iloc[:, 4]]
    assert rates == sorted(rates, reverse=True)


def test_comparison_lists_names_a_to_z_and_figures_highest_first(demo_db) -> None:
    """The default table read Z to A (« Ordre décroissant » on for names)."""
    at = run_page("comparer", territoire="demo")
    assert not at.exception
    names = at.dataframe[0].value["Quartier"].tolist()
    assert names == sorted(names, key=fmt.fold) and at.toggle(key="cmp_desc").value is False
    at.selectbox(key="cmp_sort").select("poverty_rate_pct").run()
    assert at.toggle(key="cmp_desc").value is True
    at.selectbox(key="cmp_sort").select(None).run()
    assert at.toggle(key="cmp_desc").value is False
    assert at.dataframe[0].value["Quartier"].tolist() == names


def test_comparison_default_scatter_crosses_two_different_indicators(demo_db) -> None:
    at = run_page("comparer", territoire="demo", query={"indicateur": "median_income_eur_month"})
    assert not at.exception
    chosen = at.multiselect(key="cmp_indicators").value
    assert chosen[0] == "median_income_eur_month"
    assert "median_income_eur_year" not in chosen[:2]


def test_programme_search_narrows_the_actions(demo_db) -> None:
    at = run_page("programmes", territoire="demo")
    assert not at.exception
    n_all = len(at.dataframe[-1].value)
    at.text_input(key="prog_search").input("vélo").run()
    shown = at.dataframe[-1].value
    assert 0 < len(shown) < n_all
    assert shown["Action"].str.contains("vélo", case=False).all()
    text = page_text(at)
    assert "Conventions pluriannuelles (CPO)" in text and "Poches de pauvreté hors QPV" in text


def test_method_page_lists_every_registry_indicator_and_loaded_file(demo_db) -> None:
    import duckdb

    from indicators.registry import REGISTRY
    at = run_page("methode")
    assert not at.exception
    registry_table = at.dataframe[0].value
    assert sorted(registry_table["Identifiant"]) == sorted(i.id for i in REGISTRY)
    con = duckdb.connect(str(demo_db), read_only=True)
    n_sources = con.execute("select count(*) from sources").fetchall()[0][0]
    con.close()
    assert len(at.dataframe[1].value) == n_sources
    assert "Ne comparez pas deux millésimes" in page_text(at)


def test_pockets_page_shows_the_planted_pocket_and_follows_its_parameters(demo_db) -> None:
    at = run_page("poches", territoire="demo")
    assert not at.exception, at.exception
    text = page_text(at)
    assert "1 poche de pauvreté hors QPV" in text
    assert "S = 0,6 × (0,7 × 22 040 € + 0,3 × 20 130 €) = 12 880 €" in text
    assert "Approximation du critère officiel des QPV" in text
    listing = at.dataframe[0].value
    assert listing[["Poche", "Commune(s)", "Habitants", "Carreaux"]].values.tolist() == [
        ["Poche 1", "Lorneville, Saint-Aubin-sur-Lorne", "1\u202f260", 9]]
    # The generated id (it holds the contract's slug) is never on screen (issue 11, D8).
    assert "demo-P0" not in page_text(at)
    assert r"Poche 1 · Lorneville, Saint\-Aubin\-sur\-Lorne" in [h.value for h in at.subheader]
    assert "Fiche de justification\u00a0(PDF)" in [b.proto.label for b in at.get("download_button")]
    # Lowering the minimum population takes the decoy of 980 inhabitants; never the QPV's squares.
    at.text_input(key="pocket_min_population").input("900").run()
    listing = at.dataframe[0].value
    assert listing[["Poche", "Habitants"]].values.tolist() == [
        ["Poche 1", "1\u202f260"], ["Poche 2", "980"]]
    assert "2 poches de pauvreté hors QPV" in page_text(at)


def test_pockets_page_speaks_french_not_variable_names(demo_db) -> None:
    """« (Ind_snv / Ind) » (grid variable names) and « 0.00 » (a decimal point) were on the page."""
    at = run_page("poches", territoire="demo")
    assert not at.exception, at.exception
    assert "Ind_snv" not in page_text(at)
    assert not any("Ind_snv" in (w.help or "") for w in at.text_input)
    assert at.text_input(key="pocket_min_poor").value == "0"
    at.text_input(key="pocket_min_poor").input("40").run()
    assert not at.exception


def test_programmes_page_links_the_pocket_share_to_the_pockets(demo_db) -> None:
    at = run_page("programmes", territoire="demo")
    assert not at.exception, at.exception
    assert ("[1 poche de pauvreté repérée sur le carroyage (Poche 1) : chiffres et fiches de "
            "justification](/poches?territoire=demo)") in [plain_spaces(m.value) for m in at.markdown]


def test_programmes_page_offers_no_download_of_an_empty_table(demo_db) -> None:
    """Chartres: « Aucune convention … n'est saisie. » stood above two download buttons, and
    « aucune repérée sur le carroyage » for a territory without a grid."""
    at = run_page("programmes", territoire="chartres-metropole")
    assert not at.exception
    keys = {b.key for b in at.get("download_button")}
    assert not keys & {"dl_cpo_table_csv", "dl_cpo_table_xlsx", "dl_pockets_table_csv",
                       "dl_pockets_table_xlsx"}
    assert {"dl_theme_table_csv", "dl_territory_table_csv"} <= keys
    link = next(m.value for m in at.markdown if m.value.startswith("[Poches de pauvreté hors QPV"))
    assert "pas de recherche possible" in link and "aucune repérée" not in link


def test_home_and_programmes_totals_of_the_demo_reconcile(demo_db) -> None:
    home = page_text(run_page("mandat", territoire="demo"))
    assert "Financements saisis (2020–2026) 7,4 M€" in home
    assert ("Dont 0,6 M€ de financements non rattachés à une action (enveloppes globales), absents "
            "de la liste des actions.") in home
    programmes = page_text(run_page("programmes", territoire="demo"))
    assert ("montant total 6,8 M€ ; s'y ajoutent 0,6 M€ de financements non rattachés à une action "
            "(enveloppes globales), soit 7,4 M€ de financements saisis en tout") in programmes


def test_portrait_and_comparison_show_whether_gaps_narrow(demo_db) -> None:
    at = run_page("portrait", territoire="demo", qpv="QN09902I")
    assert not at.exception
    assert "Les écarts se réduisent-ils ?" in [plain_spaces(h.value) for h in at.header]
    keys = [c.proto.id for c in at.get("plotly_chart")]
    assert any("gap_poverty_rate_pct" in k for k in keys), keys
    assert not any("gap_population_count" in k for k in keys)
    at = run_page("comparer", territoire="demo", query={"indicateur": "poverty_rate_pct"})
    assert not at.exception
    assert at.selectbox(key="gap_indicator").value == "poverty_rate_pct"
    assert any("gap_scatter" in c.proto.id for c in at.get("plotly_chart"))
    assert "En dessous de la ligne, l'écart se réduit" in page_text(at)


def test_chart_captions_credit_every_source_they_show(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07101I")
    assert not at.exception
    import html
    text = html.unescape(page_text(at))
    assert ("Source : Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – "
            "Annexes, Annexe 2 – Portraits de quartiers (d'après Insee 2019 ; Données Compas – "
            "ABS 2022)") in text
    at = run_page("comparer", territoire="demo", query={"indicateur": "poverty_rate_pct"})
    assert not at.exception
    sources = [line for line in html.unescape(page_text(at)).splitlines() if "Source" in line]
    assert sources and all("Insee" not in line and "INSEE" not in line for line in sources), sources
    assert any("Données fictives de démonstration (" in line and "fichier" not in line for line in sources)


def test_a_year_no_document_gives_is_never_printed(demo_db) -> None:
    at = run_page("comparer", territoire="chartres-metropole", qpv="QN02802M",
                  query={"indicateur": "population_count"})
    assert not at.exception
    assert "Population" in at.dataframe[0].value.columns
    assert not any("2023" in c for c in at.dataframe[0].value.columns)
    at = run_page("portrait", territoire="chartres-metropole", qpv="QN02802M")
    assert not at.exception
    table = at.dataframe[0].value
    assert table.loc[table["Indicateur"] == "Population", "Année"].tolist() == ["année non précisée"]


def test_long_sources_are_listed_once_per_group_of_tiles(demo_db) -> None:
    """Chambéry's home page once had 26 « Source complète » toggles: each tile keeps its short
    source line, and each section lists the full sources it shortens once, in one expander."""
    import html
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    assert not at.get("popover")
    expanders = [e for e in at.expander if e.label == "Sources complètes"]
    assert len(expanders) == 8          # one per section with long sources (8 of its 9 headers)
    for e in expanders:
        full = [html.unescape(m.value) for m in e.markdown]
        assert len(full) == 1
        lines = full[0].split('<div class="qpv-source">')[1:]
        assert lines and len(lines) == len(set(lines))
    assert "nan" not in page_text(at).lower().split()


def test_housing_page_puts_the_national_programme_apart(demo_db) -> None:
    at = run_page("logement", territoire="chambery")
    assert not at.exception
    sections = _sections(at)
    assert [m.split(" = ")[0] for m in sections["Programme national"]] == [
        "Territoires du premier appel à manifestation d'intérêt Logement d'abord",
        "Territoires retenus en 2021 (second appel) pour le Logement d'abord",
        "Territoires engagés dans la mise en œuvre accélérée du Logement d'abord",
        "Crédits supports répartis entre les territoires du Logement d'abord"]
    assert "Chiffres de contexte" not in sections


def test_portrait_cards_credit_the_document_and_never_insee_for_fictional_data(demo_db) -> None:
    import html
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07101I")
    assert not at.exception
    text = html.unescape(page_text(at))
    assert ("Source : Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – "
            "Annexes, Annexe 2 – Portraits de quartiers (d'après Insee 2019) · chiffre publié") in text
    at = run_page("portrait", territoire="demo", qpv="QN09902I")
    assert not at.exception
    sources = [line for line in html.unescape(page_text(at)).splitlines()
               if "Source" in line or "Comparaison" in line]
    assert sources and not [line for line in sources if "INSEE" in line or "Insee" in line]


def test_page_header_never_repeats_the_contract_name(demo_db) -> None:
    at = run_page("portrait", territoire="chambery", qpv="QN07301M")
    assert not at.exception
    assert plain_spaces(shown(at.caption[0].value)) == (
        "Politique de la ville de Chambéry – Contrat de ville Engagements 2030 · signé en 2024")
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07101I")
    assert plain_spaces(shown(at.caption[0].value)) == (
        "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030")


def test_review_of_a_quartier_without_one_says_whose_review_is_shown(demo_db) -> None:
    # Chambéry enters a review for Hauts de Chambéry only: Bellevue's page says it has none and
    # names the quartier whose review follows (issue 11), never shows it as Bellevue's.
    at = run_page("bilan", territoire="chambery", qpv="QN07301M")
    assert not at.exception
    assert [plain_spaces(shown(i.value)) for i in at.info] == [
        "Aucun bilan n'est saisi pour Biollay - Bellevue ; voici celui des Hauts De Chambéry."]
    # The quartier that has one says nothing of the kind.
    at = run_page("bilan", territoire="chambery", qpv="QN07302M")
    assert [i.value for i in at.info] == []
