"""Address → coordinates, offline, against the Base Adresse Nationale held in the database
(`ban_addresses`, loaded by etl/loaders/ban.py from the `adresses-XX.csv(.gz)` files).

Matching:
1. the address is normalised (`normalise`): case, accents, apostrophes and hyphens, `bis/ter/
   quater`, abbreviations of street types (`av.`, `bd`, `r.`, `pl.`, `chem.`…), `St/Ste` →
   `saint/sainte`, articles (`de la`, `des`, `l'`) left out of the matching key;
2. candidates are restricted to the communes of the postcode, of the commune name (current or
   former commune, exact after normalisation, else fuzzy) or of the INSEE code given;
3. the street (or lieu-dit, or alias) is matched with rapidfuzz among those communes' streets;
4. the number and its repetition index are looked up in that street.

Each result has a score (0–100), the matched BAN label and a status: `exact` (street name and
number as in the BAN), `approximate` (a misspelt street, a different repetition index), `street`
(« rue seulement »: no number given or not in the BAN: the street's middle address) or
`not_found` (no street scored `MIN_SCORE` or more, or no such commune). A not-found address keeps
the score of the nearest street when one scored `MIN_SCORE - 15` or more, and no score otherwise
(never a 0 standing for « not compared »).

Pure Python (pandas, rapidfuzz; no streamlit). `geocode_frame` handles a whole file: identical
streets are matched once, so 100 000 addresses of a département take seconds.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

EXACT, APPROXIMATE, STREET, NOT_FOUND = "exact", "approximate", "street", "not_found"
MATCH_STATUS_LABELS = {EXACT: "exacte", APPROXIMATE: "approchée", STREET: "rue seulement",
                       NOT_FOUND: "introuvable"}
MIN_SCORE = 75.0          # below: not found
EXACT_SCORE = 97.0        # a street matched at this score or more is « exact »
MATCH_COLUMNS = ["lon", "lat", "ban_id", "ban_label", "match_code_insee", "match_score",
                 "match_status"]

# Abbreviations of street types and common words → the BAN's full words.
ABBREVIATIONS = {
    "av": "avenue", "ave": "avenue", "aven": "avenue", "bd": "boulevard", "bld": "boulevard",
    "bvd": "boulevard", "boul": "boulevard", "r": "rue", "pl": "place", "chem": "chemin",
    "ch": "chemin", "che": "chemin", "rte": "route", "imp": "impasse", "all": "allee",
    "crs": "cours", "sq": "square", "fbg": "faubourg", "faub": "faubourg", "res": "residence",
    "resid": "residence", "lot": "lotissement", "lt": "lotissement", "qu": "quai", "qua": "quai",
    "pas": "passage", "pass": "passage", "prom": "promenade", "sen": "sentier", "vla": "villa",
    "hab": "hameau", "ham": "hameau", "rpt": "rond point", "rdpt": "rond point",
    "st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes", "gal": "general",
    "gen": "general", "mal": "marechal", "pdt": "president", "pres": "president",
    "dr": "docteur", "doc": "docteur", "prof": "professeur", "cdt": "commandant",
    "mgr": "monseigneur", "n d": "notre dame", "nd": "notre dame", "lieu dit": "lieu dit",
    "ld": "lieu dit", "cite": "cite", "bat": "batiment", "esp": "esplanade",
}
ARTICLES = {"de", "du", "des", "la", "le", "les", "l", "d", "a", "au", "aux", "et", "en", "sur"}
# Repetition indices as written → the BAN's `rep` (lower case).
REPETITIONS = {"bis": "bis", "b": "bis", "ter": "ter", "t": "ter", "quater": "quater",
               "q": "quater", "quinquies": "quinquies"}
_REP_WORDS = "|".join(sorted(REPETITIONS, key=len, reverse=True))
_NUMBER_RE = re.compile(rf"^\s*(\d{{1,5}})\s*(?:({_REP_WORDS}|[a-h])\b)?[\s,]*", re.IGNORECASE)
_POSTCODE_RE = re.compile(r"(?<!\d)(\d{5})(?!\d)")
_CEDEX_RE = re.compile(r"\bcedex\b.*$", re.IGNORECASE)


def strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def normalise(text) -> str:
    """A French street or place name reduced for comparison: lower case, no accents, no
    punctuation, abbreviations expanded (`av.` → avenue, `St` → saint)."""
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    t = re.sub(r"[’'`´‘]", " ", str(text))
    t = strip_accents(t).lower()
    t = re.sub(r"[^a-z0-9]+", " ", t).strip()
    words = t.split()
    out = []
    for w in words:
        out.append(ABBREVIATIONS.get(w, w))
    return " ".join(out)


def street_key(text) -> str:
    """The key a street is matched on: `normalise` without articles."""
    return " ".join(w for w in normalise(text).split() if w not in ARTICLES)


def normalise_rep(text) -> str:
    if text is None or (isinstance(text, float) and np.isnan(text)):
        return ""
    t = strip_accents(str(text)).strip().lower()
    return REPETITIONS.get(t, t)


@dataclass
class ParsedAddress:
    number: int | None = None
    rep: str = ""
    street: str = ""
    postcode: str | None = None
    city: str | None = None


def parse_address(text: str, postcode: str | None = None, city: str | None = None) -> ParsedAddress:
    """Split one address line (« 12 bis av. des Tilleuls 99100 Lorneville ») into its number,
    repetition index, street, postcode and commune. Separate postcode and city win."""
    t = _CEDEX_RE.sub("", str(text or "")).strip()
    t = re.sub(r"^[^\w]+", "", t)          # a leading « = », « ' » or « - » from a spreadsheet
    pc = postcode
    ct = city
    m = None
    for m in _POSTCODE_RE.finditer(t):
        pass
    if m is not None and (m.start() > 0 or not t[m.end():].strip() == ""):
        pc = pc or m.group(1)
        after = t[m.end():].strip(" ,")
        ct = ct or (after or None)
        t = t[:m.start()].strip(" ,")
    number, rep = None, ""
    nm = _NUMBER_RE.match(t)
    if nm:
        number = int(nm.group(1))
        rep = normalise_rep(nm.group(2)) if nm.group(2) else ""
        t = t[nm.end():]
    t = t.strip(" ,")
    if ct is None and "," in t:             # « rue des Tilleuls, Lorneville »
        street, _, rest = t.partition(",")
        t, ct = street.strip(), rest.strip() or None
    return ParsedAddress(number, rep, t, (str(pc).strip()[:5] if pc else None), ct)


# ── The BAN index ───────────────────────────────────────────────────────────────────────────

@dataclass
class BanIndex:
    """The BAN addresses of some communes in memory: addresses, streets and commune names."""

    addresses: pd.DataFrame             # ban_id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat, street_id
    streets: pd.DataFrame               # street_id, code_insee, key, label (one row per name: voie, lieu-dit, alias)
    postcodes: dict[str, list[str]]     # code_postal → code_insee list
    commune_keys: dict[str, list[str]]  # normalised commune or former commune name → code_insee list
    _choices: dict[tuple, tuple[list[str], np.ndarray]] = field(default_factory=dict, repr=False)
    _look: tuple | None = field(default=None, repr=False)

    @property
    def empty(self) -> bool:
        return self.addresses.empty

    def street_choices(self, communes: tuple[str, ...]) -> tuple[list[str], np.ndarray]:
        """Keys and street ids of the streets of these communes (all communes when empty)."""
        got = self._choices.get(communes)
        if got is None:
            s = self.streets if not communes else self.streets[self.streets["code_insee"].isin(communes)]
            got = (s["key"].tolist(), s["street_id"].to_numpy())
            self._choices[communes] = got
        return got

    def lookups(self) -> tuple[dict, dict, dict]:
        """(street, number, rep) → row; (street, number) → row (no index preferred); street →
        its middle numbered address (or its first row). Built once, then O(1) per address."""
        if self._look is None:
            a = self.addresses
            sid = a["street_id"].to_numpy()
            num = a["numero"].to_numpy(dtype=float, na_value=np.nan)
            reps = np.asarray([str(r) for r in a["rep"]], dtype=object)
            exact: dict[tuple, int] = {}
            by_num: dict[tuple, int] = {}
            for pos, (s, n, r) in enumerate(zip(sid.tolist(), num.tolist(), reps.tolist())):
                if n == n:
                    n = int(n)
                    exact.setdefault((s, n, r), pos)
                    if r == "" or (s, n) not in by_num:
                        by_num[(s, n)] = pos
            numbered = np.flatnonzero(~np.isnan(num))
            order = numbered[np.lexsort((reps[numbered].astype(str), num[numbered], sid[numbered]))]
            s_sorted = sid[order]
            starts = np.flatnonzero(np.r_[True, s_sorted[1:] != s_sorted[:-1]]) if len(order) else []
            ends = np.r_[starts[1:], len(order)] if len(order) else []
            middle = {int(s_sorted[b]): int(order[b + (e - b) // 2]) for b, e in zip(starts, ends)}
            for pos, s in enumerate(sid.tolist()):
                middle.setdefault(int(s), pos)
            self._look = (exact, by_num, middle)
        return self._look


def has_ban(con) -> bool:
    return con.execute("select count(*) from ban_addresses").fetchall()[0][0] > 0


def load_ban(con, communes: list[str] | None = None, postcodes: list[str] | None = None) -> BanIndex:
    """The BAN addresses held in the database (all, or those of some communes and postcodes)."""
    where, params = [], []
    if communes or postcodes:
        parts = []
        if communes:
            parts.append(f"code_insee in ({', '.join('?' for _ in communes)})")
            params += list(communes)
        if postcodes:
            parts.append(f"code_postal in ({', '.join('?' for _ in postcodes)})")
            params += list(postcodes)
        where.append("(" + " or ".join(parts) + ")")
    sql = ("select ban_id, numero, coalesce(rep, '') as rep, nom_voie, nom_ld, alias, code_postal,"
           " code_insee, nom_commune, nom_ancienne_commune, lon, lat, street_key"
           " from ban_addresses" + (" where " + " and ".join(where) if where else ""))
    a = con.execute(sql, params).df()
    return build_index(a)


def build_index(a: pd.DataFrame) -> BanIndex:
    """A BanIndex from BAN rows (columns of `ban_addresses`; `street_key` computed if absent)."""
    a = a.copy()
    if "street_key" not in a.columns:
        a["street_key"] = [street_key(v) for v in a["nom_voie"]]
    for col in ("rep", "nom_ld", "alias", "nom_ancienne_commune"):
        if col not in a.columns:
            a[col] = None
    a["rep"] = a["rep"].fillna("").map(normalise_rep)
    a["numero"] = pd.to_numeric(a["numero"], errors="coerce").astype("Int64")
    codes, uniques = pd.factorize(pd.Series(list(zip(a["code_insee"], a["street_key"]))))
    a["street_id"] = codes
    names = [a[["street_id", "code_insee", "street_key", "nom_voie"]].rename(
        columns={"street_key": "key", "nom_voie": "label"})]
    for col in ("nom_ld", "alias"):
        extra = a[a[col].notna() & (a[col].astype(str).str.strip() != "")]
        if not extra.empty:
            e = extra[["street_id", "code_insee", col]].drop_duplicates()
            e = e.assign(key=[street_key(v) for v in e[col]]).rename(columns={col: "label"})
            names.append(e[["street_id", "code_insee", "key", "label"]])
    streets = pd.concat(names, ignore_index=True).drop_duplicates(["street_id", "key"])
    streets = streets[streets["key"] != ""].reset_index(drop=True)
    postcodes: dict[str, list[str]] = {}
    for pc, ci in a[["code_postal", "code_insee"]].drop_duplicates().itertuples(index=False):
        if isinstance(pc, str):
            postcodes.setdefault(pc, []).append(ci)
    commune_keys: dict[str, list[str]] = {}
    for col in ("nom_commune", "nom_ancienne_commune"):
        for name, ci in a[[col, "code_insee"]].dropna().drop_duplicates().itertuples(index=False):
            lst = commune_keys.setdefault(normalise(name), [])
            if ci not in lst:
                lst.append(ci)
    return BanIndex(a, streets, postcodes, commune_keys)


# ── Matching ────────────────────────────────────────────────────────────────────────────────

def _communes_for(index: BanIndex, postcode, city, code_insee) -> tuple[str, ...] | None:
    """The communes to search: None when the postcode, commune or code given matches nothing."""
    sets = []
    if isinstance(code_insee, str) and code_insee.strip():
        sets.append({code_insee.strip()})
    if isinstance(postcode, str) and postcode.strip():
        sets.append(set(index.postcodes.get(postcode.strip()[:5], [])))
    if isinstance(city, str) and city.strip():
        key = normalise(city)
        found = index.commune_keys.get(key)
        if found is None and index.commune_keys:
            best = process.extractOne(key, list(index.commune_keys), scorer=fuzz.ratio,
                                      score_cutoff=85)
            found = index.commune_keys[best[0]] if best else []
        sets.append(set(found))
    if not sets:
        return ()
    nonempty = [s for s in sets if s]
    if not nonempty:
        return None
    both = set.intersection(*nonempty)
    chosen = both or set.union(*nonempty)
    return tuple(sorted(chosen))


def _match_street(index: BanIndex, key: str, communes: tuple[str, ...]) -> tuple[int | None, float]:
    keys, ids = index.street_choices(communes)
    if not key or not keys:
        return None, 0.0
    best = process.extractOne(key, keys, scorer=fuzz.token_sort_ratio, score_cutoff=MIN_SCORE - 15)
    if best is None:
        return None, 0.0
    # Ties broken by plain ratio (word order matters a little)
    _, score, pos = best
    if score < 100:
        cands = process.extract(key, keys, scorer=fuzz.token_sort_ratio, limit=5,
                                score_cutoff=score - 0.01)
        pos = max(cands, key=lambda c: (c[1], fuzz.ratio(key, c[0]), -c[2]))[2]
        score = max(score, fuzz.ratio(key, keys[pos]))
    return int(ids[pos]), float(score)


def ban_label(row) -> str:
    num = "" if pd.isna(row["numero"]) else f"{int(row['numero'])}{(' ' + row['rep']) if row['rep'] else ''} "
    return f"{num}{row['nom_voie']} {row['code_postal'] or ''} {row['nom_commune']}".replace("  ", " ").strip()


def _pick_number(index: BanIndex, street_id: int, number, rep: str) -> tuple[int, str]:
    """(row position, how) in one street: exact number and rep; same number, other rep; or the
    street's middle address."""
    exact, by_num, middle = index.lookups()
    if number is not None:
        pos = exact.get((street_id, number, rep))
        if pos is not None:
            return pos, "number"
        pos = by_num.get((street_id, number))
        if pos is not None:
            return pos, "rep"
    return middle[street_id], "street"


def _split_city(index: BanIndex, p: ParsedAddress) -> ParsedAddress:
    """« 7 chemin du Moulin Beta-le-Vieux »: no postcode, no comma; a known commune (or former
    commune) name at the end of the street is the commune."""
    words = normalise(p.street).split()
    for k in range(min(len(words) - 1, 6), 0, -1):
        tail = " ".join(words[-k:])
        if tail in index.commune_keys:
            head = p.street
            # cut the same number of words off the original text
            parts = re.split(r"[\s\-’']+", head.strip())
            cut = len(parts) - len(tail.split())
            return ParsedAddress(p.number, p.rep, " ".join(parts[:max(cut, 1)]), None, tail)
    return p


def geocode_parsed(index: BanIndex, parsed: list[ParsedAddress],
                   codes_insee: list | None = None) -> pd.DataFrame:
    """Match parsed addresses; one row each with MATCH_COLUMNS."""
    n = len(parsed)
    out = {c: [None] * n for c in MATCH_COLUMNS}
    out["match_status"] = [NOT_FOUND] * n      # score stays empty: no street was compared
    cache: dict[tuple, tuple[int | None, float]] = {}
    communes_cache: dict[tuple, tuple | None] = {}
    if not index.empty:
        a = index.addresses
        cols = {c: a[c].tolist() for c in ("lon", "lat", "ban_id", "code_insee", "numero", "rep",
                                           "nom_voie", "code_postal", "nom_commune")}
    for i, p in enumerate(parsed):
        code = codes_insee[i] if codes_insee is not None else None
        if p.city is None and p.postcode is None and not code:
            p = _split_city(index, p)
        ck = (p.postcode, p.city, code)
        if ck not in communes_cache:
            communes_cache[ck] = _communes_for(index, p.postcode, p.city, code) if not index.empty else None
        communes = communes_cache[ck]
        key = street_key(p.street)
        if communes is None or not key:
            continue
        sk = (key, communes)
        if sk not in cache:
            cache[sk] = _match_street(index, key, communes)
        street_id, score = cache[sk]
        if street_id is None:
            continue                       # no street near enough to score: the score is unknown
        if score < MIN_SCORE:
            out["match_score"][i] = round(score, 1)     # the nearest street's score, too low
            continue
        pos, how = _pick_number(index, street_id, p.number, p.rep)
        row = {c: v[pos] for c, v in cols.items()}
        if how == "street" or p.number is None:
            status = STREET
            final = score * 0.9 if p.number is not None else score
        elif how == "rep":
            status, final = APPROXIMATE, score * 0.95
        else:
            status = EXACT if score >= EXACT_SCORE else APPROXIMATE
            final = score
        out["lon"][i], out["lat"][i] = float(row["lon"]), float(row["lat"])
        out["ban_id"][i] = row["ban_id"]
        out["ban_label"][i] = ban_label(row)
        out["match_code_insee"][i] = row["code_insee"]
        out["match_score"][i] = round(final, 1)
        out["match_status"][i] = status
    df = pd.DataFrame(out, columns=MATCH_COLUMNS)
    df["lon"] = df["lon"].astype(float)
    df["lat"] = df["lat"].astype(float)
    df["match_score"] = df["match_score"].astype(float)
    return _text_columns(df)


def _text_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Text columns as objects where a missing value is None (pandas would infer NaN)."""
    for col in ("ban_id", "ban_label", "match_code_insee", "match_status"):
        df[col] = pd.Series([v if isinstance(v, str) else None for v in df[col]], index=df.index,
                            dtype=object)
    return df


def geocode_one(index: BanIndex, text: str) -> pd.Series:
    """One address typed in a search box → its match (a row of MATCH_COLUMNS)."""
    return geocode_parsed(index, [parse_address(text)]).iloc[0]


# ── Address columns of a file ───────────────────────────────────────────────────────────────

def _squash(name) -> str:
    return re.sub(r"[^a-z0-9]", "", strip_accents(str(name)).lower())


ADDRESS_ROLES = {
    "address": ("adresse", "address", "adressecomplete", "adressepostale", "adresse1", "ligne1",
                "adr", "adresseligne1", "libelleadresse", "adressedomicile", "lieuderesidence"),
    "number": ("numero", "num", "no", "numerovoie", "numvoie", "n", "housenumber"),
    "rep": ("rep", "indicerepetition", "indice", "complementnumero", "btq", "suffixe"),
    "street": ("voie", "rue", "nomvoie", "libellevoie", "street", "nomdelavoie", "nomrue"),
    "postcode": ("codepostal", "cp", "postcode", "zipcode", "zip", "codepost"),
    "city": ("commune", "ville", "city", "localite", "nomcommune", "libellecommune", "municipalite"),
    "code_insee": ("codeinsee", "insee", "codecommune", "codgeo", "depcom", "citycode"),
}
ROLE_LABELS = {"address": "adresse (une colonne)", "number": "numéro", "rep": "indice (bis, ter…)",
               "street": "voie", "postcode": "code postal", "city": "commune",
               "code_insee": "code commune Insee"}


def address_columns(columns) -> dict[str, str]:
    """Role → column of a table's address columns, guessed from the header."""
    keys = {_squash(c): c for c in columns}
    found: dict[str, str] = {}
    for role, names in ADDRESS_ROLES.items():
        col = next((keys[n] for n in names if n in keys and keys[n] not in found.values()), None)
        if col is None:      # « Adresse du bénéficiaire », « Code postal domicile »
            col = next((c for k, c in keys.items() if c not in found.values()
                        and any(k.startswith(n) for n in names if len(n) >= 5)), None)
        if col is not None:
            found[role] = col
    if "address" not in found and "street" not in found:
        return {}
    return found


def _cell(v) -> str | None:
    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return None
    s = str(v).strip()
    if s.endswith(".0") and s[:-2].isdigit():
        s = s[:-2]
    return s or None


def parse_rows(df: pd.DataFrame, roles: dict[str, str]) -> tuple[list[ParsedAddress], list]:
    """The parsed address of each row, and its INSEE code when a column gives it."""
    parsed, codes = [], []
    get = {r: (df[c].tolist() if c in df.columns else [None] * len(df)) for r, c in roles.items()}
    for i in range(len(df)):
        v = {r: _cell(get[r][i]) for r in get}
        pc = v.get("postcode")
        if pc and pc.isdigit() and len(pc) == 4:
            pc = "0" + pc
        if v.get("street"):
            line = " ".join(x for x in (v.get("number"), v.get("rep"), v.get("street")) if x)
            if v.get("address") and not v.get("number"):
                line = v["address"] + " " + line if not re.match(r"^\s*\d", v["street"]) else line
        else:
            line = v.get("address") or ""
        parsed.append(parse_address(line, pc, v.get("city")))
        codes.append(v.get("code_insee"))
    return parsed, codes


def geocode_frame(index, df: pd.DataFrame, roles: dict[str, str]) -> pd.DataFrame:
    """Match a table's addresses (`roles` from `address_columns`) with the embedded BAN index,
    or with an `AddokEngine` when one is given."""
    parsed, codes = parse_rows(df, roles)
    codes = codes if "code_insee" in roles else None
    if isinstance(index, AddokEngine):
        return index.geocode_parsed(parsed, codes)
    return geocode_parsed(index, parsed, codes)


# ── Optional: the BAN's own engine (addok) or the public API Adresse, only when asked ─────────

class AddokEngine:
    """An addok server (the BAN's search engine, which a team may run) or the public API Adresse
    (`https://api-adresse.data.gouv.fr`), queried with `/search/?q=…&limit=1` per distinct
    address. Never used unless configured: the embedded BAN tables are the default, offline.
    Its `score` (0–1) and `type` map to the same statuses: a house number at 0.9 or more is
    exact, below approximate; a street or locality is « rue seulement »; under 0.5, not found.
    """

    def __init__(self, url: str, timeout_s: float = 10.0):
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s

    def _query(self, q: str, postcode: str | None, citycode: str | None) -> dict | None:
        import json
        import urllib.parse
        import urllib.request

        params = {"q": q, "limit": "1"}
        if postcode:
            params["postcode"] = postcode
        if citycode:
            params["citycode"] = citycode
        with urllib.request.urlopen(f"{self.url}/search/?{urllib.parse.urlencode(params)}",
                                    timeout=self.timeout_s) as resp:
            features = json.load(resp).get("features") or []
        return features[0] if features else None

    def geocode_parsed(self, parsed: list[ParsedAddress], codes_insee: list | None = None) -> pd.DataFrame:
        rows, cache = [], {}
        for i, p in enumerate(parsed):
            number = f"{p.number}{(' ' + p.rep) if p.rep else ''} " if p.number is not None else ""
            q = f"{number}{p.street} {p.city or ''}".strip()
            code = codes_insee[i] if codes_insee is not None else None
            key = (q, p.postcode, code)
            if key not in cache:
                cache[key] = self._query(q, p.postcode, code) if p.street else None
            f = cache[key]
            row = dict.fromkeys(MATCH_COLUMNS)
            row.update(match_score=0.0, match_status=NOT_FOUND)
            if f is not None:
                props = f.get("properties", {})
                score = round(100.0 * float(props.get("score", 0)), 1)
                kind = props.get("type")
                status = (NOT_FOUND if score < 50 else
                          (EXACT if score >= 90 else APPROXIMATE) if kind == "housenumber" else
                          STREET if kind in ("street", "locality") else NOT_FOUND)
                row["match_score"] = score
                if status != NOT_FOUND:
                    lon, lat = f["geometry"]["coordinates"][:2]
                    row.update(lon=float(lon), lat=float(lat), ban_id=props.get("id"),
                               ban_label=props.get("label"), match_code_insee=props.get("citycode"),
                               match_status=status)
            rows.append(row)
        df = pd.DataFrame(rows, columns=MATCH_COLUMNS)
        for col in ("lon", "lat", "match_score"):
            df[col] = df[col].astype(float)
        return _text_columns(df)
