"""The list of actions (« Programmes et financements ») credits its actions and its funding lines
(issue 11, last visual review s15-ZC: under Chartres métropole's eight actions, seven of them with
no amount, the line read « financements saisis d'après Politique de la ville — Chartres métropole,
2023 » while the home page credits the same actions « actions saisies d'après … »)."""
from __future__ import annotations

from indicators.fmt import plain_spaces
from ui import views

PAGE = ("Politique de la ville (page du site de la Ville)", "Ville de Lorne", "2023-09-21")
BILAN = ("Bilan 2022 du contrat", "Ville de Lorne", "2023")


def test_actions_and_funding_from_the_same_documents_are_credited_once() -> None:
    assert plain_spaces(views.actions_list_source([PAGE], [PAGE])) == (
        "actions et financements saisis par l'équipe du contrat (modèle de programme), d'après "
        "« Politique de la ville (page du site de la Ville) » (Ville de Lorne, 21 septembre 2023)")
    assert plain_spaces(views.actions_list_source([PAGE], [PAGE], short=True)) == (
        "actions et financements saisis d'après Politique de la ville — Ville de Lorne, 2023")
    # Nothing typed from a document: the template alone, whole or short.
    assert views.actions_list_source([], []) == views.actions_list_source([], [], short=True) == (
        "actions et financements saisis par l'équipe du contrat (modèle de programme)")


def test_actions_and_funding_from_different_documents_are_credited_each() -> None:
    assert plain_spaces(views.actions_list_source([PAGE], [BILAN], short=True)) == (
        "actions saisies d'après Politique de la ville — Ville de Lorne, 2023 ; "
        "financements saisis d'après Bilan 2022 du contrat — Ville de Lorne, 2023")
    assert plain_spaces(views.actions_list_source([PAGE, BILAN], [BILAN])) == (
        "actions saisies par l'équipe du contrat (modèle de programme), d'après « Politique de la "
        "ville (page du site de la Ville) » (Ville de Lorne, 21 septembre 2023) ; « Bilan 2022 du "
        "contrat » (Ville de Lorne, 2023) ; financements saisis par l'équipe du contrat (modèle de "
        "programme), d'après « Bilan 2022 du contrat » (Ville de Lorne, 2023)")
    # Actions typed from a document, funding by the team alone: each says so.
    assert plain_spaces(views.actions_list_source([PAGE], [], short=True)) == (
        "actions saisies d'après Politique de la ville — Ville de Lorne, 2023 ; "
        "financements saisis par l'équipe du contrat (modèle de programme)")
