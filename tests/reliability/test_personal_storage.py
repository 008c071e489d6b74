"""Personal data never rests on disk (issue 9, follow-up): any uploaded CSV/TSV/XLSX whose header
is a file of people, the members of a zip, the properties of a GeoJSON lose their personal
columns before the file is written; official files with a « nom », « nom_voie », « code_postal »
or « NOM_QP » are stored byte for byte. Small files built by code; whole outputs asserted."""
from __future__ import annotations

import io
import json
import struct
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from etl import importer
from etl.core import EtlError
from etl.personal import strip_personal_data
from tests.reliability.conftest import csv_text, feature_collection, square

NOW = datetime(2026, 3, 2, 9, 15, 0, 123456)
SECRETS = ["Dupont", "Jeanne", "Martin", "Karim", "12/03/1980", "1975-06-01", "0612345678", "06 98 76 54 32",
           "jeanne.dupont@example.org", "k.martin@example.org", "3 rue des Lilas", "280037512345678",
           "1234567", "FR7630006000011234567890189"]
PEOPLE = [["Nom", "Prénom", "Quartier", "Action", "Date de naissance", "Téléphone", "E-mail", "Code postal",
           "N° allocataire CAF", "Nombre de séances"],
          ["Dupont", "Jeanne", "QN07301M", "Atelier emploi", "12/03/1980", "0612345678",
           "jeanne.dupont@example.org", "73000", "1234567", "4"],
          ["Martin", "Karim", "QN07302M", "Atelier emploi", "1975-06-01", "06 98 76 54 32",
           "k.martin@example.org", "73000", "", "2"]]
PEOPLE_REMOVED = ["Nom", "Prénom", "Date de naissance", "Téléphone", "E-mail", "Code postal", "N° allocataire CAF"]
PEOPLE_KEPT = "Quartier;Action;Nombre de séances\nQN07301M;Atelier emploi;4\nQN07302M;Atelier emploi;2\n"


def store(files: list[tuple[str, bytes]], tmp_path: Path) -> importer.Batch:
    data = tmp_path / "data"
    data.mkdir(exist_ok=True)
    return importer.store_uploads(files, upload_dir=data / "uploads", data_dir=data, now=NOW)


def every_byte(folder: Path) -> bytes:
    """Every file under `folder`, and every zip (archive or workbook) expanded, recursively."""
    def expand(data: bytes) -> bytes:
        out = data
        if data[:2] == b"PK":
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                out += b"".join(expand(zf.read(n)) for n in zf.namelist())
        return out
    return b"".join(expand(p.read_bytes()) for p in sorted(folder.rglob("*")) if p.is_file())


def assert_no_secret(folder: Path) -> None:
    on_disk = every_byte(folder)
    for value in SECRETS:
        for encoding in ("utf-8", "cp1252", "utf-16-le"):
            assert value.encode(encoding) not in on_disk, value


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def sheet_rows(data: bytes, title: str) -> list[list]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


# ── Any table, recognised or not ──────────────────────────────────────────────────────────────
def test_an_unrecognised_list_of_people_is_cleaned_before_storage(tmp_path: Path) -> None:
    """A CSV in Latin-1 with a title row, a TSV and a workbook no loader knows: same rule."""
    title = [["Liste des participants 2024"]]
    csv_bytes = csv_text(title + PEOPLE).encode("cp1252")
    tsv_bytes = csv_text(PEOPLE, sep="\t").encode("utf-8")
    book = xlsx({"Participants": title + PEOPLE, "Notice": [["Une ligne par personne"]]})
    batch = store([("participants.csv", csv_bytes), ("participants.tsv", tsv_bytes),
                   ("participants.xlsx", book)], tmp_path)
    assert [(f.stored_name, f.removed_columns) for f in batch.files] == [
        ("participants.csv", PEOPLE_REMOVED), ("participants.tsv", PEOPLE_REMOVED),
        ("participants.xlsx", PEOPLE_REMOVED)]
    removed = ", ".join(PEOPLE_REMOVED)
    assert batch.removed_text() == "\n".join(
        f"{name} : colonnes de données personnelles retirées avant l'enregistrement : {removed}"
        for name in ("participants.csv", "participants.tsv", "participants.xlsx"))
    assert (batch.folder / "participants.csv").read_text(encoding="utf-8") == (
        "Liste des participants 2024\n" + PEOPLE_KEPT)
    assert (batch.folder / "participants.tsv").read_text(encoding="utf-8") == PEOPLE_KEPT.replace(";", "\t")
    assert sheet_rows((batch.folder / "participants.xlsx").read_bytes(), "Participants") == [
        ["Liste des participants 2024", None, None],
        ["Quartier", "Action", "Nombre de séances"],
        ["QN07301M", "Atelier emploi", "4"],
        ["QN07302M", "Atelier emploi", "2"]]
    assert sheet_rows((batch.folder / "participants.xlsx").read_bytes(), "Notice") == [["Une ligne par personne"]]
    assert_no_secret(tmp_path)


def test_a_template_table_keeps_its_own_columns_and_loses_a_contact(tmp_path: Path) -> None:
    """An `actions` file with the referent's phone and e-mail: those go (and the « nom » beside
    them), the template's columns stay even when their name looks personal."""
    rows = [["contract", "action_id", "year", "title", "Nom du référent", "Téléphone", "Courriel"],
            ["chambery", "A1", "2024", "Médiation", "Dupont", "0612345678", "jeanne.dupont@example.org"]]
    batch = store([("actions.csv", csv_text(rows).encode())], tmp_path)
    assert batch.files[0].removed_columns == ["Téléphone", "Courriel"]
    assert (batch.folder / "actions.csv").read_text(encoding="utf-8") == (
        "contract;action_id;year;title;Nom du référent\nchambery;A1;2024;Médiation;Dupont\n")


BAN = [["id", "id_fantoir", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune",
        "nom_ancienne_commune", "x", "y", "lon", "lat", "libelle_acheminement", "nom_afnor"],
       ["73065_0010_00003", "73065_0010", "3", "", "Rue des Lilas", "73000", "73065", "Chambéry", "",
        "925000.1", "6503000.2", "5.92", "45.56", "CHAMBERY", "RUE DES LILAS"]]
NOT_PEOPLE = [
    ("liste_qpv_2015.csv", csv_text([["CODE_QP", "NOM_QP", "COMMUNE_QP"],
                                     ["QP073001", "Le Biollay", "Chambéry"]]).encode("cp1252")),
    ("liste_qpv_2024.csv", csv_text([["code_qp", "lib_qp", "insee_com", "lib_com"],
                                     ["QN07301M", "Biollay - Bellevue", "73065", "Chambéry"]]).encode()),
    ("communes.csv", csv_text([["code", "nom", "codesPostaux", "departement", "population"],
                               ["73065", "Chambéry", "73000", "73", "59964"]], sep=",").encode()),
    ("v_commune_2026.csv", csv_text([["COM", "TYPECOM", "NCC", "NCCENR", "LIBELLE", "DEP"],
                                     ["73065", "COM", "CHAMBERY", "Chambéry", "Chambéry", "73"]], sep=",").encode()),
    ("adresses-73.csv", csv_text(BAN).encode()),
    ("equipements.csv", csv_text([["nom", "adresse", "code_postal", "ville"],
                                  ["Maison de quartier", "3 place du Forum", "73000", "Chambéry"]]).encode()),
    ("QPV2024_FILOSOFI_2021.csv", csv_text([["CODGEO", "LIBGEO", "MED21"], ["QN07301M", "Biollay", "17000"]]).encode()),
    ("communes.json", json.dumps([{"code": "73065", "nom": "Chambéry", "codesPostaux": ["73000"],
                                   "population": 59964}], ensure_ascii=False).encode()),
    ("qpv_2015.geojson", json.dumps(feature_collection(
        [({"CODE_QP": "QP073001", "NOM_QP": "Le Biollay", "COMMUNE_QP": "Chambéry"}, square(5.9, 45.5))]),
        ensure_ascii=False).encode()),
    ("communes.geojson", json.dumps(feature_collection(
        [({"code": "73065", "nom": "Chambéry"}, square(5.9, 45.5))]), ensure_ascii=False).encode()),
    ("communes.xlsx", xlsx({"communes": [["code", "nom", "adresse de la mairie"],
                                         ["73065", "Chambéry", "Place de l'Hôtel de ville"]]})),
]


@pytest.mark.parametrize("name, data", NOT_PEOPLE, ids=[n for n, _ in NOT_PEOPLE])
def test_official_files_with_names_and_addresses_are_stored_byte_for_byte(tmp_path: Path, name, data) -> None:
    """A QPV's NOM_QP or lib_qp, a COG « nom », a BAN « nom_voie » or « code_postal », a place's
    « adresse »: no column only a file about people has, nothing removed."""
    batch = store([(name, data)], tmp_path)
    assert (batch.files[0].removed_columns, batch.files[0].removed_in) == ([], {})
    assert (batch.folder / name).read_bytes() == data
    assert batch.removed_text() == ""


# ── GeoJSON properties ────────────────────────────────────────────────────────────────────────
def test_personal_properties_of_a_geojson_are_dropped(tmp_path: Path) -> None:
    fc = feature_collection([
        ({"quartier": "QN07301M", "nom": "Dupont", "prenom": "Jeanne", "telephone": "0612345678",
          "adresse": "3 rue des Lilas", "visites": 3}, {"type": "Point", "coordinates": [5.921, 45.561]}),
        ({"quartier": "QN07302M", "nom": "Martin", "prenom": "Karim", "email": "k.martin@example.org",
          "visites": 1}, {"type": "Point", "coordinates": [5.93, 45.57]})])
    batch = store([("visites.geojson", json.dumps(fc).encode())], tmp_path)
    assert batch.files[0].removed_in == {"visites.geojson": ["nom", "prenom", "telephone", "adresse", "email"]}
    assert json.loads((batch.folder / "visites.geojson").read_bytes()) == feature_collection([
        ({"quartier": "QN07301M", "visites": 3}, {"type": "Point", "coordinates": [5.921, 45.561]}),
        ({"quartier": "QN07302M", "visites": 1}, {"type": "Point", "coordinates": [5.93, 45.57]})])
    assert_no_secret(tmp_path)


# ── Zip archives ──────────────────────────────────────────────────────────────────────────────
INSEE = csv_text([["CODGEO", "LIBGEO", "MED21"], ["QN07301M", "Biollay", "17000"]]).encode()
META = csv_text([["COD_VAR", "LIB_VAR"], ["MED21", "Revenu médian"]]).encode()


class Stream:
    """A file that cannot seek (a download being written): zipfile then puts each member's sizes
    in a data descriptor after its data."""
    def __init__(self) -> None:
        self.buf = io.BytesIO()

    def write(self, data: bytes) -> int:
        return self.buf.write(data)

    def flush(self) -> None:
        pass


def zip_bytes(members: list[tuple[str, bytes, int]], *, level: int | None = None, stream: bool = False) -> bytes:
    out = Stream() if stream else io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.comment = b"export du 2 mars"
        for i, (name, data, method) in enumerate(members):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 2 + i, 10, 30, 0))
            info.compress_type = method
            info.external_attr = 0o640 << 16
            zf.writestr(info, data, compresslevel=level)
    return out.buf.getvalue() if stream else out.getvalue()


def stored_bytes(archive: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member's compressed bytes as they lie in the archive (after its local header)."""
    n_name, n_extra = struct.unpack_from("<2H", archive, info.header_offset + 26)
    start = info.header_offset + 30 + n_name + n_extra
    return archive[start:start + info.compress_size]


@pytest.mark.parametrize("level, stream", [(None, False), (1, True)], ids=["plain", "level1-descriptors"])
def test_zip_members_are_cleaned_and_the_archive_rewritten(tmp_path: Path, level, stream) -> None:
    """Other members are copied as they lie (compressed at another level than Python's default,
    or followed by data descriptors: the same bytes)."""
    book = xlsx({"Feuil1": PEOPLE})
    insee = csv_text([["CODGEO", "LIBGEO", "MED21"]] + [[f"QN{i:05d}M", f"Quartier {i}", str(15000 + i)]
                                                         for i in range(2000)]).encode()
    geo = json.dumps(feature_collection([({"prenom": "Jeanne", "quartier": "QN07301M"}, square(5.9, 45.5))])).encode()
    members = [("data_QPV2024_FILOSOFI_2021.csv", insee, zipfile.ZIP_DEFLATED),
               ("suivi/", b"", zipfile.ZIP_STORED),
               ("suivi/participants.csv", csv_text(PEOPLE).encode("cp1252"), zipfile.ZIP_DEFLATED),
               ("meta_QPV2024_FILOSOFI_2021.csv", META, zipfile.ZIP_STORED),
               ("suivi/participants.xlsx", book, zipfile.ZIP_STORED),
               ("suivi/lieux.geojson", geo, zipfile.ZIP_DEFLATED),
               ("LISEZMOI.txt", "Nom;Prénom\n".encode(), zipfile.ZIP_DEFLATED)]
    original = zip_bytes(members, level=level, stream=stream)
    batch = store([("export.zip", original)], tmp_path)
    assert batch.files[0].removed_in == {
        "export.zip!suivi/participants.csv": PEOPLE_REMOVED,
        "export.zip!suivi/participants.xlsx": PEOPLE_REMOVED,
        "export.zip!suivi/lieux.geojson": ["prenom"]}
    assert batch.removed_text() == "\n".join(
        f"export.zip!suivi/{m} : colonnes de données personnelles retirées avant l'enregistrement : {c}"
        for m, c in (("participants.csv", ", ".join(PEOPLE_REMOVED)),
                     ("participants.xlsx", ", ".join(PEOPLE_REMOVED)), ("lieux.geojson", "prenom")))
    stored = (batch.folder / "export.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(original)) as before, zipfile.ZipFile(io.BytesIO(stored)) as after:
        assert after.comment == b"export du 2 mars"
        assert [(i.filename, i.date_time, i.compress_type, i.external_attr) for i in after.infolist()] == [
            (i.filename, i.date_time, i.compress_type, i.external_attr) for i in before.infolist()]
        for name in ("data_QPV2024_FILOSOFI_2021.csv", "suivi/", "meta_QPV2024_FILOSOFI_2021.csv", "LISEZMOI.txt"):
            assert after.read(name) == before.read(name), name
            assert stored_bytes(stored, after.getinfo(name)) == stored_bytes(original, before.getinfo(name)), name
        assert after.read("suivi/participants.csv").decode("utf-8") == PEOPLE_KEPT
        assert sheet_rows(after.read("suivi/participants.xlsx"), "Feuil1") == [
            ["Quartier", "Action", "Nombre de séances"], ["QN07301M", "Atelier emploi", "4"],
            ["QN07302M", "Atelier emploi", "2"]]
        assert json.loads(after.read("suivi/lieux.geojson")) == feature_collection(
            [({"quartier": "QN07301M"}, square(5.9, 45.5))])
        assert after.testzip() is None
    assert_no_secret(tmp_path)


def test_a_zip_without_personal_columns_is_stored_byte_for_byte(tmp_path: Path) -> None:
    original = zip_bytes([("data.csv", INSEE, zipfile.ZIP_DEFLATED), ("meta.csv", META, zipfile.ZIP_DEFLATED),
                          ("adresses.csv", csv_text(BAN).encode(), zipfile.ZIP_DEFLATED)])
    batch = store([("insee.zip", original)], tmp_path)
    assert batch.files[0].removed_in == {}
    assert (batch.folder / "insee.zip").read_bytes() == original


@pytest.mark.parametrize("members, message", [
    ([("../../evasion.csv", csv_text(PEOPLE).encode())],
     "x.zip!../../evasion.csv : chemin qui sort du dossier de l'archive (« .. ») "
     "(attendu : des chemins relatifs au dossier de l'archive)"),
    ([("interieur.zip", zip_bytes([("p.csv", csv_text(PEOPLE).encode(), zipfile.ZIP_DEFLATED)]))],
     "x.zip!interieur.zip : archive zip à l'intérieur d'une archive : elle n'est pas décompressée "
     "(attendu : les fichiers de données directement dans l'archive)"),
])
def test_an_archive_that_cannot_be_checked_is_refused_before_storage(tmp_path: Path, members, message) -> None:
    data = tmp_path / "data"
    with pytest.raises(EtlError) as info:
        store([("x.zip", zip_bytes([(n, d, zipfile.ZIP_DEFLATED) for n, d in members]))], tmp_path)
    assert str(info.value) == message
    assert sorted(p.name for p in data.rglob("*") if p.is_file()) == []


def test_an_unreadable_archive_is_refused() -> None:
    with pytest.raises(EtlError) as info:
        strip_personal_data(b"PK\x03\x04" + b"\x00abime" * 20, "abime.zip")
    assert str(info.value) == ("abime.zip : archive zip illisible (File is not a zip file) "
                               "(attendu : une archive .zip valide)")


# ── What the command line and the history say ───────────────────────────────────────────────
def test_cli_and_history_name_the_file_and_the_member(tmp_path: Path, monkeypatch, capsys) -> None:
    """`python -m etl import` prints which columns left which file (a zip's member by name); the
    history keeps it. The batch is refused by the checks (an unrecognised list), stored clean."""
    import config
    from etl.__main__ import main
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setattr(config, "DATA_DIR", data)
    monkeypatch.setattr(config, "UPLOAD_DIR", data / "uploads")
    monkeypatch.setattr(config, "DB_PATH", data / "qpv.duckdb")
    monkeypatch.setattr(config, "DEFAULT_RAW_DIRS", ())
    (tmp_path / "export.zip").write_bytes(zip_bytes([("data.csv", INSEE, zipfile.ZIP_DEFLATED),
                                                     ("suivi/participants.csv", csv_text(PEOPLE).encode(),
                                                      zipfile.ZIP_DEFLATED)]))
    (tmp_path / "liste.csv").write_bytes(csv_text(PEOPLE).encode())
    assert main(["import", str(tmp_path / "export.zip"), str(tmp_path / "liste.csv"), "--yes"]) == 1
    out = capsys.readouterr().out.splitlines()
    removed = ", ".join(PEOPLE_REMOVED)
    assert out[1:3] == [
        f"{where} : colonnes de données personnelles retirées avant l'enregistrement : {removed}"
        for where in ("export.zip!suivi/participants.csv", "liste.csv")]
    table = importer.history_table(importer.list_batches())
    assert table["Colonnes personnelles retirées"].tolist() == [
        f"export.zip!suivi/participants.csv : {removed} ; liste.csv : {removed}"]
    assert_no_secret(data)
