"""The INSEE loader on files written by the test in each published shape, and on real Filosofi 2021."""
from __future__ import annotations

import csv
import time
import zipfile

import pytest

from etl.core import Candidate, EtlError
from etl.loaders import insee
from tests.etl_loaders.conftest import (candidates, load, need_reference, rows, source_id,
                                        zip_candidates)

FACT_COLS = ("territory_code, territory_level, indicator_id, year, value, numerator, denominator,"
             " status, status_note, origin, source_variable, source_id")

NBSP = "\u00a0"
NNBSP = "\u202f"

QPV_DATA = (
    "CODGEO;LIBGEO;DISP_MED_A19;DISP_TP60_A19;DISP_PIMP_A19;NB_PERS_MEN_FISC_A19;NOTE_FILO;\r\n"
    "ENSEMBLE;Ensemble des quartiers prioritaires;13 770;43,3;nd;5 200 000;0;\r\n"
    "FRM;France métropolitaine;21 930;14,6;58,2;63 000 000;;\r\n"
    "QN07301M;Biollay - Bellevue;13 460;44,0;s;2 050;0;\r\n"
    f"QN07302M;Les Hauts de Chambéry;12 980;47,5;51,0;3{NBSP}510;1;\r\n"
    "QN07101I;Aubépins;s;s;ns;1 200;;\r\n"
)
QPV_META = (
    "COD_VAR;LIB_VAR;LIB_VAR_LONG\r\n"
    "DISP_MED_A19;Médiane du revenu disponible par UC (€) en 2019;Médiane du revenu disponible par unité de consommation\r\n"
    "DISP_TP60_A19;Taux de pauvreté au seuil de 60 % (%) en 2019;\r\n"
    "DISP_PIMP_A19;Part des ménages fiscaux imposés (%) en 2019;Part des ménages fiscaux imposés sur le revenu\r\n"
    "NB_PERS_MEN_FISC_A19;Nombre de personnes des ménages fiscaux en 2019;\r\n"
    "NOTE_FILO;Note de qualité Filosofi (1 : non significatif);\r\n"
)


@pytest.fixture
def qpv_zip(tmp_path):
    archive = tmp_path / "Filosofi2019_QPV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data_revenus_qpv.csv", QPV_DATA.encode("latin-1"))
        zf.writestr("meta_revenus_qpv.csv", QPV_META.encode("cp1252"))
    return {c.path.name: c for c in zip_candidates(archive, tmp_path)}


def test_qpv_zip_latin1_with_dictionary_flags_and_markers(ctx, qpv_zip):
    data, meta = qpv_zip["data_revenus_qpv.csv"], qpv_zip["meta_revenus_qpv.csv"]
    assert insee.recognise(data) == "insee_qpv_stats"
    assert insee.recognise(meta) == "insee_dictionary"
    assert insee.load(ctx, meta, "insee_dictionary") == 5
    assert load(insee, ctx, data) == ("insee_qpv_stats", 5)
    src = source_id(ctx, "Filosofi2019_QPV.zip!data_revenus_qpv.csv")
    got = rows(ctx, f"select {FACT_COLS} from indicator_facts order by territory_code, source_variable")
    ok, off = "official_file", None

    def f(code, level, ind, value, status, note, var):
        return (code, level, ind, 2019, value, off, off, status, note, ok, var, src)

    E, F = "ENSEMBLE_QPV_2024", "FRM"
    assert got == [
        f(E, "qpv_ensemble", "median_income_eur_year", 13770.0, "ok", None, "DISP_MED_A19"),
        f(E, "qpv_ensemble", "insee_disp_pimp", None, "missing", "nd", "DISP_PIMP_A19"),
        f(E, "qpv_ensemble", "poverty_rate_pct", 43.3, "ok", None, "DISP_TP60_A19"),
        f(E, "qpv_ensemble", "fiscal_persons_count", 5200000.0, "ok", None, "NB_PERS_MEN_FISC_A19"),
        f(F, "france", "median_income_eur_year", 21930.0, "ok", None, "DISP_MED_A19"),
        f(F, "france", "insee_disp_pimp", 58.2, "ok", None, "DISP_PIMP_A19"),
        f(F, "france", "poverty_rate_pct", 14.6, "ok", None, "DISP_TP60_A19"),
        f(F, "france", "fiscal_persons_count", 63000000.0, "ok", None, "NB_PERS_MEN_FISC_A19"),
        f("QN07101I", "qpv", "median_income_eur_year", None, "secret", "s", "DISP_MED_A19"),
        f("QN07101I", "qpv", "insee_disp_pimp", None, "not_significant", "ns", "DISP_PIMP_A19"),
        f("QN07101I", "qpv", "poverty_rate_pct", None, "secret", "s", "DISP_TP60_A19"),
        f("QN07101I", "qpv", "fiscal_persons_count", 1200.0, "ok", None, "NB_PERS_MEN_FISC_A19"),
        f("QN07301M", "qpv", "median_income_eur_year", 13460.0, "ok", None, "DISP_MED_A19"),
        f("QN07301M", "qpv", "insee_disp_pimp", None, "secret", "s", "DISP_PIMP_A19"),
        f("QN07301M", "qpv", "poverty_rate_pct", 44.0, "ok", None, "DISP_TP60_A19"),
        f("QN07301M", "qpv", "fiscal_persons_count", 2050.0, "ok", None, "NB_PERS_MEN_FISC_A19"),
        # NOTE_FILO = 1: every Filosofi value of the row is withheld as not significant.
        f("QN07302M", "qpv", "median_income_eur_year", None, "not_significant", "NOTE_FILO=1", "DISP_MED_A19"),
        f("QN07302M", "qpv", "insee_disp_pimp", None, "not_significant", "NOTE_FILO=1", "DISP_PIMP_A19"),
        f("QN07302M", "qpv", "poverty_rate_pct", None, "not_significant", "NOTE_FILO=1", "DISP_TP60_A19"),
        f("QN07302M", "qpv", "fiscal_persons_count", None, "not_significant", "NOTE_FILO=1",
          "NB_PERS_MEN_FISC_A19"),
    ]
    assert rows(ctx, "select * from territories order by 1") == [
        ("ENSEMBLE_QPV_2024", "qpv_ensemble", "Ensemble des quartiers prioritaires (géographie 2024)",
         2024, None, None, False, src),
        ("FRM", "france", "France métropolitaine", None, None, None, False, src),
    ]
    assert rows(ctx, "select * from indicator_catalog where not is_registered") == [
        ("insee_disp_pimp", "Part des ménages fiscaux imposés (%) en 2019", "%", None,
         "Part des ménages fiscaux imposés sur le revenu", None, None, "INSEE, Filosofi, données par quartier", False)]
    # Titled by what the file is (issue 11); its name is in file_name only.
    assert rows(ctx, "select kind, producer, title, vintage, licence, file_name, rows_read from sources") == [
        ("insee_qpv_stats", "INSEE", "Filosofi, données par quartier", "2019", "Licence Ouverte",
         "Filosofi2019_QPV.zip!data_revenus_qpv.csv", 5)]
    assert ctx.messages == []


COMMUNE_DATA = (
    "CODGEO;NBMENFISC21;NBPERSMENFISC21;MED21;PIMP21;TP6021;TP60AGE121;D121;D921;RD21\n"
    "01001;346;895;25820;s;s;s;s;s;s\n"
    "73065;29 786;55 437;21950;47;19,0;27;11 320;39 720;3,5\n"
    "2A004;33 517;73 460;22 760;50;18,0;s;11 750;41 210;3,5\n"
)


def test_commune_file_shaped_like_filosofi(ctx, tmp_path):
    p = tmp_path / "cc_filosofi_2021_COM.csv"
    p.write_text(COMMUNE_DATA, encoding="utf-8")
    c = Candidate(p, p.name)
    assert load(insee, ctx, c) == ("insee_commune_stats", 3)
    src = source_id(ctx, p.name)
    got = rows(ctx, f"select {FACT_COLS} from indicator_facts where territory_code = '73065'"
                    " order by source_variable")

    def f(ind, value, var):
        return ("73065", "commune", ind, 2021, value, None, None, "ok", None, "official_file", var, src)

    assert got == [
        f("income_d1_eur_year", 11320.0, "D121"),
        f("income_d9_eur_year", 39720.0, "D921"),
        f("median_income_eur_year", 21950.0, "MED21"),
        f("fiscal_households_count", 29786.0, "NBMENFISC21"),
        f("fiscal_persons_count", 55437.0, "NBPERSMENFISC21"),
        f("insee_pimp", 47.0, "PIMP21"),
        f("interdecile_ratio", 3.5, "RD21"),
        f("poverty_rate_pct", 19.0, "TP6021"),
        f("insee_tp60age1", 27.0, "TP60AGE121"),
    ]
    assert rows(ctx, "select territory_code, status, count(*) from indicator_facts"
                     " group by all order by all") == [
        ("01001", "ok", 3), ("01001", "secret", 6), ("2A004", "ok", 8), ("2A004", "secret", 1),
        ("73065", "ok", 9)]
    assert rows(ctx, "select indicator_id, label, is_registered from indicator_catalog"
                     " where not is_registered order by 1") == [
        ("insee_pimp", "PIMP", False), ("insee_tp60age1", "TP60AGE1", False)]
    assert rows(ctx, "select count(*) from territories") == [(0,)]   # the COG declares communes


@pytest.mark.parametrize("header, meta, name, expected_year, expected_warning", [
    ("DISP_MED_A19", None, "revenus.csv", 2019, None),
    ("DISP_MED_19", None, "revenus.csv", 2019, None),
    ("DISP_MED19", None, "revenus.csv", 2019, None),
    ("MED21", None, "revenus.csv", 2021, None),
    ("DISP_MED_2020", None, "revenus.csv", 2020, None),
    ("DISP_MED", "DISP_MED;Revenu médian 2018 par UC", "revenus.csv", 2018, None),
    ("DISP_MED", None, "revenus_2017.csv", 2017,
     "revenus_2017.csv, ligne 1, colonne « DISP_MED » : année des variables sans suffixe prise "
     "dans le nom du fichier : 2017"),
])
def test_year_of_a_variable(ctx, tmp_path, header, meta, name, expected_year, expected_warning):
    (tmp_path / name).write_text(f"CODGEO;{header}\nQN07301M;13 460\n", encoding="utf-8")
    if meta:
        (tmp_path / "meta_revenus.csv").write_text(f"VARIABLE;LIBELLE\n{meta}\n", encoding="utf-8")
    c = next(x for x in candidates(tmp_path) if x.path.name == name)
    load(insee, ctx, c)
    assert rows(ctx, "select indicator_id, year, value, source_variable from indicator_facts") == [
        ("median_income_eur_year", expected_year, 13460.0, header)]
    assert [str(m) for m in ctx.messages] == ([expected_warning] if expected_warning else [])


def test_no_year_anywhere_is_an_error(ctx, tmp_path):
    p = tmp_path / "revenus.csv"
    p.write_text("CODGEO;DISP_MED\nQN07301M;13 460\n", encoding="utf-8")
    with pytest.raises(EtlError) as err:
        load(insee, ctx, Candidate(p, p.name))
    assert (err.value.line, err.value.column) == (1, "DISP_MED")
    assert "année de la variable DISP_MED introuvable" in str(err.value)


def test_narrow_no_break_space_and_suffix_without_underscore(ctx, tmp_path):
    p = tmp_path / "pop.csv"
    p.write_text(f"CODGEO;POP_MUN20;PART_MOINS1820\nQN07302M;3{NNBSP}512;31,5\n", encoding="utf-8")
    load(insee, ctx, Candidate(p, p.name))
    assert rows(ctx, "select indicator_id, year, value, source_variable from indicator_facts order by 1") == [
        ("minors_pct", 2020, 31.5, "PART_MOINS1820"), ("population_count", 2020, 3512.0, "POP_MUN20")]


def test_census_year_prefix(ctx, tmp_path):
    p = tmp_path / "rp.csv"
    p.write_text("CODGEO;P21_POP;C21_MENPSEUL\n73065;59 964;14 000\n", encoding="utf-8")
    load(insee, ctx, Candidate(p, p.name))
    assert rows(ctx, "select indicator_id, year, value, source_variable from indicator_facts order by 1") == [
        ("insee_c_menpseul", 2021, 14000.0, "C21_MENPSEUL"), ("population_count", 2021, 59964.0, "P21_POP")]


def test_several_note_columns_apply_to_their_source(ctx, tmp_path):
    p = tmp_path / "cles_2020.csv"
    p.write_text("CODGEO;DISP_MED20;TX_TOT_EMPL20;ABC_BAC20;NOTE_FILO;NOTE_RP;NOTE_PE\n"
                 "QN07301M;13 460;45,1;20,0;0;1;\n"
                 "QN07302M;12 980;41,0;18,5;s;0;0\n", encoding="utf-8")
    load(insee, ctx, Candidate(p, p.name))
    assert rows(ctx, "select territory_code, source_variable, value, status, status_note"
                     " from indicator_facts order by 1, 2") == [
        ("QN07301M", "ABC_BAC20", 20.0, "ok", None),
        ("QN07301M", "DISP_MED20", 13460.0, "ok", None),
        ("QN07301M", "TX_TOT_EMPL20", None, "not_significant", "NOTE_RP=1"),
        ("QN07302M", "ABC_BAC20", 18.5, "ok", None),
        ("QN07302M", "DISP_MED20", None, "secret", "NOTE_FILO=s"),
        ("QN07302M", "TX_TOT_EMPL20", 41.0, "ok", None),
    ]


def test_two_columns_for_one_indicator_keep_the_first(ctx, tmp_path):
    p = tmp_path / "rev.csv"
    p.write_text("CODGEO;DISP_MED19;DISP_Q219\nQN07301M;13 460;13 470\n", encoding="utf-8")
    load(insee, ctx, Candidate(p, p.name))
    assert rows(ctx, "select indicator_id, value, source_variable from indicator_facts order by 1") == [
        ("insee_disp_q2", 13470.0, "DISP_Q219"), ("median_income_eur_year", 13460.0, "DISP_MED19")]
    assert [str(m) for m in ctx.messages] == [
        "rev.csv, ligne 1, colonne « DISP_Q219 » : DISP_Q219 décrit le même indicateur "
        "(median_income_eur_year, 2019) qu'une colonne précédente : chargé sous insee_disp_q2"]


@pytest.mark.parametrize("content, line, column, message", [
    ("CODGEO;MED21\n73065;21950\n71076;environ 19 000\n", 3, "MED21",
     "x.csv, ligne 3, colonne « MED21 » : valeur « environ 19 000 » illisible (attendu : un nombre "
     "ou un marqueur de secret (s, nd, ns, nc))"),
    ("CODGEO;MED21\n73065;21950\n\nABC-1;19590\n", 4, "CODGEO",
     "x.csv, ligne 4, colonne « CODGEO » : code géographique « ABC-1 » non reconnu (attendu : un "
     "code QPV (QN… ou QP…), commune (5 caractères), EPCI (9 chiffres), département (2 ou 3 "
     "caractères), FRM ou « ensemble des QPV »)"),
])
def test_errors_name_file_line_and_column(ctx, tmp_path, content, line, column, message):
    p = tmp_path / "x.csv"
    p.write_text(content, encoding="utf-8")
    with pytest.raises(EtlError) as err:
        load(insee, ctx, Candidate(p, p.name))
    assert (err.value.line, err.value.column, str(err.value)) == (line, column, message)
    assert rows(ctx, "select count(*) from indicator_facts") == [(0,)]


@pytest.mark.parametrize("code, level", [
    ("QN07101I", "qpv"), ("QP071001", "qpv"), ("QN02A01M", "qpv"), ("73065", "commune"),
    ("2A004", "commune"), ("200069110", "epci"), ("73", "departement"), ("971", "departement"),
    ("2B", "departement"), ("FRM", "france"), ("France métropolitaine", "france"),
    ("METRO", "france"), ("ENSEMBLE_QPV_2024", "qpv_ensemble"), ("Ensemble des QPV", "qpv_ensemble"),
    ("7306", None), ("X", None), ("QN0710", None),
])
def test_code_level(code, level):
    assert insee.code_level(code) == level


@pytest.mark.parametrize("content, expected", [
    ("CODGEO;MED21\n73065;21950\n", "insee_commune_stats"),
    ("codgeo;DISP_MED19\nENSEMBLE;1\nQN07101I;1\nQN07102I;2\n", "insee_qpv_stats"),
    ("COD_VAR;LIB_VAR\nMED21;Médiane\n", "insee_dictionary"),
    ("Idcar_200m;Ind;Men\nCRS3035RES200mN2029800E4254200;1;1\n", None),
    ("code_qp,lib_qp,insee_com\nQN07101I,Aubépins,71076\n", None),
    ("contract;year;title\ndemo;2024;x\n", None),
    ("", None),
])
def test_recognition_by_header(tmp_path, content, expected):
    p = tmp_path / "data.csv"
    p.write_text(content, encoding="utf-8")
    assert insee.recognise(Candidate(p, p.name)) == expected


def test_a_dictionary_alone_warns(ctx, tmp_path):
    p = tmp_path / "meta.csv"
    p.write_text("COD_VAR;LIB_VAR\nMED21;Médiane\n", encoding="utf-8")
    assert insee.load(ctx, Candidate(p, p.name), "insee_dictionary") == 1
    assert [str(m) for m in ctx.messages] == [
        "meta.csv : dictionnaire de variables sans fichier de données à côté (dans la même archive "
        "ou le même dossier) : rien n'est chargé"]


def test_a_file_of_the_demo_territory_is_marked_fictional(ctx, tmp_path):
    p = tmp_path / "comparateurs.csv"
    p.write_text("CODGEO;LIBGEO;POP_MUN_A20\n99001;Lorneville;48 910\n999000001;CA;119 500\n"
                 "99;Département fictif;200 000\nFRM;France métropolitaine;65 000 000\n", encoding="utf-8")
    load(insee, ctx, Candidate(p, p.name))
    assert rows(ctx, "select is_fictional from sources") == [(True,)]
    assert rows(ctx, "select territory_code, is_fictional from territories") == [("FRM", True)]
    assert rows(ctx, "select territory_code, territory_level from indicator_facts order by 1") == [
        ("99", "departement"), ("99001", "commune"), ("999000001", "epci"), ("FRM", "france")]


@pytest.mark.integration
def test_real_filosofi_2021_communes(ctx):
    path = need_reference("filosofi2021_communes", "cc_filosofi_2021_COM.csv")
    c = Candidate(path, "filosofi2021_communes/cc_filosofi_2021_COM.csv")
    started = time.perf_counter()
    assert load(insee, ctx, c) == ("insee_commune_stats", 34909)
    elapsed = time.perf_counter() - started
    got = rows(ctx, "select territory_code, indicator_id, year, value, status from indicator_facts"
                    " where territory_code in ('73065', '71076', '28218')"
                    " and indicator_id in ('median_income_eur_year', 'poverty_rate_pct') order by 1, 2")
    assert got == [
        ("28218", "median_income_eur_year", 2021, 19390.0, "ok"),
        ("28218", "poverty_rate_pct", 2021, 23.0, "ok"),
        ("71076", "median_income_eur_year", 2021, 19590.0, "ok"),
        ("71076", "poverty_rate_pct", 2021, 23.0, "ok"),
        ("73065", "median_income_eur_year", 2021, 21950.0, "ok"),
        ("73065", "poverty_rate_pct", 2021, 19.0, "ok"),
    ]
    with path.open(encoding="utf-8") as fh:
        expected_secret = sum(1 for r in csv.DictReader(fh, delimiter=";") if r["TP6021"] == "s")
    assert rows(ctx, "select count(*) from indicator_facts where indicator_id = 'poverty_rate_pct'"
                     " and status = 'secret' and value is null") == [(expected_secret,)]
    assert expected_secret > 29000
    print(f"\nreal Filosofi 2021 communes loaded in {elapsed:.2f} s")


def test_wide_file_written_by_chunks_or_not_at_all(ctx, tmp_path):
    """A wide file is parsed and written by chunks of columns (a national file's memory); a
    value refused in the last chunk names its cell and leaves nothing of the file behind."""
    n = insee.INSEE_CHUNK_COLUMNS * 2 + 3
    header = "CODGEO;" + ";".join(f"PART_X{k:03d}_A21" for k in range(n))
    good = ["73065;" + ";".join(f"{k % 90},5" for k in range(n)),
            "71076;" + ";".join("s" if k % 7 == 0 else f"{k % 80}" for k in range(n))]
    meta = "COD_VAR;LIB_VAR\n" + "\n".join(f"PART_X{k:03d}_A21;Part des ménages de type {k} en 2021 (%)"
                                           for k in range(n)) + "\n"
    p = tmp_path / "large.csv"
    p.write_text(header + "\n" + "\n".join(good) + "\n", encoding="utf-8")
    (tmp_path / "meta_large.csv").write_text(meta, encoding="utf-8")
    assert load(insee, ctx, *[c for c in candidates(tmp_path) if c.path == p]) == ("insee_commune_stats", 2)
    assert rows(ctx, "select count(*), count(value), count(*) filter (where status = 'secret'),"
                     " count(distinct indicator_id), sum(value) from indicator_facts") == [
        (2 * n, 2 * n - 8, 8, n, sum(k % 90 + 0.5 for k in range(n)) + sum(k % 80 for k in range(n) if k % 7))]

    ctx.con.execute("delete from indicator_facts")
    bad = good[1].split(";")
    bad[-1] = "140"                       # a share above 100 in the last chunk
    q = tmp_path / "refused" / "large.csv"
    q.parent.mkdir()
    q.write_text(header + "\n" + good[0] + "\n" + ";".join(bad) + "\n", encoding="utf-8")
    (q.parent / "meta_large.csv").write_text(meta, encoding="utf-8")
    with pytest.raises(EtlError) as err:
        load(insee, ctx, *[c for c in candidates(q.parent) if c.path == q])
    assert (err.value.line, err.value.column) == (3, f"PART_X{n - 1:03d}_A21")
    assert rows(ctx, "select count(*) from indicator_facts") == [(0,)]
