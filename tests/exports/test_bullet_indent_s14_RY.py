"""A bulleted item on two lines starts both lines at one margin (issue 11, RY's page review: the
portraits' « Géographie prioritaire », the bilans and the sources lists printed an item's second
line 4 pt left of its first, reportlab placing the first after a 10 pt bullet). Documents are built
by code and read back with pdftotext -bbox."""
from __future__ import annotations

import io
import re
import subprocess

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate

from reports import pdf

ITEM = ("Nouveau secteur intégré à la géographie prioritaire du contrat : le cœur du quartier, "
        "ses écoles et ses commerces")
WIDTH = 80 * mm


def _words(data: bytes) -> list[tuple[float, float, float, str]]:
    """(yMin, xMin, xMax, word) of every word printed."""
    html = subprocess.run(["pdftotext", "-bbox", "-enc", "UTF-8", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode()
    return [(float(y), float(x0), float(x1), w) for x0, y, x1, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>',
                       html)]


def _lines(style_name: str | None) -> tuple[list[list[tuple[float, float, str]]], float]:
    """The words of one bulleted item wrapped at WIDTH, by line, and the frame's right edge."""
    st = pdf.styles()
    style = getattr(st, style_name) if style_name else None
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=20 * mm, rightMargin=A4[0] - 20 * mm - WIDTH,
                            topMargin=20 * mm, bottomMargin=20 * mm)
    doc.build(pdf._bullets([ITEM], st, style))
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for y, x0, x1, w in _words(buf.getvalue()):
        lines.setdefault(round(y), []).append((x0, x1, w))
    return [sorted(v) for _, v in sorted(lines.items())], 20 * mm + WIDTH


def _check(style_name: str | None) -> None:
    lines, right = _lines(style_name)
    assert len(lines) >= 2
    assert lines[0][0][2] == "•"
    starts = [lines[0][1][0]] + [line[0][0] for line in lines[1:]]
    # every line of the text starts at one margin, right of the bullet
    assert max(starts) - min(starts) < 0.5, starts
    assert lines[0][0][1] < starts[0]
    # and no line runs past the width the paragraph was wrapped to
    assert max(x1 for line in lines for _, x1, _ in line) <= right + 0.5
    text = " ".join(w for line in lines for _, _, w in line)
    assert text == "• " + ITEM


def test_bullet_lines_share_one_margin():
    _check(None)


def test_small_bullets_of_the_pocket_sheet_too():
    _check("small")


def test_bulleted_style_is_kept_when_it_has_the_room():
    st = pdf.styles()
    assert pdf.bulleted(st.bullet) is st.bullet
    assert st.bullet.bulletFontSize == st.bullet.fontSize
    small = pdf.bulleted(st.small)
    assert small.bulletFontSize == st.small.fontSize and small.leftIndent > st.small.leftIndent
