from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.secrecy import (SecureTotal, mask_cells, mask_small_counts, secure_total, sum_unmasked,
                               with_secure_total)

from indicators.beneficiaries import beneficiary_counts, display_table, protected_cells

from .conftest import SRC, records

HIDE1 = "total masqué : il permettrait de retrouver une valeur couverte par le secret"
HIDE_SMALL = "total masqué : il permettrait de retrouver un petit effectif"


def test_mask_small_counts():
    df = pd.DataFrame({"qpv": ["A", "B", "C", "D", "E"], "n": [12, 4, 0, 5, None],
                       "n__status": ["ok", "ok", "ok", "ok", "secret"]})
    assert records(mask_small_counts(df, ["n"])) == [
        {"qpv": "A", "n": 12, "n__status": "ok", "n__note": None},
        {"qpv": "B", "n": None, "n__status": "secret", "n__note": "moins de 5"},
        {"qpv": "C", "n": None, "n__status": "secret", "n__note": "moins de 5"},
        {"qpv": "D", "n": 5, "n__status": "ok", "n__note": None},
        {"qpv": "E", "n": None, "n__status": "secret", "n__note": None},
    ]
    kept = mask_small_counts(df, ["n"], keep_zero=True)
    assert records(kept)[2] == {"qpv": "C", "n": 0, "n__status": "ok", "n__note": None}
    assert df["n"].tolist()[1] == 4  # input untouched


@pytest.mark.parametrize("parts, withheld, expected", [
    ([10, 20, 30], None, SecureTotal(60.0, "ok", None)),
    ([10, 3, 30], [False, True, False], SecureTotal(None, "secret", HIDE1)),
    ([10, 3, 4], [False, True, True], SecureTotal(17.0, "ok", None)),
    ([10, 1, 2], [False, True, True], SecureTotal(None, "secret", HIDE_SMALL)),
    ([10, None, 30], None, SecureTotal(None, "secret", "une partie est couverte par le secret statistique")),
    ([], None, SecureTotal(0.0, "ok", None)),
])
def test_secure_total(parts, withheld, expected):
    assert secure_total(parts, withheld) == expected


def test_with_secure_total_hides_total_that_reveals_one_cell():
    df = pd.DataFrame({"qpv": ["A", "B", "C"], "n": [12, 3, 40]})
    assert records(with_secure_total(df, "n", label_col="qpv")) == [
        {"qpv": "A", "n": 12, "n__status": "ok", "n__note": None},
        {"qpv": "B", "n": None, "n__status": "secret", "n__note": "moins de 5"},
        {"qpv": "C", "n": 40, "n__status": "ok", "n__note": None},
        {"qpv": "Total", "n": None, "n__status": "secret", "n__note": HIDE1},
    ]
    df2 = pd.DataFrame({"qpv": ["A", "B", "C"], "n": [12, 3, 4]})
    assert records(with_secure_total(df2, "n", label_col="qpv"))[-1] == \
        {"qpv": "Total", "n": 19, "n__status": "ok", "n__note": None}


def test_figures_are_sums_of_the_unmasked_finest_cells_only():
    """Cells under 5 are masked at the finest grain; every coarser figure adds the unmasked cells
    only and says how many masked cells it leaves out, so a masked value enters no figure."""
    cells = mask_cells(pd.DataFrame({"sex": ["femme", "femme", "homme", None, "homme"],
                                     "age": ["a", "b", "a", "a", "b"], "n": [12, 3, 4, 6, 1]}), "n")
    assert records(cells) == [
        {"sex": "femme", "age": "a", "n": 12, "n__status": "ok"},
        {"sex": "femme", "age": "b", "n": None, "n__status": "secret"},
        {"sex": "homme", "age": "a", "n": None, "n__status": "secret"},
        {"sex": None, "age": "a", "n": 6, "n__status": "ok"},
        {"sex": "homme", "age": "b", "n": None, "n__status": "secret"},
    ]
    assert records(sum_unmasked(cells, "n", "sex")) == [
        {"sex": "femme", "n": 12, "n__status": "ok", "n_secret_cells": 1},
        {"sex": "homme", "n": None, "n__status": "secret", "n_secret_cells": 2},
        {"sex": None, "n": 6, "n__status": "ok", "n_secret_cells": 0},
    ]
    assert records(sum_unmasked(cells, "n", "age")) == [
        {"age": "a", "n": 18, "n__status": "ok", "n_secret_cells": 1},
        {"age": "b", "n": None, "n__status": "secret", "n_secret_cells": 2},
    ]
    assert records(sum_unmasked(cells, "n")) == [{"n": 18, "n__status": "ok", "n_secret_cells": 3}]
    # Changing a masked cell (3 → 4, 1 → 2) changes no published figure.
    other = mask_cells(pd.DataFrame({"sex": ["femme", "femme", "homme", None, "homme"],
                                     "age": ["a", "b", "a", "a", "b"], "n": [12, 4, 4, 6, 2]}), "n")
    for by in ("sex", "age", None):
        assert records(sum_unmasked(other, "n", by)) == records(sum_unmasked(cells, "n", by))
    assert records(sum_unmasked(cells.iloc[:0], "n")) == [
        {"n": None, "n__status": "secret", "n_secret_cells": 0}]


finest = st.dictionaries(st.tuples(st.sampled_from(["femme", "homme", None]), st.sampled_from(["a", "b", "c"]),
                                   st.sampled_from([2024, 2025])),
                         st.tuples(st.integers(1, 30), st.integers(1, 4)), min_size=1, max_size=18)


@settings(deadline=None, max_examples=60)
@given(finest)
def test_no_figure_depends_on_a_masked_cell(cells: dict) -> None:
    """Any finest cells: every figure at any grain is the sum of the cells of 5 or more, and
    stays the same whatever value (1 to 4) the masked cells hold."""
    def frame(pick: int) -> pd.DataFrame:
        rows = [(sex, age, year, n if n >= 5 else alt if pick else n)
                for (sex, age, year), (n, alt) in cells.items()]
        return mask_cells(pd.DataFrame(rows, columns=["sex", "age", "year", "n"]), "n")

    for by in ("sex", "age", "year", None):
        out = sum_unmasked(frame(0), "n", by)
        assert records(out) == records(sum_unmasked(frame(1), "n", by))
        for row in records(out):
            group = [n for (sex, age, year), (n, _) in cells.items()
                     if by is None or {"sex": sex, "age": age, "year": year}[by] == row[by]]
            big = [n for n in group if n >= 5]
            assert (row["n"], row["n_secret_cells"]) == (sum(big) if big else None, len(group) - len(big))


def test_people_reached_are_sums_of_the_protected_finest_cells(db):
    """Per-person rows → finest cells (action × year × QPV × sex × age band) masked under the
    threshold → every breakdown adds the unmasked cells; the threshold is a parameter."""
    db.contract("c")
    db.action("c", "A1", 2024, title="Médiation")
    db.action("c", "A2", 2024, title="Atelier")
    rows = ([("A1", "QN1", "femme", "16_29")] * 12 + [("A1", "QN1", "homme", "16_29")] * 7
            + [("A1", None, "femme", "30_59")] * 2 + [("A2", "QN1", "femme", "16_29")] * 10)
    db.con.executemany("insert into programme_beneficiaries (contract_slug, action_id, year,"
                       " territory_code, sex, age_band, source_id) values ('c', ?, 2024, ?, ?, ?, ?)",
                       [[a, q, s, g, SRC] for a, q, s, g in rows])
    assert records(protected_cells(db.con, "c", threshold=10)) == [
        {"action_id": "A1", "year": 2024, "territory_code": "QN1", "sex": "femme", "age_band": "16_29",
         "residence_status": None, "n_people": 12, "n_people__status": "ok"},
        {"action_id": "A1", "year": 2024, "territory_code": "QN1", "sex": "homme", "age_band": "16_29",
         "residence_status": None, "n_people": None, "n_people__status": "secret"},
        {"action_id": "A1", "year": 2024, "territory_code": None, "sex": "femme", "age_band": "30_59",
         "residence_status": None, "n_people": None, "n_people__status": "secret"},
        {"action_id": "A2", "year": 2024, "territory_code": "QN1", "sex": "femme", "age_band": "16_29",
         "residence_status": None, "n_people": 10, "n_people__status": "ok"}]
    table = beneficiary_counts(db.con, "c", "sex", threshold=10)
    assert records(table) == [
        {"sex": "femme", "label": "Femmes", "n_people": 22, "n_people__status": "ok", "n_secret_cells": 1,
         "n_people__note": "dont secret statistique : 1 cellule", "is_total": False},
        {"sex": "homme", "label": "Hommes", "n_people": None, "n_people__status": "secret",
         "n_secret_cells": 1, "n_people__note": "1 cellule de moins de 10", "is_total": False},
        {"sex": None, "label": "Total", "n_people": 22, "n_people__status": "ok", "n_secret_cells": 2,
         "n_people__note": "dont secret statistique : 2 cellules", "is_total": True}]
    assert display_table(table, "sex").values.tolist() == [
        ["Femmes", "au moins 22 (dont secret statistique : 1 cellule)"],
        ["Hommes", "secret statistique (1 cellule de moins de 10)"],
        ["Total", "au moins 22 (dont secret statistique : 2 cellules)"]]
    # The default threshold (5): only the cell of 2 is masked.
    assert records(beneficiary_counts(db.con, "c", "action_id", year=2024)) == [
        {"action_id": "A1", "label": "Médiation", "n_people": 19, "n_people__status": "ok",
         "n_secret_cells": 1, "n_people__note": "dont secret statistique : 1 cellule", "is_total": False},
        {"action_id": "A2", "label": "Atelier", "n_people": 10, "n_people__status": "ok",
         "n_secret_cells": 0, "n_people__note": None, "is_total": False},
        {"action_id": None, "label": "Total", "n_people": 29, "n_people__status": "ok", "n_secret_cells": 1,
         "n_people__note": "dont secret statistique : 1 cellule", "is_total": True}]
    assert beneficiary_counts(db.con, "c", "sex", year=2025).empty
