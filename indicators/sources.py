"""Who to credit for the values a figure shows (captions of charts, maps, exported images).

Rules:
- A value loaded from an official file is credited to the file's producer, title and vintage
  as cited (`indicator_values.source_label`).
- A value typed from a document (origin 'published'), or computed from its figures (origin
  'computed' with the document's id), is credited to that document, naming the
  producer it quotes: « Contrat de ville … – Annexes, Annexe 2 – Portraits de quartiers (d'après
  Insee 2019) ». When the document is the producer's own publication (an Insee file quoted as
  « Insee, Filosofi 2021 »), the quotation alone is the credit.
- A fictional value (demo) is never credited to INSEE or its licence: « Données fictives de
  démonstration (Filosofi, données par quartier, 2019) ».
- A loaded file is named by what it is (`dataset_title`: the registry's dataset of its
  indicators and the level of its rows), never by its file name, which only the « Données et
  méthode » page shows with its fingerprint.
- Credits are listed once each, in the order of the values; one document quoting several
  producers is credited once: « … (d'après Insee 2019 ; Données Compas – ABS 2022) ».
- Two credits naming the same producer and year (case, accents and « Données » aside) are one:
  « Insee 2019 » and « Données INSEE 2019 » read « Données INSEE 2019 », the longer wording.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from indicators.fmt import fold, typed_dates

FICTIONAL = "Données fictives de démonstration"

# The territories a statistical file gives figures for, as a reader names them.
_LEVEL_WORDS = {"commune": "commune", "epci": "EPCI", "departement": "département",
                "region": "région", "france": "France"}


def dataset_title(registry_sources: Iterable[str | None], levels: Iterable[str | None],
                  producer: str | None = None) -> str:
    """What a statistical file is, as a reader names it (a credit's title, never its file name):
    the datasets the registry names for the indicators it carries, without the producer the
    credit already names, and the territories of its rows. ``(["Insee, recensement de la
    population"], ["qpv", "france"], "INSEE") → "recensement de la population, données par
    quartier"``; ``(["Insee, Filosofi"], ["commune", "epci"]) → "Filosofi, données par commune
    et EPCI"``; ``["RPLS / bailleurs", "RPLS, Insee"]`` reads « RPLS / bailleurs »; a file of variables the registry does not know reads « données par … » alone."""
    head = fold(producer or "").strip()
    names: list[str] = []
    for src in registry_sources:
        text = (src or "").strip()
        if head and fold(text).startswith(head + ","):
            text = text[len(head) + 1:].strip()
        if head and fold(text).endswith(", " + head):
            text = text[:-len(head) - 2].strip()
        if text and text not in names:
            names.append(text)
    # « RPLS » beside « RPLS / bailleurs »: the longer names it.
    names = [n for n in names if not any(o != n and fold(o).startswith(fold(n)) for o in names)]
    levels = set(levels)
    if "qpv" in levels:
        scope = "données par quartier"
    else:
        words = [w for level, w in _LEVEL_WORDS.items() if level in levels]
        scope = ("données par " + (", ".join(words[:-1]) + " et " + words[-1] if len(words) > 1
                                   else words[0])) if words else "données"
    return ", ".join([" ; ".join(names), scope] if names else [scope])


def _head(text: str | None, separators: tuple[str, ...]) -> str:
    """The text up to the first separator found outside « », ( ) and [ ] (all of it when none)."""
    if not text:
        return ""
    depth = 0
    for i, ch in enumerate(text):
        if ch in "«([":
            depth += 1
        elif ch in "»)]":
            depth = max(depth - 1, 0)
        elif depth == 0 and any(text.startswith(sep, i) for sep in separators):
            return text[:i].strip()
    return text.strip()


def _own_section(document: str, section: str) -> str:
    """The section without the document's name it repeats in front (issue 11: Chambéry's
    « Hauts de Chambéry – « Ce qui a changé », Hauts de Chambéry – encadré « La Cité… » »
    reads « …, encadré « La Cité… » »): the longest head of the section, up to a separator
    (« – », « , », « : »), whose words are the first words of the document's title (case,
    accents and punctuation aside: « Hauts de Chambéry, « Ce qui a changé » – rubrique… »
    reads « rubrique… »), left out when words remain after it."""
    if not document or not section:
        return section
    title = _words(document)
    for found in reversed(list(re.finditer(r" [–—-] |, | : ", section))):
        head, rest = _words(section[:found.start()]), section[found.end():].strip()
        if head and rest and title[:len(head)] == head:
            return rest
    return section


def _words(text: str) -> list[str]:
    return re.sub(r"[^0-9a-z]+", " ", fold(text)).split()

def clipped(text: str, limit: int) -> str:
    """At most `limit` characters, cut on a space (never mid-word), with « … » when cut; a cut
    inside a quotation or a bracket closes it (« rubrique « Renforcer la sécurité du… » »,
    « Données fictives (Filosofi, données par…) »: issue 11, a gap chart's source line left its
    bracket open before « et al. »)."""
    if len(text) <= limit:
        return text
    # A cut after an ellipsis (« retenus… » cut inside the quotation) ends with one « … »,
    # never « retenus…… ».
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:–—-«([….")
    still_open = []
    for ch in cut:
        if ch in "«([":
            still_open.append(ch)
        elif ch in "»)]" and still_open and still_open[-1] == {"»": "«", ")": "(", "]": "["}[ch]:
            still_open.pop()
    return cut + "…" + "".join({"«": " »", "(": ")", "[": "]"}[ch] for ch in reversed(still_open))


# The parts of a short credit line (`reader_credit`), each cut at a word boundary beyond these.
SHORT_DOCUMENT, SHORT_SECTION, SHORT_PRODUCER = 70, 50, 60
# A list of producers longer than this reads as its first « et al. »; the whole short line (after
# « Source : ») holds in about two lines of a key figure's tile at 1 440 px (issue #11: Grand
# Chalon's ran to five: « … — Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire (d'après
# Insee 2019 ; Données Compas – ABS 2022) »).
SHORT_PRODUCERS, SHORT_LINE = 30, 90


def short_producer(producer: str | None) -> str:
    """A producer as a short line names it: a list longer than SHORT_PRODUCERS characters as
    its first producer « et al. », without its bracket (« Le Grand Chalon (Agglomération) et
    Préfet de Saône-et-Loire » → « Le Grand Chalon et al. »; a bracket saying the producer is
    fictional is kept); one long name without its bracket, cut at a word."""
    who = (producer or "").strip()
    if len(who) <= SHORT_PRODUCERS:
        return who
    first = _head(who, (", ", " et "))
    if len(first) < len(who):
        if not _SAYS_FICTIONAL.search(fold(first)):
            first = _head(first, (" (",))
        return clipped(first, SHORT_PRODUCER) + " et al."
    if len(who) > SHORT_PRODUCER:
        who = clipped(_head(who, (" (",)), SHORT_PRODUCER)
    return who


def _year(date) -> str | None:
    """The year of a document's date (« 2026-02-10 », « 2026 », « 2023-09-21 »), None without."""
    found = re.match(r"\s*((?:19|20)\d\d)\b", str(date or ""))
    return found.group(1) if found else None


def reader_credit(document: str | None, section: str | None = None, producer: str | None = None,
                  date: str | None = None, *, quotes: Iterable[str] = (),
                  is_fictional: bool = False, whole: bool = False) -> str:
    """The short source line of a figure, as a reader cites it: « document, section — producer,
    year », each part cut at a word boundary (the whole source goes behind the line's toggle):
    « Bilan annuel du contrat de ville 2025, tableau de bord — CA Val-de-Lorne (fictive), 2026 ».
    The year is the document's, never one it does not give (no date: no year). `quotes`, the
    producers a document quotes, follow in brackets: « … (d'après Insee 2019) ». A fictional
    document's producer is credited as fictional (`credited_producer`). `whole`: nothing cut,
    for a printed page, where a line wraps (issue 11: the PDFs' « programmation… » lost the
    section's year to the screen's SHORT_LINE): the title up to its bracket or subtitle, the
    section's name up to its details (« Annexe 7 – CIA », « programmation 2021 »), producers
    and quotations as typed, then the year."""
    document, section, producer, date = (v if isinstance(v, str) else None     # NaN: nothing
                                         for v in (document, section, producer, date))
    if whole:
        head = _head(typed_dates(document), (" (", " ; ", " : "))
        part = _head(_own_section(head, typed_dates(section)), (", ", " (", " : ", " ; "))
        if part and fold(part) not in fold(head):
            head = f"{head}, {part}" if head else part
        who = (credited_producer(typed_dates(producer) or None, is_fictional) or "").strip()
        tail = ", ".join(p for p in (who, _year(date)) if p)
        return " — ".join(p for p in (head, tail) if p) + _joined("", [q for q in quotes if q])
    head = _head(typed_dates(document), (" (", " ; ", " : "))
    if len(head) > SHORT_DOCUMENT:         # a long title keeps its name, before its subtitles
        head = _head(head, (" – ",))
    part = _head(_own_section(head, typed_dates(section)), (", ", " (", " : ", " ; "))
    if part and fold(part) in fold(head):
        part = ""
    who = (credited_producer(short_producer(typed_dates(producer)) or None, is_fictional) or "").strip()
    year = _year(date)
    quoted = merged_credits(q for q in quotes if q)
    said = _joined("", quoted)

    dropped = False

    def line(doc: str, sec: str, by: str, quotes_said: str) -> str:
        tail = ", ".join(p for p in (by, year) if p)
        if dropped and not by:      # the producer left out: « document, section, 2024 »
            return ", ".join(p for p in (doc, sec, year) if p) + quotes_said
        return " — ".join(p for p in (", ".join(p for p in (doc, sec) if p), tail) if p) + quotes_said

    if len(line(head, part, who, said)) <= SHORT_LINE:
        return line(head, part, who, said)
    # Over two lines (issue #11): the document and its section are what a reader looks for, so the
    # producer goes first: left out when the document names it (« Contrat de ville du Grand
    # Chalon… — Le Grand Chalon et al. »), then the first producer quoted (the others behind the
    # toggle), then one cut at a word: the producer's, else the longer of document and section's.
    if who and _named_in(who, f"{head} {part}"):
        who, dropped = "", True
    if len(line(head, part, who, said)) > SHORT_LINE and len(quoted) > 1:
        said = f" (d'après {_bracketed(quoted[0])} ; …)"
    over = len(line(head, part, who, said)) - SHORT_LINE
    if over <= 0:
        return line(head, part, who, said)
    if who and len(who) - over >= SHORT_KEPT and not _SAYS_FICTIONAL.search(fold(who)):
        return line(head, part, _cut_to(who, len(who) - over), said)
    # The producer's own name does not hold in what is left: the document's short line without it
    # (the whole credit is behind the toggle); a fictional producer always stays (« fictive »).
    if who and not _SAYS_FICTIONAL.search(fold(who)):
        who, dropped = "", True
    if len(line(head, part, who, said)) > SHORT_LINE and len(head) > SHORT_SECTION:
        head = _head(head, (" – ",))       # a long title's name, before its subtitles
    over = len(line(head, part, who, said)) - SHORT_LINE
    if over > 0:
        # One cut, one « … »: the section's if it can lose what is over (« Annexe 2… »: the
        # document keeps its name), else the document's; both only when neither can (each then
        # at its shortest).
        floors = {"doc": SHORT_KEPT, "sec": SHORT_KEPT_SECTION}
        texts = {"doc": head, "sec": part}
        order = [k for k in ("sec", "doc") if texts[k]]
        cuts = {k: _cut_to(texts[k], len(texts[k]) - over) for k in order
                if len(texts[k]) - over >= floors[k]}
        alone = [k for k in cuts if len(cuts[k]) >= floors[k]]
        if alone:
            texts[alone[0]] = cuts[alone[0]]
        else:
            for k in reversed(order):       # the shorter at its floor, the longer to what is left
                over = len(line(texts["doc"], texts["sec"], who, said)) - SHORT_LINE
                if over > 0:
                    texts[k] = _cut_to(texts[k], max(len(texts[k]) - over, floors[k]))
        head, part = texts["doc"], texts["sec"]
    return line(head, part, who, said)


# A chart's source line spans the chart's width (the whole screen on a phone, 358 px: about 55
# characters a line): about two lines.
CHART_LINE = 105


def credits_line(credits: Iterable[str], limit: int = CHART_LINE, suffix: str = "") -> str:
    """The short line under a chart whose values come from several credits (each already short,
    `reader_credit`, or a dataset's title): all of them once when they hold in `limit` characters
    (`suffix` included, « · écarts entre valeurs de la même année »), else the first « et al. »,
    cut at a word if it must be (one « … » at most): the whole list goes behind the toggle."""
    found = list(dict.fromkeys(c.strip() for c in credits if c and c.strip()))
    room = max(limit - len(suffix), SHORT_KEPT)
    joined = " ; ".join(found)
    if len(joined) > room:
        if len(found) == 1:
            joined = _cut_to(found[0], room)
        else:
            first, more = found[0], " et al."
            joined = (first if len(first) + len(more) <= room else _cut_to(first, room - len(more))) + more
    return joined + suffix if joined else suffix.removeprefix(" · ")


# A part of a short line is cut no shorter than this: a document's name (« Contrat de ville du… »
# still names it), a section's (« annexe 2… »).
SHORT_KEPT, SHORT_KEPT_SECTION = 20, 8


def _cut_to(text: str, limit: int) -> str:
    """`clipped` at most `limit` (≥ 1) characters long, its « … » and closing « » » included."""
    limit = max(limit, 1)
    out = clipped(text, limit)
    while len(out) > limit and limit > 1:
        limit -= 1
        out = clipped(text, limit)
    return out


_ARTICLES = re.compile(r"^(le|la|les|l'|l’)\s*")


def _named_in(producer: str, text: str) -> bool:
    """Whether `text` already names the producer (its first name, without its article nor its
    « et al. »): « Le Grand Chalon et al. » in « Contrat de ville du Grand Chalon 2024-2030 »."""
    name = _ARTICLES.sub("", fold(_head(producer.removesuffix(" et al."), (" (", ", ", " et "))))
    return len(name) >= 4 and re.search(r"(?<!\w)" + re.escape(name) + r"(?!\w)", fold(text)) is not None


def _parts(source_label: str | None, origin: str | None, *, document_title: str | None = None,
           document_producer: str | None = None, source_ref: str | None = None,
           is_fictional: bool = False, file_title: str | None = None,
           file_vintage: str | None = None, document_date: str | None = None,
           short: bool = False) -> tuple[str, str | None]:
    """(credited source, the producer it quotes or None); `short`: the credited document as
    `reader_credit` names it (document, section — producer, year)."""
    if is_fictional:
        detail = ", ".join(p for p in (file_title, file_vintage) if p)
        return (f"{FICTIONAL} ({detail})" if detail else FICTIONAL), None
    # A date typed « 21/09/2023 » in the source's text reads « 21 septembre 2023 ».
    label = typed_dates((source_label or "").strip())
    # A value computed from a document's figures (Grand Chalon's « 928 sur 1 017 » logements
    # « fragile » of its annex 2) is credited to that document as a typed one is.
    if origin in ("published", "computed") and document_title:
        # A note naming the document itself (« Chartres métropole, page « Politique de la ville »
        # (21/09/2023) – … ») is that document, named as its texts name it (`cited_document`).
        cited = cited_document(source_label, source_ref, document_title, document_producer,
                               document_date)
        if cited is not None:
            if short:
                return reader_credit(document_title, source_ref, document_producer, document_date), None
            return " – ".join(p for p in cited if p), None
        producer = fold(document_producer or "")
        if producer and label and fold(label).startswith(producer.split()[0]):
            return label, None
        if short:          # the producer quoted without its details: « Données INSEE 2019 »
            return (reader_credit(document_title, source_ref, document_producer, document_date),
                    _head(label, (" (",)) or None)
        document = _head(document_title, (" (", " ; "))
        section = _head(_own_section(document, typed_dates(source_ref)), (", ", " (", " : ", " ; "))
        head = f"{document}, {section}" if section and fold(section) not in fold(document) else document
        return head, label or None
    return label, None


def _spaced(text: str | None) -> str:
    """Folded, with every kind of space one plain space (dates in words use no-break spaces)."""
    return " ".join(fold(text or "").replace("\u00a0", " ").replace("\u202f", " ").split())


def note_precision(source_label: str | None, title: str | None, date: str | None = None,
                   url: str | None = None) -> str | None:
    """What a typed figure's note says beyond the document it names, when it names the document
    the database knows (issue 11: Chartres' portraits cited one web page twice, as its note
    « Chartres métropole, page « Politique de la ville » (21/09/2023) – quartier prioritaire
    2015–2023 « les Clos » (contour de 2015, année de la population non précisée) » and as the
    document « Politique de la ville (page du site de Chartres métropole) »). The note's head (up
    to « – ») names the document by its URL, by its title quoted (« « Politique de la ville » »),
    or by its title and its date; the precision is the rest (« quartier prioritaire… (…, année de
    la population non précisée) », "" when none). None when the note names another source
    (« Insee, Filosofi 2021 » quoted by a document titled « Filosofi 2021 : … » and undated)."""
    label = typed_dates((source_label or "").strip()) if isinstance(source_label, str) else ""
    if not label or not isinstance(title, str) or not title.strip():
        return None
    head = _head(label, (" – ", " — "))
    rest = label[len(head):].strip().lstrip("–—").strip()
    said = _spaced(head)
    core = _spaced(_head(title, (" (", " : ", " ; ")))
    named = bool(isinstance(url, str) and url.strip() and _spaced(url) in said)
    if not named and core:
        quoted = [_spaced(q) for q in re.findall(r"«\s*(.*?)\s*»", head)]
        named = core in quoted
        if not named and isinstance(date, str) and date.strip():
            from indicators.kpi import published_date
            day = _spaced(published_date(date.strip()))
            named = core in said and bool(day) and day in said
    return rest if named else None


def cited_document(source_label: str | None, source_ref: str | None, title: str | None,
                   producer: str | None = None, date: str | None = None,
                   url: str | None = None) -> tuple[str, str | None] | None:
    """(the document as every list of sources names it, `document_name`; its section with the
    note's own precision: « § « Les quartiers prioritaires » : « … » ; quartier prioritaire…
    (contour de 2015, année de la population non précisée) ») when a typed figure's note names
    the document it comes from (`note_precision`), else None: the document is then cited once,
    under one name, by the figure and by the texts typed from it."""
    rest = note_precision(source_label, title, date, url)
    if rest is None:
        return None
    from indicators.kpi import published_date
    name = document_name(title, producer or "producteur non précisé", published_date(date))
    ref = " ; ".join(p for p in (typed_dates(source_ref) if isinstance(source_ref, str) else None,
                                 rest) if p and p.strip())
    return name, ref or None


# Words a credit may add to the producer and year it names without naming anything else.
_FILLER_WORDS = frozenset({"donnees", "donnee", "source", "sources"})


def _producer_year(text: str):
    """The words of the producer and year a credit names (case, accents, punctuation and
    « Données » aside), or the text itself when it names no year: nothing to merge it with."""
    words = tuple(w for w in re.sub(r"[^0-9a-z]+", " ", fold(text)).split() if w not in _FILLER_WORDS)
    return words if any(re.fullmatch(r"(19|20)\d\d", w) for w in words) else text


def merged_credits(credits: Iterable[str]) -> list[str]:
    """The credits with those naming the same producer and year once, at the place of the first,
    in the longer (more informative) wording: ["Insee 2019", "Données INSEE 2019"] →
    ["Données INSEE 2019"]; a bare credit goes into one that names the same producer and year
    with a detail in brackets: « Données INSEE 2019 (en-tête du portrait ; …) »."""
    kept: dict = {}
    for text in credits:
        key = _producer_year(text)
        if key not in kept or len(text) > len(kept[key]):
            kept[key] = text
    detailed = {_producer_year(_head(t, (" (",))) for t in kept.values() if " (" in t}
    return [t for key, t in kept.items()
            if " (" in t or not isinstance(key, tuple) or key not in detailed]


def _bracketed(quote: str) -> str:
    """A quotation as it reads inside « (d'après …) »: its own brackets square, as French writes a
    bracket within a bracket (issue 11: Grand Chalon's « Comparer » line ended « … ABS 2022 »)) »;
    now « … Données INSEE 2019 [en-tête du portrait ; bloc cité « … »]) »)."""
    return quote.replace("(", "[").replace(")", "]")


def _joined(head: str, quotes: list[str]) -> str:
    if not quotes:
        return head
    return f"{head} (d'après {' ; '.join(_bracketed(q) for q in merged_credits(quotes))})"


def credit(source_label: str | None, origin: str | None, **details) -> str:
    """The credit line of one value (see the module rules)."""
    head, quote = _parts(source_label, origin, **details)
    return _joined(head, [quote] if quote else [])


# The values of the keys' territories are read first (`list_contains`): joined to the keys alone,
# the whole view was read (issue #15: 0,4 → 0,13 s of CPU for a portrait's 500 keys on the
# France-sized database).
_CREDIT_SQL = """
    select v.territory_code, v.indicator_id, v.year, v.source_label, v.origin, v.source_ref,
           v.is_fictional, d.title, d.producer, s.title, s.vintage, d.published_on
    from (select * from indicator_values where list_contains(?::varchar[], territory_code)) v
    join (select unnest(?::varchar[]) as territory_code, unnest(?::varchar[]) as indicator_id,
                 unnest(?::integer[]) as year, unnest(?::integer[]) as k) keys
      on keys.territory_code = v.territory_code and keys.indicator_id = v.indicator_id
     and keys.year = v.year
    left join (select document_id, any_value(title) as title, any_value(producer) as producer,
                      any_value(published_on) as published_on
               from documents group by document_id) d on d.document_id = v.document_id
    left join sources s on s.source_id = v.source_id
    order by keys.k"""


def value_credits(con, keys: Iterable[tuple[str, str, int]], *, short: bool = False) -> list[str]:
    """The credits of the values identified by (territory_code, indicator_id, year), once each,
    in the order of the keys. `short`: a typed figure's document as `reader_credit` names it
    (the short line under a figure: document, section — producer, year)."""
    return value_credits_many(con, [keys], short=short)[0]


def value_credits_many(con, groups: Iterable[Iterable[tuple[str, str, int]]], *,
                       short: bool = False) -> list[list[str]]:
    """`value_credits` of each group of keys (a chart's values, a card's line), with one query
    for all of them: a portrait credits about a hundred groups."""
    groups = [[(str(c), str(i), int(y)) for c, i, y in keys if c and i and y is not None]
              for keys in groups]
    unique = list(dict.fromkeys(key for keys in groups for key in keys))
    rows_of: dict[tuple[str, str, int], list[tuple]] = {}
    if unique:
        codes, indicators, years = (list(x) for x in zip(*unique))
        for row in con.execute(_CREDIT_SQL, [sorted(set(codes)), codes, indicators, years,
                                             list(range(len(unique)))]).fetchall():
            rows_of.setdefault((row[0], row[1], int(row[2])), []).append(row)
    out = []
    for keys in groups:
        quotes: dict[str, list[str]] = {}         # one entry per credited source, in order
        documents: dict[str, tuple] = {}          # short: a document's reader_credit arguments
        for key in keys:
            for (_, _, _, label, origin, ref, fictional, doc_title, doc_producer, file_title,
                 vintage, doc_date) in rows_of.get(key, ()):
                head, quote = _parts(label, origin, document_title=doc_title,
                                     document_producer=doc_producer, source_ref=ref,
                                     is_fictional=bool(fictional), file_title=file_title,
                                     file_vintage=vintage, document_date=doc_date, short=short)
                if not head:
                    continue
                quoted = quotes.setdefault(head, [])
                if quote and quote not in quoted:
                    quoted.append(quote)
                if short and quote and origin in ("published", "computed") and doc_title:
                    documents[head] = (doc_title, ref, doc_producer, doc_date)
        # A short line holds its quotations within its length (reader_credit).
        out.append(merged_credits(reader_credit(*documents[head], quotes=quoted) if head in documents
                                  else _joined(head, quoted) for head, quoted in quotes.items()))
    return out


# `indicator_values.source_label` of a value from a fictional file (etl/schema.sql).
FICTIONAL_PREFIX = "Fictif : "
_FICTIONAL_PRODUCER = ("insee,", "insee ,")


def printed(source_label: str | None, *, short: bool = False) -> str:
    """A view's source label as a printed document gives it. A fictional value is never credited
    to the producer whose format it imitates: « Fictif : INSEE, Cnaf, données par quartier, 2022 »
    prints « Données fictives de démonstration — Cnaf, données par quartier, 2022 » in a list of sources
    (where « — » lets the files share one heading), and « Données fictives de démonstration »
    alone (`short`) under a chart. Other labels are kept as they are."""
    label = typed_dates((source_label or "").strip())
    if not label.startswith(FICTIONAL_PREFIX):
        return label
    if short:
        return FICTIONAL
    rest = label[len(FICTIONAL_PREFIX):].strip()
    for producer in _FICTIONAL_PRODUCER:
        if fold(rest).startswith(producer):
            return f"{FICTIONAL} — {rest[len(producer):].strip()}"
    if fold(rest).startswith("insee "):                 # « Insee 2019 » quoted by a fictional document
        return f"{FICTIONAL} ({rest[len('insee '):].strip()})"
    return f"{FICTIONAL} — {rest}" if rest else FICTIONAL


# A fictional file's producer and licence as every list of files shows them (exports' « Sources »
# sheet and preamble, the « Données et méthode » page): the demo writes its files in INSEE's,
# ANCT's or IGN's format with that producer in them, but nobody published them.
FICTIONAL_PRODUCER = "Données fictives (démo)"
_SAYS_FICTIONAL = re.compile(r"\b(fictif|fictive|fictifs|fictives|demo|demonstration)\b")


def credited_producer(producer: str | None, is_fictional: bool) -> str | None:
    """Who a file is credited to: its producer, or for a fictional file « Données fictives (démo),
    format INSEE » (the producer it imitates named as a format only). A producer that already says
    it is fictional (« Contrat de ville de Val-de-Lorne (fictif) ») is kept as it is."""
    text = (producer or "").strip()
    if not is_fictional:
        return producer
    if text and _SAYS_FICTIONAL.search(fold(text)):
        return text
    return f"{FICTIONAL_PRODUCER}, format {text}" if text else FICTIONAL_PRODUCER


def credited_source(source) -> dict:
    """A `sources` row (a mapping with `producer`, `licence`, `is_fictional`…) as credited: a
    fictional file's producer through `credited_producer` and no licence (a producer's licence
    covers what it published, not files generated in its format). Other keys are kept."""
    out = dict(source)
    if out.get("is_fictional"):
        out["producer"] = credited_producer(out.get("producer"), True)
        out["licence"] = None
    return out


# A bracket that only says a document is fictional (« (document fictif) ») qualifies it: the
# producer and date join it. Any other bracket ending a title is the title's own.
_FICTIONAL_BRACKET = re.compile(r"\((?:document |données )?fictif(?:ve)?s?\)$|\((?:document |données )?fictives?\)$",
                                re.IGNORECASE)


def document_name(title: str, producer: str | None = None, date: str | None = None) -> str:
    """A document as every source line cites it, « title (producer, date) »: ``("Bilan 2025",
    "Ville", "3 mars 2025")`` → « Bilan 2025 (Ville, 3 mars 2025) ». A fictional marker joins
    them in one bracket (« Bilan 2025 (document fictif, CA Val-de-Lorne, fictive, …) »,
    indicators.text.qualified), but a bracket that is part of the title stays the title's and
    the producer and date follow it after a comma (indicators.fmt.with_aside; issue #11:
    « … – Annexes (annexe 2 « Portraits de quartiers » ; annexe 7 « … »), Le Grand Chalon
    (Agglomération) et Préfet de Saône-et-Loire », never « … ; annexe 7 « … », Le Grand Chalon,
    Agglomération et Préfet… », where the producer read as part of the title). Not « title —
    producer »: « — » separates a source from its section (indicators.kpi.source_line,
    reports.pdf.SourceRefs)."""
    from indicators.fmt import with_aside
    from indicators.text import qualified
    text = (title or "").strip()
    if text.endswith(")") and not _FICTIONAL_BRACKET.search(text):
        return with_aside(text, ", ".join(p.strip() for p in (producer, date) if p and p.strip()))
    return qualified(text, producer, date)
