"""Address → QPV benchmarks: a département's BAN file loaded, 100 000 addresses matched against it
and located; 1 000 000 coordinate pairs located among 1 500 QPVs; the match rate on the demo.

The département is synthetic but of real size (about 500 000 addresses, 300 communes, 20 000
streets, in the BAN's column layout); the addresses to match are drawn from it and typed the way
people type them (abbreviations, capitals, a slip in one street name out of ten, a number missing
or absent from the BAN, a few streets that do not exist).
"""
from __future__ import annotations

import csv
import random
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from etl.core import Candidate, LoadContext
from etl.db import create_empty
from etl.geo import geometry_rows

TYPES = ("Rue", "Avenue", "Boulevard", "Place", "Chemin", "Allée", "Impasse", "Route")
ABBR = {"Rue": "r.", "Avenue": "av.", "Boulevard": "bd", "Place": "pl.", "Chemin": "chem.",
        "Allée": "all.", "Impasse": "imp.", "Route": "rte"}
WORDS = ("Tilleuls", "Moulin", "Gare", "Victor Hugo", "Jean Jaurès", "Acacias", "Stade", "Écoles",
         "Pasteur", "Église", "Lilas", "Château", "Fontaine", "Prés", "Général de Gaulle",
         "Saint-Exupéry", "Forges", "Chênaie", "Paradis", "Vignes", "Paix", "Gambetta", "Marché",
         "Peupliers", "Saint-Martin", "République", "Jules Ferry", "Rosiers", "Abreuvoir",
         "Cerisiers", "Anatole France", "Libération", "Marronniers", "Sources", "Émile Zola",
         "Verdun", "Lavoir", "Industrie", "Louise Michel", "Hirondelles", "Pont", "Mairie",
         "Lac", "Bois", "Champs", "Vergers", "Jardins", "Côte", "Plaine", "Colline")
HEADER = ("id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;"
          "code_insee_ancienne_commune;nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;"
          "libelle_acheminement;nom_afnor;source_position;source_nom_voie;certification_commune;"
          "cad_parcelles").split(";")


def write_departement(path: Path, n_communes: int = 300, seed: int = 3) -> pd.DataFrame:
    """A BAN file of one synthetic département; returns its rows (for drawing queries)."""
    rng = np.random.default_rng(seed)
    rows = []
    for ci in range(n_communes):
        code = f"98{ci:03d}"
        name = f"Commune {ci} de l'Essai"
        postcode = f"98{(ci // 3) * 10:03d}"[:5]
        lon0, lat0 = 1.0 + (ci % 20) * 0.05, 45.0 + (ci // 20) * 0.04
        n_streets = int(rng.integers(20, 110))
        names = set()
        for s in range(n_streets):
            kind = TYPES[int(rng.integers(0, len(TYPES)))]
            a, b = WORDS[int(rng.integers(0, len(WORDS)))], WORDS[int(rng.integers(0, len(WORDS)))]
            street = f"{kind} des {a}" if s % 3 else f"{kind} {a} {b}"
            if street in names:
                continue
            names.add(street)
            n_numbers = int(rng.integers(5, 45))
            slon, slat = lon0 + rng.random() * 0.04, lat0 + rng.random() * 0.03
            for n in range(1, n_numbers + 1):
                rows.append((f"{code}_{s:04d}_{n:05d}", n, "", street, postcode, code, name,
                             round(slon + n * 0.00008, 6), round(slat, 6)))
    df = pd.DataFrame(rows, columns=["id", "numero", "rep", "nom_voie", "code_postal", "code_insee",
                                     "nom_commune", "lon", "lat"])
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";", lineterminator="\n")
        w.writerow(HEADER)
        for r in df.itertuples(index=False):
            w.writerow([r.id, r.id[:10], r.numero, r.rep, r.nom_voie, r.code_postal, r.code_insee,
                        r.nom_commune, "", "", "", "", r.lon, r.lat, "entrée", "", "", "", "",
                        "commune", "commune", "1", ""])
    return df


def typed_addresses(ban: pd.DataFrame, n: int, seed: int = 5) -> pd.DataFrame:
    """n addresses drawn from the BAN and typed as people type them."""
    rnd = random.Random(seed)
    idx = np.random.default_rng(seed).integers(0, len(ban), n)
    rows = []
    for r in ban.iloc[idx].itertuples(index=False):
        kind, _, rest = r.nom_voie.partition(" ")
        street = r.nom_voie
        u = rnd.random()
        if u < 0.3:
            street = f"{ABBR[kind]} {rest}"
        elif u < 0.4:
            street = street.upper()
        elif u < 0.5 and len(rest) > 8:
            i = rnd.randrange(3, len(rest) - 2)
            street = f"{kind} {rest[:i]}{rest[i + 1:]}"
        number = "" if rnd.random() < 0.05 else str(r.numero if rnd.random() > 0.03 else r.numero + 300)
        if rnd.random() < 0.03:
            street = "rue des Nulle Part"
        rows.append((f"{number} {street}".strip(), r.code_postal, r.nom_commune))
    return pd.DataFrame(rows, columns=["adresse", "code_postal", "commune"])


def addresses(n_addresses: int = 100_000) -> dict[str, float]:
    from etl.loaders import ban
    from indicators import geocode, locate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "adresses-98.csv"
        rows = write_departement(path)
        con = create_empty()
        con.execute("set enable_progress_bar = false")
        ctx = LoadContext(con, "bench")
        t0, c0 = time.perf_counter(), time.process_time()
        ban.load(ctx, Candidate(path, path.name), "ban_addresses")
        load_s, load_cpu = time.perf_counter() - t0, time.process_time() - c0
        # QPVs: 1 500 squares over the département's communes.
        polys = [shapely.box(1.0 + (i % 50) * 0.02, 45.0 + (i // 50) * 0.02,
                             1.0 + (i % 50) * 0.02 + 0.008, 45.0 + (i // 50) * 0.02 + 0.008)
                 for i in range(1_500)]
        con.execute("insert into sources (source_id, kind, file_name, sha256, loaded_at)"
                    " values ('b', 'x', 'x', 'x', now())")
        ctx.insert("territory_geometries", geometry_rows([f"QN{i:06d}" for i in range(1_500)],
                                                         "qpv", 2024, polys, "b"))
        table = typed_addresses(rows, n_addresses)
        t0, c0 = time.perf_counter(), time.process_time()
        index = geocode.load_ban(con)
        contours = locate.load_contours(con)
        located = locate.locate_rows(table, contours, ban=index)
        match_s, match_cpu = time.perf_counter() - t0, time.process_time() - c0
        found = (located["match_status"] != "not_found").mean() * 100
    return {"rows": float(len(rows)), "load_s": load_s, "load_cpu": load_cpu, "match_s": match_s,
            "match_cpu": match_cpu, "found_pct": found}


def coordinates(n_points: int = 1_000_000, n_polygons: int = 1_500, seed: int = 7) -> tuple[float, float]:
    """(Seconds, CPU seconds) to locate n_points WGS84 pairs among n_polygons QPVs (metropole-wide)."""
    from indicators.locate import Layer, Contours, locate_points

    rng = np.random.default_rng(seed)
    centres = np.column_stack([rng.uniform(-4.5, 7.5, n_polygons), rng.uniform(43.0, 50.5, n_polygons)])
    polys = [shapely.Point(x, y).buffer(0.006, quad_segs=12) for x, y in centres]
    contours = Contours({2024: Layer.from_wkb([f"QN{i:06d}" for i in range(n_polygons)],
                                              [f"Q{i}" for i in range(n_polygons)],
                                              shapely.to_wkb(polys))}, None, {}, {})
    # Half the points in towns (around the QPVs), half anywhere.
    near = centres[rng.integers(0, n_polygons, n_points // 2)] + rng.normal(0, 0.01, (n_points // 2, 2))
    anywhere = np.column_stack([rng.uniform(-4.5, 7.5, n_points - len(near)),
                                rng.uniform(43.0, 50.5, n_points - len(near))])
    pts = np.vstack([near, anywhere])
    t0, c0 = time.perf_counter(), time.process_time()
    out = locate_points(pts[:, 0], pts[:, 1], contours)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert len(out) == n_points
    return seconds, cpu


def demo_match_rate(db_path: Path) -> tuple[int, dict[str, int]] | None:
    """Match statuses of the demo's participants' addresses (programme/beneficiaires_adresses.csv)."""
    import config
    from etl.db import open_snapshot
    from indicators.locate import locate_rows
    from reports.located import read_file

    src = Path(config.DEMO_RAW_DIR) / "programme" / "beneficiaires_adresses.csv"
    if not src.exists() or not db_path.exists():
        return None
    table = read_file(src.read_bytes(), src.name)[["adresse", "code_postal", "ville"]]
    located = locate_rows(table, open_snapshot(db_path))
    return len(located), located["match_status"].value_counts().to_dict()


def run(db_path: Path) -> dict[str, float]:
    """Wall-clock seconds, and the process's CPU seconds (the code is single-threaded: on a
    shared, loaded machine the CPU time is what it takes on an idle one). Each measure runs once
    (the synthetic département alone takes most of a minute)."""
    a = addresses()
    print(f"  BAN d'un département ({a['rows']:,.0f} adresses) chargée : {a['load_s']:6.2f} s "
          f"(CPU {a['load_cpu']:.2f} s)".replace(",", " ").replace(".", ","))
    print(f"  100 000 adresses → QPV (appariement + contours)  : {a['match_s']:6.2f} s "
          f"(CPU {a['match_cpu']:.2f} s), {a['found_pct']:.1f} % trouvées".replace(".", ","))
    s, cpu = coordinates()
    print(f"  1 000 000 coordonnées → QPV (1 500 contours)     : {s:6.2f} s "
          f"(CPU {cpu:.2f} s)".replace(".", ","))
    out = {"ban_load_s": a["load_s"], "ban_load_cpu_s": a["load_cpu"],
           "addresses_100k_s": a["match_s"], "addresses_100k_cpu_s": a["match_cpu"],
           "addresses_found_pct": a["found_pct"], "points_1m_s": s, "points_1m_cpu_s": cpu}
    rate = demo_match_rate(db_path)
    if rate is None:
        print("  Démo : fichier des participants absent (python -m etl demo) : mesure sautée")
    else:
        n, counts = rate
        labels = {"exact": "exactes", "approximate": "approchées", "street": "rue seulement",
                  "not_found": "introuvables"}
        found = n - counts.get("not_found", 0)
        detail = ", ".join(f"{counts.get(k, 0)} {v}" for k, v in labels.items())
        print(f"  Démo : {found}/{n} adresses trouvées ({100 * found / n:.1f} %) : {detail}".replace(".", ","))
        out["demo_addresses_found_pct"] = 100 * found / n
    return out
