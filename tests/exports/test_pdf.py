"""PDF portraits and mandate reports opened and read back: text extracted with pypdf (figures,
comparators, marks, sources), page count, fonts embedded, pages rendered with pdftoppm."""
from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess

import pypdf
import pytest
from PIL import Image, ImageStat

from config import DEMO_MARK
from indicators.fmt import plain_spaces
from indicators.portrait import UnknownQpv
from reports import pdf

A4_WIDTH = 595.27

DATE = dt.date(2026, 3, 5)


def _text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def _fonts_showing_text(data: bytes) -> set[tuple[str, bool]]:
    """(font name, embedded) of every font that shows text (Tj/TJ) in a page's content."""
    import re
    out = set()
    for page in pypdf.PdfReader(io.BytesIO(data)).pages:
        fonts = page["/Resources"].get("/Font") or {}
        content = page.get_contents().get_data()
        for block in re.findall(rb"BT(.*?)ET", content, flags=re.S):
            font = None
            for m in re.finditer(rb"(/[^\s/]+)\s+[\d.]+\s+Tf|(Tj|TJ)\b", block):
                if m.group(1):
                    font = m.group(1).decode()
                elif font is not None:
                    f = fonts[font].get_object()
                    desc = f.get("/FontDescriptor")
                    embedded = desc is not None and "/FontFile2" in desc.get_object()
                    out.add((str(f["/BaseFont"]).split("+")[-1], embedded))
    return out


@pytest.fixture(scope="module")
def aubepins_pdf(report_db_path, image_server) -> bytes:
    import duckdb
    with duckdb.connect(str(report_db_path), read_only=True) as con:
        return pdf.portrait_pdf(con, "QN07101I", generated_on=DATE)


def test_portrait_aubepins_figures_and_comparators(aubepins_pdf, artifacts) -> None:
    (artifacts / "portrait_QN07101I.pdf").write_bytes(aubepins_pdf)
    pages = _text(aubepins_pdf)
    assert 1 <= len(pages) <= 2
    text = plain_spaces(" ".join(pages)).replace("\n", " ")
    for expected in ("Aubépins", "PORTRAIT DE QUARTIER", "742 €/mois", "1 480 €/mois", "1 770 €/mois",
                     "Chalon-sur-Saône", "CA Le Grand Chalon", "8 904 €/an", "37,5 %", "2 500 habitants",
                     "Lutter contre l'isolement", "Embellir et sécuriser le parc",
                     "« Je m'y sens bien, il y a tout ce qu'il faut »", "Insee 2019", "Compas – ABS 2022",
                     "Document produit le 5 mars 2026", "page 1 / 2"):
        assert expected in text, expected
    assert "secret statistique" in text          # the withheld poverty rate …
    assert DEMO_MARK not in text                  # … and a real territory has no demo mark
    assert "\u202f480" in " ".join(pages)         # narrow no-break space kept as such


def test_portrait_embeds_dejavu(aubepins_pdf) -> None:
    assert _fonts_showing_text(aubepins_pdf) == {
        ("DejaVuSans", True), ("DejaVuSans-Bold", True), ("DejaVuSans-Oblique", True)}


def test_portrait_demo_marks_every_page_and_wraps_long_name(report_con, image_server, artifacts) -> None:
    data = pdf.portrait_pdf(report_con, "QN09902N", generated_on=DATE)
    (artifacts / "portrait_QN09902N.pdf").write_bytes(data)
    pages = [plain_spaces(p) for p in _text(data)]
    assert all(DEMO_MARK in p for p in pages)
    assert "Vieux Puits - Paradis - Maunoury" in pages[0].replace("\n", " ")
    assert "Lutter contre l'isolement des seniors « très âgés »" in pages[0]
    # The withheld poverty rate never appears as a number.
    assert "Taux de pauvreté (seuil à 60 %) secret" in pages[0].replace("\n", " ")


def test_portrait_unknown_qpv(report_con) -> None:
    with pytest.raises(UnknownQpv):
        pdf.portrait_pdf(report_con, "QN99999Z", charts=False)


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_portrait_pages_render(aubepins_pdf, artifacts, tmp_path) -> None:
    src = tmp_path / "p.pdf"
    src.write_bytes(aubepins_pdf)
    subprocess.run(["pdftoppm", "-r", "60", "-png", str(src), str(artifacts / "portrait_QN07101I")], check=True)
    pngs = sorted(artifacts.glob("portrait_QN07101I-*.png"))
    assert len(pngs) == 2
    for png in pngs:
        img = Image.open(png)
        assert img.size == (497, 702)  # A4 at 60 dpi
        assert ImageStat.Stat(img.convert("L")).var[0] > 200


def test_mandate_report_sections_toc_page_numbers(report_db_path, image_server, artifacts) -> None:
    import duckdb
    with duckdb.connect(str(report_db_path), read_only=True) as con:
        data = pdf.mandate_pdf(con, "gc-test", generated_on=DATE)
    (artifacts / "mandat_gc-test.pdf").write_bytes(data)
    pages = [plain_spaces(p) for p in _text(data)]
    n = len(pages)
    assert "RAPPORT DE MANDAT" in pages[0] and "Contrat de ville du Grand Chalon" in pages[0]
    assert "page 1 /" not in pages[0]                       # no footer on the cover
    assert all(f"page {i} / {n}" in pages[i - 1] for i in range(2, n + 1))
    toc = pages[1]
    for title in ("Sommaire", "Les chiffres du mandat", "Programmes et financements", "Portraits de quartiers",
                  "Aubépins", "Prés Saint Jean", "Logement et attributions", "Sources"):
        assert title in toc, title
    assert "Bilans par quartier" not in toc           # by default, only the sections with data
    text = " ".join(pages).replace("\n", " ")
    for expected in ("Habitants rencontrés", "plus de 1 650 personnes", "20 495 €", "40 495 €",
                     "742 €/mois", "12,04 %", "88 (document)", "Revenus et pauvreté des QPV (Filosofi)"):
        assert expected in text, expected
    assert DEMO_MARK not in text


def test_mandate_demo_marked_on_every_page_and_sections_chosen(report_db_path, image_server) -> None:
    import duckdb
    with duckdb.connect(str(report_db_path), read_only=True) as con:
        data = pdf.mandate_pdf(con, "demo", sections=["portraits"], qpv_codes=["QN09902N"], generated_on=DATE)
        with pytest.raises(pdf.ReportError, match="Section inconnue"):
            pdf.mandate_pdf(con, "demo", sections=["nope"])
        with pytest.raises(pdf.ReportError, match="Territoire inconnu"):
            pdf.mandate_pdf(con, "nope")
        with pytest.raises(pdf.ReportError, match="hors du territoire"):
            pdf.mandate_pdf(con, "demo", qpv_codes=["QN07101I"])
    pages = [plain_spaces(p) for p in _text(data)]
    assert all(DEMO_MARK in p for p in pages)
    text = " ".join(pages)
    assert "Vieux Puits - Paradis - Maunoury" in text and "Les Tilleuls" not in text
    assert "Les chiffres du mandat" not in text


def test_cli_portrait_batch_and_errors(report_db_path, tmp_path, capsys) -> None:
    from reports.__main__ import main
    out = tmp_path / "portraits"
    assert main(["--db", str(report_db_path), "portrait", "--territory", "gc-test", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["portrait_QN07101I_aubepins.pdf",
                                                     "portrait_QN07102I_pres-saint-jean.pdf"]
    assert "742" in plain_spaces(_text((out / "portrait_QN07101I_aubepins.pdf").read_bytes())[0])
    assert main(["--db", str(report_db_path), "portrait", "--qpv", "QN00000X", "--out", str(tmp_path / "x.pdf")]) == 2
    assert main(["--db", str(report_db_path), "mandate", "--territory", "nope", "--out", str(tmp_path / "m.pdf")]) == 2
    err = capsys.readouterr().err
    assert "Quartier inconnu : QN00000X" in err and "Territoire inconnu : « nope »" in err
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path / "m.pdf").exists()


@pytest.fixture(scope="module")
def built_db(tmp_path_factory):
    """The real build: the demo generator and the seeds' territories (data/territories)."""
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    if not (root / "data" / "territories" / "grand-chalon").is_dir():
        pytest.skip("data/territories/grand-chalon is absent")
    d = tmp_path_factory.mktemp("built")
    run = dict(cwd=root, check=True, capture_output=True)
    subprocess.run([sys.executable, "-m", "etl", "demo", "--out", str(d / "demo")], **run)
    subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(d / "demo"), "--raw",
                    str(root / "data" / "territories"), "--db", str(d / "qpv.duckdb")], **run)
    return d / "qpv.duckdb"


def test_real_build_aubepins_portrait(built_db, image_server, artifacts) -> None:
    import duckdb
    with duckdb.connect(str(built_db), read_only=True) as con:
        data = pdf.portrait_pdf(con, "QN07101I", generated_on=DATE)
    (artifacts / "portrait_QN07101I_real.pdf").write_bytes(data)
    pages = [plain_spaces(p).replace("\n", " ") for p in _text(data)]
    assert len(pages) <= 2
    text = " ".join(pages)
    assert "742 €/mois" in text
    assert "Chalon-sur-Saône : 1 480 €/mois (2022)" in text
    assert "CA Le Grand Chalon : 1 770 €/mois (2022)" in text
    assert DEMO_MARK not in pages[0]


def test_mandate_actions_table_never_counts_an_unknown_flag_as_zero() -> None:
    """« dont nouvelles » / « dont sous CPO »: an action whose flag is not filled in is unknown,
    not « non »; a year where no action fills it in says « non renseigné » (as the app does)."""
    import duckdb
    from pathlib import Path
    con = duckdb.connect()
    con.execute((Path(pdf.__file__).parents[1] / "etl" / "schema.sql").read_text())
    rows = [("A1", 2023, None, None), ("A2", 2023, None, None),
            ("A1", 2024, True, None), ("A2", 2024, None, True), ("A3", 2024, False, False),
            ("A1", 2025, False, True), ("A2", 2025, True, False)]
    con.executemany("insert into programme_actions (contract_slug, action_id, year, title, is_new, "
                    "is_multiyear_agreement, source_id) values ('c', ?, ?, 't', ?, ?, 's')", rows)
    assert [tuple(plain_spaces(x) for x in r) for r in pdf.actions_by_year_rows(con, "c")] == [
        ("2023", "2", "non renseigné", "non renseigné"),
        ("2024", "3", "1 (nouveauté non renseignée pour 1)", "1 (convention non renseignée pour 1)"),
        ("2025", "2", "1", "1"),
    ]


def test_pdf_dates_say_1er() -> None:
    """« produit le 1er décembre 2026 », never « le 1 décembre »."""
    assert pdf._date_fr(dt.date(2026, 12, 1)) == "1er\u00a0décembre\u00a02026"
    assert pdf._date_fr(dt.date(2026, 3, 5)) == "5\u00a0mars\u00a02026"


def test_portrait_pdf_never_prints_a_year_no_document_gives(report_db_path, image_server, tmp_path) -> None:
    """A figure typed from a document that gives no year (year_given = non) keeps its document's
    date for ordering only: the PDF says « année non précisée », like the app, never « 2023 »."""
    import shutil

    import duckdb
    db = tmp_path / "report.duckdb"
    shutil.copy(report_db_path, db)
    with duckdb.connect(str(db)) as con:
        con.execute("""insert into indicator_facts (territory_code, territory_level, indicator_id, year,
                       value, status, origin, source_note, document_id, source_id, year_given)
                       values ('QN09903N', 'qpv', 'population_count', 2023, 2540, 'ok', 'published',
                               'Page du site (année non précisée)', 'annexe', 'src_annex0000001', false)""")
        data = pdf.portrait_pdf(con, "QN09903N", generated_on=DATE)
    text = plain_spaces(" ".join(_text(data))).replace("\n", " ")
    assert "2 540 habitants (année non précisée, source [" in text
    assert "2023" not in text


def _text_x(data: bytes, page: int = 0) -> list[tuple[float, str]]:
    """(x of the text run, text) of every text run on a page, in drawing order."""
    out: list[tuple[float, str]] = []
    pypdf.PdfReader(io.BytesIO(data)).pages[page].extract_text(
        visitor_text=lambda text, cm, tm, *_: out.append((tm[4] * cm[0] + cm[4], text)) if text.strip() else None)
    return out


def test_portrait_notes_and_sources_each_keep_their_column(report_db_path, image_server, tmp_path) -> None:
    """A short note once ended at the top of the second column, above « Sources et méthode »
    (La Madeleine, Chartres): each keeps its column."""
    import shutil

    import duckdb
    from tests.exports.conftest import Factory
    db = tmp_path / "report.duckdb"
    shutil.copy(report_db_path, db)
    note = ("La Madeleine à Chartres : quartier ayant fait l'objet d'une demande de classement en "
            "quartier de veille (2015–2023), devenu quartier prioritaire en 2024.")
    with duckdb.connect(str(db)) as con:
        f = Factory(con)
        f.territory("QN09904N", "qpv", "La Madeleine", 2024, [("99001", "commune")], "demo")
        f.insert("qualitative_items", contract_slug="demo", territory_code="QN09904N", item_type="note",
                 theme="Géographie prioritaire", position=1, text=note, document_id="annexe")
        data = pdf.portrait_pdf(con, "QN09904N", generated_on=DATE)
    runs = _text_x(data, -1)
    half = A4_WIDTH / 2
    heading = [x for x, t in runs if "Sources et méthode" in t]
    assert heading and heading[0] > half
    note_runs = [(x, t) for x, t in runs if any(w in t for w in ("Madeleine", "quartier de veille",
                                                                  "devenu quartier prioritaire"))]
    assert note_runs and all(x < half for x, _ in note_runs), note_runs


def test_the_income_bars_names_are_narrower_with_five_bars() -> None:
    # A QPV over two communes has five bars: « CA Val-de-Lorne » ran into « métropolitaine »
    # and « Saint-Aubin-sur-Lorne » into « Lorneville » (issue 11, demo mandate report, p. 10).
    from reports.pdf import bar_names
    assert bar_names(["Bords de Lorne - Gare (2021)", "Lorneville (2021)", "Saint-Aubin-sur-Lorne (2021)",
                      "CA Val-de-Lorne (fictive) (2021)", "France métropolitaine (2021)"]) == [
        "Bords de<br>Lorne -<br>Gare<br>(2021)", "Lorneville<br>(2021)",
        "Saint-<br>Aubin-sur-<br>Lorne<br>(2021)", "CA Val-de-<br>Lorne<br>(fictive)<br>(2021)",
        "France<br>métropolitaine<br>(2021)"]
    assert bar_names(["Les Tilleuls (2021)", "Lorneville (2021)", "CA Val-de-Lorne (fictive) (2021)",
                      "France métropolitaine (2021)"]) == [
        "Les Tilleuls<br>(2021)", "Lorneville<br>(2021)", "CA<br>Val-de-Lorne<br>(fictive)<br>(2021)",
        "France<br>métropolitaine<br>(2021)"]


def test_the_housing_parties_read_as_labels() -> None:
    # The objectives read « ensemble » as typed in the template, the results « Ensemble »
    # (issue 11, demo mandate report, pp. 32-33).
    from reports.pdf import party_text
    assert [party_text(t, n) for t, n in [("ensemble", "ensemble"), ("ensemble", "Ensemble"),
                                          ("reservataire", "action_logement"),
                                          ("bailleur", "Lorne Habitat (fictif)")]] == [
        "Ensemble", "Ensemble", "Action Logement", "Lorne Habitat (fictif)"]
