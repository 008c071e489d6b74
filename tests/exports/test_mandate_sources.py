"""Issue 11, « sources as a reader reads them »: the mandate report's sources page lists the
documents and files credited by what the report shows (its chosen sections, its chosen QPVs),
no longer every document of the contract; the portrait PDF lists only what it cites. Small data
built by code (the review's database of tests/exports/test_review_sources.py, with a KPI, CIA
objectives, a quartier's review and a portrait's qualitative item added)."""
from __future__ import annotations

from reports import pdf
from tests.exports.conftest import SRC_DEMO, Factory
from tests.exports.test_review_sources import DATE, _review_db, _text

FILES_NOTE = ("Les fichiers chargés (noms, dates de chargement, empreintes) sont listés sur la page "
              "« Données et méthode » de l'application.")
FOOTER = "Rapport de mandat — Contrat de ville de Test · produit le 1er mars 2026"


def _mandate_db(path):
    """`_review_db`'s contract `cv` and: a KPI typed from the « Chiffres du mandat » document, CIA
    objectives from the CIA, a review of the quartier Les Pins from the 2024 review, a strength
    of Les Pins from the diagnosis; a document (« Étude non citée ») nothing shows."""
    con = _review_db(path)
    f = Factory(con)
    for doc, title, producer, date in (
            ("kpi", "Les chiffres du mandat", "Ville de Test", "2026"),
            ("cia", "Convention intercommunale d'attribution", "Agglomération de Test", "2022"),
            ("diag", "Diagnostic des Pins", "Ville de Test", "2023"),
            ("etude", "Étude non citée", "Cabinet", "2020")):
        f.insert("documents", contract_slug="cv", document_id=doc, title=title, producer=producer,
                 published_on=date)
    f.insert("kpi_definitions", contract_slug="cv", kpi_id="met", label="Habitants rencontrés",
             unit="personnes", cumulation="latest", higher_is_better=True)
    f.insert("kpi_values", contract_slug="cv", kpi_id="met", year=2025, value=1650, status="ok",
             is_published=True, document_id="kpi", source_ref="p. 3")
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0, document_id="cia", source_ref="article 3")
    for n, (item_type, text) in enumerate((("review_need", "Un besoin"), ("review_done", "Une action")), 1):
        f.insert("qualitative_items", contract_slug="cv", territory_code="QN09999A", item_type=item_type,
                 theme="Emploi", position=n, text=text, document_id="bilan24", source_ref="p. 4")
    f.insert("qualitative_items", contract_slug="cv", territory_code="QN09999A", item_type="strength",
             position=1, text="Un parc arboré", document_id="diag", source_ref="p. 9")
    return con


def _sources_page(data: bytes) -> str:
    text = _text(data)
    return text[text.rindex("Sources Documents" if "Sources Documents" in text else "Sources "):]


def test_a_mandate_report_with_one_section_lists_only_that_sections_sources(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    chiffres = _sources_page(pdf.mandate_pdf(con, "cv", ["chiffres"], generated_on=DATE, charts=False))
    assert chiffres == (f"Sources Documents • Les chiffres du mandat — Ville de Test, 2026 {FILES_NOTE} "
                        f"{FOOTER} page 4 / 4")
    logement = _sources_page(pdf.mandate_pdf(con, "cv", ["logement"], generated_on=DATE, charts=False))
    assert logement == ("Sources Documents • Convention intercommunale d'attribution — Agglomération de Test, "
                        f"2022 {FILES_NOTE} {FOOTER} page 4 / 4")
    # The programme's source line credits both reviews' rows (every year of the table).
    financements = _sources_page(pdf.mandate_pdf(con, "cv", ["financements"], generated_on=DATE, charts=False))
    assert financements == ("Sources Documents • Bilan du contrat de ville 2024 — Ville de Test, 2025 "
                            "• Bilan du contrat de ville 2025 — Ville de Test, 2026 "
                            f"{FILES_NOTE} {FOOTER} page 4 / 4")
    con.close()


def test_a_mandate_reports_portraits_and_reviews_cite_the_chosen_quartiers_sources(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    portraits = _sources_page(pdf.mandate_pdf(con, "cv", ["portraits"], generated_on=DATE, charts=False))
    # The poverty rates (INSEE file) and the strength of Les Pins (the diagnosis): not the SSMSI
    # file of the commune's crime rate, which the portrait does not show.
    assert portraits == (
        "Sources Documents • Diagnostic des Pins — Ville de Test, 2023 Données statistiques "
        f"• INSEE — Revenus et pauvreté des QPV (Filosofi) (2019) {FILES_NOTE} {FOOTER} page 4 / 4")
    bilans = _sources_page(pdf.mandate_pdf(con, "cv", ["bilans"], generated_on=DATE, charts=False))
    assert bilans == ("Sources Documents • Bilan du contrat de ville 2024 — Ville de Test, 2025 "
                      f"{FILES_NOTE} {FOOTER} page 4 / 4")
    con.close()


def test_a_mandate_report_with_its_default_sections_lists_what_they_all_show(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    text = _sources_page(pdf.mandate_pdf(con, "cv", review_year=2025, generated_on=DATE, charts=False))
    # Every document but the QPV list and the study, which no figure comes from.
    assert text == (
        "Sources Documents "
        "• Convention intercommunale d'attribution — Agglomération de Test, 2022 "
        "• Diagnostic des Pins — Ville de Test, 2023 "
        "• Contrat de ville de Test 2024–2030 (annexes) — Agglomération de Test, 2024 "
        "• Bilan du contrat de ville 2024 — Ville de Test, 2025 "
        "• Les chiffres du mandat — Ville de Test, 2026 "
        "• Bilan du contrat de ville 2025 — Ville de Test, 2026 "
        "Données statistiques "
        "• INSEE — Revenus et pauvreté des QPV (Filosofi) (2019) "
        "• SSMSI — Délinquance enregistrée par commune (2023) "
        f"{FILES_NOTE} {FOOTER} page 10 / 10")
    con.close()


def test_a_mandate_report_showing_no_figure_cites_no_source(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    con.execute("delete from qualitative_items where item_type like 'review_%'")
    text = _text(pdf.mandate_pdf(con, "cv", ["bilans"], generated_on=DATE, charts=False))
    assert text[text.rindex("Sources "):] == (
        "Sources Ce document ne montre aucun chiffre : il ne cite aucune source. "
        f"{FOOTER} page 4 / 4")
    con.close()


def test_rows_typed_without_a_document_credit_their_file(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    f = Factory(con)
    f.insert("kpi_definitions", contract_slug="cv", kpi_id="demo", label="Ateliers", unit="ateliers",
             cumulation="latest", higher_is_better=True, source_id=SRC_DEMO)
    f.insert("kpi_values", contract_slug="cv", kpi_id="demo", year=2025, value=12, status="ok",
             is_published=True, source_id=SRC_DEMO)
    text = _sources_page(pdf.mandate_pdf(con, "cv", ["chiffres"], generated_on=DATE, charts=False))
    assert text == ("Sources Documents • Les chiffres du mandat — Ville de Test, 2026 "
                    "Données statistiques • Données fictives de démonstration — fichiers générés au format des "
                    f"fichiers statistiques publiés (2024) {FILES_NOTE} {FOOTER} page 4 / 4")
    con.close()


def test_the_portrait_pdf_lists_only_what_it_cites(tmp_path) -> None:
    con = _mandate_db(tmp_path / "m.duckdb")
    text = _text(pdf.portrait_pdf(con, "QN09999A", generated_on=DATE, charts=False))
    sources = text[text.rindex("Atouts et fragilités"):]
    # The strength's heading cites the diagnosis; neither the SSMSI file (the commune's crime
    # rate, not shown), nor the 2024 review (the quartier's « besoin / fait / changé », not in a
    # portrait), nor any other document of the contract is listed (two columns: text interleaved).
    assert sources == (
        "Atouts et fragilités [2] Sources et méthode Ses atouts • Un parc arboré "
        "[1] INSEE, Revenus et pauvreté des QPV (Filosofi), 2019 [2] Diagnostic des Pins (Ville de Test, 2023) "
        "Un chiffre couvert par le secret statistique n'est jamais remplacé par 0. "
        "Document produit le 1er mars 2026. "
        "Portrait de quartier — Les Pins (QN09999A) · produit le 1er mars 2026 page 1 / 1")
    con.close()


def test_a_printed_map_cites_the_files_of_the_contours_it_draws(tmp_path) -> None:
    # The portrait's situation map draws the QPV's contour and its commune's outline: their files
    # are on the sources page; a commune only labelled (no outline drawn) and a QPV not on the
    # map cite nothing.
    from reports.images import MapArea, MapData
    con = _mandate_db(tmp_path / "m.duckdb")
    f = Factory(con)
    for level, code, source_id in (("qpv", "QN09999A", "src_contours"), ("commune", "99001", "src_communes"),
                                   ("commune", "99002", "src_other"), ("qpv", "QN09998B", "src_far")):
        f.insert("territory_geometries", territory_code=code, territory_level=level,
                 geom_wkb=b"", geom_simplified_geojson="{}", source_id=source_id)
    square = [[(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 0.0)]]
    mdata = MapData(qpvs=[MapArea(code="QN09999A", name="Les Pins", rings=square, centroid=(0.5, 0.5))],
                    communes=[MapArea(code="99001", name="Test", rings=square, centroid=(0.5, 0.5)),
                              MapArea(code="99002", name="Voisine", rings=[], centroid=(2.0, 2.0))])
    cited = pdf.Cited()
    pdf.contours_cited(con, mdata, cited)
    assert cited == pdf.Cited(documents=set(), sources={"src_contours", "src_communes"})
    con.close()


def test_a_sources_line_says_each_vintage_once() -> None:
    # The demo's fictional files: the APL file's vintage is the one string « 2022, 2023 ».
    assert pdf._vintages_once({"2023", "2022, 2023", "2022", "", "rentrées 2022-2023, 2023-2024",
                               "QPV 2024"}) == ["2022", "2023", "QPV 2024", "rentrées 2022-2023, 2023-2024"]
    assert pdf._vintages_once({"2022, 2023", "2021"}) == ["2021", "2022, 2023"]
