"""Housing attributions against the CIA objectives (Convention intercommunale d'attribution).

Objectives (DOMAIN.md §7; loi Égalité et citoyenneté):
- ``q1_hors_qpv``: outside QPV, at least 25 % of attributions followed by a signed lease go to
  households of the first resource quartile. Universe: attributions with location = hors_qpv and
  a signed lease; numerator: those with resource_quartile = 1.
- ``hors_q1_en_qpv``: inside QPV, at least 50 % go to households above the first quartile.
  Universe: attributions with location = qpv and a signed lease; numerator: resource_quartile 2–4.
- ``menages_prioritaires``: each reserving party gives at least 25 % of its attributions to
  priority households (the CIA may set other targets: État 100 %…). Universe: every attribution
  of the party with a signed lease; numerator: is_priority_household.

"Signed lease": rows with is_lease_signed = false are left out; NULL (not reported) rows are kept.
Rows with an unknown quartile count in the universe (they are attributions) and never in the
numerator; the result carries the number of such rows in ``n_unknown``. Households rehoused by
urban renewal (which also count towards the 25 %) are not distinguished by the template.

**Attributions still needed** — the smallest whole number n that reaches the target t, with
exact rationals (``fractions.Fraction``), never floats. Two readings:
(a) ``needed_fixed_total`` (headline): the total stays fixed and n attributions go to qualifying
    households instead of others: n = max(0, ⌈t·total⌉ − k);
(b) ``needed_growing_total``: each added attribution also adds to the total: the smallest n ≥ 0
    with (k + n) / (total + n) ≥ t, i.e. n = max(0, ⌈(t·total − k) / (1 − t)⌉); undefined
    (None) when t = 100 % and k < total.
A document's own figure (``needed_published``) is shown beside, never aligned: the Grand Chalon
2021 result (82 attributions = 12,04 %, total deduced 681) gives (a) 89 where the document says 88.

**Published results with a numerator and a rate only**: the implied total is every integer d with
round(100·k/d, 2) = rate (half-up, exact rationals): 82 at 12,04 % → d = 681; 231 at 59,23 % →
d = 390. It is marked « déduit du taux publié » (denominator_origin 'deduced').
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import pandas as pd

from indicators.fmt import fold

OBJECTIVES = ("q1_hors_qpv", "hors_q1_en_qpv", "menages_prioritaires")
OBJECTIVE_LABELS = {
    "q1_hors_qpv": "Attributions hors QPV aux ménages du 1er quartile",
    "hors_q1_en_qpv": "Attributions en QPV aux ménages au-dessus du 1er quartile",
    "menages_prioritaires": "Attributions aux ménages prioritaires",
}
# Targets set by law when the CIA gives none for a party (percent).
STATUTORY_TARGETS = {
    ("ensemble", "q1_hors_qpv"): 25, ("bailleur", "q1_hors_qpv"): 25,
    ("reservataire", "q1_hors_qpv"): 25,
    ("ensemble", "hors_q1_en_qpv"): 50, ("bailleur", "hors_q1_en_qpv"): 50,
    ("reservataire", "hors_q1_en_qpv"): 50,
    ("reservataire", "menages_prioritaires"): 25,
}
RESERVING_PARTY_LABELS = {
    "etat": "État", "communes": "Communes", "action_logement": "Action Logement",
    "bailleurs": "Bailleurs", "autres": "Autres réservataires", "ensemble": "Ensemble",
}
PARTY_TYPE_LABELS = {"ensemble": "Ensemble", "bailleur": "Bailleur", "reservataire": "Réservataire"}
DEDUCED_NOTE = "déduit du taux publié"
_TYPE_ORDER = {"ensemble": 0, "bailleur": 1, "reservataire": 2}
ALL_PARTIES = "Ensemble"


# ── Exact arithmetic ────────────────────────────────────────────────────────────────────────

def _frac(x) -> Fraction:
    """An exact rational from an int, a Fraction or a float read as a decimal of at most 6
    decimals (12.04 → 1204/100; a float artefact such as 30.000000000000004 → 30): percentages
    are typed by people, never with more decimals."""
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int):
        return Fraction(x)
    return Fraction(repr(round(float(x), 6)))


def needed_fixed_total(k: int, total: int, target_pct) -> int | None:
    """Reading (a): n = max(0, ⌈t·total⌉ − k), t = target_pct / 100; None when total is 0."""
    if total <= 0:
        return None
    t = _frac(target_pct) / 100
    return max(0, math.ceil(t * total) - k)


def needed_growing_total(k: int, total: int, target_pct) -> int | None:
    """Reading (b): the smallest n ≥ 0 with (k + n)/(total + n) ≥ t; None when t ≥ 1 and k < total."""
    t = _frac(target_pct) / 100
    if total <= 0:
        return 1 if t > 0 else 0
    if Fraction(k, total) >= t:
        return 0
    if t >= 1:
        return None
    n = math.ceil((t * total - k) / (1 - t))
    return max(0, n)


def round_half_up(x: Fraction, decimals: int) -> Fraction:
    """x rounded half-up to ``decimals`` decimals, exactly."""
    scale = 10 ** decimals
    return Fraction(math.floor(x * scale + Fraction(1, 2)), scale)


def implied_denominators(numerator: int, rate_pct, decimals: int = 2) -> tuple[int, ...]:
    """Every integer d ≥ numerator with round(100·numerator/d, decimals) = rate_pct.

    82 at 12.04 → (681,); 231 at 59.23 → (390,). Empty when the rate is 0 or nothing matches.
    """
    rate = _frac(rate_pct)
    if numerator <= 0 or rate <= 0:
        return ()
    half = Fraction(1, 2 * 10 ** decimals)
    lo = max(numerator, math.floor(100 * numerator / (rate + half)) - 1)
    hi = math.ceil(100 * numerator / max(rate - half, Fraction(1, 10 ** (decimals + 3)))) + 1
    return tuple(d for d in range(lo, hi + 1)
                 if round_half_up(Fraction(100 * numerator, d), decimals) == rate)


# ── Results ─────────────────────────────────────────────────────────────────────────────────

@dataclass(frozen=True)
class AttributionResult:
    """One objective for one year and party, computed from attributions or published.

    origin: 'computed' (from housing_attributions) or 'published' (housing_published_results).
    denominator_origin: 'counted' | 'published' | 'deduced' (« déduit du taux publié »).
    rate_pct: 100·numerator/denominator (rounded to 4 decimals) when computed; the published
    rate when published. target_source: 'CIA' (housing_objectives) | 'loi' (statutory) | None.
    rate_origin: 'published' when the document gives the rate, 'computed' when we compute it
    (from attributions, or from a document's published counts), None without a rate; it decides
    how the rate is shown (`rate_decimals`).
    """
    year: int
    party_type: str
    party_name: str
    objective: str
    objective_label: str
    origin: str
    numerator: int | None
    denominator: int | None
    denominator_origin: str | None
    implied_denominators: tuple[int, ...]
    rate_pct: float | None
    target_pct: float | None
    target_source: str | None
    target_note: str | None
    reached: bool | None
    needed_fixed_total: int | None
    needed_growing_total: int | None
    needed_published: int | None
    n_unknown: int
    document_id: str | None
    source_ref: str | None
    note: str | None
    rate_origin: str | None = None
    # The document a published result comes from, as credited: « title (producer, date) — ref ».
    source_line: str | None = None
    # The same as a reader cites it: « document, section — producer, year » (sources.reader_credit).
    short_line: str | None = None


# A rate we compute is shown with one decimal (page, PDF, XLSX); a rate typed from a document
# keeps the decimals it was typed with (« 12,04 % » as the CIA prints it).
COMPUTED_RATE_DECIMALS = 1


def rate_decimals(rate_pct, rate_origin: str | None) -> int:
    """Decimals a CIA rate is shown with: as many as the document's figure was typed with for a
    published rate (12.04 → 2, 42.5 → 1, 25 → 0), COMPUTED_RATE_DECIMALS for one we compute."""
    if rate_origin != "published" or rate_pct is None or rate_pct != rate_pct:
        return COMPUTED_RATE_DECIMALS
    rate, decimals = _frac(rate_pct), 0
    while rate.denominator != 1:
        rate, decimals = rate * 10, decimals + 1
    return decimals


def shown_rate(rate_pct, rate_origin: str | None) -> float | None:
    """The rate as shown (rounded half-up to `rate_decimals`), for tables and spreadsheet
    cells: 57.5758 computed → 57.6; 12.04 published → 12.04; None stays None."""
    if rate_pct is None or rate_pct != rate_pct:
        return None
    return float(round_half_up(_frac(rate_pct), rate_decimals(rate_pct, rate_origin)))


def chart_rates(rates, origins) -> tuple[list[float | None], list[int]]:
    """The rates of one chart's bars as shown, and each bar's decimals: a published rate keeps
    the digits its document gives (« 15,55 % »), a computed one has COMPUTED_RATE_DECIMALS, as
    in its tile and tables (95 / 502 = 18,924 % reads « 18,9 % » everywhere). Padded to a
    neighbour's two decimals it read « 18,90 % », a digit the figure has not; written at two it
    read « 18,92 % » beside its tile's « 18,9 % »."""
    pairs = list(zip(rates, origins))
    return ([shown_rate(v, o) for v, o in pairs],
            [rate_decimals(v, o) for v, o in pairs])


def result_key(r: AttributionResult) -> tuple:
    """What a document's result and ours share when they measure the same thing: year,
    objective, party type and party (« ensemble » as typed is « Ensemble »)."""
    return (r.year, r.objective, r.party_type, _fold(r.party_name))


def agrees(published: AttributionResult, computed: AttributionResult) -> bool:
    """Whether the result computed from the attributions says what the document published:
    every figure the document gives is ours — its count, its total (or one of the totals its
    rate implies), its rate at the decimals it was typed with (57,57 % for 194 / 337). A
    document giving no figure agrees with nothing."""
    given = False
    if published.numerator is not None:
        if published.numerator != computed.numerator:
            return False
        given = True
    if published.denominator_origin == "published":
        if published.denominator != computed.denominator:
            return False
        given = True
    elif published.implied_denominators:
        if computed.denominator not in published.implied_denominators:
            return False
    if published.rate_pct is not None and published.rate_origin == "published":
        if computed.rate_pct is None:
            return False
        ours = (Fraction(100 * computed.numerator, computed.denominator)
                if computed.numerator is not None and computed.denominator else _frac(computed.rate_pct))
        decimals = rate_decimals(published.rate_pct, "published")
        if round_half_up(ours, decimals) != round_half_up(_frac(published.rate_pct), decimals):
            return False
        given = True
    return given


def _fold(s) -> str:
    """Party names and codes compared alike: « Action_Logement » ~ « action logement »."""
    return fold(s).replace("_", " ").strip()


def _objectives(con, contract_slug: str) -> list[tuple]:
    return con.execute("""
        select party_type, party_name, objective, target_pct, note, document_id, source_ref
        from housing_objectives where contract_slug = ?""", [contract_slug]).fetchall()


# Names a CIA may give a reserving party (folded), by template code.
RESERVING_PARTY_ALIASES = {
    "etat": ("etat", "prefecture", "contingent prefectoral"),
    "communes": ("communes", "commune", "collectivites", "collectivite", "ville", "villes"),
    "action_logement": ("action logement", "action logement services", "als"),
    "bailleurs": ("bailleurs", "bailleur", "contingent propre"),
    "autres": ("autres", "autre", "autres reservataires"),
}


def _party_names(party_type: str, party_name: str) -> set[str]:
    names = {_fold(party_name), _fold(RESERVING_PARTY_LABELS.get(party_name, party_name))}
    if party_type == "reservataire":
        for code, aliases in RESERVING_PARTY_ALIASES.items():
            if names & ({_fold(code)} | set(aliases)):
                names |= {_fold(code), *aliases}
    return names


def _target(objectives: list[tuple], party_type: str, party_name: str, objective: str):
    """(target_pct, source, note) for a party.

    The CIA's row for the party (the 'ensemble' row whatever its name; a reserving party by code
    or usual name: « Collectivités » = communes, « Action Logement Services » = action_logement);
    a CIA row without a target (« Contribution à l'atteinte des 25 % ») gives no target, with its
    note. Without a CIA row: the statutory target (STATUTORY_TARGETS), else none.
    """
    names = _party_names(party_type, party_name)
    for p_type, p_name, obj, target, note, _doc, _ref in objectives:
        if p_type != party_type or obj != objective:
            continue
        if party_type == "ensemble" or _party_names(p_type, p_name) & names:
            if target is not None:
                return float(target), "CIA", note
            return None, None, note
    statutory = STATUTORY_TARGETS.get((party_type, objective))
    if statutory is not None:
        return float(statutory), "loi", None
    return None, None, None


def _result(year, party_type, party_name, objective, origin, k, total, den_origin, implied, rate,
            objectives, needed_published=None, n_unknown=0, document_id=None, source_ref=None,
            note=None, rate_origin="computed") -> AttributionResult:
    target, target_source, target_note = _target(objectives, party_type, party_name, objective)
    reached = a = b = None
    if k is not None and total:
        if target is not None:
            reached = Fraction(k, total) >= _frac(target) / 100
            a = needed_fixed_total(k, total, target)
            b = needed_growing_total(k, total, target)
    elif k is not None and len(implied) > 1 and target is not None:
        options = {(needed_fixed_total(k, d, target), needed_growing_total(k, d, target)) for d in implied}
        if len(options) == 1:
            a, b = options.pop()
            reached = a == 0
        else:
            listed = (", ".join(str(d) for d in implied) if len(implied) <= 5
                      else f"de {implied[0]} à {implied[-1]} ({len(implied)} valeurs)")
            note = "; ".join(filter(None, [note, f"plusieurs totaux possibles : {listed}"]))
    return AttributionResult(
        year, party_type, party_name, objective, OBJECTIVE_LABELS.get(objective, objective), origin,
        k, total, den_origin, implied, rate, target, target_source, target_note, reached, a, b,
        None if needed_published is None else int(needed_published), n_unknown, document_id,
        source_ref, note, None if rate is None else rate_origin)


def computed_results(con, contract_slug: str) -> list[AttributionResult]:
    """Results computed from housing_attributions: for each year, every objective for the whole
    contract ('ensemble'), each landlord ('bailleur') and each reserving party ('reservataire').

    Groups with no attribution in an objective's universe are left out. Ordered by year,
    objective, party type (ensemble, bailleur, reservataire) then party name.
    """
    rows = con.execute("""
        select year, landlord, reserving_party, location, resource_quartile,
               is_priority_household, sum(n_attributions)
        from housing_attributions
        where contract_slug = ? and coalesce(is_lease_signed, true)
        group by all""", [contract_slug]).fetchall()
    objectives = _objectives(con, contract_slug)
    agg: dict[tuple, list[int]] = {}   # key → [k, total, unknown]
    for year, landlord, party, location, quartile, priority, n in rows:
        n = int(n)
        for party_type, party_name in (("ensemble", ALL_PARTIES), ("bailleur", landlord),
                                       ("reservataire", party)):
            checks = []
            if location == "hors_qpv":
                checks.append(("q1_hors_qpv", quartile == 1, quartile is None))
            elif location == "qpv":
                checks.append(("hors_q1_en_qpv", quartile in (2, 3, 4), quartile is None))
            checks.append(("menages_prioritaires", priority is True, priority is None))
            for objective, ok, unknown in checks:
                acc = agg.setdefault((year, objective, party_type, party_name), [0, 0, 0])
                acc[0] += n if ok else 0
                acc[1] += n
                acc[2] += n if unknown else 0
    type_order = _TYPE_ORDER
    out = []
    for (year, objective, party_type, party_name), (k, total, unknown) in sorted(
            agg.items(), key=lambda kv: (kv[0][0], OBJECTIVES.index(kv[0][1]),
                                         type_order[kv[0][2]], _fold(kv[0][3]))):
        rate = round(100 * k / total, 4) if total else None
        out.append(_result(year, party_type, party_name, objective, "computed", k, total, "counted",
                           (), rate, objectives, n_unknown=unknown))
    return out


def published_results(con, contract_slug: str) -> list[AttributionResult]:
    """The results a document publishes, with the total deduced from the rate when not published,
    and the needed numbers computed from it beside the document's own figure."""
    from indicators.kpi import source_line
    from indicators.sources import reader_credit
    rows = con.execute("""
        select r.year, r.party_type, r.party_name, r.objective, r.numerator, r.denominator,
               r.rate_pct, r.needed_published, r.document_id, r.source_ref,
               d.title, d.producer, d.published_on
        from housing_published_results r
        left join documents d on d.contract_slug = r.contract_slug and d.document_id = r.document_id
        where r.contract_slug = ?""", [contract_slug]).fetchall()
    rows.sort(key=lambda r: (r[0], OBJECTIVES.index(r[3]) if r[3] in OBJECTIVES else 9,
                             _TYPE_ORDER.get(r[1], 9), _fold(r[2])))
    objectives = _objectives(con, contract_slug)
    out = []
    for year, p_type, p_name, objective, num, den, rate, needed, doc, ref, title, producer, on in rows:
        k = None if num is None else int(num)
        implied: tuple[int, ...] = ()
        note = None
        if den is not None:
            total, den_origin = int(den), "published"
        elif k is not None and rate is not None:
            implied = implied_denominators(k, rate)
            total = implied[0] if len(implied) == 1 else None
            den_origin = "deduced" if implied else None
            note = DEDUCED_NOTE if implied else "total non publié et non déductible du taux"
        else:
            total, den_origin = None, None
        rate_origin = "published"
        if rate is None and k is not None and total:
            rate, rate_origin = round(100 * k / total, 4), "computed"
        line = source_line(title, ref, producer, on) if title else None
        out.append(replace(
            _result(year, p_type, p_name, objective, "published", k, total, den_origin, implied,
                    None if rate is None else float(rate), objectives, needed, 0, doc, ref, note,
                    rate_origin),
            source_line=None if line is None else line.removeprefix("Source : "),
            short_line=reader_credit(title, ref, producer, on) if title else None))
    return out


def attribution_results(con, contract_slug: str) -> list[AttributionResult]:
    """Every result in the order a reader of the CIA expects: the latest year first; within a
    year, the objectives in the convention's order (OBJECTIVES: first quartile outside QPV,
    above the first quartile in QPV, priority households), the whole territory before the
    landlords and the reserving parties (each by name); a document's result before the one we
    compute for the same year, objective and party."""
    return sorted(published_results(con, contract_slug) + computed_results(con, contract_slug),
                  key=lambda r: (-r.year, OBJECTIVES.index(r.objective) if r.objective in OBJECTIVES
                                 else len(OBJECTIVES), _TYPE_ORDER.get(r.party_type, 9),
                                 _fold(r.party_name), r.origin != "published"))


def results_frame(results: list[AttributionResult]) -> pd.DataFrame:
    """The results as a DataFrame (one row per result, the dataclass fields as columns)."""
    cols = list(AttributionResult.__dataclass_fields__)
    return pd.DataFrame([[getattr(r, c) for c in cols] for r in results], columns=cols)


def objectives_frame(con, contract_slug: str) -> pd.DataFrame:
    """The CIA objectives per party as typed (target_pct NULL with its note when qualitative)."""
    rows = _objectives(con, contract_slug)
    df = pd.DataFrame(rows, columns=["party_type", "party_name", "objective", "target_pct", "note",
                                     "document_id", "source_ref"])
    df.insert(3, "objective_label", df["objective"].map(lambda o: OBJECTIVE_LABELS.get(o, o)))
    # The document each row cites (title, producer, date), for the table's source line.
    documents = {r[0]: r[1:] for r in con.execute(
        "select document_id, title, producer, published_on from documents where contract_slug = ?",
        [contract_slug]).fetchall()}
    for i, column in enumerate(("document_title", "document_producer", "document_date")):
        df[column] = [documents.get(d, (None, None, None))[i] for d in df["document_id"]]
    return df
