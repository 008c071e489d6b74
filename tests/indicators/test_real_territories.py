"""The indicator functions on a database built from data/territories (the seeds' real figures)."""
from __future__ import annotations

import pytest

import config

pytestmark = pytest.mark.skipif(not (config.TERRITORIES_DIR / "grand-chalon").is_dir(),
                                reason="data/territories/grand-chalon absent")


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    import duckdb

    from etl.build import build
    path = tmp_path_factory.mktemp("real") / "qpv.duckdb"
    build([config.TERRITORIES_DIR], path, progress=lambda line: None)
    c = duckdb.connect(str(path), read_only=True)
    yield c
    c.close()


def test_aubepins_income_with_its_published_comparators(con):
    from indicators.fmt import fmt_value, plain_spaces
    from indicators.portrait import build_portrait
    v = build_portrait(con, "QN07101I").value("median_income_eur_month")
    shown = [plain_spaces(fmt_value(v.value, v.unit, v.status))] + [
        (c.territory_name, plain_spaces(fmt_value(c.value, v.unit, c.status)), c.source_label, c.match)
        for c in v.comparators]
    assert shown == ["742 €/mois",
                     ("Chalon-sur-Saône", "1 480 €/mois", "Données Compas – ABS 2022", "same_document"),
                     ("CA Le Grand Chalon", "1 770 €/mois", "Données Compas – ABS 2022", "same_document")]


def test_grand_chalon_cia_needed_numbers(con):
    from indicators.housing import published_results
    got = [(r.year, r.objective, r.numerator, r.denominator, r.denominator_origin, r.rate_pct,
            r.needed_fixed_total, r.needed_growing_total, r.needed_published)
           for r in published_results(con, "grand-chalon")]
    assert got == [(2020, "hors_q1_en_qpv", 231, 390, "deduced", 59.23, 0, 0, None),
                   (2021, "q1_hors_qpv", 82, 681, "deduced", 12.04, 89, 118, 88)]


def test_chambery_published_leverage_and_tiles(con):
    from indicators.financing import leverage
    from indicators.kpi import kpi_tiles
    assert [(l.funder, l.published_ratio, l.status) for l in leverage(con, "chambery")] == [
        ("epci", 4.0, "not_computed"), ("etat", 8.3, "not_computed")]
    tiles = {t.kpi_id: t for t in kpi_tiles(con, "chambery")}
    met = tiles["residents_met_outreach_count"]
    assert (met.value, met.period_label, met.is_published) == (1650.0, "depuis juillet 2024", True)
    assert (tiles["declic_people_count"].value, tiles["declic_people_count"].qualifier) == (400.0, "plus de")
