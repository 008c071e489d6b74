"""Issue 11, review of the demo's and Grand Chalon's screenshots (session 9): what they showed,
asserted on small frames and on the pages of the demo database (AppTest)."""
from __future__ import annotations

import pandas as pd

from tests.app.test_pages import run_page
from ui import components, views


# ── No blank column: « Licence » of the loaded files, « Ligne »/« Colonne » of a build message ──

def test_blank_columns_are_those_with_nothing_in_any_row() -> None:
    frame = pd.DataFrame({"Fichier": ["a.csv", "b.csv"], "Licence": ["", "  "],
                          "Ligne": [None, None], "Nombre": [float("nan"), float("nan")],
                          "Message": ["", "ligne ignorée"], "Lignes": [0, 3]})
    assert views.blank_columns(frame) == ["Licence", "Ligne", "Nombre"]
    # A table without rows, or blank everywhere, shows as it is (its note or its headers).
    assert views.blank_columns(frame.head(0)) == []
    assert views.blank_columns(frame[["Licence", "Ligne"]]) == []


def test_a_table_leaves_out_its_blank_columns_after_its_pinned_ones() -> None:
    frame = pd.DataFrame({"Niveau": ["avertissement"], "Fichier": ["demo/x.csv"], "Ligne": [""],
                          "Colonne": [""], "Message": ["colonnes ignorées"]})
    assert components.fit_columns(frame)["column_order"] == ["Niveau", "Fichier", "Message"]
    assert components.fit_columns(frame, ["Fichier"])["column_order"] == ["Fichier", "Niveau", "Message"]
    # Nothing blank, nothing pinned: Streamlit's own order, no column_order.
    assert "column_order" not in components.fit_columns(frame[["Niveau", "Message"]])


def test_method_page_shows_no_blank_column(demo_db) -> None:
    at = run_page("methode", territoire="demo")
    assert not at.exception
    shown_blank, left_out = [], []
    for table in at.dataframe:
        order = list(table.proto.column_order) or list(table.value.columns)
        shown_blank += [c for c in order if c in views.blank_columns(table.value)]
        left_out += [c for c in table.value.columns if c not in order]
    assert shown_blank == []
    # The demo's files give no licence (fictional files never show one) and its one build
    # warning names no line nor column: those columns are left out of the screen.
    assert left_out == ["Licence", "Ligne", "Colonne"]


# ── A number keeps its unit: « jusqu'à 58,9 % » of a typed note wrapped before its « % » ──────

def test_a_number_keeps_the_unit_symbol_after_it() -> None:
    from indicators.text import no_break_units, screen_text
    nb = "\u00a0"
    assert no_break_units("48 % de familles et jusqu'à 58,9 % sur certains secteurs") == (
        f"48{nb}% de familles et jusqu'à 58,9{nb}% sur certains secteurs")
    assert no_break_units("1,5 M€, 300 k€, 12 €/an, 2 Md€, 10 ‰, +3,0 pts, 1 pt") == (
        f"1,5{nb}M€, 300{nb}k€, 12{nb}€/an, 2{nb}Md€, 10{nb}‰, +3,0{nb}pts, 1{nb}pt")
    # A word after a number is not a unit; a unit after a word is not a number's.
    assert no_break_units("en 2020 points et ptsx, 5 %s, taux %") == "en 2020 points et ptsx, 5 %s, taux %"
    assert screen_text("Familles : 58,9 %") == f"Familles{nb}: 58,9{nb}%"
    assert screen_text(screen_text("58,9 %")) == screen_text("58,9 %")


def test_portrait_notes_keep_numbers_with_their_units(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07102I")
    assert not at.exception
    notes = [m.value for m in at.markdown if "58,9" in m.value]
    assert len(notes) == 1 and "Jusqu'à 58,9\u00a0% de familles monoparentales sur certains secteurs" in notes[0]
    import re
    assert [m.value for m in at.markdown if re.search(r"\d[ \t]+(%|€)(?!\w)", m.value)] == []


# ── A long label first: pinned within 230 px, so a phone shows the value beside it ─────────────

def test_a_long_label_first_is_pinned_within_its_room() -> None:
    import streamlit as st
    frame = pd.DataFrame({"Enjeu prioritaire": ["Santé et accès aux droits",
                                                "Emploi, insertion et développement économique"],
                          "Actions": ["9", "9"], "Montant": ["1 861 200 €", "1 592 800 €"]})
    assert views.text_px("Emploi, insertion et développement économique") > views.PINNED_NAME_MAX_PX
    assert views.label_first(frame)
    args = components.fit_columns(frame)
    assert args["column_config"]["Enjeu prioritaire"] == st.column_config.TextColumn(
        width=views.PINNED_NAME_MAX_PX, pinned=True)
    assert args["column_order"] == ["Enjeu prioritaire", "Actions", "Montant"]
    # Labels within the room, numbers first, a single column or given names: as before.
    assert not views.label_first(frame.head(1))
    assert not views.label_first(frame[["Actions", "Enjeu prioritaire"]])
    assert not views.label_first(frame[["Enjeu prioritaire"]])
    assert not views.label_first(pd.DataFrame({"n": [1, 2], "Libellé": ["a", "b"]}))
    assert components.fit_columns(frame.head(1))["column_config"]["Enjeu prioritaire"]["pinned"] is None
    given = components.fit_columns(frame, ["Montant"])
    assert given["column_order"][0] == "Montant"
    assert given["column_config"]["Enjeu prioritaire"] == st.column_config.TextColumn(width=280)


def test_programme_tables_keep_their_values_beside_their_labels(demo_db) -> None:
    import json
    at = run_page("programmes", territoire="demo")
    assert not at.exception
    pinned = {}
    for table in at.dataframe:
        first = table.value.columns[0]
        config = json.loads(table.proto.columns or "{}").get(first, {})
        pinned[first] = (config.get("pinned"), config.get("width"))
    room = views.PINNED_NAME_MAX_PX
    # The labels longer than the room are pinned at it; « Année » or a short label stay as they were.
    assert pinned["Enjeu prioritaire"] == (True, room)
    assert pinned["Action"] == (True, room)
    assert pinned["Année"][0] is None
    # The amount right after its label (« Actions » after it): a phone shows both.
    orders = {t.value.columns[0]: list(t.proto.column_order) for t in at.dataframe}
    assert orders["Enjeu prioritaire"][:2] == ["Enjeu prioritaire", "Montant"]
    assert orders["Quartier"][:2] == ["Quartier", "Montant (partagé à parts égales)"]


def test_portrait_commune_only_figures_show_their_value_beside_the_indicator(demo_db) -> None:
    import json
    at = run_page("portrait", territoire="demo", qpv="QN09903M")
    assert not at.exception
    table = next(t for t in at.dataframe if "Valeur de la commune" in t.value.columns)
    assert list(table.proto.column_order) == ["Indicateur", "Valeur de la commune", "Commune", "Année",
                                              "Source"]
    indicator = json.loads(table.proto.columns)["Indicateur"]
    assert (indicator["pinned"], indicator["width"]) == (True, views.PINNED_NAME_MAX_PX)


# ── A decrease reads as one: « ↑ -2 par rapport à 2024 » was green with an arrow up ────────────

def test_delta_style_reads_the_sign_of_the_evolution() -> None:
    style = lambda arrow, color: {"delta_arrow": arrow, "delta_color": color}   # noqa: E731
    assert views.delta_style(-2, True) == style("down", "red")
    assert views.delta_style(69, True) == style("up", "green")
    assert views.delta_style(-2, False) == style("down", "green")
    assert views.delta_style(2, False) == style("up", "red")
    assert views.delta_style(1200, None) == style("up", "off")
    assert views.delta_style(0, True) == style("off", "off")
    assert views.delta_style(None, True) == style("off", "off")
    assert views.delta_style(float("nan"), True) == style("off", "off")


def test_home_page_tiles_show_a_decrease_going_down(demo_db) -> None:
    from streamlit.proto.Metric_pb2 import Metric
    at = run_page("mandat", territoire="demo")
    assert not at.exception
    shown = {}
    for m in at.metric:
        if m.proto.delta:
            sign = m.proto.delta.lstrip("\\")[:1]
            shown.setdefault(sign, set()).add((m.proto.direction, m.proto.color))
    # The demo's « Enfants suivis » fell by 2 (higher is better): down and red; the others rose.
    assert set(shown) == {"\u2212", "+"}
    assert shown["\u2212"] == {(Metric.MetricDirection.DOWN, Metric.MetricColor.RED)}
    assert shown["+"] == {(Metric.MetricDirection.UP, Metric.MetricColor.GREEN)}
