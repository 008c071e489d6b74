"""In Chromium against `streamlit run` on 127.0.0.1 (Debian's /usr/bin/chromium, Playwright):
- the home page after navigation, in a new Streamlit session, two moments: its first key figure
  shown (the first `st.metric` value visible) and its first chart drawn (the first plotly chart's
  SVG in the page); each with an empty browser cache (a new browser context: a first visit, every
  script of Streamlit's front end downloaded, 4,7 MB for its plotly chunk alone) and with a warm
  one (the same context visited the page before: Streamlit serves its static files as
  `immutable`, so a returning user's browser reads them from its cache);
- a click on a QPV of the map → its portrait's title shown;
- a territory switch in the sidebar → the page shows the new territory;
- how many script runs each interaction costs the server (the `script_finished` messages
  received on the page's websocket);
- the server's memory (RSS of its process tree) after browsing every page of every territory.
Medians of `repeat` runs on a server already warmed by one visit of each measured page (the
first runs are reported apart).
"""
from __future__ import annotations

import contextlib
import math
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Iterator

from bench.load import free_port, process_tree_rss_bytes, start_server, stop_server
from bench.stclient import wait_healthy

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TARGETS_S = {"home": 2.0, "map_click": 1.5, "switch": 1.5}
TARGET_RSS_MIB = 1024
NBSP_RE = re.compile("[\u00a0\u202f\u2060]")
PAGES = ("", "bilan", "carte", "portrait", "comparer", "poches", "adresse", "programmes", "logement",
         "droit-commun", "methode", "rapports", "importer")


@contextlib.contextmanager
def streamlit_server(db: Path, log_dir: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run app.py` on `db`: yields (URL, pid); stopped at the end."""
    port = free_port()
    log = Path(log_dir) / "streamlit.log"
    proc = start_server(db, port, log)
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_healthy(url, 120, proc)
        except (TimeoutError, RuntimeError) as exc:
            raise RuntimeError(f"streamlit n'a pas démarré ({exc}) : {log.read_text()[-2000:]}") from exc
        yield url, proc.pid
    finally:
        stop_server(proc)


def tree_rss_mib(pid: int) -> float:
    """Resident memory of a process and all its descendants (Linux /proc), in MiB."""
    return process_tree_rss_bytes(pid) / 2**20


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Measure:
    """Wall seconds of an interaction, and the server's CPU seconds meanwhile (what the server
    did for it, whatever the load of the machine)."""

    def __init__(self, pid: int):
        self.pid, self.wall, self.server_cpu = pid, 0.0, 0.0
        self.runs: int | None = None           # script runs the server finished meanwhile
        self.fragment_runs: int | None = None  # and reruns of a fragment alone
        self.breakdown: dict[str, float] = {}  # where the home page's time went (home_first_figure)

    def start(self) -> None:
        self._t0, self._c0 = time.perf_counter(), cpu_s(self.pid)

    def stop(self) -> "Measure":
        self.wall, self.server_cpu = time.perf_counter() - self._t0, cpu_s(self.pid) - self._c0
        return self


def _text(pg) -> str:
    return NBSP_RE.sub(" ", pg.locator("[data-testid='stMain']").first.inner_text())


def _wait(pg, predicate, timeout_s: float = 60) -> None:
    deadline = time.perf_counter() + timeout_s
    while time.perf_counter() < deadline:
        try:
            if predicate():
                return
        except Exception:        # noqa: BLE001 - the page is still loading
            pass
        pg.wait_for_timeout(25)
    raise TimeoutError("la page n'a pas affiché ce qui était attendu à temps")


class Runs:
    """The script runs the server finished for a page (its websocket's `script_finished`
    messages), counted from `start()`: `count` the runs of the script (app.py and the page, a
    run stopped by st.switch_page or st.rerun included), `fragments` the reruns of a fragment
    alone (components.after_paint's second step)."""

    def __init__(self, pg):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        self.count = self.fragments = 0
        fragment = ForwardMsg.ScriptFinishedStatus.FINISHED_FRAGMENT_RUN_SUCCESSFULLY

        def frame(payload) -> None:
            if isinstance(payload, (bytes, bytearray)):
                try:
                    msg = ForwardMsg.FromString(bytes(payload))
                    if msg.WhichOneof("type") == "script_finished":
                        if msg.script_finished == fragment:
                            self.fragments += 1
                        else:
                            self.count += 1
                except Exception:      # noqa: BLE001 - another kind of frame
                    pass

        pg.on("websocket", lambda ws: ws.on("framereceived", frame))

    def start(self) -> None:
        self.count = self.fragments = 0


FIRST_FIGURE = "[data-testid='stMetricValue']"
FIRST_CHART = "[data-testid='stPlotlyChart'] .main-svg"
# Injected before the page's own scripts: the page-side times (ms since navigation) of the
# websocket's opening and of each message it receives, and of the first key figure attached to
# the document and shown (checked at every animation frame).
TIMINGS_SCRIPT = r"""
(() => {
  const q = window.__qpvBench = {messages: [], attached: null, shown: null, wsOpen: null};
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('open', () => { q.wsOpen = performance.now(); });
    ws.addEventListener('message', () => { q.messages.push(performance.now()); });
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  const look = () => {
    const m = document.querySelector('[data-testid="stMetricValue"]');
    if (m && q.attached === null) q.attached = performance.now();
    if (m && m.offsetParent !== null) { q.shown = performance.now(); return; }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
"""
HEAVY_CHUNK_BYTES = 400_000


def own_chromium_cpu() -> dict[int, float]:
    """{pid: CPU seconds} of the Chromium processes this process started (its descendants,
    never another user's browser)."""
    parent = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                parent[int(d.name)] = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
    me, out = os.getpid(), {}
    for pid in parent:
        up, hops = parent.get(pid), 0
        while up and up != me and hops < 12:
            up, hops = parent.get(up), hops + 1
        if up == me:
            with contextlib.suppress(OSError):
                if b"chrom" in Path(f"/proc/{pid}/cmdline").read_bytes()[:80]:
                    out[pid] = cpu_s(pid)
    return out


def _first_metric_message(payloads: list) -> int | None:
    """Index of the first websocket message carrying an `st.metric` element."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    for i, payload in enumerate(payloads):
        if not isinstance(payload, (bytes, bytearray)):
            continue
        with contextlib.suppress(Exception):
            msg = ForwardMsg.FromString(bytes(payload))
            if (msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element"
                    and msg.delta.new_element.WhichOneof("type") == "metric"):
                return i
    return None


def home_first_figure(browser, url: str, pid: int, context=None,
                      with_chart: bool = True) -> tuple[Measure, float | None]:
    """From navigation to the home page's first key figure shown (new session): its Measure,
    and the seconds to its first chart drawn (None when the page has no chart). `context`: a
    browser context to reuse (its cache warm), else a new one (empty cache). The Measure's
    breakdown (seconds, page-side clock): `boot_s` navigation → websocket open (Streamlit's
    front end loaded and started), `server_s` websocket open → the message carrying the first
    `st.metric` received, `browser_s` that message → the figure shown; `static_mb` the static
    files fetched before it (decoded size) and `heavy_mb` those of chunks over 400 kB
    (PlotlyChart, DataFrame…); `chromium_cpu_s` the CPU of Chromium's processes meanwhile.
    `with_chart=False`: a page known to have no chart (the floor), not waited for."""
    own = context is None
    context = context or browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    if not getattr(context, "_qpv_timings", False):
        context.add_init_script(TIMINGS_SCRIPT)
        context._qpv_timings = True
    pg = context.new_page()
    payloads: list = []
    pg.on("websocket", lambda ws: ws.on("framereceived", lambda payload: payloads.append(payload)))
    try:
        m = Measure(pid)
        cpu0 = own_chromium_cpu()
        m.start()
        pg.goto(url + "/", wait_until="commit")
        pg.locator(FIRST_FIGURE).first.wait_for(state="visible", timeout=180_000)
        m.stop()
        cpu1 = own_chromium_cpu()
        with contextlib.suppress(Exception):   # timings of a page that answered
            pg.wait_for_function("window.__qpvBench && window.__qpvBench.shown !== null",
                                 timeout=10_000)
        page = pg.evaluate("""() => ({q: window.__qpvBench || null, res: performance
            .getEntriesByType('resource').map(r => [r.name, r.responseEnd, r.decodedBodySize])})""")
        q = page["q"]
        if q and q["shown"] is not None:
            i = _first_metric_message(payloads)
            got = q["messages"][i] if i is not None and i < len(q["messages"]) else None
            before = [r for r in page["res"] if r[1] <= q["shown"] and "/static/" in r[0]]
            m.breakdown = {
                "boot_s": (q["wsOpen"] or 0) / 1000,
                "server_s": None if got is None else (got - q["wsOpen"]) / 1000,
                "browser_s": None if got is None else (q["shown"] - got) / 1000,
                "static_mb": sum(r[2] for r in before) / 1e6,
                "heavy_mb": sum(r[2] for r in before if r[2] > HEAVY_CHUNK_BYTES) / 1e6,
                "chromium_cpu_s": sum(v - cpu0.get(k, 0.0) for k, v in cpu1.items()),
            }
        chart = None
        if with_chart:
            with contextlib.suppress(Exception):     # no chart on this home page
                pg.locator(FIRST_CHART).first.wait_for(state="attached", timeout=180_000)
                chart = time.perf_counter() - m._t0
        return m, chart
    finally:
        pg.close()
        if own:
            context.close()


FLOOR_APP = 'import streamlit as st\n\nst.metric("Habitants", "1 650")\n'


@contextlib.contextmanager
def floor_server(log_dir: Path) -> Iterator[tuple[str, int]]:
    """`streamlit run` of a bare app with one `st.metric` (FLOOR_APP), with the app's server
    options: what Streamlit's own front end costs before any figure of ours."""
    app = Path(log_dir) / "floor_app.py"
    app.write_text(FLOOR_APP, encoding="utf-8")
    port = free_port()
    proc = start_server(Path(log_dir) / "none.duckdb", port, Path(log_dir) / "floor.log", script=app)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, 120, proc)
        yield url, proc.pid
    finally:
        stop_server(proc)


def _pixel(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = 512 * 2 ** zoom
    x = (lon + 180) / 360 * size
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * size
    return x, y


def page_map_view(db: Path, slug: str, indicator_id: str = "poverty_rate_pct") -> dict:
    """The initial view the map page sends for a contract of `db` (its deck's initialViewState:
    longitude, latitude, zoom), read from a run of pages/carte.py itself (AppTest), so a click
    aimed from it follows any change in how the page frames its map. Shared by the bench and
    tests/app/test_browser.py."""
    import json

    from streamlit.testing.v1 import AppTest

    import config
    root = Path(__file__).resolve().parents[1]
    before = (config.DB_PATH, os.environ.get("QPV_DB_PATH"))
    config.DB_PATH, os.environ["QPV_DB_PATH"] = Path(db), str(db)
    try:
        at = AppTest.from_file(str(root / "pages" / "carte.py"), default_timeout=180)
        at.session_state["territoire"] = slug
        at.query_params["indicateur"] = indicator_id
        at.run()
        decks = at.get("deck_gl_json_chart")
        if not decks:
            raise RuntimeError(f"la page de la carte de {slug} n'a pas dessiné de carte")
        view = json.loads(decks[0].proto.json)["initialViewState"]
    finally:
        config.DB_PATH = before[0]
        if before[1] is None:
            os.environ.pop("QPV_DB_PATH", None)
        else:
            os.environ["QPV_DB_PATH"] = before[1]
    return {"longitude": view["longitude"], "latitude": view["latitude"], "zoom": view["zoom"]}


def map_target(db: Path, slug: str) -> tuple[str, str, dict, float, float] | None:
    """(code, name, initial view, lon, lat) of the largest QPV of a contract's map, or None; the
    view is the one the map page sends (page_map_view)."""
    from etl.db import open_snapshot, snapshot_cursor
    con = open_snapshot(db)
    try:
        rows = snapshot_cursor(con).execute("""
            select g.territory_code, t.territory_name, g.centroid_lon, g.centroid_lat
            from territory_geometries g join territories t on t.territory_code = g.territory_code
            join contract_territories c on c.territory_code = g.territory_code and c.contract_slug = ?
            where g.territory_level = 'qpv' order by g.area_m2 desc limit 1""", [slug]).fetchall()
    finally:
        con.close()
    if not rows:
        return None
    code, name, lon, lat = rows[0]
    return code, name, page_map_view(db, slug), lon, lat


# Injected in the map click's page: the page-side times (ms since navigation) of the last
# pointer press, of every websocket message sent and received, and of the first portrait title
# shown after the press (checked at every animation frame).
CLICK_TIMINGS_SCRIPT = r"""
(() => {
  const q = window.__qpvClick = {click: null, sent: [], received: [], title: null};
  const Native = window.WebSocket;
  window.WebSocket = function (...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', () => { q.received.push(performance.now()); });
    const send = ws.send.bind(ws);
    ws.send = (data) => { q.sent.push(performance.now()); return send(data); };
    return ws;
  };
  window.WebSocket.prototype = Native.prototype;
  Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
  window.addEventListener('pointerdown', () => {
    q.click = performance.now(); q.title = null;
    const look = () => {
      const h = [...document.querySelectorAll('[data-testid="stMain"] h1')].find(
        e => e.textContent.replace(/[\u00a0\u202f]/g, ' ').startsWith('Portrait de quartier :'));
      if (h && h.offsetParent !== null) { q.title = performance.now(); return; }
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  }, true);
})();
"""


def message_kind(payload) -> str:
    """What a websocket message from the server is: "new_session" (a script run starts), the
    element of a delta ("heading", "markdown", …), "finished" (a script run or a fragment rerun
    ends), another ForwardMsg type, or "" for a frame that is no ForwardMsg."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    if not isinstance(payload, (bytes, bytearray)):
        return ""
    try:
        msg = ForwardMsg.FromString(bytes(payload))
    except Exception:          # noqa: BLE001 - not a ForwardMsg
        return ""
    kind = msg.WhichOneof("type")
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        return msg.delta.new_element.WhichOneof("type") or "delta"
    if kind == "script_finished":
        return "finished"
    return kind or ""


def click_breakdown(click_ms: float, sent_ms: list[float], received: list[tuple[float, str]],
                    title_ms: float | None) -> dict[str, float | None]:
    """Where a map click's time went, in seconds on the page's clock, from the press
    (`click_ms`), the times of the messages the page sent (`sent_ms`) and received
    (`received`: (time, message_kind)) and of the portrait's title shown (`title_ms`):
    `to_rerun_sent_s` press → the page sends the rerun (the map's own work on the click);
    `rerun_to_run_start_s` → the server's first message of the run (`new_session`);
    `run_start_to_title_message_s` → the message carrying the title (the first `heading`);
    `title_message_to_painted_s` → the title shown (the browser);
    `server_run_s` the run's start → its `script_finished`. None where a step was not seen."""
    sent = next((t for t in sent_ms if t >= click_ms), None)
    after = [(t, k) for t, k in received if sent is not None and t >= sent]
    start = next((t for t, k in after if k == "new_session"), None)
    later = [(t, k) for t, k in after if start is not None and t >= start]
    heading = next((t for t, k in later if k == "heading"), None)
    finished = next((t for t, k in later if k == "finished"), None)

    def span(a, b):
        return None if a is None or b is None else (b - a) / 1000
    return {"to_rerun_sent_s": span(click_ms, sent), "rerun_to_run_start_s": span(sent, start),
            "run_start_to_title_message_s": span(start, heading),
            "title_message_to_painted_s": span(heading, title_ms),
            "server_run_s": span(start, finished)}


def map_click(browser, url: str, slug: str, target, pid: int) -> Measure:
    """Seconds from a click on a QPV of the map (hovered first, the map drawn) to its portrait's
    title shown. Its breakdown (click_breakdown, page-side clock) adds `chromium_cpu_s`, the CPU
    of Chromium's processes (renderer, GPU…) meanwhile."""
    code, name, view, lon, lat = target
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    context.add_init_script(CLICK_TIMINGS_SCRIPT)
    try:
        pg = context.new_page()
        runs = Runs(pg)
        payloads: list = []
        pg.on("websocket", lambda ws: ws.on("framereceived", lambda p: payloads.append(p)))
        pg.goto(f"{url}/carte?territoire={slug}&indicateur=poverty_rate_pct")
        canvas = pg.locator("[data-testid='stDeckGlJsonChart'] canvas").first
        canvas.wait_for(state="visible", timeout=180_000)
        _wait(pg, lambda: "Cliquez sur un quartier" in _text(pg))
        pg.wait_for_timeout(2500)                          # WebGL draw
        box = canvas.bounding_box(timeout=180_000)
        cx, cy = _pixel(view["longitude"], view["latitude"], view["zoom"])
        px, py = _pixel(lon, lat, view["zoom"])
        x, y = box["x"] + box["width"] / 2 + (px - cx), box["y"] + box["height"] / 2 + (py - cy)
        title = pg.locator("h1", has_text=f"Portrait de quartier : {name}")
        for _ in range(3):
            pg.mouse.move(x, y)
            pg.wait_for_timeout(1200)
            m = Measure(pid)
            seen = len(payloads)
            done = pg.evaluate("window.__qpvClick.received.length")
            cpu0 = own_chromium_cpu()
            m.start()
            runs.start()
            pg.mouse.click(x, y)
            try:
                title.first.wait_for(state="visible", timeout=20_000)
                m.stop()
                cpu1 = own_chromium_cpu()
                with contextlib.suppress(Exception):   # the title seen by the page's own clock
                    pg.wait_for_function("window.__qpvClick.title !== null", timeout=10_000)
                q = pg.evaluate("window.__qpvClick")
                # The page records each message as Playwright does: the same order, one websocket.
                kinds = [message_kind(p) for p in payloads[seen:]]
                m.breakdown = click_breakdown(
                    q["click"], q["sent"], list(zip(q["received"][done:], kinds)), q["title"])
                m.breakdown["chromium_cpu_s"] = sum(v - cpu0.get(k, 0.0) for k, v in cpu1.items())
                _settle(pg)
                m.runs, m.fragment_runs = runs.count, runs.fragments
                return m
            except Exception:      # noqa: BLE001 - not drawn yet on a loaded machine: again
                continue
        raise TimeoutError(f"le clic sur {code} n'a pas ouvert son portrait")
    finally:
        context.close()


def territory_switch(browser, url: str, from_slug: str, to_label: str, to_name: str, pid: int) -> Measure:
    """Seconds from choosing another territory in the sidebar to the page showing it."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    try:
        pg = context.new_page()
        runs = Runs(pg)
        pg.goto(f"{url}/?territoire={from_slug}")
        pg.locator("[data-testid='stMetricValue']").first.wait_for(state="visible", timeout=180_000)
        pg.wait_for_timeout(800)
        pg.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
        option = pg.locator("[role='option']", has_text=to_label).first
        option.wait_for(state="visible", timeout=10_000)
        caption = NBSP_RE.sub(" ", to_name)
        _settle(pg)
        m = Measure(pid)
        m.start()
        runs.start()
        option.click()
        _wait(pg, lambda: caption in NBSP_RE.sub(" ", pg.locator(
            "[data-testid='stMain'] [data-testid='stCaptionContainer']").first.inner_text())
            and pg.locator("[data-testid='stMetricValue']").first.is_visible())
        m.stop()
        _settle(pg)
        m.runs, m.fragment_runs = runs.count, runs.fragments
        return m
    finally:
        context.close()


def _settle(pg, timeout_s: float = 60) -> None:
    """Until the run in progress is over (Streamlit's status widget gone), and a moment more
    for a run that would follow it."""
    _wait(pg, lambda: pg.locator("[data-testid='stStatusWidget']").count() == 0, timeout_s)
    pg.wait_for_timeout(1500)
    _wait(pg, lambda: pg.locator("[data-testid='stStatusWidget']").count() == 0, timeout_s)


def browse_everything(browser, url: str, slugs: list[str]) -> int:
    """Every page of every territory, once; returns the pages opened."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
    n = 0
    try:
        pg = context.new_page()
        for slug in slugs:
            for path in PAGES:
                pg.goto(f"{url}/{path}?territoire={slug}")
                _wait(pg, lambda: pg.locator("[data-testid='stMain'] h1").first.is_visible(), 120)
                # The run is over when Streamlit's status widget is gone.
                _wait(pg, lambda: pg.locator("[data-testid='stStatusWidget']").count() == 0, 120)
                n += 1
    finally:
        context.close()
    return n


def run(db: Path, repeat: int = 3) -> dict[str, float]:
    from etl.db import open_snapshot, snapshot_cursor
    from playwright.sync_api import sync_playwright

    from ui import views

    if not Path(CHROMIUM).exists():
        print(f"  Chromium absent ({CHROMIUM}) : mesures du navigateur sautées")
        return {}
    con = open_snapshot(db)
    contracts = snapshot_cursor(con).execute(
        "select contract_slug, contract_name from contracts order by is_fictional, contract_slug").fetchall()
    con.close()
    slugs = [c[0] for c in contracts]
    with_map = next(((s, t) for s in slugs if (t := map_target(db, s))), None)
    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="qpv-bench-browser-") as tmp, \
            streamlit_server(db, Path(tmp)) as (url, pid), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            def measure(name, label, target, fn):
                first = fn()
                runs = [fn() for _ in range(repeat)]
                wall = statistics.median(m.wall for m in runs)
                cpu = statistics.median(m.server_cpu for m in runs)
                n_runs = statistics.median(m.runs for m in runs) if first.runs is not None else None
                n_fragments = statistics.median(m.fragment_runs for m in runs) if n_runs is not None else 0
                _line(label, wall, target, f"CPU du serveur {cpu:.2f} s ; 1re fois {first.wall:.2f} s, "
                                           f"CPU {first.server_cpu:.2f} s"
                      + ("" if n_runs is None else f" ; exécutions du script : {n_runs:g}")
                      + (f" (+ {n_fragments:g} de fragment)" if n_fragments else ""))
                out.update({f"{name}_s": wall, f"{name}_server_cpu_s": cpu,
                            f"{name}_first_s": first.wall, f"{name}_first_server_cpu_s": first.server_cpu})
                if n_runs is not None:
                    out[f"{name}_script_runs_count"] = n_runs
                    out[f"{name}_fragment_runs_count"] = n_fragments
                parts = {k: [m.breakdown[k] for m in runs if m.breakdown.get(k) is not None]
                         for k in CLICK_PARTS}
                if any(parts.values()):
                    med = {k: statistics.median(v) if v else None for k, v in parts.items()}
                    out.update({f"{name}_{k}": v for k, v in med.items()})
                    print("    " + click_parts_line(med))

            def home(name, cache, context_of, server_url=url, server_pid=pid, label="Accueil"):
                ours = label == "Accueil"           # the floor has no chart to wait for
                first = home_first_figure(browser, server_url, server_pid, context_of(), ours)
                runs = [home_first_figure(browser, server_url, server_pid, context_of(), ours)
                        for _ in range(repeat)]
                wall = statistics.median(m.wall for m, _ in runs)
                cpu = statistics.median(m.server_cpu for m, _ in runs)
                charts = [c for _, c in runs if c is not None]
                chart = statistics.median(charts) if charts else None
                _line(f"{label}, cache {cache} : premier chiffre clé", wall, "home",
                      f"CPU du serveur {cpu:.2f} s ; 1re fois {first[0].wall:.2f} s")
                if chart is not None:
                    _line(f"{label}, cache {cache} : premier graphique dessiné", chart, "home",
                          f"1re fois {first[1]:.2f} s" if first[1] is not None else "")
                out.update({f"{name}_s": wall, f"{name}_server_cpu_s": cpu, f"{name}_first_s": first[0].wall,
                            f"{name}_first_server_cpu_s": first[0].server_cpu})
                if ours:
                    out[f"{name.replace('figure', 'chart')}_s"] = chart
                parts = {k: [m.breakdown[k] for m, _ in runs if m.breakdown.get(k) is not None]
                         for k in ("boot_s", "server_s", "browser_s", "static_mb", "heavy_mb",
                                   "chromium_cpu_s")}
                med = {k: statistics.median(v) if v else None for k, v in parts.items()}
                out.update({f"{name}_{k}": v for k, v in med.items()})
                if med["boot_s"] is not None:
                    def fig(v, unit):
                        return "?" if v is None else f"{v:.2f} {unit}".replace(".", ",")
                    print(f"    dont : front de Streamlit chargé (navigation → websocket ouvert) "
                          f"{fig(med['boot_s'], 's')} ; serveur (websocket → message du premier "
                          f"st.metric) {fig(med['server_s'], 's')} ; navigateur (ce message → "
                          f"chiffre affiché) {fig(med['browser_s'], 's')} ; CPU de Chromium "
                          f"{fig(med['chromium_cpu_s'], 's')} ; fichiers statiques lus avant le "
                          f"chiffre {fig(med['static_mb'], 'Mo')} (morceaux de plus de 400 ko : "
                          f"{fig(med['heavy_mb'], 'Mo')})")

            home("home_first_figure", "vide (première visite)", lambda: None)
            warm_context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="fr-FR")
            try:
                home("home_first_figure_warm_cache", "chaud (visiteur qui revient)", lambda: warm_context)
            finally:
                warm_context.close()
            # The floor: Streamlit's own front end with one st.metric, on this machine now.
            with floor_server(Path(tmp)) as (floor_url, floor_pid):
                home("floor_first_figure", "vide", lambda: None, floor_url, floor_pid,
                     "Plancher (application nue, un st.metric)")
                floor_context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                                    locale="fr-FR")
                try:
                    home("floor_first_figure_warm_cache", "chaud", lambda: floor_context, floor_url,
                         floor_pid, "Plancher (application nue, un st.metric)")
                finally:
                    floor_context.close()
            if with_map:
                slug, target = with_map
                measure("map_click_portrait", f"Clic sur la carte → portrait ({slug}, {target[0]})",
                        "map_click", lambda: map_click(browser, url, slug, target, pid))
            if len(contracts) >= 2:
                (a, _), (b, b_name) = contracts[0], contracts[1]
                label = views.short_name(b_name)
                measure("territory_switch", f"Changement de territoire ({a} → {b})", "switch",
                        lambda: territory_switch(browser, url, a, label, b_name, pid))
            n = browse_everything(browser, url, slugs)
            rss = tree_rss_mib(pid)
            verdict = "OK" if rss < TARGET_RSS_MIB else f"AU-DESSUS de {TARGET_RSS_MIB} Mio"
            print(f"  Mémoire du serveur après {n} pages ({len(slugs)} territoires) : {rss:7.0f} Mio  {verdict}")
            out.update(server_rss_after_all_pages_mib=rss, pages_browsed_count=n)
        finally:
            browser.close()
    return out


CLICK_PARTS = ("to_rerun_sent_s", "rerun_to_run_start_s", "run_start_to_title_message_s",
               "title_message_to_painted_s", "server_run_s", "chromium_cpu_s")
CLICK_PART_LABELS = ("clic → relance envoyée par la page (la carte)",
                     "→ début de l'exécution sur le serveur",
                     "→ message du titre (serveur)", "→ titre affiché (navigateur)",
                     "exécution entière sur le serveur", "CPU de Chromium")


def click_parts_line(med: dict[str, float | None]) -> str:
    """The French line of a click's breakdown (medians in seconds, None: not seen)."""
    return "dont : " + " ; ".join(
        f"{label} {'?' if med.get(k) is None else f'{med[k]:.2f} s'.replace('.', ',')}"
        for k, label in zip(CLICK_PARTS, CLICK_PART_LABELS))


def _line(label: str, seconds: float, target: str, note: str) -> None:
    goal = TARGETS_S[target]
    verdict = "OK" if seconds < goal else f"AU-DESSUS de {goal:g} s".replace(".", ",")
    print(f"  {label:<58} {seconds:6.2f} s  {verdict} ({note})".replace(".", ","))
