"""« Crédits spécifiques et droit commun » names its documents (issue #11, final review RV): its
line read « crédits du programme 147 et droit commun déclaré par les signataires, saisis par
l'équipe du contrat (modèle de programme) » while the programmes page cited « Bilan annuel … »
for the same credits and the next table cited the schemes' annex."""
from __future__ import annotations

import pandas as pd

from indicators.fmt import plain_spaces
from ui import views

DOCUMENTS = [("Bilan annuel du contrat de ville 2025", "CA Val-de-Lorne", "2026-02-10")]
SCHEMES = pd.DataFrame({"Pilier": ["Santé", "Emploi"], "Dispositif": ["CLS", "Chantiers"],
                        "Source": ["annexe 4, droit commun mobilisable", "annexe 4, droit commun mobilisable"]})


def test_the_credits_line_names_the_funding_documents_and_the_schemes_annex() -> None:
    assert plain_spaces(views.credits_source(DOCUMENTS, SCHEMES)) == (
        "programme 147 : financements saisis par l'équipe du contrat (modèle de programme), d'après "
        "« Bilan annuel du contrat de ville 2025 » (CA Val-de-Lorne, 10 février 2026) ; droit commun : "
        "dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du contrat "
        "(modèle de programme), d'après annexe 4, droit commun mobilisable")


def test_the_short_line_keeps_both_parts() -> None:
    assert plain_spaces(views.credits_source(DOCUMENTS, SCHEMES, short=True)) == (
        "programme 147 : financements saisis d'après Bilan annuel du contrat de ville 2025 — "
        "CA Val-de-Lorne, 2026 ; droit commun : déclaré d'après annexe 4, droit commun mobilisable")
    assert plain_spaces(views.credits_source([], None, short=True)) == (
        "programme 147 : financements saisis par l'équipe du contrat (modèle de programme) ; "
        "droit commun : déclaré par les signataires")


def test_without_documents_the_template_is_named() -> None:
    assert views.credits_source([], None) == (
        "programme 147 : financements saisis par l'équipe du contrat (modèle de programme) ; "
        "droit commun : dispositifs et chiffres déclarés par les signataires, saisis par l'équipe "
        "du contrat (modèle de programme)")


def test_the_common_law_part_cites_the_schemes_documents_as_their_tables_do() -> None:
    """After s15-RW the schemes' tables cite the document their annexes belong to; the credits
    line cited the bare annex (« d'après annexe 4 … ») for the same figures. It now takes the
    same credit (indicators.review.schemes_credit: whole, short)."""
    credit = ("Contrat de ville 2024–2030 (CA Val-de-Lorne, 15 mars 2024) — annexe 4, droit commun "
              "mobilisable", "Contrat de ville 2024–2030 — CA Val-de-Lorne, 2024")
    assert plain_spaces(views.credits_source(DOCUMENTS, SCHEMES, credit=credit)) == (
        "programme 147 : financements saisis par l'équipe du contrat (modèle de programme), d'après "
        "« Bilan annuel du contrat de ville 2025 » (CA Val-de-Lorne, 10 février 2026) ; droit commun : "
        "dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du contrat "
        "(modèle de programme), d'après Contrat de ville 2024–2030 (CA Val-de-Lorne, 15 mars 2024) — "
        "annexe 4, droit commun mobilisable")
    assert plain_spaces(views.credits_source(DOCUMENTS, SCHEMES, short=True, credit=credit)) == (
        "programme 147 : financements saisis d'après Bilan annuel du contrat de ville 2025 — "
        "CA Val-de-Lorne, 2026 ; droit commun : d'après Contrat de ville 2024–2030 — CA Val-de-Lorne, 2024")
