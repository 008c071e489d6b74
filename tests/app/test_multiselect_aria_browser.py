"""Multiselect chips speak French to screen readers (issue #11): Streamlit 1.67 names each chip's
cross « Remove <option> », the clear button « Clear all » and the arrow « Open », with no
setting; the page's French script (ui/components.FRENCH_DOCUMENT) renames them, and again when
Streamlit redraws them (a chip removed, a rerun)."""
from __future__ import annotations

import pytest

from tests.app.browser_support import chromium, streamlit_server
from tests.app.screenshots import wait_until_done

pytestmark = pytest.mark.browser

LABELS = """() => [...document.querySelectorAll('[data-testid="stMultiSelect"] [aria-label]')]
                    .map(el => el.getAttribute("aria-label"))"""


def test_multiselect_chips_and_buttons_are_named_in_french(demo_db_path, tmp_path) -> None:
    with streamlit_server(demo_db_path, tmp_path) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        pg = context.new_page()
        pg.goto(f"{url}/rapports?territoire=demo")
        wait_until_done(pg)
        sections = pg.locator('[data-testid="stMultiSelect"]').first
        first = sections.locator('[aria-label^="Retirer "]').first
        first.wait_for(timeout=30_000)
        before = pg.evaluate(LABELS)
        # Remove the first chip: Streamlit reruns and redraws the widget.
        removed = first.get_attribute("aria-label").removeprefix("Retirer ")
        first.click()
        pg.wait_for_function("n => document.querySelectorAll('[data-testid=\"stMultiSelect\"] "
                             "[aria-label^=\"Retirer \"]').length === n", arg=len(
                                 [v for v in before if v.startswith("Retirer ")]) - 1)
        wait_until_done(pg)
        after = pg.evaluate(LABELS)
        context.close()
    chips = [v for v in before if v.startswith("Retirer ")]
    assert len(chips) >= 2, before
    assert not [v for v in before + after if v.startswith("Remove ") or v in ("Clear all", "Open")]
    assert "Tout retirer" in before and "Ouvrir la liste" in before
    assert [v for v in after if v.startswith("Retirer ")] == [v for v in chips if v != f"Retirer {removed}"]
    assert "Ouvrir la liste" in after
