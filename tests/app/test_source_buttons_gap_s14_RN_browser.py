"""Issue 11, visual review s14-RN: a table's source line right above its download buttons keeps
some room from them. Streamlit pulls a markdown block up by 1rem, so the line's last letters sat
on the buttons' border (Chartres métropole's « Par enjeu prioritaire » and « Par quartier » on
« Programmes et financements », at 390 and 1 440 px). Those lines are now the funding's short
line with its « Source complète » toggle between line and buttons (s15); the demo's people-reached
tables keep a line right above their buttons. A real `streamlit run app.py`, Chromium."""
from __future__ import annotations

import pytest

from tests.app.browser_support import evaluate_at, streamlit_server

pytestmark = pytest.mark.browser

# Every visible source line whose next element is a row of download buttons: its first words and
# the room, in px, between the line's bottom and the row's top.
GAPS_JS = """() => [...document.querySelectorAll('.qpv-source')].map(s => {
  const c = s.closest('[data-testid="stElementContainer"]');
  const next = c && c.nextElementSibling;
  const row = next && next.querySelector(':scope > div[class*="st-key-dlrow_"]');
  if (!row || !s.offsetParent) return null;
  return [s.innerText.replace(/[\\s\\u2060]+/g, ' ').slice(0, 32),
          Math.round(row.getBoundingClientRect().top - s.getBoundingClientRect().bottom)];
}).filter(Boolean)"""


@pytest.fixture(scope="module")
def server(demo_db_path, tmp_path_factory):
    with streamlit_server(demo_db_path, tmp_path_factory.mktemp("streamlit")) as url:
        yield url


@pytest.mark.parametrize("width", [390, 1440])
def test_a_source_line_does_not_sit_on_its_download_buttons(server, width) -> None:
    gaps = evaluate_at(server, "programmes?territoire=demo", GAPS_JS, width=width, height=3000)
    assert gaps == [["Source : listes de participants ", 8]] * 2
