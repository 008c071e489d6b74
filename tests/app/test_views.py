"""Pure display helpers of the app (ui/views.py, ui/maps.py, ui/charts.py): whole outputs."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from indicators import fmt
from indicators.fmt import plain_spaces
from indicators.kpi import KpiTile
from indicators.portrait import Rank
from ui import charts, maps, views


@pytest.mark.parametrize("value, unit, status, qualifier, expected", [
    (1_500_000, "EUR/an", "ok", None, "1,5 M€/an"),
    (15_000_000, "EUR", "ok", None, "15 M€"),
    (291_666.67, "EUR", "ok", None, "291 667 €"),
    (8.3, "EUR pour 1 EUR de la Ville", "ok", None, "8,3 € pour 1 € de la Ville"),
    (1650, "personnes", "ok", None, "1 650 personnes"),
    (400, "personnes", "ok", "plus de", "plus de 400 personnes"),
    (12.04, "%", "ok", None, "12,04 %"),
    (None, "%", "secret", None, "secret statistique"),
    (None, "EUR/an", "ok", None, "non disponible"),
])
def test_amount_text(value, unit, status, qualifier, expected) -> None:
    assert plain_spaces(views.amount_text(value, unit, status, qualifier)) == expected


def test_amount_text_is_the_reports_fmt_amount(monkeypatch) -> None:
    """One formatting of amounts for the screen and the reports: amount_text calls fmt_amount."""
    calls = []
    monkeypatch.setattr(views.fmt, "fmt_amount",
                        lambda *a, **k: calls.append((a, k)) or "montant formaté")
    assert views.amount_text(1_500_000, "EUR/an", "ok", "plus de") == "montant formaté"
    assert calls == [((1_500_000, "EUR/an", "ok"), {"qualifier": "plus de"})]


@pytest.mark.parametrize("rank, expected", [
    (Rank("contract", "demo", "Démo", 2, 9, 1, False, "lower_is_better", 2021, 2024),
     "2e sur 9 QPV du contrat (1er : valeur la plus basse, favorable), 1 sans valeur diffusée"),
    (Rank("all", None, "tous", 1, 12, 0, True, "value_desc", 2021, 2024),
     "1er ex æquo sur 12 QPV de la base (1er : valeur la plus élevée)"),
    (Rank("contract", "demo", "Démo", None, 9, 1, False, "higher_is_better", 2021, 2024), ""),
    (Rank("contract", "demo", "Démo", 1, 1, 0, False, "higher_is_better", 2021, 2024), ""),
])
def test_rank_text(rank, expected) -> None:
    assert views.rank_text(rank) == expected


def _tile(**kw) -> KpiTile:
    base = dict(kpi_id="k", label="Interventions", unit="interventions", theme="tranquillité",
                territory_code=None, value=4783.0, status="ok", qualifier=None,
                period_label="en 2024", year=2024, is_published=True, previous_value=4279.0,
                previous_year=2023, evolution=504.0, evolution_pct=11.778, cumulative_value=None,
                cumulative_status=None, cumulative_period_label=None, target=4000.0,
                achievement_pct=119.575, cumulative_target=None, cumulative_achievement_pct=None,
                higher_is_better=None, definition="Définition.", source_line="Source : bilan",
                document_id=None, source_ref=None)
    base.update(kw)
    return KpiTile(**base)


def test_a_share_objective_reads_the_same_in_the_kpi_tile_the_cia_tiles_and_the_reports() -> None:
    # Grand Chalon's CIA objective read « 25 % » in the KPI tile beside « 25,0 % » in the CIA
    # tiles and table (issue 11): one rule, the precision of the indicator's values.
    from reports.pdf import kpi_cells
    tile = _tile(unit="%", value=12.04, target=25.0, achievement_pct=48.16, evolution=None,
                 previous_year=None, previous_value=None, evolution_pct=None, period_label="2021", year=2021)
    assert [plain_spaces(x) for x in views.kpi_tile(tile)["lines"]] == [
        "Période : 2021", "Objectif 2021 : 25,0 % – réalisé à 48,2 %"]
    assert plain_spaces(kpi_cells(tile)[3]) == "25,0 % (réalisé à 48,2 %)"
    assert [plain_spaces(fmt.fmt_target(v, u)) for v, u in (
        (25, "%"), (42.5, "%"), (4000, "interventions"), (1_500_000, "EUR/an"), (None, "%"))] == [
        "25,0 %", "42,5 %", "4 000 interventions", "1,5 M€/an", ""]


def test_kpi_tile_with_evolution_and_target() -> None:
    shown = views.kpi_tile(_tile())
    shown["lines"] = [plain_spaces(x) for x in shown["lines"]]
    assert {k: plain_spaces(v) if isinstance(v, str) else v for k, v in shown.items()} == {
        "label": "Interventions", "value": "4 783 interventions",
        "delta": "+504 par rapport à 2023 (+11,8 %)", "delta_color": "off", "delta_arrow": "up",
        "lines": ["Période : en 2024", "Objectif 2024 : 4 000 interventions – réalisé à 119,6 %"],
        "source": "Source : bilan", "short": None, "help": "Définition.", "theme": "tranquillité"}


def test_kpi_tile_with_a_target_ahead_of_its_results() -> None:
    shown = views.kpi_tile(_tile(year=2025, value=4592.0, period_label="2025",
                                 previous_year=2024, previous_value=4783.0, evolution=-191.0,
                                 evolution_pct=-3.993, target=None, achievement_pct=None,
                                 next_target=4160.0, next_target_year=2026))
    assert {k: plain_spaces(v) if isinstance(v, str) else v for k, v in shown.items()} | {
        "lines": [plain_spaces(x) for x in shown["lines"]]} == {
        "label": "Interventions", "value": "4 592 interventions",
        "delta": "\u2212191 par rapport à 2024 (\u22124,0 %)", "delta_color": "off", "delta_arrow": "down",
        "lines": ["Période : 2025", "Objectif 2026 : 4 160 interventions (pas encore de résultat)"],
        "source": "Source : bilan", "short": None, "help": "Définition.", "theme": "tranquillité"}



def test_kpi_tile_delta_colour_and_arrow_follow_the_sign_not_the_text() -> None:
    """A negative evolution reads « −191 » (minus sign U+2212, issue #11): Streamlit would take
    it for a rise (it looks for a leading « - »), so the tile gives the arrow and the colour."""
    def style(evolution, better):
        shown = views.kpi_tile(_tile(evolution=evolution, higher_is_better=better,
                                     evolution_pct=None if evolution is None else 1.0))
        return shown["delta"] is not None, shown["delta_color"], shown["delta_arrow"]
    assert [style(e, b) for e in (-191.0, 504.0, 0.0, None) for b in (True, False, None)] == [
        (True, "red", "down"), (True, "green", "down"), (True, "off", "down"),
        (True, "green", "up"), (True, "red", "up"), (True, "off", "up"),
        (True, "off", "off"), (True, "off", "off"), (True, "off", "off"),
        (False, "off", "off"), (False, "off", "off"), (False, "off", "off")]


def test_kpi_tile_cumulation_says_cumul_once() -> None:
    """« Cumul 2020–2026 (cumul) » was a doubled word on the home page's tiles."""
    shown = views.kpi_tile(_tile(cumulative_value=26557.0, cumulative_status="ok",
                                 cumulative_period_label="2020–2026 (cumul)",
                                 cumulative_achievement_pct=103.2))
    assert [plain_spaces(x) for x in shown["lines"]] == [
        "Période : en 2024", "Objectif 2024 : 4 000 interventions – réalisé à 119,6 %",
        "Cumul 2020–2026 : 26 557 interventions (103,2 % de l'objectif)"]


@pytest.mark.parametrize("period, unit, expected", [
    ("par an", "EUR/an", []),                       # « 1,5 M€/an » + « Période : par an »
    ("chaque année", "personnes/an", []),
    ("par an", "EUR", ["Période : par an"]),        # the unit does not say it: the period does
    ("en 2024", "EUR/an", ["Période : en 2024"]),
])
def test_kpi_tile_says_per_year_once(period, unit, expected) -> None:
    shown = views.kpi_tile(_tile(unit=unit, period_label=period, target=None, achievement_pct=None))
    assert shown["lines"] == expected

def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["qpv_code", "qpv_name", "status", "value_text", "year",
                                       "colour_rgb", "geojson"])


def test_map_features_escape_names_and_explain_withheld_values() -> None:
    square = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
    frame = _frame([
        ["QN09901N", "<b>Les Tilleuls</b>", "ok", "41,5 %", 2021, [68, 1, 84], square],
        ["QN09902N", "Le Clos", "secret", "secret statistique", 2021, [150, 150, 150], square],
        ["QN09903N", "Sans contour", "ok", "40 %", 2021, [68, 1, 84], None],
    ])
    features = maps.qpv_feature_collection(frame)["features"]
    assert [f["properties"] for f in features] == [
        {"code": "QN09901N", "name": "&lt;b&gt;Les Tilleuls&lt;/b&gt;", "value_text": "41,5 %",
         "detail": "données 2021", "fill": [68, 1, 84, 225]},
        {"code": "QN09902N", "name": "Le Clos", "value_text": "secret statistique",
         "detail": "valeur couverte par le secret statistique (non diffusée par la source)",
         "fill": [150, 150, 150, 225]},
    ]


def test_map_deck_has_no_basemap_request_and_labels_communes() -> None:
    square = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
    frame = _frame([["QN09901N", "Les Tilleuls", "ok", "41,5 %", 2021, [68, 1, 84], square]])
    communes = pd.DataFrame({"code": ["99001"], "name": ["Saint-Aubin-sur-Lorne"],
                             "geojson": [json.dumps(square)], "centroid_lon": [2.005],
                             "centroid_lat": [47.005]})
    deck_obj = maps.build_deck(frame, communes, indicator_label="Taux <x>")
    deck = json.loads(deck_obj.to_json())
    assert [layer["id"] for layer in deck["layers"]] == ["communes", "qpv", "commune_names"]
    assert deck["mapStyle"].startswith("data:application/json,")
    labels = deck["layers"][2]
    assert labels["data"] == [{"name": "Saint-Aubin-sur-Lorne", "lon": 2.005, "lat": 47.005,
                               "color": [74, 74, 74, 255]}]
    # No collision extension: in Streamlit's deck.gl it hid every label and broke picking.
    assert "extensions" not in labels
    assert "é" not in labels["characterSet"] and "-" in labels["characterSet"]
    assert "Taux &lt;x&gt;" in deck_obj._tooltip["html"]
    with_tiles = json.loads(maps.build_deck(frame, communes, indicator_label="x",
                                            with_tiles=True).to_json())
    assert with_tiles["layers"][0]["id"] == "tiles"


def test_the_colours_a_map_click_restyles_are_read_per_feature() -> None:
    """Issue #15: a click's selection makes Streamlit draw every layer's fill (GeoJsonLayer) and
    text (TextLayer) colour through a function; one that was a constant changed the layer's
    vertex layout, which Chromium without GPU recompiled before it sent the click. Each is an
    accessor from the start, reading the colour that was drawn as a constant, with or without
    the tile background."""
    square = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
    frame = _frame([["QN09901N", "Les Tilleuls", "ok", "41,5 %", 2021, [68, 1, 84], square]])
    communes = pd.DataFrame({"code": ["99001", "99002"], "name": ["Saint-Aubin", "Valfleuri"],
                             "geojson": [json.dumps(square)] * 2, "centroid_lon": [2.005] * 2,
                             "centroid_lat": [47.005] * 2})
    for with_tiles, alpha in ((False, 255), (True, 0)):
        deck = json.loads(maps.build_deck(frame, communes, indicator_label="x",
                                          with_tiles=with_tiles).to_json())
        drawn = {layer["id"]: layer for layer in deck["layers"]}
        assert {k: drawn[k].get("getFillColor", drawn[k].get("getColor"))
                for k in ("communes", "qpv", "commune_names")} == {
            "communes": "@@=properties.fill", "qpv": "@@=properties.fill", "commune_names": "@@=color"}
        assert [f["properties"]["fill"] for f in drawn["communes"]["data"]["features"]] == [
            [246, 246, 242, alpha]] * 2
        assert [f["properties"]["fill"] for f in drawn["qpv"]["data"]["features"]] == [[68, 1, 84, 225]]
        assert [row["color"] for row in drawn["commune_names"]["data"]] == [[74, 74, 74, 255]] * 2


def test_the_pockets_and_every_other_layer_read_their_colours_per_feature() -> None:
    """Issue #15, as above for the poverty pockets drawn beside the QPVs: their constant fill
    became a function at the click, and SwiftShader recompiled their polygons' shaders in the
    frame drawn before the page sent the click (0,1 to 0,4 s in the traces). No layer of the map
    page's deck (selected QPV's outline included) has a constant fill or text colour."""
    square = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
    frame = _frame([["QN09901N", "Les Tilleuls", "ok", "41,5 %", 2021, [68, 1, 84], square]])
    communes = pd.DataFrame({"code": ["99001"], "name": ["Saint-Aubin"], "geojson": [json.dumps(square)],
                             "centroid_lon": [2.005], "centroid_lat": [47.005]})
    pockets = pd.DataFrame({"pocket_id": ["demo-P01", "demo-P02"],
                            "geometry_wkt": ["POLYGON ((2 47, 2.002 47, 2.002 47.002, 2 47))"] * 2,
                            "population": [1200, 1500], "poor_households_pct": [41.0, 38.5],
                            "commune_names": ["Saint-Aubin", "Saint-Aubin"]})
    deck = json.loads(maps.build_deck(frame, communes, indicator_label="x", pockets=pockets,
                                      selected_code="QN09901N", opens_on_click=True).to_json())
    drawn = {layer["id"]: layer for layer in deck["layers"]}
    assert drawn["poches"]["getFillColor"] == "@@=properties.fill"
    assert [f["properties"]["fill"] for f in drawn["poches"]["data"]["features"]] == [[213, 94, 0, 200]] * 2
    assert {layer["id"]: [layer[k] for k in ("getFillColor", "getColor") if k in layer]
            for layer in deck["layers"]} == {
        "communes": ["@@=properties.fill"], "qpv": ["@@=properties.fill"],
        "poches": ["@@=properties.fill"], "selected": [], "commune_names": ["@@=color"]}


@pytest.mark.parametrize("state, expected", [
    ({"selection": {"indices": {"qpv": [0]}, "objects": {"qpv": [{"properties": {"code": "QN07101I"}}]}}},
     "QN07101I"),
    ({"selection": {"indices": {}, "objects": {}}}, None),
    (None, None),
])
def test_selected_code(state, expected) -> None:
    assert maps.selected_code(state) == expected


def test_view_frames_the_geometries() -> None:
    view = maps.view_for([{"type": "Polygon", "coordinates": [[[2.0, 46.8], [2.2, 46.8],
                                                               [2.2, 46.9], [2.0, 46.8]]]}])
    assert (view.longitude, view.latitude) == (pytest.approx(2.1), pytest.approx(46.85))
    assert 10 < view.zoom < 12


def test_comparison_bar_marks_withheld_values() -> None:
    fig = charts.comparison_bar("Taux", "%", [
        {"name": "Le Clos", "value": None, "status": "secret", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": 18.25, "status": "ok", "is_qpv": False, "level": "commune"},
    ])
    bar = fig.data[0]
    assert list(bar.x) == [0, 18.25]
    assert [plain_spaces(t) for t in bar.text] == ["secret statistique", "18,25 %"]
    assert bar.marker.color[0] == "#bdbdbd"
    # Values on the bars, no axis numbers (they collided in half-width columns).
    assert fig.layout.xaxis.showticklabels is False


def test_compare_table_marks_the_selected_qpv_and_keeps_secret_text() -> None:
    df = pd.DataFrame({"qpv_code": ["A", "B"], "qpv_name": ["Alpha", "Beta"],
                       "commune_label": ["X", "Y"], "poverty_rate_pct": [41.5, float("nan")],
                       "poverty_rate_pct__status": ["ok", "secret"],
                       "poverty_rate_pct__year": pd.array([2021, 2021], dtype="Int64")})
    table = views.compare_table(df, ["poverty_rate_pct"], "B")
    assert table.to_dict("records") == [
        {"": "", "Quartier": "Alpha", "Code": "A", "Commune(s)": "X",
         "Taux de pauvreté (seuil à 60 %) (2021)": "41,5\u00a0%", "Portrait": "/portrait?qpv=A"},
        {"": "▶", "Quartier": "Beta", "Code": "B", "Commune(s)": "Y",
         "Taux de pauvreté (seuil à 60 %) (2021)": "secret statistique",
         "Portrait": "/portrait?qpv=B"}]
    assert views.sort_compare(df, "poverty_rate_pct", True)["qpv_code"].tolist() == ["A", "B"]


@pytest.mark.parametrize("label, year, ref, expected", [
    ("Insee 2019", 2019, "annexe 2, p. 25", "Insee 2019 · annexe 2, p. 25"),
    ("Insee 2019", None, float("nan"), "Insee 2019"),
    ("Insee 2019", None, pd.NA, "Insee 2019"),
    (float("nan"), float("nan"), None, ""),
    (pd.NA, 2021, float("nan"), "données 2021"),
])
def test_source_text_treats_nan_and_na_as_absent(label, year, ref, expected) -> None:
    # A portrait frame whose source_ref column holds no value reads NaN / NA (demo QN09901M).
    assert views.source_text(label, year, source_ref=ref) == expected


def test_housing_headline_without_source_reference_has_an_empty_source() -> None:
    # Computed demo results carry no document reference: NaN in the frame, never "Source : nan";
    # the tile still says where its rate comes from (issue 11: the demo's tiles had no source).
    results = pd.DataFrame([{
        "party_type": "ensemble", "objective": "q1_outside_qpv", "objective_label": "Premier quartile",
        "year": 2025, "origin": "computed", "rate_pct": 30.0, "target_pct": 25.0, "reached": True,
        "numerator": 30, "denominator": 100, "denominator_origin": "counted",
        "needed_fixed_total": None, "needed_growing_total": None, "needed_published": None,
        "source_ref": float("nan")}])
    assert [(t["label"], plain_spaces(t["value"]), [plain_spaces(x) for x in t["lines"]], t["source"])
            for t in views.housing_headlines(results)] == [
        ("Premier quartile – 2025", "30,0 %",
         ["Objectif : 25,0 % (atteint)", "Attributions visées : 30 sur 100"],
         "attributions 2025, taux calculé par le tableau de bord d'après les attributions saisies "
         "dans le modèle de programme")]
    # With the attribution files known, their title and producer.
    files = [{"title": "Modèle : attributions", "producer": "Agglo", "vintage": None}]
    assert [t["source"] for t in views.housing_headlines(results, files)] == [
        "Modèle : attributions (Agglo) — attributions 2025, taux calculé par le tableau de bord"]


def test_pockets_layer_beside_the_qpvs_and_pocket_tables() -> None:
    square = {"type": "Polygon", "coordinates": [[[2, 47], [2.01, 47], [2.01, 47.01], [2, 47]]]}
    frame = _frame([["QN09901N", "Les Tilleuls", "ok", "41,5 %", 2021, [68, 1, 84], square]])
    communes = pd.DataFrame({"code": ["99001"], "name": ["Ville <A>"], "geojson": [json.dumps(square)],
                             "centroid_lon": [2.005], "centroid_lat": [47.005]})
    pockets = pd.DataFrame({
        "pocket_id": ["demo-P01"], "commune_names": ["Ville <A>, Ville B"], "population": [1259.9],
        "households": [528.8], "poor_households_pct": [47.69], "mean_standard_of_living_eur": [10_998.4],
        "nearest_qpv_code": ["QN09907N"], "nearest_qpv_name": ["Champ de Foire"],
        "distance_to_qpv_m": [1558.0], "n_squares": [9],
        "geometry_wkt": ["POLYGON ((2.1 47, 2.11 47, 2.11 47.01, 2.1 47.01, 2.1 47))"]})
    deck = json.loads(maps.build_deck(frame, communes, indicator_label="x", pockets=pockets).to_json())
    assert [layer["id"] for layer in deck["layers"]] == ["communes", "qpv", "poches", "commune_names"]
    assert deck["layers"][2]["data"]["features"] == [{
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [[[2.1, 47.0], [2.11, 47.0], [2.11, 47.01],
                                                         [2.1, 47.01], [2.1, 47.0]]]},
        "properties": {"code": "Poche 1",
                       "name": "Poche de pauvreté hors QPV · Ville &lt;A&gt;, Ville B",
                       "value_text": "1\u202f260 habitants, 47,7\xa0% de ménages pauvres",
                       "detail": "carroyage Filosofi 200 m (approximation)",
                       "fill": [213, 94, 0, 200]}}]
    listing = views.pockets_list(pockets)
    # Named for a reader, the distance's unit and meaning said once in the header (issue 11, D7/D8).
    assert list(listing.columns) == [
        "Poche", "Commune(s)", "Habitants", "Ménages", "Ménages pauvres", "Niveau de vie",
        "QPV le plus proche", "Distance (m)", "Carreaux"]
    assert [plain_spaces(str(v)) for v in listing.iloc[0]] == [
        "Poche 1", "Ville <A>, Ville B", "1 260", "529", "47,7 %", "10 998 €/an",
        "Champ de Foire", "1 558", "9"]
    assert "« Niveau de vie » : moyen, par personne. « Distance » : en mètres, du bord de la poche au quartier prioritaire le plus proche" in \
        views.POCKETS_LIST_NOTE
    assert views.pockets_link_markdown("demo", ["demo-P01", "demo-P12"]) == (
        "[2 poches de pauvreté repérées sur le carroyage (Poche 1, Poche 12) : chiffres et fiches de "
        "justification](/poches?territoire=demo)")
    assert views.pockets_link_markdown("demo", []) == (
        "[Poches de pauvreté hors QPV : aucune repérée sur le carroyage (voir la méthode)]"
        "(/poches?territoire=demo)")
    # Chartres has no grid: « aucune repérée » would claim a search that never ran.
    assert views.pockets_link_markdown(
        "chartres-metropole", [], "Aucun carreau du carroyage Filosofi dans les communes de ce territoire.") == (
        "[Poches de pauvreté hors QPV : pas de recherche possible (aucun carreau du carroyage Filosofi "
        "dans les communes de ce territoire)](/poches?territoire=chartres-metropole)")


    # Sorting by name follows the toggle too (accents and case folded).
    names = pd.DataFrame({"qpv_name": ["Écluse", "bois", "Zola"], "qpv_code": ["E", "B", "Z"]})
    assert views.sort_compare(names, None, False)["qpv_code"].tolist() == ["B", "E", "Z"]
    assert views.sort_compare(names, None, True)["qpv_code"].tolist() == ["Z", "E", "B"]


def test_compare_sorting_by_value_follows_the_toggle() -> None:
    df = pd.DataFrame({"qpv_name": ["A", "B", "C"], "qpv_code": ["A", "B", "C"],
                       "x": [2.0, None, 1.0]})
    assert views.sort_compare(df, "x", True)["qpv_code"].tolist() == ["A", "C", "B"]
    assert views.sort_compare(df, "x", False)["qpv_code"].tolist() == ["C", "A", "B"]


def test_projects_table_never_prints_an_unknown_count_as_zero() -> None:
    projects = pd.DataFrame({"year": [2024, 2025, 2026], "n_projects": [2, 3, 4],
                             "n_new": [None, 1, 0], "n_new_unknown": [2, 1, 0],
                             "share_new_pct": [None, 50.0, 0.0]})
    got = views.projects_table(projects)
    assert got.map(plain_spaces).to_dict("list") == {
        "Année": ["2024", "2025", "2026"], "Projets": ["2", "3", "4"],
        "Nouveaux": ["non renseigné", "1 (nouveauté non renseignée pour 1)", "0"],
        "Part des nouveaux": ["non renseigné", "50,0 %", "0,0 %"]}


def test_totals_reconcile_with_the_funding_not_attached_to_an_action() -> None:
    assert plain_spaces(views.unattached_note(591_500, 7_421_200)) == (
        "dont 0,6 M€ de financements non rattachés à une action (enveloppes globales), absents de "
        "la liste des actions")
    assert views.unattached_note(0, 7_421_200) == ""
    assert plain_spaces(views.unattached_note(5_000, 40_990)).startswith("dont 5 000 € de")
    assert plain_spaces(views.actions_total_caption(120, 6_829_700, 591_500, False)) == (
        "120 actions · montant total 6,8 M€ ; s'y ajoutent 0,6 M€ de financements non rattachés "
        "à une action (enveloppes globales), soit 7,4 M€ de financements saisis en tout")
    assert plain_spaces(views.actions_total_caption(1, 12_000, 591_500, True)) == \
        "1 action · montant total 12 000 €"
    assert views.plural(0, "erreur") == "0 erreur" and views.plural(2, "erreur") == "2 erreurs"


def _pv(indicator_id, unit, value, comparators):
    from indicators.portrait import Comparator, PortraitValue, compute_gap, gap_kind
    kind = gap_kind(indicator_id, unit)
    comps = tuple(Comparator(code, level, name, v, None, None, 2021, "ok", "official_file", "Insee",
                             None, None, "same_year", compute_gap(value, "ok", v, "ok", kind), kind)
                  for code, level, name, v in comparators)
    return PortraitValue(indicator_id, indicator_id, unit, "t", unit == "%", None, value, None, None,
                         2021, "ok", None, "official_file", "Insee", None, None, None, comps)


def test_counts_are_not_compared_with_france() -> None:
    population = _pv("population_count", "habitants", 2500, [("FRM", "france", "France", 5_420_000)])
    assert views.chart_rows(population, "Aubépins") == []
    assert [c["gap"] for c in views.portrait_figure(population)["comparators"]] == [""]
    rate = _pv("poverty_rate_pct", "%", 45.0, [("71076", "commune", "Chalon", 23.0)])
    assert views.chart_rows(rate, "Aubépins") == [
        {"name": "Aubépins", "value": 45.0, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Chalon", "value": 23.0, "status": "ok", "is_qpv": False, "level": "commune"}]
    assert [plain_spaces(c["gap"]) for c in views.portrait_figure(rate)["comparators"]] == \
        ["+22,0 pts"]


def test_a_figure_and_what_it_is_read_beside_share_one_precision() -> None:
    """« 43 % » beside « 23,4 % » read as less precise: a rate published with one decimal is
    written « 43,0 % » in the card, its bars, the comparison table and the portrait's table."""
    from indicators.portrait import Portrait, ThemeBlock
    from indicators.territories import TerritoryRef
    rate = _pv("poverty_rate_pct", "%", 43.0, [("99001", "commune", "Lorneville", 23.4),
                                                ("FRM", "france", "France", 14.5)])
    whole = _pv("population_count", "habitants", 2500, [("FRM", "france", "France", 5_420_000)])
    figure = views.portrait_figure(rate)
    assert [plain_spaces(figure["value"])] + [plain_spaces(c["value"]) for c in figure["comparators"]] \
        == ["43,0 %", "23,4 %", "14,5 %"]
    assert [plain_spaces(c["value"]) for c in views.portrait_figure(whole)["comparators"]] == \
        ["5 420 000 habitants"]
    bars = charts.comparison_bar("Taux", "%", views.chart_rows(rate, "Bords de Lorne"))
    assert [plain_spaces(t) for t in bars.data[0].text] == ["43,0 %", "23,4 %", "14,5 %"]
    portrait = Portrait(TerritoryRef("QN09903M", "qpv", "Bords de Lorne"), (), (), (), (), None,
                        (ThemeBlock("t", (rate, whole)),))
    table = views.portrait_table(portrait)
    assert [plain_spaces(v) for v in table["Valeur"]] == [
        "43,0 %", "23,4 %", "14,5 %", "2 500 habitants", "5 420 000 habitants"]
    df = pd.DataFrame({"qpv_code": ["A", "B", "C"], "qpv_name": ["Alpha", "Beta", "Gamma"],
                       "commune_label": ["X", "Y", "Z"], "poverty_rate_pct": [43.0, 40.25, None],
                       "poverty_rate_pct__status": ["ok", "ok", "missing"],
                       "poverty_rate_pct__year": pd.array([2021] * 3, dtype="Int64")})
    column = views.compare_table(df, ["poverty_rate_pct"], None)["Taux de pauvreté (seuil à 60 %) (2021)"]
    assert [plain_spaces(v) for v in column] == ["43,00 %", "40,25 %", "non disponible"]


def test_amounts_of_one_column_are_written_in_one_scale() -> None:
    """« 1,9 M€ » above « 668 000 € » (programmes page, by priority issue) read as the smaller:
    a column mixing scales is in whole euros; a column of millions stays in millions."""
    by_theme = pd.DataFrame({"theme": ["Santé", "Sport", "Habitat"], "n_actions": [9, 10, 4],
                             "amount_eur": [1_900_000.0, 668_000.0, None],
                             "share_pct": [27.5, 9.8, None]})
    assert [plain_spaces(t) for t in views.theme_amounts_table(by_theme)["Montant"]] == [
        "1 900 000 €", "668 000 €", "non renseigné"]
    by_qpv = pd.DataFrame({"territory_name": ["A", "B"], "n_actions": [21, 29],
                           "amount_eur": [1_100_000.0, 715_383.3], "note": [None, "23 actions"]})
    assert [plain_spaces(t) for t in views.territory_amounts_table(by_qpv)[
        "Montant (partagé à parts égales)"]] == ["1 100 000 €", "715 383 €"]
    assert [plain_spaces(t) for t in views.eur_column([1_900_000, 1_600_000])] == ["1,9 M€", "1,6 M€"]
    assert [plain_spaces(t) for t in views.eur_column([51_600, 0])] == ["51 600 €", "0 €"]


def test_a_cia_chart_credits_documents_and_the_template() -> None:
    part = pd.DataFrame({"year": [2021, 2022, 2023, 2024], "origin": ["published"] * 3 + ["computed"],
                         "source_ref": ["p. 12", "p. 12", "p. 3", None],
                         "source_line": ["Bilan 2025 (CA Val-de-Lorne) — p. 12"] * 2 + [None, None]})
    assert views.housing_chart_source(part) == (
        "Bilan 2025 (CA Val-de-Lorne) — p. 12 ; p. 3 ; attributions saisies dans le modèle de programme")
    assert views.housing_chart_source(part[part["origin"] == "computed"]) == \
        "attributions saisies dans le modèle de programme"


def test_a_cia_tile_credits_the_document_not_only_its_section() -> None:
    results = pd.DataFrame([{
        "party_type": "ensemble", "objective": "q1_outside_qpv", "objective_label": "Premier quartile",
        "year": 2021, "origin": "published", "rate_pct": 12.04, "target_pct": 25.0, "reached": True,
        "numerator": 82, "denominator": 681, "denominator_origin": "deduced",
        "needed_fixed_total": None, "needed_growing_total": None, "needed_published": None,
        "source_ref": "Annexe 7 – CIA", "source_line": "Convention (Le Grand Chalon) — Annexe 7 – CIA"}])
    assert [t["source"] for t in views.housing_headlines(results)] == [
        "Convention (Le Grand Chalon) — Annexe 7 – CIA"]


def test_gap_texts() -> None:
    changes = pd.DataFrame({"distance_change": [-5.0, 3.0, -0.5], "first_year": [2017, 2019, 2017],
                            "last_year": [2021, 2021, 2020],
                            "sources": ["Insee, Filosofi 2017 ; Insee, Filosofi 2021",
                                        "Insee, Filosofi 2021", "Insee, Filosofi 2017"]})
    assert views.gap_change_caption(changes) == (
        "Écart réduit pour 2 sur 3 quartiers (2017–2021, de la première à la dernière année "
        "comparable de chaque quartier). En dessous de la ligne, l'écart se réduit ; au-dessus, "
        "il se creuse.")
    assert views.gap_change_source(changes) == (
        "Insee, Filosofi 2017 ; Insee, Filosofi 2021 · écarts entre valeurs de la même année")
    assert views.gap_change_text(-5.0, "points") == "écart réduit de 5,0 points"
    assert views.gap_change_text(3.24, "ratio") == "écart accru de 3,2 % (de l'écart à la parité)"
    assert views.gap_change_text(0.0, "points") == "écart inchangé"
    assert plain_spaces(views.gap_text(-12.96, "points")) == "\u221213,0 pts"
    assert views.has_gap("poverty_rate_pct") and not views.has_gap("population_count")


def test_place_labels_never_lets_two_labels_overlap() -> None:
    xs, ys = [44.8, 45.3, 38.7, 52.4], [-1.2, -1.2, -0.6, -0.3]
    texts = ["Pré-Vert -<br>Fontaine", "Cité des Forges", "La Chênaie", "Vieux Moulin"]
    # Placed on a phone's plot (charts.PHONE_PLOT_PX) spanning the axis ranges the chart sets,
    # never out of it (issue 11: a label over the axis numbers at 390 px): the two lowest
    # points' labels above and beside, the rightmost point's inwards.
    assert charts.place_labels(xs, ys, texts, charts.padded_range(xs), charts.padded_range(ys)) == [
        ("top center", "Pré-Vert -<br>Fontaine"), ("middle right", "Cité des Forges"),
        ("middle right", "La Chênaie"), ("middle left", "Vieux Moulin")]
    # Five points on one spot: the fifth label has nowhere to go and is left to the hover.
    same = charts.place_labels([1, 1, 1, 1, 1], [1, 1, 1, 1, 1], ["aaaa"] * 5, [0, 2], [0, 2])
    assert same == [("top center", "aaaa"), ("bottom center", "aaaa"), ("middle right", "aaaa"),
                    ("middle left", "aaaa"), None]


@pytest.mark.parametrize("text, expected", [
    (None, None), (float("nan"), None), ("nan", None), ("  ", None), ("Insee 2019", "Insee 2019")])
def test_source_or_none_never_gives_nan(text, expected) -> None:
    assert views.source_or_none(text) == expected


def test_long_sources_are_cut_at_a_word() -> None:
    text = "Contrat de ville du Grand Chalon 2024-2030 – Annexes (annexe 2 « Portraits de quartiers »)"
    assert views.clip_source(text, 40) == "Contrat de ville du Grand Chalon…"
    assert views.clip_source(text, 200) == text
    # Seen on Chambéry's review page: « …, «… » and « …sécurité du… » with the quote left open.
    quoted = "Hauts de Chambéry – rubrique « Soutenir la jeunesse », « Renforcer la sécurité du quartier »"
    assert views.clip_source(quoted, 58) == "Hauts de Chambéry – rubrique « Soutenir la jeunesse »…"
    assert views.clip_source(quoted, 85) == ("Hauts de Chambéry – rubrique « Soutenir la jeunesse », "
                                             "« Renforcer la sécurité du… »")
    assert views.source_text("Chartres métropole, page « Politique de la ville » (21/09/2023)",
                             None) == ("Chartres métropole, page « Politique de la ville » "
                                       "(21\u00a0septembre\u00a02023)")       # issue 11: the date in words
    long_label = "mot " * 60
    shown = views.source_text(long_label, None)
    assert shown.endswith("mot…") and len(shown) <= views.SHORT_SOURCE_LIMIT + 1


def test_build_summary_in_french() -> None:
    from datetime import datetime
    summary = dict(views.build_summary({
        "build_id": "b1", "outcome": "published", "started_at": datetime(2026, 12, 1, 9, 30, 0),
        "finished_at": datetime(2026, 12, 1, 9, 30, 4, 300000), "raw_dirs": "data/raw/demo",
        "n_files": 68, "n_rows": 7785, "n_territories": 55, "n_indicators": 28, "n_warnings": 1}))
    assert {k: plain_spaces(v) for k, v in summary.items()} == {
        "Résultat": "publiée", "Commencée le": "1er décembre 2026 à 9 h 30",
        "Terminée le": "1er décembre 2026 à 9 h 30", "Durée": "4,3 s", "Fichiers": "68",
        "Lignes": "7 785", "Territoires": "55", "Indicateurs": "28", "Avertissements": "1"}
    # The build's id and folders only under « Pour les techniciens ».
    assert views.build_technical_lines({"build_id": "b1", "raw_dirs": "data/raw/demo"}) == [
        "Identifiant de la construction : `b1`.", "Dossiers lus : `data/raw/demo`."]


def test_long_sources_once_each_in_order() -> None:
    long_a = ("Ville de Chambéry – Contrat de ville : « Engagements 2030 » (signé en 2024) — "
              "Annexe 3 ; § « Les chiffres du mandat, par quartier et par année »")
    long_b = "Rapport annuel 2023 : bilan de la programmation (Ville de Chambéry, service politique de la ville)"
    assert views.short_source(long_a) != long_a and views.short_source(long_b) != long_b
    assert views.long_sources([long_a, "Insee 2019", None, float("nan"), "nan", long_b, long_a]) == [
        long_a, long_b]


def test_funder_bars_give_every_share_with_one_decimal() -> None:
    by_funder = pd.DataFrame({"funder": ["etat_p147", "ville", "caf"],
                              "funder_label": ["État – programme 147", "Ville", "CAF"],
                              "amount_eur": [3_400_000.0, 1_100_000.0, 51_600.0],
                              "share_pct": [74.7, 24.17582, 1.134]})
    fig = charts.funder_bars(by_funder)
    # Amounts read side by side in one scale: whole euros unless every one is in millions.
    assert [plain_spaces(t) for t in fig.data[0].text] == [
        "3 400 000 € (74,7 %)", "1 100 000 € (24,2 %)", "51 600 € (1,1 %)"]
    # The bars carry their amounts: no axis numbers (they collided at 390 px).
    assert fig.layout.xaxis.showticklabels is False
    # Funder and amount written above each bar, from the left edge: nothing beside the bars
    # takes their width on a phone.
    assert [(plain_spaces(a.text), a.y, a.x, a.xref) for a in fig.layout.annotations] == [
        ("<b>État – programme 147</b> · 3 400 000 € (74,7 %)", "État – programme 147", 0, "paper"),
        ("<b>Ville</b> · 1 100 000 € (24,2 %)", "Ville", 0, "paper"),
        ("<b>CAF</b> · 51 600 € (1,1 %)", "CAF", 0, "paper")]
    assert fig.layout.yaxis.showticklabels is False and fig.data[0].textposition == "none"
    assert (fig.layout.margin.l, fig.layout.margin.r) == (10, 10)
    millions = by_funder.assign(amount_eur=[3_400_000.0, 1_100_000.0, 1_051_600.0])
    assert [plain_spaces(t) for t in charts.funder_bars(millions).data[0].text] == [
        "3,4 M€ (74,7 %)", "1,1 M€ (24,2 %)", "1,1 M€ (1,1 %)"]


def test_a_figure_says_what_a_share_counts_never_a_mean_s_sum() -> None:
    from dataclasses import replace
    share = replace(_pv("grid_poor_households_pct", "%", 46.47, []), numerator=586.3, denominator=1261.8)
    assert plain_spaces(views.portrait_figure(share)["numerator"]) == "586 sur 1 262"
    mean = replace(_pv("grid_mean_standard_of_living_eur", "EUR/an", 14905.0, []),
                   numerator=44_934_237.4, denominator=3014.7)
    assert views.portrait_figure(mean)["numerator"] == ""


@pytest.mark.parametrize("name, period, expected", [
    ("Politique de la ville de Chambéry – Contrat de ville Engagements 2030",
     "Contrat de ville – Engagements 2030 (signé en 2024)", "signé en 2024"),
    ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030", "2024–2030", None),
    ("Contrat de ville de l'agglomération chartraine (Chartres métropole)",
     "2015–2022, prolongé jusqu'à fin 2023", "2015–2022, prolongé jusqu'à fin 2023"),
    ("Contrat de ville de Val-de-Lorne (fictif)", "2020–2026", "2020–2026"),
    ("Contrat de ville de Val-de-Lorne (fictif)", None, None),
    ("Contrat de ville de Val-de-Lorne", "Contrat de ville (prolongé)", "prolongé"),
])
def test_period_beside_name_never_repeats_the_name(name, period, expected) -> None:
    from indicators.fmt import period_beside_name
    assert period_beside_name(name, period) == expected


def test_every_recognised_file_format_is_named_in_words() -> None:
    """« Fichiers examinés » (Données et méthode) showed loader names: « filosofi_grid »,
    « programme_kpi_values »."""
    from etl.loaders import ban, cog, contours, grid, insee, programme, ssmsi
    kinds = [k for m in (ban, cog, contours, grid, insee, programme, ssmsi) for k in m.KINDS]
    shown = {k: views.file_kind_text(k) for k in kinds + [contours.DECLARED_KIND]}
    assert [k for k, text in shown.items() if "_" in text or text == k] == []
    assert (shown["filosofi_grid"], shown["programme_kpi_values"], views.file_kind_text(None)) == (
        "carroyage Filosofi 200 m", "modèle de programme : valeurs des indicateurs de suivi", "—")
    files = pd.DataFrame({"file_name": ["a.csv"], "kind": ["cog_epci"], "outcome": ["loaded"],
                          "rows_read": [3], "message": [None]})
    assert views.build_files_table(files).to_dict("records") == [
        {"Fichier": "a.csv", "Format reconnu": "COG : EPCI", "Résultat": "chargé",
         "Lignes lues": "3", "Message": ""}]


def test_leverage_table_leaves_out_published_columns_nobody_filled() -> None:
    """The demo's leverage table had two empty columns (« Publié », « Source du chiffre publié »)."""
    computed = [{"Financeur": "CAF", "Calculé (financements saisis)": "Pour 1\u00a0€ de la Ville, 0,39 € de la CAF",
                 "Publié": "", "Source du chiffre publié": ""}]
    assert views.leverage_shown(computed).to_dict("records") == [
        {"Financeur": "CAF", "Calculé (financements saisis)": "0,39 € de la CAF"}]
    published = computed + [{"Financeur": "État", "Calculé (financements saisis)": "non calculé",
                             "Publié": "Pour 1 € de la Ville, 8,3 € de l'État",
                             "Source du chiffre publié": "Source : bilan — § « Une ambition » ; p. 2"}]
    assert views.leverage_shown(published).to_dict("records") == [
        {"Financeur": "CAF", "Calculé (financements saisis)": "0,39 € de la CAF", "Publié": "",
         "Source du chiffre publié": ""},
        {"Financeur": "État", "Calculé (financements saisis)": "non calculé", "Publié": "8,3 € de l'État",
         "Source du chiffre publié": "bilan — § « Une ambition »"}]


def test_gap_lines_labels_never_print_over_each_other() -> None:
    """Champ de Foire's gap to its commune and EPCI: « +23,0 pts » printed over « +23,1 pts »,
    « × 0,67 » over « × 0,66 », and two equal lines showed as one."""
    series = pd.DataFrame({
        "comparator_name": ["Saint-Aubin", "Saint-Aubin", "CA Val", "CA Val", "Dép.", "Dép."],
        "comparator_level": ["commune", "commune", "epci", "epci", "departement", "departement"],
        "year": [2019, 2021, 2019, 2021, 2019, 2021],
        "gap": [24.6, 23.0, 24.6, 23.1, 20.0, 21.0], "gap_kind": ["points"] * 6})
    fig = charts.gap_lines(series, "Écart – Taux de pauvreté", "%")
    assert [(t.name, [plain_spaces(x) for x in t.text], list(t.textposition), t.line.dash)
            for t in fig.data] == [
        ("Saint-Aubin", ["+24,6 pts", ""], ["top right", "top left"], "solid"),
        # Equal to the commune in 2019: said once; the highest in 2021: above.
        ("CA Val", ["", "+23,1 pts"], ["top right", "top left"], "dash"),
        ("Dép.", ["+20,0 pts", "+21,0 pts"], ["bottom right", "bottom left"], "dash")]
    # Every value stays in the hover text.
    assert [plain_spaces(x) for x in fig.data[0].hovertext] == ["+24,6 pts", "+23,0 pts"]

    ratio = series.assign(gap=[0.66, 0.66, 0.67, 0.67, 0.7, 0.7], gap_kind="ratio")
    title = charts.gap_lines(ratio, "Écart", "EUR/an").layout.yaxis.title.text
    assert title == "Rapport quartier / territoire<br>(× 1 = parité)"


def test_scatter_axis_titles_fit_a_phone() -> None:
    """« Taux de pauvreté (seuil à 60 %), dernière année (%) » was cut at 390 px: axis titles
    wrap at 40 characters (about 260 px)."""
    table = pd.DataFrame({"qpv_code": ["A", "B"], "qpv_name": ["Alpha", "Beta"],
                          "qpv_value_last": [40.0, 45.0], "distance_change": [-1.0, 0.5],
                          "first_year": [2019, 2019], "last_year": [2021, 2021],
                          "gap_kind": ["points", "points"]})
    fig = charts.gap_change_scatter(table, "Taux de pauvreté (seuil à 60 %)", "%", "A")
    # One bracket: the unit and the year joined to the label's own (not « 60 %), … (%) »).
    assert fig.layout.xaxis.title.text == "Taux de pauvreté (seuil à 60 %, en %,<br>dernière année)"
    points = pd.DataFrame({"qpv_code": ["A", "B"], "qpv_name": ["Alpha", "Beta"], "x": [1, 2], "y": [3, 4]})
    fig = charts.scatter(points, "Revenu disponible médian par unité de consommation", "Taux", "EUR/an",
                         "%", "A")
    assert fig.layout.xaxis.title.text == "Revenu disponible médian par<br>unité de consommation (€ par an)"
    # The comparison's scatter read « Taux de pauvreté (seuil à 60 %, %) »; on one line (37
    # characters) under a plot area narrowed by the y title, its end ran off a 390 px chart.
    fig = charts.scatter(points, "Taux de pauvreté (seuil à 60 %)", "Taux de chômage", "%", "%", "A")
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == (
        "Taux de pauvreté (seuil à 60 %,<br>en %)", "Taux de chômage (%)")


def test_a_review_source_names_its_document_once() -> None:
    """Chambéry's review: « Hauts de Chambéry – « Ce qui a changé » : … – Hauts de Chambéry,
    « Ce qui a changé » – rubrique « … » » named the document twice."""
    from types import SimpleNamespace as Item
    title = ("Hauts de Chambéry – « Ce qui a changé » : le besoin au départ, ce que nous avons "
             "décidé et fait")
    items = [Item(document_title=title, source_ref="Hauts de Chambéry, « Ce qui a changé » – "
                                                   "rubrique « Améliorer les mobilités »"),
             Item(document_title=title, source_ref="rubrique « Éducation »"),
             Item(document_title="Bilan 2025", source_ref="p. 21"),
             Item(document_title="Bilan 2025 – annexe", source_ref="Bilan 2025 – annexe")]
    # No producer in these items: said missing (issue 11), never invented.
    said = f"{title} (producteur non précisé)"
    assert views._item_source(items) == " ; ".join([
        f"{said} – rubrique « Améliorer les mobilités »", f"{said} – rubrique « Éducation »",
        "Bilan 2025 (producteur non précisé) – p. 21", "Bilan 2025 – annexe (producteur non précisé)"])


def test_a_party_is_named_once() -> None:
    """The housing table read « Ensemble : Ensemble »."""
    assert [views.party_text(t, n) for t, n in (
        ("ensemble", "ensemble"), ("ensemble", "Ensemble"), ("bailleur", "Lorne Habitat"),
        ("reservataire", "etat"), ("reservataire", "action_logement"))] == [
        "Ensemble", "Ensemble", "Bailleur : Lorne Habitat", "Réservataire : État",
        "Réservataire : Action Logement"]


def test_a_pillar_names_its_specific_schemes() -> None:
    """Grand Chalon: « Droits des femmes » counted 9 mobilisable schemes in the table (common law)
    and « 10 dispositifs » in the list below, with nothing to say why."""
    part = pd.DataFrame({"Nature": ["Droit commun"] * 9 + ["Crédits spécifiques politique de la ville"]})
    assert views.scheme_group_label("Droits des femmes", part) == (
        "Droits des femmes — 10 dispositifs, dont 1 sur crédits spécifiques")
    assert views.scheme_group_label("Culture", part.head(3)) == "Culture — 3 dispositifs"


def test_review_block_sources_name_producer_and_date_or_say_the_producer_is_not_given() -> None:
    # Issue 11: the review blocks' source lines named the document and section without who
    # published it; a producer the data does not give is said missing, never invented.
    from indicators.portrait import QualItem
    nb = "\u00a0"
    given = QualItem("review_done", "Emploi", 1, "Fait", "doc", "p. 21", "Bilan annuel 2025 (document fictif)",
                     "CA Val-de-Lorne (fictive)", "2026-02-10")
    unknown = QualItem("review_need", "Emploi", 1, "Besoin", "doc2", "rubrique « Emploi » (21/09/2023)",
                       "Bilan du mandat", None, None)
    assert views._item_source([given, unknown, given]) == (
        f"Bilan annuel 2025 (document fictif, CA Val-de-Lorne, fictive, 10{nb}février{nb}2026) – p. 21 ; "
        f"Bilan du mandat (producteur non précisé) – rubrique « Emploi » (21{nb}septembre{nb}2023)")


def test_a_portraits_tables_and_qualitative_sections_are_worked_out_once_per_content(monkeypatch) -> None:
    """Issue #15: the portrait page's tables and its issues' sources are worked out once for a
    portrait of the same content (Streamlit's cache gives the page a new copy at every rerun),
    again for another content."""
    import pickle

    from indicators.portrait import Portrait, QualItem, Qualitative, ThemeBlock
    from indicators.territories import TerritoryRef
    rate = _pv("poverty_rate_pct", "%", 43.0, [("99001", "commune", "Lorneville", 23.4)])
    portrait = Portrait(TerritoryRef("QN09903M", "qpv", "Bords de Lorne"), (), (), (), (), None,
                        (ThemeBlock("t", (rate,)),))
    shown, (table, statuses, units), ids = views.portrait_tables(portrait)
    pd.testing.assert_frame_equal(shown, views.portrait_table(portrait))
    pd.testing.assert_frame_equal(table, views.portrait_export(portrait)[0])
    assert (statuses, units, ids) == ({"Valeur": "Statut"}, {}, ("poverty_rate_pct", "poverty_rate_pct"))
    assert [plain_spaces(v) for v in shown["Valeur"]] == ["43,0 %", "23,4 %"]
    item = QualItem("priority_issue", "Emploi", 1, "Lever les freins à l'emploi", "d1", "§ 2",
                    "Contrat de ville", "Ville de Lorneville", "2024-03-01")
    note = QualItem("note", None, 1, "Nouveau secteur en 2024", "d1", None, "Contrat de ville")
    qualitative = Qualitative(priority_issues=(item,), notes=(note,))
    sections = views.shared_qualitative_sections(qualitative)
    assert sections == views.split_notes(views.qualitative_sections(qualitative))
    assert sections[0][0][1][0][:2] == ("Emploi", ["Lever les freins à l'emploi"])

    def never(*_a, **_k):
        raise AssertionError("worked out again")

    monkeypatch.setattr(views, "portrait_table", never)
    monkeypatch.setattr(views, "qualitative_sections", never)
    again = views.portrait_tables(pickle.loads(pickle.dumps(portrait)))
    assert again[0] is shown and again[1][0] is table
    assert views.shared_qualitative_sections(pickle.loads(pickle.dumps(qualitative))) is sections
    other = Portrait(portrait.qpv, (), (), (), (), None,
                     (ThemeBlock("t", (_pv("poverty_rate_pct", "%", 41.0, []),)),))
    import pytest
    with pytest.raises(AssertionError, match="worked out again"):
        views.portrait_tables(other)
