"""Visual review (issue 11): every figure shown with its source, never with a year no document
gives — the map page without contours (its table stands in for the map and its legend), the
comparison table. On the small database built by code (tests/app/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import config
from indicators.fmt import plain_spaces
from tests.app.conftest import build_small_db

ROOT = Path(__file__).resolve().parents[2]


def small_db_with(tmp_path, monkeypatch, name: str, *statements: str) -> Path:
    """The small database at tmp_path/name with `statements` run on it, the app pointed at it."""
    path = build_small_db(tmp_path / name)
    con = duckdb.connect(str(path))
    for sql in statements:
        con.execute(sql)
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


@pytest.fixture
def undated_db(tmp_path, monkeypatch) -> Path:
    """The small database, the Grand Chalon medians typed from a document that gives no year
    (`year_given` false: 2019 is then only the document's date)."""
    return small_db_with(
        tmp_path, monkeypatch, "undated.duckdb",
        "update indicator_facts set year_given = false "
        "where indicator_id = 'median_income_eur_month'")


def run_page(page: str, territoire: str, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    at.session_state["territoire"] = territoire
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def source_lines(at: AppTest) -> list[str]:
    """The visible source lines (components.source_line), as the reader sees them."""
    return [plain_spaces(m.value.split(">", 1)[1].rsplit("</div>", 1)[0].replace("\u2060", ""))
            for m in at.markdown if m.value.startswith('<div class="qpv-source')]


def test_map_without_contours_titles_and_credits_its_table(small_db) -> None:
    """Without contours there is no legend: the table says what it shows and where it comes from."""
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    assert not at.get("deck_gl_json_chart")
    # The indicator's whole name under its select (its option is the short one), then the title.
    assert [plain_spaces(c.value) for c in at.caption][1:] == [
        r"Revenu disponible médian par UC, par mois \(revenus et pauvreté\)",
        "Revenu disponible médian par UC, par mois, en €, 2019"]
    assert source_lines(at) == [
        "Source : Insee 2019 · données 2019 · géographie prioritaire 2024"]
    assert at.dataframe[0].value["Valeur"].tolist() == ["742\u00a0€/mois"]


def test_map_of_undated_values_shows_no_year(undated_db) -> None:
    """A value whose document gives no year is mapped without one: not in the title, nor in the
    source line, nor in the exported table's « Année »."""
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    # The indicator's whole name under its select (its option is the short one), then the title.
    assert [plain_spaces(c.value) for c in at.caption][1:] == [
        r"Revenu disponible médian par UC, par mois \(revenus et pauvreté\)",
        "Revenu disponible médian par UC, par mois, en €"]
    assert source_lines(at) == ["Source : Insee 2019 · géographie prioritaire 2024"]


def test_map_export_leaves_an_undated_year_empty(undated_db) -> None:
    from indicators import compare
    from ui import views
    con = duckdb.connect(str(undated_db), read_only=True)
    try:
        map_data = compare.map_values(con, "grand-chalon", "median_income_eur_month")
    finally:
        con.close()
    assert map_data.year == 2019 and map_data.year_given is False
    table, _, _ = views.map_export(map_data)
    assert table["Année"].tolist() == [None]
    assert views.map_title(map_data) == ("Revenu disponible médian par UC, par mois, "
                                         "en €")


def test_comparison_table_credits_its_values(small_db) -> None:
    at = run_page("comparer", "demo", indicateur="poverty_rate_pct")
    assert not at.exception
    assert at.multiselect(key="cmp_indicators").value[0] == "poverty_rate_pct"
    # Only the values shown are credited (the withheld one has no source to cite).
    assert source_lines(at)[0] == ("Source : Données fictives de démonstration "
                                   "(Statistiques QPV fictives, 2021)")


@pytest.fixture
def funded_db(tmp_path, monkeypatch) -> Path:
    """The small database with two Grand Chalon actions funded from two documents: a page dated
    to the day and an annual report dated by its year only."""
    path = build_small_db(tmp_path / "funded.duckdb")
    con = duckdb.connect(str(path))
    con.executemany(
        "insert into documents (contract_slug, document_id, title, producer, published_on, url,"
        " licence, source_id) values ('grand-chalon', ?, ?, ?, ?, null, null, 'src_chalon')",
        [["page", "Politique de la ville (page du site)", "Grand Chalon", "2023-09-01"],
         ["bilan", "Bilan annuel 2024", None, "2025"]])
    con.executemany(
        "insert into programme_actions (contract_slug, action_id, year, title, document_id,"
        " source_id) values ('grand-chalon', ?, 2024, ?, ?, 'src_chalon')",
        [["a1", "Médiation", "page"], ["a2", "Chantier éducatif", "bilan"]])
    con.executemany(
        "insert into programme_funding (contract_slug, action_id, year, funder, funder_label,"
        " amount_eur, document_id, source_id) values ('grand-chalon', ?, 2024, ?, ?, ?, ?,"
        " 'src_chalon')",
        [["a1", "epci", "Grand Chalon", 12000, "page"], ["a1", "etat_autre", "FIPD", 8000, "page"],
         ["a2", "ville", "Chalon-sur-Saône", 5000, "bilan"]])
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


FUNDING_CREDIT = ("Source : financements saisis par l'équipe du contrat (modèle de programme), "
                  "d'après « Politique de la ville (page du site) » (Grand Chalon, 1er septembre "
                  "2023) ; « Bilan annuel 2024 » (2025)")


@pytest.mark.parametrize("page", ["mandat", "programmes"])
def test_financing_charts_credit_the_documents_their_lines_come_from(funded_db, page) -> None:
    """The financing chart names the documents the funding lines were typed from (title,
    producer, date), not only « the template »."""
    at = run_page(page, "grand-chalon")
    assert not at.exception
    assert at.get("plotly_chart")
    shown = [s.replace("&#x27;", "'") for s in source_lines(at)]
    # Under the chart, each document as a reader cites it (issue #11: about two lines), the
    # whole credit behind « Source complète ».
    assert shown[:2] == ["Source : financements saisis d'après Politique de la ville — Grand Chalon, "
                         "2023 ; Bilan annuel 2024 — 2025", FUNDING_CREDIT]


def test_funding_source_without_documents_names_the_template() -> None:
    from ui import views
    assert views.funding_source([]) == ("financements saisis par l'équipe du contrat "
                                        "(modèle de programme)")
    assert views.funding_source([("Bilan", "Ville", "sans date")]) == (
        "financements saisis par l'équipe du contrat (modèle de programme), d'après « Bilan » "
        "(Ville, sans date)")


def test_housing_page_says_there_is_no_cia_before_national_context(tmp_path, monkeypatch) -> None:
    """A contract with no CIA figure but national housing figures (Chambéry): the page says the
    CIA is not typed, then shows the national context — not the context alone."""
    small_db_with(
        tmp_path, monkeypatch, "context.duckdb",
        "insert into documents (contract_slug, document_id, title, producer, published_on,"
        " url, licence, source_id) values ('grand-chalon', 'lda', 'Logement d''abord',"
        " 'Grand Chalon', '2021-02-05', null, null, 'src_chalon')",
        "insert into kpi_definitions (contract_slug, kpi_id, label, unit, theme, cumulation,"
        " scope, source_id) values ('grand-chalon', 'lda_count', 'Territoires du Logement"
        " d''abord', 'territoires', 'logement', 'none', 'national', 'src_chalon')",
        "insert into kpi_values (contract_slug, kpi_id, value, status, is_published,"
        " document_id, source_id) values ('grand-chalon', 'lda_count', 46, 'ok', true,"
        " 'lda', 'src_chalon')")
    at = run_page("logement", "grand-chalon")
    assert not at.exception
    assert [plain_spaces(i.value) for i in at.info] == [
        "Aucune donnée d'attribution (CIA) n'est saisie pour ce territoire (attributions, "
        "objectifs et résultats de la CIA se saisissent dans le modèle de programme : voir "
        "« Données et méthode »)."]
    assert [h.value for h in at.header] == ["Programme national"]


def test_programmes_page_without_actions_points_to_the_published_programme_figures(
        tmp_path, monkeypatch) -> None:
    """No action typed, but the document publishes « 120 projets »: the programmes page says
    where those figures are instead of seeming to contradict the home page."""
    path = build_small_db(tmp_path / "published.duckdb")
    con = duckdb.connect(str(path))
    con.executemany(
        "insert into kpi_definitions (contract_slug, kpi_id, label, unit, theme, cumulation, scope,"
        " source_id) values ('grand-chalon', ?, ?, ?, ?, 'none', ?, 'src_chalon')",
        [["projects", "Projets financés", "projets", "programme", "contrat"],
         ["budget", "Budget consacré", "EUR/an", "programme", "contrat"],
         ["withheld", "Associations", "associations", "programme", "contrat"],
         ["national", "Crédits nationaux", "EUR", "programme", "national"],
         ["school", "Enfants suivis", "enfants", "éducation", "contrat"]])
    con.executemany(
        "insert into kpi_values (contract_slug, kpi_id, value, status, is_published, source_id)"
        " values ('grand-chalon', ?, ?, ?, true, 'src_chalon')",
        [["projects", 120, "ok"], ["budget", 1.5e6, "ok"], ["withheld", None, "missing"],
         ["national", 15e6, "ok"], ["school", 90, "ok"]])
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    at = run_page("programmes", "grand-chalon")
    assert not at.exception
    assert [plain_spaces(c.value) for c in at.caption][1:] == [
        "Les documents du territoire publient 2 chiffres du programme (« Projets financés », "
        "« Budget consacré ») : ils sont sur « Les chiffres du mandat », sans le détail des "
        "actions."]


def test_programmes_page_without_any_programme_figure_says_only_that_none_is_typed(small_db) -> None:
    at = run_page("programmes", "grand-chalon")
    assert not at.exception
    assert [plain_spaces(i.value) for i in at.info] == [
        "Aucune action ni aucun financement n'est saisi pour ce territoire (ils se saisissent "
        "dans le modèle de programme : voir « Données et méthode »)."]
    assert len(at.caption) == 1          # the territory line only


def test_funder_chart_title_says_the_years_its_total_sums(funded_db) -> None:
    """The metric above reads « Financements saisis (2024) »: the chart says the same years."""
    import json
    at = run_page("mandat", "grand-chalon")
    assert not at.exception
    assert [(m.label, m.value) for m in at.metric] == [
        ("Financements saisis (2024)", "25\u202f000\u00a0€")]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["title"]["text"] == "Financements par financeur, 2024 (€)"


def test_funder_bars_title_without_and_with_a_period() -> None:
    import pandas as pd

    from ui import charts
    by_funder = pd.DataFrame({"funder": ["ville"], "funder_label": ["Ville"],
                              "amount_eur": [1000.0], "share_pct": [100.0]})
    assert charts.funder_bars(by_funder).layout.title.text == "Financements par financeur (€)"
    assert (charts.funder_bars(by_funder, "2020–2026").layout.title.text
            == "Financements par financeur, 2020–2026 (€)")


def test_map_table_without_any_value_cites_no_source(tmp_path, monkeypatch) -> None:
    """Chambéry: every QPV « non disponible » — no source line for figures nobody shows (issue
    #11: and no map nor table of blanks, a note)."""
    small_db_with(
        tmp_path, monkeypatch, "withheld.duckdb",
        "update indicator_facts set value = null, status = 'secret' "
        "where territory_code = 'QN07101I'")
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    assert not at.dataframe and "la carte n'a rien à colorer" in at.info[0].value
    assert source_lines(at) == []


def test_leverage_table_without_any_funding_shows_the_published_figure_first() -> None:
    """No funding typed (Chambéry): a column of « non calculé » pushed the published figure off a
    phone's screen; it is left out (the page says why) when no row is computed."""
    from ui import views
    rows = [{"Financeur": "Intercommunalité", views.COMPUTED_COLUMN: views.NOT_COMPUTED,
             "Publié": "Pour 1\u00a0€ de la Ville, 4 € de l'intercommunalité",
             "Source du chiffre publié": "Source : bilan — § « Une ambition »"}]
    assert views.leverage_shown(rows).to_dict("records") == [
        {"Financeur": "Intercommunalité", "Publié": "4 € de l'intercommunalité",
         "Source du chiffre publié": "bilan — § « Une ambition »"}]
    one_computed = rows + [{"Financeur": "CAF",
                            views.COMPUTED_COLUMN: "Pour 1\u00a0€ de la Ville, 0,39 € de la CAF",
                            "Publié": "", "Source du chiffre publié": ""}]
    assert list(views.leverage_shown(one_computed)) == [
        "Financeur", views.COMPUTED_COLUMN, "Publié", "Source du chiffre publié"]


def test_mandate_page_says_why_no_leverage_is_computed(tmp_path, monkeypatch) -> None:
    small_db_with(
        tmp_path, monkeypatch, "leverage.duckdb",
        "insert into kpi_definitions (contract_slug, kpi_id, label, unit, theme, cumulation,"
        " scope, source_id) values ('grand-chalon', 'leverage_epci_eur_per_city_eur',"
        " 'Effet levier', 'EUR pour 1 EUR', 'programme', 'none', 'contrat', 'src_chalon')",
        "insert into kpi_values (contract_slug, kpi_id, value, status, is_published,"
        " source_id) values ('grand-chalon', 'leverage_epci_eur_per_city_eur', 4, 'ok', true,"
        " 'src_chalon')")
    at = run_page("mandat", "grand-chalon")
    assert not at.exception
    assert ("Aucun financement n'est saisi : l'effet levier n'est pas calculé ; voici les chiffres "
            "publiés par les documents du territoire.") in [plain_spaces(c.value) for c in at.caption]
    table = at.dataframe[0].value
    assert list(table) == ["Financeur", "Publié", "Source du chiffre publié"]
    assert table["Financeur"].tolist() == ["Intercommunalité"]


def test_programme_figures_elsewhere_escapes_the_template_labels() -> None:
    # The caption is Markdown: a label typed in the template never becomes a link.
    from types import SimpleNamespace

    from indicators.text import md_text
    from ui import views
    tile = SimpleNamespace(label="[120 projets](https://exemple.invalid)", theme="Programme",
                           status="ok", scope="contrat")
    assert views.programme_figures_elsewhere([tile]) == (
        f"Les documents du territoire publient 1 chiffre du programme (« {md_text(tile.label)} ») : "
        "ils sont sur « Les chiffres du mandat », sans le détail des actions.")
    assert "](" not in views.programme_figures_elsewhere([tile])
