"""One way to run the app for the real-browser tests: `streamlit run app.py` on a given database,
and Debian's Chromium driven by Playwright (never a browser download)."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from bench.load import stop_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def require_chromium() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed at /usr/bin/chromium (make system-deps)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(db_path: Path, log_dir: Path) -> Iterator[str]:
    """A real `streamlit run app.py` reading `db_path`; yields its URL, stops it at the end.
    Its output goes to a file (with a closed pipe Streamlit ignores SIGTERM)."""
    with _server([sys.executable, "-m", "ui.serve"], {"QPV_DB_PATH": str(db_path)}, log_dir) as url:
        yield url


@contextlib.contextmanager
def script_server(script: Path, log_dir: Path) -> Iterator[str]:
    """`streamlit run SCRIPT` (a page built by a test); yields its URL, stops it at the end."""
    with _server([sys.executable, "-m", "streamlit", "run", str(script)], {}, log_dir) as url:
        yield url


@contextlib.contextmanager
def _server(command: list[str], env: dict, log_dir: Path) -> Iterator[str]:
    require_chromium()
    port = free_port()
    log = Path(log_dir) / "streamlit.log"
    env = {**os.environ, **env, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*command, "--server.headless", "true",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start: {log.read_text()[-2000:]}")
        yield url
    finally:
        stop_server(proc)


@contextlib.contextmanager
def chromium() -> Iterator[object]:
    """Debian's Chromium, headless, through Playwright."""
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def evaluate_at(url: str, path: str, js: str, *, width: int = 390, height: int = 900,
                scroll_to: str | None = None):
    """`js` evaluated on the app's page `path` (« carte?territoire=demo ») once it has drawn,
    in a fresh Chromium at width × height; `scroll_to`: a selector whose last match is scrolled
    into view first."""
    from tests.app.screenshots import wait_until_done
    with chromium() as browser:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
        try:
            pg = context.new_page()
            pg.goto(f"{url}/{path}")
            wait_until_done(pg)
            if scroll_to:
                pg.locator(scroll_to).last.scroll_into_view_if_needed()
                pg.wait_for_timeout(1000)
            return pg.evaluate(js)
        finally:
            context.close()


def script_measures(script_text: str, tmp_path: Path, ready_js: str, measure_js: str, *,
                    settle_ms: int = 1000, widths: tuple[int, ...] = (1440, 390)) -> dict[int, object]:
    """{width: `measure_js` evaluated}: a Streamlit script written from `script_text`, served
    once, opened in Chromium at each width (900 px high) once `ready_js` holds and `settle_ms`
    more have passed (the page tests built by code: table heights, source-line gaps)."""
    script = tmp_path / "page.py"
    script.write_text(script_text, encoding="utf-8")
    found = {}
    with script_server(script, tmp_path) as url, chromium() as browser:
        for width in widths:
            context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
            try:
                pg = context.new_page()
                pg.goto(url)
                pg.wait_for_function(ready_js, timeout=60_000)
                pg.wait_for_timeout(settle_ms)
                found[width] = pg.evaluate(measure_js)
            finally:
                context.close()
    return found
