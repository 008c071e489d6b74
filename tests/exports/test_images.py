"""Chart and map images: size at print resolution, non-blank content, texts inside the image,
one shared export server; map data (classes, withheld values) checked without rendering."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import plotly.graph_objects as go
import pandas as pd
import pytest
from PIL import Image, ImageStat

from config import DEMO_MARK
from reports import images


def _bar() -> go.Figure:
    return go.Figure(go.Bar(y=["Aubépins", "Chalon-sur-Saône", "CA Le Grand Chalon"], x=[742, 1480, 1770],
                            orientation="h"), layout=dict(title_text="ignored title"))


def _band_variance(img: Image.Image, top: int, bottom: int) -> float:
    band = img.crop((0, top, img.width, bottom)).convert("L")
    return ImageStat.Stat(band).var[0]


def test_png_at_print_resolution_with_texts_and_one_server(image_server, artifacts) -> None:
    from kaleido import _global_server
    thread = _global_server._thread
    data = images.figure_png(_bar(), title="Revenu médian par mois", unit="€/mois",
                             source_line="Insee 2019 ; Compas – ABS 2022", date="2026-03-05")
    again = images.figure_png(_bar(), title="Revenu médian par mois", unit="€/mois",
                              source_line="Insee 2019", date="2026-03-05", mark=DEMO_MARK)
    assert _global_server._thread is thread and thread.is_alive()  # the same Chromium served both
    (artifacts / "chart.png").write_bytes(data)
    img = Image.open(io.BytesIO(data))
    assert img.format == "PNG" and img.width == 2250  # 900 px × 2,5 ≈ 330 dpi over 17 cm
    assert round(img.info["dpi"][0]) == 300
    bands = images._bands(900, title="Revenu médian par mois", unit="€/mois",
                          source_line="Insee 2019 ; Compas – ABS 2022", date="2026-03-05", mark=None)
    head = round(bands.header_height() * 2.5)
    foot = round(bands.footer_height() * 2.5)
    assert img.height == head + 520 * 2.5 + foot
    assert _band_variance(img, 0, head) > 100          # title and unit are drawn
    assert _band_variance(img, head, img.height - foot) > 500   # the chart is not blank
    assert _band_variance(img, img.height - foot, img.height) > 50  # source line and date
    assert Image.open(io.BytesIO(again)).height > img.height - 5  # demo mark adds a line


def test_svg_holds_title_unit_source_and_date(image_server) -> None:
    data = images.figure_svg(_bar(), title="Revenu médian « par mois »", unit="€/mois",
                             source_line="Insee 2019", date="2026-03-05", mark=DEMO_MARK)
    root = ET.fromstring(data)
    ns = "{http://www.w3.org/2000/svg}"
    texts = [t.text for t in root.iter(f"{ns}text") if t.text]
    # French spacing kept non-breaking in the bands (images._wrap): « par mois » wraps as one.
    assert texts[:3] == ["Revenu médian «\u00a0par mois\u00a0»", "Unité\u00a0: €/mois", DEMO_MARK]
    assert texts[-2:] == ["Source\u00a0: Insee 2019", "Export du 5\u00a0mars\u00a02026"]
    assert "ignored title" not in data.decode()
    assert len(root.findall(f"{ns}svg")) == 1       # the plotly chart nested inside


def test_map_png_demo(image_server, report_con, artifacts) -> None:
    data = images.map_png(report_con, contract_slug="demo", indicator_id="poverty_rate_pct",
                          highlight="QN09902N", date="2026-03-05")
    (artifacts / "map_demo.png").write_bytes(data)
    img = Image.open(io.BytesIO(data))
    assert img.width == 2250 and img.height > 1600
    assert ImageStat.Stat(img.convert("L")).var[0] > 300


def test_map_data_classes_withheld_and_communes(report_con) -> None:
    data = images.load_map_data(report_con, contract_slug="demo", indicator_id="poverty_rate_pct")
    assert [(q.code, q.name, q.value, q.status, q.class_index) for q in data.qpvs] == [
        ("QN09901N", "Les Tilleuls", 41.2, "ok", 1),
        ("QN09902N", "Vieux Puits - Paradis - Maunoury", None, "secret", None),
        ("QN09903N", "Bruxelles - Arcades - Béguines", 33.0, "ok", 0),
    ]
    # Each value is its own class: the labels never share a bound.
    assert data.class_labels == ["33,0\u00a0%", "41,2\u00a0%"]
    assert (data.indicator_label, data.unit, data.year, data.is_fictional) == (
        "Taux de pauvreté (seuil à 60 %)", "%", 2021, True)
    assert [(c.code, c.name, bool(c.rings)) for c in data.communes] == [
        ("99001", "Démoville", True), ("99002", "Fictive-sur-Loire", False)]


def test_exported_map_credits_the_sources_the_map_page_credits(report_con) -> None:
    """The exported map's source line is indicators.sources' credits, as on screen: fictional
    values are never credited to the file's producer name (« Fictif : … » or INSEE)."""
    from indicators.sources import value_credits
    demo = images.load_map_data(report_con, contract_slug="demo", indicator_id="poverty_rate_pct")
    assert demo.source_line == "Données fictives de démonstration (Territoire fictif, 2024)"
    real = images.load_map_data(report_con, contract_slug="gc-test", indicator_id="poverty_rate_pct")
    assert real.source_line == " ; ".join(value_credits(
        report_con, [(q.code, "poverty_rate_pct", 2019) for q in real.qpvs])) == (
        "INSEE, Revenus et pauvreté des QPV (Filosofi), 2019")
    assert images._map_texts(demo, None, None)[2] == (
        "Données fictives de démonstration (Territoire fictif, 2024) ; contours fictifs")


def test_exported_map_says_its_unit_once(report_con) -> None:
    """Issue 11: the map image said « €/mois » under a title ending « par mois »: the unit band
    says what the title does not (indicators.fmt.unit_phrase, as the map page's title)."""
    monthly = images.load_map_data(report_con, contract_slug="demo", indicator_id="median_income_eur_month")
    title = f"{monthly.indicator_label} — quartiers prioritaires"
    assert "par mois" in monthly.indicator_label
    assert images._map_texts(monthly, None, None)[:2] == (title, f"€, {monthly.year}")
    assert images._map_texts(monthly, "Revenu médian", "x")[:2] == ("Revenu médian", f"€ par mois, {monthly.year}")
    rate = images.load_map_data(report_con, contract_slug="demo", indicator_id="poverty_rate_pct")
    assert images._map_texts(rate, None, None)[1] == f"%, {rate.year}"
    # The portrait's income chart has the same band (« Revenu disponible médian par UC, par mois »).
    assert [images.band_unit(t, u) for t, u in (("Revenu disponible médian par UC, par mois", "EUR/mois"),
                                                 ("Revenu médian", "EUR/mois"), ("Rapport interdécile", "ratio"),
                                                 ("Niveau de vie", "EUR/an"))] == ["€", "€ par mois", None, "€ par an"]


def _area(code: str, name: str, lon: float, lat: float, d: float) -> images.MapArea:
    ring = [(lon, lat), (lon + d, lat), (lon + d, lat + d), (lon, lat + d), (lon, lat)]
    return images.MapArea(code, name, [ring], (lon + d / 2, lat + d / 2))


def test_map_names_never_overlap_the_biggest_kept() -> None:
    qpvs = [_area("A", "Les Tilleuls", 2.000, 47.000, 0.004),
            _area("B", "Vieux Puits - Paradis - Maunoury", 2.001, 47.001, 0.008),   # on A
            _area("C", "La Chênaie", 2.100, 47.080, 0.003)]
    fig = images.qpv_map_figure(images.MapData(qpvs, []))
    placed = [(t, (x, y)) for tr in fig.data if tr.mode == "text" for t, x, y in zip(tr.text, tr.x, tr.y)]
    # The biggest QPV's name keeps its anchor; the smaller one on top of it is moved or left out.
    assert placed[0] == ("Vieux Puits -<br>Paradis - Maunoury", qpvs[1].centroid)
    assert ("La Chênaie", qpvs[2].centroid) in placed
    assert len({xy for _, xy in placed}) == len(placed)


def test_map_without_contours_says_so(report_con) -> None:
    data = images.load_map_data(report_con, qpv_codes=["QN99999Z"])
    assert data.qpvs == [] and not data.has_contours
    fig = images.qpv_map_figure(data)
    assert fig.layout.annotations[0].text == "Contours non disponibles pour ce territoire"


@pytest.mark.parametrize("method", ["quantile", "jenks"])
def test_exported_map_classes_are_the_map_page_classes(report_con, method) -> None:
    """The exported legend and classes are the on-screen ones (indicators.compare.map_values)."""
    from indicators.compare import map_values
    page = map_values(report_con, "demo", "poverty_rate_pct", method=method)
    data = images.load_map_data(report_con, contract_slug="demo", indicator_id="poverty_rate_pct",
                                year=page.year, method=method)
    assert data.class_labels == [label for _, label in page.legend()[:page.classification.k]]
    by_code = {q.code: q.class_index for q in data.qpvs}
    assert by_code == {r.qpv_code: (None if pd.isna(r.class_index) else int(r.class_index))
                       for r in page.frame.itertuples() if r.qpv_code in by_code}


def test_export_dates_say_1er() -> None:
    import datetime as dt
    assert images._fr_date(dt.date(2026, 12, 1)) == "1er\u00a0décembre\u00a02026"
    assert images._fr_date("2026-03-05") == "5\u00a0mars\u00a02026"


def test_map_labels_never_overlap() -> None:
    """Four names on almost the same spot in a 200×100 px plot (1 data unit = 2 px): the first
    stays on its anchor, the second goes above it, the third below, the fourth two heights
    above; a fifth, wider than the plot, finds no place and is left out."""
    L = images.Label
    labels = [L(50, 25, ("Les Tilleuls",), 10), L(50, 25, ("LORNEVILLE",), 10),
              L(51, 25, ("Gare",), 10), L(50, 25, ("SAINT-AUBIN-SUR-LORNE",), 12),
              L(50, 25, ("X" * 30,), 12)]
    spots = images.place_labels(labels, x_range=(0, 100), y_range=(0, 50), width_px=200, height_px=100)
    assert spots == [(50, 25), (50, 25 + 14.5 / 2), (51, 25 - 14.5 / 2), (50, 25 + 2 * 17 / 2), None]


def test_map_figure_places_names_apart(report_con) -> None:
    data = images.load_map_data(report_con, contract_slug="demo")
    fig = images.qpv_map_figure(data, highlight=data.qpvs[-1].code, size_px=(420, 260))
    texts = [t for t in fig.data if t.mode == "text"]
    names = [n for t in texts for n in t.text]
    # The highlighted QPV's name is placed first, so it is always shown.
    assert names[0] == images.wrap_words(data.qpvs[-1].name)
    pts = [(x, y) for t in texts for x, y in zip(t.x, t.y)]
    assert len(set(pts)) == len(pts)


def test_map_labels_measured_in_the_maps_font() -> None:
    """Bold capitals are wider than 0.62 em a character: two commune names side by side on a
    400 px plot are measured with DejaVu Sans Bold, so the second moves above the first instead
    of printing over it (the old estimate, 156 and 164 px, put them side by side)."""
    L = images.Label
    a = L(50, 25, ("SAINT-AUBIN-SUR-LORNE",), 12, True)
    b = L(135, 25, ("BEAUREPAIRE-LA-RIVIÈRE",), 12, True)
    wa, wb = images.label_width_px(a), images.label_width_px(b)
    assert 165 < wa < 172 and 168 < wb < 176          # 21 and 22 capitals at 12 px, bold
    spots = images.place_labels([a, b], x_range=(0, 200), y_range=(0, 50), width_px=400, height_px=100)
    h = (1.25 * 12 + 2) / 2                                # label height in data units (2 px a unit)
    assert spots == [(50, 25), (135, 25 + h)]


def test_map_labels_keep_off_the_highlighted_outline() -> None:
    """An obstacle (the highlighted QPV's outline) sends its own name above it and a commune
    name below; the first name keeps its anchor when nothing around it is free."""
    L = images.Label
    outline = (45, 22, 55, 28)
    labels = [L(50, 25, ("Gare",), 11), L(50, 25, ("LORNEVILLE",), 12, True)]
    spots = images.place_labels(labels, x_range=(0, 100), y_range=(0, 50), width_px=200, height_px=100,
                                obstacles=[outline])
    h1, h2 = (1.25 * 11 + 2) / 2, (1.25 * 12 + 2) / 2
    assert spots == [(50, 25 + h1), (50, 25 - h2)]
    assert all(not (y - h / 2 < outline[3] and outline[1] < y + h / 2)
               for (_, y), h in zip(spots, (h1, h2)))
    boxed_in = images.place_labels([L(50, 25, ("Gare",), 11)], x_range=(0, 100), y_range=(0, 50),
                                   width_px=200, height_px=100, obstacles=[(0, 0, 100, 50)])
    assert boxed_in == [(50, 25)]


def test_map_figure_names_overlap_neither_each_other_nor_the_highlight(report_con) -> None:
    """The portrait's situation map (420×260 px): every name shown, measured in the maps' font,
    overlaps no other name and not the highlighted QPV's outline."""
    data = images.load_map_data(report_con, contract_slug="demo")
    target = data.qpvs[0]
    fig = images.qpv_map_figure(data, highlight=target.code, legend=False, label_codes=[target.code],
                                size_px=(420, 260))
    xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
    ratio = fig.layout.yaxis.scaleratio
    px = min(400 / (xr[1] - xr[0]), 240 / ((yr[1] - yr[0]) * ratio))
    boxes = []
    for t in (t for t in fig.data if t.mode == "text"):
        for x, y, text in zip(t.x, t.y, t.text):
            bold = text.startswith("<b>")
            lines = tuple(text.removeprefix("<b>").removesuffix("</b>").split("<br>"))
            lab = images.Label(x, y, lines, t.textfont.size, bold)
            w = images.label_width_px(lab) / px
            h = len(lines) * 1.25 * lab.size / (px * ratio)
            boxes.append((x - w / 2, y - h / 2, x + w / 2, y + h / 2))
    assert len(boxes) == 1 + len(data.communes)           # the QPV's name and every commune's
    pts = [p for r in target.rings for p in r]
    outline = (min(p[0] for p in pts), min(p[1] for p in pts), max(p[0] for p in pts), max(p[1] for p in pts))

    def hit(a, b):
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    assert not any(hit(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert not any(hit(a, outline) for a in boxes)


def test_maps_draw_one_geography(tmp_path) -> None:
    """A contract with a 2015 QPV and the 2024 QPV that continues it (overlapping contours): the
    portrait's map keeps the geography of its QPV, the pocket map the latest; the pocket map's
    margin holds its legend (« poche de pauvreté hors QPV » was cut at the right edge)."""
    import duckdb

    from etl.db import create_empty
    from tests.exports.conftest import Factory
    con = create_empty(tmp_path / "geo.duckdb")
    f = Factory(con)
    f.insert("contracts", contract_slug="c", contract_name="Contrat test", period_label="2024–2030",
             start_year=2024, end_year=2030, is_fictional=False)
    f.territory("99001", "commune", "Ville A")
    f.geometry("99001", "commune", 2.0, 48.0, size=0.05)
    f.territory("QP099001", "qpv", "Les Tilleuls (2015)", 2015, [("99001", "commune")], "c")
    f.geometry("QP099001", "qpv", 2.01, 48.01)
    f.territory("QN09901N", "qpv", "Les Tilleuls", 2024, [("99001", "commune")], "c")
    f.geometry("QN09901N", "qpv", 2.012, 48.012)
    con.close()
    con = duckdb.connect(str(tmp_path / "geo.duckdb"), read_only=True)

    def codes(data):
        return [q.code for q in data.qpvs]

    assert codes(images.load_map_data(con, contract_slug="c")) == ["QN09901N", "QP099001"]
    assert codes(images.keep_geography(con, images.load_map_data(con, contract_slug="c"))) == ["QN09901N"]
    assert codes(images.keep_geography(con, images.load_map_data(con, contract_slug="c"),
                                       like="QP099001")) == ["QP099001"]
    fig = images.pocket_map_figure(images.keep_geography(con, images.load_map_data(con, contract_slug="c")),
                                   [("c-P01", "POLYGON((2.03 48.03, 2.034 48.03, 2.034 48.034, 2.03 48.03))")],
                                   highlight="c-P01")
    names = [t.text[0] for t in fig.data if t.mode == "text" and not t.text[0].startswith("<b>")]
    assert names == ["Les Tilleuls"]
    assert fig.layout.margin.r == 200
    assert "poche de pauvreté<br>hors QPV" in [t.name for t in fig.data]


def test_map_legend_room_is_measured(report_con) -> None:
    """The legend's room is its widest line measured in DejaVu Sans (at least 190 px): names are
    placed left of it and the margin holds it (« SAINT-AUBIN-SUR-LORNE » ran under a legend wider
    than the 190 px assumed)."""
    fig = go.Figure([go.Scatter(x=[None], y=[None], name="non disponible / secret statistique"),
                     go.Scatter(x=[1], y=[1], showlegend=False, name="X" * 80)])
    entry = images._font(11).getlength("non disponible / secret statistique")
    assert images._legend_px(fig, None) == entry + 45 + 25 > 190
    assert images._legend_px(go.Figure(), None) == 190
    data = images.load_map_data(report_con, contract_slug="demo")
    data.indicator_label, data.year = "Taux de pauvreté (seuil à 60 %)", 2021
    data.class_labels = ["de 38,7 % à 41,82 %", "plus de 41,82 % à 52,4 %"]
    fig = images.qpv_map_figure(data, legend=True)
    title = images._font(11).getlength("Taux de pauvreté (seuil à 60 %)") + 15 + 25
    assert fig.layout.margin.r == 10 + title > 200          # the title is the widest line here
