"""Address → coordinates against the BAN, offline: normalisation, exact and approximate
matches, street only, not found; a whole file of addresses to QPVs; the BAN loader."""
from __future__ import annotations

import gzip

import pandas as pd
import pytest

from etl.core import Candidate, EtlError, LoadContext
from etl.db import create_empty
from etl.loaders import ban
from indicators.geocode import (address_columns, geocode_one, load_ban, normalise, parse_address,
                                street_key)
from indicators.locate import locate_rows, output_frame, summary
from tests.locate.conftest import BAN_ROWS, write_ban


def test_normalise_french_addresses():
    assert normalise("Av. du Gal de Gaulle") == "avenue du general de gaulle"
    assert normalise("BD  St-Exupéry") == "boulevard saint exupery"
    assert normalise("Chem. de l’Église") == "chemin de l eglise"
    assert normalise("pl. Ste Colombe") == "place sainte colombe"
    assert street_key("Rue de la Paix") == street_key("r. la Paix") == "rue paix"
    assert parse_address("12 bis av. des Tilleuls 99100 Lorneville").__dict__ == {
        "number": 12, "rep": "bis", "street": "av. des Tilleuls", "postcode": "99100",
        "city": "Lorneville"}
    assert parse_address("4T, rue du Pont, Beta").__dict__ == {
        "number": 4, "rep": "ter", "street": "rue du Pont", "postcode": None, "city": "Beta"}
    assert parse_address("Les Grandes Vignes", postcode="99200").__dict__ == {
        "number": None, "rep": "", "street": "Les Grandes Vignes", "postcode": "99200", "city": None}


@pytest.mark.parametrize("text, label, status, score", [
    ("3 rue des Tilleuls 99100 Alpha", "3 Rue des Tilleuls 99100 Alpha", "exact", 100.0),
    ("4 bis R. DES TILLEULS 99100", "4 bis Rue des Tilleuls 99100 Alpha", "exact", 100.0),
    ("4 ter rue des Tilleuls, Alpha", "4 Rue des Tilleuls 99100 Alpha", "approximate", 95.0),
    ("5 av. St Exupéry 99100 Alpha", "5 Avenue Saint-Exupéry 99100 Alpha", "exact", 100.0),
    ("5 rue des Tileuls 99100 Alpha", "5 Rue des Tilleuls 99100 Alpha", "approximate", 95.7),
    ("7 chem. du Gal de Gaulle Beta-le-Vieux", "7 Chemin du Général de Gaulle 99200 Beta", "exact", 100.0),
    ("Les Grandes Vignes 99200 Beta", "Les Grandes Vignes 99200 Beta", "street", 100.0),
    # No number, or one the BAN lacks: the street's middle address (of 1–10 and 4 bis: 5).
    ("rue des Tilleuls 99100 Alpha", "5 Rue des Tilleuls 99100 Alpha", "street", 100.0),
    ("99 rue des Tilleuls 99100 Alpha", "5 Rue des Tilleuls 99100 Alpha", "street", 90.0),
])
def test_geocode_one(db, text, label, status, score):
    got = geocode_one(load_ban(db), text)
    assert (got["ban_label"], got["match_status"], got["match_score"]) == (label, status, score)


def test_not_found(db):
    index = load_ban(db)
    for text in ("12 rue des Inconnus 99100 Alpha",          # unknown street
                 "3 rue des Tilleuls 75001 Paris",             # a commune the BAN loaded lacks
                 "99100 Alpha"):                               # no street at all
        got = geocode_one(index, text)
        assert (got["ban_label"], got["match_status"]) == (None, "not_found"), text
    # The street of the other commune is not taken when the postcode says Beta.
    assert geocode_one(index, "3 rue des Tilleuls 99200 Beta")["match_status"] == "not_found"


def test_a_file_of_addresses_to_qpvs(db):
    table = pd.DataFrame({
        "Nom": ["A", "B", "C", "D", "E", "F"],
        "Adresse": ["3 rue des Tilleuls", "2 av Saint Exupery", "1 pl. de la Gare", "1 rue du Pont",
                    "2 rue du Pont", "8 impasse Inconnue"],
        "Code postal": ["99100", "99100", "99100", "99100", "99200", "99100"],
        "Ville": ["Alpha", "ALPHA", "Alpha", "Alpha", "Beta", "Alpha"],
    })
    assert address_columns(table.columns) == {"address": "Adresse", "postcode": "Code postal",
                                              "city": "Ville"}
    located = locate_rows(table, db)
    assert located[["Nom", "qpv_code", "commune_code", "qpv_status", "match_status"]].values.tolist() == [
        ["A", "QN09901A", "99001", "in_qpv", "exact"],
        ["B", None, "99001", "outside", "exact"],
        ["C", "QN09901A", "99001", "to_check", "exact"],
        ["D", "QN09902B", "99001", "in_qpv", "exact"],        # one QPV across two communes
        ["E", "QN09902B", "99002", "in_qpv", "exact"],
        ["F", None, None, "not_located", "not_found"],
    ]
    out = output_frame(located)
    assert out.columns.tolist()[4:] == [
        "qpv_code", "qpv_nom", "qpv_commune_code", "qpv_commune_nom", "qpv_statut",
        "qpv_distance_bord_m", "adresse_statut", "adresse_score", "adresse_ban",
        "longitude_wgs84", "latitude_wgs84", "qpv_avertissement"]
    assert out["adresse_statut"].tolist() == ["exacte"] * 5 + ["introuvable"]
    assert summary(located).values.tolist() == [
        ["Lignes du fichier", 6], ["En QPV", 3], ["  dont Les Tilleuls (QN09901A)", 1],
        ["  dont Bords de Lorne (QN09902B)", 2], ["Hors QPV", 1],
        ["À vérifier (à moins de 10 m d'un bord)", 1], ["Adresse introuvable", 1],
        ["Rue seulement (numéro absent de la BAN)", 0]]


def test_separate_number_street_and_insee_columns(db):
    table = pd.DataFrame({"numero": [3, 2], "voie": ["Rue des Tilleuls", "rue du pont"],
                          "code_insee": ["99001", "99002"]})
    assert address_columns(table.columns) == {"number": "numero", "street": "voie",
                                              "code_insee": "code_insee"}
    located = locate_rows(table, db)
    assert located[["ban_label", "qpv_code", "commune_code"]].values.tolist() == [
        ["3 Rue des Tilleuls 99100 Alpha", "QN09901A", "99001"],
        ["2 Rue du Pont 99200 Beta", "QN09902B", "99002"]]


@pytest.mark.parametrize("gz", [False, True])
def test_ban_loader_reads_the_file_as_downloaded(tmp_path, gz):
    con = create_empty()
    ctx = LoadContext(con, "t")
    path = write_ban(tmp_path, gz=gz)
    c = Candidate(path, path.name)
    assert ban.recognise(c) == "ban_addresses"
    assert ban.load(ctx, c, "ban_addresses") == len(BAN_ROWS)
    assert con.execute("""select ban_id, numero, rep, nom_voie, code_postal, code_insee,
                                 nom_ancienne_commune, street_key, lon, lat
                          from ban_addresses where ban_id in ('99001_0001_00004_bis', '99002_B001_00000',
                                                              '99002_0004_00002')
                          order by 1""").fetchall() == [
        ("99001_0001_00004_bis", 4, "bis", "Rue des Tilleuls", "99100", "99001", None,
         "rue tilleuls", 2.0073, 46.0076),
        ("99002_0004_00002", 2, None, "Rue du Pont", "99200", "99002", "Beta-le-Vieux",
         "rue pont", 2.023, 46.014),
        ("99002_B001_00000", None, None, "Les Grandes Vignes", "99200", "99002", None,
         "grandes vignes", 2.035, 46.005)]
    # The same département again replaces its addresses, with a warning.
    again = tmp_path / "again"
    again.mkdir()
    p2 = write_ban(again, gz=gz)
    ban.load(ctx, Candidate(p2, "again/" + p2.name), "ban_addresses")
    assert con.execute("select count(*) from ban_addresses").fetchall() == [(len(BAN_ROWS),)]
    assert [m.message for m in ctx.messages] == [
        f"{len(BAN_ROWS)} adresses déjà chargées par un autre fichier BAN sont remplacées par "
        "celles de ce fichier"]


def test_ban_loader_errors_name_line_and_column(tmp_path):
    rows = [dict(r) for r in BAN_ROWS]
    rows[4]["lat"] = "46,0075x"
    path = write_ban(tmp_path, rows=rows)
    ctx = LoadContext(create_empty(), "t")
    with pytest.raises(EtlError) as err:
        ban.load(ctx, Candidate(path, "ban/adresses-99.csv"), "ban_addresses")
    assert str(err.value) == ("ban/adresses-99.csv, ligne 6, colonne « lat » : coordonnée non "
                              "reconnue « 46,0075x » (attendu : une latitude WGS84 entre -90 et 90)")
    other = tmp_path / "other.csv"
    other.write_text("id;nom;lon;lat\n1;x;2;46\n", encoding="utf-8")
    assert ban.recognise(Candidate(other, "other.csv")) is None
    gz = tmp_path / "x.csv.gz"
    gz.write_bytes(gzip.compress(b"a;b\n1;2\n"))
    assert ban.recognise(Candidate(gz, "x.csv.gz")) is None


def test_a_not_found_score_is_never_an_invented_0(db):
    """The address export wrote « 0,0 » as the score of an address whose street nothing came near:
    no street was scored, so the score is empty; a near miss keeps its own score."""
    index = load_ban(db)
    scores = {text: geocode_one(index, text)["match_score"]
              for text in ("1 rue du Nulle Part 99100 Alpha",      # no street within reach
                           "3 rue des Tilleuls 75001 Paris",        # no such commune loaded
                           "99100 Alpha",                            # no street at all
                           "3 rue des Tillous Vieux 99100 Alpha")}   # a near miss, below the bar
    assert [pd.isna(s) for s in scores.values()] == [True, True, True, False]
    assert 60 <= scores["3 rue des Tillous Vieux 99100 Alpha"] < 75
