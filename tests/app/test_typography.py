"""Screen typography (issue #11): French punctuation never starts a wrapped line, a separating
dash stays with the word before it, on every page of the demo, whatever wrote the text (static
prose, f-strings, data through md_text): ui/typography.py applies indicators.text.screen_text
where elements reach Streamlit."""
from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_crawl import DEMO_CONTRACTS, PAGES, ROOT, _texts

# An ordinary space (or tab) before « : ; ! ? » that end a word (Markdown-escaped or not; not the
# « :material/…: » of an icon), before a closing «», after an opening «, or before a dash
# separating two words (« Arcades - Béguines »), or before a download label's « (CSV) », or
# before a unit sign (« en % »), or after a section sign (« § « Titre » »).
BREAKABLE = re.compile(r"[ \t](\\?[;:!?])(?!\u2060?(?:[^\W_]|-))|[ \t]»|«[ \t]|(?<=\S)[ \t]\\?[-–—][ \t]"
                       r"|[ \t]\\?\((?:CSV|XLSX|PDF|PNG|SVG|ZIP)\\?\)|(?<=\S)[ \t][%‰€]|§[ \t]")
# Table cells are data, not prose; widget options, st.text and tab labels are shown as prose
# (their options through format_func, so that a widget still returns its option).
NOT_PROSE = {"table", "markdown"}
# The CSS, scripts and tags of a Markdown HTML block are not prose; the text between them is.
MARKUP = re.compile(r"<style\b.*?</style>|<script\b.*?</script>|<[^>]*>", re.DOTALL | re.IGNORECASE)


def prose(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) of the page's prose: texts (st.text included), messages, metrics, labels
    and options of widgets, expander and tab labels, help texts and placeholders."""
    out = [(kind, text) for kind, text in _texts(at) if kind not in NOT_PROSE]
    out += [("markdown", MARKUP.sub("", m.value) if m.proto.allow_html else m.value)
            for m in at.markdown]
    for kind in ("selectbox", "multiselect", "radio", "number_input", "text_input", "checkbox",
                 "toggle", "button", "slider", "select_slider", "date_input", "text_area"):
        for w in getattr(at, kind):
            out += [(f"{kind}.{attr}", str(getattr(w, attr))) for attr in ("label", "help", "placeholder")
                    if getattr(w, attr, None)]
    out += [("expander", str(e.label)) for e in at.expander]
    out += [("tab", str(t.label)) for t in at.tabs]
    out += [("select_slider.option", str(o)) for w in at.select_slider for o in w.options]
    out += [("radio.caption", str(c)) for w in at.radio for c in w.proto.captions]
    out += [("download_button", f"{b.proto.label} {b.proto.help}") for b in at.get("download_button")]
    out += [("markdown.help", str(m.help)) for m in at.markdown if getattr(m, "help", None)]
    out += [(f"{kind}.help", str(e.proto.help)) for kind in ("caption", "metric", "subheader", "title")
            for e in getattr(at, kind) if getattr(e.proto, "help", "")]
    return out


def breakable(at: AppTest, where: str) -> list[str]:
    return [f"{where} {kind}: {m.group(0)!r} in {text[max(0, m.start() - 40):m.end() + 40]!r}"
            for kind, text in prose(at) for m in BREAKABLE.finditer(text)]


@pytest.mark.parametrize("page", PAGES)
def test_no_french_punctuation_can_start_a_line(demo_db, page) -> None:
    found = []
    for contract in DEMO_CONTRACTS:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
        at.session_state["territoire"] = contract
        at.run()
        assert not at.exception, at.exception
        found += breakable(at, f"{page} [{contract}]")
    assert found == []


def test_typography_touches_prose_fields_only() -> None:
    from streamlit.proto.Block_pb2 import Block
    from streamlit.proto.Element_pb2 import Element

    from ui import typography
    nb = "\u00a0"
    element = Element()
    element.markdown.body = '<style>a:hover{content:" : "}</style><div title="x : y">Note : « A - B »</div>'
    element.markdown.allow_html = True
    typography.french_element("markdown", element.markdown)
    assert element.markdown.body == (f'<style>a:hover{{content:" : "}}</style><div title="x : y">'
                                     f'Note{nb}: «{nb}A{nb}- B{nb}»</div>')
    element.markdown.body, element.markdown.allow_html = "Seuil : S ; « x »", False
    element.markdown.help = "Aide : oui"
    typography.french_element("markdown", element.markdown)
    assert (element.markdown.body, element.markdown.help) == (f"Seuil{nb}: S{nb}; «{nb}x{nb}»", f"Aide{nb}: oui")
    element.markdown.body, element.markdown.element_type = "x = a ? b : c", element.markdown.Type.Value("CODE")
    typography.french_element("markdown", element.markdown)
    assert element.markdown.body == "x = a ? b : c"
    element.code.code_text = "a ? b : c"
    typography.french_element("code", element.code)
    assert element.code.code_text == "a ? b : c"
    element.selectbox.label, element.selectbox.help = "Quartier :", "Choisir : un QPV"
    element.selectbox.options[:] = ["Arcades - Béguines"]
    typography.french_element("selectbox", element.selectbox)
    assert (element.selectbox.label, element.selectbox.help, list(element.selectbox.options)) == (
        f"Quartier{nb}:", f"Choisir{nb}: un QPV", ["Arcades - Béguines"])
    element.download_button.label = "Télécharger « Projets » (CSV)"
    typography.french_element("download_button", element.download_button)
    assert element.download_button.label == f"Télécharger «{nb}Projets{nb}»{nb}(CSV)"
    element.html.body = "<p>a : b</p>"
    typography.french_element("html", element.html)
    assert element.html.body == "<p>a : b</p>"
    block = Block()
    block.expandable.label = "Emploi — 1 dispositif : détail"
    typography.french_block(block)
    assert block.expandable.label == f"Emploi{nb}— 1 dispositif{nb}: détail"


def _option_widgets_script() -> None:
    """A page with every kind of option widget, tabs, st.text and radio captions, built from
    option objects that are not strings (their label is format_func's)."""
    import dataclasses

    import streamlit as st

    from ui import typography
    typography.install()

    @dataclasses.dataclass(frozen=True)
    class Quartier:
        code: str
        name: str

    quartiers = [Quartier("QN001", "Arcades - Béguines"), Quartier("QN002", "Centre : gare")]
    shown = st.selectbox("Quartier", quartiers, format_func=lambda q: f"{q.name} ({q.code})",
                         key="qpv")
    st.query_params["qpv"] = shown.code
    years = st.radio("Année", [2023, 2024], format_func=lambda y: f"Données {y} : Insee",
                     captions=["Recensement : 2020", "Filosofi ; 2021"], key="year")
    themes = st.multiselect("Thèmes", ["Emploi : jeunes", "Santé ! accès"], default=["Santé ! accès"],
                            key="themes")
    level = st.select_slider("Seuil", options=["bas : 1", "haut : 2"], key="level")
    one, many = st.tabs(["Une adresse : saisie", "Un fichier ; import"])
    with one:
        st.text("Fichier : demo.csv, ligne 3 ; colonne 2")
    # Stateful tabs: the label is the widget's value, left whole.
    st.tabs(["Carte : quartiers", "Liste"], key="mode", on_change="rerun")
    st.session_state["returned"] = (shown, type(shown).__name__, years, themes, level)


def test_options_tabs_and_text_are_screen_text_and_widgets_return_their_options() -> None:
    nb = "\u00a0"
    at = AppTest.from_function(_option_widgets_script, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    shown = ([list(at.selectbox[0].options), list(at.radio[0].options), list(at.multiselect[0].options),
              list(at.select_slider[0].options), [t.label for t in at.tabs], [t.value for t in at.text],
              list(at.radio[0].proto.captions)])
    assert shown == [
        [f"Arcades{nb}- Béguines (QN001)", f"Centre{nb}: gare (QN002)"],
        [f"Données 2023{nb}: Insee", f"Données 2024{nb}: Insee"],
        [f"Emploi{nb}: jeunes", f"Santé{nb}! accès"],
        [f"bas{nb}: 1", f"haut{nb}: 2"],
        [f"Une adresse{nb}: saisie", f"Un fichier{nb}; import", "Carte : quartiers", "Liste"],
        [f"Fichier{nb}: demo.csv, ligne 3{nb}; colonne 2"],
        [f"Recensement{nb}: 2020", f"Filosofi{nb}; 2021"]]
    first = at.session_state["returned"]
    assert (first[0].code, first[1:]) == ("QN001", ("Quartier", 2023, ["Santé ! accès"], "bas : 1"))
    # Choosing by the original option (a script, session state) or by the label shown (the
    # browser) returns the original objects, and what they feed (query params) keeps working.
    at.selectbox[0].select(first[0].__class__("QN002", "Centre : gare")).run()
    at.radio[0].set_value(2024).run()
    at.multiselect[0].select(f"Emploi{nb}: jeunes").run()
    at.select_slider[0].set_value("haut : 2").run()
    assert not at.exception, at.exception
    chosen = at.session_state["returned"]
    assert (chosen[0].code, chosen[1:]) == (
        "QN002", ("Quartier", 2024, ["Santé ! accès", "Emploi : jeunes"], "haut : 2"))
    assert (at.query_params["qpv"], at.session_state["qpv"].code, at.session_state["year"],
            at.session_state["themes"], at.session_state["level"]) == (
        "QN002", "QN002", 2024, ["Santé ! accès", "Emploi : jeunes"], "haut : 2")
    # A value the script puts in session state is still found among the options.
    at.session_state["year"] = 2023
    at.run()
    assert (at.radio[0].index, at.session_state["returned"][2]) == (0, 2023)


def test_a_text_handed_again_is_not_worked_out_again(monkeypatch) -> None:
    """Issue #15: a page hands Streamlit the same texts at every rerun; each prose text and HTML
    block is worked out once, and the same text gives the same answer."""
    from streamlit.proto.Element_pb2 import Element

    from ui import typography
    calls = []
    real = typography.screen_text
    monkeypatch.setattr(typography, "screen_text", lambda text: calls.append(text) or real(text))
    nb = "\u00a0"
    shown = []
    for _ in range(3):
        element = Element()
        element.markdown.body = "Rang du quartier n° 417 : « 3e sur 21 »"
        element.markdown.help = "Classement n° 417 : du plus élevé au plus bas"
        typography.french_element("markdown", element.markdown)
        html = Element()
        html.markdown.body, html.markdown.allow_html = '<div class="x : y">Source n° 417 : « Insee »</div>', True
        typography.french_element("markdown", html.markdown)
        shown.append((element.markdown.body, element.markdown.help, html.markdown.body))
    assert shown == [(f"Rang du quartier n° 417{nb}: «{nb}3e sur 21{nb}»",
                      f"Classement n° 417{nb}: du plus élevé au plus bas",
                      f'<div class="x : y">Source n° 417{nb}: «{nb}Insee{nb}»</div>')] * 3
    assert sorted(calls) == sorted(["Rang du quartier n° 417 : « 3e sur 21 »",
                                    "Classement n° 417 : du plus élevé au plus bas",
                                    "", "Source n° 417 : « Insee »", ""])
