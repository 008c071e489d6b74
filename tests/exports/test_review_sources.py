"""Issue 11, leftovers of the page-by-page review of the PDFs: the annual review credits every
table under it (the gap table, « Publiés pour la commune seulement » and the steering committee
printed no source line) and its sources page lists only the documents and files whose figures it
shows (it listed every document of the contract). Small data built by code."""
from __future__ import annotations

import datetime as dt
import subprocess
from datetime import datetime

from etl.db import create_empty
from indicators import review
from reports import pdf
from tests.exports.conftest import SRC_INSEE, Factory

SRC_SSMSI = "src_ssmsi0000001"
DATE = dt.date(2026, 3, 1)


def _text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _review_db(path):
    """Contract `cv`: programme rows of 2025 typed from the 2025 review (« bilan »), one of 2024 from
    the 2024 one, a steering committee from the contract (« cdv », two rubriques of its annex 6),
    a QPV list declared but cited by no figure; a poverty rate of the QPV and of its commune in
    2019 and 2021 (INSEE file) and a commune-only crime rate (SSMSI file)."""
    con = create_empty(path)
    f = Factory(con)
    con.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, rows_read,"
                " loaded_at, is_fictional) values (?, 'ssmsi', 'SSMSI', 'Délinquance enregistrée par commune',"
                " '2023', 'ssmsi.csv', 'x', 1, ?, false)", [SRC_SSMSI, datetime(2026, 1, 1)])
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    for doc, title, producer, date in (
            ("bilan", "Bilan du contrat de ville 2025", "Ville de Test", "2026-02-10"),
            ("bilan24", "Bilan du contrat de ville 2024", "Ville de Test", "2025"),
            ("cdv", "Contrat de ville de Test 2024–2030 (annexes)", "Agglomération de Test", "2024"),
            ("qpv-list", "Liste des quartiers prioritaires 2024", "ANCT", "2023")):
        f.insert("documents", contract_slug="cv", document_id=doc, title=title, producer=producer,
                 published_on=date)
    f.insert("programme_actions", contract_slug="cv", action_id="A", year=2025, title="Médiation",
             document_id="bilan", source_ref="§ « Projets », « Médiation »")
    f.insert("programme_funding", contract_slug="cv", action_id="A", year=2025, funder="ville",
             amount_eur=1000, document_id="bilan", source_ref="§ « Projets », « Médiation »")
    f.insert("programme_actions", contract_slug="cv", action_id="B", year=2024, title="Action 2024",
             document_id="bilan24", source_ref="tableau 1")
    for n, (college, member) in enumerate((("Pilotes", "Le préfet"), ("Élus", "La maire")), 1):
        f.insert("review_committee", contract_slug="cv", college=college, organisation="Agglo", member=member,
                 position=n, document_id="cdv", source_ref=f"Annexe 6 (p. 60 s.), rubrique « {college} »")
    f.territory("200000001", "epci", "CA de Test", contract="cv")
    f.territory("99001", "commune", "Testville", parents=[("200000001", "epci")], contract="cv")
    f.territory("QN09999A", "qpv", "Les Pins", 2024, [("99001", "commune")], "cv", population=2000)
    for code, level, values in (("QN09999A", "qpv", (40.0, 38.0)), ("99001", "commune", (20.0, 21.0))):
        for year, value in zip((2019, 2021), values):
            f.fact(code, level, "poverty_rate_pct", year, value, source_id=SRC_INSEE)
    f.fact("99001", "commune", "crime_assault_per_1000", 2023, 9.5, source_id=SRC_SSMSI)
    return con


def test_each_review_table_has_its_short_source_line(tmp_path) -> None:
    con = _review_db(tmp_path / "r.duckdb")
    sections = {s.key: s for s in review.review_sections(con, "cv", 2025)}
    credits = {k: pdf.review_section_credit(con, "cv", s, 2025) for k, s in sections.items()}
    assert credits == {
        "programme": "Source : Bilan du contrat de ville 2025, § « Projets » — Ville de Test, 2026",
        "credits": None, "droit_commun": None, "manquants": None, "tfpb": None, "cia": None,
        "personnes": None, "personnes_actions": None, "signataires": None,
        # The gaps: the quartier's and the commune's values of 2019 and 2021, from one file.
        "ecarts": "Source : INSEE, Revenus et pauvreté des QPV (Filosofi), 2019",
        "communes": "Source : SSMSI, Délinquance enregistrée par commune, 2023",
        # Two rubriques of one annex: the section they share.
        "comite": "Source : Contrat de ville de Test 2024–2030, Annexe 6 — Agglomération de Test, 2024",
    }
    con.close()


def test_the_review_pdf_prints_the_source_lines_and_lists_only_what_it_shows(tmp_path) -> None:
    con = _review_db(tmp_path / "r.duckdb")
    text = _text(pdf.review_pdf(con, "cv", 2025, generated_on=DATE))
    assert ("réduit Source : INSEE, Revenus et pauvreté des QPV (Filosofi), 2019 "
            "Publiés pour la commune seulement") in text
    assert "9,5 pour 1 000 habitants Source : SSMSI, Délinquance enregistrée par commune, 2023 Signataires" in text
    assert ("La maire Source : Contrat de ville de Test 2024–2030, Annexe 6 — "
            "Agglomération de Test, 2024") in text
    # Neither the 2024 review (another year's rows) nor the QPV list (no figure) is a source.
    sources = text[text.rindex("Sources Documents"):]
    assert sources == (
        "Sources Documents "
        "• Contrat de ville de Test 2024–2030 (annexes) — Agglomération de Test, 2024 "
        "• Bilan du contrat de ville 2025 — Ville de Test, 2026 "
        "Données statistiques "
        "• INSEE — Revenus et pauvreté des QPV (Filosofi) (2019) "
        "• SSMSI — Délinquance enregistrée par commune (2023) "
        "Les fichiers chargés (noms, dates de chargement, empreintes) sont listés sur la page "
        "« Données et méthode » de l'application. "
        "Revue annuelle 2025 — Contrat de ville de Test · produit le 1er mars 2026 page 4 / 4")
    con.close()


def test_a_review_showing_no_figure_cites_no_source(tmp_path) -> None:
    con = _review_db(tmp_path / "r.duckdb")
    con.execute("update contracts set contract_slug = 'vide' where contract_slug = 'cv'")
    con.execute("update documents set contract_slug = 'vide'")
    text = _text(pdf.review_pdf(con, "vide", 2025, generated_on=DATE))
    assert text[text.rindex("Sources "):].startswith(
        "Sources Ce document ne montre aucun chiffre : il ne cite aucune source. Revue annuelle 2025")
    con.close()


def _parts_text(table, height: float) -> list[list[list[str]]]:
    """The rows (cell texts) of each part of `table` split into pages of `height`."""
    out = []
    while True:
        table.wrap(pdf.CONTENT_W, height)
        parts = table.split(pdf.CONTENT_W, height) if table._height > height else [table]
        out.append([[pdf._cell_text(c) for c in row] for row in parts[0]._cellvalues])
        if len(parts) == 1:
            return out
        table = parts[1]


def test_a_group_continued_on_a_new_page_names_its_pillar_and_signatory_again() -> None:
    import pandas as pd
    rows = ([("Emploi", "DDETS", f"Dispositif {i}") for i in range(10)]
            + [("Emploi", "Région", f"Dispositif {i}") for i in range(10, 25)]
            + [("Santé", "ARS", f"Dispositif {i}") for i in range(25, 30)])
    table = pdf._review_table(pd.DataFrame(rows, columns=["Pilier", "Signataire", "Dispositif"]),
                              pdf.styles(), group=2)
    table.wrap(pdf.CONTENT_W, 10_000)
    header_h, row_h = table._rowHeights[0], table._rowHeights[1]
    assert set(table._rowHeights[1:]) == {row_h}           # one line a row: ten rows a page
    parts = _parts_text(table, header_h + 10 * row_h + 0.5)

    def body(first: int, last: int, top: tuple[str, str]) -> list[list[str]]:
        out = []
        for i in range(first, last):
            pillar, signatory, scheme = rows[i]
            if i == first:
                out.append([top[0], top[1], scheme])
            else:
                prev = rows[i - 1]
                same_pillar = prev[0] == pillar
                out.append(["" if same_pillar else pillar,
                            "" if same_pillar and prev[1] == signatory else signatory, scheme])
        return out

    header = ["Pilier", "Signataire", "Dispositif"]
    assert parts == [
        [header, *body(0, 10, ("Emploi", "DDETS"))],
        # A new signatory at the top of a page: the pillar is continued, the signatory starts.
        [header, *body(10, 20, ("Emploi (suite)", "Région"))],
        [header, *body(20, 25, ("Emploi (suite)", "Région (suite)")), *body(25, 30, ("Santé", "ARS"))],
    ]


def test_a_source_line_never_opens_a_page_alone() -> None:
    """The table fits at the foot of its page, its source line does not: its last rows go to
    the next page with the line (and the group they continue is named again)."""
    import io
    import pandas as pd
    import pypdf
    from reportlab.lib.units import mm
    from reportlab.platypus import Spacer
    st = pdf.styles()
    rows = [("Emploi", "DDETS", f"Dispositif {i}") for i in range(12)]
    table = pdf._review_table(pd.DataFrame(rows, columns=["Pilier", "Signataire", "Dispositif"]), st, group=2)
    story = pdf._credited(table, "Source : Contrat de ville de Test, annexe 4 — Agglomération de Test, 2024", st)
    height = table.wrap(pdf.CONTENT_W, 10_000)[1]
    frame_h = pdf.PAGE_H - 31 * mm
    data = pdf._build([Spacer(1, frame_h - height - 1), *story],
                      pdf.PageInfo(footer="Test", fictional=False, generated_on=dt.date(2026, 3, 1)), title="t")
    pages = [" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]
    assert pages == [
        "Pilier Signataire Dispositif Emploi DDETS Dispositif 0 " + " ".join(f"Dispositif {i}" for i in range(1, 9))
        + " Test page 1 / 2",
        "Pilier Signataire Dispositif Emploi (suite) DDETS (suite) Dispositif 9 Dispositif 10 Dispositif 11 "
        "Source : Contrat de ville de Test, annexe 4 — Agglomération de Test, 2024 Test page 2 / 2"]


def test_a_continued_label_never_puts_two_brackets_side_by_side() -> None:
    # The gap table's « Taux de pauvreté (seuil à 60 %) » continued on a new page read
    # « Taux de pauvreté (seuil à 60 %) (suite) ».
    assert [pdf.continued(x) for x in ("Emploi", "Taux de pauvreté (seuil à 60 %)", "DDETS ")] == [
        "Emploi (suite)", "Taux de pauvreté (seuil à 60 %, suite)", "DDETS (suite)"]
