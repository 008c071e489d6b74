"""`python -m etl locate FILE --out FILE [--db PATH]`, and the optional addok engine (used only
when asked, here a local fake server)."""
from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import openpyxl
import pandas as pd
import pytest

from etl.__main__ import main
from indicators.geocode import AddokEngine, geocode_frame
from indicators.locate import Columns, load_contours, locate_rows
from tests.locate.conftest import make_db


@pytest.fixture
def db_file(tmp_path):
    path = tmp_path / "qpv.duckdb"
    con, _ = make_db(tmp_path, path=str(path))
    con.close()
    return path


def test_a_csv_of_addresses(tmp_path, db_file, capsys):
    src = tmp_path / "participants.csv"
    src.write_text("ref;adresse;cp;ville\n"
                   "a;3 r. des Tilleuls;99100;Alpha\n"
                   "b;=2 av. Saint Exupéry;99100;Alpha\n"
                   "c;1 rue du Nulle Part;99100;Alpha\n", encoding="latin-1")
    out = tmp_path / "out.csv"
    assert main(["locate", str(src), "--out", str(out), "--db", str(db_file)]) == 0
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines() == [
        "ref;adresse;cp;ville;qpv_code;qpv_nom;qpv_commune_code;qpv_commune_nom;qpv_statut;"
        "qpv_distance_bord_m;adresse_statut;adresse_score;adresse_ban;longitude_wgs84;"
        "latitude_wgs84;qpv_avertissement",
        "a;3 r. des Tilleuls;99100;Alpha;QN09901A;Les Tilleuls;99001;Alpha;en QPV;146,9;exacte;"
        "100,0;3 Rue des Tilleuls 99100 Alpha;2,0069;46,0075;indicatif, ne vaut pas attestation",
        # A cell a spreadsheet would run as a formula is neutralised; the street still matches.
        "b;'=2 av. Saint Exupéry;99100;Alpha;;;99001;Alpha;hors QPV;57,8;exacte;100,0;"
        "2 Avenue Saint-Exupéry 99100 Alpha;2,0048;46,0045;indicatif, ne vaut pas attestation",
        "c;1 rue du Nulle Part;99100;Alpha;;;;;non localisé;;introuvable;;;;;"
        "indicatif, ne vaut pas attestation"]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == ("participants.csv : 3 lignes, adresses : adresse, cp, ville, "
                          "quartiers prioritaires 2024 (codes QN…)")
    assert [" ".join(line.split()) for line in printed[1:9]] == [
        "Lignes du fichier 3", "En QPV 1", "dont Les Tilleuls (QN09901A) 1", "Hors QPV 1",
        "À vérifier (à moins de 10 m d'un bord) 0", "Adresse introuvable 1",
        "Rue seulement (numéro absent de la BAN) 0", f"Écrit : {out}"]


def test_an_xlsx_of_lambert93_points_against_2015(tmp_path, db_file, capsys):
    wb = openpyxl.Workbook()
    wb.active.append(["id", "X_L93", "Y_L93"])
    wb.active.append(["p1", 623_002.35, 6_545_458.71])     # lon 2.0050, lat 46.0045
    buf = io.BytesIO()
    wb.save(buf)
    src = tmp_path / "points.xlsx"
    src.write_bytes(buf.getvalue())
    out = tmp_path / "out.xlsx"
    assert main(["locate", str(src), "--out", str(out), "--db", str(db_file), "--geographie", "2015"]) == 0
    book = openpyxl.load_workbook(out)
    rows = list(book["Adresses"].iter_rows(values_only=True))
    assert rows[0][:8] == ("id", "X_L93", "Y_L93", "qpv_code", "qpv_nom", "qpv_commune_code",
                           "qpv_commune_nom", "qpv_statut")
    assert rows[1][:8] == ("p1", "623002.35", "6545458.71", "QP099001", "Ancien Moulin", "99001",
                           "Alpha", "en QPV")
    summary = list(book["Synthèse"].iter_rows(values_only=True))
    assert summary[:3] == [("Résultat", "Lignes"), ("Lignes du fichier", 1), ("En QPV", 1)]
    assert "ne vaut pas attestation" in summary[-1][0]
    assert "coordonnées X_L93/Y_L93 (EPSG:2154)" in capsys.readouterr().out


def test_errors(tmp_path, db_file, capsys):
    src = tmp_path / "rien.csv"
    src.write_text("a;b\n1;2\n", encoding="utf-8")
    assert main(["locate", str(src), "--out", str(tmp_path / "o.csv"), "--db", str(db_file)]) == 1
    assert capsys.readouterr().err.strip() == (
        "Erreur : rien.csv, ligne 1 : ni coordonnées ni adresse reconnues dans l'en-tête (a, b) "
        "(attendu : longitude/latitude, x/y en Lambert-93, ou adresse, code postal, commune)")
    bad = tmp_path / "bad.csv"
    bad.write_text("adresse;cp\n1 rue x;99100;en trop\n", encoding="utf-8")
    assert main(["locate", str(bad), "--out", str(tmp_path / "o.csv"), "--db", str(db_file)]) == 1
    assert "bad.csv, ligne 2" in capsys.readouterr().err
    assert main(["locate", str(src), "--out", "o.csv", "--db", str(tmp_path / "none.duckdb")]) == 1
    assert "base introuvable" in capsys.readouterr().err


class _FakeAddok(BaseHTTPRequestHandler):
    queries: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        _FakeAddok.queries.append(self.path)
        found = "Tilleuls" in self.path
        body = {"type": "FeatureCollection", "features": [] if not found else [{
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [2.0075, 46.0075]},
            "properties": {"label": "5 Rue des Tilleuls 99100 Alpha", "score": 0.93,
                           "type": "housenumber", "id": "99001_0001_00005", "citycode": "99001"}}]}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def test_addok_engine_only_when_asked(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _FakeAddok)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        engine = AddokEngine(f"http://127.0.0.1:{server.server_port}")
        table = pd.DataFrame({"adresse": ["5 rue des Tilleuls", "5 rue des Tilleuls", "9 rue Inconnue"],
                              "cp": ["99100", "99100", "99100"]})
        got = geocode_frame(engine, table, {"address": "adresse", "postcode": "cp"})
        assert got[["ban_label", "match_status", "match_score", "match_code_insee"]].values.tolist() == [
            ["5 Rue des Tilleuls 99100 Alpha", "exact", 93.0, "99001"],
            ["5 Rue des Tilleuls 99100 Alpha", "exact", 93.0, "99001"],
            [None, "not_found", 0.0, None]]
        assert _FakeAddok.queries == ["/search/?q=5+rue+des+Tilleuls&limit=1&postcode=99100",
                                      "/search/?q=9+rue+Inconnue&limit=1&postcode=99100"]
        con, _ = make_db(tmp_path, with_ban=False)
        located = locate_rows(table, load_contours(con), columns=Columns(address={"address": "adresse",
                                                                                  "postcode": "cp"}),
                              ban=engine)
        assert located["qpv_code"].tolist() == ["QN09901A", "QN09901A", None]
    finally:
        server.shutdown()
