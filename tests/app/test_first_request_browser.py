"""Every page path works from a fresh server's very first request (issue 11: « every page path
works »). Streamlit 1.67 resolved that first request against the `pages/` folder's file names, so
/droit-commun (file droit_commun.py) showed its English « Page not found » dialog over the page;
the app is served through `python -m ui.serve`, which switches that mode off."""
from __future__ import annotations

import pytest

from tests.app.browser_support import chromium, streamlit_server
from tests.app.screenshots import wait_until_done

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path, title", [("droit-commun", "Droit commun et signataires"),
                                         ("accueil", "Les chiffres du mandat")])
def test_the_first_request_of_a_fresh_server_opens_its_page(demo_db_path, tmp_path, path, title) -> None:
    with streamlit_server(demo_db_path, tmp_path) as url, chromium() as browser:
        context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
        pg = context.new_page()
        pg.set_default_timeout(180_000)
        pg.goto(f"{url}/{path}?territoire=demo")
        wait_until_done(pg)
        pg.locator("h1", has_text=title).first.wait_for(state="visible")
        pg.wait_for_timeout(1500)         # the dialog came with the first run's messages
        text = pg.locator("body").inner_text()
        context.close()
    assert "Page not found" not in text and "does not seem to exist" not in text
