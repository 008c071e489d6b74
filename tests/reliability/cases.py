"""The bad-input catalogue: each case writes a small file and states its exact outcome.

A case either loads (a recognised variant: `rows` gives a query and its complete result) or
stops the build with `error`, the exact text of the error (file, line or feature, column, what
was expected). `warnings` lists the exact warnings the case's files give (the context gives
none). Used by test_bad_inputs.py.
"""
from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from etl.loaders import accepted_formats, import_loaders
from tests.reliability.conftest import (csv_text, feature_collection, square, text_file,
                                        write_json, write_zip)

INSEE_NAME = "insee/QPV2024_FILOSOFI_2021.csv"
INSEE_HEADER = ["CODGEO", "LIBGEO", "MED21", "TP6021"]
FACTS_SQL = ("select territory_code, territory_level, indicator_id, year, value, status"
             " from indicator_facts order by 1, 3, 4")
# A repaired bow tie is two valid triangles.
GEOMETRY_SQL = ("select territory_code, geometry_vintage, geom_simplified_geojson->>'$.type',"
                " json_array_length(geom_simplified_geojson, '$.coordinates') from territory_geometries")
DOCS_SQL = "select contract_slug, document_id, title from documents order by 2"
CONTRACTS = [["contract", "contract_name", "epci_code", "start_year", "end_year"],
             ["chambery", "Contrat de ville du Grand Chambéry", "200069110", "2024", "2030"]]


@dataclass
class Case:
    id: str
    write: Callable[[Path], None]
    error: str | None = None
    rows: tuple[str, list[tuple]] | None = None
    warnings: list[str] = field(default_factory=list)
    context: bool = True                       # build with the COG + QPV list beside the file
    limits: dict[str, int] = field(default_factory=dict)   # etl.discover constants to lower
    max_file_bytes: int | None = None


# ── Writers ──────────────────────────────────────────────────────────────────────────────────
def insee(rows: list[list], *, sep: str = ";", name: str = INSEE_NAME, **kw) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        text_file(d / name, csv_text(rows, sep), **kw)
    return write


def insee_raw(text: str, *, name: str = INSEE_NAME, **kw) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        text_file(d / name, text, **kw)
    return write


def raw_bytes(name: str, data: bytes, *, contracts: bool = False) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        if contracts:
            text_file(d / "programme/contrat.csv", csv_text(CONTRACTS))
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        (d / name).write_bytes(data)
    return write


def programme(table_rows: list[list], *, name: str = "programme/table.csv", sep: str = ";",
              contracts: bool = True, **kw) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        if contracts:
            text_file(d / "programme/contrat.csv", csv_text(CONTRACTS))
        text_file(d / name, csv_text(table_rows, sep), **kw)
    return write


def docs(*titles: str, **kw) -> Callable[[Path], None]:
    rows = [["contract", "document_id", "title"]] + [["chambery", f"d{i}", t] for i, t in enumerate(titles, 1)]
    return programme(rows, name="programme/documents.csv", **kw)


def geojson(features, crs: str | None = None, name: str = "contours/qpv.geojson"):
    def write(d: Path) -> None:
        write_json(d / name, feature_collection(features, crs))
    return write


def many(*writers) -> Callable[[Path], None]:
    def write(d: Path) -> None:
        for w in writers:
            w(d)
    return write


def _set_zip_flag(path: Path, flag: int) -> None:
    """Set a general-purpose flag bit in every local and central header (forges encryption)."""
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        i = data.find(sig)
        while i >= 0:
            (flags,) = struct.unpack_from("<H", data, i + offset)
            struct.pack_into("<H", data, i + offset, flags | flag)
            i = data.find(sig, i + 4)
    path.write_bytes(bytes(data))


def encrypted_zip(d: Path) -> None:
    path = write_zip(d / "insee/chiffre.zip", [("data.csv", b"CODGEO;MED21\nQN07301M;18000\n")])
    _set_zip_flag(path, 0x1)


def zip_with_symlink(d: Path) -> None:
    path = d / "insee/lien.zip"
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        info = zipfile.ZipInfo("data.csv")
        info.external_attr = (0o120777 << 16)
        zf.writestr(info, "/etc/passwd")


def symlink_in_folder(d: Path) -> None:
    insee([INSEE_HEADER, ["QN07301M", "Biollay", "18 000", "21,5"]])(d)
    (d / "insee/lien.csv").symlink_to("/etc/passwd")


def zip_bomb(d: Path) -> None:
    # 4 MiB of zeros deflate to about 4 kB; the member limit is lowered to 1 MiB for the test.
    write_zip(d / "insee/bombe.zip", [("data.csv", b"CODGEO;MED21\n" + b"0" * (4 << 20))])


def lying_zip(d: Path) -> None:
    """A member whose headers declare 20 bytes but which inflates to 64 kB."""
    body = b"CODGEO;MED21\n" + b"QN07301M;18000\n" * 4000
    path = write_zip(d / "insee/menteur.zip", [("data.csv", body)])
    data = bytearray(path.read_bytes())
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        i = data.find(sig)
        struct.pack_into("<I", data, i + offset, 20)
    path.write_bytes(bytes(data))


def many_members(d: Path) -> None:
    write_zip(d / "insee/nombreux.zip", [(f"f{i}.txt", b"x") for i in range(6)])


def workbook_merged(d: Path) -> None:
    import openpyxl

    text_file(d / "programme/contrat.csv", csv_text(CONTRACTS))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "documents"
    ws["A1"] = "Documents sources – Grand Chambéry"
    ws.merge_cells("A1:C1")
    ws.append(["contract", "document_id", "title"])
    ws.append(["chambery", "d1", "Contrat de ville"])
    ws.append([None, "d2", "Annexes"])
    ws.merge_cells("A3:A4")        # the contract typed once for two rows
    (d / "programme").mkdir(parents=True, exist_ok=True)
    wb.save(d / "programme/classeur.xlsx")


def workbook_formula_number(d: Path) -> None:
    import openpyxl

    text_file(d / "programme/contrat.csv", csv_text(CONTRACTS))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "funding"
    ws.append(["contract", "year", "funder", "amount_eur"])
    ws.append(["chambery", 2024, "ville", "=SUM(B2:B3)"])
    (d / "programme").mkdir(parents=True, exist_ok=True)
    wb.save(d / "programme/financements.xlsx")


BOWTIE = {"type": "Polygon", "coordinates": [[[5.90, 45.56], [5.91, 45.57], [5.91, 45.56],
                                              [5.90, 45.57], [5.90, 45.56]]]}
FLAT = {"type": "Polygon", "coordinates": [[[5.90, 45.56], [5.91, 45.56], [5.92, 45.56],
                                            [5.90, 45.56]]]}
L93_SQUARE = {"type": "Polygon", "coordinates": [[[925000, 6500000], [925400, 6500000],
                                                  [925400, 6500300], [925000, 6500300],
                                                  [925000, 6500000]]]}
QPV_PROPS = {"code_qp": "QN07301M", "lib_qp": "Biollay - Bellevue", "insee_com": "73065"}
OK_ROW = ["QN07301M", "Biollay", "18 000", "21,5"]
OK_FACTS = [("QN07301M", "qpv", "median_income_eur_year", 2021, 18000.0, "ok"),
            ("QN07301M", "qpv", "poverty_rate_pct", 2021, 21.5, "ok")]
# The build derives the monthly median from the yearly one.
MONTH = ("QN07301M", "qpv", "median_income_eur_month", 2021, 1500.0, "ok")


def _facts(*rows):
    return (FACTS_SQL, sorted(list(rows), key=lambda r: (r[0], r[2], r[3])))


CASES: list[Case] = [
    # ── Encodings, separators, line ends ────────────────────────────────────────────────────
    Case("insee_reference_file", insee([INSEE_HEADER, OK_ROW]), rows=_facts(*OK_FACTS, MONTH)),
    Case("comma_separator_quoted_decimals",
         insee_raw('CODGEO,LIBGEO,MED21,TP6021\nQN07301M,Biollay,18000,"21,5"\n'),
         rows=_facts(*OK_FACTS, MONTH)),
    Case("tab_separator", insee([INSEE_HEADER, OK_ROW], sep="\t"), rows=_facts(*OK_FACTS, MONTH)),
    Case("wrong_separator_in_rows",
         insee_raw("CODGEO;LIBGEO;MED21;TP6021\nQN07301M,Biollay,18000,21.5\n")),
    Case("decimal_comma_with_comma_separator",
         insee_raw("CODGEO,LIBGEO,MED21,TP6021\nQN07301M,Biollay,18000,21,5\n")),
    Case("latin1_file", docs("Diagnostic des Hauts-de-Chambéry, réunion d'été", encoding="latin-1"),
         rows=(DOCS_SQL, [("chambery", "d1", "Diagnostic des Hauts-de-Chambéry, réunion d'été")])),
    Case("cp1252_file_with_euro_and_quotes", docs("Crédits 2024 : 15 M€ « partagés »", encoding="cp1252"),
         rows=(DOCS_SQL, [("chambery", "d1", "Crédits 2024 : 15 M€ « partagés »")])),
    Case("utf8_file_whose_bytes_are_valid_latin1", docs("Été à Chambéry"),
         rows=(DOCS_SQL, [("chambery", "d1", "Été à Chambéry")])),
    Case("mojibake_double_encoded", docs("Ã‰tÃ© Ã\xa0 ChambÃ©ry")),
    Case("utf8_with_one_latin1_line",
         raw_bytes("programme/documents.csv",
                   "contract;document_id;title\nchambery;d1;Été\n".encode("utf-8")
                   + "chambery;d2;Réunion\n".encode("latin-1"), contracts=True)),
    Case("utf8_bom", insee([INSEE_HEADER, OK_ROW], bom=True), rows=_facts(*OK_FACTS, MONTH)),
    Case("utf16_spreadsheet_text", docs("Été", encoding="utf-16", sep="\t"),
         rows=(DOCS_SQL, [("chambery", "d1", "Été")])),
    Case("windows_line_ends", insee([INSEE_HEADER, OK_ROW], newline="\r\n"), rows=_facts(*OK_FACTS, MONTH)),
    Case("old_mac_line_ends", insee([INSEE_HEADER, OK_ROW], newline="\r"), rows=_facts(*OK_FACTS, MONTH)),
    # ── Truncated, empty, header only ───────────────────────────────────────────────────────
    Case("truncated_mid_line", insee_raw("CODGEO;LIBGEO;MED21;TP6021\nQN07301M;Biollay;18000;21,5\nQN07302M;Les Hau")),
    Case("truncated_in_quoted_cell",
         raw_bytes("programme/documents.csv",
                   b"contract;document_id;title\nchambery;d1;\"Contrat de ville\"\nchambery;d2;\"Annexes du con",
                   contracts=True)),
    Case("empty_file", raw_bytes(INSEE_NAME, b"")),
    Case("blank_lines_only", raw_bytes(INSEE_NAME, b"\n\r\n  \n")),
    Case("insee_header_only", insee([INSEE_HEADER])),
    Case("programme_header_only", programme([["contract", "document_id", "title"]], name="programme/documents.csv"),
         rows=(DOCS_SQL, [])),
    # ── Columns ────────────────────────────────────────────────────────────────────────────
    Case("insee_missing_codgeo", insee([["LIBGEO", "MED21", "TP6021"], ["Biollay", "18000", "21,5"]])),
    Case("programme_missing_key_column",
         programme([["contract", "year", "title", "operator"], ["chambery", "2024", "Médiation", "Relais"]],
                   name="programme/actions.csv")),
    Case("programme_extra_unknown_column",
         programme([["contract", "document_id", "title", "remarque"], ["chambery", "d1", "Contrat", "à relire"]],
                   name="programme/documents.csv"),
         rows=(DOCS_SQL, [("chambery", "d1", "Contrat")])),
    Case("insee_extra_text_column", insee([INSEE_HEADER + ["COMMENTAIRE"], OK_ROW + ["à vérifier"]])),
    Case("duplicated_header", insee([["CODGEO", "MED21", "MED21"], ["QN07301M", "18000", "18000"]])),
    Case("programme_duplicate_keys",
         programme([["contract", "document_id", "title"], ["chambery", "d1", "Contrat"], ["chambery", "d1", "Annexes"]],
                   name="programme/documents.csv")),
    Case("insee_duplicate_codes", insee([INSEE_HEADER, OK_ROW, ["QN07301M", "Biollay", "18 500", "21,5"]])),
    Case("row_with_too_many_cells", insee([INSEE_HEADER, OK_ROW + ["12"]])),
    # ── Codes ──────────────────────────────────────────────────────────────────────────────
    Case("unknown_qpv_code", insee([INSEE_HEADER, OK_ROW, ["QN07399Z", "Inconnu", "17000", "30"]])),
    Case("malformed_qpv_code_in_insee", insee([INSEE_HEADER, ["QN0731M", "Biollay", "18000", "21,5"]])),
    Case("unknown_commune_with_cog",
         insee([["CODGEO", "LIBGEO", "MED21"], ["73065", "Chambéry", "21 950"], ["73999", "Disparue", "20 000"]],
               name="insee/communes_2021.csv"),
         rows=(FACTS_SQL, [("73065", "commune", "median_income_eur_month", 2021, 21950 / 12, "ok"),
                           ("73065", "commune", "median_income_eur_year", 2021, 21950.0, "ok")])),
    Case("unknown_commune_without_cog",
         many(lambda d: text_file(d / "territoires.csv", csv_text(
             [["contract", "territory_code", "territory_level", "territory_name"],
              ["chambery", "73065", "commune", "Chambéry"]])),
              lambda d: text_file(d / "contrat.csv", csv_text(CONTRACTS)),
              insee([["CODGEO", "LIBGEO", "MED21"], ["73065", "Chambéry", "21 950"], ["73999", "Disparue", "20 000"]],
                    name="insee/communes_2021.csv")),
         context=False),
    Case("qpv_2015_and_2024_mixed_in_one_insee_file",
         insee([INSEE_HEADER, OK_ROW, ["QP073001", "Le Biollay", "17 000", "25"]])),
    Case("qpv_list_malformed_code",
         lambda d: text_file(d / "anct/liste2.csv", csv_text([["code_qp", "lib_qp", "insee_com"],
                                                            ["QN07303M", "Le Piochet", "73065"],
                                                            ["QN7304N", "Cœur du Biollay", "73065"]]))),
    Case("unknown_qpv_in_programme",
         many(programme([["contract", "kpi_id", "label", "cumulation"], ["chambery", "k1", "Habitants", "sum"]],
                        name="programme/kpi.csv"),
              programme([["contract", "kpi_id", "territory_code", "year", "value"],
                         ["chambery", "k1", "QN07301M", "2024", "12"],
                         ["chambery", "k1", "QN07309X", "2024", "30"]],
                        name="programme/kpi_valeurs.csv"))),
    Case("kpi_value_for_unknown_kpi",
         many(programme([["contract", "kpi_id", "label", "cumulation"], ["chambery", "k1", "Habitants", "sum"]],
                        name="programme/kpi.csv"),
              programme([["contract", "kpi_id", "territory_code", "year", "value"],
                         ["chambery", "k1", "", "2024", "12"],
                         ["chambery", "k2", "", "2024", "30"]],
                        name="programme/kpi_valeurs.csv"))),
    Case("unknown_indicator_id",
         programme([["contract", "territory_code", "territory_level", "indicator_id", "year", "value"],
                    ["chambery", "QN07301M", "qpv", "taux_de_bonheur", "2021", "12"]],
                   name="programme/valeurs.csv")),
    Case("invalid_contract_slug",
         programme([["contract", "contract_name"], ["Grand Chambéry", "Contrat"]], name="programme/contrat.csv",
                   contracts=False)),
    # ── Numbers ────────────────────────────────────────────────────────────────────────────
    Case("text_in_numeric_column", insee([INSEE_HEADER, ["QN07301M", "Biollay", "dix-huit mille", "21,5"]])),
    Case("thousands_with_space", insee([INSEE_HEADER, ["QN07301M", "Biollay", "18 075", "21,5"]]),
         rows=_facts(("QN07301M", "qpv", "median_income_eur_year", 2021, 18075.0, "ok"),
                     ("QN07301M", "qpv", "median_income_eur_month", 2021, 1506.25, "ok"), OK_FACTS[1])),
    Case("thousands_with_no_break_space", insee([INSEE_HEADER, ["QN07301M", "Biollay", "18\u00a0075", "21,5"]]),
         rows=_facts(("QN07301M", "qpv", "median_income_eur_year", 2021, 18075.0, "ok"),
                     ("QN07301M", "qpv", "median_income_eur_month", 2021, 1506.25, "ok"), OK_FACTS[1])),
    Case("thousands_with_narrow_no_break_space",
         insee([INSEE_HEADER, ["QN07301M", "Biollay", "18\u202f075", "21,5"]]),
         rows=_facts(("QN07301M", "qpv", "median_income_eur_year", 2021, 18075.0, "ok"),
                     ("QN07301M", "qpv", "median_income_eur_month", 2021, 1506.25, "ok"), OK_FACTS[1])),
    Case("programme_amount_with_narrow_no_break_space",
         programme([["contract", "year", "funder", "amount_eur"], ["chambery", "2024", "ville", "1\u202f075"]],
                   name="programme/financements.csv"),
         rows=("select contract_slug, year, funder, amount_eur from programme_funding", [("chambery", 2024, "ville", 1075.0)])),
    Case("withheld_markers", insee([INSEE_HEADER, ["QN07301M", "Biollay", "s", "nd"], ["QN07302M", "Hauts", "", "ns"]]),
         rows=_facts(("QN07301M", "qpv", "median_income_eur_year", 2021, None, "secret"),
                     ("QN07301M", "qpv", "median_income_eur_month", 2021, None, "secret"),
                     ("QN07301M", "qpv", "poverty_rate_pct", 2021, None, "missing"),
                     ("QN07302M", "qpv", "median_income_eur_year", 2021, None, "missing"),
                     ("QN07302M", "qpv", "median_income_eur_month", 2021, None, "missing"),
                     ("QN07302M", "qpv", "poverty_rate_pct", 2021, None, "not_significant"))),
    Case("nan_text", insee([INSEE_HEADER, ["QN07301M", "Biollay", "NaN", "21,5"]])),
    Case("infinite_number", insee([INSEE_HEADER, ["QN07301M", "Biollay", "1e999", "21,5"]])),
    Case("percentage_above_100", insee([INSEE_HEADER, ["QN07301M", "Biollay", "18000", "112,5"]])),
    Case("programme_percentage_above_100",
         programme([["contract", "territory_code", "territory_level", "indicator_id", "year", "value"],
                    ["chambery", "QN07301M", "qpv", "poverty_rate_pct", "2021", "112,5"]],
                   name="programme/valeurs.csv")),
    Case("negative_count", insee([["CODGEO", "LIBGEO", "POP21"], ["QN07301M", "Biollay", "-40"]],
                                 name="insee/QPV2024_POPULATION_2021.csv")),
    Case("programme_negative_amount",
         programme([["contract", "year", "funder", "amount_eur"], ["chambery", "2024", "ville", "-1 500"]],
                   name="programme/financements.csv")),
    Case("numerator_above_denominator",
         programme([["contract", "territory_code", "territory_level", "indicator_id", "year", "numerator", "denominator"],
                    ["chambery", "QN07301M", "qpv", "fragile_occupation_dwellings_pct", "2018", "1 200", "1 017"]],
                   name="programme/valeurs.csv")),
    Case("secret_value_with_its_parts",
         programme([["contract", "territory_code", "territory_level", "indicator_id", "year", "value", "numerator", "denominator"],
                    ["chambery", "QN07301M", "qpv", "minors_pct", "2019", "s", "12", "50"]],
                   name="programme/valeurs.csv")),
    Case("beneficiaries_with_personal_columns",
         many(programme([["contract", "action_id", "year", "title"], ["chambery", "A1", "2024", "Médiation"]],
                        name="programme/actions.csv"),
              programme([["contract", "action_id", "year", "sex", "Nom", "Prénom", "Date de naissance"],
                         ["chambery", "A1", "2024", "femme", "Dupont", "Hélène", "14/03/1987"]],
                        name="programme/personnes.csv")),
         rows=("select contract_slug, action_id, year, sex from programme_beneficiaries",
               [("chambery", "A1", 2024, "femme")])),
    Case("beneficiaries_unknown_sex",
         many(programme([["contract", "action_id", "year", "title"], ["chambery", "A1", "2024", "Médiation"]],
                        name="programme/actions.csv"),
              programme([["contract", "action_id", "year", "sex"], ["chambery", "A1", "2024", "F"]],
                        name="programme/personnes.csv"))),
    Case("year_in_the_future",
         programme([["contract", "territory_code", "territory_level", "indicator_id", "year", "value"],
                    ["chambery", "QN07301M", "qpv", "poverty_rate_pct", "2031", "30"]],
                   name="programme/valeurs.csv")),
    Case("two_digit_year",
         programme([["contract", "year", "funder", "amount_eur"], ["chambery", "24", "ville", "1500"]],
                   name="programme/financements.csv")),
    Case("boolean_maybe",
         programme([["contract", "action_id", "year", "title", "is_new"],
                    ["chambery", "A1", "2024", "Médiation", "peut-être"]], name="programme/actions.csv")),
    Case("formula_in_numeric_cell", workbook_formula_number),
    # ── Geometry ───────────────────────────────────────────────────────────────────────────
    Case("self_intersecting_polygon", geojson([(QPV_PROPS, BOWTIE)]), rows=(GEOMETRY_SQL, [("QN07301M", 2024, "MultiPolygon", 2)])),
    Case("degenerate_polygon", geojson([(QPV_PROPS, FLAT)])),
    Case("lambert93_claiming_wgs84", geojson([(QPV_PROPS, L93_SQUARE)], crs="urn:ogc:def:crs:OGC:1.3:CRS84")),
    Case("point_instead_of_polygon",
         geojson([(QPV_PROPS, {"type": "Point", "coordinates": [5.9, 45.56]})])),
    Case("geojson_that_is_an_html_page",
         raw_bytes("contours/qpv.geojson", b"<!DOCTYPE html><html><body>Erreur 404</body></html>")),
    Case("geojson_truncated",
         raw_bytes("contours/qpv.geojson",
                   b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
                   b'{"code_qp": "QN07301M", "lib_qp": "Biollay"}, "geometry": {"type": "Polygon", "coord')),
    # ── Archives and sizes ─────────────────────────────────────────────────────────────────
    Case("zip_slip", lambda d: write_zip(d / "insee/evasion.zip", [("../../evasion.csv", b"CODGEO;MED21\n")])),
    Case("zip_absolute_path", lambda d: write_zip(d / "insee/absolu.zip", [("/tmp/absolu.csv", b"CODGEO;MED21\n")])),
    Case("zip_symlink_member", zip_with_symlink),
    Case("zip_bomb", zip_bomb, limits={"MAX_MEMBER_BYTES": 1 << 20}),
    Case("zip_member_larger_than_declared", lying_zip),
    Case("zip_too_many_members", many_members, limits={"MAX_ZIP_MEMBERS": 5}),
    Case("file_far_larger_than_expected", insee([INSEE_HEADER, OK_ROW] + [OK_ROW] * 100), max_file_bytes=1000),
    Case("unreadable_zip", raw_bytes("insee/abime.zip", b"PK\x03\x04" + b"\x00garbage" * 20)),
    Case("encrypted_zip", encrypted_zip),
    Case("nested_zip", lambda d: write_zip(d / "insee/double.zip",
                                           [("interieur.zip", b"PK\x05\x06" + b"\x00" * 18)])),
    Case("symlink_in_raw_folder", symlink_in_folder, rows=_facts(*OK_FACTS, MONTH)),
    Case("binary_file_named_csv", raw_bytes("insee/image.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))),
    # ── Spreadsheets, hostile text ─────────────────────────────────────────────────────────
    Case("workbook_title_row_and_merged_cells", workbook_merged,
         rows=(DOCS_SQL, [("chambery", "d1", "Contrat de ville"), ("chambery", "d2", "Annexes")])),
    Case("script_html_and_formula_labels",
         docs("<script>alert('x')</script>", "<b>gras</b> & <i>italique</i>", "=HYPERLINK(\"http://x\";\"clic\")",
              "@SUM(1+1)", "+33 6 00 00 00 00"),
         rows=(DOCS_SQL, [("chambery", "d1", "<script>alert('x')</script>"),
                          ("chambery", "d2", "<b>gras</b> & <i>italique</i>"),
                          ("chambery", "d3", "=HYPERLINK(\"http://x\";\"clic\")"),
                          ("chambery", "d4", "@SUM(1+1)"),
                          ("chambery", "d5", "+33 6 00 00 00 00")])),
]

# The text every "unrecognised file" error gives after the file name.
FORMATS = accepted_formats(import_loaders())

# Exact outcomes, by case: the error that stops the build, and the warnings of cases that load.
ERRORS = {
    'wrong_separator_in_rows':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2 : ligne incomplète : 1 cellule pour 4 colonnes (séparateur « , » dans la ligne, « ; » dans l'en-tête) (attendu : 4 cellules séparées par « ; »)",
    'decimal_comma_with_comma_separator':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2 : 5 cellules pour 4 colonnes (attendu : 4 cellules séparées par « , »)',
    'mojibake_double_encoded':
        "cas/programme/documents.csv, ligne 2, colonne « title » : texte mal encodé « Ã‰tÃ© Ã\xa0 ChambÃ©ry » (probablement « Été à Chambéry ») : le fichier a été converti deux fois d'un encodage à l'autre (attendu : un fichier enregistré une seule fois, en UTF-8 ou en Latin-1)",
    'utf8_with_one_latin1_line':
        "cas/programme/documents.csv, ligne 2, colonne « title » : texte mal encodé « Ã‰tÃ© » (probablement « Été ») : le fichier a été converti deux fois d'un encodage à l'autre (attendu : un fichier enregistré une seule fois, en UTF-8 ou en Latin-1)",
    'truncated_mid_line':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 3 : ligne incomplète : 2 cellules pour 4 colonnes (le fichier semble tronqué : sa dernière ligne est coupée) (attendu : 4 cellules séparées par « ; »)',
    'truncated_in_quoted_cell':
        'cas/programme/documents.csv, ligne 3 : guillemet ouvert et jamais fermé : fichier tronqué ou guillemet en trop (attendu : des cellules entre guillemets fermées ("…"))',
    'empty_file':
        'cas/insee/QPV2024_FILOSOFI_2021.csv : le fichier est vide (attendu : un en-tête puis des lignes)',
    'blank_lines_only':
        'cas/insee/QPV2024_FILOSOFI_2021.csv : le fichier est vide (attendu : un en-tête puis des lignes)',
    'insee_header_only':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 1 : aucune ligne de données sous l'en-tête (attendu : une ligne par territoire (fichier tronqué ou export incomplet ?))",
    'insee_missing_codgeo':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 1, colonne « CODGEO » : colonne CODGEO absente (attendu : une colonne CODGEO portant le code du QPV ou de la commune de chaque ligne)',
    'programme_missing_key_column':
        'cas/programme/actions.csv, ligne 1, colonne « action_id » : colonne obligatoire absente pour la table actions du modèle : action_id (attendu : les colonnes contract, action_id, year, title)',
    'insee_extra_text_column':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « COMMENTAIRE » : valeur « à vérifier » illisible (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))',
    'duplicated_header':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 1, colonne « MED21 » : colonne en double dans l'en-tête : MED21 (attendu : des noms de colonnes uniques)",
    'programme_duplicate_keys':
        "cas/programme/documents.csv, ligne 3, colonne « document_id » : ligne en double (même contract, document_id qu'à la ligne 2) (attendu : une seule ligne par contract × document_id)",
    'insee_duplicate_codes':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 3, colonne « CODGEO » : code géographique QN07301M en double avec d'autres valeurs qu'à la ligne 2 (attendu : une seule ligne par territoire)",
    'row_with_too_many_cells':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2 : 5 cellules pour 4 colonnes (attendu : 4 cellules séparées par « ; »)',
    'unknown_qpv_code':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 3, colonne « CODGEO » : territoire inconnu QN07399Z de niveau qpv (cité dans indicator_facts) : il n'est déclaré par aucun fichier chargé (COG, contours, ou table territories du modèle)",
    'malformed_qpv_code_in_insee':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « CODGEO » : code géographique « QN0731M » non reconnu (attendu : un code QPV (QN… ou QP…), commune (5 caractères), EPCI (9 chiffres), département (2 ou 3 caractères), FRM ou « ensemble des QPV »)',
    'unknown_commune_without_cog':
        "cas/insee/communes_2021.csv, ligne 3, colonne « CODGEO » : territoire inconnu 73999 de niveau commune (cité dans indicator_facts) : il n'est déclaré par aucun fichier chargé (COG, contours, ou table territories du modèle)",
    'qpv_2015_and_2024_mixed_in_one_insee_file':
        "cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 3, colonne « CODGEO » : code QPV « QP073001 » de la géographie 2015 (QP…) dans un fichier de la géographie 2024 (QN…) : un fichier de statistiques Insee porte sur une seule géographie (attendu : un fichier par géographie (les quartiers 2015 et 2024 n'ont pas les mêmes contours))",
    'qpv_list_malformed_code':
        'cas/anct/liste2.csv, ligne 3, colonne « code_qp » : code de quartier « QN7304N » non reconnu (attendu : QN + département sur 3 caractères + 2 chiffres + lettre (2024), ou QP + 6 chiffres (2015))',
    'unknown_qpv_in_programme':
        "cas/programme/kpi_valeurs.csv, ligne 3, colonne « territory_code » : territoire inconnu QN07309X (cité dans kpi_values) : il n'est déclaré par aucun fichier chargé (COG, contours, ou table territories du modèle)",
    'kpi_value_for_unknown_kpi':
        'cas/programme/kpi_valeurs.csv, ligne 3, colonne « kpi_id » : indicateur de suivi inconnu « k2 » (cité dans kpi_values, absent de la table kpi_definitions)',
    'unknown_indicator_id':
        'cas/programme/valeurs.csv, ligne 2, colonne « indicator_id » : indicateur inconnu « taux_de_bonheur » (attendu : un identifiant du registre (indicators/registry.py), ex. poverty_rate_pct)',
    'invalid_contract_slug':
        'cas/programme/contrat.csv, ligne 2, colonne « contract » : identifiant de contrat non valide « Grand Chambéry » (attendu : des minuscules, chiffres et tirets (ex. grand-chalon))',
    'text_in_numeric_column':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « MED21 » : valeur « dix-huit mille » illisible (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))',
    'nan_text':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « MED21 » : valeur « NaN » illisible (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))',
    'infinite_number':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « MED21 » : valeur « 1e999 » non finie (attendu : un nombre ou un marqueur de secret (s, nd, ns, nc))',
    'percentage_above_100':
        'cas/insee/QPV2024_FILOSOFI_2021.csv, ligne 2, colonne « TP6021 » : pourcentage hors de 0–100 : poverty_rate_pct = 112,5 pour QN07301M en 2021',
    'programme_percentage_above_100':
        'cas/programme/valeurs.csv, ligne 2, colonne « value » : pourcentage hors de 0 à 100 (112,5) (attendu : un pourcentage entre 0 et 100)',
    'negative_count':
        'cas/insee/QPV2024_POPULATION_2021.csv, ligne 2, colonne « POP21 » : effectif négatif : population_count = -40 pour QN07301M en 2021',
    'programme_negative_amount':
        'cas/programme/financements.csv, ligne 2, colonne « amount_eur » : montant négatif (-1500) (attendu : un montant positif en euros)',
    'numerator_above_denominator':
        'cas/programme/valeurs.csv, ligne 2, colonne « numerator » : numérateur 1200 supérieur au dénominateur 1017 (attendu : un numérateur inférieur ou égal au dénominateur)',
    'secret_value_with_its_parts':
        'cas/programme/valeurs.csv, ligne 2, colonne « numerator » : numérateur ou dénominateur saisi pour une valeur couverte par le secret : il permettrait de la recalculer (attendu : des cellules vides pour une valeur secrète)',
    'beneficiaries_unknown_sex':
        'cas/programme/personnes.csv, ligne 2, colonne « sex » : valeur non reconnue « F » (attendu : une de : femme, homme, autre)',
    'year_in_the_future':
        'cas/programme/valeurs.csv, ligne 2, colonne « year » : valeur pour une année future (2031 > 2025) : poverty_rate_pct pour QN07301M',
    'two_digit_year':
        'cas/programme/financements.csv, ligne 2, colonne « year » : année non reconnue « 24 » (attendu : une année sur 4 chiffres (ex. 2024))',
    'boolean_maybe':
        'cas/programme/actions.csv, ligne 2, colonne « is_new » : valeur non reconnue « peut-être » (attendu : oui ou non (ou vrai/faux, 1/0, x ou vide))',
    'formula_in_numeric_cell':
        'cas/programme/financements.xlsx, feuille « funding », ligne 2, colonne « amount_eur » : formule de tableur « =SUM(B2:B3) » (les formules ne sont pas calculées) (attendu : un nombre (ex. 1 075 ou 12,5))',
    'degenerate_polygon':
        'cas/contours/qpv.geojson, ligne 1, colonne « geometry » : objet n° 1 (QN07301M) : polygone invalide impossible à réparer (Self-intersection[5.91 45.56]) (attendu : un polygone valide (sans auto-intersection))',
    'lambert93_claiming_wgs84':
        'cas/contours/qpv.geojson, ligne 1, colonne « geometry » : objet n° 1 (QN07301M) : coordonnées en mètres (x=925000, y=6500000) alors que le fichier déclare des degrés (EPSG:4326) (attendu : des longitudes/latitudes WGS84, ou un « crs » Lambert-93 (EPSG:2154) déclaré)',
    'point_instead_of_polygon':
        'cas/contours/qpv.geojson, ligne 1, colonne « geometry » : objet n° 1 (QN07301M) : géométrie de type Point (attendu : un polygone ou multipolygone)',
    'geojson_that_is_an_html_page':
        'cas/contours/qpv.geojson : ce fichier n\'est pas un GeoJSON (il commence par « <!DOCTYPE html><html><body>Erreur 404</b ») (attendu : un GeoJSON FeatureCollection ({"type": "FeatureCollection", "features": […]}))',
    'geojson_truncated':
        'cas/contours/qpv.geojson : fichier géographique illisible (Failed to read GeoJSON data; At line 1, character 52: Unterminated string) (attendu : un GeoJSON FeatureCollection ou un shapefile complet (.shp, .shx, .dbf, .prj))',
    'zip_slip':
        "cas/insee/evasion.zip!../../evasion.csv : chemin qui sort du dossier de l'archive (« .. ») (attendu : des chemins relatifs au dossier de l'archive)",
    'zip_absolute_path':
        "cas/insee/absolu.zip!/tmp/absolu.csv : chemin absolu dans l'archive (attendu : des chemins relatifs au dossier de l'archive)",
    'zip_symlink_member':
        "cas/insee/lien.zip!data.csv : lien symbolique dans l'archive (attendu : des fichiers ordinaires)",
    'zip_bomb':
        'cas/insee/bombe.zip!data.csv : élément trop volumineux une fois décompressé (4,0 Mio) (attendu : au plus 1,0 Mio par élément)',
    'zip_member_larger_than_declared':
        "cas/insee/menteur.zip!data.csv : élément plus volumineux que déclaré dans l'archive (attendu : une archive intègre)",
    'zip_too_many_members':
        "cas/insee/nombreux.zip : l'archive contient 6 éléments (attendu : au plus 5 éléments)",
    'file_far_larger_than_expected':
        'cas/insee/QPV2024_FILOSOFI_2021.csv : fichier trop volumineux (2,9 kio) (attendu : au plus 1000 octets par fichier)',
    'unreadable_zip':
        'cas/insee/abime.zip : archive zip illisible (File is not a zip file) (attendu : une archive .zip valide)',
    'encrypted_zip':
        'cas/insee/chiffre.zip!data.csv : élément chiffré (mot de passe) (attendu : une archive sans mot de passe)',
    'nested_zip':
        "cas/insee/double.zip!interieur.zip : archive zip à l'intérieur d'une archive : elle n'est pas décompressée (attendu : les fichiers de données directement dans l'archive)",
    'binary_file_named_csv':
        f"cas/insee/image.csv : format de fichier non reconnu (attendu : un des formats acceptés : {FORMATS})",
}
WARNINGS = {
    'beneficiaries_with_personal_columns': ['cas/programme/personnes.csv : colonnes de données personnelles ignorées, jamais enregistrées : Nom, Prénom, Date de naissance'],
    'programme_header_only': ['cas/programme/documents.csv : aucune ligne de données (table documents)'],
    'programme_extra_unknown_column': ['cas/programme/documents.csv : colonnes inconnues ignorées : remarque'],
    'unknown_commune_with_cog': ['cas/insee/communes_2021.csv, colonne « CODGEO » : 1 code(s) de commune absent(s) du COG chargé (communes fusionnées ou déléguées, arrondissements municipaux) : leurs valeurs ne sont pas chargées (73999)'],
    'self_intersecting_polygon': ['cas/contours/qpv.geojson, ligne 1, colonne « geometry » : objet n° 1 (QN07301M) : polygone invalide réparé (Self-intersection[5.905 45.565])'],
}


for _case in CASES:
    _case.error = ERRORS.get(_case.id)
    _case.warnings = WARNINGS.get(_case.id, [])
    assert (_case.error is None) != (_case.rows is None), f"{_case.id}: either rows or an error"
assert len({c.id for c in CASES}) == len(CASES)
