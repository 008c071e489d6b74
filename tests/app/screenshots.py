"""Full-page screenshots of every page of the app, for every contract, at phone and desktop width,
for the visual review of issue 11 (looked at one by one; not a test).

    .venv/bin/python -m tests.app.screenshots --out DIR [--db data/qpv.duckdb]
        [--contract SLUG ...] [--page PATH ...] [--width 390 --width 1440] [--qpvs 3]
        [--skip-existing]

Starts `streamlit run app.py` on the database (the default build: `make db`), opens each page in
Debian's Chromium (Playwright), waits until the run is over (no « Running » status widget, no
skeleton, charts and maps drawn; the window then follows the page's height until it stops growing,
`settled_height`: a chart drawn after the figures lengthens it) and writes
DIR/<contract>/<page>_<width>.png, the portrait once
per QPV (the first `--qpvs` QPVs of the contract: <contract>/portrait-<code>_<width>.png).
A page taller than `MAX_SHOT_PX` (Chromium draws at most about 16 000 px in one shot; the demo
portraits at 390 px are taller) is shot whole in parts, <name>_<width>-part1.png, -part2…, by
scrolling the app's scrolling container one visible height at a time (`part_offsets`: below the
app's fixed header, and no band shown twice).
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
# The element that scrolls (the largest scrollable one), or the document when none does.
SCROLLER_JS = """() => {
  const els = [document.querySelector('[data-testid="stMain"]'),
               document.querySelector('[data-testid="stAppViewContainer"]'),
               document.querySelector('section.main'), document.scrollingElement].filter(Boolean);
  return els.filter(e => e.scrollHeight > e.clientHeight + 1)
            .sort((a, b) => b.scrollHeight - a.scrollHeight)[0] || document.scrollingElement;
}"""
MAX_SHOT_PX = 16_000
PART_PX = 10_000


def part_offsets(height: int, view: int, cover: int = 0) -> list[tuple[int, int, int]]:
    """(scroll offset, top, bottom) of each part covering a scroller of `height` px that shows
    `view` px at a time, whose top `cover` px hide under the app's fixed header once scrolled:
    top and bottom are in the scroller's box. The first part is the box at scroll 0; each next
    one starts where the previous ended, below the header; the last cannot scroll past
    height - view, so it shows only what the others did not."""
    parts = [(0, 0, min(view, height))]
    shown = view
    while shown < height:
        want = shown - cover
        got = min(want, height - view)
        top = cover + want - got
        parts.append((got, top, view))
        shown += view - top
    return parts


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


def settled_height(measure, resize, wait, tries: int = 8, stable: int = 2) -> int:
    """The page's height once it no longer grows: `measure()` it, `resize(height)` the window to it,
    `wait()` for the run, measure again, until `stable` waits in a row leave it unchanged (at most
    `tries` rounds). The home page and the portrait send their charts in a fragment rerun once the
    browser has painted their figures (`components.after_paint`), which a busy machine may start
    after one quiet wait: a height measured before that rerun cut the shot under the figures
    (Grand Chalon's portrait at 1440 px ended in the middle of its tiles)."""
    height = measure()
    unchanged = 0
    for _ in range(tries):
        resize(height)
        wait()
        now = measure()
        unchanged = unchanged + 1 if now == height else 0
        height = now
        if unchanged >= stable:
            break
    return height


def shoot_parts(pg, width: int, path: Path) -> list[Path]:
    """The page in parts of about `PART_PX` px, scrolling its scrolling container: path-part1.png…
    Each part is what the container shows below the app's header; none repeats another's band."""
    pg.set_viewport_size({"width": width, "height": PART_PX})
    wait_until_done(pg, 30, title=False)
    box = pg.evaluate(f"""() => {{ const e = ({SCROLLER_JS})(); const r = e.getBoundingClientRect();
        const h = document.querySelector('[data-testid="stHeader"]');
        const cover = h ? Math.max(0, h.getBoundingClientRect().bottom - Math.max(0, r.top)) : 0;
        return {{top: Math.max(0, r.top), view: e.clientHeight, height: e.scrollHeight,
                 cover: Math.ceil(cover)}}; }}""")
    top = int(box["top"])
    view = min(int(box["view"]), PART_PX - top)
    for old in path.parent.glob(f"{path.stem}-part*.png"):
        old.unlink()
    shots = []
    for i, (offset, y0, y1) in enumerate(
            part_offsets(int(box["height"]), view, int(box["cover"])), start=1):
        pg.evaluate(f"(y) => {{ ({SCROLLER_JS})().scrollTop = y; }}", offset)
        pg.wait_for_timeout(1200)     # plotly and deck.gl redraw what scrolls into view
        part = path.with_name(f"{path.stem}-part{i}.png")
        pg.screenshot(path=str(part), clip={"x": 0, "y": top + y0, "width": width,
                                            "height": y1 - y0})
        shots.append(part)
    return shots


def shoot(browser, url: str, width: int, path: Path) -> str:
    """One full-page screenshot, or parts of a page taller than `MAX_SHOT_PX`; returns the error
    text the page shows, if any."""
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="fr-FR")
    pg = context.new_page()
    try:
        pg.goto(url)
        wait_until_done(pg)
        height = settled_height(
            lambda: int(pg.evaluate(HEIGHT_JS)),
            lambda h: pg.set_viewport_size({"width": width, "height": min(max(h, 900), MAX_SHOT_PX)}),
            lambda: wait_until_done(pg, 30, title=False))
        path.parent.mkdir(parents=True, exist_ok=True)
        if height > MAX_SHOT_PX:
            if path.exists():
                path.unlink()
            shoot_parts(pg, width, path)
        else:
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
                        if args.skip_existing and (path.exists() or path.with_name(
                                f"{path.stem}-part1.png").exists()):
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
