from __future__ import annotations

import pytest

from indicators.kpi import KpiTile, achievement, kpi_by_territory, kpi_series, kpi_tiles, source_line

from .conftest import records

SRC = "Source : Les chiffres du mandat (Ville de Chambéry, 2025) — encadré"
SHORT = "Les chiffres du mandat, encadré — Ville de Chambéry, 2025"     # the line under the tile


def _chambery_like(db):
    db.contract("chy", "Chambéry", start_year=2024, end_year=2026)
    db.document("chy", "mandat", "Les chiffres du mandat", "Ville de Chambéry", "2025")
    db.territory("QN07302M", "qpv", "Les Hauts De Chambéry", vintage=2024, contract="chy")
    db.kpi("chy", "met", "Habitants rencontrés", "personnes", cumulation="latest")
    db.kpi("chy", "med", "Interventions de médiation", "interventions", cumulation="sum")
    db.kpi("chy", "none_kpi", "Sans valeur", "x")
    db.kpi_value("chy", "met", 1650, period_label="depuis juillet 2024", qualifier="plus de",
                 is_published=True, document_id="mandat", source_ref="encadré")
    db.kpi_value("chy", "med", 4000, year=2023, target=4000)      # outside the contract period
    db.kpi_value("chy", "med", 4500, year=2024, target=5000)
    db.kpi_value("chy", "med", 4783, year=2025, target=5000, is_published=True, document_id="mandat",
                 source_ref="encadré")
    db.kpi_value("chy", "met", 423, territory_code="QN07302M", is_published=True)


def test_tiles(db):
    _chambery_like(db)
    assert kpi_tiles(db.con, "chy") == [
        KpiTile("met", "Habitants rencontrés", "personnes", None, None, 1650.0, "ok", "plus de",
                "depuis juillet 2024", None, True, None, None, None, None, None, None, None, None,
                None, None, None, True, None, SRC, "mandat", "encadré", source_short=SHORT),
        KpiTile("med", "Interventions de médiation", "interventions", None, None, 4783.0, "ok", None,
                "2025", 2025, True, 4500.0, 2024, 283.0, 6.288889, 9283.0, "ok", "2024–2025 (cumul)",
                5000.0, 95.66, 10000.0, 92.83, True, None, SRC, "mandat", "encadré", source_short=SHORT),
    ]
    assert [(t.kpi_id, t.value, t.qualifier) for t in kpi_tiles(db.con, "chy", "QN07302M")] == [
        ("met", 423.0, None)]


@pytest.mark.parametrize("ahead, expected_next", [
    ([(2026, 5200)], (5200.0, 2026)),
    ([(2026, 5200), (2027, 5400)], (5200.0, 2026)),      # the nearest target ahead
    ([(2026, None)], (None, None)),                       # a row without value nor target
])
def test_tile_keeps_the_latest_year_with_a_value_when_later_years_only_hold_targets(db, ahead,
                                                                                    expected_next):
    _chambery_like(db)
    for year, target in ahead:
        db.kpi_value("chy", "med", None, year=year, target=target, status="missing")
    tile = next(t for t in kpi_tiles(db.con, "chy") if t.kpi_id == "med")
    assert tile == KpiTile(
        "med", "Interventions de médiation", "interventions", None, None, 4783.0, "ok", None,
        "2025", 2025, True, 4500.0, 2024, 283.0, 6.288889, 9283.0, "ok", "2024–2025 (cumul)",
        5000.0, 95.66, 10000.0, 92.83, True, None, SRC, "mandat", "encadré", *expected_next,
        source_short=SHORT)


def test_tile_of_a_kpi_with_only_targets_so_far(db):
    db.contract("c", start_year=2024, end_year=2026)
    db.kpi("c", "k", "Jeunes accompagnés", "personnes", cumulation="sum")
    db.kpi_value("c", "k", None, year=2025, target=300, status="missing")
    db.kpi_value("c", "k", None, year=2026, target=340, status="missing")
    assert kpi_tiles(db.con, "c") == [KpiTile(
        "k", "Jeunes accompagnés", "personnes", None, None, None, "missing", None, "2026", 2026,
        False, None, 2025, None, None, None, "missing", "2025–2026 (cumul)", 340.0, None, None, None,
        True, None, None, None, None, None, None)]


def test_series_cumulation_and_withheld_year(db):
    _chambery_like(db)
    db.kpi_value("chy", "med", None, year=2026, target=5000, status="secret")
    df = kpi_series(db.con, "chy", "med")
    assert records(df.drop(columns=["source_line"])) == [
        {"year": 2023, "value": 4000.0, "status": "ok", "target": 4000.0, "achievement_pct": 100.0,
         "cumulative_value": None, "cumulative_status": None, "cumulative_target": None,
         "cumulative_achievement_pct": None, "qualifier": None, "is_published": False, "period_label": None},
        {"year": 2024, "value": 4500.0, "status": "ok", "target": 5000.0, "achievement_pct": 90.0,
         "cumulative_value": 4500.0, "cumulative_status": "ok", "cumulative_target": 5000.0,
         "cumulative_achievement_pct": 90.0, "qualifier": None, "is_published": False, "period_label": None},
        {"year": 2025, "value": 4783.0, "status": "ok", "target": 5000.0, "achievement_pct": 95.66,
         "cumulative_value": 9283.0, "cumulative_status": "ok", "cumulative_target": 10000.0,
         "cumulative_achievement_pct": 92.83, "qualifier": None, "is_published": True, "period_label": None},
        {"year": 2026, "value": None, "status": "secret", "target": 5000.0, "achievement_pct": None,
         "cumulative_value": None, "cumulative_status": "secret", "cumulative_target": None,
         "cumulative_achievement_pct": None, "qualifier": None, "is_published": False, "period_label": None},
    ]
    tile = next(t for t in kpi_tiles(db.con, "chy") if t.kpi_id == "med")
    assert (tile.value, tile.status, tile.evolution, tile.cumulative_value, tile.cumulative_status) == (
        None, "secret", None, None, "secret")


def test_latest_cumulation(db):
    db.contract("c")
    db.kpi("c", "k", cumulation="latest")
    db.kpi_value("c", "k", 10, year=2024, target=20)
    db.kpi_value("c", "k", 12, year=2025, target=20)
    df = kpi_series(db.con, "c", "k")
    assert df["cumulative_value"].tolist() == [10.0, 12.0]
    assert df["cumulative_achievement_pct"].tolist() == [50.0, 60.0]
    t = kpi_tiles(db.con, "c")[0]
    assert (t.cumulative_value, t.cumulative_period_label, t.evolution, t.evolution_pct) == (
        12.0, "2025 (dernière valeur)", 2.0, 20.0)


@pytest.mark.parametrize("v, t, expected", [(5, 10, 50.0), (5, 0, None), (None, 10, None),
                                            (5, None, None), (1, 3, 33.333333)])
def test_achievement(v, t, expected):
    assert achievement(v, t) == expected


def test_evolution_from_zero_and_gap_year(db):
    db.contract("c")
    db.kpi("c", "k")
    db.kpi_value("c", "k", 0, year=2023)
    db.kpi_value("c", "k", 5, year=2024)
    db.kpi_value("c", "k", 7, year=2026)    # no 2025: no evolution against the previous year
    t = kpi_tiles(db.con, "c")[0]
    assert (t.previous_value, t.evolution) == (None, None)
    db.con.execute("delete from kpi_values where year = 2026")
    t = kpi_tiles(db.con, "c")[0]
    assert (t.previous_value, t.evolution, t.evolution_pct, t.cumulative_value) == (0.0, 5.0, None, 5.0)


def test_source_line():
    assert source_line("Titre", "p. 3") == "Source : Titre — p. 3"
    assert source_line("Titre", None, "Ville", "2024") == "Source : Titre (Ville, 2024)"
    assert source_line(None, None) is None
    # A title's own bracket stays the title's: the producer follows it (issue #11).
    assert source_line("Annexes (annexe 2 « Portraits »)", "p. 24", "Le Grand Chalon", "2024") == (
        "Source : Annexes (annexe 2 « Portraits »), Le Grand Chalon, 2024 — p. 24")


def test_kpi_by_territory(db):
    _chambery_like(db)
    db.kpi_value("chy", "med", 300, year=2024, territory_code="QN07302M")
    db.kpi_value("chy", "med", 2, year=2025, territory_code="QN07302M", status="secret")
    assert records(kpi_by_territory(db.con, "chy", "med")) == [
        {"territory_code": "QN07302M", "territory_name": "Les Hauts De Chambéry", "value": None,
         "status": "secret", "qualifier": None, "period_label": None, "year": 2025,
         "is_published": False, "source_line": None}]
    assert kpi_by_territory(db.con, "chy", "med", 2024)["value"].tolist() == [300.0]


# ── Key figures (headline_figures) ──────────────────────────────────────────────────────────

def _with_headlines(db):
    db.contract("gc", "Grand Chalon", start_year=2024, end_year=2030)
    db.document("gc", "annexes", "Contrat de ville 2024–2030, annexes", "Grand Chalon", "2024")
    db.territory("71076", "commune", "Chalon-sur-Saône", parents=[("247100589", "epci")])
    db.territory("247100589", "epci", "CA Le Grand Chalon")
    db.territory("QN07101I", "qpv", "Aubépins", vintage=2024, parents=[("71076", "commune")],
                 contract="gc")
    for code, level, year, value in (("QN07101I", "qpv", 2019, 742), ("71076", "commune", 2022, 1480),
                                     ("247100589", "epci", 2022, 1770)):
        db.fact(code, level, "median_income_eur_month", year, value, origin="published",
                source_note="Insee 2019" if level == "qpv" else "Compas – ABS 2022",
                document_id="annexes", source_ref="annexe 2")
    db.kpi("gc", "cia", "Attributions hors QPV au 1er quartile", "%", "logement", "none",
           headline=True, headline_order=2)
    db.kpi("gc", "demandeurs", "Demandeurs", "demandeurs", "logement", "latest")
    db.kpi_value("gc", "cia", 12.04, year=2021, target=25, is_published=True, document_id="annexes")
    db.kpi_value("gc", "demandeurs", 2314, year=2021, is_published=True, document_id="annexes")
    db.headline_value("gc", "QN07101I", "qpv", "median_income_eur_month", 2019, order=1)


def test_headlines_follow_the_template_order_with_the_comparators(db):
    from indicators.kpi import HeadlineValue, headline_figures
    _with_headlines(db)
    h = headline_figures(db.con, "gc")
    assert h.chosen is True
    assert [type(f).__name__ for f in h.figures] == ["HeadlineValue", "KpiTile"]
    income, cia = h.figures
    assert income == HeadlineValue(
        "median_income_eur_month", "Revenu disponible médian par UC, par mois",
        "EUR/mois", "QN07101I", "Aubépins", 742.0, "ok", 2019, "Insee 2019", "annexes", "annexe 2",
        income.comparators, True,
        "Contrat de ville 2024–2030, annexes, annexe 2 (d'après Insee 2019 ; Compas – ABS 2022)",
        # The short line under the card within sources.SHORT_LINE: the document and its section
        # kept whole, the producer left out first when it does not hold in what is left, and the
        # second quoted producer (all of them behind the toggle).
        "Contrat de ville 2024–2030, annexes, annexe 2, 2024 (d'après Insee 2019 ; …)")
    assert [(c.territory_name, c.value, c.year, c.match) for c in income.comparators] == [
        ("Chalon-sur-Saône", 1480.0, 2022, "same_document"),
        ("CA Le Grand Chalon", 1770.0, 2022, "same_document")]
    assert (cia.kpi_id, cia.value, cia.year, cia.target) == ("cia", 12.04, 2021, 25.0)


def test_without_flags_the_headlines_are_the_kpis_with_a_target_latest_year_first(db):
    from indicators.kpi import headline_figures
    db.contract("c", "Contrat")
    db.kpi("c", "a", "Sans objectif", "personnes")
    db.kpi("c", "b", "Avec objectif 2024", "personnes")
    db.kpi("c", "n", "Enveloppe nationale", "EUR", scope="national")
    db.kpi("c", "d", "Avec objectif 2025", "personnes")
    db.kpi_value("c", "a", 10, year=2025)
    db.kpi_value("c", "b", 20, year=2024, target=30)
    db.kpi_value("c", "n", 15_000_000, year=2025, target=15_000_000)
    db.kpi_value("c", "d", 40, year=2025, target=50)
    h = headline_figures(db.con, "c")
    assert h.chosen is False
    assert [f.kpi_id for f in h.figures] == ["d", "b"]


def test_without_flags_or_targets_the_headlines_are_the_latest_year(db):
    from indicators.kpi import headline_figures
    db.contract("c", "Contrat")
    db.kpi("c", "a", "Ancien", "personnes")
    db.kpi("c", "b", "Récent", "personnes")
    db.kpi_value("c", "a", 10, year=2023)
    db.kpi_value("c", "b", 20, year=2025)
    assert [f.kpi_id for f in headline_figures(db.con, "c").figures] == ["b"]
    assert headline_figures(db.con, "absent").figures == ()


def test_a_national_context_kpi_carries_its_scope(db):
    db.contract("c", "Contrat")
    db.kpi("c", "n", "Territoires engagés", "territoires", scope="national")
    db.kpi("c", "m", "Médiations", "interventions")
    db.kpi_value("c", "n", 46)
    db.kpi_value("c", "m", 4783, year=2024)
    assert [(t.kpi_id, t.scope) for t in kpi_tiles(db.con, "c")] == [("n", "national"),
                                                                     ("m", "contrat")]


def test_source_line_dates_read_in_words():
    # A document dated « 2026-02-10 » in the template is cited « 10 février 2026 » (mandate
    # report's sources, tiles), a month in words, a year or a wording as given.
    # (no-break spaces inside the date: a line never breaks inside it)
    assert source_line("Bilan", "p. 2", "CA", "2026-02-10") == "Source : Bilan (CA, 10\u00a0février\u00a02026) — p. 2"
    assert source_line("Bilan", None, "CA", "2026-03-01") == "Source : Bilan (CA, 1er\u00a0mars\u00a02026)"
    assert source_line("Bilan", None, "CA", "2026-02") == "Source : Bilan (CA, février\u00a02026)"
    assert source_line("Bilan", None, "CA", "2024") == "Source : Bilan (CA, 2024)"
    assert source_line("Bilan", None, None, "printemps 2024") == "Source : Bilan (printemps 2024)"
