"""Issue 11 in a real browser, beside test_a11y_browser's 390/1440 px page checks: on the pages
whose tables the review found cut, every table a reader sees at 390 px and at 1440 px shows its
cells without scrolling inside it. A grid's scroller (glide's `.dvn-scroller`) is no wider than
its box; where a grid would not fit, its HTML table (components.show_table) is shown instead and
its rows' box is no wider than the page's room either. Exactly one of the two shows."""
from __future__ import annotations

import pytest

from tests.app.test_a11y_browser import _open, browser, server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

PAGES = ("logement", "programmes", "droit-commun", "methode")
CONTRACTS = ("demo", "grand-chalon")
WIDTHS = (390, 1440)

TABLES_JS = """() => {
  const shown = el => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
    && getComputedStyle(el).visibility !== 'hidden';
  const out = [];
  document.querySelectorAll('[data-testid="stDataFrame"]').forEach(df => {
    const sc = df.querySelector('.dvn-scroller');
    const fit = df.closest('[class*="st-key-qpvfit_"]');
    out.push({kind: 'grid', shown: shown(df) && !!sc, boxShown: !!fit && shown(fit),
              table: fit ? [...fit.classList].find(c => c.startsWith('st-key-qpvfit_')).slice(14) : null,
              scroll: sc ? sc.scrollWidth : 0, client: sc ? sc.clientWidth : 0,
              head: df.innerText.slice(0, 40)});
  });
  document.querySelectorAll('.qpv-narrow').forEach(n => {
    const rows = n.querySelector('.qpv-narrow-rows');
    const fit = n.closest('[class*="st-key-qpvfit_"]');
    out.push({kind: 'html', shown: shown(n), boxShown: !!fit && shown(fit),
              table: fit ? [...fit.classList].find(c => c.startsWith('st-key-qpvfit_')).slice(14) : null,
              scroll: rows.scrollWidth, client: rows.clientWidth,
              head: n.querySelector('th') ? n.querySelector('th').innerText : ''});
  });
  return out;
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("contract", CONTRACTS)
def test_every_shown_table_reads_without_scrolling_inside(server, browser, contract, width) -> None:  # noqa: F811
    problems, counted = [], 0
    for page in PAGES:
        context, pg = _open(browser, f"{server}/{page}?territoire={contract}", width)
        try:
            pg.wait_for_timeout(1500)          # the grids draw their canvas after the run
            tables = pg.evaluate(TABLES_JS)
        finally:
            context.close()
        for t in tables:
            if t["shown"]:
                counted += 1
                if t["scroll"] > t["client"] + 1:
                    problems.append(f"{page} {t['kind']} {t['table'] or t['head']!r}: "
                                    f"{t['scroll']} px in {t['client']} px")
        twins = {}
        for t in tables:
            if t["table"] and t["boxShown"]:       # not inside a closed expander
                twins.setdefault(t["table"], []).append(t["shown"])
        problems += [f"{page} {key}: {shown.count(True)} of its grid and HTML table shown"
                     for key, shown in twins.items() if shown.count(True) != 1]
    assert problems == []
    assert counted >= len(PAGES)
