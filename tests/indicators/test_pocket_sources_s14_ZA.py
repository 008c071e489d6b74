"""The pockets' source lines (indicators.pockets.grid_sources): the grid's year after a comma, as
every other source line writes it. The pockets page, its tables and the justification sheet read
« Données fictives de démonstration, carroyage à 200 m 2019 », the year glued to the grid's size
(issue 11, s15-ZA)."""
from __future__ import annotations

import pytest

from indicators.pockets import detect, grid_sources

MEDIANS = ("Médianes du niveau de vie (Filosofi) : France (2019), Agglo test (EPCI, faute d'unité "
           "urbaine, 2019)")


@pytest.fixture
def con(pocket_con):
    return pocket_con


def test_a_grid_without_producer_or_title_is_the_filosofi_grid_of_its_year(con):
    assert grid_sources(con, detect(con, "t")) == [
        "carroyage Filosofi à 200 m, 2019", MEDIANS,
        "Contours des QPV : ANCT ; circulaire du 31 août 2023 relative aux contrats de ville"]


def test_a_named_grid_reads_producer_title_year(con):
    con.execute("update sources set producer = 'INSEE', title = 'Filosofi, données carroyées à 200 m' "
                "where source_id = 'src_grid'")
    assert grid_sources(con, detect(con, "t")) == [
        "INSEE, Filosofi, données carroyées à 200 m, 2019", MEDIANS,
        "Contours des QPV : ANCT ; circulaire du 31 août 2023 relative aux contrats de ville"]


def test_a_fictional_grid_is_credited_as_demo_data_with_its_year(con):
    con.execute("update sources set is_fictional = true, producer = 'INSEE', "
                "title = 'Filosofi, données carroyées à 200 m' where source_id = 'src_grid'")
    assert grid_sources(con, detect(con, "t")) == [
        "Données fictives de démonstration, carroyage à 200 m, 2019", MEDIANS,
        "Contours des QPV : fictifs ; circulaire du 31 août 2023 relative aux contrats de ville"]
