"""The Filosofi 200 m grid (données carroyées) and its aggregation to neighbourhoods.

Recognised by content: a delimited text file with an `Idcar_200m` column (any case) and the
count columns `Ind`, `Men`. Each square's id (`CRS3035RES200mN2029800E4254200`) gives its
EPSG:3035 lower-left corner; the WGS84 centre is computed with pyproj (vectorised). Extra columns
(`Idcar_1km`, `Idcar_nat`, `I_est_200`, …) are ignored.

The grid's year is the year of its dictionary companion's labels, else a 4-digit year in the file
or archive name (`Filosofi2019_carreaux_200m.csv`), else a 2-digit suffix common to the count
columns (`Ind_19`); without one the cells load but no neighbourhood figure is computed (warning).

`aggregate_to_territories(con)` (run by the build after every file is loaded) puts each square
in the neighbourhood polygon(s) containing its centre and writes two computed facts per
neighbourhood and grid year: `grid_poor_households_pct` = Σmen_pauv / Σmen × 100 and
`grid_mean_living_standard_eur_year` = Σind_snv / Σind, each with its numerator and denominator
so that groups of neighbourhoods aggregate as Σnum / Σden; a square with a withheld count
(`is_withheld`) is left out of both, so that its known counts do not skew the ratio. These
approximate (squares do not follow contours) and say so in `source_note`.
"""
from __future__ import annotations

import io
import re
from pathlib import PurePath

import duckdb
import numpy as np
import pandas as pd
import shapely

from etl.core import Candidate, EtlError, LoadContext
from etl.readers import decode_text, sniff_header, sniff_separator

KINDS = ("filosofi_grid",)
PRIORITY = 50
FORMAT_LABEL = "Filosofi carroyé 200 m (CSV avec Idcar_200m, Ind, Men, Men_pauv, Ind_snv, seul ou dans un zip)"

PRODUCER = "INSEE"
LICENCE = "Licence Ouverte"
ID_COLUMN = "idcar_200m"
COUNT_COLUMNS = ("ind", "men", "men_pauv", "ind_snv", "men_1ind", "men_5ind", "men_fmp", "men_prop",
                 "log_soc", "ind_0_3", "ind_4_5", "ind_6_10", "ind_11_17", "ind_18_24", "ind_25_39",
                 "ind_40_54", "ind_55_64", "ind_65_79", "ind_80p")
REQUIRED = ("ind", "men", "men_pauv", "ind_snv")
ID_RE = r"^CRS3035RES200mN(?P<n>\d+(?:\.\d+)?)E(?P<e>\d+(?:\.\d+)?)$"
AREA_LEVELS = ("qpv", "quartier_veille", "poche_pauvrete")
CAUTION = ("Calcul approché à partir du carroyage Filosofi 200 m (carreaux dont le centre est dans "
           "le quartier) ; ne remplace pas les chiffres officiels du quartier.")
WITHHELD_MARKERS = ("s", "nd", "ns", "nc")   # withheld at the source: stored NULL, square flagged
_YEAR_RE = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_SUFFIX_RE = re.compile(r"^(?P<base>.+?)_?(?P<yy>\d{2})$")


class _ToWgs84:
    """EPSG:3035 → WGS84, made on first use and shared with the pocket search
    (`indicators.pockets._transformer`): each pyproj transformer from 3035 costs about 0,1 s
    of CPU to make, and a build without a grid needs none (issue #15)."""

    def transform(self, *args, **kwargs):
        from indicators.pockets import _transformer
        return _transformer(3035, 4326).transform(*args, **kwargs)


_TO_WGS84 = _ToWgs84()


def _canonical(columns: list[str]) -> tuple[dict[str, str], str | None]:
    """Source column → canonical lower-case name, and the common year suffix if columns carry one."""
    lower = {c: c.lower() for c in columns}
    yy = None
    if not all(x in lower.values() for x in REQUIRED):
        suffixes = {}
        for c, low in lower.items():
            m = _SUFFIX_RE.match(low)
            if m and m["base"].rstrip("_") in COUNT_COLUMNS:
                suffixes.setdefault(m["yy"], {})[c] = m["base"].rstrip("_")
        for cand, mapping in suffixes.items():
            if all(x in mapping.values() for x in REQUIRED):
                yy = cand
                for c, base in mapping.items():
                    lower[c] = base
                break
    return lower, yy


def recognise(c: Candidate) -> str | None:
    header = sniff_header(c)
    if not header or ID_COLUMN not in {h.lower() for h in header}:
        return None
    mapping, _ = _canonical(header)
    return "filosofi_grid" if {"ind", "men"} <= set(mapping.values()) else None


def _grid_year(ctx: LoadContext, c: Candidate, yy: str | None) -> int | None:
    from etl.loaders.insee import companion_dictionaries   # the INSEE tables' dictionary reader
    for d in companion_dictionaries(c):
        if d.common_year():
            return d.common_year()
    for text in (c.display_name, c.path.parent.name):
        found = _YEAR_RE.findall(PurePath(text).name if text else "") or _YEAR_RE.findall(text or "")
        if found:
            return int(found[-1])
    if yy is not None:
        return 2000 + int(yy)
    ctx.warn(c.display_name, "année du carroyage introuvable (ni dictionnaire, ni année dans le nom "
             "du fichier, ni suffixe de colonne) : les carreaux sont chargés mais aucun indicateur "
             "de quartier n'en est calculé")
    return None


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    """DuckDB reads the file (a national grid is 2,3 million squares: never held as Python
    objects); any file it cannot read as expected goes through `_load_pandas`, which names the
    file, line and column of the first problem."""
    loaded = _load_duckdb(ctx, c, kind)
    if loaded is not None:
        return loaded
    return _load_pandas(ctx, c, kind)


def _load_duckdb(ctx: LoadContext, c: Candidate, kind: str) -> int | None:
    """The grid read by DuckDB's CSV reader and checked in SQL; None when a row needs the
    careful reader (an unreadable id or count, an encoding DuckDB does not take)."""
    head = c.head(65536)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        head.decode("utf-8-sig")
    except UnicodeDecodeError:                     # a Latin-1 file: the careful reader
        return None
    header = sniff_header(c)
    if not header or len(set(header)) != len(header):
        return None
    text = head.decode("utf-8-sig").replace("\r", "\n")
    sep = sniff_separator(next((ln for ln in text.split("\n") if ln.strip()), ""))
    mapping, yy = _canonical(header)
    if any(x not in mapping.values() for x in REQUIRED):
        return None
    id_col = next(col for col, low in mapping.items() if low == ID_COLUMN)
    con = ctx.con
    names = ", ".join(f"'{h.replace(chr(39), chr(39) * 2)}'" for h in header)

    def q(col: str) -> str:
        return '"' + col.replace('"', '""') + '"'

    markers = ", ".join(f"'{m}'" for m in WITHHELD_MARKERS)
    count_cols = [(col, low) for col, low in mapping.items() if low in COUNT_COLUMNS]
    lcog = next((col for col, low in mapping.items() if low in ("lcog_geo", "lcog", "depcom")), None)
    if sep == ",":
        loaded = _load_typed(ctx, c, kind, header, id_col, count_cols, lcog, yy)
        if loaded is not None:
            return loaded
    def value_sql(col: str) -> str:
        """A count cell as text: '' when empty or a withheld marker, decimal point."""
        raw = f"trim({q(col)})"
        text_value = f"(case when lower({raw}) in ({markers}) then '' else coalesce({raw}, '') end)"
        return f"replace({text_value}, ',', '.')" if sep != "," else text_value

    # Three streaming reads of the file, nothing materialised but the squares' coordinates:
    # the counts are checked, the ids parsed, then the rows inserted beside their WGS84 centres.
    read = (f"read_csv(?, delim = ?, header = true, names = [{names}], all_varchar = true,"
            f" quote = '\"', escape = '\"', strict_mode = true, null_padding = false)")
    args = [str(c.path), sep]
    try:           # what DuckDB cannot read goes to the careful reader (nothing written yet)
        bad = " or ".join(f"({v} <> '' and try_cast({v} as double) is null)"
                          for v in (value_sql(col) for col, _ in count_cols))
        if con.execute(f"select count(*) from {read} where {bad}", args).fetchall()[0][0]:
            return None
        pattern = ID_RE.replace("(?P<n>", "(").replace("(?P<e>", "(")
        xy = con.execute(f"""select coalesce(trim({q(id_col)}), '') = '' as blank,
                                    coalesce(try_cast(regexp_extract(trim({q(id_col)}), ?, 2) as double),
                                             'NaN'::double) as x,
                                    coalesce(try_cast(regexp_extract(trim({q(id_col)}), ?, 1) as double),
                                             'NaN'::double) as y
                             from {read}""", [pattern, pattern, *args]).fetchnumpy()
        blank = np.ma.filled(xy["blank"], True).astype(bool)
        x = np.asarray(xy["x"], dtype=float)
        y = np.asarray(xy["y"], dtype=float)
        del xy
        if (~blank & (np.isnan(x) | np.isnan(y))).any():
            return None
    except (duckdb.Error, UnicodeDecodeError, ValueError):
        return None
    lon, lat = _TO_WGS84.transform(x + 100.0, y + 100.0)
    lonlat = pd.DataFrame({"_gl_blank": blank, "_gl_x": x, "_gl_y": y, "_gl_lon": lon, "_gl_lat": lat})
    del lon, lat, x, y
    year = _grid_year(ctx, c, yy)
    lcog_sql = f"nullif(trim({q(lcog)}), '')" if lcog else "null::varchar"
    n_codes, n_fictional = con.execute(
        f"select count({lcog_sql}), count(*) filter (where regexp_full_match({lcog_sql}, '(99[0-9]{{3}})+'))"
        f" from {read}", args).fetchall()[0] if lcog else (0, 0)
    n_rows = int((~blank).sum())
    fictional = bool(lcog) and n_codes > 0 and n_fictional == n_codes
    source_id = ctx.add_source(c, kind, producer=PRODUCER, title="Filosofi, données carroyées à 200 m",
                               vintage=str(year) if year else None, licence=LICENCE,
                               rows_read=n_rows, is_fictional=fictional)
    lows = [low for _, low in count_cols]
    values = [value_sql(col) for col, _ in count_cols]
    withheld = " or ".join(f"{v} = ''" for v in values)
    target = ["cell_id", "x_3035", "y_3035", "lon", "lat", "commune_codes", *lows, "is_withheld", "source_id"]
    con.register("_grid_lonlat", lonlat)
    try:
        con.execute(f"""insert into grid_200m ({', '.join(target)})
            select trim({q(id_col)}), _gl_x, _gl_y, _gl_lon, _gl_lat, {lcog_sql},
                   {', '.join(f"cast(nullif({v}, '') as double)" for v in values)}, ({withheld}), ?
            from {read} positional join _grid_lonlat where not _gl_blank""", [source_id, *args])
    finally:
        con.unregister("_grid_lonlat")
    return n_rows


def _case_variants(word: str) -> list[str]:
    """'nd' → ['nd', 'nD', 'Nd', 'ND']: a marker in any case, as the careful reader takes it."""
    out = [""]
    for ch in word:
        out = [x + v for x in out for v in dict.fromkeys((ch.lower(), ch.upper()))]
    return out


def _load_typed(ctx: LoadContext, c: Candidate, kind: str, header: list[str], id_col: str,
                count_cols: list[tuple[str, str]], lcog: str | None, yy: str | None) -> int | None:
    """A comma-separated grid (as INSEE publishes it) read by DuckDB with its types: the counts
    as DOUBLE, an empty cell or a withheld marker (any case) as NULL, the id and commune codes as
    text. One read of the file, no string work per count: the rows go to a temporary table
    with their square's coordinates parsed from the id (a national grid's CSV parsed once, not
    twice: `_READ_TABLE`), then into `grid_200m` beside their WGS84 centres. None (nothing
    written) when a cell is not plainly a number, a marker or empty: the text reader then
    decides, and names the line and column of a bad cell."""
    con = ctx.con

    def q(col: str) -> str:
        return '"' + col.replace('"', '""') + '"'

    counts = {col for col, _ in count_cols}
    types = "{" + ", ".join(f"{_sql_text(h)}: '{'DOUBLE' if h in counts else 'VARCHAR'}'" for h in header) + "}"
    nulls = [""] + [v for m in WITHHELD_MARKERS for v in _case_variants(m)]
    read = (f"read_csv(?, delim = ',', quote = '\"', escape = '\"', header = true, skip = 0,"
            f" auto_detect = false, columns = {types}, nullstr = [{', '.join(map(_sql_text, nulls))}],"
            f" strict_mode = true, null_padding = false, encoding = 'utf-8')")
    pattern = ID_RE.replace("(?P<n>", "(").replace("(?P<e>", "(")
    lcog_sql = f"nullif(trim({q(lcog)}), '')" if lcog else "null::varchar"
    # The markers read as NULL in every column: an id or a commune code that is empty or a
    # marker is the text reader's to judge. Every count is read here (a bad one raises).
    unsure = " or ".join([f"{q(id_col)} is null", *([f"{q(lcog)} is null"] if lcog else [])])
    withheld = " or ".join(f"{q(col)} is null" for col, _ in count_cols)
    # The read runs on a cursor of its own, into an in-memory database attached beside the
    # build's: a cell DuckDB refuses then fails that cursor's statement alone, never the
    # transaction the build holds for this file (the text reader still writes in it).
    reader = con.cursor()
    try:
        reader.execute(f"attach if not exists ':memory:' as {_READ_DB}")
        reader.execute(f"""create or replace table {_READ_TABLE} as
                           select ({unsure}) as _gr_blank, ({withheld}) as _gr_withheld,
                                  coalesce(try_cast(regexp_extract(trim({q(id_col)}), ?, 2) as double),
                                           'NaN'::double) as _gr_x,
                                  coalesce(try_cast(regexp_extract(trim({q(id_col)}), ?, 1) as double),
                                           'NaN'::double) as _gr_y,
                                  trim({q(id_col)}) as _gr_id, {lcog_sql} as _gr_codes,
                                  {', '.join(f"{q(col)} as _gr_{i}" for i, (col, _) in enumerate(count_cols))}
                           from {read}""", [pattern, pattern, str(c.path)])
    except (duckdb.Error, UnicodeDecodeError, ValueError):
        reader.execute(f"detach database if exists {_READ_DB}")
        reader.close()
        return None
    try:
        return _insert_typed(ctx, c, kind, count_cols, lcog, yy)
    finally:
        reader.execute(f"detach database if exists {_READ_DB}")
        reader.close()


# Where `_load_typed` holds the rows it read (the file's row order) until they are written.
_READ_DB = "_grid_read"
_READ_TABLE = f"{_READ_DB}.main.squares"


def _insert_typed(ctx: LoadContext, c: Candidate, kind: str, count_cols: list[tuple[str, str]],
                  lcog: str | None, yy: str | None) -> int | None:
    """`_load_typed`'s rows, read into `_READ_TABLE` (the file's row order), checked, then
    written to `grid_200m` beside their WGS84 centres."""
    con = ctx.con
    xy = con.execute("""select _gr_blank as blank, _gr_withheld as withheld, _gr_x as x, _gr_y as y,
                               _gr_codes is not null as has_code,
                               coalesce(regexp_full_match(_gr_codes, '(99[0-9]{3})+'), false) as fictional
                        from """ + _READ_TABLE).fetchnumpy()
    x = np.asarray(xy["x"], dtype=float)
    y = np.asarray(xy["y"], dtype=float)
    if np.asarray(xy["blank"], dtype=bool).any() or (np.isnan(x) | np.isnan(y)).any():
        return None
    n_codes = int(np.asarray(xy["has_code"], dtype=bool).sum())
    n_fictional = int(np.asarray(xy["fictional"], dtype=bool).sum())
    lon, lat = _TO_WGS84.transform(x + 100.0, y + 100.0)
    lonlat = pd.DataFrame({"_gl_x": x, "_gl_y": y, "_gl_lon": lon, "_gl_lat": lat,
                           "_gl_withheld": np.asarray(xy["withheld"], dtype=bool)})
    del lon, lat, x, y, xy
    n_rows = len(lonlat)
    year = _grid_year(ctx, c, yy)
    fictional = bool(lcog) and n_codes > 0 and n_fictional == n_codes
    source_id = ctx.add_source(c, kind, producer=PRODUCER, title="Filosofi, données carroyées à 200 m",
                               vintage=str(year) if year else None, licence=LICENCE,
                               rows_read=n_rows, is_fictional=fictional)
    lows = [low for _, low in count_cols]
    target = ["cell_id", "x_3035", "y_3035", "lon", "lat", "commune_codes", *lows, "is_withheld", "source_id"]
    con.register("_grid_lonlat", lonlat)
    try:
        con.execute(f"""insert into grid_200m ({', '.join(target)})
            select _gr_id, _gl_x, _gl_y, _gl_lon, _gl_lat, _gr_codes,
                   {', '.join(f"_gr_{i}" for i in range(len(count_cols)))}, _gl_withheld, ?
            from {_READ_TABLE} positional join _grid_lonlat""", [source_id])
    finally:
        con.unregister("_grid_lonlat")
    return n_rows


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _load_pandas(ctx: LoadContext, c: Candidate, kind: str) -> int:
    data = c.read_bytes()
    text = decode_text(data, c.display_name)
    first = next((ln for ln in text.split("\n", 5) if ln.strip()), "")
    sep = sniff_separator(first)
    df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                     skip_blank_lines=False)
    df.columns = [str(x).strip() for x in df.columns]
    mapping, yy = _canonical(list(df.columns))
    id_col = next(col for col, low in mapping.items() if low == ID_COLUMN)
    missing = [x for x in REQUIRED if x not in mapping.values()]
    if missing:
        raise EtlError(c.display_name, f"colonnes absentes : {', '.join(missing)}", line=1,
                       expected="Idcar_200m, Ind, Men, Men_pauv, Ind_snv, …")
    df = df[df[id_col].str.strip() != ""].reset_index(drop=True) if (df[id_col].str.strip() == "").any() else df
    line = df.index.to_numpy() + 2
    ids = df[id_col].str.strip()
    parts = ids.str.extract(ID_RE)
    bad = parts["n"].isna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise EtlError(c.display_name, f"identifiant de carreau « {ids.iloc[i]} » illisible",
                       line=int(line[i]), column=id_col,
                       expected="CRS3035RES200mN<nord>E<est> (coin inférieur gauche, EPSG:3035)")
    y = parts["n"].astype(float).to_numpy()
    x = parts["e"].astype(float).to_numpy()
    lon, lat = _TO_WGS84.transform(x + 100.0, y + 100.0)
    out = pd.DataFrame({"cell_id": ids, "x_3035": x, "y_3035": y, "lon": lon, "lat": lat})
    lcog = next((col for col, low in mapping.items() if low in ("lcog_geo", "lcog", "depcom")), None)
    out["commune_codes"] = df[lcog].str.strip().replace("", None) if lcog else None
    for col, low in mapping.items():
        if low not in COUNT_COLUMNS:
            continue
        raw = df[col].str.strip()
        raw = raw.mask(raw.str.lower().isin(WITHHELD_MARKERS), "")
        cleaned = raw.str.replace(",", ".", regex=False) if sep != "," else raw
        num = pd.to_numeric(cleaned.replace("", None), errors="coerce")
        bad = num.isna() & (raw != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise EtlError(c.display_name, f"valeur « {raw.iloc[i]} » illisible", line=int(line[i]),
                           column=col, expected="un nombre (ex. 12.5)")
        out[low] = num.astype("float64")
    # A square with any count withheld (empty or a marker such as `s`) is flagged: the pockets
    # (indicators/pockets.py) leave it out of every figure, so nothing can reveal its values.
    present = [low for low in mapping.values() if low in COUNT_COLUMNS]
    out["is_withheld"] = out[present].isna().any(axis=1)
    year = _grid_year(ctx, c, yy)
    communes = out["commune_codes"].dropna() if lcog else pd.Series([], dtype=object)
    fictional = bool(len(communes)) and bool(communes.astype(str).str.match(r"^(99\d{3})+$").all())
    source_id = ctx.add_source(c, kind, producer=PRODUCER, title="Filosofi, données carroyées à 200 m",
                               vintage=str(year) if year else None, licence=LICENCE,
                               rows_read=len(out), is_fictional=fictional)
    out["source_id"] = source_id
    ctx.insert("grid_200m", out)
    return len(out)


def aggregate_to_territories(con: duckdb.DuckDBPyConnection) -> int:
    """Computed facts per neighbourhood polygon from the squares whose centre lies inside it."""
    con.execute("delete from indicator_facts where origin = 'computed' and indicator_id in"
                " ('grid_poor_households_pct', 'grid_mean_living_standard_eur_year')")
    sources = con.execute(
        "select distinct g.source_id, try_cast(s.vintage as integer) from grid_200m g"
        " join sources s using (source_id)").fetchall()
    polys = con.execute(
        "select territory_code, territory_level, geom_wkb from territory_geometries"
        " where territory_level in (?, ?, ?)", list(AREA_LEVELS)).fetchall()
    if not polys or not sources:
        return 0
    poly_geoms = shapely.from_wkb([p[2] for p in polys])
    tree = shapely.STRtree(poly_geoms)
    boxes = shapely.bounds(poly_geoms)
    frames = []
    for source_id, year in sources:
        if year is None:
            continue
        cells = con.execute(
            "select lon, lat, coalesce(men, 0) as men, coalesce(men_pauv, 0) as men_pauv,"
            " coalesce(ind, 0) as ind, coalesce(ind_snv, 0) as ind_snv"
            " from grid_200m where source_id = ? and not coalesce(is_withheld, false)",
            [source_id]).fetchnumpy()
        lon, lat, men, men_pauv, ind, ind_snv = (np.asarray(cells[k]) for k in
                                                 ("lon", "lat", "men", "men_pauv", "ind", "ind_snv"))
        # Only the centres near some polygon's bounding box become points (a few percent of a
        # national grid: making 2,3 million points cost more than the polygon tests).
        near = np.flatnonzero(_near_some_box(lon, lat, boxes))
        pt_idx, poly_idx = tree.query(shapely.points(lon[near], lat[near]), predicate="within")
        pt_idx = near[pt_idx]
        if len(pt_idx) == 0:
            continue
        n = len(polys)
        sums = {name: np.round(np.bincount(poly_idx, weights=arr[pt_idx], minlength=n), 6)
                for name, arr in (("men", men), ("men_pauv", men_pauv), ("ind", ind), ("ind_snv", ind_snv))}
        hit = np.bincount(poly_idx, minlength=n) > 0
        codes = np.array([p[0] for p in polys], dtype=object)[hit]
        levels = np.array([p[1] for p in polys], dtype=object)[hit]
        for indicator, num, den, scale in (
                ("grid_poor_households_pct", sums["men_pauv"][hit], sums["men"][hit], 100.0),
                ("grid_mean_living_standard_eur_year", sums["ind_snv"][hit], sums["ind"][hit], 1.0)):
            ok = den > 0
            value = np.where(ok, num / np.where(ok, den, 1) * scale, np.nan)
            frames.append(pd.DataFrame({
                "territory_code": codes, "territory_level": levels, "indicator_id": indicator,
                "year": int(year), "value": value,
                "numerator": num, "denominator": den,
                "status": np.where(ok, "ok", "missing"), "origin": "computed",
                "source_note": CAUTION, "source_id": source_id,
            }))
    if not frames:
        return 0
    facts = pd.concat(frames, ignore_index=True)
    ctx = LoadContext(con, "aggregate")
    return ctx.insert("indicator_facts", facts)


def _near_some_box(x: np.ndarray, y: np.ndarray, boxes: np.ndarray, cells: int = 2048) -> np.ndarray:
    """Whether each point (x, y) lies in a raster cell that one of the boxes (xmin, ymin, xmax,
    ymax) touches: every point inside a box, edges included, and a few around it (the caller
    tests them exactly). The raster has at most `cells` × `cells` cells over the boxes' extent."""
    out = np.zeros(len(x), dtype=bool)
    boxes = boxes[np.isfinite(boxes).all(axis=1)]
    if len(boxes) == 0 or len(x) == 0:
        return out
    x0, y0 = boxes[:, 0].min(), boxes[:, 1].min()
    step = max(boxes[:, 2].max() - x0, boxes[:, 3].max() - y0) / cells or 1.0
    n = cells + 1
    marked = np.zeros((n, n), dtype=bool)
    # One more cell on each side: a point on a box's edge is never lost to rounding.
    lo = np.maximum(np.floor((boxes[:, :2] - (x0, y0)) / step).astype(int) - 1, 0)
    hi = np.minimum(np.floor((boxes[:, 2:] - (x0, y0)) / step).astype(int) + 1, n - 1)
    for (a, b), (c, d) in zip(lo, hi):
        marked[a:c + 1, b:d + 1] = True
    with np.errstate(invalid="ignore"):
        i, j = np.floor((x - x0) / step), np.floor((y - y0) / step)
    inside = (i >= 0) & (i < n) & (j >= 0) & (j < n)          # False for NaN coordinates
    cand = np.flatnonzero(inside)
    out[cand[marked[i[cand].astype(int), j[cand].astype(int)]]] = True
    return out
