"""Chart and map images for reports: PNG at print resolution and SVG, with the title, the unit,
the source line and the date inside the image.

One shared kaleido export server (one Chromium) serves every image of the process: it is started
lazily by the first export (`kaleido.start_sync_server`), kaleido finds Debian's
/usr/bin/chromium itself. It draws RENDER_TABS charts at once on as many tabs, each caller
answered through its own future (`_serve`, `_RoutedTask`): kaleido's own sync call is one queue
for one caller at a time, and Streamlit runs sessions in threads. Use `to_image` (or the
functions below), not `plotly.io.to_image`, from threads. Rendered images are kept by content (a
hash of the figure sent, its size and its band texts): a chart drawn once in a process is not
drawn again, and a changed figure has another key. A report submits its charts with
`figure_png_later` as it reads its sections, each with its pixel size known beforehand
(`png_size`): Chromium renders them while Python lays out the report.

The chart is rendered by plotly without its own title; a header band (title, unit, demo mark) and
a footer band (source line, date) are added around it — with Pillow for PNG, as an enclosing
SVG for SVG — so that axis labels and legends, which plotly places itself, never collide with
the source line.

Maps (`qpv_map_figure`, `map_png`, `map_svg`) are drawn with plotly on plain axes (no tiles, no
network): QPV polygons from `territory_geometries.geom_simplified_geojson` coloured by classes
with a legend, withheld values in grey, commune outlines and names.
"""
from __future__ import annotations

import copy
import datetime as dt
import hashlib
import io
import json
import math
import queue
import re
import threading
from collections import OrderedDict
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from functools import lru_cache
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import plotly.graph_objects as go

from config import DEMO_MARK
from indicators import registry
from indicators.compare import classify, legend, value_decimals
from indicators.fmt import UNIT_SUFFIX, fmt_status, wrap_words
from indicators.text import plot_text
from reports import palette

FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
FONT_BOLD_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FONT_FAMILY = "DejaVu Sans, Arial, sans-serif"

# A4 portrait minus 2 × 2 cm margins is 17 cm wide: 900 CSS px × 2.5 = 2 250 px ≈ 336 dpi.
DEFAULT_WIDTH = 900
DEFAULT_HEIGHT = 520
DEFAULT_SCALE = 2.5

_server_lock = threading.Lock()
_render_lock = threading.Lock()
_server_started = False


# ── The shared export server ────────────────────────────────────────────────────────────────
def _ensure_server() -> None:
    """Start the process-wide kaleido server once; restart it if its thread has died."""
    global _server_started
    import kaleido
    from kaleido import _global_server  # the singleton start_sync_server() opens

    with _server_lock:
        thread = getattr(_global_server, "_thread", None)
        if _server_started and _global_server.is_running() and thread is not None and thread.is_alive():
            return
        if _global_server.is_running():
            kaleido.stop_sync_server(silence_warnings=True)
        # The singleton's serving coroutine, on this instance only: the same loop as kaleido's
        # (GlobalKaleidoServer._server), around a Kaleido that keeps its page between renders.
        # Only on the kaleido internals it was written for (1.x); else kaleido's own loop.
        from kaleido import Kaleido
        global _concurrent
        _concurrent = hasattr(Kaleido, "_return_kaleido_tab") and hasattr(type(_global_server), "_server")
        tabs = {}
        if _concurrent:
            _global_server._server = _serve.__get__(_global_server)
            tabs = {"n": RENDER_TABS}
        # mathjax=False: no CDN request (the machines have no internet).
        kaleido.start_sync_server(mathjax=False, silence_warnings=True, **tabs)
        _server_started = True


# kaleido reloads its page (plotly.js, 4,7 MB, parsed again) after every image: 0,7 s of Chromium
# CPU for a chart that takes 0,05 s to draw. The page is kept for this many renders, then reloaded
# (memory stays bounded); images are the same bytes (tests/exports/test_image_cache.py).
RELOAD_EVERY = 50


def _kaleido_class():
    from kaleido import Kaleido

    class PageKeepingKaleido(Kaleido):
        _renders_since_reload = 0

        async def _return_kaleido_tab(self, tab) -> None:
            self._renders_since_reload += 1
            if self._renders_since_reload >= RELOAD_EVERY:
                self._renders_since_reload = 0
                await super()._return_kaleido_tab(tab)       # reloads, then puts it back
            else:
                await self.tabs_ready.put(tab)

    return PageKeepingKaleido


# Charts drawn at once by the export server: one Chromium, this many tabs (kaleido's `n`). The
# report's worker threads are one more than this: one composes the bands of a chart drawn while
# Chromium draws the next. One tab on the 2 shared cores: a second tab drew the demo report's 35
# charts with about as much Chromium CPU, but its start (plotly.js loaded twice) cost 6 s more
# of Chromium CPU under load (README, Benchmarks). Raise it on a machine with cores to spare.
RENDER_TABS = 1
_concurrent = False          # True once `_serve` (concurrent renders) runs the server


# How long the server's wait for a task lasts before it looks again (see `_serve`).
TASK_POLL_S = 0.5
_NO_TASK = object()


@dataclass(frozen=True)
class _RoutedTask:
    """A render for `_serve` that answers through its own future (`to_image`), so that several
    renders run at once and each caller gets its own image (kaleido's return queue is one queue
    for one caller at a time)."""
    fig: dict
    opts: dict
    future: Future


async def _serve(self, *args, **kwargs):
    """kaleido._sync_server.GlobalKaleidoServer._server (kaleido 1.5) with PageKeepingKaleido,
    rendering `_RoutedTask`s concurrently on the Kaleido's tabs; kaleido's own tasks (its sync
    functions) run one at a time as in kaleido."""
    import asyncio

    async def routed(task: _RoutedTask) -> None:
        try:
            image = await k.calc_fig(task.fig, opts=task.opts)
        except Exception as e:  # noqa: BLE001 (handed to the caller, as kaleido does)
            task.future.set_exception(e)
        else:
            task.future.set_result(image)

    def next_task():
        # Never an unbounded wait: a process that ends without stop_server() joins the executor's
        # threads at exit (concurrent.futures), and one blocked on the queue hung it for ever.
        try:
            return self._task_queue.get(timeout=TASK_POLL_S)
        except queue.Empty:
            return _NO_TASK

    loop = asyncio.get_running_loop()
    running: set = set()
    async with _kaleido_class()(*args, **kwargs) as k:
        while True:
            # Waited for off the loop, so that the renders under way go on meanwhile.
            try:
                task = await loop.run_in_executor(None, next_task)
            except RuntimeError:          # the interpreter is ending: no executor job any more
                if running:
                    await asyncio.wait(running)
                return
            if task is _NO_TASK:
                continue
            if task is None:
                if running:
                    await asyncio.wait(running)
                self._task_queue.task_done()
                return
            if isinstance(task, _RoutedTask):
                job = asyncio.ensure_future(routed(task))
                running.add(job)
                job.add_done_callback(running.discard)
                self._task_queue.task_done()
                continue
            try:
                self._return_queue.put(await getattr(k, task.fn)(*task.args, **task.kwargs))
            except Exception as e:  # noqa: BLE001 (handed to the caller, as kaleido does)
                self._return_queue.put(e)
            self._task_queue.task_done()


def stop_server() -> None:
    """Stop the shared server (tests, end of a batch). The next export starts it again."""
    global _server_started
    import kaleido
    with _server_lock:
        kaleido.stop_sync_server(silence_warnings=True)
        _server_started = False


def to_image(fig: go.Figure | dict, *, fmt: str = "png", width: int = DEFAULT_WIDTH,
             height: int = DEFAULT_HEIGHT, scale: float = DEFAULT_SCALE) -> bytes:
    """The figure as it is, rendered by the shared server (thread-safe)."""
    import kaleido
    from kaleido import _global_server
    fig_dict = fig.to_dict() if isinstance(fig, go.Figure) else fig
    opts = {"format": fmt, "width": width, "height": height, "scale": scale}
    _ensure_server()
    if _concurrent:
        # Up to RENDER_TABS callers are drawn at once; the others wait for a tab in the server.
        answer: Future = Future()
        _global_server._task_queue.put(_RoutedTask(fig_dict, opts, answer))
        return answer.result()
    with _render_lock:
        return kaleido.calc_fig_sync(fig_dict, opts=opts)


# ── Header and footer bands ─────────────────────────────────────────────────────────────────
@lru_cache(maxsize=32)
def _font(size_px: int, bold: bool = False):
    from PIL import ImageFont
    return ImageFont.truetype(FONT_BOLD_PATH if bold else FONT_PATH, size_px)


def _wrap(text: str, size_px: int, max_width_px: float, bold: bool = False) -> list[str]:
    """Greedy word wrap measured with DejaVu Sans (the font of the bands). The spaces of French
    typography and of dates are non-breaking first (indicators.text.french_spacing,
    fmt.no_break_dates): a line never ends with « nor starts with », « ; » or « : », nor breaks
    a date (issue 11: a portrait chart's source line ended on « bloc cité « »)."""
    from indicators.fmt import no_break_dates
    from indicators.text import french_spacing
    font = _font(size_px, bold)
    lines: list[str] = []
    for paragraph in no_break_dates(french_spacing(text)).split("\n"):
        words = paragraph.split(" ")
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if font.getlength(candidate) <= max_width_px or not line:
                line = candidate
            else:
                lines.append(line)
                line = word
        lines.append(line)
    return lines


def _fr_date(value: dt.date | str | None) -> str:
    """« 1er décembre 2026 » (indicators.fmt.fmt_date)."""
    from indicators.fmt import fmt_date
    if value is None:
        value = dt.date.today()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    return fmt_date(value)


@dataclass
class _Line:
    text: str
    size: int
    bold: bool = False
    colour: str = palette.TEXT
    box: bool = False          # the demo mark: drawn on a yellow box
    gap_before: int = 0


@dataclass
class Bands:
    """Text laid out above and below the chart, in CSS px (scaled at drawing time)."""
    width: int
    header: list[_Line] = field(default_factory=list)
    footer: list[_Line] = field(default_factory=list)
    pad_x: int = 16
    pad_y: int = 10

    @staticmethod
    def line_height(line: _Line) -> int:
        return round(line.size * 1.3) + (6 if line.box else 0) + line.gap_before

    def header_height(self) -> int:
        return (sum(self.line_height(l) for l in self.header) + 2 * self.pad_y) if self.header else 0

    def footer_height(self) -> int:
        return (sum(self.line_height(l) for l in self.footer) + 2 * self.pad_y) if self.footer else 0


def _bands(width: int, *, title: str | None, unit: str | None, source_line: str | None,
           date: dt.date | str | None, mark: str | None) -> Bands:
    bands = Bands(width=width)
    usable = width - 2 * bands.pad_x
    if title:
        bands.header += [_Line(t, 19, bold=True) for t in _wrap(title, 19, usable, bold=True)]
    if unit:
        bands.header += [_Line(t, 13, colour=palette.TEXT_MUTED) for t in _wrap(f"Unité : {unit}", 13, usable)]
    if mark:
        bands.header.append(_Line(mark, 13, bold=True, colour=palette.DEMO_TEXT, box=True, gap_before=4))
    foot = []
    if source_line:
        foot.append(f"Source : {source_line}")
    foot.append(f"Export du {_fr_date(date)}")
    for i, text in enumerate(foot):
        for j, t in enumerate(_wrap(text, 12, usable)):
            bands.footer.append(_Line(t, 12, colour=palette.TEXT_MUTED))
    return bands


def _compose_png(chart_png: bytes, bands: Bands, scale: float) -> bytes:
    from PIL import Image, ImageDraw

    chart = Image.open(io.BytesIO(chart_png)).convert("RGB")
    head = round(bands.header_height() * scale)
    foot = round(bands.footer_height() * scale)
    out = Image.new("RGB", (chart.width, head + chart.height + foot), "white")
    out.paste(chart, (0, head))
    draw = ImageDraw.Draw(out)

    def draw_lines(lines: list[_Line], top_px: float) -> None:
        y = top_px + bands.pad_y * scale
        for line in lines:
            y += line.gap_before * scale
            size = round(line.size * scale)
            font = _font(size, line.bold)
            x = bands.pad_x * scale
            if line.box:
                w = font.getlength(line.text)
                pad = 4 * scale
                draw.rectangle([x - pad, y - pad / 2, x + w + pad, y + size * 1.25 + pad / 2],
                               fill=palette.DEMO_BACKGROUND, outline=palette.DEMO_BORDER, width=max(1, round(scale)))
                y += 3 * scale
            draw.text((x, y), line.text, font=font, fill=line.colour)
            y += (round(line.size * 1.3) + (3 if line.box else 0)) * scale

    draw_lines(bands.header, 0)
    if bands.footer:
        draw.line([bands.pad_x * scale, head + chart.height, chart.width - bands.pad_x * scale,
                   head + chart.height], fill=palette.RULE, width=max(1, round(scale)))
    draw_lines(bands.footer, head + chart.height)
    buf = io.BytesIO()
    # 300 dpi recorded in the file so that word processors size it for print.
    out.save(buf, format="PNG", optimize=False, dpi=(300, 300))
    return buf.getvalue()


def _compose_svg(chart_svg: bytes, bands: Bands, width: int, height: int) -> bytes:
    head = bands.header_height()
    foot = bands.footer_height()
    total = head + height + foot
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
             f'width="{width}" height="{total}" viewBox="0 0 {width} {total}">',
             f'<rect x="0" y="0" width="{width}" height="{total}" fill="white"/>']

    def lines_svg(lines: list[_Line], top: float) -> None:
        y = top + bands.pad_y
        for line in lines:
            y += line.gap_before
            if line.box:
                w = _font(line.size, line.bold).getlength(line.text)
                parts.append(f'<rect x="{bands.pad_x - 4}" y="{y - 2:.1f}" width="{w + 8:.1f}" '
                             f'height="{line.size * 1.25 + 4:.1f}" fill="{palette.DEMO_BACKGROUND}" '
                             f'stroke="{palette.DEMO_BORDER}"/>')
                y += 3
            weight = ' font-weight="bold"' if line.bold else ""
            parts.append(f'<text x="{bands.pad_x}" y="{y + line.size:.1f}" font-family="{FONT_FAMILY}" '
                         f'font-size="{line.size}" fill="{line.colour}"{weight} xml:space="preserve">'
                         f'{xml_escape(line.text)}</text>')
            y += round(line.size * 1.3) + (3 if line.box else 0)

    lines_svg(bands.header, 0)
    inner = chart_svg.decode("utf-8")
    if inner.startswith("<?xml"):
        inner = inner.split("?>", 1)[1]
    # Nest the plotly SVG at its offset (x/y on a nested <svg> are honoured by every viewer).
    inner = inner.replace("<svg ", f'<svg x="0" y="{head}" ', 1)
    parts.append(inner)
    if bands.footer:
        parts.append(f'<line x1="{bands.pad_x}" y1="{head + height}" x2="{width - bands.pad_x}" '
                     f'y2="{head + height}" stroke="{palette.RULE}"/>')
    lines_svg(bands.footer, head + height)
    parts.append("</svg>")
    return "".join(parts).encode("utf-8")


def _bare(fig: go.Figure | dict, title: str | None) -> go.Figure:
    """A copy of the figure without its own title (the band carries it), in the report font."""
    out = go.Figure(copy.deepcopy(fig.to_dict() if isinstance(fig, go.Figure) else fig))
    if title:
        out.update_layout(title_text=None)
        if out.layout.margin.t is None:
            out.update_layout(margin_t=30)
    out.update_layout(font_family=FONT_FAMILY, paper_bgcolor="white")
    return out


class FigureSpec(dict):
    """A figure built as a plain dict already in the form `go.Figure(...).to_dict()` gives
    (nested properties, lists, the template spelled out: `template_dict`), sent to the export
    server as it is. Building and validating a `go.Figure` cost a report's twelve portraits most of
    their chart time (plotly checks every property and copies its template); a spec builder's
    test asserts `go.Figure(spec).to_dict() == spec`, so the server draws what a validated figure
    would have sent."""


@lru_cache(maxsize=8)
def _template_json(name: str | None) -> str | None:
    layout = (go.Figure(layout={"template": name}) if name else go.Figure()).to_dict()["layout"]
    return json.dumps(layout["template"]) if "template" in layout else None


def template_dict(name: str | None = None) -> dict | None:
    """The layout template as `go.Figure(...).to_dict()` spells it (a fresh copy): `name`
    ("simple_white"), or plotly's default template when None (what a figure built without one
    carries; None when there is no default)."""
    import plotly.io as pio
    text = _template_json(name or (pio.templates.default or None))
    return json.loads(text) if text is not None else None


def bare_spec(fig: go.Figure | dict, title: str | None) -> dict:
    """`_bare(fig, title).to_dict()`, what the export server is sent, built on the figure's dict
    instead of through a second validated plotly Figure (a quarter of a chart's CPU): the title
    text removed, 30 px on top when no top margin is set, the report font, a white paper."""
    if isinstance(fig, FigureSpec):
        spec = copy.deepcopy(dict(fig))           # already normalised: copied, never validated
    elif not isinstance(fig, go.Figure):
        return _bare(fig, title).to_dict()        # a raw dict is validated (normalised) once
    else:
        spec = fig.to_dict()                      # plotly returns a deep copy
    layout = spec.setdefault("layout", {})
    if title:
        head = layout.get("title")
        if isinstance(head, dict):
            head.pop("text", None)                # an emptied title stays {} as plotly leaves it
        margin = layout.setdefault("margin", {})
        if margin.get("t") is None:
            margin["t"] = 30
    layout.setdefault("font", {})["family"] = FONT_FAMILY
    layout["paper_bgcolor"] = "white"
    return spec


# ── Rendered images, cached by content ──────────────────────────────────────────────────────
# Final image bytes by (format, hash of the figure sent to the server, size, scale, band texts):
# a portrait built twice, or a chart downloaded after its report, is rendered once per process.
# A figure whose JSON differs in anything (data, text, colours, size) has another key.
_CACHE_MAX_BYTES = 64 * 2**20       # the least recently used go first
_cache: OrderedDict[tuple, bytes] = OrderedDict()
_cache_bytes = 0
_cache_lock = threading.Lock()
renders = 0          # charts rendered by the export server in this process (tests, benchmarks)


def spec_key(spec: dict) -> str:
    """A hash of the figure's JSON (the figure the export server would draw)."""
    from plotly.utils import PlotlyJSONEncoder
    text = json.dumps(spec, cls=PlotlyJSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _cache_get(key: tuple) -> bytes | None:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
        return hit


def _cache_put(key: tuple, value: bytes) -> None:
    global _cache_bytes
    with _cache_lock:
        if key in _cache:
            return
        _cache[key] = value
        _cache_bytes += len(value)
        while _cache_bytes > _CACHE_MAX_BYTES and len(_cache) > 1:
            _, old = _cache.popitem(last=False)
            _cache_bytes -= len(old)


def clear_cache() -> None:
    """Forget every rendered image (tests, benchmarks of a cold render)."""
    global _cache_bytes
    with _cache_lock:
        _cache.clear()
        _cache_bytes = 0


def _image_key(fmt: str, key: str, *, title, unit, source_line, date, scale, width, height, mark) -> tuple:
    return (fmt, key, width, height, scale, title, unit, source_line, _fr_date(date), mark)


def png_size(*, title, unit, source_line, date, scale, width, height, mark) -> tuple[int, int] | None:
    """The pixel size (width, height) of the image `figure_png` composes, known before it is
    rendered: the chart Chromium draws is `width` × `height` CSS px at `scale`, the bands above
    and below it are measured here. None when `width` or `height` × `scale` is not a whole number
    of pixels (Chromium's rounding is not assumed)."""
    chart_w, chart_h = width * scale, height * scale
    if chart_w != int(chart_w) or chart_h != int(chart_h):
        return None
    bands = _bands(width, title=title, unit=unit, source_line=source_line, date=date, mark=mark)
    return int(chart_w), round(bands.header_height() * scale) + int(chart_h) + round(bands.footer_height() * scale)


def _render_png(spec: dict, key: str, *, title, unit, source_line, date, scale, width, height, mark) -> bytes:
    global renders
    ckey = _image_key("png", key, title=title, unit=unit, source_line=source_line, date=date,
                      scale=scale, width=width, height=height, mark=mark)
    hit = _cache_get(ckey)
    if hit is not None:
        return hit
    bands = _bands(width, title=title, unit=unit, source_line=source_line, date=date, mark=mark)
    chart = to_image(spec, fmt="png", width=width, height=height, scale=scale)
    with _cache_lock:
        renders += 1
    out = _compose_png(chart, bands, scale)
    _cache_put(ckey, out)
    return out


def figure_png(fig: go.Figure | dict, *, title: str | None = None, unit: str | None = None,
               source_line: str | None = None, date: dt.date | str | None = None,
               scale: float = DEFAULT_SCALE, width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT,
               mark: str | None = None) -> bytes:
    """The chart as a PNG for print: `width`×`height` CSS px of chart at `scale` (2 250 px wide by
    default, ≈ 300 dpi over 17 cm), plus the title and unit above and the source line and date
    below, inside the image. `mark=config.DEMO_MARK` for the fictional territory. Rendered once
    per content in a process (the cache above)."""
    spec = bare_spec(fig, title)
    return _render_png(spec, spec_key(spec), title=title, unit=unit, source_line=source_line, date=date,
                       scale=scale, width=width, height=height, mark=mark)


_executor_lock = threading.Lock()
_executor = None


def figure_png_later(fig: go.Figure | dict, **kwargs) -> Future:
    """`figure_png(fig, **kwargs)` started now and collected later (`.result()`): a report submits
    every chart as it lays out its sections, and the export server (Chromium, another process)
    renders them one after the other on a worker thread while Python goes on with the rest of the
    report. The figure is copied now, so it may change afterwards; a cached image is ready at once.
    The future's `size_px` is the image's pixel size (`png_size`, None when not known in advance)."""
    global _executor
    title = kwargs.get("title")
    spec = bare_spec(fig, title)
    key = spec_key(spec)
    args = dict(title=title, unit=kwargs.get("unit"), source_line=kwargs.get("source_line"),
                date=kwargs.get("date"), scale=kwargs.get("scale", DEFAULT_SCALE),
                width=kwargs.get("width", DEFAULT_WIDTH), height=kwargs.get("height", DEFAULT_HEIGHT),
                mark=kwargs.get("mark"))
    unknown = set(kwargs) - set(args)
    if unknown:
        raise TypeError(f"figure_png_later: unexpected arguments {sorted(unknown)}")
    hit = _cache_get(_image_key("png", key, **args))
    if hit is not None:
        done: Future = Future()
        done.set_result(hit)
        return done
    with _executor_lock:
        if _executor is None:
            from concurrent.futures import ThreadPoolExecutor
            # The server draws RENDER_TABS charts at once; one more worker composes the bands
            # of a chart drawn while those are drawn.
            _executor = ThreadPoolExecutor(max_workers=RENDER_TABS + 1, thread_name_prefix="qpv-images")
        pending = _executor.submit(_render_png, spec, key, **args)
    # Its size, known now: a report lays out its pages while the chart is still being drawn.
    pending.size_px = png_size(**args)
    return pending


def figure_svg(fig: go.Figure | dict, *, title: str | None = None, unit: str | None = None,
               source_line: str | None = None, date: dt.date | str | None = None,
               width: int = DEFAULT_WIDTH, height: int = DEFAULT_HEIGHT, mark: str | None = None,
               scale: float | None = None) -> bytes:
    """The chart as an SVG with the same title, unit, source line and date as `figure_png`
    (cached by content as well)."""
    global renders
    spec = bare_spec(fig, title)
    ckey = _image_key("svg", spec_key(spec), title=title, unit=unit, source_line=source_line, date=date,
                      scale=1, width=width, height=height, mark=mark)
    hit = _cache_get(ckey)
    if hit is not None:
        return hit
    bands = _bands(width, title=title, unit=unit, source_line=source_line, date=date, mark=mark)
    chart = to_image(spec, fmt="svg", width=width, height=height, scale=1)
    renders += 1
    out = _compose_svg(chart, bands, width, height)
    _cache_put(ckey, out)
    return out


# ── Maps ────────────────────────────────────────────────────────────────────────────────────
@dataclass
class MapArea:
    code: str
    name: str
    rings: list[list[tuple[float, float]]]      # exterior rings (lon, lat)
    centroid: tuple[float, float]
    value: float | None = None
    status: str = "missing"
    class_index: int | None = None              # None: withheld or missing


@dataclass
class MapData:
    qpvs: list[MapArea]
    communes: list[MapArea]
    indicator_label: str | None = None
    unit: str | None = None
    year: int | None = None
    source_line: str | None = None
    class_labels: list[str] = field(default_factory=list)
    is_fictional: bool = False

    @property
    def has_contours(self) -> bool:
        return bool(self.qpvs)


def _rings(geojson_text: str) -> list[list[tuple[float, float]]]:
    geom = json.loads(geojson_text)
    if geom.get("type") == "Feature":
        geom = geom["geometry"]
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    elif geom["type"] == "GeometryCollection":
        return [r for g in geom["geometries"] for r in _rings(json.dumps(g))]
    else:
        return []
    return [[(float(p[0]), float(p[1])) for p in poly[0]] for poly in polys if poly]


def _ring_centroid(rings: list[list[tuple[float, float]]]) -> tuple[float, float]:
    from shapely.geometry import MultiPolygon, Polygon
    polys = [Polygon(r) for r in rings if len(r) >= 3]
    if not polys:
        return (math.nan, math.nan)
    shape = MultiPolygon(polys) if len(polys) > 1 else polys[0]
    point = shape.representative_point()
    return (point.x, point.y)


def load_map_data(con, *, contract_slug: str | None = None, qpv_codes: list[str] | None = None,
                  indicator_id: str | None = None, year: int | None = None, k: int = 5,
                  method: str = "quantile") -> MapData:
    """QPV contours (of a contract, or the given codes) with an indicator's values and classes,
    and the contours or label positions of their communes. Classes come from
    `indicators.compare.classify`, as on the map page, so the exported legend is the page's."""
    if qpv_codes is None:
        if contract_slug is None:
            raise ValueError("contract_slug or qpv_codes is required")
        qpv_codes = [r[0] for r in con.execute(
            "select territory_code from contract_territories where contract_slug = ? and territory_level = 'qpv'"
            " order by territory_code", [contract_slug]).fetchall()]
    codes = list(dict.fromkeys(qpv_codes))
    if not codes:
        return MapData(qpvs=[], communes=[])
    marks = ", ".join("?" for _ in codes)
    rows = con.execute(
        f"""select t.territory_code, t.territory_name, g.geom_simplified_geojson, g.centroid_lon,
                   g.centroid_lat, t.is_fictional
            from territories t
            join territory_geometries g on g.territory_code = t.territory_code and g.territory_level = 'qpv'
            where t.territory_level = 'qpv' and t.territory_code in ({marks})
            order by t.territory_code""", codes).fetchall()
    seen: set[str] = set()
    qpvs: list[MapArea] = []
    fictional = False
    for code, name, gj, clon, clat, is_fict in rows:
        if code in seen:
            continue
        seen.add(code)
        rings = _rings(gj)
        centroid = (clon, clat) if clon is not None and clat is not None else _ring_centroid(rings)
        qpvs.append(MapArea(code=code, name=name, rings=rings, centroid=centroid))
        fictional = fictional or bool(is_fict)
    data = MapData(qpvs=qpvs, communes=[], is_fictional=fictional)
    if not qpvs:
        return data

    # Communes: contours when loaded, else a label above their QPVs.
    commune_rows = con.execute(
        f"""select distinct q.commune_code, q.commune_name, q.qpv_code from qpv_communes q
            where q.qpv_code in ({marks}) order by q.commune_code""", codes).fetchall()
    by_commune: dict[str, tuple[str, list[str]]] = {}
    for ccode, cname, qcode in commune_rows:
        by_commune.setdefault(ccode, (cname or ccode, []))[1].append(qcode)
    if by_commune:
        cmarks = ", ".join("?" for _ in by_commune)
        geoms = {r[0]: r[1:] for r in con.execute(
            f"""select territory_code, geom_simplified_geojson, centroid_lon, centroid_lat
                from territory_geometries where territory_level = 'commune'
                and territory_code in ({cmarks})""", list(by_commune)).fetchall()}
        qpv_by_code = {q.code: q for q in qpvs}
        for ccode, (cname, qcodes) in by_commune.items():
            if ccode in geoms:
                gj, clon, clat = geoms[ccode]
                rings = _rings(gj)
                centroid = (clon, clat) if clon is not None else _ring_centroid(rings)
                data.communes.append(MapArea(code=ccode, name=cname, rings=rings, centroid=centroid))
            else:
                pts = [p for c in qcodes if c in qpv_by_code for r in qpv_by_code[c].rings for p in r]
                if pts:
                    lon = (min(p[0] for p in pts) + max(p[0] for p in pts)) / 2
                    lat = max(p[1] for p in pts)
                    data.communes.append(MapArea(code=ccode, name=cname, rings=[], centroid=(lon, lat)))

    if indicator_id:
        _attach_values(con, data, codes, indicator_id, year, k, method)
    return data


def keep_geography(con, data: MapData, like: str | None = None) -> MapData:
    """The map with the QPVs of one geography only (2015 and 2024 contours overlap): that of
    QPV `like`, else the latest the map holds. The communes stay."""
    codes = [q.code for q in data.qpvs]
    if not codes:
        return data
    marks = ", ".join("?" for _ in codes)
    vintages = dict(con.execute(
        f"select territory_code, any_value(geography_vintage) from territories where territory_level = 'qpv'"
        f" and territory_code in ({marks}) group by territory_code", codes).fetchall())
    known = [v for v in vintages.values() if v is not None]
    keep = vintages.get(like) if like in vintages else (max(known) if known else None)
    if keep is None:
        return data
    data.qpvs = [q for q in data.qpvs if vintages.get(q.code) in (keep, None)]
    return data


def map_geography(con, data: MapData, highlight: str | None = None) -> MapData:
    """A contract's exported map with one QPV geography (keep_geography): the highlighted QPV's,
    else the latest among the QPVs with a value of the indicator, else the latest (issue 11: the
    demo's `reports map` drew the 2015 and 2024 contours together, « Les Tilleuls » named twice)."""
    like = highlight
    if like is None:
        valued = [q.code for q in data.qpvs if q.value is not None or q.status == "secret"]
        if valued:
            marks = ", ".join("?" for _ in valued)
            vintages = dict(con.execute(
                f"select territory_code, any_value(geography_vintage) from territories where territory_level = 'qpv'"
                f" and territory_code in ({marks}) group by territory_code", valued).fetchall())
            like = max(valued, key=lambda c: vintages.get(c) or 0)
    return keep_geography(con, data, like=like)


def _attach_values(con, data: MapData, codes: list[str], indicator_id: str, year: int | None,
                   k: int, method: str) -> None:
    marks = ", ".join("?" for _ in codes)
    if year is None:
        found = con.execute(
            f"""select max(year) from indicator_values where indicator_id = ? and territory_level = 'qpv'
                and territory_code in ({marks})""", [indicator_id, *codes]).fetchall()
        year = found[0][0] if found else None
    meta = con.execute("select label, unit from indicator_catalog where indicator_id = ?",
                       [indicator_id]).fetchall()
    data.indicator_label, data.unit = (meta[0] if meta else (indicator_id, None))
    data.year = year
    if year is None:
        return
    rows = con.execute(
        f"""select territory_code, value, status, source_label from indicator_values
            where indicator_id = ? and year = ? and territory_level = 'qpv' and territory_code in ({marks})""",
        [indicator_id, year, *codes]).fetchall()
    by_code = {r[0]: r for r in rows}
    # The credits the map page shows (indicators.sources): a fictional value is never INSEE's,
    # a figure typed from a contract is credited to the contract.
    from indicators.sources import value_credits
    sources = value_credits(con, [(q.code, indicator_id, year) for q in data.qpvs if q.code in by_code])
    data.source_line = " ; ".join(sources) if sources else None
    shown: list[MapArea] = []
    for q in data.qpvs:
        if q.code in by_code:
            _, value, status, _ = by_code[q.code]
            q.status = status
            # A withheld value is never kept, even if a number was left beside its status.
            q.value = value if status == "ok" else None
            if q.value is not None:
                shown.append(q)
    if not shown:
        return
    ind = registry.BY_ID.get(indicator_id)
    cls = classify([q.value for q in shown], k=k, method=method,
                   higher_is_better=ind.higher_is_better if ind else None)
    for q in shown:
        q.class_index = cls.class_of(q.value)
    # The map page's legend (indicators.compare.MapData.legend): bounds at the values' precision.
    data.class_labels = [label for _, label in
                         legend(cls, data.unit, value_decimals([q.value for q in shown]))[:cls.k]]


def _path(rings: list[list[tuple[float, float]]]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        xs += [p[0] for p in ring] + [None]
        ys += [p[1] for p in ring] + [None]
    return xs, ys


@dataclass(frozen=True)
class Label:
    """A map label to place: anchor (x, y) in data units, text lines, font size (px)."""
    x: float
    y: float
    lines: tuple[str, ...]
    size: float
    bold: bool = False
    avoid_shapes: bool = False    # kept off the `shapes` given to place_labels (a commune's name off the QPVs)
    # The outline the label names (shapely, data units): the name goes on it or right beside it,
    # and the other labels keep off it (the highlighted QPV's name, issue 11).
    shape: Any = field(default=None, compare=False)


def label_width_px(lab: Label) -> float:
    """The width of a label's longest line in px, measured with DejaVu Sans (the maps' font;
    bold capitals are a third wider than an average of 0.62 em per character)."""
    font = _font(max(1, round(lab.size)), lab.bold)
    return max((font.getlength(t) for t in lab.lines), default=0.0)


# Where a label may go around its anchor, in order of preference (dx, dy in label widths/heights).
_LABEL_OFFSETS = ((0, 0), (0, 1), (0, -1), (0.6, 0), (-0.6, 0), (0.6, 1), (-0.6, 1), (0.6, -1),
                  (-0.6, -1), (0, 2), (0, -2),
                  # Further out, last: room for a commune's name kept off the QPVs of its centre.
                  (0.6, 2), (-0.6, 2), (0.6, -2), (-0.6, -2), (0, 3), (0, -3), (0.6, 3), (-0.6, 3),
                  (0.6, -3), (-0.6, -3))


def place_labels(labels: Sequence[Label], *, x_range: tuple[float, float], y_range: tuple[float, float],
                 width_px: float, height_px: float, y_ratio: float = 1.0,
                 obstacles: Sequence[tuple[float, float, float, float]] = (),
                 shapes: Sequence = (), outline_px: float = 3,
                 lines: list | None = None) -> list[tuple[float, float] | None]:
    """Centres (data units) for labels that never overlap, or None for a label left out.
    `lines`, when given, receives each label's lines as placed (a long name may be put on two).

    Labels are placed in the order given (most important first): each takes the first position
    around its anchor (on it, above, below, right, left…) whose box (its lines measured in
    DejaVu Sans, 1.25 em per line) overlaps no label placed before and no obstacle (x0, y0,
    x1, y1 in data units: what a label must not hide, such as the highlighted outline) and
    stays in the plot. The first label, when every place around it is taken by obstacles, keeps
    its anchor rather than vanish. `y_ratio` is the axes' scaleratio (a y unit is y_ratio times
    an x unit on screen), as plotly keeps it by widening one range. A label marked
    `avoid_shapes` also keeps off `shapes` (shapely geometries in data units: the QPVs' outlines,
    which a commune's name written over them hid).

    A label with a `shape` (the highlighted QPV's outline) names that polygon: it goes on it,
    centred on its anchor or on the polygon's representative point when its box fits inside the
    polygon, else right beside the polygon's bounding box (above, below, right, left, then at
    its corners), `outline_px` + 2 px away, preferably where it hides none of the `shapes` (the
    other QPVs' outlines); never over a label placed before it, and kept in
    the plot (on its anchor when nothing around the polygon is free). The other labels keep off
    that bounding box (plus `outline_px`, the outline's width) as off an obstacle."""
    import shapely
    from shapely.prepared import prep
    prepared = [prep(g) for g in shapes if g is not None and not g.is_empty]
    span_x = (x_range[1] - x_range[0]) or 1.0
    span_y = (y_range[1] - y_range[0]) or 1.0
    px = min(width_px / span_x, height_px / (span_y * y_ratio))     # screen px per x unit
    py = px * y_ratio
    cx, cy = (x_range[0] + x_range[1]) / 2, (y_range[0] + y_range[1]) / 2
    half_w, half_h = width_px / px / 2, height_px / py / 2           # visible half-spans
    bounds = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float] | None] = []

    def hits(box, others) -> bool:
        return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in others)

    def inside(box) -> bool:
        return box[0] >= bounds[0] and box[1] >= bounds[1] and box[2] <= bounds[2] and box[3] <= bounds[3]

    # The outlines labels name: each is an obstacle to every other label.
    pad_x, pad_y = outline_px / px, outline_px / py
    own = {i: (lab.shape.bounds[0] - pad_x, lab.shape.bounds[1] - pad_y,
               lab.shape.bounds[2] + pad_x, lab.shape.bounds[3] + pad_y)
           for i, lab in enumerate(labels) if lab.shape is not None and not lab.shape.is_empty}

    for i, lab in enumerate(labels):
        w = (label_width_px(lab) + 4) / px
        h = (len(lab.lines) * 1.25 * lab.size + 2) / py
        others = [*obstacles, *(b for j, b in own.items() if j != i)]
        if i in own:
            spot = None
            spots = list(_spots_on_shape(lab, w, h, (outline_px + 2) / px, (outline_px + 2) / py))
            # A place beside the polygon that hides no other outline (`shapes`) first, then any.
            for clear in (True, False):
                for x, y, on in spots:
                    box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
                    if inside(box) and not hits(box, [*placed, *others]) and (
                            lab.shape.contains(shapely.box(*box)) if on else
                            not (clear and any(g.intersects(shapely.box(*box)) for g in prepared))):
                        spot = (x, y)
                        break
                if spot is not None:
                    break
            if spot is None:
                # On its polygon rather than nowhere: its anchor, or its representative point.
                x, y = ((lab.x, lab.y) if lab.shape.contains(shapely.Point(lab.x, lab.y))
                        else next(iter(lab.shape.representative_point().coords)))
                if not hits((x - w / 2, y - h / 2, x + w / 2, y + h / 2), placed):
                    spot = (x, y)
            if spot is not None:
                placed.append((spot[0] - w / 2, spot[1] - h / 2, spot[0] + w / 2, spot[1] + h / 2))
            out.append(spot)
            if lines is not None:
                lines.append(lab.lines)
            continue
        spot = None
        # A long one-line name with no room is tried again on two lines (split at the hyphen
        # or space nearest its middle: « BEAUREPAIRE- / LA-RIVIÈRE »), then each try is also
        # slid back inside the plot rather than given up at its edge.
        tries = [(lab, w, h)]
        split = _two_lines(lab)
        if split is not None:
            tries.append((split, (label_width_px(split) + 4) / px,
                          (len(split.lines) * 1.25 * split.size + 2) / py))
        for avoid in ([*placed, *others], placed) if i == 0 else ([*placed, *others],):
            for slide in (False, True):
                for cand, cw, ch in tries:
                    for dx, dy in _LABEL_OFFSETS:
                        x, y = cand.x + dx * cw, cand.y + dy * ch
                        if slide:
                            x = min(max(x, bounds[0] + cw / 2), bounds[2] - cw / 2)
                            y = min(max(y, bounds[1] + ch / 2), bounds[3] - ch / 2)
                        box = (x - cw / 2, y - ch / 2, x + cw / 2, y + ch / 2)
                        if inside(box) and not hits(box, avoid) and not (
                                cand.avoid_shapes and any(g.intersects(shapely.box(*box)) for g in prepared)):
                            spot, used = (x, y), cand.lines
                            placed.append(box)
                            break
                    if spot is not None:
                        break
                if spot is not None:
                    break
            if spot is not None:
                break
        out.append(spot)
        if lines is not None:
            lines.append(used if spot is not None else lab.lines)
    return out


def _two_lines(lab: Label) -> Label | None:
    """`lab` with its one line split in two at the hyphen or space nearest its middle (the hyphen
    kept at the end of the first line), or None when it has several lines or nowhere to split."""
    if len(lab.lines) != 1:
        return None
    text = lab.lines[0]
    cuts = [k for k, ch in enumerate(text) if ch in "- " and 0 < k < len(text) - 1]
    if not cuts:
        return None
    k = min(cuts, key=lambda c: abs(len(text) / 2 - c))
    first, second = (text[:k + 1], text[k + 1:]) if text[k] == "-" else (text[:k], text[k + 1:])
    return replace(lab, lines=(first, second))


def _spots_on_shape(lab: Label, w: float, h: float, gap_x: float, gap_y: float):
    """The places a label naming `lab.shape` may take, in order of preference: (x, y, on) with
    `on` true for a place on the polygon (its anchor, then its representative point), false for a
    place beside its bounding box, `gap_x`/`gap_y` away (above, below, right, left, then the
    corners: above or below flush with a side, right or left flush with the top or bottom)."""
    x0, y0, x1, y1 = lab.shape.bounds
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    yield lab.x, lab.y, True
    rep = lab.shape.representative_point()
    yield rep.x, rep.y, True
    above, below = y1 + gap_y + h / 2, y0 - gap_y - h / 2
    right, left = x1 + gap_x + w / 2, x0 - gap_x - w / 2
    yield mx, above, False
    yield mx, below, False
    yield right, my, False
    yield left, my, False
    for y in (above, below):
        yield x0 + w / 2, y, False
        yield x1 - w / 2, y, False
    for x in (right, left):
        yield x, y1 - h / 2, False
        yield x, y0 + h / 2, False
    for x, y in ((right, above), (left, above), (right, below), (left, below)):
        yield x, y, False


# The smallest size a map's names and legend print at in a PDF (issue 11: the pocket sheet's
# names printed at about 4 pt).
PRINT_MIN_PT = 7.0


def print_text_px(width_px: int, print_width_pt: float, min_pt: float = PRINT_MIN_PT) -> int:
    """The text size (whole CSS px) that prints at least `min_pt` when an image `width_px` wide
    (as `figure_png` composes it: its width is the chart's) is printed `print_width_pt` wide."""
    return math.ceil(min_pt * width_px / print_width_pt - 1e-9)


def legend_title_text(data: MapData) -> str | None:
    if not data.indicator_label:
        return None
    return data.indicator_label + (f" ({data.year})" if data.year else "")


def _legend_px(fig: go.Figure | dict, title: str | None, text_px: int = 11) -> float:
    """The room the legend takes right of the map (at least 190 px): its widest entry (symbol
    and text at `text_px`) or title line, measured in DejaVu Sans, with its border and gap. Names
    are placed left of it, and the margin holds it, so no name runs under the legend."""
    font = _font(text_px)
    traces = fig["data"] if isinstance(fig, dict) else fig.to_dict()["data"]
    names = [t["name"] for t in traces if t.get("showlegend") is not False and t.get("name")]
    widths = [font.getlength(re.sub(r"<[^>]+>", "", line)) + 45 for n in names for line in n.split("<br>")]
    if title:
        widths += [font.getlength(line) + 15 for line in wrap_words(title, 34).split("<br>")]
    return max([190.0] + [w + 25 for w in widths])


def qpv_map_figure(data: MapData, *, highlight: str | None = None, show_names: bool = True,
                   legend: bool = True, label_codes: list[str] | None = None,
                   size_px: tuple[int, int] = (900, 560), text_px: int = 11,
                   keep_clear: Sequence[list[list[tuple[float, float]]]] = (),
                   first_communes: Sequence[str] = ()) -> go.Figure:
    """A static map: QPVs filled by class (grey when withheld or missing), the highlighted QPV
    outlined in the primary colour, commune outlines and names; no tiles. Names are placed so
    that they never overlap (`place_labels` for a plot of `size_px`): QPV names first, the
    highlighted one before all; a commune name that finds no free place is left out.
    `qpv_map_spec` as a plotly Figure (to change it further)."""
    return go.Figure(qpv_map_spec(data, highlight=highlight, show_names=show_names, legend=legend,
                                  label_codes=label_codes, size_px=size_px, text_px=text_px,
                                  keep_clear=keep_clear, first_communes=first_communes))


def _scatter(**props) -> dict:
    """A scatter trace as plotly's to_dict() spells it (`props` already nested)."""
    return {**props, "type": "scatter"}


# plotly.js textfont.shadow (a CSS text-shadow): a white halo 3 px wide around each letter.
LABEL_HALO = ", ".join(f"{dx}px {dy}px 0 #fff" for dx, dy in
                       ((3, 0), (-3, 0), (0, 3), (0, -3), (2, 2), (-2, -2), (2, -2), (-2, 2)))


def qpv_map_spec(data: MapData, *, highlight: str | None = None, show_names: bool = True,
                 legend: bool = True, label_codes: list[str] | None = None,
                 size_px: tuple[int, int] = (900, 560), text_px: int = 11,
                 keep_clear: Sequence[list[list[tuple[float, float]]]] = (),
                 first_communes: Sequence[str] = ()) -> FigureSpec:
    """`qpv_map_figure` built as plotly's figure dict (a `FigureSpec`), never validated: what a
    report sends to the export server (a portrait's map cost 0,2 s of plotly validation).

    `text_px` is the size of the QPVs' names and the legend's text (communes' names one px
    more): a PDF gives what prints at least 7 pt (`print_text_px`). The highlighted QPV's name
    goes on its polygon or right beside it (`place_labels`, `Label.shape`). `keep_clear`: other
    outlines (rings) no name may hide, such as a poverty pocket drawn over the map;
    `first_communes`: commune codes named before the QPVs (a pocket's communes on its sheet), so
    that they are the names kept when names collide."""
    traces: list[dict] = []
    template = template_dict()
    all_pts = [p for a in data.qpvs + data.communes for r in a.rings for p in r]
    if not all_pts:
        return FigureSpec(data=[], layout={
            "annotations": [{"font": {"size": 16}, "showarrow": False,
                             "text": "Contours non disponibles pour ce territoire", "x": 0.5,
                             "xref": "paper", "y": 0.5, "yref": "paper"}],
            **({"template": template} if template is not None else {}),
            "xaxis": {"visible": False}, "yaxis": {"visible": False}})
    lat0 = sum(p[1] for p in all_pts) / len(all_pts)

    for c in data.communes:
        if c.rings:
            xs, ys = _path(c.rings)
            traces.append(_scatter(hoverinfo="skip", line={"color": "#6e6e6e", "dash": "dot", "width": 1.2},
                                   mode="lines", showlegend=False, x=xs, y=ys))

    n_classes = len(data.class_labels)
    colours = palette.sequential(n_classes) if n_classes else ()
    groups: dict[Any, list[MapArea]] = {}
    for q in data.qpvs:
        key = q.class_index if q.class_index is not None else ("withheld" if data.indicator_label else "plain")
        groups.setdefault(key, []).append(q)
    order = list(range(n_classes)) + ["withheld", "plain"]
    for key in order:
        areas = groups.get(key)
        if not areas and not (isinstance(key, int) and legend):
            continue
        xs, ys = _path([r for a in areas or [] for r in a.rings])
        if key == "plain":
            colour, name = palette.PRIMARY_LIGHT, "QPV"
        elif key == "withheld":
            statuses = sorted({a.status for a in areas})
            colour = palette.WITHHELD
            name = " / ".join(dict.fromkeys(fmt_status(s) for s in statuses))
        else:
            colour, name = colours[key], plot_text(data.class_labels[key])
        if areas:
            traces.append(_scatter(fill="toself", fillcolor=colour, hoverinfo="skip",
                                   line={"color": "#404040", "width": 0.8}, mode="lines", name=name,
                                   showlegend=False, x=xs, y=ys))
        if legend and key != "plain":
            # A filled square in the legend (a filled polygon trace shows a line there).
            traces.append(_scatter(marker={"color": colour, "line": {"color": "#404040", "width": 0.8},
                                           "size": 14, "symbol": "square"},
                                   mode="markers", name=name, x=[None], y=[None]))

    if highlight:
        target = [q for q in data.qpvs if q.code == highlight]
        if target:
            xs, ys = _path(target[0].rings)
            traces.append(_scatter(hoverinfo="skip", line={"color": palette.ACCENT, "width": 3},
                                   mode="lines", name=plot_text(target[0].name), showlegend=legend,
                                   x=xs, y=ys))
    xs_all = [p[0] for p in all_pts]
    ys_all = [p[1] for p in all_pts]
    pad_x = (max(xs_all) - min(xs_all)) * 0.08 or 0.01
    pad_y = (max(ys_all) - min(ys_all)) * 0.12 or 0.01
    x_range = (min(xs_all) - pad_x, max(xs_all) + pad_x)
    y_range = (min(ys_all) - pad_y, max(ys_all) + pad_y * 1.6)
    # 1° of latitude is 1/cos(lat) times longer than 1° of longitude on the ground.
    ratio = 1 / math.cos(math.radians(lat0))

    named = [q for q in data.qpvs if label_codes is None or q.code in label_codes] if show_names else []
    # The highlighted QPV first, then the biggest: they keep their anchors when names compete.
    named.sort(key=lambda q: (q.code != highlight, -sum(_ring_area(r) for r in q.rings)))
    import shapely
    qpv_texts = [(q.centroid, wrap_words(q.name), text_px, palette.TEXT, False) for q in named]
    commune_texts = [(c.centroid, plot_text(c.name.upper()), text_px + 1, "#555555", True)
                     for c in data.communes]
    # The highlighted QPV's name, then the communes named first (a pocket's), then the others.
    first = [i for i, c in enumerate(data.communes) if c.code in set(first_communes)]
    lead = 1 if named and named[0].code == highlight else 0
    texts = (qpv_texts[:lead] + [commune_texts[i] for i in first] + qpv_texts[lead:]
             + [t for i, t in enumerate(commune_texts) if i not in first])
    legend_px = _legend_px({"data": traces}, legend_title_text(data), text_px) if legend else 0
    # No name hides the highlighted outline: when named, its name goes on it or beside it and
    # every other name keeps off its box (place_labels); else its box (plus its 3 px line) is an
    # obstacle, as is any outline to keep clear.
    target = [q for q in data.qpvs if q.code == highlight and q.rings]
    own = (shapely.make_valid(shapely.MultiPolygon([shapely.Polygon(r) for r in target[0].rings
                                                    if len(r) >= 3]))
           if target and any(q is target[0] for q in named) else None)
    px_x = min((size_px[0] - 20 - legend_px) / (x_range[1] - x_range[0]),
               (size_px[1] - 20) / ((y_range[1] - y_range[0]) * ratio))
    ox, oy = 3 / px_x, 3 / (px_x * ratio)
    obstacles = []
    for rings in ([target[0].rings] if target and own is None else []) + list(keep_clear):
        pts = [p for r in rings for p in r]
        if pts:
            obstacles.append((min(p[0] for p in pts) - ox, min(p[1] for p in pts) - oy,
                              max(p[0] for p in pts) + ox, max(p[1] for p in pts) + oy))
    # Commune names (bold) keep off every QPV outline; a QPV's name may sit on its own.
    shapes = [shapely.make_valid(shapely.Polygon(r)) for q in data.qpvs for r in q.rings if len(r) >= 3]
    placed_lines: list[tuple[str, ...]] = []
    spots = place_labels([Label(x, y, tuple(t.split("<br>")), size, bold, avoid_shapes=bold,
                                shape=own if i == 0 and own is not None else None)
                          for i, ((x, y), t, size, _, bold) in enumerate(texts)],
                         x_range=x_range, y_range=y_range, width_px=size_px[0] - 20 - legend_px,
                         height_px=size_px[1] - 20, y_ratio=ratio, obstacles=obstacles, shapes=shapes,
                         lines=placed_lines)
    for bold in (False, True):
        shown = [(spot, "<br>".join(used), size, colour)
                 for spot, used, (_, t, size, colour, b) in zip(spots, placed_lines, texts)
                 if spot is not None and b == bold]
        if shown:
            traces.append(_scatter(
                hoverinfo="skip", mode="text", showlegend=False,
                text=[f"<b>{t}</b>" if bold else t for _, t, _, _ in shown],
                # A white halo (LABEL_HALO): a commune's dashed outline or a QPV's
                # crossing a name no longer strikes it through (issue 11, maps seen at 200 dpi).
                textfont={"color": shown[0][3], "size": shown[0][2], "shadow": LABEL_HALO},
                x=[s[0][0] for s in shown], y=[s[0][1] for s in shown]))

    legend_title = legend_title_text(data)
    legend_spec = {"bgcolor": "rgba(255,255,255,0.85)", "bordercolor": palette.RULE, "borderwidth": 1,
                   "font": {"size": text_px}, "x": 1.01, "xanchor": "left", "y": 0.5, "yanchor": "middle"}
    if legend_title:
        legend_spec["title"] = {"text": wrap_words(legend_title, 34)}
    layout = {"font": {"family": FONT_FAMILY}, "legend": legend_spec,
              "margin": {"b": 10, "l": 10, "r": 10 + legend_px, "t": 10}, "paper_bgcolor": "white",
              "plot_bgcolor": "white", "showlegend": legend,
              "xaxis": {"range": list(x_range), "visible": False},
              "yaxis": {"range": list(y_range), "scaleanchor": "x", "scaleratio": ratio, "visible": False}}
    if template is not None:
        layout["template"] = template
    # Tested against plotly's own spelling (tests/exports/test_pdf_charts.py).
    return FigureSpec(data=traces, layout=layout)


def _ring_area(ring: list[tuple[float, float]]) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1]))) / 2


def _map_texts(data: MapData, title: str | None, source_line: str | None) -> tuple[str, str | None, str | None]:
    if title is None:
        title = (f"{data.indicator_label} — quartiers prioritaires" if data.indicator_label
                 else "Quartiers prioritaires de la politique de la ville")
    if source_line is None:
        parts = [data.source_line] if data.source_line else []
        parts.append("contours des QPV : ANCT" if not data.is_fictional else "contours fictifs")
        source_line = " ; ".join(parts)
    unit = band_unit(title, data.unit)
    if data.year:
        unit = f"{unit}, {data.year}" if unit else f"année {data.year}"
    return title, unit, source_line


def band_unit(title: str, unit: str | None) -> str | None:
    """The unit an image's band says under `title`, once: « € » under « Revenu disponible médian
    par UC, par mois » (indicators.fmt.unit_phrase, as the map page's title), never « €/mois » under a
    title that says « par mois »; None for a unit without a symbol (ratio, indice)."""
    from indicators.fmt import unit_phrase
    return (unit_phrase(title, unit) or None) if unit_text(unit) else None


def unit_text(unit: str | None) -> str | None:
    """A registry unit as shown to readers: 'EUR/mois' → '€/mois', 'ratio' → None."""
    if not unit:
        return None
    shown = UNIT_SUFFIX.get(unit, unit)
    return shown or None


def map_png(con, *, contract_slug: str | None = None, qpv_codes: list[str] | None = None,
            indicator_id: str | None = None, year: int | None = None, highlight: str | None = None,
            title: str | None = None, source_line: str | None = None, date: dt.date | str | None = None,
            scale: float = DEFAULT_SCALE, width: int = DEFAULT_WIDTH, height: int = 640,
            method: str = "quantile") -> bytes:
    """The map of a contract's QPVs (or the given codes) coloured by an indicator, as a PNG with
    title, unit and year, legend, source line and date; the demo mark when fictional."""
    data = load_map_data(con, contract_slug=contract_slug, qpv_codes=qpv_codes,
                         indicator_id=indicator_id, year=year, method=method)
    if qpv_codes is None:
        data = map_geography(con, data, highlight)
    title, unit, source_line = _map_texts(data, title, source_line)
    return figure_png(qpv_map_figure(data, highlight=highlight, size_px=(width, height)), title=title, unit=unit,
                      source_line=source_line, date=date, scale=scale, width=width, height=height,
                      mark=DEMO_MARK if data.is_fictional else None)


def map_svg(con, *, contract_slug: str | None = None, qpv_codes: list[str] | None = None,
            indicator_id: str | None = None, year: int | None = None, highlight: str | None = None,
            title: str | None = None, source_line: str | None = None, date: dt.date | str | None = None,
            width: int = DEFAULT_WIDTH, height: int = 640, method: str = "quantile") -> bytes:
    """The same map as `map_png`, as SVG."""
    data = load_map_data(con, contract_slug=contract_slug, qpv_codes=qpv_codes,
                         indicator_id=indicator_id, year=year, method=method)
    if qpv_codes is None:
        data = map_geography(con, data, highlight)
    title, unit, source_line = _map_texts(data, title, source_line)
    return figure_svg(qpv_map_figure(data, highlight=highlight, size_px=(width, height)), title=title, unit=unit,
                      source_line=source_line, date=date, width=width, height=height,
                      mark=DEMO_MARK if data.is_fictional else None)


# ── Poverty pockets (indicators/pockets.py) ─────────────────────────────────────────────────
def _wkt_rings(wkt: str) -> list[list[tuple[float, float]]]:
    import shapely
    geom = shapely.from_wkt(wkt)
    polys = list(getattr(geom, "geoms", [geom]))
    return [[(float(x), float(y)) for x, y in p.exterior.coords] for p in polys if not p.is_empty]


def pocket_map_figure(data: MapData, pockets: list[tuple[str, str]], *,
                      highlight: str | None = None, size_px: tuple[int, int] = (900, 560),
                      text_px: int = 11, communes: Sequence[str] = ()) -> go.Figure:
    """The territory's QPVs (plain) and communes with the poverty pockets as a layer beside them:
    `pockets` = [(pocket_id, geometry_wkt)], the highlighted one outlined and kept clear of names;
    names placed for a plot of `size_px`, at `text_px` (`qpv_map_spec`), the `communes` (the
    highlighted pocket's codes) named first."""
    from indicators.pockets import pocket_name      # « Poche 1 », never the id « demo-P01 »
    chosen = [wkt for pid, wkt in pockets if pid == highlight]
    fig = qpv_map_figure(data, show_names=True, legend=True, size_px=size_px, text_px=text_px,
                         keep_clear=[_wkt_rings(chosen[0])] if chosen else [], first_communes=communes)
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="QPV",
                             marker=dict(symbol="square", size=14, color=palette.PRIMARY_LIGHT,
                                         line=dict(color="#404040", width=0.8))))
    rings = [r for _, wkt in pockets for r in _wkt_rings(wkt)]
    if rings:
        xs, ys = _path(rings)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=palette.POCKET,
                                 line=dict(color=palette.POCKET, width=1), hoverinfo="skip",
                                 showlegend=False))
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=wrap_words("poche de pauvreté hors QPV"),
                                 marker=dict(symbol="square", size=14, color=palette.POCKET)))
    if chosen:
        xs, ys = _path(_wkt_rings(chosen[0]))
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line=dict(color=palette.TEXT, width=2.5),
                                 name=pocket_name(highlight), showlegend=True, hoverinfo="skip"))
    return fig


def pocket_map_png(con, contract_slug: str, pockets: list[tuple[str, str]], *,
                   highlight: str | None = None, title: str | None = None,
                   source_line: str | None = None, date: dt.date | str | None = None,
                   scale: float = DEFAULT_SCALE, width: int = DEFAULT_WIDTH, height: int = 640,
                   print_width_pt: float | None = None, communes: Sequence[str] = ()) -> bytes:
    """The map of a contract's QPVs and poverty pockets as a PNG (title, source line, date, and
    the demo mark when fictional), through the shared kaleido export. `print_width_pt`: the width
    it prints at in a PDF, so that its names and legend print at least 7 pt (`print_text_px`);
    `communes`: the highlighted pocket's commune codes, named first."""
    # Pockets lie outside the current QPVs: the map draws those, not the 2015 contours as well.
    data = keep_geography(con, load_map_data(con, contract_slug=contract_slug))
    title = title or "Poches de pauvreté hors QPV et quartiers prioritaires"
    if source_line is None:
        source_line = ("carroyage Filosofi 200 m ; contours des QPV : "
                       + ("fictifs" if data.is_fictional else "ANCT"))
    text_px = max(11, print_text_px(width, print_width_pt)) if print_width_pt else 11
    return figure_png(pocket_map_figure(data, pockets, highlight=highlight, size_px=(width, height),
                                        text_px=text_px, communes=communes), title=title, unit=None,
                      source_line=source_line, date=date, scale=scale, width=width, height=height,
                      mark=DEMO_MARK if data.is_fictional else None)
