"""A click on a QPV of the map opens its portrait without building the map again (issue #15):
the click's rerun is the portrait's own run (app.py resolves it before st.navigation), so the
server runs the script once per click."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.testing.v1 import AppTest

from ui import maps

ROOT = Path(__file__).resolve().parents[2]


def test_a_click_on_the_map_opens_the_portrait_without_building_the_map_again(small_db, monkeypatch) -> None:
    built: list[str] = []
    original = maps.build_deck
    monkeypatch.setattr(maps, "build_deck", lambda frame, *a, **k: built.append(
        ",".join(frame["qpv_code"])) or original(frame, *a, **k))
    # app.py calls st.navigation once per run of the script: what each page was run for.
    runs: list[str] = []
    navigation = st.navigation
    monkeypatch.setattr(st, "navigation", lambda *a, **k: (
        lambda page: runs.append(page.url_path) or page)(navigation(*a, **k)))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["territoire"] = "demo"
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Carte des quartiers"] and built == ["QN09901N,QN09902M"]
    # What the browser sends when a QPV is clicked: the map's selection, then a rerun.
    at.session_state["qpv_map"] = {"selection": {"indices": {"qpv": [1]}, "objects": {
        "qpv": [{"type": "Feature", "properties": {"code": "QN09902M", "name": "Vieux Puits"}}]}}}
    runs.clear()
    at.run()
    assert not at.exception
    # The name's separating dashes stay with the word before them (issue #11: no « - Paradis »
    # starting a wrapped title's line), as « : » does.
    assert [t.value for t in at.title] == [
        "Portrait de quartier\u00a0: Vieux Puits\u00a0\\- Paradis\u00a0\\- Maunoury"]
    assert at.query_params["qpv"] == "QN09902M" and built == ["QN09901N,QN09902M"]
    assert runs == ["portrait"]          # one run: the portrait's (st.switch_page made two)
    assert {k: at.query_params[k] for k in at.query_params} == {
        "territoire": "demo", "qpv": "QN09902M", "indicateur": "poverty_rate_pct"}


def test_the_map_page_does_not_hold_a_click_for_a_double_click(small_db) -> None:
    """deck.gl holds every click 300 ms while its controller zooms on a double click (its tap
    recogniser waits for a second tap): the map page, whose click opens a portrait, turns that
    zoom off (issue #15); the other maps keep it."""
    import json

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["territoire"] = "demo"
    at.run()
    at.switch_page("pages/carte.py").run()
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    assert deck["views"] == [{"@@type": "MapView", "controller": {"doubleClickZoom": False}}]
    qpvs = pd.DataFrame({"code": ["QN09901N"], "name": ["Les Hauts"], "geojson": [json.dumps(
        {"type": "Polygon", "coordinates": [[[2.6, 46.8], [2.61, 46.8], [2.61, 46.81], [2.6, 46.8]]]})]})
    communes = pd.DataFrame(columns=["code", "name", "geojson", "centroid_lon", "centroid_lat"])
    other = json.loads(maps.pockets_deck(qpvs, communes, pd.DataFrame()).to_json())
    assert other["views"] == [{"@@type": "MapView", "controller": True}]
