"""The page « Adresse → quartier », run with AppTest on a small database built by code."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import config
from indicators.fmt import plain_spaces
from tests.locate.conftest import make_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    path = tmp_path / "qpv.duckdb"
    con, _ = make_db(tmp_path, path=str(path))
    con.execute("insert into contracts (contract_slug, contract_name, is_fictional, source_id)"
                " values ('demo', 'Contrat fictif', true, 'x')")
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def _search(text: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "adresse.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    at.text_input(key="adr_text").input(text)
    at.button[0].click()
    return at.run()


def _texts(at) -> list[str]:
    """The page's texts as read (st.text takes the screen typography's no-break spaces once
    ui.typography is installed, by any page run before in the process)."""
    return [plain_spaces(t) for t in [t.value for t in at.text]
            + [m.value for m in at.markdown if not m.value.startswith("<")]]


def test_an_address_in_a_qpv(small_db):
    at = _search("3 r. des Tileuls 99100 Alpha")
    assert not at.exception, at.exception
    assert at.title[0].value == "Adresse → quartier"
    assert "ne vaut pas attestation" in at.info[0].value
    assert _texts(at) == [
        "Adresse retenue : 3 Rue des Tilleuls 99100 Alpha (correspondance approchée, score 96/100)",
        "Dans le quartier prioritaire Les Tilleuls (QN09901A), commune de Alpha (99001) ; à 147 m "
        "du bord du quartier.",
        "[Ouvrir le portrait du quartier Les Tilleuls](/portrait?qpv=QN09901A)"]
    assert any("Données fictives de démonstration" in m.value for m in at.markdown)
    assert len(at.get("deck_gl_json_chart")) == 1
    # 2015 and 2024 are both loaded: the geography is chosen, 2024 first.
    assert at.radio(key="adr_geo").options == ["quartiers prioritaires 2024 (codes QN…)",
                                               "quartiers prioritaires 2015–2023 (codes QP…)"]


def test_a_point_on_an_edge_and_an_unknown_address(small_db):
    at = _search("46.0080, 2.010005")
    assert _texts(at)[:1] == [
        "À vérifier : juste à l'extérieur d'un quartier prioritaire, à 0 m du bord (moins de "
        "10 m) ; consultez le plan du quartier."]
    at = _search("8 impasse Inconnue 99100 Alpha")
    assert _texts(at)[:1] == [
        "Adresse introuvable dans la Base Adresse Nationale chargée : vérifiez le nom de la voie "
        "et le code postal, ou donnez des coordonnées."]
    assert len(at.get("deck_gl_json_chart")) == 0


def test_programmes_page_shows_the_share_living_in_a_qpv(small_db):
    import duckdb

    con = duckdb.connect(str(small_db))
    con.execute("insert into programme_actions (contract_slug, action_id, year, title, source_id)"
                " values ('demo', 'A', 2025, 'Médiation', 'x'), ('demo', 'B', 2025, 'Sport', 'x')")
    con.execute("insert into programme_funding (contract_slug, action_id, year, funder, amount_eur,"
                " source_id) values ('demo', 'A', 2025, 'ville', 1000, 'x')")
    rows = ([("A", "qpv")] * 14 + [("A", "hors_qpv")] * 6 + [("B", "qpv")] * 9 + [("B", None)] * 2)
    con.executemany("insert into programme_beneficiaries (contract_slug, action_id, year,"
                    " residence_status, source_id) values ('demo', ?, 2025, ?, 'x')", rows)
    con.close()
    at = AppTest.from_file(str(ROOT / "pages" / "programmes.py"), default_timeout=60)
    at.session_state["territoire"] = "demo"
    at.run()
    assert not at.exception, at.exception
    assert "Part des personnes touchées qui résident en QPV" in [s.value for s in at.subheader]
    table = next(d.value for d in at.dataframe if "Part résidant en QPV" in d.value.columns)
    assert table.values.tolist() == [
        ["Médiation", "2025", "20", "14", "70,0\u00a0%"],
        ["Sport", "2025", "au moins 9", "9", "secret statistique"]]


def test_the_search_example_names_no_fictional_place(small_db):
    # The demo's « 12 bis av. des Tilleuls 99100 Lorneville » showed on every contract (issue 11).
    at = AppTest.from_file(str(ROOT / "pages" / "adresse.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    # Short enough for a phone's field (about 35 characters at 390 px); the rest in the help.
    field = at.text_input(key="adr_text")
    # The help text read as a reader reads it (ui.typography holds « » with no-break spaces).
    assert (field.placeholder, field.help.replace("\u00a0", " ")) == (
        "numéro, voie, commune", "Numéro, voie, code postal et commune, ou des coordonnées "
        "« latitude, longitude » en degrés décimaux.")
