"""Programme financing: totals, leverage per funder, projects, CPO share, poverty-pocket share,
amounts per priority issue and per QPV (programme_actions, programme_funding,
programme_action_territories).

Universes and choices (each function's docstring repeats its own):
- **Totals** add every funding line of the contract (lines tied to an action and envelopes
  without one), per year and per funder.
- **Leverage** of a funder relative to the city = Σ funder / Σ ville over the same funding lines
  (the same actions-years and envelopes of the years considered): « pour 1 € de la Ville,
  X € de … » (CITY_EURO). Undefined when the city gives 0 there. 'etat' groups etat_p147 and
  etat_autre.
  Published leverages (KPIs ``leverage_<funder>_eur_per_city_eur``, e.g. Chambéry's 4 € and
  8,3 €) are shown beside the computed ones, never replaced.
- **Multi-year agreements**: the 2023 circular asks that at least 50 % of the State's funding
  agreements be CPO. Universe: actions × year with programme-147 funding (etat_p147 > 0);
  share = actions marked is_multiyear_agreement / actions of the universe whose flag is known.
- **Poverty pockets**: share of programme-147 credits going to actions marked is_poverty_pocket,
  against the 2,5 % cap. The cap applies to the département's envelope; the database holds the
  contract's, so the share is computed on the contract's programme-147 lines (stated).
- **Per QPV**: an action on several territories is split equally among them (mode 'split',
  the default: the column adds up to the total); mode 'each' counts the full amount under each
  territory (the column does not add up: said in the note). Actions without a territory are
  shown under « ensemble du contrat ».
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from indicators.fmt import fmt_count
from indicators.kpi import source_line

FUNDER_LABELS = {
    "ville": "Ville", "epci": "Intercommunalité", "etat": "État (tous crédits)",
    "etat_p147": "État – programme 147", "etat_autre": "État – autres crédits", "caf": "CAF",
    "departement": "Département", "region": "Région", "bailleur": "Bailleurs", "europe": "Europe",
    "autre": "Autres financeurs",
}
# The city as a funder is the institution, « la Ville » as its documents write it (Chambéry: « Pour
# 1 € investi par la Ville ») and as the cards citing them show it; the common nouns « politique de
# la ville », « contrat de ville » stay lower case. Every leverage string says it with these words.
CITY_EURO = "pour 1\u00a0€ de la Ville"
# « pour 1 € de la Ville, X € <FUNDER_FROM> »
FUNDER_FROM = {
    "epci": "de l'intercommunalité", "etat": "de l'État", "etat_p147": "de l'État (programme 147)",
    "etat_autre": "de l'État (autres crédits)", "caf": "de la CAF", "departement": "du Département",
    "region": "de la Région", "bailleur": "des bailleurs", "europe": "de l'Europe",
    "autre": "d'autres financeurs",
}
FUNDER_ORDER = ("ville", "epci", "etat", "etat_p147", "etat_autre", "caf", "departement", "region",
                "bailleur", "europe", "autre")
CPO_TARGET_PCT = 50.0
POVERTY_POCKET_CAP_PCT = 2.5
WHOLE_CONTRACT = "ensemble du contrat"
NO_THEME = "non renseigné"
# Published leverage KPIs: kpi_id → funder code.
LEVERAGE_KPI_FUNDER = {"leverage_epci_eur_per_city_eur": "epci", "leverage_state_eur_per_city_eur": "etat"}


def _r6(x):
    return None if x is None else round(float(x), 6)


def _share(part, whole):
    return None if not whole else _r6(100 * part / whole)


def _funding_lines(con, contract_slug: str) -> pd.DataFrame:
    rows = con.execute("""
        select action_id, year, funder, funder_label, amount_eur from programme_funding
        where contract_slug = ?""", [contract_slug]).fetchall()
    return pd.DataFrame(rows, columns=["action_id", "year", "funder", "funder_label", "amount_eur"])


def funding_documents(con, contract_slug: str) -> list[tuple[str, str | None, str | None]]:
    """The documents the contract's funding lines were typed from: (title, producer, date as
    typed), once each, in the order of their first line."""
    return _typed_from(con, "programme_funding", contract_slug)


def action_documents(con, contract_slug: str) -> list[tuple[str, str | None, str | None]]:
    """The documents the contract's actions were typed from, as `funding_documents` gives them."""
    return _typed_from(con, "programme_actions", contract_slug)


def _typed_from(con, table: str, contract_slug: str) -> list[tuple[str, str | None, str | None]]:
    assert table in ("programme_funding", "programme_actions")      # a name, never a value
    return con.execute(f"""
        select d.title, any_value(d.producer), any_value(d.published_on)
        from {table} t
        join documents d on d.contract_slug = t.contract_slug and d.document_id = t.document_id
        where t.contract_slug = ?
        group by d.title order by min(t.rowid)""", [contract_slug]).fetchall()


def _order(funder: str) -> int:
    return FUNDER_ORDER.index(funder) if funder in FUNDER_ORDER else len(FUNDER_ORDER)


# ── Totals ──────────────────────────────────────────────────────────────────────────────────

def totals_by_year_funder(con, contract_slug: str) -> pd.DataFrame:
    """Σ amount per year × funder (every funding line). Columns: year, funder, funder_label,
    amount_eur, n_lines. Ordered by year then funder order (ville first)."""
    df = _funding_lines(con, contract_slug)
    if df.empty:
        return pd.DataFrame(columns=["year", "funder", "funder_label", "amount_eur", "n_lines"])
    g = df.groupby(["year", "funder"], as_index=False).agg(amount_eur=("amount_eur", "sum"),
                                                           n_lines=("amount_eur", "size"))
    g["funder_label"] = g["funder"].map(lambda f: FUNDER_LABELS.get(f, f))
    g["_o"] = g["funder"].map(_order)
    g = g.sort_values(["year", "_o"]).drop(columns="_o").reset_index(drop=True)
    return g[["year", "funder", "funder_label", "amount_eur", "n_lines"]]


def unattached_funding(con, contract_slug: str) -> float:
    """Σ amount of the funding lines attached to no action of their year (action_id empty, or an
    action the actions table does not list that year): counted in every total by year or funder,
    absent from the actions' amounts. 0 when there are none."""
    return float(con.execute("""
        select coalesce(sum(f.amount_eur), 0) from programme_funding f
        where f.contract_slug = ? and not exists (
            select 1 from programme_actions a where a.contract_slug = f.contract_slug
            and a.action_id = f.action_id and a.year = f.year)""", [contract_slug]).fetchall()[0][0])


def totals_by_year(con, contract_slug: str) -> pd.DataFrame:
    """Σ amount per year. Columns: year, amount_eur, n_actions (distinct actions funded)."""
    df = _funding_lines(con, contract_slug)
    if df.empty:
        return pd.DataFrame(columns=["year", "amount_eur", "n_actions"])
    g = df.groupby("year", as_index=False).agg(amount_eur=("amount_eur", "sum"),
                                               n_actions=("action_id", "nunique"))
    return g.sort_values("year").reset_index(drop=True)


def totals_by_funder(con, contract_slug: str, years: tuple[int, ...] | None = None) -> pd.DataFrame:
    """Σ amount per funder over the years given (all when None), with its share of the total.

    Columns: funder, funder_label, amount_eur, share_pct."""
    df = _funding_lines(con, contract_slug)
    if years is not None:
        df = df[df["year"].isin(years)]
    if df.empty:
        return pd.DataFrame(columns=["funder", "funder_label", "amount_eur", "share_pct"])
    g = df.groupby("funder", as_index=False).agg(amount_eur=("amount_eur", "sum"))
    total = g["amount_eur"].sum()
    g["share_pct"] = [_share(a, total) for a in g["amount_eur"]]
    g["funder_label"] = g["funder"].map(lambda f: FUNDER_LABELS.get(f, f))
    g["_o"] = g["funder"].map(_order)
    g = g.sort_values("_o").drop(columns="_o").reset_index(drop=True)
    return g[["funder", "funder_label", "amount_eur", "share_pct"]]


# ── Leverage ────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class Leverage:
    """« Pour 1 € de la Ville, ratio € de <funder_label> » (computed and/or published)."""
    funder: str
    funder_label: str
    year: int | None                 # None: all years of the universe
    amount_funder_eur: float | None
    amount_city_eur: float | None
    ratio: float | None              # computed Σfunder / Σville; None when undefined
    status: str                      # ok | undefined (city gives 0) | not_computed (no lines)
    published_ratio: float | None
    published_qualifier: str | None
    published_source_line: str | None
    note: str | None


def _published_leverages(con, contract_slug: str) -> dict[str, tuple]:
    rows = con.execute("""
        select v.kpi_id, case when v.status = 'ok' then v.value end, v.qualifier, d.title,
               v.source_ref, d.producer, d.published_on
        from kpi_values v
        left join documents d on d.contract_slug = v.contract_slug and d.document_id = v.document_id
        where v.contract_slug = ? and v.territory_code is null and v.kpi_id like 'leverage_%'
        order by v.year nulls first, v.rowid""", [contract_slug]).fetchall()
    out = {}
    for kpi_id, value, qualifier, title, ref, producer, published_on in rows:
        funder = LEVERAGE_KPI_FUNDER.get(kpi_id)
        if funder is None and kpi_id.endswith("_eur_per_city_eur"):
            funder = kpi_id[len("leverage_"):-len("_eur_per_city_eur")]
        if funder:
            out[funder] = (value, qualifier, source_line(title, ref, producer, published_on))
    return out


def leverage(con, contract_slug: str, years: tuple[int, ...] | None = None) -> list[Leverage]:
    """Leverage of each funder relative to the city over the funding lines of ``years`` (all
    years when None): ratio = Σ funder / Σ ville on those same lines; 'undefined' when the city
    gives 0 there. A row per funder with funding, plus 'etat' (programme 147 + other State
    credits) when the State funds, plus every funder with a published leverage (Chambéry: 4 €
    from the agglomeration, 8,3 € from the State), the published figure beside the computed one.
    """
    df = _funding_lines(con, contract_slug)
    if years is not None:
        df = df[df["year"].isin(years)]
    sums = df.groupby("funder")["amount_eur"].sum().to_dict() if not df.empty else {}
    if "etat_p147" in sums or "etat_autre" in sums:
        sums["etat"] = sums.get("etat_p147", 0.0) + sums.get("etat_autre", 0.0)
    published = _published_leverages(con, contract_slug)
    city = sums.get("ville", 0.0)
    funders = sorted((set(sums) | set(published)) - {"ville"}, key=_order)
    year = years[0] if years is not None and len(years) == 1 else None
    out = []
    for f in funders:
        pub = published.get(f, (None, None, None))
        if df.empty:
            status, ratio, note = "not_computed", None, "aucun financement détaillé saisi"
            amount, city_amount = None, None
        elif city == 0:
            status, ratio, note = "undefined", None, "la Ville ne finance aucune de ces actions"
            amount, city_amount = _r6(sums.get(f, 0.0)), 0.0
        else:
            amount, city_amount = _r6(sums.get(f, 0.0)), _r6(city)
            status, ratio, note = "ok", _r6(sums.get(f, 0.0) / city), None
        out.append(Leverage(f, FUNDER_LABELS.get(f, f), year, amount, city_amount, ratio, status,
                            *pub, note))
    return out


def leverage_text(lev: Leverage, value: float | None = None) -> str:
    """« Pour 1 € de la Ville, 8,3 € de l'État » (the computed ratio by default; pass the
    published one as ``value``)."""
    from indicators.fmt import fmt_eur
    ratio = lev.ratio if value is None else value
    if ratio is None:
        return f"Effet levier {lev.funder_label} : non calculable ({lev.note or 'non disponible'})"
    funder = FUNDER_FROM.get(lev.funder, 'de ' + lev.funder_label)
    return f"{CITY_EURO[:1].upper()}{CITY_EURO[1:]}, {fmt_eur(ratio)} {funder}"


# ── Projects ────────────────────────────────────────────────────────────────────────────────

def projects_by_year(con, contract_slug: str) -> pd.DataFrame:
    """Projects per year: n_projects (distinct actions), n_new (None when no action of the year
    says whether it is new: unknown, never 0), n_new_unknown, share_new_pct (new / projects
    whose is_new is known; None when none is known)."""
    rows = con.execute("""
        select year, count(distinct action_id),
               count(distinct action_id) filter (where is_new),
               count(distinct action_id) filter (where is_new is null)
        from programme_actions where contract_slug = ? group by year order by year""",
                       [contract_slug]).fetchall()
    recs = [{"year": y, "n_projects": n, "n_new": None if unk == n else new, "n_new_unknown": unk,
             "share_new_pct": _share(new, n - unk)} for y, n, new, unk in rows]
    return pd.DataFrame.from_records(recs, columns=["year", "n_projects", "n_new", "n_new_unknown",
                                                    "share_new_pct"])


def multiyear_agreement_share(con, contract_slug: str) -> pd.DataFrame:
    """Share of multi-year agreements (CPO) among the State's funding agreements, per year,
    against the circular's 50 % target.

    Universe: action × year with programme-147 funding (Σ etat_p147 > 0 on the action that year).
    Columns: year, n_agreements, n_cpo, n_unknown (flag not filled in), share_pct
    (n_cpo / (n_agreements − n_unknown)), amount_p147_eur, amount_p147_cpo_eur, target_pct,
    reached (None when the share is undefined).
    """
    rows = con.execute("""
        with p147 as (
            select action_id, year, sum(amount_eur) as amount from programme_funding
            where contract_slug = ? and funder = 'etat_p147' and action_id is not null
            group by action_id, year having sum(amount_eur) > 0
        ), a as (
            select action_id, year, bool_or(is_multiyear_agreement) as cpo,
                   bool_and(is_multiyear_agreement is null) as unknown
            from programme_actions where contract_slug = ? group by action_id, year
        )
        select p.year, count(*), count(*) filter (where a.cpo),
               count(*) filter (where a.unknown or a.action_id is null),
               sum(p.amount), coalesce(sum(p.amount) filter (where a.cpo), 0)
        from p147 p left join a on a.action_id = p.action_id and a.year = p.year
        group by p.year order by p.year""", [contract_slug, contract_slug]).fetchall()
    recs = []
    for y, n, cpo, unk, amount, amount_cpo in rows:
        share = _share(cpo, n - unk)
        recs.append({"year": y, "n_agreements": n, "n_cpo": cpo, "n_unknown": unk,
                     "share_pct": share, "amount_p147_eur": _r6(amount),
                     "amount_p147_cpo_eur": _r6(amount_cpo), "target_pct": CPO_TARGET_PCT,
                     "reached": None if share is None else share >= CPO_TARGET_PCT})
    return pd.DataFrame.from_records(recs, columns=[
        "year", "n_agreements", "n_cpo", "n_unknown", "share_pct", "amount_p147_eur",
        "amount_p147_cpo_eur", "target_pct", "reached"])


def poverty_pocket_share(con, contract_slug: str) -> pd.DataFrame:
    """Share of programme-147 credits for poverty pockets, per year, against the 2,5 % cap.

    envelope = Σ etat_p147 lines of the contract that year (actions and envelopes); pockets =
    Σ etat_p147 on actions marked is_poverty_pocket. The circular's cap applies to the
    département's envelope: only the contract's is known here. Columns: year, envelope_p147_eur,
    poverty_pocket_eur, share_pct (None when the envelope is 0), cap_pct, within_cap.
    """
    rows = con.execute("""
        with pockets as (
            select distinct action_id, year from programme_actions
            where contract_slug = ? and is_poverty_pocket
        )
        select f.year, sum(f.amount_eur),
               coalesce(sum(f.amount_eur) filter (where p.action_id is not null), 0)
        from programme_funding f
        left join pockets p on p.action_id = f.action_id and p.year = f.year
        where f.contract_slug = ? and f.funder = 'etat_p147'
        group by f.year order by f.year""", [contract_slug, contract_slug]).fetchall()
    recs = []
    for y, env, pocket in rows:
        share = _share(pocket, env)
        recs.append({"year": y, "envelope_p147_eur": _r6(env), "poverty_pocket_eur": _r6(pocket),
                     "share_pct": share, "cap_pct": POVERTY_POCKET_CAP_PCT,
                     "within_cap": None if share is None else share <= POVERTY_POCKET_CAP_PCT})
    return pd.DataFrame.from_records(recs, columns=["year", "envelope_p147_eur", "poverty_pocket_eur",
                                                    "share_pct", "cap_pct", "within_cap"])


# ── Breakdowns ──────────────────────────────────────────────────────────────────────────────

def _action_amounts(con, contract_slug: str, year: int | None) -> pd.DataFrame:
    rows = con.execute("""
        select a.action_id, a.year, any_value(a.theme), coalesce(sum(f.amount_eur), 0)
        from (select distinct action_id, year, theme from programme_actions where contract_slug = ?
              and (?::integer is null or year = ?)) a
        left join programme_funding f on f.contract_slug = ? and f.action_id = a.action_id
                                     and f.year = a.year
        group by a.action_id, a.year""", [contract_slug, year, year, contract_slug]).fetchall()
    return pd.DataFrame(rows, columns=["action_id", "year", "theme", "amount_eur"])


def amounts_by_theme(con, contract_slug: str, year: int | None = None) -> pd.DataFrame:
    """Σ funding of the actions per priority issue (programme_actions.theme; « non renseigné »
    when empty). Envelopes without an action are not in any theme. Columns: theme, n_actions,
    amount_eur, share_pct. Ordered by amount, largest first."""
    df = _action_amounts(con, contract_slug, year)
    if df.empty:
        return pd.DataFrame(columns=["theme", "n_actions", "amount_eur", "share_pct"])
    df["theme"] = df["theme"].fillna(NO_THEME)
    g = df.groupby("theme", as_index=False).agg(n_actions=("action_id", "nunique"),
                                                amount_eur=("amount_eur", "sum"))
    total = g["amount_eur"].sum()
    g["share_pct"] = [_share(a, total) for a in g["amount_eur"]]
    return g.sort_values(["amount_eur", "theme"], ascending=[False, True]).reset_index(drop=True)


def amounts_by_territory(con, contract_slug: str, year: int | None = None,
                         mode: str = "split") -> pd.DataFrame:
    """Σ funding of the actions per territory concerned (QPV, watch-list area, poverty pocket).

    mode 'split' (default): an action on n territories gives amount / n to each (the column
    adds up to the total of the actions); mode 'each': the full amount under each territory
    (the column does not add up). Actions without a territory: « ensemble du contrat »
    (territory_code None). Columns: territory_code, territory_name, n_actions, amount_eur, note.
    """
    if mode not in ("split", "each"):
        raise ValueError(f"unknown mode {mode!r}")
    amounts = _action_amounts(con, contract_slug, year)
    links = con.execute("""
        select distinct l.action_id, l.year, l.territory_code,
               coalesce((select any_value(t.territory_name) from territories t
                         where t.territory_code = l.territory_code), l.territory_code)
        from programme_action_territories l where l.contract_slug = ?""",
                        [contract_slug]).fetchall()
    by_action: dict[tuple, list[tuple[str, str]]] = {}
    for a, y, code, name in links:
        by_action.setdefault((a, y), []).append((code, name))
    acc: dict[str | None, dict] = {}
    for r in amounts.itertuples(index=False):
        terrs = sorted(by_action.get((r.action_id, r.year), []))
        if not terrs:
            terrs = [(None, WHOLE_CONTRACT)]
        share = r.amount_eur / len(terrs) if mode == "split" else r.amount_eur
        for code, name in terrs:
            e = acc.setdefault(code, {"territory_code": code, "territory_name": name,
                                      "actions": set(), "amount_eur": 0.0, "n_shared": 0})
            e["actions"].add((r.action_id, r.year))
            e["amount_eur"] += share
            e["n_shared"] += len(terrs) > 1
    recs = []
    for e in sorted(acc.values(), key=lambda e: (e["territory_code"] is None, e["territory_name"])):
        note = None
        if e["n_shared"]:
            # The count agrees (« 1 action », « 8 actions »): the table read « 8 action(s) ».
            n = e["n_shared"]
            actions = fmt_count(n, "action")
            note = (f"{actions} sur plusieurs quartiers : montant partagé à parts égales"
                    if mode == "split" else
                    f"{actions} sur plusieurs quartiers {'comptée' if n < 2 else 'comptées'} en entier "
                    "dans chacun : la colonne ne s'additionne pas")
        recs.append({"territory_code": e["territory_code"], "territory_name": e["territory_name"],
                     "n_actions": len(e["actions"]), "amount_eur": _r6(e["amount_eur"]), "note": note})
    return pd.DataFrame.from_records(recs, columns=["territory_code", "territory_name", "n_actions",
                                                    "amount_eur", "note"])


def actions_table(con, contract_slug: str, *, year: int | None = None, funder: str | None = None,
                  theme: str | None = None, territory_code: str | None = None,
                  operator: str | None = None, search: str | None = None) -> pd.DataFrame:
    """The actions × year for the programme page, filtered; one row per action and year.

    Columns: year, action_id, title, operator, theme, territories (list of codes),
    territory_names (their names, in the same order; the code of a territory the database does
    not name), is_new, is_multiyear_agreement, is_poverty_pocket, amount_eur (Σ funding), funders
    (list of funder codes), description, source_line. search: text in title, operator, description
    (case-insensitive). Ordered by year (latest first) then title.
    """
    rows = con.execute("""
        select a.year, a.action_id, a.title, a.operator, a.theme,
               (select list(distinct l.territory_code order by l.territory_code)
                from programme_action_territories l
                where l.contract_slug = a.contract_slug and l.action_id = a.action_id
                  and l.year = a.year),
               (select list(coalesce(n.territory_name, l.territory_code) order by l.territory_code)
                from (select distinct territory_code from programme_action_territories
                      where contract_slug = a.contract_slug and action_id = a.action_id
                        and year = a.year) l
                left join (select territory_code, min(territory_name) as territory_name
                           from territories group by territory_code) n
                  on n.territory_code = l.territory_code),
               a.is_new, a.is_multiyear_agreement, a.is_poverty_pocket,
               (select sum(f.amount_eur) from programme_funding f
                where f.contract_slug = a.contract_slug and f.action_id = a.action_id and f.year = a.year),
               (select list(distinct f.funder order by f.funder) from programme_funding f
                where f.contract_slug = a.contract_slug and f.action_id = a.action_id and f.year = a.year),
               a.description, d.title, a.source_ref, d.producer, d.published_on
        from programme_actions a
        left join documents d on d.contract_slug = a.contract_slug and d.document_id = a.document_id
        where a.contract_slug = ?
        order by a.year desc, a.title""", [contract_slug]).fetchall()
    recs = [{"year": r[0], "action_id": r[1], "title": r[2], "operator": r[3], "theme": r[4],
             "territories": list(r[5] or []), "territory_names": list(r[6] or []),
             "is_new": r[7], "is_multiyear_agreement": r[8],
             "is_poverty_pocket": r[9], "amount_eur": r[10], "funders": list(r[11] or []),
             "description": r[12], "source_line": source_line(r[13], r[14], r[15], r[16])}
            for r in rows]
    df = pd.DataFrame.from_records(recs, columns=[
        "year", "action_id", "title", "operator", "theme", "territories", "territory_names", "is_new",
        "is_multiyear_agreement", "is_poverty_pocket", "amount_eur", "funders", "description",
        "source_line"])
    mask = pd.Series(True, index=df.index)
    if year is not None:
        mask &= df["year"] == year
    if funder:
        mask &= df["funders"].map(lambda fs: funder in fs)
    if theme:
        mask &= df["theme"] == theme
    if territory_code:
        mask &= df["territories"].map(lambda ts: territory_code in ts)
    if operator:
        mask &= df["operator"] == operator
    if search:
        s = search.casefold()
        text = (df["title"].fillna("") + " " + df["operator"].fillna("") + " "
                + df["description"].fillna("")).str.casefold()
        mask &= text.str.contains(s, regex=False)
    return df[mask].reset_index(drop=True)
