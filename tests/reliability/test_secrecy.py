"""Secret statistique and personal data (issues 5 and 10), on purpose-built files and on the demo
run through the real build: a value withheld at the source is never shown, exported or
recoverable; counts computed from per-person rows are masked under 5 at the finest grain and
every published figure adds the unmasked cells only, so that an attacker solving every figure of
every view and export together recovers no masked count; no name, address or birth date is ever
stored; published aggregate figures are shown as published."""
from __future__ import annotations

import io
import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pytest
from scipy.optimize import linprog
from streamlit.testing.v1 import AppTest

import config
from etl.build import build
from etl.core import EtlError
from etl.demo import write_demo
from indicators.beneficiaries import (DIMENSIONS, FINEST, beneficiary_counts, display_table, export_table,
                                      has_beneficiaries, qpv_share, shown_value)
from indicators.compare import compare_qpvs, map_values
from indicators.kpi import kpi_tiles
from indicators.portrait import build_portrait
from indicators.secrecy import mask_breakdown
from reports.tables import csv_preamble_length, to_csv_bytes, to_xlsx_bytes
from tests.reliability.conftest import CURRENT_YEAR, ROOT, csv_text, query, text_file, write_context

PERSONAL = ["Nom", "Prénom", "Date de naissance", "Adresse", "E-mail", "Téléphone"]
PEOPLE = {  # (action, year, qpv, sex, age band) → how many people
    ("A1", 2024, "QN07301M", "femme", "16_29"): 6,
    ("A1", 2024, "QN07301M", "femme", "30_59"): 3,
    ("A1", 2024, "QN07302M", "homme", "30_59"): 3,
    ("A2", 2024, "QN07302M", "femme", "60_plus"): 2,
    ("A1", 2025, "QN07301M", "femme", "16_29"): 20,
    ("A1", 2025, "QN07302M", "homme", "16_29"): 7,
    ("A1", 2025, None, "homme", "60_plus"): 1,
}
SECRET_VALUES = ("Dupont", "Hélène", "1987-03-14", "12 rue des Lilas", "helene.dupont@example.org",
                 "06 12 34 56 78")


def write_programme(raw: Path) -> Path:
    p = raw / "programme"
    text_file(p / "contrat.csv", csv_text([["contract", "contract_name"], ["chambery", "Grand Chambéry"]]))
    text_file(p / "territoires.csv", csv_text([
        ["contract", "territory_code", "territory_level", "territory_name", "in_contract"],
        ["chambery", "QN07301M", "qpv", "Biollay - Bellevue", "oui"],
        ["chambery", "QN07302M", "qpv", "Les Hauts De Chambéry", "oui"]]))
    text_file(p / "actions.csv", csv_text([
        ["contract", "action_id", "year", "title"],
        ["chambery", "A1", "2024", "Médiation sociale"], ["chambery", "A2", "2024", "Atelier mémoire"],
        ["chambery", "A1", "2025", "Médiation sociale"]]))
    rows = [["contract", "action_id", "year", "territory_code", "sex", "age_band"] + PERSONAL]
    for (action, year, qpv, sex, age), n in PEOPLE.items():
        for i in range(n):
            rows.append(["chambery", action, year, qpv or "", sex, age, f"Dupont{i}", "Hélène",
                         "1987-03-14", "12 rue des Lilas", "helene.dupont@example.org", "06 12 34 56 78"])
    text_file(p / "beneficiaires.csv", csv_text(rows))
    text_file(p / "valeurs.csv", csv_text([
        ["contract", "territory_code", "territory_level", "indicator_id", "year", "value", "source_note"],
        ["chambery", "QN07301M", "qpv", "poverty_rate_pct", "2021", "21,5", "Insee 2021"],
        ["chambery", "QN07302M", "qpv", "poverty_rate_pct", "2021", "s", "Insee 2021"]]))
    text_file(p / "kpi.csv", csv_text([["contract", "kpi_id", "label", "unit", "cumulation"],
                                       ["chambery", "k_seniors", "Seniors accompagnés", "personnes", "latest"]]))
    text_file(p / "kpi_valeurs.csv", csv_text([["contract", "kpi_id", "year", "value", "is_published"],
                                               ["chambery", "k_seniors", "2024", "3", "oui"]]))
    return raw


@pytest.fixture(scope="module")
def secrecy_db(tmp_path_factory) -> tuple[Path, object]:
    root = tmp_path_factory.mktemp("secret")
    raw = write_programme(write_context(root / "raw"))
    db = root / "qpv.duckdb"
    report = build([raw], db, progress=None, current_year=CURRENT_YEAR)
    return db, report


@pytest.fixture
def con(secrecy_db):
    c = duckdb.connect(str(secrecy_db[0]), read_only=True)
    yield c
    c.close()


# ── Personal data ───────────────────────────────────────────────────────────────────────────
def test_personal_columns_are_dropped_with_a_warning_and_never_stored(secrecy_db, con) -> None:
    db, report = secrecy_db
    assert [str(w) for w in report.warnings] == [
        "raw/programme/beneficiaires.csv : colonnes de données personnelles ignorées, jamais enregistrées :"
        " Nom, Prénom, Date de naissance, Adresse, E-mail, Téléphone"]
    assert con.execute("select column_name from information_schema.columns where table_name ="
                       " 'programme_beneficiaries' order by ordinal_position").fetchall() == [
        ("contract_slug",), ("action_id",), ("year",), ("territory_code",), ("sex",), ("age_band",),
        ("source_id",), ("residence_status",)]
    assert con.execute("select action_id, year, territory_code, sex, age_band, count(*)"
                       " from programme_beneficiaries group by all order by all").fetchall() == sorted(
        ((a, y, q, s, g, n) for (a, y, q, s, g), n in PEOPLE.items()), key=lambda r: (r[0], r[1], r[2] or "~", r[3], r[4]))
    # No personal value anywhere in the database: every text column of every table.
    texts = con.execute("select table_name, column_name from information_schema.columns"
                        " where data_type = 'VARCHAR' and table_schema = 'main'").fetchall()
    for table, column in texts:
        for value in SECRET_VALUES:
            hits = con.execute(f'select count(*) from "{table}" where contains("{column}", ?)',
                               [value]).fetchall()[0][0]
            assert hits == 0, (table, column, value)
    data = db.read_bytes()
    assert not any(v.encode() in data for v in ("Dupont", "Lilas", "example.org"))


@pytest.mark.parametrize("header, expected", [
    (["NOM", "prenom", "DATE_NAISSANCE", "adresse_postale", "Courriel", "tel"],
     "NOM, prenom, DATE_NAISSANCE, adresse_postale, Courriel, tel"),
    (["Name", "First name", "Birth date", "Address", "Email", "Phone"],
     "Name, First name, Birth date, Address, Email, Phone"),
])
def test_personal_columns_in_any_case_or_language(tmp_path: Path, header, expected) -> None:
    raw = tmp_path / "raw"
    text_file(raw / "contrat.csv", csv_text([["contract", "contract_name"], ["chambery", "Grand Chambéry"]]))
    text_file(raw / "actions.csv", csv_text([["contract", "action_id", "year", "title"],
                                             ["chambery", "A1", "2024", "Médiation"]]))
    text_file(raw / "personnes.csv", csv_text([["contract", "action_id", "year"] + header,
                                               ["chambery", "A1", "2024", *SECRET_VALUES]]))
    report = build([raw], tmp_path / "qpv.duckdb", progress=None, current_year=CURRENT_YEAR)
    assert [str(w) for w in report.warnings] == [
        f"raw/personnes.csv : colonnes de données personnelles ignorées, jamais enregistrées : {expected}"]
    assert query(tmp_path / "qpv.duckdb", "select * exclude (source_id) from programme_beneficiaries") == [
        ("chambery", "A1", 2024, None, None, None, None)]


def test_an_error_never_quotes_a_personal_cell(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    text_file(raw / "personnes.csv", csv_text([["contract", "action_id", "year", "Nom"],
                                               ["chambery", "A1", "2024", "HÃ©lÃ¨ne Dupont"]]))
    with pytest.raises(EtlError) as info:
        build([raw], tmp_path / "qpv.duckdb", progress=None, current_year=CURRENT_YEAR)
    assert str(info.value) == (
        "raw/personnes.csv, ligne 2, colonne « Nom » : texte mal encodé : le fichier a été converti deux"
        " fois d'un encodage à l'autre (attendu : un fichier enregistré une seule fois, en UTF-8 ou en Latin-1)")


# ── Counts from per-person rows ─────────────────────────────────────────────────────────────
def _rows(df: pd.DataFrame) -> list[tuple]:
    return [tuple(None if (not isinstance(v, str) and pd.isna(v)) else v for v in r)
            for r in df.itertuples(index=False)]


SOME = "dont secret statistique : {} cellule{}"


def _some(k: int) -> str:
    return SOME.format(k, "s" if k > 1 else "")


def test_counts_under_5_are_masked_at_the_finest_grain(con) -> None:
    """Finest cells (action × year × QPV × sex × age band): 6, 3, 3, 2 in 2024; 20, 7, 1 in 2025.
    The cells of 3, 3, 2 and 1 are masked; every figure adds the other cells only."""
    assert has_beneficiaries(con, "chambery") and not has_beneficiaries(con, "demo")
    assert _rows(beneficiary_counts(con, "chambery", "action_id", year=2024)) == [
        ("A1", "Médiation sociale", 6, "ok", 2, _some(2), False),
        ("A2", "Atelier mémoire", None, "secret", 1, "1 cellule de moins de 5", False),
        (None, "Total", 6, "ok", 3, _some(3), True)]
    assert _rows(beneficiary_counts(con, "chambery", "sex", action_id="A1", year=2024)) == [
        ("femme", "Femmes", 6, "ok", 1, _some(1), False),
        ("homme", "Hommes", None, "secret", 1, "1 cellule de moins de 5", False),
        (None, "Total", 6, "ok", 2, _some(2), True)]
    assert _rows(beneficiary_counts(con, "chambery", "age_band", action_id="A2")) == [
        ("60_plus", "60 ans et plus", None, "secret", 1, "1 cellule de moins de 5", False),
        (None, "Total", None, "secret", 1, "1 cellule de moins de 5", True)]
    assert _rows(beneficiary_counts(con, "chambery", "territory_code", year=2025)) == [
        ("QN07301M", "Biollay - Bellevue", 20, "ok", 0, None, False),
        ("QN07302M", "Les Hauts De Chambéry", 7, "ok", 0, None, False),
        (None, "non renseigné", None, "secret", 1, "1 cellule de moins de 5", False),
        (None, "Total", 27, "ok", 1, _some(1), True)]
    assert _rows(beneficiary_counts(con, "chambery", "year")) == [
        (2024, "2024", 6, "ok", 3, _some(3), False), (2025, "2025", 27, "ok", 1, _some(1), False),
        (None, "Total", 33, "ok", 4, _some(4), True)]


def _true_cells(con, slug: str = "chambery") -> pd.DataFrame:
    """The truth the attacker is after: one row per non-empty finest cell, straight from the rows."""
    return con.execute(f"select {', '.join(FINEST)}, count(*) as n from programme_beneficiaries"
                       f" where contract_slug = ? group by all order by all nulls last", [slug]).df()


def _covers(cells: pd.DataFrame, cover: dict) -> np.ndarray:
    """Which finest cells a figure covers: those matching every (dimension, value) of `cover`
    (None matches a NULL, the « non renseigné » group)."""
    mask = np.ones(len(cells), dtype=bool)
    for dim, value in cover.items():
        column = cells[dim].astype(object)
        null = value is None or (not isinstance(value, str) and pd.isna(value))
        mask &= (column.isna() if null else column == value).to_numpy(dtype=bool)
    return mask


@pytest.mark.parametrize("by, action_id, year", list(itertools.product(
    DIMENSIONS, [None, "A1", "A2"], [None, 2024, 2025])))
def test_every_figure_is_the_sum_of_its_unmasked_cells(con, by, action_id, year) -> None:
    """Every breakdown of every filter: each figure is the sum of the finest cells of 5 or more it
    covers, counted here from the rows, and names how many cells under 5 it leaves out; no shown
    figure is under 5; the total is the same in every breakdown of the same filter."""
    table = beneficiary_counts(con, "chambery", by, action_id=action_id, year=year)
    if table.empty:
        return
    truth = _true_cells(con)
    base = {k: v for k, v in (("action_id", action_id), ("year", year)) if v is not None}
    for row in table.itertuples():
        cover = truth[_covers(truth, base if row.is_total else {**base, by: getattr(row, by)})]
        big, small = cover[cover["n"] >= 5]["n"], cover[cover["n"] < 5]["n"]
        assert (None if pd.isna(row.n_people) else int(row.n_people),
                row.n_people__status, row.n_secret_cells) == (
            int(big.sum()) if len(big) else None, "ok" if len(big) else "secret", len(small))
    others = [beneficiary_counts(con, "chambery", d, action_id=action_id, year=year) for d in DIMENSIONS]
    assert len({str(t[t["is_total"]].iloc[0]["n_people"]) for t in others}) == 1


def test_masked_counts_stay_masked_in_csv_and_xlsx_exports(con) -> None:
    table = beneficiary_counts(con, "chambery", "territory_code", year=2025)
    export = export_table(table, "territory_code")
    data = to_csv_bytes(export, title="Personnes touchées en 2025", territory="Grand Chambéry")
    back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                       encoding="utf-8-sig", keep_default_na=False)
    assert back.columns.tolist() == ["Code", "Quartier", "Personnes hors secret statistique",
                                     "Cellules en secret statistique (moins de 5 personnes)"]
    assert back.values.tolist() == [["QN07301M", "Biollay - Bellevue", "20", "0"],
                                    ["QN07302M", "Les Hauts De Chambéry", "7", "0"],
                                    ["", "non renseigné", "secret statistique", "1"],
                                    ["", "Total", "27", "1"]]
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(export, title="Personnes touchées en 2025",
                                                         territory="Grand Chambéry")))
    values = [[c.value for c in row] for row in wb["Données"].iter_rows()]
    header = ["Code", "Quartier", "Personnes hors secret statistique",
              "Cellules en secret statistique (moins de 5 personnes)"]
    body = values[values.index(header) + 1:]
    assert body == [["QN07301M", "Biollay - Bellevue", 20, 0], ["QN07302M", "Les Hauts De Chambéry", 7, 0],
                    [None, "non renseigné", "secret statistique", 1], [None, "Total", 27, 1]]
    assert [shown_value(r) for _, r in table.iterrows()] == [
        20, 7, "secret statistique (1 cellule de moins de 5)", "au moins 27 (dont secret statistique : 1 cellule)"]
    assert display_table(table, "territory_code").values.tolist() == [
        ["Biollay - Bellevue", "20"], ["Les Hauts De Chambéry", "7"],
        ["non renseigné", "secret statistique (1 cellule de moins de 5)"],
        ["Total", "au moins 27 (dont secret statistique : 1 cellule)"]]


def test_published_kpi_figures_are_shown_as_published(con) -> None:
    """3 seniors, as the document publishes it: an aggregate, not counted from people here."""
    tile = next(t for t in kpi_tiles(con, "chambery") if t.kpi_id == "k_seniors")
    assert (tile.value, tile.status, tile.year, tile.is_published) == (3.0, "ok", 2024, True)


# ── The attacker: every published figure in one linear system ──────────────────────────────
# Every figure the functions behind the page and its exports publish (beneficiary_counts for every
# dimension × action × year, the page's text, the CSV and the XLSX read back) is an equation on
# the unknown finest cells: an exact figure is the sum of the cells it covers, an « au moins »
# figure the sum of its unmasked cells (the attacker is granted which cells are masked, and that
# each holds 1 to 4 people, each unmasked one 5 or more). For every masked cell and every figure
# not published exactly, the smallest and largest integer values the system allows are computed
# (scipy's HiGHS, integer variables): a masked value is recovered when they are equal.

@dataclass(frozen=True)
class Figure:
    channel: str            # table | page | csv | xlsx
    cover: tuple            # ((dimension, value), ...): the finest cells it adds up
    value: int | None       # None: not shown (secret statistique)
    exact: bool             # True: published as the exact count of its cover


def _page_figure(text: str) -> tuple[int | None, bool]:
    if text.startswith("secret statistique"):
        return None, False
    m = re.fullmatch(r"au moins ([\d\s\u202f\u00a0]+) \(dont secret statistique : \d+ cellules?\)", text)
    digits = m.group(1) if m else text
    return int(re.sub(r"\D", "", digits)), m is None


def published_figures(con, slug: str) -> list[Figure]:
    """Every figure of every view and export of the people reached, with what it covers:
    beneficiary_counts for every dimension × action × year, and for every breakdown the page
    offers (dimension × year) its text, its CSV and its XLSX read back."""
    actions = [None] + [r[0] for r in con.execute("select distinct action_id from programme_beneficiaries"
                                                  " where contract_slug = ? order by 1", [slug]).fetchall()]
    years = [None] + [r[0] for r in con.execute("select distinct year from programme_beneficiaries"
                                                " where contract_slug = ? order by 1", [slug]).fetchall()]
    figures: list[Figure] = []
    for by, action_id, year in itertools.product(DIMENSIONS, actions, years):
        counts = beneficiary_counts(con, slug, by, action_id=action_id, year=year)
        if counts.empty:
            continue
        base = {k: v for k, v in (("action_id", action_id), ("year", year)) if v is not None}
        covers = [tuple(sorted((base if r.is_total else {**base, by: getattr(r, by)}).items(),
                               key=lambda kv: kv[0])) for r in counts.itertuples()]
        for cover, r in zip(covers, counts.itertuples()):
            figures.append(Figure("table", cover, None if pd.isna(r.n_people) else int(r.n_people),
                                  r.n_secret_cells == 0))
        if action_id is not None:
            continue        # the page and its exports offer no action filter: the function only
        for cover, text in zip(covers, display_table(counts, by)["Personnes"]):
            figures.append(Figure("page", cover, *_page_figure(text)))
        export = export_table(counts, by)
        data = to_csv_bytes(export, title="Personnes touchées", territory=slug)
        back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                           encoding="utf-8-sig")
        for cover, (value, secret) in zip(covers, back.iloc[:, 2:4].itertuples(index=False)):
            figures.append(Figure("csv", cover, None if value == "secret statistique" else int(value),
                                  secret == "0"))
        wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(export, title="Personnes touchées",
                                                             territory=slug)))
        rows = [[c.value for c in row] for row in wb["Données"].iter_rows()]
        body = rows[rows.index(export.columns.drop(export.columns[3]).tolist()) + 1:]
        for cover, row in zip(covers, body):
            figures.append(Figure("xlsx", cover, None if row[2] == "secret statistique" else int(row[2]),
                                  row[3] == 0))
    # The share of people reached who live in a QPV, per action and year (programmes page, report).
    for r in qpv_share(con, slug).itertuples():
        base = (("action_id", r.action_id), ("year", r.year))
        figures.append(Figure("share", base, None if pd.isna(r.n_people) else int(r.n_people),
                              r.n_secret_cells == 0))
        figures.append(Figure("share", base + (("residence_status", "qpv"),),
                              None if pd.isna(r.n_in_qpv) else int(r.n_in_qpv), r.n_secret_cells_in_qpv == 0))
    return figures


def feasible_ranges(cells: pd.DataFrame, equations: list[tuple[np.ndarray, int]],
                    targets: dict[str, np.ndarray], bounds: list[tuple[int, int | None]],
                    at_most_4: list[np.ndarray] = ()) -> dict[str, tuple[int, float]]:
    """Smallest and largest integer value of each target (a 0/1 vector over the finest cells)
    under `equations` (vector · cells = value), the cells' bounds and `at_most_4` (vector · cells
    ≤ 4: a figure published as « moins de 5 »)."""
    unique = {}
    for row, value in equations:
        assert unique.setdefault(row.tobytes(), value) == value       # the figures agree
    a_eq = np.array([np.frombuffer(k, dtype=bool) for k in unique], dtype=float).reshape(-1, len(cells))
    b_eq = np.array(list(unique.values()), dtype=float)
    a_ub = np.array(at_most_4, dtype=float).reshape(-1, len(cells))
    kw = dict(A_eq=a_eq if len(a_eq) else None, b_eq=b_eq if len(a_eq) else None,
              A_ub=a_ub if len(a_ub) else None, b_ub=np.full(len(a_ub), 4.0) if len(a_ub) else None,
              bounds=bounds, integrality=np.ones(len(cells)), method="highs")
    out = {}
    for name, row in targets.items():
        low, high = linprog(row.astype(float), **kw), linprog(-row.astype(float), **kw)
        assert low.status == 0, (name, low.message)
        out[name] = (round(low.fun), math.inf if high.status == 3 else round(-high.fun))
    return out


def attack(con, slug: str, figures: list[Figure]) -> tuple[dict[str, tuple[int, float]], dict[str, int],
                                                           list[Figure]]:
    """The attacker on the publication: feasible range of every masked cell and of every figure
    not published exactly; also the true values, and the figures that do not match the relation
    they claim (there must be none)."""
    cells = _true_cells(con, slug)
    masked = (cells["n"] < 5).to_numpy()
    equations, targets, truth, wrong = [], {}, {}, []
    for f in figures:
        cover = _covers(cells, dict(f.cover))
        adds = cover if f.exact else cover & ~masked
        if f.value is not None:
            equations.append((adds, f.value))
            if int(cells["n"][adds].sum()) != f.value:
                wrong.append(f)
        if not f.exact:
            name = "figure " + (", ".join(f"{k}={v}" for k, v in f.cover) or "(all)")
            targets[name] = cover
            truth[name] = int(cells["n"][cover].sum())
    for i in np.flatnonzero(masked):
        name = "cell " + ", ".join(f"{k}={None if pd.isna(cells.at[i, k]) else cells.at[i, k]}"
                                   for k in FINEST)
        targets[name] = np.arange(len(cells)) == i
        truth[name] = int(cells.at[i, "n"])
    bounds = [(1, 4) if m else (5, None) for m in masked]
    return feasible_ranges(cells, equations, targets, bounds), truth, wrong


def test_no_masked_count_follows_from_every_published_figure(con) -> None:
    figures = published_figures(con, "chambery")
    assert Counter(f.channel for f in figures) == {"table": 109, "page": 46, "csv": 46, "xlsx": 46,
                                                   "share": 6}
    ranges, truth, wrong = attack(con, "chambery", figures)
    assert wrong == []
    assert all(low <= truth[name] <= high for name, (low, high) in ranges.items())
    # A2 (2 people, one cell): masked everywhere, and never narrowed below 1 to 4.
    assert ranges["figure action_id=A2"] == ranges["figure action_id=A2, year=2024"] == (1, 4)
    assert {name: r for name, r in ranges.items() if name.startswith("cell")} == {
        "cell action_id=A1, year=2024, territory_code=QN07301M, sex=femme, age_band=30_59, residence_status=qpv": (1, 4),
        "cell action_id=A1, year=2024, territory_code=QN07302M, sex=homme, age_band=30_59, residence_status=qpv": (1, 4),
        "cell action_id=A1, year=2025, territory_code=None, sex=homme, age_band=60_plus, residence_status=None": (1, 4),
        "cell action_id=A2, year=2024, territory_code=QN07302M, sex=femme, age_band=60_plus, residence_status=qpv": (1, 4)}
    assert [name for name, (low, high) in ranges.items() if low == high] == []


# ── The demo territory: today's attack, then the same attacker on the new publication ─────────
@pytest.fixture(scope="module")
def demo_con(tmp_path_factory):
    root = tmp_path_factory.mktemp("secret_demo")
    write_demo(root / "raw")
    # The demo's people reached as the page published them before issue 13 (its attack below is
    # worked out on them); the participants' lists with addresses, added since, are left out.
    (root / "raw" / "programme" / "beneficiaires_adresses.csv").unlink()
    build([root / "raw"], root / "qpv.duckdb", progress=None)
    c = duckdb.connect(str(root / "qpv.duckdb"), read_only=True)
    yield c
    c.close()


def legacy_tables(con, slug: str) -> dict[tuple[str, int | None], pd.DataFrame]:
    """The page's tables as published before issue 10: each breakdown (dimension × all years or
    one year) counted from the rows and masked on its own (secrecy.mask_breakdown: under 5, then
    complementary cells within the table and its total)."""
    years = [r[0] for r in con.execute("select distinct year from programme_beneficiaries"
                                       " where contract_slug = ? order by 1", [slug]).fetchall()]
    tables = {}
    for by, year in itertools.product(DIMENSIONS, [None, *years]):
        counts = con.execute(f"select {by} as code, count(*) as n from programme_beneficiaries"
                             f" where contract_slug = ? and (? is null or year = ?) group by 1"
                             f" order by 1 nulls last", [slug, year, year]).df()
        counts["code"] = [None if pd.isna(v) else (int(v) if by == "year" else v) for v in counts["code"]]
        tables[(by, year)] = mask_breakdown(counts, "n", label_col="code")
    return tables


def test_todays_attack_on_the_demo_recovers_three_masked_counts_and_now_fails(demo_con) -> None:
    cells = _true_cells(demo_con, "demo")
    tables = legacy_tables(demo_con, "demo")

    def shown(by, year, code):
        t = tables[(by, year)]
        row = t[t["is_total"]] if code == "Total" else t[~t["is_total"] & (t["code"] == code)]
        return None if pd.isna(row["n"].iloc[0]) else int(row["n"].iloc[0])

    # By hand, as a reader would: the 2025 actions' total less its shown actions, less the
    # « Jardins de Lorne » action, shown in the all-years table (it ran in 2025 only).
    shown_2025 = sum(shown("action_id", 2025, a) for a in ("VDL-021", "VDL-023", "VDL-034", "VDL-036"))
    assert shown("action_id", 2025, "VDL-045") is None and shown("action_id", 2025, "VDL-043") is None
    assert shown("action_id", 2025, "Total") - shown_2025 - shown("action_id", None, "VDL-045") == 3
    # The attacker, on every table of the page (nothing granted: a cell may even be empty).
    equations, at_most_4, targets, truth = [], [], {}, {}
    for (by, year), table in tables.items():
        for r in table.itertuples():
            code = None if r.is_total or pd.isna(r.code) else r.code
            cover = {**({} if year is None else {"year": year}), **({} if r.is_total else {by: code})}
            row = _covers(cells, cover)
            if pd.notna(r.n):
                equations.append((row, int(r.n)))
            else:
                name = ", ".join(f"{k}={v}" for k, v in cover.items())
                targets[name], truth[name] = row, int(cells["n"][row].sum())
                if r.n__note == "moins de 5":
                    at_most_4.append(row)
    ranges = feasible_ranges(cells, equations, targets, [(0, None)] * len(cells), at_most_4)
    assert {name: low for name, (low, high) in ranges.items() if low == high} == {
        "action_id=VDL-022": 3, "action_id=VDL-039": 3, "action_id=VDL-043": 3,
        "year=2024, action_id=VDL-022": 3, "year=2024, action_id=VDL-039": 3,
        "year=2025, action_id=VDL-043": 3, "year=2025, action_id=VDL-045": 12,
        "year=2024, territory_code=QN09902I": 3}
    assert all(truth[name] == low for name, (low, high) in ranges.items() if low == high)

    # Now: every figure of every view and export, the attacker granted far more (which finest
    # cells exist and which are masked); nothing is recovered, the three actions included.
    figures = published_figures(demo_con, "demo")
    ranges, truth, wrong = attack(demo_con, "demo", figures)
    assert wrong == []
    assert [name for name, (low, high) in ranges.items() if low == high] == []
    assert all(low <= truth[name] <= high for name, (low, high) in ranges.items())
    assert {a: ranges[f"figure action_id={a}"] for a in ("VDL-022", "VDL-039", "VDL-043")} == {
        "VDL-022": (3, 12), "VDL-039": (2, 8), "VDL-043": (3, 12)}
    assert {(f.channel, f.value, f.exact) for f in figures if f.cover == (("action_id", "VDL-043"),)} == {
        (channel, None, False) for channel in ("table", "page", "csv", "xlsx")}


# Figures that determine one another for one territory and year: if exactly one is withheld and
# the others are shown, the withheld one follows (monthly = yearly / 12, D9 / D1 = ratio, the four
# jobseekers' levels add up to 100 %).
RELATIONS = (("median_income_eur_year", "median_income_eur_month"),
             ("income_d1_eur_year", "income_d9_eur_year", "interdecile_ratio"),
             ("jobseekers_below_cap_bep_pct", "jobseekers_cap_bep_pct", "jobseekers_bac_pct",
              "jobseekers_above_bac_pct"))


def test_no_withheld_insee_value_of_the_demo_can_be_recomputed(demo_con) -> None:
    """Every value withheld at the source in the demo: no numerator or denominator beside it, no
    related figure of the same territory and year that gives it back, and in every QPV portrait
    no number, gap or rank derived from it (a withheld comparator has no gap either)."""
    facts = demo_con.execute("select territory_code, territory_level, indicator_id, year, status,"
                             " value, numerator, denominator, geography_vintage from indicator_values").df()
    withheld = facts[facts["status"] != "ok"]
    # 44 INSEE values, and 2 APL « n.d. » of the demo's health file (commune level).
    assert len(withheld) == 46 and set(withheld["status"]) == {"secret", "missing", "not_significant"}
    assert withheld[["value", "numerator", "denominator"]].isna().all().all()
    for (code, level, year), group in facts.groupby(["territory_code", "territory_level", "year"]):
        status = dict(zip(group["indicator_id"], group["status"]))
        for relation in RELATIONS:
            present = [status[i] for i in relation if i in status]
            assert not (len(present) == len(relation) and present.count("ok") == len(relation) - 1), (
                code, level, year, relation)
    qpvs = [r[0] for r in demo_con.execute("select territory_code from territories where territory_level"
                                           " = 'qpv' and is_fictional order by 1").fetchall()]
    seen = 0
    for qpv in qpvs:
        for v in build_portrait(demo_con, qpv).values:
            if v.status != "ok":
                seen += 1
                assert (v.value, v.numerator, v.denominator) == (None, None, None), (qpv, v.indicator_id)
                assert all(c.gap is None for c in v.comparators) and all(r.rank is None for r in v.ranks)
            for c in v.comparators:
                if c.status != "ok":
                    assert (c.value, c.numerator, c.denominator, c.gap) == (None, None, None, None)
            for r in v.ranks:
                pool = facts[(facts["indicator_id"] == v.indicator_id) & (facts["year"] == r.year)
                             & (facts["territory_level"] == "qpv") & facts["territory_code"].isin(qpvs)
                             & (facts["geography_vintage"] == r.geography_vintage)]
                if r.scope == "all":
                    assert (r.n, r.n_withheld) == ((pool["status"] == "ok").sum(), (pool["status"] != "ok").sum())
    assert seen == 8        # the latest year of each indicator: 8 withheld values across the QPVs


# ── Values withheld at the source ───────────────────────────────────────────────────────────
def test_a_withheld_source_value_is_never_shown_nor_exported(con) -> None:
    df = compare_qpvs(con, "chambery", ["poverty_rate_pct"])
    assert [(r.qpv_code, None if pd.isna(r.poverty_rate_pct) else r.poverty_rate_pct, r.poverty_rate_pct__status)
            for r in df.itertuples()] == [("QN07301M", 21.5, "ok"), ("QN07302M", None, "secret")]
    m = map_values(con, "chambery", "poverty_rate_pct")
    assert [(r.qpv_code, r.status, r.value_text, None if pd.isna(r.class_index) else r.class_index)
            for r in m.frame.itertuples()] == [
        ("QN07301M", "ok", "21,5\u00a0%", m.frame["class_index"].iloc[0]), ("QN07302M", "secret", "secret statistique", None)]
    p = build_portrait(con, "QN07302M")
    figure = next(f for f in p.values if f.indicator_id == "poverty_rate_pct")
    assert (figure.value, figure.status, figure.numerator, figure.denominator) == (None, "secret", None, None)
    export = pd.DataFrame({"Quartier": df["qpv_name"], "value": df["poverty_rate_pct"],
                           "status": df["poverty_rate_pct__status"]})
    data = to_csv_bytes(export, title="Taux de pauvreté", territory="Grand Chambéry")
    back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                       encoding="utf-8-sig")
    assert back.values.tolist() == [["Biollay - Bellevue", "21,5"], ["Les Hauts De Chambéry", "secret statistique"]]


def test_the_compare_page_shows_secret_statistique(secrecy_db, monkeypatch: pytest.MonkeyPatch) -> None:
    db, _ = secrecy_db
    monkeypatch.setattr(config, "DB_PATH", db)
    monkeypatch.setenv("QPV_DB_PATH", str(db))
    at = AppTest.from_file(str(ROOT / "pages" / "comparer.py"), default_timeout=60)
    at.session_state["territoire"] = "chambery"
    at.session_state["indicateur"] = "poverty_rate_pct"
    at.run()
    assert not at.exception
    table = at.dataframe[0].value
    column = next(c for c in table.columns if c.startswith("Taux de pauvreté"))
    assert dict(zip(table["Code"], table[column])) == {"QN07301M": "21,5\u00a0%", "QN07302M": "secret statistique"}
