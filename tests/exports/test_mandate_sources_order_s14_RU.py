"""A numbered list of sources reads 1, 2, 3… (issue 11, visual review s14-RU: Chambéry's « Les
chiffres du mandat » listed [1]…[6], [8]…[13], then [7]: numbers followed the table while the list
grouped the sections of one document)."""
from __future__ import annotations

from reports import pdf


def test_the_list_of_sources_is_numbered_in_the_order_it_prints() -> None:
    refs = pdf.SourceRefs()
    for label in ("Doc A — § 1", "Doc B", "Doc A — § 2", "Insee 2019", "Doc A — § 3", "Doc C"):
        refs.ref(label)
    refs = refs.in_print_order()
    assert [refs.ref(label) for label in ("Doc A — § 1", "Doc B", "Doc A — § 2", "Insee 2019",
                                          "Doc A — § 3", "Doc C")] == [1, 4, 2, 5, 3, 6]
    assert refs.lines() == ["Doc A :", "[1] § 1", "[2] § 2", "[3] § 3", "[4] Doc B",
                            "[5] Insee 2019", "[6] Doc C"]


def test_the_mandate_figures_and_their_list_agree_and_read_in_order(report_db_path, tmp_path) -> None:
    """Four figures from two sections of one document, one from another document, one from the
    first section again: the table reads [1] [2] [3] [1] [4]… in the list's order."""
    import shutil
    from types import SimpleNamespace

    import duckdb
    from reportlab.platypus import Paragraph, Table

    from tests.exports.conftest import Factory
    db = tmp_path / "report.duckdb"
    shutil.copy(report_db_path, db)
    with duckdb.connect(str(db)) as con:
        f = Factory(con)
        f.insert("contracts", contract_slug="lv", contract_name="Contrat de ville de Lorneville",
                 period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
        f.insert("documents", contract_slug="lv", document_id="bilan", title="Bilan du mandat",
                 producer="Ville de Lorneville", published_on="2026")
        f.insert("documents", contract_slug="lv", document_id="cite", title="La Cité éducative",
                 producer="Ville de Lorneville", published_on="2025")
        for i, (label, doc, ref) in enumerate([("Projets", "bilan", "§ Moyens"),
                                               ("Crédits", "cite", "encadré"),
                                               ("Droits", "bilan", "§ Accès aux droits"),
                                               ("Familles", "bilan", "§ Moyens")]):
            f.insert("kpi_definitions", contract_slug="lv", kpi_id=f"k{i}", label=label,
                     unit="personnes", cumulation="none", higher_is_better=True)
            f.insert("kpi_values", contract_slug="lv", kpi_id=f"k{i}", year=2025, value=10 + i,
                     status="ok", is_published=True, document_id=doc, source_ref=ref)
        flow = pdf._section_chiffres(con, SimpleNamespace(slug="lv"), pdf.styles())
    table = next(x for x in flow if isinstance(x, Table))
    rows = [[c.getPlainText() for c in row] for row in table._cellvalues[1:]]
    assert [(r[0], r[-1]) for r in rows] == [("Projets", "[1]"), ("Crédits", "[3]"),
                                             ("Droits", "[2]"), ("Familles", "[1]")]
    def paragraphs(items):
        for x in items:
            if isinstance(x, Paragraph):
                yield x.getPlainText()
            for inner in ("_content", "_flowables", "content"):
                if isinstance(getattr(x, inner, None), (list, tuple)):
                    yield from paragraphs(getattr(x, inner))
    lines = list(paragraphs(flow))
    start = lines.index("Sources")
    assert lines[start:start + 5] == [
        "Sources", "Bilan du mandat (Ville de Lorneville, 2026)\u00a0:", "[1] § Moyens",
        "[2] § Accès aux droits", "[3] La Cité éducative (Ville de Lorneville, 2025) — encadré"]
