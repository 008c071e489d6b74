"""Internal figures (indicators/visibility.py): a public connection reads no internal row, and
neither does anything computed from it."""
from __future__ import annotations

import duckdb

from indicators import beneficiaries, financing, kpi, visibility
from indicators.portrait import build_portrait

from .conftest import records


def programme(f) -> None:
    """A public action and an internal one (with a public-looking funding line), an internal
    funding line of the public action, an internal KPI value and an internal published figure."""
    f.contract("c")
    f.territory("QN09901A", "qpv", "Quartier Un", vintage=2024, contract="c")
    f.action("c", "A1", 2024, title="Action publique", territories=["QN09901A"])
    f.action("c", "A2", 2024, title="Projet en préparation", territories=["QN09901A"])
    f.funding("c", "A1", 2024, "ville", 1000)
    f.funding("c", "A1", 2024, "etat_p147", 500)
    f.funding("c", "A2", 2024, "ville", 700)
    f.kpi("c", "k1", label="Personnes accompagnées")
    f.kpi_value("c", "k1", 10, year=2024)
    f.kpi_value("c", "k1", 12, year=2025)
    f.fact("QN09901A", "qpv", "poverty_rate_pct", 2021, 40.0)
    f.fact("QN09901A", "qpv", "poverty_rate_pct", 2023, 38.0, origin="published")
    for sql in ("update programme_actions set is_internal = true where action_id = 'A2'",
                "update programme_funding set is_internal = true where funder = 'etat_p147'",
                "update kpi_values set is_internal = true where year = 2025",
                "update indicator_facts set is_internal = true where year = 2023"):
        f.con.execute(sql)
    for sex in ("femme", "homme", "femme", "homme", "femme", "autre"):
        f.con.execute("insert into programme_beneficiaries (contract_slug, action_id, year,"
                      " territory_code, sex, age_band, source_id) values ('c', 'A2', 2024, 'QN09901A', ?, "
                      "'16_29', 'src')", [sex])


def test_a_public_connection_reads_no_internal_row(db) -> None:
    programme(db)
    full = db.con.cursor()
    public = visibility.hide_internal(db.con.cursor())
    assert records(financing.totals_by_year(full, "c")) == [{"year": 2024, "amount_eur": 2200.0, "n_actions": 2}]
    assert records(financing.totals_by_year(public, "c")) == [{"year": 2024, "amount_eur": 1000.0, "n_actions": 1}]
    assert [(a["action_id"], a["amount_eur"], a["funders"]) for a in records(financing.actions_table(full, "c"))] \
        == [("A1", 1500.0, ["etat_p147", "ville"]), ("A2", 700.0, ["ville"])]
    assert [(a["action_id"], a["amount_eur"], a["funders"]) for a in records(financing.actions_table(public, "c"))] \
        == [("A1", 1000.0, ["ville"])]
    assert [(t.value, t.year, t.cumulative_value) for t in kpi.kpi_tiles(full, "c")] == [(12.0, 2025, 22.0)]
    assert [(t.value, t.year, t.cumulative_value) for t in kpi.kpi_tiles(public, "c")] == [(10.0, 2024, 10.0)]
    # The database's own views read the public rows too.
    sql = "select year, value from indicator_values order by year"
    assert full.execute(sql).fetchall() == [(2021, 40.0), (2023, 38.0)]
    assert public.execute(sql).fetchall() == [(2021, 40.0)]
    assert [v.year for v in build_portrait(public, "QN09901A").values] == [2021]
    # People reached by an internal action are not counted either.
    assert full.execute("select count(*) from programme_beneficiaries").fetchall() == [(6,)]
    assert public.execute("select count(*) from programme_beneficiaries").fetchall() == [(0,)]
    assert public.execute("select count(*) from programme_action_territories").fetchall() == [(1,)]
    assert beneficiaries.beneficiary_counts(public, "c", "sex").empty


def test_with_internal_chooses_and_other_cursors_are_untouched(db) -> None:
    programme(db)
    assert visibility.with_internal(db.con.cursor(), True).execute(
        "select count(*) from programme_funding").fetchall() == [(3,)]
    assert visibility.with_internal(db.con.cursor(), False).execute(
        "select count(*) from programme_funding").fetchall() == [(1,)]
    assert db.con.cursor().execute("select count(*) from programme_funding").fetchall() == [(3,)]


def test_a_read_only_database_file_can_be_read_publicly(db, tmp_path) -> None:
    programme(db)
    path = tmp_path / "qpv.duckdb"
    db.con.execute(f"attach '{path}' as out")
    db.con.execute("copy from database memory to out")
    db.con.execute("detach out")
    con = duckdb.connect(str(path), read_only=True)
    try:
        visibility.hide_internal(con)
        assert con.execute("select action_id from programme_actions").fetchall() == [("A1",)]
    finally:
        con.close()


def test_the_reports_command_leaves_internal_figures_out_unless_asked(db, tmp_path) -> None:
    from pypdf import PdfReader

    from reports.__main__ import main
    programme(db)
    path = tmp_path / "qpv.duckdb"
    db.con.execute(f"attach '{path}' as out")
    db.con.execute("copy from database memory to out")
    db.con.execute("detach out")

    def financing_text(before: list[str], after: list[str]) -> str:
        out = tmp_path / "mandat.pdf"
        assert main(["--db", str(path), *before, "mandate", "--territory", "c", "--sections",
                     "financements", "--out", str(out), *after]) == 0
        text = "\n".join(page.extract_text() for page in PdfReader(out).pages)
        return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split())

    public = financing_text([], [])
    assert "Total 1 000 €" in public and "2 200" not in public and "État (programme 147)" not in public
    for before, after in ((["--internal"], []), ([], ["--internal"])):
        internal = financing_text(before, after)
        assert "Total 2 200 €" in internal and "État (programme 147)" in internal
