"""Issue 11, review of the demo's and Grand Chalon's screenshots (session 11): what they showed,
asserted on small data built by code and on the pages of the demo database (AppTest)."""
from __future__ import annotations

import re

from indicators.fmt import plain_spaces
from indicators.portrait import QualItem, Qualitative
from tests.app.test_pages import run_page
from ui import views

NB = "\u00a0"


# ── The portrait's issues and residents' words: the short source line, the whole behind its toggle ─

def test_qualitative_blocks_carry_the_short_line_beside_the_whole_source() -> None:
    issue = QualItem("priority_issue", "Emploi", 1, "Lever les freins à l'emploi", "d1",
                     "Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins",
                     "Contrat de ville 2024-2030 – Annexes (annexe 2 « Portraits » ; annexe 7 « CIA »)",
                     "Ville de Lorneville, Préfet du Loiret", "2024-03-01")
    said = QualItem("verbatim", None, 1, "« On s'y sent bien »", "d2", None,
                    "Portraits de quartiers", None, None)
    sections = views.qualitative_sections(Qualitative(priority_issues=(issue,), verbatims=(said,)))
    assert sections == [
        ("Enjeux prioritaires", [(
            "Emploi", ["Lever les freins à l'emploi"],
            "Contrat de ville 2024-2030 – Annexes (annexe 2 « Portraits » ; annexe 7 « CIA »), "
            f"Ville de Lorneville, Préfet du Loiret, 1er{NB}mars{NB}2024 – Annexe 2 – Portraits de "
            "quartiers (p. 24 s.), portrait des Aubépins",
            "Contrat de ville 2024-2030 – Annexes, Annexe 2 – Portraits de quartiers — "
            "Ville de Lorneville, Préfet du Loiret, 2024")]),
        # No producer, no date: the whole line says so, the short one gives no year (none given).
        ("Paroles d'habitants", [(
            None, ["« On s'y sent bien »"],
            "Portraits de quartiers (producteur non précisé)", "Portraits de quartiers")]),
    ]


def _qualitative_source_lines(at) -> list[str]:
    """The cut source lines of a page (its head shown, the whole behind a toggle), as read."""
    lines = []
    for t in (m.value for m in at.markdown):
        found = re.fullmatch(r'<div class="qpv-source qpv-more" title="[^"]*">(.*)</div>', t)
        if found:
            lines.append(plain_spaces(found.group(1)).replace("&#x27;", "'"))
    return lines


def test_grand_chalon_portrait_cites_its_issues_by_the_short_line(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07101I")
    assert not at.exception
    headers = [h.value for h in at.header]
    assert "Enjeux et parole des habitants" in headers
    short = ("Source : Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de "
             "quartiers — Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire")
    qualitative = [line for line in _qualitative_source_lines(at) if line == short
                   or "annexe 7" in line]
    # One short line per block (3 issues' themes, strengths, weaknesses, 4 consultation blocks),
    # never the document's whole title with its list of annexes.
    assert qualitative == [short] * 9
