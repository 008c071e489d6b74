"""Secret statistique and personal data (issue 5), on purpose-built files run through the real
build: a value withheld at the source is never shown, exported or recoverable; counts computed
from per-person rows under 5 are masked everywhere, with complementary masking so that no masked
cell follows from a shown total; no name, address or birth date is ever stored; published
aggregate figures are shown as published."""
from __future__ import annotations

import io
import itertools
from pathlib import Path

import duckdb
import openpyxl
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from etl.build import build
from etl.core import EtlError
from indicators.beneficiaries import (DIMENSIONS, beneficiary_counts, display_table, has_beneficiaries,
                                      shown_value)
from indicators.compare import compare_qpvs, map_values
from indicators.kpi import kpi_tiles
from indicators.portrait import build_portrait
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


def test_counts_under_5_are_masked_with_complementary_masking(con) -> None:
    assert has_beneficiaries(con, "chambery") and not has_beneficiaries(con, "demo")
    # 2024: A1 12 people, A2 2 → A2 masked (under 5), A1 masked too (else 14 − 12 = 2).
    assert _rows(beneficiary_counts(con, "chambery", "action_id", year=2024)) == [
        ("A1", "Médiation sociale", None, "secret", "masqué pour qu'un effectif de moins de 5 ne se déduise pas du total", False),
        ("A2", "Atelier mémoire", None, "secret", "moins de 5", False),
        (None, "Total", 14, "ok", None, True)]
    # A1 in 2024 by sex: 9 women, 3 men → 3 masked, 9 masked with it; total 12 shown.
    assert _rows(beneficiary_counts(con, "chambery", "sex", action_id="A1", year=2024)) == [
        ("femme", "Femmes", None, "secret", "masqué pour qu'un effectif de moins de 5 ne se déduise pas du total", False),
        ("homme", "Hommes", None, "secret", "moins de 5", False),
        (None, "Total", 12, "ok", None, True)]
    # A2 in 2024: 2 people in all → everything masked, the total too.
    assert _rows(beneficiary_counts(con, "chambery", "age_band", action_id="A2")) == [
        ("60_plus", "60 ans et plus", None, "secret", "moins de 5", False),
        (None, "Total", None, "secret", "moins de 5", True)]
    # 2025 by neighbourhood: 20, 7 and 1 of unknown residence → the 1 and the 7 masked.
    assert _rows(beneficiary_counts(con, "chambery", "territory_code", year=2025)) == [
        ("QN07301M", "Biollay - Bellevue", 20, "ok", None, False),
        ("QN07302M", "Les Hauts De Chambéry", None, "secret",
         "masqué pour qu'un effectif de moins de 5 ne se déduise pas du total", False),
        (None, "non renseigné", None, "secret", "moins de 5", False),
        (None, "Total", 28, "ok", None, True)]
    # Years: 14 and 28, nothing to mask.
    assert _rows(beneficiary_counts(con, "chambery", "year")) == [
        (2024, "2024", 14, "ok", None, False), (2025, "2025", 28, "ok", None, False),
        (None, "Total", 42, "ok", None, True)]


def _true_counts(con, by: str, action_id, year) -> list[int]:
    where, params = ["contract_slug = 'chambery'"], []
    if action_id:
        where.append("action_id = ?")
        params.append(action_id)
    if year:
        where.append("year = ?")
        params.append(year)
    return [r[1] for r in con.execute(f"select {by}, count(*) from programme_beneficiaries where"
                                      f" {' and '.join(where)} group by 1 order by 1 nulls last", params).fetchall()]


@pytest.mark.parametrize("by, action_id, year", list(itertools.product(
    DIMENSIONS, [None, "A1", "A2"], [None, 2024, 2025])))
def test_no_masked_cell_can_be_recovered(con, by, action_id, year) -> None:
    """Every breakdown of every filter: no shown cell under 5; when the total is shown, the
    masked cells are none, or at least two adding up to 5 or more (no subtraction finds one);
    the shown total is the same number in every breakdown of the same filter."""
    table = beneficiary_counts(con, "chambery", by, action_id=action_id, year=year)
    if table.empty:
        return
    cells, total = table[~table["is_total"]], table[table["is_total"]].iloc[0]
    true = _true_counts(con, by, action_id, year)
    shown = cells["n_people"].dropna().astype(int).tolist()
    assert all(v >= 5 for v in shown)
    assert all((st == "ok") == pd.notna(v) for v, st in zip(table["n_people"], table["n_people__status"]))
    hidden = [t for t, v in zip(true, cells["n_people"]) if pd.isna(v)]
    if total["n_people__status"] == "ok":
        assert int(total["n_people"]) == sum(true) >= 5
        assert len(hidden) != 1 and (not hidden or sum(hidden) >= 5)
    else:
        assert sum(true) < 5 and not shown
    others = [beneficiary_counts(con, "chambery", d, action_id=action_id, year=year) for d in DIMENSIONS]
    totals = {str(t[t["is_total"]].iloc[0]["n_people"]) for t in others}
    assert len(totals) == 1


def test_masked_counts_stay_masked_in_csv_and_xlsx_exports(con) -> None:
    table = beneficiary_counts(con, "chambery", "territory_code", year=2025)
    export = table[["label", "n_people", "n_people__status"]].rename(columns={"label": "Quartier"})
    data = to_csv_bytes(export, title="Personnes touchées en 2025", territory="Grand Chambéry")
    back = pd.read_csv(io.BytesIO(data), sep=";", skiprows=csv_preamble_length(data), dtype=str,
                       encoding="utf-8-sig")
    assert back.values.tolist() == [["Biollay - Bellevue", "20"], ["Les Hauts De Chambéry", "secret statistique"],
                                    ["non renseigné", "secret statistique"], ["Total", "28"]]
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(export, title="Personnes touchées en 2025",
                                                         territory="Grand Chambéry")))
    values = [[c.value for c in row] for row in wb["Données"].iter_rows()]
    body = values[values.index(["Quartier", "n_people"]) + 1:]
    assert body == [["Biollay - Bellevue", 20], ["Les Hauts De Chambéry", "secret statistique"],
                    ["non renseigné", "secret statistique"], ["Total", 28]]
    assert [shown_value(r) for _, r in table.iterrows()] == [
        20, "secret statistique", "secret statistique (moins de 5)", 28]
    assert display_table(table, "territory_code").values.tolist() == [
        ["Biollay - Bellevue", "20"], ["Les Hauts De Chambéry", "secret statistique"],
        ["non renseigné", "secret statistique (moins de 5)"], ["Total", "28"]]


def test_published_kpi_figures_are_shown_as_published(con) -> None:
    """3 seniors, as the document publishes it: an aggregate, not counted from people here."""
    tile = next(t for t in kpi_tiles(con, "chambery") if t.kpi_id == "k_seniors")
    assert (tile.value, tile.status, tile.year, tile.is_published) == (3.0, "ok", 2024, True)


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
