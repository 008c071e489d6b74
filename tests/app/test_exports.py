"""Downloads of the app (issue 6): every page offers its buttons, the files are built only at the
click (deferred download buttons), and what they hold is right — CSV read back with its
header and « secret statistique » marks, XLSX typed, a chart PNG with content, the short
labels and source lines of the screen.

The bytes are obtained as Streamlit would at the click: the callables the pages hand to
`st.download_button` are captured (MediaFileManager.add_deferred) and called.
"""
from __future__ import annotations

import io
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from indicators.portrait import build_portrait
from reports.tables import csv_preamble_length
from ui import exports, maps, views

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def deferred(monkeypatch) -> dict:
    """{file name: callable} of every deferred download registered during the test."""
    captured: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        captured[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name,
                        element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    return captured


def _run(page: str, *, territoire: str | None = None, qpv: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    if territoire:
        at.session_state["territoire"] = territoire
    if qpv:
        at.query_params["qpv"] = qpv
    return at.run()


# ── Every page offers its downloads, none built when the page opens ─────────────────────────
EXPECTED_BUTTONS = {
    ("mandat", "demo"): ["dl_kpi_table_csv", "dl_kpi_table_xlsx", "dl_funder_chart_png",
                         "dl_funder_chart_svg", "dl_funder_table_csv", "dl_funder_table_xlsx",
                         "dl_leverage_table_csv", "dl_leverage_table_xlsx",
                         "dl_projects_table_csv", "dl_projects_table_xlsx"],
    ("mandat", "chambery"): ["dl_kpi_table_csv", "dl_kpi_table_xlsx", "dl_leverage_table_csv",
                             "dl_leverage_table_xlsx"],
    ("carte", "demo"): ["dl_map_png", "dl_map_svg", "dl_map_table_csv", "dl_map_table_xlsx"],
    ("carte", "chartres-metropole"): ["dl_map_table_csv", "dl_map_table_xlsx"],
    ("comparer", "demo"): ["dl_cmp_table_csv", "dl_cmp_table_xlsx", "dl_cmp_scatter_png",
                           "dl_cmp_scatter_svg", "dl_gap_scatter_png", "dl_gap_scatter_svg"],
    ("programmes", "demo"): [f"dl_{k}_{f}" for k in ("years_chart",) for f in ("png", "svg")]
    + [f"dl_{k}_{f}" for k in ("years_table", "cpo_table", "pockets_table", "theme_table",
                               "territory_table", "benef_table", "benef_qpv_share", "actions_table")
       for f in ("csv", "xlsx")],
    ("logement", "grand-chalon"): ["dl_cia_table_csv", "dl_cia_table_xlsx",
                                   # the convention's order of objectives (indicators.housing.OBJECTIVES)
                                   "dl_cia_chart_q1_hors_qpv_png", "dl_cia_chart_q1_hors_qpv_svg",
                                   "dl_cia_chart_hors_q1_en_qpv_png", "dl_cia_chart_hors_q1_en_qpv_svg",
                                   "dl_cia_objectives_csv", "dl_cia_objectives_xlsx"],
    ("methode", "demo"): ["dl_registry_table_csv", "dl_registry_table_xlsx", "dl_sources_table_csv",
                          "dl_sources_table_xlsx", "dl_build_files_table_csv",
                          "dl_build_files_table_xlsx", "dl_build_messages_table_csv",
                          "dl_build_messages_table_xlsx"],
    ("bilan", "chambery"): ["dl_review_pdf"],
    ("rapports", "demo"): ["dl_mandate_pdf", "dl_portrait_pdf", "dl_portraits_zip"],
}


@pytest.mark.parametrize("page, contract", sorted(EXPECTED_BUTTONS))
def test_every_page_offers_its_downloads_built_at_the_click(demo_db, deferred, page, contract) -> None:
    at = _run(page, territoire=contract)
    assert not at.exception, at.exception
    buttons = at.get("download_button")
    assert [b.key for b in buttons] == EXPECTED_BUTTONS[(page, contract)]
    # Deferred: a callable per button, nothing built while the page ran.
    assert all(b.proto.deferred_file_id for b in buttons)
    assert len(deferred) == len(buttons)


def test_portrait_page_buttons(demo_db, deferred) -> None:
    at = _run("portrait", qpv="QN09910N")
    keys = [b.key for b in at.get("download_button")]
    assert keys[:2] == ["dl_portrait_pdf", "dl_portraits_zip"]
    assert keys[-2:] == ["dl_portrait_table_csv", "dl_portrait_table_xlsx"]
    charts = [k for k in keys if k.startswith("dl_chart_")]
    assert len(charts) == 2 * len(at.get("plotly_chart")) > 0
    # The format holds to the word before it (ui.typography: no-break space).
    assert [b.label for b in at.get("download_button")][:2] == [
        "Télécharger le portrait\u00a0(PDF)", "Tous les portraits du territoire (ZIP, 12 PDF)"]


def test_presentation_mode_hides_the_buttons(demo_db) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "mandat.py"), default_timeout=90)
    at.session_state["presentation"] = True
    at.run()
    assert not at.exception
    assert not at.get("download_button")


# ── What the files hold ─────────────────────────────────────────────────────────────────────
def test_portrait_table_csv_and_xlsx_of_a_qpv_with_withheld_values(demo_db, deferred) -> None:
    at = _run("portrait", qpv="QN09910N")
    assert not at.exception
    data = deferred["portrait_QN09910N_le-clos-fleuri.csv"]()
    assert data.startswith(b"\xef\xbb\xbf")
    preamble = data.decode("utf-8-sig").split("\r\n")[:csv_preamble_length(data)]
    assert preamble[:3] == ["Titre;Portrait de quartier – Le Clos Fleuri (QN09910N)",
                            "Territoire;Contrat de ville de Val-de-Lorne (fictif)",
                            f"Date;{pd.Timestamp.today():%d/%m/%Y}"]
    assert preamble[-2:] == ["Mention;Données fictives de démonstration", ""]
    source_lines = [line for line in preamble if line.startswith("Source;")]
    # The file's title says what it is (issue 11: file names on the method page and in the file
    # column of a data export only).
    # A fictional file is never credited to INSEE nor under its licence (issue 11).
    assert "Source;Données fictives (démo), format INSEE;Filosofi, données par quartier;2021;;;" \
           "raw_demo/insee_qpv/QPV2024_FILOSOFI_2021.zip!data_QPV2024_FILOSOFI_2021.csv;" in \
           "\n".join(source_lines)
    df = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=csv_preamble_length(data),
                     dtype={"Code": str})
    first = df.iloc[0].to_dict()
    assert first == {
        "Thème": "revenus et pauvreté",
        "Indicateur": "Revenu disponible médian par unité de consommation", "Unité": "€ par an",
        "Territoire": "Le Clos Fleuri", "Niveau": "quartier", "Code": "QN09910N", "Année": 2021,
        "Valeur": "secret statistique", "Écart au quartier": first["Écart au quartier"],
        "Type d'écart": first["Type d'écart"], "Origine": "fichier officiel",
        "Source": "Données fictives de démonstration — Filosofi, données par quartier, 2021"}
    assert pd.isna(first["Écart au quartier"]) and pd.isna(first["Type d'écart"])
    assert df.iloc[1][["Territoire", "Niveau", "Valeur"]].tolist() == [
        "Beaurepaire-la-Rivière", "commune", "22930"]
    assert "0" not in df.loc[df["Code"] == "QN09910N", "Valeur"].tolist()

    from openpyxl import load_workbook
    wb = load_workbook(io.BytesIO(deferred["portrait_QN09910N_le-clos-fleuri.xlsx"]()))
    ws = wb["Données"]
    header = [c.value for c in ws[7]]
    assert header[:8] == ["Thème", "Indicateur", "Unité", "Territoire", "Niveau", "Code", "Année",
                          "Valeur"]
    assert [ws.cell(8, 8).value, ws.cell(9, 8).value] == ["secret statistique", 22930]
    assert ws["B5"].value == "Données fictives de démonstration"
    assert wb.sheetnames == ["Données", "Sources"]


def test_aubepins_portrait_table_keeps_the_published_figures(demo_db, deferred) -> None:
    _run("portrait", qpv="QN07101I")
    data = deferred["portrait_QN07101I_aubepins.csv"]()
    assert b"Mention" not in data
    df = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", skiprows=csv_preamble_length(data))
    month = df[df["Indicateur"] == "Revenu disponible médian par UC, par mois"]
    assert month[["Territoire", "Valeur", "Origine"]].values.tolist() == [
        ["Aubépins", 742.0, "chiffre publié"], ["Chalon-sur-Saône", 1480.0, "chiffre publié"],
        ["CA Le Grand Chalon", 1770.0, "chiffre publié"]]


def test_a_chart_png_from_the_portrait_page(demo_db, deferred) -> None:
    from PIL import Image, ImageStat

    _run("portrait", qpv="QN07101I")
    png = deferred["graphique_median_income_eur_month_QN07101I.png"]()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.width == 2250 and image.height > 600
    assert ImageStat.Stat(image).stddev[0] > 20, "the image is not blank"
    svg = deferred["graphique_median_income_eur_month_QN07101I.svg"]()
    # The image credits what the chart shows, as the caption does: the contract's annex, quoting
    # both producers of the bars (Insee 2019 for the QPV, Compas 2022 for its comparators).
    assert b"<svg" in svg[:300] and "d'après Insee".encode() in svg and b"Compas" in svg
    import datetime as dt
    assert "Export du 1er".encode() in svg or dt.date.today().day != 1


# ── Pure helpers ────────────────────────────────────────────────────────────────────────────
@pytest.mark.parametrize("parts, expected", [
    (("portrait", "QN07101I", "Aubépins"), "portrait_QN07101I_Aubepins.csv"),
    (("Les chiffres du mandat", ""), "Les-chiffres-du-mandat.csv"),
    (("«  »",), "export.csv"),
])
def test_file_name(parts, expected) -> None:
    assert exports.file_name(*parts, ext="csv") == expected


@pytest.mark.parametrize("text, expected", [
    ("Source : Politique de la ville – Les chiffres du mandat : « Redonner toute leur place aux "
     "quartiers populaires » (Bilan du mandat municipal de Chambéry 2020-2026 (auteur et date non "
     "indiqués dans le texte)) — Encadré « Les chiffres du mandat » ; § « Une ambition renforcée »",
     "Source : Politique de la ville – Les chiffres du mandat — Encadré « Les chiffres du mandat »"),
    ("Source : Hauts de Chambéry – « Ce qui a changé » : le besoin au départ (Bilan) — Hauts de "
     "Chambéry – encadré « La Cité éducative… » (rubrique « Investir dans l'éducation »)",
     "Source : Hauts de Chambéry – « Ce qui a changé » — Hauts de Chambéry – encadré « La Cité "
     "éducative… »"),
    ("Source : bilan", "Source : bilan"),
    ("Insee 2019 · données 2019", "Insee 2019 · données 2019"),
    ("Source : " + "mot " * 40, "Source : " + " ".join(["mot"] * 17) + "…"),
    (None, ""),
])
def test_short_source(text, expected) -> None:
    assert views.short_source(text) == expected


def test_sidebar_labels() -> None:
    qpvs = pd.DataFrame({"qpv_code": ["QN07101I", "QP071001", "QN02801M"],
                         "qpv_name": ["Aubépins", "Aubépins", "Vieux Puits - Paradis - Maunoury"]})
    assert views.qpv_short_labels(qpvs) == {
        "QN07101I": "Aubépins (QN07101I)", "QP071001": "Aubépins (QP071001)",
        "QN02801M": "Vieux Puits - Paradis - Maunoury"}
    assert [views.short_name(n) for n in (
        "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030",
        "Politique de la ville de Chambéry – Contrat de ville Engagements 2030",
        "Contrat de ville de l'agglomération de Chartres métropole et de ses communes associées",
        "Quartiers 2030")] == ["Grand Chalon 2024-2030", "Chambéry",
                               "Agglomération de Chartres…", "Quartiers 2030"]


def test_portrait_export_frame_keeps_withheld_values_null_with_their_status(small_db_path) -> None:
    con = duckdb.connect(str(small_db_path), read_only=True)
    table, statuses, units = views.portrait_export(build_portrait(con, "QN09902M"))
    con.close()
    assert statuses == {"Valeur": "Statut"} and units == {}
    assert table.to_dict("records") == [{
        "Thème": "revenus et pauvreté", "Indicateur": "Taux de pauvreté (seuil à 60 %)",
        "Unité": "%", "Territoire": "Vieux Puits - Paradis - Maunoury", "Niveau": "quartier",
        "Code": "QN09902M", "Année": 2021, "Valeur": None, "Statut": "secret",
        "Écart au quartier": None, "Type d'écart": "", "Origine": "fichier officiel",
        "Source": "Données fictives de démonstration — Démo, Statistiques QPV fictives, 2021"}]


def test_map_colours_come_from_the_shared_palette(small_db_path) -> None:
    from indicators.compare import map_values
    from reports import palette

    con = duckdb.connect(str(small_db_path), read_only=True)
    map_data = map_values(con, "demo", "poverty_rate_pct")
    con.close()
    frame, legend = maps.shared_colours(map_data)
    assert frame[["qpv_code", "status", "colour_rgb"]].values.tolist() == [
        ["QN09901N", "ok", list(palette.hex_to_rgb(palette.sequential(1)[0]))],
        ["QN09902M", "secret", list(palette.hex_to_rgb(palette.WITHHELD))]]
    assert [label for _, label in legend] == ["41,5\u00a0%", "secret statistique", "non disponible"]
    assert legend[0][0] == palette.sequential(1)[0] and legend[1][0] == palette.WITHHELD


def test_table_buttons_name_their_table(demo_db, deferred) -> None:
    # Four tables on the mandate page: each pair of buttons says which one it downloads (issue 11),
    # never four times « Télécharger le tableau ».
    from tests.app.test_pages import shown
    at = _run("mandat", territoire="demo")
    assert not at.exception
    labels = [shown(b.label) for b in at.get("download_button") if b.key.endswith(("_csv", "_xlsx"))]
    # French spacing (ui.typography): « », « : » and the format keep their words (issue #11).
    nb = "\u00a0"
    assert labels == [f"Télécharger «{nb}{name}{nb}»{nb}({fmt})"
                      for name in ("Les chiffres du mandat", "Financements par financeur",
                                   f"Effet levier{nb}: pour 1{nb}€ de la Ville", "Projets financés par année")
                      for fmt in ("CSV", "XLSX")]


def test_a_long_table_title_is_cut_at_a_word_for_a_phone() -> None:
    from tests.app.test_pages import shown
    from ui.exports import table_button_label
    # The title is data shown as text (indicators.text.md_text): compared as the reader sees it.
    # The format is joined to the word before it (U+00A0): a wrapped label never starts its
    # second line with « (CSV) » (issue #11).
    nb = "\u00a0"
    # Up to ui.exports.BUTTON_TITLE_MAX (72) characters the title is whole (cut at 40, « Dernière
    # construction : fichiers… » did not say which files); past it, cut at a word.
    assert shown(table_button_label("Dernière construction : avertissements et erreurs", "CSV")) == \
        f"Télécharger « Dernière construction : avertissements et erreurs »{nb}(CSV)"
    assert shown(table_button_label("Dernière construction : fichiers examinés", "XLSX")) == \
        f"Télécharger « Dernière construction : fichiers examinés »{nb}(XLSX)"
    assert shown(table_button_label(
        "Accessibilité aux médecins généralistes de moins de 65 ans (APL, consultations par an et "
        "par habitant), en consultations par an, 2023", "CSV")) == (
        f"Télécharger « Accessibilité aux médecins généralistes de moins de 65 ans… »{nb}(CSV)")
    assert shown(table_button_label("Effet levier : pour 1 € de la Ville", "CSV")) == \
        f"Télécharger « Effet levier : pour 1 € de la Ville »{nb}(CSV)"
    assert shown(table_button_label("Projets", "PDF")) == f"Télécharger « Projets »{nb}(PDF)"
