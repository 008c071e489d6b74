"""Loaders of the Éducation nationale open data (education pillar), the CSV exports of
data.education.gouv.fr as downloaded: `;` separated, UTF-8 with a BOM, French headers — either
the labels (« Rentrée scolaire », the default export, `use_labels_for_header=true`) or the field
names (`rentree_scolaire`, `use_labels_for_header=false`); both are compared without accents,
case or punctuation (`key`). Decimals come with a point (the export) or a comma (after Excel).

Two datasets, each published per school (UAI) and aggregated here to the commune, since no QPV
figure is published in these files; the school list is never stored:

- « Indices de position sociale (IPS) des collèges » (DEPP, `fr-en-ips_colleges`, then
  `fr-en-ips-colleges-apXXXX`): `Rentrée scolaire;Académie;Code du département;Département;UAI;
  Nom de l'établissment;Code INSEE de la commune;Nom de la commune;Secteur;IPS;Ecart-type de
  l'IPS` (the typo « établissment » is DEPP's; later vintages add région/académie codes). Recognised
  by the rentrée, UAI, commune code, sector, IPS and the « Ecart-type de l'IPS » columns, and by
  the names of its first rows, mostly « COLLEGE … » (the école and EREA files are not collèges').
  Per commune and rentrée (year = the rentrée's first year, 2022 for « 2022-2023 »): the simple
  mean of the IPS of its public collèges (`public_colleges_mean_ips_index`, denominator = their
  number) and that number (`public_colleges_count`). Private collèges (« privé sous contrat »)
  are left out; a collège with an empty IPS counts in neither. A line repeated in the export
  counts once; the same collège and rentrée with two different IPS stops the build.
- « Annuaire de l'éducation » (`fr-en-annuaire-education`): `Identifiant_de_l_etablissement;
  Nom_etablissement;Type_etablissement;Statut_public_prive;…;Code_commune;Nom_commune;…;
  Appartenance_Education_Prioritaire;…;Nombre_d_eleves;…;date_maj_ligne;…`. Per commune: pupils of
  its public écoles and collèges in REP or REP+ / pupils of its public écoles and collèges whose
  headcount is given (`rep_pupils_pct`), dated by the year of the latest `date_maj_ligne` of the
  file (the directory has no rentrée column). An establishment listed on several lines counts
  once (its first line). Schools without a headcount are left out and counted
  in one warning.

Rows of communes the database does not know are set aside with one warning naming the file, the
first such line and the column. A file whose communes are all fictional (the demo's) is marked
fictional. A bad cell (a rentrée, a sector or a priority-education value
not recognised, a negative number) stops the build naming file, line and column.
"""
from __future__ import annotations

import re
from collections import defaultdict

from etl.core import Candidate, EtlError, LoadContext
from etl.loaders.drees_apl import _fictional
from etl.loaders.drees_apl import key as _key
from etl.readers import parse_number, read_table

PRIORITY = 97   # after the territories (COG, contours, programme template) it refers to
KINDS = ("depp_ips_colleges", "education_annuaire")
FORMAT_LABEL = ("IPS des collèges de la DEPP ou annuaire de l'éducation (CSV data.education.gouv.fr)")
IPS_URL = "https://data.education.gouv.fr/explore/dataset/fr-en-ips_colleges/"
ANNUAIRE_URL = "https://data.education.gouv.fr/explore/dataset/fr-en-annuaire-education/"

_IPS = ("rentree_scolaire", "uai", "code_insee_de_la_commune", "secteur", "ips", "ecart_type_de_l_ips")
_ANNUAIRE = ("identifiant_de_l_etablissement", "type_etablissement", "statut_public_prive", "code_commune",
             "appartenance_education_prioritaire", "nombre_d_eleves")
_SCHOOL_TYPES = {"ecole", "college"}    # priority education covers écoles and collèges


def key(text: str) -> str:
    return _key(text).replace(" ", "_")


def _columns(header: list[str], required: tuple[str, ...]) -> dict[str, int] | None:
    idx = {}
    for i, h in enumerate(header):
        idx.setdefault(key(h), i)
    if any(r not in idx for r in required):
        return None
    return {r: idx[r] for r in required} | ({"date_maj_ligne": idx["date_maj_ligne"]}
                                            if "date_maj_ligne" in idx else {})


def recognise(c: Candidate) -> str | None:
    if c.suffix not in (".csv", ".txt", ""):
        return None
    try:
        head = read_table(c.head(), c.display_name, partial=True)
    except Exception:  # noqa: BLE001 - recognise must not raise on another format (etl/core.py)
        return None
    if _columns(head.header, _IPS):
        return KINDS[0] if _names_collèges(head) else None
    if _columns(head.header, _ANNUAIRE):
        return KINDS[1]
    return None


def _names_collèges(head) -> bool:
    """The IPS files of écoles and EREA may share the collèges' columns: most names of the head
    rows must be collèges' (« COLLEGE JEAN MOULIN », « Collège … », « CLG … »)."""
    at = next((i for i, h in enumerate(head.header) if key(h).startswith("nom_de_l_etabli")), None)
    names = [_key(r[at]) for r in head.rows if at is not None and at < len(r) and r[at].strip()]
    return not names or 2 * sum(1 for n in names if "college" in n or n.startswith("clg")) >= len(names)


class _Rows:
    """The cells of one file by normalised column name, with the errors naming line and column."""

    def __init__(self, c: Candidate, header: list[str], cols: dict[str, int]):
        self.c, self.header, self.cols = c, header, cols

    def column(self, name: str) -> str:
        return self.header[self.cols[name]]

    def cell(self, row: list[str], name: str) -> str:
        i = self.cols[name]
        return row[i].strip() if i < len(row) else ""

    def error(self, line: int, name: str, message: str, expected: str) -> EtlError:
        return EtlError(self.c.display_name, message, line=line, column=self.column(name), expected=expected)

    def code(self, row: list[str], line: int, name: str) -> str:
        code = self.cell(row, name)
        if re.fullmatch(r"\d{4}", code):
            code = "0" + code    # a code re-saved by a spreadsheet lost its leading zero
        if not re.fullmatch(r"\d[0-9AB]\d{3}", code):
            raise self.error(line, name, f"code de commune non valide « {code[:20]} »",
                             "un code commune Insee sur 5 caractères")
        return code

    def number(self, row: list[str], line: int, name: str) -> float | None:
        text = self.cell(row, name)
        try:
            parsed = parse_number(text)
        except ValueError:
            raise self.error(line, name, f"nombre non reconnu « {text[:20]} »", "un nombre (ex. 98,4)") from None
        if parsed.value is not None and parsed.value < 0:
            raise self.error(line, name, f"nombre négatif « {text[:20]} »", "un nombre positif ou nul")
        return parsed.value


def _known_communes(ctx: LoadContext) -> set[str]:
    return {r[0] for r in ctx.con.execute(
        "select territory_code from territories where territory_level = 'commune'").fetchall()}


def _warn_unknown(ctx: LoadContext, c: Candidate, unknown: dict[str, int], column: str) -> None:
    if unknown:
        code, line = next(iter(unknown.items()))
        ctx.warn(c.display_name, f"{len(unknown)} codes de commune absents de la base (ni COG ni territoire "
                 f"déclaré), lignes écartées ; premier : « {code} »", line=line, column=column)


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    table = read_table(c.read_bytes(), c.display_name)
    if kind == KINDS[0]:
        return _load_ips(ctx, c, table)
    return _load_annuaire(ctx, c, table)


def _load_ips(ctx: LoadContext, c: Candidate, table) -> int:
    cols = _columns(table.header, _IPS)
    if cols is None:
        raise EtlError(c.display_name, "en-tête du fichier des IPS des collèges incomplet",
                       expected="Rentrée scolaire, UAI, Code INSEE de la commune, Secteur, IPS, Ecart-type de l'IPS")
    f = _Rows(c, table.header, cols)
    known = _known_communes(ctx)
    groups: dict[tuple[str, int], list[float]] = defaultdict(list)
    first_line: dict[tuple[str, int], int] = {}
    unknown: dict[str, int] = {}
    read_codes: set[str] = set()
    seen: dict[tuple[str, int], float | None] = {}
    first_of: dict[tuple[str, int], int] = {}
    for row, line in zip(table.rows, table.line_numbers):
        rentree = f.cell(row, "rentree_scolaire")
        m = re.fullmatch(r"(\d{4})(?:\s*[-/]\s*(\d{4}))?", rentree)
        if not m or (m.group(2) and int(m.group(2)) != int(m.group(1)) + 1):
            raise f.error(line, "rentree_scolaire", f"rentrée non reconnue « {rentree[:20]} »",
                          "une rentrée comme 2022-2023")
        sector = _key(f.cell(row, "secteur"))
        if not sector.startswith(("public", "prive")):
            raise f.error(line, "secteur", f"secteur non reconnu « {f.cell(row, 'secteur')[:20]} »",
                          "public ou privé sous contrat")
        code = f.code(row, line, "code_insee_de_la_commune")
        read_codes.add(code)
        ips = f.number(row, line, "ips")
        uai = (f.cell(row, "uai").upper(), int(m.group(1)))
        if uai in seen:
            if seen[uai] != ips:
                raise f.error(line, "ips", f"collège {uai[0]} en double pour la rentrée {rentree} avec un autre "
                              f"IPS (ligne {first_of[uai]})", "une ligne par collège et par rentrée")
            continue     # the same line twice in the export
        seen[uai], first_of[uai] = ips, line
        if sector.startswith("prive"):
            continue
        if code not in known:
            unknown.setdefault(code, line)
            continue
        k = (code, int(m.group(1)))
        first_line.setdefault(k, line)
        if ips is not None:
            groups[k].append(ips)
        else:
            groups.setdefault(k, [])
    years = sorted({y for _, y in first_line})
    source_id = ctx.add_source(c, KINDS[0], producer="DEPP",
                               title="Indices de position sociale (IPS) des collèges",
                               vintage="rentrées " + ", ".join(f"{y}-{y + 1}" for y in years),
                               licence="Licence Ouverte 2.0", url=IPS_URL, rows_read=len(table.rows),
                               is_fictional=_fictional(read_codes))
    facts, lines = [], []
    for (code, year), values in sorted(groups.items()):
        n = len(values)
        base = dict(territory_code=code, territory_level="commune", year=year, origin="official_file",
                    source_id=source_id)
        facts.append(base | dict(indicator_id="public_colleges_mean_ips_index",
                                 value=sum(values) / n if n else None, denominator=float(n),
                                 status="ok" if n else "missing", source_variable=f.column("ips")))
        facts.append(base | dict(indicator_id="public_colleges_count", value=float(n), status="ok",
                                 source_variable=f.column("uai")))
        lines += [first_line[(code, year)]] * 2
    _warn_unknown(ctx, c, unknown, f.column("code_insee_de_la_commune"))
    ctx.record_lines(source_id, "indicator_facts", "territory_code", [x["territory_code"] for x in facts],
                     lines, f.column("code_insee_de_la_commune"))
    ctx.insert("indicator_facts", facts)
    return len(table.rows)


def _load_annuaire(ctx: LoadContext, c: Candidate, table) -> int:
    cols = _columns(table.header, _ANNUAIRE)
    if cols is None or "date_maj_ligne" not in cols:
        raise EtlError(c.display_name, "en-tête de l'annuaire de l'éducation incomplet",
                       column="date_maj_ligne" if cols else None,
                       expected="Identifiant_de_l_etablissement, Type_etablissement, Statut_public_prive, "
                                "Code_commune, Appartenance_Education_Prioritaire, Nombre_d_eleves, date_maj_ligne")
    f = _Rows(c, table.header, cols)
    known = _known_communes(ctx)
    pupils: dict[str, list[float]] = {}      # commune → [pupils in REP/REP+, pupils]
    first_line: dict[str, int] = {}
    unknown: dict[str, int] = {}
    no_headcount, year = 0, None
    read_codes: set[str] = set()
    schools: set[str] = set()
    for row, line in zip(table.rows, table.line_numbers):
        updated = f.cell(row, "date_maj_ligne")
        m = re.match(r"(\d{4})-\d{2}-\d{2}|\d{2}/\d{2}/(\d{4})", updated)
        if updated and not m:
            raise f.error(line, "date_maj_ligne", f"date non reconnue « {updated[:20]} »", "une date comme 2024-05-13")
        if m:
            year = max(year or 0, int(m.group(1) or m.group(2)))
        uai = f.cell(row, "identifiant_de_l_etablissement").upper()
        if uai in schools:
            continue     # an establishment on several lines (« multi_uai »): its pupils count once
        schools.add(uai)
        if _key(f.cell(row, "type_etablissement")) not in _SCHOOL_TYPES \
                or not _key(f.cell(row, "statut_public_prive")).startswith("public"):
            continue
        ep = f.cell(row, "appartenance_education_prioritaire").upper().replace(" ", "")
        if ep not in ("REP", "REP+", "", "HORSREP"):
            raise f.error(line, "appartenance_education_prioritaire",
                          f"valeur non reconnue « {ep[:20]} »", "REP, REP+ ou vide")
        code = f.code(row, line, "code_commune")
        read_codes.add(code)
        if code not in known:
            unknown.setdefault(code, line)
            continue
        n = f.number(row, line, "nombre_d_eleves")
        first_line.setdefault(code, line)
        acc = pupils.setdefault(code, [0.0, 0.0])
        if n is None:
            no_headcount += 1
            continue
        acc[0] += n if ep in ("REP", "REP+") else 0.0
        acc[1] += n
    if pupils and year is None:
        raise EtlError(c.display_name, "aucune date de mise à jour : l'année des effectifs est inconnue",
                       column=f.column("date_maj_ligne"), expected="des dates comme 2024-05-13")
    source_id = ctx.add_source(c, KINDS[1], producer="Ministère de l'Éducation nationale",
                               title="Annuaire de l'éducation", vintage=f"mis à jour en {year}" if year else None,
                               licence="Licence Ouverte 2.0", url=ANNUAIRE_URL, rows_read=len(table.rows),
                               is_fictional=_fictional(read_codes))
    facts = []
    for code, (rep, total) in sorted(pupils.items()):
        facts.append(dict(territory_code=code, territory_level="commune", indicator_id="rep_pupils_pct",
                          year=year, value=rep / total * 100 if total else None,
                          numerator=rep if total else None, denominator=total if total else None,
                          status="ok" if total else "missing", origin="official_file",
                          source_variable=f.column("appartenance_education_prioritaire"), source_id=source_id))
    if no_headcount:
        ctx.warn(c.display_name, f"{no_headcount} écoles ou collèges publics sans effectif publié, "
                 "laissés hors du calcul de la part des élèves en REP ou REP+")
    _warn_unknown(ctx, c, unknown, f.column("code_commune"))
    ctx.record_lines(source_id, "indicator_facts", "territory_code", [x["territory_code"] for x in facts],
                     [first_line[x["territory_code"]] for x in facts], f.column("code_commune"))
    ctx.insert("indicator_facts", facts)
    return len(table.rows)
