"""Issue 11 (S14, RQ) in a real browser: a table given a height showing all its rows
(components.fit_columns: views.TableLayout.height_px, from TABLE_HEADER_PX and the rows' height)
is exactly as tall as its header and rows. With 40 px for the header, a 3 px strip showed under
the last row; one pixel short, the grid scrolled inside. Measured in Chromium at 1440 and 390 px
for tables of 1, 5 and 20 rows, one-line rows (a `max_height_px` table) and wrapped ones."""
from __future__ import annotations

import pytest

from tests.app.browser_support import script_measures
from ui import views

pytestmark = pytest.mark.browser

COUNTS = (1, 5, 20)
LONG = "Un intitulé assez long pour passer à la ligne dans sa colonne de deux cent quatre-vingts pixels"
SCRIPT = f'''
import pandas as pd
from ui import components

for n in {COUNTS!r}:
    short = pd.DataFrame({{"Nom": [f"Ligne {{i}}" for i in range(n)], "Valeur": [str(i) for i in range(n)]}})
    with __import__("streamlit").container(key=f"short_{{n}}"):
        components.table(short, hide_index=True, max_height_px=5000)
    wrapped = pd.DataFrame({{"Nom": [{LONG!r} + f" {{i}}" for i in range(n)], "Valeur": [str(i) for i in range(n)]}})
    with __import__("streamlit").container(key=f"wrapped_{{n}}"):
        components.table(wrapped, hide_index=True, max_height_px=5000)
'''

MEASURE_JS = """() => [...document.querySelectorAll('[class*="st-key-short_"], [class*="st-key-wrapped_"]')].map(box => {
  const df = box.querySelector('[data-testid="stDataFrame"]');
  const sc = df.querySelector('.dvn-scroller');
  const stack = sc.querySelector('.dvn-stack');
  return {key: [...box.classList].find(c => c.startsWith('st-key-')).slice(7),
          height: df.getBoundingClientRect().height, content: stack.getBoundingClientRect().height,
          client: sc.clientHeight, scroll: sc.scrollHeight};
})"""


def test_a_table_showing_all_its_rows_has_no_strip_under_them_and_no_inner_scrollbar(tmp_path) -> None:
    found = script_measures(SCRIPT, tmp_path, "document.querySelectorAll('.dvn-stack').length >= 6",
                            MEASURE_JS, settle_ms=1500)
    for width, tables in found.items():
        by_key = {t["key"]: t for t in tables}
        assert sorted(by_key) == sorted([f"short_{n}" for n in COUNTS] + [f"wrapped_{n}" for n in COUNTS])
        for n in COUNTS:
            short, wrapped = by_key[f"short_{n}"], by_key[f"wrapped_{n}"]
            # The height we give (views.TableLayout.height_px) is the grid's height.
            assert short["height"] == views.TABLE_HEADER_PX + views.DEFAULT_ROW_PX * n, (width, short)
            assert wrapped["height"] > views.TABLE_HEADER_PX + views.DEFAULT_ROW_PX * n, (width, wrapped)
            for t in (short, wrapped):
                # Header and rows fill the grid but for its 1 px border above and below: no strip.
                assert t["height"] - t["content"] == 2, (width, t)
                # Every row shows: nothing scrolls inside.
                assert t["scroll"] <= t["client"], (width, t)
