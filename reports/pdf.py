"""Printable PDFs: the portrait of a QPV and the mandate report of a contract (reportlab).

`portrait_pdf(con, qpv_code)` gives an A4 portrait in the spirit of the Grand Chalon
"Portraits de quartiers": key figures with their comparators, charts, a map of the QPV when
contours are loaded, priority issues, consultation results, sources and date.
`mandate_pdf(con, contract_slug, sections=[...], qpv_codes=[...])` gives one document with a
cover, a table of contents, page numbers and the chosen sections (see SECTIONS).

Text is set in DejaVu Sans, embedded (TrueType), so accents, « », €, and the narrow no-break
spaces of French number formats print as they are (Debian package `fonts-dejavu-core`). Every
data string is XML-escaped before it goes into a paragraph. The fictional territory is marked
« Données fictives de démonstration » on every page. Charts and maps come from
`reports.images` (one shared export server).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
import re
from xml.sax.saxutils import escape

import pandas as pd
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab import rl_config
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.pdfutils import asciiBase85Encode
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    Image,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.flowables import BalancedColumns
from reportlab.platypus.tableofcontents import TableOfContents

from config import DEMO_MARK
from indicators import portrait as portrait_mod
from indicators import sources as sources_mod
from indicators.fmt import fmt_target, fmt_value, fmt_year, wrap_words
from indicators.text import plot_text, qualified
from reports import palette

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_ITALIC = "DejaVuSans-Oblique"
FONT_BOLD_ITALIC = "DejaVuSans-BoldOblique"

PAGE_W, PAGE_H = A4
MARGIN = 15 * mm
CONTENT_W = PAGE_W - 2 * MARGIN

LEVEL_LABELS = {
    "commune": "commune", "epci": "intercommunalité", "departement": "département",
    "france": "France", "qpv_ensemble": "ensemble des QPV",
}
# Indicators put forward in the key-figure boxes, in this order (first four present).
HEADLINE_INDICATORS = (
    "median_income_eur_month", "median_income_eur_year", "poverty_rate_pct",
    "single_parent_families_pct", "employment_rate_15_64_pct", "minors_pct",
    "jobseekers_below_cap_bep_pct", "caf_low_income_pct",
)
# The sections a mandate report can hold, in document order.
SECTIONS: dict[str, str] = {
    "chiffres": "Les chiffres du mandat",
    "financements": "Programmes et financements",
    "portraits": "Portraits de quartiers",
    "bilans": "Bilans par quartier",
    "logement": "Logement et attributions",
    "revue": "Revue annuelle",
}


class ReportError(RuntimeError):
    """A report cannot be produced (unknown contract, missing font…); the message is French."""


# ── Fonts and styles ────────────────────────────────────────────────────────────────────────
_fonts_ready = False


def register_fonts() -> None:
    """Register DejaVu Sans (regular, bold, italics) once; a clear error when it is missing."""
    global _fonts_ready
    if _fonts_ready:
        return
    files = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf",
             FONT_ITALIC: "DejaVuSans-Oblique.ttf", FONT_BOLD_ITALIC: "DejaVuSans-BoldOblique.ttf"}
    missing = [f for f in files.values() if not (FONT_DIR / f).exists()]
    if missing:
        raise ReportError(
            f"Police DejaVu introuvable dans {FONT_DIR} ({', '.join(missing)}) : installez le paquet "
            "Debian fonts-dejavu-core (apt-get install fonts-dejavu-core).")
    for name, file in files.items():
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD, italic=FONT_ITALIC,
                                  boldItalic=FONT_BOLD_ITALIC)
    _keep_no_break_spaces()
    _fonts_ready = True


_NO_BREAK = "\u00a0\u202f\u2007"


def _keep_no_break_spaces() -> None:
    """Make reportlab's line breaking honour U+202F (and U+2007) as no-break spaces.

    reportlab's word splitter lists U+202F NARROW NO-BREAK SPACE among break opportunities, so
    "1\u202f480 €/mois" (babel's French thousands separator) could be cut after the "1". Its
    `split` is a module-level function looked up at call time: it is replaced once with one that
    never splits on no-break spaces (as Unicode defines them). Only line breaking changes.
    """
    import re

    from reportlab.platypus import paragraph

    if getattr(paragraph.split, "_keeps_no_break", False):
        return
    breakable = "".join(c for c in paragraph._wsc if c not in _NO_BREAK)
    split_re = re.compile(f"[{re.escape(breakable)}]+").split

    def split(text, delim=None):
        if isinstance(text, bytes):
            text = text.decode("utf8")
        if delim is not None:
            if isinstance(delim, bytes):
                delim = delim.decode("utf8")
            return text.split(delim)
        if any(c in text for c in _NO_BREAK):
            return split_re(text)
        return text.split()

    split._keeps_no_break = True
    paragraph.split = split


def _hex(c: str) -> colors.Color:
    return colors.HexColor(c)


@dataclass
class Styles:
    base: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    kicker: ParagraphStyle
    title: ParagraphStyle
    subtitle: ParagraphStyle
    h1: ParagraphStyle
    h1b: ParagraphStyle
    h2: ParagraphStyle
    h2p: ParagraphStyle
    h3: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    cell_head: ParagraphStyle
    bullet: ParagraphStyle
    quote: ParagraphStyle
    box_value: ParagraphStyle
    box_label: ParagraphStyle
    cover_title: ParagraphStyle
    toc1: ParagraphStyle
    toc2: ParagraphStyle


def styles() -> Styles:
    register_fonts()
    base = ParagraphStyle("base", fontName=FONT, bulletFontName=FONT, fontSize=8.8, leading=11.2, textColor=_hex(palette.TEXT),
                          alignment=TA_LEFT, splitLongWords=1)

    def s(name, **kw):
        return ParagraphStyle(name, parent=base, **kw)

    return Styles(
        base=base,
        small=s("small", fontSize=7.6, leading=9.4),
        muted=s("muted", fontSize=7.2, leading=9, textColor=_hex(palette.TEXT_MUTED)),
        kicker=s("kicker", fontName=FONT_BOLD, fontSize=8.5, leading=10.5, textColor=_hex(palette.ACCENT)),
        title=s("title", fontName=FONT_BOLD, fontSize=19, leading=23, textColor=_hex(palette.PRIMARY),
                spaceAfter=2),
        subtitle=s("subtitle", fontSize=9.2, leading=12, textColor=_hex(palette.TEXT_MUTED), spaceAfter=4),
        h1=s("H1", fontName=FONT_BOLD, fontSize=15, leading=19, textColor=_hex(palette.PRIMARY),
             spaceBefore=4, spaceAfter=6),
        h1b=s("H1b", fontName=FONT_BOLD, fontSize=15, leading=19, textColor=_hex(palette.PRIMARY),
              spaceBefore=4, spaceAfter=6),
        h2=s("H2", fontName=FONT_BOLD, fontSize=11, leading=14, textColor=_hex(palette.PRIMARY),
             spaceBefore=7, spaceAfter=3),
        h2p=s("H2p", fontName=FONT_BOLD, fontSize=11, leading=14, textColor=_hex(palette.PRIMARY),
              spaceBefore=7, spaceAfter=3),
        h3=s("H3", fontName=FONT_BOLD, fontSize=9, leading=11.5, spaceBefore=4, spaceAfter=1.5,
             keepWithNext=1),
        cell=s("cell", fontSize=7.8, leading=9.6),
        cell_bold=s("cell_bold", fontName=FONT_BOLD, fontSize=7.8, leading=9.6),
        cell_head=s("cell_head", fontName=FONT_BOLD, fontSize=7.8, leading=9.6, textColor=_hex(palette.PRIMARY)),
        bullet=bulleted(s("bullet", bulletIndent=1, spaceAfter=1.2)),
        quote=s("quote", fontName=FONT_ITALIC, leftIndent=9, textColor=_hex(palette.TEXT_MUTED), spaceAfter=1.2),
        box_value=s("box_value", fontName=FONT_BOLD, fontSize=14, leading=17, textColor=_hex(palette.PRIMARY)),
        box_label=s("box_label", fontName=FONT_BOLD, fontSize=7.8, leading=9.6),
        cover_title=s("cover_title", fontName=FONT_BOLD, fontSize=26, leading=31,
                      textColor=_hex(palette.PRIMARY), spaceAfter=10),
        toc1=s("toc1", fontName=FONT_BOLD, fontSize=10, leading=14, leftIndent=0),
        toc2=s("toc2", fontSize=9, leading=12, leftIndent=12),
    )


BULLET = "•"


def bulleted(style: ParagraphStyle) -> ParagraphStyle:
    """`style` for a paragraph after a bullet, its wrapped lines starting where its first line does.
    reportlab starts a bulleted paragraph's first line after the bullet and 0.6 of the bullet's size
    when that is past `leftIndent`, but its next lines at `leftIndent`: with the bullet at 10 pt and
    `leftIndent` 9, every wrapped item's second line started 4 pt left of its first (and the first ran
    4 pt past the width it was wrapped to). The bullet takes the text's size and `leftIndent` the
    room reportlab gives it."""
    size = style.fontSize
    room = style.bulletIndent + pdfmetrics.stringWidth(BULLET, style.bulletFontName, size) + 0.6 * size
    if style.bulletFontSize == size and style.leftIndent >= room:
        return style
    return ParagraphStyle(f"{style.name}-bulleted", parent=style, bulletFontSize=size,
                          leftIndent=max(style.leftIndent, math.ceil(room * 100) / 100))


def quoted(text: str) -> str:
    """Text between French quotes, once: quotes already typed around it are not doubled."""
    inner = str(text).strip()
    if inner[:1] in "«\"“" and any(c in inner[1:] for c in "»\"”"):
        return inner      # already quoted (perhaps followed by a mark: « … » (fictif))
    return f"« {inner} »"


def _same_words(a: str | None, b: str | None) -> bool:
    """Whether b starts with the words of a (accents, case, dashes and brackets ignored):
    'État (programme 147)' and 'État – programme 147 (adultes-relais)'."""
    wa, wb = _words(a), _words(b)
    return bool(wa) and wb[:len(wa)] == wa


def _words(text: str | None) -> list[str]:
    from indicators.fmt import fold
    return re.sub(r"[^0-9a-z]+", " ", fold(text or "")).split()


def contract_subtitle(name: str, period_label: str | None) -> str | None:
    """« Contrat de ville 2024–2030 » under a contract's name, without repeating what the name or
    the period label already say: under « Contrat de ville de Val-de-Lorne », « 2020–2026 »."""
    from indicators.fmt import period_beside_name
    period = period_beside_name(name, period_label)
    if not period:
        return None               # the name already says it: « … du Grand Chalon 2024-2030 – … »
    if period != period_label.strip():   # only the bracketed rest: « signé en 2024 »
        return period[0].upper() + period[1:]
    if "contrat de ville" in " ".join(_words(name)):
        words = period.split()
        if _words(" ".join(words[:3])) == ["contrat", "de", "ville"]:
            rest = " ".join(words[3:]).lstrip("–-: ").strip()
            return (rest[0].upper() + rest[1:]) if rest else None
        return period
    return period if "contrat" in period.lower() else f"Contrat de ville {period}"


_FILE_MENTION = re.compile(
    r"\s*\((?:fichiers?|file)\s[^()]*\.(?:csv|xlsx|zip|json|geojson|shp|md)\b[^()]*\)"
    r"|,?\s*(?:chiffres\s+)?repris\s+de\s+\S+\.md(?:\s*§\s*\d+)?"
    # A software package and its version (« (données du paquet @etalab/decoupage-administratif
    # 6.0.0) »): the method page's business, not a reader's source line.
    r"|\s*\([^()]*\b(?:paquets?|packages?|modules?\s+npm|bibliothèques?)\s+@?[\w.-]+(?:/[\w.-]+)?[^()]*\)"
    r"|,?\s*(?:données\s+d[ue]s?\s+)?(?:paquets?|packages?)\s+@[\w.-]+/[\w.-]+(?:\s+v?\d+(?:\.\d+)+)?",
    re.IGNORECASE)


def without_file_names(text: str) -> str:
    """A document title as a reader reads it: the working notes naming files ('(fichier
    cc_filosofi_2021_COM.csv)', 'repris de DOMAIN.md §3') and software packages ('(données du
    paquet @etalab/decoupage-administratif 6.0.0)') are left out."""
    return _FILE_MENTION.sub("", text).strip()


def esc(value) -> str:
    """Any data value as paragraph text (reportlab's mini-markup is XML). The space inside
    French quotes and before « ; : ! ? » is made non-breaking, so a « or » never starts or ends
    a line alone and a line never starts with « ; » or « : »; so are the spaces inside a date
    and between a number and its unit (text.no_break_units)."""
    from indicators.fmt import no_break_dates
    from indicators.text import french_marks, french_spacing, no_break_units
    # A date in words never breaks across a line (« 5 / février 2021 »), typed text included;
    # a team's "…" and « 20h » in French typography (« … », « 20 h »).
    # A number keeps its unit on its line (« carroyage 200 m », « 58,9 % »).
    return escape(no_break_dates(no_break_units(french_spacing(french_marks(value)))))


def _date_fr(value: dt.date | None) -> str:
    """« 5 mars 2026 », the first of the month « 1er décembre 2026 » (indicators.fmt.fmt_date)."""
    from indicators.fmt import fmt_date
    return fmt_date(value or dt.date.today())


# ── Page furniture: demo banner, footer, "page x / y" ───────────────────────────────────────
@dataclass
class PageInfo:
    footer: str
    fictional: bool
    generated_on: dt.date
    cover: bool = False          # the first page is a cover: no footer on it


def _canvas_class(info: PageInfo):
    class NumberedCanvas(rl_canvas.Canvas):
        """Defers each page until the total is known, then draws the banner and 'page x / y'."""

        def __init__(self, *args, **kwargs):
            kwargs.setdefault("initialFontName", FONT)  # no unembedded Helvetica in the file
            kwargs.setdefault("initialFontSize", 8.8)
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._furniture(total)
                super().showPage()
            super().save()

        def _furniture(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            if info.fictional:
                text = DEMO_MARK
                self.setFont(FONT_BOLD, 8.5)
                w = pdfmetrics.stringWidth(text, FONT_BOLD, 8.5)
                x, y = PAGE_W - MARGIN - w - 8, PAGE_H - 10 * mm
                self.setFillColor(_hex(palette.DEMO_BACKGROUND))
                self.setStrokeColor(_hex(palette.DEMO_BORDER))
                self.roundRect(x, y - 3, w + 8, 13, 2, stroke=1, fill=1)
                self.setFillColor(_hex(palette.DEMO_TEXT))
                self.drawString(x + 4, y + 0.5, text)
            if not (info.cover and page == 1):
                self.setStrokeColor(_hex(palette.RULE))
                self.setLineWidth(0.5)
                self.line(MARGIN, 11 * mm, PAGE_W - MARGIN, 11 * mm)
                self.setFillColor(_hex(palette.TEXT_MUTED))
                number = f"page {page} / {total}"
                size, lines = footer_lines(info.footer, CONTENT_W - pdfmetrics.stringWidth(number, FONT, 7) - 8 * mm)
                self.setFont(FONT, size)
                for i, line in enumerate(lines):
                    self.drawString(MARGIN, (8 - 3 * i) * mm, line)
                self.setFont(FONT, 7)
                self.drawRightString(PAGE_W - MARGIN, 8 * mm, number)
            self.restoreState()

    return NumberedCanvas


def _split_line(text: str, size: float, width: float) -> list[str]:
    """`text` in lines of at most `width` at `size`, broken only at breakable spaces (reportlab's
    simpleSplit breaks at no-break ones too: « 5 mars / 2026 », « 1 / 650 € »)."""
    lines: list[str] = []
    for word in (w for w in _BREAKABLE.split(text) if w):
        joined = f"{lines[-1]} {word}" if lines else word
        if lines and pdfmetrics.stringWidth(joined, FONT, size) <= width:
            lines[-1] = joined
        else:
            lines.append(word)
    return lines


def footer_lines(text: str, width: float) -> tuple[float, list[str]]:
    """The footer set whole: one line at 7 pt, else wrapped on two lines (7 pt, then 6 pt);
    never cut with an ellipsis, never broken inside a date or a number (a word longer than the
    width has a line of its own)."""
    for size in (7, 6):
        # Break between the parts (« title · produit le … ») before breaking inside one.
        lines: list[str] = []
        for part in text.split(" · "):
            joined = f"{lines[-1]} · {part}" if lines else part
            if lines and pdfmetrics.stringWidth(joined, FONT, size) <= width:
                lines[-1] = joined
            else:
                lines += _split_line(part, size, width)
        if len(lines) <= 2:
            return size, lines
    return 6, lines


class _Doc(BaseDocTemplate):
    """A4 with one frame; headings H1/H2 are reported to the table of contents."""

    def __init__(self, buf, *, title: str, with_toc: bool = False, **kw):
        top = 16 * mm
        super().__init__(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=top,
                         bottomMargin=15 * mm, title=title, author="Tableau de bord politique de la ville",
                         creator="reports.pdf (reportlab)", lang="fr-FR", **kw)
        frame = Frame(MARGIN, 15 * mm, CONTENT_W, PAGE_H - top - 15 * mm, id="body",
                      leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.with_toc = with_toc
        self._heading_seq = 0
        self._sketching = False

    # A document with a table of contents is laid out twice or more (`multiBuild`): the first
    # pass only collects the headings and their pages, and its pages are thrown away, so its
    # flowables are placed but not drawn (drawing was about half of that pass in a profile of the
    # demo's mandate report; 1,5 s of its CPU saved). The passes that
    # follow are those reportlab would make, the last one drawn as ever: the same file.
    def multiBuild(self, story, **kwargs):
        self._sketching = True
        try:
            return super().multiBuild(story, **kwargs)
        finally:
            self._sketching = False

    def _allSatisfied(self):
        if self._sketching:          # never keep the undrawn pass: draw the next one
            self._sketching = False
            return False
        return super()._allSatisfied()

    def handle_flowable(self, flowables) -> None:
        # A space between blocks that no longer fits on the page is dropped rather than carried to
        # the next one: carried, it opened a page of its own before a page break (a blank page
        # in the review after a table that filled its page).
        f = flowables[0] if flowables else None
        if type(f) is Spacer and getattr(self, "frame", None) is not None and not self.frame._atTop \
                and f.height > self.frame._y - self.frame._y1p:
            del flowables[0]
            return
        if not (self._sketching and flowables):
            return super().handle_flowable(flowables)
        # Whatever the frame places in this call is placed, not drawn: the flowable itself, or the
        # first part of a split one (a table, a sources list) that reportlab adds at once.
        frame = getattr(self, "frame", None)
        if frame is None:                # before the first page: nothing is placed yet
            return super().handle_flowable(flowables)

        def add(flowable, canv, trySplit=0):
            flowable.drawOn = _placed_only          # this object only, for this call
            try:
                return Frame.add(frame, flowable, canv, trySplit)
            finally:
                flowable.__dict__.pop("drawOn", None)

        frame.add = add
        try:
            return super().handle_flowable(flowables)
        finally:
            frame.__dict__.pop("add", None)

    def afterFlowable(self, flowable: Flowable) -> None:
        if not self.with_toc or not isinstance(flowable, Paragraph):
            return
        name = flowable.style.name
        if name in ("H1", "H2"):
            level = 0 if name == "H1" else 1
            # The heading's text, markup resolved: plain for the outline (bookmarks), escaped again
            # for the contents page, whose entries reportlab parses as paragraph markup (a QPV
            # named `<a href=…>` or `<img src=…>` must stay text there too).
            text = flowable.getPlainText().replace("\u00a0", " ")   # no line to break in an outline
            key = getattr(flowable, "_bookmark", None)
            if key is None:
                self._heading_seq += 1
                key = f"h{self._heading_seq}"
                flowable._bookmark = key
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(text, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, esc(text), self.page, key))


def _placed_only(canvas, x, y, _sW=0) -> None:
    """drawOn of a flowable on a first layout pass whose pages are thrown away."""


def _build(story: list[Flowable], info: PageInfo, *, title: str, with_toc: bool = False) -> bytes:
    buf = io.BytesIO()
    doc = _Doc(buf, title=title, with_toc=with_toc)
    maker = _canvas_class(info)
    if with_toc:
        doc.multiBuild(story, canvasmaker=maker)
    else:
        doc.build(story, canvasmaker=maker)
    return buf.getvalue()


# ── Small building blocks ───────────────────────────────────────────────────────────────────
def _bullets(items: Sequence[str], st: Styles, style: ParagraphStyle | None = None) -> list[Flowable]:
    style = bulleted(style or st.bullet)
    return [Paragraph(esc(t), style, bulletText=BULLET) for t in items]


def _image(png, width: float) -> Image:
    """The PNG at `width` points wide; `png` is bytes, or a render still under way
    (`images.figure_png_later`), collected when the document is laid out."""
    if not isinstance(png, (bytes, bytearray)):
        return _LateImage(png, width)
    from PIL import Image as PILImage
    with PILImage.open(io.BytesIO(png)) as im:
        w, h = im.size
    out = _PngImage(io.BytesIO(png), width=width, height=width * h / w)
    out._png = bytes(png)
    return out


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_flate_stream(png: bytes) -> tuple[int, int, bytes] | None:
    """(width, height, compressed pixels) of a PNG a PDF can embed as it is: 8-bit RGB, not
    interlaced, without transparency (what `reports.images` composes). Its IDAT data is a zlib
    stream of rows with PNG filters, which PDF's FlateDecode reads with /Predictor 15: no pixel
    is decoded nor compressed again. None for any other PNG (reportlab reads it through PIL)."""
    if png[:8] != PNG_SIGNATURE:
        return None
    pos, size, idat = 8, None, []
    while pos + 8 <= len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        body = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour != 2 or interlace:
                return None
            size = (width, height)
        elif kind in (b"tRNS", b"PLTE"):
            return None
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    return (*size, b"".join(idat)) if size and idat else None


class _PngXObject(pdfdoc.PDFImageXObject):
    """An image XObject whose stream is a PNG's own compressed data (`png_flate_stream`)."""

    def __init__(self, name: str, width: int, height: int, data: bytes) -> None:
        self.name, self.width, self.height = name, width, height
        self.bitsPerComponent, self.colorSpace, self.mask = 8, "DeviceRGB", None
        if rl_config.useA85:
            self.streamContent, self._filters = asciiBase85Encode(data), ("ASCII85Decode", "FlateDecode")
        else:
            self.streamContent, self._filters = data, ("FlateDecode",)

    def format(self, document):
        stream = pdfdoc.PDFStream(content=self.streamContent)
        d = stream.dictionary
        d["Type"], d["Subtype"] = pdfdoc.PDFName("XObject"), pdfdoc.PDFName("Image")
        d["Width"], d["Height"], d["BitsPerComponent"] = self.width, self.height, 8
        d["ColorSpace"] = pdfdoc.PDFName(self.colorSpace)
        d["Filter"] = pdfdoc.PDFArray([pdfdoc.PDFName(f) for f in self._filters])
        parms = pdfdoc.PDFDictionary({"Predictor": 15, "Colors": 3, "BitsPerComponent": 8,
                                      "Columns": self.width})
        d["DecodeParms"] = pdfdoc.PDFArray([pdfdoc.PDFnull] * (len(self._filters) - 1) + [parms])
        d["Length"] = len(self.streamContent)
        return stream.format(document)


class _PngImage(Image):
    """A report image drawn from its PNG's compressed data when it can be (`png_flate_stream`):
    reportlab would decode every chart's pixels through PIL, hash them and compress them again
    (a tenth of a report's CPU); the page shows the same pixels (tests/exports/test_pdf_images.py).
    The same PNG twice in a document is one XObject, as reportlab does."""
    _png: bytes | None = None

    def draw(self):
        found = png_flate_stream(self._png) if self._png is not None else None
        if found is None:
            return super().draw()
        canv = self.canv
        name = "png" + hashlib.md5(self._png).hexdigest()
        reg_name = canv._doc.getXObjectName(name)
        xobject = canv._doc.idToObject.get(reg_name)
        if xobject is None:
            xobject = _PngXObject(name, *found)
            canv._setXObjects(xobject)
            canv._doc.Reference(xobject, reg_name)
            canv._doc.addForm(name, xobject)
        canv.saveState()
        canv.translate(getattr(self, "_offs_x", 0), getattr(self, "_offs_y", 0))
        canv.scale(self.drawWidth, self.drawHeight)
        canv._code.append(f"/{reg_name} Do")
        canv.restoreState()
        canv._formsinuse.append(name)


class _LateImage(_PngImage):
    """`_image(png, width)` for a PNG being rendered (a concurrent.futures.Future): the same
    Image, set up from the bytes the first time the layout needs its size or the page draws it,
    so the report's charts render while its other sections are read and laid out. When the
    render tells its pixel size beforehand (`images.png_size`), the layout takes the size from it
    (the same arithmetic as `_image`) and only drawing waits for the bytes: the first layout pass
    of a report runs while Chromium draws its charts."""

    def __init__(self, pending, width: float) -> None:
        self._pending, self._at_width, self._ready = pending, width, False
        self.hAlign, self._mask, self._drawing, self._dpi = "CENTER", "auto", None, False
        size = getattr(pending, "size_px", None)
        self._size = None if size is None else (width, width * size[1] / size[0])
        if self._size is not None:
            self.drawWidth, self.drawHeight = self._size

    def _resolve(self) -> None:
        if not self._ready:
            same = _image(self._pending.result(), self._at_width)
            if self._size is not None and self._size != (same.drawWidth, same.drawHeight):
                laid = " × ".join(f"{v:.1f}".replace(".", ",") for v in self._size)
                raise ReportError(f"Graphique de {same.imageWidth} × {same.imageHeight} px mis en page "
                                  f"à {laid} pt : sa taille annoncée (images.png_size) était fausse.")
            # The size the layout may have restricted (Image._restrictSize) is kept.
            kept = {"hAlign"} | ({"drawWidth", "drawHeight"} if self._size is not None else set())
            self.__dict__.update({k: v for k, v in same.__dict__.items() if k not in kept})
            self._ready = True

    # What only the bytes give (the attributes `_image` sets up); any other attribute the layout
    # looks for (`_oldDrawSize`, `_offs_x`…) is not waited for when the size is known.
    _FROM_BYTES = frozenset({"_file", "filename", "_lazy", "_width", "_height", "_kind", "_img",
                             "imageWidth", "imageHeight", "_png"})

    def __getattr__(self, name):
        if name.startswith("__") or self.__dict__.get("_ready", True):
            return super().__getattr__(name)
        if self.__dict__.get("_size") is not None and name not in self._FROM_BYTES:
            raise AttributeError(name)
        self._resolve()
        return getattr(self, name)

    def wrap(self, availWidth, availHeight):
        if self._size is None:
            self._resolve()
        return super().wrap(availWidth, availHeight)

    def draw(self):
        self._resolve()
        return super().draw()


def _table(rows: list[list], widths: Sequence[float], *, header: bool = True,
           extra: Sequence[tuple] = (), cls: type = Table) -> Table:
    t = cls(rows, colWidths=list(widths), repeatRows=1 if header else 0, hAlign="LEFT")
    cmds = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, _hex(palette.RULE)),
    ]
    if header:
        cmds += [("BACKGROUND", (0, 0), (-1, 0), _hex(palette.PRIMARY_LIGHT)),
                 ("LINEBELOW", (0, 0), (-1, 0), 0.6, _hex(palette.PRIMARY))]
    t.setStyle(TableStyle(cmds + list(extra)))
    return t


# ── Portrait ────────────────────────────────────────────────────────────────────────────────
@dataclass
class PortraitParts:
    """What a portrait contributes to a document: its flowables, marks and sources."""
    flowables: list[Flowable]
    fictional: bool
    sources: list[str] = field(default_factory=list)
    title: str = ""


# A reference that is only a place in a document, naming no document: « p. 4 », « pp. 3-4 »,
# « p. 24 s. », « annexe 3 », « § 2 ».
_BARE_LOCATOR = re.compile(r"^\s*(?:p\.|pp\.|pages?|annexe|§)\s*\d+(?:\s*[-–]\s*\d+)?(?:\s*s\.)?\s*$",
                           re.IGNORECASE)


class SourceRefs:
    """Numbered sources of a portrait: each distinct (source, reference) gets [n], listed at the
    end, so that long document references do not crowd the tables."""

    def __init__(self, documents: dict[str, tuple] | None = None) -> None:
        self.items: dict[tuple[str, str | None], int] = {}
        # document_id → (title, producer, date, url): a typed note naming its document cites it
        # under the document's own name (sources.cited_document).
        self.documents = documents or {}

    def ref(self, label: str | None, source_ref: str | None = None,
            document_id: str | None = None) -> int:
        """The number of a source: a figure typed from a document the database knows, whose note
        names that document (« Chartres métropole, page « Politique de la ville » (21/09/2023) –
        … »), is the document, as the texts typed from it cite it, with the note's precision in
        its reference (issue 11: Chartres' [1] and [2] were one web page). A document cited whole
        and at one section (the portrait's notes, its population) has one number: its section's."""
        doc = self.documents.get(document_id) if document_id else None
        cited = sources_mod.cited_document(label, source_ref, *doc) if doc else None
        if cited is not None:
            label, source_ref = cited
        elif (doc and doc[0] and source_ref and _BARE_LOCATOR.match(source_ref)
              and not set(_words(str(doc[0]))) <= set(_words(label))):
            # « p. 4 » of a document the line does not name (the demo portrait's « Compas – ABS
            # 2022 (fictif) — p. 4 »): the page of that document, by its title.
            source_ref = f"{without_file_names(str(doc[0]))}, {source_ref.strip()}"
        key = (label or "source non précisée", source_ref or None)
        if key in self.items:
            return self.items[key]
        same = [k for k in self.items if k[0] == key[0]]
        if same and key[1] is None:                 # the whole document, cited at a section
            return self.items[same[0]]
        if same == [(key[0], None)]:                # cited whole first: its number, at the section
            self.items = {(key if k == same[0] else k): n for k, n in self.items.items()}
            return self.items[key]
        self.items[key] = len(self.items) + 1
        return self.items[key]

    def _groups(self) -> dict[str, list[tuple[tuple[str, str | None], str | None]]]:
        """The sources by the heading `lines` prints them under: heading → [(key, reference)]."""
        groups: dict[str, list[tuple[tuple[str, str | None], str | None]]] = {}
        for key in self.items:
            label, ref = key
            head = without_file_names(sources_mod.printed(label))
            if " — " in head:          # « Données fictives de démonstration — Compas 2022 » — p. 4:
                head, rest = head.split(" — ", 1)      # under the demo mark, said once (issue 11)
                ref = f"{rest} — {ref}" if ref else rest
            groups.setdefault(head, []).append((key, ref))
        return groups

    def in_print_order(self) -> "SourceRefs":
        """The same sources numbered in the order `lines` prints them (issue 11: Chambéry's
        « Les chiffres du mandat » listed [1]…[6], [8]…[13], then [7], its list grouping the
        sections of one document): call `ref` for every source first, then number the table
        with the copy this returns, whose list reads 1, 2, 3…"""
        out = SourceRefs(self.documents)
        keys = [key for refs in self._groups().values() for key, _ in refs]
        out.items = {key: n for n, key in enumerate(keys, 1)}
        return out

    def lines(self) -> list[str]:
        """« [n] source — reference », the source said once: when several references share it
        (thirteen sections of one document), the source is a line of its own, ending « : »,
        followed by « [n] reference » for each."""
        groups = {head: [(self.items[key], ref) for key, ref in refs]
                  for head, refs in self._groups().items()}
        out: list[str] = []
        for head, refs in groups.items():
            if len(refs) == 1:
                n, ref = refs[0]
                out.append(f"[{n}] {head}" + (f" — {ref}" if ref else ""))
            else:
                out.append(f"{head} :")
                out += [f"[{n}] {ref or 'ensemble du document'}" for n, ref in refs]
        return out


def cited_documents(con) -> dict[str, tuple]:
    """document_id → (title, producer, date, url) of every document (SourceRefs)."""
    return {r[0]: tuple(r[1:]) for r in con.execute(
        """select document_id, any_value(title), any_value(producer), any_value(published_on),
                  any_value(url) from documents group by document_id""").fetchall()}


BOX_LEVELS = ("commune", "epci")       # comparators in the key-figure boxes (as the annex does)


YEAR_NOT_GIVEN = "année non précisée"


def printed_value(v) -> float | None:
    """The value as printed: a share the build computed (grid approximations, a rate from its
    numerator and denominator) to one decimal, as INSEE publishes its shares, not « 44,98 % »
    beside « 45,1 % »; others as loaded."""
    value = getattr(v, "value", None)
    if value is not None and getattr(v, "unit", None) == "%" and getattr(v, "origin", None) == "computed":
        return round(float(value), 1)
    return value


def _year_of(value) -> str:
    """The year of a value as printed: « année non précisée » when no document gives it (its
    `year` is then the document's date, for ordering only)."""
    return fmt_year(value.year) if getattr(value, "year_given", True) else YEAR_NOT_GIVEN


def _comparator_text(v: portrait_mod.PortraitValue, refs: SourceRefs | None = None,
                     levels: Sequence[str] | None = None, decimals: int | None = None) -> str:
    own = (v.source_label, v.source_ref)
    parts = []
    if decimals is None:               # at the precision of the quartier's value beside them
        decimals = row_decimals(v)
    for c in v.comparators:
        if levels is not None and c.territory_level not in levels:
            continue
        shown = fmt_value(c.value, v.unit, c.status, decimals=decimals)
        year = f" ({_year_of(c)})" if c.year != v.year else ""
        mark = ""
        if refs is not None and (c.source_label, c.source_ref) != own:
            mark = f" [{refs.ref(c.source_label, c.source_ref, c.document_id)}]"
        parts.append(f"{c.territory_name} : {shown}{year}{mark}")
    return " ; ".join(parts)


def _headline_values(p: portrait_mod.Portrait) -> list[portrait_mod.PortraitValue]:
    chosen = []
    for ind in HEADLINE_INDICATORS:
        v = p.value(ind)
        if v is not None and not (ind == "median_income_eur_year" and p.value("median_income_eur_month")):
            chosen.append(v)
        if len(chosen) == 4:
            break
    return chosen


def _headline_boxes(p: portrait_mod.Portrait, st: Styles, refs: SourceRefs) -> Flowable | None:
    chosen = _headline_values(p)
    if not chosen:
        return None
    cells = []
    shared = portrait_decimals(p)
    for v in chosen:
        n = refs.ref(v.source_label, v.source_ref, v.document_id)
        decimals = shared[(v.indicator_id, v.year)]
        comp = _comparator_text(v, refs, BOX_LEVELS, decimals)
        content = [Paragraph(esc(fmt_value(printed_value(v), v.unit, v.status, decimals=decimals)),
                             st.box_value),
                   Paragraph(esc(v.label), st.box_label)]
        if comp:
            content.append(Paragraph(esc("contre " + comp), st.small))
        content.append(Paragraph(esc(f"{_year_of(v)}, source [{n}]"), st.muted))
        cells.append(content)
    gap = 3 * mm
    w = (CONTENT_W - gap * (len(cells) - 1)) / len(cells)
    row, widths = [], []
    for i, c in enumerate(cells):
        if i:
            row.append("")
            widths.append(gap)
        row.append(c)
        widths.append(w)
    t = Table([row], colWidths=widths, hAlign="LEFT")
    cmds = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
            ("LEFTPADDING", (0, 0), (-1, -1), 5), ("RIGHTPADDING", (0, 0), (-1, -1), 5),
            ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 5)]
    for i in range(0, len(row), 2):
        cmds += [("BACKGROUND", (i, 0), (i, 0), _hex(palette.PRIMARY_LIGHT)),
                 ("LINEABOVE", (i, 0), (i, 0), 2, _hex(palette.PRIMARY))]
    t.setStyle(TableStyle(cmds))
    return t


def _cell_unit(unit: str | None) -> str | None:
    """The unit written in table cells: symbols (%, €/an) stay; words (habitants) go to the label."""
    from indicators.fmt import UNIT_SUFFIX
    return unit if unit in UNIT_SUFFIX else None


def _label_with_unit(label: str, unit: str | None) -> str:
    from indicators.fmt import UNIT_SUFFIX
    return qualified(label, unit) if unit and unit not in UNIT_SUFFIX and unit not in label.lower() else label


def row_decimals(v: portrait_mod.PortraitValue) -> int | None:
    """The decimals of a portrait table's row: the quartier's printed value and its comparators
    at one precision (fmt.shared_decimals), « 29,0 % » beside « 28,6 % », as the page shows them."""
    from indicators.fmt import shared_decimals
    return shared_decimals([printed_value(v) if v.status == "ok" else None]
                           + [c.value if c.status == "ok" else None for c in v.comparators], v.unit)


def chart_rates(p: portrait_mod.Portrait) -> list[portrait_mod.PortraitValue]:
    """The shares the portrait's chart draws (rates_figure)."""
    return [v for v in p.values if v.unit == "%" and v.status == "ok" and v.value is not None][:MAX_CHART_RATES]


def portrait_decimals(p: portrait_mod.Portrait) -> dict[tuple[str, int], int | None]:
    """The decimals of each indicator of a portrait, by (indicator, year): its row's
    (row_decimals), or, for a share the chart draws, the chart's one precision, so that the table
    and the chart print its figures alike (issue 11: « 45 % » in a row without a comparator beside
    « 45,0 % » in the chart)."""
    from indicators.fmt import shared_decimals
    out = {(v.indicator_id, v.year): row_decimals(v) for v in p.values}
    rates = chart_rates(p)
    shared = shared_decimals([x for v in rates for x in (printed_value(v), *(
        c.value for c in v.comparators if c.status == "ok"))], "%")
    out.update({(v.indicator_id, v.year): shared for v in rates})
    return out


def _comparator_cell(v: portrait_mod.PortraitValue, level: str, refs: SourceRefs, multi: bool,
                     decimals: int | None = None) -> str:
    """The comparator values of one level for the table (several communes: 'name : value');
    `decimals`: the row's (row_decimals)."""
    own = (v.source_label, v.source_ref)
    parts = []
    for c in v.comparators:
        if c.territory_level != level:
            continue
        # Comparator columns are narrow: the number alone (the unit is in the Quartier column).
        if v.unit == "%" or c.status != "ok" or c.value is None:
            text = esc(fmt_value(c.value, "%" if v.unit == "%" else None, c.status, decimals=decimals))
        else:
            from indicators.fmt import UNIT_DECIMALS, fmt_number
            text = esc(fmt_number(c.value, UNIT_DECIMALS.get(v.unit or "") if decimals is None
                                  else decimals))
        if multi:
            text = f"{esc(c.territory_name)} : {text}"
        notes = []
        if c.year != v.year:
            notes.append(_year_of(c))
        if (c.source_label, c.source_ref) != own:
            notes.append(f"[{refs.ref(c.source_label, c.source_ref, c.document_id)}]")
        if notes:
            text += f" <font color='{palette.TEXT_MUTED}' size='6.6'>{esc(' '.join(notes))}</font>"
        parts.append(text)
    return "<br/>".join(parts) or "—"


TABLE_NOTE = ("Unité : celle de la colonne Quartier ; année du chiffre en petits caractères ; "
              "[n] : numéro de la source (liste en fin de portrait).")
SECRET_NOTE = "Un chiffre couvert par le secret statistique n'est jamais remplacé par 0."


def portrait_map_spec(mdata, p: portrait_mod.Portrait, width_pt: float):
    """The portrait's situation map (420 × 260 px printed `width_pt` wide): the QPV highlighted and
    named, its own communes named before the others (`first_communes`), so that when names collide
    the ones dropped are not the QPV's commune (issue 11: Cité des Forges' map named Montvaillant
    and Lorneville, not Les Forges-de-Lorne, whose place the QPV's name took)."""
    from reports import images
    return images.qpv_map_spec(mdata, highlight=p.qpv.code, legend=False, label_codes=[p.qpv.code],
                               size_px=(420, 260), text_px=images.print_text_px(420, width_pt),
                               first_communes=[c.code for c in p.communes])


def may_be_withheld(p: portrait_mod.Portrait) -> bool:
    """Whether a figure the portrait shows is withheld (« secret statistique ») or could be: a
    value or comparator of a statistical file or computed by the build (both under the secrecy
    rules). A figure a document publishes as typed, or no figure at all, never is: the secrecy
    note is then not printed (issue 11: Chambéry's portrait without a figure carried it)."""
    return any(x.status == "secret" or x.origin != "published"
               for v in p.values for x in (v, *v.comparators))


def in_subtitle(v: portrait_mod.PortraitValue) -> bool:
    """A value the portrait's subtitle states (the population, with its year and source) and the
    figures table leaves out: it has no comparator to set beside it."""
    return v.indicator_id == "population_count" and not v.comparators


def _figures_table(p: portrait_mod.Portrait, st: Styles, refs: SourceRefs,
                   notes: list[str] | None = None) -> list[Flowable] | None:
    """Every indicator: the QPV's value and year, one column per comparison level that has a
    value (named after the territory when there is one), and the source number."""
    # The population is in the subtitle, with its year and source: a row repeats it only with
    # comparators (issue 11: Chartres' « 2 540 habitants » in the subtitle and a one-row table).
    themes = [(block, [v for v in block.values if not in_subtitle(v)]) for block in p.themes]
    themes = [(block, values) for block, values in themes if values or not block.values]
    if not themes:
        return None
    levels = [lv for lv in ("commune", "epci", "departement", "france", "qpv_ensemble")
              if any(c.territory_level == lv for v in p.values for c in v.comparators)]
    names: dict[str, dict[str, None]] = {lv: {} for lv in levels}    # in the cells' order
    for v in p.values:
        for c in v.comparators:
            if c.territory_level in names:
                names[c.territory_level][c.territory_name] = None
    multi = {lv: len(names[lv]) > 1 for lv in levels}
    # Short headers (narrow columns never break a name mid-word); the names go in the note.
    short = {"commune": "Commune", "epci": "Interco.", "departement": "Départ.", "france": "France",
             "qpv_ensemble": "Ens. QPV"}
    label_w, qpv_w, src_w = 52 * mm, 22 * mm, 9 * mm
    comp_w = (CONTENT_W - label_w - qpv_w - src_w) / max(1, len(levels))
    rows: list[list] = [[Paragraph("Indicateur", st.cell_head), Paragraph("Quartier", st.cell_head)]
                        + [Paragraph(short[lv], st.cell_head) for lv in levels] + [Paragraph("Src.", st.cell_head)]]
    extra = []
    shared = portrait_decimals(p)
    for block, values in themes:
        rows.append([Paragraph(esc(block.theme[:1].upper() + block.theme[1:]), st.cell_bold)]
                    + [""] * (len(levels) + 2))
        r = len(rows) - 1
        extra += [("SPAN", (0, r), (-1, r)), ("BACKGROUND", (0, r), (-1, r), colors.HexColor("#f3f6f9"))]
        if values:         # a theme's heading never ends a page without its first row
            extra.append(("NOSPLIT", (0, r), (-1, r + 1)))
        for v in values:
            decimals = shared.get((v.indicator_id, v.year), row_decimals(v))
            shown = fmt_value(printed_value(v), _cell_unit(v.unit), v.status, decimals=decimals)
            n = refs.ref(v.source_label, v.source_ref, v.document_id)
            rows.append([Paragraph(esc(_label_with_unit(v.label, v.unit)), st.cell),
                         Paragraph(f"<b>{esc(shown)}</b> <font color='{palette.TEXT_MUTED}' size='6.6'>"
                                   f"{esc(_year_of(v))}</font>", st.cell)]
                        + [Paragraph(_comparator_cell(v, lv, refs, multi[lv], decimals), st.cell)
                           for lv in levels]
                        + [Paragraph(f"[{n}]", st.cell)])
    widths = [label_w, qpv_w] + [comp_w] * len(levels) + [src_w]
    # The territories' own names (« France : France métropolitaine », never « France : France
    # (France métropolitaine) »; a QPV over two communes « Commune : Lorneville, Saint-Aubin-sur-Lorne »,
    # never « Commune : commune »).
    named = [f"{short[lv]} : " + ", ".join(names[lv]) for lv in levels]
    text = " ; ".join(named) + ("." if named else "")
    if notes is None:
        text += " " + TABLE_NOTE
    elif TABLE_NOTE not in notes:
        notes.append(TABLE_NOTE)
    table = _table(rows, widths, extra=extra)
    table.__class__ = CarryingTable         # see portrait_parts: it carries rows to its sources
    return [table] + ([Paragraph(esc(text.strip()), st.muted)] if text.strip() else [])


CHART_LEVELS = ("commune", "epci", "france")   # comparators drawn in the portrait charts
MAX_CHART_RATES = 6


def rates_figure(p: portrait_mod.Portrait):
    """Grouped horizontal bars: the QPV's shares (%) against its commune, EPCI and France
    (an `images.FigureSpec`, plotly's figure dict), or None when the QPV has no shown share. A
    withheld QPV value leaves the indicator out; a withheld comparator has no bar and no label:
    never a bar at 0."""
    from reports.images import FigureSpec, template_dict

    rates = chart_rates(p)
    if not rates:
        return None
    cats = [wrap_words(v.label, 24) for v in rates][::-1]
    series = [("qpv", p.qpv.name, [printed_value(v) for v in rates])]
    for level in CHART_LEVELS:
        vals = []
        names = set()
        for v in rates:
            c = v.comparator(level)
            vals.append(c.value if c is not None and c.status == "ok" else None)
            if c is not None:
                names.add(c.territory_name)
        if any(x is not None for x in vals):
            name = next(iter(names)) if len(names) == 1 else LEVEL_LABELS[level]
            series.append((level, name, vals))
    # The bars' labels are read side by side: one precision for all (« 43,0 % » beside « 23,4 % »),
    # the one the table prints these shares at (portrait_decimals).
    decimals = portrait_decimals(p)[(rates[0].indicator_id, rates[0].year)]
    data = []
    for level, name, vals in series[::-1]:
        vals = vals[::-1]
        # Built as plotly's to_dict() spells a go.Bar (tests/exports/test_pdf_charts.py).
        data.append({"cliponaxis": False, "marker": {"color": palette.LEVEL_COLOURS[level]},
                     "name": plot_text(name), "orientation": "h",
                     "text": [fmt_value(x, "%", decimals=decimals) if x is not None else "" for x in vals],
                     "textfont": {"size": 11}, "textposition": "outside", "x": list(vals),
                     "y": list(cats), "type": "bar"})
    top = max(max((x for x in s[2] if x is not None), default=0) for s in series)
    return FigureSpec(data=data, layout={
        "bargap": 0.22, "bargroupgap": 0.04, "barmode": "group", "font": {"size": 12},
        "legend": {"font": {"size": 12}, "orientation": "h", "traceorder": "reversed", "x": 0,
                   "y": 1.0, "yanchor": "bottom"},
        "margin": {"b": 30, "l": 10, "r": 40, "t": 10}, "separators": ", ",
        "template": template_dict("simple_white"),
        "xaxis": {"gridcolor": "#e6e6e6", "range": [0, min(100, top * 1.18 + 2)], "showgrid": True,
                  "ticksuffix": " %"}})


def bar_names(names: list[str]) -> list[str]:
    """The income chart's names under their bars, narrower with five bars (a QPV over two
    communes), where « CA Val-de-Lorne » ran into « métropolitaine »."""
    return [wrap_words(n, 13 if len(names) < 5 else 10) for n in names]


def income_figure(p: portrait_mod.Portrait):
    """Bars of the median income per month (or year) of the QPV, its commune, EPCI and France;
    (figure, value) or None when the QPV's value is not shown. The figure is an
    `images.FigureSpec` (plotly's figure dict)."""
    from reports.images import FigureSpec, template_dict

    v = p.value("median_income_eur_month") or p.value("median_income_eur_year")
    if v is None or v.status != "ok" or v.value is None:
        return None
    bars = [(p.qpv.name, v.value, "qpv", _year_of(v))]
    for c in v.comparators:
        if c.territory_level in CHART_LEVELS and c.status == "ok" and c.value is not None:
            bars.append((c.territory_name, c.value, c.territory_level, _year_of(c)))
    names = bar_names([qualified(n, y) for n, _, _, y in bars])
    # Built as plotly's to_dict() spells a go.Bar (tests/exports/test_pdf_charts.py).
    fig = FigureSpec(data=[{
        "cliponaxis": False,
        "marker": {"color": [palette.LEVEL_COLOURS.get(b[2], palette.PRIMARY) for b in bars]},
        "text": [fmt_value(b[1], v.unit) for b in bars], "textfont": {"size": 13},
        "textposition": "outside", "x": names, "y": [b[1] for b in bars], "type": "bar"}], layout={
        "font": {"size": 12}, "margin": {"b": 10, "l": 10, "r": 10, "t": 30}, "separators": ", ",
        "showlegend": False, "template": template_dict("simple_white"),
        "xaxis": {"tickangle": 0, "tickfont": {"size": 11}},
        "yaxis": {"gridcolor": "#e6e6e6", "showgrid": True, "tickformat": ",d"}})
    return fig, v


SHORT_COLUMNS_H = 150 * mm
# A list of sources shorter than this is never split across pages: moved whole, it leaves at
# most this much blank (issue 11: Grand Chalon's 70 mm list, moved whole, left 7 cm blank).
SOURCES_WHOLE_H = 40 * mm
SOURCES_MIN_LINES = 4          # a longer one keeps at least this many lines on each side of a break


class CarryingTable(Table):
    """A table followed by a block that must not open a page alone (a portrait's sources): when
    the table ends its page with less than `tail_h` left under it, its last `carry_rows` rows go
    to the next page with the block (issue 11: a 2015 quartier's « Sources et méthode » alone on
    a page after its full portrait page)."""
    tail_h = 0.0
    carry_rows = 3

    def _can_carry(self) -> bool:
        return bool(self.tail_h) and len(self._cellvalues) - self.repeatRows > self.carry_rows + 1

    def wrap(self, availWidth, availHeight):
        w, h = super().wrap(availWidth, availHeight)
        # Does not fit with its tail: the frame splits it (or, when it holds only the rows to
        # carry, moves it to the next page), unless table and tail could never share a page.
        if self.tail_h and h <= availHeight < h + self.tail_h and h + self.tail_h < PAGE_H * 0.8:
            return w, availHeight + 1
        return w, h

    def split(self, availWidth, availHeight):
        tail, parts = self.tail_h, []
        if tail and not self._can_carry():
            return []                      # the rows carried over go whole to the next page
        if self._can_carry():          # the last part keeps at least carry_rows rows
            super().wrap(availWidth, availHeight)
            cut = sum(self._rowHeights) - sum(self._rowHeights[-self.carry_rows:]) + 0.01
            parts = super().split(availWidth, min(availHeight, cut))
        if len(parts) != 2:
            parts = super().split(availWidth, availHeight)
        for part in parts:
            part.tail_h = 0.0
        if parts:
            parts[-1].tail_h = tail        # the last part is the one the block follows
        return parts


def _stack_height(flowables: list[Flowable], width: float) -> float:
    """The height of `flowables` laid out one under the other at `width`, spaces included."""
    return sum(f.wrap(width, 10_000)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables)


def sources_block(heading: Flowable, lines: list[Flowable], width: float = CONTENT_W,
                  after: Sequence[Flowable] = ()) -> list[Flowable]:
    """A sources heading and its lines, never leaving a few lines alone on a page (issue 11: the
    last 4 lines of a portrait's sources sat alone at the top of the next page): a short list
    moves whole, heading included, to the next page when it does not fit; a long one breaks
    with its heading and at least its first SOURCES_MIN_LINES lines on one page, and at least
    its last SOURCES_MIN_LINES on the other. A document's line ending « : » (SourceRefs.lines:
    its sections follow) stays with its first section; `after` (a reading note) travels with
    the last lines."""
    height = _stack_height([heading, *lines, *after], width)
    units: list[list[Flowable]] = []
    for line in lines:
        if units and _ends_with_colon(units[-1][-1]):
            units[-1].append(line)
        else:
            units.append([line])
    k = SOURCES_MIN_LINES
    if height < SOURCES_WHOLE_H or len(units) < 2 * k + 1:
        return [KeepTogether([heading, *lines, *after])]
    return [KeepTogether([heading, *sum(units[:k], [])]), *(KeepTogether(u) for u in units[k:-k]),
            KeepTogether([*sum(units[-k:], []), *after])]


def _ends_with_colon(flowable: Flowable) -> bool:
    return isinstance(flowable, Paragraph) and flowable.getPlainText().rstrip().endswith(":")


def _two_columns(left: list[Flowable], right: list[Flowable]) -> Flowable:
    """The qualitative items and the sources side by side. Short ones (the usual case) each keep
    their column: balancing them once cut a note in two, its end at the top of the second column
    above « Sources et méthode ». Long ones flow over two balanced columns and pages."""
    gap = 6 * mm
    col_w = (CONTENT_W - gap) / 2

    def height(flowables: list[Flowable]) -> float:
        return _stack_height(flowables, col_w)

    if not left and height(right) < SHORT_COLUMNS_H:
        # Sources alone: kept whole (balancing them over two columns split them across pages).
        return KeepTogether(right)
    if left and max(height(left), height(right)) < SHORT_COLUMNS_H:
        t = Table([[left, right]], colWidths=[col_w + gap, col_w], hAlign="LEFT")
        t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (0, -1), gap),
                               ("RIGHTPADDING", (1, 0), (1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
        return t
    return BalancedColumns(left + right, nCols=2, innerPadding=gap, leftPadding=0, rightPadding=0,
                           topPadding=0, bottomPadding=0)


def _cited(title: str, items, refs: SourceRefs | None) -> str:
    """A qualitative heading with the numbers of its items' documents (« Notes [2] »), so that
    every source listed is cited by what the portrait shows (issue 11: Chartres' [2])."""
    if refs is None:
        return title
    from indicators.kpi import published_date
    from indicators.sources import document_name
    # Who published each document and when, as the page says (ui.views._item_source).
    nums = dict.fromkeys(
        refs.ref(document_name(it.document_title, it.document_producer or "producteur non précisé",
                               published_date(it.document_date)), None)
        for it in items if it.document_title)
    return title + (" [" + ", ".join(map(str, nums)) + "]" if nums else "")


def _qualitative_flowables(qual: portrait_mod.Qualitative, st: Styles,
                           refs: SourceRefs | None = None) -> list[Flowable]:
    out: list[Flowable] = []
    if qual.priority_issues:
        out.append(Paragraph(esc(_cited("Enjeux prioritaires", qual.priority_issues, refs)), st.h2p))
        for theme, items in portrait_mod.group_by_theme(qual.priority_issues):
            if theme:
                out.append(Paragraph(esc(theme), st.h3))
            out += _bullets([i.text for i in items], st)
    if qual.strengths or qual.weaknesses:
        out.append(Paragraph(esc(_cited("Atouts et fragilités", [*qual.strengths, *qual.weaknesses], refs)),
                             st.h2p))
        if qual.strengths:
            out.append(Paragraph("Ses atouts", st.h3))
            out += _bullets([i.text for i in qual.strengths], st)
        if qual.weaknesses:
            out.append(Paragraph("Ses fragilités", st.h3))
            out += _bullets([i.text for i in qual.weaknesses], st)
    if qual.appreciated or qual.deplored or qual.requested or qual.verbatims:
        out.append(Paragraph(esc(_cited("Ce qui ressort de la consultation des habitants",
                                        [*qual.appreciated, *qual.deplored, *qual.requested, *qual.verbatims],
                                        refs)), st.h2p))
        for label, items in (("Ce qui est apprécié", qual.appreciated), ("Ce qui est déploré", qual.deplored),
                             ("Ce qui est demandé", qual.requested)):
            if items:
                out.append(Paragraph(label, st.h3))
                out += _bullets([i.text for i in items], st)
        if qual.verbatims:
            out.append(Paragraph("Verbatims", st.h3))
            out += [Paragraph(esc(quoted(i.text)), st.quote) for i in qual.verbatims]
    if qual.notes:
        out.append(Paragraph(esc(_cited("Notes", qual.notes, refs)), st.h2p))
        for theme, items in portrait_mod.group_by_theme(qual.notes):
            if theme:
                out.append(Paragraph(esc(theme), st.h3))
            out += _bullets([i.text for i in items], st)
    return out


def portrait_parts(con, qpv_code: str, *, year: int | None = None, generated_on: dt.date | None = None,
                   heading: ParagraphStyle | None = None, charts: bool = True,
                   notes: list[str] | None = None, cited: Cited | None = None) -> PortraitParts:
    """The flowables of a QPV portrait (used alone by `portrait_pdf` and in mandate reports).

    Page 1: title, key figures (commune and EPCI comparators), the shares chart beside the map and
    the income chart, then the table of every figure with all comparators; then priority issues,
    strengths and consultation results in two columns; numbered sources and date.
    In a report (`notes` given), the reading notes every portrait shares are added to `notes`
    (once) instead of being printed under each portrait; date and demo mark are on every page.
    `cited` collects the documents and files of what it shows (portrait_cited), for a report's
    sources page."""
    from reports import images

    st = styles()
    refs = SourceRefs(cited_documents(con))
    p = portrait_mod.build_portrait(con, qpv_code, year)
    contract = p.contracts[0] if p.contracts else None
    qual = portrait_mod.qualitative(con, contract.slug, qpv_code) if contract else portrait_mod.Qualitative()
    fictional = p.qpv.is_fictional or any(c.is_fictional for c in p.contracts)
    if cited is not None:
        portrait_cited(con, p, contract.slug if contract else None, cited)
    refs = portrait_refs(p, qual, st, refs)
    story: list[Flowable] = []

    # Title block.
    story.append(Paragraph("PORTRAIT DE QUARTIER", st.kicker))
    story.append(Paragraph(esc(p.qpv.name), heading or st.title))
    geo = [f"Quartier prioritaire {p.qpv.code}"]
    if p.communes:
        geo.append(", ".join(c.name for c in p.communes))
    if p.epcis:
        geo.append(", ".join(e.name for e in p.epcis))
    if contract:
        from indicators.fmt import period_beside_name, with_aside
        geo.append(with_aside(contract.name, period_beside_name(contract.name, contract.period_label)))
    pop = p.value("population_count")
    if pop is not None:
        geo.append(f"{fmt_value(pop.value, 'habitants', pop.status)} ({_year_of(pop)}, source "
                   f"[{refs.ref(pop.source_label, pop.source_ref, pop.document_id)}])")
    elif p.qpv.population:
        geo.append(f"{fmt_value(p.qpv.population, 'habitants')}"
                   + (f" ({p.qpv.population_year})" if p.qpv.population_year else ""))
    story.append(Paragraph(esc(" · ".join(geo)), st.subtitle))

    boxes = _headline_boxes(p, st, refs)
    if boxes is not None:
        story += [boxes, Spacer(1, 3 * mm)]
    elif not p.themes:
        story.append(Paragraph("Aucun indicateur n'est chargé pour ce quartier.", st.base))

    date = generated_on or dt.date.today()
    if charts:
        left: list[Flowable] = []
        right: list[Flowable] = []
        left_w, right_w = CONTENT_W * 0.58, CONTENT_W * 0.42
        fig = rates_figure(p)
        if fig is not None:
            rows = len(fig["data"][0]["y"])
            n = len(fig["data"])
            shown = [v for v in p.values if v.unit == "%" and v.status == "ok"][:MAX_CHART_RATES]
            srcs = " ; ".join(dict.fromkeys(sources_mod.printed(v.source_label, short=True)
                                            for v in shown if v.source_label))
            left.append(_image(images.figure_png_later(
                fig, title="Le quartier et ses territoires de comparaison", unit="%", source_line=srcs or None,
                date=date, width=600, height=70 + rows * (14 + 12 * n), scale=2.5), left_w - 2 * mm))
        if contract:
            mdata = images.keep_geography(con, images.load_map_data(con, contract_slug=contract.slug),
                                          like=p.qpv.code)
            if mdata.has_contours:
                # Names printed at least 7 pt at the width the map prints (issue 11).
                mfig = portrait_map_spec(mdata, p, right_w - 2 * mm)
                src = "contours fictifs" if fictional else "ANCT, contours des QPV"
                if cited is not None:
                    contours_cited(con, mdata, cited)
                right.append(_image(images.figure_png_later(
                    mfig, title=f"Situation : {p.qpv.name}", source_line=src, date=date, width=420,
                    height=260, scale=2.5), right_w - 2 * mm))
        inc = income_figure(p)
        if inc is not None:
            ifig, v = inc
            srcs = " ; ".join(dict.fromkeys(sources_mod.printed(s, short=True)
                                            for s in [v.source_label] + [c.source_label for c in v.comparators
                                                                         if c.territory_level in CHART_LEVELS] if s))
            right.append(_image(images.figure_png_later(
                ifig, title=v.label, unit=images.band_unit(v.label, v.unit), source_line=srcs or None,
                date=date, width=420, height=270, scale=2.5), right_w - 2 * mm))
        if left and right:
            t = Table([[left, right]], colWidths=[left_w, right_w], hAlign="LEFT")
            t.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), FONT),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
            story += [t, Spacer(1, 2 * mm)]
        elif left or right:
            story += [*(left or right), Spacer(1, 2 * mm)]

    table = _figures_table(p, st, refs, notes)
    if table is not None:
        story += [CondPageBreak(30 * mm), Paragraph("Chiffres clés et comparaisons", st.h2p), *table]

    qual_flow = _qualitative_flowables(qual, st, refs)      # its headings cite their documents
    # Sources close the portrait; with the qualitative items they are set in two columns.
    foot: list[Flowable] = [Paragraph("Sources et méthode", st.h2p)]
    foot += [Paragraph(esc(line), st.muted) for line in refs.lines()]
    secret_note = may_be_withheld(p)
    # The demo mark once: not again after sources that already open with it (issue 11).
    marked = any(re.sub(r"^\[\d+\] ", "", line).startswith(DEMO_MARK) for line in refs.lines())
    if notes is None:
        foot.append(Paragraph(esc((f"{SECRET_NOTE} " if secret_note else "")
                                  + f"Document produit le {_date_fr(date)}."
                                  + (f" {DEMO_MARK}." if fictional and not marked else "")), st.muted))
    elif secret_note and SECRET_NOTE not in notes:
        notes.append(SECRET_NOTE)
    block = _two_columns(qual_flow, foot)
    if table is not None:
        # The table carries its last rows to the next page rather than leave the sources alone there.
        after = table[1:] + [Spacer(1, 2 * mm)]
        if isinstance(block, BalancedColumns):
            block_h = 0.0                  # long: it flows over pages from wherever it starts
        elif qual_flow:
            block_h = max(_stack_height(qual_flow, CONTENT_W / 2 - 3 * mm),
                          _stack_height(foot, CONTENT_W / 2 - 3 * mm))
        else:
            block_h = _stack_height(foot, CONTENT_W)
        table[0].tail_h = _stack_height(after, CONTENT_W) + max(30 * mm, block_h)
    story += [Spacer(1, 2 * mm), CondPageBreak(30 * mm), block]
    sources = [label for (label, _ref) in refs.items]
    return PortraitParts(flowables=story, fictional=fictional, sources=list(dict.fromkeys(sources)),
                         title=f"Portrait de quartier — {p.qpv.name}")


def portrait_refs(p: portrait_mod.Portrait, qual: portrait_mod.Qualitative, st: Styles,
                  refs: SourceRefs) -> SourceRefs:
    """The portrait's sources numbered in the order its « Sources et méthode » prints them: every
    source cited as the page does (subtitle's population, key figures, figures table, qualitative
    headings), then renumbered (SourceRefs.in_print_order). Issue 11: Grand Chalon's portraits
    listed [3], [8], [4], the list grouping under « Données Compas – ABS 2022 : » the sections
    numbered in the table's order."""
    pop = p.value("population_count")
    if pop is not None:
        refs.ref(pop.source_label, pop.source_ref, pop.document_id)
    _headline_boxes(p, st, refs)
    _figures_table(p, st, refs, [])
    _qualitative_flowables(qual, st, refs)
    return refs.in_print_order()


def portrait_cited(con, p: portrait_mod.Portrait, contract_slug: str | None, cited: Cited) -> None:
    """What a portrait shows into `cited`: the documents of its values and comparators (every one
    is in its figures table or subtitle), the files of those typed from no document, and the
    documents (else files) of its qualitative items."""
    keys = []
    for v in p.values:
        for code, doc, year in [(p.qpv.code, v.document_id, v.year),
                                *((c.territory_code, c.document_id, c.year) for c in v.comparators)]:
            if doc is not None:
                cited.add(doc, None)
            else:
                keys.append((code, v.indicator_id, year))
    _values_cited(con, keys, cited)
    if contract_slug is not None:
        rows_cited(con, contract_slug, "qualitative_items", cited,
                   "t.territory_code = $code and list_contains($types, t.item_type)",
                   {"code": p.qpv.code, "types": list(portrait_mod.QUALITATIVE_FIELDS)})


def contours_cited(con, mdata, cited: Cited) -> None:
    """The files of the contours a map draws into `cited`: its QPVs' and, where drawn, its
    communes' (the ANCT's contours, the communes' outlines)."""
    pairs = [("qpv", a.code) for a in mdata.qpvs] + [("commune", a.code) for a in mdata.communes if a.rings]
    if not pairs:
        return
    marks = ", ".join("(?, ?)" for _ in pairs)
    for (source_id,) in con.execute(
            f"""select distinct source_id from territory_geometries
                where (territory_level, territory_code) in ({marks}) and source_id is not null""",
            [x for pair in pairs for x in pair]).fetchall():
        cited.add(None, source_id)


def _vintages_once(vintages) -> list[str]:
    """A sources line's vintages, sorted, each said once: a file's « 2022, 2023 » beside files of
    « 2022 » and « 2023 » read « 2022, 2022, 2023, 2023 »; a vintage whose every part is listed on
    its own is left out (« rentrées 2022-2023, 2023-2024 » stays whole)."""
    alone = {x for x in vintages if x and ", " not in x}
    return sorted(x for x in vintages if x and not (", " in x and set(x.split(", ")) <= alone))


def _warm_up_images() -> None:
    """Start the shared export server now: Chromium starts while the data is read and laid out."""
    from reports import images
    images._ensure_server()


def portrait_pdf(con, qpv_code: str, *, year: int | None = None, generated_on: dt.date | None = None,
                 charts: bool = True) -> bytes:
    """The A4 portrait of a QPV as PDF bytes. Raises indicators.portrait.UnknownQpv for a code
    that is not a QPV of the database."""
    date = generated_on or dt.date.today()
    if charts:
        _warm_up_images()
    parts = portrait_parts(con, qpv_code, year=year, generated_on=date, charts=charts)
    info = PageInfo(footer=f"{parts.title} ({qpv_code}) · produit le {_date_fr(date)}",
                    fictional=parts.fictional, generated_on=date)
    return _build(parts.flowables, info, title=parts.title)


# ── Mandate report ──────────────────────────────────────────────────────────────────────────
def _contract(con, contract_slug: str):
    from indicators.territories import get_contract
    c = get_contract(con, contract_slug)
    if c is None:
        raise ReportError(f"Territoire inconnu : « {contract_slug} ». Territoires chargés : "
                          + ", ".join(r[0] for r in con.execute(
                              "select contract_slug from contracts order by contract_slug").fetchall()))
    return c


def _note(text: str, st: Styles) -> Paragraph:
    return Paragraph(esc(text), st.muted)


_PER_YEAR = ("par an", "chaque année", "/an", "annuel")


def kpi_cells(t) -> tuple[str, str, str, str]:
    """What the mandate table shows of a KPI tile: (value, period, cumulation / evolution,
    target), each said once: a yearly unit beside a « par an » period reads « 1,5 M€ » then
    « par an »; a cumulation equal to the figure (one year, or the latest value) is not repeated."""
    from indicators.fmt import fmt_amount, fmt_target

    period = t.period_label or (fmt_year(t.year) if t.year else "")
    unit = t.unit
    if unit and unit.endswith("/an") and any(w in (period or "").lower() for w in _PER_YEAR):
        unit = unit[:-3]
    value = fmt_amount(t.value, unit, t.status, qualifier=t.qualifier)
    # A period the label already says is not said again under the figure (« Structures …
    # disparues (constat de 2020) » then « constat de 2020 »; « … retenus en 2021 » then « 2021 »):
    # the screen's rule (fmt.label_and_period).
    from indicators.fmt import label_and_period
    if period and label_and_period(t.label, period)[1] is None:
        period = ""
    extra = []
    if t.cumulative_status not in (None, "ok") or (
            t.cumulative_value is not None and t.cumulative_value != t.value):
        label = (t.cumulative_period_label or "").replace("(cumul)", "").strip()
        extra.append(f"cumul {label} : ".replace("  ", " ")
                     + fmt_amount(t.cumulative_value, unit, t.cumulative_status or "ok"))
    if t.evolution is not None and t.previous_year:
        sign = "+" if t.evolution > 0 else ""
        extra.append(f"{sign}{fmt_amount(t.evolution, unit)} par rapport à {t.previous_year}")
    target = ""
    if t.target is not None:
        target = fmt_target(t.target, unit)
        if t.achievement_pct is not None:
            # A ratio we compute: one decimal, as the page and the XLSX (fmt.COMPUTED_PCT_DECIMALS).
            from indicators.fmt import COMPUTED_PCT_DECIMALS
            target += f" (réalisé à {fmt_value(t.achievement_pct, '%', decimals=COMPUTED_PCT_DECIMALS)})"
    return value, period, " ; ".join(extra), target


def reader_source(line: str | None) -> str:
    """A source line as a reader reads it, without the « Source : » the tiles put in front."""
    text = (line or "source non précisée").strip()
    for prefix in ("Sources : ", "Source : "):
        if text.startswith(prefix):
            text = text[len(prefix):]
    return text


def _section_chiffres(con, contract, st: Styles, cited: Cited | None = None) -> list[Flowable]:
    from indicators.kpi import kpi_tiles

    tiles = kpi_tiles(con, contract.slug)
    if cited is not None:
        for t in tiles:     # a tile credits its latest value's document, else its rows' files
            if t.document_id is not None:
                cited.add(t.document_id, None)
            else:
                rows_cited(con, contract.slug, "kpi_values", cited, "t.kpi_id = $kpi", {"kpi": t.kpi_id})
    out: list[Flowable] = []
    if not tiles:
        return [_note("Aucun indicateur du mandat n'est chargé pour ce territoire.", st)]
    refs = SourceRefs()
    # National programme figures (scope = national) are apart, as on the app's home page: they
    # situate the territory, they are not results of the contract.
    local = [t for t in tiles if getattr(t, "scope", "contrat") != "national"]
    national = [t for t in tiles if getattr(t, "scope", "contrat") == "national"]
    for t in local + national:      # numbered in the order the list prints them (in_print_order)
        refs.ref(reader_source(t.source_line))
    refs = refs.in_print_order()
    for group, heading in ((local, None), (national, "Contexte national")):
        if not group:
            continue
        if heading:
            out += [Paragraph(heading, st.h3),
                    _note("Chiffres de programmes nationaux, cités par les documents du territoire "
                          "pour le situer : ce ne sont pas des résultats du contrat.", st)]
        cells = [(t, kpi_cells(t)) for t in group]
        # « Cumul / évolution » and « Objectif » only when a figure of the table has one: a
        # column of « — » on every row says nothing (its width goes to the label).
        keep = [any(c[2] for _, c in cells), any(c[3] for _, c in cells)]
        heads = ["Indicateur", "Chiffre"] + [h for h, k in zip(("Cumul / évolution", "Objectif"), keep) if k]
        widths = [36 * mm] + [w for w, k in zip((44 * mm, 36 * mm), keep) if k]
        src_w = CONTENT_W - 170 * mm
        widths = [CONTENT_W - sum(widths) - src_w] + widths + [src_w]
        rows = [[Paragraph(h, st.cell_head) for h in heads + ["Src."]]]
        for t, (value, period, extra, target) in cells:
            n = refs.ref(reader_source(t.source_line))
            optional = [Paragraph(esc(text) or "—", st.cell) for text, k in zip((extra, target), keep) if k]
            rows.append([
                Paragraph(esc(t.label), st.cell),
                Paragraph(f"<b>{esc(value)}</b><br/><font color='{palette.TEXT_MUTED}'>{esc(period)}</font>", st.cell),
                *optional,
                Paragraph(f"[{n}]", st.cell),
            ])
        out.append(_table(rows, widths))
    out.append(Spacer(1, 2 * mm))
    # The reading note goes with the last sources (it sat alone at the top of Grand Chalon's page 4).
    note = _note("Les chiffres publiés sont repris tels que le document les donne (« plus de », "
                 "« environ ») ; les cumuls ne portent que sur les années du contrat.", st)
    out += sources_block(Paragraph("Sources", st.h3), [Paragraph(esc(line), st.muted) for line in refs.lines()],
                         after=[Spacer(1, 2 * mm), note])
    return out


def _eur(value) -> str:
    return fmt_value(value, "EUR", decimals=0)


LONG_TABLE_ROWS = 20      # a table longer than this is summarised, its detail goes to an annex

FUNDER_NAMES = {"ville": "Ville", "epci": "Intercommunalité", "etat_p147": "État (programme 147)",
                "etat_autre": "État (autres crédits)", "caf": "CAF", "departement": "Département",
                "region": "Région", "bailleur": "Bailleurs", "europe": "Europe", "autre": "Autres"}


def funder_text(funder: str, label: str | None) -> str:
    """'Ville — Ville de Lorneville'; the label alone when it repeats the kind of funder
    ('État – programme 147 (adultes-relais)', not 'État (programme 147) — État – programme 147…')."""
    name = FUNDER_NAMES.get(funder, funder)
    if not label or label == funder or label == name:
        return name
    return label if _same_words(name, label) else f"{name} — {label}"


@dataclass
class Annex:
    """A detailed table moved out of a section: its title and flowables."""
    title: str
    flowables: list[Flowable]


def _known_count_text(n, n_unknown: int, flag: str) -> str:
    """« 3 », « 3 (non renseigné pour 2) », or « non renseigné » when no action of the year fills
    the flag in: an unknown count is never 0 (like the app's « dont nouveaux »)."""
    if n is None:
        return "non renseigné"
    text = fmt_value(n, "")
    return f"{text} ({flag} non renseignée pour {fmt_value(n_unknown, '')})" if n_unknown else text


def actions_by_year_rows(con, contract_slug: str) -> list[tuple[str, str, str, str]]:
    """The mandate report's « Actions du programme » lines: year, actions, new ones, under a CPO,
    as printed. New ones come from indicators.financing.projects_by_year, the app's count."""
    from indicators import financing
    cpo = {y: (n, unknown) for y, n, unknown in con.execute("""
        select year, count(distinct action_id) filter (where is_multiyear_agreement),
               count(distinct action_id) filter (where is_multiyear_agreement is null)
        from programme_actions where contract_slug = ? group by year""", [contract_slug]).fetchall()}
    out = []
    for p in financing.projects_by_year(con, contract_slug).itertuples():
        n_cpo, cpo_unknown = cpo.get(p.year, (0, 0))
        out.append((str(p.year), fmt_value(p.n_projects, ""),
                    _known_count_text(None if pd.isna(p.n_new) else int(p.n_new), p.n_new_unknown,
                                      "nouveauté"),
                    _known_count_text(None if cpo_unknown == p.n_projects else n_cpo, cpo_unknown,
                                      "convention")))
    return out


def funded_actions_text(n_actions: int, n_unlinked: int) -> str:
    """The actions a funder's lines finance: a line attached to no action (the adult-relay posts
    of programme 147) is « hors action », never « 0 » actions for 80 000 €."""
    if not n_unlinked:
        return fmt_value(n_actions, "")
    return f"{fmt_value(n_actions, '')} et hors action" if n_actions else "hors action"


@dataclass
class Cited:
    """What a report shows, for its « Sources » page (issue 11: a review's sources page listed
    every document of its contract, those it shows nothing from too): the documents its figures
    are typed from (`documents`, ids) and the files of the figures typed from no document or read
    from a statistical file (`sources`, ids)."""
    documents: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    def add(self, document_id: str | None, source_id: str | None) -> None:
        if document_id is not None:
            self.documents.add(document_id)
        elif source_id is not None:
            self.sources.add(source_id)


def _table_rows(con, contract_slug: str, table: str, where: str = "", params: dict | None = None,
                year: int | None = None) -> list[tuple]:
    """The distinct (document id, title, producer, date, section, fictional, file producer, file
    title, file id) of a contract's rows of `table` that `where` (SQL over alias `t`, named
    parameters `params`) keeps; `year`: only the rows of that year (a table without a year column:
    all its rows)."""
    cols = {d[0] for d in con.execute(f"select * from {table} limit 0").description}   # as the query sees it
    doc = "t.document_id" if "document_id" in cols else "null"
    ref = "t.source_ref" if "source_ref" in cols else "null"
    clauses = ["t.contract_slug = $slug"] + ([where] if where else [])
    values = {"slug": contract_slug, **(params or {})}
    if year is not None and "year" in cols:
        clauses.append("t.year = $table_year")
        values["table_year"] = year
    used = {k: v for k, v in values.items() if f"${k}" in " ".join(clauses)}
    return con.execute(f"""
        select distinct {doc}, d.title, d.producer, d.published_on, {ref}, s.is_fictional,
               s.producer, s.title, t.source_id
        from {table} t join sources s on s.source_id = t.source_id
        left join documents d on d.contract_slug = t.contract_slug and d.document_id = {doc}
        where {" and ".join(clauses)}""", used).fetchall()


def _shared_ref(refs: Sequence[str]) -> str | None:
    """The section several rows of one document share: their common head up to a « , »
    (« Annexe 6 (p. 60 s.), rubrique « Pilotes » » and « …, rubrique « Élus » » → « Annexe 6
    (p. 60 s.) »), None when they share none."""
    import os
    head = os.path.commonprefix([r for r in refs if r])
    cut = head.rfind(", ")
    return head[:cut] if cut > 0 else None


def _credit_parts(rows: Sequence[tuple]) -> list[str]:
    """The credits of `_table_rows`' rows, once each: a document by `sources.reader_credit`
    (document, section, producer, year, none of them cut: a printed line wraps, issue 11), its section kept when its rows cite one section (or
    share the head of theirs); rows typed without a document by their file's title and producer,
    a fictional file as « Données fictives de démonstration »."""
    by_doc: dict[str, dict[str, list]] = {}
    for doc_id, title, producer, date, ref, fictional, file_producer, file_title, _sid in sorted(
            rows, key=lambda r: tuple("" if v is None else str(v) for v in r)):
        if doc_id is not None and title is not None:
            head = sources_mod.reader_credit(title, None, producer, date, is_fictional=bool(fictional), whole=True)
            entry = by_doc.setdefault(head, {"credits": [], "refs": [], "doc": (title, producer, date, fictional)})
            if len(entry["credits"]) < 2:      # two credits already: the document or its shared section
                credit = sources_mod.reader_credit(title, ref, producer, date, is_fictional=bool(fictional), whole=True)
                if credit not in entry["credits"]:
                    entry["credits"].append(credit)
            if ref:
                entry["refs"].append(str(ref))
        elif fictional:
            by_doc.setdefault(sources_mod.FICTIONAL, {"credits": [sources_mod.FICTIONAL]})
        else:
            line = " — ".join(p for p in (file_title, file_producer) if p) or "source non précisée"
            by_doc.setdefault(line, {"credits": [line]})
    out = []
    for head, entry in by_doc.items():
        if len(entry["credits"]) == 1:
            out.append(entry["credits"][0])
            continue
        shared = _shared_ref(entry["refs"])
        title, producer, date, fictional = entry["doc"]
        out.append(sources_mod.reader_credit(title, shared, producer, date, is_fictional=bool(fictional), whole=True)
                   if shared else head)
    return out


def credit_line(parts: Sequence[str]) -> str | None:
    """« Source : a » or « Sources : a ; b » (each credit once), None without a credit."""
    parts = list(dict.fromkeys(p for p in parts if p))
    if not parts:
        return None
    return ("Sources : " if len(parts) > 1 else "Source : ") + " ; ".join(parts)


def table_credit(con, contract_slug: str, tables: Sequence[str], year: int | None = None,
                 cited: Cited | None = None) -> str | None:
    """« Source : … » (« Sources : … ; … ») of a contract's rows of programme `tables`, as a reader
    cites them (issue 11: the funding, actions and CIA tables of the PDFs named no source): each
    document by `sources.reader_credit(whole=True)` (document, section, producer, year, none of
    them cut: the line wraps), its section kept when
    all its rows cite one section; rows typed without a document by their file's producer and
    title, a fictional file as « Données fictives de démonstration ». `year`: only the rows of
    that year (a table without a year column: all its rows). `cited` collects what is credited."""
    rows = [r for table in tables for r in _table_rows(con, contract_slug, table, year=year)]
    if cited is not None:
        for r in rows:
            cited.add(r[0], r[8])
    return credit_line(_credit_parts(rows))


def rows_cited(con, contract_slug: str, table: str, cited: Cited, where: str = "",
               params: dict | None = None) -> None:
    """The documents and files of a contract's rows of `table` that `where` keeps (`_table_rows`)
    into `cited`: what a block shows without a source line of its own (a KPI tile, a portrait's
    qualitative items)."""
    for r in _table_rows(con, contract_slug, table, where, params):
        cited.add(r[0], r[8])


def funding_year_flowables(con, contract_slug: str, year: int, rows_db: list, st: Styles, *,
                           credited: bool = False) -> list[Flowable]:
    """A year's funding by funder (« Année 2024 », its table, total): `rows_db` are the year's
    (year, funder, label, amount, actions, lines without action) rows. `credited`: the table is in
    the annex, away from the section's source line, so it carries its own (table_credit of the
    year's funding rows; issue 11: Annexe 1 of the demo's mandate report named no source)."""
    total = sum(r[3] for r in rows_db)
    rows = [[Paragraph(h, st.cell_head) for h in ("Financeur", "Montant", "Part", "Actions financées")]]
    for _, funder, label, amount, n_actions, n_unlinked in rows_db:
        rows.append([Paragraph(esc(funder_text(funder, label)), st.cell), Paragraph(esc(_eur(amount)), st.cell),
                     Paragraph(esc(fmt_value(100 * amount / total if total else None, "%", decimals=1)), st.cell),
                     Paragraph(esc(funded_actions_text(n_actions, n_unlinked)), st.cell)])
    rows.append([Paragraph("Total", st.cell_bold), Paragraph(f"<b>{esc(_eur(total))}</b>", st.cell), "", ""])
    table = _table(rows, [80 * mm, 35 * mm, 25 * mm, CONTENT_W - 140 * mm])
    credit = table_credit(con, contract_slug, ("programme_funding",), year=year) if credited else None
    return [Paragraph(f"Année {year}", st.h3), *_credited(table, credit, st), Spacer(1, 2 * mm)]


def _section_financements(con, contract, st: Styles, annexes: list[Annex] | None = None,
                          cited: Cited | None = None) -> list[Flowable]:
    rows_db = con.execute("""
        select year, funder, coalesce(funder_label, funder) as label, sum(amount_eur), count(distinct action_id),
               count(*) filter (where action_id is null)
        from programme_funding where contract_slug = ?
        group by year, funder, label order by year, sum(amount_eur) desc""", [contract.slug]).fetchall()
    actions = con.execute("""
        select year, count(*), count(*) filter (where is_new), count(*) filter (where is_multiyear_agreement)
        from programme_actions where contract_slug = ? group by year order by year""", [contract.slug]).fetchall()
    if not rows_db and not actions:
        return [_note("Aucun financement n'est chargé pour ce territoire.", st)]
    out: list[Flowable] = []
    detail: list[Flowable] = []
    years = sorted({r[0] for r in rows_db})
    for year in years:
        detail += funding_year_flowables(con, contract.slug, year, [r for r in rows_db if r[0] == year], st,
                                         credited=len(rows_db) > LONG_TABLE_ROWS and annexes is not None)
    if len(rows_db) > LONG_TABLE_ROWS and annexes is not None:
        # One line per year here; the funder-by-funder tables go to the annex.
        n_actions = {y: n for y, n, *_ in actions}
        rows = [[Paragraph(h, st.cell_head) for h in ("Année", "Montant total", "Financeurs",
                                                     "Premier financeur (part)", "Actions")]]
        for year in years:
            yr = [r for r in rows_db if r[0] == year]
            total = sum(r[3] for r in yr)
            top = yr[0]
            share = fmt_value(100 * top[3] / total if total else None, "%", decimals=1)   # a share we compute
            rows.append([Paragraph(str(year), st.cell), Paragraph(esc(_eur(total)), st.cell),
                         Paragraph(esc(fmt_value(len({r[1] for r in yr}), "")), st.cell),
                         Paragraph(esc(f"{funder_text(top[1], top[2])} ({share})"), st.cell),
                         Paragraph(esc(fmt_value(n_actions.get(year), "")), st.cell)])
        annex = Annex("Financements par financeur et par année", detail)
        annexes.append(annex)
        out += [Paragraph("Financements par année", st.h3),
                _table(rows, [18 * mm, 30 * mm, 22 * mm, 88 * mm, CONTENT_W - 158 * mm]), Spacer(1, 1 * mm),
                _note(f"Le détail par financeur et par année est en annexe {len(annexes)} "
                      f"(« {annex.title} »).", st), Spacer(1, 2 * mm)]
    else:
        out += detail
    if actions:
        rows = [[Paragraph(h, st.cell_head) for h in ("Année", "Actions", "dont nouvelles", "dont sous CPO")]]
        for line in actions_by_year_rows(con, contract.slug):
            rows.append([Paragraph(esc(x), st.cell) for x in line])
        out += [Paragraph("Actions du programme", st.h3),
                _table(rows, [30 * mm, 30 * mm, 30 * mm, 30 * mm])]
    out.append(Spacer(1, 2 * mm))
    out.append(_note("Montants des lignes de financement du programme, par année et par financeur ; "
                     "CPO : convention pluriannuelle d'objectifs.", st))
    credit = table_credit(con, contract.slug, ("programme_funding", "programme_actions"), cited=cited)
    if credit:
        out.append(_note(credit, st))
    # After the funding's source line, with its own: the lists of participants are not the
    # funding documents (issue 11: the table had no source and the « Sources » page missed it).
    return out + _people_in_qpv(con, contract, st, cited)


def _people_in_qpv(con, contract, st: Styles, cited: Cited | None = None) -> list[Flowable]:
    """Per action and year, the share of people reached who live in a QPV (masked under 5),
    with the source line of the lists it is counted from (`table_credit`, into `cited`)."""
    from indicators.beneficiaries import qpv_share, share_display_table

    share = qpv_share(con, contract.slug)
    if share.empty:
        return []
    table = share_display_table(share)
    rows = [[Paragraph(esc(h), st.cell_head) for h in table.columns]]
    rows += [[Paragraph(esc(v), st.cell) for v in r] for r in table.itertuples(index=False)]
    out = [Spacer(1, 2 * mm), Paragraph("Personnes touchées résidant en QPV", st.h3),
           _table(rows, [CONTENT_W - 105 * mm, 15 * mm, 30 * mm, 30 * mm, 30 * mm]),
           _note("Part des personnes touchées par chaque action qui résident dans un quartier "
                 "prioritaire, d'après le quartier saisi ou calculé à l'import depuis l'adresse "
                 "(aucune adresse n'est conservée ; résultat indicatif). Un effectif de moins de "
                 "5 personnes est masqué, ainsi que celui qui permettrait de le retrouver.", st)]
    credit = table_credit(con, contract.slug, ("programme_beneficiaries",), cited=cited)
    return out + ([_note(credit, st)] if credit else [])


def _section_bilans(con, contract, st: Styles, qpv_codes: Sequence[str] | None,
                    cited: Cited | None = None) -> list[Flowable]:
    loaded = _review_codes(con, contract.slug)
    codes = [c for c in loaded if c is None or c in qpv_codes] if qpv_codes else loaded
    out: list[Flowable] = []
    for code in codes:
        rv = portrait_mod.review(con, contract.slug, code)
        if rv.is_empty:
            continue
        # Its documents credited under it (issue 11, s14: Chambéry's bilan and its « En chiffres »
        # named no source but on the report's last page).
        rows = _table_rows(con, contract.slug, "qualitative_items",
                           "t.item_type like 'review_%' and t.territory_code is not distinct from $code",
                           {"code": code})
        if cited is not None:
            for r in rows:
                cited.add(r[0], r[8])
        from indicators.territories import territory_name
        name = territory_name(con, code) if code else contract.name
        block: list[Flowable] = [Paragraph(esc(name), st.h2)]
        block += [Paragraph(esc(i.text), st.base) for i in rv.intro]
        for theme in rv.themes:
            block += review_theme_units(theme, st)
        credit = credit_line(_credit_parts(rows))
        if credit:
            # Never alone atop a page: kept with the bilan's last label and bullet.
            last = block.pop()
            block.append(KeepTogether([*(last._content if isinstance(last, KeepTogether) else [last]),
                                       _note(credit, st)]))
        out += block
    if not out:
        if loaded:
            from indicators.territories import territory_name
            names = ", ".join(territory_name(con, c) if c else contract.name for c in loaded)
            return [_note(f"Aucun bilan pour les quartiers choisis ; ce territoire en a pour : {names}.", st)]
        return [_note("Aucun bilan par quartier n'est chargé pour ce territoire.", st)]
    return out


REVIEW_LABELS = ("Le besoin au départ", "Ce que nous avons décidé et fait", "Ce que cela a changé",
                 "En chiffres")


def review_theme_units(theme, st: Styles) -> list[Flowable]:
    """A theme of a « besoin / fait / changé » review as flowables that never leave a heading
    alone at the foot of a page: each italic label is kept with its first bullet, and the theme's
    heading with its first label (issue 11: « Ce que nous avons décidé et fait » ended Chambéry's
    page 8, its text on page 9)."""
    units: list[list[Flowable]] = [[Paragraph(esc(theme.theme), st.h3)]] if theme.theme else []
    for label, items in zip(REVIEW_LABELS, (theme.need, theme.done, theme.changed, theme.figures)):
        if not items:
            continue
        bullets = _bullets([i.text for i in items], st)
        head = [Paragraph(f"<i>{label}</i>", st.base), bullets[0]]
        if units and len(units) == 1 and len(units[0]) == 1:
            units[0] += head            # the theme's heading goes with its first label
        else:
            units.append(head)
        units += [[b] for b in bullets[1:]]
    return [KeepTogether(u) if len(u) > 1 else u[0] for u in units]


def party_text(party_type: str, party_name: str) -> str:
    """A CIA party as a reader reads it: 'Action Logement', not 'action_logement'."""
    from indicators import housing
    if party_type in ("reservataire", "ensemble"):     # « ensemble » as typed → « Ensemble »
        return housing.RESERVING_PARTY_LABELS.get(party_name, party_name)
    return party_name


def needed_text(computed: int | None, published: int | None) -> str:
    """The CIA table's « Il manque » cell: our shortfall (« 31 (calcul) »), the document's beside it
    (« 48 (calcul) ; 52 (document) »), one figure when both say the same (« 48 (calcul et document) »,
    never « 48 (calcul) ; 48 (document) », issue 11), « — » when neither is known."""
    if computed is not None and published is not None and int(computed) == int(published):
        return f"{fmt_value(computed, '')} (calcul et document)"
    parts = []
    if computed is not None:
        parts.append(f"{fmt_value(computed, '')} (calcul)")
    if published is not None:
        parts.append(f"{fmt_value(published, '')} (document)")
    return " ; ".join(parts) or "—"


def _section_logement(con, contract, st: Styles, annexes: list[Annex] | None = None,
                      cited: Cited | None = None) -> list[Flowable]:
    from indicators import housing
    from indicators.review import cia_rows

    # Ours beside a document's result only where a figure differs, then at its precision (issue 11).
    every = housing.attribution_results(con, contract.slug)
    shown = {id(r): decimals for r, _, _, decimals in cia_rows(every)}
    results = [r for r in every if id(r) in shown]
    objectives = housing.objectives_frame(con, contract.slug)
    out: list[Flowable] = []
    if not objectives.empty:
        rows = [[Paragraph(h, st.cell_head) for h in ("Partie", "Objectif", "Cible")]]
        for r in objectives.itertuples(index=False):
            target = fmt_target(r.target_pct, "%") if r.target_pct is not None and r.target_pct == r.target_pct \
                else (r.note or "—")
            rows.append([Paragraph(esc(party_text(r.party_type, r.party_name)), st.cell),
                         Paragraph(esc(r.objective_label), st.cell), Paragraph(esc(target), st.cell)])
        out += [Paragraph("Objectifs de la convention intercommunale d'attribution", st.h3),
                _table(rows, [45 * mm, 95 * mm, CONTENT_W - 140 * mm]), Spacer(1, 2 * mm)]

    def table(results_) -> Table:
        rows = [[Paragraph(h, st.cell_head) for h in ("Année", "Partie", "Objectif", "Résultat", "Cible",
                                                     "Il manque")]]
        for r in results_:
            res = "—"
            if r.numerator is not None:
                res = f"{fmt_value(r.numerator, '')} attributions"
                if r.denominator is not None:
                    res += f" sur {fmt_value(r.denominator, '')}"
                    if r.denominator_origin == "deduced":
                        res += f" ({housing.DEDUCED_NOTE})"
            if r.rate_pct is not None:
                res += f" = {fmt_value(r.rate_pct, '%', decimals=shown[id(r)])}"
            res += " (publié)" if r.origin == "published" else " (calculé)"
            needed = [needed_text(r.needed_fixed_total, r.needed_published)] \
                if r.needed_fixed_total is not None or r.needed_published is not None else []
            rows.append([Paragraph(str(r.year), st.cell), Paragraph(esc(party_text(r.party_type, r.party_name)), st.cell),
                         Paragraph(esc(r.objective_label), st.cell), Paragraph(esc(res), st.cell),
                         Paragraph(esc(fmt_target(r.target_pct, "%") if r.target_pct is not None else "—"), st.cell),
                         Paragraph(esc(" ; ".join(needed)) or "—", st.cell)])
        return _table(rows, [13 * mm, 28 * mm, 47 * mm, 50 * mm, 14 * mm, CONTENT_W - 152 * mm])

    annex = None
    if results:
        if len(results) > LONG_TABLE_ROWS and annexes is not None:
            # Here the published results and the whole of each year; per party in the annex.
            summary = [r for r in results if r.origin == "published" or r.party_type == "ensemble"]
            annex = Annex("Résultats des attributions par partie", [table(results)])
            annexes.append(annex)
            out += [Paragraph("Résultats (ensemble des parties)", st.h3), table(summary), Spacer(1, 1 * mm),
                    _note(f"Les résultats par bailleur et par réservataire sont en annexe {len(annexes)} "
                          f"(« {annex.title} »).", st)]
        else:
            out += [Paragraph("Résultats", st.h3), table(results)]
        out.append(Spacer(1, 2 * mm))
        out.append(_note("« Il manque » : attributions qui auraient dû aller aux ménages visés pour atteindre "
                         "la cible, à total constant (calcul) et selon le document quand il le donne."
                         + (" Un résultat calculé n'est repris à côté du résultat publié pour la même "
                            "partie que s'il en diffère." if len(shown) < len(every) else ""), st))
    if not out:
        return [_note("Aucune donnée d'attribution n'est chargée pour ce territoire.", st)]
    credit = table_credit(con, contract.slug, ("housing_objectives", "housing_attributions",
                                               "housing_published_results"), cited=cited)
    if credit:
        out.append(_note(credit, st))
        if annex is not None:      # the annex's table, pages away, says its source too (issue 11)
            annex.flowables.append(_note(credit, st))
    return out


def _section_sources(con, contract, st: Styles, cited: Cited | None = None) -> list[Flowable]:
    """The sources as a reader cites them: the documents (title, producer, date) and the
    statistical publications (producer, title, vintage); file names and SHA-256 fingerprints
    are on the app's « Données et méthode » page, not in the document. `cited`: only the
    documents and files the report shows figures from (the review), the files of rows typed
    without a document among the documents; None: every source of the contract."""
    from reports.tables import sources_from_db

    docs = con.execute("""
        select document_id, title, producer, published_on from documents where contract_slug = ?
        order by published_on nulls last, title""", [contract.slug]).fetchall()
    if cited is not None:
        docs = [d for d in docs if d[0] in cited.documents]
        srcs = sources_from_db(con, source_ids=sorted(cited.sources))
    else:
        srcs = sources_from_db(con, contract_slug=contract.slug)
    kinds = dict(con.execute("select source_id, kind from sources").fetchall())
    lines = [f"{without_file_names(title)} — {producer or 'producteur non précisé'}"
             + (f", {str(published)[:4]}" if published else "") for _id, title, producer, published in docs]
    stats = {}
    for s in srcs:
        title = (s.get("title") or "").strip()
        key = (s.get("producer") or "—", title or "—")
        if s.get("is_fictional"):
            # Generated in a producer's format, never credited to that producer.
            key = (sources_mod.FICTIONAL, "fichiers générés au format des fichiers statistiques publiés")
        elif str(kinds.get(s["source_id"]) or "").startswith("programme_"):
            # The programme template's files: their documents are listed above; a file cited
            # for rows typed without a document is one of the documents.
            if cited is not None:
                lines.append(" — ".join(p for p in (without_file_names(title), s.get("producer")) if p))
            continue
        stats.setdefault(key, set()).add(str(s.get("vintage") or "").strip())
    out: list[Flowable] = []
    if lines:
        out.append(Paragraph("Documents", st.h3))
        out += [Paragraph(esc(line), st.bullet, bulletText=BULLET) for line in dict.fromkeys(lines)]
    if stats:
        out.append(Paragraph("Données statistiques", st.h3))
        for (producer, title), vintages in sorted(stats.items()):
            v = ", ".join(_vintages_once(vintages))
            out.append(Paragraph(esc(f"{producer} — {title}" + (f" ({v})" if v else "")), st.bullet,
                                 bulletText=BULLET))
    if not out:
        return [_note("Aucune source n'est enregistrée." if cited is None else
                      "Ce document ne montre aucun chiffre : il ne cite aucune source.", st)]
    out += [Spacer(1, 2 * mm), _note("Les fichiers chargés (noms, dates de chargement, empreintes) sont "
                                     "listés sur la page « Données et méthode » de l'application.", st)]
    return out


def contract_qpv_codes(con, contract_slug: str) -> list[str]:
    return [r[0] for r in con.execute(
        "select territory_code from contract_territories where contract_slug = ? and territory_level = 'qpv'"
        " order by territory_code", [contract_slug]).fetchall()]


def _review_codes(con, contract_slug: str) -> list[str | None]:
    """The territories (None: the whole contract) that have a review, in document order."""
    return [r[0] for r in con.execute("""
        select territory_code from qualitative_items
        where contract_slug = ? and item_type like 'review_%'
        group by territory_code order by min(rowid)""", [contract_slug]).fetchall()]


def section_has_data(con, contract_slug: str, key: str, qpv_codes: Sequence[str]) -> bool:
    """Whether section `key` of the mandate report has something to show for these QPVs."""
    def any_row(sql: str) -> bool:
        return con.execute(f"select exists ({sql})", [contract_slug]).fetchall()[0][0]

    if key == "chiffres":
        return any_row("select 1 from kpi_values where contract_slug = $1")
    if key == "financements":
        return any_row("select 1 from programme_funding where contract_slug = $1 union all "
                       "select 1 from programme_actions where contract_slug = $1")
    if key == "portraits":
        return bool(qpv_codes)
    if key == "bilans":
        return any(c is None or c in qpv_codes for c in _review_codes(con, contract_slug))
    if key == "logement":
        return any_row("select 1 from housing_objectives where contract_slug = $1 union all "
                       "select 1 from housing_published_results where contract_slug = $1 union all "
                       "select 1 from housing_attributions where contract_slug = $1")
    if key == "revue":
        from indicators import review
        return review.has_review(con, contract_slug)
    raise KeyError(key)


@dataclass(frozen=True)
class MandateContents:
    """What a mandate report holds: its sections (keys of SECTIONS, document order) and QPVs,
    and the year of its annual review (None when the report has no « revue » section)."""
    sections: tuple[str, ...]
    qpv_codes: tuple[str, ...]
    review_year: int | None = None


def mandate_contents(con, contract_slug: str, sections: Sequence[str] | None = None,
                     qpv_codes: Sequence[str] | None = None,
                     review_year: int | None = None) -> MandateContents:
    """The one rule for what a mandate report contains, for the command line and the app.

    QPVs: those given, else every QPV of the contract. Sections: those given (document order),
    else every section that has data for these QPVs. The annual review's year: the one given,
    else the latest year a signatory reported something for (indicators.review.default_review_year).
    Raises ReportError (French) for an unknown contract, section or QPV."""
    contract = _contract(con, contract_slug)
    unknown = [s for s in (sections or ()) if s not in SECTIONS]
    if unknown:
        raise ReportError(f"Section inconnue : {', '.join(unknown)} (sections possibles : {', '.join(SECTIONS)})")
    all_qpvs = contract_qpv_codes(con, contract.slug)
    bad = [c for c in (qpv_codes or ()) if c not in all_qpvs]
    if bad:
        raise ReportError(f"Quartier(s) hors du territoire {contract.slug} : {', '.join(bad)}")
    qpvs = tuple(dict.fromkeys(qpv_codes)) if qpv_codes else tuple(all_qpvs)
    if sections:
        chosen = tuple(s for s in SECTIONS if s in sections)
    else:
        chosen = tuple(s for s in SECTIONS if section_has_data(con, contract.slug, s, qpvs))
    year = None
    if "revue" in chosen:
        from indicators import review
        year = (review_year if review_year is not None
                else review.default_review_year(con, contract.slug, dt.date.today().year))
    return MandateContents(chosen, qpvs, year)


def review_left_out_note(con, contract_slug: str, contents: MandateContents,
                         sections: Sequence[str] | None = None,
                         review_year: int | None = None) -> str | None:
    """Why a mandate report holds no « Revue annuelle » (French, for the command line and the
    « Rapports et exports » page), None when it holds one or nobody expects one. Expected: when
    `sections` (as asked; None: the defaults) name it or are the defaults, or a `review_year` is
    given. Why not: the territory has no review data (no signatory, no steering committee:
    `section_has_data`), or the sections asked leave it out."""
    if "revue" in contents.sections:
        return None
    if sections is not None and "revue" not in sections and review_year is None:
        return None
    slug = _contract(con, contract_slug).slug
    title = SECTIONS["revue"] + (f" {review_year}" if review_year is not None else "")
    if not section_has_data(con, slug, "revue", contents.qpv_codes):
        return (f"La section « {title} » n'est pas dans le rapport : ce territoire n'a ni "
                "signataire ni comité de pilotage déclaré, dont elle présente les engagements.")
    if sections is not None:
        return (f"La section « {title} » n'est pas dans le rapport : elle n'est pas parmi "
                "les sections demandées.")
    return None


def _cover_and_contents(kicker: str, contract, date: dt.date, fictional: bool, st,
                        intro: list[Flowable]) -> list[Flowable]:
    """A report's cover (kicker, contract name, its subtitle, `intro`, the date, the demo mark)
    and its table of contents page, as both the mandate report and the annual review open."""
    story: list[Flowable] = [Spacer(1, 55 * mm), Paragraph(kicker, st.kicker),
                             Paragraph(esc(contract.name), st.cover_title)]
    subtitle = contract_subtitle(contract.name, contract.period_label)
    if subtitle:
        story.append(Paragraph(esc(subtitle), st.subtitle))
    story += intro
    story.append(Paragraph(esc(f"Document produit le {_date_fr(date)}."), st.base))
    if fictional:
        story += [Spacer(1, 6 * mm), Paragraph(f"<b>{esc(DEMO_MARK)}</b> : les chiffres, lieux et "
                                               "programmes de ce document sont inventés.", st.base)]
    toc = TableOfContents()
    toc.levelStyles = [st.toc1, st.toc2]
    toc.dotsMinLevel = 0
    return story + [PageBreak(), Paragraph("Sommaire", st.h1b), toc]


def _section_label(key: str, contents: MandateContents) -> str:
    """A mandate section's title; the annual review says its year (« Revue annuelle 2024 »)."""
    if key == "revue" and contents.review_year is not None:
        return f"{SECTIONS[key]} {contents.review_year}"
    return SECTIONS[key]


def mandate_pdf(con, contract_slug: str, sections: Sequence[str] | None = None,
                qpv_codes: Sequence[str] | None = None, *, review_year: int | None = None,
                generated_on: dt.date | None = None, charts: bool = True) -> bytes:
    """The mandate report of a contract as PDF bytes: cover, table of contents, the chosen
    sections (keys of SECTIONS, in document order), sources; page numbers and the demo mark on
    every page when the contract is fictional. `qpv_codes` limits the portraits and reviews.
    Defaults (`mandate_contents`): every QPV of the contract, every section that has data."""
    st = styles()
    contract = _contract(con, contract_slug)
    contents = mandate_contents(con, contract.slug, sections, qpv_codes, review_year)
    chosen, qpvs = list(contents.sections), list(contents.qpv_codes)
    date = generated_on or dt.date.today()
    fictional = bool(contract.is_fictional)
    if charts and ("portraits" in chosen):
        _warm_up_images()

    story = _cover_and_contents(
        "RAPPORT DE MANDAT", contract, date, fictional, st,
        [Spacer(1, 8 * mm),
         Paragraph(esc("Contenu : " + ", ".join(_section_label(s, contents).lower() if i
                                                else _section_label(s, contents)
                                                for i, s in enumerate(chosen)) + ", sources."), st.base)])

    annexes: list[Annex] = []
    notes: list[str] = []
    cited = Cited()                 # what the chosen sections show, for the sources page
    for key in chosen:
        story += [PageBreak(), Paragraph(esc(_section_label(key, contents)), st.h1)]
        if key == "chiffres":
            story += _section_chiffres(con, contract, st, cited)
        elif key == "financements":
            story += _section_financements(con, contract, st, annexes, cited)
        elif key == "portraits":
            if not qpvs:
                story.append(_note("Aucun quartier prioritaire n'est rattaché à ce territoire.", st))
            heading = ParagraphStyle("H2", parent=st.title, fontSize=16, leading=20)
            for i, code in enumerate(qpvs):
                if i:
                    story.append(PageBreak())
                parts = portrait_parts(con, code, generated_on=date, heading=heading, charts=charts,
                                       notes=notes, cited=cited)
                story += parts.flowables
        elif key == "bilans":
            story += _section_bilans(con, contract, st, qpvs if qpv_codes else None, cited)
        elif key == "logement":
            story += _section_logement(con, contract, st, annexes, cited)
        elif key == "revue":
            if contents.review_year is None:
                story.append(_note("Ce territoire n'a ni période de contrat ni chiffre de revue "
                                   "annuelle : aucune année à présenter.", st))
            else:
                story += _review_flowables(con, contract, contents.review_year, st, st.h2,
                                           annexes=annexes, cited=cited)
    if notes:
        story += [CondPageBreak(40 * mm), Paragraph("Notes de lecture", st.h1)]
        story += _bullets(notes, st)
    for i, annex in enumerate(annexes, 1):
        story += [PageBreak(), Paragraph(f"Annexe {i} — {annex.title}", st.h1), *annex.flowables]
    story += [PageBreak(), Paragraph("Sources", st.h1)]
    story += _section_sources(con, contract, st, cited)     # only what the chosen sections show

    title = f"Rapport de mandat — {contract.name}"
    info = PageInfo(footer=f"{title} · produit le {_date_fr(date)}", fictional=fictional,
                    generated_on=date, cover=True)
    return _build(story, info, title=title, with_toc=True)


# ── Poverty pocket justification sheet (indicators/pockets.py) ─────────────────────────────
def pocket_threshold_text(applied_eur: float, default) -> str:
    """The threshold a sheet applied, said once: the default S with how it is computed (« Seuil
    appliqué : S = 0,6 × (…) = 12 880 € par an et par unité de consommation. »), or a threshold
    chosen by the team followed by the default it replaces. `default`: pockets.Threshold or None."""
    from indicators import pockets as pk
    applied = "Seuil appliqué : "
    if default is not None and default.value_eur is not None and round(default.value_eur) == round(applied_eur):
        return applied + pk.threshold_text(default)
    text = applied + pk.fmt_figure(applied_eur, "eur") + "."
    return text + (f" Seuil par défaut : {pk.threshold_text(default)}" if default is not None else "")


# The pocket sheet's map: its size in CSS px and the width it prints at (points).
POCKET_MAP_PX = (600, 360)
POCKET_MAP_W = CONTENT_W * 0.66


def pocket_sheet_pdf(con, result, pocket_id: str, *, generated_on: dt.date | None = None,
                     charts: bool = True) -> bytes:
    """One A4 page justifying a poverty pocket outside the QPVs for a funding request (circular
    of 31 August 2023): its figures beside the territory's QPVs and its commune(s), the map, the
    method and its limits, the sources. `result` is an indicators.pockets.PocketResult."""
    from indicators import pockets as pk
    from indicators.fmt import fmt_int
    from indicators.territories import get_contract

    date = generated_on or dt.date.today()
    frame = result.pockets.set_index("pocket_id")
    if pocket_id not in frame.index:
        raise ReportError(f"Poche inconnue : « {pocket_id} ». Poches : " + ", ".join(frame.index))
    row = frame.loc[pocket_id]
    # The pocket as the app names it (« Poche 1 »): the generated id « demo-P01 » holds the
    # contract's slug and stays in the file name only (issue 11, D8; final review RV).
    name = pk.pocket_name(pocket_id)
    contract = get_contract(con, result.territory) if result.territory else None
    fictional = bool(contract.is_fictional) if contract is not None else False
    st = styles()
    story: list[Flowable] = [
        Paragraph(esc("Poche de pauvreté hors quartier prioritaire — fiche de justification"), st.kicker),
        Paragraph(esc(pk.pocket_title(pocket_id, row['commune_names'])), st.title),
        Paragraph(esc(f"{contract.name if contract is not None else result.territory} · carroyage "
                      f"Filosofi {row['grid_year']} · {int(row['n_squares'])} carreaux de 200 m · "
                      f"{pk.distance_text(row['distance_to_qpv_m'])}"
                      + (f" ({row['nearest_qpv_name']}, {row['nearest_qpv_code']})"
                         if row['nearest_qpv_code'] else "")), st.subtitle),
    ]
    table = pk.comparison(result, pocket_id)
    rows = [[Paragraph("Indicateur", st.cell_head), Paragraph("Poche", st.cell_head),
             Paragraph("QPV du territoire", st.cell_head),
             Paragraph(esc(f"Commune(s) : {row['commune_names']}"), st.cell_head)]]
    for r in table.itertuples():
        rows.append([Paragraph(esc(r.label), st.cell), Paragraph(esc(pk.fmt_figure(r.pocket, r.kind)), st.cell_bold),
                     Paragraph(esc(pk.fmt_figure(r.qpvs, r.kind)), st.cell),
                     Paragraph(esc(pk.fmt_figure(r.communes, r.kind)), st.cell)])
    story += [Paragraph("La situation de la poche comparée à celle des QPV", st.h2),
              _table(rows, [CONTENT_W * 0.40, CONTENT_W * 0.18, CONTENT_W * 0.21, CONTENT_W * 0.21])]
    if charts:
        from reports import images
        _warm_up_images()
        wkts = list(zip(result.pockets["pocket_id"], result.pockets["geometry_wkt"]))
        # Drawn 600 px wide for its 11,9 cm: names and legend print at least 7 pt (issue 11).
        png = images.pocket_map_png(con, result.territory, wkts, highlight=pocket_id,
                                    title=f"{name} et les quartiers prioritaires", date=date,
                                    source_line=pk.map_source_line(con, result),
                                    width=POCKET_MAP_PX[0], height=POCKET_MAP_PX[1],
                                    print_width_pt=POCKET_MAP_W,
                                    communes=[c.strip() for c in str(row["communes"] or "").split(",")])
        story += [Paragraph("Localisation", st.h2), _image(png, POCKET_MAP_W)]
    params = result.params
    # « au moins 1 000 habitants » (the method's own noun, not « 1 000 personnes habitants »).
    method = pk.METHOD_TEXT.format(min_population=fmt_int(params.min_population))
    story += [Paragraph("Méthode et limites", st.h2),
              Paragraph(esc(method + " Contiguïté : " + pk.CONTIGUITY[params.contiguity] + ". "
                            + pocket_threshold_text(params.threshold_eur, result.threshold)), st.small)]
    if params.min_poor_households_pct:
        story.append(Paragraph(esc("Critère supplémentaire : au moins "
                                   + pk.fmt_figure(params.min_poor_households_pct, "pct")
                                   + " de ménages pauvres par carreau."), st.small))
    story += [Paragraph(esc(pk.limits_text(result.threshold)), st.muted), Paragraph("Sources", st.h2)]
    story += _bullets(pk.grid_sources(con, result), st, st.small)
    info = PageInfo(footer=f"Fiche de justification de la {name.lower()} · produite le {_date_fr(date)}",
                    fictional=fictional, generated_on=date)
    return _build(story, info, title=f"Poche de pauvreté hors QPV — {pk.pocket_title(pocket_id, row['commune_names'])}")


# ── Yearly review (indicators/review.py) ────────────────────────────────────────────────────
def review_cell(value) -> str:
    """A review table cell as printed (indicators.review.cell_text): « non renseigné », never 0."""
    from indicators.review import cell_text
    return cell_text(value)


# The review's objective columns: printed by fmt_target, as the mandate's CIA table and the app
# (issue 11: the review's « 25 % » beside the mandate's « 25,0 % » for the same objective).
REVIEW_TARGET_COLUMNS = ("Cible (%)",)
# The review's CIA rates (indicators.housing.shown_rate: computed ones rounded to one decimal).
REVIEW_RATE_COLUMNS = ("Taux (%)",)


def review_column_cell(column: str, value, status: str | None = None,
                       decimals: int | None = None) -> str:
    """A review table cell as printed, by its column: a year as written (« 2025 »), an amount
    in euros (« 12 300 € », « 1,5 M€ »), a share (« 40 % »), a count withheld as « secret
    statistique » (`status`), else `review_cell` (« non renseigné » when absent, never 0);
    `decimals`: those of the column it is read in (review_decimals)."""
    from indicators.fmt import fmt_millions_eur, fmt_number
    if status == "secret":
        return "secret statistique"
    text = review_cell(value)
    if text == review_cell(None):
        return "" if column == "Code" else text
    if isinstance(value, str):
        return text
    if column == "Année":
        return str(int(value))
    if column.endswith("(€)") or column.endswith(", €)"):
        return fmt_millions_eur(value) if abs(value) >= 1_000_000 else _eur(value)
    if column in REVIEW_TARGET_COLUMNS:    # an objective reads as in every table: « 25,0 % »
        return fmt_target(value, "%")
    if column in REVIEW_RATE_COLUMNS and not isinstance(value, bool):
        # A CIA rate: one decimal at least (a rate we compute: « 25,0 % » beside « 19,2 % », never
        # « 25 % »); a document's rate typed with more keeps them (« 12,04 % »).
        from indicators.housing import COMPUTED_RATE_DECIMALS
        typed = f"{float(value):.6f}".rstrip("0").split(".")[1]
        return f"{fmt_number(value, max(COMPUTED_RATE_DECIMALS, len(typed), decimals or 0))}\u00a0%"
    if column.endswith("(%)"):
        from indicators.review import COMPUTED_SHARE_COLUMNS
        if column in COMPUTED_SHARE_COLUMNS:        # a share we compute: one decimal
            from indicators.housing import COMPUTED_RATE_DECIMALS
            text = fmt_number(value, COMPUTED_RATE_DECIMALS)
        return f"{text}\u00a0%"
    if decimals is not None and not isinstance(value, bool):
        return fmt_number(value, decimals)
    return text


def review_decimals(df: pd.DataFrame) -> dict[str, list[int | None]]:
    """The decimals of each column of measures (not a year, an amount, a rate nor a count),
    per row: one precision for a column's values of one indicator (fmt.shared_decimals), so that
    a gap column reads « 29,0 » beside « 28,6 », not « 29 » beside « 28,6 ». Rows of different
    indicators (points beside a ratio) keep their own."""
    from indicators.fmt import shared_decimals
    groups = (df["Indicateur"].astype(str).tolist() if "Indicateur" in df.columns
              else [""] * len(df))
    out: dict[str, list[int | None]] = {}
    for column in df.columns:
        name = str(column)
        if name in REVIEW_RATE_COLUMNS and {"Objectif", "Partie"} <= set(map(str, df.columns)):
            out[name] = _pair_decimals(df, column)
            continue
        if name == "Année" or name.endswith(("(€)", ", €)", "(%)", "__status")):
            continue
        values = df[column].astype(object).tolist()
        if not any(isinstance(v, float) and v == v for v in values):
            continue                       # counts stay whole, texts stay texts
        decimals: list[int | None] = [None] * len(values)
        for group in dict.fromkeys(groups):
            rows = [i for i, g in enumerate(groups) if g == group]
            shown = [values[i] for i in rows if isinstance(values[i], (int, float))
                     and not isinstance(values[i], bool)]
            d = shared_decimals(shown, None)
            for i in rows:
                decimals[i] = d
        out[name] = decimals
    return out


def _pair_decimals(df: pd.DataFrame, column) -> list[int | None]:
    """A CIA rate's decimals per row: those of the most precise rate of its objective and party,
    so that a document's « 57,57 % » and ours beside it read at one precision (« 57,50 % », not
    « 57,5 % »)."""
    typed = [None if not isinstance(v, (int, float)) or isinstance(v, bool) or v != v
             else len(f"{float(v):.6f}".rstrip("0").split(".")[1]) for v in df[column].astype(object)]
    keys = list(zip(df["Objectif"].astype(object), df["Partie"].astype(object)))
    most: dict = {}
    for key, d in zip(keys, typed):
        if d is not None:
            most[key] = max(most.get(key, 0), d)
    return [most.get(key) for key in keys]


# Where a line may break: a no-break space (« 3\u202fconsultations/an/habitant ») joins its
# words into one that the column must hold whole, or it is cut inside a word.
_BREAKABLE = re.compile(f"[^\\S{_NO_BREAK}]+")
_NUMERIC_CELL = re.compile(r"^[-+0-9\s\u00a0\u202f,.€%M–]+$")


def _unbroken_cell(text: str) -> bool:
    """A review cell printed on one line, as a figure is: a number, or the words that stand in a
    figure's place (« non renseigné », « secret statistique »; issue 11: Chartres' review printed
    « non » above « renseigné » in a « Montant » column left a third of the porteur's width)."""
    return bool(_NUMERIC_CELL.match(text)) or text in (review_cell(None), "secret statistique")


def _review_widths(header: list[str], body: list[list[str]]) -> list[float]:
    """Column widths for a review table: each column at least as wide as its longest header word
    and its longest figure (a figure never wraps: « 24 800 € », « 2019–2021 », nor the words in
    a figure's place: « non renseigné », `_unbroken_cell`), the rest of the
    page shared in proportion to the text the columns hold."""
    pad = 6.5
    need, want = [], []
    for k, head in enumerate(header):
        cells = [r[k] for r in body]
        words = [pdfmetrics.stringWidth(w, FONT_BOLD, 7.8) for w in _BREAKABLE.split(head) if w]
        for c in cells:
            if _unbroken_cell(c):
                words.append(pdfmetrics.stringWidth(c, FONT, 7.8))
            else:
                words += [pdfmetrics.stringWidth(w, FONT, 7.8) for w in _BREAKABLE.split(c) if w]
        need.append(max(words or [0]) + pad)
        text = sorted(pdfmetrics.stringWidth(c, FONT, 7.8) for c in cells)
        want.append(max(text[len(text) * 3 // 4] if text else 0, need[-1]))
    extra = CONTENT_W - sum(need)
    if extra <= 0:
        return [CONTENT_W * n / sum(need) for n in need]
    more = [w - n for w, n in zip(want, need)]
    if sum(more) <= extra:
        spare = extra - sum(more)
        return [w + spare * w / sum(want) for w in want]
    return [n + extra * m / sum(more) for n, m in zip(need, more)]


def review_header(column: str) -> str:
    """A review column's header as printed: its cells carry their unit (« 12 300 € », « 1,5 M€ »,
    « 40,0 % »), so the header does not say it again: « Montant (€) » → « Montant »,
    « Crédits spécifiques (programme 147, €) » → « Crédits spécifiques (programme 147) ». The
    XLSX keeps the unit in its headers, its cells being bare numbers."""
    for unit in (" (€)", " (%)"):
        if column.endswith(unit):
            return column[:-len(unit)]
    for unit in (", €)", ", %)"):
        if column.endswith(unit):
            return column[:-len(unit)] + ")"
    return column


def _review_table(df, st: Styles, group: int = 1) -> Flowable:
    status = {c[:-len("__status")]: c for c in df.columns if c.endswith("__status")}
    # A column with no value on any row is not printed (as in the XLSX): Grand Chalon's review
    # of a year nobody reported for had three columns of « non renseigné » on 51 rows.
    columns = [c for c in df.columns if not c.endswith("__status")
               and (not len(df) or df[c].notna().any() or (c in status and df[status[c]].notna().any()))]
    header = [review_header(str(c)) for c in columns]
    decimals = review_decimals(df)
    body = [[review_column_cell(c, r[c], r[status[c]] if c in status else None,
                                decimals[c][i] if c in decimals else None) for c in columns]
            for i, r in enumerate(df.astype(object).to_dict("records"))]
    rows = [[Paragraph(esc(c), st.cell_head) for c in header]]
    rows += [[Paragraph(esc(v), st.cell) for v in r] for r in grouped_columns(body, group)]
    table = _table(rows, _review_widths(header, body), cls=GroupedTable)
    table.groups = [None] + [r[:group] for r in body]
    table.cell_style = st.cell
    return table


CONTINUED = "(suite)"


def continued(label: str) -> str:
    """A group's label at the top of the page it continues on: « Emploi (suite) »; a label ending
    in a bracket says it inside (« Taux de pauvreté (seuil à 60 %, suite) », never two brackets
    side by side)."""
    label = label.rstrip()
    return f"{label[:-1]}, suite)" if label.endswith(")") else f"{label} {CONTINUED}"


def _cell_text(cell) -> str:
    """The text of a table cell as reportlab holds it: a Paragraph, or flowables in a tuple."""
    if isinstance(cell, Paragraph):
        return cell.getPlainText()
    if isinstance(cell, (list, tuple)):
        return "".join(_cell_text(c) for c in cell)
    return "" if cell is None else str(cell)


class GroupedTable(CarryingTable):
    """A review table whose first columns are left blank where they repeat the row above's
    (grouped_columns): a group continued on a new page names them again at the top of that page,
    « Emploi (suite) », « DDETS (suite) » (issue 11: in the annex of schemes without a figure, a
    pillar and signatory continued on a new page left blank cells at its top). `groups`: each
    row's whole first cells (None for the header); `cell_style`: the style of the cells named again."""
    groups: list = []
    cell_style = None

    def split(self, availWidth, availHeight):
        parts = super().split(availWidth, availHeight)
        if len(parts) != 2 or self.cell_style is None or len(self.groups) != len(self._cellvalues):
            return parts
        head, rest = parts
        n, r = len(head._cellvalues), self.repeatRows
        if n <= r or len(rest._cellvalues) - r != len(self._cellvalues) - n:
            return parts                   # a row cut in two: left as reportlab made it
        # The continued part as reportlab made it (its rows' heights measured once, not once a
        # page: 294 rows over 9 pages), its first row given its group's cells, that row's
        # height measured again. The row is copied: the original table is laid out again by
        # the next pass of a document with a table of contents.
        first = list(rest._cellvalues[r])
        for j, value in enumerate(self.groups[n] or ()):
            if value and not _cell_text(first[j]).strip():
                first[j] = Paragraph(esc(continued(str(value))), self.cell_style)
                rest._argH = list(rest._argH)
                rest._argH[r] = None
        rest._cellvalues = list(rest._cellvalues)
        rest._cellvalues[r] = first
        rest.groups, rest.cell_style = self.groups[:r] + self.groups[n:], self.cell_style
        return [head, rest]


# The rows each review section shows, per table: SQL over alias `t` (named parameters $slug and
# $year), the same rows as indicators.review's section builders read. Credited under the section's
# table and listed on its report's sources page (issue 11: the gap table, the commune-only figures
# and the steering committee printed no source line, the sources page every document).
_COMMON_LAW = ("select scheme_id from review_schemes s where s.contract_slug = $slug"
               " and s.funding_kind = 'droit_commun'")
_NOT_REPORTED = ("not exists (select 1 from review_figures f where f.contract_slug = $slug"
                 " and f.scheme_id = {0}.scheme_id and f.year = $year)")
REVIEW_SECTION_ROWS: dict[str, tuple[tuple[str, str], ...]] = {
    "programme": (("programme_funding", "t.year = $year"), ("programme_actions", "t.year = $year")),
    "credits": (("programme_funding", "t.year = $year and t.funder = 'etat_p147'"),
                ("review_figures", f"t.year = $year and t.measure = 'montant' and t.scheme_id in ({_COMMON_LAW})")),
    "droit_commun": (("review_schemes", "t.funding_kind = 'droit_commun'"),
                     ("review_figures", f"t.year = $year and t.scheme_id in ({_COMMON_LAW})"),
                     ("review_signatories", "t.signatory_id in (select signatory_id from review_schemes s"
                                            " where s.contract_slug = $slug and s.funding_kind = 'droit_commun')")),
    "manquants": (("review_schemes", _NOT_REPORTED.format("t")),
                  ("review_signatories", "t.signatory_id in (select signatory_id from review_schemes s where "
                                         "s.contract_slug = $slug and " + _NOT_REPORTED.format("s") + ")")),
    "tfpb": (("review_tfpb", "t.year = $year"),
             ("review_signatories", "t.signatory_id in (select signatory_id from review_tfpb r"
                                    " where r.contract_slug = $slug and r.year = $year)")),
    "cia": (("housing_objectives", ""), ("housing_attributions", "t.year = $year"),
            ("housing_published_results", "t.year = $year")),
    "personnes": (("programme_beneficiaries", "t.year = $year"),),
    "personnes_actions": (("programme_beneficiaries", "t.year = $year"),
                          ("programme_actions", "t.year = $year and t.action_id in (select action_id from "
                                                "programme_beneficiaries b where b.contract_slug = $slug"
                                                " and b.year = $year)")),
    "signataires": (("review_signatories", ""),),
    "comite": (("review_committee", ""),),
}


def _values_cited(con, keys: Sequence[tuple[str, str, int]], cited: Cited) -> None:
    """The documents (a published value's) and files (an official file's) of the indicator
    values `keys` (territory_code, indicator_id, year) into `cited`."""
    if not keys:
        return
    codes, indicators, years = (list(x) for x in zip(*keys))
    for doc, source_id in con.execute("""
            select distinct v.document_id, v.source_id from indicator_values v
            join (select unnest(?::varchar[]) as territory_code, unnest(?::varchar[]) as indicator_id,
                         unnest(?::integer[]) as year) k
              on k.territory_code = v.territory_code and k.indicator_id = v.indicator_id and k.year = v.year""",
                                      [codes, indicators, years]).fetchall():
        cited.add(doc, source_id)


def review_section_credit(con, contract_slug: str, section, year: int,
                          cited: Cited | None = None) -> str | None:
    """The short source line under a review section's table (document, section — producer, year,
    as every block of the reports): the documents and files of the rows it shows
    (REVIEW_SECTION_ROWS) and of the indicator values it shows (`section.value_keys`,
    `sources.value_credits`). None for a section without a row. `cited` collects them."""
    if not len(section.table):
        return None
    rows = [r for table, where in REVIEW_SECTION_ROWS.get(section.key, ())
            for r in _table_rows(con, contract_slug, table, where, {"year": year})]
    parts = _credit_parts(rows)
    keys = list(getattr(section, "value_keys", ()) or ())
    if keys:
        # A short line names a fictional file once, without its details (sources.printed(short)).
        parts += [sources_mod.FICTIONAL if c.startswith(sources_mod.FICTIONAL) else c
                  for c in sources_mod.value_credits(con, keys, short=True)]
    if cited is not None:
        for r in rows:
            cited.add(r[0], r[8])
        _values_cited(con, keys, cited)
    return credit_line(parts)


def grouped_first_column(body: list[list[str]]) -> list[list[str]]:
    """A review table's rows with the first cell left blank where it repeats the row above's: the
    rows of one pillar or one rubrique read as a group (Grand Chalon's steering committee printed
    « Principaux partenaires co-financeurs et signataires » on 30 rows running). The XLSX keeps
    every cell, for filtering."""
    return grouped_columns(body, 1)


def grouped_columns(body: list[list[str]], n: int) -> list[list[str]]:
    """`grouped_first_column` over the first `n` columns: a cell is left blank where it and the
    cells before it repeat the row above's (issue 11: the annex of schemes without a figure
    printed « Direction départementale de l'emploi, du travail et des solidarités (DDETS) » on
    30 rows running under one pillar)."""
    out = []
    for i, row in enumerate(body):
        row = list(row)
        prev = body[i - 1] if i > 0 else None
        for j in range(min(n, len(row))):
            if prev and len(prev) > j and row[j] != "" and list(body[i][:j + 1]) == list(prev[:j + 1]):
                row[j] = ""
            else:
                break
        out.append(row)
    return out


# Review sections whose table is a list for reference (every scheme nobody reported a figure
# for: 11 of the Grand Chalon's 19 pages): in the body, one sentence; the table, whole, in an annex.
REVIEW_ANNEX_SECTIONS = ("manquants",)


def review_annex_summary(section, annex_number: int) -> str:
    """The sentence that stands for a review section moved to an annex: its rows counted per
    pillar (in the table's order) and where the list is. « 3 dispositifs sans chiffre
    déclaré : Emploi 2, Santé 1. La liste complète est en annexe 1 (« … »). »"""
    from indicators.fmt import fmt_count, fmt_int
    table = section.table
    counts = table.groupby("Pilier", sort=False).size() if "Pilier" in table else pd.Series(dtype=int)
    per_pillar = ", ".join(f"{pillar} {fmt_int(n)}" for pillar, n in counts.items())
    return (f"{fmt_count(len(table), 'dispositif')} sans chiffre déclaré"
            + (f" : {per_pillar}" if per_pillar else "")
            + f". La liste complète est en annexe {annex_number} (« {section.title} »).")


def _review_flowables(con, contract, year: int, st: Styles, heading: ParagraphStyle,
                      sections=None, annexes: list[Annex] | None = None,
                      cited: Cited | None = None) -> list[Flowable]:
    """The annual review's sections (indicators.review.review_sections), each under `heading`
    with its note and table: the chapters of the review report, a section of the mandate report.
    With `annexes`, a list section (REVIEW_ANNEX_SECTIONS) is summed up in one sentence and its
    table goes, whole, to a new annex. Each table is followed by its source line
    (review_section_credit); `cited` collects what they credit, for the sources page."""
    from indicators import review
    story: list[Flowable] = []
    if sections is None:
        sections = review.review_sections(con, contract.slug, year,
                                          **({"missing_list_at": "en annexe"} if annexes is not None else {}))
    for section in sections:
        title = Paragraph(esc(section.title), heading)
        # A heading starts a page with room for its first rows; a section without a table, its
        # heading and note only, needs no more room than those (issue 11: Grand Chalon's 2024
        # review left 6 cm blank under its CIA note, pushing five short notes to the next page).
        need = 60 * mm if len(section.table) else min(60 * mm, _stack_height(
            [title, *([_note(section.note, st)] if section.note else [])], CONTENT_W))
        story += [CondPageBreak(need), title]
        if annexes is not None and section.key in REVIEW_ANNEX_SECTIONS and len(section.table):
            annexes.append(Annex(section.title, [_note(section.note, st)] if section.note else []))
            annexes[-1].flowables += _credited(_review_table(section.table, st, group=2),
                                               review_section_credit(con, contract.slug, section, year, cited), st)
            story += [Paragraph(esc(review_annex_summary(section, len(annexes))), st.base),
                      Spacer(1, 4 * mm)]
            continue
        if section.note:
            story.append(_note(section.note, st))
        if len(section.table):
            story += _credited(_review_table(section.table, st),
                               review_section_credit(con, contract.slug, section, year, cited), st)
        story.append(Spacer(1, 4 * mm))
    return story


def _credited(table: Flowable, credit: str | None, st: Styles) -> list[Flowable]:
    """A table and its source line under it, the line never alone at the top of a page: the
    table's last rows go to the next page with it (CarryingTable)."""
    if not credit:
        return [table]
    note = _note(credit, st)
    if isinstance(table, CarryingTable):
        table.tail_h = _stack_height([note], CONTENT_W)
    return [table, note]


def _annex_flowables(annexes: list[Annex], st: Styles) -> list[Flowable]:
    """The annexes at the end of a report, each on a new page: « Annexe 2 — title »."""
    story: list[Flowable] = []
    for i, annex in enumerate(annexes, 1):
        story += [PageBreak(), Paragraph(f"Annexe {i} — {esc(annex.title)}", st.h1), *annex.flowables]
    return story


def review_pdf(con, contract_slug: str, year: int, *, generated_on: dt.date | None = None) -> bytes:
    """The yearly review of a contract (indicators.review.review_sections) as PDF bytes: cover,
    table of contents, one chapter per section with its note and table, sources."""
    from indicators import review
    st = styles()
    contract = _contract(con, contract_slug)
    date = generated_on or dt.date.today()
    fictional = bool(contract.is_fictional)
    sections = review.review_sections(con, contract.slug, year, missing_list_at="en annexe")
    story = _cover_and_contents(
        f"REVUE ANNUELLE {year}", contract, date, fictional, st,
        [Paragraph(esc("Le programme de l'année, le droit commun déclaré par chaque signataire "
                       "à côté des crédits spécifiques, les attributions de logements, les "
                       "personnes touchées, l'évolution des écarts et le comité de pilotage "
                       "(circulaire du 31 août 2023)."), st.base)])
    annexes: list[Annex] = []
    cited = Cited()
    story += _review_flowables(con, contract, year, st, st.h1, sections, annexes, cited)
    story += _annex_flowables(annexes, st)
    story += [PageBreak(), Paragraph("Sources", st.h1)]
    story += _section_sources(con, contract, st, cited)     # only what the review shows
    title = f"Revue annuelle {year} — {contract.name}"
    info = PageInfo(footer=f"{title} · produit le {_date_fr(date)}", fictional=fictional,
                    generated_on=date, cover=True)
    return _build(story, info, title=title, with_toc=True)


def review_section_files(con, contract_slug: str, section, year: int) -> list[str]:
    """The files (source ids) of what a review section's table shows: its rows (REVIEW_SECTION_ROWS,
    those typed from a document too) and its indicator values (`section.value_keys`); none for a
    section without a row."""
    if not len(section.table):
        return []
    ids = [r[8] for table, where in REVIEW_SECTION_ROWS.get(section.key, ())
           for r in _table_rows(con, contract_slug, table, where, {"year": year})]
    keys = list(getattr(section, "value_keys", ()) or ())
    if keys:
        codes, indicators, years = (list(x) for x in zip(*keys))
        ids += [r[0] for r in con.execute("""
            select distinct v.source_id from indicator_values v
            join (select unnest(?::varchar[]) as territory_code, unnest(?::varchar[]) as indicator_id,
                         unnest(?::integer[]) as year) k
              on k.territory_code = v.territory_code and k.indicator_id = v.indicator_id and k.year = v.year""",
                                            [codes, indicators, years]).fetchall()]
    return sorted(set(i for i in ids if i))


# The sources line of a review sheet that shows no figure (a section's note alone).
NO_FIGURE_SOURCES = "aucune : cette feuille ne montre aucun chiffre"


def review_xlsx(con, contract_slug: str, year: int, *, generated_on: dt.date | None = None) -> bytes:
    """The yearly review as an XLSX workbook: one sheet per section, each crediting the files of
    what it shows (`review_section_files`; issue 11, s14: every sheet, empty ones too, listed
    every file of the contract, its qualitative items and territories among them), then the
    « Sources » sheet of the files the workbook shows figures from."""
    from indicators import review
    from reports.tables import sheets_to_xlsx_bytes, sources_from_db
    contract = _contract(con, contract_slug)
    sections = review.review_sections(con, contract.slug, year, missing_list_at="dans la feuille suivante")
    files = [review_section_files(con, contract.slug, s, year) for s in sections]
    return sheets_to_xlsx_bytes(
        # A section with no row is its note alone: no header over empty columns.
        [(s.title, s.table if len(s.table) else s.table.iloc[:, :0], s.note,
          sources_from_db(con, source_ids=ids) if ids else NO_FIGURE_SOURCES)
         for s, ids in zip(sections, files)],
        title=f"Revue annuelle {year} — {contract.name}", territory=contract.name,
        sources=sources_from_db(con, source_ids=sorted({i for ids in files for i in ids})),
        generated_on=generated_on, fictional=bool(contract.is_fictional))
