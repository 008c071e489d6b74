"""Issue 11: the short source line under each figure names its document, section, producer and
year (indicators.sources.reader_credit, the credits the PDFs use), the whole source behind the
toggle; never a year no document gives, never « nan », fictional data credited as fictional."""
from __future__ import annotations

import html

from streamlit.testing.v1 import AppTest

from indicators.sources import reader_credit
from tests.app.test_review_sources import ROOT, source_lines

CIA_PRODUCER = ("Le Grand Chalon, l'État (préfet de Saône-et-Loire), le Département, les communes, "
                "les bailleurs sociaux et Action Logement Services")


def test_a_short_credit_names_document_section_producer_and_year() -> None:
    assert reader_credit("Bilan annuel du contrat de ville 2025 (document fictif)", "tableau de bord",
                         "CA Val-de-Lorne (fictive)", "2026-02-10") == (
        "Bilan annuel du contrat de ville 2025, tableau de bord — CA Val-de-Lorne (fictive), 2026")
    # A long title keeps its name before its subtitles; a list of producers its first « et al. »
    # (issue #11: the whole list made Grand Chalon's key figures five lines high).
    assert reader_credit(
        "Convention Intercommunale d'Attribution – Communauté d'Agglomération du Grand Chalon "
        "(reproduite en annexe 7 des annexes du contrat de ville 2024-2030)",
        "Annexe 7 – CIA, « Les objectifs quantifiés » (p. 8 s. de la CIA)", CIA_PRODUCER, "2023-03-30") == (
        "Convention Intercommunale d'Attribution, Annexe 7 – CIA — Le Grand Chalon et al., 2023")
    # No date: no year (the « 2020-2026 » of a name is not one); over two lines of a tile, the
    # producer left out before the document or its section is cut (issue #11, the whole credit
    # behind the toggle).
    assert reader_credit(
        "Politique de la ville – Les chiffres du mandat : « Redonner toute leur place aux quartiers "
        "populaires »", "Encadré « Les chiffres du mandat »",
        "Bilan du mandat municipal de Chambéry 2020-2026 (auteur et date non indiqués dans le texte)",
        None) == "Politique de la ville – Les chiffres du mandat, Encadré « Les chiffres du mandat »"
    # The producers a document quotes, in brackets; a missing part (None, NaN) says nothing.
    assert reader_credit("Contrat de ville 2024–2030 (annexes)", "Annexe 2 – Portraits, p. 25",
                         float("nan"), float("nan"), quotes=["Insee 2019", "Données INSEE 2019"]) == (
        "Contrat de ville 2024–2030, Annexe 2 – Portraits (d'après Données INSEE 2019)")
    # A fictional file is never credited to the producer whose format it imitates.
    assert reader_credit("Filosofi", None, "INSEE", "2021", is_fictional=True) == (
        "Filosofi — Données fictives (démo), format INSEE, 2021")


def run(page: str, territoire: str, qpv: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    at.session_state["territoire"] = territoire
    if qpv:
        at.session_state["qpv"] = qpv
    at.run()
    assert not at.exception
    return at


def lines(at: AppTest) -> list[str]:
    return [html.unescape(t) for t in source_lines(at)]


DEMO_BILAN = "Source : Bilan annuel du contrat de ville 2025, {} — CA Val-de-Lorne (fictive), 2026"
DEMO_BILAN_FULL = ("Source : Bilan annuel du contrat de ville 2025 (document fictif, CA Val-de-Lorne, "
                   "fictive, 10 février 2026) — {}")
CHALON_ANNEX = "Source : Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits{} (d'après {})"
CIA = "Source : Convention Intercommunale d'Attribution, Annexe 7 – CIA — Le Grand Chalon et al., 2023"


def test_home_page_figures_name_document_producer_and_year(demo_db) -> None:
    at = run("mandat", "demo")
    # The four key figures: the bilan's section, its producer (fictional) and year.
    assert lines(at)[:4] == [DEMO_BILAN.format("tableau de bord")] * 2 + [
        DEMO_BILAN.format("p. 2"), DEMO_BILAN.format("tableau de bord")]
    # The whole sources once under the group.
    full = [e for e in at.expander if e.label == "Sources complètes"][0]
    assert [html.unescape(m.value).count("<div") for m in full.markdown] == [2]
    assert DEMO_BILAN_FULL.format("p. 2") in html.unescape(full.markdown[0].value).replace("\xa0", " ").replace("\u2060", "")

    at = run("mandat", "grand-chalon")
    assert lines(at)[:3] == [CHALON_ANNEX.format("…", "Insee 2019 ; …")] * 2 + [CIA]
    assert not [t for t in lines(at) if "nan" in t.split()]

    # Chartres: its typed figures are not on the home page; the funding chart's line names the
    # page, its producer and its year (issue #11: about two lines), the whole with its date
    # behind « Source complète ».
    at = run("mandat", "chartres-metropole")
    assert lines(at) == [
        "Source : financements saisis d'après Politique de la ville — Chartres métropole, 2023",
        "Source : financements saisis par l'équipe du contrat (modèle de programme), d'après "
        "« Politique de la ville (page du site de Chartres métropole) » (Chartres métropole, "
        "21 septembre 2023)",
        # The projects per year name the documents of the actions the same way (s14-RN).
        "Source : actions saisies d'après Politique de la ville — Chartres métropole, 2023",
        "Source : actions saisies par l'équipe du contrat (modèle de programme), d'après "
        "« Politique de la ville (page du site de Chartres métropole) » (Chartres métropole, "
        "21 septembre 2023)"]


def test_portrait_cards_name_document_producer_and_year(demo_db) -> None:
    # Fictional files: credited as fictional, with their vintage, never to INSEE.
    at = run("portrait", "demo", "QN09903M")
    # The cards' own lines (their « Comparaison : » lines are source lines too, issue #11).
    assert [t for t in lines(at) if not t.startswith("Comparaison : ")][:3] == [
        "Source : Données fictives de démonstration (Filosofi, données par quartier, 2021)",
        "Source : Données fictives de démonstration (Filosofi, données par quartier, 2021) · calculé",
        "Source : Données fictives de démonstration (Filosofi, données par quartier, 2021)"]
    assert not [t for t in lines(at) if "INSEE" in t or "Insee" in t]
    assert "Comparaison : Données fictives de démonstration (Filosofi, données par commune, EPCI, " \
           "département et France, 2021)" in lines(at)

    # A typed figure: the short line, then the whole credit behind « Source complète ».
    at = run("portrait", "grand-chalon", "QN07101I")
    assert lines(at)[:2] == [
        CHALON_ANNEX.format(" de…", "Insee 2019") + " · chiffre publié",
        "Source : Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes, "
        "Annexe 2 – Portraits de quartiers (d'après Insee 2019) · chiffre publié"]

    # Chartres' typed population has no year: the line says so and prints none of its own (the
    # page's year is the page's). Its note names the page its notes cite: one name for both
    # (issue 11, s14-RU), the note's section and precision behind the toggle.
    at = run("portrait", "chartres-metropole", "QN02804M")
    assert lines(at)[0] == (
        "Source : Politique de la ville, § « Les quartiers prioritaires » — Chartres métropole, 2023 "
        "· année non précisée · chiffre publié")


def test_bilan_blocks_name_document_producer_and_year(demo_db) -> None:
    at = run("bilan", "demo")
    shown = lines(at)
    # Each theme's short line, the whole source (with the document's full date) behind its toggle.
    assert shown[:2] == [
        "Source : Bilan annuel du contrat de ville 2025, p. 21 — CA Val-de-Lorne (fictive), 2026",
        "Source : Bilan annuel du contrat de ville 2025 (document fictif, CA Val-de-Lorne, fictive, "
        "10 février 2026) – p. 21"]
    # Chambéry's bilan gives no date: no year; the document's name and its section (cut at a
    # word), the long producer left to the whole credit: the line holds in two lines of a tile
    # (sources.SHORT_LINE).
    at = run("bilan", "chambery")
    assert lines(at)[0] == (
        "Source : Hauts de Chambéry – « Ce qui a changé », rubrique « Une mairie de quartier au "
        "cœur de… »")
