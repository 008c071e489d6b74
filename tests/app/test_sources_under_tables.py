"""Every table of a page says where its figures come from, right under it (issue 11: « sources
shown for every figure »): the element that follows a table is its source line."""
from __future__ import annotations

import html

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown


def _after(at, column: str) -> str:
    """The text of the element right after the table with `column` in the main column."""
    flat = []

    def walk(node) -> None:
        kind = getattr(node, "type", None)
        if kind in ("dataframe", "markdown", "caption"):
            flat.append(node)
            return
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    i = next(i for i, e in enumerate(flat) if e.type == "dataframe" and column in e.value.columns)
    after = flat[i + 1] if i + 1 < len(flat) else None
    # Ordinary spaces for the no-break ones of French typography (components.source_line).
    return "" if after is None or after.type == "dataframe" else plain_spaces(html.unescape(shown(after.value)))


# The funding's short line, the whole text behind « Source complète »: the same under every chart
# and table of the home and programme pages (the tables printed the whole text, the charts the short).
FUNDING = ('<div class="qpv-source qpv-more" title="Source : financements saisis par l\'équipe du '
           'contrat (modèle de programme), d\'après « Bilan annuel du contrat de ville 2025 (document '
           'fictif) » (CA Val-de-Lorne, fictive, 10 février 2026)">Source : financements saisis '
           'd\'après Bilan annuel du contrat de ville 2025 — CA Val-de-Lorne (fictive), 2026</div>')


def test_mandate_tables_of_the_demo_name_their_source(demo_db) -> None:
    at = run_page("mandat", territoire="demo")
    assert not at.exception
    # The leverage table credits the funding as the funder chart above it does: the same short
    # line, the whole text behind « Source complète » (it read the whole text, the chart the short).
    assert _after(at, "Financeur") == FUNDING
    lines = [plain_spaces(html.unescape(shown(m.value))) for m in at.markdown
             if m.value.startswith('<div class="qpv-source')]
    assert lines.count(FUNDING) == 2      # under the chart and under the table
    # The projects name the documents the actions were typed from (s14-RN), short, whole behind.
    assert '<div class="qpv-source qpv-more" title="Source : actions saisies par l\'équipe du ' \
           'contrat (modèle de programme), d\'après « Bilan annuel du contrat de ville 2025 ' \
           '(document fictif) » (CA Val-de-Lorne, fictive, 10 février 2026)">Source : actions ' \
           'saisies d\'après Bilan annuel du contrat de ville 2025 — CA Val-de-Lorne (fictive), ' \
           '2026</div>' == _after(at, "Nouveaux")


def test_a_leverage_table_without_computed_figures_has_no_funding_source(demo_db) -> None:
    # Chambéry publishes its leverage but enters no funding: the table's published column has
    # its own source column, and no line credits figures that were not computed.
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    assert "financements saisis" not in _after(at, "Financeur")


PEOPLE = ('<div class="qpv-source">Source : listes de participants saisies par l\'équipe du contrat '
          '(modèle de programme)</div>')


def test_programme_tables_of_the_demo_name_their_source(demo_db) -> None:
    at = run_page("programmes", territoire="demo")
    assert not at.exception
    # CPO, poverty pockets, by priority issue, by quartier, people reached, their QPV share, actions.
    columns = ["Conventions État (P147)", "Crédits P147 du contrat", "Enjeu prioritaire",
               "Montant (partagé à parts égales)", "Personnes", "dont résidant en QPV", "Porteur"]
    assert [_after(at, c) for c in columns] == [FUNDING] * 4 + [PEOPLE] * 2 + [ACTIONS_FUNDING]
    lines = [plain_spaces(html.unescape(shown(m.value))) for m in at.markdown
             if m.value.startswith('<div class="qpv-source')]
    assert lines.count(FUNDING) == 5      # the chart by year and its four tables of amounts


# The list of actions: its rows are the actions, its amounts the funding lines, both typed from the
# same document in the demo (s15-ZC: it credited the funding alone, the home page the actions).
ACTIONS_FUNDING = FUNDING.replace("financements saisis", "actions et financements saisis")


def test_the_first_common_law_tables_of_the_demo_name_their_source(demo_db) -> None:
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    # The schemes' line names the document its annex belongs to (s14-RW), the whole in its title
    # (read here with plain spaces: a date in words keeps its no-break spaces).
    head = ("Source : dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du "
            "contrat (modèle de programme), d'après ")
    whole = (head + "Contrat de ville Val-de-Lorne 2024–2030 (document fictif, CA Val-de-Lorne, fictive, "
             "15 mars 2024) — annexe 4, droit commun mobilisable (fictive)")
    assert [plain_spaces(html.unescape(_after(at, column)))
            for column in ("Programme 147 (€)", "Dispositifs mobilisables")] == [
        # Both parts name their documents (s15-RV), the common law as its own tables cite it
        # (s15-RW), short, the whole behind « Source complète ».
        '<div class="qpv-source qpv-more" title="Source : programme 147 : financements saisis par '
        'l\'équipe du contrat (modèle de programme), d\'après « Bilan annuel du contrat de ville 2025 '
        '(document fictif) » (CA Val-de-Lorne, fictive, 10 février 2026) ; droit commun : '
        + whole.removeprefix("Source : ") + '">Source : programme 147 : financements saisis d\'après '
        'Bilan annuel du contrat de ville 2025 — CA Val-de-Lorne (fictive), 2026 ; droit commun : '
        'd\'après Contrat de ville Val-de-Lorne 2024–2030 — CA Val-de-Lorne (fictive), 2024</div>',
        f'<div class="qpv-source qpv-more" title="{whole}">{head}Contrat de '
        'ville Val-de-Lorne 2024–2030 — CA Val-de-Lorne (fictive), 2024</div>']
