"""Issue 11 (S14, RQ): on « Droit commun » at 1440 px, the schemes of one signatory typed with one
name (indicators.review.told_apart) said their objective twice: in the name (« Pacte local — objectif
: Prévenir ») and in the « Objectif » column beside it. The name now repeats what tells it apart
only where the column saying it is left out of the table: never in the grid (every column shown)
nor in the HTML table wide enough for every column; in the HTML table of a phone, which leaves
the objective to its « Détail », the name keeps it (class qpv-narrow-only: shown only below the
width of the whole table, components.narrow_css)."""
from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pandas as pd
import pytest

import config
from indicators import review
from tests.app.test_pages import run_page
from tests.exports.test_review_report import _insert, build_review_db
from ui import components, views

OBJ_A = "Prévenir la production de la pauvreté"
OBJ_B = "Lutter contre le non-recours aux droits sociaux"
SRC_LONG = "Annexe 3 – Les engagements et priorités de l'Etat (p. 29 s.), « Mobilisation des politiques »"


MAIN = ("Dispositif", "Mobilisé en 2024")      # as the page passes them


def _part(signatory: str = "Préfecture") -> pd.DataFrame:
    """A pillar's schemes as schemes_view gives them: two « Pacte local » told apart by their
    objective, one scheme alone with its name."""
    return pd.DataFrame({
        "Signataire": [signatory, signatory, "CAF"],
        "Objectif": [OBJ_A, OBJ_B, None],
        "Dispositif": ["Pacte local", "Pacte local", "CLAS"],
        "Nature": ["Droit commun"] * 3,
        "Mobilisé en 2024": ["non renseigné"] * 3,
        "Source": [SRC_LONG] * 3,
        review.SCHEME_DETAIL: [("Objectif", f"objectif : {OBJ_A}"), ("Objectif", f"objectif : {OBJ_B}"), None]})


def _cells(html: str, column: int) -> list[str]:
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    return [re.findall(r"<td[^>]*>(.*?)</td>", r)[column] for r in rows]


def test_told_apart_details_and_told_apart_agree() -> None:
    df = pd.DataFrame({"pillar": ["P"] * 4, "signatory": ["S", "S", "S", "T"],
                       "scheme": ["Pacte", "Pacte", "CLAS", "Pacte"],
                       "objective": [OBJ_A, OBJ_B, "x", None], "funding_kind": ["droit_commun"] * 4,
                       "source_ref": [None] * 4})
    assert review.told_apart_details(df, ("pillar", "signatory"), "scheme") == [
        ("objective", f"objectif : {OBJ_A}"), ("objective", f"objectif : {OBJ_B}"), None, None]
    assert review.told_apart(df, ("pillar", "signatory"), "scheme") == [
        f"Pacte — objectif : {OBJ_A}", f"Pacte — objectif : {OBJ_B}", "CLAS", "Pacte"]


def test_wide_room_shows_the_objective_once_in_its_column() -> None:
    part = _part()
    frame = part.drop(columns=[review.SCHEME_DETAIL])
    order = list(frame.columns)
    out = views.narrow_table_html(frame, order, "k", room_px=5000,
                                  details={"Dispositif": part[review.SCHEME_DETAIL]})
    assert out["left"] == []
    assert _cells(out["html"], 2) == ["Pacte local", "Pacte local", "CLAS"]
    assert _cells(out["html"], 1) == [OBJ_A, OBJ_B, ""]
    assert "objectif :" not in out["html"]


def test_phone_room_with_the_objective_column_shown_does_not_repeat_it() -> None:
    part = _part()
    frame = part.drop(columns=[review.SCHEME_DETAIL])
    out = views.narrow_table_html(frame, list(frame.columns), "k", main=MAIN,
                                  details={"Dispositif": part[review.SCHEME_DETAIL]})
    assert out["shown"] == ["Signataire", "Objectif", "Dispositif", "Mobilisé en 2024"]
    assert out["left"] == ["Nature", "Source"]
    assert _cells(out["html"], 2) == ["Pacte local", "Pacte local", "CLAS"]
    assert "objectif" not in out["html"]


def test_phone_room_keeps_the_objective_in_the_name_where_its_column_is_left_out() -> None:
    part = _part("Direction départementale de l'emploi (Saône-et-Loire/Bourgogne-Franche-Comté)")
    frame = part.drop(columns=[review.SCHEME_DETAIL])
    out = views.narrow_table_html(frame, list(frame.columns), "k", main=MAIN,
                                  details={"Dispositif": part[review.SCHEME_DETAIL]})
    # « Nature » fits too since words break after « - » and « / » (s14, RS).
    assert out["shown"] == ["Signataire", "Dispositif", "Nature", "Mobilisé en 2024"]
    assert out["left"] == ["Objectif", "Source"]
    span = '<span class="qpv-narrow-only"> — {}</span>'
    assert _cells(out["html"], 2) == [
        "Pacte local" + span.format(views.html_text(views.screen_text(f"objectif : {OBJ_A}"))),
        "Pacte local" + span.format(views.html_text(views.screen_text(f"objectif : {OBJ_B}"))), "CLAS"]
    # That span shows only below the whole table's width, where « Objectif » is left out.
    css = components.narrow_css("k", 2000, out["full_px"])
    assert (f"@container (min-width: {out['full_px']}px) {{ .qpv-narrow-k .qpv-narrow-only "
            "{ display: none; } }") in css
    assert (f"@container (max-width: {out['full_px'] - 1}px) {{ .qpv-narrow-k .qpv-wide-only "
            "{ display: none; } }") in css


def test_a_detail_whose_column_the_table_does_not_show_is_always_in_the_name() -> None:
    part = _part()
    frame = part.drop(columns=[review.SCHEME_DETAIL])
    order = [c for c in frame.columns if c != "Objectif"]
    out = views.narrow_table_html(frame, order, "k", room_px=5000,
                                  details={"Dispositif": part[review.SCHEME_DETAIL]})
    assert _cells(out["html"], 1) == [views.html_text(views.screen_text(f"Pacte local — objectif : {OBJ_A}")),
                                      views.html_text(views.screen_text(f"Pacte local — objectif : {OBJ_B}")),
                                      "CLAS"]


@pytest.fixture
def twin_schemes_db(tmp_path: Path, monkeypatch) -> Path:
    path = build_review_db(tmp_path / "review.duckdb")
    con = duckdb.connect(str(path))
    for sid, objective in (("p1", OBJ_A), ("p2", OBJ_B)):
        _insert(con, "review_schemes", contract_slug="c", scheme_id=sid, signatory_id="ddets", pillar="Emploi",
                scheme="Pacte local", objective=objective, funding_kind="droit_commun", document_id="annexes",
                source_ref="annexe 4")
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def test_the_page_grid_names_each_scheme_once_and_its_phone_table_keeps_the_objective(twin_schemes_db) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    emploi = next(d.value for d in at.dataframe if "Objectif" in d.value.columns
                  and "Contrats aidés" in d.value["Dispositif"].tolist())
    assert list(emploi.columns) == ["Signataire", "Objectif", "Dispositif", "Nature", "Mobilisé en 2024", "Source"]
    assert sorted(map(tuple, emploi[["Dispositif", "Objectif"]].fillna("").values.tolist())) == [
        ("Contrats aidés", ""), ("Pacte local", OBJ_B), ("Pacte local", OBJ_A)]
    narrow = next(h.proto.body for h in at.get("html") if "qpv-narrow-dc_schemes_Emploi" in h.proto.body)
    assert "objectif" not in narrow        # the phone's table shows « Objectif » too: said once
