"""INSEE files read by their own dictionary: when a `meta_*.csv` label says a variable is a count,
a share or an amount other than what the registry maps its name to, the dictionary wins (the
variable loads as `insee_<name>` with a warning), and values beyond what a variable can mean are
refused with the file, line and column. Zips built here in the shapes INSEE published for the
2015 geography (QP… codes) and the 2024 one (QN… codes)."""
from __future__ import annotations

import zipfile

import pytest

from etl.core import EtlError
from etl.loaders import insee
from tests.etl_loaders.conftest import load, need_reference, rows, zip_candidates

FACTS = ("select indicator_id, territory_code, year, value, status from indicator_facts"
         " order by indicator_id, territory_code, year")
UNITS = "select indicator_id, label, unit from indicator_catalog where not is_registered order by 1"


def _zip(tmp_path, name: str, data: str, meta: str, encoding: str = "utf-8"):
    archive = tmp_path / name
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("data.csv", data.encode(encoding))
        zf.writestr("meta_data.csv", meta.encode(encoding))
    return {c.path.name: c for c in zip_candidates(archive, tmp_path)}


def _load_zip(ctx, files) -> int:
    return load(insee, ctx, files["data.csv"])[1]


def _warnings(ctx):
    return [(m.file_name, m.line, m.column_name, m.message) for m in ctx.messages]


# ── 2015 geography (QP codes) ─────────────────────────────────────────────────────────────
# Census QP file: P13_POP is the population of 2013; TX_ACT, which the registry maps to the
# activity rate, is here a number of active people (as in the 2015-geography "emploi" tables).
POP_2015 = (
    "CODGEO;LIBGEO;P13_POP;PART_MOINS18;TX_ACT\n"
    "QP071001;Stade - Fontaine au Loup;3 210;27,4;1 150\n"
    "QP071002;Prés Saint-Jean;2 480;31,0;980\n"
)
POP_2015_META = (
    "COD_VAR;LIB_VAR;LIB_VAR_LONG;COD_MOD;LIB_MOD\n"
    "CODGEO;Code du quartier;Code du quartier prioritaire (géographie 2015);;\n"
    "P13_POP;Population municipale en 2013;Population municipale des ménages en 2013;;\n"
    "PART_MOINS18;Part des moins de 18 ans (en %) en 2013;;;\n"
    "TX_ACT;Nombre d'actifs de 15 à 64 ans en 2013;Actifs (en emploi ou au chômage) de 15 à 64 ans;;\n"
)


def test_2015_census_file_count_under_a_rate_name_loads_under_its_own_name(ctx, tmp_path):
    files = _zip(tmp_path, "pop_qp_2015.zip", POP_2015, POP_2015_META, "latin-1")
    assert _load_zip(ctx, files) == 2
    assert rows(ctx, FACTS) == [
        ("insee_tx_act", "QP071001", 2013, 1150.0, "ok"),
        ("insee_tx_act", "QP071002", 2013, 980.0, "ok"),
        ("minors_pct", "QP071001", 2013, 27.4, "ok"),
        ("minors_pct", "QP071002", 2013, 31.0, "ok"),
        ("population_count", "QP071001", 2013, 3210.0, "ok"),
        ("population_count", "QP071002", 2013, 2480.0, "ok"),
    ]
    assert rows(ctx, UNITS) == [("insee_tx_act", "Nombre d'actifs de 15 à 64 ans en 2013", "nombre")]
    assert _warnings(ctx) == [(
        "pop_qp_2015.zip!data.csv", 1, "TX_ACT",
        "le dictionnaire pop_qp_2015.zip!meta_data.csv décrit TX_ACT comme un effectif (« Nombre "
        "d'actifs de 15 à 64 ans en 2013 ») alors que le référentiel rattache TX_ACT à "
        "activity_rate_15_64_pct (une part (en %)) : la variable est chargée sous son propre nom, "
        "insee_tx_act, avec l'unité du dictionnaire")]


# Filosofi QP file of the 2015 geography, with the "Variable;Libellé" dictionary shape: the
# median is given per month, and DISP_TP60 counts poor people instead of giving the rate.
FILO_2015 = (
    "CODGEO;DISP_MED15;DISP_TP6015;DISP_D115\n"
    "QP071001;1 020;1 240;5 830\n"
    "QP071002;s;s;s\n"
)
FILO_2015_META = (
    "Variable;Libellé\n"
    "DISP_MED15;Médiane du revenu disponible par unité de consommation, en euros par mois (2015)\n"
    "DISP_TP6015;Nombre de personnes sous le seuil de pauvreté à 60 % (2015)\n"
    "DISP_D115;1er décile du revenu disponible par UC (en euros) en 2015\n"
)


def test_2015_filosofi_file_monthly_median_and_poor_count_keep_their_own_units(ctx, tmp_path):
    files = _zip(tmp_path, "filo_qp_2015.zip", FILO_2015, FILO_2015_META)
    assert _load_zip(ctx, files) == 2
    assert rows(ctx, FACTS) == [
        ("income_d1_eur_year", "QP071001", 2015, 5830.0, "ok"),
        ("income_d1_eur_year", "QP071002", 2015, None, "secret"),
        ("insee_disp_med", "QP071001", 2015, 1020.0, "ok"),
        ("insee_disp_med", "QP071002", 2015, None, "secret"),
        ("insee_disp_tp60", "QP071001", 2015, 1240.0, "ok"),
        ("insee_disp_tp60", "QP071002", 2015, None, "secret"),
    ]
    assert rows(ctx, UNITS) == [
        ("insee_disp_med", "Médiane du revenu disponible par unité de consommation, en euros par mois (2015)",
         "EUR/mois"),
        ("insee_disp_tp60", "Nombre de personnes sous le seuil de pauvreté à 60 % (2015)", "nombre")]
    assert [(w[2], w[3].split(" : ")[0]) for w in _warnings(ctx)] == [
        ("DISP_MED15", "le dictionnaire filo_qp_2015.zip!meta_data.csv décrit DISP_MED15 comme un "
                       "montant en euros par mois (« Médiane du revenu disponible par unité de "
                       "consommation, en euros par mois (2015) ») alors que le référentiel rattache "
                       "DISP_MED à median_income_eur_year (un montant en euros par an)"),
        ("DISP_TP6015", "le dictionnaire filo_qp_2015.zip!meta_data.csv décrit DISP_TP6015 comme un "
                        "effectif (« Nombre de personnes sous le seuil de pauvreté à 60 % (2015) ») "
                        "alors que le référentiel rattache DISP_TP60 à poverty_rate_pct (une part (en %))"),
    ]


# ── 2024 geography (QN codes) ─────────────────────────────────────────────────────────────
# Job seekers: ABC_BAC counts job seekers at bac level (the registry's ABC_BAC is a share); the
# count 143 is above 100 and would have failed the registry's range: the file still loads.
EMPLOI_2024 = (
    "CODGEO;LIBGEO;ABC_2023;ABC_BAC_2023;ABC_INFCAPBEP_2023\n"
    "QN07101I;Aubépins;612;143;38,4\n"
    "QN07102I;Prés Saint Jean;455;97;41,0\n"
    ";Ensemble des quartiers prioritaires;512 300;101 400;35,2\n"
)
EMPLOI_2024_META = (
    "COD_VAR;LIB_VAR;LIB_VAR_LONG\n"
    "ABC_2023;Nombre de demandeurs d'emploi de catégories A, B, C en 2023;\n"
    "ABC_BAC_2023;Effectif des demandeurs d'emploi A, B, C de niveau bac en 2023;\n"
    "ABC_INFCAPBEP_2023;Part des demandeurs d'emploi de niveau inférieur au CAP-BEP (en %) en 2023;\n"
)
# CAF and housing: NB_LLS, a count of dwellings for the registry, is here a share (reverse case);
# NB_ALLOC is not in the registry and keeps the dictionary's label and unit.
CAF_2024 = (
    "CODGEO;NB_ALLOC_2022;PART_ALLOC_BAS_REV_2022;NB_LLS_2022\n"
    "QN07101I;845;52,3;88,0\n"
    "QN07102I;701;47,9;nd\n"
)
CAF_2024_META = (
    "COD_VAR;LIB_VAR\n"
    "NB_ALLOC_2022;Nombre d'allocataires CAF en 2022\n"
    "PART_ALLOC_BAS_REV_2022;Part des allocataires à bas revenus (en %) en 2022\n"
    "NB_LLS_2022;Part des logements sociaux parmi les résidences principales (en %) en 2022\n"
)


def test_2024_files_disputed_variables_load_beside_the_agreeing_ones(ctx, tmp_path):
    emploi = _zip(tmp_path, "demandeurs_qpv_2023.zip", EMPLOI_2024, EMPLOI_2024_META)
    caf = _zip(tmp_path, "caf_qpv_2022.zip", CAF_2024, CAF_2024_META)
    assert _load_zip(ctx, emploi) == 3
    assert _load_zip(ctx, caf) == 2
    E = "ENSEMBLE_QPV_2024"
    assert rows(ctx, FACTS) == [
        ("caf_low_income_pct", "QN07101I", 2022, 52.3, "ok"),
        ("caf_low_income_pct", "QN07102I", 2022, 47.9, "ok"),
        ("insee_abc_bac", E, 2023, 101400.0, "ok"),
        ("insee_abc_bac", "QN07101I", 2023, 143.0, "ok"),
        ("insee_abc_bac", "QN07102I", 2023, 97.0, "ok"),
        ("insee_nb_alloc", "QN07101I", 2022, 845.0, "ok"),
        ("insee_nb_alloc", "QN07102I", 2022, 701.0, "ok"),
        ("insee_nb_lls", "QN07101I", 2022, 88.0, "ok"),
        ("insee_nb_lls", "QN07102I", 2022, None, "missing"),
        ("jobseekers_below_cap_bep_pct", E, 2023, 35.2, "ok"),
        ("jobseekers_below_cap_bep_pct", "QN07101I", 2023, 38.4, "ok"),
        ("jobseekers_below_cap_bep_pct", "QN07102I", 2023, 41.0, "ok"),
        ("jobseekers_count", E, 2023, 512300.0, "ok"),
        ("jobseekers_count", "QN07101I", 2023, 612.0, "ok"),
        ("jobseekers_count", "QN07102I", 2023, 455.0, "ok"),
    ]
    assert rows(ctx, UNITS) == [
        ("insee_abc_bac", "Effectif des demandeurs d'emploi A, B, C de niveau bac en 2023", "nombre"),
        ("insee_nb_alloc", "Nombre d'allocataires CAF en 2022", "nombre"),
        ("insee_nb_lls", "Part des logements sociaux parmi les résidences principales (en %) en 2022", "%"),
    ]
    assert [(w[0], w[2]) for w in _warnings(ctx)] == [
        ("demandeurs_qpv_2023.zip!data.csv", "ABC_BAC_2023"), ("caf_qpv_2022.zip!data.csv", "NB_LLS_2022")]
    assert "comme une part (en %) (« Part des logements sociaux" in _warnings(ctx)[1][3]
    assert "rattache NB_LLS à social_housing_dwellings_count (un effectif)" in _warnings(ctx)[1][3]


def test_without_dictionary_the_registry_still_decides(ctx, tmp_path):
    """No dictionary: ABC_BAC is the registry's share, and 143 fails the build's range check."""
    from etl.checks import run_checks
    from tests.etl_loaders.conftest import one
    (tmp_path / "demandeurs_2023.csv").write_text(EMPLOI_2024, encoding="utf-8")
    load(insee, ctx, one(tmp_path, "demandeurs_2023.csv"))
    errors = [str(m) for m in run_checks(ctx.con, current_year=2025) if m.message.startswith("pourcentage")]
    assert errors == [
        "demandeurs_2023.csv, ligne 4, colonne « ABC_BAC_2023 » : pourcentage hors de 0–100 : "
        "jobseekers_bac_pct = 101400 pour ENSEMBLE_QPV_2024 en 2023",
        "demandeurs_2023.csv, ligne 2, colonne « ABC_BAC_2023 » : pourcentage hors de 0–100 : "
        "jobseekers_bac_pct = 143 pour QN07101I en 2023"]


# ── Values beyond what a variable can mean ────────────────────────────────────────────────
@pytest.mark.parametrize("column, label, cell, message, expected", [
    ("PART_X_2022", "Part des ménages pauvres (en %) en 2022", "-3,5",
     "part hors de 0–100 : PART_X_2022 = -3,5 (insee_part_x)", "une part entre 0 et 100"),
    ("P22_POP", "Population municipale en 2022", "250 000 000",
     "effectif invraisemblable : P22_POP = 2,5e+08 (population_count)",
     "un effectif entre 0 et 100 millions"),
    ("NB_MEN_2022", "Nombre de ménages en 2022", "-12",
     "effectif négatif ou invraisemblable : NB_MEN_2022 = -12 (insee_nb_men)",
     "un effectif entre 0 et 100 millions"),
    ("MASSE_REV_2022", "Masse des revenus déclarés (en euros) en 2022", "2e13",
     "valeur invraisemblable (au-delà de 10^13) : MASSE_REV_2022 = 2e+13 (insee_masse_rev)",
     "une valeur inférieure à 10^13 en valeur absolue"),
    ("PACT_2022", "Part des revenus d'activité (en %) en 2022", "1 500",
     "part du revenu invraisemblable (au-delà de ±1 000 %) : PACT_2022 = 1500 (insee_pact)",
     "une part entre -1 000 et 1 000"),
])
def test_values_beyond_meaning_are_refused_with_line_and_column(ctx, tmp_path, column, label, cell,
                                                                  message, expected):
    data = f"CODGEO;{column}\nQN07101I;12\nQN07102I;{cell}\n"
    files = _zip(tmp_path, "x.zip", data, f"COD_VAR;LIB_VAR\n{column};{label}\n")
    with pytest.raises(EtlError) as err:
        _load_zip(ctx, files)
    assert (err.value.file, err.value.line, err.value.column, err.value.message, err.value.expected) == (
        "x.zip!data.csv", 3, column, message, expected)


def test_income_shares_may_pass_100_or_be_negative(ctx, tmp_path):
    data = "CODGEO;PACT_2021;PIMPOT_2021\n73065;107,1;-38,8\n"
    meta = ("COD_VAR;LIB_VAR\nPACT_2021;Part des revenus d'activité (%)\n"
            "PIMPOT_2021;Part des impôts (%)\n")
    assert _load_zip(ctx, _zip(tmp_path, "filo.zip", data, meta)) == 1
    assert rows(ctx, FACTS) == [("insee_pact", "73065", 2021, 107.1, "ok"),
                                ("insee_pimpot", "73065", 2021, -38.8, "ok")]
    assert rows(ctx, "select unit from indicator_catalog where not is_registered") == [("%",), ("%",)]


def test_changes_may_be_negative_or_above_100(ctx, tmp_path):
    """Comparateur de territoires: a variation in % is not a share, a balance not a count (the
    file's common suffix 21 is the year: TXVAR_POP_1521 → insee_txvar_pop_15, 2021)."""
    data = "CODGEO;P21_POP;TXVAR_POP_1521;SOLDE_NAT_1521\n73065;59964;-0,4;-1 250\n71076;45102;120,5;310\n"
    meta = ("COD_VAR;LIB_VAR\nP21_POP;Population en 2021\n"
            "TXVAR_POP_1521;Var. annuelle moyenne de la population entre 2015 et 2021 (en %)\n"
            "SOLDE_NAT_1521;Solde naturel entre 2015 et 2021\n")
    assert _load_zip(ctx, _zip(tmp_path, "comparateur_2021.zip", data, meta)) == 2
    assert rows(ctx, FACTS) == [
        ("insee_solde_nat_15", "71076", 2021, 310.0, "ok"),
        ("insee_solde_nat_15", "73065", 2021, -1250.0, "ok"),
        ("insee_txvar_pop_15", "71076", 2021, 120.5, "ok"),
        ("insee_txvar_pop_15", "73065", 2021, -0.4, "ok"),
        ("population_count", "71076", 2021, 45102.0, "ok"),
        ("population_count", "73065", 2021, 59964.0, "ok"),
    ]
    assert rows(ctx, UNITS) == [
        ("insee_solde_nat_15", "Solde naturel entre 2015 et 2021", None),
        ("insee_txvar_pop_15", "Var. annuelle moyenne de la population entre 2015 et 2021 (en %)", "%")]


@pytest.mark.parametrize("label, kind", [
    ("Nombre de personnes sous le seuil de 60 % (%)", "count"),
    ("Effectif des 15-64 ans", "count"),
    ("Taux de pauvreté au seuil de 60 % (%) en 2019", "share"),
    ("Demandeurs d'emploi de niveau bac (en %)", "share"),
    ("Médiane du revenu disponible par UC (€) en 2019", "eur"),
    ("Revenu médian mensuel par UC", "eur_month"),
    ("Médiane du niveau de vie (en euros par an)", "eur_year"),
    ("Rapport interdécile 9e décile/1er décile", "ratio"),
    ("Part des impôts (%)", "income_share"),
    ("Var. annuelle moyenne de la population entre 2015 et 2021 (en %)", "change_pct"),
    ("Taux d'évolution annuel de l'emploi (%)", "change_pct"),
    ("Solde naturel entre 2015 et 2021", "change"),
    ("Code du quartier", None),
    (None, None),
])
def test_label_kind(label, kind):
    assert insee.label_kind(label) == kind


@pytest.mark.integration
def test_real_filosofi_with_its_dictionary_loads_the_same_values(ctx, tmp_path):
    """The real Filosofi 2021 communes file, zipped with a dictionary worded as INSEE's: every
    value loads unchanged, under the same indicators as without the dictionary."""
    path = need_reference("filosofi2021_communes", "cc_filosofi_2021_COM.csv")
    import etl.db
    from etl.core import LoadContext
    from tests.etl_loaders.conftest import one
    (tmp_path / "alone").mkdir()
    (tmp_path / "alone" / path.name).write_bytes(path.read_bytes())
    bare = LoadContext(etl.db.create_empty(), "t")
    load(insee, bare, one(tmp_path / "alone", path.name))
    meta = ("COD_VAR;LIB_VAR\nNBMENFISC21;Nombre de ménages fiscaux\n"
            "NBPERSMENFISC21;Nombre de personnes dans les ménages fiscaux\n"
            "MED21;Médiane du niveau de vie (€)\nPIMP21;Part des ménages fiscaux imposés (%)\n"
            "TP6021;Taux de pauvreté-Ensemble (%)\nPACT21;Part des revenus d'activité (%)\n"
            "PIMPOT21;Part des impôts (%)\nD121;1er décile du niveau de vie (€)\n"
            "D921;9e décile du niveau de vie (€)\nRD21;Rapport interdécile 9e décile/1er décile\n")
    archive = tmp_path / "base-cc-filosofi-2021-geo2023_CSV.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(path, path.name)
        zf.writestr("meta_cc_filosofi_2021_COM.csv", meta)
    files = {c.path.name: c for c in zip_candidates(archive, tmp_path)}
    load(insee, ctx, files[path.name])
    q = ("select indicator_id, territory_code, year, value, status from indicator_facts"
         " order by all")
    assert rows(ctx, q) == bare.con.execute(q).fetchall()
    assert not [m for m in ctx.messages if "dictionnaire" in m.message]
    bare.con.close()


# ── XLSX as INSEE publishes it: a sheet of data, a sheet (or a row) of labels ─────────────
def _workbook(path, *, doc_sheet: bool):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Demandeurs d'emploi par quartier prioritaire en 2023"])
    ws.append(["Source : France Travail, Dares ; géographie 2024"])
    ws.append([])
    ws.append(["Code du quartier", "Libellé du quartier", "Nombre de demandeurs d'emploi A, B, C en 2023",
               "Nombre de demandeurs d'emploi de niveau bac en 2023",
               "Part des demandeurs de niveau inférieur au CAP-BEP (en %) en 2023"])
    ws.append(["CODGEO", "LIBGEO", "ABC_2023", "ABC_BAC_2023", "ABC_INFCAPBEP_2023"])
    ws.append(["QN07101I", "Aubépins", 612, 143, 38.4])
    ws.append(["QN07102I", "Prés Saint Jean", 455, "s", "s"])
    if doc_sheet:
        doc = wb.create_sheet("Documentation")
        doc.append(["Variable", "Libellé"])
        doc.append(["ABC_2023", "Nombre de demandeurs d'emploi de catégories A, B, C en 2023"])
        doc.append(["ABC_BAC_2023", "Effectif des demandeurs d'emploi A, B, C de niveau bac en 2023"])
        doc.append(["ABC_INFCAPBEP_2023", "Part des demandeurs d'emploi de niveau inférieur au CAP-BEP (en %)"])
    wb.save(path)
    return path


@pytest.mark.parametrize("doc_sheet, dictionary", [
    (True, "demandeurs_qpv_2023.xlsx, feuille « Documentation »"),
    (False, "demandeurs_qpv_2023.xlsx, feuille « Données »"),
])
def test_xlsx_with_its_labels(ctx, tmp_path, doc_sheet, dictionary):
    from etl.core import Candidate
    path = _workbook(tmp_path / "demandeurs_qpv_2023.xlsx", doc_sheet=doc_sheet)
    c = Candidate(path, path.name)
    assert load(insee, ctx, c) == ("insee_qpv_stats", 2)
    assert rows(ctx, FACTS) == [
        ("insee_abc_bac", "QN07101I", 2023, 143.0, "ok"),
        ("insee_abc_bac", "QN07102I", 2023, None, "secret"),
        ("jobseekers_below_cap_bep_pct", "QN07101I", 2023, 38.4, "ok"),
        ("jobseekers_below_cap_bep_pct", "QN07102I", 2023, None, "secret"),
        ("jobseekers_count", "QN07101I", 2023, 612.0, "ok"),
        ("jobseekers_count", "QN07102I", 2023, 455.0, "ok"),
    ]
    assert [(w[0], w[1], w[2]) for w in _warnings(ctx)] == [("demandeurs_qpv_2023.xlsx", 1, "ABC_BAC_2023")]
    assert _warnings(ctx)[0][3].startswith(f"le dictionnaire {dictionary} décrit ABC_BAC_2023 comme un effectif")


def test_xlsx_value_error_names_sheet_row_and_column(ctx, tmp_path):
    import openpyxl
    from etl.core import Candidate
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Titre"])
    ws.append(["CODGEO", "P21_POP"])
    ws.append(["QN07101I", 2500])
    ws.append(["QN07102I", "deux mille"])
    wb.save(tmp_path / "pop.xlsx")
    with pytest.raises(EtlError) as err:
        load(insee, ctx, Candidate(tmp_path / "pop.xlsx", "pop.xlsx"))
    assert str(err.value) == ("pop.xlsx, feuille « Données », ligne 4, colonne « P21_POP » : valeur « deux mille »"
                              " illisible (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))")
