"""ANCT QPV contours and list, and commune contours.

Kinds, recognised by content:
- `anct_qpv_contours`: a GeoJSON FeatureCollection or a shapefile whose attributes hold a QPV
  code (`code_qp` 2024 style, or `CODE_QP` 2015 style) and a name (`lib_qp` / `NOM_QP`).
  EPSG:4326 or Lambert-93 (EPSG:2154, from the GeoJSON `crs` member or the `.prj`); coordinates
  in metres in a file that claims degrees are an error naming the feature. `insee_com` may hold
  a comma-separated list of communes (one QPV→commune link each); 2015 files' `COMMUNE_QP` holds
  commune names, matched to the communes already loaded from the COG within the QPV's département.
- `anct_qpv_list`: the same list as CSV without geometry (`code_qp, lib_qp, insee_com, …`):
  territories and QPV→commune links only.
- `commune_contours`: a GeoJSON FeatureCollection or shapefile of communes (Admin Express
  `INSEE_COM`/`NOM`, or etalab `code`/`nom`) → territory_geometries at level commune.

The QPV geography vintage comes from the code: `QP…` 2015, `QN97…` (overseas list) 2025,
other `QN…` 2024. Territories and links already declared by another file are not repeated.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
import shapely

from etl import geo
from etl.core import Candidate, EtlError, LoadContext, Message, frame_sql
from etl.loaders.cog import fictional_mask
from etl.readers import (CONTROL_EXPECTED, CONTROL_RE, control_character, normalise_text, read_table,
                         sniff_header)

KINDS = ("anct_qpv_contours", "anct_qpv_list", "commune_contours")
PRIORITY = 20
FORMAT_LABEL = ("contours des QPV de l'ANCT (GeoJSON ou shapefile, attributs 2015 ou 2024, WGS84 ou "
                "Lambert-93), liste des QPV de l'ANCT (CSV code_qp, lib_qp, insee_com), contours "
                "des communes (GeoJSON ou shapefile INSEE_COM/NOM ou code/nom)")

PRODUCER_QPV = "ANCT"
LICENCE = "Licence Ouverte"
QPV_RE = re.compile(r"^Q[NP][0-9A-Z]{6}$")
COMMUNE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")

CODE_COLUMNS = ("code_qp", "CODE_QP", "codeqp", "code_quartier")
NAME_COLUMNS = ("lib_qp", "NOM_QP", "nom_qp", "LIB_QP", "libelle_qp", "nom_quartier")
COMMUNE_CODE_COLUMNS = ("insee_com", "INSEE_COM", "code_insee", "CODE_COM", "codes_insee", "insee_com_list")
COMMUNE_NAME_COLUMNS = ("COMMUNE_QP", "commune_qp", "lib_com", "LIB_COM", "nom_com")
COMMUNE_CONTOUR_CODE = ("INSEE_COM", "insee_com", "code", "CODE", "code_insee", "CODE_INSEE")
COMMUNE_CONTOUR_NAME = ("NOM", "nom", "NOM_COM", "nom_com", "NOM_M", "libelle", "LIBELLE")
_YEAR_RE = re.compile(r"(?<!\d)(20\d{2})(?!\d)")
# The parents an ANCT file names in its own attributes (2024 contours and list).
COMMUNE_LABEL_COLUMNS = ("lib_com", "LIB_COM", "nom_com", "NOM_COM")
EPCI_CODE_COLUMNS = ("siren_epci", "SIREN_EPCI", "code_epci", "CODE_EPCI", "epci")
EPCI_NAME_COLUMNS = ("lib_epci", "LIB_EPCI", "nom_epci", "NOM_EPCI")
DEP_CODE_COLUMNS = ("insee_dep", "INSEE_DEP", "code_dep", "CODE_DEP", "dep")
DEP_NAME_COLUMNS = ("lib_dep", "LIB_DEP", "nom_dep", "NOM_DEP")
REG_CODE_COLUMNS = ("insee_reg", "INSEE_REG", "code_reg", "CODE_REG", "reg")
REG_NAME_COLUMNS = ("lib_reg", "LIB_REG", "nom_reg", "NOM_REG")
EPCI_RE = re.compile(r"^\d{9}$")
DEP_RE = re.compile(r"^(\d{2,3}|2[AB])$")
REG_RE = re.compile(r"^\d{2}$")
DECLARED_KIND = "declared_territories"
DECLARED_TITLE = "déclaré par le fichier des contours"
_DECLARED_DDL = (
    "create temp table if not exists _declared_territories (territory_code varchar,"
    " territory_level varchar, territory_name varchar, source_id varchar, position integer);"
    "create temp table if not exists _declared_links (child_code varchar, child_level varchar,"
    " parent_code varchar, parent_level varchar, source_id varchar)")


def _pick(columns, names) -> str | None:
    lower = {str(c).lower(): c for c in columns}
    for n in names:
        if n.lower() in lower:
            return lower[n.lower()]
    return None


def _kind_from_properties(props: dict) -> str | None:
    if _pick(props, CODE_COLUMNS) and _pick(props, NAME_COLUMNS):
        return "anct_qpv_contours"
    code = _pick(props, COMMUNE_CONTOUR_CODE)
    if code and _pick(props, COMMUNE_CONTOUR_NAME) and COMMUNE_RE.match(str(props[code]).strip()):
        return "commune_contours"
    return None


def recognise(c: Candidate) -> str | None:
    if c.suffix in (".geojson", ".json"):
        props = geo.geojson_properties(c)
        return _kind_from_properties(props) if props is not None else None
    if c.suffix == ".shp":
        fields = geo.shapefile_fields(c)
        if not fields:
            return None
        kind = _kind_from_properties({f: "" for f in fields})
        if kind is None and _pick(fields, COMMUNE_CONTOUR_CODE) and _pick(fields, COMMUNE_CONTOUR_NAME):
            return "commune_contours"
        return kind
    header = sniff_header(c, (".csv", ".txt"))
    if header and _pick(header, CODE_COLUMNS) and _pick(header, NAME_COLUMNS) \
            and _pick(header, COMMUNE_CODE_COLUMNS) and not _pick(header, ("CODGEO",)):
        return "anct_qpv_list"
    return None


def explain_unrecognised(c: Candidate) -> EtlError | None:
    """A .geojson that is not JSON at all (an HTML error page saved under the name), or a
    FeatureCollection without the attributes of QPV or commune contours (build hook)."""
    if c.suffix not in (".geojson", ".json"):
        return None
    head = c.head(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] not in (b"{", b"["):
        start = head[:40].decode("utf-8", errors="replace").replace("\n", " ").strip()
        return EtlError(c.display_name, f"ce fichier n'est pas un GeoJSON (il commence par « {start} »)",
                        expected='un GeoJSON FeatureCollection ({"type": "FeatureCollection", "features": […]})')
    props = geo.geojson_properties(c)
    if props is not None and c.suffix == ".geojson":
        names = ", ".join(map(str, props)) or "aucun"
        return EtlError(c.display_name, f"GeoJSON sans attributs de contours reconnus (attributs : {names})",
                        line=1, column="properties",
                        expected="code_qp et lib_qp (quartiers) ou INSEE_COM et NOM (communes)")
    return None


def qpv_vintage(code: str) -> int:
    code = code.upper()
    if code.startswith("QP"):
        return 2015
    if code.startswith("QN97"):
        return 2025
    return 2024


def _path_year(c: Candidate) -> int | None:
    for text in (c.display_name, c.path.parent.name):
        found = _YEAR_RE.findall(text or "")
        if found:
            return int(found[-1])
    return None


def _norm_name(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z0-9]+", " ", text).strip()


def _dept_of_qpv(code: str) -> str:
    """'QN07101I' → '71'; 'QN02A01M' → '2A'; 'QN97101N' → '971'; 'QP071001' → '71'."""
    d = code[2:5]
    if d.startswith("0"):
        return d[1:]
    return d


def _insert_new(ctx: LoadContext, table: str, df: pd.DataFrame, keys: list[str]) -> int:
    """Insert the rows of `df` whose key is not yet in `table` (another file declared it)."""
    if df.empty:
        return 0
    df = df.drop_duplicates(subset=keys)
    cond = " and ".join(f't."{k}" = n."{k}"' for k in keys)
    present = frame_sql(
        ctx.con, f"select {', '.join('n.' + chr(34) + k + chr(34) for k in keys)} from _etl_frame n"
        f" where exists (select 1 from {table} t where {cond})", df[keys]).fetchdf()
    if not present.empty:
        merged = df.merge(present.astype(str), on=keys, how="left", indicator=True)
        df = merged[merged["_merge"] == "left_only"].drop(columns="_merge")
    return ctx.insert(table, df)


def _split_codes(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [x.strip() for x in re.split(r"[,;|/]", str(value)) if x.strip()]


def _qpv_frames(ctx: LoadContext, c: Candidate, attrs: pd.DataFrame, lines: list[int],
                source_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Territories and QPV→commune links from a table of QPV attributes."""
    code_col = _pick(attrs.columns, CODE_COLUMNS)
    name_col = _pick(attrs.columns, NAME_COLUMNS)
    com_col = _pick(attrs.columns, COMMUNE_CODE_COLUMNS)
    comname_col = _pick(attrs.columns, COMMUNE_NAME_COLUMNS)
    codes = attrs[code_col].astype(str).str.strip().str.upper()
    bad = ~codes.str.match(QPV_RE.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise EtlError(c.display_name, f"code de quartier « {attrs[code_col].iloc[i]} » non reconnu",
                       line=lines[i], column=code_col,
                       expected="QN + département sur 3 caractères + 2 chiffres + lettre (2024), ou QP + 6 chiffres (2015)")
    names = attrs[name_col].fillna("").astype(str).str.strip().map(normalise_text)
    control = names.map(control_character)
    if control.notna().any():
        i = int(np.flatnonzero(control.notna().to_numpy())[0])
        raise EtlError(c.display_name, f"caractère de contrôle {control.iloc[i]} dans le nom de {codes.iloc[i]}",
                       line=lines[i], column=name_col, expected=CONTROL_EXPECTED)
    empty = names == ""
    if empty.any():
        i = int(np.flatnonzero(empty.to_numpy())[0])
        raise EtlError(c.display_name, f"quartier {codes.iloc[i]} sans nom", line=lines[i],
                       column=name_col, expected="le nom du quartier")
    terr = pd.DataFrame({
        "territory_code": codes, "territory_level": "qpv", "territory_name": names,
        "geography_vintage": codes.map(qpv_vintage).astype("Int64"),
        "is_fictional": fictional_mask(codes, "qpv").to_numpy(), "source_id": source_id,
    }).drop_duplicates(subset=["territory_code"])

    links = []
    unresolved = []
    by_name: dict[tuple[str, str], list[str]] | None = None
    for i, code in enumerate(codes):
        found = [x for x in _split_codes(attrs[com_col].iloc[i]) if COMMUNE_RE.match(x)] if com_col else []
        bad_codes = [x for x in _split_codes(attrs[com_col].iloc[i]) if not COMMUNE_RE.match(x)] if com_col else []
        if bad_codes:
            raise EtlError(c.display_name, f"code commune « {bad_codes[0]} » non reconnu pour {code}",
                           line=lines[i], column=com_col, expected="des codes commune à 5 caractères séparés par des virgules")
        if not found and comname_col is not None:
            if by_name is None:
                rows = ctx.con.execute(
                    "select t.territory_code, t.territory_name, l.parent_code from territories t"
                    " left join territory_links l on l.child_code = t.territory_code"
                    " and l.child_level = 'commune' and l.parent_level = 'departement'"
                    " where t.territory_level = 'commune'").fetchall()
                by_name = {}
                for cc, nm, dep in rows:
                    by_name.setdefault((_norm_name(nm), dep or cc[:2]), []).append(cc)
            dep = _dept_of_qpv(code)
            for nm in _split_codes(attrs[comname_col].iloc[i]):
                hit = by_name.get((_norm_name(nm), dep))
                if hit and len(hit) == 1:
                    found.append(hit[0])
                else:
                    unresolved.append((lines[i], code, nm))
        links.extend((code, x) for x in found)
    for line, code, nm in unresolved[:20]:
        ctx.warn(c.display_name, f"{code} : commune « {nm} » introuvable parmi les communes chargées "
                 "(chargez le COG avant) : lien quartier→commune non créé", line=line,
                 column=comname_col)
    if len(unresolved) > 20:
        ctx.warn(c.display_name, f"… et {len(unresolved) - 20} autres communes introuvables")
    link_df = pd.DataFrame(links, columns=["child_code", "parent_code"]).drop_duplicates()
    link_df["child_level"] = "qpv"
    link_df["parent_level"] = "commune"
    link_df["source_id"] = source_id
    return terr, link_df


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    if kind == "anct_qpv_list":
        return _load_list(ctx, c)
    if kind == "anct_qpv_contours":
        return _load_qpv_contours(ctx, c)
    if kind == "commune_contours":
        return _load_commune_contours(ctx, c)
    raise ValueError(kind)


def _load_list(ctx: LoadContext, c: Candidate) -> int:
    table = read_table(c.read_bytes(), c.display_name)
    attrs = pd.DataFrame(table.rows, columns=table.header)
    codes = attrs[_pick(attrs.columns, CODE_COLUMNS)].str.upper()
    vintages = sorted(set(codes.map(qpv_vintage)))
    source_id = ctx.add_source(c, "anct_qpv_list", producer=PRODUCER_QPV,
                               title="Liste des quartiers prioritaires de la politique de la ville",
                               vintage="QPV " + ", ".join(str(v) for v in vintages),
                               licence=LICENCE, rows_read=len(attrs),
                               is_fictional=bool(fictional_mask(codes, "qpv").all()))
    terr, links = _qpv_frames(ctx, c, attrs, table.line_numbers, source_id)
    _remember_parents(ctx, attrs, links, source_id)
    _insert_new(ctx, "territories", terr, ["territory_code", "territory_level"])
    _insert_new(ctx, "territory_links", links, ["child_code", "child_level", "parent_code", "parent_level"])
    return len(attrs)


def _load_qpv_contours(ctx: LoadContext, c: Candidate) -> int:
    vf = geo.read_vector(c, ctx, code_columns=CODE_COLUMNS)
    attrs = vf.attributes.copy()
    for col in attrs.columns:   # NFC, no zero-width character (a CSV list is read so already)
        if attrs[col].dtype == object or pd.api.types.is_string_dtype(attrs[col]):
            attrs[col] = attrs[col].map(lambda v: normalise_text(v) if isinstance(v, str) else v)
    code_col = _pick(attrs.columns, CODE_COLUMNS)
    codes = attrs[code_col].astype(str).str.strip().str.upper()
    vintages = sorted(set(codes[codes.str.match(QPV_RE.pattern)].map(qpv_vintage)))
    source_id = ctx.add_source(c, "anct_qpv_contours", producer=PRODUCER_QPV,
                               title="Contours des quartiers prioritaires de la politique de la ville",
                               vintage="QPV " + ", ".join(str(v) for v in vintages),
                               licence=LICENCE, rows_read=len(attrs),
                               is_fictional=bool(fictional_mask(codes, "qpv").all()))
    lines = attrs["feature"].tolist()
    terr, links = _qpv_frames(ctx, c, attrs, lines, source_id)
    _remember_parents(ctx, attrs, links, source_id)
    geoms, kept = _merge_duplicates(ctx, c, codes, vf.geometry, lines)
    rows = geo.geometry_rows(kept, "qpv", [qpv_vintage(x) for x in kept], geoms, source_id)
    _insert_new(ctx, "territories", terr, ["territory_code", "territory_level"])
    _insert_new(ctx, "territory_links", links, ["child_code", "child_level", "parent_code", "parent_level"])
    _replace_geometries(ctx, rows)
    return len(attrs)


def _cell_list(values: list | None, i: int) -> list[str]:
    return [CONTROL_RE.sub("", normalise_text(x)) for x in _split_codes(values[i])] if values else []


def _paired(codes: list[str], names: list[str], word: str) -> list[tuple[str, str]]:
    """Codes with their names when the file gives one name per code (else 'Commune 73065')."""
    if len(names) != len(codes):
        names = [f"{word} {x}" for x in codes]
    return list(zip(codes, names))


def _remember_parents(ctx: LoadContext, attrs: pd.DataFrame, qpv_links: pd.DataFrame,
                      source_id: str) -> None:
    """Keep the communes, EPCIs, départements and régions the file names in its attributes
    (insee_com/lib_com, siren_epci, insee_dep/lib_dep, insee_reg/lib_reg) and their links, so
    that `post_load` declares those no other file (a COG) declares. Nothing is written to
    `territories` here: a COG, whatever its place in the load order, keeps its names."""
    cols = {key: _pick(attrs.columns, names) for key, names in (
        ("com", COMMUNE_CODE_COLUMNS), ("com_name", COMMUNE_LABEL_COLUMNS),
        ("epci", EPCI_CODE_COLUMNS), ("epci_name", EPCI_NAME_COLUMNS),
        ("dep", DEP_CODE_COLUMNS), ("dep_name", DEP_NAME_COLUMNS),
        ("reg", REG_CODE_COLUMNS), ("reg_name", REG_NAME_COLUMNS))}
    cols = {key: attrs[col].tolist() if col else None for key, col in cols.items()}  # not .iloc per cell
    terr: list[tuple] = []
    links: list[tuple] = []
    for i in range(len(attrs)):
        communes = [(x, n) for x, n in _paired(_cell_list(cols["com"], i),
                                               _cell_list(cols["com_name"], i), "Commune")
                    if COMMUNE_RE.match(x)]
        epcis = [(x, n) for x, n in _paired(_cell_list(cols["epci"], i),
                                            _cell_list(cols["epci_name"], i), "EPCI") if EPCI_RE.match(x)]
        deps = [(x.zfill(2), n) for x, n in _paired(_cell_list(cols["dep"], i),
                                                    _cell_list(cols["dep_name"], i), "Département")
                if DEP_RE.match(x.zfill(2))]
        regs = [(x.zfill(2), n) for x, n in _paired(_cell_list(cols["reg"], i),
                                                    _cell_list(cols["reg_name"], i), "Région")
                if REG_RE.match(x.zfill(2))]
        for level, items in (("commune", communes), ("epci", epcis), ("departement", deps),
                             ("region", regs)):
            terr.extend((code, level, name, source_id, i) for code, name in items)
        # A parent applies to every commune when the file names one, else pairwise.
        for parents, level in ((epcis, "epci"), (deps, "departement")):
            if len(parents) == 1 or len(parents) == len(communes):
                for k, (com, _) in enumerate(communes):
                    par = parents[0 if len(parents) == 1 else k][0]
                    links.append((com, "commune", par, level, source_id))
        if len(regs) == 1:
            links.extend((dep, "departement", regs[0][0], "region", source_id) for dep, _ in deps)
    if not terr:
        return
    ctx.con.execute(_DECLARED_DDL)
    ctx.insert("_declared_territories", pd.DataFrame(
        terr, columns=["territory_code", "territory_level", "territory_name", "source_id", "position"]))
    if links:
        ctx.insert("_declared_links", pd.DataFrame(
            links, columns=["child_code", "child_level", "parent_code", "parent_level", "source_id"]))


_LEVEL_WORDS = (("commune", "commune(s)"), ("epci", "EPCI"), ("departement", "département(s)"),
                ("region", "région(s)"))


def post_load(con) -> list[Message]:
    """Declare the communes, EPCIs, départements and régions that a QPV contour or list file
    names in its attributes and that no other file declares (a team that loaded only its
    quartiers, without the COG). They are marked by their own `sources` row (kind
    `declared_territories`, title « déclaré par le fichier des contours »), and each file gets one
    warning. A territory or a link a COG gives is never repeated: the COG's names win."""
    exists = con.execute("select count(*) from information_schema.tables"
                         " where table_name = '_declared_territories'").fetchall()[0][0]
    if not exists:
        return []
    con.execute(_DECLARED_DDL)
    # A level the COG gives is never declared from the contours: the COG is the reference (a
    # commune it lacks stays an error of the checks), whatever the order the files were loaded.
    cog = ("select 1 from sources c where c.kind = case d.territory_level when 'commune' then"
           " 'cog_communes' when 'epci' then 'cog_epci' when 'departement' then 'cog_departements'"
           " else 'cog_regions' end")
    con.execute(f"""
        create or replace temp table _declared_new as
        select d.territory_code, d.territory_level, arg_min(d.territory_name, d.position) as territory_name,
               min(d.source_id) as source_id
        from _declared_territories d
        where not exists (select 1 from territories t where t.territory_code = d.territory_code
                          and t.territory_level = d.territory_level)
          and not exists ({cog})
        group by d.territory_code, d.territory_level""")
    counts = con.execute("""
        select n.source_id, s.file_name, n.territory_level, count(*)
        from _declared_new n join sources s on s.source_id = n.source_id
        group by all order by 2, 3""").fetchall()
    con.execute("""
        insert into territories (territory_code, territory_level, territory_name, geography_vintage,
                                 population, population_year, is_fictional, source_id)
        select n.territory_code, n.territory_level, n.territory_name, null, null, null,
               s.is_fictional, n.source_id || '_decl'
        from _declared_new n join sources s on s.source_id = n.source_id""")
    # A link only from a declared territory, and only where it has no parent of that level yet.
    con.execute("""
        create or replace temp table _declared_new_links as
        select d.child_code, d.child_level, min(d.parent_code) as parent_code, d.parent_level,
               min(d.source_id) as source_id
        from _declared_links d
        where exists (select 1 from _declared_new n where n.territory_code in (d.child_code, d.parent_code))
          and not exists (select 1 from territory_links l where l.child_code = d.child_code
                          and l.child_level = d.child_level and l.parent_level = d.parent_level)
          and exists (select 1 from territories p where p.territory_code = d.parent_code
                      and p.territory_level = d.parent_level)
        group by d.child_code, d.child_level, d.parent_level
        having count(distinct d.parent_code) = 1""")
    con.execute("""
        insert into territory_links (child_code, child_level, parent_code, parent_level, source_id)
        select child_code, child_level, parent_code, parent_level, source_id || '_decl'
        from _declared_new_links""")
    con.execute(f"""
        insert into sources (source_id, kind, producer, title, vintage, licence, url, file_name,
                             sha256, rows_read, loaded_at, is_fictional)
        select source_id || '_decl', '{DECLARED_KIND}', producer, '{DECLARED_TITLE}', vintage,
               licence, url, file_name, sha256, 0, loaded_at, is_fictional
        from sources where source_id in (select source_id from _declared_new
                                         union select source_id from _declared_new_links)""")
    by_file: dict[str, dict[str, int]] = {}
    for _sid, file_name, level, n in counts:
        by_file.setdefault(file_name, {})[level] = n
    messages = []
    for file_name, n in by_file.items():
        what = ", ".join(f"{n[level]} {word}" for level, word in _LEVEL_WORDS if level in n)
        messages.append(Message(
            "warning", file_name,
            f"{what} déclaré(s) par le fichier des contours (aucun COG chargé ne les donne) : noms et rattachements "
            "tels que le fichier les donne, sans population ; un COG chargé les remplace"))
    for table in ("_declared_new", "_declared_new_links", "_declared_territories"):
        con.execute(f"drop table {table}")
    con.execute("drop table _declared_links")
    return messages


def _merge_duplicates(ctx, c, codes: pd.Series, geoms: np.ndarray, lines) -> tuple[np.ndarray, list[str]]:
    """One geometry per code: several features with the same code are merged (with a warning)."""
    dup = codes.duplicated(keep=False)
    if not dup.any():
        return geoms, codes.tolist()
    out_codes, out_geoms = [], []
    for code, idx in codes.groupby(codes, sort=False).indices.items():
        if len(idx) > 1:
            ctx.warn(c.display_name, f"{code} : {len(idx)} objets fusionnés en un seul contour",
                     line=int(lines[idx[0]]))
            out_geoms.append(shapely.union_all(geoms[idx]))
        else:
            out_geoms.append(geoms[idx[0]])
        out_codes.append(code)
    return np.asarray(out_geoms, dtype=object), out_codes


def _replace_geometries(ctx: LoadContext, rows: pd.DataFrame) -> None:
    """A later file's contour of the same territory replaces the earlier one."""
    frame_sql(ctx.con, "delete from territory_geometries t using _etl_frame n"
                       " where t.territory_code = n.territory_code"
                       " and t.territory_level = n.territory_level",
              rows[["territory_code", "territory_level"]])
    ctx.insert("territory_geometries", rows)


def _load_commune_contours(ctx: LoadContext, c: Candidate) -> int:
    vf = geo.read_vector(c, ctx, code_columns=COMMUNE_CONTOUR_CODE)
    attrs = vf.attributes
    code_col = _pick(attrs.columns, COMMUNE_CONTOUR_CODE)
    codes = attrs[code_col].astype(str).str.strip().str.upper()
    bad = ~codes.str.match(COMMUNE_RE.pattern)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise EtlError(c.display_name, f"code commune « {attrs[code_col].iloc[i]} » non reconnu",
                       line=int(attrs["feature"].iloc[i]), column=code_col,
                       expected="un code commune à 5 caractères (ex. 73065, 2A004)")
    year = _path_year(c)
    source_id = ctx.add_source(c, "commune_contours", producer="IGN / Etalab",
                               title="Contours des communes",
                               vintage=str(year) if year else None, licence=LICENCE,
                               rows_read=len(attrs),
                               is_fictional=bool(fictional_mask(codes, "commune").all()))
    geoms, kept = _merge_duplicates(ctx, c, codes, vf.geometry, attrs["feature"].tolist())
    _replace_geometries(ctx, geo.geometry_rows(kept, "commune", year, geoms, source_id))
    return len(attrs)
