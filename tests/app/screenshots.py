"""Full-page screenshots of every page of the app, for every contract, at phone and desktop width,
for the visual review of issue 11 (looked at one by one; not a test).

    .venv/bin/python -m tests.app.screenshots --out DIR [--db data/qpv.duckdb]
        [--contract SLUG ...] [--page PATH ...] [--width 390 --width 1440] [--qpvs 3]
        [--skip-existing]

Starts `streamlit run app.py` on the database (the default build: `make db`), opens each page in
Debian's Chromium (Playwright), waits until the run is over (no « Running » status widget, no
skeleton, charts and maps drawn) and writes DIR/<contract>/<page>_<width>.png, the portrait once
per QPV (the first `--qpvs` QPVs of the contract: <contract>/portrait-<code>_<width>.png).
Prints one line per screenshot with the seconds it took and any « Traceback »/exception shown.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from tests.app.browser_support import chromium, streamlit_server

ROOT = Path(__file__).resolve().parents[2]
# URL path of every page of app.py's navigation ("" is the home page, Les chiffres du mandat).
PAGES = ("", "bilan", "carte", "portrait", "comparer", "poches", "adresse", "programmes",
         "logement", "droit-commun", "methode", "rapports", "importer")
WIDTHS = (1440, 390)
BUSY = '[data-testid="stStatusWidget"], [data-testid="stSkeleton"], [data-testid="stSpinner"]'
# The element that scrolls in Streamlit's layout: its full height is the page's height.
HEIGHT_JS = """() => {
  const els = [document.documentElement, document.body,
               document.querySelector('[data-testid="stAppViewContainer"]'),
               document.querySelector('[data-testid="stMain"]'),
               document.querySelector('section.main')].filter(Boolean);
  return Math.max(...els.map(e => e.scrollHeight));
}"""


def contracts_and_qpvs(db: Path, n_qpvs: int) -> dict[str, list[str]]:
    """Every contract of the database with the codes of its first `n_qpvs` QPVs (by name)."""
    from indicators import territories
    con = duckdb.connect(str(db), read_only=True)
    try:
        slugs = [r[0] for r in con.execute(
            "select contract_slug from contracts order by contract_slug").fetchall()]
        return {s: list(territories.contract_qpvs(con, s)["qpv_code"][:n_qpvs]) for s in slugs}
    finally:
        con.close()


def wait_until_done(pg, timeout_s: float = 90, title: bool = True) -> None:
    """Until the script run is over: a title, then no status widget nor skeleton for a while."""
    if title:
        pg.wait_for_selector("h1", state="attached", timeout=timeout_s * 1000)
    deadline = time.time() + timeout_s
    quiet = 0
    while time.time() < deadline and quiet < 3:
        quiet = quiet + 1 if pg.locator(BUSY).count() == 0 else 0
        pg.wait_for_timeout(400)
    pg.wait_for_timeout(1500)     # plotly and deck.gl draw after the run


def shoot(browser, url: str, width: int, path: Path) -> str:
    """One full-page screenshot; returns the error text the page shows, if any."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    pg = context.new_page()
    try:
        pg.goto(url)
        wait_until_done(pg)
        height = min(int(pg.evaluate(HEIGHT_JS)), 16_000)
        pg.set_viewport_size({"width": width, "height": max(height, 900)})
        wait_until_done(pg, 30, title=False)
        path.parent.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(path), full_page=True)
        errors = pg.locator('[data-testid="stException"], [data-testid="stAlertContentError"]')
        return " | ".join(errors.all_inner_texts())[:300]
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--db", type=Path, default=ROOT / "data" / "qpv.duckdb")
    ap.add_argument("--contract", action="append")
    ap.add_argument("--page", action="append", help="URL path ('mandat' for the home page)")
    ap.add_argument("--width", action="append", type=int)
    ap.add_argument("--qpvs", type=int, default=3)
    ap.add_argument("--skip-existing", action="store_true",
                    help="keep the screenshots already in --out (resume an interrupted run)")
    args = ap.parse_args(argv)
    wanted = contracts_and_qpvs(args.db, args.qpvs)
    if args.contract:
        wanted = {c: q for c, q in wanted.items() if c in args.contract}
    pages = [("" if p == "mandat" else p) for p in (args.page or PAGES)]
    widths = args.width or list(WIDTHS)
    with tempfile.TemporaryDirectory() as logs, \
            streamlit_server(args.db, Path(logs)) as server, chromium() as browser:
        for contract, qpvs in wanted.items():
            for page in pages:
                targets = ([(f"portrait-{q}", f"portrait?territoire={contract}&qpv={q}") for q in qpvs]
                           if page == "portrait" else
                           [(page or "mandat", f"{page}?territoire={contract}")])
                for name, query in targets:
                    for width in widths:
                        path = args.out / contract / f"{name}_{width}.png"
                        if args.skip_existing and path.exists():
                            continue
                        t0 = time.time()
                        try:
                            error = shoot(browser, f"{server}/{query}", width, path)
                        except Exception as exc:     # a page too slow: say so, shoot the others
                            error = f"NOT SHOT: {type(exc).__name__}: {str(exc)[:200]}"
                        print(f"{path}  {time.time() - t0:.1f} s  {error}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
