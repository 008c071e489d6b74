"""A report's chart images are embedded from their PNG's own compressed data (reports.pdf
png_flate_stream, _PngImage): the page shows the same pixels as reportlab's own reading of the
PNG, other PNGs (transparency, palette, grey) go through reportlab as before."""
from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zlib
from concurrent.futures import Future

import pytest
from PIL import Image as PILImage
from PIL import ImageDraw
from reportlab.platypus import Image, Spacer

from reports import pdf

DATE = dt.date(2026, 3, 5)


def _png(mode: str = "RGB", size=(300, 120), **save) -> bytes:
    """A picture with flat areas, gradients and text (every PNG row filter is used)."""
    im = PILImage.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    for x in range(size[0]):
        draw.line([(x, 0), (x, size[1] // 2)], fill=(x % 256, (3 * x) % 256, 120))
    draw.rectangle([20, 70, 140, 110], fill="#1f4e79")
    draw.text((160, 80), "742 €/mois", fill="black")
    buf = io.BytesIO()
    im.convert(mode).save(buf, format="PNG", **save)
    return buf.getvalue()


def _document(*flowables) -> bytes:
    pdf.register_fonts()
    info = pdf.PageInfo(footer="Essai", fictional=False, generated_on=DATE)
    return pdf._build([*flowables, Spacer(1, 5)], info, title="Essai")


def _pixels(data: bytes, tmp_path, name: str) -> bytes:
    (tmp_path / f"{name}.pdf").write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "100", "-png", str(tmp_path / f"{name}.pdf"), str(tmp_path / name)], check=True)
    with PILImage.open(next(tmp_path.glob(f"{name}-*.png"))) as im:
        return im.convert("RGB").tobytes()


def test_png_flate_stream_reads_only_what_pdf_can_embed_as_it_is() -> None:
    png = _png()
    width, height, data = pdf.png_flate_stream(png)
    assert (width, height) == (300, 120)
    assert len(zlib.decompress(data)) == height * (1 + 3 * width)      # a filter byte per row
    assert pdf.png_flate_stream(_png(dpi=(300, 300))) is not None        # pHYs chunk: still RGB
    for other in (_png("RGBA"), _png("P"), _png("L"), _png(optimize=True, mode="LA"), b"GIF89a", b""):
        assert pdf.png_flate_stream(other) is None
    interlaced = _png()
    ihdr = interlaced.index(b"IHDR")
    interlaced = interlaced[:ihdr + 16] + b"\x01" + interlaced[ihdr + 17:]     # interlace method 1
    assert pdf.png_flate_stream(interlaced) is None


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P"])
def test_an_embedded_png_shows_the_pixels_reportlab_would_show(tmp_path, mode) -> None:
    png = _png(mode)
    ours = _document(pdf._image(png, 300), pdf._image(png, 150))
    theirs = _document(Image(io.BytesIO(png), width=300, height=120), Image(io.BytesIO(png), width=150, height=60))
    assert _pixels(ours, tmp_path, "ours") == _pixels(theirs, tmp_path, "theirs")
    # The same PNG twice is one image object; an RGB PNG's is its own data, with PNG predictors.
    once = _document(pdf._image(png, 300))
    assert len(re.findall(rb"/Subtype /Image", ours)) == len(re.findall(rb"/Subtype /Image", once)) == (
        2 if mode == "RGBA" else 1)                  # reportlab's soft mask for the alpha channel
    assert (b"/Predictor 15" in ours) == (mode == "RGB")


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_a_late_image_is_embedded_the_same_way(tmp_path) -> None:
    png = _png()
    pending: Future = Future()
    pending.set_result(png)
    late = _document(pdf._image(pending, 300))
    assert b"/Predictor 15" in late
    assert _pixels(late, tmp_path, "late") == _pixels(_document(Image(io.BytesIO(png), width=300, height=120)),
                                                      tmp_path, "plain")


def test_a_chart_being_drawn_is_laid_out_from_its_announced_size_and_drawn_from_its_bytes() -> None:
    """The first layout pass of a report does not wait for its charts: a chart whose render
    announced its size (images.png_size) wraps at that size before its bytes exist."""
    from reportlab.pdfgen import canvas as rl_canvas

    class NotYet(Future):
        def result(self, timeout=None):
            assert self.done(), "the layout waited for the chart's bytes"
            return super().result(timeout)

    buf = io.BytesIO()
    PILImage.new("RGB", (300, 120), "white").save(buf, format="PNG")
    pending = NotYet()
    pending.size_px = (300, 120)
    img = pdf._image(pending, 150)
    assert img.wrap(400, 400) == (150, 60)
    assert getattr(img, "_oldDrawSize", None) is None and getattr(img, "_offs_x", 0) == 0
    pending.set_result(buf.getvalue())
    c = rl_canvas.Canvas(io.BytesIO())
    img.drawOn(c, 0, 0)
    assert (img.imageWidth, img.imageHeight, img.drawWidth, img.drawHeight) == (300, 120, 150, 60)

    wrong = Future()
    wrong.size_px = (300, 100)
    late = pdf._image(wrong, 150)
    assert late.wrap(400, 400) == (150, 50)
    wrong.set_result(buf.getvalue())
    with pytest.raises(pdf.ReportError, match=r"^Graphique de 300 × 120 px mis en page à 150,0 × 50,0 pt : sa taille annoncée"):
        late.drawOn(c, 0, 0)
