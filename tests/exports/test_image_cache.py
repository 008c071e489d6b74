"""Rendered images are cached by content and can be rendered while a report is laid out
(reports.images.figure_png_later): the same bytes as one render at a time, a changed figure
rendered again, the same PDF whether its charts come from the server or from the cache."""
from __future__ import annotations

import datetime as dt
import io

import duckdb
import plotly.graph_objects as go
import pytest
from PIL import Image

from reports import images, pdf

DATE = dt.date(2026, 3, 5)


def _bar(values=(742, 1480, 1770), **layout) -> go.Figure:
    return go.Figure(go.Bar(x=["Aubépins", "Chalon-sur-Saône", "CA Le Grand Chalon"], y=list(values),
                            text=[f"{v} €" for v in values], textposition="outside"),
                     layout=dict(template="simple_white", **layout))


@pytest.mark.parametrize("title", [None, "Revenu médian"])
@pytest.mark.parametrize("layout", [{}, {"title": "Titre à retirer", "margin": {"t": 5}},
                                    {"title": {"text": "Titre", "font": {"size": 20}}},
                                    {"margin": {"l": 10, "b": 30}}])
def test_the_spec_sent_is_the_bare_figure(title, layout) -> None:
    fig = _bar(**layout)
    assert images.bare_spec(fig, title) == images._bare(fig, title).to_dict()
    assert images.bare_spec(fig.to_dict(), title) == images._bare(fig.to_dict(), title).to_dict()


def test_spec_key_changes_with_any_content() -> None:
    base = images.spec_key(images.bare_spec(_bar(), "t"))
    assert images.spec_key(images.bare_spec(_bar(), "t")) == base
    assert images.spec_key(images.bare_spec(_bar((742, 1480, 1771)), "t")) != base
    assert images.spec_key(images.bare_spec(_bar(bargap=0.3), "t")) != base


def test_deferred_and_cached_renders_give_the_one_by_one_bytes(image_server) -> None:
    kw = dict(title="Revenu médian par mois", unit="€/mois", source_line="Insee 2019", date=DATE,
              width=420, height=270)
    other = _bar((712, 1480, 1770))
    images.clear_cache()
    one = images.figure_png(_bar(), **kw)
    two = images.figure_png(other, **kw)
    assert one != two
    images.clear_cache()
    before = images.renders
    later = [images.figure_png_later(_bar(), **kw), images.figure_png_later(other, **kw)]
    assert [f.result() for f in later] == [one, two]
    assert images.renders == before + 2

    # Cached: the same figure again (a new but equal object) is not rendered again.
    assert images.figure_png(_bar(), **kw) == one
    assert images.figure_png_later(_bar(), **kw).result() == one
    assert images.renders == before + 2

    # A changed figure, another size or other band texts are rendered again.
    changed = images.figure_png(_bar((742, 1480, 1771)), **kw)
    assert images.renders == before + 3 and changed != one
    wider = images.figure_png(_bar(), **{**kw, "width": 600})
    assert images.renders == before + 4 and Image.open(io.BytesIO(wider)).width == 1500
    other_date = images.figure_png(_bar(), **{**kw, "date": dt.date(2026, 3, 6)})
    assert images.renders == before + 5 and other_date != one
    assert Image.open(io.BytesIO(other_date)).size == Image.open(io.BytesIO(one)).size

    # SVG too.
    svg = images.figure_svg(_bar(), **kw)
    assert images.figure_svg(_bar(), **kw) == svg and images.renders == before + 6


def test_a_portrait_is_the_same_pdf_rendered_or_from_the_cache(report_db_path, image_server) -> None:
    from reportlab import rl_config
    invariant = rl_config.invariant
    rl_config.invariant = 1          # no creation date nor random document id in the file
    try:
        with duckdb.connect(str(report_db_path), read_only=True) as con:
            images.clear_cache()
            before = images.renders
            cold = pdf.portrait_pdf(con, "QN07101I", generated_on=DATE)
            rendered = images.renders - before
            warm = pdf.portrait_pdf(con, "QN07101I", generated_on=DATE)
            assert images.renders - before == rendered >= 2      # the warm build rendered nothing
            no_charts = pdf.portrait_pdf(con, "QN07101I", generated_on=DATE, charts=False)
    finally:
        rl_config.invariant = invariant
    assert warm == cold
    assert len(cold) > len(no_charts) + 50_000            # the charts are in it


def test_the_first_layout_pass_of_a_report_is_not_drawn_and_the_file_is_the_same(report_db_path, monkeypatch) -> None:
    from reportlab import rl_config
    from reportlab.platypus import BaseDocTemplate, Paragraph

    drawn = []
    draw = Paragraph.draw
    monkeypatch.setattr(Paragraph, "draw", lambda self: (drawn.append(self.canv), draw(self))[1])
    monkeypatch.setattr(rl_config, "invariant", 1)

    def build() -> tuple[bytes, int]:
        drawn.clear()
        with duckdb.connect(str(report_db_path), read_only=True) as con:
            data = pdf.mandate_pdf(con, "gc-test", generated_on=DATE, charts=False)
        return data, len({id(c) for c in drawn})      # the canvases (passes) drawn on

    sketched, n_sketched = build()
    monkeypatch.setattr(pdf._Doc, "multiBuild", BaseDocTemplate.multiBuild)   # every pass drawn
    every_pass, n_every_pass = build()
    assert sketched == every_pass
    # Two passes (headings, then their pages): the first one is laid out, not drawn.
    assert (n_sketched, n_every_pass) == (1, 2)


def test_the_kept_page_renders_what_a_reloaded_page_renders(image_server, monkeypatch) -> None:
    """The export server keeps its page between renders (images.RELOAD_EVERY): a chart drawn after
    others is the same image as on a page reloaded after each chart (kaleido's own behaviour)."""
    from kaleido._kaleido_tab import _KaleidoTab
    reloads = []
    reload = _KaleidoTab.reload

    async def counted(self):
        reloads.append(1)
        return await reload(self)

    monkeypatch.setattr(_KaleidoTab, "reload", counted)
    figs = [_bar(), _bar((712, 1480, 1770), title="x"), _bar((1, 2, 3), bargap=0.4),
            go.Figure(go.Scatter(x=[0, 1, 1, 0, 0], y=[0, 0, 1, 1, 0], fill="toself", mode="lines"))]
    kw = dict(fmt="png", width=420, height=270, scale=2.5)
    kept = [images.to_image(images.bare_spec(f, None), **kw) for f in figs + figs[:2]]
    assert len(reloads) <= 1              # at most the reload every RELOAD_EVERY renders
    monkeypatch.setattr(images, "RELOAD_EVERY", 1)
    reloaded = [images.to_image(images.bare_spec(f, None), **kw) for f in figs + figs[:2]]
    assert len(reloads) >= 6
    assert kept == reloaded
    assert kept[:2] == kept[4:] and len(set(kept[:4])) == 4


@pytest.mark.parametrize("kw", [
    dict(title="Le quartier et ses territoires de comparaison", unit="%", source_line="Insee 2019 ; Insee 2020",
         width=600, height=70 + 5 * 62, scale=2.5),
    dict(title="Situation : Aubépins", source_line="contours fictifs", width=420, height=260, scale=2.5),
    dict(title="Revenu disponible médian par UC, par mois, un titre assez long pour tenir sur deux lignes",
         unit="€", source_line=None, width=420, height=270, scale=2.5, mark="Données fictives de démonstration"),
    dict(width=300, height=200, scale=1),
])
def test_the_size_announced_before_a_render_is_the_image_size(image_server, kw) -> None:
    """A report lays out a chart from the size announced with its render (images.png_size)."""
    images.clear_cache()
    pending = images.figure_png_later(_bar(), date=DATE, **kw)
    assert pending.size_px is not None
    assert Image.open(io.BytesIO(pending.result())).size == pending.size_px
    assert images.png_size(title=kw.get("title"), unit=kw.get("unit"), source_line=kw.get("source_line"),
                           date=DATE, scale=kw["scale"], width=kw["width"], height=kw["height"],
                           mark=kw.get("mark")) == pending.size_px


def test_no_size_is_announced_when_chromium_would_round() -> None:
    assert images.png_size(title="t", unit=None, source_line=None, date=DATE, scale=2.5, width=420,
                           height=271, mark=None) is None          # 677,5 px high
    assert images.png_size(title="t", unit=None, source_line=None, date=DATE, scale=1.5, width=421,
                           height=270, mark=None) is None


def test_charts_are_drawn_at_once_and_give_the_one_by_one_bytes(image_server, monkeypatch) -> None:
    """The export server draws RENDER_TABS charts at once (kaleido tabs); each caller gets its
    own image, the same bytes as when drawn one at a time."""
    import threading
    import time

    from kaleido._kaleido_tab import _KaleidoTab

    monkeypatch.setattr(images, "RENDER_TABS", 2)
    monkeypatch.setattr(images, "_executor", None)        # workers: RENDER_TABS + 1
    images.stop_server()                                  # started again with two tabs
    figs = [_bar((742 + i, 1480, 1770)) for i in range(6)]
    kw = dict(title="Revenu médian", unit="€/mois", source_line="Insee 2019", date=DATE, width=420, height=270)
    images.clear_cache()
    one_by_one = [images.figure_png(f, **kw) for f in figs]
    assert len(set(one_by_one)) == len(figs)

    lock, state = threading.Lock(), {"now": 0, "most": 0}
    calc_fig = _KaleidoTab._calc_fig           # one chart drawn on one tab

    async def counted(self, *args, **kwargs):
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        try:
            return await calc_fig(self, *args, **kwargs)
        finally:
            with lock:
                state["now"] -= 1

    monkeypatch.setattr(_KaleidoTab, "_calc_fig", counted)
    images.clear_cache()
    started = time.perf_counter()
    pending = [images.figure_png_later(f, **kw) for f in figs]
    assert [p.result(timeout=120) for p in pending] == one_by_one
    assert state["most"] == images.RENDER_TABS == 2, (state, time.perf_counter() - started)
    images.stop_server()
    monkeypatch.undo()                                    # one tab again, kaleido's own drawing
    images._ensure_server()                               # the session's server, as others found it
