"""PDF portraits and mandate reports opened and read back: text extracted with pypdf (figures,
comparators, marks, sources), page count, fonts embedded, pages rendered with pdftoppm."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pypdf
import pytest
from PIL import Image, ImageStat

from config import DEMO_MARK
from indicators.fmt import plain_spaces
from indicators.portrait import UnknownQpv
from reports import pdf

DATE = dt.date(2026, 3, 5)


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _fonts_showing_text(data: bytes) -> set[tuple[str, bool]]:
    """(font name, embedded) of every font that shows text (Tj/TJ) in a page's content."""
    import re
    out = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get("/Font") or {}
        content = page.get_contents().get_data()
        for block in re.findall(rb"BT(.*?)ET", content, flags=re.S):
            font = None
            for m in re.finditer(rb"(/[^\s/]+)\s+[\d.]+\s+Tf|(Tj|TJ)\b", block):
                if m.group(1):
                    font = m.group(1).decode()
                elif font is not None:
                    f = fonts[font].get_object()
                    desc = f.get("/FontDescriptor")
                    embedded = desc is not None and "/FontFile2" in desc.get_object()
                    out.add((str(f["/BaseFont"]).split("+")[-1], embedded))
    return out


@pytest.fixture(scope="module")
def aubepins_pdf(report_db_path, image_server) -> bytes:
    import duckdb
    with duckdb.connect(str(report_db_path), read_only=True) as con:
        return pdf.portrait_pdf(con, "QN07101I", generated_on=DATE)


def test_portrait_aubepins_figures_and_comparators(aubepins_pdf, artifacts) -> None:
    (artifacts / "portrait_QN07101I.pdf").write_bytes(aubepins_pdf)
    pages = _text(aubepins_pdf)
    assert 1 <= len(pages) <= 2
    text = plain_spaces(" ".join(pages)).replace("\n", " ")
    for expected in ("Aubépins", "PORTRAIT DE QUARTIER", "742 €/mois", "1 480 €/mois", "1 770 €/mois",
                     "Chalon-sur-Saône", "CA Le Grand Chalon", "8 904 €/an", "37,5 %", "2 500 habitants",
                     "Lutter contre l'isolement", "Embellir et sécuriser le parc",
                     "« Je m'y sens bien, il y a tout ce qu'il faut »", "Insee 2019", "Compas – ABS 2022",
                     "Document produit le 5 mars 2026", "page 1 / 2"):
        assert expected in text, expected
    assert "secret statistique" in text          # the withheld poverty rate …
    assert DEMO_MARK not in text                  # … and a real territory has no demo mark
    assert "\u202f480" in " ".join(pages)         # narrow no-break space kept as such


def test_portrait_embeds_dejavu(aubepins_pdf) -> None:
    assert _fonts_showing_text(aubepins_pdf) == {
        ("DejaVuSans", True), ("DejaVuSans-Bold", True), ("DejaVuSans-Oblique", True)}


def test_portrait_demo_marks_every_page_and_wraps_long_name(report_con, image_server, artifacts) -> None:
    data = pdf.portrait_pdf(report_con, "QN09902N", generated_on=DATE)
    (artifacts / "portrait_QN09902N.pdf").write_bytes(data)
    pages = [plain_spaces(p) for p in _text(data)]
    assert all(DEMO_MARK in p for p in pages)
    assert "Vieux Puits - Paradis - Maunoury" in pages[0].replace("\n", " ")
    assert "Lutter contre l'isolement des seniors « très âgés »" in pages[0]
    # The withheld poverty rate never appears as a number.
    assert "Taux de pauvreté (seuil à 60 %) secret" in pages[0].replace("\n", " ")


def test_portrait_unknown_qpv(report_con) -> None:
    with pytest.raises(UnknownQpv):
        pdf.portrait_pdf(report_con, "QN99999Z", charts=False)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_portrait_pages_render(aubepins_pdf, artifacts, tmp_path) -> None:
    src = tmp_path / "p.pdf"
    src.write_bytes(aubepins_pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(src), str(artifacts / "portrait_QN07101I")], check=True)
    pngs = sorted(artifacts.glob("portrait_QN07101I-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        img = Image.open(png)
        assert img.size == (497, 702)  # A4 at 60 dpi
        assert ImageStat.Stat(img.convert("L")).var[0] > 200
