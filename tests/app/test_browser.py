"""The app in a real browser: `streamlit run app.py` on the demo build, driven by Playwright on
Debian's Chromium. Screenshots of every page go to tests/artifacts/screenshots/."""
from __future__ import annotations

import math
import re
import time
from pathlib import Path

import duckdb
import pytest

from bench.bench_browser import page_map_view
from tests.app.browser_support import chromium, streamlit_server

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "tests" / "artifacts" / "screenshots"
NBSP_RE = re.compile("[\u00a0\u202f]")


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    """A real `streamlit run app.py` on the demo database; stopped at the end of the module."""
    with streamlit_server(demo_db_path, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    # Playwright's 30 s default is too short for a screenshot or a WebGL canvas's box on a
    # shared 2-core machine under a load of 40 (the bench waits 180 s too).
    context.set_default_timeout(180_000)
    pg = context.new_page()
    yield pg
    context.close()


def _text(pg) -> str:
    return NBSP_RE.sub(" ", pg.locator("section.main, [data-testid='stMain']").first.inner_text())


def _open(pg, url: str, expect: str, timeout: float = 60_000) -> None:
    pg.goto(url)
    _wait_text(pg, expect, timeout)


def _wait_text(pg, expect: str, timeout: float = 60_000) -> None:
    deadline = time.time() + timeout / 1000
    while time.time() < deadline:
        try:
            if expect in _text(pg):
                # Let the run finish (charts, maps) before reading or shooting.
                pg.wait_for_timeout(800)
                return
        except Exception:  # the page is still loading
            pass
        pg.wait_for_timeout(300)
    raise AssertionError(f"{expect!r} not shown; page text: {_text(pg)[:1500]}")


def _shot(pg, name: str, height: int = 1000) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.set_viewport_size({"width": 1400, "height": height})
    pg.wait_for_timeout(1200)
    path = SHOTS / f"{name}.png"
    pg.screenshot(path=str(path))
    pg.set_viewport_size({"width": 1400, "height": 1000})
    assert path.stat().st_size > 20_000
    return path


def test_home_page_shows_the_mandate_figures(server, page) -> None:
    _open(page, f"{server}/?territoire=chambery", "1 650 personnes")
    text = _text(page)
    for figure in ("1,5 M€/an", "120 projets", "610 droits", "4 783 interventions",
                   "8,3 € pour 1 € de la Ville"):
        assert figure in text, figure
    # The tables come once the figures are painted (components.after_paint): shot after them.
    _wait_text(page, "Effet levier : pour 1 € de la Ville")
    _shot(page, "mandat_chambery", 2400)
    _open(page, f"{server}/?territoire=demo", "Projets financés par année")
    _shot(page, "mandat_demo", 2400)


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    """Web-Mercator pixel coordinates at deck.gl's zoom (512 px world at zoom 0)."""
    size = 512 * 2 ** zoom
    x = (lon + 180) / 360 * size
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * size
    return x, y


def test_map_click_on_a_qpv_opens_its_portrait(server, page, demo_db_path) -> None:
    _open(page, f"{server}/carte?territoire=demo&indicateur=poverty_rate_pct",
          "Cliquez sur un quartier")
    page.wait_for_timeout(2500)   # WebGL draw
    _shot(page, "carte_demo", 1300)
    con = duckdb.connect(str(demo_db_path), read_only=True)
    code, name, lon, lat = con.execute("""
        select g.territory_code, t.territory_name, g.centroid_lon, g.centroid_lat
        from territory_geometries g join territories t on t.territory_code = g.territory_code
        join contract_territories c on c.territory_code = g.territory_code and c.contract_slug = 'demo'
        where g.territory_level = 'qpv' and g.territory_code like 'QN%'
        order by g.area_m2 desc limit 1""").fetchall()[0]
    con.close()
    canvas = page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    box = canvas.bounding_box()
    view = page_map_view(demo_db_path, "demo")
    cx, cy = _pixel(view["longitude"], view["latitude"], view["zoom"])
    px, py = _pixel(lon, lat, view["zoom"])
    x, y = box["x"] + box["width"] / 2 + (px - cx), box["y"] + box["height"] / 2 + (py - cy)
    target = re.compile(rf"/portrait\?.*qpv={code}")
    # deck.gl picks what is under the pointer once the layers are drawn: hover, then click (again
    # if a loaded machine had not drawn the map yet).
    for _ in range(3):
        page.mouse.move(x, y)
        page.wait_for_timeout(1500)
        page.mouse.click(x, y)
        try:
            page.wait_for_url(target, timeout=15_000)
            break
        except Exception:            # noqa: BLE001 - playwright's TimeoutError: try once more
            continue
    page.wait_for_url(target, timeout=15_000)
    _wait_text(page, f"Portrait de quartier : {name}")


def test_a_portrait_link_opens_aubepins_with_its_figures(server, page) -> None:
    _open(page, f"{server}/portrait?qpv=QN07101I", "742 €/mois")
    text = _text(page)
    assert "Portrait de quartier : Aubépins" in text
    assert "1 480 €/mois" in text and "1 770 €/mois" in text
    assert "Données fictives" not in text
    assert "territoire=grand-chalon" in page.url
    _shot(page, "portrait_aubepins", 2600)


def test_downloading_the_portrait_pdf_from_the_portrait_page(server, page, tmp_path) -> None:
    from pypdf import PdfReader

    _open(page, f"{server}/portrait?qpv=QN07101I", "742 €/mois")
    button = page.get_by_role("button", name=re.compile("Télécharger le portrait"))
    with page.expect_download(timeout=90_000) as info:
        button.click()
    download = info.value
    assert download.suggested_filename == "portrait_QN07101I_aubepins.pdf"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = NBSP_RE.sub(" ", "\n".join(p.extract_text() for p in PdfReader(path).pages))
    assert "Aubépins" in text and "742" in text and "1 480" in text
    assert "Données fictives" not in text


def test_switching_territory_in_the_sidebar(server, page) -> None:
    _open(page, f"{server}/?territoire=demo", "Données fictives de démonstration")
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name=re.compile("Chambéry")).click()
    _wait_text(page, "1 650 personnes")
    assert "territoire=chambery" in page.url
    assert "Données fictives" not in _text(page)


def test_a_broken_link_gives_a_message_and_a_way_home(server, page) -> None:
    _open(page, f"{server}/portrait?qpv=QN99999Z", "n'existe pas dans la base de données")
    assert "Traceback" not in _text(page)
    _shot(page, "lien_casse")
    page.get_by_role("link", name=re.compile("Retour à l'accueil")).click()
    _wait_text(page, "Les chiffres du mandat")
    assert "n'existe pas" not in _text(page)


@pytest.mark.parametrize("path, expect, name, height", [
    ("/comparer?territoire=demo", "Deux indicateurs croisés", "comparer_demo", 1700),
    ("/programmes?territoire=demo", "Conventions pluriannuelles", "programmes_demo", 2300),
    ("/logement?territoire=grand-chalon", "12,04 %", "logement_grand_chalon", 1500),
    ("/bilan?territoire=chambery&qpv=QN07302M", "Le besoin au départ", "bilan_hauts_de_chambery", 1800),
    ("/methode?territoire=demo", "Fichiers chargés", "methode", 1800),
    ("/carte?territoire=chartres-metropole", "ne sont pas chargés", "carte_sans_contours", 1000),
    ("/portrait?qpv=QN09910N&presentation=1", "Tous les chiffres du portrait", "portrait_demo_presentation", 2000),
    ("/rapports?territoire=demo", "Rapport de mandat (PDF)", "rapports_demo", 1300),
    ("/?territoire=demo", "Projets financés par année", "mandat_demo_bas", 3400),
    ("/poches?territoire=demo", "Fiche de justification (PDF)", "poches_demo", 2200),
])
def test_page_screenshots(server, page, path, expect, name, height) -> None:
    _open(page, f"{server}{path}", expect)
    assert "Traceback" not in _text(page)
    _shot(page, name, height)


# At every animation frame until `shown` (a JavaScript expression) holds: then what chart and
# table code the page had fetched (Streamlit's PlotlyChart and DataFrame chunks) and how many
# charts and tables it had, in window.__qpvFirstPaint.
FIRST_PAINT_SCRIPT = """
(() => {
  const look = () => {
    if (SHOWN) {
      window.__qpvFirstPaint = {
        chunks: performance.getEntriesByType('resource').map(r => r.name.split('/').pop())
          .filter(n => n.endsWith('.js')).map(n => n.split('.')[0]).sort(),
        elements: document.querySelectorAll(
          '[data-testid="stPlotlyChart"], [data-testid="stDataFrame"]').length};
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""
# Code a page's first figures never wait for: the charts' and tables' (PlotlyChart 4,7 MB,
# DataFrame and Arrow's serialization/recordbatch), a st.components.v2 component's (BidiComponent,
# which also pulls Arrow's).
NOT_BEFORE_THE_FIGURES = {"PlotlyChart", "DataFrame", "BidiComponent", "serialization", "recordbatch"}
FIRST_METRIC_SHOWN = ("[...document.querySelectorAll('[data-testid=\"stMetricValue\"]')]"
                      ".some(m => m.offsetParent !== null)")


@pytest.mark.parametrize("path, shown, also_not", [
    ("/?territoire=demo", FIRST_METRIC_SHOWN, set()),
    # The default home page (Chartres: one figure above its chart and tables) uses no HTML in
    # Markdown before it: the app's CSS comes by st.html, so Markdown's HTML parser (rehype-raw,
    # 189 kB) waits too (components.base_style).
    ("/", FIRST_METRIC_SHOWN, {"rehype-raw"}),
    # Spaces as a reader reads them: the title holds « : » with a no-break space (ui.typography).
    ("/portrait?qpv=QN09901M", "[...document.querySelectorAll('h1')].some(h => h.textContent"
     ".replace(/\\s/g, ' ').includes('Portrait de quartier : Vieux Moulin'))", set()),
])
def test_figures_are_painted_before_the_charts_code_is_loaded(server, browser, path, shown,
                                                              also_not) -> None:
    """Issue #15: the home page's key figures and a portrait's title are on screen before the
    browser fetches (then evaluates) the code of charts and tables (4,7 MB for plotly); the
    charts and tables come right after (components.after_paint)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    context.set_default_timeout(180_000)
    context.add_init_script(FIRST_PAINT_SCRIPT.replace("SHOWN", shown))
    try:
        pg = context.new_page()           # a new context: an empty cache, a first visit
        pg.goto(f"{server}{path}")
        pg.wait_for_function("window.__qpvFirstPaint !== undefined")
        first = pg.evaluate("window.__qpvFirstPaint")
        assert (sorted(set(first["chunks"]) & (NOT_BEFORE_THE_FIGURES | also_not)), first["elements"]) == ([], 0)
        pg.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(state="attached")
        pg.locator("[data-testid='stDataFrame']").first.wait_for(state="attached")
        chunks = pg.evaluate("performance.getEntriesByType('resource').map(r => r.name.split('/')"
                             ".pop().split('.')[0]).filter(n => ['PlotlyChart', 'DataFrame'].includes(n))")
        assert sorted(set(chunks)) == ["DataFrame", "PlotlyChart"]
    finally:
        context.close()

