"""The real territories of data/territories are valid programme-template files.

Each CSV is read with etl.readers.read_table; its header must name exactly one template table
(etl/template.py); every cell must have the column's type and allowed value; every row carries the
document it comes from (declared in the folder's documents table) and the page or section; codes
are well formed and every territory cited is declared. Integration tests compare the typed
geography and Filosofi figures with the reference files of ../shared/data/reference.
"""
from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from etl.readers import parse_number
from etl.template import BY_NAME, TABLES
from indicators.registry import BY_ID
from tests.territories.conftest import (
    CONTRACTS,
    REFERENCE_DIR,
    ROOT,
    TERRITORIES_DIR,
    csv_files,
    folder_tables,
    header_tables,
    read_typed,
)

FILES = csv_files()
FILE_IDS = [str(p.relative_to(TERRITORIES_DIR)) for p in FILES]

CODE_RES = {
    "qpv": re.compile(r"^QN[0-9]{2}[0-9AB][0-9]{2}[A-Z]$"),
    "commune": re.compile(r"^([0-9]{2}|2[AB])[0-9]{3}$"),
    "epci": re.compile(r"^[0-9]{9}$"),
    "departement": re.compile(r"^([0-9]{2,3}|2[AB])$"),
    "region": re.compile(r"^[0-9]{2}$"),
    # Local codes for watch-list areas, defined by this project (no official code exists).
    "quartier_veille": re.compile(r"^VEILLE-[0-9]{2}-[A-Z0-9]+(-[A-Z0-9]+)*$"),
}
_TRUE_FALSE = {"oui", "non"}
# Tables whose rows must each cite a document and a page or section.
SOURCED_TABLES = ("territories", "published_values", "actions", "funding", "kpi_values",
                  "housing_objectives", "housing_results", "qualitative", "signatories",
                  "common_law_schemes", "common_law_figures", "tfpb_abatements", "steering_committee")


def _split_list(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,|]", text) if p.strip()]


def test_the_three_real_territories_are_there() -> None:
    assert sorted(p.name for p in TERRITORIES_DIR.iterdir() if p.is_dir()) == sorted(CONTRACTS)
    assert len(FILES) >= 21


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_header_names_exactly_one_template_table(path: Path) -> None:
    f = read_typed(path)
    tables = header_tables(f.header)
    assert len(tables) == 1, (f.header, [t.name for t in tables])
    assert f.table is tables[0]
    # Every column of the table is written (empty when not known), in template order.
    assert f.header == list(f.table.names)


@pytest.mark.parametrize("path", FILES, ids=FILE_IDS)
def test_cells_have_the_template_types(path: Path) -> None:
    f = read_typed(path)
    problems = []
    for row, line in zip(f.rows, f.lines):
        assert row["contract"] == f.folder, (path.name, line)
        for col in f.table.columns:
            text = row[col.name]
            where = f"{path.name}, ligne {line}, {col.name} = {text!r}"
            if text == "":
                if col.required:
                    problems.append(f"{where}: obligatoire")
                continue
            if col.values and text not in col.values:
                problems.append(f"{where}: attendu une de {col.values}")
            elif col.type == "year" and not re.fullmatch(r"(19|20)[0-9]{2}", text):
                problems.append(f"{where}: année")
            elif col.type == "bool" and text not in _TRUE_FALSE:
                problems.append(f"{where}: oui/non")
            elif col.type in ("int", "number"):
                parsed = parse_number(text)   # raises on anything but a number or a marker
                if parsed.value is None:
                    problems.append(f"{where}: nombre")
                elif col.type == "int" and not parsed.value.is_integer():
                    problems.append(f"{where}: entier")
                elif "." in text:
                    problems.append(f"{where}: virgule décimale attendue")
            elif col.type == "list" and not _split_list(text):
                problems.append(f"{where}: liste")
    assert problems == []


@pytest.mark.parametrize("folder", CONTRACTS)
def test_every_row_cites_a_declared_document_and_a_section(folder: str) -> None:
    tables = folder_tables(folder)
    declared = {r["document_id"] for r in tables["documents"].rows}
    assert len(declared) == len(tables["documents"].rows), "document_id en double"
    for r in tables["documents"].rows:
        assert r["title"] and r["producer"], r
        assert r["published_on"] == "" or re.fullmatch(r"[0-9]{4}(-[0-9]{2}-[0-9]{2})?", r["published_on"])
    cited = set()
    missing = []
    for name in SOURCED_TABLES:
        if name not in tables:
            continue
        for row, line in zip(tables[name].rows, tables[name].lines):
            if not row["document_id"] or not row["source_ref"]:
                missing.append((name, line))
            cited.add(row["document_id"])
    assert missing == []
    assert cited - declared == set()
    assert declared - cited == set(), "document déclaré mais jamais cité"


@pytest.mark.parametrize("folder", CONTRACTS)
def test_codes_are_well_formed_and_every_cited_territory_is_declared(folder: str) -> None:
    tables = folder_tables(folder)
    declared = {}
    for r in tables["territories"].rows:
        code, level = r["territory_code"], r["territory_level"]
        assert CODE_RES[level].match(code), (level, code)
        assert (code, level) not in declared
        declared[(code, level)] = r
        if level == "qpv":
            assert r["geography_vintage"] == "2024", code
    codes = {c for c, _ in declared}
    for (code, level), r in declared.items():
        for parent in _split_list(r["parent_codes"]):
            assert parent in codes, (code, parent)
    # The contract's EPCI is declared and every QPV's commune belongs to it.
    epci = tables["contracts"].rows[0]["epci_code"]
    assert (epci, "epci") in declared
    for (code, level), r in declared.items():
        if level == "commune":
            assert epci in _split_list(r["parent_codes"]), code
    for name in ("published_values",):
        for r in tables.get(name, _empty()).rows:
            assert (r["territory_code"], r["territory_level"]) in declared, r
            assert r["indicator_id"] in BY_ID, r["indicator_id"]
    for name in ("kpi_values", "qualitative"):
        for r in tables.get(name, _empty()).rows:
            assert r["territory_code"] == "" or r["territory_code"] in codes, r
    for r in tables.get("actions", _empty()).rows:
        assert set(_split_list(r["territories"])) <= codes, r
    kpis = {r["kpi_id"] for r in tables.get("kpi_definitions", _empty()).rows}
    assert {r["kpi_id"] for r in tables.get("kpi_values", _empty()).rows} <= kpis
    assert kpis <= {r["kpi_id"] for r in tables.get("kpi_values", _empty()).rows}, "KPI sans valeur"
    actions = {r["action_id"] for r in tables.get("actions", _empty()).rows}
    assert {r["action_id"] for r in tables.get("funding", _empty()).rows} <= actions


class _empty:
    rows: list = []


# Keys that identify one row (etl/checks.py UNIQUE_KEYS, in template column names).
_KEYS = {
    "territories": ("territory_code", "territory_level"),
    "documents": ("document_id",),
    "published_values": ("territory_code", "territory_level", "indicator_id", "year"),
    "actions": ("action_id", "year"),
    "funding": ("action_id", "year", "funder"),
    "kpi_definitions": ("kpi_id",),
    "kpi_values": ("kpi_id", "territory_code", "year", "period_label"),
    "housing_objectives": ("party_type", "party_name", "objective"),
    "housing_results": ("year", "party_type", "party_name", "objective"),
    "qualitative": ("territory_code", "item_type", "theme", "position"),
    "signatories": ("signatory_id",),
    "common_law_schemes": ("scheme_id",),
    "steering_committee": ("college", "organisation", "member"),
}


@pytest.mark.parametrize("folder", CONTRACTS)
def test_one_row_per_key(folder: str) -> None:
    for name, f in folder_tables(folder).items():
        key = _KEYS.get(name)
        if key is None:
            continue
        seen = [tuple(r[k] for k in key) for r in f.rows]
        assert len(seen) == len(set(seen)), (folder, name)


def test_no_attribution_rows_are_typed() -> None:
    """The documents publish rates and totals, never counts per landlord: nothing to type."""
    assert all(read_typed(p).table.name != "attributions" for p in FILES)


def test_template_tables_used() -> None:
    used = {read_typed(p).table.name for p in FILES}
    # No document of the seeds gives a yearly common-law figure or a TFPB amount: nothing to type.
    assert used == {t.name for t in TABLES} - {"attributions", "beneficiaries", "common_law_figures",
                                               "tfpb_abatements"}
    assert set(BY_NAME) >= used


# ── Integration: the typed geography and Filosofi figures are the official ones ─────────────
needs_reference = pytest.mark.skipif(not REFERENCE_DIR.is_dir(),
                                     reason=f"dossier de référence absent : {REFERENCE_DIR}")


def _typed_territories() -> dict[tuple[str, str], dict]:
    out = {}
    for folder in CONTRACTS:
        for r in folder_tables(folder)["territories"].rows:
            out[(r["territory_code"], r["territory_level"])] = r
    return out


@pytest.mark.integration
@needs_reference
def test_qpvs_match_the_anct_2024_list() -> None:
    with (REFERENCE_DIR / "qpv2024" / "qpv2024_by_commune.csv").open(encoding="utf-8") as fh:
        ref = {}
        for r in csv.DictReader(fh):
            ref.setdefault(r["code_qp"], (r["lib_qp"], set()))[1].add(r["insee_com"])
    typed = {c: r for (c, lvl), r in _typed_territories().items() if lvl == "qpv"}
    assert sorted(typed) == ["QN02802M", "QN02803M", "QN02804M", "QN02805I", "QN02811N",
                             "QN07101I", "QN07102I", "QN07301M", "QN07302M"]
    for code, r in typed.items():
        name, communes = ref[code]
        assert (r["territory_name"], set(_split_list(r["parent_codes"]))) == (name, communes), code


@pytest.mark.integration
@needs_reference
def test_communes_and_epci_match_the_cog_2026() -> None:
    cog = REFERENCE_DIR / "cog2026"
    communes = {c["code"]: c for c in json.loads((cog / "communes.json").read_text(encoding="utf-8"))
                if c.get("type") == "commune-actuelle"}
    epcis = {e["code"]: e for e in json.loads((cog / "epci.json").read_text(encoding="utf-8"))}
    members = {m["code"]: code for code, e in epcis.items() for m in e["membres"]}
    for (code, level), r in _typed_territories().items():
        if level == "commune":
            c = communes[code]
            parents = _split_list(r["parent_codes"])
            assert (r["territory_name"], int(r["population"])) == (c["nom"], c["population"]), code
            assert parents == [members[code], c["departement"]], code
        elif level == "epci":
            e = epcis[code]
            assert (r["territory_name"], int(r["population"])) == (e["nom"], e["populationMunicipale"]), code


@pytest.mark.integration
@needs_reference
def test_filosofi_2021_figures_match_the_insee_file() -> None:
    ref = {}
    path = REFERENCE_DIR / "filosofi2021_communes" / "cc_filosofi_2021_COM.csv"
    with path.open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh, delimiter=";"):
            ref[r["CODGEO"]] = r
    typed = []
    for folder in CONTRACTS:
        for r in folder_tables(folder)["published_values"].rows:
            if r["document_id"] == "insee-filosofi-2021":
                typed.append(r)
    assert len(typed) == 10
    for r in typed:
        column = {"median_income_eur_year": "MED21", "poverty_rate_pct": "TP6021"}[r["indicator_id"]]
        assert parse_number(r["value"]).value == parse_number(ref[r["territory_code"]][column]).value, r
        assert (r["year"], r["source_note"]) == ("2021", "Insee, Filosofi 2021")


def test_reference_paths_are_outside_the_project() -> None:
    """The reference files are read in place, never copied into data/territories."""
    assert not REFERENCE_DIR.is_relative_to(ROOT)
    assert list(TERRITORIES_DIR.rglob("*.json")) == []


# A number in a typed text: grouped by thousands (« 2 040 ») or not; a bare year (« 2015 ») is a
# date, never a figure.
_NUMBER_IN_TEXT = re.compile(r"(?<![\d,])\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?(?![\d])|(?<![\d,])\d+(?:,\d+)?(?!\d)")


def _figures_in(text: str) -> list[float]:
    out = []
    for m in _NUMBER_IN_TEXT.finditer(text):
        if re.fullmatch(r"(19|20)\d\d", m.group(0)):
            continue
        out.append(parse_number(m.group(0)).value)
    return out


@pytest.mark.parametrize("contract", CONTRACTS)
def test_a_quartier_note_never_repeats_a_figure_its_portrait_shows(contract) -> None:
    """A note of a quartier is shown under the portrait's figures (screen and PDF): it says what
    the figures do not (issue #11: Chartres's « (1 830 habitants). Population publiée pour le
    contour de 2015… » repeated the population and its source line). A figure typed for the
    quartier is said by the figure, once."""
    tables = folder_tables(contract)
    shown: dict[str, set[float]] = {}
    for row in tables["published_values"].rows:
        value = parse_number(row.get("value") or "").value
        if row.get("territory_code") and value is not None:
            shown.setdefault(row["territory_code"], set()).add(value)
    repeated = [(row["territory_code"], row["text"]) for row in tables["qualitative"].rows
                if row.get("item_type") == "note" and row.get("territory_code")
                and set(_figures_in(row["text"])) & shown.get(row["territory_code"], set())]
    assert repeated == []


def test_figures_in_a_text() -> None:
    assert _figures_in("Quartier 2015–2023 : les Clos (2 540 habitants), 12,5 % ; 2\u202f040 ; 35 ans") == [
        2540.0, 12.5, 2040.0, 35.0]
