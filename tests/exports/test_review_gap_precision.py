"""Issue #11: the review's gap table (« les écarts se réduisent-ils ? ») prints each column of
one indicator at one precision: « 29,0 » beside « 28,6 », not « 29 » beside « 28,6 »."""
from __future__ import annotations

import re

import pandas as pd

from reports import pdf


def _gaps() -> pd.DataFrame:
    return pd.DataFrame({
        "Indicateur": ["Taux de pauvreté", "Taux de pauvreté", "Revenu médian", "Revenu médian"],
        "Quartier": ["Aubépins", "Stade", "Aubépins", "Stade"],
        "Année": [2021, 2021, 2021, 2021],
        "Écart au début": [29.0, 31.25, 0.5, 0.62],
        "À la fin": [28.6, 30.0, 0.55, 0.6],
        "Actions": [3, 4, 5, 6],
        "L'écart s'est": ["réduit", "réduit", "creusé", "réduit"],
    })


def test_review_decimals_one_precision_per_column_and_indicator() -> None:
    assert pdf.review_decimals(_gaps()) == {"Écart au début": [2, 2, 2, 2], "À la fin": [1, 1, 2, 2]}


def test_review_gap_table_prints_a_column_at_one_precision() -> None:
    pdf.register_fonts()
    table = pdf._review_table(_gaps(), pdf.styles())
    rows = [[(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in r]
            for r in table._cellvalues[1:]]
    assert [r[3:6] for r in rows] == [["29,00", "28,6", "3"], ["31,25", "30,0", "4"],
                                      ["0,50", "0,55", "5"], ["0,62", "0,60", "6"]]


def _comparator(level: str, name: str, value: float | None, status: str = "ok"):
    from indicators.portrait import Comparator
    return Comparator(territory_code=name, territory_level=level, territory_name=name, value=value,
                      numerator=None, denominator=None, year=2021, status=status,
                      origin="official_file", source_label="Insee 2021", document_id=None,
                      source_ref=None, match="same_year", gap=None, gap_kind="points")


def _value(value: float, unit: str, origin: str, comparators) -> object:
    from indicators.portrait import PortraitValue
    return PortraitValue(indicator_id="poverty_rate_pct", label="Taux de pauvreté", unit=unit,
                         theme="revenus", is_rate=unit == "%", higher_is_better=False, value=value,
                         numerator=None, denominator=None, year=2021, status="ok",
                         status_note=None, origin=origin, source_label="Insee 2021",
                         document_id=None, source_ref=None, caution=None,
                         comparators=tuple(comparators))


def test_portrait_table_row_reads_at_one_precision() -> None:
    # The quartier's 29 % beside its commune's 28,6 %: « 29,0 % » and « 28,6 % ».
    v = _value(29.0, "%", "official_file", [_comparator("commune", "Chalon", 28.6),
                                            _comparator("epci", "Grand Chalon", 17.0),
                                            _comparator("france", "France", None, "secret")])
    refs = pdf.SourceRefs()
    d = pdf.row_decimals(v)
    assert [d] + [pdf._comparator_cell(v, lv, refs, False, d) for lv in ("commune", "epci", "france")] \
        == [1, "28,6\u00a0%", "17,0\u00a0%", "secret statistique"]
    # A computed quotient (printed at one decimal) beside typed whole numbers: one decimal.
    v = _value(100 * 928 / 1017, "%", "computed", [_comparator("commune", "Chalon", 40.0)])
    assert pdf.row_decimals(v) == 1
    assert pdf._comparator_cell(v, "commune", refs, False, pdf.row_decimals(v)) == "40,0\u00a0%"
    # Counts stay whole.
    v = _value(1650, "habitants", "official_file", [_comparator("commune", "Chalon", 44000)])
    assert pdf._comparator_cell(v, "commune", refs, False, pdf.row_decimals(v)) == "44\u202f000"


def test_portrait_box_comparators_read_at_the_quartier_value_precision() -> None:
    # A headline card: « 37,5 % contre CA Le Grand Chalon : 43,0 % », not « 43 % ».
    v = _value(37.5, "%", "official_file", [_comparator("epci", "CA Le Grand Chalon", 43.0),
                                            _comparator("commune", "Chalon", 40.25)])
    assert pdf._comparator_text(v) == "CA Le Grand Chalon : 43,00\u00a0% ; Chalon : 40,25\u00a0%"
    assert pdf._comparator_text(v, levels=("epci",)) == "CA Le Grand Chalon : 43,00\u00a0%"
    v = _value(37.5, "%", "official_file", [_comparator("epci", "CA Le Grand Chalon", 43.0)])
    assert pdf._comparator_text(v) == "CA Le Grand Chalon : 43,0\u00a0%"


def test_mandate_report_long_funding_summary_prints_the_top_share_with_one_decimal(tmp_path) -> None:
    # More funder lines than LONG_TABLE_ROWS: one line per year, its first funder's share
    # computed (46 470 of 100 000 → « 46,5 % »), one decimal, not « 46 % ».
    import io

    import pypdf

    from tests.exports.test_review_report import _insert, build_review_db
    path = build_review_db(tmp_path / "review.duckdb")
    import duckdb
    con = duckdb.connect(str(path))
    try:
        con.execute("delete from programme_funding")
        funders = ["ville", "epci", "etat_autre", "caf", "departement", "region", "bailleur"]
        amounts = [46_470.0, 20_000.0, 10_000.0, 8_000.0, 7_000.0, 5_000.0, 3_530.0]
        for year in (2024, 2025, 2026):
            for funder, amount in zip(funders, amounts):
                _insert(con, "programme_funding", contract_slug="c", year=year, funder=funder,
                        amount_eur=amount)
        assert len(funders) * 3 > pdf.LONG_TABLE_ROWS
        data = pdf.mandate_pdf(con, "c", sections=["financements"], charts=False)
    finally:
        con.close()
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(data)).pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert [m for m in re.findall(r"Ville \(\d+(?:,\d)? %\)", text)] == ["Ville (46,5 %)"] * 3
