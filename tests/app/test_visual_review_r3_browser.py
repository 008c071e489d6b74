"""Issue 11 (review R3), what only a browser shows: download buttons at 390 px say whole what they
download (Streamlit ends a button's label in « … » on one line)."""
from __future__ import annotations

import pytest

from tests.app.browser_support import chromium, streamlit_server
from tests.app.screenshots import wait_until_done

pytestmark = pytest.mark.browser

LABELS_JS = """() => [...document.querySelectorAll(
    '[data-testid="stDownloadButton"] button .stMarkdownEllipsis')]
  .filter(d => d.offsetParent !== null)
  .map(d => ({text: d.innerText, cut: d.scrollWidth > d.clientWidth + 1,
              right: d.getBoundingClientRect().right}))"""


def test_table_download_buttons_read_whole_on_a_phone(demo_db_path, tmp_path) -> None:
    with streamlit_server(demo_db_path, tmp_path) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 390, "height": 900}, locale="fr-FR")
        pg = context.new_page()
        pg.goto(f"{url}/carte?territoire=demo")
        wait_until_done(pg)
        pg.locator('[data-testid="stDownloadButton"]').last.scroll_into_view_if_needed()
        pg.wait_for_timeout(1000)
        labels = pg.evaluate(LABELS_JS)
        context.close()
    texts = [" ".join(label["text"].split()) for label in labels]
    # The map's table: its CSV and XLSX buttons end with their format, and no label is cut.
    assert [t for t in texts if t.startswith("Télécharger « Taux de pauvreté")] == [
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %… » (CSV)",
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %… » (XLSX)"]
    assert [label["text"] for label in labels if label["cut"] or label["right"] > 390] == []
