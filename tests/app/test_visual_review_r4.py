"""Issue 11, the screenshots of Chambéry and Chartres métropole at 1440 and 390 px looked at one
by one: what they showed, fixed for every contract, checked with AppTest on the real demo
database (the seeds' territories included)."""
from __future__ import annotations

import ast
from pathlib import Path

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown

ROOT = Path(__file__).resolve().parents[2]


def test_the_review_shown_instead_names_its_quartier_with_de_contracted(demo_db) -> None:
    # Biollay - Bellevue has no review; the page showed « voici celui de Les Hauts De Chambéry ».
    at = run_page("bilan", territoire="chambery", qpv="QN07301M")
    assert not at.exception
    assert [plain_spaces(shown(i.value)) for i in at.info] == [
        "Aucun bilan n'est saisi pour Biollay - Bellevue ; voici celui des Hauts De Chambéry."]
    assert at.header[0].value == "Les Hauts De Chambéry"


def _multiselect_calls() -> list[tuple[str, ast.Call]]:
    calls = []
    for path in sorted([*(ROOT / "pages").glob("*.py"), *(ROOT / "ui").glob("*.py"), ROOT / "app.py"]):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "multiselect"):
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node))
    return calls


def test_every_multiselect_puts_its_chips_on_as_many_rows_as_needed() -> None:
    # One scrolling row of chips cut the second indicator of « Comparer les quartiers » at
    # 1440 px (« Rev… ») and at 390 px: every multiselect of the app wraps its chips.
    calls = _multiselect_calls()
    assert len(calls) >= 4
    unwrapped = [where for where, call in calls
                 if not any(k.arg == "wrap" and isinstance(k.value, ast.Constant) and k.value.value is True
                            for k in call.keywords)]
    assert unwrapped == []


def test_comparison_choices_wrap_on_the_page(demo_db) -> None:
    at = run_page("comparer", territoire="demo")
    assert not at.exception
    assert len(at.multiselect(key="cmp_indicators").value) >= 2     # the two chips of the shot
    assert {m.key: m.proto.wrap for m in at.multiselect} == {"cmp_indicators": True,
                                                             "cmp_communes": True}


def _source_divs(at) -> list[str]:
    return [m.value for m in at.markdown if 'class="qpv-source' in m.value]


def test_tile_sources_keep_french_quotes_and_colons_with_their_words(demo_db) -> None:
    # At 390 px a tile's source broke « … — § « / Une ambition renforcée … » and at 1440 px
    # « changé / » — Hauts de Chambéry »: the spaces inside « » and before « : » are no-break.
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    divs = _source_divs(at)
    assert len(divs) > 20
    nb = "\u00a0"
    assert shown(divs[0]) == (
        '<div class="qpv-source" title="Source' + nb + ': Politique de la ville – Les chiffres du mandat'
        f'{nb}: «{nb}Redonner toute leur place aux quartiers populaires et réduire concrètement les '
        f'inégalités{nb}» (Bilan du mandat municipal de Chambéry 2020-2026, auteur et date non '
        f'indiqués dans le texte) — Encadré «{nb}Les chiffres du mandat{nb}»{nb}; § «{nb}Une ambition '
        f'renforcée et des moyens inédits pour les quartiers{nb}»">Source{nb}: Politique de la ville{nb}– '
        # The short line within sources.SHORT_LINE: document and section, the producer behind.
        f'Les chiffres du mandat, Encadré «{nb}Les chiffres du mandat{nb}»</div>')
    for div in divs:
        text = shown(div)
        assert "« " not in text and " »" not in text and " :" not in text and " ;" not in text, div


def test_sidebar_names_a_long_contract_by_its_usual_name_in_brackets() -> None:
    # Chartres métropole's selector read « Agglomération chartraine… » on every page at 1440 px.
    from ui import views
    assert [views.short_name(n) for n in (
        "Contrat de ville de l'agglomération chartraine (Chartres métropole)",
        "Contrat de ville de Val-de-Lorne (fictif)",
        "Contrat de ville de l'agglomération de Chartres métropole et de ses communes (2024-2030)",
        "Contrat de ville de la communauté d'agglomération du Pays Voironnais (CA)",
        "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030")] == [
        "Chartres métropole", "Val-de-Lorne (fictif)", "Agglomération de Chartres…",
        "Communauté d'agglomération du…", "Grand Chalon 2024-2030"]
