"""Reports that print as they are (issue 11): the text of every contract's mandate report and of
every portrait, extracted with pdftotext, has no doubled word, quote or unit, no cut footer, no
file name or fingerprint; amounts read as published; a note shared by the portraits is said once;
long tables are summarised with their detail in an annex.

The reports are built from the real ETL output (demo generator + data/territories), without
charts (the text is the same; charts are covered by tests/exports/test_images.py)."""
from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from indicators.fmt import plain_spaces
from reports import pdf

ROOT = Path(__file__).resolve().parents[2]
DATE = dt.date(2026, 3, 5)
CONTRACTS = ("demo", "grand-chalon", "chambery", "chartres-metropole")

DEFECTS = {
    # A word or a phrase of up to three words written twice: « de de », « Contrat de ville Contrat de ville ».
    "mot répété": re.compile(r"\b((?:[^\W\d_]+ ){0,2}[^\W\d_]{2,})[ ]+\1\b", re.IGNORECASE),
    "guillemets doublés": re.compile(r"«\s*«|»\s*»"),
    "par an répété": re.compile(r"(par an|/an)\s+par an"),
    "cumul répété": re.compile(r"cumul\b[^\n]{0,25}\(cumul\)", re.IGNORECASE),
    "empreinte": re.compile(r"\b[0-9a-f]{16,}\b|\([0-9a-f]{8,}…\)"),
    "nom de fichier": re.compile(r"[\w!-]+\.(?:csv|xlsx|zip|json|geojson|shp|md)\b", re.IGNORECASE),
    # A software package in a reader's source line (« @etalab/decoupage-administratif 6.0.0 »).
    "nom de paquet": re.compile(r"@[\w.-]+/[\w.-]+|\bpaquet\s+[@\w]", re.IGNORECASE),
    # A quote mark alone at the start or the end of a line (« Habitat Institution\n») »).
    "guillemet isolé": re.compile(r"^[ \t]*»|«[ \t]*$", re.MULTILINE),
}


CELL_PLACEHOLDERS = ("non renseigné", "secret statistique")


def defects(pages: list[str]) -> list[str]:
    """Every defect found, as 'kind: excerpt (page n)'."""
    found = []
    for n, page in enumerate(pages, 1):
        for kind, rx in DEFECTS.items():
            found += [f"{kind}: {page[max(0, m.start() - 30):m.end() + 10]!r} (page {n})"
                      for m in rx.finditer(page)
                      # Two cells side by side each saying a figure is missing (kept on one line
                      # since s14-RP, as a figure is) are not a doubled word.
                      if not (kind == "mot répété" and m.group(1).lower() in CELL_PLACEHOLDERS)]
        for line in page.splitlines():
            if re.search(r"page \d+ / \d+", line) and "…" in line:
                found.append(f"pied de page coupé: {line!r} (page {n})")
        # A page holding nothing but its furniture (banner, footer, page number).
        body = [ln for ln in page.splitlines() if ln.strip() and "Données fictives de démonstration" != ln.strip()
                and not re.search(r"page \d+ / \d+|produit le ", ln)]
        if n > 1 and not body:
            found.append(f"page blanche (page {n})")
        # A page opening on a few numbered source lines: the end of a list whose heading is on
        # the page before (« [14] … » alone at the top of a page; a long list's end keeps at least
        # SOURCES_MIN_LINES of them).
        elif body and re.match(r"\[\d+\] ", body[0]) and sum(
                bool(re.match(r"\[\d+\] ", ln)) for ln in body) < pdf.SOURCES_MIN_LINES:
            found.append(f"sources orphelines: {body[0][:40]!r} (page {n})")
        # A page, not the last, holding one short paragraph: the end of the page before (the
        # mandate figures' reading note alone on Grand Chalon's page 4).
        elif n > 1 and n < len(pages) and len(body) <= 3 and not any(re.match(r"\[\d+\] ", ln) for ln in body):
            found.append(f"page presque vide: {body[0][:40]!r} (page {n})")
    return found


def pdf_pages(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return [plain_spaces(p) for p in out.split("\f")[:-1]]


@pytest.fixture(scope="module")
def real_db(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("reading")
    run = dict(cwd=ROOT, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(d / "demo")], **run)
    subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(d / "demo"), "--raw",
                    str(ROOT / "data" / "territories"), "--db", str(d / "qpv.duckdb")], **run)
    return d / "qpv.duckdb"


@pytest.fixture(scope="module")
def mandates(real_db) -> dict[str, list[str]]:
    with duckdb.connect(str(real_db), read_only=True) as con:
        return {c: pdf_pages(pdf.mandate_pdf(con, c, generated_on=DATE, charts=False)) for c in CONTRACTS}


def test_the_defect_finder_finds_each_defect() -> None:
    page = ("Contrat de ville Contrat de ville – 2030\n« « Idéal » »\n1 500 000 €/an par an\n"
            "cumul 2024 (cumul) : 3\nfilo_2019.csv (b60365737d05…)\nabcdef0123456789abcd\n"
            "COG 2026 (données du paquet @etalab/decoupage-administratif 6.0.0)\n"
            "Rapport de mandat — Contrat de ville du Grand Chalon · produit le 20…   page 2 / 9\n"
            "(rubrique « Habitat Institution\n») — Grand Chambéry")
    blank = "Données fictives de démonstration\nRevue annuelle 2025 — Contrat · produit le 1er décembre 2026\npage 10 / 11"
    orphans = ("Données fictives de démonstration\n[14] § « Les 46 territoires »\n[15] § « Quels bénéfices »\n"
               "Rapport de mandat — Contrat · produit le 1er décembre 2026\npage 4 / 10")
    alone = ("Les chiffres publiés sont repris tels que le document les donne (« plus de »,\n« environ ») ; "
             "les cumuls ne portent que sur les années du contrat.\nRapport de mandat — Contrat\n"
             "produit le 1er décembre 2026\npage 4 / 26")
    assert [d.split(":")[0].split(" (")[0] for d in defects([page, blank, orphans, alone, "Sources"])] == [
        "mot répété", "guillemets doublés", "guillemets doublés", "par an répété", "cumul répété", "empreinte", "empreinte",
        "nom de fichier", "nom de paquet", "guillemet isolé", "pied de page coupé", "page blanche", "sources orphelines",
        "page presque vide"]
    # Two table cells side by side each reading « non renseigné » are no doubled word; a word is.
    assert [d.split(":")[0] for d in defects(["Montant 62 000 € non renseigné non renseigné\n"
                                              "secret statistique secret statistique\nnon non"])] == ["mot répété"]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_mandate_report_reads_without_defects(mandates, contract) -> None:
    pages = mandates[contract]
    assert defects(pages) == []
    # The cover names the contract once: « Contrat de ville » is never said twice on it.
    assert " ".join(pages[0].split()).lower().count("contrat de ville") <= 1
    footer = "produit le 5 mars 2026"
    # The whole footer on every page but the cover (wrapped when long, never cut).
    assert [n for n, p in enumerate(pages[1:], 2) if footer not in p.replace("\n", " ")] == []


@pytest.mark.parametrize("contract, year", [("demo", 2025), ("grand-chalon", 2024)])
def test_review_report_reads_without_defects(real_db, contract, year) -> None:
    # The annual review (issue 12): no doubled word (two headers side by side included), no
    # « EUR », no year printed with a thousands separator, no « nan ».
    with duckdb.connect(str(real_db), read_only=True) as con:
        pages = pdf_pages(pdf.review_pdf(con, contract, year, generated_on=DATE))
    assert defects(pages) == []
    text = "\n".join(pages)
    assert [w for w in (r"\bEUR\b", r"\b20 2\d\b", r"\bnan\b", r"\bNone\b") if re.search(w, text)] == []


def test_every_portrait_reads_without_defects(real_db) -> None:
    with duckdb.connect(str(real_db), read_only=True) as con:
        codes = [r[0] for r in con.execute(
            "select territory_code from contract_territories where territory_level = 'qpv' order by 1").fetchall()]
        found = {code: defects(pdf_pages(pdf.portrait_pdf(con, code, generated_on=DATE, charts=False)))
                 for code in codes}
    assert len(codes) == 21
    assert {c: d for c, d in found.items() if d} == {}


def test_chambery_amounts_read_as_published(mandates) -> None:
    text = "\n".join(mandates["chambery"])
    assert "1,5 M€\npar an" in text                       # value, then its period once
    assert "350 000 €\npar an" in text
    assert "15 M€" in text
    assert "100 personnes\nchaque année" in text
    assert "1 500 000" not in text and "15 000 000" not in text
    cover = mandates["chambery"][0]
    # The subtitle says only what the title does not: « signé en 2024 ».
    assert "2030\nSigné en 2024\n" in cover
    assert "Contrat de ville – Engagements 2030" not in cover


def test_chambery_national_figures_are_apart(mandates) -> None:
    """As on the home page: the national programme figures are under « Contexte national », after
    the contract's own figures."""
    text = "\n".join(mandates["chambery"])
    context = text.index("Contexte national")
    for label in ("Territoires pilotes de", "Territoires du premier", "Crédits supports"):
        assert text.index(label) > context, label
    assert text.index("Budget de la Ville") < context


def test_kpi_cells_say_each_thing_once() -> None:
    from indicators.kpi import KpiTile
    fields = dict.fromkeys(KpiTile.__dataclass_fields__)
    tile = KpiTile(**{**fields, "kpi_id": "x", "label": "Budget", "unit": "EUR/an", "value": 1_500_000.0,
                      "status": "ok", "period_label": "par an"})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == ("1,5 M€", "par an", "", "")
    tile = KpiTile(**{**fields, "kpi_id": "y", "label": "Médiation", "unit": "interventions",
                      "value": 4783.0, "status": "ok", "period_label": "en 2024",
                      "cumulative_value": 4783.0, "cumulative_status": "ok",
                      "cumulative_period_label": "2024 (cumul)"})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == ("4 783 interventions", "en 2024", "", "")
    # A period the label says is not said again under the figure (Chambéry's « constat de 2020 »).
    tile = KpiTile(**{**fields, "kpi_id": "s", "label": "Structures disparues (constat de 2020)",
                      "unit": "structures", "value": 3.0, "status": "ok", "period_label": "constat de 2020"})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == ("3 structures", "", "", "")
    tile = KpiTile(**{**fields, "kpi_id": "r", "label": "Territoires retenus en 2021 (second appel)",
                      "unit": "territoires", "value": 23.0, "status": "ok", "year": 2021})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == ("23 territoires", "", "", "")
    tile = KpiTile(**{**fields, "kpi_id": "q", "label": "Territoires retenus en 20210", "unit": "territoires",
                      "value": 23.0, "status": "ok", "year": 2021})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == ("23 territoires", "2021", "", "")
    tile = KpiTile(**{**fields, "kpi_id": "z", "label": "Droits", "unit": "droits", "value": 323.0,
                      "status": "ok", "year": 2026, "cumulative_value": 1116.0, "cumulative_status": "ok",
                      "cumulative_period_label": "2020–2026 (cumul)", "evolution": 74.0,
                      "previous_year": 2025, "target": 160.0, "achievement_pct": 201.9})
    assert tuple(map(plain_spaces, pdf.kpi_cells(tile))) == (
        "323 droits", "2026", "cumul 2020–2026 : 1 116 droits ; +74 droits par rapport à 2025",
        "160 droits (réalisé à 201,9 %)")


def test_an_achievement_has_one_precision_everywhere() -> None:
    """Issue 11: « réalisé à 120 % » in the PDF, 119,6 % on the page: a ratio we compute is printed
    at one decimal (fmt.COMPUTED_PCT_DECIMALS) in the mandate report, on the page and in the
    spreadsheet cell."""
    import io

    import openpyxl

    from indicators.kpi import KpiTile
    from reports.tables import to_xlsx_bytes
    from ui import views
    fields = dict.fromkeys(KpiTile.__dataclass_fields__)
    tile = KpiTile(**{**fields, "kpi_id": "x", "label": "Médiation", "unit": "interventions", "value": 4010.0,
                      "status": "ok", "year": 2024, "target": 4000.0, "achievement_pct": 100 * 4010 / 4000,
                      "cumulative_value": 26557.0, "cumulative_status": "ok",
                      "cumulative_period_label": "2020–2026 (cumul)", "cumulative_achievement_pct": 100.25})
    # 100,25 %: two decimals a document could have typed, yet a quotient, printed 100,3 %.
    assert plain_spaces(pdf.kpi_cells(tile)[3]) == "4 000 interventions (réalisé à 100,3 %)"
    assert [plain_spaces(x) for x in views.kpi_tile(tile)["lines"]] == [
        "Objectif 2024 : 4 000 interventions – réalisé à 100,3 %",
        "Cumul 2020–2026 : 26 557 interventions (100,3 % de l'objectif)"]
    frame, _status, units = views.kpi_export([tile])
    ws = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(frame, title="t", territory="x", units=units)))["Données"]
    rows = [list(r) for r in ws.iter_rows()]
    [(head, col)] = [(i, row.index(c)) for i, row in enumerate(rows) for c in row if c.value == "Réalisation (%)"]
    cell = rows[head + 1][col]
    assert (cell.value, cell.number_format) == (100.3, '#,##0.0#"\u00a0%"')


def test_small_text_helpers() -> None:
    assert pdf.quoted("Idéal pour une famille") == "« Idéal pour une famille »"
    assert pdf.quoted("« Idéal pour une famille »") == "« Idéal pour une famille »"
    assert pdf.quoted("« On veut rester. » (fictif)") == "« On veut rester. » (fictif)"
    # « Contrat de ville » said once on a cover (issue 11: « Contrat de ville de Val-de-Lorne
    # (fictif) » then « Contrat de ville 2020–2026 »).
    assert pdf.contract_subtitle("Contrat de ville de Démo", "2024–2030") == "2024–2030"
    assert pdf.contract_subtitle("Contrat de ville de l'agglomération chartraine",
                                 "Contrat de ville 2015–2022, prolongé jusqu'à fin 2023") == \
        "2015–2022, prolongé jusqu'à fin 2023"
    assert pdf.contract_subtitle("Agglomération de Démo", "2024–2030") == "Contrat de ville 2024–2030"
    assert pdf.contract_subtitle("Agglomération de Démo", "Contrat de ville – 2024–2030") == \
        "Contrat de ville – 2024–2030"
    assert pdf.contract_subtitle("Contrat de ville du Grand Chalon 2024-2030 – Engagements", "2024–2030") is None
    assert pdf.contract_subtitle("Ville – Contrat de ville Engagements 2030",
                                 "Contrat de ville – Engagements 2030") is None
    # Chambéry's cover once read « … Contrat de ville Engagements 2030 » then « Contrat de ville –
    # Engagements 2030 (signé en 2024) »: only what the name does not say stays.
    assert pdf.contract_subtitle("Politique de la ville de Chambéry – Contrat de ville Engagements 2030",
                                 "Contrat de ville – Engagements 2030 (signé en 2024)") == "Signé en 2024"
    assert pdf.funder_text("etat_p147", "État – programme 147 (adultes-relais)") == \
        "État – programme 147 (adultes-relais)"
    assert pdf.funder_text("ville", "Ville de Lorneville") == "Ville de Lorneville"
    assert pdf.funder_text("epci", "CA Val-de-Lorne") == "Intercommunalité — CA Val-de-Lorne"
    assert pdf.without_file_names("Filosofi 2021 (fichier cc_filosofi_2021_COM.csv), chiffres repris "
                                  "de DOMAIN.md §3") == "Filosofi 2021"
    assert pdf.without_file_names(
        "Code officiel géographique 2026 : communes et populations municipales (données du paquet "
        "@etalab/decoupage-administratif 6.0.0), repris de DOMAIN.md §3") == \
        "Code officiel géographique 2026 : communes et populations municipales"
    assert pdf.without_file_names("Populations légales, package @etalab/decoupage-administratif 6.0.0") == \
        "Populations légales"
    pdf.register_fonts()
    size, lines = pdf.footer_lines("Rapport de mandat — " + "Contrat de ville très long " * 6
                                   + "· produit le 5 mars 2026", 400)
    assert size == 7 and len(lines) == 2 and lines[-1].endswith("produit le 5 mars 2026")
    assert " ".join(lines).replace(" · ", " ").count("Contrat de ville très long") == 6


def test_shared_notes_said_once_and_long_tables_in_an_annex(mandates) -> None:
    demo = mandates["demo"]
    text = "\n".join(demo)
    assert text.count("Unité : celle de la colonne Quartier") == 1
    assert text.count("jamais remplacé par 0") == 1
    notes = [p for p in demo if "Notes de lecture" in p and "Sommaire" not in p]
    assert len(notes) == 1 and "Unité : celle de la colonne Quartier" in notes[0]
    # Funding: one line per year in the section, the funder tables in annex 1.
    body, annex = text.rsplit("Annexe 1 — Financements par financeur et par année", 1)
    assert "Financements par année" in body and "Le détail par financeur et par année est en annexe 1" in body
    assert "Année 2020" not in body
    assert "Année 2020" in annex and "Ville de Lorneville" in annex
    # Housing: the whole of each year in the section, per party in annex 2.
    assert "Annexe 2 — Résultats des attributions par partie" in text
    sources = demo[-1]
    assert "Documents" in sources and "Données statistiques" in sources
    assert "Données et méthode" in sources


# A fictional value credited to the producer whose format it imitates (« Fictif : INSEE, … »,
# « INSEE — QPV2024_CAF_2022 » on the sources page).
FICTIONAL_CREDITED = re.compile(r"Fictif : |\bINSEE\s*(?:,|—|\d{4})", re.IGNORECASE)


def test_demo_reports_never_credit_insee(mandates, real_db) -> None:
    """The demo's figures are generated in INSEE's formats: its mandate report and portraits
    credit them as « Données fictives de démonstration », never to INSEE."""
    demo = " ".join("\n".join(mandates["demo"]).split())
    assert FICTIONAL_CREDITED.findall(demo) == []
    # The generated files share one heading, said once per portrait; each is named by what it
    # is, never by its file name (issue 11: « [1] fichier QPV2024_RP_2020, 2020 »).
    assert ("Données fictives de démonstration : [1] recensement de la population, données par quartier, 2020"
            in demo)
    assert "[5] Cnaf, données par quartier, 2022" in demo
    assert re.findall(r"\b(?:QPV20\d\d|cc)_[A-Za-z_]+", demo) == []
    assert ("Données fictives de démonstration — fichiers générés au format des fichiers statistiques publiés"
            in " ".join(mandates["demo"][-1].split()))
    with duckdb.connect(str(real_db), read_only=True) as con:
        text = "\n".join(pdf_pages(pdf.portrait_pdf(con, "QN09902I", generated_on=DATE, charts=False)))
    assert FICTIONAL_CREDITED.findall(text) == []
    # The real territories still credit INSEE when they quote it.
    assert "Données INSEE 2019" in " ".join("\n".join(mandates["grand-chalon"]).split())


def test_printed_source_labels() -> None:
    from indicators.sources import FICTIONAL, printed
    assert printed("Fictif : INSEE, Cnaf, données par quartier, 2022") == \
        f"{FICTIONAL} — Cnaf, données par quartier, 2022"
    assert printed("Fictif : Compas – ABS 2022 (fictif)") == f"{FICTIONAL} — Compas – ABS 2022 (fictif)"
    assert printed("Fictif : Insee 2019") == f"{FICTIONAL} (2019)"
    assert printed("Fictif : INSEE, QPV2024_CAF_2022, 2022", short=True) == FICTIONAL
    assert printed("Insee, Filosofi 2021", short=True) == "Insee, Filosofi 2021"
    assert printed(None) == ""


def test_a_source_shared_by_several_references_is_said_once(mandates) -> None:
    """Chambéry's mandate figures come from thirteen sections of one document: its long title is
    printed once, followed by one « [n] section » line each."""
    refs = pdf.SourceRefs()
    assert [refs.ref("Doc A — § 1"), refs.ref("Doc B"), refs.ref("Doc A — § 2"), refs.ref("Insee 2019", "p. 3"),
            refs.ref("Insee 2019", "p. 4"), refs.ref("Doc A")] == [1, 2, 3, 4, 5, 6]
    assert refs.lines() == ["Doc A :", "[1] § 1", "[3] § 2", "[6] ensemble du document", "[2] Doc B",
                            "Insee 2019 :", "[4] p. 3", "[5] p. 4"]
    # The section « Les chiffres du mandat » (after the cover and the contents, before the
    # portraits), whatever page its sources fall on.
    body = "\n".join(mandates["chambery"][2:])
    section = body[:body.index("Portraits de quartiers")]
    assert section.count("Redonner toute leur place") == 1
    assert section.count("Grand Chambéry engagée dans la mise en") == 1


def test_computed_shares_print_one_decimal(real_db) -> None:
    """The grid's share of poor households, computed by the build (44,98 %), printed at one
    decimal as the published shares beside it, in the key figures' table: « 45,0 % », the
    precision of the shares chart that draws it (issue 11: « 45 % » beside the chart's « 45,0 % »);
    a loaded value is unchanged."""
    with duckdb.connect(str(real_db), read_only=True) as con:
        text = " ".join("\n".join(pdf_pages(pdf.portrait_pdf(con, "QN09904N", generated_on=DATE,
                                                             charts=False))).split())
        raw = con.execute("select value from indicator_values where territory_code = 'QN09904N'"
                          " and indicator_id = 'grid_poor_households_pct' and year = 2019").fetchall()[0][0]
    assert round(raw, 2) == 44.98
    assert "Ménages pauvres (carroyage 200 m) 45,0 % 2019" in text
    assert re.findall(r"\b\d+,\d\d %", text) == []
    v = type("V", (), {"value": 12.04, "unit": "%", "origin": "published"})()
    assert pdf.printed_value(v) == 12.04
