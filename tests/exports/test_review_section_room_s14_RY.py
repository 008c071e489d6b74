"""A review section without a table needs only the room of its heading and note (issue 11, RY's
page review: Grand Chalon's mandate with its 2024 review left 6 cm blank at the foot of a page, each
section asking 60 mm before its heading even when it is a heading and one sentence, and sent five
such sections to the next page). A section with a table still starts where its first rows fit.
Documents are built by code and read back with pdftotext."""
from __future__ import annotations

import datetime as dt
import io
import subprocess
from types import SimpleNamespace

import pandas as pd
from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from indicators.fmt import plain_spaces
from indicators.review import ReviewSection
from reports import pdf


class Block(Flowable):
    """Something `height` points tall that prints nothing."""

    def __init__(self, height: float) -> None:
        super().__init__()
        self.height = height

    def wrap(self, avail_w, avail_h):
        return avail_w, self.height

    def draw(self) -> None:
        pass


def _pages(con, sections, room: float) -> list[list[str]]:
    """The lines of each page of the sections laid out after a block leaving `room` on page 1."""
    st = pdf.styles()
    frame_h = pdf._Doc(io.BytesIO(), title="t", with_toc=False).pageTemplates[0].frames[0]._height
    story = [Block(frame_h - room)] + pdf._review_flowables(con, SimpleNamespace(slug="cv"), 2024, st,
                                                            st.h2, sections=sections)
    data = pdf._build(story, pdf.PageInfo(footer="Revue annuelle 2024", fictional=False,
                                          generated_on=dt.date(2026, 3, 5)), title="Revue")
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()
    return [[line for line in plain_spaces(p).splitlines() if line.strip()] for p in text.split("\f")[:-1]]


SHORT = [ReviewSection("cia", "Attributions de logements sociaux (CIA)", pd.DataFrame(),
                       "Aucun résultat d'attribution (CIA) n'est connu pour 2024."),
         ReviewSection("people", "Personnes touchées et part en QPV", pd.DataFrame(),
                       "Aucune personne touchée n'est saisie pour 2024.")]
TABLE = ReviewSection("signatories", "Signataires et autres acteurs",
                      pd.DataFrame({"Nom": ["Ville de Test", "Agglomération de Test"],
                                    "Rôle": ["signataire", "signataire"]}), "2 signataires.")


def test_sections_without_a_table_stay_where_their_heading_and_note_fit(tmp_path) -> None:
    from etl.db import create_empty
    con = create_empty(tmp_path / "review.duckdb")
    # 40 mm left: both short sections (heading and note) fit there; they printed on page 2.
    assert _pages(con, SHORT, 40 * mm) == [[
        "Attributions de logements sociaux (CIA)",
        "Aucun résultat d'attribution (CIA) n'est connu pour 2024.",
        "Personnes touchées et part en QPV",
        "Aucune personne touchée n'est saisie pour 2024.",
        "Revue annuelle 2024", "page 1 / 1"]]
    # A section with a table still asks for room for its first rows (60 mm) before its heading.
    assert _pages(con, [SHORT[0], TABLE], 40 * mm) == [
        ["Attributions de logements sociaux (CIA)",
         "Aucun résultat d'attribution (CIA) n'est connu pour 2024.",
         "Revue annuelle 2024", "page 1 / 2"],
        ["Signataires et autres acteurs", "2 signataires.", "Nom", "Rôle", "Ville de Test", "signataire",
         "Agglomération de Test", "signataire", "Revue annuelle 2024", "page 2 / 2"]]
    con.close()
