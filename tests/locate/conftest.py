"""A small territory built by code for the address → QPV tests.

Two communes side by side (WGS84 rectangles): 99001 Alpha (lon 2.00–2.02) and 99002 Beta
(lon 2.02–2.04), lat 46.00–46.02. QPVs 2024: QN09901A « Les Tilleuls » (lon 2.005–2.010,
lat 46.005–46.010, in Alpha) and QN09902B « Bords de Lorne » (lon 2.015–2.025, lat 46.012–
46.016, across both). QPV 2015: QP099001 « Ancien Moulin » (lon 2.003–2.007, lat 46.003–46.006).
A BAN file of these streets (see BAN_ROWS) is written in the real column layout.
"""
from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest
import shapely
from shapely.geometry import box

import etl.db
from etl.core import Candidate, LoadContext
from etl.geo import geometry_rows

SRC = "src_locate000000"
QPVS_2024 = {"QN09901A": ("Les Tilleuls", box(2.005, 46.005, 2.010, 46.010), ["99001"]),
             "QN09902B": ("Bords de Lorne", box(2.015, 46.012, 2.025, 46.016), ["99001", "99002"])}
QPVS_2015 = {"QP099001": ("Ancien Moulin", box(2.003, 46.003, 2.007, 46.006), ["99001"])}
COMMUNES = {"99001": ("Alpha", box(2.00, 46.00, 2.02, 46.02)),
            "99002": ("Beta", box(2.02, 46.00, 2.04, 46.02))}

BAN_HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
              "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;"
              "nom_ld;libelle_acheminement;nom_afnor;source_position;source_nom_voie;"
              "certification_commune;cad_parcelles").split(";")


def _ban_rows() -> list[dict]:
    rows = []

    def add(code, fantoir, numero, rep, voie, lon, lat, former=None, ld=None):
        commune = COMMUNES[code][0]
        postcode = {"99001": "99100", "99002": "99200"}[code]
        rows.append({"id": f"{code}_{fantoir}_{numero or 0:05d}" + (f"_{rep}" if rep else ""),
                     "id_fantoir": f"{code}_{fantoir}", "numero": "" if numero is None else str(numero),
                     "rep": rep, "nom_voie": voie, "code_postal": postcode, "code_insee": code,
                     "nom_commune": commune,
                     "code_insee_ancienne_commune": former[0] if former else "",
                     "nom_ancienne_commune": former[1] if former else "",
                     "x": "", "y": "", "lon": f"{lon:.6f}", "lat": f"{lat:.6f}",
                     "type_position": "entrée", "alias": "", "nom_ld": ld or "",
                     "libelle_acheminement": commune.upper(), "nom_afnor": voie.upper(),
                     "source_position": "commune", "source_nom_voie": "commune",
                     "certification_commune": "1", "cad_parcelles": ""})

    # Inside QN09901A (and, for 1–3, inside the 2015 QPV too? no: lat 46.007 is north of it).
    for n in range(1, 11):
        add("99001", "0001", n, "", "Rue des Tilleuls", 2.0060 + n * 0.0003, 46.0075)
    add("99001", "0001", 4, "bis", "Rue des Tilleuls", 2.0073, 46.0076)
    # Outside every QPV 2024; numbers 1–6 fall in the 2015 QPV.
    for n in range(1, 7):
        add("99001", "0002", n, "", "Avenue Saint-Exupéry", 2.0040 + n * 0.0004, 46.0045)
    for n in range(20, 26):
        add("99001", "0002", n, "", "Avenue Saint-Exupéry", 2.0120 + n * 0.0001, 46.0020)
    # On the edge of QN09901A (east side at lon 2.010): 0.4 m inside, 0.4 m outside.
    add("99001", "0003", 1, "", "Place de la Gare", 2.009995, 46.0080)
    add("99001", "0003", 2, "", "Place de la Gare", 2.010005, 46.0080)
    # Rue du Pont crosses the commune border inside QN09902B.
    add("99001", "0004", 1, "", "Rue du Pont", 2.0180, 46.0140)
    add("99002", "0004", 2, "", "Rue du Pont", 2.0230, 46.0140,
        former=("99009", "Beta-le-Vieux"))
    add("99002", "0005", 7, "", "Chemin du Général de Gaulle", 2.0300, 46.0100,
        former=("99009", "Beta-le-Vieux"))
    # A lieu-dit without street, in Beta.
    add("99002", "B001", None, "", "Les Grandes Vignes", 2.0350, 46.0050, ld="Les Grandes Vignes")
    return rows


BAN_ROWS = _ban_rows()


def ban_bytes(rows: list[dict] = BAN_ROWS) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(BAN_HEADER)
    for r in rows:
        w.writerow([r[h] for h in BAN_HEADER])
    return buf.getvalue().encode("utf-8")


def write_ban(folder: Path, *, gz: bool = False, rows: list[dict] = BAN_ROWS) -> Path:
    data = ban_bytes(rows)
    path = folder / ("adresses-99.csv.gz" if gz else "adresses-99.csv")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


def make_db(tmp: Path, *, with_communes: bool = True, with_ban: bool = True, path: str = ":memory:"):
    """A database (in memory by default) with the territories, contours (and BAN) above."""
    con = etl.db.create_empty(path)
    ctx = LoadContext(con, "test")
    con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at)"
                " values (?, 'test', 'test', 'x', now())", [SRC])
    terr, links = [], []
    for vintage, qpvs in ((2024, QPVS_2024), (2015, QPVS_2015)):
        for code, (name, _, communes) in qpvs.items():
            terr.append(dict(territory_code=code, territory_level="qpv", territory_name=name,
                             geography_vintage=vintage, is_fictional=True, source_id=SRC))
            links += [dict(child_code=code, child_level="qpv", parent_code=c, parent_level="commune",
                           source_id=SRC) for c in communes]
        ctx.insert("territory_geometries", geometry_rows(
            list(qpvs), "qpv", vintage, [g for _, g, _ in qpvs.values()], SRC))
    for code, (name, _) in COMMUNES.items():
        terr.append(dict(territory_code=code, territory_level="commune", territory_name=name,
                         is_fictional=True, source_id=SRC))
    ctx.insert("territories", terr)
    ctx.insert("territory_links", links)
    if with_communes:
        ctx.insert("territory_geometries", geometry_rows(
            list(COMMUNES), "commune", None, [g for _, g in COMMUNES.values()], SRC))
    if with_ban:
        from etl.loaders import ban

        path = write_ban(tmp)
        c = Candidate(path, path.name)
        assert ban.recognise(c) == "ban_addresses"
        ban.load(ctx, c, "ban_addresses")
    return con, ctx


@pytest.fixture
def db(tmp_path):
    con, _ = make_db(tmp_path)
    yield con
    con.close()


def centroid(geom) -> tuple[float, float]:
    p = shapely.centroid(geom)
    return p.x, p.y
