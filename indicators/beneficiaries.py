"""People reached by the programme's actions, counted from per-person rows
(`programme_beneficiaries`, template table `beneficiaries`), with the secret statistique.

Every count is a number of rows (one row = one person reached by one action in one year).
Rules (indicators/secrecy.py, DOMAIN.md §5, issue 5):

* a count under 5 is never shown: NULL with status 'secret' and the note « moins de 5 »;
* complementary masking: within a breakdown, when the withheld cells could be recovered from
  the shown total (one withheld cell, or withheld cells adding up to less than 5), the smallest
  shown cells are withheld too (`secrecy.protect_breakdown`); a total under 5 is withheld;
* nothing personal exists to show: the loader never stores names, addresses or birth dates.

Published aggregate figures (`kpi_values`) are not computed from people and are shown as
published (indicators/kpi.py); these rules apply to counts computed here only.

Each breakdown is one table over one dimension, for the whole contract or one action and/or one
year, with its total row; the total equals the number of people of the same filter in any other
breakdown, so no cell can be recovered by comparing two breakdowns of the same filter.
"""
from __future__ import annotations

import pandas as pd

from indicators.fmt import fmt_int
from indicators.secrecy import SMALL_COUNT_NOTE, THRESHOLD, mask_breakdown, protect_breakdown, status_column

# Dimensions a breakdown can use: column of programme_beneficiaries → French label.
DIMENSIONS = {
    "action_id": "Action",
    "year": "Année",
    "territory_code": "Quartier",
    "sex": "Sexe",
    "age_band": "Tranche d'âge",
}
SEX_LABELS = {"femme": "Femmes", "homme": "Hommes", "autre": "Autre"}
AGE_LABELS = {"moins_16": "Moins de 16 ans", "16_29": "16 à 29 ans", "30_59": "30 à 59 ans",
              "60_plus": "60 ans et plus"}
UNKNOWN = "non renseigné"
VALUE = "n_people"


def has_beneficiaries(con, contract_slug: str) -> bool:
    """True when the contract has per-person rows (the page shows the section only then)."""
    return con.execute("select count(*) from programme_beneficiaries where contract_slug = ?",
                       [contract_slug]).fetchall()[0][0] > 0


def beneficiary_counts(con, contract_slug: str, by: str, *, action_id: str | None = None,
                       year: int | None = None, threshold: int = THRESHOLD) -> pd.DataFrame:
    """People reached, one row per value of `by` (a key of DIMENSIONS) and a total row.

    Columns: `by` (the code; NULL rows are grouped as « non renseigné »), `label` (French label:
    action title, QPV name, Femmes…), `n_people` (Int64, NA when withheld),
    `n_people__status` (ok | secret), `n_people__note` (why withheld), `is_total`.
    Filters: one action and/or one year (None: all). Unit: persons (rows), not distinct people
    across actions. An empty frame (same columns) when no row matches.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r} (expected one of {', '.join(DIMENSIONS)})")
    where, params = ["b.contract_slug = ?"], [contract_slug]
    if action_id is not None:
        where.append("b.action_id = ?")
        params.append(action_id)
    if year is not None:
        where.append("b.year = ?")
        params.append(year)
    column = f"b.{by}" if by != "year" else "cast(b.year as varchar)"
    df = con.execute(
        f"select {column} as code, count(*) as {VALUE} from programme_beneficiaries b"
        f" where {' and '.join(where)} group by 1 order by 1 nulls last", params).df()
    columns = [by, "label", VALUE, status_column(VALUE), f"{VALUE}__note", "is_total"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    df = df.rename(columns={"code": by})
    df["label"] = [_label(con, contract_slug, by, code) for code in df[by]]
    df[VALUE] = df[VALUE].astype(int)
    out = mask_breakdown(df, VALUE, label_col="label", threshold=threshold)
    for col in (by, "label", f"{VALUE}__note"):     # NULL stays None (object), never NaN
        values = [None if v is None or (not isinstance(v, str) and pd.isna(v)) else v for v in out[col]]
        if col == by == "year":
            values = [None if v is None else int(v) for v in values]
        out[col] = pd.Series(values, index=out.index, dtype=object)
    return out[columns].reset_index(drop=True)


def _label(con, contract_slug: str, by: str, code) -> str:
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return UNKNOWN
    if by == "sex":
        return SEX_LABELS.get(code, code)
    if by == "age_band":
        return AGE_LABELS.get(code, code)
    if by == "territory_code":
        rows = con.execute("select territory_name from territories where territory_code = ?"
                           " order by territory_level limit 1", [code]).fetchall()
        return rows[0][0] if rows else code
    if by == "action_id":
        rows = con.execute("select title from programme_actions where contract_slug = ? and action_id = ?"
                           " order by year desc limit 1", [contract_slug, code]).fetchall()
        return rows[0][0] if rows else code
    return str(code)


def shown_value(row) -> str | int:
    """The cell as a page shows it: the count, or « secret statistique (moins de 5) »."""
    if row[status_column(VALUE)] != "ok":
        note = row[f"{VALUE}__note"]
        return "secret statistique" + (f" ({note})" if note == SMALL_COUNT_NOTE else "")
    return int(row[VALUE])


def display_table(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """The breakdown as a page shows it: two text columns, the dimension's French label and
    « Personnes » (« 1 650 », or « secret statistique (moins de 5) »); the total row last."""
    return pd.DataFrame({
        DIMENSIONS[by]: counts["label"].astype(str).tolist(),
        "Personnes": [v if isinstance(v, str) else fmt_int(v) for v in
                      (shown_value(r) for _, r in counts.iterrows())],
    }, columns=[DIMENSIONS[by], "Personnes"])


# ── Share of people reached who live in a QPV ──────────────────────────────────────────────
# residence_status (programme_beneficiaries): qpv | hors_qpv | a_verifier | NULL (unknown), from
# the territory typed or computed at load from an address that is then dropped.
SHARE_COLUMNS = ["action_id", "label", "year", "n_people", status_column("n_people"), "n_in_qpv",
                 status_column("n_in_qpv"), "share_in_qpv_pct", status_column("share_in_qpv_pct"),
                 "note"]
SHARE_NOTE = "masqué pour qu'un effectif de moins de 5 ne se déduise pas des autres"


def qpv_share(con, contract_slug: str, *, year: int | None = None,
              threshold: int = THRESHOLD) -> pd.DataFrame:
    """Per action and year: people reached (`n_people`), those living in a QPV (`n_in_qpv`) and
    their share in % of the people reached (`share_in_qpv_pct`, the annual review's figure).

    Each row is one breakdown of its people in two parts, in a QPV / not known to live in one
    (outside, « à vérifier » near an edge, or residence unknown), masked with
    `secrecy.protect_breakdown`: a part under 5 is withheld with the other part, and the share
    is shown only when both parts are. No count of the other part's components (outside,
    à vérifier, unknown) is given: with the two shown it could reveal a small one. No row adds
    actions together, so no masked cell is recovered by difference.
    """
    where, params = ["contract_slug = ?"], [contract_slug]
    if year is not None:
        where.append("year = ?")
        params.append(year)
    df = con.execute(f"""
        select action_id, year, count(*) as n_people,
               count(*) filter (where residence_status = 'qpv') as n_in_qpv
        from programme_beneficiaries where {' and '.join(where)}
        group by 1, 2 order by 2, 1""", params).fetchall()
    rows = []
    for action_id, yr, n, n_qpv in df:
        hidden, total_hidden = protect_breakdown([n_qpv, n - n_qpv], threshold)
        shown_qpv = not hidden[0]
        share_ok = not hidden[0] and not hidden[1] and not total_hidden
        rows.append({
            "action_id": action_id, "label": _label(con, contract_slug, "action_id", action_id),
            "year": int(yr),
            "n_people": None if total_hidden else int(n),
            status_column("n_people"): "secret" if total_hidden else "ok",
            "n_in_qpv": int(n_qpv) if shown_qpv else None,
            status_column("n_in_qpv"): "ok" if shown_qpv else "secret",
            "share_in_qpv_pct": round(100.0 * n_qpv / n, 1) if share_ok else None,
            status_column("share_in_qpv_pct"): "ok" if share_ok else "secret",
            "note": None if share_ok else (SMALL_COUNT_NOTE if total_hidden or n_qpv < threshold
                                           else SHARE_NOTE),
        })
    out = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    for col in ("n_people", "n_in_qpv"):
        out[col] = out[col].astype("Int64")
    out["share_in_qpv_pct"] = out["share_in_qpv_pct"].astype("Float64")
    for col in ("action_id", "label", "note"):
        out[col] = pd.Series([v if isinstance(v, str) else None for v in out[col]], index=out.index,
                             dtype=object)
    return out


def share_display_table(share: pd.DataFrame) -> pd.DataFrame:
    """The share table as a page or report shows it (French text cells)."""
    from indicators.fmt import fmt_pct

    def cell(v, st, fmt):
        return "secret statistique" if st != "ok" else fmt(v)

    return pd.DataFrame({
        "Action": share["label"].tolist(),
        "Année": [str(y) for y in share["year"]],
        "Personnes touchées": [cell(v, s, fmt_int) for v, s in zip(share["n_people"], share[status_column("n_people")])],
        "dont résidant en QPV": [cell(v, s, fmt_int) for v, s in zip(share["n_in_qpv"], share[status_column("n_in_qpv")])],
        "Part résidant en QPV": [cell(v, s, fmt_pct) for v, s in zip(share["share_in_qpv_pct"], share[status_column("share_in_qpv_pct")])],
    }, columns=["Action", "Année", "Personnes touchées", "dont résidant en QPV",
                "Part résidant en QPV"])
