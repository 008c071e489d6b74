"""Issue #15-style cost, S14 RQ: `views.short_columns` and `views.one_line_px` both measured the
short columns' cells of a wide table (components.show_table) on every rerun. They now share one
measure, `views.short_widths`, taken once per table; their outputs are unchanged."""
from __future__ import annotations

import pandas as pd

from ui import components, views

FRAME = pd.DataFrame({
    "Année": ["2022", "2021"], "Action": ["Ateliers de customisation de vêtements et d'accessoires",
                                          "Accompagnement au microcrédit"],
    "Quartiers": ["non renseigné", "non renseigné"], "Montant": ["40 990 €", "non renseigné"],
    "Porteur": ["Association d'aide aux victimes d'infractions d'Eure-et-Loir", "ADIE"]})
ORDER = list(FRAME.columns)


def test_short_widths_gives_each_short_column_its_widest_cell() -> None:
    px = lambda t: views.text_px(views.screen_text(t))     # noqa: E731
    assert views.short_widths(FRAME, ORDER) == {
        "Année": px("2022"), "Quartiers": px("non renseigné"), "Montant": px("non renseigné")}
    assert views.short_widths(FRAME.iloc[:0], ORDER) == {}


def test_shared_widths_give_the_same_outputs() -> None:
    widths = views.short_widths(FRAME, ORDER)
    short = tuple(views.short_columns(FRAME, ORDER))
    assert short == tuple(views.short_columns(FRAME, ORDER, widths)) == (1, 3, 4)
    assert views.one_line_px(FRAME, ORDER, short, widths) == views.one_line_px(FRAME, ORDER, short) == (
        sum(max(views.text_px(views.screen_text(t)) for t in {c, *FRAME[c]})
            - views.CELL_PADDING_PX + views.HTML_CELL_PADDING_PX for c in ("Année", "Quartiers", "Montant"))
        + views.min_px(FRAME, "Action") + views.min_px(FRAME, "Porteur"))


def test_with_shared_widths_one_line_px_measures_only_the_headers(monkeypatch) -> None:
    widths = views.short_widths(FRAME, ORDER)
    measured = []
    real = views.text_px
    monkeypatch.setattr(views, "text_px", lambda t: measured.append(str(t)) or real(t))
    views.one_line_px(FRAME, ORDER, (1, 3, 4), widths)
    assert measured == ["Année", "Quartiers", "Montant"]


def test_show_table_measures_the_short_cells_once_per_table(monkeypatch) -> None:
    """show_table hands short_columns and one_line_px one `short_widths`; without it each measures
    the cells itself (the previous test: with it, one_line_px measures the headers only)."""
    calls = []
    real = views.short_widths
    monkeypatch.setattr(views, "short_widths", lambda f, o: calls.append(list(o)) or real(f, o))
    components.show_table(FRAME, components.fit_columns(FRAME), key="actions", hide_index=True)
    assert calls == [ORDER]      # once for both short_columns and one_line_px
