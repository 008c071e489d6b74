"""indicators/sources.py: the credit of the values a figure shows."""
from __future__ import annotations

from datetime import datetime

import pytest

from indicators.sources import credit, value_credits, value_credits_many

DOC = ("Contrat de ville du Grand Chalon 2024-2030 – Annexes (annexe 2 « Portraits de quartiers » ; "
       "annexe 7 « CIA »)")


def test_credit_rules():
    assert credit("Insee 2019", "published", document_title=DOC, document_producer="Grand Chalon",
                  source_ref="Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins") \
        == ("Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 – Portraits de quartiers "
            "(d'après Insee 2019)")
    # The producer's own publication: the quotation is the credit.
    assert credit("Insee, Filosofi 2021", "published", document_title="Filosofi 2021 : revenus",
                  document_producer="Insee") == "Insee, Filosofi 2021"
    assert credit("Insee, Filosofi, 2021", "official_file") == "Insee, Filosofi, 2021"
    # Fictional data is never credited to INSEE, and a file is named by what it is (issue 11).
    assert credit("Fictif : INSEE, Filosofi, données par quartier, 2019", "official_file", is_fictional=True,
                  file_title="Filosofi, données par quartier", file_vintage="2019") == \
        "Données fictives de démonstration (Filosofi, données par quartier, 2019)"
    assert credit(None, "official_file", is_fictional=True) == "Données fictives de démonstration"


def test_value_credits_once_each_in_order(db):
    db.con.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256,"
                   " loaded_at, is_fictional) values ('fict', 'test', 'INSEE', 'Filosofi, données par quartier', '2021',"
                   " 'f.csv', 'y', ?, true)", [datetime(2026, 1, 1)])
    db.document("gc", "annexes", DOC, "Grand Chalon")
    db.fact("QN07101I", "qpv", "median_income_eur_month", 2019, 742, origin="published",
            source_note="Insee 2019", document_id="annexes", source_ref="Annexe 2, portrait")
    db.fact("71076", "commune", "median_income_eur_month", 2022, 1480, origin="published",
            source_note="Données Compas – ABS 2022", document_id="annexes", source_ref="Annexe 2")
    db.fact("247100589", "epci", "median_income_eur_month", 2022, 1770, origin="published",
            source_note="Données Compas – ABS 2022", document_id="annexes", source_ref="Annexe 2")
    db.fact("71076", "commune", "poverty_rate_pct", 2021, 23)
    db._insert("indicator_facts", territory_code="QN09901M", territory_level="qpv",
               indicator_id="poverty_rate_pct", year=2021, value=40.0, status="ok",
               origin="official_file", source_id="fict")
    assert value_credits(db.con, [("QN07101I", "median_income_eur_month", 2019),
                                  ("71076", "median_income_eur_month", 2022),
                                  ("247100589", "median_income_eur_month", 2022),
                                  ("71076", "poverty_rate_pct", 2021),
                                  ("QN09901M", "poverty_rate_pct", 2021)]) == [
        "Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 (d'après Insee 2019 ; "
        "Données Compas – ABS 2022)",
        "Insee, Fichier de test, 2021",
        "Données fictives de démonstration (Filosofi, données par quartier, 2021)"]
    assert value_credits(db.con, []) == []
    # Many groups from one query: each group's credits as value_credits gives them alone.
    groups = [[("QN09901M", "poverty_rate_pct", 2021), ("71076", "poverty_rate_pct", 2021)],
              [("71076", "median_income_eur_month", 2022), ("QN07101I", "median_income_eur_month", 2019)],
              [("247100589", "median_income_eur_month", 2022)], [], [("99999", "poverty_rate_pct", 2021)]]
    assert value_credits_many(db.con, groups) == [
        ["Données fictives de démonstration (Filosofi, données par quartier, 2021)", "Insee, Fichier de test, 2021"],
        ["Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 (d'après Données Compas – "
         "ABS 2022 ; Insee 2019)"],
        ["Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 (d'après Données Compas – "
         "ABS 2022)"],
        [], []]
    assert value_credits_many(db.con, groups) == [value_credits(db.con, g) for g in groups]


def test_a_loaded_file_is_named_by_what_it_is():
    """Issue 11: a statistical file's title (its credit, e.g. « INSEE, recensement de la
    population, données par quartier, 2020 ») is the registry's dataset of the indicators it
    carries and the territories of its rows, never its file name (« QPV2024_RP_2020 »)."""
    from indicators.sources import dataset_title
    assert dataset_title(["Insee, recensement de la population"] * 3, ["qpv", "qpv_ensemble", "france"],
                         producer="INSEE") == "recensement de la population, données par quartier"
    assert dataset_title(["Insee, Filosofi", "Cnaf"], ["france", "epci", "commune", "departement"],
                         producer="INSEE") == "Filosofi ; Cnaf, données par commune, EPCI, département et France"
    assert dataset_title(["RPLS / bailleurs", "RPLS, Insee"], ["commune"], producer="INSEE") == \
        "RPLS / bailleurs, données par commune"
    assert dataset_title([None], ["epci", "commune"], producer="INSEE") == "données par commune et EPCI"
    assert dataset_title([], [], producer="INSEE") == "données"


def test_credits_naming_the_same_producer_and_year_are_merged(db):
    from indicators.sources import merged_credits
    assert merged_credits(["Insee 2019", "Données Compas – ABS 2022", "Données INSEE 2019",
                           "insee, 2019", "Insee 2021", "Données fictives de démonstration",
                           "Données fictives de démonstration (fichier A, 2019)",
                           "Données fictives de démonstration (fichier B, 2019)"]) == [
        "Données INSEE 2019", "Données Compas – ABS 2022", "Insee 2021",
        "Données fictives de démonstration", "Données fictives de démonstration (fichier A, 2019)",
        "Données fictives de démonstration (fichier B, 2019)"]
    # A bare credit goes into the one that says the same producer and year with a detail.
    assert merged_credits(["Insee 2019", "Données Compas – ABS 2022",
                           "Données INSEE 2019 (en-tête du portrait ; bloc cité « Données Compas – ABS 2022 »)",
                           "Données fictives de démonstration (fichier A, 2019)"]) == [
        "Données Compas – ABS 2022",
        "Données INSEE 2019 (en-tête du portrait ; bloc cité « Données Compas – ABS 2022 »)",
        "Données fictives de démonstration (fichier A, 2019)"]
    # One document quoting the same producer and year in two wordings (the Grand Chalon annexes:
    # « Insee 2019 » for incomes, « Données INSEE 2019 » for the population) credits it once.
    db.document("gc", "annexes", DOC, "Grand Chalon")
    db.fact("QN07101I", "qpv", "median_income_eur_month", 2019, 742, origin="published",
            source_note="Insee 2019", document_id="annexes", source_ref="Annexe 2, portrait")
    db.fact("QN07101I", "qpv", "population_count", 2019, 1650, origin="published",
            source_note="Données INSEE 2019", document_id="annexes", source_ref="Annexe 2, portrait")
    db.fact("QN07102I", "qpv", "population_count", 2022, 1480, origin="published",
            source_note="Données Compas – ABS 2022", document_id="annexes", source_ref="Annexe 2")
    assert value_credits(db.con, [("QN07101I", "median_income_eur_month", 2019),
                                  ("QN07102I", "population_count", 2022),
                                  ("QN07101I", "population_count", 2019)]) == [
        "Contrat de ville du Grand Chalon 2024-2030 – Annexes, Annexe 2 (d'après Données INSEE 2019 ; "
        "Données Compas – ABS 2022)"]


def test_a_fictional_file_is_credited_as_fictional_never_to_the_producer_it_imitates():
    from indicators.sources import credited_producer, credited_source

    assert credited_producer("INSEE", True) == "Données fictives (démo), format INSEE"
    assert credited_producer("ANCT", True) == "Données fictives (démo), format ANCT"
    assert credited_producer(None, True) == "Données fictives (démo)"
    # A producer that says it is fictional is kept; a real file keeps its producer.
    assert credited_producer("Contrat de ville de Val-de-Lorne (fictif)", True) == \
        "Contrat de ville de Val-de-Lorne (fictif)"
    assert credited_producer("INSEE", False) == "INSEE"
    assert credited_source({"producer": "INSEE", "licence": "Licence Ouverte", "title": "Filosofi",
                            "is_fictional": True}) == {
        "producer": "Données fictives (démo), format INSEE", "licence": None, "title": "Filosofi",
        "is_fictional": True}
    real = {"producer": "INSEE", "licence": "Licence Ouverte", "title": "Filosofi", "is_fictional": False}
    assert credited_source(real) == real


def test_a_date_typed_in_a_source_reads_in_words():
    from indicators.sources import credit, printed
    from ui.views import source_text
    nb = "\u00a0"
    label = "Chartres métropole, page « Politique de la ville » (21/09/2023) – quartier « les Clos »"
    said = f"Chartres métropole, page « Politique de la ville » (21{nb}septembre{nb}2023) – quartier « les Clos »"
    assert credit(label, "published") == said
    assert printed(label) == said
    assert source_text(label, None, source_ref="conseil du 01/02/2024") == \
        f"{said} · conseil du 1er{nb}février{nb}2024"


def test_document_name_keeps_a_title_s_own_bracket_and_puts_the_producer_after_it() -> None:
    """Issue #11: Grand Chalon's annexes read « … ; annexe 7 « CIA », Le Grand Chalon,
    Agglomération et Préfet… », the producer inside the title's own bracket. A fictional
    marker is a qualifier and still takes the producer and date in its bracket."""
    from indicators.sources import document_name
    annexes = ("Contrat de ville du Grand Chalon 2024-2030 – Annexes (annexe 2 « Portraits de "
               "quartiers » ; annexe 7 « CIA »)")
    assert [document_name(*args) for args in (
        (annexes, "Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire", None),
        (annexes, "Le Grand Chalon", "2024"),
        (annexes, None, None),
        ("Politique de la ville (page du site de Chartres métropole)", "Chartres métropole",
         "21 septembre 2023"),
        ("Bilan annuel 2025 (document fictif)", "CA Val-de-Lorne (fictive)", "10 février 2026"),
        ("Portraits (fictifs)", "CA", None),
        ("Bilan 2025", "Ville", "3 mars 2025"),
        ("Bilan 2025", None, "2025"),
    )] == [
        annexes + ", Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire",
        annexes + ", Le Grand Chalon, 2024",
        annexes,
        "Politique de la ville (page du site de Chartres métropole), Chartres métropole, "
        "21 septembre 2023",
        "Bilan annuel 2025 (document fictif, CA Val-de-Lorne, fictive, 10 février 2026)",
        "Portraits (fictifs, CA)",
        "Bilan 2025 (Ville, 3 mars 2025)",
        "Bilan 2025 (2025)",
    ]


# ── Issue #11: a short line over two lines keeps document and section, the producer goes first ─

GC_ANNEXES = ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes (annexe 2 "
              "« Portraits de quartiers » ; annexe 7 « Convention Intercommunale d'Attribution »)")
GC_PRODUCERS = "Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire"
CIA_TITLE = ("Convention Intercommunale d'Attribution – Communauté d'Agglomération du Grand Chalon "
             "(reproduite en annexe 7 des annexes du contrat de ville 2024-2030)")
CIA_PRODUCERS = ("Le Grand Chalon, l'État (préfet de Saône-et-Loire), le Département, les communes, "
                 "les bailleurs sociaux et Action Logement Services")
CHAMBERY_MANDATE = ("Politique de la ville – Les chiffres du mandat : « Redonner toute leur place aux "
                    "quartiers populaires et réduire concrètement les inégalités »")
CHAMBERY_BILAN = "Bilan du mandat municipal de Chambéry 2020-2026 (auteur et date non indiqués dans le texte)"


@pytest.mark.parametrize("args, expected", [
    # The producer named by the document's title is left out: the section stays whole.
    ((GC_ANNEXES, "Annexe 2 – Portraits de quartiers (p. 24 s.), page d'introduction", GC_PRODUCERS, None),
     "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de quartiers"),
    # A line that holds keeps everything (the CIA's key figures and tiles).
    ((CIA_TITLE, "Annexe 7 – CIA, « Les objectifs quantifiés et territorialisés par bailleur »",
      CIA_PRODUCERS, "2023-03-30"),
     "Convention Intercommunale d'Attribution, Annexe 7 – CIA — Le Grand Chalon et al., 2023"),
    # Chambéry's long single producer (the bilan as a « producer »): left out for the section.
    ((CHAMBERY_MANDATE, "Encadré « Les chiffres du mandat » (« 400 personnes accompagnées via "
      "DECLIC ») ; § « Accompagner l'insertion et les parcours de vie »", CHAMBERY_BILAN, None),
     "Politique de la ville – Les chiffres du mandat, Encadré « Les chiffres du mandat »"),
    # No section: the producer is what is cut, at a word.
    ((CHAMBERY_MANDATE, None, CHAMBERY_BILAN, None),
     "Politique de la ville – Les chiffres du mandat — Bilan du mandat municipal de Chambéry…"),
    # A producer the title does not name, too long to hold: left out, the year kept after a comma.
    (("Contrat de ville 2024-2030 – Annexes (annexe 2 « Portraits » ; annexe 7 « CIA »)",
      "Annexe 2 – Portraits de quartiers (p. 24 s.), portrait des Aubépins",
      "Ville de Lorneville, Préfet du Loiret", "2024-03-01"),
     "Contrat de ville 2024-2030 – Annexes, Annexe 2 – Portraits de quartiers, 2024"),
    # A fictional producer is never left out (« fictive » says what the figures are).
    (("Contrat de ville Val-de-Lorne 2024–2030 – Engagements Quartiers 2030 (document fictif)",
      "annexe 2 – Portraits de quartiers de Val-de-Lorne et de ses communes",
      "CA Val-de-Lorne (fictive)", "2024-03-15"),
     "Contrat de ville Val-de-Lorne 2024–2030, annexe 2… — CA Val-de-Lorne (fictive), 2024"),
])
def test_a_long_short_line_keeps_document_and_section_and_shortens_the_producer_first(args, expected) -> None:
    from indicators.sources import SHORT_LINE, reader_credit
    line = reader_credit(*args)
    assert line == expected
    assert len(line) <= SHORT_LINE and line.count("…") <= 1


def test_a_quoted_producer_stays_with_document_and_section() -> None:
    from indicators.sources import reader_credit
    section = "Annexe 2 – Portraits de quartiers, Aubépins"
    assert [reader_credit(GC_ANNEXES, section, GC_PRODUCERS, None, quotes=q) for q in (
        ["Insee 2019"], ["Insee 2019", "Données Compas – ABS 2022"])] == [
        "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de… (d'après Insee 2019)",
        "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits… (d'après Insee 2019 ; …)"]
