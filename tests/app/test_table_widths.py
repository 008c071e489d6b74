"""Issue 11: tables read whole on a 1440 px screen and a 390 px phone. Streamlit's grid sizes a
column on its first rows only, so every text column of every displayed table gets a width from
its longest value (all rows, header included), capped at 280 px, a longer value wrapping
(views.table_layout, components.fit_columns); the TFPB table names its quartiers."""
from __future__ import annotations

import json

import pandas as pd
import pytest
import streamlit as st

from indicators.fmt import plain_spaces
from indicators.review import display_frame
from tests.app.test_pages import run_page
from ui import components, views

CAP = 280


# ── The width helper, on small frames ──────────────────────────────────────────────────────

def test_text_px_and_wrapped_lines() -> None:
    # 24 px of padding; 3,6 px a narrow letter or space, 6,6 a lower-case one, 7,2 a digit,
    # 8,4 a capital, 10,5 an m or w, 6 anything else, all × 1,08; rounded up.
    assert [views.text_px(t) for t in ("", "ab", 12345, "QN09905N", "Vieux Moulin - Paradis - Les Hauts de Lorne")] == [
        24, 24 + 15, 24 + 39, 24 + 67, 295]
    # 100 px leave 76 for text: « Soutenir la » (64,2) / « participation » (71,9) / « des » /
    # « habitants » (« des habitants »: 79,7)
    assert views.wrapped_lines("Soutenir la participation des habitants", 100) == 4
    assert views.wrapped_lines("Soutenir la", 100) == 1
    assert views.wrapped_lines("", 100) == 1
    assert views.wrapped_lines("x" * 30, 100) == 3             # 10 x a line: a word cut across lines
    assert views.wrapped_lines("ab " + "x" * 24, 100) == 4      # « ab » / 10 x / 10 x / 4 x


def test_text_columns_are_those_of_text_values_only() -> None:
    frame = pd.DataFrame({"Nom": ["a", None, "b"], "Nombre": [1, 2, 3], "Mêlé": ["a", 1, "b"],
                          "Vide": [None, None, None], "Année": ["2024", "2025", "2026"]})
    assert views.text_columns(frame) == ["Nom", "Année"]


def test_text_columns_leave_every_kind_of_missing_value_aside() -> None:
    # Read as lists (issue #15): NaN, None, pd.NA and NaT are missing as Series.dropna says, a
    # list or a number among texts is not text, nor a column of numbers, booleans or dates.
    frame = pd.DataFrame({
        "NaN": ["a", float("nan"), "b"], "NA": pd.Series(["a", pd.NA, None], dtype=object),
        "NaT": pd.Series(["a", pd.NaT, "c"], dtype=object), "Catégorie": pd.Categorical(["x", None, "y"]),
        "Chaîne": pd.Series(["x", None, "z"], dtype="string"), "Liste": ["a", ["b"], "c"],
        "Entier": pd.array([1, None, 3], dtype="Int64"), "Booléen": [True, False, True],
        "Date": pd.to_datetime(["2024-01-01", None, "2026-01-01"]), "Manquant": [pd.NA, None, float("nan")]})
    assert views.text_columns(frame) == ["NaN", "NA", "NaT", "Catégorie", "Chaîne"]
    assert [c for c in frame.columns
            if len(frame[c].dropna()) and all(isinstance(v, str) for v in frame[c].dropna())] \
        == views.text_columns(frame)
    assert views.table_layout(frame, skip=("NA",)) == views.TableLayout(
        {"NaN": views.text_px("NaN"), "NaT": views.text_px("NaT"), "Catégorie": views.text_px("Catégorie"),
         "Chaîne": views.text_px("Chaîne")}, None)


def test_table_layout_sizes_every_text_column_on_all_its_rows() -> None:
    # The long values are in the last rows, where the grid never looked.
    long_unit = "personnes pour 1 000 personnes"                                   # 218 px
    long_text = "Soutenir la participation des habitants aux instances du contrat de ville"  # 446 px
    frame = pd.DataFrame({"Unité": ["%", "%", "€", long_unit],
                          "Engagement": ["", "", "", long_text],
                          "Code": ["a", "b", "c", "d"],
                          "Valeur": [1.0, 2.0, 3.0, 4.0]})
    layout = views.table_layout(frame)
    assert layout == views.TableLayout(
        widths={"Unité": 218, "Engagement": CAP, "Code": 55},     # « Code »: its header's 55 px
        # The engagement wraps over 2 lines of 280 px, so rows of 65 px (the grid wraps only
        # rows taller than 64 px).
        row_height=65)
    assert layout.height_px(4, 600) == 37 + 65 * 4
    assert layout.height_px(20, 600) == 600
    assert views.table_layout(frame[["Unité", "Code"]]) == views.TableLayout({"Unité": 218, "Code": 55}, None)
    assert views.table_layout(frame[["Valeur"]]) == views.TableLayout({}, None)
    assert views.TableLayout({}, None).height_px(0, 600) == 37 + 35


def test_table_layout_wraps_up_to_six_lines_and_keeps_pinned_columns_within_their_room() -> None:
    frame = pd.DataFrame({"Quartier": ["Les Tilleuls", "Vieux Moulin - Paradis - Les Hauts de Lorne"],
                          "Définition": ["court", "mot " * 100]})
    layout = views.table_layout(frame, pinned=("Quartier",), room_px=CAP - 40)
    # « mot » × 100 takes 10 lines of 280 px: 6 shown (20 px a line, 16 of padding).
    assert layout == views.TableLayout({"Quartier": 240, "Définition": CAP}, 20 * 6 + 16)
    # Unpinned too the name (295 px) is capped, over two lines; « Les Tilleuls » alone fits.
    assert views.table_layout(frame[["Quartier"]]) == views.TableLayout({"Quartier": CAP}, 65)
    assert views.table_layout(frame[["Quartier"]].head(1)) == views.TableLayout({"Quartier": 98}, None)


def test_fit_columns_pins_names_and_markers_within_a_phone() -> None:
    frame = pd.DataFrame({"": ["▶", ""], "Quartier": ["Les Tilleuls", "Vieux Puits - Paradis - Maunoury"],
                          "Taux": ["12,0 %", "8,5 %"], "Portrait": ["/portrait?qpv=A", "/portrait?qpv=B"]})
    args = components.fit_columns(frame, ["", "Quartier"], ["Taux"], max_height_px=720)
    assert args["column_order"] == ["", "Quartier", "Taux", "Portrait"]
    # The 226 px name is wider than the 190 px the marker leaves of the pinned room (230 px, so a
    # phone shows « secret statistique » beside them): it wraps, both rows 65 px tall.
    assert (args["height"], args["row_height"]) == (37 + 65 * 2, 65)
    assert {c: (cfg.get("width"), cfg.get("pinned")) for c, cfg in args["column_config"].items()} == {
        "": (40, True), "Quartier": (190, True), "Taux": (62, None), "Portrait": (None, None)}
    assert args["column_config"]["Portrait"]["type_config"]["display_text"] == "Ouvrir le portrait"
    # Without names nothing is reordered nor given a height; a given column_config wins.
    plain = components.fit_columns(frame[["Quartier", "Taux"]], column_config={"Taux": {"width": 99}})
    assert plain == {"column_config": {"Quartier": st.column_config.TextColumn(width=226),
                                       "Taux": {"width": 99}},
                     "placeholder": "—"}
    # Wrapped rows: the table is given a height showing them (the grid's default shows 10 rows
    # of 35 px, 2 or 3 of these).
    wrapped = components.fit_columns(pd.DataFrame({"Engagement": ["mot " * 100] * 3}))
    assert (wrapped["row_height"], wrapped["height"]) == (136, 37 + 3 * 136)
    # A header longer than the cap is cut on screen (headers never wrap): whole in its tooltip.
    header = "Revenu disponible médian par unité de consommation (2021)"
    long_header = components.fit_columns(pd.DataFrame({header: ["13 540 €/an"], "Quartier": ["La Chênaie"]}))
    assert long_header["column_config"] == {
        # Markdown-escaped, as every data text (indicators.text.md_text)
        header: st.column_config.TextColumn(width=CAP, help=header.replace("(", "\\(").replace(")", "\\)")),
        "Quartier": st.column_config.TextColumn(width=views.text_px("La Chênaie"))}


# ── Every table of every page (AppTest on the demo database) ──────────────────────────────────

def _tables(at) -> dict:
    """Each table of a page run by its position: (frame, column config, row height)."""
    return {i: (d.value, json.loads(d.proto.columns or "{}"), d.proto.row_height or None)
            for i, d in enumerate(at.dataframe)}


def _expected_px(column: str, values, cap: int = CAP) -> int:
    return min(max(views.text_px(t) for t in [column, *values]), cap)


def _assert_every_text_column_fits(at, page: str) -> int:
    """Every text column of every table of the run has a width from its longest value or
    header (capped; pinned columns share the 280 px), and a table with a capped longer value
    has rows tall enough to wrap it. Returns the number of tables."""
    tables = _tables(at)
    for key, (frame, columns, row_height) in tables.items():
        pinned = [c for c, cfg in columns.items() if cfg.get("pinned")]
        for c in frame.columns:
            values = frame[c].dropna()
            if not len(values) or not all(isinstance(v, str) for v in values) or c in ("Portrait", ""):
                continue
            marks = sum(1 for p in pinned if p == "")
            cap = views.PINNED_NAME_MAX_PX - views.PINNED_MARK_PX * marks if c in pinned else CAP
            assert columns.get(c, {}).get("width") == _expected_px(c, values, cap), (page, key, c)
            if any(views.text_px(v) > cap for v in values):
                assert row_height and row_height >= 65, (page, key, c)
    return len(tables)


@pytest.mark.parametrize("page,territoire", [
    ("methode", "demo"), ("droit_commun", "demo"), ("droit_commun", "grand-chalon"),
    ("comparer", "demo"), ("carte", "demo"), ("portrait", "demo"), ("logement", "demo"),
    ("logement", "grand-chalon"), ("programmes", "demo"), ("mandat", "demo"), ("poches", "demo"),
    ("methode", "grand-chalon")])
def test_every_table_of_the_page_reads_whole(demo_db, page, territoire) -> None:
    at = run_page(page, territoire=territoire)
    assert not at.exception
    assert _assert_every_text_column_fits(at, page) >= 1


def test_method_page_units_and_licences_read_whole(demo_db) -> None:
    # « person[nes] » in « Unité » and the « Licence » of « Fichiers chargés » were cut.
    at = run_page("methode", territoire="demo")
    registry, sources = at.dataframe[0], at.dataframe[1]
    units = json.loads(registry.proto.columns)["Unité"]["width"]
    assert units == max(views.text_px(u) for u in registry.value["Unité"]) < CAP
    assert "personnes" in " ".join(registry.value["Unité"])
    # The demo database names no licence (its files are fictional or typed by the contract
    # teams): the blank « Licence » column is left out of the shown order (views.blank_columns); when a
    # file names one, the column is sized like any other (test_every_table_of_the_page_reads_whole).
    assert "Licence" not in sources.proto.column_order and "Producteur" in sources.proto.column_order
    # Definitions are longer than 280 px: they wrap, over rows of six lines at most.
    assert json.loads(registry.proto.columns)["Définition"]["width"] == CAP
    assert registry.proto.row_height == 20 * 6 + 16


def test_droit_commun_engagements_wrap_and_tfpb_names_its_quartiers(demo_db) -> None:
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    frames = [d for d in at.dataframe]
    signatories = next(d for d in frames if "Engagement" in d.value.columns)
    engagement = signatories.value["Engagement"]
    # « Soutenir la pa… » was cut: now the column is 280 px and its rows tall enough for the
    # longest engagement to wrap whole.
    cut = next(e for e in engagement if e.startswith("Soutenir la pa"))
    assert views.text_px(cut) > CAP and views.wrapped_lines(cut, CAP) >= 2
    lines = max(views.wrapped_lines(e, CAP) for e in engagement)
    assert json.loads(signatories.proto.columns)["Engagement"]["width"] == CAP
    assert signatories.proto.row_height == max(65, 20 * lines + 16) and lines <= 6
    tfpb = next(d for d in frames if "Bailleur" in d.value.columns)
    rows = tfpb.value[["Année", "Bailleur", "Quartier", "Code", "Montant (€)"]].map(
        lambda v: plain_spaces(v) if isinstance(v, str) else v)
    assert rows.values.tolist() == [
        [2024, "Habitat du Val (fictif)", "tous ses QPV", "", "non renseigné"],
        [2024, "Lorne Habitat (fictif)", "Saint-Exupéry", "QN09905N", "31 500"],
        [2024, "Lorne Habitat (fictif)", "Vieux Moulin - Paradis - Les Hauts de Lorne", "QN09901M", "58 000"],
        [2025, "Habitat du Val (fictif)", "tous ses QPV", "", "27 400"],
        [2025, "Lorne Habitat (fictif)", "Saint-Exupéry", "QN09905N", "12 800"],
        [2025, "Lorne Habitat (fictif)", "Vieux Moulin - Paradis - Les Hauts de Lorne", "QN09901M", "61 000"]]


def test_tfpb_table_names_quartiers_with_their_code() -> None:
    tfpb = pd.DataFrame({"year": [2024, 2024, 2025], "landlord": ["Lorne Habitat", "Habitat du Val", "X"],
                         "action": ["Gardiennage", "Sur-entretien", "Animation"],
                         "territory_code": ["QN09905N", None, "QN00000Z"],
                         "territory_name": ["Saint-Exupéry", None, None],
                         "amount_eur": [31_500.0, None, 12.0], "document_id": ["d", "d", "d"],
                         "source_ref": ["revue 2024", "revue 2024", None]})
    # As the page shows it (review.display_frame: figures as French text, « non renseigné »).
    shown = display_frame(views.tfpb_table(tfpb))
    assert shown.map(lambda v: plain_spaces(v) if isinstance(v, str) else v).to_dict("list") == {
        "Année": [2024, 2024, 2025], "Bailleur": ["Lorne Habitat", "Habitat du Val", "X"],
        "Action financée": ["Gardiennage", "Sur-entretien", "Animation"],
        "Quartier": ["Saint-Exupéry", "tous ses QPV", "QN00000Z"], "Code": ["QN09905N", "", "QN00000Z"],
        "Montant (€)": ["31 500", "non renseigné", "12"],
        "Source": ["revue 2024", "revue 2024", "non renseigné"]}
