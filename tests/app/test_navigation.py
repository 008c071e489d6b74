"""The entrypoint: navigation, shared selection mirrored to the URL, broken links, no database."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from indicators.fmt import plain_spaces
from ui import components

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 60


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def _texts(at: AppTest) -> str:
    parts = [e.value for e in at.markdown] + [e.value for e in at.error] + \
        [e.value for e in at.caption] + [e.value for e in at.title] + [e.value for e in at.info]
    return plain_spaces("\n".join(str(p) for p in parts))


def test_every_page_file_is_registered_in_the_navigation() -> None:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    registered = {node.args[0].value for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"
                  and isinstance(node.args[0], ast.Constant)}
    files = {f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py")}
    assert registered == files


def test_home_selects_a_real_contract_and_writes_the_url(small_db) -> None:
    at = _app().run()
    assert not at.exception
    assert at.selectbox(key="territoire").value == "grand-chalon"
    assert at.selectbox(key="qpv").value == "QN07101I"
    assert dict(at.query_params) == {"territoire": "grand-chalon", "qpv": "QN07101I",
                                      "indicateur": "poverty_rate_pct"}
    assert "Données fictives de démonstration" not in _texts(at)


def test_home_selects_the_demo_when_it_is_the_only_contract(small_db, tmp_path, monkeypatch) -> None:
    import shutil

    import duckdb

    import config
    db = tmp_path / "demo_only.duckdb"
    shutil.copy(small_db, db)
    con = duckdb.connect(str(db))
    con.execute("delete from contract_territories where contract_slug = 'grand-chalon'")
    con.execute("delete from contracts where contract_slug = 'grand-chalon'")
    con.close()
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = _app().run()
    assert not at.exception
    assert at.selectbox(key="territoire").value == "demo"
    assert dict(at.query_params) == {"territoire": "demo", "qpv": "QN09901N",
                                      "indicateur": "poverty_rate_pct"}
    assert "Données fictives de démonstration" in _texts(at)


def test_a_qpv_link_selects_the_qpv_and_its_contract(small_db) -> None:
    at = _app()
    at.query_params["qpv"] = "QN07101I"
    at.run()
    assert not at.exception
    assert at.selectbox(key="territoire").value == "grand-chalon"
    assert at.selectbox(key="qpv").value == "QN07101I"
    assert at.query_params["territoire"] == "grand-chalon"
    assert "Données fictives de démonstration" not in _texts(at)


def test_sidebar_offers_every_contract(small_db) -> None:
    # AppTest (1.67) loses the entrypoint's widgets when an st.navigation app reruns, so sidebar
    # interactions are tested in the browser tests (tests/app/test_browser.py).
    at = _app().run()
    assert at.selectbox(key="territoire").options == ["Grand Chalon", "Démo"]


def test_sidebar_lists_the_qpvs_of_the_selected_contract(small_db) -> None:
    at = _app()
    at.session_state["territoire"] = "grand-chalon"
    at.run()
    assert not at.exception
    # Short labels fit the sidebar; the code and the commune are in the caption under it.
    assert at.selectbox(key="qpv").options == ["Aubépins"]
    assert "QN07101I · Chalon\\-sur\\-Saône" in [c.value for c in at.sidebar.caption]
    assert at.query_params == {"territoire": "grand-chalon", "qpv": "QN07101I",
                               "indicateur": "poverty_rate_pct"}


@pytest.mark.parametrize("param, value, message", [
    ("qpv", "QN99999Z", "Code de quartier inconnu dans le lien (paramètre « qpv ») : « QN99999Z ». "
     "Ce code n'existe pas dans la base de données ; un code QPV ressemble à QN07101I ou QP071001."),
    ("territoire", "atlantide", "Code de territoire inconnu dans le lien (paramètre « territoire ») : "
     "« atlantide ». Ce code n'existe pas dans la base de données ; un identifiant de territoire "
     "ressemble à grand-chalon."),
    ("indicateur", "bonheur_pct", "Code d'indicateur inconnu dans le lien (paramètre « indicateur ») : "
     "« bonheur\\_pct ». Ce code n'existe pas dans la base de données ; un code d'indicateur "
     "ressemble à poverty_rate_pct."),
    # A crafted link: only a short escaped excerpt is quoted, never a sentence or a live link.
    ("qpv", "Votre compte est suspendu, appelez le 01 23 45 67 89 [ici](https://evil.example)",
     "Code de quartier inconnu dans le lien (paramètre « qpv ») : « Votre compte est suspend… ». "
     "Ce code n'existe pas dans la base de données ; un code QPV ressemble à QN07101I ou QP071001."),
    ("territoire", "![x](https://evil.example/x.png)",
     "Code de territoire inconnu dans le lien (paramètre « territoire ») : "
     "« \\!\\[x\\]\\(https\\:\u2060//evil\\.exampl… ». Ce code n'existe pas dans la base de "
     "données ; un identifiant de territoire ressemble à grand-chalon."),
])
def test_a_broken_link_gives_a_french_message_and_a_way_home(small_db, param, value, message) -> None:
    at = _app()
    at.query_params[param] = value
    at.run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == [message]
    links = at.get("page_link")
    assert [plain_spaces(link.proto.label) for link in links] == ["Retour à l'accueil : Les chiffres du mandat"]
    # The link stays in the address bar as typed: never rewritten to a fallback quartier.
    assert dict(at.query_params) == {param: value}
    at.run()
    assert dict(at.query_params) == {param: value}


def test_no_database_says_so_for_a_user(tmp_path, monkeypatch) -> None:
    """No command, no file path: the way forward is the import page (the commands are on the
    method page's technical section)."""
    import config
    monkeypatch.setattr(config, "DB_PATH", tmp_path / "absent.duckdb")
    at = _app().run()
    assert not at.exception
    assert [plain_spaces(e.value) for e in at.error] == [
        "La base de données n'est pas encore construite : un éditeur peut importer des fichiers "
        "depuis la page « Importer des fichiers »."]
    assert [link.proto.label for link in at.get("page_link")] == ["Importer des fichiers"]


def test_empty_database_says_so_for_a_user(small_db, tmp_path, monkeypatch) -> None:
    import shutil

    import duckdb

    import config
    db = tmp_path / "vide.duckdb"
    shutil.copy(small_db, db)
    with duckdb.connect(str(db)) as con:
        con.execute("delete from contracts")
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = _app().run()
    assert not at.exception
    assert [plain_spaces(w.value) for w in at.warning] == [
        "La base de données ne contient encore aucun contrat de ville : un éditeur peut importer "
        "les fichiers du modèle de programme depuis la page « Importer des fichiers »."]
    assert [link.proto.label for link in at.get("page_link")] == ["Importer des fichiers"]


def test_the_build_commands_are_in_the_technical_notes() -> None:
    from ui import views
    notes = " ".join(views.TECHNICAL_NOTES)
    assert "`make run`" in notes and "`python -m etl build`" in notes


def test_presentation_mode_hides_the_chrome(small_db) -> None:
    at = _app()
    at.query_params["presentation"] = "1"
    at.run()
    assert not at.exception
    assert at.toggle(key="presentation").value is True
    assert at.query_params["presentation"] == "1"
    # The presentation CSS comes by st.html in the event container (components.base_style).
    css = [h.proto.body for h in at._tree.children[2].children.values()]
    assert any('section[data-testid="stSidebar"]' in body for body in css)
    assert [b.label for b in at.button] == ["Quitter le mode présentation"]


def _url_paths() -> list[str]:
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    return sorted(kw.value.value for node in ast.walk(tree)
                  if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "Page"
                  for kw in node.keywords if kw.arg == "url_path")


def test_the_navigation_lists_every_page_without_an_english_button() -> None:
    # Collapsed (the default with more than twelve pages), the sidebar menu ends with Streamlit's
    # English « View 3 more » button (issue 11, every page at 1440 px).
    tree = ast.parse((ROOT / "app.py").read_text(encoding="utf-8"))
    calls = [node for node in ast.walk(tree)
             if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "navigation"]
    assert [{kw.arg: ast.literal_eval(kw.value) for kw in c.keywords} for c in calls] == [
        {"expanded": True}]


def test_the_url_paths_of_the_navigation() -> None:
    assert _url_paths() == ["accueil", "adresse", "bilan", "carte", "chiffres-du-mandat", "comparer",
                            "droit-commun", "importer", "logement", "mandat", "methode", "poches",
                            "portrait", "programmes", "rapports"]


@pytest.mark.parametrize("url_path", ["", "mandat", "accueil", "bilan", "carte", "portrait", "comparer",
                                      "programmes", "logement", "droit-commun", "methode", "rapports",
                                      "importer", "poches", "adresse"])
def test_every_page_path_opens_its_page(small_db, url_path) -> None:
    """What the browser asks for `/<url_path>` (the page hash Streamlit derives from the path);
    `/`, `/mandat` and `/accueil` open the home page, with the query kept."""
    from streamlit.util import calc_hash
    titles = {"": "Les chiffres du mandat", "mandat": "Les chiffres du mandat",
              "accueil": "Les chiffres du mandat",
              "bilan": "Bilan par quartier", "carte": "Carte des quartiers",
              "portrait": "Portrait de quartier", "comparer": "Comparer les quartiers",
              "programmes": "Programmes et financements", "logement": "Logement et attributions",
              "droit-commun": "Droit commun et signataires", "methode": "Données et méthode", "rapports": "Rapports et exports",
              "importer": "Importer des fichiers", "poches": "Poches de pauvreté hors QPV",
              "adresse": "Adresse → quartier"}
    at = _app()
    at.query_params["territoire"] = "grand-chalon"
    if url_path:
        at._page_hash = calc_hash(url_path)
    at.run()
    assert not at.exception
    # The browser resolves a path against the url paths the navigation sends (the default
    # page's is ""): a path no page has gives Streamlit's English « Page not found ».
    served = {info["url_pathname"] for info in at._registered_pages.values()}
    assert url_path in served and "nimporte" not in served
    assert at.title[0].value.startswith(titles[url_path])
    assert at.query_params["territoire"] == "grand-chalon"


def test_the_page_declares_french(small_db) -> None:
    at = _app().run()
    assert not at.exception
    scripts = [e.proto.body for e in at.sidebar.get("html") if e.proto.unsafe_allow_javascript]
    assert scripts == [components.FRENCH_DOCUMENT]
    assert components.FRENCH_DOCUMENT.startswith('<script>document.documentElement.lang = "fr";')
