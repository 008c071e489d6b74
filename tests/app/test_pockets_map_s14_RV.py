"""The pockets page's map draws the QPVs the pockets were searched outside of (issue #11, final
review RV): the demo's QPVs of the previous geography (« QP099001 », 2015) drew their outlines
over their 2024 successors, under the legend's « quartier prioritaire (QPV) »."""
from __future__ import annotations

import json

import pandas as pd

from ui import maps


def _square(code: str, name: str, x: float) -> dict:
    ring = [[x, 46.8], [x + 0.01, 46.8], [x + 0.01, 46.81], [x, 46.81], [x, 46.8]]
    return {"code": code, "name": name, "geojson": json.dumps({"type": "Polygon", "coordinates": [ring]})}


QPVS = pd.DataFrame([_square("QN09901M", "Vieux Moulin - Les Hauts", 2.60),
                     _square("QP099001", "Vieux Moulin", 2.60),          # 2015: same place
                     _square("QN09902I", "Les Tilleuls", 2.63)])
COMMUNES = pd.DataFrame(columns=["code", "name", "geojson", "centroid_lon", "centroid_lat"])


def _layers(deck) -> list[tuple[str, list[str]]]:
    out = []
    for layer in json.loads(deck.to_json())["layers"]:
        data = layer.get("data")
        codes = [f["properties"].get("code") for f in data["features"]] if isinstance(data, dict) else []
        out.append((layer["id"], codes))
    return out


def test_the_pockets_map_draws_only_the_qpvs_of_the_search() -> None:
    deck = maps.pockets_deck(QPVS, COMMUNES, pd.DataFrame(), qpv_codes=["QN09901M", "QN09902I"])
    assert _layers(deck) == [(maps.QPV_LAYER, ["QN09901M", "QN09902I"])]


def test_without_the_search_s_codes_every_qpv_given_is_drawn() -> None:
    deck = maps.pockets_deck(QPVS, COMMUNES, pd.DataFrame())
    assert _layers(deck) == [(maps.QPV_LAYER, ["QN09901M", "QP099001", "QN09902I"])]

