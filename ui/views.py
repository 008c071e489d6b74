"""Display tables for the pages: French column names and French number formats.

Pure functions (no Streamlit): they take the DataFrames of `ui/data.py` or the indicator
functions and return what a page shows, so they are unit-tested without a browser.
"""
from __future__ import annotations

import pandas as pd

from indicators import fmt
from indicators.registry import REGISTRY

AGGREGATION_TEXT = {
    "sum": "s'additionne entre territoires",
    "ratio": "taux : Σ numérateurs / Σ dénominateurs",
    "none": "ne s'agrège pas (médiane, indice)",
}

# INSEE's cautions, shown on the method page and beside the figures they concern.
CAUTIONS = (
    "Ne comparez pas deux millésimes d'un même indicateur à l'échelle infra-communale (QPV) : "
    "l'Insee déconseille ces comparaisons, les méthodes et les contours évoluant d'une édition à "
    "l'autre.",
    "Les médianes (revenu médian, déciles) ne s'additionnent pas et ne se moyennent pas : une "
    "médiane pour un groupe de quartiers vient de la source ou n'est pas affichée.",
    "Un taux sur plusieurs territoires est la somme des numérateurs divisée par la somme des "
    "dénominateurs, jamais la moyenne des taux.",
    "Les quartiers de la géographie 2015 (codes QP…) et ceux de la géographie 2024 (codes QN…) "
    "n'ont pas les mêmes contours : il n'y a pas de correspondance un à un, une série 2015 → 2024 "
    "est rompue et n'est pas reliée ici.",
    "Une valeur couverte par le secret statistique n'est jamais affichée ni remplacée par 0 : "
    "elle apparaît comme « secret statistique ».",
    "Le taux de pauvreté (Filosofi, revenu disponible) et la part d'allocataires CAF à bas revenus "
    "(revenu avant impôts) sont deux mesures différentes.",
)


def registry_table() -> pd.DataFrame:
    """One row per registry indicator: what the method page shows."""
    rows = [{
        "Thème": ind.theme,
        "Indicateur": ind.label,
        "Unité": ind.unit,
        "Définition": ind.definition
        + (f" Numérateur : {ind.numerator} ; dénominateur : {ind.denominator}."
           if ind.numerator else ""),
        "Source": ind.source,
        "Agrégation": AGGREGATION_TEXT.get(ind.aggregation, ind.aggregation),
        "Précaution": ind.caution or "",
        "Identifiant": ind.id,
    } for ind in REGISTRY]
    return pd.DataFrame(rows).sort_values(["Thème", "Indicateur"], kind="stable",
                                          ignore_index=True)


def unregistered_table(catalog: pd.DataFrame) -> pd.DataFrame:
    """Variables of loaded files that the registry does not map (label from the dictionary)."""
    extra = catalog[~catalog["is_registered"].astype(bool)]
    return pd.DataFrame({
        "Variable": extra["indicator_id"].astype(str),
        "Libellé (dictionnaire du fichier)": extra["label"].astype(str),
        "Source": extra["source_label"].fillna("").astype(str),
    }).reset_index(drop=True)


def sources_table(sources: pd.DataFrame) -> pd.DataFrame:
    """Every loaded file with its provenance, French headers and formats."""
    def when(ts) -> str:
        return "" if pd.isna(ts) else pd.Timestamp(ts).strftime("%d/%m/%Y %H:%M")

    return pd.DataFrame({
        "Producteur": sources["producer"].fillna("").astype(str),
        "Titre": sources["title"].fillna("").astype(str),
        "Millésime": sources["vintage"].fillna("").astype(str),
        "Licence": sources["licence"].fillna("").astype(str),
        "Fichier": sources["file_name"].astype(str),
        "Lignes lues": [fmt.fmt_int(v) for v in sources["rows_read"]],
        "SHA-256": sources["sha256"].astype(str),
        "Chargé le": [when(v) for v in sources["loaded_at"]],
        "Fictif": ["oui" if v else "" for v in sources["is_fictional"]],
    })


BUILD_OUTCOME_TEXT = {"published": "publiée", "failed": "échouée"}
FILE_OUTCOME_TEXT = {"loaded": "chargé", "duplicate": "doublon", "unrecognised": "non reconnu",
                     "error": "erreur"}
LEVEL_TEXT = {"warning": "avertissement", "error": "erreur"}


def build_summary(build: dict) -> list[tuple[str, str]]:
    """(label, value) pairs describing one build."""
    def ts(v) -> str:
        return "" if v is None or pd.isna(v) else pd.Timestamp(v).strftime("%d/%m/%Y à %H:%M:%S")

    return [
        ("Construction", f"{build.get('build_id', '')} – "
                         f"{BUILD_OUTCOME_TEXT.get(build.get('outcome'), build.get('outcome'))}"),
        ("Commencée le", ts(build.get("started_at"))),
        ("Terminée le", ts(build.get("finished_at"))),
        ("Dossiers lus", str(build.get("raw_dirs") or "")),
        ("Fichiers", fmt.fmt_int(build.get("n_files"))),
        ("Lignes", fmt.fmt_int(build.get("n_rows"))),
        ("Territoires", fmt.fmt_int(build.get("n_territories"))),
        ("Indicateurs", fmt.fmt_int(build.get("n_indicators"))),
        ("Avertissements", fmt.fmt_int(build.get("n_warnings"))),
    ]


def build_files_table(files: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Fichier": files["file_name"].astype(str),
        "Format reconnu": files["kind"].fillna("—").astype(str),
        "Résultat": [FILE_OUTCOME_TEXT.get(v, v) for v in files["outcome"]],
        "Lignes lues": [fmt.fmt_int(v) for v in files["rows_read"]],
        "Message": files["message"].fillna("").astype(str),
    })


def build_messages_table(messages: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Niveau": [LEVEL_TEXT.get(v, v) for v in messages["level"]],
        "Fichier": messages["file_name"].fillna("").astype(str),
        "Ligne": [fmt.fmt_year(v) for v in messages["line"]],
        "Colonne": messages["column_name"].fillna("").astype(str),
        "Message": messages["message"].astype(str),
    })
