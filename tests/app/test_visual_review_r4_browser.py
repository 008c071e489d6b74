"""Issue 11, Chambéry and Chartres métropole at 390 px: what only a browser shows. A real
`streamlit run app.py` on the demo build (the seeds' territories included), Chromium."""
from __future__ import annotations

import pytest

from tests.app.browser_support import evaluate_at, streamlit_server

pytestmark = pytest.mark.browser

# Every download button: its label's text, and whether the box shows it whole.
BUTTONS_JS = """() => [...document.querySelectorAll('[data-testid="stDownloadButton"] button')]
  .filter(b => b.offsetWidth > 0)
  .map(b => { const m = b.querySelector('[data-testid="stMarkdownContainer"]');
              const r = b.getBoundingClientRect();
              return [m.innerText.replace(/[\\u00a0\\u202f]/g, ' '), m.scrollWidth <= m.clientWidth,
                      r.right <= window.innerWidth]; })"""


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    with streamlit_server(demo_db_path, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


def test_download_buttons_read_whole_on_a_phone(server) -> None:
    # At 390 px « Télécharger « Taux de pauvreté (seuil à 60 %), en % » (CSV) » was cut before
    # « (CSV) », so the CSV and XLSX buttons read the same (the map page, the method page).
    # Chambéry's map, without a value to map, now says so and has nothing to download: the demo's.
    buttons = evaluate_at(server, "carte?territoire=demo", BUTTONS_JS)
    # Every button whole and on the screen; the table's two read their format.
    assert [b for b in buttons if not (b[1] and b[2])] == []
    assert [b[0] for b in buttons if "«" in b[0]] == [
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %, 2021 » (CSV)",
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %, 2021 » (XLSX)"]


CHIPS_JS = """() => [...document.querySelectorAll('[data-testid="stMultiSelectTagsContainer"] span[data-tag]')]
  .map(t => { const name = t.querySelector('span[title]'); const r = t.getBoundingClientRect();
              return [name.innerText.replace(/\\s+/g, ' '), name.scrollWidth <= name.clientWidth,
                      r.right <= window.innerWidth]; })"""


def test_comparison_chips_read_whole_on_a_phone(server) -> None:
    # Wrapped onto rows, each chip still cut its indicator's name with « … » at 390 px (the demo:
    # Chambéry, with no value for its quartiers, has nothing to compare).
    chips = evaluate_at(server, "comparer?territoire=demo", CHIPS_JS)
    assert chips == [
        ["Taux de pauvreté (seuil à 60 %, revenus et pauvreté)", True, True],
        ["Revenu disponible médian par unité de consommation (revenus et pauvreté)", True, True],
        ["1er décile du niveau de vie (revenus et pauvreté)", True, True]]
