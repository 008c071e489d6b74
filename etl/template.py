"""The programme template: what a contrat de ville team fills in for its local figures.

One CSV file per table (`;` or `,` separator, UTF-8 or Latin-1, decimal comma accepted), or one
XLSX workbook with one sheet per table. Files are recognised by their header row, not by their
name: a file whose header holds every required column of one table is that table. Column order
is free; unknown columns are reported as warnings and ignored.

Cell types: text; int; number (French or English decimal); bool (oui/non, true/false, 1/0, x/
empty); list (codes separated by `,` or `|`); year (4 digits). Every table carries `contract`
(the contract slug) so that one folder can hold several contracts.

This module is data only. README.md's template section is generated from it
(`python -m etl template-doc`) and a test checks that the two agree.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    name: str
    type: str            # text | int | number | bool | list | year
    required: bool
    doc: str
    values: tuple[str, ...] = ()   # allowed values, when closed


@dataclass(frozen=True)
class Table:
    name: str            # template table name (also the sheet name in a workbook)
    target: str          # database table written
    doc: str
    columns: tuple[Col, ...]

    @property
    def required(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


LEVELS = ("qpv", "commune", "epci", "departement", "region", "france", "qpv_ensemble",
          "quartier_veille", "poche_pauvrete")
FUNDERS = ("ville", "epci", "etat_p147", "etat_autre", "caf", "departement", "region",
           "bailleur", "europe", "autre")
RESERVING_PARTIES = ("etat", "communes", "action_logement", "bailleurs", "autres", "ensemble")
OBJECTIVES = ("menages_prioritaires", "q1_hors_qpv", "hors_q1_en_qpv")
ITEM_TYPES = ("priority_issue", "strength", "weakness", "consultation_appreciated",
              "consultation_deplored", "consultation_requested", "verbatim", "review_intro",
              "review_need", "review_done", "review_changed", "review_figure", "pillar",
              "programme_axis", "programme_priority_action", "partner_territory", "note")
SCOPES = ("contrat", "national")
STATUSES = ("ok", "secret", "missing", "not_significant", "not_applicable")
SEXES = ("femme", "homme", "autre")
AGE_BANDS = ("moins_16", "16_29", "30_59", "60_plus")
SIGNATORY_TYPES = ("etat", "commune", "epci", "departement", "region", "caf", "france_travail",
                   "bailleur", "ars", "education_nationale", "justice", "banque_des_territoires",
                   "autre")
FUNDING_KINDS = ("droit_commun", "specifique")
MEASURES = ("montant", "personnes", "places", "heures")
FIGURE_SCOPES = ("qpv", "territoire")

_contract = Col("contract", "text", True, "Identifiant court du contrat de ville (ex. grand-chalon).")
_document = Col("document_id", "text", False, "Document d'où vient le chiffre (table documents).")
_ref = Col("source_ref", "text", False, "Page ou section du document (ex. « annexe 2, p. 25 »).")
_internal = Col("is_internal", "bool", False,
                "oui : chiffre interne (brouillon, prévisionnel), montré aux seuls éditeurs connectés "
                "et jamais dans les exports publics ; non ou vide : public.")

TABLES: tuple[Table, ...] = (
    Table("contracts", "contracts", "Le contrat de ville (une ligne par contrat).", (
        _contract,
        Col("contract_name", "text", True, "Nom affiché (ex. « Contrat de ville du Grand Chalon »)."),
        Col("epci_code", "text", False, "SIREN de l'intercommunalité porteuse."),
        Col("period_label", "text", False, "Période (ex. « 2024–2030 »)."),
        Col("start_year", "year", False, "Première année du contrat."),
        Col("end_year", "year", False, "Dernière année du contrat."),
        Col("is_fictional", "bool", False, "oui pour des données fictives (démonstration)."),
    )),
    Table("territories", "territories",
          "Territoires déclarés par l'équipe (QPV, communes, EPCI, quartiers de veille, poches de "
          "pauvreté) quand aucun fichier officiel chargé ne les donne. Un territoire déjà connu "
          "par un fichier officiel garde le nom officiel.", (
        _contract,
        Col("territory_code", "text", True, "Code officiel (QN07101I, 71076, 247100589) ou code local."),
        Col("territory_level", "text", True, "Niveau du territoire.", LEVELS),
        Col("territory_name", "text", True, "Nom."),
        Col("parent_codes", "list", False, "Codes des territoires parents (communes d'un QPV, EPCI d'une commune)."),
        Col("geography_vintage", "year", False, "Géographie (2015 ou 2024 pour un QPV)."),
        Col("population", "int", False, "Population."),
        Col("population_year", "year", False, "Année de la population."),
        Col("in_contract", "bool", False, "oui si le territoire fait partie du contrat (QPV, quartier de veille…)."),
        Col("note", "text", False, "Remarque (ex. « quartier de veille, QPV depuis 2024 »)."),
        _document, _ref,
    )),
    Table("documents", "documents", "Documents sources des chiffres saisis.", (
        _contract,
        Col("document_id", "text", True, "Identifiant court, cité par les autres tables."),
        Col("title", "text", True, "Titre du document."),
        Col("producer", "text", False, "Auteur (Ville, agglomération, État…)."),
        Col("published_on", "text", False, "Date (AAAA-MM-JJ ou AAAA)."),
        Col("url", "text", False, "Adresse, si connue."),
        Col("licence", "text", False, "Licence ou conditions de réutilisation."),
    )),
    Table("published_values", "indicator_facts",
          "Valeurs d'indicateurs publiées dans un document (portraits de quartier, diagnostics). "
          "Marquées « chiffre publié » dans l'application.", (
        _contract,
        Col("territory_code", "text", True, "Territoire."),
        Col("territory_level", "text", True, "Niveau du territoire.", LEVELS),
        Col("indicator_id", "text", True, "Indicateur du registre (indicators/registry.py)."),
        Col("year", "year", True, "Année de la donnée."),
        Col("year_given", "bool", False, "non : le document ne date pas la donnée ; `year` est "
            "alors l'année du document (elle range la valeur) et n'est jamais affichée."),
        Col("value", "number", False, "Valeur ; vide si non publiée ou secrète (voir status)."),
        Col("numerator", "number", False, "Numérateur publié (ex. 928 logements)."),
        Col("denominator", "number", False, "Dénominateur publié (ex. 1 017 logements)."),
        Col("status", "text", False, "ok par défaut.", STATUSES),
        Col("source_note", "text", False, "Source telle que citée (ex. « Insee 2019 », « Compas – ABS 2022 »)."),
        _document, _ref, _internal,
        Col("headline", "bool", False, "oui : chiffre clé, affiché en tête de la page d'accueil du "
            "contrat avec ses comparaisons (commune, EPCI)."),
        Col("headline_order", "int", False, "Rang parmi les chiffres clés (1 = le premier) ; "
            "vide : l'ordre des lignes."),
    )),
    Table("actions", "programme_actions",
          "Actions et projets financés, une ligne par action et par année.", (
        _contract,
        Col("action_id", "text", True, "Identifiant de l'action (stable d'une année à l'autre)."),
        Col("year", "year", True, "Année de programmation."),
        Col("title", "text", True, "Intitulé."),
        Col("operator", "text", False, "Porteur (association, service…)."),
        Col("theme", "text", False, "Pilier ou enjeu prioritaire."),
        Col("territories", "list", False, "Codes des QPV ou quartiers concernés (vide : tout le contrat)."),
        Col("is_new", "bool", False, "oui : action nouvelle ; non : renouvelée."),
        Col("is_multiyear_agreement", "bool", False, "oui : convention pluriannuelle d'objectifs (CPO)."),
        Col("is_poverty_pocket", "bool", False, "oui : crédits pour une poche de pauvreté hors QPV."),
        Col("description", "text", False, "Description courte."),
        _document, _ref, _internal,
    )),
    Table("funding", "programme_funding", "Lignes de financement (montants en euros).", (
        _contract,
        Col("action_id", "text", False, "Action financée (vide : enveloppe globale)."),
        Col("year", "year", True, "Année."),
        Col("funder", "text", True, "Financeur.", FUNDERS),
        Col("funder_label", "text", False, "Nom du financeur (ex. « FIPDR »)."),
        Col("amount_eur", "number", True, "Montant en euros."),
        _document, _ref, _internal,
    )),
    Table("kpi_definitions", "kpi_definitions", "Indicateurs de suivi du mandat ou du contrat.", (
        _contract,
        Col("kpi_id", "text", True, "Identifiant."),
        Col("label", "text", True, "Libellé affiché."),
        Col("unit", "text", False, "Unité (personnes, EUR, interventions, %…)."),
        Col("theme", "text", False, "Thème."),
        Col("cumulation", "text", True, "sum : les années s'additionnent ; latest : dernière valeur ; none.",
            ("sum", "latest", "none")),
        Col("higher_is_better", "bool", False, "oui si une hausse est favorable."),
        Col("definition", "text", False, "Définition."),
        Col("headline", "bool", False, "oui : chiffre clé, affiché en tête de la page d'accueil. "
            "Si aucun n'est choisi : les indicateurs qui ont un objectif, à leur dernière année."),
        Col("headline_order", "int", False, "Rang parmi les chiffres clés (1 = le premier) ; "
            "vide : l'ordre des lignes."),
        Col("scope", "text", False, "contrat (par défaut) : un résultat du contrat ou du mandat ; "
            "national : un chiffre de contexte national (programme ou enveloppe nationale), "
            "montré à part sous « Contexte national ».", SCOPES),
    )),
    Table("kpi_values", "kpi_values", "Valeurs des indicateurs de suivi, avec leur cible.", (
        _contract,
        Col("kpi_id", "text", True, "Indicateur (table kpi_definitions)."),
        Col("territory_code", "text", False, "QPV ou quartier ; vide : tout le territoire."),
        Col("year", "year", False, "Année ; vide pour un chiffre de période."),
        Col("period_label", "text", False, "Période telle que publiée (ex. « depuis juillet 2024 »)."),
        Col("value", "number", False, "Valeur ; vide si non disponible."),
        Col("target", "number", False, "Cible de l'année ou de la période."),
        Col("qualifier", "text", False, "Formulation publiée : « plus de », « environ »…"),
        Col("status", "text", False, "ok par défaut.", STATUSES),
        Col("is_published", "bool", False, "oui : chiffre tiré d'un document publié."),
        _document, _ref, _internal,
    )),
    Table("attributions", "housing_attributions",
          "Attributions de logements sociaux (nombre de baux par combinaison de caractéristiques).", (
        _contract,
        Col("year", "year", True, "Année."),
        Col("landlord", "text", True, "Bailleur."),
        Col("reserving_party", "text", True, "Réservataire.", RESERVING_PARTIES),
        Col("location", "text", True, "qpv ou hors_qpv.", ("qpv", "hors_qpv")),
        Col("qpv_code", "text", False, "Code du QPV quand location = qpv."),
        Col("resource_quartile", "int", False, "Quartile de ressources du ménage (1 à 4)."),
        Col("is_priority_household", "bool", False, "Ménage prioritaire (DALO, L.441-1…)."),
        Col("is_transfer", "bool", False, "Mutation au sein du parc social."),
        Col("is_lease_signed", "bool", False, "Attribution suivie d'un bail signé."),
        Col("n_attributions", "int", True, "Nombre d'attributions."),
    )),
    Table("housing_objectives", "housing_objectives", "Objectifs de la CIA par bailleur et réservataire.", (
        _contract,
        Col("party_type", "text", True, "ensemble, bailleur ou reservataire.", ("ensemble", "bailleur", "reservataire")),
        Col("party_name", "text", True, "Nom (OPAC 71, État…)."),
        Col("objective", "text", True, "Objectif.", OBJECTIVES),
        Col("target_pct", "number", False, "Cible en % ; vide avec une note si qualitative."),
        Col("note", "text", False, "Remarque (ex. « Contribution à l'atteinte des 25 % »)."),
        _document, _ref,
    )),
    Table("housing_results", "housing_published_results",
          "Résultats d'attribution publiés par un document (montrés à côté des résultats calculés).", (
        _contract,
        Col("year", "year", True, "Année."),
        Col("party_type", "text", True, "ensemble, bailleur ou reservataire.", ("ensemble", "bailleur", "reservataire")),
        Col("party_name", "text", True, "Nom."),
        Col("objective", "text", True, "Objectif.", OBJECTIVES),
        Col("numerator", "number", False, "Nombre d'attributions qui remplissent l'objectif."),
        Col("denominator", "number", False, "Nombre total d'attributions du champ, si publié."),
        Col("rate_pct", "number", False, "Taux publié en %."),
        Col("needed_published", "number", False, "Nombre manquant annoncé par le document."),
        _document, _ref,
    )),
    Table("beneficiaries", "programme_beneficiaries",
          "Personnes touchées par une action : une ligne par personne et par action et année. Aucune "
          "donnée personnelle : les colonnes de nom, prénom, adresse, date de naissance, courriel ou "
          "téléphone sont ignorées à la lecture (un avertissement les nomme) et jamais enregistrées. "
          "Une adresse (colonnes adresse, code postal, commune, ou numéro et voie) ou des coordonnées "
          "(longitude/latitude WGS84 ou x/y Lambert-93) servent seulement à calculer le QPV de "
          "résidence à l'import (contours et Base Adresse Nationale chargés), puis sont ignorées ; un "
          "territory_code saisi l'emporte. "
          "Tout effectif calculé de moins de 5 personnes est masqué dans l'application et les exports.", (
        _contract,
        Col("action_id", "text", True, "Action (table actions)."),
        Col("year", "year", True, "Année où la personne a été touchée."),
        Col("territory_code", "text", False, "QPV ou quartier de résidence ; vide si inconnu."),
        Col("sex", "text", False, "Sexe.", SEXES),
        Col("age_band", "text", False, "Tranche d'âge.", AGE_BANDS),
    )),
    Table("qualitative", "qualitative_items",
          "Éléments qualitatifs : enjeux prioritaires, concertation, bilan « besoin / fait / changé ».", (
        _contract,
        Col("territory_code", "text", False, "QPV ou quartier ; vide : tout le contrat."),
        Col("item_type", "text", True, "Type d'élément.", ITEM_TYPES),
        Col("theme", "text", False, "Rubrique (ex. « Précarité et Santé »)."),
        Col("position", "int", False, "Ordre d'affichage (sinon l'ordre des lignes)."),
        Col("text", "text", True, "Texte."),
        _document, _ref,
    )),
)

# ── The annual review (circular of 31 August 2023): common law per signatory ────────────────
TABLES += (
    Table("signatories", "review_signatories",
          "Signataires et partenaires du contrat (un par ligne), avec leur type et leur engagement.", (
        _contract,
        Col("signatory_id", "text", True, "Identifiant court, cité par les autres tables."),
        Col("name", "text", True, "Nom (ex. « Caisse d'allocations familiales de Saône-et-Loire »)."),
        Col("signatory_type", "text", True, "Type de signataire.", SIGNATORY_TYPES),
        Col("is_signatory", "bool", False, "non : acteur nommé par le document (association, "
            "opérateur…) qui porte des dispositifs sans signer le contrat ; vide : signataire."),
        Col("commitment", "text", False, "Engagement tel que le document le résume."),
        _document, _ref,
    )),
    Table("common_law_schemes", "review_schemes",
          "Dispositifs mobilisables par signataire et pilier, avec leur objectif (les tableaux "
          "« objectifs → dispositifs mobilisables » des annexes).", (
        _contract,
        Col("scheme_id", "text", True, "Identifiant court du dispositif."),
        Col("signatory_id", "text", True, "Signataire qui le mobilise (table signatories)."),
        Col("pillar", "text", True, "Pilier ou rubrique (ex. « Sport », « Santé, prévention »)."),
        Col("objective_label", "text", False, "Objectif que le dispositif sert."),
        Col("scheme", "text", True, "Dispositif ou financement mobilisable."),
        Col("funding_kind", "text", False, "droit_commun (par défaut) ou specifique (crédits "
            "politique de la ville).", FUNDING_KINDS),
        _document, _ref,
    )),
    Table("common_law_figures", "review_figures",
          "Chiffres annuels d'un dispositif (montant, personnes, places, heures), ciblés sur les "
          "QPV quand c'est connu.", (
        _contract,
        Col("scheme_id", "text", True, "Dispositif (table common_law_schemes)."),
        Col("year", "year", True, "Année."),
        Col("measure", "text", True, "Ce que le chiffre compte.", MEASURES),
        Col("value", "number", True, "Valeur."),
        Col("unit", "text", True, "Unité (EUR, personnes, places, heures…)."),
        Col("scope", "text", True, "qpv : chiffre propre aux QPV ; territoire : tout le territoire "
            "du signataire.", FIGURE_SCOPES),
        Col("territory_code", "text", False, "QPV concerné, quand le chiffre en cible un seul."),
        _document, _ref, _internal,
    )),
    Table("tfpb_abatements", "review_tfpb",
          "Abattement de TFPB des bailleurs en QPV et les actions qu'il finance (montants en euros).", (
        _contract,
        Col("signatory_id", "text", True, "Bailleur (table signatories)."),
        Col("year", "year", True, "Année."),
        Col("action", "text", True, "Action financée (gestion urbaine de proximité…) ou « total »."),
        Col("territory_code", "text", False, "QPV ; vide : tous les QPV du bailleur."),
        Col("amount_eur", "number", False, "Montant en euros ; vide s'il n'est pas donné."),
        _document, _ref, _internal,
    )),
    Table("steering_committee", "review_committee", "Membres du comité de pilotage.", (
        _contract,
        Col("college", "text", True, "Rubrique de la composition (ex. « Pilotes »)."),
        Col("organisation", "text", True, "Institution (ex. « Grand Chalon », « État »)."),
        Col("member", "text", True, "Fonction représentée (ex. « La Présidence »)."),
        Col("signatory_id", "text", False, "Signataire représenté (table signatories)."),
        Col("position", "int", False, "Ordre d'affichage (sinon l'ordre des lignes)."),
        _document, _ref,
    )),
)

BY_NAME = {t.name: t for t in TABLES}
