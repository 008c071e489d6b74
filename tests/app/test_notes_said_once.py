"""A quartier's typed note says what its figures do not (issue #11): Chartres's note about the
2015–2023 quartier repeated the population (« (1 830 habitants). Population publiée pour le
contour de 2015, sans année de référence ») that the figure and its source line already give,
on screen and in the portrait PDF."""
from __future__ import annotations

import datetime as dt
import io
import re

import duckdb
import pypdf

from indicators.fmt import plain_spaces
from reports import pdf
from tests.app.test_pages import page_text, run_page
from tests.app.test_visual_review_fixes import _under_headers


def test_chartres_portrait_says_the_population_once_on_screen(demo_db) -> None:
    at = run_page("portrait", territoire="chartres-metropole", qpv="QN02804M")
    assert not at.exception
    assert _under_headers(at)["Notes"] == [
        "Géographie prioritaire", "- Quartier prioritaire 2015–2023 : Bruxelles-Arcades-Béguines à Lucé."]
    # The figure's card and the table of every figure (each with its source line), never the note.
    # The hover text of a short source line (its title attribute) is not said on the page (s14: the
    # card's line is short, its whole source behind « Source complète », as every card's).
    text = re.sub(r' title="[^"]*"', "", page_text(at))
    assert (text.count("1 830 habitants"), text.count("contour de 2015"),
            "Population publiée pour le contour" in text) == (2, 2, False)


def test_chartres_portrait_pdf_says_the_population_once(demo_db) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        data = pdf.portrait_pdf(con, "QN02804M", generated_on=dt.date(2026, 12, 1))
    text = plain_spaces(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))
    text = " ".join(text.split())
    assert (text.count("1 830 habitants"), text.count("contour de 2015"),
            "Population publiée pour le contour" in text) == (1, 1, False)
    assert "Quartier prioritaire 2015–2023 : Bruxelles-Arcades-Béguines à Lucé." in text
