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
    # One expander per pillar (sorted), each scheme's name saying what tells it apart from the
    # schemes of its signatory with the same name: the objective, else the kind of funding.
    assert [f[["Signataire", "Dispositif"]].values.tolist() for f in schemes] == [
        [["CAF", "Adultes-relais"], ["DDETS", "Adultes-relais — droit commun"],
         ["DDETS", "Adultes-relais — crédits spécifiques"]],
        [["DDETS", "Pacte — objectif : Prévenir la pauvreté"], ["DDETS", "Pacte — objectif : Accès aux droits"],
         ["DDETS", "Pacte — objectif : Transition"]],
        [["DDETS", "Adultes-relais"]]]
    missing = next(f for f in frames if list(f.columns) == ["Pilier", "Signataire", "Dispositif"])
    assert missing.values.tolist() == [
        ["Emploi", "CAF", "Adultes-relais"],
        ["Emploi", "DDETS", "Adultes-relais — droit commun"],
        ["Emploi", "DDETS", "Adultes-relais — crédits spécifiques"],
        ["Inclusion", "DDETS", "Pacte — objectif : Prévenir la pauvreté"],
        ["Inclusion", "DDETS", "Pacte — objectif : Accès aux droits"],
        ["Inclusion", "DDETS", "Pacte — objectif : Transition"]]
