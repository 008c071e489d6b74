"""A document whose title ends with its own bracket is cited with its producer after that
bracket, never inside it (issue #11: Grand Chalon's « … ; annexe 7 « Convention Intercommunale
d'Attribution », Le Grand Chalon, Agglomération et Préfet de Saône-et-Loire) »), on screen and in
the portrait PDF (indicators.sources.document_name)."""
from __future__ import annotations

import datetime as dt
import html
import io
import re

import duckdb
import pypdf

from indicators.fmt import plain_spaces
from reports import pdf
from tests.app.test_pages import page_text, run_page

ANNEXES = ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes "
           "(annexe 2 « Portraits de quartiers » ; annexe 7 « Convention Intercommunale d'Attribution »)")
PRODUCER = "Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire"


def _cited(text: str) -> list[str]:
    """Every citation of the annexes in a text: the title and what follows it up to the end of
    the producer's words."""
    return re.findall(re.escape(ANNEXES) + r"[^\[\n]{0,70}", text)


def test_grand_chalon_portrait_cites_the_annexes_then_their_producer(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07102I")
    assert not at.exception
    text = html.unescape(re.sub(r"\\(.)", r"\1", page_text(at)).replace("\u2060", ""))
    # Every citation (the notes' source lines, whole or cut to « … Préfet… » in their short form).
    head = f"{ANNEXES}, Le Grand Chalon (Agglomération) et Préfet"
    cited = _cited(text)
    assert (len(cited) > 0, {c[:len(head)] for c in cited}) == (True, {head})


def test_grand_chalon_portrait_pdf_cites_the_annexes_then_their_producer(demo_db) -> None:
    with duckdb.connect(str(demo_db), read_only=True) as con:
        data = pdf.portrait_pdf(con, "QN07102I", generated_on=dt.date(2026, 12, 1))
    text = plain_spaces(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages))
    text = " ".join(text.split())
    assert [c[:len(ANNEXES) + len(PRODUCER) + 2] for c in _cited(text)] == [f"{ANNEXES}, {PRODUCER}"]
    assert "Attribution », Le Grand Chalon" not in text
