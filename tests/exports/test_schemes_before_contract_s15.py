"""A review year before the contract its schemes belong to (issue 11, last look at the PDFs):
Grand Chalon's mandate report reads its review for 2021, its CIA's newest results, and listed
« 294 dispositifs sans aucun chiffre déclaré pour 2021 », the schemes of its 2024–2030 contract.
Nothing is expected of them before 2024: the review and the page say so, once each."""
from __future__ import annotations

import duckdb
import pytest

from indicators.fmt import plain_spaces
from indicators import review
from tests.app.conftest import publish_db
from tests.app.test_pages import run_page
from tests.exports.test_review_report import _insert, build_review_db

NOTE = ("Les dispositifs saisis sont ceux du contrat 2024–2030 : 2021 le précède, aucun chiffre "
        "n'y est attendu.")
MISSING = "Aucun dispositif n'est attendu pour 2021, avant le contrat 2024–2030."


@pytest.fixture
def early_db(tmp_path, monkeypatch):
    """Contract `c` (2024–2030, two schemes, figures for 2024) with a CIA result for 2021."""
    path = build_review_db(tmp_path / "early.duckdb")
    con = duckdb.connect(str(path))
    _insert(con, "housing_published_results", contract_slug="c", year=2021, party_type="ensemble",
            party_name="Testville", objective="q1_hors_qpv", numerator=82.0, rate_pct=12.04)
    con.close()
    publish_db(monkeypatch, path)
    return path


def test_no_scheme_is_missing_before_the_contract(early_db) -> None:
    con = duckdb.connect(str(early_db), read_only=True)
    try:
        assert [review.schemes_not_expected(con, "c", y) for y in (2021, 2023, 2024, 2025)] == [
            (NOTE, MISSING), (NOTE.replace("2021", "2023"), MISSING.replace("2021", "2023")), None, None]
        sections = {s.key: s for s in review.review_sections(con, "c", 2021)}
        assert sections["droit_commun"].table.empty
        assert sections["droit_commun"].note == NOTE + " Signataires obligatoires absents : " + ", ".join(
            review.missing_signatory_types(con, "c")) + "."
        # The list that follows says it in its own words, not the same sentence again.
        assert (sections["manquants"].table.empty, sections["manquants"].note) == (True, MISSING)
        # In the contract's years the rule is unchanged: the scheme without a figure is listed.
        later = {s.key: s for s in review.review_sections(con, "c", 2025)}
        assert later["manquants"].table["Dispositif"].tolist() == ["Contrats aidés", "CLAS"]
        # A figure reported for an earlier year is read as usual.
        con.close()
        con = duckdb.connect(str(early_db))
        _insert(con, "review_figures", contract_slug="c", scheme_id="s2", year=2021, measure="montant",
                value=1000.0, unit="EUR", scope="qpv", is_internal=False)
        assert review.schemes_not_expected(con, "c", 2021) is None
        assert review.missing_view(con, "c", 2021)["Dispositif"].tolist() == ["CLAS"]
    finally:
        con.close()


def test_the_page_says_it_for_a_year_before_the_contract(early_db) -> None:
    at = run_page("droit_commun", territoire="c")
    at.selectbox(key="dc_year").set_value(2021)
    at.run()
    assert not at.exception
    texts = [plain_spaces(m.value) for m in at.markdown] + [plain_spaces(c.value) for c in at.caption]
    # In place of the mobilisation table, then in place of the list; the schemes stay listed
    # by pillar, without a « Mobilisé en 2021 » column all « non renseigné ».
    assert (texts.count(NOTE), texts.count(MISSING)) == (1, 1)
    tables = [t.value for t in at.dataframe]
    assert [list(t.columns) for t in tables[1:3]] == [["Signataire", "Objectif", "Dispositif", "Nature",
                                                       "Source"]] * 2
    assert [list(t.columns)[0] for t in tables] == ["Année", "Signataire", "Signataire", "Nom"]
    assert not any("sans aucun chiffre déclaré" in t for t in texts)
