"""Text from data is text on every page: a database built by the real ETL from programme template
files whose every free-text field (contract, territory and document names, sources, review and
qualitative texts, KPI labels and definitions, action titles, operators, themes, funders,
landlords, housing parties…) holds Markdown links and images, HTML tags, emphasis, headings,
Streamlit directives, bare URLs and LaTeX. Every page runs for every contract; every Markdown
body, label and help text Streamlit would render is rendered with markdown-it-py and must hold
no link, image, emphasis or heading taken from the data, and no pattern the frontend rewrites
(bare URLs, :icons:, :colour[…]). The same database feeds the PDF and SVG export tests.
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

import config
from etl.template import TABLES
from tests.app.browser_support import chromium, streamlit_server
from ui import components

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
CONTRACTS = ("demo", "grand-chalon", "chambery", "chartres-metropole")

# Every hostile form, appended to each free-text cell (after a heading mark at its start).
PAYLOADS = (
    "[lien](https://evil.example)", "![i](http://evil.example/x.png)",
    '<a href="https://evil.example/a">a</a>', '<img src="http://evil.example/y.png">',
    "**gras**", ":red[rouge]", "https://evil.example/b", "www.evil.example", "$x^2$",
    ":material/warning:", '<img src="/etc/hostname">',
)
# Template columns that are codes, keys or units (parsed, matched, validated), not free text.
NOT_FREE_TEXT = {"contract", "territory_code", "document_id", "action_id", "kpi_id", "epci_code",
                 "qpv_code", "url", "published_on", "indicator_id", "unit", "signatory_id", "scheme_id"}
FREE_TEXT = {c.name for t in TABLES for c in t.columns
             if c.type == "text" and not c.values} - NOT_FREE_TEXT


def hostile(value: str) -> str:
    return "# " + value + " " + " ".join(PAYLOADS)


def write_hostile_territories(out: Path) -> Path:
    """data/territories (the three real contracts, all template tables) with every non-empty
    free-text cell made hostile."""
    for folder in sorted(p for p in config.TERRITORIES_DIR.iterdir() if p.is_dir()):
        (out / folder.name).mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh, delimiter=";"))
            columns = [i for i, name in enumerate(rows[0]) if name in FREE_TEXT]
            for row in rows[1:]:
                for i in columns:
                    if i < len(row) and row[i].strip():
                        row[i] = hostile(row[i])
            with (out / folder.name / path.name).open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, delimiter=";").writerows(rows)
    return out


# Official files of the demo whose names are made hostile: QPV contours (2024 and 2015), commune
# contours and the COG's communes.
DEMO_NAME_FIELDS = {"contours/QP2024_Val_de_Lorne_Lambert93.geojson": "lib_qp",
                    "contours/QP2015_Val_de_Lorne_WGS84.geojson": "NOM_QP",
                    "contours/communes_val_de_lorne_wgs84.geojson": "nom",
                    "cog/communes.json": "nom"}


def write_hostile_demo(out: Path) -> Path:
    """The generated demo territory with hostile QPV and commune names (so the map, its tooltip
    and legend, the scatter plot and the comparison get them)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(out)], cwd=ROOT, check=True,
                   capture_output=True, timeout=600, env=env)
    for name, field in DEMO_NAME_FIELDS.items():
        path = out / name
        doc = json.loads(path.read_text(encoding="utf-8"))
        for item in doc["features"] if isinstance(doc, dict) else doc:
            props = item["properties"] if "properties" in item else item
            props[field] = hostile(props[field])
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def hostile_db_path(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    demo = write_hostile_demo(tmp / "raw_demo")
    raw = write_hostile_territories(tmp / "raw")
    db = tmp / "hostile.duckdb"
    done = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(demo), "--raw", str(raw),
                           "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return db


@pytest.fixture
def hostile_db(hostile_db_path, monkeypatch) -> Path:
    monkeypatch.setattr(config, "DB_PATH", hostile_db_path)
    monkeypatch.setenv("QPV_DB_PATH", str(hostile_db_path))
    return hostile_db_path


def test_every_free_text_column_of_the_template_is_made_hostile(hostile_db_path) -> None:
    import duckdb
    con = duckdb.connect(str(hostile_db_path), read_only=True)
    checks = {
        "contracts": "contract_name", "territories": "territory_name", "documents": "title",
        "territory_geometries g join territories t using (territory_code)": "t.territory_name",
        "programme_actions": "operator", "kpi_definitions": "label",
        "qualitative_items": "text", "housing_objectives": "party_name",
        "review_schemes": "scheme", "review_signatories": "name", "review_committee": "member",
    }
    for table, column in checks.items():
        values = [r[0] for r in con.execute(f"select {column} from {table} "
                                            f"where {column} like '%evil.example%' limit 1").fetchall()]
        assert values and values[0].startswith("# "), (table, column)
    con.close()


# ── What a rendered element may not contain ──────────────────────────────────────────────────
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TAG = re.compile(r"<[^>]*>")
FORBIDDEN_HTML = [re.compile(p, re.IGNORECASE) for p in (
    r"<a\s[^>]*href=[^>]*evil", r"<img", r"<strong>gras", r"<h[1-6]>", r"<script")]
# Rewritten by Streamlit's frontend in rendered text (autolinks, icons, colour directives).
FORBIDDEN_TEXT = [re.compile(p, re.IGNORECASE) for p in (
    r"https?://evil", r"www\.evil", r":red\[", r":material/warning:")]
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$x")
MARKDOWN_FIELDS = ("body", "label", "help", "placeholder")


def _strings(message, out: list[str]) -> None:
    """Every Markdown string of a Streamlit proto (bodies, labels, help), nested ones included."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in ([value] if hasattr(value, "ListFields") else value):
                _strings(item, out)
        elif field.name in MARKDOWN_FIELDS and isinstance(value, str):
            out.append(value)


def rendered_strings(at: AppTest) -> list[str]:
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and type(node).__name__ not in ("Dataframe", "Json", "Code", "Text",
                                                              "UnknownElement"):
            _strings(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def deck_html_parts(deck_json: str) -> str:
    """The pydeck spec without its TextLayer data (deck.gl draws those names as glyphs, never as
    HTML); what remains (tooltip template, GeoJSON properties shown in it) must be escaped."""
    deck = json.loads(deck_json)
    deck["layers"] = [layer for layer in deck.get("layers", []) if layer.get("@@type") != "TextLayer"]
    return json.dumps(deck, ensure_ascii=False)


def problems(body: str) -> list[str]:
    rendered = MD.render(body)
    text = html.unescape(TAG.sub("", rendered))
    found = [p.pattern for p in FORBIDDEN_HTML if p.search(rendered)]
    found += [p.pattern for p in FORBIDDEN_TEXT if p.search(text)]
    if UNESCAPED_DOLLAR.search(body):
        found.append("$…$")
    return found


def test_the_checks_catch_unescaped_data() -> None:
    """The checks themselves: each payload, unescaped, is caught."""
    assert all(problems(f"x {p}") for p in PAYLOADS)
    assert problems("# titre") == [r"<h[1-6]>"]


@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("page", [*PAGES, "app"])
def test_no_page_renders_markup_from_data(hostile_db, page, contract) -> None:
    path = ROOT / ("app.py" if page == "app" else f"pages/{page}.py")
    at = AppTest.from_file(str(path), default_timeout=120)
    at.session_state["territoire"] = contract
    at.run()
    assert not at.exception, at.exception
    # Our own static script declaring the page French (ui/components.FRENCH_DOCUMENT) is not data.
    bodies = [b for b in rendered_strings(at) if b != components.FRENCH_DOCUMENT]
    bad = {body[:160]: problems(body) for body in bodies if problems(body)}
    assert bad == {}
    # Plotly figures and the pydeck map (tooltip HTML, feature properties) hold no tag from data.
    specs = [c.proto.spec for c in at.get("plotly_chart")] + [
        deck_html_parts(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert [s for s in specs if re.search(r"<(a|img)[\s>]", s)] == []
    # The data is on the page (escaped), not left out: the real contracts' programme texts are
    # hostile, and the demo's QPV and commune names.
    shows_data = (page in ("carte", "portrait", "comparer", "rapports") if contract == "demo"
                  else page not in ("importer", "methode", "rapports", "comparer", "carte", "adresse"))
    if shows_data:
        assert any("evil" in text for text in [*bodies, *specs]), page


# ── Exports: PDF, SVG and the plotly figures of the app ─────────────────────────────────────
HOSTILE_NAME = '<a href="https://evil.example/n">Les <b>Tilleuls</b></a> <img src="/etc/hostname"> & co'


def test_pdf_has_no_link_or_image_from_data(hostile_db_path) -> None:
    """The mandate report (cover, contents, every section) and a portrait of the hostile database:
    names with <a href> or <img src> are printed as text; no URI link, no image read from disk;
    the contents entries and the bookmarks hold the text too."""
    import duckdb
    from pypdf import PdfReader

    from reports.pdf import mandate_pdf, portrait_pdf

    con = duckdb.connect(str(hostile_db_path), read_only=True)
    documents = {"mandat": mandate_pdf(con, "grand-chalon", charts=False),
                 "portrait": portrait_pdf(con, "QN07101I", charts=False)}
    con.close()
    for name, data in documents.items():
        # A link action as reportlab writes it (« /S /URI »): the bare bytes « /URI » also occur by
        # chance inside a page's ASCII85-encoded content stream (they did in a report of 2 December).
        assert b"/S /URI" not in data, name
        reader = PdfReader(io.BytesIO(data))
        images = [img for page in reader.pages for img in page.images]
        assert images == [], name
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A") or {}
                assert action.get("/S") != "/URI", name
        text = "".join(page.extract_text() for page in reader.pages)
        assert '<img src="/etc/hostname">' in text and '<a href="https:' in text, name
    def titles(items) -> list[str]:
        return [t for item in items
                for t in (titles(item) if isinstance(item, list) else [item.title])]

    mandate = PdfReader(io.BytesIO(documents["mandat"]))
    # Bookmarks of the QPV portraits and reviews (H2 headings) keep the hostile names as text.
    hostile_titles = [t for t in titles(mandate.outline) if "evil.example" in t]
    assert hostile_titles and all('<img src="/etc/hostname">' in t for t in hostile_titles)
    contents = mandate.pages[1].extract_text()
    assert contents.startswith("Sommaire") and '<img src="/etc/hostname">' in contents


def test_app_charts_escape_data_labels() -> None:
    """Plotly renders <a href>, <b>, <br> in text, hover, titles and legends: data is escaped."""
    import pandas as pd

    from ui import charts

    escaped = "&lt;a href=\"https://evil.example/n\"&gt;Les &lt;b&gt;Tilleuls&lt;/b&gt;&lt;/a&gt;"
    bar = charts.comparison_bar(HOSTILE_NAME, "%", [
        {"name": HOSTILE_NAME, "value": 41.5, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": 18.0, "status": "ok", "is_qpv": False, "level": "commune"}])
    assert "<a" not in bar.to_json() and "<img" not in bar.to_json()
    assert bar.data[0].y[0].startswith("&lt;a")
    scatter = charts.scatter(pd.DataFrame({"qpv_code": ["Q1", "Q2"], "qpv_name": [HOSTILE_NAME, "B"],
                                           "x": [1.0, 2.0], "y": [3.0, 4.0]}),
                             "<b>x</b>", "<i>y</i>", "%", "%", "Q1")
    assert "<a" not in scatter.to_json() and "<b>x" not in scatter.to_json()
    assert scatter.data[1].text == (escaped + " &lt;img src=\"/etc/hostname\"&gt; &amp; co",)
    stacked = charts.stacked_years(pd.DataFrame({"year": [2024], "funder": ["autre"],
                                                 "funder_label": [HOSTILE_NAME], "amount_eur": [10.0]}))
    assert stacked.data[0].name == escaped + " &lt;img src=\"/etc/hostname\"&gt; &amp; co"
    bars = charts.bars_by_category([HOSTILE_NAME], [12.0], HOSTILE_NAME, "%", target=25.0,
                                   target_label="<a href='https://evil.example'>objectif</a>")
    assert "<a" not in bars.to_json() and "<img" not in bars.to_json()


def test_svg_export_has_no_link_from_data() -> None:
    """The SVG of a chart and of a map (kaleido): names, title, source with <a href>/<img> stay
    text (no <a> or <image> element from data)."""
    from reports import images
    from ui import charts

    fig = charts.comparison_bar("Taux", "%", [
        {"name": HOSTILE_NAME, "value": 41.5, "status": "ok", "is_qpv": True, "level": "qpv"}])
    square = [[(2.0, 47.0), (2.01, 47.0), (2.01, 47.01), (2.0, 47.01), (2.0, 47.0)]]
    area = images.MapArea(code="QN09901N", name=HOSTILE_NAME, rings=square, centroid=(2.005, 47.005),
                          value=41.5, status="ok", class_index=0)
    commune = images.MapArea(code="99001", name=HOSTILE_NAME, rings=square, centroid=(2.005, 47.005))
    map_data = images.MapData(qpvs=[area], communes=[commune], indicator_label=HOSTILE_NAME, unit="%",
                              year=2021, source_line=HOSTILE_NAME, class_labels=[HOSTILE_NAME])
    svgs = [images.figure_svg(fig, title=HOSTILE_NAME, unit="%", source_line=HOSTILE_NAME),
            images.figure_svg(images.qpv_map_figure(map_data, highlight="QN09901N"),
                              title=HOSTILE_NAME, unit="%", source_line=HOSTILE_NAME)]
    for svg in svgs:
        text = svg.decode() if isinstance(svg, bytes) else svg
        assert not re.search(r"<(a|image|img)[\s>]", text), re.findall(r"<(?:a|image|img)[\s>][^>]*>", text)
        assert "evil.example" in text


# ── In a real browser ────────────────────────────────────────────────────────────────────────
@pytest.fixture(scope="module")
def hostile_server(hostile_db_path, tmp_path_factory):
    """`streamlit run app.py` on the hostile database."""
    with streamlit_server(hostile_db_path, tmp_path_factory.mktemp("streamlit_hostile")) as url:
        yield url


@pytest.mark.browser
@pytest.mark.parametrize("path, expect", [
    ("/bilan?territoire=chambery&qpv=QN07302M", "Ce que cela a changé"),
    ("/portrait?qpv=QN07101I", "Enjeux et parole des habitants"),
    ("/?territoire=chambery", "Financements et effet levier"),
])
def test_browser_shows_hostile_data_as_text(hostile_server, path, expect) -> None:
    """Chromium renders the page as Streamlit's frontend does (Markdown, directives, autolinks,
    emoji and icon shortcodes): no link or image from the data, no request to its host, and the
    hostile text is on the page, as text."""
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(hostile_server + path)
        main = page.locator("[data-testid='stMain']").first
        page.wait_for_function(
            "([a, b]) => { const m = document.querySelector(\"[data-testid='stMain']\");"
            " return m && m.innerText.includes(a) && m.innerText.includes(b); }",
            arg=[expect, "evil.example"], timeout=90_000)
        page.wait_for_timeout(2500)             # let the run finish
        hostile = page.evaluate(
            "[...document.querySelectorAll('a[href*=\"evil\"], img[src*=\"evil\"], "
            "img[src*=\"/etc/\"], a[href^=\"http\"]:not([href*=\"127.0.0.1\"])')]"
            ".map(e => e.outerHTML.slice(0, 200))")
        text = main.inner_text().replace("\u2060", "")
        shown = page.evaluate("document.querySelectorAll('[data-testid=\"stMain\"] h1, "
                              "[data-testid=\"stMain\"] h2, [data-testid=\"stMain\"] h3')"
                              ".length")
    assert hostile == []
    assert [u for u in requests if "evil" in u or "/etc/" in u] == []
    for literal in ("[lien](https://evil.example)", "![i](http://evil.example/x.png)",
                    '<img src="/etc/hostname">', "**gras**", ":red[rouge]", "$x^2$"):
        assert literal in text, literal
    assert shown > 0
