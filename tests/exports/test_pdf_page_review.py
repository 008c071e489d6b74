"""Defects found by looking at every PDF page as an image (issue 11, third pass), each checked
on small data built by code: the programme and CIA tables credit their documents, and a
review's italic label never ends a page without its first bullet."""
from __future__ import annotations

import subprocess

import duckdb
from reportlab.platypus import KeepTogether, Paragraph

from indicators.portrait import QualItem, ReviewTheme
from reports import pdf
from tests.exports.conftest import SRC_DEMO, SRC_DOC, Factory


def _text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _credit_db(path) -> duckdb.DuckDBPyConnection:
    from etl.db import create_empty
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="bilan", title="Bilan du contrat de ville 2025",
             producer="Ville de Test", published_on="2026-02-10")
    f.insert("documents", contract_slug="cv", document_id="cia",
             title="Convention intercommunale d'attribution (annexe 7)", producer="Agglomération de Test",
             published_on="2023")
    for n, ref in enumerate(["§ « Projets réalisés », « Action 1 » : « 20 000 € »",
                             "§ « Projets réalisés », « Action 2 » : « pour moitié »"]):
        f.insert("programme_actions", contract_slug="cv", action_id=f"A{n}", year=2025, title=f"Action {n}",
                 document_id="bilan", source_ref=ref)
        f.insert("programme_funding", contract_slug="cv", action_id=f"A{n}", year=2025, funder="ville",
                 amount_eur=1000 * (n + 1), document_id="bilan", source_ref=ref)
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0, document_id="cia", source_ref="article 3")
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="prioritaires", target_pct=25.0, document_id="cia", source_ref="article 4")
    f.insert("housing_attributions", contract_slug="cv", year=2025, landlord="Bailleur", reserving_party="etat",
             location="hors_qpv", resource_quartile=1, n_attributions=12, source_id=SRC_DEMO)
    f.insert("housing_attributions", contract_slug="cv", year=2025, landlord="Bailleur", reserving_party="etat",
             location="hors_qpv", resource_quartile=3, n_attributions=5, source_id=SRC_DEMO)
    return con


def test_programme_and_cia_tables_credit_their_documents(tmp_path) -> None:
    con = _credit_db(tmp_path / "credit.duckdb")
    # One document, its rows citing one section: document, section, producer, year.
    assert pdf.table_credit(con, "cv", ("programme_funding", "programme_actions")) == (
        "Source : Bilan du contrat de ville 2025, § « Projets réalisés » — Ville de Test, 2026")
    # Two sections of the convention: the document alone; a fictional file as fictional.
    assert pdf.table_credit(con, "cv", ("housing_objectives", "housing_attributions",
                                        "housing_published_results")) == (
        "Sources : Données fictives de démonstration ; "
        "Convention intercommunale d'attribution — Agglomération de Test, 2023")
    assert pdf.table_credit(con, "nobody", ("programme_funding",)) is None
    con.close()


def test_mandate_financing_and_housing_sections_print_their_sources(tmp_path) -> None:
    con = _credit_db(tmp_path / "credit.duckdb")
    text = _text(pdf.mandate_pdf(con, "cv", sections=["financements", "logement"]))
    assert ("CPO : convention pluriannuelle d'objectifs. "
            "Source : Bilan du contrat de ville 2025, § « Projets réalisés » — Ville de Test, 2026") in text
    assert ("Sources : Données fictives de démonstration ; Convention intercommunale d'attribution — "
            "Agglomération de Test, 2023") in text
    con.close()


def test_a_funding_line_typed_without_a_document_is_credited_to_its_file(report_con) -> None:
    assert SRC_DOC  # gc-test's funding lines come from the annexes' file, with no document_id
    assert pdf.table_credit(report_con, "gc-test", ("programme_funding", "programme_actions")) == (
        "Source : Contrat de ville 2024–2030, annexes — Le Grand Chalon")


def _item(text: str) -> QualItem:
    return QualItem("review_done", None, 1, text, None, None, None)


def _units(flowables) -> list[list[str]]:
    out = []
    for f in flowables:
        parts = f._content if isinstance(f, KeepTogether) else [f]
        out.append([p.getPlainText() for p in parts if isinstance(p, Paragraph)])
    return out


def test_a_review_label_stays_with_its_first_bullet() -> None:
    st = pdf.styles()
    theme = ReviewTheme("Améliorer les mobilités",
                        need=(_item("Des difficultés de déplacement."),),
                        done=(_item("Une ligne de bus."), _item("Des trottoirs sécurisés.")),
                        figures=(_item("Une ligne toutes les 15 minutes."),))
    assert _units(pdf.review_theme_units(theme, st)) == [
        ["Améliorer les mobilités", "Le besoin au départ", "Des difficultés de déplacement."],
        ["Ce que nous avons décidé et fait", "Une ligne de bus."],
        ["Des trottoirs sécurisés."],
        ["En chiffres", "Une ligne toutes les 15 minutes."],
    ]
    untitled = ReviewTheme(None, changed=(_item("Plus sûr."),), figures=(_item("10 postes."),))
    assert _units(pdf.review_theme_units(untitled, st)) == [
        ["Ce que cela a changé", "Plus sûr."], ["En chiffres", "10 postes."]]


def test_a_review_objective_reads_as_in_every_table(tmp_path) -> None:
    assert [pdf.review_column_cell("Cible (%)", v) for v in (25.0, 100, 42.5, None)] == [
        "25,0\u00a0%", "100,0\u00a0%", "42,5\u00a0%", "non renseigné"]
    con = _credit_db(tmp_path / "credit.duckdb")
    text = _text(pdf.review_pdf(con, "cv", 2025))
    # Ensemble, the landlord and the État's reservations: 12 of the 17 attributions hors QPV went
    # to the 1st quartile; the objective as the convention types it, at one decimal.
    assert ("Attributions hors QPV aux ménages du 1er quartile Ensemble 12 17 70,6 % 25,0 % oui "
            "Bailleur 12 17 70,6 % 25,0 % oui État 12 17 70,6 % 25,0 % oui") in text
    con.close()


def test_the_annex_of_schemes_groups_a_signatory_under_its_pillar() -> None:
    body = [["Emploi", "DDETS", "Parrainage"], ["Emploi", "DDETS", "Adultes-relais"],
            ["Emploi", "Région", "Formation"], ["Santé", "DDETS", "Pacte"], ["Santé", "DDETS", "Budget"],
            ["", "", "Sans signataire"], ["", "", "Autre"]]
    assert pdf.grouped_columns(body, 2) == [
        ["Emploi", "DDETS", "Parrainage"], ["", "", "Adultes-relais"],
        ["", "Région", "Formation"], ["Santé", "DDETS", "Pacte"], ["", "", "Budget"],
        ["", "", "Sans signataire"], ["", "", "Autre"]]
    # One column: as before (the steering committee's institutions stay on every row).
    assert pdf.grouped_columns(body, 1) == pdf.grouped_first_column(body) == [
        ["Emploi", "DDETS", "Parrainage"], ["", "DDETS", "Adultes-relais"],
        ["", "Région", "Formation"], ["Santé", "DDETS", "Pacte"], ["", "DDETS", "Budget"],
        ["", "", "Sans signataire"], ["", "", "Autre"]]


def test_the_review_credits_its_programme_and_cia_tables_for_its_year(tmp_path) -> None:
    con = _credit_db(tmp_path / "credit.duckdb")
    f = Factory(con)
    f.insert("documents", contract_slug="cv", document_id="bilan24", title="Bilan du contrat de ville 2024",
             producer="Ville de Test", published_on="2025")
    f.insert("programme_actions", contract_slug="cv", action_id="B", year=2024, title="Action 2024",
             document_id="bilan24", source_ref="tableau 1")
    text = _text(pdf.review_pdf(con, "cv", 2025))
    assert ("Action Montant Action 0 1 000 € Action 1 2 000 € "
            "Source : Bilan du contrat de ville 2025, § « Projets réalisés » — Ville de Test, 2026") in text
    # Under the CIA table, before the next chapter (pdftotext reads some of the table's header
    # cells after its rows, in an order that follows the columns' widths).
    assert (" non Sources : Données fictives de démonstration ; Convention intercommunale d'attribution — "
            "Agglomération de Test, 2023 Personnes touchées et part en QPV") in text
    assert "Bilan du contrat de ville 2024, tableau 1" not in text       # another year's document
    con.close()


def test_a_demo_portrait_says_its_fictional_mark_once_in_its_sources(report_con) -> None:
    import datetime as dt
    text = _text(pdf.portrait_pdf(report_con, "QN09901N", generated_on=dt.date(2026, 3, 1), charts=False))
    sources = text[text.index("Sources et méthode"):]
    assert sources == (
        "Sources et méthode [1] Données fictives de démonstration — Démonstration, Territoire fictif, 2024 "
        "[2] INSEE, Revenus et pauvreté des QPV (Filosofi), 2019 Un chiffre couvert par le secret statistique "
        "n'est jamais remplacé par 0. Document produit le 1er mars 2026. "
        "Portrait de quartier — Les Tilleuls (QN09901N) · produit le 1er mars 2026 page 1 / 1")


def test_map_names_have_a_white_halo(report_con) -> None:
    """A commune's dashed outline crossing a name struck it through (issue 11, every demo
    portrait's situation map): every name of the exported map is drawn over a white halo."""
    from reports import images, palette
    data = images.load_map_data(report_con, contract_slug="demo")
    spec = images.qpv_map_spec(data, highlight=data.qpvs[0].code)
    texts = [t for t in spec["data"] if t.get("mode") == "text"]
    assert [t["textfont"] for t in texts] == [
        {"color": palette.TEXT, "size": 11, "shadow": images.LABEL_HALO},
        {"color": "#555555", "size": 12, "shadow": images.LABEL_HALO}]
    assert images.LABEL_HALO == ("3px 0px 0 #fff, -3px 0px 0 #fff, 0px 3px 0 #fff, 0px -3px 0 #fff, "
                                 "2px 2px 0 #fff, -2px -2px 0 #fff, 2px -2px 0 #fff, -2px 2px 0 #fff")


def test_a_review_cia_rate_keeps_one_decimal_at_least() -> None:
    # 8 / 32 computed reads « 25,0 % » beside « 19,2 % » (demo 2024: « 25 % », « 20 % », « 19 % »);
    # a document's rate typed with two decimals keeps them.
    assert [pdf.review_column_cell("Taux (%)", v) for v in (25.0, 19.2, 20, 12.04, 59.23, 0.0, None)] == [
        "25,0\u00a0%", "19,2\u00a0%", "20,0\u00a0%", "12,04\u00a0%", "59,23\u00a0%", "0,0\u00a0%", "non renseigné"]


def test_the_review_pdf_prints_computed_cia_rates_at_one_decimal(tmp_path) -> None:
    con = _credit_db(tmp_path / "credit.duckdb")
    text = _text(pdf.review_pdf(con, "cv", 2025))
    # 0 of the 17 attributions hors QPV went to priority households: « 0,0 % », never « 0 % ».
    assert "Ensemble 0 17 0,0 % non renseigné non renseigné" in text
    con.close()
