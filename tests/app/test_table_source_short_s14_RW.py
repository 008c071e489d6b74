"""Issue 11 (final review of Grand Chalon): the comparison's table and the map's table showed
their values' whole credit (« Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers
2030 – Annexes, Annexe 2 – Portraits de quartiers (d'après Insee 2019) ») with no « Source
complète » toggle, where every other figure shows its short line (document, section — producer,
year) and the whole behind the toggle. Both tables now say their values' short credits as a
chart's line does."""
from __future__ import annotations

import html

from tests.app.test_review_sources import run_page, small_db_with, source_lines

TITLE = ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes "
         "(annexe 2 « Portraits de quartiers » ; annexe 7 « Convention Intercommunale d'Attribution »)")
SECTION = "Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins"
FULL = ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes, "
        "Annexe 2 – Portraits de quartiers (d'après Insee 2019)")
SHORT = "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de… (d'après Insee 2019)"


def annexed_db(tmp_path, monkeypatch):
    """The small database, Grand Chalon's medians typed from its contract's annexes (a document
    with a long title, its producers, a section)."""
    return small_db_with(
        tmp_path, monkeypatch, "annexed.duckdb",
        "insert into documents (contract_slug, document_id, title, producer, published_on, url,"
        f" licence, source_id) values ('grand-chalon', 'annexes', '{TITLE.replace(chr(39), chr(39) * 2)}',"
        " 'Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire', null, null, null,"
        " 'src_chalon')",
        f"update indicator_facts set document_id = 'annexes', source_ref = '{SECTION}'"
        " where source_id = 'src_chalon'")


def shown(at) -> list[str]:
    return [html.unescape(t) for t in source_lines(at)]


def test_the_comparison_table_shows_its_short_credit_and_the_whole_behind_the_toggle(
        tmp_path, monkeypatch) -> None:
    annexed_db(tmp_path, monkeypatch)
    at = run_page("comparer", "grand-chalon")
    assert not at.exception
    assert at.multiselect(key="cmp_indicators").value == ["median_income_eur_month"]
    # The short line, then the whole credit behind « Source complète » (it was shown whole).
    assert shown(at) == ["Source : " + SHORT, "Source : " + FULL]
    assert [p.proto.popover.label for p in at.get("popover")] == ["Source complète"]


def test_the_map_table_shows_its_short_credit_and_the_whole_behind_the_toggle(
        tmp_path, monkeypatch) -> None:
    annexed_db(tmp_path, monkeypatch)
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    tail = " · données 2019 · géographie prioritaire 2024"
    assert shown(at) == [f"Source : {SHORT}{tail}", f"Source : {FULL}{tail}"]
    assert [p.proto.popover.label for p in at.get("popover")] == ["Source complète"]


def test_a_short_credit_is_shown_whole(small_db) -> None:
    # A file's credit has no shorter wording: the line is the whole credit, without a toggle.
    at = run_page("carte", "grand-chalon", indicateur="median_income_eur_month")
    assert not at.exception
    assert shown(at) == ["Source : Insee 2019 · données 2019 · géographie prioritaire 2024"]
    assert not at.get("popover")
