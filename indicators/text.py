"""Text from data or from a URL is text: escaping for every place it is shown.

Names, sources, review texts and labels come from files a contract team fills in, and codes
come from links anyone can craft. Wherever they are rendered by something that reads markup,
they are escaped here first:

- `md_text`: Streamlit Markdown (st.markdown, st.caption, alerts, titles, widget labels and help,
  metric labels). Every Markdown/HTML-significant ASCII character gets a backslash (CommonMark
  escapes any ASCII punctuation), line breaks become spaces and the ends are trimmed (no
  heading, list, quote, table or code block can start a line, and `**…**` around it holds), and a word joiner (U+2060, invisible) goes after `:` and `@` and between
  `www` and `.`: Streamlit's frontend also rewrites *text* after parsing (bare URLs and
  `www.` addresses into links, `:smile:` emoji shortcodes, `:material/icon:` icons), which no
  backslash prevents.
- `html_text`: data inside an HTML block of `st.markdown(..., unsafe_allow_html=True)` (a
  `<div>` on one line, an attribute): HTML-escaped, quotes included; line breaks become `&#10;`
  so that no blank line ends the HTML block and turns the rest into live Markdown; `$` as
  `&#36;` (no LaTeX); the same word joiners as `md_text`.
- `plot_text`: plotly labels (text, hover, titles, axis titles, legends, annotations), which
  render `<a href>`, `<b>`, `<br>`, `<span style>`: `&`, `<`, `>` as entities.
- `url_excerpt`: a value taken from the URL, echoed in a message: at most `URL_EXCERPT_CHARS`
  characters, then Markdown-escaped.

reportlab paragraphs use reports.pdf.esc (XML escape); spreadsheets reports.tables.neutralise.
Pure Python: no Streamlit import.
"""
from __future__ import annotations

import html
import re

# Characters with a meaning in Markdown, GFM, Streamlit's directives (:red[…]), LaTeX ($…$) or
# HTML; all are ASCII punctuation, so CommonMark honours a backslash before each.
MD_SPECIAL = frozenset("\\`*_{}[]()#+-.!|<>&~=:$^@")
WORD_JOINER = "\u2060"
# Characters after which the frontend's text rewriting is broken by a word joiner.
_JOIN_AFTER = frozenset(":@")
_LINE_BREAKS = re.compile(r"[ \t\r\n\f\v]+")
_WWW_DOT = re.compile(r"(www)(?=\\?\.)", re.IGNORECASE)
URL_EXCERPT_CHARS = 24


def _text(value) -> str:
    return "" if value is None else str(value)


# Each special character with its backslash (and its word joiner), in one str.translate (issue
# #15: character by character in Python, a portrait's texts cost about 3 ms a rerun).
_MD_ESCAPES = {ord(ch): "\\" + ch + (WORD_JOINER if ch in _JOIN_AFTER else "") for ch in MD_SPECIAL}
_JOINS = {ord(ch): ch + WORD_JOINER for ch in _JOIN_AFTER}


def md_text(value) -> str:
    """`value` as literal text inside Streamlit Markdown (see module doc). None → ""."""
    text = _LINE_BREAKS.sub(" ", _text(value)).strip(" ").translate(_MD_ESCAPES)
    return _WWW_DOT.sub(r"\1" + WORD_JOINER, text)


def html_text(value) -> str:
    """`value` as literal text inside HTML rendered by st.markdown (see module doc)."""
    text = html.escape(_text(value), quote=True)
    text = re.sub(r"\r\n|\r|\n", "&#10;", text).replace("$", "&#36;").translate(_JOINS)
    return _WWW_DOT.sub(r"\1" + WORD_JOINER, text)


def plot_text(value) -> str:
    """`value` as literal text in a plotly label (plotly reads a subset of HTML)."""
    return _text(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def url_excerpt(value, limit: int = URL_EXCERPT_CHARS) -> str:
    """A bounded, Markdown-escaped excerpt of a URL parameter for a message: at most `limit`
    characters (then « … »), so that a crafted link cannot carry a sentence of its own."""
    text = _LINE_BREAKS.sub(" ", _text(value)).strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + "…"
    return md_text(text)


# A space before ; : ! ? (Markdown-escaped by md_text or not: « \: ») that ends a word, not
# one before the start of a word (« :material/icon: », « ?q= », a Markdown table's « | :--- | »;
# md_text puts a word joiner after « : »): whatever follows, « **Note :** », « ? » then a bracket.
_BEFORE_PUNCTUATION = re.compile(r"[ \t]+(\\?[;:!?])(?!\u2060?(?:[^\W_]|-))")
# A dash between two words used as a separator (« Bruxelles - Arcades - Béguines »,
# « Chalon – délégations »), Markdown-escaped or not; a list's « - » starts a line, no word before.
_SEPARATOR_DASH = re.compile(r"(?<=\S)[ \t]+(\\?[-–—])(?=[ \t])")
# A unit symbol after a number (« 58,9 % », « 1,5 M€ », « +3,0 pts », a distance or an area:
# « carroyage 200 m », « 1,2 km », « 40 m² », « 3 ha »), as a team or a label types it: the
# number keeps its unit on its line.
_NUMBER_UNIT = re.compile(r"(?<=\d)[ \t]+((?:%|‰|€|k€|M€|Md€|pts?|km²|m²|km|m|ha)(?![^\W_]))")
# The format a download button ends with (« … (CSV) »), Markdown-escaped or not.
_FILE_FORMAT = re.compile(r"[ \t]+(\\?\((?:CSV|XLSX|PDF|PNG|SVG|ZIP)\\?\))")


def french_spacing(value) -> str:
    """The spaces of French typography made non-breaking (U+00A0): inside « », and before
    ; : ! ? — a line of a narrow column never ends with « nor starts with », « ; » or « : »
    (reports.pdf.esc applies it in PDFs; on screen `screen_text`). None → ""."""
    text = re.sub(r"«[ \t]+", "«\u00a0", re.sub(r"[ \t]+»", "\u00a0»", _text(value)))
    return _BEFORE_PUNCTUATION.sub("\u00a0\\1", text)


def no_break_dashes(value) -> str:
    """A separating dash kept with the word before it (U+00A0 before it): a wrapped title never
    starts a line with « - Béguines ». For display only, never for data or codes. None → ""."""
    return _SEPARATOR_DASH.sub("\u00a0\\1", _text(value))


def no_break_format(value) -> str:
    """A file format in brackets kept with the word before it (U+00A0): a wrapped download label
    never starts its second line with « (CSV) ». None → ""."""
    return _FILE_FORMAT.sub("\u00a0\\1", _text(value))


# A unit sign after a space (« 60 % », « en % », « 4 € pour 1 € », « ‰ »), and the space after
# a section sign (« § « Une ambition… » »).
_BEFORE_UNIT_SIGN = re.compile(r"(?<=\S)[ \t]+(?=[%‰€])")
_AFTER_SECTION_SIGN = re.compile(r"§[ \t]+(?=\S)")


def no_break_signs(value) -> str:
    """A unit sign kept with the word or number before it (U+00A0) and a section sign with what
    follows it: a wrapped line never starts with « % » or « € » (« Taux de pauvreté, en » /
    « % ») nor ends with « § » (its title on the next line). None → ""."""
    return _AFTER_SECTION_SIGN.sub("§\u00a0", _BEFORE_UNIT_SIGN.sub("\u00a0", _text(value)))


def no_break_units(value) -> str:
    """A number kept with the unit written after it (U+00A0), the multi-letter ones too (« 1,5 M€ »,
    « +3,0 pts »): a note typed « jusqu'à 58,9 % » never wraps before its « % » at 390 px.
    None → ""."""
    return _NUMBER_UNIT.sub("\u00a0\\1", _text(value))


# Straight double quotes around words, as a team types them (« Accueillir les "nouveaux-arrivants" »),
# plain or HTML-escaped (html_text writes « &quot; »): the opening one after a space, a bracket or
# the start, the closing one before a space, punctuation or the end.
_STRAIGHT_QUOTES = re.compile(r'(?<![^\s(\[\u00a0/’\'-])(?:"|&quot;)(?=[^\s"])((?:(?!&quot;)[^"\n])*?[^\s"])'
                              r'(?:"|&quot;)(?=$|[\s.,;:!?)\]…\u00a0-])')
# An hour typed « 20h », « 8h30 », « 20 h » (never inside a word, a code or a number).
_TYPED_HOUR = re.compile(r"(?<![\w/.,:#])(2[0-4]|[01]?\d)[ \t\u00a0]?h(?:[ \t\u00a0]?([0-5]\d))?(?![\w])")
# Three dots typed for an ellipsis (« petits concerts...) », « détritus ... », « Pronote, ... »),
# plain or Markdown-escaped (md_text writes « \.\.\. »): before a space, a closing bracket or
# quote, a mark of punctuation or the end of the text; never more than three dots, never after a
# slash or a dot (« data/raw/... », « ../ »), never before a letter or a digit (« 1...5 », « a...b »).
_TYPED_ELLIPSIS = re.compile(r"(?<![/.\\])(?:\\?\.){3}(?!\\?\.)"
                             r"(?=$|[\s)\]»\"'’,;:!?*]|\\[)\]\"'!?;:*]|&quot;|&#x27;)")
# A percent sign typed against its number (« 25% d'attributions », « soit 12,04%. »), as every figure
# prints it: « 25 % » (no-break); never in a URL's escape (« %20 »), a word or a code (« A4% »).
_TYPED_PERCENT = re.compile(r"(?<![\w/%.,])(\d+(?:,\d+)?)%(?![\w%])")
# Inline code (`…`) is left as typed.
_CODE_SPAN = re.compile(r"(`[^`]*`)")


def _ellipsis(m: re.Match) -> str:
    """« … » for a typed « ... », but in a word holding a slash (a path or a URL: « data/raw/... »,
    « https://x.fr/a... »)."""
    text = m.string
    start = max(text.rfind(c, 0, m.start()) for c in " \t\n\u00a0\u202f") + 1
    word = text[start:m.start()]
    return m.group(0) if "/" in word else "…"


def french_marks(value) -> str:
    """Team-typed text in French typography: straight quotes "…" as « … » with no-break spaces
    inside, an hour « 20h » / « 8h30 » as « 20 h » / « 8 h 30 » (no-break), three dots typed for
    an ellipsis as « … » (_TYPED_ELLIPSIS: not in a path, a URL or a number), a percent sign
    typed against its number « 25% » as « 25 % » (no-break, _TYPED_PERCENT). For display only
    (screen and PDF), never for stored data or exports; inline code untouched. None → ""."""
    def marks(part: str) -> str:
        part = _STRAIGHT_QUOTES.sub("«\u00a0\\1\u00a0»", part)
        if dots:
            part = _TYPED_ELLIPSIS.sub(_ellipsis, part)
        if "%" in part:
            part = _TYPED_PERCENT.sub("\\1\u00a0%", part)
        return _TYPED_HOUR.sub(lambda m: f"{m.group(1)}\u00a0h" + (f"\u00a0{m.group(2)}" if m.group(2) else ""),
                               part)
    text = _text(value)
    # Only a text that can hold one of the marks is searched (most hold none).
    dots = "..." in text or "\\.\\.\\." in text
    if '"' not in text and "&quot;" not in text and "h" not in text and "%" not in text and not dots:
        return text
    return "".join(part if k % 2 else marks(part) for k, part in enumerate(_CODE_SPAN.split(text)))


def screen_text(value) -> str:
    """Prose as shown on screen: `french_marks`, `french_spacing`, `no_break_dashes`,
    `no_break_format`, `no_break_signs` and `no_break_units` (ui.typography applies it to every
    text the app hands to Streamlit). Idempotent. None → ""."""
    return no_break_units(no_break_signs(no_break_format(no_break_dashes(french_spacing(
        french_marks(value))))))


# ── Qualifiers in brackets ─────────────────────────────────────────────────────────────────
_INNER_BRACKET = re.compile(r"\s*\(([^()]*)\)")


def _flat(text: str) -> str:
    """Brackets inside a qualifier become commas: « CA Val-de-Lorne (fictive), 2019 » →
    « CA Val-de-Lorne, fictive, 2019 »."""
    while True:
        out = _INNER_BRACKET.sub(lambda m: ", " + m.group(1).strip(), text)
        if out == text:
            break
        text = out
    return re.sub(r"\s*,(\s*,)+", ",", text).strip(" ,")


def _trailing_bracket(text: str) -> int | None:
    """Where the bracket that ends `text` opens (brackets inside it counted), None if none."""
    if not text.endswith(")"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return i if i > 0 else None
    return None


def qualified(name, *qualifiers) -> str:
    """A name with its qualifiers in one bracket, never two brackets side by side nor one inside
    another: ``qualified("Association Lorne Insertion (fictive)", "non signataire")`` →
    « Association Lorne Insertion (fictive, non signataire) »; ``qualified("France", "2019")`` →
    « France (2019) »; ``qualified("CA Val-de-Lorne (fictive)", "2019")`` → « CA Val-de-Lorne
    (fictive, 2019) ». Empty qualifiers are skipped, a repeated one is said once, and a bracket
    inside a qualifier becomes commas."""
    text = _text(name).strip()
    said: list[str] = []
    start = _trailing_bracket(text)
    if start is not None:
        text, said = text[:start].rstrip(), [_flat(text[start + 1:-1])]
    for q in qualifiers:
        q = _flat(_text(q))
        if q and q.casefold() not in (s.casefold() for s in said):
            said.append(q)
    said = [s for s in said if s]
    inside = f"({', '.join(said)})" if said else ""
    return " ".join(p for p in (text, inside) if p)
