"""The Grand Chalon annexes 3–6 typed into the review tables (signatories, common-law schemes,
steering committee) checked against the annex text: every scheme and member is in the section it
cites, nothing typed is absent from it, and no figure the annex does not give is typed."""
from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from .conftest import ROOT, folder_tables

SEED = next(iter(sorted((ROOT.parent / "shared" / "seeds").glob("004_*"))), None)
needs_seed = pytest.mark.skipif(SEED is None, reason="annexes du Grand Chalon (seeds/004_*) absentes")


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"\^\{?(e|eme)\}?", "e", text.replace(" ^", "^"))
    return re.findall(r"[a-z0-9]+", text)


def _section(text: str, start: str, end: str) -> set[str]:
    """The words of the annex between the heading `start` (its last occurrence: the first is the
    table of contents) and `end`."""
    i = text.rindex(start)
    return set(_words(text[i:text.index(end, i + len(start))]))


@pytest.fixture(scope="module")
def annex() -> dict[str, set[str]]:
    text = SEED.read_text(encoding="utf-8")
    return {"3": _section(text, "Mobilisation des politiques de droit commun", "4. Le droit commun mobilisable"),
            "4": _section(text, "4. Le droit commun mobilisable", "5. Les contributions des Signataires"),
            "5": _section(text, "5. Les contributions des Signataires", "6. Composition du Comité"),
            "6": _section(text, "6. Composition du Comité de pilotage", "7. Convention Intercommunale")}


def _annex_of(source_ref: str) -> str:
    m = re.match(r"Annexe ([3-6]) ", source_ref)
    assert m, source_ref
    return m.group(1)


def _absent(words: set[str], text: str) -> list[str]:
    return [w for w in _words(text) if len(w) > 3 and w not in words]


@needs_seed
def test_every_scheme_is_in_the_annex_section_it_cites(annex) -> None:
    rows = folder_tables("grand-chalon")["common_law_schemes"].rows
    absent = {(r["scheme_id"], w) for r in rows
              for w in _absent(annex[_annex_of(r["source_ref"])], r["scheme"] + " " + r["objective_label"]
                               + " " + r["pillar"])}
    assert absent == set()


@needs_seed
def test_every_annex_4_actor_is_named_in_annex_4(annex) -> None:
    # The actor a scheme of annex 4 cites (« acteur « … » ») and every actor that does not sign.
    tables = folder_tables("grand-chalon")
    cited = {m.group(1) for r in tables["common_law_schemes"].rows if _annex_of(r["source_ref"]) == "4"
             for m in [re.search(r"acteur « (.+?) »", r["source_ref"])] if m}
    names = {r["name"] for r in tables["signatories"].rows if r["is_signatory"] == "non"}
    assert len(cited) >= 40
    assert {(a, w) for a in cited | names for w in _absent(annex["4"], a)} == set()


@needs_seed
def test_every_committee_member_is_in_annex_6(annex) -> None:
    rows = folder_tables("grand-chalon")["steering_committee"].rows
    assert {_annex_of(r["source_ref"]) for r in rows} == {"6"}
    absent = {(r["member"], w) for r in rows for w in _absent(annex["6"], r["member"] + " " + r["organisation"])}
    assert absent == set()


@needs_seed
def test_signatory_commitments_are_the_annex_words(annex) -> None:
    rows = folder_tables("grand-chalon")["signatories"].rows
    absent = {(r["signatory_id"], w) for r in rows if r["commitment"]
              for w in _absent(annex[_annex_of(r["source_ref"])], r["commitment"])}
    assert absent == set()


def test_golden_counts_per_signatory_and_section() -> None:
    """What was typed, as a whole: schemes per signatory and annex, committee members per rubric."""
    tables = folder_tables("grand-chalon")
    schemes: dict[tuple[str, str, str], int] = {}
    for r in tables["common_law_schemes"].rows:
        key = (_annex_of(r["source_ref"]), r["signatory_id"], r["funding_kind"])
        schemes[key] = schemes.get(key, 0) + 1
    assert schemes == {
        ("3", "etat-sdjes", "droit_commun"): 12, ("3", "etat-drac", "droit_commun"): 3,
        ("3", "education-nationale", "droit_commun"): 8, ("3", "education-nationale", "specifique"): 2,
        ("3", "ars", "droit_commun"): 6, ("3", "etat-ddets", "specifique"): 4,
        ("3", "etat-ddets", "droit_commun"): 27, ("3", "etat-ddfe", "droit_commun"): 9,
        ("3", "etat-ddfe", "specifique"): 1, ("3", "etat-ddsp", "droit_commun"): 4,
        ("3", "etat-ddt", "droit_commun"): 3,
        # Annex 4, every « Dispositifs / Actions phares » table, the services of the city and of the
        # agglomeration under their signatory, the actors that do not sign under their own id.
        ("4", "france-travail", "droit_commun"): 6, ("4", "etat-ddets", "droit_commun"): 16,
        ("4", "region-bfc", "droit_commun"): 7, ("4", "education-nationale", "droit_commun"): 19,
        ("4", "caf-71", "droit_commun"): 8, ("4", "departement-71", "droit_commun"): 11,
        ("4", "ars", "droit_commun"): 5, ("4", "opac-71", "droit_commun"): 2,
        ("4", "habellis", "droit_commun"): 2, ("4", "mission-locale", "droit_commun"): 13,
        ("4", "grand-chalon", "droit_commun"): 25, ("4", "ville-chalon", "droit_commun"): 46,
        ("4", "etat-sdjes", "droit_commun"): 5, ("4", "medef71", "droit_commun"): 2,
        ("4", "cpme71", "droit_commun"): 1, ("4", "mutualite-francaise", "droit_commun"): 2,
        ("4", "bge", "droit_commun"): 1, ("4", "active", "droit_commun"): 2,
        ("4", "regies-quartier", "droit_commun"): 5, ("4", "idees71", "droit_commun"): 1,
        ("4", "unis-cite", "droit_commun"): 8, ("4", "fete", "droit_commun"): 3,
        ("4", "sauvegarde71", "droit_commun"): 3, ("4", "maison-des-ados", "droit_commun"): 2,
        ("4", "comites-quartier", "droit_commun"): 3, ("4", "ireps-bfc", "droit_commun"): 1,
        ("4", "ministere-solidarites", "droit_commun"): 1,
        # Annex 5: the means each contribution names (the commitments are in `signatories`).
        ("5", "region-bfc", "droit_commun"): 2, ("5", "region-bfc", "specifique"): 1,
        ("5", "departement-71", "droit_commun"): 6, ("5", "departement-71", "specifique"): 1,
        ("5", "banque-des-territoires", "droit_commun"): 5,
    }
    # The actors annex 4 names as carrying schemes (or in its actors' column with none) that annex 6
    # does not list among the partners and signatories: flagged as not signing the contract.
    assert [r["signatory_id"] for r in tables["signatories"].rows if r["is_signatory"] == "non"] == [
        "ecole-2e-chance", "ecole-production", "bge", "active", "regies-quartier", "idees71", "unis-cite",
        "fete", "sauvegarde71", "maison-des-ados", "udaf71", "ireps-bfc", "ministere-solidarites",
        "comites-quartier"]
    assert {r["is_signatory"] for r in tables["signatories"].rows} == {"oui", "non"}
    members: dict[str, int] = {}
    for r in tables["steering_committee"].rows:
        members[r["college"]] = members.get(r["college"], 0) + 1
    assert members == {"Pilotes": 12, "Élus Grand Chalon / Ville": 12,
                       "Principaux partenaires co-financeurs et signataires": 23,
                       "Le Grand Chalon / Ville de Chalon – délégations et directions opérationnelles": 18}
    assert [r["member"] for r in tables["steering_committee"].rows][:3] == [
        "La Présidence",
        "La Vice-Présidence en charge de la Politique de la Ville, des Solidarités, de l'Insertion et de l'Emploi",
        "La Direction de Cabinet"]
    # The annex gives no yearly figure and no TFPB amount: none is typed.
    assert "common_law_figures" not in tables and "tfpb_abatements" not in tables
