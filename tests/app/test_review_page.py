"""The page « Droit commun et signataires » on a small database built by code: mobilisable and
declared per pillar and signatory, programme 147 beside the common law, what nobody reported,
the committee, data shown as text, and the two review downloads built only at the click."""
from __future__ import annotations

from pathlib import Path

import pytest

import config
from indicators.fmt import plain_spaces
from indicators.text import screen_text
from tests.app.test_exports import deferred  # noqa: F401 - the fixture capturing download callables
from tests.app.test_pages import page_text, run_page
from tests.exports.test_review_report import build_review_db

HOSTILE = "**Parentalité** [lien](https://x.example) <b>"


@pytest.fixture
def review_page_db(tmp_path: Path, monkeypatch) -> Path:
    path = build_review_db(tmp_path / "review.duckdb", pillar=HOSTILE)
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def test_the_page_shows_mobilisable_declared_and_missing(review_page_db, deferred) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    # Opened from the machine itself, the session is an editor's: the internal amount counts.
    credits = next(f for f in frames if "Programme 147 (€)" in f.columns)
    assert credits.values.tolist() == [[2024, "25\u202f000", "50\u202f000", "12\u202f500", "2"]]
    # Amounts in €, as everywhere else in the app (« EUR » is the registry's unit, issue 11).
    assert list(credits.columns) == ["Année", "Programme 147 (€)", "Droit commun déclaré (€)",
                                     "dont propre aux QPV (€)", "Droit commun pour 1 € de P147"]
    mob = next(f for f in frames if "Dispositifs mobilisables" in f.columns)
    assert list(mob.columns) == ["Pilier", "Signataire", "Dispositifs mobilisables",
                                 "Dispositifs déclarés en 2024", "Montant déclaré (€)",
                                 "dont propre aux QPV (€)", "Part propre aux QPV (%)"]
    assert mob.values.tolist() == [
        [HOSTILE, "CAF de Testville", "1", "1", "50\u202f000", "12\u202f500", "25,0"],
        ["Emploi", "DDETS", "1", "0", "non renseigné", "non renseigné", "non renseigné"]]
    # What nobody declared, without the template's internal scheme id (issue 11, D13).
    missing = next(f for f in frames if "Dispositif" in f.columns and "Pilier" in f.columns)
    assert list(missing.columns) == ["Pilier", "Signataire", "Dispositif"]
    assert missing.values.tolist() == [["Emploi", "DDETS", "Contrats aidés"]]
    text = page_text(at)
    assert "**Signataires obligatoires absents** de la liste saisie : Commune, Intercommunalité, Département, " \
           "Région, France Travail, Bailleur social, Agence régionale de santé, Éducation nationale, " \
           "Justice (procureur)." in text
    assert "Agglo — La Présidence" in text
    sig = next(f for f in frames if "Rôle" in f.columns)
    assert sig.values.tolist() == [["CAF de Testville", "Caisse d'allocations familiales", "signataire", "", ""],
                                   ["DDETS", "Service de l'État", "signataire", "", ""]]
    # A pillar holding Markdown is shown as text in the expander's label.
    from indicators.text import md_text
    # « 1 dispositif », singular (issue 11).
    assert [plain_spaces(e.label) for e in at.expander] == [
        plain_spaces(screen_text(md_text(HOSTILE + " — 1 dispositif"))), "Emploi — 1 dispositif"]
    assert "**1 dispositif** sans aucun chiffre déclaré" in text
    assert md_text(HOSTILE).startswith(r"\*\*Parentalité\*\* \[lien\]")
    # The two review files are offered and built only at the click.
    assert sorted(deferred) == ["revue_c_2024.pdf", "revue_c_2024.xlsx"]
    assert deferred["revue_c_2024.pdf"]()[:5] == b"%PDF-"
    assert deferred["revue_c_2024.xlsx"]()[:2] == b"PK"


def test_a_visitor_does_not_see_internal_figures(review_page_db, monkeypatch) -> None:
    from ui import auth
    monkeypatch.setattr(auth, "current_editor", lambda: None)
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    credits = next(f for f in frames if "Programme 147 (€)" in f.columns)
    assert credits.values.tolist() == [[2024, "25\u202f000", "12\u202f500", "12\u202f500", "0,5"]]


def test_a_contract_without_review_says_how_to_fill_it(tmp_path: Path, monkeypatch) -> None:
    from etl.db import create_empty
    path = tmp_path / "empty.duckdb"
    con = create_empty(path)
    con.execute("insert into contracts (contract_slug, contract_name, source_id) values ('e', 'Vide', 's')")
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    at = run_page("droit_commun", territoire="e")
    assert not at.exception
    assert [plain_spaces(i.value) for i in at.info] == [
        # In French, without the template's table names (issue 11, Chambéry and Chartres).
        "Aucun signataire ni dispositif de droit commun n'est saisi pour ce territoire. Ils se saisissent "
        "dans le modèle de programme (signataires, dispositifs et chiffres de droit commun, abattements "
        "de TFPB, comité de pilotage : voir « Données et méthode »)."]


def test_a_committee_member_named_as_its_organisation_is_named_once(review_page_db) -> None:
    # « Agence Régionale de Santé (ARS) — Agence Régionale de Santé (ARS) » (issue 11, Grand Chalon).
    import duckdb
    from tests.exports.test_review_report import _insert
    con = duckdb.connect(str(review_page_db))
    _insert(con, "review_committee", contract_slug="c", college="Pilotes", organisation="ARS",
            member="ARS", position=2)
    con.close()
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    assert [plain_spaces(m.value) for m in at.markdown if m.value.startswith("- ")] == ["- Agglo — La Présidence\n- ARS"]


def test_the_demo_and_grand_chalon_pages_show_their_review(demo_db, deferred) -> None:
    # The demo (fictional): its latest year reported (2025) by default, figures QPV-specific or
    # territory-wide, the actors that do not sign marked, the review report a click away.
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    assert at.selectbox(key="dc_year").value == 2025
    frames = [d.value for d in at.dataframe]
    mob = next(f for f in frames if "Dispositifs mobilisables" in f.columns)
    assert mob[mob["Pilier"] == "Emploi et insertion"].values.tolist() == [
        ["Emploi et insertion", "Association Lorne Insertion (fictive, non signataire)", "1", "0",
         "non renseigné", "non renseigné", "non renseigné"],
        ["Emploi et insertion", "DDETS du Val-de-Lorne (fictive)", "1", "1", "192\u202f000", "non renseigné",
         "non renseigné"],
        ["Emploi et insertion", "France Travail Val-de-Lorne (fictif)", "1", "1", "non renseigné",
         "non renseigné", "non renseigné"],
        ["Emploi et insertion", "Mission locale du Val-de-Lorne (fictive, non signataire)", "1", "1",
         "non renseigné", "non renseigné", "non renseigné"],
        ["Emploi et insertion", "Région 99 (fictive)", "1", "0", "non renseigné", "non renseigné",
         "non renseigné"]]
    sig = next(f for f in frames if "Rôle" in f.columns)
    assert sig["Rôle"].value_counts().to_dict() == {"signataire": 12, "non signataire": 2}
    text = page_text(at)
    assert "**Signataires obligatoires absents** de la liste saisie : Justice (procureur)." in text
    assert sorted(deferred) == ["revue_demo_2025.pdf", "revue_demo_2025.xlsx"]

    # Grand Chalon: annex 4's schemes under their actor, with the annex section as source.
    at = run_page("droit_commun", territoire="grand-chalon")
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    sig = next(f for f in frames if "Rôle" in f.columns)
    unis = sig[sig["Nom"] == "Unis-Cité"].values.tolist()
    assert unis == [["Unis-Cité", "Autre partenaire", "non signataire", "",
                     "Annexe 4 – Le droit commun mobilisable sur les quartiers (p. 37 s.), synthèse "
                     "« Emploi Insertion Formation et entrepreneuriat », acteur « Unis-Cités »"]]
    schemes = [f for f in frames if "Dispositif" in f.columns and "Source" in f.columns]
    rows = [r for f in schemes for r in f.to_dict("records") if r["Dispositif"] == "Incubateur de projets"]
    assert [(r["Signataire"], r["Source"]) for r in rows] == [(
        "ACTIVE, Pôle d'économie solidaire (non signataire)",
        "Annexe 4 – Le droit commun mobilisable sur les quartiers (p. 37 s.), synthèse « Emploi Insertion "
        "Formation et entrepreneuriat », acteur « ACTIVE, Pôle d'économie solidaire »")]
    assert "- Grand Chalon / Ville de Chalon — L'Unité d'accompagnement numérique (priorité thématique " \
           "Parentalité et enjeux éducatifs)" in page_text(at)


def test_without_any_scheme_nothing_is_said_missing(demo_db, monkeypatch) -> None:
    """Programme 147 credits and no common-law scheme read « Aucun dispositif de droit commun n'est
    saisi », then « Chaque dispositif saisi a au moins un chiffre déclaré »: true of nothing."""
    from ui import data
    real = data.review_data

    def without_schemes(slug, year=None):
        review = dict(real(slug, year))
        for key in ("mobilisation", "schemes", "missing"):
            if key in review:
                review[key] = review[key].iloc[0:0]
        return review

    monkeypatch.setattr(data, "review_data", without_schemes)
    at = run_page("droit_commun", territoire="demo")
    assert not at.exception
    text = page_text(at)
    assert "Aucun dispositif n'est saisi : rien ne peut être déclaré manquant." in text
    assert "Chaque dispositif saisi" not in text
