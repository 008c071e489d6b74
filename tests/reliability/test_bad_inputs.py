"""The bad-input catalogue (issue 5): every case of tests/reliability/cases.py is built beside a
published database. A case that loads gives exactly its rows and warnings and publishes a new
database; a case that fails stops with exactly its error (file, line or feature, column, what was
expected) and leaves the published database byte-for-byte as it was, with no temporary file."""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import etl.discover
from etl.build import build, validate
from etl.core import EtlError
from tests.reliability.cases import CASES, DOCS_SQL, Case
from tests.reliability.conftest import CURRENT_YEAR, Published, leftovers, query, sha256


def _run(case: Case, published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = tmp_path / "cas"
    folder.mkdir()
    case.write(folder)
    for name, value in case.limits.items():
        monkeypatch.setattr(etl.discover, name, value)
    raw = [published.context, folder] if case.context else [folder]
    return raw, lambda: build(raw, published.db, progress=None, current_year=CURRENT_YEAR,
                              max_file_bytes=case.max_file_bytes)


def test_the_catalogue_is_large_enough() -> None:
    loads = [c.id for c in CASES if c.error is None]
    assert len(CASES) >= 40 and len(loads) >= 15, (len(CASES), len(loads))


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_bad_input(case: Case, published: Published, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, run = _run(case, published, tmp_path, monkeypatch)
    if case.error is None:
        report = run()
        assert query(published.db, case.rows[0]) == case.rows[1]
        assert [str(w) for w in report.warnings] == case.warnings
        assert sha256(published.db) != published.digest
        assert query(published.db, "select build_id from builds order by started_at") == [
            (published.build_id,), (report.build_id,)]
    else:
        with pytest.raises(EtlError) as info:
            run()
        assert str(info.value) == case.error
        assert sha256(published.db) == published.digest
        assert query(published.db, "select build_id from builds") == [(published.build_id,)]
    assert leftovers(published.db.parent) == []


@pytest.mark.parametrize("case", [c for c in CASES if c.id in (
    "truncated_mid_line", "mojibake_double_encoded", "unknown_qpv_code", "programme_missing_key_column",
    "zip_slip", "qpv_2015_and_2024_mixed_in_one_insee_file")], ids=lambda c: c.id)
def test_validate_reports_the_same_error_and_publishes_nothing(case: Case, published: Published,
                                                               tmp_path: Path, monkeypatch) -> None:
    raw, _ = _run(case, published, tmp_path, monkeypatch)
    report = validate(raw, current_year=CURRENT_YEAR)
    assert (report.outcome, report.ok, report.error) == ("failed", False, case.error)
    assert [str(m) for m in report.errors] == [case.error]
    assert sha256(published.db) == published.digest


def test_hostile_labels_come_out_neutralised_in_exports(published: Published, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Labels with <script>, HTML or a formula load as text; the CSV and XLSX exports neither
    run them as formulas nor change what they say."""
    import openpyxl

    from reports.tables import csv_preamble_length, to_csv_bytes, to_xlsx_bytes

    case = next(c for c in CASES if c.id == "script_html_and_formula_labels")
    _, run = _run(case, published, tmp_path, monkeypatch)
    run()
    titles = [r[2] for r in query(published.db, DOCS_SQL)]
    df = pd.DataFrame({"Document": titles})
    data = to_csv_bytes(df, title="Documents", territory="Grand Chambéry")
    back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                       encoding="utf-8-sig")
    assert back["Document"].tolist() == [
        "<script>alert('x')</script>", "<b>gras</b> & <i>italique</i>",
        "'=HYPERLINK(\"http://x\";\"clic\")", "'@SUM(1+1)", "'+33 6 00 00 00 00"]
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, title="Documents", territory="Grand Chambéry")))
    ws = wb["Données"]
    cells = [c for row in ws.iter_rows() for c in row if c.value in titles]
    assert [c.value for c in cells] == titles
    assert all(c.data_type == "s" for c in cells)                       # text, never a formula
    assert [c.quotePrefix for c in cells] == [False, False, True, True, True]
