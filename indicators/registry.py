"""The indicator registry: every indicator declared once, with its definition and source.

The build writes this registry into `indicator_catalog`; the ETL maps a source file's column to
an indicator through `source_variables` (the column name without its year suffix, so `MED21`,
`DISP_MED_A19` and `DISP_MED` all map to `median_income_eur_year`). The "Données et méthode"
page and every caption are generated from these entries.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

THEMES = (
    "revenus et pauvreté",
    "emploi et formation",
    "familles et démographie",
    "logement",
    "éducation",
    "santé",
    "tranquillité publique",
    "participation",
    "programme",
)


@dataclass(frozen=True)
class Indicator:
    id: str                     # snake_case, unit in the name: *_pct, *_eur_year, *_count
    label: str                  # French label shown in the app
    unit: str                   # '%', 'EUR/an', 'EUR/mois', 'habitants', 'logements', 'indice'
    theme: str
    definition: str             # the formula in words and its universe
    source: str                 # producer and dataset
    aggregation: str            # 'sum' | 'ratio' (Σnum/Σden) | 'none' (not aggregable: median, index)
    higher_is_better: bool | None = None
    numerator: str | None = None      # label of the numerator, for a rate
    denominator: str | None = None    # label of the denominator, for a rate
    source_variables: tuple[str, ...] = field(default_factory=tuple)
    is_rate: bool = False       # a share in % (gaps in points, range 0–100 checked)
    caution: str | None = None  # INSEE's caution shown beside the figure
    derived_from: str | None = None   # the indicator this one restates (yearly median / 12)
    short_label: str | None = None    # a select's option when `label` is too long (SHORT_LABELS)


# Said beside a figure only published for communes (never for the QPV itself).
COMMUNE_ONLY = ("Publié à la commune seulement : le chiffre est celui de la commune entière, le "
                "quartier n'a pas le sien.")


def _r(**kw) -> Indicator:
    return Indicator(**kw)


REGISTRY: tuple[Indicator, ...] = (
    # ── Revenus et pauvreté ─────────────────────────────────────────────────────────────
    _r(id="median_income_eur_year", label="Revenu disponible médian par unité de consommation",
       unit="EUR/an", theme="revenus et pauvreté",
       definition="Médiane du niveau de vie (revenu disponible du ménage / nombre d'unités de "
                  "consommation) des personnes des ménages fiscaux.",
       source="Insee, Filosofi", aggregation="none", higher_is_better=True,
       source_variables=("MED", "DISP_MED", "DISP_Q2", "Q2", "MEDIANE"),
       caution="Une médiane ne s'additionne pas et ne se moyenne pas entre territoires."),
    _r(id="median_income_eur_month", label="Revenu disponible médian par UC, par mois",
       unit="EUR/mois", theme="revenus et pauvreté",
       definition="Revenu disponible médian annuel par unité de consommation divisé par 12.",
       source="Insee, Filosofi", aggregation="none", higher_is_better=True,
       derived_from="median_income_eur_year"),
    _r(id="poverty_rate_pct", label="Taux de pauvreté (seuil à 60 %)", unit="%",
       theme="revenus et pauvreté",
       definition="Part des personnes dont le niveau de vie est inférieur à 60 % du niveau de vie "
                  "médian national.",
       source="Insee, Filosofi", aggregation="ratio", higher_is_better=False, is_rate=True,
       numerator="personnes pauvres", denominator="personnes des ménages fiscaux",
       source_variables=("TP60", "DISP_TP60")),
    _r(id="income_d1_eur_year", label="1er décile du niveau de vie", unit="EUR/an",
       theme="revenus et pauvreté",
       definition="Niveau de vie sous lequel se situent 10 % des personnes.",
       source="Insee, Filosofi", aggregation="none", higher_is_better=True,
       source_variables=("D1", "DISP_D1")),
    _r(id="income_d9_eur_year", label="9e décile du niveau de vie", unit="EUR/an",
       theme="revenus et pauvreté",
       definition="Niveau de vie au-dessus duquel se situent 10 % des personnes.",
       source="Insee, Filosofi", aggregation="none",
       source_variables=("D9", "DISP_D9")),
    _r(id="interdecile_ratio", label="Rapport interdécile (D9/D1)", unit="ratio",
       theme="revenus et pauvreté", definition="9e décile divisé par le 1er décile du niveau de vie.",
       source="Insee, Filosofi", aggregation="none", higher_is_better=False,
       source_variables=("RD", "DISP_RD")),
    _r(id="fiscal_households_count", label="Nombre de ménages fiscaux", unit="ménages",
       theme="revenus et pauvreté", definition="Ménages fiscaux (hors ménages en collectivité).",
       source="Insee, Filosofi", aggregation="sum", source_variables=("NBMENFISC", "NB_MEN_FISC")),
    _r(id="fiscal_persons_count", label="Personnes des ménages fiscaux", unit="personnes",
       theme="revenus et pauvreté", definition="Personnes des ménages fiscaux.",
       source="Insee, Filosofi", aggregation="sum",
       source_variables=("NBPERSMENFISC", "NB_PERS_MEN_FISC")),
    _r(id="caf_low_income_pct", label="Part des allocataires CAF à bas revenus", unit="%",
       theme="revenus et pauvreté",
       definition="Part des allocataires dont le revenu par UC (avant impôts) est sous le seuil de "
                  "bas revenus. Mesure différente du taux de pauvreté Filosofi.",
       source="Cnaf", aggregation="ratio", higher_is_better=False, is_rate=True,
       numerator="allocataires à bas revenus", denominator="allocataires",
       source_variables=("PART_ALLOC_BAS_REV", "TX_BAS_REV")),
    # ── Familles et démographie ─────────────────────────────────────────────────────────
    _r(id="population_count", label="Population", unit="habitants",
       theme="familles et démographie", definition="Population municipale.",
       source="Insee, recensement de la population", aggregation="sum",
       source_variables=("POP", "POP_MUN", "PMUN", "P_POP", "POPULATION")),
    _r(id="single_parent_families_pct", label="Familles monoparentales", unit="%",
       theme="familles et démographie",
       definition="Part des familles monoparentales parmi les familles avec enfant(s).",
       source="Insee, recensement de la population", aggregation="ratio", is_rate=True,
       numerator="familles monoparentales", denominator="familles avec enfants",
       source_variables=("PART_FAM_MONO", "TX_FAM_MONO")),
    _r(id="large_families_pct", label="Familles nombreuses", unit="%",
       theme="familles et démographie",
       definition="Part des familles avec trois enfants ou plus parmi les familles avec enfant(s).",
       source="Insee, recensement de la population", aggregation="ratio", is_rate=True,
       numerator="familles de 3 enfants ou plus", denominator="familles avec enfants",
       source_variables=("PART_FAM_NOMB", "TX_FAM_NOMB")),
    _r(id="minors_pct", label="Part des mineurs", unit="%", theme="familles et démographie",
       definition="Part des moins de 18 ans dans la population.",
       source="Insee, recensement de la population", aggregation="ratio", is_rate=True,
       numerator="moins de 18 ans", denominator="population", source_variables=("PART_MOINS18",)),
    _r(id="seniors_75_pct", label="Part des 75 ans et plus", unit="%",
       theme="familles et démographie", definition="Part des 75 ans ou plus dans la population.",
       source="Insee, recensement de la population", aggregation="ratio", is_rate=True,
       numerator="75 ans ou plus", denominator="population", source_variables=("PART_75ETPLUS",)),
    _r(id="minors_vulnerability_index_pct", label="Indice de vulnérabilité des mineurs", unit="%",
       theme="familles et démographie",
       definition="Indice composite du Compas, publié tel quel ; il n'est pas recalculé ici.",
       source="Compas, Analyse des besoins sociaux", aggregation="none", higher_is_better=False),
    _r(id="fragility_index_pct", label="Indice de fragilité des seniors", unit="%",
       theme="familles et démographie",
       definition="Indice composite du Compas, publié tel quel ; il n'est pas recalculé ici.",
       source="Compas, Analyse des besoins sociaux", aggregation="none", higher_is_better=False),
    # ── Emploi et formation ─────────────────────────────────────────────────────────────
    _r(id="activity_rate_15_64_pct", label="Taux d'activité des 15-64 ans", unit="%",
       theme="emploi et formation",
       definition="Actifs (en emploi ou au chômage) de 15 à 64 ans / population de 15 à 64 ans.",
       source="Insee, recensement de la population", aggregation="ratio", higher_is_better=True,
       is_rate=True, numerator="actifs de 15-64 ans", denominator="15-64 ans",
       source_variables=("TX_ACT", "TX_TOT_ACT", "TX_ACT1564")),
    _r(id="employment_rate_15_64_pct", label="Taux d'emploi des 15-64 ans", unit="%",
       theme="emploi et formation",
       definition="Personnes en emploi de 15 à 64 ans / population de 15 à 64 ans.",
       source="Insee, recensement de la population", aggregation="ratio", higher_is_better=True,
       is_rate=True, numerator="en emploi de 15-64 ans", denominator="15-64 ans",
       source_variables=("TX_TOT_EMPL", "TX_EMPL", "TX_EMP1564")),
    _r(id="jobseekers_count", label="Demandeurs d'emploi (cat. A, B, C)", unit="personnes",
       theme="emploi et formation", definition="Demandeurs d'emploi inscrits en catégories A, B, C.",
       source="France Travail / Dares", aggregation="sum", source_variables=("ABC", "DEFM_ABC", "NB_ABC")),
    _r(id="jobseekers_below_cap_bep_pct", label="Demandeurs d'emploi de niveau inférieur au CAP-BEP",
       unit="%", theme="emploi et formation",
       definition="Part des demandeurs d'emploi (A, B, C) de niveau de formation inférieur au CAP-BEP.",
       source="France Travail / Dares", aggregation="ratio", higher_is_better=False, is_rate=True,
       numerator="demandeurs de niveau infra CAP-BEP", denominator="demandeurs d'emploi A, B, C",
       source_variables=("ABC_INFCAPBEP",)),
    _r(id="jobseekers_cap_bep_pct", label="Demandeurs d'emploi de niveau CAP-BEP", unit="%",
       theme="emploi et formation",
       definition="Part des demandeurs d'emploi (A, B, C) de niveau CAP-BEP.",
       source="France Travail / Dares", aggregation="ratio", is_rate=True,
       numerator="demandeurs de niveau CAP-BEP", denominator="demandeurs d'emploi A, B, C",
       source_variables=("ABC_CAPBEP",)),
    _r(id="jobseekers_bac_pct", label="Demandeurs d'emploi de niveau bac", unit="%",
       theme="emploi et formation", definition="Part des demandeurs d'emploi (A, B, C) de niveau bac.",
       source="France Travail / Dares", aggregation="ratio", is_rate=True,
       numerator="demandeurs de niveau bac", denominator="demandeurs d'emploi A, B, C",
       source_variables=("ABC_BAC",)),
    _r(id="jobseekers_above_bac_pct", label="Demandeurs d'emploi de niveau supérieur au bac",
       unit="%", theme="emploi et formation",
       definition="Part des demandeurs d'emploi (A, B, C) de niveau supérieur au bac.",
       source="France Travail / Dares", aggregation="ratio", higher_is_better=True, is_rate=True,
       numerator="demandeurs de niveau supérieur au bac", denominator="demandeurs d'emploi A, B, C",
       source_variables=("ABC_SUPBAC",)),
    # ── Logement ────────────────────────────────────────────────────────────────────────
    _r(id="social_housing_dwellings_count", label="Logements sociaux", unit="logements",
       theme="logement", definition="Logements locatifs sociaux des bailleurs.",
       source="RPLS / bailleurs", aggregation="sum", source_variables=("NB_LLS", "LOG_SOC")),
    _r(id="social_housing_share_pct", label="Part des logements sociaux", unit="%",
       theme="logement", definition="Logements locatifs sociaux / résidences principales.",
       source="RPLS, Insee", aggregation="ratio", is_rate=True,
       numerator="logements sociaux", denominator="résidences principales",
       source_variables=("PART_LLS", "TX_LLS")),
    _r(id="fragile_occupation_dwellings_pct",
       label="Logements sociaux à occupation « fragile » à « très fragile »", unit="%",
       theme="logement",
       definition="Logements sociaux dont l'indice d'occupation référent dépasse 100 / logements "
                  "sociaux du quartier.",
       source="Bailleurs, enquête OPS", aggregation="ratio", higher_is_better=False, is_rate=True,
       numerator="logements à occupation fragile", denominator="logements sociaux"),
    # ── From the Filosofi 200 m grid (computed, approximate) ────────────────────────────
    _r(id="grid_poor_households_pct", label="Ménages pauvres (carroyage 200 m)", unit="%",
       theme="revenus et pauvreté",
       definition="Ménages pauvres / ménages des carreaux de 200 m dont le centre est dans le "
                  "territoire. Approximation : les carreaux ne suivent pas les contours.",
       source="Insee, Filosofi carroyé 200 m", aggregation="ratio", higher_is_better=False,
       is_rate=True, numerator="ménages pauvres", denominator="ménages",
       caution="Calcul approché à partir des carreaux ; ne remplace pas le taux de pauvreté officiel."),
    _r(id="grid_mean_living_standard_eur_year", label="Niveau de vie moyen (carroyage 200 m)",
       unit="EUR/an", theme="revenus et pauvreté",
       definition="Somme des niveaux de vie / individus des carreaux dont le centre est dans le "
                  "territoire (une moyenne, pas une médiane).",
       source="Insee, Filosofi carroyé 200 m", aggregation="ratio", higher_is_better=True,
       numerator="somme des niveaux de vie", denominator="individus"),
    # ── Tranquillité publique: SSMSI communal base (etl/loaders/ssmsi.py) ────────────────────
    _r(id="crime_assault_per_1000", label="Coups et blessures volontaires (victimes pour 1 000 habitants)",
       unit="pour 1 000 habitants", theme="tranquillité publique",
       definition="Victimes de coups et blessures volontaires enregistrées par la police et la "
                  "gendarmerie dans la commune / population municipale × 1 000.",
       source="SSMSI, base statistique communale de la délinquance enregistrée", aggregation="ratio",
       higher_is_better=False, numerator="victimes", denominator="habitants",
       caution=COMMUNE_ONLY),
    _r(id="crime_street_robbery_per_1000", label="Vols violents sans arme (victimes pour 1 000 habitants)",
       unit="pour 1 000 habitants", theme="tranquillité publique",
       definition="Victimes de vols violents sans arme enregistrées dans la commune / population "
                  "municipale × 1 000.",
       source="SSMSI, base statistique communale de la délinquance enregistrée", aggregation="ratio",
       higher_is_better=False, numerator="victimes", denominator="habitants",
       caution=COMMUNE_ONLY),
    _r(id="crime_damage_per_1000", label="Destructions et dégradations volontaires (pour 1 000 habitants)",
       unit="pour 1 000 habitants", theme="tranquillité publique",
       definition="Infractions de destructions et dégradations volontaires enregistrées dans la "
                  "commune / population municipale × 1 000.",
       source="SSMSI, base statistique communale de la délinquance enregistrée", aggregation="ratio",
       higher_is_better=False, numerator="infractions", denominator="habitants",
       caution=COMMUNE_ONLY),
    _r(id="crime_burglary_per_1000_dwellings", label="Cambriolages de logement (pour 1 000 logements)",
       unit="pour 1 000 logements", theme="tranquillité publique",
       definition="Cambriolages de logement enregistrés dans la commune / logements × 1 000.",
       source="SSMSI, base statistique communale de la délinquance enregistrée", aggregation="ratio",
       higher_is_better=False, numerator="infractions", denominator="logements",
       caution=COMMUNE_ONLY),
    # ── Santé: DREES APL (etl/loaders/drees_apl.py) ──────────────────────────────────────────
    _r(id="apl_gp_consultations_per_inhabitant_year",
       label="Accessibilité aux médecins généralistes (APL, consultations par an et par habitant)",
       unit="consultations/an/habitant", theme="santé",
       definition="Accessibilité potentielle localisée (APL) aux médecins généralistes libéraux de la "
                  "commune : consultations ou visites accessibles par an et par habitant standardisé par "
                  "âge, compte tenu de l'offre et de la demande des communes voisines.",
       source="DREES, accessibilité potentielle localisée (APL) aux médecins généralistes "
              "(data.drees.solidarites-sante.gouv.fr)", aggregation="none", higher_is_better=True,
       caution=COMMUNE_ONLY),
    _r(id="apl_gp_under65_consultations_per_inhabitant_year",
       label="Accessibilité aux médecins généralistes de moins de 65 ans (APL, consultations par an et par habitant)",
       unit="consultations/an/habitant", theme="santé",
       definition="APL aux seuls médecins généralistes de moins de 65 ans (l'offre qui restera "
                  "disponible) : consultations ou visites accessibles par an et par habitant standardisé.",
       source="DREES, accessibilité potentielle localisée (APL) aux médecins généralistes "
              "(data.drees.solidarites-sante.gouv.fr)", aggregation="none", higher_is_better=True,
       caution=COMMUNE_ONLY),
    # ── Éducation: DEPP open data (etl/loaders/depp.py) ──────────────────────────────────────
    _r(id="public_colleges_mean_ips_index",
       label="Indice de position sociale moyen des collèges publics de la commune", unit="indice",
       theme="éducation",
       definition="Moyenne simple des IPS des collèges publics de la commune (non pondérée par les "
                  "effectifs) ; l'IPS résume la profession des parents d'élèves (100 : moyenne nationale "
                  "de sa création). Année : celle de la rentrée (2022 pour 2022-2023).",
       source="DEPP, indices de position sociale (IPS) des collèges (data.education.gouv.fr)",
       aggregation="none", higher_is_better=None, denominator="collèges publics avec un IPS",
       caution=COMMUNE_ONLY),
    _r(id="public_colleges_count", label="Collèges publics de la commune (avec un IPS publié)",
       unit="collèges", theme="éducation",
       definition="Nombre de collèges publics de la commune dont l'IPS est publié pour la rentrée.",
       source="DEPP, indices de position sociale (IPS) des collèges (data.education.gouv.fr)",
       aggregation="sum", caution=COMMUNE_ONLY),
    _r(id="rep_pupils_pct",
       label="Élèves des écoles et collèges publics de la commune scolarisés en REP ou REP+", unit="%",
       theme="éducation",
       definition="Élèves des écoles et collèges publics de la commune appartenant à un réseau "
                  "d'éducation prioritaire (REP ou REP+) / élèves des écoles et collèges publics de la "
                  "commune dont l'effectif est publié. Année : celle de la dernière mise à jour de "
                  "l'annuaire (« date_maj_ligne »).",
       source="Ministère de l'Éducation nationale, annuaire de l'éducation (data.education.gouv.fr)",
       aggregation="ratio", is_rate=True, numerator="élèves en REP ou REP+",
       denominator="élèves des écoles et collèges publics", caution=COMMUNE_ONLY),
)

# Short names for the long labels, shown as a select's option (the full label under the select):
# a select cuts its value at its width, « …par unité de consommatio » (issue 11, D9). At most
# SHORT_LABEL_CHARS characters, so that the option is whole at 390 px too.
SHORT_LABEL_CHARS = 36
SHORT_LABELS = {
    "median_income_eur_year": "Revenu médian par UC",
    "median_income_eur_month": "Revenu médian par UC, par mois",
    "caf_low_income_pct": "Allocataires CAF à bas revenus",
    "jobseekers_below_cap_bep_pct": "Demandeurs d'emploi sous le CAP-BEP",
    "jobseekers_cap_bep_pct": "Demandeurs d'emploi niveau CAP-BEP",
    "jobseekers_above_bac_pct": "Demandeurs d'emploi au-delà du bac",
    "grid_mean_living_standard_eur_year": "Niveau de vie moyen (carroyage)",
    "fragile_occupation_dwellings_pct": "Logements sociaux fragiles",
    "crime_assault_per_1000": "Coups et blessures volontaires",
    "crime_street_robbery_per_1000": "Vols violents sans arme",
    "crime_damage_per_1000": "Destructions et dégradations",
    "crime_burglary_per_1000_dwellings": "Cambriolages de logement",
    "apl_gp_consultations_per_inhabitant_year": "Accès aux généralistes (APL)",
    "apl_gp_under65_consultations_per_inhabitant_year": "Accès aux généralistes < 65 ans",
    "public_colleges_mean_ips_index": "IPS moyen des collèges",
    "public_colleges_count": "Collèges publics (IPS publié)",
    "rep_pupils_pct": "Élèves en REP ou REP+",
}
REGISTRY = tuple(replace(i, short_label=SHORT_LABELS[i.id]) if i.id in SHORT_LABELS else i for i in REGISTRY)

BY_ID: dict[str, Indicator] = {i.id: i for i in REGISTRY}

# Source column (without year suffix) → indicator id.
BY_SOURCE_VARIABLE: dict[str, str] = {v: i.id for i in REGISTRY for v in i.source_variables}


def get(indicator_id: str) -> Indicator:
    return BY_ID[indicator_id]


def by_theme(theme: str) -> tuple[Indicator, ...]:
    """The registered indicators of a theme, in registry order."""
    return tuple(i for i in REGISTRY if i.theme == theme)


def label(indicator_id: str) -> str:
    """The French label of an indicator, or its id when it is not registered."""
    ind = BY_ID.get(indicator_id)
    return ind.label if ind else indicator_id
