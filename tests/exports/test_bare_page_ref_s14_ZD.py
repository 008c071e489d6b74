"""A figure's reference that is only a page (« p. 4 ») names its document (issue 11, last look at
the PDFs): the demo portrait's sources read « [10] Compas – ABS 2022 (fictif) — p. 4 » and
« [13] Bailleurs – enquête OPS 2022 (fictif) — p. 4 », a page of a document they did not name
(the values' document is « Portraits de quartiers de Val-de-Lorne »). reports.pdf.SourceRefs.ref
now gives a bare locator (« p. 4 », « pp. 3-4 », « annexe 3 », « § 2 ») its document's title;
a reference naming its place (« Annexe 2 – Portraits de quartiers (p. 24 s.), … ») is unchanged."""
from __future__ import annotations

from reports import pdf

DOCS = {"portraits": ("Portraits de quartiers de Lorne (document fictif)", "Ville (fictive)",
                      "2023-10-05", None),
        "annexes": ("Contrat de ville – Annexes", "Agglo", "2024-03-01", None)}


def test_a_bare_page_names_its_document() -> None:
    refs = pdf.SourceRefs(DOCS)
    numbers = [
        refs.ref("Fictif : INSEE, recensement de la population, 2020", None),
        refs.ref("Fictif : Compas – ABS 2022 (fictif)", "p. 4", "portraits"),
        refs.ref("Fictif : Bailleurs – enquête OPS 2022 (fictif)", "pp. 3-4", "portraits"),
        refs.ref("Données Compas – ABS 2022", "Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins",
                 "annexes"),
        refs.ref("Données Compas – ABS 2022", "annexe 3", "annexes"),
        # The label is the document already: its page alone.
        refs.ref("Portraits de quartiers de Lorne (document fictif)", "p. 8", "portraits"),
        # No document known: as typed.
        refs.ref("Insee 2019", "p. 4"),
        # The same figure cited again keeps its number.
        refs.ref("Fictif : Compas – ABS 2022 (fictif)", "p. 4", "portraits"),
    ]
    assert numbers == [1, 2, 3, 4, 5, 6, 7, 2]
    assert refs.lines() == [
        "Données fictives de démonstration :",
        "[1] recensement de la population, 2020",
        "[2] Compas – ABS 2022 (fictif) — Portraits de quartiers de Lorne (document fictif), p. 4",
        "[3] Bailleurs – enquête OPS 2022 (fictif) — Portraits de quartiers de Lorne (document fictif), pp. 3-4",
        "Données Compas – ABS 2022 :",
        "[4] Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins",
        "[5] Contrat de ville – Annexes, annexe 3",
        "[6] Portraits de quartiers de Lorne (document fictif) — p. 8",
        "[7] Insee 2019 — p. 4",
    ]


def test_a_portrait_names_the_document_of_a_bare_page(report_db_path, tmp_path) -> None:
    """End to end: a demo QPV's figure typed from a document at « p. 4 »: the portrait's sources
    list names the document, and the number in the table is that line's."""
    import re
    import shutil
    import subprocess

    import duckdb

    from indicators.fmt import plain_spaces
    from tests.exports.conftest import SRC_DEMO

    path = tmp_path / "page.duckdb"
    shutil.copy(report_db_path, path)
    with duckdb.connect(str(path)) as con:
        con.execute("insert into documents (contract_slug, document_id, title, producer, published_on, source_id)"
                    " values ('demo', 'portraits', 'Portraits de quartiers de Démo (document fictif)',"
                    " 'Agglomération de Démo (fictive)', '2023-10-05', ?)", [SRC_DEMO])
        con.execute("insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,"
                    " status, origin, source_note, document_id, source_ref, source_id) values"
                    " ('QN09901N', 'qpv', 'minors_vulnerability_index_pct', 2022, 46.5, 'ok', 'published',"
                    " 'Compas – ABS 2022 (fictif)', 'portraits', 'p. 4', ?)", [SRC_DEMO])
    with duckdb.connect(str(path), read_only=True) as con:
        data = pdf.portrait_pdf(con, "QN09901N", charts=False)
    text = plain_spaces(subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data,
                                       capture_output=True, check=True).stdout.decode())
    flat = " ".join(text.split())
    assert re.findall(r"\(fictif\) — p\. \d", flat) == []
    line = re.search(r"\[(\d+)\] Compas – ABS 2022 \(fictif\) — Portraits de quartiers de Démo "
                     r"\(document fictif\), p\. 4", flat)
    assert line is not None
    assert re.search(r"Indice de vulnérabilité des mineurs 46,5 % 2022 — — — \[" + line.group(1) + r"\]", flat)
