"""The import page in a real browser (Playwright on Debian's Chromium, `streamlit run app.py` on
loopback): a visitor whose connection carries a proxy header (X-Forwarded-For, as a reverse proxy
on the same machine sends it) gets no upload control; the machine itself does."""
from __future__ import annotations

import pytest

from tests.app.test_browser import _open, browser, server  # noqa: F401 — the module's fixtures

pytestmark = pytest.mark.browser


def _uploaders(browser, server, headers: dict, expect: str) -> int:  # noqa: F811
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR",
                                  extra_http_headers=headers)
    try:
        pg = context.new_page()
        _open(pg, f"{server}/importer", expect)
        return pg.locator("[data-testid='stFileUploader']").count()
    finally:
        context.close()


def test_the_upload_widget_is_absent_for_a_proxied_visitor(server, browser) -> None:  # noqa: F811
    assert _uploaders(browser, server, {"X-Forwarded-For": "203.0.113.7"},
                      "réservés aux éditeurs connectés") == 0
    assert _uploaders(browser, server, {}, "Fichiers à importer") == 1
