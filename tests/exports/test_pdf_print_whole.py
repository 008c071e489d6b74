"""Reports that print as they are (issue 11, RI): defects seen on the PDFs' pages, each checked on
small data built by code with whole outputs: source lines printed whole (never cut by the
screen's 90-character short line), the review's CIA table saying which result is the
document's and which is computed, the annex naming what tells apart two rows of one scheme,
a demo portrait's sources saying the demo mark once."""
from __future__ import annotations

import subprocess

import duckdb

from indicators import sources
from reports import pdf
from tests.exports.conftest import Factory


def _text(data: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


LONG_TITLE = "Bilan annuel du contrat de ville de l'agglomération de Test 2025 (document fictif)"
LONG_PRODUCER = "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes"


def test_a_printed_credit_is_whole_where_the_screen_line_is_cut() -> None:
    # The screen's short line (SHORT_LINE, 90 characters) cuts the section and its year…
    short = sources.reader_credit(LONG_TITLE, "programmation 2021, tableau 2", LONG_PRODUCER, "2026-02-10",
                                  is_fictional=True)
    assert "2021" not in short and short.endswith("2026")
    # …a printed line wraps: document, section (its name, up to its details), producer, year.
    assert sources.reader_credit(LONG_TITLE, "programmation 2021, tableau 2", LONG_PRODUCER, "2026-02-10",
                                 is_fictional=True, whole=True) == (
        "Bilan annuel du contrat de ville de l'agglomération de Test 2025, programmation 2021 — "
        "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026")
    # A long title keeps its whole name (the short line keeps what is before « – »); a section
    # the title already says is not said twice; no date, no year; a fictional file's producer
    # as fictional; quoted producers follow whole.
    assert sources.reader_credit(
        "Convention intercommunale d'attribution – Communauté d'agglomération de Test (annexe 7)",
        "Convention intercommunale d'attribution", "Agglomération de Test", None, whole=True) == (
        "Convention intercommunale d'attribution – Communauté d'agglomération de Test — Agglomération de Test")
    assert sources.reader_credit("Filosofi", None, "INSEE", "2021", is_fictional=True, whole=True) == (
        "Filosofi — Données fictives (démo), format INSEE, 2021")
    assert sources.reader_credit("Portrait", "p. 4", "Ville", "2024", whole=True,
                                 quotes=["Insee 2019", "Données INSEE 2019", "Compas 2022"]) == (
        "Portrait, p. 4 — Ville, 2024 (d'après Données INSEE 2019 ; Compas 2022)")


def _long_db(path) -> duckdb.DuckDBPyConnection:
    from etl.db import create_empty
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="bilan", title=LONG_TITLE, producer=LONG_PRODUCER,
             published_on="2026-02-10")
    f.insert("documents", contract_slug="cv", document_id="cia",
             title="Convention intercommunale d'attribution de l'agglomération de Test (document fictif)",
             producer="Agglomération de Test", published_on="2021-11-30")
    for year in (2020, 2021):
        f.insert("programme_actions", contract_slug="cv", action_id=f"A{year}", year=year, title=f"Action {year}",
                 document_id="bilan", source_ref=f"programmation {year}")
        f.insert("programme_funding", contract_slug="cv", action_id=f"A{year}", year=year, funder="ville",
                 amount_eur=1000, document_id="bilan", source_ref=f"programmation {year}")
    f.insert("housing_objectives", contract_slug="cv", party_type="ensemble", party_name="Ensemble",
             objective="q1_hors_qpv", target_pct=25.0, document_id="cia", source_ref="article 3 (objectifs)")
    return con


def test_review_and_mandate_print_their_table_credits_whole(tmp_path) -> None:
    con = _long_db(tmp_path / "long.duckdb")
    programme = ("Source : Bilan annuel du contrat de ville de l'agglomération de Test 2025, programmation 2021 — "
                 "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026")
    cia = ("Source : Convention intercommunale d'attribution de l'agglomération de Test, article 3 — "
           "Agglomération de Test, 2021")
    assert pdf.table_credit(con, "cv", ("programme_funding", "programme_actions"), 2021) == programme
    assert pdf.table_credit(con, "cv", ("housing_objectives", "housing_attributions", "housing_published_results")) == cia
    review = _text(pdf.review_pdf(con, "cv", 2021))
    assert f"Action Montant Action 2021 1 000 € {programme}" in review
    assert "…" not in review
    # The mandate report's funding table: two years, two sections of the document (named alone).
    mandate = _text(pdf.mandate_pdf(con, "cv", sections=["financements", "logement"]))
    assert ("Source : Bilan annuel du contrat de ville de l'agglomération de Test 2025 — "
            "Communauté d'agglomération de Test (fictive), l'État (préfet du Test) et les communes, 2026") in mandate
    assert cia in mandate
    assert "…" not in mandate
    con.close()


def test_a_portrait_sources_list_says_the_demo_mark_once() -> None:
    """The demo portrait's list read « Données fictives de démonstration : » above [1]…[9] and
    again at [10] and [13], the fictional figures a document quotes with their page: every
    source under the mark joins its group, in the order of its number."""
    refs = pdf.SourceRefs()
    for label, ref in [("Fictif : INSEE, recensement de la population, 2020", None),
                       ("Fictif : Compas – ABS 2022 (fictif)", "p. 4"),
                       ("Fictif : INSEE, Cnaf, données par quartier, 2022", None),
                       ("Portraits de quartiers (document fictif, Ville, 5 octobre 2023)", None),
                       ("Fictif : Bailleurs – enquête OPS 2022 (fictif)", "p. 4"),
                       ("INSEE — recensement 2020", "tableau 3")]:
        refs.ref(label, ref)
    assert refs.lines() == [
        "Données fictives de démonstration :",
        "[1] recensement de la population, 2020",
        "[2] Compas – ABS 2022 (fictif) — p. 4",
        "[3] Cnaf, données par quartier, 2022",
        "[5] Bailleurs – enquête OPS 2022 (fictif) — p. 4",
        "[4] Portraits de quartiers (document fictif, Ville, 5 octobre 2023)",
        "[6] INSEE — recensement 2020 — tableau 3"]
    # One fictional source alone keeps its one line, mark included.
    alone = pdf.SourceRefs()
    alone.ref("Fictif : Compas – ABS 2022 (fictif)", "p. 4")
    assert alone.lines() == ["[1] Données fictives de démonstration — Compas – ABS 2022 (fictif) — p. 4"]


def _result(origin: str, k, total, rate, **kw):
    from indicators.housing import AttributionResult
    fields = dict(year=2021, party_type="ensemble", party_name="Ensemble", objective="hors_q1_en_qpv",
                  objective_label="Attributions en QPV aux ménages au-dessus du 1er quartile", origin=origin,
                  numerator=k, denominator=total, denominator_origin="published" if origin == "published" else "counted",
                  implied_denominators=(), rate_pct=rate, target_pct=50.0, target_source="CIA", target_note=None,
                  reached=None, needed_fixed_total=None, needed_growing_total=None, needed_published=None,
                  n_unknown=0, document_id="bilan", source_ref="p. 12", note=None,
                  rate_origin="published" if origin == "published" else "computed")
    fields.update(kw)
    return AttributionResult(**fields)


def test_a_computed_cia_result_agrees_with_the_document_on_every_figure_it_gives() -> None:
    from indicators.housing import agrees
    ours = _result("computed", 194, 337, 57.5668)
    assert [agrees(_result("published", *given, **kw), ours) for given, kw in [
        ((194, 337, 57.57), {}),                       # count, total, rate at its 2 decimals
        ((194, 337, 57.6), {}),                        # at one decimal
        ((194, 337, 57.58), {}),                       # another rate
        ((195, 337, 57.57), {}),                       # another count
        ((194, 338, 57.57), {}),                       # another total
        ((194, None, 57.57), {"denominator_origin": "deduced", "implied_denominators": (337,)}),
        ((194, None, 57.57), {"denominator_origin": "deduced", "implied_denominators": (336,)}),
        ((194, None, None), {"denominator_origin": None}),      # a count alone
        ((None, None, None), {"denominator_origin": None}),     # nothing to agree with
    ]] == [True, True, False, False, False, True, False, True, False]


def _cia_db(path, published: tuple) -> duckdb.DuckDBPyConnection:
    """Ensemble and one landlord: 194 of 337 attributions in QPV above the first quartile (57,567 %),
    and what a document publishes for the whole territory (`published`: count, total, rate)."""
    from etl.db import create_empty
    con = create_empty(path)
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("documents", contract_slug="cv", document_id="bilan", title="Bilan du contrat de ville 2025 (document)",
             producer="Ville de Test", published_on="2026-02-10")
    for quartile, n in ((2, 194), (1, 143)):
        f.insert("housing_attributions", contract_slug="cv", year=2021, landlord="Bailleur A", reserving_party="etat",
                 location="qpv", resource_quartile=quartile, is_priority_household=False, n_attributions=n)
    k, total, rate = published
    f.insert("housing_published_results", contract_slug="cv", year=2021, party_type="ensemble",
             party_name="ensemble", objective="hors_q1_en_qpv", numerator=k, denominator=total, rate_pct=rate,
             document_id="bilan", source_ref="p. 12")
    return con


def _cia_lines(data: bytes) -> list[str]:
    """The rows of the review's CIA table as laid out (pdftotext -layout), under its header."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    lines = [" ".join(line.split()) for line in out.splitlines() if line.strip()]
    start = [n for n, line in enumerate(lines) if line.startswith("Attributions de logements sociaux (CIA)")][-1]
    return lines[start + lines[start:].index("remplissent du champ)") + 1:]


def test_the_review_cia_table_says_which_result_is_published(tmp_path) -> None:
    from indicators import review
    con = _cia_db(tmp_path / "same.duckdb", (194, 337, 57.57))
    section = review._housing_section(con, "cv", 2021)
    note = ("« publié » : résultat publié dans Bilan du contrat de ville 2025, p. 12 ; « calculé » : calculé à "
            "partir des attributions déclarées, repris à côté du résultat publié pour la même partie "
            "seulement s'il en diffère.")
    assert section.note == note
    # Ours for the whole territory says what the document does: the document's row alone.
    assert section.table.values.tolist() == [
        ["Attributions en QPV aux ménages au-dessus du 1er quartile", "Ensemble", "publié", 194, 337, 57.57, 50, True],
        ["Attributions en QPV aux ménages au-dessus du 1er quartile", "Bailleur A", "calculé", 194, 337, 57.6, 50, True],
        ["Attributions en QPV aux ménages au-dessus du 1er quartile", "État", "calculé", 194, 337, 57.6, 50, True],
        ["Attributions aux ménages prioritaires", "Ensemble", "calculé", 0, 337, 0.0, None, None],
        ["Attributions aux ménages prioritaires", "Bailleur A", "calculé", 0, 337, 0.0, None, None],
        ["Attributions aux ménages prioritaires", "État", "calculé", 0, 337, 0.0, 25, False]]
    assert _cia_lines(pdf.review_pdf(con, "cv", 2021))[:6] == [
        "Attributions en QPV aux ménages Ensemble publié 194 337 57,57 % 50,0 % oui",
        "au-dessus du 1er quartile",
        "Bailleur A calculé 194 337 57,6 % 50,0 % oui",
        "État calculé 194 337 57,6 % 50,0 % oui",
        # « non renseigné » on one line, as a figure (s14-RP: it printed « non » above « renseigné »)
        "Attributions aux ménages Ensemble calculé 0 337 0,0 % non renseigné non renseigné",
        "prioritaires"]
    assert note in _text(pdf.review_pdf(con, "cv", 2021))
    con.close()
    # A document whose figures differ from ours: both, labelled, the rates at one precision
    # (ours 57,567 % at the document's two decimals).
    con = _cia_db(tmp_path / "other.duckdb", (190, 337, 56.38))
    rows = review._housing_section(con, "cv", 2021).table.values.tolist()
    assert rows[:2] == [
        ["Attributions en QPV aux ménages au-dessus du 1er quartile", "Ensemble", "publié", 190, 337, 56.38, 50, True],
        ["Attributions en QPV aux ménages au-dessus du 1er quartile", "Ensemble", "calculé", 194, 337, 57.57, 50, True]]
    assert _cia_lines(pdf.review_pdf(con, "cv", 2021))[:4] == [
        "Attributions en QPV aux ménages Ensemble publié 190 337 56,38 % 50,0 % oui",
        "au-dessus du 1er quartile",
        "Ensemble calculé 194 337 57,57 % 50,0 % oui",
        "Bailleur A calculé 194 337 57,6 % 50,0 % oui"]
    con.close()
    # A year without a document's result: no « Origine » column, no note.
    con = _cia_db(tmp_path / "none.duckdb", (194, 337, 57.57))
    con.execute("update housing_published_results set year = 2020")
    section = review._housing_section(con, "cv", 2021)
    assert section.note is None and section.table["Origine"].tolist() == [None] * 6
    assert _cia_lines(pdf.review_pdf(con, "cv", 2021))[:2] == [
        "Attributions en QPV aux ménages au-dessus Ensemble 194 337 57,6 % 50,0 % oui", "du 1er quartile"]
    assert "Origine" not in _text(pdf.review_pdf(con, "cv", 2021))
    con.close()


def test_a_cia_rate_reads_at_the_precision_of_the_rate_beside_it() -> None:
    """Ours at the document's two decimals keeps its zero (« 57,50 % » beside « 56,38 % »); a
    party without a document's result keeps one decimal."""
    import pandas as pd
    df = pd.DataFrame({"Objectif": ["O", "O", "O"], "Partie": ["Ensemble", "Ensemble", "Bailleur"],
                       "Taux (%)": [56.38, 57.5, 57.5]}, dtype=object)
    decimals = pdf.review_decimals(df)["Taux (%)"]
    assert [pdf.review_column_cell("Taux (%)", v, None, d) for v, d in zip(df["Taux (%)"], decimals)] == [
        "56,38\u00a0%", "57,50\u00a0%", "57,5\u00a0%"]


def test_schemes_of_one_signatory_with_one_name_say_what_tells_them_apart() -> None:
    import pandas as pd

    from indicators.review import told_apart
    df = pd.DataFrame({
        "pillar": ["Inclusion", "Inclusion", "Inclusion", "Emploi", "Emploi", "Emploi", "Santé", "Santé", "Santé"],
        "signatory": ["DDETS", "DDETS", "DDETS", "DDETS", "DDETS", "Région", "ARS", "ARS", "ARS"],
        "scheme": ["Pacte", "Pacte", "Pacte", "Adultes-relais", "Parrainage", "Adultes-relais",
                   "Prévention", "Prévention", "Dépistage"],
        # The Pacte's objectives all differ; the ARS's two « Prévention » share an objective (none)
        # and differ by their kind of funding.
        "objective": ["Prévenir la pauvreté", "Accès aux droits", "Transition", "Emploi", None, "Emploi",
                      None, None, None],
        "funding_kind": ["droit_commun"] * 6 + ["droit_commun", "specifique", "droit_commun"],
        "source_ref": ["Annexe 3"] * 9})
    assert told_apart(df, ("pillar", "signatory"), "scheme") == [
        "Pacte — objectif : Prévenir la pauvreté", "Pacte — objectif : Accès aux droits",
        "Pacte — objectif : Transition",
        "Adultes-relais", "Parrainage", "Adultes-relais",       # another pillar or signatory: no doubt
        "Prévention — droit commun", "Prévention — crédits spécifiques", "Dépistage"]
    # Rows alike in every detail keep their name alone (nothing invented).
    same = df.iloc[[6, 6]].reset_index(drop=True)
    assert told_apart(same, ("pillar", "signatory"), "scheme") == ["Prévention", "Prévention"]


def test_the_review_annex_prints_the_objective_of_schemes_with_one_name(tmp_path) -> None:
    from etl.db import create_empty
    con = create_empty(tmp_path / "annex.duckdb")
    f = Factory(con)
    f.insert("contracts", contract_slug="cv", contract_name="Contrat de ville de Test", epci_code="200000001",
             period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    f.insert("review_signatories", contract_slug="cv", signatory_id="ddets", name="DDETS", signatory_type="etat")
    for n, objective in enumerate(["Prévenir la pauvreté", "Favoriser l'accès aux droits"]):
        f.insert("review_schemes", contract_slug="cv", scheme_id=f"s{n}", signatory_id="ddets", pillar="Inclusion",
                 objective=objective, scheme="Pacte local des solidarités", funding_kind="droit_commun")
    text = _text(pdf.review_pdf(con, "cv", 2025))
    annex = text[text.index("Annexe 1 — Dispositifs sans chiffre déclaré en 2025 Un dispositif"):]
    assert annex.startswith(
        "Annexe 1 — Dispositifs sans chiffre déclaré en 2025 Un dispositif sans chiffre n'est pas compté 0 : il "
        "reste à déclarer. Pilier Signataire Dispositif Inclusion DDETS Pacte local des solidarités — objectif : "
        "Prévenir la pauvreté Pacte local des solidarités — objectif : Favoriser l'accès aux droits ")
    con.close()


def test_the_mandate_cia_table_prints_ours_beside_a_document_only_where_it_differs(tmp_path) -> None:
    note = "Un résultat calculé n'est repris à côté du résultat publié pour la même partie que s'il en diffère."
    con = _cia_db(tmp_path / "same.duckdb", (194, 337, 57.57))
    text = _text(pdf.mandate_pdf(con, "cv", sections=["logement"]))
    assert "194 attributions sur 337 = 57,57 % (publié)" in text and note in text
    assert [text.count(f"194 attributions sur 337 = {r}") for r in ("57,57 % (publié)", "57,57 % (calculé)",
                                                                     "57,6 % (calculé)")] == [1, 0, 2]
    con.close()
    con = _cia_db(tmp_path / "other.duckdb", (190, 337, 56.38))
    text = _text(pdf.mandate_pdf(con, "cv", sections=["logement"]))
    assert [text.count(f"attributions sur 337 = {r}") for r in ("56,38 % (publié)", "57,57 % (calculé)",
                                                                 "57,6 % (calculé)")] == [1, 1, 2]
    assert note not in text
    con.close()
