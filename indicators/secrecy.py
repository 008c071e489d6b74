"""Secret statistique for figures computed by the product (DOMAIN.md §5, issue 5).

Three rules, applied by every aggregation function of ``indicators/``:

1. **Small counts** (``mask_small_counts``): a count computed from per-person rows (beneficiaries
   of an action) that is below the threshold (5) is masked: the value becomes NULL and its status
   ``secret`` with the note ``moins de 5``. Zero is masked too (conservative reading of "under 5";
   pass ``keep_zero=True`` to show zeros). Published aggregate figures are not masked: they are
   shown as published.
2. **Totals** (``secure_total``): a total is not shown when it would let a reader recover a
   withheld part by subtraction: when exactly one of its parts is withheld, or when the withheld
   parts together are below the threshold. A total whose parts are withheld at the source (value
   unknown, NULL) cannot be computed and is withheld too.
3. **Finest grain** (``mask_cells``, ``sum_unmasked``), for counts published in several
   breakdowns of the same people (people reached, issue 10): cells under the threshold are masked
   at the finest cross-classification any view publishes, and every coarser figure is the sum of
   the unmasked cells only, with the number of masked cells it leaves out. No published figure
   then depends on a masked value, whatever breakdowns, filters or exports are combined.

A withheld value is never replaced by 0 and never formatted as a number (indicators/fmt.py).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

THRESHOLD = 5
SMALL_COUNT_NOTE = "moins de 5"
STATUS_SUFFIX = "__status"


def status_column(col: str) -> str:
    """The status column that goes with a value column: ``n_people`` → ``n_people__status``."""
    return f"{col}{STATUS_SUFFIX}"


def is_small(value, threshold: int = THRESHOLD, keep_zero: bool = False) -> bool:
    """True when a count must be masked (below the threshold; zero too unless keep_zero)."""
    if value is None or pd.isna(value):
        return False
    if keep_zero and value == 0:
        return False
    return value < threshold


def mask_small_counts(df: pd.DataFrame, cols: Sequence[str], threshold: int = THRESHOLD, *,
                      keep_zero: bool = False) -> pd.DataFrame:
    """A copy of ``df`` where each count of ``cols`` below ``threshold`` is NULL with status
    'secret' (column ``<col>__status``; an existing status column is kept where not ok).

    Counts stay nullable integers (Int64) so that a masked cell is NA, never 0.
    """
    out = df.copy()
    for col in cols:
        scol = status_column(col)
        small = out[col].map(lambda v: is_small(v, threshold, keep_zero))
        existing = out[scol] if scol in out.columns else pd.Series("ok", index=out.index)
        existing = existing.fillna("ok")
        status = existing.where(existing != "ok", "ok")
        status = status.mask(small & (status == "ok"), "secret")
        values = out[col].mask(small | (status != "ok"))
        if pd.api.types.is_integer_dtype(out[col].dtype) or all(
                float(v).is_integer() for v in values.dropna()):
            values = values.astype("Int64")
        out[col] = values
        out[scol] = status
        note_col = f"{col}__note"
        out[note_col] = [SMALL_COUNT_NOTE if s and st == "secret" else None
                         for s, st in zip(small, status)]
    return out


@dataclass(frozen=True)
class SecureTotal:
    value: float | None
    status: str           # ok | secret
    note: str | None      # why it is withheld


def secure_total(parts: Sequence[float | None], withheld: Sequence[bool] | None = None,
                 threshold: int = THRESHOLD) -> SecureTotal:
    """The total of parts, or withheld when showing it would reveal a withheld part.

    ``parts`` are the true values (None when unknown: withheld at the source); ``withheld[i]``
    says part i is not shown (default: parts that are None). The total is withheld when a part is
    unknown, when exactly one part is withheld, or when the withheld parts add up to less than
    ``threshold`` (two withheld cells of 1 and 2 would reveal "3"). Otherwise it is the sum.
    """
    parts = list(parts)
    if withheld is None:
        withheld = [p is None for p in parts]
    withheld = list(withheld)
    if len(withheld) != len(parts):
        raise ValueError("parts and withheld differ in length")
    if any(p is None for p in parts):
        return SecureTotal(None, "secret", "une partie est couverte par le secret statistique")
    hidden = [p for p, w in zip(parts, withheld) if w]
    if len(hidden) == 1:
        return SecureTotal(None, "secret",
                           "total masqué : il permettrait de retrouver une valeur couverte par le secret")
    if hidden and sum(hidden) < threshold:
        return SecureTotal(None, "secret",
                           "total masqué : il permettrait de retrouver un petit effectif")
    return SecureTotal(float(sum(parts)), "ok", None)


def with_secure_total(df: pd.DataFrame, value_col: str, *, label_col: str | None = None,
                      label: str = "Total", threshold: int = THRESHOLD,
                      keep_zero: bool = False) -> pd.DataFrame:
    """Per-person counts (unmasked, in ``value_col``) → the masked table with a total row.

    Small counts are masked (``mask_small_counts``); a status column ``<value_col>__status``
    already present (withheld at the source) is respected. The total row is computed from the
    true counts and withheld per ``secure_total``, so no masked cell can be recovered from it.
    """
    scol = status_column(value_col)
    source_status = df[scol].fillna("ok") if scol in df.columns else pd.Series("ok", index=df.index)
    parts = [None if pd.isna(v) else float(v) for v in df[value_col]]
    withheld = [st != "ok" or is_small(v, threshold, keep_zero)
                for v, st in zip(df[value_col], source_status)]
    total = secure_total(parts, withheld, threshold)
    if total.status == "ok" and is_small(total.value, threshold, keep_zero):
        total = SecureTotal(None, "secret", SMALL_COUNT_NOTE)
    masked = mask_small_counts(df, [value_col], threshold, keep_zero=keep_zero)
    row = {c: None for c in masked.columns}
    if label_col:
        row[label_col] = label
    row[value_col] = total.value
    row[scol] = total.status
    row[f"{value_col}__note"] = total.note
    out = pd.concat([masked, pd.DataFrame([row], columns=masked.columns)], ignore_index=True)
    if str(masked[value_col].dtype) == "Int64":
        out[value_col] = out[value_col].astype("Int64")
    return out


def protect_breakdown(counts: Sequence[int], threshold: int = THRESHOLD) -> tuple[list[bool], bool]:
    """Which cells of one breakdown (parts of one total) to withhold, and whether to withhold
    the total, for counts computed from per-person rows.

    1. Primary: every count under ``threshold`` (zero included) is withheld.
    2. Complementary: while the withheld cells could be recovered from the total and the shown
       cells (exactly one withheld cell, or withheld cells adding up to less than the threshold),
       the smallest shown cell is withheld too; when no cell is left to withhold, the total is.
    3. A total under the threshold is withheld (then every cell is, by rule 1).

    Returns (withheld per cell, total withheld). The shown total then passes ``secure_total``.
    """
    counts = [int(c) for c in counts]
    hidden = [c < threshold for c in counts]
    total_hidden = sum(counts) < threshold

    def recoverable() -> bool:
        parts = [c for c, h in zip(counts, hidden) if h]
        return len(parts) == 1 or (bool(parts) and sum(parts) < threshold)

    while not total_hidden and recoverable():
        shown = [i for i, h in enumerate(hidden) if not h]
        if not shown:
            total_hidden = True
            break
        smallest = min(shown, key=lambda i: (counts[i], i))
        hidden[smallest] = True
    return hidden, total_hidden


def mask_breakdown(df: pd.DataFrame, value_col: str, *, label_col: str, label: str = "Total",
                   threshold: int = THRESHOLD) -> pd.DataFrame:
    """Counts of one breakdown (``value_col``, true counts) → the table to show: cells withheld by
    ``protect_breakdown`` are NULL with status 'secret' and a note, then a total row
    (``is_total`` true). The value column is a nullable integer: a withheld cell is NA, never 0."""
    hidden, total_hidden = protect_breakdown(df[value_col].tolist(), threshold)
    total = int(df[value_col].sum())
    out = df.copy()
    out["is_total"] = False
    primary = [int(v) < threshold for v in df[value_col]]
    out[status_column(value_col)] = ["secret" if h else "ok" for h in hidden]
    out[f"{value_col}__note"] = [
        None if not h else (SMALL_COUNT_NOTE if p else
                            "masqué pour qu'un effectif de moins de 5 ne se déduise pas du total")
        for h, p in zip(hidden, primary)]
    out[value_col] = pd.array([None if h else int(v) for v, h in zip(df[value_col], hidden)], dtype="Int64")
    row = {c: None for c in out.columns}
    row.update({label_col: label, "is_total": True, value_col: None if total_hidden else total,
                status_column(value_col): "secret" if total_hidden else "ok",
                f"{value_col}__note": SMALL_COUNT_NOTE if total_hidden else None})
    out = pd.concat([out, pd.DataFrame([row], columns=out.columns)], ignore_index=True)
    out[value_col] = out[value_col].astype("Int64")
    out["is_total"] = out["is_total"].astype(bool)
    return out


# ── Masking at the finest grain (counts computed from per-person rows) ───────────────────────
#
# Per-table complementary masking (``protect_breakdown``) holds within one breakdown and against
# its total, not across breakdowns: one year against all years, a breakdown by sex against one by
# age of the same people, or a CSV of one filter against the page of another let a reader solve
# for a masked cell. The rule below holds by construction, for any set of published figures:
#
# 1. the per-person rows are counted once, at the finest grain any view publishes (the cells of
#    the full cross-classification); every cell under the threshold is masked (``mask_cells``);
# 2. every published figure, at any coarser grain (a breakdown's cell, a total, a year, all
#    years), is the sum of the *unmasked* finest cells it covers, with the number of masked cells
#    it leaves out (``sum_unmasked``): « au moins N (dont secret statistique : k cellules) ».
#
# A masked cell then enters no published number: whatever figures a reader combines, it only
# learns that the cell exists and holds 1 to threshold − 1 people.

N_SECRET = "n_secret_cells"


def mask_cells(cells: pd.DataFrame, value_col: str, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Counts at the finest grain (one row per non-empty cell, true counts in ``value_col``) →
    the protected cells: a count under ``threshold`` becomes NA (Int64) with status 'secret'
    (column ``<value_col>__status``, 'ok' otherwise)."""
    out = cells.copy()
    small = out[value_col].astype(int) < threshold
    out[value_col] = pd.array([None if s else int(v) for v, s in zip(out[value_col], small)],
                              dtype="Int64")
    out[status_column(value_col)] = ["secret" if s else "ok" for s in small]
    return out.reset_index(drop=True)


def sum_unmasked(cells: pd.DataFrame, value_col: str, by: str | None = None) -> pd.DataFrame:
    """Protected cells (``mask_cells``) → one figure per value of ``by`` (NULL is a group of its
    own, last), or one row for all cells when ``by`` is None.

    Columns: ``by`` (when given), ``value_col`` (the sum of the unmasked cells, Int64; NA when every
    cell of the group is masked), ``<value_col>__status`` ('ok', or 'secret' when NA) and
    ``n_secret_cells`` (how many masked cells the figure leaves out; 0: the figure is exact).
    Only unmasked values are ever read, so no figure depends on a masked cell.
    """
    scol = status_column(value_col)
    figures: dict = {}      # key → [sum of unmasked cells, unmasked cells, masked cells]
    keys = cells[by].tolist() if by else [None] * len(cells)
    for key, value, status in zip(keys, cells[value_col], cells[scol]):
        figure = figures.setdefault(None if _is_null(key) else key, [0, 0, 0])
        if status == "ok":
            figure[0] += int(value)
            figure[1] += 1
        else:
            figure[2] += 1
    if not by and not figures:
        figures[None] = [0, 0, 0]
    order = sorted(k for k in figures if k is not None) + ([None] if None in figures else [])
    out = pd.DataFrame([{"key": k, value_col: figures[k][0] if figures[k][1] else None,
                         scol: "ok" if figures[k][1] else "secret", N_SECRET: figures[k][2]}
                        for k in order], columns=["key", value_col, scol, N_SECRET])
    out[value_col] = out[value_col].astype("Int64")
    out[N_SECRET] = out[N_SECRET].astype(int)
    out["key"] = pd.Series(out["key"].tolist(), index=out.index, dtype=object)
    return out.rename(columns={"key": by}) if by else out.drop(columns="key")


def _is_null(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))
