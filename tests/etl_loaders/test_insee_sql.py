"""The INSEE loader's DuckDB path (`insee._read_sql`): a CSV DuckDB can read exactly as
`read_table` does is parsed and checked in SQL; any other goes to the careful reader. Both give
the same facts, sources and messages, and the same errors (file, line, column)."""
from __future__ import annotations

import pytest

import etl.db
from etl.core import Candidate, EtlError, LoadContext
from etl.loaders import insee

# Every kind of cell parse_column reads: plain and grouped numbers (space, no-break space,
# narrow no-break space), decimal comma, signs, exponents, quoted cells, markers in any case,
# empty cells, NOTE_* flags of two sources, LIBGEO, an « ensemble des QPV » row.
HEADER = "CODGEO;LIBGEO;DISP_MED21;DISP_TP6021;NB_FICT_A21;PART_FICT_A21;NOTE_FILO;NOTE_RP\n"
ROWS = (
    'QN07101I;Les Aubépins;"21 950";"19,5";12;4.5;0;0\n'
    "QN07102I;Centre;21\u00a0950,5;S;+1e3;nd;1;0\n"
    "QN07103I;Gare;1\u202f234;.5;;ns;s;\n"
    "QN07104I;Nord;-0;5,;n/a;-;;secret\n"
    ";Ensemble des quartiers;20000;22;1000;50;;\n"
)
DICTIONARY = ("COD_VAR;LIB_VAR\nDISP_MED21;Médiane du revenu disponible (en euros par an)\n"
              "DISP_TP6021;Taux de pauvreté (en %)\nNB_FICT_A21;Nombre de ménages fictifs\n"
              "PART_FICT_A21;Part des ménages fictifs (en %)\n")


def _load(tmp_path, name: str, data: bytes, *, careful: bool, monkeypatch) -> dict:
    folder = tmp_path / ("careful" if careful else "sql")
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(data)
    (folder / "meta_fichier.csv").write_text(DICTIONARY, encoding="utf-8")
    cands = [Candidate(p, p.name) for p in sorted(folder.iterdir())]
    for c in cands:
        c.companions = [o for o in cands if o is not c]
    c = next(x for x in cands if x.path.name == name)
    taken = []
    real = insee._read_sql

    def spy(con, cand):
        got = None if careful else real(con, cand)
        taken.append(got is not None)
        return got

    monkeypatch.setattr(insee, "_read_sql", spy)
    monkeypatch.setattr(insee, "SQL_MIN_BYTES", 0)     # small files here: the SQL path all the same
    ctx = LoadContext(etl.db.create_empty(), "t")
    try:
        kind = insee.recognise(c)
        try:
            n = insee.load(ctx, c, kind)
            error = None
        except EtlError as exc:
            n, error = None, str(exc)
        con = ctx.con
        return {
            "rows": n, "error": error, "sql": taken,
            "facts": con.execute(
                "select territory_code, territory_level, indicator_id, year, value, status, status_note,"
                " origin, source_variable from indicator_facts order by all").fetchall(),
            "sources": con.execute("select kind, title, vintage, rows_read, is_fictional from sources").fetchall(),
            "catalog": con.execute("select * from indicator_catalog order by all").fetchall(),
            "territories": con.execute("select territory_code, territory_level, territory_name"
                                       " from territories order by all").fetchall(),
            "messages": [str(m) for m in ctx.messages],
            "temporary": con.execute("select table_name from duckdb_tables() where temporary"
                                     " and table_name like '_insee%'").fetchall(),
        }
    finally:
        ctx.con.close()


def _both(tmp_path, monkeypatch, data: bytes, name: str = "data_qpv_2021.csv") -> tuple[dict, dict]:
    return (_load(tmp_path, name, data, careful=False, monkeypatch=monkeypatch),
            _load(tmp_path, name, data, careful=True, monkeypatch=monkeypatch))


def test_sql_path_gives_the_careful_readers_facts(tmp_path, monkeypatch):
    fast, careful = _both(tmp_path, monkeypatch, (HEADER + ROWS).encode("utf-8"))
    assert fast["sql"] == [True] and careful["sql"] == [False]
    assert fast["error"] is None and fast["rows"] == 5
    assert fast["temporary"] == []
    for key in ("rows", "facts", "sources", "catalog", "territories", "messages"):
        assert fast[key] == careful[key], key
    facts = {(r[0], r[8]): r[4:7] for r in fast["facts"]}
    assert facts[("QN07101I", "DISP_MED21")] == (21950.0, "ok", None)
    assert facts[("QN07102I", "DISP_MED21")] == (None, "not_significant", "NOTE_FILO=1")
    assert facts[("QN07102I", "DISP_TP6021")] == (None, "secret", "S")
    assert facts[("QN07102I", "NB_FICT_A21")] == (1000.0, "ok", None)
    assert facts[("QN07103I", "DISP_MED21")] == (None, "secret", "NOTE_FILO=s")
    assert facts[("QN07103I", "DISP_TP6021")] == (None, "secret", "NOTE_FILO=s")
    assert facts[("QN07103I", "NB_FICT_A21")] == (None, "missing", None)
    assert facts[("QN07104I", "DISP_MED21")] == (-0.0, "ok", None)
    assert facts[("QN07104I", "DISP_TP6021")] == (5.0, "ok", None)
    assert facts[("QN07104I", "PART_FICT_A21")] == (None, "missing", "-")
    assert facts[("QN07104I", "NB_FICT_A21")] == (None, "missing", "n/a")
    assert facts[("ENSEMBLE_QPV_2024", "DISP_MED21")] == (20000.0, "ok", None)


@pytest.mark.parametrize("label, data", [
    ("latin-1 and CR LF", (HEADER + ROWS).replace("\u202f", " ").replace("\n", "\r\n").encode("latin-1")),
    ("BOM", b"\xef\xbb\xbf" + (HEADER + ROWS).encode("utf-8")),
    ("trailing separator", (HEADER.replace("\n", ";\n") + ROWS.replace("\n", ";\n")).encode("utf-8")),
    ("decomposed accent", (HEADER + ROWS.replace("é", "e\u0301")).encode("utf-8")),
])
def test_sql_path_reads_what_read_table_rewrites(tmp_path, monkeypatch, label, data):
    fast, careful = _both(tmp_path, monkeypatch, data)
    assert fast["sql"] == [label != "decomposed accent"]
    for key in ("rows", "error", "facts", "sources", "territories", "messages"):
        assert fast[key] == careful[key], key


@pytest.mark.parametrize("label, rows", [
    ("blank line", ROWS.replace("\nQN07103I", "\n\nQN07103I")),
    ("row of empty cells", ROWS + ";;;;;;;\n"),
    ("repeated row", ROWS + ROWS.splitlines(keepends=True)[0]),
    ("quote inside a cell", ROWS.replace("Centre", 'Cen"tre')),
    ("cell on two lines", ROWS.replace("Centre", '"Cen\ntre"')),
    ("unreadable value", ROWS.replace("+1e3", "1.2.3")),
    ("value with a no-break space around it", ROWS.replace(";12;", ";\u00a012;")),
    ("infinite value", ROWS.replace("+1e3", "1e999")),
    ("short row", ROWS.replace(";0;0\n", ";0\n", 1)),
    ("control character", ROWS.replace("Gare", "Ga\x1bre")),
    ("mojibake", ROWS.replace("Aubépins", "AubÃ©pins")),
])
def test_other_files_go_to_the_careful_reader(tmp_path, monkeypatch, label, rows):
    fast, careful = _both(tmp_path, monkeypatch, (HEADER + rows).encode("utf-8"))
    assert fast["sql"] == [False]
    for key in ("rows", "error", "facts", "messages"):
        assert fast[key] == careful[key], key


@pytest.mark.parametrize("label, rows, error", [
    ("share above 100", ROWS.replace("4.5", "140"),
     "data_qpv_2021.csv, ligne 2, colonne « PART_FICT_A21 » : part hors de 0–100 : PART_FICT_A21 = 140 "
     "(insee_part_fict) (attendu : une part entre 0 et 100)"),
    ("negative count", ROWS.replace("+1e3", "-3,5"),
     "data_qpv_2021.csv, ligne 3, colonne « NB_FICT_A21 » : effectif négatif ou invraisemblable : "
     "NB_FICT_A21 = -3,5 (insee_nb_fict) (attendu : un effectif entre 0 et 100 millions)"),
    ("amount beyond 10^13", ROWS.replace("20000", "2e13"),
     "data_qpv_2021.csv, ligne 6, colonne « DISP_MED21 » : valeur invraisemblable (au-delà de 10^13) : "
     "DISP_MED21 = 2e+13 (median_income_eur_year) (attendu : une valeur inférieure à 10^13 en valeur absolue)"),
])
def test_values_refused_in_sql_as_by_the_careful_reader(tmp_path, monkeypatch, label, rows, error):
    fast, careful = _both(tmp_path, monkeypatch, (HEADER + rows).encode("utf-8"))
    assert fast["sql"] == [True]
    assert fast["error"] == careful["error"] == error
    assert fast["facts"] == careful["facts"] == []


def test_a_small_file_is_read_as_text(tmp_path):
    """Below SQL_MIN_BYTES the text reader is quicker: _read_sql leaves the file to it."""
    p = tmp_path / "data_qpv_2021.csv"
    p.write_text(HEADER + ROWS, encoding="utf-8")
    con = etl.db.create_empty()
    try:
        assert insee._read_sql(con, Candidate(p, p.name)) is None
        big = tmp_path / "big" / "data_qpv_2021.csv"
        big.parent.mkdir()
        lines = [f"QN{i:06d};Q{i};{i};1,5;2;3;0;0\n" for i in range(insee.SQL_MIN_BYTES // 30)]
        big.write_text(HEADER + "".join(lines), encoding="utf-8")
        table = insee._read_sql(con, Candidate(big, big.name))
        assert table is not None and len(table.line_numbers) == len(lines)
        assert table.line_numbers[:2] == [2, 3]
    finally:
        con.close()
