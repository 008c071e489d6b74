"""Layout defects seen when every page of every report was looked at (issue 11): a blank page
before a page break, a line starting with « ; », a legend saying a name twice, a theme heading
ending a page without its rows. Documents are built by code and read back with pdftotext."""
from __future__ import annotations

import datetime as dt
import re
import subprocess

from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, Spacer, Table

from indicators.fmt import plain_spaces
from reports import pdf

DATE = dt.date(2026, 3, 5)


def _pages(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return [plain_spaces(p) for p in out.split("\f")[:-1]]


def _copy_with_fact(db_path, path, *fact) -> object:
    """A copy of the report database at `path` with one more demo-sourced value (Factory.fact's
    code, level, indicator, year, value)."""
    import shutil

    import duckdb

    from tests.exports.conftest import SRC_DEMO, Factory

    shutil.copy(db_path, path)
    with duckdb.connect(str(path)) as con:
        f = Factory.__new__(Factory)
        f.con = con
        f.fact(*fact, source_id=SRC_DEMO)
    return path


def _info() -> pdf.PageInfo:
    return pdf.PageInfo(footer="Essai · produit le 5 mars 2026", fictional=False, generated_on=DATE)


def test_a_space_that_no_longer_fits_never_opens_a_blank_page() -> None:
    # A block filling its page up to 2 mm from the bottom, the 4 mm space every review section
    # ends with, then the page break before « Sources »: two pages, never a blank one between.
    pdf.register_fonts()
    st = pdf.styles()
    frame_h = pdf.PAGE_H - 16 * mm - 15 * mm
    story = [Paragraph("Comité de pilotage", st.base)]
    story += [Spacer(1, frame_h - Paragraph("x", st.base).wrap(pdf.CONTENT_W, frame_h)[1] - 2 * mm),
              Spacer(1, 4 * mm), PageBreak(), Paragraph("Sources", st.base)]
    pages = _pages(pdf._build(story, _info(), title="Essai"))
    assert [p.split("\n")[0] for p in pages] == ["Comité de pilotage", "Sources"]
    # A space at the top of a page (a cover's) is kept: the title stays where it was put.
    story = [Spacer(1, 60 * mm), Paragraph("Titre", st.base)]
    assert len(_pages(pdf._build(story, _info(), title="Essai"))) == 1


def test_a_line_never_starts_with_a_semicolon_or_a_colon() -> None:
    pdf.register_fonts()
    st = pdf.styles()
    text = "contre Lorneville : 23,4 % [3] ; CA Val-de-Lorne (fictive) : 17,1 % [3] ; France : 14,5 %"
    assert pdf.esc("a ; b : c ! d ? e") == "a\u00a0; b\u00a0: c\u00a0! d\u00a0? e"
    assert pdf.esc("http://x ; 10:30") == "http://x\u00a0; 10:30"
    from reportlab.platypus import Table
    # The same text in columns of every width from 25 to 120 mm: wherever the lines break, none
    # starts with « ; » or « : », and no word is lost.
    widths = range(25, 121, 5)
    story = [Table([[Paragraph(pdf.esc(text), st.small)]], colWidths=[w * mm]) for w in widths]
    lines = [ln for p in _pages(pdf._build(story, _info(), title="Essai")) for ln in p.split("\n")]
    assert [ln for ln in lines if re.match(r"\s*[;:]", ln)] == []
    body = " ".join(ln for ln in lines if ln and "Essai" not in ln and "page " not in ln)
    assert body.split() == text.split() * len(widths)


def test_the_figures_legend_names_each_column_once(report_con) -> None:
    pages = _pages(pdf.portrait_pdf(report_con, "QN07101I", generated_on=DATE, charts=False))
    text = " ".join(" ".join(pages).split())
    assert "Commune : Chalon-sur-Saône ; Interco. : CA Le Grand Chalon ; France : France métropolitaine." in text
    assert re.findall(r"\w+ : \w+ \((?:commune|intercommunalité|France)", text) == []


def test_a_theme_heading_never_ends_a_page_without_its_rows(report_con) -> None:
    # The figures table cut at every height a page can leave it: the first part never ends with
    # a theme heading (« Logement » at the foot of page 1, its row on page 2).
    pdf.register_fonts()
    st = pdf.styles()
    from indicators import portrait as portrait_mod
    p = portrait_mod.build_portrait(report_con, "QN07101I")
    headings = {block.theme[:1].upper() + block.theme[1:] for block in p.themes}
    assert len(headings) >= 3
    table = pdf._figures_table(p, st, pdf.SourceRefs(), notes=[])[0]
    _, full_h = table.wrap(pdf.CONTENT_W, 10_000)
    ends = set()
    for h in range(20, int(full_h), 2):
        table = pdf._figures_table(p, st, pdf.SourceRefs(), notes=[])[0]
        table.wrap(pdf.CONTENT_W, h)
        parts = table.split(pdf.CONTENT_W, h)
        if len(parts) == 2:
            last = parts[0]._cellvalues[-1][0]
            last = last[0] if isinstance(last, (list, tuple)) else last     # a cell's flowables
            ends.add(last.getPlainText())
    assert "Familles nombreuses" in ends and ends.isdisjoint(headings), ends & headings


def _header(table) -> list[str]:
    return [(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in table._cellvalues[0]]


def test_the_mandate_figures_table_has_no_column_without_a_figure(report_db_path, tmp_path) -> None:
    # gc-test's only KPI has neither cumulation nor target: no « Cumul / évolution » nor
    # « Objectif » column of « — »; a target given to it brings the « Objectif » column back.
    import shutil

    import duckdb
    from reportlab.platypus import Table
    pdf.register_fonts()
    st = pdf.styles()
    shutil.copy(report_db_path, tmp_path / "r.duckdb")
    report_con = duckdb.connect(str(tmp_path / "r.duckdb"))
    contract = pdf._contract(report_con, "gc-test")
    tables = [f for f in pdf._section_chiffres(report_con, contract, st) if isinstance(f, Table)]
    assert [_header(t) for t in tables] == [["Indicateur", "Chiffre", "Src."]]
    assert [round(w) for w in tables[0]._colWidths] == [round(pdf.CONTENT_W - 36 * mm - (pdf.CONTENT_W - 170 * mm)),
                                                         round(36 * mm), round(pdf.CONTENT_W - 170 * mm)]
    report_con.execute("update kpi_values set target = 2000 where contract_slug = 'gc-test'")
    tables = [f for f in pdf._section_chiffres(report_con, contract, st) if isinstance(f, Table)]
    assert [_header(t) for t in tables] == [["Indicateur", "Chiffre", "Objectif", "Src."]]
    row = [(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in tables[0]._cellvalues[1]]
    assert plain_spaces(row[2]).startswith("2 000 personnes")


def test_a_commune_name_keeps_off_the_qpv_outlines() -> None:
    """A commune's name anchored on a QPV (« LORNEVILLE » written over a small quartier of
    the situation map) moves to the first free place around it; a QPV's own name may sit on
    its outline."""
    import shapely

    from reports import images
    L = images.Label
    qpv = shapely.box(46, 23, 54, 27)
    kw = dict(x_range=(0, 100), y_range=(0, 50), width_px=200, height_px=100, shapes=[qpv])
    h = (1.25 * 12 + 2) / 2
    assert images.place_labels([L(50, 25, ("LORNEVILLE",), 12, True, avoid_shapes=True)], **kw) == [(50, 25 + h)]
    assert images.place_labels([L(50, 25, ("Gare",), 11)], **kw) == [(50, 25)]
    # Boxed in by a QPV on every side, the name is left out rather than written over it.
    assert images.place_labels([L(50, 25, ("Gare",), 11), L(50, 25, ("LORNEVILLE",), 12, True, avoid_shapes=True)],
                               **{**kw, "shapes": [shapely.box(0, 0, 100, 50)]}) == [(50, 25), None]


def test_the_situation_maps_commune_names_cross_no_qpv(report_con) -> None:
    """Every QPV's situation map of the demo contract (420×260 px, as in the portraits): no
    commune name's box meets a QPV outline."""
    import shapely

    from reports import images
    data = images.load_map_data(report_con, contract_slug="demo")
    qpvs = shapely.union_all([shapely.Polygon(r) for q in data.qpvs for r in q.rings])
    crossing = []
    for target in data.qpvs:
        fig = images.qpv_map_figure(data, highlight=target.code, legend=False, label_codes=[target.code],
                                    size_px=(420, 260))
        xr, yr = fig.layout.xaxis.range, fig.layout.yaxis.range
        ratio = fig.layout.yaxis.scaleratio
        px = min(400 / (xr[1] - xr[0]), 240 / ((yr[1] - yr[0]) * ratio))
        for t in (t for t in fig.data if t.mode == "text"):
            for x, y, text in zip(t.x, t.y, t.text):
                if not text.startswith("<b>"):
                    continue
                lines = tuple(text.removeprefix("<b>").removesuffix("</b>").split("<br>"))
                lab = images.Label(x, y, lines, t.textfont.size, True)
                w = images.label_width_px(lab) / px
                h = len(lines) * 1.25 * lab.size / (px * ratio)
                if shapely.box(x - w / 2, y - h / 2, x + w / 2, y + h / 2).intersects(qpvs):
                    crossing.append((target.code, lines[0]))
    assert crossing == []
    assert len(data.communes) >= 1


def test_a_review_table_prints_no_column_without_a_value() -> None:
    # « Montant déclaré (€) » and its share empty on every row (nobody reported this year): not
    # printed, as the XLSX leaves them out; a column with one figure, or one withheld figure
    # (its status), stays.
    import pandas as pd
    pdf.register_fonts()
    st = pdf.styles()
    df = pd.DataFrame({"Pilier": ["Emploi", "Santé"], "Dispositifs mobilisables": [3, 2],
                       "Montant déclaré (€)": [None, None], "Part propre aux QPV (%)": [None, None],
                       "Personnes": [None, None], "Personnes__status": [None, "secret"]})
    table = pdf._review_table(df, st)
    assert _header(table) == ["Pilier", "Dispositifs mobilisables", "Personnes"]
    rows = [[(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in r] for r in table._cellvalues[1:]]
    assert rows == [["Emploi", "3", "non renseigné"], ["Santé", "2", "secret statistique"]]


def test_a_review_column_holds_its_longest_unbreakable_figure() -> None:
    # « 3 consultations/an/habitant » has a no-break space: the column holds it whole (it was
    # printed « 3 consultations/an/habitan » then « t » on the next line).
    import pandas as pd
    from reportlab.pdfbase import pdfmetrics
    pdf.register_fonts()
    st = pdf.styles()
    value = "2,8\u202fconsultations/an/habitant"
    df = pd.DataFrame({"Commune": ["Beaurepaire-la-Rivière", "Lorneville"],
                       "Indicateur": ["Accessibilité aux médecins généralistes (APL, consultations par an et par habitant)",
                                      "Élèves des écoles et collèges publics de la commune scolarisés en REP ou REP+"],
                       "Année": [2023, 2024], "Valeur de la commune": [value, "48,42\u00a0%"]})
    table = pdf._review_table(df, st)
    assert table._colWidths[3] >= pdfmetrics.stringWidth(value, pdf.FONT, 7.8) + 6
    pages = _pages(pdf._build([table], _info(), title="Essai"))
    assert "2,8 consultations/an/habitant" in pages[0]


def test_a_commune_name_kept_off_the_qpvs_finds_a_place_further_out() -> None:
    """A name whose eleven first places (up to two heights around its anchor) all meet a QPV is
    placed three heights away rather than left out (« SAINT-AUBIN-SUR-LORNE » vanished from
    the situation maps once commune names kept off the QPVs)."""
    import shapely

    from reports import images
    L = images.Label
    h = (1.25 * 12 + 2) / 2
    # QPVs under every place up to two heights above and below the anchor, none three heights up.
    qpvs = [shapely.box(0, 50 - 2.4 * h, 100, 50 + 2.4 * h)]
    spots = images.place_labels([L(50, 50, ("LORNEVILLE",), 12, True, avoid_shapes=True)], x_range=(0, 100),
                                y_range=(0, 100), width_px=200, height_px=200, shapes=qpvs)
    assert spots == [(50, 50 + 3 * h)]


def test_a_line_never_breaks_inside_a_date_or_an_amount() -> None:
    """Issue 11: « … (Grand Chambéry, 5 / février 2021) » broke a date across two lines. Each
    paragraph puts a date in words (formatted, and typed in a title: « décrets du 28 décembre
    2023 ») and an amount at every position of a narrow column's line end: each stays on one
    line; so does the footer's date, wrapped or not."""
    from indicators.fmt import fmt_date, fmt_eur
    pdf.register_fonts()
    st = pdf.styles()
    texts = [("mot " * n) + f"du {fmt_date(dt.date(2021, 2, 5))}, décrets du 28 décembre 2023, "
             f"{fmt_eur(1650)} depuis juillet 2024" for n in range(14)]
    pages = _pages(pdf._build([Paragraph(pdf.esc(t), st.base) for t in texts], _info(), title="Essai"))
    lines = [ln for p in pages for ln in p.splitlines()]
    whole = "\n".join(lines)
    for part in ("5 février 2021", "28 décembre 2023", "1 650 €", "juillet 2024"):
        assert whole.count(part) == len(texts), part
    for width in range(100, 400, 7):
        size, footer = pdf.footer_lines("Rapport de mandat — Contrat de ville de Val-de-Lorne · produit le "
                                        + fmt_date(DATE), width)
        assert [ln for ln in footer if "mars" in ln][0].endswith("5\u00a0mars\u00a02026"), width


def _filled_then(story_tail: list, left_mm: float) -> list[str]:
    """The pages of a document whose first page is filled up to `left_mm` from its bottom, then
    `story_tail`."""
    st = pdf.styles()
    frame_h = pdf.PAGE_H - 16 * mm - 15 * mm
    first = Paragraph("Chiffres du mandat", st.base)
    story = [first, Spacer(1, frame_h - first.wrap(pdf.CONTENT_W, frame_h)[1] - left_mm * mm), *story_tail]
    return _pages(pdf._build(story, _info(), title="Essai"))


def test_a_sources_list_never_leaves_a_few_lines_alone_on_a_page() -> None:
    """Issue 11: the last lines of a portrait's sources sat alone at the top of the next page. A
    short list that does not fit moves whole with its heading; a long one breaks keeping its
    heading with its first lines and at least its last SOURCES_MIN_LINES lines together."""
    pdf.register_fonts()
    st = pdf.styles()

    def lines(n):
        return [Paragraph(f"[{i}] Document numéro {i}, section {i}", st.muted) for i in range(1, n + 1)]

    starts = []
    for left in (12, 20, 30, 40, 60):
        pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), lines(8)), left)
        [page] = [p for p in pages if "Sources" in p]
        assert len(re.findall(r"^\[\d+\] ", page, re.MULTILINE)) == 8, left
        starts.append(len(pages))
    assert starts == [2, 2, 2, 1, 1]         # moved whole when it does not fit, else in place
    # A list longer than SOURCES_WHOLE_H breaks, never leaving fewer than 4 lines on a page.
    n = 60
    for left in range(20, 80, 6):
        pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), lines(n)), left)
        counts = [len(re.findall(r"^\[\d+\] ", p, re.MULTILINE)) for p in pages]
        assert sum(counts) == n and all(c == 0 or c >= pdf.SOURCES_MIN_LINES for c in counts), (left, counts)
        assert pages[0].count("Sources") == (1 if counts[0] else 0), left


def test_a_table_carries_its_last_rows_to_the_sources_that_follow_it() -> None:
    """Issue 11: a 2015 quartier's portrait filled its page to the bottom with its figures table,
    and its « Sources et méthode » sat alone on the next page. The table (pdf.CarryingTable, as
    the portrait's) carries its last rows over, so that the sources never open a page alone;
    with room enough, nothing moves."""
    pdf.register_fonts()
    st = pdf.styles()
    rows = [[Paragraph("Indicateur", st.cell_head), Paragraph("Quartier", st.cell_head)]]
    rows += [[Paragraph(f"Ligne {i}", st.cell), Paragraph(f"{i} %", st.cell)] for i in range(1, 13)]
    block = pdf.sources_block(Paragraph("Sources et méthode", st.h2p),
                              [Paragraph(f"[{i}] Source numéro {i}", st.muted) for i in range(1, 4)])

    def layout(left_mm: float) -> list[str]:
        table = pdf._table(rows, [90 * mm, 40 * mm])
        table.__class__ = pdf.CarryingTable
        table.tail_h = 30 * mm
        table_h = Table.wrap(table, pdf.CONTENT_W, 10_000)[1]
        return _filled_then([table, Spacer(1, 2 * mm), *block], left_mm + table_h / mm)

    for left in (2, 10, 20):             # the table ends 2 to 20 mm above the page's bottom
        pages = layout(left)
        [sources] = [p for p in pages if "Sources et méthode" in p]
        assert sources.split("\n")[0] == "Indicateur" and "Ligne 12" in sources and "Ligne 10" in sources, left
        assert "Ligne 9" not in sources and "[3] Source numéro 3" in sources, left
        assert sum(p.count("Ligne ") for p in pages) == 12
    pages = layout(60)                   # room enough: one page
    assert len(pages) == 1 and "Sources et méthode" in pages[0]


def test_the_figures_legend_names_each_commune_of_a_qpv_over_two(report_db_path, tmp_path) -> None:
    # A QPV over two communes, each with a value: the legend names both (in the cells' order),
    # never « Commune : commune ».
    import duckdb

    path = _copy_with_fact(report_db_path, tmp_path / "two.duckdb",
                           "99002", "commune", "poverty_rate_pct", 2021, 17.2)
    with duckdb.connect(str(path), read_only=True) as con:
        pages = _pages(pdf.portrait_pdf(con, "QN09903N", generated_on=DATE, charts=False))
    text = " ".join(" ".join(pages).split())
    assert re.findall(r"Commune : [^;]*;", text) == ["Commune : Démoville, Fictive-sur-Loire ;"]
    assert "Démoville : 19,5 %" in text and "Fictive-sur-Loire : 17,2 %" in text


def test_a_funding_line_without_an_action_never_finances_0_actions(tmp_path) -> None:
    # Issue 11: programme 147's adult-relay posts are funded outside any action; the annex read
    # « État – programme 147 (adultes-relais) 80 000 € … 0 » actions financées.
    import duckdb

    from tests.exports.test_review_report import _insert, build_review_db
    path = build_review_db(tmp_path / "review.duckdb")
    con = duckdb.connect(str(path))
    try:
        con.execute("delete from programme_funding")
        for action, funder, label, amount in [("A1", "ville", None, 10_000.0), ("A2", "ville", None, 5_000.0),
                                              (None, "etat_p147", "État – programme 147 (adultes-relais)", 80_000.0),
                                              ("A1", "epci", None, 4_000.0), (None, "epci", None, 1_000.0)]:
            _insert(con, "programme_funding", contract_slug="c", year=2024, funder=funder, funder_label=label,
                    action_id=action, amount_eur=amount)
        pages = _pages(pdf.mandate_pdf(con, "c", sections=["financements"], charts=False, generated_on=DATE))
    finally:
        con.close()
    cells = [" ".join(ln.split()) for p in pages for ln in p.split("\n") if ln.strip()]
    body = cells[cells.index("Actions financées") + 1:cells.index("Total")]
    assert [body[i:i + 4] for i in range(0, len(body), 4)] == [
        ["État – programme 147 (adultes-relais)", "80 000 €", "80,0 %", "hors action"],
        ["Ville", "15 000 €", "15,0 %", "2"], ["Intercommunalité", "5 000 €", "5,0 %", "1 et hors action"]]


def test_the_secrecy_note_only_where_a_figure_shown_is_or_could_be_withheld(report_con) -> None:
    """Issue 11: Chambéry's portrait without a figure said « Un chiffre couvert par le secret
    statistique… ». The note is printed where a value shown is withheld (Aubépins' poverty rate)
    or could be (a statistical file's figure: Les Tilleuls), never for a portrait whose figures
    are all typed from a document (Prés Saint Jean) or without any figure; likewise in the list of
    reading notes of a report."""
    def portrait_text(code: str) -> str:
        return " ".join(" ".join(_pages(pdf.portrait_pdf(report_con, code, generated_on=DATE,
                                                         charts=False))).split())

    said = {code: pdf.SECRET_NOTE in portrait_text(code) for code in ("QN07101I", "QN09901N", "QN07102I")}
    assert said == {"QN07101I": True, "QN09901N": True, "QN07102I": False}
    assert "Document produit le 5 mars 2026." in portrait_text("QN07102I")
    notes: list[str] = []
    pdf.portrait_parts(report_con, "QN07102I", generated_on=DATE, charts=False, notes=notes)
    assert pdf.SECRET_NOTE not in notes
    pdf.portrait_parts(report_con, "QN07101I", generated_on=DATE, charts=False, notes=notes)
    assert notes.count(pdf.SECRET_NOTE) == 1


def test_a_charted_share_prints_at_the_charts_precision_in_the_table(report_db_path, tmp_path) -> None:
    """Issue 11: a share without a comparator printed « 45 % » in the table while the chart beside
    it printed « 45,0 % » (its labels share one precision): one indicator, one precision."""
    import duckdb

    from indicators import portrait as portrait_mod

    path = _copy_with_fact(report_db_path, tmp_path / "shares.duckdb",
                           "QN09901N", "qpv", "caf_low_income_pct", 2021, 45.0)
    with duckdb.connect(str(path), read_only=True) as con:
        p = portrait_mod.build_portrait(con, "QN09901N")
        chart = {tuple(t["y"]): [plain_spaces(x) for x in t["text"]] for t in pdf.rates_figure(p)["data"]}
        pages = _pages(pdf.portrait_pdf(con, "QN09901N", generated_on=DATE, charts=False))
    assert list(chart.values()) == [["45,0 %", "41,2 %"]]
    text = " ".join(" ".join(pages).split())
    assert re.findall(r"(?:bas revenus|Taux de pauvreté \(seuil à 60 %\)) (\S+ %)", text) == ["41,2 %", "45,0 %"]


def test_a_long_sources_list_splits_rather_than_leave_a_blank(report_db_path) -> None:
    """Issue 11: Grand Chalon's mandate figures had a list of 11 sources of two or three lines
    each (about 70 mm): kept whole, it moved to page 4 and left about 7 cm blank on page 3. A list
    taller than SOURCES_WHOLE_H now breaks, its heading with its first SOURCES_MIN_LINES lines;
    a short one still moves whole."""
    pdf.register_fonts()
    st = pdf.styles()
    text = ("Annexe 7 – CIA, Préambule, « Les enseignements à tirer du diagnostic », « Les demandes "
            "et attributions (source SNE au 31/12/2021) », tableau « Les objectifs du Grand Chalon » ")
    lines = [Paragraph(f"[{i}] " + text * (1 + i % 2), st.muted) for i in range(1, 12)]
    assert pdf._stack_height(lines, pdf.CONTENT_W) > 60 * mm
    pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), lines), 70)
    counts = [len(re.findall(r"^\[\d+\] ", p, re.MULTILINE)) for p in pages]
    assert len(pages) == 2 and "Sources" in pages[0] and counts[0] >= pdf.SOURCES_MIN_LINES, counts
    assert sum(counts) == 11 and counts[1] >= pdf.SOURCES_MIN_LINES, counts
    # Not room for its heading and first lines: it starts on the next page, whole.
    pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), lines), 15)
    assert [len(re.findall(r"^\[\d+\] ", p, re.MULTILINE)) for p in pages] == [0, 11]
    assert "Sources" not in pages[0]
    # A short list (under SOURCES_WHOLE_H) never splits, even with room for part of it.
    short = lines[:3]
    assert pdf._stack_height(short, pdf.CONTENT_W) < pdf.SOURCES_WHOLE_H
    pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), short), 20)
    assert [len(re.findall(r"^\[\d+\] ", p, re.MULTILINE)) for p in pages] == [0, 3]


def test_a_split_sources_list_keeps_a_documents_line_with_its_first_section() -> None:
    """The line naming a document (« … : », its sections follow) never ends a page alone, and
    the reading note (`after`) travels with the last lines (Grand Chalon's mandate figures)."""
    pdf.register_fonts()
    st = pdf.styles()
    text = "Annexe 7 – CIA, Préambule, « Les enseignements à tirer du diagnostic », « Les demandes » " * 2
    lines = [Paragraph(f"[{i}] {text}", st.muted) for i in range(1, 9)]
    lines.insert(4, Paragraph("Contrat de ville 2024-2030 – Annexes (Le Grand Chalon) :", st.muted))
    note = Paragraph("Les chiffres publiés sont repris tels que le document les donne.", st.muted)
    for left in range(30, 80, 4):
        pages = _filled_then(pdf.sources_block(Paragraph("Sources", st.h3), lines, after=[note]), left)
        for page in pages[:-1]:
            body = [ln for ln in page.split("\n") if ln.strip() and "Essai" not in ln and "page " not in ln]
            assert not body[-1].endswith(":"), (left, body[-1])
        assert "repris tels que" in pages[-1] and re.search(r"^\[\d+\] ", pages[-1], re.MULTILINE), left


def test_a_portrait_says_its_population_once_and_lists_only_cited_sources(report_con) -> None:
    """Issue 11 (Chartres): the population was in the subtitle and again in a table row with no
    comparator; a source [2] (the document of the notes) was listed though nothing cited it. The
    population is in the subtitle only; every source listed is cited by what the page shows (the
    qualitative headings cite their documents)."""
    for code in ("QN07101I", "QN07102I", "QN09901N"):
        text = " ".join(" ".join(_pages(pdf.portrait_pdf(report_con, code, generated_on=DATE,
                                                         charts=False))).split())
        body, sources = text.split("Sources et méthode")
        listed = set(re.findall(r"\[(\d+)\] ", sources))
        cited = {n for group in re.findall(r"\[([\d, ]+)\]", body) for n in group.split(", ")}
        assert listed and listed == cited, (code, listed, cited)
        if code == "QN07101I":
            assert text.count("2 500") == 1 and "Population (habitants)" not in text
            [n] = set(re.findall(r"Enjeux prioritaires \[(\d+)\]", text))
            assert f"Ce qui ressort de la consultation des habitants [{n}]" in text
            assert f"[{n}] Contrat de ville 2024–2030, annexes" in text
