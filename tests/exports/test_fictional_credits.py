"""Issue #11: fictional (demo) data is never credited to INSEE, ANCT or their licence, in any
export or source line, while a real contract's INSEE source still is.

The real ETL builds the generated demo territory, the seeds' real contracts and one small real
INSEE file (written here, for a real commune of Grand Chalon) into a temporary database; every
export of the demo contract is then read back line by line."""
from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pypdf
import pytest

import config

DEMO = "demo"
# Naming a producer's format is allowed (« Données fictives (démo), format INSEE »), crediting
# it is not.
_FORMAT = re.compile(r"format (INSEE|ANCT|IGN)[^,;|]*", re.I)
_CREDITED = re.compile(r"\b(insee|anct)\b|licence ouverte", re.I)


def credited_to_official(text: str) -> list[str]:
    """The lines of `text` that name INSEE/ANCT (other than as a format) or their licence."""
    return [line for line in str(text).splitlines() if _CREDITED.search(_FORMAT.sub("", line))]


def doubled_brackets(text: str) -> list[str]:
    """The lines of `text` with two brackets side by side or a bracket inside another (issue 11:
    « (fictive) (non signataire) »)."""
    out = []
    for line in str(text).splitlines():
        depth, deepest = 0, 0
        for ch in line:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            deepest = max(deepest, depth)
        if deepest > 1 or re.search(r"\)\s*\(", line):
            out.append(line)
    return out


def test_the_checker_flags_credits_not_formats():
    assert credited_to_official("Source;INSEE;Filosofi;2021;Licence Ouverte\nok\n"
                                "Données fictives (démo), format INSEE;Filosofi\n"
                                "Contours des QPV : ANCT\nFictif : Insee 2019") == [
        "Source;INSEE;Filosofi;2021;Licence Ouverte", "Contours des QPV : ANCT", "Fictif : Insee 2019"]


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    from etl.build import build
    from etl.demo import write_demo

    tmp = tmp_path_factory.mktemp("fictional_credits")
    raw = tmp / "raw"
    write_demo(raw / "demo")
    real = raw / "real_insee"
    real.mkdir()
    # A real statistical file in INSEE's format for a real commune of a real contract.
    (real / "cc_filosofi_2020_chalon.csv").write_text(
        "CODGEO;LIBGEO;MED20;TP6020\n71076;Chalon-sur-Saône;19100;22,4\n", encoding="utf-8")
    db = tmp / "qpv.duckdb"
    report = build([raw, config.TERRITORIES_DIR], db, progress=lambda line: None)
    assert report.outcome == "published", report.summary()
    c = duckdb.connect(str(db), read_only=True)
    yield c
    c.close()


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def _demo_value_keys(con) -> list[tuple[str, str, int]]:
    return [tuple(r) for r in con.execute("""
        select v.territory_code, v.indicator_id, v.year from indicator_values v
        join contract_territories ct on ct.territory_code = v.territory_code
         and ct.territory_level = v.territory_level and ct.contract_slug = ?
        order by 1, 2, 3""", [DEMO]).fetchall()]


def test_demo_tables_credit_fictional_files_as_fictional(con):
    from reports import tables

    srcs = tables.sources_from_db(con, contract_slug=DEMO)
    assert any(s["is_fictional"] for s in srcs)
    frame = pd.DataFrame({"Quartier": ["Q"], "Valeur": [1.5]})
    csv = tables.to_csv_bytes(frame, title="Portrait", territory="Val-de-Lorne", sources=srcs)
    assert credited_to_official(csv.decode("utf-8-sig")) == []
    book = openpyxl.load_workbook(io.BytesIO(tables.to_xlsx_bytes(
        frame, title="Portrait", territory="Val-de-Lorne", sources=srcs)))
    sheet_text = {ws.title: "\n".join(" | ".join(str(c) for c in row if c is not None)
                                      for row in ws.iter_rows(values_only=True)) for ws in book}
    assert {name: credited_to_official(text) for name, text in sheet_text.items()} == {
        name: [] for name in sheet_text}
    # The Sources sheet names the generated INSEE-format files as fictional, without licence.
    cells = list(book["Sources"].iter_rows(values_only=True))
    at = next(i for i, row in enumerate(cells) if "Producteur" in row)
    rows = [dict(zip(cells[at], row)) for row in cells[at + 1:]]
    filosofi = [r for r in rows if str(r["Fichier"]).endswith("data_QPV2024_FILOSOFI_2021.csv")]
    assert [(r["Producteur"], r.get("Licence")) for r in filosofi] == [
        ("Données fictives (démo), format INSEE", None)]


def test_demo_method_page_and_source_lines(con):
    from indicators.sources import value_credits
    from ui import views

    every_file = con.execute(
        "select producer, title, vintage, licence, url, file_name, kind, sha256, rows_read,"
        " loaded_at, is_fictional from sources order by producer nulls last, title, file_name").df()
    table = views.sources_table(every_file)
    fictional = table[table["Fictif"] == "oui"]
    assert len(fictional) > 20
    assert credited_to_official(fictional.to_csv(sep="|", index=False)) == []
    assert set(fictional.loc[fictional["Fichier"].str.contains("insee_qpv"), "Producteur"]) == {
        "Données fictives (démo), format INSEE"}
    assert set(fictional.loc[fictional["Fichier"].str.contains("contours/QP"), "Producteur"]) == {
        "Données fictives (démo), format ANCT"}
    # Real files keep their producer and licence.
    real = table[table["Fichier"].str.endswith("cc_filosofi_2020_chalon.csv")]
    assert real[["Producteur", "Licence", "Fictif"]].values.tolist() == [["INSEE", "Licence Ouverte", ""]]

    keys = _demo_value_keys(con)
    assert keys
    assert credited_to_official("\n".join(value_credits(con, keys))) == []
    labels = con.execute("select distinct source_label, source_ref from indicator_values "
                         "where is_fictional order by 1").fetchall()
    lines = [views.source_text(label, None, source_ref=ref) for label, ref in labels]
    assert credited_to_official("\n".join(lines)) == []
    assert all(line.startswith("Données fictives de démonstration") for line in lines)


def test_demo_pdfs_and_image_bands(con):
    from indicators import pockets
    from indicators.registry import REGISTRY
    from reports import images, pdf

    texts = {"mandate": _pdf_text(pdf.mandate_pdf(con, DEMO, charts=False))}
    for code in pdf.contract_qpv_codes(con, DEMO):
        texts[f"portrait {code}"] = _pdf_text(pdf.portrait_pdf(con, code, charts=False))
    years = [r[0] for r in con.execute("select distinct year from review_figures where contract_slug = ?"
                                       " order by 1", [DEMO]).fetchall()]
    for year in years:
        texts[f"review {year}"] = _pdf_text(pdf.review_pdf(con, DEMO, year))
    result = pockets.detect(con, DEMO)
    for pocket in result.pockets["pocket_id"] if len(result.pockets) else []:
        texts[f"pocket {pocket}"] = _pdf_text(pdf.pocket_sheet_pdf(con, result, pocket, charts=False))
    assert any(k.startswith("pocket") for k in texts) and any(k.startswith("review") for k in texts)
    for ind in REGISTRY:
        data = images.load_map_data(con, contract_slug=DEMO, indicator_id=ind.id)
        if data.year is not None:
            texts[f"map {ind.id}"] = images._map_texts(data, None, None)[2]
    assert any(k.startswith("map") for k in texts)
    assert {k: credited_to_official(t) for k, t in texts.items()} == {k: [] for k in texts}
    # Qualifiers in one bracket: « Association Lorne Insertion (fictive, non signataire) », the
    # threshold's medians after its formula (issue 11).
    assert {k: doubled_brackets(t) for k, t in texts.items()} == {k: [] for k in texts}
    assert "Association Lorne Insertion (fictive, non signataire)" in texts[f"review {years[-1]}"]


def test_a_real_contract_still_credits_insee(con):
    from indicators.sources import value_credits
    from reports import tables

    srcs = tables.sources_from_db(con, contract_slug="grand-chalon")
    insee = [s for s in srcs if s["file_name"].endswith("cc_filosofi_2020_chalon.csv")]
    assert [(s["producer"], s["licence"], s["is_fictional"]) for s in insee] == [
        ("INSEE", "Licence Ouverte", False)]
    csv = tables.to_csv_bytes(pd.DataFrame({"a": [1]}), title="t", territory="Grand Chalon",
                              sources=srcs).decode("utf-8-sig")
    assert any(line.startswith("Source;INSEE;") and ";Licence Ouverte;" in line for line in csv.splitlines())
    assert value_credits(con, [("71076", "median_income_eur_year", 2020)]) == [
        "INSEE, Filosofi, données par commune, 2020"]
