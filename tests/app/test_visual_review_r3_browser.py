"""Issue 11 (review R3), what only a browser shows: download buttons at 390 px say whole what they
download (Streamlit ends a button's label in « … » on one line)."""
from __future__ import annotations

import pytest

from tests.app.browser_support import evaluate_at, streamlit_server

pytestmark = pytest.mark.browser

LABELS_JS = """() => [...document.querySelectorAll(
    '[data-testid="stDownloadButton"] button .stMarkdownEllipsis')]
  .filter(d => d.offsetParent !== null)
  .map(d => ({text: d.innerText, cut: d.scrollWidth > d.clientWidth + 1,
              right: d.getBoundingClientRect().right}))"""


def test_table_download_buttons_read_whole_on_a_phone(demo_db_path, tmp_path) -> None:
    with streamlit_server(demo_db_path, tmp_path) as url:
        labels = evaluate_at(url, "carte?territoire=demo", LABELS_JS,
                             scroll_to='[data-testid="stDownloadButton"]')
    texts = [" ".join(label["text"].split()) for label in labels]
    # The map's table: its CSV and XLSX buttons end with their format, and no label is cut; the
    # title is whole with its year (ui.exports.BUTTON_TITLE_MAX), on two lines at 390 px.
    assert [t for t in texts if t.startswith("Télécharger « Taux de pauvreté")] == [
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %, 2021 » (CSV)",
        "Télécharger « Taux de pauvreté (seuil à 60 %), en %, 2021 » (XLSX)"]
    assert [label["text"] for label in labels if label["cut"] or label["right"] > 390] == []
