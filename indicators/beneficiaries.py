"""People reached by the programme's actions, counted from per-person rows
(`programme_beneficiaries`, template table `beneficiaries`), with the secret statistique.

Every count is a number of rows (one row = one person reached by one action in one year).
Rules (indicators/secrecy.py, DOMAIN.md §5, issues 5 and 10):

* the rows are counted once, at the finest grain any view publishes: action × year × QPV × sex ×
  age band × residence (`protected_cells`, the only function that reads the rows for publication); each of
  these cells under 5 is masked;
* every published figure (a breakdown's cell, its total, a year, all years, one action) is the sum
  of the unmasked finest cells it covers, with the number of masked cells it leaves out
  (`beneficiary_counts`): « au moins 45 (dont secret statistique : 3 cellules) », or « secret
  statistique » when every cell it covers is masked. A masked cell enters no published number,
  so no combination of views, years, filters or exports can recover it;
* nothing personal exists to show: the loader never stores names, addresses or birth dates.

Published aggregate figures (`kpi_values`) are not computed from people and are shown as
published (indicators/kpi.py); these rules apply to counts computed here only.
"""
from __future__ import annotations

import pandas as pd

from indicators.fmt import fmt_int
from indicators.secrecy import N_SECRET, THRESHOLD, mask_cells, status_column, sum_unmasked

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
# The finest grain any view publishes (the full cross-classification): the breakdowns, and where
# the person lives (qpv | hors_qpv | a_verifier | NULL) for the share living in a QPV.
FINEST = tuple(DIMENSIONS) + ("residence_status",)


def has_beneficiaries(con, contract_slug: str) -> bool:
    """True when the contract has per-person rows (the page shows the section only then)."""
    return con.execute("select count(*) from programme_beneficiaries where contract_slug = ?",
                       [contract_slug]).fetchall()[0][0] > 0


def protected_cells(con, contract_slug: str, threshold: int = THRESHOLD) -> pd.DataFrame:
    """The protected table every view and export reads: one row per non-empty cell of the finest
    grain (`FINEST`: action × year × QPV × sex × age band × residence; NULL stays a value of its own), with
    `n_people` (Int64, NA when under `threshold`) and `n_people__status` (ok | secret).

    The only function that counts the per-person rows for publication: every published count is
    derived from its unmasked cells (`beneficiary_counts`), never from the rows."""
    dims = ", ".join(FINEST)
    df = con.execute(
        f"select {dims}, count(*) as {VALUE} from programme_beneficiaries where contract_slug = ?"
        f" group by all order by all nulls last", [contract_slug]).df()
    for col in FINEST:          # NULL stays None (object), never NaN
        df[col] = pd.Series([None if v is None or (not isinstance(v, str) and pd.isna(v))
                             else (int(v) if col == "year" else v) for v in df[col]],
                            index=df.index, dtype=object)
    df[VALUE] = df[VALUE].astype(int)
    return mask_cells(df, VALUE, threshold)


def beneficiary_counts(con, contract_slug: str, by: str, *, action_id: str | None = None,
                       year: int | None = None, threshold: int = THRESHOLD) -> pd.DataFrame:
    """People reached, one row per value of `by` (a key of DIMENSIONS) and a total row, each the
    sum of the unmasked cells of `protected_cells` it covers.

    Columns: `by` (the code; NULL rows are grouped as « non renseigné »), `label` (French label:
    action title, QPV name, Femmes…), `n_people` (Int64: people in the unmasked cells; NA when
    every cell is masked), `n_people__status` (ok | secret), `n_secret_cells` (masked cells left
    out: 0 means the figure is exact, otherwise it is a lower bound), `n_people__note` (the French
    mark), `is_total`. Filters: one action and/or one year (None: all). Unit: persons (rows), not
    distinct people across actions. An empty frame (same columns) when no row matches.
    """
    if by not in DIMENSIONS:
        raise ValueError(f"unknown dimension {by!r} (expected one of {', '.join(DIMENSIONS)})")
    cells = protected_cells(con, contract_slug, threshold)
    if action_id is not None:
        cells = cells[cells["action_id"] == action_id]
    if year is not None:
        cells = cells[cells["year"] == int(year)]
    columns = [by, "label", VALUE, status_column(VALUE), N_SECRET, f"{VALUE}__note", "is_total"]
    if cells.empty:
        return pd.DataFrame(columns=columns)
    parts = sum_unmasked(cells, VALUE, by)
    parts["label"] = [_label(con, contract_slug, by, code) for code in parts[by]]
    parts["is_total"] = False
    total = sum_unmasked(cells, VALUE)
    total[by] = None
    total["label"] = "Total"
    total["is_total"] = True
    out = pd.concat([parts, total], ignore_index=True)
    out[VALUE] = out[VALUE].astype("Int64")
    out[N_SECRET] = out[N_SECRET].astype(int)
    out["is_total"] = out["is_total"].astype(bool)
    out[f"{VALUE}__note"] = pd.Series([secret_note(n, k, threshold) for n, k in zip(out[VALUE], out[N_SECRET])],
                                      index=out.index, dtype=object)
    out[by] = pd.Series([None if v is None or (not isinstance(v, str) and pd.isna(v)) else v
                         for v in out[by]], index=out.index, dtype=object)
    return out[columns].reset_index(drop=True)


def secret_note(n_people, n_secret_cells: int, threshold: int = THRESHOLD) -> str | None:
    """The French mark of a figure: None when exact, « dont secret statistique : 3 cellules »
    when it leaves masked cells out, « 2 cellules de moins de 5 » when it has nothing to show."""
    if not n_secret_cells:
        return None
    cells = f"{n_secret_cells} cellule{'s' if n_secret_cells > 1 else ''}"
    if n_people is None or pd.isna(n_people):
        return f"{cells} de moins de {threshold}"
    return f"dont secret statistique : {cells}"


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
    """The cell as a page shows it: the count when exact, « au moins 45 (dont secret statistique :
    3 cellules) » when masked cells are left out, « secret statistique (2 cellules de moins de
    5) » when every cell is masked."""
    note = row[f"{VALUE}__note"]
    if row[status_column(VALUE)] != "ok":
        return "secret statistique" + (f" ({note})" if note else "")
    if note:
        return f"au moins {fmt_int(int(row[VALUE]))} ({note})"
    return int(row[VALUE])


def display_table(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """The breakdown as a page shows it: two text columns, the dimension's French label and
    « Personnes » (« 1 650 », « au moins 45 (dont secret statistique : 3 cellules) » or « secret
    statistique (2 cellules de moins de 5) »); the total row last."""
    return pd.DataFrame({
        DIMENSIONS[by]: counts["label"].astype(str).tolist(),
        "Personnes": [v if isinstance(v, str) else fmt_int(v) for v in
                      (shown_value(r) for _, r in counts.iterrows())],
    }, columns=[DIMENSIONS[by], "Personnes"])


EXPORT_VALUE = "Personnes hors secret statistique"
EXPORT_SECRET = "Cellules en secret statistique (moins de 5 personnes)"


def export_table(counts: pd.DataFrame, by: str) -> pd.DataFrame:
    """The breakdown as CSV/XLSX exports carry it (reports.tables): the code, the French label,
    the people of the unmasked cells (« secret statistique » when every cell is masked) and how
    many masked cells each figure leaves out, so that a lower bound never reads as a total."""
    return pd.DataFrame({
        "Code": [None if v is None else str(v) for v in counts[by]],
        DIMENSIONS[by]: counts["label"].astype(str).tolist(),
        EXPORT_VALUE: counts[VALUE].astype("Int64"),
        status_column(EXPORT_VALUE): counts[status_column(VALUE)].tolist(),
        EXPORT_SECRET: counts[N_SECRET].astype(int),
    })


# ── Share of people reached who live in a QPV ──────────────────────────────────────────────
# residence_status (programme_beneficiaries): qpv | hors_qpv | a_verifier | NULL (unknown), from
# the territory typed or computed at load from an address that is then dropped. It is one of the
# dimensions of the finest grain (`FINEST`), so the share is derived from the same protected cells
# as every other count of people: nothing here reads the rows.
N_SECRET_IN_QPV = "n_secret_cells_in_qpv"
SHARE_COLUMNS = ["action_id", "label", "year", "n_people", status_column("n_people"), N_SECRET,
                 "n_in_qpv", status_column("n_in_qpv"), N_SECRET_IN_QPV, "share_in_qpv_pct",
                 status_column("share_in_qpv_pct"), "note"]
SHARE_NOTE = "part non calculée : des cellules de moins de 5 personnes sont masquées"


def qpv_share(con, contract_slug: str, *, year: int | None = None,
              threshold: int = THRESHOLD) -> pd.DataFrame:
    """Per action and year: people reached (`n_people`), those living in a QPV (`n_in_qpv`) and
    their share in % of the people reached (`share_in_qpv_pct`, the annual review's figure).

    Both counts are sums of the unmasked cells of `protected_cells` (`n_secret_cells`,
    `n_secret_cells_in_qpv`: the masked cells each leaves out, so it is exact only at 0); the share
    is given only when no cell of the action and year is masked. People « à vérifier » (near a QPV
    edge) or whose residence is unknown are not counted as living in a QPV.
    """
    cells = protected_cells(con, contract_slug, threshold)
    if year is not None:
        cells = cells[cells["year"] == int(year)]
    rows = []
    for (yr, action_id), group in cells.groupby(["year", "action_id"], sort=True, dropna=False):
        total = sum_unmasked(group, VALUE).iloc[0]
        in_qpv = sum_unmasked(group[group["residence_status"] == "qpv"], VALUE).iloc[0]
        exact = int(total[N_SECRET]) == 0
        n_in = None if pd.isna(in_qpv[VALUE]) else int(in_qpv[VALUE])
        if n_in is None and int(in_qpv[N_SECRET]) == 0:
            n_in = 0                    # no cell in a QPV, masked or not: exactly 0
        share_ok = exact and total[VALUE] is not pd.NA and int(total[VALUE]) > 0
        rows.append({
            "action_id": action_id, "label": _label(con, contract_slug, "action_id", action_id),
            "year": int(yr),
            "n_people": None if pd.isna(total[VALUE]) else int(total[VALUE]),
            status_column("n_people"): total[status_column(VALUE)],
            "n_in_qpv": n_in, status_column("n_in_qpv"): "ok" if n_in is not None else "secret",
            N_SECRET: int(total[N_SECRET]), N_SECRET_IN_QPV: int(in_qpv[N_SECRET]),
            "share_in_qpv_pct": round(100.0 * n_in / int(total[VALUE]), 1) if share_ok else None,
            status_column("share_in_qpv_pct"): "ok" if share_ok else "secret",
            "note": None if share_ok else SHARE_NOTE,
        })
    out = pd.DataFrame(rows, columns=SHARE_COLUMNS)
    for col in ("n_people", "n_in_qpv"):
        out[col] = out[col].astype("Int64")
    for col in (N_SECRET, N_SECRET_IN_QPV):
        out[col] = out[col].astype(int)
    out["share_in_qpv_pct"] = out["share_in_qpv_pct"].astype("Float64")
    for col in ("action_id", "label", "note"):
        out[col] = pd.Series([v if isinstance(v, str) else None for v in out[col]], index=out.index,
                             dtype=object)
    return out


EXPORT_IN_QPV = "dont résidant en QPV (hors secret statistique)"
EXPORT_SECRET_IN_QPV = "Cellules en secret statistique parmi les résidents en QPV"
EXPORT_SHARE = "Part résidant en QPV (%)"


def share_export_table(share: pd.DataFrame) -> pd.DataFrame:
    """The share table as CSV/XLSX exports carry it: French headers (the frame's own names,
    `n_in_qpv`…, are no reader's), typed counts with their status (« secret statistique »
    when masked) and the masked cells each figure leaves out."""
    return pd.DataFrame({
        "Code": share["action_id"].astype(str).tolist(),
        "Action": share["label"].astype(str).tolist(),
        "Année": share["year"].astype(int).tolist(),
        EXPORT_VALUE: share[VALUE].astype("Int64"),
        status_column(EXPORT_VALUE): share[status_column(VALUE)].tolist(),
        EXPORT_SECRET: share[N_SECRET].astype(int),
        EXPORT_IN_QPV: share["n_in_qpv"].astype("Int64"),
        status_column(EXPORT_IN_QPV): share[status_column("n_in_qpv")].tolist(),
        EXPORT_SECRET_IN_QPV: share[N_SECRET_IN_QPV].astype(int),
        EXPORT_SHARE: share["share_in_qpv_pct"].astype("Float64"),
        status_column(EXPORT_SHARE): share[status_column("share_in_qpv_pct")].tolist(),
    })


def share_display_table(share: pd.DataFrame) -> pd.DataFrame:
    """The share table as a page or report shows it (French text cells): a count that leaves
    masked cells out reads « au moins 12 », one with nothing to show « secret statistique »."""
    from indicators.fmt import fmt_pct

    def count(v, status, n_secret):
        if status != "ok":
            return "secret statistique"
        return f"au moins {fmt_int(int(v))}" if n_secret else fmt_int(int(v))

    return pd.DataFrame({
        "Action": share["label"].tolist(),
        "Année": [str(y) for y in share["year"]],
        "Personnes touchées": [count(v, s, k) for v, s, k in
                               zip(share["n_people"], share[status_column("n_people")], share[N_SECRET])],
        "dont résidant en QPV": [count(v, s, k) for v, s, k in
                                 zip(share["n_in_qpv"], share[status_column("n_in_qpv")],
                                     share[N_SECRET_IN_QPV])],
        "Part résidant en QPV": [fmt_pct(v, 1) if s == "ok" else "secret statistique" for v, s in
                                 zip(share["share_in_qpv_pct"], share[status_column("share_in_qpv_pct")])],
    }, columns=["Action", "Année", "Personnes touchées", "dont résidant en QPV",
                "Part résidant en QPV"])
