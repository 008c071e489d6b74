"""Display tables for the pages: French column names and French number formats.

Pure functions (no Streamlit): they take the DataFrames of `ui/data.py` or the indicator
functions and return what a page shows, so they are unit-tested without a browser.
"""
from __future__ import annotations

import functools
import html
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators import fmt
from indicators.financing import CITY_EURO
from indicators.fmt import unit_phrase
from indicators.fmt import unit_words as unit_text
from indicators.registry import BY_ID, REGISTRY
from indicators.sources import SHORT_LINE, clipped, credited_producer, credits_line, document_name, printed
from indicators.text import html_text, md_text, qualified, screen_text

def _na(value):
    """None for None, NaN and pd.NA (nullable columns), else the value."""
    try:
        return None if value is None or pd.isna(value) else value
    except (TypeError, ValueError):
        return value


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


# Where things live, for the technicians (the method page's « Pour les techniciens »): the only
# place table, column, file and module names are shown.
TECHNICAL_NOTES = (
    "Registre des indicateurs : `indicators/registry.py` (identifiant, libellé, unité, thème, "
    "définition, source, agrégation) ; il est écrit dans la table `indicator_catalog`.",
    "Valeurs : table `indicator_facts` et vue `indicator_values` (une ligne par territoire × "
    "indicateur × année, avec statut, origine et source).",
    "Modèle de programme (saisie locale) : tables `contracts`, `territories`, `documents`, "
    "`published_values`, `actions`, `funding`, `kpi_definitions`, `kpi_values`, `attributions`, "
    "`housing_objectives`, `housing_results`, `qualitative`, `beneficiaries` ; colonnes décrites "
    "par `python -m etl template-doc` (docs/programme-template.md).",
    "Chiffres clés de l'accueil : colonnes `headline` et `headline_order` de `kpi_definitions` "
    "et `published_values` ; contexte national : `scope = national` dans `kpi_definitions`.",
    "Bilan « besoin / fait / changé » : éléments qualitatifs `review_need`, `review_done`, "
    "`review_changed`, `review_figure` (table `qualitative`).",
    "Construire la base : `python -m etl build` (vérifier sans publier : `python -m etl validate`) ; "
    "première installation : `make run` (crée l'environnement, construit la base et lance "
    "l'application), ou `python -m etl demo --out data/raw/demo` pour le territoire fictif.",
)


def registry_table() -> pd.DataFrame:
    """One row per registry indicator: what the method page shows."""
    rows = [{
        "Thème": ind.theme,
        "Indicateur": ind.label,
        # In words, as every title and tile writes it (« € par an », never « EUR/an »).
        "Unité": unit_text(ind.unit),
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
        return fmt.fmt_datetime(ts)

    return pd.DataFrame({
        # A fictional file is credited as such, never to the producer whose format it imitates.
        "Producteur": [credited_producer(None if _na(p) is None else str(p), bool(f)) or ""
                       for p, f in zip(sources["producer"], sources["is_fictional"])],
        "Titre": sources["title"].fillna("").astype(str),
        "Millésime": sources["vintage"].fillna("").astype(str),
        "Licence": ["" if f or _na(lic) is None else str(lic)
                    for lic, f in zip(sources["licence"], sources["is_fictional"])],
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
# What the build recognised a file as, for readers (the loader names stay in « Pour les
# techniciens »): « Carroyage Filosofi 200 m », not « filosofi_grid ».
FILE_KIND_TEXT = {
    "anct_qpv_contours": "contours des QPV (ANCT)", "commune_contours": "contours des communes",
    "ban_addresses": "Base Adresse Nationale", "cog_communes": "COG : communes",
    "cog_departements": "COG : départements", "cog_epci": "COG : EPCI", "cog_regions": "COG : régions",
    "filosofi_grid": "carroyage Filosofi 200 m", "insee_dictionary": "dictionnaire des variables (Insee)",
    "insee_commune_stats": "statistiques Insee (communes)", "insee_qpv_stats": "statistiques Insee (QPV)",
    "anct_qpv_list": "liste des QPV (ANCT)", "ssmsi_commune_crime": "délinquance enregistrée (SSMSI)",
    "programme_workbook": "modèle de programme (classeur)",
    "declared_territories": "territoires déclarés par les contours",
}


def file_kind_text(kind) -> str:
    """A recognised file format in words; a programme template table by its title."""
    kind = _na(kind)
    if kind is None:
        return "—"
    if kind in FILE_KIND_TEXT:
        return FILE_KIND_TEXT[kind]
    if str(kind).startswith("programme_"):
        from etl.loaders.programme import TABLE_TITLES
        table = str(kind).removeprefix("programme_")
        return f"modèle de programme : {TABLE_TITLES.get(table, table.replace('_', ' '))}"
    if str(kind).startswith(("insee_", "ssmsi")):
        return "statistiques Insee" if str(kind).startswith("insee_") else "délinquance enregistrée (SSMSI)"
    return str(kind).replace("_", " ")


def build_summary(build: dict) -> list[tuple[str, str]]:
    """(label, value) pairs describing one build."""
    def ts(v) -> str:
        return fmt.fmt_datetime(v)

    start, end = build.get("started_at"), build.get("finished_at")
    duration = ""
    if _na(start) is not None and _na(end) is not None:
        duration = fmt.fmt_duration((pd.Timestamp(end) - pd.Timestamp(start)).total_seconds())

    # The build's id and the folders it read are for technicians: build_technical_lines.
    return [
        ("Résultat", str(BUILD_OUTCOME_TEXT.get(build.get("outcome"), build.get("outcome") or ""))),
        ("Commencée le", ts(build.get("started_at"))),
        ("Terminée le", ts(build.get("finished_at"))),
        ("Durée", duration),
        ("Fichiers", fmt.fmt_int(build.get("n_files"))),
        ("Lignes", fmt.fmt_int(build.get("n_rows"))),
        ("Territoires", fmt.fmt_int(build.get("n_territories"))),
        ("Indicateurs", fmt.fmt_int(build.get("n_indicators"))),
        ("Avertissements", fmt.fmt_int(build.get("n_warnings"))),
    ]


def build_technical_lines(build: dict) -> list[str]:
    """The build's identifier and the folders it read (« Pour les techniciens »)."""
    return [f"Identifiant de la construction : `{build.get('build_id', '')}`.",
            f"Dossiers lus : `{build.get('raw_dirs') or ''}`."]


def build_files_table(files: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Fichier": files["file_name"].astype(str),
        "Format reconnu": [file_kind_text(k) for k in files["kind"]],
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


# ── Sidebar labels ───────────────────────────────────────────────────────────────────────────

_CONTRACT_PREFIX = re.compile(r"^(contrat de ville|politique de la ville)\s+"
                              r"(du |de la |de l'|de l’|des |de |d'|d’)", re.IGNORECASE)


# A name ending with another in brackets (not a year or a period): « … (Chartres métropole) ».
_USUAL_NAME = re.compile(r".+?\s\(([^()\d][^()]{3,})\)")


def short_name(name: str, limit: int = 32) -> str:
    """A contract name short enough for the sidebar selector (whose label already says
    « contrat de ville »): the part before « – » (the programme's own title follows it),
    without the leading « Contrat de ville du », clipped on a word.

    « Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 » →
    « Grand Chalon 2024-2030 »."""
    head = str(name).split(" – ")[0].strip() or str(name)
    rest = _CONTRACT_PREFIX.sub("", head).strip()
    if rest:
        head = rest[0].upper() + rest[1:]
    # Too long with the usual name in brackets at its end: that name, whole (« Agglomération
    # chartraine (Chartres métropole) » → « Chartres métropole », not « Agglomération chartraine… »).
    usual = _USUAL_NAME.fullmatch(head)
    if len(head) > limit and usual and len(usual.group(1)) <= limit:
        return usual.group(1)[0].upper() + usual.group(1)[1:]
    return clipped(head, limit)


def qpv_short_labels(qpvs: pd.DataFrame) -> dict[str, str]:
    """{code: label} for the QPV selector: the name alone, with the code when two QPVs of the
    list share a name (a 2015 and a 2024 contour, say)."""
    names = [str(n) for n in qpvs["qpv_name"]]
    counts = pd.Series(names).value_counts()
    return {code: f"{name} ({code})" if counts[name] > 1 else name
            for code, name in zip(qpvs["qpv_code"], names)}


def qpv_identity_line(row) -> str:
    """« QN07101I · Chalon-sur-Saône » under the QPV selector."""
    parts = [str(row["qpv_code"])]
    commune = _na(row.get("commune_label")) if hasattr(row, "get") else None
    if commune:
        parts.append(str(commune))
    return " · ".join(parts)


# ── Figures (portrait, map, comparison) ──────────────────────────────────────────────────────

LEVEL_TEXT_FR = {"commune": "commune", "epci": "intercommunalité", "departement": "département",
                 "france": "France", "qpv_ensemble": "ensemble des QPV"}
SHORT_SOURCE_LIMIT = 160


def ordinal(n: int) -> str:
    """French ordinal: 1 → "1er", 2 → "2e"."""
    return f"{n}er" if n == 1 else f"{n}e"


def value_text(value, unit, status, status_note=None, decimals: int | None = None) -> str:
    """A value with its unit, or the status text ("secret statistique"); `decimals`: those of
    the values it is read beside (fmt.shared_decimals)."""
    if status not in (None, "ok") or value is None:
        return fmt.fmt_status(status or "missing")
    return fmt.fmt_value(value, unit, status, decimals=decimals)


YEAR_NOT_GIVEN = "année non précisée"


def source_text(source_label: str | None, year: int | None, *, origin: str | None = None,
                source_ref: str | None = None) -> str:
    """"Insee 2019 · données 2019 · annexe 2, p. 25 · chiffre publié" (year None: no year, as
    for a value whose document gives none).

    None, NaN and pandas' NA (a frame column with no value) count as absent."""
    source_label, year, source_ref = _na(source_label), _na(year), _na(source_ref)
    source_label = None if source_label is None else str(source_label)
    parts = []
    if source_label:
        # « Fictif : INSEE, … » is printed as fictional data, never as INSEE's (indicators.sources).
        parts.append(clipped(printed(source_label), SHORT_SOURCE_LIMIT))
    if year is not None and (not source_label or str(int(year)) not in source_label):
        parts.append(f"données {fmt.fmt_year(year)}")
    if source_ref:
        parts.append(fmt.typed_dates(str(source_ref)))
    if origin == "published":
        parts.append(fmt.ORIGIN_TEXT["published"])
    elif origin == "computed":
        parts.append(fmt.ORIGIN_TEXT["computed"])
    return " · ".join(parts)


def _split_outside(text: str, separators: tuple[str, ...]) -> str:
    """The text up to the first separator found outside « », ( ) and [ ] (the whole text when
    none is)."""
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch in "«([":
            depth += 1
        elif ch in "»)]":
            depth = max(depth - 1, 0)
        elif depth == 0:
            for sep in separators:
                if text.startswith(sep, i):
                    return text[:i]
        i += 1
    return text


LONG_SOURCE = 220


def source_or_none(text) -> str | None:
    """A source text, or None for nothing to show (None, NaN, "", « nan »): « Source : nan »
    never appears."""
    text = _na(text)
    if text is None:
        return None
    text = str(text).strip()
    return None if not text or text.lower() in ("nan", "none", "<na>") else text


def clip_source(text: str, limit: int = LONG_SOURCE) -> str:
    """A source line cut at a word boundary (never mid-word) with « … » when longer than
    `limit` characters; the whole text goes behind a toggle."""
    return clipped(text, limit)


def long_sources(texts, shorts=None) -> list[str]:
    """The sources that a tile's short line (its own in `shorts`, else short_source) shortens,
    once each, in order: a group of tiles lists them in full once, under the group, instead of
    one toggle per tile."""
    out: list[str] = []
    texts = list(texts)
    for text, short in zip(texts, shorts if shorts is not None else [None] * len(texts)):
        text, short = source_or_none(text), source_or_none(short)
        if text and (short or short_source(text)) != text and text not in out:
            out.append(text)
    return out


def short_source(text: str | None, part_limit: int = 70) -> str:
    """A source line short enough for a tile: each part (« — » or « · » separated) keeps its
    head — up to a « : », « ; » or « ( » outside quotes — clipped to `part_limit` characters.

    « Source : Politique de la ville – Les chiffres du mandat : « Redonner … » (Bilan …) —
    Encadré « Les chiffres du mandat » ; § « … » » → « Source : Politique de la ville – Les
    chiffres du mandat — Encadré « Les chiffres du mandat » ». The full line goes in a tooltip.
    """
    if not text:
        return ""
    body = text
    prefix = ""
    if body.lower().startswith("source : "):
        prefix, body = body[:9], body[9:]
    parts = []
    for sep in (" — ", " · "):
        if sep in body:
            pieces = body.split(sep)
            break
    else:
        pieces, sep = [body], " — "
    for piece in pieces:
        head = _split_outside(piece, (" : ", " ; ", " (")).strip() or piece.strip()
        head = clipped(head, part_limit)
        if head and head not in parts:
            parts.append(head)
    return prefix + sep.join(parts)


def credits_text(credits) -> str:
    """« A ; B » from the credits of the values a chart shows (indicators.sources)."""
    return " ; ".join(credits)


def gap_text(gap, kind: str | None) -> str:
    """« +22,0 pts » for a rate, « × 0,50 » for an amount, "" without a gap."""
    if _na(gap) is None or kind is None:
        return ""
    return fmt.fmt_gap(gap, kind)


def gap_axis_title(kind: str | None, unit: str | None) -> str:
    if kind == "points":
        return "Écart (points de %)"
    return "Rapport quartier / territoire (× 1 = parité)"


def gap_change_text(change, kind: str | None) -> str:
    """« écart réduit de 5,0 points », « écart accru de 3,2 % », « écart inchangé »."""
    if _na(change) is None:
        return ""
    if round(change, 6) == 0:
        return "écart inchangé"
    amount = fmt.fmt_number(abs(change), 1)
    suffix = " points" if kind == "points" else " % (de l'écart à la parité)"
    return f"écart {'réduit' if change < 0 else 'accru'} de {amount}{suffix}"


def gap_source(series: pd.DataFrame, short: bool = False) -> str:
    """The source line of a gap chart: every source of the values it compares, once each;
    `short`: the line under the chart, in about two lines (sources.credits_line)."""
    sources: list[str] = []
    for column in ("qpv_source", "comparator_source"):
        for src in series[column]:
            if _na(src) is not None and src not in sources:
                sources.append(str(src))
    if short:
        return credits_line(sources, suffix=" · écarts entre valeurs de la même année")
    text = " ; ".join(sources)
    return (text + " · " if text else "") + "écarts entre valeurs de la même année"


def has_gap(indicator_id: str) -> bool:
    """Whether a gap to a commune or an EPCI means something (rates, medians, amounts; not counts)."""
    from indicators.portrait import gap_kind
    return gap_kind(indicator_id, meta(indicator_id)["unit"]) is not None


def gap_change_source(changes: pd.DataFrame, short: bool = False) -> str:
    """Every source of the values behind a gap-change scatter, once each; `short`: the line
    under the chart, in about two lines (sources.credits_line)."""
    sources = dict.fromkeys(s for joined in changes["sources"] for s in str(joined).split(" ; ") if s)
    if short:
        return credits_line(sources, suffix=" · écarts entre valeurs de la même année")
    text = " ; ".join(sources)
    return (text + " · " if text else "") + "écarts entre valeurs de la même année"


def gap_change_caption(changes: pd.DataFrame) -> str:
    """« 3 quartiers sur 5 : l'écart se réduit (2017–2021) »."""
    n = len(changes)
    narrowed = int((changes["distance_change"] < 0).sum())
    first, last = int(changes["first_year"].min()), int(changes["last_year"].max())
    return (f"Écart réduit pour {narrowed} sur {plural(n, 'quartier')} "
            f"({first}–{last}, de la première à la dernière année comparable de chaque quartier). "
            "En dessous de la ligne, l'écart se réduit ; au-dessus, il se creuse.")


def rank_text(rank) -> str:
    """"2e sur 5 QPV du contrat (1er : valeur la plus basse)" or "" when not ranked."""
    if rank.rank is None or rank.n < 2:
        return ""
    scope = "du contrat" if rank.scope == "contract" else "de la base"
    text = f"{ordinal(rank.rank)}{' ex æquo' if rank.tied else ''} sur {rank.n} QPV {scope}"
    first = {"higher_is_better": "valeur la plus élevée, favorable",
             "lower_is_better": "valeur la plus basse, favorable"}.get(rank.direction,
                                                                         "valeur la plus élevée")
    text += f" (1er : {first})"
    if rank.n_withheld:
        text += f", {rank.n_withheld} sans valeur diffusée"
    return text


def _credited(source_label, origin, code, year, credit) -> bool:
    """Whether a value's source line is its credit (a typed figure, or fictional data)."""
    return credit is not None and (origin in ("published", "computed") or
                                   str(source_label or "").startswith("Fictif"))


def portrait_figure(pv, credit=None, short_credit=None) -> dict:
    """What a portrait card shows for one PortraitValue (indicators.portrait).

    credit: optional (territory_code, year) → credit text (indicators.sources): a figure typed
    from a document is then credited to the document (quoting its producer) and fictional data
    to the demo, never to INSEE. short_credit: the same as the short line under the card
    (`value_credits(short=True)`: document, section — producer, year), the credit behind its
    toggle."""
    def line(label, origin, code, year, ref, year_given=True, credit=credit):
        if _credited(label, origin, code, year, credit):
            text = credit(code, year)
            if text:
                # A document that gives no year for the figure: the line says so (its year is
                # the document's), unless the credit already does (a typed note's precision).
                unsaid = (YEAR_NOT_GIVEN if not year_given
                          and "non precise" not in fmt.fold(text) else None)
                return " · ".join(p for p in (text, unsaid, fmt.ORIGIN_TEXT.get(origin) if origin in
                                              ("published", "computed") else None) if p)
        return source_text(label, year if year_given else None, origin=origin, source_ref=ref)

    short = (line(pv.source_label, pv.origin, None, pv.year, pv.source_ref, pv.year_given,
                  credit=short_credit) if short_credit else None)

    # The quartier and its comparators at one precision (« 43,0 % » beside « 23,4 % »).
    decimals = fmt.shared_decimals([pv.value if pv.status == "ok" else None]
                                   + [c.value if c.status == "ok" else None for c in pv.comparators],
                                   pv.unit)
    comparators = []
    for c in pv.comparators:
        comparators.append({
            "name": c.territory_name,
            "level": LEVEL_TEXT_FR.get(c.territory_level, c.territory_level),
            "value": value_text(c.value, pv.unit, c.status, decimals=decimals),
            "gap": fmt.fmt_gap(c.gap, c.gap_kind) if c.gap is not None else "",
            "year": c.year,
            "source": line(c.source_label, c.origin, c.territory_code, c.year, c.source_ref),
            # The short line under the card, as the figure's own (`short_credit`).
            "short": (line(c.source_label, c.origin, c.territory_code, c.year, c.source_ref,
                           credit=short_credit) if short_credit else None),
        })
    numerator = ""
    # « 586 sur 1 262 » says what a share counts; a mean's numerator is a sum of euros
    # (« 44 934 237,4 sur 3 014,7 ») that tells a reader nothing. Counts are whole (the grid's
    # are sums of weighted squares: « 586,3 » is not a number of households).
    if pv.status == "ok" and pv.unit == "%" and pv.numerator is not None and pv.denominator is not None:
        numerator = f"{fmt.fmt_int(pv.numerator)} sur {fmt.fmt_int(pv.denominator)}"
    return {
        "label": pv.label,
        "value": value_text(pv.value, pv.unit, pv.status, decimals=decimals),
        "is_shown": pv.status == "ok" and pv.value is not None,
        "numerator": numerator,
        "comparators": comparators,
        "ranks": [t for t in (rank_text(r) for r in pv.ranks) if t],
        "source": line(pv.source_label, pv.origin, None, pv.year, pv.source_ref, pv.year_given),
        "short": short,
        "caution": pv.caution or "",
    }


def portrait_identity(portrait) -> str:
    """"QN07101I · géographie prioritaire 2024 · Chalon-sur-Saône · CA Le Grand Chalon · 2 500 habitants (2019)"."""
    q = portrait.qpv
    parts = [q.code]
    if q.geography_vintage:
        parts.append(f"géographie prioritaire {q.geography_vintage}")
    if portrait.communes:
        parts.append(" / ".join(c.name for c in portrait.communes))
    if portrait.epcis:
        parts.append(" / ".join(e.name for e in portrait.epcis))
    if q.population:
        pop = f"{fmt.fmt_int(q.population)} habitants"
        if q.population_year:
            pop += f" ({q.population_year})"
        parts.append(pop)
    return " · ".join(parts)


def chart_rows(pv, qpv_name: str) -> list[dict]:
    """Bars for a portrait chart: the QPV then its comparators; [] when nothing to compare, and
    for a count (a neighbourhood's population beside France's is no comparison, and its bar
    would be invisible)."""
    from indicators.portrait import gap_kind
    if pv.status != "ok" or pv.value is None or not any(c.status == "ok" for c in pv.comparators):
        return []
    if gap_kind(pv.indicator_id, pv.unit) is None:
        return []
    rows = [{"name": qpv_name, "value": pv.value, "status": pv.status, "is_qpv": True,
             "level": "qpv"}]
    rows += [{"name": c.territory_name, "value": c.value, "status": c.status, "is_qpv": False,
              "level": c.territory_level} for c in pv.comparators]
    return rows


QUALITATIVE_TITLES = (
    ("priority_issues", "Enjeux prioritaires"),
    ("strengths", "Atouts du quartier"),
    ("weaknesses", "Points de fragilité"),
    ("appreciated", "Ce que les habitants apprécient"),
    ("deplored", "Ce que les habitants déplorent"),
    ("requested", "Ce que les habitants demandent"),
    ("verbatims", "Paroles d'habitants"),
    ("notes", "Notes"),
)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", fmt.fold(text))


def _ref_without_title(title: str | None, ref: str | None) -> str | None:
    """The reference without its leading parts that repeat the document's title: « Hauts de
    Chambéry, « Ce qui a changé » – rubrique « … » » under the document « Hauts de Chambéry –
    « Ce qui a changé » : … » is « rubrique « … » »."""
    if not title or not ref:
        return ref
    title_words = _words(title)
    parts = ref.split(" – ")
    k = 0
    while k < len(parts):
        head = _words(" ".join(parts[:k + 1]))
        if not head or title_words[:len(head)] != head:
            break
        k += 1
    return " – ".join(parts[k:]) or None


PRODUCER_NOT_GIVEN = "producteur non précisé"


def _item_source(items) -> str:
    """The documents items were typed from as other sources are cited: « title (producer, date) –
    section », the producer said missing when the documents table gives none (never invented)."""
    from indicators.kpi import published_date
    refs = []
    for it in items:
        ref = _ref_without_title(it.document_title, it.source_ref)
        title = (document_name(fmt.typed_dates(it.document_title),
                               fmt.typed_dates(getattr(it, "document_producer", None)) or PRODUCER_NOT_GIVEN,
                               published_date(getattr(it, "document_date", None)))
                 if it.document_title else None)
        text = " – ".join(p for p in (title, fmt.typed_dates(ref)) if p)
        if text and text not in refs:
            refs.append(text)
    return " ; ".join(refs)


def _item_short_source(items) -> str:
    """The short line of `_item_source`: each document as `reader_credit` names it (document,
    section — producer, year), once each."""
    from indicators.sources import reader_credit
    refs = dict.fromkeys(
        reader_credit(it.document_title, _ref_without_title(it.document_title, it.source_ref),
                      getattr(it, "document_producer", None), getattr(it, "document_date", None))
        for it in items if it.document_title)
    return " ; ".join(refs)


def qualitative_sections(q) -> list[tuple[str, list[tuple[str | None, list[str], str, str]]]]:
    """(title, [(theme heading, texts, source, short source)]) for each non-empty kind of
    qualitative item; the short source is the line shown (document, section — producer, year),
    the whole source goes behind its toggle (never the whole source cut mid-phrase)."""
    from indicators.portrait import group_by_theme
    out = []
    for attr, title in QUALITATIVE_TITLES:
        items = getattr(q, attr)
        if items:
            # Groups without a heading one after the other read as one list: one source under it,
            # not the same line under each item (Prés Saint Jean's « Parentalité et enjeux
            # éducatifs » then « Emploi-Insertion-Formation et entrepreneuriat », issue 11).
            groups: list[tuple[str | None, list]] = []
            for theme, group in group_by_theme(items):
                if groups and theme is None and groups[-1][0] is None:
                    groups[-1][1].extend(group)
                else:
                    groups.append((theme, list(group)))
            out.append((title, [(theme, [i.text for i in group], _item_source(group),
                                 _item_short_source(group))
                                for theme, group in groups]))
    return out


NOTES_TITLE = dict(QUALITATIVE_TITLES)["notes"]


@functools.lru_cache(maxsize=64)
def shared_qualitative_sections(q) -> tuple[list, list]:
    """split_notes(qualitative_sections(q)), worked out once per content (issue #15: the sources
    of the items cost about 5 ms a rerun; a Qualitative is frozen, hashed and compared by value).
    Shared by every session and rerun: read them only."""
    return split_notes(qualitative_sections(q))


def split_notes(sections) -> tuple[list, list]:
    """(issues and residents' voices, notes) of `qualitative_sections`: a note (« Géographie
    prioritaire : nouveau secteur… ») is neither an issue nor a resident's word, so the portrait
    shows it under its own heading, never under « Enjeux et parole des habitants »."""
    return ([s for s in sections if s[0] != NOTES_TITLE],
            [group for title, groups in sections if title == NOTES_TITLE for group in groups])


REVIEW_PARTS = (("need", "Le besoin au départ"), ("done", "Ce que nous avons décidé et fait"),
                ("changed", "Ce que cela a changé"))


def review_blocks(review) -> list[dict]:
    """One dict per theme of a review: theme, parts [(title, texts)], figures, source."""
    blocks = []
    for t in review.themes:
        items = [*t.need, *t.done, *t.changed, *t.figures]
        blocks.append({
            "theme": t.theme or "Ensemble",
            "parts": [(title, [i.text for i in getattr(t, attr)]) for attr, title in REVIEW_PARTS],
            "figures": [i.text for i in t.figures],
            "source": _item_source(items),
            "short": _item_short_source(items),
        })
    return blocks


# ── Map and comparison tables ────────────────────────────────────────────────────────────────

def indicator_option(indicator_id: str) -> str:
    """"Taux de pauvreté (seuil à 60 %) – revenus et pauvreté" for a selectbox."""
    ind = BY_ID.get(indicator_id)
    return qualified(ind.label, ind.theme) if ind else indicator_id


def indicator_short_option(indicator_id: str) -> str:
    """A select's option whole at 390 px: the registry's short name, else its label (issue 11, D9);
    indicator_full_name says the whole name under the select."""
    ind = BY_ID.get(indicator_id)
    return (ind.short_label or ind.label) if ind else indicator_id


def indicator_full_name(indicator_id: str) -> str:
    """« Revenu disponible médian par unité de consommation (revenus et pauvreté) », written
    under a select whose option is the short name."""
    return indicator_option(indicator_id)


def no_values_note(no_quartier: bool, consequence: str) -> str:
    """The note of a map or a comparison with nothing to show: no quartier in the base, or no
    indicator with a value for its quartiers (`consequence`: « la carte n'a rien à colorer »)."""
    if no_quartier:
        return "Ce territoire ne compte aucun quartier prioritaire dans la base."
    return (f"Aucune valeur d'indicateur n'est chargée pour les quartiers de ce territoire : "
            f"{consequence} (voir « Données et méthode » pour charger les fichiers de l'Insee).")


def map_title(map_data) -> str:
    """"Taux de pauvreté (seuil à 60 %), en %, 2021"; a unit the label says is not repeated
    (unit_phrase): "Revenu disponible médian par UC, par mois, en €"."""
    parts = [map_data.label]
    if unit_phrase(map_data.label, map_data.unit):
        parts.append(f"en {unit_phrase(map_data.label, map_data.unit)}")
    if map_data.year is not None and map_data.year_given:
        parts.append(str(map_data.year))
    return ", ".join(parts)


def map_source(map_data, credits=(), short: bool = False) -> str:
    """The sources of the values mapped (indicators.sources.value_credits), else the registry's;
    `short`: the line shown, from the values' short credits (`value_credits(short=True)`: document,
    section — producer, year) as a chart's line says them (credits_line), the whole behind the
    line's toggle."""
    if short and credits:
        credits = [credits_line(credits)]
    ind = BY_ID.get(map_data.indicator_id)
    parts = [" ; ".join(credits) if credits else (ind.source if ind else "")]
    if map_data.year is not None and map_data.year_given:
        parts.append(f"données {map_data.year}")
    if map_data.geography_vintage:
        parts.append(f"géographie prioritaire {map_data.geography_vintage}")
    return " · ".join(p for p in parts if p)


# A table cell's text in Streamlit's grid (Source Sans, 14 px): about 6 px a character on average
# (measured: 345 px for the 57 characters of « Attributions en QPV aux ménages au-dessus du 1er
# quartile »; `char_px` per kind of character), 24 px of padding. The grid sizes a column on its
# first rows only, so a long name further down was cut (« Vieux Moulin - Paradis - Les Haut »).
CELL_PADDING_PX = 24
# A text column wider than this would hide the column beside it on a 390 px phone (358 px of
# table): pinned or not, every text column is capped there, and a longer value wraps.
TEXT_COLUMN_MAX_PX = 280
# Pinned columns together: what a 358 px phone table leaves beside them (128 px) shows a value
# whole, « secret statistique », « non disponible », « 1 830 habitants » (at 280 px the value
# column read « non disponibl »); a longer name wraps.
PINNED_NAME_MAX_PX = 230
# A pinned marker column (the comparison's « ▶ » for the selected quartier).
PINNED_MARK_PX = 40
# The width of a table on a 390 px phone (the page's 16 px margins on each side).
PHONE_TABLE_PX = 358
# Streamlit's grid wraps a text cell only when its rows are taller than 4rem (64 px): a row of
# LINE_PX a line plus ROW_PADDING_PX, at least WRAP_ROW_MIN_PX; at most MAX_WRAP_LINES lines (a
# longer value is cut at the last). One line: the grid's 35 px rows.
DEFAULT_ROW_PX, WRAP_ROW_MIN_PX, LINE_PX, ROW_PADDING_PX, MAX_WRAP_LINES = 35, 65, 20, 16, 6
# What a grid takes beside its rows: its header row (35 px, whatever the rows' height) and its
# 1 px border above and below, measured in Chromium at 1440 and 390 px (issue 11: 40 px left a
# 3 px strip under the last row; tests/app/test_table_height_s14_RQ_browser.py).
TABLE_HEADER_PX = 37


# A grid of more than UNEVEN_MIN_ROWS rows as tall as UNEVEN_ROW_LINES lines or more is shown as
# the HTML table, whose rows each take their own height (components.show_table).
UNEVEN_MIN_ROWS, UNEVEN_ROW_LINES = 10, 4


def uneven_rows(n_rows: int, row_height: int | None) -> bool:
    """Whether a grid's rows, all as tall as its tallest, would waste the page: many rows, each
    UNEVEN_ROW_LINES lines tall or more because of a few long cells."""
    return (n_rows > UNEVEN_MIN_ROWS and row_height is not None
            and row_height >= LINE_PX * UNEVEN_ROW_LINES + ROW_PADDING_PX)


# A character's width in Streamlit's grid (Source Sans, 14 px), a little above the font's so a
# value never wraps in a column sized for it: capitals and digits are wider than the 6 px average.
NARROW_CHARS = frozenset("ijlrtfI.,;:'’!|()[] ")


@functools.cache
def char_px(char: str) -> float:
    """A character's width, 8 % above the font's measured one (« Vieux Moulin - Paradis - Les
    Hauts de Lorne » was cut in 280 px; « Sur-entretien des parties communes » wrapped in 225)."""
    if char in NARROW_CHARS:
        width = 3.6
    elif char in "MWmw":
        width = 10.5
    elif char.isupper():
        width = 8.4
    elif char.isdigit():
        width = 7.2
    else:
        width = 6.6 if char.isalpha() else 6.0
    return width * 1.08


def text_px(text) -> int:
    """The width a grid cell needs to show `text` on one line (padding included)."""
    return CELL_PADDING_PX + math.ceil(sum(map(char_px, str(text))))


def wrapped_lines(text, width_px: int) -> int:
    """The lines `text` takes in a grid cell `width_px` wide (padding included), wrapped at
    spaces (a word longer than a line is cut across lines)."""
    room = width_px - CELL_PADDING_PX
    space = char_px(" ")
    lines, used = 1, 0.0
    for word in str(text).split():
        size = sum(map(char_px, word))
        if used and used + space + size <= room:
            used += space + size
            continue
        if used:
            lines, used = lines + 1, 0.0
        for c in word if size > room else ():      # a word longer than a line, char by char
            if used + char_px(c) > room:
                lines, used = lines + 1, 0.0
            used += char_px(c)
        if size <= room:
            used = size
    return lines


def _texts(column: pd.Series) -> list[str] | None:
    """The values of `column`, missing ones aside, when there is at least one and all are text;
    else None. Read as a list (issue #15: Series.dropna cost about 0,3 ms a column and rerun)."""
    if column.dtype.kind in "biufcmM":          # numbers, booleans, dates: never text
        return None
    texts = []
    for v in column.tolist():
        if isinstance(v, str):
            texts.append(v)
        elif not (pd.api.types.is_scalar(v) and pd.isna(v)):
            return None
    return texts or None


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` whose values (missing ones aside, at least one) are all text."""
    return [c for c in frame.columns if _texts(frame[c]) is not None]


def year_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` holding years as numbers (a header « Année… », every value a whole
    number or missing, at least one): a year is a label, the grid aligns it left as it does
    the years written as text (« Droit commun »'s credits read « 2024 » at the right, its
    TFPB's at the left)."""
    def whole(v) -> bool:
        return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) \
            and float(v).is_integer()
    out = []
    for c in frame.columns:
        if not fmt.fold(str(c)).startswith("annee"):
            continue
        values = [v for v in frame[c].tolist() if _na(v) is not None]
        if values and all(whole(v) for v in values):
            out.append(c)
    return out


def list_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` whose values (at least one) are all lists of labels."""
    return [c for c in frame.columns
            if len(frame[c]) and all(isinstance(v, (list, tuple)) for v in frame[c])]


LIST_ITEM_PX = 16      # a label's bubble in a list column: its padding and the gap after it


def list_px(values) -> int:
    """The width of a list column: its longest list of labels on one line, at most
    TEXT_COLUMN_MAX_PX (a longer list is cut; the grid shows it whole on a click)."""
    widest = max((CELL_PADDING_PX + sum(text_px(x) - CELL_PADDING_PX + LIST_ITEM_PX for x in v)
                  for v in values), default=0)
    return min(widest, TEXT_COLUMN_MAX_PX)


def blank_columns(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` with nothing in any row (missing, or text of spaces only): a table
    showed them as empty columns (issue 11: « Licence » of the loaded files when no file gives
    one, « Ligne » and « Colonne » of build messages that name neither). None when the frame has
    no row, or when every column is blank (the table then shows as it is)."""
    if frame.empty:
        return []
    blank = [c for c in frame.columns
             if all(v is None or (isinstance(v, str) and not v.strip())
                    or (not isinstance(v, str) and bool(np.all(pd.isna(v)))) for v in frame[c])]
    return [] if len(blank) == len(frame.columns) else blank


def label_first(frame: pd.DataFrame) -> bool:
    """Whether `frame` starts with a column of text labels, one of them wider than the pinned
    room (PINNED_NAME_MAX_PX), followed by other columns: unpinned at its 280 px, it pushed the
    values beside it off a 390 px phone (« Personnes touchées » by action, « Par enjeu
    prioritaire », a portrait's commune-only figures: « secret statisti… », no « Montant »)."""
    if len(frame.columns) < 2 or frame.empty or frame.columns[0] not in text_columns(frame):
        return False
    return max(text_px(v) for v in frame.iloc[:, 0].dropna()) > PINNED_NAME_MAX_PX


@dataclass(frozen=True)
class TableLayout:
    """How a displayed table reads whole (issue 11): the width in px of each text column (its
    longest value over all rows, header included, capped) and the height of its rows (None: the
    grid's one-line rows; else tall enough for the longest capped value to wrap)."""
    widths: dict
    row_height: int | None

    def height_px(self, n_rows: int, max_px: int) -> int:
        """The height of a table of `n_rows` rows (at least one) showing them all up to `max_px`."""
        return min(TABLE_HEADER_PX + (self.row_height or DEFAULT_ROW_PX) * max(n_rows, 1), max_px)


def table_layout(frame: pd.DataFrame, pinned: tuple = (), room_px: int = TEXT_COLUMN_MAX_PX,
                 skip: tuple = ()) -> TableLayout:
    """The TableLayout of `frame`: Streamlit's grid sizes a column on its first rows only, so a
    longer value further down was cut (« person[nes] », « Soutenir la pa… »). Every text column
    (`text_columns`, those in `skip` aside) gets the width of its longest value or header, at most
    TEXT_COLUMN_MAX_PX, and the `pinned` ones at most `room_px` (what pinned markers leave of it);
    a value beyond its column's cap wraps over up to MAX_WRAP_LINES lines."""
    widths, lines = {}, 1
    for c in frame.columns:
        texts = None if c in skip else _texts(frame[c])
        if texts is None:
            continue
        cap = min(room_px, TEXT_COLUMN_MAX_PX) if c in pinned else TEXT_COLUMN_MAX_PX
        px = {t: text_px(t) for t in set(texts)}      # each distinct value once
        widths[c] = min(max([text_px(c), *px.values()]), cap)
        lines = max([lines] + [wrapped_lines(t, widths[c]) for t, n in px.items() if n > cap])
    lines = min(lines, MAX_WRAP_LINES)
    row_height = None if lines == 1 else max(WRAP_ROW_MIN_PX, LINE_PX * lines + ROW_PADDING_PX)
    return TableLayout(widths, row_height)


# ── A table on any width (issue 11) ──────────────────────────────────────────────────────────
# The grid's columns cannot shrink below their content and its headers never wrap: a table whose
# columns add up to more than its room (a 390 px phone, half of a 1440 px page) was read by
# scrolling inside it (the CIA results, the CPO table, « Montant (partagé à par… »). Such a table
# also comes as an HTML table whose headers and cells wrap (`narrow_table_html`), shown by CSS
# container queries instead of the grid wherever the grid does not fit (`components.table`).
# What a 390 px phone leaves a table inside an expander (324 px of its 358), a little under.
PHONE_ROOM_PX = 320
# The HTML table's cells: 6 px of padding each side and a 1 px border, a px to spare.
HTML_CELL_PADDING_PX = 14
# A word wider than this (a file name, « archive.zip!membre.csv ») breaks anywhere in the HTML
# table (class qpv-break), so it never widens a column beyond it.
LONG_WORD_PX = 160
# A cell longer than this is prose (a source, a note, an engagement): when a phone cannot show
# every column, prose columns leave the table before the others do.
PROSE_CHARS = 60


def cell_text(value) -> str:
    """A cell as the HTML table writes it: text as typed, a whole number as is (a year), a
    decimal one in French, a list of labels joined by commas; nothing for a missing value."""
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, np.ndarray)):
        return ", ".join(cell_text(v) for v in value)
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return fmt.fmt_number(float(value)) if not float(value).is_integer() else str(int(value))
    return str(value)


# Where a word breaks in an HTML cell: after a hyphen (the browser breaks « Saint-Aubin-sur-Lorne »
# there) or a slash (_screen_cell writes a <wbr> after it: « consultations/an/habitant ») between
# letters, two of them before it (« €/an », « 2022-2023 » are counted whole).
_WORD_BREAK = re.compile(r"(?<=[^\W\d_]{2}[-/])(?=[^\W\d_])")
_SLASH_BREAK = re.compile(r"(?<=[^\W\d_]{2}/)(?=[^\W\d_])")


def word_px(text) -> int:
    """The narrowest an HTML cell holding `text` can be: its widest word (words joined by
    no-break spaces are one; a word breaks after its hyphens and slashes: _WORD_BREAK) and the
    cell's padding."""
    words = [part for w in re.split(r"[ \t\n]+", str(text)) for part in _WORD_BREAK.split(w)]
    return HTML_CELL_PADDING_PX + max(math.ceil(sum(map(char_px, w))) for w in words)


def grid_px(frame: pd.DataFrame, args: dict, index: bool = False) -> int:
    """The width of the grid st.dataframe(frame, **args) draws: each shown column at its
    configured width, else at its longest value or header on one line (as the grid sizes
    it), the index too when shown."""
    config = args.get("column_config", {})
    order = args.get("column_order") or list(frame.columns)
    total = 0
    for c in order:
        width = (config.get(c) or {}).get("width") if isinstance(config.get(c), dict) else None
        if not isinstance(width, int):
            display = (config.get(c) or {}).get("type_config", {}).get("display_text") \
                if isinstance(config.get(c), dict) else None
            texts = [display] if display else [cell_text(v) for v in frame[c].tolist()]
            width = max(text_px(t) for t in [str(c), *texts])
        total += width
    if index:
        total += max([text_px(cell_text(v)) for v in frame.index.tolist()] + [CELL_PADDING_PX])
    return total


@functools.lru_cache(maxsize=16384)
def _screen_cell(text: str) -> tuple[str, int]:
    """(the HTML of a cell's text as written on screen, its narrowest width; 0 when blank), once
    per distinct text (a 147-row table took 0,2 s of CPU a rerun without it)."""
    shown = screen_text(text)
    px = word_px(shown) if shown.strip() else 0
    if px > LONG_WORD_PX:      # a file name, a path: broken anywhere rather than widen the table
        return f'<span class="qpv-break">{html_text(shown)}</span>', LONG_WORD_PX
    # A unit written with « / » breaks after its slashes, as word_px counts it (« 3,0
    # consultations/an/habitant » read « consultatio | ns/an/habitan | t » at 390 px): the
    # browser breaks after a hyphen, never after a slash without a <wbr>.
    return _SLASH_BREAK.sub("<wbr>", html_text(shown)), px


# A cell this wide or less (padding included) is a short label, kept on one line in a wide room.
SHORT_CELL_PX = 120


def short_widths(frame: pd.DataFrame, order: list) -> dict:
    """{column: the width its widest cell takes on one line (`text_px` of its screen text,
    padding included)} for the columns of `order` whose every cell is a short label (at most
    SHORT_CELL_PX). Measured once per table: `short_columns` and `one_line_px` share it (each
    measured every cell of a wide table on every rerun)."""
    out = {}
    for c in order:
        widest = 0
        for t in {cell_text(v) for v in frame[c].tolist()}:
            px = text_px(screen_text(t))
            if px > SHORT_CELL_PX:
                break
            widest = max(widest, px)
        else:
            if widest:
                out[c] = widest
    return out


def short_columns(frame: pd.DataFrame, order: list, widths: dict | None = None) -> list[int]:
    """The positions (from 1, in `order`) of the columns whose every cell is a short label
    (« non renseigné », « 27 100 € », « oui »: at most SHORT_CELL_PX): sized from their content
    in a wide room, one line each (components.narrow_css), never « non / renseigné » beside
    columns of long texts (issue #11: Chartres' actions table at 1440 px). `widths`: their
    `short_widths`, when measured already."""
    widths = short_widths(frame, order) if widths is None else widths
    return [i for i, c in enumerate(order, start=1) if c in widths]


def one_line_px(frame: pd.DataFrame, order: list, short: tuple | list, widths: dict | None = None) -> int:
    """The narrowest the HTML table of `order` can be with its `short` columns (positions from
    1, `short_columns`) each on one line, header included, and the others at their widest word
    (`min_px`): the room from which components.narrow_css keeps them on one line (Grand Chalon's
    « Mobilisation » table on « Droit commun » ran 992 px wide in its 928 px at 1440 px).
    `widths`: the short columns' `short_widths`, when measured already (only headers then)."""
    widths = widths or {}
    total = 0
    for i, c in enumerate(order, start=1):
        if i in short:
            cells = (widths[c] if c in widths else
                     max((text_px(screen_text(t)) for t in map(cell_text, frame[c].tolist())), default=0))
            total += max(cells, text_px(screen_text(str(c)))) - CELL_PADDING_PX + HTML_CELL_PADDING_PX
        else:
            total += min_px(frame, c)
    return total


def min_px(frame: pd.DataFrame, column) -> int:
    """The narrowest the HTML table's `column` can be: its widest word as written on screen
    (`screen_text` joins « 18,9 % », « État – »), header included."""
    texts = {str(column), *map(cell_text, frame[column].tolist())}
    return max(max(_screen_cell(t)[1] for t in texts), HTML_CELL_PADDING_PX)


def is_prose(column: pd.Series) -> bool:
    """Whether a column holds prose: a text longer than PROSE_CHARS in one of its rows."""
    return any(len(cell_text(v)) > PROSE_CHARS for v in column.tolist())


def narrow_columns(frame: pd.DataFrame, order: list, room_px: int = PHONE_ROOM_PX,
                   main: tuple = (), need: dict | None = None) -> tuple[list, list]:
    """(the columns a phone's table shows, the others) among `order`: the first column (the
    row's label, with the marker columns before it) always, then the `main` values, then each next one whose narrowest width still
    fits `room_px`, prose columns last (`is_prose`: a source, a note), so the label and the values
    beside it show; each list in the table's order (`need`: the columns' min_px, when known)."""
    if not order:
        return [], []
    need = need or {c: min_px(frame, c) for c in order}
    lead = _lead(order)
    rest = order[lead:]
    prose = [c for c in rest if is_prose(frame[c]) and c not in main]
    # The column that tells rows of one label apart (the commune of a figure published for two)
    # before the values: without it two rows read as one doubled.
    # None needed when a `main` column, shown anyway, already tells them apart (a scheme's name
    # saying its objective: indicators.review.told_apart).
    mains = [c for c in main if c in rest]
    distinct = len({tuple(map(cell_text, r)) for r in frame[order[:lead] + mains].itertuples(index=False)})
    apart = None if mains and distinct == len(frame) else apart_column(frame, order)
    first = [c for c in dict.fromkeys([apart, *main]) if c in rest]
    kept, used = set(order[:lead]), sum(need[c] for c in order[:lead])
    for c in first + [c for c in rest if c not in prose and c not in first] + prose:
        if used + need[c] <= room_px:
            kept.add(c)
            used += need[c]
    return [c for c in order if c in kept], [c for c in order if c not in kept]


def _lead(order: list) -> int:
    """How many of `order`'s first columns make a row's label: the first column with a header,
    after a marker such as the comparison's « ▶ »."""
    return next((i for i, c in enumerate(order) if str(c).strip()), 0) + 1


def apart_column(frame: pd.DataFrame, order: list):
    """The first column of `order` after the label (`_lead`) that tells apart the rows sharing
    a label (the commune of a figure published for two communes: « Lorneville »,
    « Saint-Aubin-sur-Lorne »), prose left aside; None when every label is said once, when the
    label is short (a year: rows by year, the page's `main` columns say the rest; as row_label)
    or no column tells them apart."""
    lead = _lead(order)
    labels = [tuple(cell_text(v) for v in r) for r in frame[order[:lead]].itertuples(index=False)]
    if len(set(labels)) == len(labels) or all(len(" ".join(t).strip()) <= 6 for t in labels):
        return None
    for c in order[lead:]:
        if not is_prose(frame[c]) and \
                len(set(zip(labels, map(cell_text, frame[c].tolist())))) == len(labels):
            return c
    return None


def row_label(row: dict, shown: list, apart=None) -> str:
    """A row named in the detail under a phone's table: its first shown cell, with the next one
    when the first is short (a year: « 2024 · Habitat du Val »), and the `apart_column`'s cell
    that tells it from the rows of the same label."""
    cells = [cell_text(row[c]) for c in shown[:2]]
    label = " · ".join(c for c in cells if c.strip()) if len(cells[0]) <= 6 else cells[0]
    told = cell_text(row[apart]) if apart is not None and apart in row else ""
    return label if not told.strip() or told in label.split(" · ") else f"{label} · {told}"


def _html_cell(value) -> str:
    return _screen_cell(cell_text(value))[0]


def narrow_table_html(frame: pd.DataFrame, order: list, css_key: str, room_px: int = PHONE_ROOM_PX,
                      main: tuple = (), links: dict | None = None, details: dict | None = None) -> dict:
    """The HTML table of `frame`'s `order` columns that a narrow room reads without scrolling
    inside (issue 11): headers and cells wrap, each column no narrower than its widest word (its
    rows scroll under their header beyond 600 px, as the grid's do: CSS in ui.components). The
    columns that do not fit `room_px` (`narrow_columns`, the `main` values kept first) carry the class `qpv-wide-only`, and a
    « Détail » under the table gives them row by row (a column with one value in every row said
    once, a row's empty cells left out), with the class `qpv-narrow-only`; `links` {column: display
    text} writes a column of relative links as links. `details` {column: per row, (another
    column, text) or None}: what tells a row's label apart (indicators.review.told_apart), read
    in that other column; the label repeats it (« — objectif : … ») only where that column is
    left out (class `qpv-narrow-only`), or always when the table does not show it. Returns
    {"html", "full_px": the narrowest the whole table can be, "shown", "left"}."""
    details = {c: list(v) for c, v in (details or {}).items() if c in order}
    measured = frame.assign(**{c: [f"{cell_text(x)} — {d[1]}" if d else x for x, d in zip(frame[c], v)]
                               for c, v in details.items()}) if details else frame
    need = {c: min_px(measured, c) for c in order}
    shown, left = narrow_columns(measured, order, room_px, main, need)
    full_px = sum(need.values())
    hide = {c: ' class="qpv-wide-only"' if c in left else "" for c in order}
    head = "".join(f"<th{hide[c]}>{_html_cell(c)}</th>" for c in order)
    rows = frame.to_dict("records")
    links = links or {}

    def cell(c, v, i) -> str:      # a link column (the portrait's) as a link reading its display text
        if c in links and cell_text(v).strip():
            return f'<a href="{html.escape(cell_text(v), quote=True)}" target="_self">{_html_cell(links[c])}</a>'
        told = details[c][i] if c in details else None
        if told and told[0] in order:      # said by its column but where that column is left out
            return (_html_cell(v) + (f'<span class="qpv-narrow-only"> — {_html_cell(told[1])}</span>'
                                     if told[0] in left else ""))
        return _html_cell(f"{cell_text(v)} — {told[1]}" if told else v)
    body = "".join("<tr>" + "".join(f"<td{hide[c]}>{cell(c, r[c], i)}</td>" for c in order) + "</tr>"
                   for i, r in enumerate(rows))
    # The rows' box scrolls beyond 600 px: a keyboard reaches it (tabindex), a screen reader
    # names it (axe-core's scrollable-region-focusable).
    named = html.escape("Tableau : " + ", ".join(str(c) for c in shown if str(c).strip()), quote=True)
    parts = [f'<div class="qpv-narrow qpv-narrow-{css_key}"><div class="qpv-narrow-rows" tabindex="0" '
             f'role="region" aria-label="{named}"><table>'
             f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"]
    if left:
        once = [c for c in left if len({cell_text(r[c]) for r in rows}) == 1]
        each = [c for c in left if c not in once]
        items = [f"<li><b>{_html_cell(c)}</b> (toutes les lignes)\u00a0: {_html_cell(rows[0][c]) or '—'}</li>"
                 for c in once if cell_text(rows[0][c]).strip()]
        apart = apart_column(measured, order)
        for r in rows if each else ():      # a row's empty cells left out, a row of none too
            fields = "\u00a0; ".join(f"{_html_cell(c)}\u00a0: {_html_cell(r[c])}" for c in each
                                      if cell_text(r[c]).strip())
            if fields:
                items.append(f"<li><b>{_html_cell(row_label(r, shown, apart))}</b> — {fields}</li>")
        names = ", ".join(_html_cell(c) for c in left)
        parts.append(f'<details class="qpv-narrow-only"><summary>Détail\u00a0: {names}</summary>'
                     f"<ul>{''.join(items)}</ul></details>")
    parts.append("</div>")
    return {"html": "".join(parts), "full_px": full_px, "shown": shown, "left": left}


# The map's two orange marks told apart (issue #11, final review RV): the selected QPV's outline
# (palette.ACCENT) stood unexplained beside « En orange : 1 poche de pauvreté », read as a pocket.
POCKETS_MARK = "En orange plein : "


def selected_outline_note(frame: pd.DataFrame, qpv_code: str | None) -> str | None:
    """Markdown for the map's legend: which QPV the orange outline marks (maps.build_deck's
    `selected_code`), when that QPV is drawn; None otherwise."""
    if not qpv_code or frame.empty:
        return None
    drawn = frame[(frame["qpv_code"] == qpv_code) & frame["geojson"].notna()]
    if drawn.empty:
        return None
    return f"Entouré d'orange : {md_text(str(drawn['qpv_name'].iloc[0]))}, le quartier sélectionné."


def map_table(frame: pd.DataFrame) -> pd.DataFrame:
    """The QPVs of a map with their value text and a link to their portrait."""
    return pd.DataFrame({
        "Quartier": frame["qpv_name"].astype(str),
        "Code": frame["qpv_code"].astype(str),
        "Commune(s)": frame["commune_label"].astype(str),
        "Valeur": frame["value_text"].astype(str),
        "Portrait": [f"/portrait?qpv={code}" for code in frame["qpv_code"]],
    })


# ── KPIs (Les chiffres du mandat) ────────────────────────────────────────────────────────────

def _display_unit(unit: str | None) -> str | None:
    """Registry-style units stay; other units get € for EUR ("EUR pour 1 EUR" → "€ pour 1 €")."""
    if unit is None or unit in fmt.UNIT_SUFFIX:
        return unit
    return unit.replace("EUR", "€")


def amount_text(value, unit: str | None, status: str = "ok", qualifier: str | None = None) -> str:
    """A KPI value: millions of euros as "1,5 M€/an", other values with their unit (the same
    text as the reports: indicators.fmt.fmt_amount)."""
    return fmt.fmt_amount(value, unit, status, qualifier=qualifier)


_PER_YEAR = {"par an", "chaque année", "annuel", "annuelle", "par année", "tous les ans"}


def _says_per_year_twice(period_label: str, unit: str | None) -> bool:
    """« 1,5 M€/an » with « Période : par an » says « per year » twice: the unit is enough."""
    return (unit or "").endswith("/an") and period_label.strip().lower() in _PER_YEAR


def has_target(tile) -> bool:
    """Whether a KPI tile has an objective (for its year, its cumulated period or a later year):
    a result the contract follows, never shown among context figures."""
    return any(_na(v) is not None for v in (tile.target, tile.cumulative_target, tile.next_target))


def delta_style(evolution, higher_is_better) -> dict:
    """The colour and arrow of a metric's delta, from the evolution's sign: Streamlit reads them
    from the delta text's leading hyphen-minus, which the text has not (« −191 », minus sign
    U+2212; and md_text escapes a « - »). Green when the change is good, red when bad, grey when
    neither is known; no arrow without a change."""
    if evolution is None or _na(evolution) is None or evolution == 0:
        return {"delta_color": "off", "delta_arrow": "off"}
    up = evolution > 0
    good = {True: up, False: not up}.get(higher_is_better)
    return {"delta_color": "off" if good is None else ("green" if good else "red"),
            "delta_arrow": "up" if up else "down"}


def kpi_tile(tile) -> dict:
    """What a headline tile shows for an indicators.kpi.KpiTile."""
    delta = None
    if tile.evolution is not None and tile.previous_year is not None:
        sign = "+" if tile.evolution > 0 else ""
        delta = f"{sign}{fmt.fmt_number(tile.evolution)} par rapport à {tile.previous_year}"
        if tile.evolution_pct is not None:
            delta += f" ({sign}{fmt.fmt_pct(tile.evolution_pct, 1)})"
    lines = []
    value_text_ = amount_text(tile.value, tile.unit, tile.status, tile.qualifier)
    # A period said once in the tile: in its label or under it (fmt.label_and_period).
    label, period = fmt.label_and_period(tile.label, tile.period_label)
    if period and not _says_per_year_twice(period, tile.unit):
        lines.append(f"Période : {period}")
    if tile.target is not None:
        text = f"Objectif {tile.year or ''} : {fmt.fmt_target(tile.target, tile.unit)}".replace("  ", " ")
        if tile.achievement_pct is not None:
            text += f" – réalisé à {fmt.fmt_pct(tile.achievement_pct, fmt.COMPUTED_PCT_DECIMALS)}"
        lines.append(text)
    if tile.next_target is not None:
        lines.append(f"Objectif {tile.next_target_year} : {fmt.fmt_target(tile.next_target, tile.unit)}"
                     " (pas encore de résultat)")
    if tile.cumulative_value is not None and tile.cumulative_period_label and \
            tile.cumulative_value != tile.value:
        # « Cumul 2020–2026 », not « Cumul 2020–2026 (cumul) » (the label says it for tables).
        period = tile.cumulative_period_label.removesuffix("(cumul)").strip()
        text = f"Cumul {period} : {amount_text(tile.cumulative_value, tile.unit)}"
        if tile.cumulative_achievement_pct is not None:
            text += f" ({fmt.fmt_pct(tile.cumulative_achievement_pct, fmt.COMPUTED_PCT_DECIMALS)} de l'objectif)"
        lines.append(text)
    return {
        "label": label,
        "value": value_text_,
        "delta": delta,
        **delta_style(tile.evolution if delta else None, tile.higher_is_better),
        "lines": lines,
        "source": tile.source_line or "",
        "short": getattr(tile, "source_short", None),     # document, section — producer, year
        "help": tile.definition or None,
        "theme": tile.theme or "autres indicateurs",
    }


def tiles_by_theme(tiles, exclude=()) -> list[tuple[str, list[dict]]]:
    """Tiles grouped by theme, themes in first-appearance order; national context tiles and the
    KPIs listed in `exclude` (already among the key figures) are left out."""
    groups: dict[str, list[dict]] = {}
    for t in tiles:
        if t.kpi_id in exclude or getattr(t, "scope", "contrat") == "national":
            continue
        shown = kpi_tile(t)
        groups.setdefault(shown["theme"], []).append(shown)
    return list(groups.items())


def headline_card(figure) -> dict:
    """What a key figure of the home page shows: a KpiTile as a tile, a HeadlineValue (a
    published value) with its year and its commune and EPCI comparators."""
    from indicators.kpi import KpiTile
    if isinstance(figure, KpiTile):
        return kpi_tile(figure)
    lines = [f"Données {fmt.fmt_year(figure.year)}" if figure.year_given else YEAR_NOT_GIVEN.capitalize()]
    for c in figure.comparators:
        text = f"{c.territory_name} : {value_text(c.value, figure.unit, c.status)}"
        if c.year != figure.year:
            text += f" ({fmt.fmt_year(c.year)})"
        lines.append(text)
    return {
        "label": f"{figure.label} – {figure.territory_name}",
        "value": value_text(figure.value, figure.unit, figure.status),
        "delta": None, "delta_color": "off", "lines": lines,
        "source": figure.credit or source_text(figure.source_label,
                                               figure.year if figure.year_given else None,
                                               source_ref=figure.source_ref),
        "short": figure.credit_short if figure.credit else None,
        "help": None, "theme": theme_of(figure.indicator_id) or "autres indicateurs",
    }


NOT_COMPUTED = "non calculé (aucun financement saisi)"
# The leverage section's title (and its download's): the cards' and cells' own words.
LEVERAGE_TITLE = f"Effet levier : {CITY_EURO}"
COMPUTED_COLUMN = "Calculé (financements saisis)"


def leverage_rows(leverages) -> list[dict]:
    """Leverage lines: computed ratio and published figure side by side (French text)."""
    from indicators.financing import leverage_text
    rows = []
    for lev in leverages:
        if lev.funder == "ville":
            continue
        rows.append({
            "Financeur": lev.funder_label,
            "Calculé (financements saisis)": leverage_text(lev) if lev.status == "ok"
            else ("non calculable : " + (lev.note or "aucun financement de la Ville")
                  if lev.status == "undefined" else NOT_COMPUTED),
            "Publié": leverage_text(lev, lev.published_ratio) if lev.published_ratio is not None else "",
            "Source du chiffre publié": lev.published_source_line or "",
        })
    return rows


def leverage_shown(rows: list[dict]) -> pd.DataFrame:
    """The leverage table as the page shows it: « 1,59 € de l'intercommunalité » under the title
    « pour 1 € de la Ville » (CITY_EURO), sources shortened (short_source), and the published
    columns left out when no figure is published (two empty columns on the demo)."""
    df = pd.DataFrame(rows)
    # The column's name says « Source »: each cell gives the document, not « Source : » again.
    df["Source du chiffre publié"] = df["Source du chiffre publié"].map(
        lambda t: short_source(t).removeprefix("Source : "))
    # The section's title says « pour 1 € de la Ville »: each cell says the rest, short enough
    # for a phone's column (« 1,59 € de l'intercommunalité »).
    said = re.compile("^P" + re.escape(CITY_EURO[1:]).replace("\u00a0", r"\s") + ", ")
    for column in ("Calculé (financements saisis)", "Publié"):
        df[column] = df[column].map(lambda t: said.sub("", t))
    if (df["Publié"] == "").all():
        df = df.drop(columns=["Publié", "Source du chiffre publié"])
    elif (df[COMPUTED_COLUMN] == NOT_COMPUTED).all():
        # No funding typed (Chambéry): a column of « non calculé » pushed the published figure
        # off a phone's screen; the page says once why nothing is computed.
        df = df.drop(columns=[COMPUTED_COLUMN])
    if leverage_note(rows):
        df[COMPUTED_COLUMN] = UNDEFINED
    return df


UNDEFINED = "non calculable"


def leverage_note(rows: list[dict]) -> str | None:
    """« Effet levier non calculable : la Ville ne finance aucune de ces actions. » when every
    funder's ratio is not computable for one same reason: the page says it once under the title
    and each row « non calculable » (on Chartres métropole's three rows the reason was cut at
    the edge of a 390 px screen); None otherwise."""
    said = {r[COMPUTED_COLUMN] for r in rows}
    if len(rows) < 2 or len(said) != 1:
        return None
    text = said.pop()
    return f"Effet levier {text}." if text.startswith(f"{UNDEFINED} : ") else None


def year_span(years) -> str:
    """"2020–2026" / "2024" / "" for a column of years."""
    ys = sorted({int(y) for y in years if not pd.isna(y)})
    if not ys:
        return ""
    return f"({ys[0]})" if len(ys) == 1 else f"({ys[0]}–{ys[-1]})"


def plural(n: int, one: str, many: str | None = None) -> str:
    """« 1 action », « 2 actions », « 1 234 actions » (French: 0 and 1 take the singular)."""
    return fmt.fmt_count(n, one, many)


def eur_like(value: float, reference: float) -> str:
    """An amount in the scale of the total it is read against (« 0,6 M€ » beside « 7,4 M€ »)."""
    if abs(reference) >= 1_000_000:
        return fmt.fmt_millions_eur(value)
    return amount_text(value, "EUR")


def unattached_note(unattached_eur: float, total_eur: float) -> str:
    """Why the total of the funding lines differs from the total of the actions (or "")."""
    if not unattached_eur:
        return ""
    return (f"dont {eur_like(unattached_eur, total_eur)} de financements non rattachés à une "
            "action (enveloppes globales), absents de la liste des actions")


def actions_total_caption(n_actions: int, amount_eur: float, unattached_eur: float,
                          filtered: bool) -> str:
    """The caption of the actions table; unfiltered, it reconciles with the funding total."""
    text = f"{plural(n_actions, 'action')} · montant total {amount_text(amount_eur, 'EUR')}"
    if unattached_eur and not filtered:
        text += (f" ; s'y ajoutent {eur_like(unattached_eur, amount_eur)} de financements non "
                 "rattachés à une action (enveloppes globales), soit "
                 f"{amount_text(amount_eur + unattached_eur, 'EUR')} de financements saisis en tout")
    return text


def new_projects_text(n_new, n_unknown) -> str:
    """« 3 », « 3 (nouveauté non renseignée pour 2) », or « non renseigné » when no action of the
    year says whether it is new (an unknown count is never 0)."""
    if _na(n_new) is None:
        return "non renseigné"
    text = fmt.fmt_int(n_new)
    if _na(n_unknown):
        text += f" (nouveauté non renseignée pour {fmt.fmt_int(n_unknown)})"
    return text


def projects_table(projects: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Année": [fmt.fmt_year(y) for y in projects["year"]],
        "Projets": [fmt.fmt_int(v) for v in projects["n_projects"]],
        "Nouveaux": [new_projects_text(new, unknown) for new, unknown
                     in zip(projects["n_new"], projects["n_new_unknown"])],
        # Short headings: « Part de projets nouveaux », then « dont nouveaux » once every column is
        # as wide as its longest text (views.table_layout), took the table past a 390 px phone.
        "Part des nouveaux": [fmt.fmt_pct(v, 1) if v is not None and not pd.isna(v)
                              else "non renseigné" for v in projects["share_new_pct"]],
    })


def compare_table(df: pd.DataFrame, indicator_ids: list[str], selected: str | None) -> pd.DataFrame:
    """The comparison table with French value texts (secret statistique kept as text); the
    selected QPV marked with ▶ in the first column."""
    from indicators.compare import ORIGIN_SUFFIX, STATUS_SUFFIX, YEAR_SUFFIX
    out = pd.DataFrame({
        "": ["▶" if c == selected else "" for c in df["qpv_code"]],
        "Quartier": df["qpv_name"].astype(str),
        "Code": df["qpv_code"].astype(str),
        "Commune(s)": df["commune_label"].astype(str),
    })
    for ind in indicator_ids:
        meta = BY_ID.get(ind)
        label = meta.label if meta else ind
        years = df[ind + YEAR_SUFFIX].dropna()
        dated = ind + "__year_given" not in df or bool(df[ind + "__year_given"].all())
        if not years.empty and dated:
            label += f" ({int(years.iloc[0])})"
        unit = meta.unit if meta else None
        shown = df[ind].where(df[ind + STATUS_SUFFIX] == "ok")
        # One precision per column, but a typed figure keeps its own digits (fmt.column_decimals).
        origins = df[ind + ORIGIN_SUFFIX] if ind + ORIGIN_SUFFIX in df else [None] * len(df)
        decimals = fmt.column_decimals(shown, origins, unit)
        out[label] = [value_text(None if pd.isna(v) else v, unit, s, decimals=d)
                      for v, s, d in zip(df[ind], df[ind + STATUS_SUFFIX], decimals)]
    out["Portrait"] = [f"/portrait?qpv={code}" for code in df["qpv_code"]]
    return out


def sort_compare(df: pd.DataFrame, indicator_id: str | None, descending: bool) -> pd.DataFrame:
    """Rows sorted by an indicator's value (withheld and missing values last) or by name, in the
    order of the toggle (descending: Z to A for names)."""
    if not indicator_id:
        return df.sort_values("qpv_name", ascending=not descending, kind="stable",
                              key=lambda names: names.map(fmt.fold)).reset_index(drop=True)
    return df.sort_values(indicator_id, ascending=not descending, na_position="last",
                          kind="stable").reset_index(drop=True)


def theme_of(indicator_id: str) -> str | None:
    ind = BY_ID.get(indicator_id)
    return ind.theme if ind else None


def theme_has(theme: str, indicator_ids) -> bool:
    return any(theme_of(i) == theme for i in indicator_ids)


def meta(indicator_id: str) -> dict:
    ind = BY_ID.get(indicator_id)
    return {"label": ind.label if ind else indicator_id, "unit": ind.unit if ind else None,
            "source": ind.source if ind else ""}


def scatter_points(df: pd.DataFrame, x_id: str, y_id: str) -> pd.DataFrame:
    """QPVs with a shown value on both indicators: qpv_code, qpv_name, x, y."""
    both = df[df[x_id].notna() & df[y_id].notna()]
    return pd.DataFrame({"qpv_code": both["qpv_code"], "qpv_name": both["qpv_name"],
                         "x": both[x_id], "y": both[y_id]}).reset_index(drop=True)


def scatter_source(x_id: str, y_id: str, credits=()) -> str:
    """The sources of the values plotted (indicators.sources.value_credits), else the registry's."""
    if credits:
        return " ; ".join(credits)
    sources = []
    for i in (x_id, y_id):
        s = meta(i)["source"]
        if s and s not in sources:
            sources.append(s)
    return " ; ".join(sources)


# ── Programmes ───────────────────────────────────────────────────────────────────────────────

FUNDING_SOURCE = "financements saisis par l'équipe du contrat (modèle de programme)"


def _document_date(published_on) -> str:
    """A document's date as typed in the template, in words: « 21 septembre 2023 »; a year alone
    stays a year (never « 1er janvier »); text that is no date stays as typed."""
    text = str(published_on or "").strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return fmt.fmt_date(text)
        except ValueError:
            return text
    return text


def funding_source(documents, short: bool = False) -> str:
    """The source of the financing figures: the template, and the documents its funding lines
    were typed from (indicators.financing.funding_documents), with producer and date. `short`:
    the line under a chart, each document as a reader cites it, in about two lines."""
    return _typed_source(documents, short, FUNDING_SOURCE, "financements saisis d'après ")


# The source of the figures counted on the actions (projects per year).
ACTIONS_SOURCE = "actions saisies par l'équipe du contrat (modèle de programme)"


def actions_source(documents, short: bool = False) -> str:
    """The source of figures counted on the actions (« Projets financés par année »): the template
    and the documents the actions were typed from (indicators.financing.action_documents), as
    `funding_source` names them (issue 11: Chartres métropole's table named no document)."""
    return _typed_source(documents, short, ACTIONS_SOURCE, "actions saisies d'après ")


# The source of the list of actions when its actions and funding lines come from the same documents.
ACTIONS_FUNDING_SOURCE = "actions et financements saisis par l'équipe du contrat (modèle de programme)"


def actions_list_source(action_documents, funding_documents, short: bool = False) -> str:
    """The source under the list of actions (« Programmes et financements »): its rows are the
    actions (`actions_source`), its amounts and funders the funding lines (`funding_source`).
    One credit when both were typed from the same documents, else each its own (issue 11: the
    list credited only « financements saisis d'après … » where the home page credits the same
    actions « actions saisies d'après … »)."""
    if list(action_documents) == list(funding_documents):
        return _typed_source(action_documents, short, ACTIONS_FUNDING_SOURCE,
                             "actions et financements saisis d'après ")
    return f"{actions_source(action_documents, short)} ; {funding_source(funding_documents, short)}"


def _typed_source(documents, short: bool, base: str, head: str) -> str:
    if short and documents:
        from indicators.sources import reader_credit
        return head + credits_line((reader_credit(t, None, p, d) for t, p, d in documents),
                                   limit=SHORT_LINE)
    cited = []
    for title, producer, published_on in documents:
        cited.append(qualified(f"« {title} »", producer, _document_date(published_on)))
    return f"{base}, d'après {' ; '.join(cited)}" if cited else base


def programme_figures_elsewhere(tiles) -> str | None:
    """When no action is typed but the documents publish figures of the programme (Chambéry:
    « 120 projets »), where the reader finds them, so that the two pages do not seem to disagree."""
    labels = [t.label for t in tiles if (t.theme or "").lower() == "programme"
              and t.status == "ok" and t.scope != "national"]
    if not labels:
        return None
    # Markdown for st.caption: the labels are the template's text, escaped.
    shown = ", ".join(f"« {md_text(label)} »" for label in labels[:3]) + (", …" if len(labels) > 3 else "")
    return (f"Les documents du territoire publient {plural(len(labels), 'chiffre')} du programme "
            f"({shown}) : ils sont sur « Les chiffres du mandat », sans le détail des actions.")


def _yes_no(v) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "non renseigné"
    return "oui" if v else "non"


def _pct_or(v, missing: str = "non calculable") -> str:
    return missing if v is None or pd.isna(v) else fmt.fmt_pct(v, 1)


def cpo_table(cpo: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Année": [fmt.fmt_year(y) for y in cpo["year"]],
        "Conventions État (P147)": [fmt.fmt_int(v) for v in cpo["n_agreements"]],
        "dont CPO": [fmt.fmt_int(v) for v in cpo["n_cpo"]],
        "Part de CPO": [_pct_or(v) for v in cpo["share_pct"]],
        "Objectif": [fmt.fmt_pct(v, 0) for v in cpo["target_pct"]],
        "Atteint": [_yes_no(v) if v is not None else "—" for v in cpo["reached"]],
    })


def pockets_table(pockets: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Année": [fmt.fmt_year(y) for y in pockets["year"]],
        "Crédits P147 du contrat": eur_column(pockets["envelope_p147_eur"]),
        "dont poches de pauvreté": eur_column(pockets["poverty_pocket_eur"]),
        "Part": [_pct_or(v) for v in pockets["share_pct"]],
        "Plafond": [fmt.fmt_pct(v, 1) for v in pockets["cap_pct"]],
        "Respecté": [_yes_no(v) if v is not None else "—" for v in pockets["within_cap"]],
    })


def eur_column(values) -> list[str]:
    """A table column of amounts read against each other in one scale: millions (« 1,9 M€ »)
    when every amount is over 1 M€, else whole euros (« 1 900 000 € » above « 668 000 € »,
    never « 1,9 M€ » above « 668 000 € »). A missing amount says so."""
    known = [abs(float(v)) for v in values if v is not None and not pd.isna(v)]
    if known and all(v >= 1_000_000 for v in known):
        return [amount_text(v, "EUR") for v in values]
    return [fmt.fmt_eur(v, 0) if v is not None and not pd.isna(v) else "non renseigné"
            for v in values]


def theme_amounts_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Enjeu prioritaire": df["theme"].astype(str),
        "Actions": [fmt.fmt_int(v) for v in df["n_actions"]],
        "Montant": eur_column(df["amount_eur"]),
        "Part": [_pct_or(v, "") for v in df["share_pct"]],
    })


def territory_amounts_table(df: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Quartier": df["territory_name"].astype(str),
        "Actions": [fmt.fmt_int(v) for v in df["n_actions"]],
        "Montant (partagé à parts égales)": eur_column(df["amount_eur"]),
        "Note": df["note"].fillna("").astype(str),
    })


NOT_FILLED = "non renseigné"


def _filled(v) -> str:
    """A typed text, or « non renseigné » when missing or blank (never an empty cell beside a
    « non renseigné » in the next column)."""
    v = _na(v)
    return str(v).strip() if v is not None and str(v).strip() else NOT_FILLED


def funder_labels(funders) -> list[str]:
    """The funders of an action as the page names them (« non renseigné » alone without any)."""
    from indicators.financing import FUNDER_LABELS
    return [FUNDER_LABELS.get(f, f) for f in funders] or [NOT_FILLED]


def actions_view(df: pd.DataFrame) -> pd.DataFrame:
    """The actions table of « Programmes »: one short row per action and year (issue 11). A
    missing value reads « non renseigné » in every column; the funders are a list column (one
    line of labels, whole on a click) and the long texts (description, source) are in the
    detail of each action (`action_detail`), not in cells that made every row five lines high."""
    view = pd.DataFrame({
        "Année": [fmt.fmt_year(y) for y in df["year"]],
        "Action": df["title"].astype(str),
        "Porteur": [_filled(v) for v in df["operator"]],
        "Enjeu": [_filled(v) for v in df["theme"]],
        # By name (issue #11: the codes read « QN07101I » where the detail said « Aubépins »);
        # each code is in the action's detail and in the exports' « Codes des quartiers ».
        "Quartiers": [", ".join(ns) or NOT_FILLED for ns in df["territory_names"]],
        "Montant": eur_column(df["amount_eur"]),
        "Financeurs": [funder_labels(fs) for fs in df["funders"]],
        "Nouvelle": [_yes_no(v) for v in df["is_new"]],
        "CPO": [_yes_no(v) for v in df["is_multiyear_agreement"]],
    })
    # A column « non renseigné » on every row shown says nothing: it is left out, and named once
    # under the table (actions_view_note); Année, Action, Porteur and Montant always stay.
    return view.drop(columns=_unfilled_action_columns(view))


_OPTIONAL_ACTION_COLUMNS = ("Enjeu", "Quartiers", "Financeurs", "Nouvelle", "CPO")


def _unfilled_action_columns(view: pd.DataFrame) -> list[str]:
    if view.empty:
        return []
    return [c for c in _OPTIONAL_ACTION_COLUMNS
            if all((v == [NOT_FILLED]) if isinstance(v, list) else v == NOT_FILLED for v in view[c])]


def actions_view_note(df: pd.DataFrame) -> str | None:
    """What the actions table leaves out, said once under it (French), None when nothing:
    « Enjeu prioritaire, action nouvelle, convention pluriannuelle (CPO) : non renseignés pour
    toutes ces actions (colonnes masquées ; le détail d'une action les donne). »"""
    if df.empty:
        return None
    gone = [c for c in _OPTIONAL_ACTION_COLUMNS if c not in actions_view(df).columns]
    if not gone:
        return None
    labels = {"Enjeu": "enjeu prioritaire", "Quartiers": "quartiers", "Financeurs": "financeurs",
              "Nouvelle": "action nouvelle", "CPO": "convention pluriannuelle (CPO)"}
    text = ", ".join(labels[c] for c in gone)
    return (f"{text[0].upper()}{text[1:]} : non renseignés pour toutes ces actions "
            "(colonnes masquées ; le détail d'une action les donne).")


def action_choice(row) -> str:
    """How an action is named in the detail's picker: « 2026 · Atelier vélo solidaire »."""
    return f"{fmt.fmt_year(row['year'])} · {row['title']}"


def action_detail(row, territory_label=str) -> list[tuple[str, str]]:
    """(label, text) of everything known about one action of `actions_table` (a row), the table's
    cells whole and what the table leaves out: description, quartiers by name, source."""
    names = [territory_label(t) for t in row["territories"]]
    return [
        ("Année", fmt.fmt_year(row["year"])),
        ("Action", str(row["title"])),
        ("Porteur", _filled(row["operator"])),
        ("Enjeu", _filled(row["theme"])),
        ("Quartiers", ", ".join(names) or NOT_FILLED),
        ("Montant", eur_column([row["amount_eur"]])[0]),
        ("Financeurs", ", ".join(funder_labels(row["funders"]))),
        ("Nouvelle action", _yes_no(row["is_new"])),
        ("Convention pluriannuelle (CPO)", _yes_no(row["is_multiyear_agreement"])),
        ("Description", _filled(row["description"])),
        ("Source", _filled(re.sub(r"^Sources? : ", "", source_or_none(row["source_line"]) or ""))),
    ]


# ── Housing (CIA) ────────────────────────────────────────────────────────────────────────────

def _int_or(v, missing: str = "—") -> str:
    return missing if v is None or pd.isna(v) else fmt.fmt_int(v)


def needed_text(row, reached: str = "objectif atteint", growing: str = " si le total augmente") -> str:
    """"89 (90 si le total augmente)" or "objectif atteint"; the CIA table's short cell passes
    its own words (_needed_cell)."""
    if row["reached"] is not None and not pd.isna(row["reached"]) and bool(row["reached"]):
        return reached
    a, b = row["needed_fixed_total"], row["needed_growing_total"]
    if a is None or pd.isna(a):
        return "non calculable"
    text = fmt.fmt_int(a)
    if b is not None and not pd.isna(b) and b != a:
        text += f" ({fmt.fmt_int(b)}{growing})"
    return text


def scheme_group_label(pillar: str, schemes: pd.DataFrame) -> str:
    """« Droits des femmes — 10 dispositifs, dont 1 sur crédits spécifiques »: the table above
    counts the common-law schemes only (9), so the specific ones are named, not left as a
    difference nobody explains."""
    from indicators.review import FUNDING_KIND_LABELS
    text = f"{pillar} — {fmt.fmt_count(len(schemes), 'dispositif')}"
    n_specific = int((schemes["Nature"] == FUNDING_KIND_LABELS["specifique"]).sum())
    return text + (f", dont {fmt.fmt_int(n_specific)} sur crédits spécifiques" if n_specific else "")


def tfpb_table(tfpb: pd.DataFrame) -> pd.DataFrame:
    """The landlords' TFPB lines (indicators.review.tfpb) as the page shows them: the quartier by
    its name with its code beside it, like the other tables (« QN09905N » alone named nothing); a
    line without a QPV covers every QPV of its landlord (review.ALL_QPVS, as in the review); a
    code no territory has stays as its own name. Figures stay values (review.display_frame)."""
    from indicators.review import ALL_QPVS
    codes = tfpb["territory_code"].astype(object)
    names = tfpb["territory_name"].astype(object)
    return pd.DataFrame({
        "Année": tfpb["year"],
        "Bailleur": tfpb["landlord"],
        "Action financée": tfpb["action"],
        "Quartier": [ALL_QPVS if pd.isna(c) else (c if pd.isna(n) else n) for c, n in zip(codes, names)],
        "Code": ["" if pd.isna(c) else c for c in codes],
        "Montant (€)": tfpb["amount_eur"],
        "Source": tfpb["source_ref"],
    })


def party_text(party_type: str, party_name: str) -> str:
    """« Bailleur : Lorne Habitat », « Réservataire : État »; the whole of the parties once:
    « Ensemble », never « Ensemble : Ensemble »."""
    from indicators.housing import PARTY_TYPE_LABELS, RESERVING_PARTY_LABELS
    kind = PARTY_TYPE_LABELS.get(party_type, party_type)
    name = RESERVING_PARTY_LABELS.get(party_name, party_name)
    return kind if fmt.fold(str(name)) == fmt.fold(str(kind)) else f"{kind} : {name}"


def cia_rate_text(rate_pct, rate_origin) -> str:
    """A CIA rate as shown: « 57,6 % » when we compute it, « 12,04 % » as a document prints it
    (indicators.housing.rate_decimals); « — » without a rate."""
    from indicators.housing import rate_decimals
    if rate_pct is None or pd.isna(rate_pct):
        return "—"
    return fmt.fmt_pct(rate_pct, rate_decimals(rate_pct, rate_origin))


# The CIA objectives as a table cell: the filter above the table and HOUSING_TABLE_NOTE say them
# whole (issue 11, D11: the whole labels pushed « Taux » past the page at 1440 px).
OBJECTIVE_SHORT = {
    "q1_hors_qpv": "1er quartile, hors QPV",
    "hors_q1_en_qpv": "Hors 1er quartile, en QPV",
    "menages_prioritaires": "Ménages prioritaires",
}

# A CIA table's « Source » cell on screen: the document's section and the start of the passage it
# quotes (Grand Chalon's cells quoted a whole paragraph: rows 20 lines tall, the table cut at
# 600 px). The downloads keep the whole reference (export_frame).
SOURCE_CELL_CHARS = 100


def source_ref_cell(ref) -> str:
    """A source reference as a table cell: at most SOURCE_CELL_CHARS characters, cut at a word
    (`sources.clipped`); a missing one is empty."""
    from indicators.sources import clipped
    return "" if ref is None or pd.isna(ref) else clipped(str(ref), SOURCE_CELL_CHARS)


# Said once under the CIA results table, so that its cells stay short; a sentence for each
# column the table shows only when one of its rows has a value.
_HOUSING_NOTE_BASE = (
    "« Visées » : attributions aux ménages que vise l'objectif ; « Total » : toutes les attributions "
    "(« déduit » : déduit du taux publié par le document). « Manquantes » : attributions qui auraient "
    "dû aller aux ménages visés pour atteindre l'objectif, le total restant le même (calcul exact) ; "
    "entre parenthèses, si chaque attribution supplémentaire s'ajoute au total.")
HOUSING_OPTIONAL_COLUMNS = {
    "Manquantes publiées": " Le chiffre publié par le document (« Manquantes publiées ») est montré "
                           "à côté, jamais remplacé.",
    "Source": " « Source » : la section du document ; le passage entier cité est dans les "
              "téléchargements (CSV, XLSX).",
}
HOUSING_TABLE_NOTE = _HOUSING_NOTE_BASE + "".join(HOUSING_OPTIONAL_COLUMNS.values())


def housing_table_note(table: pd.DataFrame) -> str:
    """HOUSING_TABLE_NOTE without the sentences on optional columns `table` does not show."""
    return _HOUSING_NOTE_BASE + "".join(sentence for column, sentence in HOUSING_OPTIONAL_COLUMNS.items()
                                        if column in table.columns)


def _needed_cell(row) -> str:
    """needed_text as a short cell: « 89 (90) », « — » when reached, the brackets said once in
    HOUSING_TABLE_NOTE."""
    return needed_text(row, reached="—", growing="")


def housing_table(results: pd.DataFrame) -> pd.DataFrame:
    """The CIA results as shown: short headers and cells, what they mean in HOUSING_TABLE_NOTE."""
    def total(row) -> str:
        if row["denominator"] is not None and not pd.isna(row["denominator"]):
            text = fmt.fmt_int(row["denominator"])
            return text + (" (déduit)" if row["denominator_origin"] == "deduced" else "")
        implied = row["implied_denominators"] or ()
        return " ou ".join(fmt.fmt_int(d) for d in implied[:3]) + " (déduit)" if implied else "—"
    table = pd.DataFrame({
        "Année": [fmt.fmt_year(y) for y in results["year"]],
        "Partie": [party_text(t, n) for t, n in zip(results["party_type"], results["party_name"])],
        "Objectif": [OBJECTIVE_SHORT.get(o, str(label))
                     for o, label in zip(results["objective"], results["objective_label"])],
        "Visées": [_int_or(v) for v in results["numerator"]],
        "Total": [total(r) for _, r in results.iterrows()],
        "Taux": [cia_rate_text(v, o) for v, o in zip(results["rate_pct"], results["rate_origin"])],
        "Cible": [fmt.fmt_target(v, "%") if v is not None and not pd.isna(v) else (_na(n) or "—")
                  for v, n in zip(results["target_pct"], results["target_note"])],
        "Atteint": [_yes_no(v) if v is not None else "—" for v in results["reached"]],
        "Manquantes": [_needed_cell(r) for _, r in results.iterrows()],
        "Manquantes publiées": [_int_or(v, "") for v in results["needed_published"]],
        "Origine": ["publié" if o == "published" else "calculé" for o in results["origin"]],
        "Source": [source_ref_cell(r) for r in results["source_ref"]],
    })
    # A column empty in every row shown says nothing (the demo has no published shortfall and
    # no section reference): it is left out, and so is its sentence in housing_table_note.
    empty = [c for c in HOUSING_OPTIONAL_COLUMNS if len(table) and (table[c] == "").all()]
    return table.drop(columns=empty)


# Charts side by side at most (the CIA rates: three in a row shrank their bar labels to 8 px).
CHARTS_PER_ROW = 2


def in_rows(items: list, per_row: int) -> list[list]:
    """`items` cut into rows of `per_row` (the last one may be shorter)."""
    return [items[k:k + per_row] for k in range(0, len(items), per_row)]


def filter_results(results: pd.DataFrame, year, party_type, objective) -> pd.DataFrame:
    mask = pd.Series(True, index=results.index)
    if year is not None:
        mask &= results["year"] == year
    if party_type is not None:
        mask &= results["party_type"] == party_type
    if objective is not None:
        mask &= results["objective"] == objective
    return results[mask].reset_index(drop=True)


def rates_by_objective(results: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """For each objective, the whole territory's rate per year (published results preferred)."""
    from indicators.housing import OBJECTIVES
    whole = results[(results["party_type"] == "ensemble") & results["rate_pct"].notna()]
    out = []
    # In the convention's order of objectives, whatever the order of the rows.
    order = {o: i for i, o in enumerate(OBJECTIVES)}
    for objective in sorted(whole["objective"].unique(), key=lambda o: (order.get(o, len(order)), o)):
        part = whole[whole["objective"] == objective]
        part = part.sort_values(["year", "origin"], ascending=[True, False])
        part = part.drop_duplicates("year", keep="first").sort_values("year")
        out.append((objective, part))
    return out


def housing_chart_source(part: pd.DataFrame, short: bool = False, computed_files=()) -> str:
    """The sources of a CIA chart's bars: the document of each published year (title, producer,
    date, section — never the section alone, « p. 12 »), and for computed years the template
    files the attributions came from (`computed_files`, as `housing_headlines` cites them:
    the chart of a computed objective read only « attributions saisies dans le modèle de
    programme » under its tile's « Modèle de saisie du programme — attributions 2025, … »).
    `short`: the line under the chart, each document as a reader cites it (short_line,
    sources.reader_credit), in about two lines."""
    published = part[part["origin"] == "published"]
    column = "short_line" if short else "source_line"
    lines = [r if isinstance(r, str) and r else ref for r, ref
             in zip(published[column], published["source_ref"])]
    sources = list(dict.fromkeys(line for line in lines if isinstance(line, str) and line))
    computed = part[part["origin"] == "computed"]
    if not computed.empty and computed_files:
        credit = cia_computed_source(computed_files, computed["year"])
        sources.append(short_source(credit) if short else credit)     # short: as the tile shows it
    elif not computed.empty or not sources:
        sources.append("attributions saisies dans le modèle de programme")
    return credits_line(sources) if short else " ; ".join(sources)


def years_text(years) -> str:
    """Years as a reader says them: « 2025 », « 2021 à 2025 » (one run), « 2021, 2023 et 2025 »."""
    single = isinstance(years, str) or not hasattr(years, "__iter__")
    ys = sorted({int(y) for y in ([years] if single else years)})
    if len(ys) > 2 and ys[-1] - ys[0] == len(ys) - 1:
        return f"{ys[0]} à {ys[-1]}"
    return " et ".join([", ".join(map(str, ys[:-1])), str(ys[-1])]) if len(ys) > 1 else str(ys[0])


def cia_computed_source(files, year) -> str:
    """The source of a CIA rate we compute: the template files the attributions came from
    (title, producer, date as the `sources` rows declare them), the year(s) and the computation."""
    from indicators.kpi import source_line
    section = f"attributions {years_text(year)}, taux calculé par le tableau de bord"
    lines = [source_line(f.get("title"), None, f.get("producer"), f.get("vintage")) for f in files
             if f.get("title")]
    lines = list(dict.fromkeys(line.removeprefix("Source : ") for line in lines if line))
    return (" ; ".join(lines) + " — " + section if lines
            else f"{section} d'après les attributions saisies dans le modèle de programme")


def housing_headlines(results: pd.DataFrame, computed_files=()) -> list[dict]:
    """A tile per objective for the whole territory: the latest year's rate against the target,
    with the attributions still needed (computed) and the document's own figure beside. Each
    tile carries its source: the document of a published rate, the attribution files
    (`computed_files`, reports.tables.sources_from_db rows) of one we compute."""
    tiles = []
    for objective, part in rates_by_objective(results):
        row = part.iloc[-1]
        lines = []
        if row["target_pct"] is not None and not pd.isna(row["target_pct"]):
            lines.append(f"Objectif : {fmt.fmt_target(row['target_pct'], '%')}"
                         f" ({'atteint' if row['reached'] else 'non atteint'})")
        lines.append(f"Attributions visées : {_int_or(row['numerator'])} sur "
                     f"{_int_or(row['denominator'])}"
                     + (" (total déduit du taux publié)" if row["denominator_origin"] == "deduced" else ""))
        if row["reached"] is not None and not pd.isna(row["reached"]) and not bool(row["reached"]):
            lines.append(f"Attributions manquantes (calcul) : {needed_text(row)}")
            if row["needed_published"] is not None and not pd.isna(row["needed_published"]):
                lines.append(f"Selon le document : {fmt.fmt_int(row['needed_published'])}")
        tiles.append({"label": f"{row['objective_label']} – {int(row['year'])}",
                      "value": cia_rate_text(row["rate_pct"], row.get("rate_origin")), "delta": None,
                      "delta_color": "off", "lines": lines,
                      # The document (title, producer, date — section) when known, never the
                      # section alone.
                      "source": str(_na(row.get("source_line")) or _na(row["source_ref"])
                                    or (cia_computed_source(computed_files, row["year"])
                                        if row["origin"] == "computed" else "")),
                      # The short line under it: document, section — producer, year (issue #11:
                      # the whole credit cut ran to four lines at 390 px and lost its section).
                      "short": _na(row.get("short_line")),
                      "help": None, "theme": "logement"})
    return tiles


def repeats_cia_headline(tile, results: pd.DataFrame) -> bool:
    """Whether a key figure (indicators.kpi.KpiTile) is a rate that a CIA tile of the housing page
    already shows (`housing_headlines`: the latest year of each objective for the whole
    territory): the same year and the same figure. Grand Chalon typed its 2021 CIA rate as a
    contract KPI too, and the page said « 12,04 % » twice, for « ménages » and « demandeurs »."""
    if tile.value is None or tile.year is None or tile.unit != "%" or results.empty:
        return False
    for _, part in rates_by_objective(results):
        row = part.iloc[-1]
        if int(row["year"]) == int(tile.year) and round(float(row["rate_pct"]), 2) == round(float(tile.value), 2):
            return True
    return False


def objectives_table(objectives: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Partie": [party_text(t, n) for t, n in zip(objectives["party_type"], objectives["party_name"])],
        "Objectif": objectives["objective_label"].astype(str),
        "Cible": [fmt.fmt_target(v, "%") if v is not None and not pd.isna(v) else "—"
                  for v in objectives["target_pct"]],
        "Note": objectives["note"].fillna("").astype(str),
        "Source": [source_ref_cell(r) for r in objectives["source_ref"]],
    })


# ── Export frames (typed values for CSV / XLSX, see ui/exports.py) ───────────────────────────
# Withheld values stay NULL with a status column (reports.tables writes « secret statistique »);
# units are in the column names; amounts and rates stay numbers.

STATUS_COLUMN = "Statut"


def label_with_unit(label: str, unit: str | None, year=None, aside: str = "") -> str:
    """« label (unit, year, aside) », the unit said once (unit_phrase): « … par UC, par mois (€,
    2019) »; column names of exports, chart axes."""
    unit = unit_phrase(label, unit)
    if unit and str(label).rstrip().endswith(")"):
        # Joined to the label's own bracket: « (seuil à 60 %, en %, 2021) », not « 60 %, %, ».
        unit = f"en {unit}"
    return qualified(label, ", ".join(p for p in (unit, fmt.fmt_year(year) if year else "", aside) if p))


def portrait_export(portrait) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """(frame, status_columns, units) of a portrait: one row per indicator × territory (the QPV
    first, then its comparators), with the year, origin and source of every value."""
    df = portrait.to_frame()
    level = {"qpv": "quartier", **LEVEL_TEXT_FR}
    out = pd.DataFrame({
        "Thème": df["theme"].astype(str),
        "Indicateur": df["indicator_label"].astype(str),
        "Unité": [unit_text(u) for u in df["unit"]],
        "Territoire": df["territory_name"].astype(str),
        "Niveau": [level.get(v, v) for v in df["territory_level"]],
        "Code": df["territory_code"].astype(str),
        "Année": [None if _na(y) is None else int(y) for y in df["year"]],
        "Valeur": [None if _na(v) is None else float(v) for v in df["value"]],
        STATUS_COLUMN: df["status"].astype(str),
        "Écart au quartier": [None if _na(g) is None else float(g) for g in df["gap"]],
        "Type d'écart": [{"points": "points de %", "ratio": "rapport (quartier / territoire)"}.get(k, "")
                         for k in df["gap_kind"]],
        "Origine": [fmt.ORIGIN_TEXT.get(o, o or "") for o in df["origin"]],
        "Source": [source_text(s, None, source_ref=r) for s, r in zip(df["source_label"], df["source_ref"])],
    })
    return out, {"Valeur": STATUS_COLUMN}, {}


def map_export(map_data) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """(frame, status_columns, units) of the map's values."""
    f = map_data.frame
    column = label_with_unit(map_data.label, map_data.unit)
    out = pd.DataFrame({
        "Quartier": f["qpv_name"].astype(str),
        "Code": f["qpv_code"].astype(str),
        "Commune(s)": f["commune_label"].astype(str),
        "Année": [None if _na(y) is None or not map_data.year_given else int(y) for y in f["year"]],
        column: [None if _na(v) is None else float(v) for v in f["value"]],
        STATUS_COLUMN: f["status"].astype(str),
    })
    return out, {column: STATUS_COLUMN}, {column: map_data.unit or ""}


def compare_export(df: pd.DataFrame, indicator_ids: list[str]) -> tuple[pd.DataFrame, dict, dict]:
    """(frame, status_columns, units) of the comparison table: one value column per indicator
    (label, unit and year in its name) and its status column."""
    from indicators.compare import STATUS_SUFFIX, YEAR_SUFFIX
    out = pd.DataFrame({
        "Quartier": df["qpv_name"].astype(str),
        "Code": df["qpv_code"].astype(str),
        "Commune(s)": df["commune_label"].astype(str),
        "Population": [None if _na(v) is None else int(v) for v in df["population"]],
    })
    statuses, units = {}, {}
    for ind in indicator_ids:
        m = meta(ind)
        years = df[ind + YEAR_SUFFIX].dropna()
        column = label_with_unit(m["label"], m["unit"], years.iloc[0] if not years.empty else None)
        out[column] = [None if _na(v) is None else float(v) for v in df[ind]]
        out[column + " – statut"] = df[ind + STATUS_SUFFIX].astype(str).tolist()
        statuses[column] = column + " – statut"
        units[column] = m["unit"] or ""
    return out, statuses, units


def kpi_export(tiles) -> tuple[pd.DataFrame, dict[str, str], dict[str, str]]:
    """(frame, status_columns, units) of the mandate's headline figures (one row per tile)."""
    from indicators.housing import shown_rate
    rows = [{
        "Thème": t.theme or "",
        "Indicateur": t.label,
        "Unité": _display_unit(t.unit) or "",
        "Période": t.period_label or "",
        "Précision": t.qualifier or "",
        "Valeur": t.value if t.status == "ok" else None,
        STATUS_COLUMN: t.status,
        "Objectif": t.target,
        # A ratio we compute, at the one decimal the page and the PDF print (« 201,9 % »).
        "Réalisation (%)": shown_rate(t.achievement_pct, "computed"),
        "Évolution sur un an": t.evolution,
        "Cumul": t.cumulative_value if t.cumulative_status in (None, "ok") else None,
        "Cumul – statut": t.cumulative_status or "ok",
        "Période du cumul": t.cumulative_period_label or "",
        "Objectif suivant": t.next_target,
        "Année de l'objectif suivant": t.next_target_year,
        "Chiffre publié": "oui" if t.is_published else "non",
        "Source": t.source_line or "",
    } for t in tiles]
    columns = ["Thème", "Indicateur", "Unité", "Période", "Précision", "Valeur", STATUS_COLUMN,
               "Objectif", "Réalisation (%)", "Évolution sur un an", "Cumul", "Cumul – statut",
               "Période du cumul", "Objectif suivant", "Année de l'objectif suivant",
               "Chiffre publié", "Source"]
    return (pd.DataFrame(rows, columns=columns), {"Valeur": STATUS_COLUMN, "Cumul": "Cumul – statut"},
            {"Réalisation (%)": "%"})


def renamed(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """The given columns of a raw frame, in that order, with French names (values untouched;
    list cells joined with ", ")."""
    out = df[list(columns)].rename(columns=columns).reset_index(drop=True)
    for c in out.columns:
        if out[c].map(lambda v: isinstance(v, (list, tuple, np.ndarray))).any():
            out[c] = out[c].map(lambda v: ", ".join(map(str, v))
                                if isinstance(v, (list, tuple, np.ndarray)) else v)
    return out


# French names of the raw financing and housing frames (units in the names).
EXPORT_COLUMNS = {
    "by_funder": {"funder_label": "Financeur", "amount_eur": "Montant (€)", "share_pct": "Part (%)"},
    "by_year_funder": {"year": "Année", "funder_label": "Financeur", "amount_eur": "Montant (€)",
                       "n_lines": "Lignes de financement"},
    "projects": {"year": "Année", "n_projects": "Projets", "n_new": "dont nouveaux",
                 "n_new_unknown": "Nouveauté non renseignée",
                 "share_new_pct": "Part de projets nouveaux (%)"},
    "cpo": {"year": "Année", "n_agreements": "Conventions État (P147)", "n_cpo": "dont CPO",
            "n_unknown": "CPO non renseignée", "share_pct": "Part de CPO (%)",
            "amount_p147_eur": "Crédits P147 (€)", "amount_p147_cpo_eur": "dont en CPO (€)",
            "target_pct": "Objectif (%)", "reached": "Atteint"},
    "pockets": {"year": "Année", "envelope_p147_eur": "Crédits P147 du contrat (€)",
                "poverty_pocket_eur": "dont poches de pauvreté (€)", "share_pct": "Part (%)",
                "cap_pct": "Plafond (%)", "within_cap": "Respecté"},
    "by_theme": {"theme": "Enjeu prioritaire", "n_actions": "Actions", "amount_eur": "Montant (€)",
                 "share_pct": "Part (%)"},
    "by_territory": {"territory_name": "Quartier", "territory_code": "Code", "n_actions": "Actions",
                     "amount_eur": "Montant partagé à parts égales (€)", "note": "Note"},
    "actions": {"year": "Année", "action_id": "Identifiant", "title": "Action",
                "operator": "Porteur", "theme": "Enjeu", "territory_names": "Quartiers",
                "territories": "Codes des quartiers", "amount_eur": "Montant (€)", "funders": "Financeurs", "is_new": "Nouvelle",
                "is_multiyear_agreement": "CPO", "is_poverty_pocket": "Poche de pauvreté",
                "description": "Description", "source_line": "Source"},
    "cia_results": {"year": "Année", "party_type": "Type de partie", "party_name": "Partie",
                    "objective_label": "Objectif", "numerator": "Attributions visées",
                    "denominator": "Total des attributions", "rate_pct": "Taux (%)",
                    "target_pct": "Cible (%)", "reached": "Atteint",
                    "needed_fixed_total": "Manquantes (calcul, total constant)",
                    "needed_growing_total": "Manquantes (calcul, total qui augmente)",
                    "needed_published": "Manquantes (document)", "origin": "Origine",
                    "source_ref": "Source"},
    "cia_objectives": {"party_type": "Type de partie", "party_name": "Partie",
                       "objective_label": "Objectif", "target_pct": "Cible (%)", "note": "Note",
                       "source_ref": "Source"},
}


def export_frame(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """A raw frame of indicators.financing / indicators.housing with French column names."""
    out = renamed(df, EXPORT_COLUMNS[name])
    if name == "actions":
        from indicators.financing import FUNDER_LABELS
        out["Financeurs"] = [", ".join(FUNDER_LABELS.get(f, f) for f in fs) for fs in df["funders"]]
    if name in ("cia_results", "cia_objectives"):
        from indicators.housing import PARTY_TYPE_LABELS, RESERVING_PARTY_LABELS
        out["Type de partie"] = [PARTY_TYPE_LABELS.get(t, t) for t in df["party_type"]]
        out["Partie"] = [RESERVING_PARTY_LABELS.get(n, n) for n in df["party_name"]]
    # Shares we compute, as the page shows them: one decimal (housing.COMPUTED_RATE_DECIMALS),
    # not the 2 an XLSX percent cell keeps nor the 6 of the CSV (« 14,46 % » beside « 14,5 % »).
    computed_shares = [c for c in ("share_pct", "share_new_pct") if c in EXPORT_COLUMNS[name]]
    if computed_shares:
        from indicators.housing import shown_rate
        for c in computed_shares:
            out[EXPORT_COLUMNS[name][c]] = [None if pd.isna(v) else shown_rate(v, "computed")
                                            for v in df[c]]
    if name == "cia_results":
        from indicators.housing import shown_rate
        out["Origine"] = ["publié" if o == "published" else "calculé" for o in df["origin"]]
        # The rate as the page shows it: one decimal when computed, as published otherwise.
        out["Taux (%)"] = [shown_rate(v, o) for v, o in zip(df["rate_pct"], df["rate_origin"])]
    return out


def portrait_table(portrait) -> pd.DataFrame:
    """The portrait's figures as a display table (one row per indicator × territory)."""
    df = portrait.to_frame()
    level = {"qpv": "quartier", **LEVEL_TEXT_FR}
    # An indicator's rows (the quartier and its comparators) at one precision.
    # (grouped in one pass: a boolean mask per indicator cost more than the rest of the table)
    shown: dict[str, list] = {}
    for i, v, status in zip(df["indicator_id"], df["value"], df["status"]):
        shown.setdefault(i, []).append(v if status == "ok" else None)
    decimals = {i: fmt.shared_decimals(shown[i], u)
                for i, u in dict(zip(df["indicator_id"], df["unit"])).items()}
    return pd.DataFrame({
        "Thème": df["theme"].astype(str),
        "Indicateur": df["indicator_label"].astype(str),
        "Territoire": df["territory_name"].astype(str),
        "Niveau": [level.get(v, v) for v in df["territory_level"]],
        "Année": [fmt.fmt_year(y) if given else YEAR_NOT_GIVEN
                  for y, given in zip(df["year"], df["year_given"])],
        "Valeur": [value_text(_na(v), u, s, decimals=decimals[i]) for v, u, s, i
                   in zip(df["value"], df["unit"], df["status"], df["indicator_id"])],
        "Source": [source_text(s, None, source_ref=r) for s, r in zip(df["source_label"], df["source_ref"])],
    })


@functools.lru_cache(maxsize=64)
def portrait_tables(portrait) -> tuple[pd.DataFrame, tuple[pd.DataFrame, dict, dict], tuple[str, ...]]:
    """(portrait_table, portrait_export, the indicator id of each row) of a portrait, worked out
    once per content (issue #15: about 10 ms a rerun; a Portrait is frozen, hashed and compared
    by value). Shared by every session and rerun: read them only."""
    return portrait_table(portrait), portrait_export(portrait), tuple(portrait.to_frame()["indicator_id"])


# ── Poverty pockets (indicators/pockets.py) ─────────────────────────────────────────────────
POCKETS_LIST_NOTE = ("« Niveau de vie » : moyen, par personne. « Distance » : en mètres, du bord de la poche au quartier prioritaire le plus proche "
                     "(« 0 (touche) » : la poche le touche ; « — » : aucun contour de QPV chargé). Le code "
                     "du QPV est dans la fiche de chaque poche, ci-dessous.")


def schemes_source(schemes: pd.DataFrame, credit: str | None = None) -> str:
    """The source line of the common-law tables (Droit commun: by pillar and signatory, and the
    schemes no signatory declared, which had none: issue 11, s14-RM), naming the documents the
    schemes were typed from: `credit` (indicators.review.schemes_credit: title, producer, date and
    sections; its short line for the line shown), else their « Source » column, once each (a
    section alone read « d'après Annexe 3 – … » without the document it is a section of)."""
    refs = ([r for r in dict.fromkeys(schemes["Source"].dropna()) if str(r).strip()]
            if "Source" in schemes.columns else [])
    after = credit or (" ; ".join(refs) if refs else "")
    return ("dispositifs et chiffres déclarés par les signataires, saisis par l'équipe du contrat "
            "(modèle de programme)" + (f", d'après {after}" if after else ""))


def credits_source(funding_documents, schemes: pd.DataFrame | None, short: bool = False,
                   credit: tuple[str | None, str | None] = (None, None)) -> str:
    """The source line of « Crédits spécifiques et droit commun » (Droit commun page): the
    programme 147 credits as `funding_source` names their documents, the common-law amounts as
    `schemes_source` does with `credit` (indicators.review.schemes_credit: (whole, short), the
    documents the schemes were typed from, as the schemes' own tables cite them). The line named
    no document (issue #11, final review RV) while the programmes page cited « Bilan annuel … »
    for the same credits. `short`: the line under the table, both parts in a few words (the whole
    line cut after « droit commun… »)."""
    schemes = schemes if schemes is not None else pd.DataFrame()
    whole, short_credit = credit
    if short:
        refs = ([r for r in dict.fromkeys(schemes["Source"].dropna()) if str(r).strip()]
                if "Source" in schemes.columns else [])
        common = (f"d'après {short_credit}" if short_credit else
                  f"déclaré d'après {' ; '.join(refs)}" if refs else "déclaré par les signataires")
        return f"programme 147 : {funding_source(funding_documents, short=True)} ; droit commun : {common}"
    return (f"programme 147 : {funding_source(funding_documents)} ; droit commun : "
            f"{schemes_source(schemes, whole)}")


def pockets_source(sources: list[str]) -> tuple[str | None, str | None]:
    """(the whole source line, its short line) of the pockets' map and tables, from
    indicators.pockets.grid_sources (the grid, the medians of the threshold, the QPV outlines):
    the tables gave no source at all (issue 11, s14-RM); the short line names the grid."""
    found = [s.strip() for s in sources if s and s.strip()]
    if not found:
        return None, None
    return " ; ".join(found), found[0]


def pockets_list(pockets: pd.DataFrame) -> pd.DataFrame:
    """One row per detected pocket, French headers and formats."""
    from indicators import pockets as pk
    return pd.DataFrame({
        "Poche": [pk.pocket_name(v) for v in pockets["pocket_id"]],     # never the generated id (D8)
        "Commune(s)": pockets["commune_names"],
        "Habitants": [pk.fmt_figure(v, "count") for v in pockets["population"]],
        "Ménages": [pk.fmt_figure(v, "count") for v in pockets["households"]],
        "Ménages pauvres": [pk.fmt_figure(v, "pct") for v in pockets["poor_households_pct"]],
        "Niveau de vie": [pk.fmt_figure(v, "eur") for v in pockets["mean_standard_of_living_eur"]],
        # Cells kept short, the unit said once in the header, what the distance is measured to
        # by the column before and POCKETS_LIST_NOTE (issue 11, D7: the table ran past 1440 px).
        "QPV le plus proche": [(n or c) if c else "—" for n, c in
                               zip(pockets["nearest_qpv_name"], pockets["nearest_qpv_code"])],
        "Distance (m)": [pk.distance_cell(d) for d in pockets["distance_to_qpv_m"]],
        "Carreaux": pockets["n_squares"].astype(int),
    })


def pocket_comparison_table(table: pd.DataFrame, commune_names: str) -> pd.DataFrame:
    """indicators.pockets.comparison as shown: the pocket beside the QPVs and its commune(s)."""
    from indicators import pockets as pk
    return pd.DataFrame({
        "Indicateur": table["label"],
        "Poche": [pk.fmt_figure(v, k) for v, k in zip(table["pocket"], table["kind"])],
        "QPV du territoire": [pk.fmt_figure(v, k) for v, k in zip(table["qpvs"], table["kind"])],
        f"Commune(s) : {commune_names}": [pk.fmt_figure(v, k) for v, k in
                                          zip(table["communes"], table["kind"])],
    })


def pockets_names(pocket_ids: list[str]) -> list[str]:
    """« Poche 1 », « Poche 2 »: the pockets as named on screen, never their generated ids."""
    from indicators import pockets as pk
    return [pk.pocket_name(p) for p in pocket_ids]


def pockets_link_markdown(contract_slug: str, pocket_ids: list[str],
                          not_searched: str | None = None) -> str:
    """A Markdown link to the pockets page of a contract, saying what the grid shows;
    `not_searched`: why no search could run (no grid for the territory: never « aucune repérée »)."""
    import urllib.parse
    if not pocket_ids and not_searched:
        reason = not_searched.strip().rstrip(".")
        label = f"Poches de pauvreté hors QPV : pas de recherche possible ({reason[:1].lower()}{reason[1:]})"
    elif not pocket_ids:
        label = "Poches de pauvreté hors QPV : aucune repérée sur le carroyage (voir la méthode)"
    else:
        n = len(pocket_ids)
        label = (f"{n} poche{'s' if n > 1 else ''} de pauvreté repérée{'s' if n > 1 else ''} sur le "
                 f"carroyage ({', '.join(pockets_names(pocket_ids))}) : chiffres et fiches de justification")
    label = label.replace("[", "(").replace("]", ")")
    return f"[{label}](/poches?territoire={urllib.parse.quote(contract_slug)})"


def commune_only_table(df: pd.DataFrame) -> pd.DataFrame:
    """indicators.pillars.commune_only_figures as shown beside a QPV: the commune's figure, with
    « secret statistique » (never 0) when the producer withheld it. The communes' figures of one
    indicator, read one under the other, share one precision (« 3,0 » beside « 2,6 »)."""
    decimals = {i: fmt.shared_decimals([v for v, s in zip(g["value"], g["status"]) if s == "ok"],
                                       g["unit"].iloc[0])
                for i, g in df.groupby("indicator_id", sort=False)} if len(df) else {}
    return pd.DataFrame({
        "Indicateur": df["indicator_label"], "Commune": df["commune_name"].fillna(df["commune_code"]),
        "Année": df["year"].astype(int),
        "Valeur de la commune": [fmt.fmt_value(None if pd.isna(v) else v, u, s, decimals=decimals[i])
                                 for v, u, s, i in zip(df["value"], df["unit"], df["status"],
                                                       df["indicator_id"])],
        "Source": [printed(None if _na(s) is None else str(s)) for s in df["source_label"]]})
