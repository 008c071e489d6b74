"""The annual review of a contrat de ville (circular of 31 August 2023): what each signatory can
mobilise under the common law (« droit commun »), what it reported mobilising year by year, the
TFPB abatement of the landlords, the specific credits (programme 147) beside the common law, and
the steering committee.

Pure functions over the database (template tables `signatories`, `common_law_schemes`,
`common_law_figures`, `tfpb_abatements`, `steering_committee`; see etl/template.py). A figure no
signatory reported is never 0: it is listed as missing. Amounts are in euros (`*_eur`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.fmt import fmt_count
from indicators.text import qualified

SIGNATORY_TYPE_LABELS = {
    "etat": "Service de l'État", "commune": "Commune", "epci": "Intercommunalité",
    "departement": "Département", "region": "Région", "caf": "Caisse d'allocations familiales",
    "france_travail": "France Travail", "bailleur": "Bailleur social", "ars": "Agence régionale de santé",
    "education_nationale": "Éducation nationale", "justice": "Justice (procureur)",
    "banque_des_territoires": "Banque des Territoires", "autre": "Autre partenaire",
}
# The signatories the circular makes mandatory (DOMAIN.md §9), by type.
MANDATORY_TYPES = ("etat", "commune", "epci", "departement", "region", "caf", "france_travail",
                   "bailleur", "ars", "education_nationale", "justice")
MEASURE_LABELS = {"montant": "Montant", "personnes": "Personnes", "places": "Places", "heures": "Heures"}
FUNDING_KIND_LABELS = {"droit_commun": "Droit commun", "specifique": "Crédits spécifiques politique de la ville"}
SCOPE_LABELS = {"qpv": "propre aux QPV", "territoire": "tout le territoire"}
ROLE_LABELS = {True: "signataire", False: "non signataire"}


# The name of who carries a scheme and whether it signs; `_carriers` marks an actor that does not
# sign the contract as such, in the name's own bracket (« X (fictive, non signataire) »).
_CARRIER = "g.name as signatory, coalesce(g.is_signatory, true) as carrier_signs"


def _carriers(df: pd.DataFrame) -> pd.DataFrame:
    """The `signatory` column with « non signataire » for an actor that does not sign (one bracket
    with the name's own qualifier: indicators.text.qualified); `carrier_signs` dropped."""
    df["signatory"] = [None if name is None or (isinstance(name, float) and pd.isna(name))
                       else qualified(name, None if bool(signs) else ROLE_LABELS[False])
                       for name, signs in zip(df["signatory"], df["carrier_signs"])]
    return df.drop(columns="carrier_signs")


def _df(con, sql: str, params: list) -> pd.DataFrame:
    return con.execute(sql, params).df()


def signatories(con, contract_slug: str) -> pd.DataFrame:
    """One row per signatory, then the other actors the document names (`is_signatory` false):
    id, name, type (code and label), role (« signataire » / « non signataire »), commitment, source."""
    df = _df(con, """
        select g.signatory_id, g.name, g.signatory_type, g.is_signatory, g.commitment, g.document_id,
               g.source_ref, d.title as document_title, d.producer as document_producer,
               d.published_on as document_date
        from review_signatories g
        left join documents d on d.contract_slug = g.contract_slug and d.document_id = g.document_id
        where g.contract_slug = ?
        order by not g.is_signatory, g.signatory_type, g.name""", [contract_slug])
    df.insert(3, "type_label", [SIGNATORY_TYPE_LABELS.get(t, t) for t in df["signatory_type"]])
    df.insert(5, "role", [ROLE_LABELS[bool(v)] for v in df["is_signatory"]])
    return df


def missing_signatory_types(con, contract_slug: str) -> list[str]:
    """The mandatory signatory types (French labels) no signatory of `signatories` gives (an actor
    that does not sign the contract does not fill the place)."""
    have = {r[0] for r in con.execute("select distinct signatory_type from review_signatories "
                                      "where contract_slug = ? and is_signatory", [contract_slug]).fetchall()}
    return [SIGNATORY_TYPE_LABELS[t] for t in MANDATORY_TYPES if t not in have]


def schemes(con, contract_slug: str) -> pd.DataFrame:
    """Schemes mobilisable, by pillar and signatory, in the order typed (scheme ids)."""
    return _carriers(_df(con, f"""
        select s.pillar, {_CARRIER}, s.signatory_id, coalesce(g.is_signatory, true) as is_signatory,
               s.objective, s.scheme, s.scheme_id, s.funding_kind, s.document_id, s.source_ref
        from review_schemes s
        left join review_signatories g on g.contract_slug = s.contract_slug and g.signatory_id = s.signatory_id
        where s.contract_slug = ?
        order by s.pillar, g.name, s.scheme_id""", [contract_slug]))


def figures(con, contract_slug: str) -> pd.DataFrame:
    """Every reported figure with its scheme, pillar and signatory."""
    return _carriers(_df(con, f"""
        select f.year, s.pillar, {_CARRIER}, s.scheme, f.scheme_id, s.funding_kind,
               f.measure, f.value, f.unit, f.scope, f.territory_code, f.document_id, f.source_ref
        from review_figures f
        join review_schemes s on s.contract_slug = f.contract_slug and s.scheme_id = f.scheme_id
        left join review_signatories g on g.contract_slug = s.contract_slug and g.signatory_id = s.signatory_id
        where f.contract_slug = ?
        order by f.year, s.pillar, g.name, f.scheme_id, f.measure, f.scope, f.territory_code""",
               [contract_slug]))


def default_review_year(con, contract_slug: str, current_year: int) -> int | None:
    """The year a review is read for by default (the page, the mandate report): the newest year a
    signatory reported something for (a common-law figure or a TFPB line), else the newest year
    with anything declared for the review (declared_years: programme funding, CIA results, people
    reached), else the newest year of the contract's period up to `current_year`."""
    rows = con.execute("""
        select max(year) from (select year from review_figures where contract_slug = ?
                               union all select year from review_tfpb where contract_slug = ?)""",
                       [contract_slug, contract_slug]).fetchall()
    if rows[0][0] is not None:
        return int(rows[0][0])
    years = review_years(con, contract_slug) or year_choices(con, contract_slug, current_year)
    return years[0] if years else None


# What the yearly review reads per year, in the order the page names them (the tables a year's
# figures come from: a year is « declared » when one of them has a row for it).
DECLARED_KINDS = (
    ("review_figures", "droit commun"),
    ("review_tfpb", "abattement de TFPB"),
    ("programme_funding", "financements du programme"),
    ("housing_attributions", "attributions de la CIA"),
    ("housing_published_results", "résultats publiés de la CIA"),
    ("programme_beneficiaries", "personnes touchées"),
)


def declared_years(con, contract_slug: str) -> dict[int, list[str]]:
    """{year: what is declared for it}, newest year first: the years the yearly review has
    figures for (common law, TFPB, programme funding, CIA attributions or published results,
    people reached), each with the French names of those kinds in DECLARED_KINDS' order."""
    union = " union all ".join(f"select distinct year, {n} as kind from {table} where contract_slug = ?"
                               for n, (table, _label) in enumerate(DECLARED_KINDS))
    rows = con.execute(f"select year, list(distinct kind order by kind) from ({union}) "
                       "where year is not null group by year order by year desc",
                       [contract_slug] * len(DECLARED_KINDS)).fetchall()
    return {int(y): [DECLARED_KINDS[k][1] for k in kinds] for y, kinds in rows}


def review_years(con, contract_slug: str) -> list[int]:
    """Years with something declared for the review (declared_years), newest first."""
    return list(declared_years(con, contract_slug))


def years_text(years) -> str:
    """« 2020 à 2026 », « 2020, 2021 et 2024 »: runs of three or more consecutive years joined."""
    ys = sorted(set(years))
    runs: list[list[int]] = []
    for y in ys:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    parts = [p for r in runs for p in ([f"{r[0]} à {r[-1]}"] if len(r) > 2 else map(str, r))]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " et " + parts[-1]


def declared_years_text(declared: dict[int, list[str]]) -> str:
    """Which years have figures, kind by kind, said beside the year picker (French):
    « Chiffres déclarés : droit commun 2024 et 2025 ; financements du programme 2020 à 2026. »"""
    if not declared:
        return ("Aucune année n'a de chiffre déclaré (droit commun, abattement de TFPB, financements "
                "du programme, CIA, personnes touchées).")
    by_kind = {label: [y for y, kinds in declared.items() if label in kinds]
               for _table, label in DECLARED_KINDS}
    return ("Chiffres déclarés : " + " ; ".join(f"{label} {years_text(ys)}"
                                                for label, ys in by_kind.items() if ys) + ".")


def mobilisation(con, contract_slug: str, year: int) -> pd.DataFrame:
    """Per pillar × signatory: schemes mobilisable, schemes with a figure for `year`, the common-law
    amount reported (all, and the QPV-specific part) and the QPV share of the amounts where both
    are known. Amounts are None (not 0) when nothing was reported."""
    return _carriers(_df(con, f"""
        with f as (
            select * from review_figures where contract_slug = ? and year = ?
        ), per_scheme as (
            select s.pillar, s.signatory_id, s.scheme_id,
                   count(f.scheme_id) > 0 as reported,
                   sum(f.value) filter (where f.measure = 'montant') as amount_eur,
                   sum(f.value) filter (where f.measure = 'montant' and f.scope = 'qpv') as qpv_amount_eur,
                   sum(f.value) filter (where f.measure = 'montant' and f.scope = 'territoire') as territory_amount_eur
            from review_schemes s left join f on f.scheme_id = s.scheme_id
            where s.contract_slug = ? and s.funding_kind = 'droit_commun'
            group by all
        )
        select p.pillar, {_CARRIER}, count(*) as n_schemes,
               count(*) filter (where p.reported) as n_reported,
               sum(p.amount_eur) as amount_eur, sum(p.qpv_amount_eur) as qpv_amount_eur,
               round(100 * sum(p.qpv_amount_eur) / nullif(sum(p.amount_eur), 0), 1) as qpv_share_pct
        from per_scheme p
        left join review_signatories g on g.contract_slug = ? and g.signatory_id = p.signatory_id
        group by p.pillar, g.name, g.is_signatory order by p.pillar, g.name""",
               [contract_slug, year, contract_slug, contract_slug]))


def schemes_not_expected(con, contract_slug: str, year: int) -> tuple[str, str] | None:
    """Why no scheme figure is expected for `year`, or None: the schemes typed are those of a
    contract that starts after `year` and nobody reported a figure for it. Grand Chalon's review
    defaults to 2021 (its CIA's newest results) and listed « 294 dispositifs sans aucun chiffre
    déclaré pour 2021 », the schemes of its 2024–2030 contract. Two sentences: the common-law
    section's, then the list of undeclared schemes' own words (that list follows the common-law
    section, which said it whole: said once)."""
    rows = con.execute("""
        select c.start_year, c.end_year,
               (select count(*) from review_figures f where f.contract_slug = c.contract_slug and f.year = ?),
               (select count(*) from review_schemes s where s.contract_slug = c.contract_slug)
        from contracts c where c.contract_slug = ?""", [year, contract_slug]).fetchall()
    if not rows:
        return None
    start, end, figures, schemes = rows[0]
    if start is None or year >= start or figures or not schemes:
        return None
    period = f"{start}–{end}" if end is not None and end != start else str(start)
    return (f"Les dispositifs saisis sont ceux du contrat {period} : {year} le précède, aucun "
            "chiffre n'y est attendu.",
            f"Aucun dispositif n'est attendu pour {year}, avant le contrat {period}.")


def missing_reports(con, contract_slug: str, year: int) -> pd.DataFrame:
    """The schemes (common law and specific) for which no signatory reported any figure in `year`."""
    return _carriers(_df(con, f"""
        select s.pillar, {_CARRIER}, s.scheme, s.scheme_id
        from review_schemes s
        left join review_signatories g on g.contract_slug = s.contract_slug and g.signatory_id = s.signatory_id
        where s.contract_slug = ?
          and not exists (select 1 from review_figures f where f.contract_slug = s.contract_slug
                          and f.scheme_id = s.scheme_id and f.year = ?)
        order by s.pillar, g.name, s.scheme_id""", [contract_slug, year]))


def specific_vs_common(con, contract_slug: str) -> pd.DataFrame:
    """Per year: programme 147 credits (template funding, funder etat_p147), the common-law amounts
    reported (all, QPV-specific) and the ratio common law / P147. A side nobody reported is None."""
    df = _df(con, """
        with p147 as (
            select year, sum(amount_eur) as p147_eur from programme_funding
            where contract_slug = ? and funder = 'etat_p147' group by year
        ), dc as (
            select f.year, sum(f.value) as common_law_eur,
                   sum(f.value) filter (where f.scope = 'qpv') as common_law_qpv_eur
            from review_figures f join review_schemes s
                 on s.contract_slug = f.contract_slug and s.scheme_id = f.scheme_id
            where f.contract_slug = ? and f.measure = 'montant' and s.funding_kind = 'droit_commun'
            group by f.year
        )
        select coalesce(p147.year, dc.year) as year, p147.p147_eur, dc.common_law_eur,
               dc.common_law_qpv_eur,
               round(dc.common_law_eur / nullif(p147.p147_eur, 0), 2) as common_law_per_p147_eur
        from p147 full join dc on dc.year = p147.year order by 1""", [contract_slug, contract_slug])
    df["year"] = df["year"].astype("int64")
    return df


def tfpb(con, contract_slug: str) -> pd.DataFrame:
    """The landlords' TFPB abatement lines, by year and landlord, with the quartier's name
    (`territory_name`, NULL without a QPV or for a code no territory has) and the title, producer
    and date of the document each line cites (`documents_credit`: the table's source line)."""
    return _df(con, """
        select t.year, g.name as landlord, t.action, t.territory_code, q.territory_name, t.amount_eur,
               t.document_id, t.source_ref, d.title as document_title, d.producer as document_producer,
               d.published_on as document_date
        from review_tfpb t
        left join review_signatories g on g.contract_slug = t.contract_slug and g.signatory_id = t.signatory_id
        left join territories q on q.territory_code = t.territory_code and q.territory_level = 'qpv'
        left join documents d on d.contract_slug = t.contract_slug and d.document_id = t.document_id
        where t.contract_slug = ? order by t.year, g.name, t.action, t.territory_code""", [contract_slug])


def committee(con, contract_slug: str) -> pd.DataFrame:
    """The steering committee in the document's order, with the title, producer and date of the
    document each member row cites (NULL when the row cites none)."""
    return _df(con, """
        select m.college, m.organisation, m.member, m.document_id, m.source_ref,
               d.title as document_title, d.producer as document_producer,
               d.published_on as document_date
        from review_committee m
        left join documents d on d.contract_slug = m.contract_slug and d.document_id = m.document_id
        where m.contract_slug = ? order by m.position, m.college, m.organisation, m.member""",
               [contract_slug])


def _shared_section(refs: list[str]) -> str:
    """The sections of one document as one: their common head when they differ only after it
    (« Annexe 6 (p. 60 s.), rubrique « Pilotes » » and « …, rubrique « Élus » » → « Annexe 6
    (p. 60 s.) »: the page names each rubrique as a heading), else every section, « ; »-joined."""
    import os
    if len(refs) < 2:
        return "".join(refs)
    head = os.path.commonprefix(refs)
    cut = head.rfind(", ")
    return head[:cut] if cut > 0 else " ; ".join(refs)


def documents_credit(com: pd.DataFrame, *, sections: bool = True) -> str | None:
    """Who to credit for rows citing documents (`document_id`, `source_ref`, `document_title`,
    `document_producer`, `document_date`: the committee's members, the signatories, the CIA's
    objectives): per document, « title (producer, date) — section » (indicators.kpi.source_line,
    the parts the template declares; nothing invented); rows citing no document give their
    section alone. `sections=False`: a document without its sections, for a table whose rows
    give theirs (its « Source » column). None when nothing is cited."""
    from indicators.kpi import source_line
    parts = []
    keys = com["document_id"].where(com["document_id"].notna(), None)
    for doc in dict.fromkeys(keys):
        rows = com[keys.isna()] if doc is None else com[keys == doc]
        refs = [r for r in dict.fromkeys(rows["source_ref"].dropna()) if str(r).strip()]
        section = _shared_section(refs) or None
        first = rows.iloc[0]
        title = None if doc is None or pd.isna(first["document_title"]) else first["document_title"]
        producer, date = (None if pd.isna(first[c]) else first[c] for c in ("document_producer", "document_date"))
        line = source_line(title, section if sections else None, producer, date) if title else section
        if line:
            parts.append(line.removeprefix("Source : "))
    return " ; ".join(parts) or None


def schemes_credit(con, contract_slug: str) -> tuple[str | None, str | None]:
    """(whole, short) credit of the documents the contract's common-law schemes were typed from
    (`documents_credit` with their sections, `documents_short_credit`)."""
    rows = _df(con, """
        select s.document_id, s.source_ref, d.title as document_title, d.producer as document_producer,
               d.published_on as document_date
        from review_schemes s
        left join documents d on d.contract_slug = s.contract_slug and d.document_id = s.document_id
        where s.contract_slug = ? order by s.pillar, s.scheme_id""", [contract_slug])
    return documents_credit(rows), documents_short_credit(rows)


def documents_short_credit(rows: pd.DataFrame, *, sections: bool = False) -> str | None:
    """The short line of `documents_credit`: each document as a reader cites it (document —
    producer, year: sources.reader_credit), in about two lines (sources.credits_line); without
    its sections under a table whose rows give theirs (its « Source » column), with the section
    they share otherwise (the committee: « …, Annexe 6 — Le Grand Chalon et al. »). None when a
    row cites no known document (the whole credit is then the line)."""
    from indicators.sources import credits_line, reader_credit
    if rows.empty or rows["document_title"].isna().any():
        return None
    credits = []
    for doc in dict.fromkeys(rows["document_id"]):
        part = rows[rows["document_id"] == doc]
        first = part.iloc[0]
        producer, date = (None if pd.isna(first[c]) else first[c] for c in ("document_producer", "document_date"))
        refs = [r for r in dict.fromkeys(part["source_ref"].dropna()) if str(r).strip()]
        section = (_shared_section(refs) or None) if sections else None
        credits.append(reader_credit(first["document_title"], section, producer, date))
    return credits_line(credits)


def has_review(con, contract_slug: str) -> bool:
    return bool(con.execute("""
        select exists (select 1 from review_signatories where contract_slug = ?)
            or exists (select 1 from review_committee where contract_slug = ?)""",
                            [contract_slug, contract_slug]).fetchall()[0][0])


# ── The yearly review report (reports: python -m reports review, the page's button) ─────────
# Indicators whose gap to the commune and EPCI the report follows, when the contract has them.
REPORT_GAP_INDICATORS = ("poverty_rate_pct", "median_income_eur_year", "employment_rate_15_64_pct",
                         "caf_low_income_pct", "single_parent_families_pct")
NOT_REPORTED = "non renseigné"
NOT_APPLICABLE = "—"      # a cell that does not apply (a contribution has nothing to reach)
ALL_QPVS = "tous ses QPV"


def party_label(party_type: str, party_name: str) -> str:
    """A CIA party as a reader reads it: « Action Logement », not « action_logement »."""
    from indicators import housing
    if party_type in ("reservataire", "ensemble"):
        return housing.RESERVING_PARTY_LABELS.get(party_name, party_name)
    return party_name


@dataclass(frozen=True)
class ReviewSection:
    key: str
    title: str
    table: pd.DataFrame          # French column names; numbers stay numbers, None when absent
    note: str | None = None      # French sentence under the title (what is missing, how it is read)
    # The indicator values the table shows, (territory_code, indicator_id, year): what its source
    # line credits and its report's sources list lists (issue 11; indicators.sources.value_credits).
    value_keys: tuple[tuple[str, str, int], ...] = ()


def _programme_section(con, contract_slug: str, year: int) -> ReviewSection:
    from indicators import financing
    actions = financing.actions_table(con, contract_slug, year=year)
    table = pd.DataFrame({
        "Action": actions["title"], "Porteur": actions["operator"], "Enjeu": actions["theme"],
        "Montant (€)": actions["amount_eur"],
        "CPO": actions["is_multiyear_agreement"].map(lambda v: None if v is None or pd.isna(v) else bool(v)),
    })
    note = (f"{fmt_count(len(actions), 'action programmée', 'actions programmées')} en {year}." if len(actions)
            else f"Aucune action programmée n'est saisie pour {year}.")
    return ReviewSection("programme", f"Programmation {year}", table, note)


def _credits_section(con, contract_slug: str, year: int) -> ReviewSection:
    df = specific_vs_common(con, contract_slug)
    df = df[df["year"] == year]
    table = pd.DataFrame({
        "Année": df["year"], "Crédits spécifiques (programme 147, €)": df["p147_eur"],
        "Droit commun déclaré (€)": df["common_law_eur"],
        "dont propre aux QPV (€)": df["common_law_qpv_eur"],
        "Droit commun pour 1 € de programme 147": df["common_law_per_p147_eur"]})
    if df.empty or df["common_law_eur"].isna().all():
        note = (f"Aucun montant de droit commun n'est déclaré pour {year} : le rapport entre droit "
                "commun et crédits spécifiques ne peut pas être calculé.")
    else:
        note = "Montants de droit commun tels que déclarés par les signataires."
    return ReviewSection("credits", "Crédits spécifiques et droit commun", table, note)


def _common_law_section(con, contract_slug: str, year: int,
                        missing_list_at: str = "ci-après") -> ReviewSection:
    df = mobilisation(con, contract_slug, year)
    table = pd.DataFrame({
        "Pilier": df["pillar"], "Signataire": df["signatory"],
        "Dispositifs mobilisables": df["n_schemes"], "Dispositifs déclarés": df["n_reported"],
        "Montant déclaré (€)": df["amount_eur"], "dont propre aux QPV (€)": df["qpv_amount_eur"],
        "Part propre aux QPV (%)": df["qpv_share_pct"]})
    missing = missing_reports(con, contract_slug, year)
    types = missing_signatory_types(con, contract_slug)
    if not_expected := schemes_not_expected(con, contract_slug, year):
        table, parts = table.iloc[0:0], [not_expected[0]]
    elif df.empty and missing.empty:
        parts = ["Aucun dispositif de droit commun n'est saisi pour ce territoire."]
    elif len(missing):
        parts = [f"{fmt_count(len(missing), 'dispositif')} sans aucun chiffre déclaré pour {year} (liste {missing_list_at})."]
    else:
        parts = [f"Chaque dispositif a au moins un chiffre déclaré pour {year}."]
    if types:
        parts.append("Signataires obligatoires absents : " + ", ".join(types) + ".")
    return ReviewSection("droit_commun", "Droit commun par pilier et par signataire", table, " ".join(parts))


# What tells apart two schemes of one signatory typed with the same name under one pillar (one
# row per objective of the contract: Grand Chalon's « Pacte local des solidarités » three times),
# in this order: the first field whose values differ among them is printed after the name.
SCHEME_DETAILS = (("objective", "objectif : {}"), ("funding_kind", "{}"), ("source_ref", "{}"))
# The funding kinds as a detail after a scheme's name, in lower case (FUNDING_KIND_LABELS: a column).
FUNDING_KIND_DETAILS = {"droit_commun": "droit commun", "specifique": "crédits spécifiques"}


def told_apart_details(df: pd.DataFrame, group: Sequence[str], name: str,
                       details: Sequence[tuple[str, str]] = SCHEME_DETAILS) -> list[tuple[str, str] | None]:
    """What tells apart each row of `df` from the rows of its `group` typed with the same `name`
    (`told_apart`): (the column of `details` it is read from, its text as printed: « objectif :
    Prévenir la production de la pauvreté »), None for a row alone with its name, or alike the
    others in every detail, or without a value in the column that tells them apart."""
    def text(v) -> str | None:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        return FUNDING_KIND_DETAILS.get(str(v), str(v).strip()) or None

    out: list[tuple[str, str] | None] = [None] * len(df)
    keys = [tuple(row) for row in df[[*group, name]].astype(object).itertuples(index=False)]
    rows_of: dict[tuple, list[int]] = {}
    for i, key in enumerate(keys):
        rows_of.setdefault(key, []).append(i)
    for rows in rows_of.values():
        if len(rows) < 2:
            continue
        found = [(col, fmt) for col, fmt in details if col in df.columns
                 and len({text(df[col].iloc[i]) for i in rows}) > 1]
        whole = [(col, fmt) for col, fmt in found if len({text(df[col].iloc[i]) for i in rows}) == len(rows)]
        if not found:
            continue
        col, fmt = (whole or found)[0]
        for i in rows:
            value = text(df[col].iloc[i])
            if value:
                out[i] = (col, fmt.format(value))
    return out


def told_apart(df: pd.DataFrame, group: Sequence[str], name: str,
               details: Sequence[tuple[str, str]] = SCHEME_DETAILS) -> list[str]:
    """The `name` of each row, and where rows of one `group` share it, what tells them apart
    (issue 11: the annex printed « Pacte local des solidarités » three times under one signatory):
    « Pacte local des solidarités — objectif : Prévenir la production de la pauvreté ». The
    detail is the first of `details` (column, format) whose values are all different among them,
    else the first that differs at all; rows alike in every detail keep their name alone
    (`told_apart_details`)."""
    return [f"{v} — {d[1]}" if d else str(v)
            for v, d in zip(df[name], told_apart_details(df, group, name, details))]


def missing_view(con, contract_slug: str, year: int) -> pd.DataFrame:
    """`missing_reports` as the page and the PDF show it: Pilier, Signataire, Dispositif, the
    schemes of one signatory typed with one name told apart (`told_apart`), no scheme id."""
    df = missing_reports(con, contract_slug, year)
    details = pd.DataFrame(con.execute(
        "select scheme_id, objective, funding_kind, source_ref from review_schemes where contract_slug = ?",
        [contract_slug]).fetchall(), columns=["scheme_id", "objective", "funding_kind", "source_ref"])
    df = df.merge(details, on="scheme_id", how="left")
    return pd.DataFrame({"Pilier": df["pillar"], "Signataire": df["signatory"],
                         "Dispositif": told_apart(df, ("pillar", "signatory"), "scheme")})


def _missing_section(con, contract_slug: str, year: int) -> ReviewSection:
    """The schemes nobody reported a figure for in `year`; without one, the note says why the list
    is empty (issue 11, s14: Chambéry's and Chartres' reviews, with no scheme typed, stated the rule
    for a list they did not print)."""
    table = missing_view(con, contract_slug, year)
    if not_expected := schemes_not_expected(con, contract_slug, year):
        table, note = table.iloc[0:0], not_expected[1]
    elif len(table):
        note = "Un dispositif sans chiffre n'est pas compté 0 : il reste à déclarer."
    elif con.execute("select count(*) from review_schemes where contract_slug = ?", [contract_slug]).fetchone()[0]:
        note = f"Chaque dispositif saisi a au moins un chiffre déclaré pour {year}."
    else:
        note = "Aucun dispositif n'est saisi pour ce territoire."
    return ReviewSection("manquants", f"Dispositifs sans chiffre déclaré en {year}", table, note)


def _tfpb_section(con, contract_slug: str, year: int) -> ReviewSection:
    df = tfpb(con, contract_slug)
    df = df[df["year"] == year]
    names = dict(con.execute("select territory_code, territory_name from territories "
                             "where territory_level = 'qpv'").fetchall())
    table = pd.DataFrame({"Bailleur": df["landlord"], "Action financée": df["action"],
                          # No QPV given: the line covers every QPV of the landlord (template).
                          "Quartier": [ALL_QPVS if c is None or pd.isna(c) else names.get(c, c)
                                       for c in df["territory_code"]],
                          "Montant (€)": df["amount_eur"]})
    note = None if len(df) else f"Aucun bailleur n'a déclaré l'emploi de l'abattement de TFPB pour {year}."
    return ReviewSection("tfpb", "Abattement de TFPB des bailleurs", table, note)


# The review's CIA « Origine » cells, said in the section's note (issue 11: a document's result
# and ours printed as two identical-looking « Ensemble 194 337 » rows, « 57,57 % » then « 57,6 % »).
PUBLISHED_ORIGIN, COMPUTED_ORIGIN = "publié", "calculé"


def cia_rows(results: list) -> list[tuple]:
    """The CIA results as printed, (result, shown rate, origin, its decimals): a document's
    result « publié », ours « calculé » (origins said only where both kinds are shown: None
    otherwise); ours left out where it says what the document does (housing.agrees), and where
    it does not, its rate at the document's decimals (« 57,57 % » beside « 57,62 % », one
    precision for both)."""
    from indicators import housing
    published = {housing.result_key(r): r for r in results if r.origin == "published"}
    out = []
    for r in results:
        decimals = housing.rate_decimals(r.rate_pct, r.rate_origin)
        pair = published.get(housing.result_key(r)) if r.origin != "published" else None
        if pair is not None:
            if housing.agrees(pair, r):
                continue
            decimals = max(housing.COMPUTED_RATE_DECIMALS, housing.rate_decimals(pair.rate_pct, pair.rate_origin))
        rate = None if r.rate_pct is None else float(housing.round_half_up(housing._frac(r.rate_pct), decimals))
        out.append((r, rate, decimals))
    both = len({r.origin == "published" for r, *_ in out}) == 2
    return [(r, rate, (PUBLISHED_ORIGIN if r.origin == "published" else COMPUTED_ORIGIN) if both else None,
             decimals) for r, rate, decimals in out]


def cia_origin_note(documents: list[str]) -> str:
    """What the « Origine » column says, the documents named (sources.reader_credit, whole:
    « Bilan annuel du contrat de ville 2025, p. 12 »; producer and year in the source line)."""
    return (f"« {PUBLISHED_ORIGIN} » : résultat publié dans {' ; '.join(documents) or 'un document'} ; "
            f"« {COMPUTED_ORIGIN} » : calculé à partir des attributions déclarées, repris à côté du "
            "résultat publié pour la même partie seulement s'il en diffère.")


def _housing_section(con, contract_slug: str, year: int) -> ReviewSection:
    from indicators import housing
    results = [r for r in housing.attribution_results(con, contract_slug) if r.year == year]
    rows = cia_rows(results)
    table = pd.DataFrame({
        "Objectif": [r.objective_label for r, *_ in rows],
        "Partie": [party_label(r.party_type, r.party_name) for r, *_ in rows],
        "Origine": [origin for _, _, origin, _ in rows],
        "Attributions qui le remplissent": [r.numerator for r, *_ in rows],
        "Sur (attributions du champ)": [r.denominator for r, *_ in rows],
        # One decimal when computed, as published otherwise (housing.shown_rate).
        "Taux (%)": [rate for _, rate, *_ in rows],
        # A target the convention gives as words (a landlord's « Contribution à l'atteinte des
        # 25 % ») is said as such, and its « Atteint » does not apply (« — »), as in the app and
        # the mandate's own CIA table: never « non renseigné » (final review RV).
        "Cible (%)": [r.target_pct if r.target_pct is not None else (r.target_note or None) for r, *_ in rows],
        "Atteint": [r.reached if r.reached is not None or r.target_pct is not None or not r.target_note
                    else NOT_APPLICABLE for r, *_ in rows]}, dtype=object)
    note = None if rows else f"Aucun résultat d'attribution (CIA) n'est connu pour {year}."
    if any(origin for _, _, origin, _ in rows):
        from indicators.sources import reader_credit
        titles = dict(con.execute("select document_id, any_value(title) from documents where contract_slug = ? "
                                  "group by document_id", [contract_slug]).fetchall())
        note = cia_origin_note(list(dict.fromkeys(
            reader_credit(titles.get(r.document_id), r.source_ref, whole=True)
            for r, _, origin, _ in rows if origin == PUBLISHED_ORIGIN and (titles.get(r.document_id) or r.source_ref))))
    deduced = deduced_note(r for r, *_ in rows)
    if deduced:
        note = f"{note} {deduced}" if note else deduced
    return ReviewSection("cia", "Attributions de logements sociaux (CIA)", table, note)


def deduced_note(results) -> str | None:
    """The CIA table's word on a field (« Sur ») the document does not give, deduced from its
    published count and rate (housing denominator_origin 'deduced'): the mandate report prints
    « 82 attributions sur 681 (déduit du taux publié) », the review printed 681 as if published
    (issue 11, Grand Chalon 2021). None when no row is deduced."""
    rows = [f"{party_label(r.party_type, r.party_name)} — {r.objective_label}"
            for r in results if getattr(r, "denominator_origin", None) == "deduced"]
    if not rows:
        return None
    return ("« Sur (attributions du champ) » déduit du taux publié (le document donne les attributions "
            f"et le taux, pas le champ) : {' ; '.join(rows)}.")


def _people_section(con, contract_slug: str, year: int) -> ReviewSection:
    from indicators import beneficiaries, territories
    counts = beneficiaries.beneficiary_counts(con, contract_slug, "territory_code", year=year)
    table = beneficiaries.export_table(counts, "territory_code")
    if counts.empty:
        return ReviewSection("personnes", "Personnes touchées et part en QPV", table,
                             f"Aucune personne touchée n'est saisie pour {year}.")
    qpvs = set(territories.contract_qpvs(con, contract_slug)["qpv_code"])
    rows = counts[~counts["is_total"].astype(bool)]
    in_qpv = rows.loc[rows["territory_code"].isin(qpvs), "n_people"].dropna().sum()
    total = counts.loc[counts["is_total"].astype(bool), "n_people"].dropna().sum()
    share = f"{100 * in_qpv / total:.1f}".replace(".", ",") if total else None
    note = ("Effectifs hors secret statistique (au moins) ; "
            + (f"part des personnes touchées résidant en QPV, parmi les effectifs publiés : {share} %."
               if share else "part résidant en QPV non calculable."))
    return ReviewSection("personnes", "Personnes touchées et part en QPV", table, note)


def _people_share_section(con, contract_slug: str, year: int) -> ReviewSection:
    """Per action of `year`: people reached, those living in a QPV and their share, every figure
    from the cells secret statistique leaves shown (indicators.beneficiaries.qpv_share)."""
    from indicators import beneficiaries
    from indicators.secrecy import status_column as sc
    share = beneficiaries.qpv_share(con, contract_slug, year=year)
    people, in_qpv, pct = "Personnes touchées (hors secret)", "dont résidant en QPV", "Part résidant en QPV (%)"
    table = pd.DataFrame({
        "Action": share["label"], people: share["n_people"], sc(people): share[sc("n_people")],
        in_qpv: share["n_in_qpv"], sc(in_qpv): share[sc("n_in_qpv")],
        pct: share["share_in_qpv_pct"], sc(pct): share[sc("share_in_qpv_pct")],
        "Cellules masquées (moins de 5 personnes)": share[beneficiaries.N_SECRET]})
    note = ("Une part n'est calculée que lorsqu'aucune cellule de moins de 5 personnes n'est masquée ; "
            "les effectifs ne comptent que les cellules publiées." if len(share)
            # Not the previous section's note again (« Aucune personne touchée … » twice in a row).
            else f"Sans personne touchée saisie pour {year}, aucune part par action n'est calculée.")
    return ReviewSection("personnes_actions", "Part des personnes touchées résidant en QPV, par action",
                         table, note)


# The unit of the gap columns per gap kind (indicators.portrait.gap_kind), in this order.
GAP_UNITS = (("points", "en points pour un taux (celui du quartier moins celui du territoire comparé)"),
             ("ratio", "en rapport pour un montant (celui du quartier divisé par celui du territoire "
                       "comparé : 0,60 = 60 %)"))


def _gaps_section(con, contract_slug: str) -> ReviewSection:
    from indicators import gaps
    from indicators.registry import BY_ID
    frames = []
    keys: list[tuple[str, str, int]] = []
    wanted = [i for i in REPORT_GAP_INDICATORS if i in BY_ID]
    tables = gaps.gap_change_tables(con, contract_slug, wanted)     # each QPV's series read once
    for indicator_id in wanted:
        df = tables[indicator_id]
        if df.empty:
            continue
        frames.append(pd.DataFrame({
            "Indicateur": BY_ID[indicator_id].label, "Quartier": df["qpv_name"],
            "Comparé à": df["comparator_name"], "Période": df["first_year"].astype(str) + "–" + df["last_year"].astype(str),
            "Écart au début": df["gap_first"], "À la fin": df["gap_last"],
            "L'écart s'est": df["distance_change"].map(
                lambda c: "réduit" if c < 0 else ("creusé" if c > 0 else "maintenu"))}))
        # Each gap reads the quartier's and the comparator's values of its first and last years.
        keys += [(code, indicator_id, int(year)) for r in df.itertuples()
                 for code in (r.qpv_code, r.comparator_code) for year in (r.first_year, r.last_year)]
    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["Indicateur", "Quartier", "Comparé à", "Période", "Écart au début", "À la fin",
                 "L'écart s'est"])
    kinds = {k for i in wanted if not tables[i].empty for k in tables[i]["gap_kind"].dropna()}
    # What the two gap columns hold, said once: points beside a ratio read alike without it.
    units = [text for kind, text in GAP_UNITS if kind in kinds]
    note = ("Écarts : " + " ; ".join(units) + ". L'écart est dit réduit ou creusé d'après les valeurs "
            "avant arrondi." if units else
            None if frames else "Aucun indicateur n'a deux années comparables pour ce territoire.")
    return ReviewSection("ecarts", "Indicateurs clés des quartiers : les écarts se réduisent-ils ?", table, note,
                         tuple(dict.fromkeys(keys)))


def _commune_only_section(con, contract_slug: str) -> ReviewSection:
    """One row per commune × indicator, the quartiers of each commune named once in the note: a
    commune's figure is said once, not once per quartier (Lorneville's five figures were printed
    for each of its six quartiers, 57 rows over three pages for 25 figures)."""
    from indicators import pillars, territories
    from indicators.fmt import fmt_value, shared_decimals
    from indicators.registry import COMMUNE_ONLY
    rows: dict[tuple, dict] = {}
    quartiers: dict[tuple, list[str]] = {}
    qpvs = territories.contract_qpvs(con, contract_slug)
    for code, name in zip(qpvs["qpv_code"], qpvs["qpv_name"]):
        df = pillars.commune_only_figures(con, code)
        for r in df.to_dict("records"):
            commune = (r["commune_name"], r["commune_code"])
            rows.setdefault((*commune, pillars.COMMUNE_ONLY_IDS.index(r["indicator_id"])), r)
            if name not in quartiers.setdefault(commune, []):
                quartiers[commune].append(name)
    # The communes' figures of one indicator are read down one column: one precision for them
    # (« 3,0 » beside « 2,8 consultations/an/habitant », « 98,00 » beside « 99,23 »).
    shown = {k: None if pd.isna(r["value"]) or r["status"] != "ok" else r["value"] for k, r in rows.items()}
    decimals = {i: shared_decimals([v for k, v in shown.items() if k[2] == i],
                                   next(r["unit"] for k, r in rows.items() if k[2] == i))
                for i in {k[2] for k in rows}}
    table = pd.DataFrame([{"Commune": rows[k]["commune_name"], "Indicateur": rows[k]["indicator_label"],
                           "Année": rows[k]["year"],
                           "Valeur de la commune": fmt_value(shown[k], rows[k]["unit"], rows[k]["status"],
                                                             decimals=decimals[k[2]])}
                          for k in sorted(rows)],
                         columns=["Commune", "Indicateur", "Année", "Valeur de la commune"])
    if rows:
        note = (COMMUNE_ONLY + " Quartiers de chaque commune : "
                + " ; ".join(f"{c[0]} ({', '.join(names)})" for c, names in sorted(quartiers.items())) + ".")
    else:
        note = "Aucun indicateur publié pour les communes seulement n'est chargé."
    keys = tuple((rows[k]["commune_code"], rows[k]["indicator_id"], int(rows[k]["year"])) for k in sorted(rows))
    return ReviewSection("communes", "Publiés pour la commune seulement", table, note, keys)


def _signatories_section(con, contract_slug: str) -> ReviewSection:
    df = signatories(con, contract_slug)
    table = pd.DataFrame({"Nom": df["name"], "Type": df["type_label"], "Rôle": df["role"]})
    n_sig = int(df["is_signatory"].sum())
    others = len(df) - n_sig
    if df.empty:
        note = "Aucun signataire n'est saisi."
    elif others:
        note = (f"{fmt_count(n_sig, 'signataire')} ; {fmt_count(others, 'autre acteur', 'autres acteurs')} "
                f"nommé{'s' if others > 1 else ''} par le document, qui porte{'nt' if others > 1 else ''} "
                "des dispositifs sans signer le contrat (« non signataire »).")
    else:
        note = f"{fmt_count(n_sig, 'signataire')}."
    return ReviewSection("signataires", "Signataires et autres acteurs", table, note)


def _committee_section(con, contract_slug: str) -> ReviewSection:
    df = committee(con, contract_slug)
    table = pd.DataFrame({"Rubrique": df["college"], "Institution": df["organisation"], "Membre": df["member"]})
    note = None if len(df) else "La composition du comité de pilotage n'est pas saisie."
    return ReviewSection("comite", "Comité de pilotage", table, note)


def review_sections(con, contract_slug: str, year: int, *,
                    missing_list_at: str = "ci-après") -> list[ReviewSection]:
    """The yearly review, section by section, in the order the steering committee reads it.
    `missing_list_at`: where the output puts the list of schemes without a figure, as the common
    law note points to it (« ci-après »: the next section; the PDF: « en annexe »)."""
    return [
        _programme_section(con, contract_slug, year),
        _credits_section(con, contract_slug, year),
        _common_law_section(con, contract_slug, year, missing_list_at),
        _missing_section(con, contract_slug, year),
        _tfpb_section(con, contract_slug, year),
        _housing_section(con, contract_slug, year),
        _people_section(con, contract_slug, year),
        _people_share_section(con, contract_slug, year),
        _gaps_section(con, contract_slug),
        _commune_only_section(con, contract_slug),
        _signatories_section(con, contract_slug),
        _committee_section(con, contract_slug),
    ]


# ── Tables as the page shows them ────────────────────────────────────────────────────────────
def figure_text(measure: str, value, unit: str, scope: str, territory_code=None) -> str:
    """« 30 000 € (propre aux QPV) », « 12 places (tout le territoire, QN07101I) »: a unit typed
    EUR reads €."""
    import re

    from indicators.fmt import fmt_number
    where = SCOPE_LABELS.get(scope, scope) + (f", {territory_code}" if territory_code else "")
    shown = re.sub(r"\bEUR\b", "€", str(unit))
    return f"{fmt_number(value)} {shown} ({where})"


# The columns of `schemes_view` that show each of SCHEME_DETAILS, and the column of its rows'
# details (not shown: the page hands it to components.table as `details` of « Dispositif »).
SCHEME_DETAIL_COLUMNS = {"objective": "Objectif", "funding_kind": "Nature", "source_ref": "Source"}
SCHEME_DETAIL = "_detail"


def schemes_view(con, contract_slug: str, year: int) -> pd.DataFrame:
    """Every scheme with what was reported for `year` (« non renseigné » when nothing was) and
    its source, in the order of `schemes`; schemes of one signatory typed with one name under one
    pillar: in SCHEME_DETAIL, (the column showing what tells them apart, the detail as
    `told_apart` prints it after the name), else None."""
    sch = schemes(con, contract_slug)
    fig = figures(con, contract_slug)
    fig = fig[fig["year"] == year]
    reported = {sid: " ; ".join(figure_text(r.measure, r.value, r.unit, r.scope,
                                            None if pd.isna(r.territory_code) else r.territory_code)
                                for r in part.itertuples())
                for sid, part in fig.groupby("scheme_id", sort=False)}
    return pd.DataFrame({
        "Pilier": sch["pillar"], "Signataire": sch["signatory"], "Objectif": sch["objective"],
        "Dispositif": [str(v) for v in sch["scheme"]],
        "Nature": [FUNDING_KIND_LABELS.get(k, k) for k in sch["funding_kind"]],
        f"Mobilisé en {year}": [reported.get(s, NOT_REPORTED) for s in sch["scheme_id"]],
        "Source": sch["source_ref"],
        # What tells a name apart (`told_apart`) is in its own column of the table: the name
        # repeats it only where a narrow room leaves that column out (views.narrow_table_html).
        SCHEME_DETAIL: [(SCHEME_DETAIL_COLUMNS[d[0]], d[1]) if d else None
                        for d in told_apart_details(sch, ("pillar", "signatory"), "scheme")]})


def year_choices(con, contract_slug: str, current_year: int) -> list[int]:
    """Years a review can be read for, newest first: those with figures or funding, and every
    year of the contract's period up to `current_year` (a year nobody reported is shown, as such)."""
    rows = con.execute("select start_year, end_year from contracts where contract_slug = ?",
                       [contract_slug]).fetchall()
    years = set(review_years(con, contract_slug))
    if rows and rows[0][0] is not None:
        start, end = int(rows[0][0]), int(rows[0][1] if rows[0][1] is not None else current_year)
        years |= set(range(start, min(end, current_year) + 1))
    return sorted(years, reverse=True)


# Columns of shares we compute (the QPV part of the amounts, of the people reached): one
# decimal each, « 40,0 % » beside « 46,5 % » (housing.COMPUTED_RATE_DECIMALS, issue #11).
COMPUTED_SHARE_COLUMNS = frozenset({"Part propre aux QPV (%)", "Part résidant en QPV (%)"})


def cell_text(value, decimals: int | None = None) -> str:
    """A review figure as shown: a French number (`decimals` when given), oui/non, or « non
    renseigné » when absent (never 0, never blank)."""
    import math

    from indicators.fmt import fmt_number
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NOT_REPORTED
    if isinstance(value, (bool, np.bool_)):
        return "oui" if value else "non"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return fmt_number(value, decimals)
    return str(value)


def display_frame(df: pd.DataFrame, keep: tuple[str, ...] = ("Année",)) -> pd.DataFrame:
    """Every cell as text (`cell_text`), but the columns in `keep` (years) as they are."""
    from indicators.housing import COMPUTED_RATE_DECIMALS
    return pd.DataFrame({c: (df[c] if c in keep else
                             [cell_text(v, COMPUTED_RATE_DECIMALS if c in COMPUTED_SHARE_COLUMNS else None)
                              for v in df[c].astype(object)])
                         for c in df.columns})
