"""A portrait's « Sources et méthode » reads 1, 2, 3… (issue 11, RY's page review: Grand Chalon's
portraits listed [1], [2], « Données Compas – ABS 2022 : » [3], [8], [4]…, the list grouping under
one heading the sections of one source numbered in the table's order). The numbers in the page and
the list still agree."""
from __future__ import annotations

import datetime as dt
import io
import shutil

import duckdb
import pypdf

from indicators.fmt import plain_spaces
from reports import pdf

QPV = "QN07104I"


def _text(report_db_path, tmp_path) -> str:
    from tests.exports.conftest import Factory
    db = tmp_path / "report.duckdb"
    shutil.copy(report_db_path, db)
    with duckdb.connect(str(db)) as con:
        f = Factory(con)
        f.territory(QPV, "qpv", "Les Charmes", 2024, [("71076", "commune")], "gc-test")
        # Page order: Compas p. 1, Insee, Insee, Compas p. 2 (one theme « Familles et démographie »).
        for indicator, value, note, ref in [("single_parent_families_pct", 31.5, "Données Compas", "p. 1"),
                                            ("large_families_pct", 12.5, "Insee 2019", None),
                                            ("minors_pct", 25.5, "Insee 2019", None),
                                            ("seniors_75_pct", 8.5, "Données Compas", "p. 2")]:
            f.insert("indicator_facts", territory_code=QPV, territory_level="qpv", indicator_id=indicator,
                     year=2019, value=value, status="ok", origin="published", source_note=note,
                     source_ref=ref)
        data = pdf.portrait_pdf(con, QPV, generated_on=dt.date(2026, 3, 5), charts=False)
    text = "\n".join(plain_spaces(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    return text


def test_the_portrait_s_sources_are_numbered_in_the_order_they_print(report_db_path, tmp_path) -> None:
    lines = [line.strip() for line in _text(report_db_path, tmp_path).splitlines()]
    # Key figures, table and list cite one numbering, the list's: 1, 2, 3.
    assert lines[lines.index("31,5 %"):] == [
        "31,5 %", "Familles monoparentales", "2019, source [1]",
        "25,5 %", "Part des mineurs", "2019, source [3]",
        "Chiffres clés et comparaisons", "Indicateur", "Quartier", "Src.",
        "Familles et démographie",
        "Familles monoparentales", "31,5 % 2019", "[1]",
        "Familles nombreuses", "12,5 % 2019", "[3]",
        "Part des mineurs", "25,5 % 2019", "[3]",
        "Part des 75 ans et plus", "8,5 % 2019", "[2]",
        "Unité : celle de la colonne Quartier ; année du chiffre en petits caractères ; [n] : numéro "
        "de la source (liste en fin de portrait).",
        "Sources et méthode", "Données Compas :", "[1] p. 1", "[2] p. 2", "[3] Insee 2019",
        "Document produit le 5 mars 2026.",
        "Portrait de quartier — Les Charmes (QN07104I) · produit le 5 mars 2026", "page 1 / 1"]


def test_portrait_refs_renumbers_what_the_page_cites() -> None:
    refs = pdf.SourceRefs()
    for label in ("Doc A — § 1", "Insee 2019", "Doc A — § 2"):
        refs.ref(label)
    assert refs.lines() == ["Doc A :", "[1] § 1", "[3] § 2", "[2] Insee 2019"]
    refs = refs.in_print_order()
    assert refs.lines() == ["Doc A :", "[1] § 1", "[2] § 2", "[3] Insee 2019"]
