"""Issue #11, small screen defects (session 13, RL): schemes typed with one name told apart on
the « Droit commun et signataires » page, typed « ... » as « … » on screen, a typed figure keeping
its own digits in a column of others."""
from __future__ import annotations

from pathlib import Path

import pytest

import config
from etl.db import create_empty
from tests.app.test_pages import run_page
from tests.exports.test_review_report import _insert


def _one_name_db(path: Path) -> Path:
    """Contract `c`: DDETS types « Pacte » three times under « Inclusion » (three objectives) and
    « Adultes-relais » twice under « Emploi » (one objective, two kinds of funding) and once under
    « Santé »; the CAF types « Adultes-relais » under « Emploi » too. Nothing is reported."""
    con = create_empty(path)
    _insert(con, "contracts", contract_slug="c", contract_name="Contrat de ville de Testville",
            period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    for sid, name, kind in (("caf", "CAF", "caf"), ("ddets", "DDETS", "etat")):
        _insert(con, "review_signatories", contract_slug="c", signatory_id=sid, name=name, signatory_type=kind)
    for sid, sig, pillar, objective, scheme, kind in (
            ("s1", "ddets", "Inclusion", "Prévenir la pauvreté", "Pacte", "droit_commun"),
            ("s2", "ddets", "Inclusion", "Accès aux droits", "Pacte", "droit_commun"),
            ("s3", "ddets", "Inclusion", "Transition", "Pacte", "droit_commun"),
            ("s4", "ddets", "Emploi", "Emploi", "Adultes-relais", "droit_commun"),
            ("s5", "ddets", "Emploi", "Emploi", "Adultes-relais", "specifique"),
            ("s6", "caf", "Emploi", "Emploi", "Adultes-relais", "droit_commun"),
            ("s7", "ddets", "Santé", None, "Adultes-relais", "droit_commun")):
        _insert(con, "review_schemes", contract_slug="c", scheme_id=sid, signatory_id=sig, pillar=pillar,
                objective=objective, scheme=scheme, funding_kind=kind, source_ref="annexe 3")
    _insert(con, "review_figures", contract_slug="c", scheme_id="s7", year=2024, measure="montant",
            value=1000.0, unit="EUR", scope="qpv", is_internal=False)
    con.close()
    return path


@pytest.fixture
def one_name_db(tmp_path: Path, monkeypatch) -> Path:
    path = _one_name_db(tmp_path / "one_name.duckdb")
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def test_the_review_page_tells_apart_schemes_typed_with_one_name(one_name_db) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    schemes = [f for f in frames if "Mobilisé en 2024" in f.columns]
    # One expander per pillar (sorted). Its grid shows the « Objectif » and « Nature » columns
    # that tell apart the schemes of one signatory with one name, so the name is said alone
    # (s14: it repeated the objective beside its column); the phone's table, where those columns
    # are left out, says it in the name (test_told_apart_columns_s14_RQ).
    assert [f[["Signataire", "Objectif", "Dispositif", "Nature"]].fillna("—").values.tolist()
            for f in schemes] == [
        [["CAF", "Emploi", "Adultes-relais", "Droit commun"],
         ["DDETS", "Emploi", "Adultes-relais", "Droit commun"],
         ["DDETS", "Emploi", "Adultes-relais", "Crédits spécifiques politique de la ville"]],
        [["DDETS", "Prévenir la pauvreté", "Pacte", "Droit commun"],
         ["DDETS", "Accès aux droits", "Pacte", "Droit commun"],
         ["DDETS", "Transition", "Pacte", "Droit commun"]],
        [["DDETS", "—", "Adultes-relais", "Droit commun"]]]
    # The list of schemes with no figure has no such columns: each name says it.
    missing = next(f for f in frames if list(f.columns) == ["Pilier", "Signataire", "Dispositif"])
    assert missing.values.tolist() == [
        ["Emploi", "CAF", "Adultes-relais"],
        ["Emploi", "DDETS", "Adultes-relais — droit commun"],
        ["Emploi", "DDETS", "Adultes-relais — crédits spécifiques"],
        ["Inclusion", "DDETS", "Pacte — objectif : Prévenir la pauvreté"],
        ["Inclusion", "DDETS", "Pacte — objectif : Accès aux droits"],
        ["Inclusion", "DDETS", "Pacte — objectif : Transition"]]


@pytest.mark.parametrize("typed, shown", [
    # Before a closing bracket, a space, a quote, punctuation or the end of the text.
    ("(sport, activités jeux, petits concerts...)", "(sport, activités jeux, petits concerts…)"),
    ("entrées d'immeubles sales, détritrus ...)", "entrées d'immeubles sales, détritrus …)"),
    ("« Educartable », « Pronotes », ... et d'orientation", "« Educartable », « Pronotes », … et d'orientation"),
    ('"petits..." puis x...; y...: z..., [w...] fin...',
     "«\u00a0petits…\u00a0» puis x…; y…: z…, [w…] fin…"),
    # Left as typed: a path, a URL, a number, dots inside a word, four dots, a relative path, code.
    ("voir data/raw/... et https://x.fr/a...", "voir data/raw/... et https://x.fr/a..."),
    ("1...5, a...b, quatre...., ../shared, `x...`", "1...5, a...b, quatre...., ../shared, `x...`"),
])
def test_three_typed_dots_read_as_an_ellipsis(typed, shown) -> None:
    from indicators.text import french_marks
    assert french_marks(typed) == shown
    assert french_marks(shown) == shown                        # idempotent


def test_an_ellipsis_on_screen_and_in_the_pdf_but_not_in_the_data() -> None:
    from indicators.text import md_text, screen_text
    from reports.pdf import esc
    typed = "Embellir le parc (sport, petits concerts...) ; fichiers data/raw/..."
    # On screen the text is Markdown-escaped first (« \.\.\.\) »): the same rule holds.
    assert md_text(typed) == r"Embellir le parc \(sport, petits concerts\.\.\.\) ; fichiers data/raw/\.\.\."
    assert screen_text(md_text(typed)) == (
        "Embellir le parc \\(sport, petits concerts…\\)\u00a0; fichiers data/raw/\\.\\.\\.")
    assert esc(typed) == "Embellir le parc (sport, petits concerts…)\u00a0; fichiers data/raw/..."


def test_column_decimals_never_add_a_digit_to_a_typed_figure() -> None:
    from indicators.fmt import column_decimals
    # Two typed figures keep their own digits; the file's figures share theirs, unpadded by the
    # typed « 12,25 » (a missing value, shown as text, takes theirs); a unit with fixed decimals keeps them for all.
    assert column_decimals([37.5, 48.0, 12.25, 40.2, 43.0, None],
                           ["published", "published", "published", "official_file", "computed", None],
                           "%") == [1, 0, 2, 1, 1, 1]
    assert column_decimals([712.4, 9000.0], ["published", "official_file"], "EUR/mois") == [0, 0]


def test_the_comparison_table_writes_a_typed_figure_as_its_portrait() -> None:
    """Prés Saint Jean's « 48 % » (typed) read « 48,0 % » beside Stade's typed « 37,5 % »; a
    column of the file's figures keeps one precision (« 43,0 % » beside « 40,2 % »)."""
    import pandas as pd

    from indicators.fmt import plain_spaces
    from ui import views
    pov, fam = "poverty_rate_pct", "single_parent_families_pct"
    df = pd.DataFrame({
        "qpv_code": ["QN1", "QN2", "QN3"], "qpv_name": ["Stade", "Prés Saint Jean", "Gare"],
        "commune_label": ["Chalon"] * 3,
        fam: [37.5, 48.0, 40.2], fam + "__status": ["ok", "ok", "ok"],
        fam + "__year": pd.array([2019] * 3, dtype="Int64"), fam + "__year_given": [True] * 3,
        fam + "__origin": ["published", "published", "official_file"],
        pov: [43.0, None, 40.2], pov + "__status": ["ok", "secret", "ok"],
        pov + "__year": pd.array([2021] * 3, dtype="Int64"), pov + "__year_given": [True] * 3,
        pov + "__origin": ["official_file", "official_file", "official_file"]})
    table = views.compare_table(df, [fam, pov], "QN2")
    assert table.drop(columns=["Portrait"]).map(plain_spaces).values.tolist() == [
        ["", "Stade", "QN1", "Chalon", "37,5 %", "43,0 %"],
        ["▶", "Prés Saint Jean", "QN2", "Chalon", "48 %", "secret statistique"],
        ["", "Gare", "QN3", "Chalon", "40,2 %", "40,2 %"]]
