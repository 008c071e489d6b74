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
            # Within sources.SHORT_LINE: document and section kept, the producer left out.
            "Contrat de ville 2024-2030 – Annexes, Annexe 2 – Portraits de quartiers, 2024")]),
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
    short = "Source : Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de quartiers"
    qualitative = [line for line in _qualitative_source_lines(at) if line == short
                   or "annexe 7" in line]
    # One short line per block (3 issues' themes, strengths, weaknesses, 4 consultation blocks),
    # never the document's whole title with its list of annexes.
    assert qualitative == [short] * 9


# ── Items without a heading one after the other: one list, one source line under it ─────────────

def test_headless_groups_in_a_row_read_as_one_list_with_one_source() -> None:
    def issue(theme, position, text):
        return QualItem("priority_issue", theme, position, text, "d1", "Annexe 2",
                        "Contrat de ville", "Ville de Lorneville", "2024-03-01")
    items = (issue("Précarité et Santé", 1, "Lutter contre l'isolement"),
             issue("Parentalité et enjeux éducatifs", 2, "Parentalité et enjeux éducatifs"),
             issue("Emploi-Insertion-Formation", 3, "Emploi-Insertion-Formation"),
             issue("Éducation", 4, "Accompagner les parents"),
             issue(None, 5, "Sport pour tous"))
    whole = f"Contrat de ville (Ville de Lorneville, 1er{NB}mars{NB}2024) – Annexe 2"
    short = "Contrat de ville, Annexe 2 — Ville de Lorneville, 2024"
    assert views.qualitative_sections(Qualitative(priority_issues=items)) == [
        ("Enjeux prioritaires", [
            ("Précarité et Santé", ["Lutter contre l'isolement"], whole, short),
            # Each repeats its own theme (no heading): two in a row are one list.
            (None, ["Parentalité et enjeux éducatifs", "Emploi-Insertion-Formation"], whole, short),
            ("Éducation", ["Accompagner les parents"], whole, short),
            (None, ["Sport pour tous"], whole, short)])]


def test_pres_saint_jean_issues_without_heading_are_cited_once(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07102I")
    assert not at.exception
    short = "Source : Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de quartiers"
    lines = [line for line in _qualitative_source_lines(at) if line == short or "annexe 7" in line]
    # Issues: 2 themes + 1 list of the two that repeat their theme; strengths, weaknesses,
    # 3 consultation blocks; the note on families.
    assert lines == [short] * 9
    bullets = [m.value for m in at.markdown if "Parentalité et enjeux éducatifs" in m.value]
    assert bullets == ["- Parentalité et enjeux éducatifs\n- Emploi\\-Insertion\\-Formation et entrepreneuriat"]


# ── A cell without a value reads « — », never Streamlit's English « None » ─────────────────────

def test_a_table_cell_without_a_value_reads_a_dash() -> None:
    import pandas as pd

    from ui import components
    frame = pd.DataFrame({"Signataire": ["Banque des Territoires", "DDT"],
                          "Objectif": [float("nan"), "Accélérer la rénovation"],
                          "Dispositif": ["Prêts de long terme", "Fonds vert"]})
    assert components.fit_columns(frame)["placeholder"] == "—"
    # A column blank in every row is still left out, not filled with dashes.
    assert components.fit_columns(frame.assign(Objectif=float("nan")))["column_order"] == [
        "Signataire", "Dispositif"]


def test_cia_rows_without_a_target_read_a_dash(demo_db) -> None:
    at = run_page("logement", territoire="demo")
    assert not at.exception
    table = next(t for t in at.dataframe if "Cible" in t.value.columns)
    # The landlords' « ménages prioritaires » rows have no target and no note: « — », not NaN.
    assert table.value["Cible"].isna().sum() == 0
    assert (table.value["Cible"] == "—").sum() > 0
    assert table.proto.placeholder == "—"


def test_schemes_without_an_objective_read_a_dash(demo_db) -> None:
    at = run_page("droit_commun", territoire="grand-chalon")
    assert not at.exception
    tables = [t for t in at.dataframe if "Dispositif" in t.value.columns and "Objectif" in t.value.columns]
    empty = [t for t in tables if t.value["Objectif"].isna().any()]
    # The Banque des Territoires' schemes give no objective: the cell shows the placeholder.
    assert empty and all(t.proto.placeholder == "—" for t in tables)


# ── Poverty pockets without a national median: S to be typed, said once ───────────────────────

def test_pockets_page_says_once_that_s_is_to_be_typed(demo_db) -> None:
    at = run_page("poches", territoire="grand-chalon")
    assert not at.exception
    notes = [plain_spaces(i.value) for i in at.info]
    # One box: the method's limits with the missing median; no second note « Médiane nationale
    # du niveau de vie absente de la base : saisissez le seuil S. » under it.
    assert len(notes) == 1
    assert notes[0].count("médiane nationale") == 1
    assert "le seuil S ne peut pas être calculé, il est à saisir." in notes[0]
    assert at.text_input(key="pocket_threshold").proto.placeholder == "à saisir"
