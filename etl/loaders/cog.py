"""The official geography (COG) as published by @etalab/decoupage-administratif.

Four JSON files, each an array of objects, recognised by the keys of their first object:

- communes      `code, nom, type, departement, region, population` (kept: type "commune-actuelle")
- EPCI          `code` (SIREN), `nom`, `populationMunicipale`, `membres[{code, nom}]`
- départements  `code, nom, region, chefLieu`
- régions       `code, nom, chefLieu`

Communes carry no EPCI field: the commune→EPCI links come from the EPCI file's `membres`.
The geography vintage is the COG year when the path tells it (`cog2026/…`), else NULL; the
populations of COG year N are the populations légales of N-3 (in force on 1 January N).
"""
from __future__ import annotations

import json
import re

import pandas as pd

from etl.core import Candidate, EtlError, LoadContext

KINDS = ("cog_communes", "cog_epci", "cog_departements", "cog_regions")
PRIORITY = 10
FORMAT_LABEL = ("COG du découpage administratif (communes.json, epci.json, departements.json, "
                "regions.json au format @etalab/decoupage-administratif)")

PRODUCER = "INSEE / Etalab (découpage administratif)"
LICENCE = "Licence Ouverte"
TITLES = {
    "cog_communes": "Code officiel géographique : communes",
    "cog_epci": "Code officiel géographique : EPCI à fiscalité propre",
    "cog_departements": "Code officiel géographique : départements",
    "cog_regions": "Code officiel géographique : régions",
}
COMMUNE_TYPES = {"commune-actuelle", "commune-deleguee", "commune-associee", "arrondissement-municipal"}
_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?!\d)")

# The demo territory (DOMAIN: département 99, communes 99001…, EPCI 999000001, QPV QN099…) uses
# codes that INSEE never gives a real territory (99 is "étranger"): content marks it fictional.
_FICTIONAL = {
    "qpv": re.compile(r"^Q[NP]099"),
    "commune": re.compile(r"^99"),
    "epci": re.compile(r"^999"),
    "departement": re.compile(r"^99$"),
    "region": re.compile(r"^99$"),
}


def is_fictional_code(code: str, level: str) -> bool:
    """True for a code of the fictional demo territory."""
    rule = _FICTIONAL.get(level)
    return bool(rule and rule.match(str(code).upper()))


def fictional_mask(codes: pd.Series, level: str) -> pd.Series:
    rule = _FICTIONAL.get(level)
    if rule is None:
        return pd.Series(False, index=codes.index)
    return codes.astype(str).str.upper().str.match(rule.pattern)


def _first_object(c: Candidate) -> dict | None:
    """The first element of a JSON array, parsed from the head of the file (cheap)."""
    if c.suffix != ".json":
        return None
    head = c.head(1 << 20)
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    text = text.lstrip()
    if not text.startswith("["):
        return None
    text = text[1:].lstrip()
    try:
        obj, _ = json.JSONDecoder().raw_decode(text)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def recognise(c: Candidate) -> str | None:
    obj = _first_object(c)
    if not obj or "code" not in obj or "nom" not in obj:
        return None
    if isinstance(obj.get("membres"), list):
        return "cog_epci"
    if obj.get("type") in COMMUNE_TYPES and "departement" in obj:
        return "cog_communes"
    if "chefLieu" in obj and "departement" not in obj:
        return "cog_departements" if "region" in obj else "cog_regions"
    return None


def cog_year(c: Candidate) -> int | None:
    """The COG year named by the file's path ('cog2026/communes.json'), else None."""
    for text in (c.display_name, c.path.parent.name, c.path.name):
        years = _YEAR_RE.findall(text or "")
        if years:
            return int(years[-1])
    return None


def _read(c: Candidate) -> list[dict]:
    try:
        data = json.loads(c.read_bytes().decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise EtlError(c.display_name, f"JSON illisible ({exc})",
                       expected="un tableau JSON du découpage administratif") from exc
    if not isinstance(data, list):
        raise EtlError(c.display_name, "le fichier n'est pas un tableau JSON",
                       expected="un tableau d'objets {code, nom, …}")
    for i, obj in enumerate(data, start=1):
        if not isinstance(obj, dict) or not obj.get("code") or not obj.get("nom"):
            raise EtlError(c.display_name, "élément sans « code » ou « nom »", line=i,
                           column="code", expected="un objet avec code et nom")
    return data


def _pop(value) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    data = _read(c)
    year = cog_year(c)
    pop_year = year - 3 if year else None
    level = {"cog_communes": "commune", "cog_epci": "epci", "cog_departements": "departement",
             "cog_regions": "region"}[kind]
    fictional = all(is_fictional_code(o["code"], level) for o in data
                    if level != "commune" or o.get("type") == "commune-actuelle")
    source_id = ctx.add_source(c, kind, producer=PRODUCER, title=TITLES[kind],
                               vintage=f"COG {year}" if year else None, licence=LICENCE,
                               rows_read=len(data), is_fictional=fictional)

    def territories(df: pd.DataFrame, level: str, pop_col: str | None) -> pd.DataFrame:
        out = pd.DataFrame({
            "territory_code": df["code"].astype(str),
            "territory_level": level,
            "territory_name": df["nom"].astype(str),
            "geography_vintage": year,
            "population": (df[pop_col].map(_pop).astype("Int64") if pop_col and pop_col in df
                           else pd.Series(pd.NA, index=df.index, dtype="Int64")),
            "is_fictional": fictional_mask(df["code"], level).to_numpy(),
            "source_id": source_id,
        })
        has_pop = out["population"].notna()
        out["population_year"] = pd.Series(pd.NA, index=out.index, dtype="Int64")
        if pop_year:
            out.loc[has_pop, "population_year"] = pop_year
        return out

    def links(child: pd.Series, child_level: str, parent: pd.Series, parent_level: str) -> pd.DataFrame:
        out = pd.DataFrame({"child_code": child.astype(str), "child_level": child_level,
                            "parent_code": parent, "parent_level": parent_level,
                            "source_id": source_id})
        return out[out["parent_code"].notna() & (out["parent_code"].astype(str) != "")]

    if kind == "cog_communes":
        df = pd.DataFrame(data)
        df = df[df["type"] == "commune-actuelle"]
        ctx.insert("territories", territories(df, "commune", "population"))
        ctx.insert("territory_links", links(df["code"], "commune", df.get("departement"), "departement"))
        return len(data)
    if kind == "cog_epci":
        df = pd.DataFrame(data)
        ctx.insert("territories", territories(df, "epci", "populationMunicipale"))
        members = [(str(m.get("code")), str(e["code"]))
                   for e in data for m in (e.get("membres") or []) if m.get("code")]
        m = pd.DataFrame(members, columns=["child", "parent"])
        ctx.insert("territory_links", links(m["child"], "commune", m["parent"], "epci"))
        return len(data)
    if kind == "cog_departements":
        df = pd.DataFrame(data)
        ctx.insert("territories", territories(df, "departement", None))
        if "region" in df:
            ctx.insert("territory_links", links(df["code"], "departement", df["region"], "region"))
        return len(data)
    if kind == "cog_regions":
        df = pd.DataFrame(data)
        ctx.insert("territories", territories(df, "region", None))
        return len(data)
    raise ValueError(kind)
