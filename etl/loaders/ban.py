"""Base Adresse Nationale: `adresses-XX.csv` or `adresses-XX.csv.gz` as downloaded per
département from adresse.data.gouv.fr (`;`-separated, UTF-8, header `id;id_fantoir;numero;rep;
nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;nom_ancienne_commune;x;y;
lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;source_position;
source_nom_voie;certification_commune;cad_parcelles`).

Kind `ban_addresses`, recognised by its header. Rows go to `ban_addresses` (WGS84 lon/lat) with
the normalised street key the offline matcher compares (indicators/geocode.py). DuckDB reads the
file (gzip included), so a département of 500 000 addresses loads in a few seconds. A second
file giving the same address ids (the same département twice) replaces them, with a warning.
"""
from __future__ import annotations

import gzip
import zlib

from etl.core import Candidate, EtlError, LoadContext
from etl.loaders.cog import fictional_mask
from indicators.geocode import street_key

KINDS = ("ban_addresses",)
PRIORITY = 30          # after the contours, before the programme (its addresses are located)
FORMAT_LABEL = ("Base Adresse Nationale (adresses-XX.csv ou .csv.gz, séparateur point-virgule, colonnes "
                "id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat…)")
PRODUCER = "Base Adresse Nationale (IGN, DGFiP, collectivités)"
LICENCE = "Licence Ouverte 2.0"
URL = "https://adresse.data.gouv.fr/data/ban/adresses/latest/csv/"
REQUIRED = ("id", "numero", "rep", "nom_voie", "code_postal", "code_insee", "nom_commune", "lon", "lat")
OPTIONAL = ("code_insee_ancienne_commune", "nom_ancienne_commune", "alias", "nom_ld")


def _head_text(c: Candidate) -> str | None:
    head = c.head(65536)
    if c.path.name.lower().endswith(".gz") or head[:2] == b"\x1f\x8b":
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 65536)
        except zlib.error:
            return None
    elif c.suffix not in (".csv", ".txt", ""):
        return None
    if b"\x00" in head[:4096]:
        return None
    return head.decode("utf-8-sig", errors="replace")


def _header(c: Candidate) -> list[str] | None:
    text = _head_text(c)
    if not text:
        return None
    line = text.replace("\r", "\n").split("\n", 1)[0]
    return [h.strip().strip('"') for h in line.split(";")]


def recognise(c: Candidate) -> str | None:
    header = _header(c)
    if header and set(REQUIRED) <= set(header):
        return "ban_addresses"
    return None


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    header = _header(c) or []
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise EtlError(c.display_name, f"colonnes absentes : {', '.join(missing)}", line=1,
                       column=missing[0], expected="l'en-tête d'un fichier adresses-XX.csv de la BAN")
    con = ctx.con
    gz = c.path.name.lower().endswith(".gz")
    try:
        con.execute(
            "create or replace temp table _ban_raw as select row_number() over () + 1 as line, *"
            " from read_csv(?, delim=';', header=true, all_varchar=true, quote='\"',"
            " compression=?, strict_mode=true, null_padding=false)",
            [str(c.path), "gzip" if gz else "none"])
    except Exception as exc:  # noqa: BLE001 - duckdb's message says where
        if isinstance(exc, (gzip.BadGzipFile, EOFError)):
            raise
        raise EtlError(c.display_name, f"fichier BAN illisible ({str(exc).splitlines()[0]})",
                       expected="un CSV « ; » en UTF-8 (ou son .gz) tel que téléchargé") from None
    try:
        n = con.execute("select count(*) from _ban_raw").fetchall()[0][0]
        if n == 0:
            raise EtlError(c.display_name, "aucune adresse (en-tête seul)", line=2,
                           expected="au moins une ligne d'adresse")
        for col, what in (("lon", "une longitude WGS84 entre -180 et 180"),
                          ("lat", "une latitude WGS84 entre -90 et 90")):
            limit = 180 if col == "lon" else 90
            bad = con.execute(
                f"select line, \"{col}\" from _ban_raw where try_cast(\"{col}\" as double) is null"
                f" or abs(try_cast(\"{col}\" as double)) > {limit} order by line limit 1").fetchall()
            if bad:
                raise EtlError(c.display_name, f"coordonnée non reconnue « {bad[0][1]} »",
                               line=int(bad[0][0]), column=col, expected=what)
        for col in ("id", "nom_voie", "code_insee"):
            bad = con.execute(f"select line from _ban_raw where coalesce(trim(\"{col}\"), '') = ''"
                              " order by line limit 1").fetchall()
            if bad:
                raise EtlError(c.display_name, "valeur obligatoire manquante", line=int(bad[0][0]),
                               column=col, expected="la valeur de la BAN")
        bad = con.execute("select line, numero from _ban_raw where numero is not null and trim(numero) <> ''"
                          " and try_cast(numero as integer) is null order by line limit 1").fetchall()
        if bad:
            raise EtlError(c.display_name, f"numéro non reconnu « {bad[0][1]} »", line=int(bad[0][0]),
                           column="numero", expected="un numéro entier (ou vide pour un lieu-dit)")
        optional = {o: (f'"{o}"' if o in header else "null") for o in OPTIONAL}
        voies = con.execute("select distinct nom_voie from _ban_raw").df()
        voies["street_key"] = [street_key(v) or str(v).lower() for v in voies["nom_voie"]]
        con.register("_ban_keys", voies)
        codes = con.execute("select distinct code_insee from _ban_raw").df()["code_insee"]
        fictional = bool(fictional_mask(codes, "commune").all())     # the demo's département 99
        source_id = ctx.add_source(c, kind, producer=PRODUCER, title="Base Adresse Nationale",
                                   vintage=None, licence=LICENCE, url=URL, rows_read=n,
                                   is_fictional=fictional)
        dup = con.execute("select count(*) from ban_addresses b join _ban_raw r on r.id = b.ban_id"
                          ).fetchall()[0][0]
        if dup:
            ctx.warn(c.display_name, f"{dup} adresses déjà chargées par un autre fichier BAN sont "
                     "remplacées par celles de ce fichier")
            con.execute("delete from ban_addresses where ban_id in (select id from _ban_raw)")
        con.execute(f"""
            insert into ban_addresses
            select r.id, try_cast(nullif(trim(r.numero), '') as integer),
                   nullif(lower(trim(r.rep)), ''), r.nom_voie,
                   nullif(trim({optional['nom_ld']}), ''), nullif(trim({optional['alias']}), ''),
                   nullif(trim(r.code_postal), ''), r.code_insee, r.nom_commune,
                   nullif(trim({optional['code_insee_ancienne_commune']}), ''),
                   nullif(trim({optional['nom_ancienne_commune']}), ''),
                   cast(r.lon as double), cast(r.lat as double), k.street_key, ?
            from _ban_raw r join _ban_keys k on k.nom_voie = r.nom_voie
            order by r.line""", [source_id])
        con.unregister("_ban_keys")
        return int(n)
    finally:
        con.execute("drop table if exists _ban_raw")

