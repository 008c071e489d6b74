"""« Projets financés par année » names the documents the actions were typed from (issue 11, visual
review s14-RN: Chartres métropole's table read « Source : actions saisies par l'équipe du contrat
(modèle de programme) », no document, producer nor year, while its funding chart above named
« Politique de la ville — Chartres métropole, 2023 »)."""
from __future__ import annotations

import duckdb

from indicators import financing
from indicators.fmt import plain_spaces
from ui import views


def _con():
    con = duckdb.connect()
    con.execute("""create table documents (contract_slug varchar, document_id varchar, title varchar,
                                           producer varchar, published_on varchar)""")
    con.execute("""create table programme_actions (contract_slug varchar, action_id varchar,
                                                   year integer, document_id varchar)""")
    con.execute("""insert into documents values
        ('lorne', 'page', 'Politique de la ville (page du site de la Ville)', 'Ville de Lorne', '2023-09-21'),
        ('lorne', 'bilan', 'Bilan 2022 du contrat', 'Ville de Lorne', '2023'),
        ('lorne', 'unused', 'Document sans action', 'Ville de Lorne', '2020'),
        ('autre', 'page', 'Page d''un autre contrat', 'Autre ville', '2021-01-01')""")
    con.execute("""insert into programme_actions values
        ('lorne', 'a1', 2021, 'page'), ('lorne', 'a2', 2022, 'bilan'), ('lorne', 'a3', 2022, 'page'),
        ('lorne', 'a4', 2022, null), ('autre', 'b1', 2021, 'page')""")
    return con


def test_the_documents_of_the_actions_once_each_in_the_order_typed() -> None:
    con = _con()
    assert financing.action_documents(con, "lorne") == [
        ("Politique de la ville (page du site de la Ville)", "Ville de Lorne", "2023-09-21"),
        ("Bilan 2022 du contrat", "Ville de Lorne", "2023")]
    assert financing.action_documents(con, "personne") == []


def test_the_projects_source_names_them_whole_and_short() -> None:
    documents = financing.action_documents(_con(), "lorne")
    assert plain_spaces(views.actions_source(documents)) == (
        "actions saisies par l'équipe du contrat (modèle de programme), d'après « Politique de la "
        "ville (page du site de la Ville) » (Ville de Lorne, 21 septembre 2023) ; « Bilan 2022 du "
        "contrat » (Ville de Lorne, 2023)")
    # Short: as the funding chart's line, two documents over the line read as the first « et al. ».
    assert plain_spaces(views.actions_source(documents, short=True)) == (
        "actions saisies d'après Politique de la ville — Ville de Lorne, 2023 et al.")
    assert plain_spaces(views.actions_source(documents[:1], short=True)) == (
        "actions saisies d'après Politique de la ville — Ville de Lorne, 2023")
    # Without a document, the template alone, whole or short.
    assert views.actions_source([]) == views.actions_source([], short=True) == (
        "actions saisies par l'équipe du contrat (modèle de programme)")
