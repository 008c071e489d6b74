"""The annual-review tables of the programme template (signatories, common_law_schemes,
common_law_figures, tfpb_abatements, steering_committee): recognised by header in CSV and XLSX,
loaded whole, checked (references, negative values) with file, line and column."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from etl.build import BuildFailed, build
from etl.core import EtlError
from tests.etl_build.conftest import CONTRACTS, CURRENT_YEAR, PROGRAMME_ONLY, query, write_csv
from tests.etl_build.test_programme_loader import _load

SIG = [["contract", "signatory_id", "name", "signatory_type", "commitment", "document_id", "source_ref"],
       ["demo", "caf", "CAF de Démo", "caf", "Soutenir la parentalité", "", ""],
       ["demo", "opac", "OPAC de Démo", "bailleur", "", "", ""]]
SCH = [["contract", "scheme_id", "signatory_id", "pillar", "objective_label", "scheme", "funding_kind"],
       ["demo", "s1", "caf", "Parentalité", "Soutenir les parents", "CLAS", ""],
       ["demo", "s2", "caf", "Parentalité", "", "Adultes-relais", "specifique"]]
FIG = [["contract", "scheme_id", "year", "measure", "value", "unit", "scope", "territory_code", "is_internal"],
       ["demo", "s1", "2024", "montant", "12 500,5", "EUR", "qpv", "", ""],
       ["demo", "s1", "2024", "personnes", "40", "personnes", "territoire", "", "oui"]]
TFPB = [["contract", "signatory_id", "year", "action", "territory_code", "amount_eur"],
        ["demo", "opac", "2024", "Gestion urbaine de proximité", "", ""]]


def _committee(path: Path) -> Path:
    """The steering committee as an XLSX workbook with a title row above the header."""
    wb = Workbook()
    ws = wb.active
    ws.title = "comite"
    ws.append(["Comité de pilotage 2024"])
    ws.append(["contract", "college", "organisation", "member", "signatory_id"])
    ws.append(["demo", "Pilotes", "CAF de Démo", "Direction", "caf"])
    ws.append(["demo", "Pilotes", "Ville", "Le Maire", None])
    wb.save(path)
    return path


def test_review_tables_load_whole(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "signataires.csv", SIG)
    write_csv(raw / "dispositifs.csv", SCH, sep=",")
    write_csv(raw / "chiffres.csv", FIG)
    write_csv(raw / "tfpb.csv", TFPB)
    _committee(raw / "comite.xlsx")
    db = tmp_path / "qpv.duckdb"
    report = build([raw], db, loader_modules=PROGRAMME_ONLY, progress=None, current_year=CURRENT_YEAR)
    assert report.ok, [str(m) for m in report.messages]
    assert sorted((f.file_name, f.kind, f.rows_read) for f in report.files) == [
        ("raw/chiffres.csv", "programme_common_law_figures", 2),
        ("raw/comite.xlsx", "programme_steering_committee", 2),
        ("raw/contrat.csv", "programme_contracts", 1),
        ("raw/dispositifs.csv", "programme_common_law_schemes", 2),
        ("raw/signataires.csv", "programme_signatories", 2),
        ("raw/tfpb.csv", "programme_tfpb_abatements", 1),
    ]
    assert query(db, "select contract_slug, signatory_id, name, signatory_type, commitment"
                     " from review_signatories order by 2") == [
        ("demo", "caf", "CAF de Démo", "caf", "Soutenir la parentalité"),
        ("demo", "opac", "OPAC de Démo", "bailleur", None)]
    assert query(db, "select scheme_id, signatory_id, pillar, objective, scheme, funding_kind"
                     " from review_schemes order by 1") == [
        ("s1", "caf", "Parentalité", "Soutenir les parents", "CLAS", "droit_commun"),
        ("s2", "caf", "Parentalité", None, "Adultes-relais", "specifique")]
    assert query(db, "select scheme_id, year, measure, value, unit, scope, territory_code, is_internal"
                     " from review_figures order by measure") == [
        ("s1", 2024, "montant", 12500.5, "EUR", "qpv", None, False),
        ("s1", 2024, "personnes", 40.0, "personnes", "territoire", None, True)]
    assert query(db, "select signatory_id, year, action, territory_code, amount_eur, is_internal"
                     " from review_tfpb") == [("opac", 2024, "Gestion urbaine de proximité", None, None, False)]
    assert query(db, "select college, organisation, member, signatory_id, position"
                     " from review_committee order by position") == [
        ("Pilotes", "CAF de Démo", "Direction", "caf", 1), ("Pilotes", "Ville", "Le Maire", None, 2)]


def test_a_figure_of_an_unknown_scheme_names_its_file_line_and_column(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "signataires.csv", SIG)
    write_csv(raw / "dispositifs.csv", SCH)
    write_csv(raw / "chiffres.csv", FIG + [["demo", "s9", "2024", "heures", "3", "heures", "qpv", "", ""]])
    with pytest.raises(BuildFailed) as e:
        build([raw], tmp_path / "qpv.duckdb", loader_modules=PROGRAMME_ONLY, progress=None,
              current_year=CURRENT_YEAR)
    assert str(e.value) == ("raw/chiffres.csv, ligne 4, colonne « scheme_id » : dispositif inconnu « s9 » "
                            "(cité dans review_figures, absent de la table review_schemes)")


@pytest.mark.parametrize("rows, expected", [
    (FIG[:1] + [["demo", "s1", "2024", "montant", "-5", "EUR", "qpv", "", ""]],
     "f.csv, ligne 2, colonne « value » : valeur négative (-5) (attendu : un nombre positif ou nul)"),
    (FIG[:1] + [["demo", "s1", "2024", "euros", "5", "EUR", "qpv", "", ""]],
     "f.csv, ligne 2, colonne « measure » : valeur non reconnue « euros » (attendu : une de : montant, "
     "personnes, places, heures)"),
    (TFPB[:1] + [["demo", "opac", "2024", "GUP", "", "-1"]],
     "f.csv, ligne 2, colonne « amount_eur » : montant négatif (-1) (attendu : un montant positif en euros)"),
])
def test_bad_review_cells_are_refused(tmp_path: Path, rows, expected) -> None:
    with pytest.raises(EtlError) as e:
        _load(write_csv(tmp_path / "f.csv", rows))
    assert str(e.value) == expected


def test_committee_rows_citing_no_document_are_named_in_one_warning(tmp_path: Path) -> None:
    """The app credits a committee's composition to its document (title, producer, date): rows
    citing none can only be credited their section, so the loader says so, at the first such
    line, in the document_id column (issue 11, Grand Chalon's committee)."""
    raw = tmp_path / "raw"
    write_csv(raw / "contrat.csv", CONTRACTS)
    write_csv(raw / "documents.csv", [["contract", "document_id", "title", "producer", "published_on"],
                                      ["demo", "annexes", "Annexes du contrat", "Agglo", ""]])
    write_csv(raw / "comite.csv", [
        ["contract", "college", "organisation", "member", "document_id", "source_ref"],
        ["demo", "Pilotes", "Agglo", "La Présidence", "annexes", "annexe 6"],
        ["demo", "Pilotes", "Ville", "Le Maire", "", "annexe 6"],
        ["demo", "Partenaires", "CAF", "Direction", "", ""]])
    db = tmp_path / "qpv.duckdb"
    report = build([raw], db, loader_modules=PROGRAMME_ONLY, progress=None, current_year=CURRENT_YEAR)
    assert report.ok, [str(m) for m in report.messages]
    assert [str(m) for m in report.warnings if m.file_name == "raw/comite.csv"] == [
        "raw/comite.csv, ligne 3, colonne « document_id » : 2 membres du comité de pilotage sans "
        "document source : leur source sera citée sans titre de document, producteur ni date "
        "(attendu : l'identifiant d'un document de la table documents)"]
