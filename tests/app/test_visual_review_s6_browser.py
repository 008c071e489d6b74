"""Issue 11, the demo's « Rapports et exports » at 390 px (S6 review): what only a browser shows.
A real `streamlit run app.py` on the demo build, Chromium."""
from __future__ import annotations

import pytest

from tests.app.browser_support import evaluate_at, streamlit_server

pytestmark = pytest.mark.browser

# Each multiselect's label, then each chip's name and whether its box shows it whole (inside
# the box's visible height: the box scrolled its chips past 4.5 rows).
CHIPS_SHOWN_JS = """() => [...document.querySelectorAll('[data-testid="stMultiSelect"]')]
  .map(m => { const tags = m.querySelector('[data-testid="stMultiSelectTagsContainer"]');
    const box = tags.parentElement.getBoundingClientRect();
    return [m.querySelector('label').innerText,
            [...tags.querySelectorAll('span[data-tag]')].map(t => {
              const r = t.getBoundingClientRect();
              return [t.querySelector('span[title]').innerText.replace(/\\s+/g, ' '),
                      r.top >= box.top && r.bottom <= box.bottom && r.right <= box.right]; })]; })"""


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    with streamlit_server(demo_db_path, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.mark.parametrize("width", [390, 1440])
def test_every_report_part_shows_in_its_box(server, width) -> None:
    # At 390 px the box stopped at 4.5 rows: « Logement et attributions » cut in half,
    # « Revue annuelle » out of sight.
    shown = evaluate_at(server, "rapports?territoire=demo", CHIPS_SHOWN_JS, width=width)
    assert shown == [
        ["Parties du rapport", [["Les chiffres du mandat", True], ["Programmes et financements", True],
                                ["Portraits de quartiers", True], ["Bilans par quartier", True],
                                ["Logement et attributions", True], ["Revue annuelle", True]]],
        ["Quartiers (portraits et bilans)", []]]
