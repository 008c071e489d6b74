"""Issue 11's leftovers on the app's pages (first screen, figures that mean something, phone):
the review's default year, the sources under the CIA tiles and the committee, the poverty
pockets' explanation, the programme chart's small slices, the tables' pinned name column.
AppTest on small databases built by code, and on the demo build for every contract."""
from __future__ import annotations

import datetime as dt
import html
import re
from pathlib import Path

import duckdb
import pytest

import config
from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown
from tests.exports.test_review_report import _insert, build_review_db


def sources_shown(at) -> list[str]:
    """The source lines of a page (components.source_line), as the reader reads them (the no-break
    spaces that keep « », « : » and « ; » with their words read as spaces)."""
    return [html.unescape(shown(re.sub(r"<[^>]+>", "", m.value))).replace("\u00a0", " ").replace("\u202f", " ")
            for m in at.markdown if 'class="qpv-source' in m.value]


@pytest.fixture
def review_only_cia(tmp_path: Path, monkeypatch) -> Path:
    """Contract `c` (2024–2030) whose only yearly figure is a CIA result published for 2021; its
    committee cites the annexes (title and producer, no date) for one member, nothing for another."""
    path = build_review_db(tmp_path / "review.duckdb")
    con = duckdb.connect(str(path))
    con.execute("delete from review_figures")
    con.execute("delete from programme_funding")
    con.execute("delete from review_committee")
    _insert(con, "housing_published_results", contract_slug="c", year=2021, party_type="ensemble",
            party_name="Testville", objective="q1_hors_qpv", numerator=82.0, rate_pct=12.04,
            document_id="annexes", source_ref="annexe 7")
    _insert(con, "review_committee", contract_slug="c", college="Pilotes", organisation="Agglo",
            member="La Présidence", position=1, document_id="annexes",
            source_ref="annexe 6 (p. 60), rubrique « Pilotes »")
    _insert(con, "review_committee", contract_slug="c", college="Élus", organisation="Ville",
            member="Le Maire", position=2, document_id="annexes",
            source_ref="annexe 6 (p. 60), rubrique « Élus »")
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def test_the_review_opens_on_the_latest_year_with_figures_and_says_which(review_only_cia) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    picker = at.selectbox(key="dc_year")
    assert picker.value == 2021
    # Every year of the contract up to now stays selectable, said empty; the declared year plainly.
    empty = [f"{y} (aucun chiffre déclaré)" for y in range(min(2030, dt.date.today().year), 2023, -1)]
    assert picker.options == empty + ["2021"]
    assert "Chiffres déclarés : résultats publiés de la CIA 2021." in [plain_spaces(shown(c.value)) for c in at.caption]
    assert at.header[1].value == "Mobilisable et mobilisé en 2021, par pilier et signataire"


def test_the_committee_credits_its_document_title_and_producer(review_only_cia) -> None:
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    # The document's title and producer (it gives no date: none is made up), then the section
    # the two rubriques share (each rubrique is a heading above its members).
    assert sources_shown(at)[-1] == "Source : Annexes du contrat (Agglo) — annexe 6 (p. 60)"


def test_without_any_declared_year_the_page_says_so(review_only_cia) -> None:
    con = duckdb.connect(str(review_only_cia))
    con.execute("delete from housing_published_results")
    con.execute("update review_committee set document_id = null")
    con.close()
    at = run_page("droit_commun", territoire="c")
    assert not at.exception
    assert at.selectbox(key="dc_year").value == min(2030, dt.date.today().year)
    assert ("Aucune année n'a de chiffre déclaré (droit commun, abattement de TFPB, financements du "
            "programme, CIA, personnes touchées).") in [plain_spaces(shown(c.value)) for c in at.caption]
    # A committee citing no document: its sections alone, nothing invented.
    assert sources_shown(at)[-1] == "Source : annexe 6 (p. 60)"


def test_every_contract_opens_its_review_on_a_declared_year(demo_db) -> None:
    expected = {
        # The demo: the latest year a signatory reported (2025), not 2026 (funding only).
        "demo": (2025, "Chiffres déclarés : droit commun 2024 et 2025 ; abattement de TFPB 2024 et "
                       "2025 ; financements du programme 2020 à 2026 ; attributions de la CIA 2021 à "
                       "2025 ; résultats publiés de la CIA 2021 et 2022 ; personnes touchées 2024 et 2025."),
        # Grand Chalon: nothing for 2024–2026; the CIA's 2021 result is its latest declared figure.
        "grand-chalon": (2021, "Chiffres déclarés : résultats publiés de la CIA 2020 et 2021."),
    }
    for slug, (year, text) in expected.items():
        at = run_page("droit_commun", territoire=slug)
        assert not at.exception
        assert at.selectbox(key="dc_year").value == year, slug
        assert text in [plain_spaces(shown(c.value)) for c in at.caption], slug
    at = run_page("droit_commun", territoire="grand-chalon")
    assert sources_shown(at)[-1] == (
        "Source : Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes 3 "
        "à 6 (« Les engagements et priorités de l'Etat », « Le droit commun mobilisable sur les "
        "quartiers », « Les contributions des Signataires », « Composition du Comité de pilotage »), "
        "Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire — Annexe 6 – Composition du "
        "Comité de pilotage (p. 60 s.)")
    # Chambéry and Chartres have no review (no signatory, no programme 147): the page says how
    # to fill it in, with no year to pick.
    for slug in ("chambery", "chartres-metropole"):
        at = run_page("droit_commun", territoire=slug)
        assert not at.exception
        assert [s.key for s in at.selectbox] == [] and at.info[0].value.startswith("Aucun signataire")


def test_the_pockets_explanation_says_what_the_threshold_line_says(demo_db) -> None:
    """Grand Chalon's box said the EPCI median replaced the urban unit's beside a line saying S
    had no local median (and S came from the demo's fictional France median): both now say the
    same thing, from one threshold, for every contract."""
    expected = {
        "demo": ("S = 0,6 × (0,7 × 22 040 € + 0,3 × 20 130 €) = 12 880 € par an et par unité de "
                 "consommation ; médiane nationale : France (2019), médiane locale : CA Val-de-Lorne "
                 "(fictive, EPCI, faute d'unité urbaine, 2019).",
                 "La base ne connaît pas l'unité urbaine : la médiane de l'EPCI du contrat la remplace."),
    }
    for slug in ("grand-chalon", "chambery", "chartres-metropole"):
        # Real contracts: the default build's only France medians are the demo's, never used.
        # No default line (the box says why, the field « à saisir »): the absence said once.
        expected[slug] = (None,
                          "La base n'a pas de médiane nationale du niveau de vie : le seuil S ne peut "
                          "pas être calculé, il est à saisir.")
    for slug, (line, sentence) in expected.items():
        at = run_page("poches", territoire=slug)
        assert not at.exception
        captions = [plain_spaces(shown(c.value)) for c in at.caption]
        defaults = [c for c in captions if c.startswith("Seuil par défaut")]
        assert defaults == ([] if line is None else ["Seuil par défaut : " + line]), slug
        box = plain_spaces(at.info[0].value)
        assert sentence in box, slug
        assert ("médiane de l'EPCI du contrat la remplace" in box) == ("EPCI, faute" in (line or "")), slug
        # The input holds the S the line states, or nothing to type over (never a made-up 13 000 €),
        # and the search waits for it: the box says S is to be typed, no second note says it again.
        s_input = at.text_input(key="pocket_threshold")
        if slug == "demo":
            assert (s_input.value, len(at.info)) == ("12\u202f880", 1)
        else:
            assert (s_input.value, s_input.proto.placeholder, len(at.info)) == ("", "à saisir", 1), slug
            assert at.subheader.values == [], slug


def test_every_cia_tile_carries_its_source(demo_db) -> None:
    """The demo's CIA tiles (rates computed from its attribution rows) had no source under them:
    each now credits the template file (title, producer) with the year and the computation, as
    Grand Chalon's (published by the CIA) credit their document."""
    demo = ("Source : Modèle de saisie du programme : attributions de logements (Contrat de ville de "
            "Val-de-Lorne, fictif) — attributions 2025, taux calculé par le tableau de bord")
    for slug, n_tiles in (("demo", 3), ("grand-chalon", 2)):
        at = run_page("logement", territoire=slug)
        assert not at.exception
        tiles = [m for m in at.metric if re.search(r"^Attributions .*\s– \d{4}$", m.label)]
        assert len(tiles) == n_tiles, slug
        lines = sources_shown(at)
        if slug == "demo":
            # Shortened under each tile (title and section), whole in « Sources complètes ».
            assert lines[:3] == ["Source : Modèle de saisie du programme — attributions 2025, taux "
                                 "calculé par le tableau de bord"] * 3
            assert [line for line in lines if line.endswith(demo.removeprefix("Source : "))]
        else:
            assert all(line.startswith("Source : Convention Intercommunale d'Attribution") for line in lines[:2])


def _layouts(at) -> list[tuple[list[str], list[str]]]:
    """(column order, pinned columns) of each table of a page, as sent to the browser."""
    import json
    out = []
    for d in at.dataframe:
        config = json.loads(d.proto.columns or "{}")
        out.append((list(d.proto.column_order), sorted(c for c, v in config.items() if v.get("pinned"))))
    return out


@pytest.mark.parametrize("slug", ["demo", "grand-chalon", "chambery", "chartres-metropole"])
def test_on_a_phone_name_and_value_come_first_the_name_pinned(demo_db, slug) -> None:
    """At 390 px the map's, comparison's and leverage's values needed a horizontal scroll: the
    quartier (or funder) column is pinned and the value columns follow it."""
    at = run_page("carte", territoire=slug)
    assert not at.exception
    if slug == "chambery":      # no indicator value for its quartiers: a note, no empty table
        assert not _layouts(at) and "rien à colorer" in at.info[0].value
    else:
        assert (["Quartier", "Valeur", "Code", "Commune(s)", "Portrait"], ["Quartier"]) in _layouts(at)
    at = run_page("comparer", territoire=slug)
    assert not at.exception
    if slug == "chambery":      # no indicator value for its quartiers: a note, no empty table
        assert not _layouts(at) and "rien à comparer" in at.info[0].value
    else:
        order, pinned = next(t for t in _layouts(at) if "Commune(s)" in t[0])
        assert order[:2] == ["", "Quartier"] and order[-3:] == ["Code", "Commune(s)", "Portrait"]
        assert len(order) > 5 and pinned == ["", "Quartier"]      # at least one indicator's values
    at = run_page("mandat", territoire=slug)
    assert not at.exception
    leverage = [t for t in _layouts(at) if "Financeur" in t[0] and "Source du chiffre publié" in t[0]
                or "Financeur" in t[0] and "Calculé (financements saisis)" in t[0]]
    for order, pinned in leverage:
        assert order[0] == "Financeur" and pinned == ["Financeur"]
        assert order[1] in ("Calculé (financements saisis)", "Publié")
    # The demo and Chartres have a leverage table computed from their funding, Chambéry a published one.
    assert bool(leverage) == (slug != "grand-chalon"), slug


def test_no_funder_slice_too_thin_to_see() -> None:
    """The demo's « État – autres crédits » was 0,7 % of 2022's bar, invisible between two
    others: a funder under 2 % of its year joins that year's « Autres » slice, drawn on top, its
    detail in the hover text (hence « Voir les données »), its share written above the bar when
    the grouped slice is thin itself."""
    import pandas as pd

    from ui import charts, exports
    rows = [(2022, "ville", "Ville", 160_600), (2022, "etat_p147", "État – programme 147", 485_600),
            (2022, "etat_autre", "État – autres crédits", 7_700), (2022, "autre", "Autres financeurs", 32_900),
            (2023, "ville", "Ville", 100_000), (2023, "etat_autre", "État – autres crédits", 50_000),
            (2023, "region", "Région", 1_000)]
    df = pd.DataFrame(rows, columns=["year", "funder", "funder_label", "amount_eur"])
    fig = charts.stacked_years(df)
    assert [(t.name, list(t.x), list(t.y)) for t in fig.data] == [
        ("Ville", ["2022", "2023"], [160_600, 100_000]),
        ("État – programme 147", ["2022"], [485_600]),
        ("État – autres crédits", ["2023"], [50_000]),
        ("Autres (dont financeurs de moins de 2\xa0% de l'année)", ["2022", "2023"], [40_600.0, 1_000.0])]
    table = exports.figure_table(fig)
    assert [plain_spaces(v) for v in table.iloc[:, -1]] == [
        "40 600 € (5,9 %) : État – autres crédits 7 700 € (1,1 %) ; Autres financeurs 32 900 € (4,8 %)",
        "1 000 € (0,7 %) : Région 1 000 € (0,7 %)"]
    # Grouped and still under 2 %: its share above the 2023 bar (151 000 €), not inside it.
    assert [(a.x, a.y, plain_spaces(a.text)) for a in fig.layout.annotations] == [("2023", 151_000.0, "autres 0,7 %")]
    # Nothing small: « Autres financeurs » as before, no note.
    fig = charts.stacked_years(df[df["funder"].isin(["ville", "etat_p147", "autre"])])
    assert [t.name for t in fig.data] == ["Ville", "État – programme 147", "Autres financeurs"]
    assert not fig.layout.annotations


def test_gap_chart_labels_stay_off_the_axes_at_390_px() -> None:
    """« Les écarts se réduisent-ils ? » at 390 px: « Champ de Foire » (lowest and leftmost) and
    « La Chênaie » (leftmost) were written over the y axis's numbers. Labels are placed for a
    phone's plot area, inside it, so they clear the axes at 390 px and at 1 440 px alike."""
    import pandas as pd

    from ui import charts
    table = pd.DataFrame({
        "qpv_code": ["A", "B", "C", "D", "E"],
        "qpv_name": ["Champ de Foire", "La Chênaie", "Les Tilleuls", "Vieux Moulin - Paradis - Les Hauts de Lorne",
                     "Saint-Exupéry"],
        "qpv_value_last": [40.2, 38.7, 46.1, 52.4, 49.6], "distance_change": [-1.5, -0.6, -0.7, -0.3, -1.4],
        "first_year": [2019] * 5, "last_year": [2021] * 5, "gap_kind": ["points"] * 5})
    fig = charts.gap_change_scatter(table, "Taux de pauvreté", "%", "E")
    where = {n: p for t in fig.data for n, p, shown_text in zip(t.x, t.textposition, t.text) if shown_text}
    assert where == {
        49.6: "top center",             # the selected QPV first
        40.2: "middle right",           # near the left edge: to its right
        38.7: "middle right",           # leftmost: to its right, off the y axis's numbers
        46.1: "bottom center",
        52.4: "middle left",            # rightmost: inwards
    }
