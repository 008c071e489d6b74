"""Loader of the SSMSI communal base of recorded crime (« Base statistique communale de la
délinquance enregistrée par la police et la gendarmerie nationales », data.gouv.fr), as
downloaded: one CSV, `;` (or `,`) separated, decimal comma, with the columns

    CODGEO_<geography year>;annee;classe;unité.de.compte;valeur.publiée;faits;tauxpourmille;
    complementinfoval;complementinfotaux;POP;millPOP;LOG;millLOG

`annee` is the year of the facts (2 digits in the files published until 2024, 4 afterwards);
`valeur.publiée` is `diff` when the commune's figure is published, `ndiff` when it is not (too few
facts): the value is then stored NULL with status `secret` and the note « non diffusé (SSMSI) »,
never the département-level estimate of `complementinfo*`. The classes mapped in CLASSES become
registry indicators (numerator = facts, denominator = population or dwellings, value = rate per
1 000); the other classes are named in one warning. The base is published for communes only:
no figure is ever attached to a QPV (the registry's caution says so beside the figure). Rows of
communes the database does not know (no COG or territories row) are set aside with one warning,
as the build does for INSEE commune files.
"""
from __future__ import annotations

import re

from etl.core import Candidate, EtlError, LoadContext
from etl.readers import parse_number, read_table

PRIORITY = 95   # after the territories (COG, contours, programme template) it refers to
KINDS = ("ssmsi_commune_crime",)
FORMAT_LABEL = "base communale de la délinquance enregistrée du SSMSI (CSV data.gouv.fr)"

# SSMSI class → (indicator, denominator column)
CLASSES = {
    "coups et blessures volontaires": ("crime_assault_per_1000", "POP"),
    "vols violents sans arme": ("crime_street_robbery_per_1000", "POP"),
    "destructions et dégradations volontaires": ("crime_damage_per_1000", "POP"),
    "cambriolages de logement": ("crime_burglary_per_1000_dwellings", "LOG"),
}
_CODE = re.compile(r"CODGEO_(\d{4})", re.IGNORECASE)
_REQUIRED = ("annee", "classe", "valeur.publiée", "faits", "tauxpourmille", "POP", "LOG")


def _normal(name: str) -> str:
    return name.strip().lower().replace("_", ".")


def _columns(header: list[str]) -> dict[str, int] | None:
    idx = {_normal(h): i for i, h in enumerate(header)}
    code = next((i for i, h in enumerate(header) if _CODE.fullmatch(h.strip())), None)
    if code is None or any(_normal(r) not in idx for r in _REQUIRED):
        return None
    out = {r: idx[_normal(r)] for r in _REQUIRED}
    out["code"] = code
    return out


def recognise(c: Candidate) -> str | None:
    if c.suffix not in (".csv", ".txt", ""):
        return None
    try:
        head = read_table(c.head(), c.display_name, partial=True)
    except Exception:  # noqa: BLE001 - recognise must not raise on another format (etl/core.py)
        return None
    return KINDS[0] if _columns(head.header) else None


def _year(text: str, c: Candidate, line: int, column: str) -> int:
    t = text.strip()
    if re.fullmatch(r"\d{2}", t):
        return 2000 + int(t)
    if re.fullmatch(r"\d{4}", t):
        return int(t)
    raise EtlError(c.display_name, f"année non reconnue « {t[:20]} »", line=line, column=column,
                   expected="une année sur 2 ou 4 chiffres (ex. 23 ou 2023)")


def _number(text: str, c: Candidate, line: int, column: str) -> float | None:
    parsed = parse_number(text)
    if parsed.status == "ok":
        if parsed.value < 0:
            raise EtlError(c.display_name, f"nombre négatif « {text.strip()[:20]} »", line=line,
                           column=column, expected="un nombre positif ou nul")
        return parsed.value
    if parsed.status == "missing":
        return None
    raise EtlError(c.display_name, f"nombre non reconnu « {text.strip()[:20]} »", line=line,
                   column=column, expected="un nombre (ex. 12,5)")


def load(ctx: LoadContext, c: Candidate, kind: str) -> int:
    table = read_table(c.read_bytes(), c.display_name)
    cols = _columns(table.header)
    if cols is None:
        raise EtlError(c.display_name, "en-tête de la base communale du SSMSI incomplet",
                       expected="CODGEO_<année>, " + ", ".join(_REQUIRED))
    head = table.header
    geography = _CODE.fullmatch(head[cols["code"]].strip()).group(1)
    known = {r[0] for r in ctx.con.execute(
        "select territory_code from territories where territory_level = 'commune'").fetchall()}
    source_id = ctx.add_source(c, kind, producer="SSMSI",
                               title="Base statistique communale de la délinquance enregistrée par la "
                                     "police et la gendarmerie nationales",
                               vintage=f"géographie {geography}", licence="Licence Ouverte 2.0",
                               rows_read=len(table.rows))
    facts, lines, other, unknown = [], [], set(), set()
    for row, line in zip(table.rows, table.line_numbers):
        def cell(name: str) -> str:
            i = cols[name]
            return row[i] if i < len(row) else ""
        klass = cell("classe").strip()
        mapped = CLASSES.get(klass.lower())
        if mapped is None:
            other.add(klass)
            continue
        indicator, den_col = mapped
        code = cell("code").strip()
        if not re.fullmatch(r"\d[0-9AB]\d{3}", code):
            raise EtlError(c.display_name, f"code de commune non valide « {code[:20]} »", line=line,
                           column=head[cols["code"]], expected="un code commune Insee sur 5 caractères")
        year = _year(cell("annee"), c, line, head[cols["annee"]])
        published = cell("valeur.publiée").strip().lower()
        if published not in ("diff", "ndiff"):
            raise EtlError(c.display_name, f"valeur non reconnue « {published[:20]} »", line=line,
                           column=head[cols["valeur.publiée"]], expected="diff ou ndiff")
        if code not in known:
            unknown.add(code)
            continue
        den = _number(cell(den_col), c, line, head[cols[den_col]])
        if published == "diff":
            num = _number(cell("faits"), c, line, head[cols["faits"]])
            rate = _number(cell("tauxpourmille"), c, line, head[cols["tauxpourmille"]])
            if rate is None and num is not None and den:
                rate = num / den * 1000
            status, note = ("ok", None) if rate is not None else ("missing", None)
        else:
            # Nothing from which the figure could be recomputed (etl/checks.py).
            num, den, rate, status, note = None, None, None, "secret", "non diffusé (SSMSI)"
        facts.append(dict(territory_code=code, territory_level="commune", indicator_id=indicator,
                          year=year, value=rate, numerator=num, denominator=den, status=status,
                          status_note=note, origin="official_file", source_variable=klass,
                          source_id=source_id))
        lines.append(line)
    if other:
        ctx.warn(c.display_name, "classes non suivies par le tableau de bord, ignorées : "
                 + ", ".join(sorted(other)))
    if unknown:
        ctx.warn(c.display_name, f"{len(unknown)} communes absentes de la base (ni COG ni territoire "
                 "déclaré) : leurs lignes sont écartées")
    ctx.record_lines(source_id, "indicator_facts", "territory_code", [f["territory_code"] for f in facts],
                     lines, head[cols["code"]])
    ctx.insert("indicator_facts", facts)
    return len(table.rows)
