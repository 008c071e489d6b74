"""indicators.text: data shown as text in Markdown, HTML, plotly labels and link messages.

Escaped Markdown is rendered with markdown-it-py (CommonMark + GFM tables and strikethrough,
raw HTML allowed as with `unsafe_allow_html=True`): the output must be one paragraph holding
the original text. Streamlit's frontend also rewrites text after parsing (bare URLs and `www.`
into links, `:emoji:` shortcodes, `:material/icon:`); those patterns must not survive in the
rendered text.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from indicators.text import WORD_JOINER, html_text, md_text, plot_text, url_excerpt

MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

HOSTILE = [
    "[lien](https://evil.example)",
    "![i](http://evil.example/x.png)",
    "<a href=\"https://evil.example\">clic</a>",
    "<img src=\"http://evil.example/x.png\" onerror=alert(1)>",
    "<script>alert(1)</script>",
    "**gras** __gras__ *it* _it_ ~~barré~~ `code`",
    "# titre",
    "## Sous-titre",
    "> citation",
    "- élément",
    "+ élément",
    "1. premier",
    "| a | b |\n|---|---|\n| c | d |",
    "titre\n===",
    "ligne\n\n# titre après une ligne vide",
    "    code indenté",
    ":red[x] :blue-background[y] :rainbow[z]",
    ":material/warning: :smile: :+1:",
    "$x^2$ et $$\\int f$$",
    "https://evil.example www.evil.example WWW.EVIL.EXAMPLE mailto:a@evil.example a@evil.example",
    "<https://evil.example>",
    "[ref]: https://evil.example\n[ref]",
    "&lt;a href&gt; &amp; &#60;b&#62;",
    "\\*pas gras\\* \\",
    "<para><a href=\"https://evil.example\">x</a><img src=\"/etc/passwd\"/></para>",
    "Quartier « Les Tilleuls » – 12,5 % (2021) : 1\u202f650 habitants",
]

# What Streamlit's frontend rewrites in rendered text (autolink literals, emoji and icon
# shortcodes, colour directives): none may match once escaped.
FRONTEND_PATTERNS = [re.compile(p, re.IGNORECASE) for p in (
    r"https?://", r"mailto:\w", r"www\.", r"[\w.+-]+@[\w-]+\.\w", r":[\w+-]+:", r":[\w/-]+\[",
    r":material/")]


def _collapse(text: str) -> str:
    return re.sub(r"[ \t\r\n\f\v]+", " ", text).strip()


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_renders_as_one_paragraph_of_the_same_text(text: str) -> None:
    rendered = MD.render(md_text(text))
    assert rendered.startswith("<p>") and rendered.endswith("</p>\n")
    inner = rendered[3:-5]
    assert "<" not in inner          # no tag at all: every < of the data is &lt;
    assert html.unescape(inner).replace(WORD_JOINER, "") == _collapse(text)
    for pattern in FRONTEND_PATTERNS:
        assert not pattern.search(html.unescape(inner)), pattern


@pytest.mark.parametrize("text", HOSTILE)
def test_md_text_inside_our_markdown_stays_one_item(text: str) -> None:
    assert MD.render(f"**{md_text(text)}**") == \
        f"<p><strong>{html.escape(md_text_plain(text), quote=True)}</strong></p>\n"
    rendered = MD.render(f"- {md_text(text)}\n- fin")
    assert rendered.count("<li>") == 2 and "<a" not in rendered and "<img" not in rendered


def md_text_plain(text: str) -> str:
    """What md_text(text) reads as once rendered: the collapsed text with its word joiners."""
    return html.unescape(MD.render(md_text(text))[3:-5])


def test_md_text_exact_forms() -> None:
    assert md_text("[lien](https://evil.example)") == \
        "\\[lien\\]\\(https\\:\u2060//evil\\.example\\)"
    assert md_text(":red[x] $y$") == "\\:\u2060red\\[x\\] \\$y\\$"
    assert md_text("www.evil.example a@b.fr") == "www\u2060\\.evil\\.example a\\@\u2060b\\.fr"
    assert md_text("a\n\n# b") == "a \\# b"
    assert md_text("Aubépins") == "Aubépins"
    assert md_text(None) == "" and md_text(12.5) == "12\\.5"


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.data: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.data.append(data)


@pytest.mark.parametrize("text", HOSTILE)
def test_html_text_is_text_and_attribute_in_one_html_block(text: str) -> None:
    snippet = f'<div class="qpv-source" title="{html_text(text)}">{html_text(text)}</div>'
    assert "\n" not in snippet          # no line break: no blank line can end the HTML block
    parser = _Collector()
    parser.feed(snippet)
    shown = text.replace("\r\n", "\n").replace("\r", "\n")
    assert parser.tags == [("div", {"class": "qpv-source", "title": parser.tags[0][1]["title"]})]
    assert parser.tags[0][1]["title"].replace(WORD_JOINER, "") == shown
    assert "".join(parser.data).replace(WORD_JOINER, "") == shown
    # As Markdown the whole line is one HTML block: nothing of the data becomes Markdown.
    rendered = MD.render(snippet)
    assert rendered.rstrip("\n") == snippet


@pytest.mark.parametrize("text, expected", [
    ("<a href=\"https://evil.example\">x</a>", "&lt;a href=\"https://evil.example\"&gt;x&lt;/a&gt;"),
    ("<b>gras</b><br>R&D", "&lt;b&gt;gras&lt;/b&gt;&lt;br&gt;R&amp;D"),
    ("Vieux Puits - Paradis", "Vieux Puits - Paradis"),
    (None, ""),
])
def test_plot_text(text, expected) -> None:
    assert plot_text(text) == expected


@pytest.mark.parametrize("value, expected", [
    ("QN99999Z", "QN99999Z"),
    ("bonheur_pct", "bonheur\\_pct"),
    ("Votre compte est suspendu, appelez le 01 23 45 67 89", "Votre compte est suspend…"),
    ("[ici](https://evil.example)", "\\[ici\\]\\(https\\:\u2060//evil\\.examp…"),
    ("a\n\n# b", "a \\# b"),
    ("  x  ", "x"),
])
def test_url_excerpt_is_short_and_escaped(value: str, expected: str) -> None:
    assert url_excerpt(value) == expected


def test_french_spacing_keeps_quotes_and_colons_with_their_words():
    from indicators.text import french_spacing
    nb = "\u00a0"
    assert french_spacing("Source : Bilan — § « Une ambition renforcée » ; Encadré « X » !") == (
        f"Source{nb}: Bilan — § «{nb}Une ambition renforcée{nb}»{nb}; Encadré «{nb}X{nb}»{nb}!")
    # Already right, or nothing to do: unchanged; a colon inside a word or a time is not French
    # punctuation spacing.
    assert french_spacing(f"«{nb}X{nb}»") == f"«{nb}X{nb}»"
    assert french_spacing("http://x.fr 10:30 a;b") == "http://x.fr 10:30 a;b"
    assert french_spacing(None) == ""


def test_french_spacing_also_holds_markdown_escaped_and_closing_punctuation():
    # md_text escapes « : » and « ! » (a backslash, then a word joiner after « : »), and
    # Markdown may close around « ? »: the space before them is a no-break one all the same;
    # « :material/icon: » and a word after « : » are not French punctuation spacing.
    from indicators.text import french_spacing, md_text
    nb, wj = "\u00a0", "\u2060"
    assert french_spacing(md_text("Seuil : 13 224 ; ok !")) == f"Seuil{nb}\\:{wj} 13 224{nb}; ok{nb}\\!"
    assert french_spacing("**Pourquoi ?** (voir : [x])") == f"**Pourquoi{nb}?** (voir{nb}: [x])"
    assert french_spacing("Voir :material/info: ici") == "Voir :material/info: ici"
    assert french_spacing("| a | b |\n| :--- | ---: |") == "| a | b |\n| :--- | ---: |"


def test_screen_text_keeps_dashes_and_file_formats_with_the_word_before():
    from indicators.text import md_text, no_break_dashes, no_break_format, screen_text
    nb = "\u00a0"
    assert no_break_dashes("Bruxelles - Arcades - Béguines") == f"Bruxelles{nb}- Arcades{nb}- Béguines"
    assert no_break_dashes(md_text("Arcades - Béguines")) == f"Arcades{nb}\\- Béguines"
    assert no_break_dashes("Chalon – délégations — annexe") == f"Chalon{nb}– délégations{nb}— annexe"
    # A Markdown list's dash starts a line: no word before it.
    assert no_break_dashes("- un\n  - deux\nSaint-Aubin 2024-2030") == "- un\n  - deux\nSaint-Aubin 2024-2030"
    assert no_break_format("Télécharger (CSV) · Fiche (PDF) · carte (PNG), (SVG), (XLSX), (ZIP)") == (
        f"Télécharger{nb}(CSV) · Fiche{nb}(PDF) · carte{nb}(PNG),{nb}(SVG),{nb}(XLSX),{nb}(ZIP)")
    assert no_break_format("Télécharger (CSV des données)") == "Télécharger (CSV des données)"
    text = "Portrait : « Arcades - Béguines » (PDF) ?"
    assert screen_text(text) == f"Portrait{nb}: «{nb}Arcades{nb}- Béguines{nb}»{nb}(PDF){nb}?"
    assert screen_text(screen_text(text)) == screen_text(text)
    assert screen_text(None) == ""


def test_screen_text_keeps_unit_signs_with_the_word_before_and_section_signs_with_the_next():
    # Issue 11 (Chambéry's map at 390 px): « Télécharger « Taux de pauvreté (seuil à 60 %), en »
    # then « % » (CSV) » on the next line; a source line ending with « — § », its title below.
    from indicators.text import no_break_signs, screen_text
    nb = "\u00a0"
    assert no_break_signs("seuil à 60 %, en %  4 € pour 1 €, 2 ‰ ; 60% ; § « Titre » ; §12") == (
        f"seuil à 60{nb}%, en{nb}%  4{nb}€ pour 1{nb}€, 2{nb}‰ ; 60% ; §{nb}« Titre » ; §12")
    # Nothing before the sign (a line's start) and nothing after « § » (a line's end): unchanged.
    assert no_break_signs("% des ménages\nvoir §\n€") == "% des ménages\nvoir §\n€"
    text = "Télécharger « Taux de pauvreté (seuil à 60 %), en % » (CSV) — § « Une ambition »"
    assert screen_text(text) == (f"Télécharger «{nb}Taux de pauvreté (seuil à 60{nb}%), en{nb}%{nb}»"
                                 f"{nb}(CSV){nb}— §{nb}«{nb}Une ambition{nb}»")
    assert screen_text(screen_text(text)) == screen_text(text)
    assert no_break_signs(None) == ""


def test_qualifiers_go_into_one_bracket_never_a_bracket_inside_another():
    from indicators.text import qualified
    assert [qualified("Association Lorne Insertion (fictive)", "non signataire"),
            qualified("CA Val-de-Lorne (fictive)", 2019),
            qualified("France", 2019),
            qualified("Agglo (EPCI (faute d'unité urbaine))", "2019"),
            qualified("« Bilan 2025 »", "Bilan du mandat (auteur non indiqué)", "10 février 2026"),
            qualified("Taux de pauvreté (seuil à 60 %)", "%"),
            qualified("Lorne Habitat (fictif)", "fictif", None, ""),
            qualified("Sans qualificatif", None),
            qualified(None, "x")] == [
        "Association Lorne Insertion (fictive, non signataire)",
        "CA Val-de-Lorne (fictive, 2019)",
        "France (2019)",
        "Agglo (EPCI, faute d'unité urbaine, 2019)",
        "« Bilan 2025 » (Bilan du mandat, auteur non indiqué, 10 février 2026)",
        "Taux de pauvreté (seuil à 60 %, %)",
        "Lorne Habitat (fictif)",
        "Sans qualificatif",
        "(x)"]


def _md_text_char_by_char(value) -> str:
    import re
    from indicators.text import MD_SPECIAL
    out = []
    for ch in re.sub(r"[ \t\r\n\f\v]+", " ", "" if value is None else str(value)).strip(" "):
        out.append("\\" + ch if ch in MD_SPECIAL else ch)
        if ch in ":@":
            out.append(WORD_JOINER)
    return re.sub(r"(www)(?=\\?\.)", r"\1" + WORD_JOINER, "".join(out), flags=re.IGNORECASE)


def _html_text_char_by_char(value) -> str:
    import re
    text = html.escape("" if value is None else str(value), quote=True)
    text = re.sub(r"\r\n|\r|\n", "&#10;", text).replace("$", "&#36;")
    text = "".join(ch + WORD_JOINER if ch in ":@" else ch for ch in text)
    return re.sub(r"(www)(?=\\?\.)", r"\1" + WORD_JOINER, text, flags=re.IGNORECASE)


def test_md_and_html_text_escape_every_character_as_one_by_one() -> None:
    # Issue #15: one str.translate instead of a Python loop over the characters, the same text.
    samples = [None, "", 12.5, "Aubépins", "\\`*_{}[]()#+-.!|<>&~=:$^@", "  a\n\n# b \t",
               "www.evil.example a@b.fr WWW.x :red[x] $y$ :material/home:", "« Béguines » : 1 € ; 2 %",
               "\r\n<script>alert('x')</script>\"'", "".join(chr(c) for c in range(32, 400))]
    assert [md_text(v) for v in samples] == [_md_text_char_by_char(v) for v in samples]
    assert [html_text(v) for v in samples] == [_html_text_char_by_char(v) for v in samples]
    assert md_text("a:b@c") == "a\\:\u2060b\\@\u2060c" and html_text("a:b@c") == "a:\u2060b@\u2060c"
