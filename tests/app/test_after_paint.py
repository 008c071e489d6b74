"""Issue #15: what a page sends before its first figures (components.after_paint, base_style).

A browser's paint report is an st.html script clicking the fragment's hidden button: here the
click is AppTest's, the script's text is checked in the browser test
(tests/app/test_browser.py::test_figures_are_painted_before_the_charts_code_is_loaded)."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import components


def _page() -> None:
    import streamlit as st

    from ui import components

    @st.fragment
    def part() -> None:
        st.metric("Habitants", "1 650")
        if components.after_paint("essai"):
            st.markdown("Le graphique")

    part()


def _shown(at: AppTest) -> list[tuple]:
    """The main area, in order: (kind, what it shows)."""
    out = []

    def walk(node) -> None:
        for child in getattr(node, "children", {}).values():
            kind = type(child).__name__
            if kind == "Metric":
                out.append(("metric", child.label, child.value))
            elif kind == "Markdown":
                out.append(("markdown", child.value))
            elif kind == "Button":
                out.append(("button", child.key, child.label))
            elif kind == "Html":
                out.append(("html", "after_paint_essai" in child.proto.body,
                            "button.click()" in child.proto.body, child.proto.unsafe_allow_javascript))
            elif kind == "Block" and getattr(child.proto, "id", ""):
                out.append(("container", child.proto.id.split("-")[-1]))   # its key
            walk(child)

    walk(at.main)
    return out


def test_in_a_browser_what_follows_the_figures_comes_once_they_are_painted(monkeypatch) -> None:
    # AppTest sends no User-Agent: a browser's session, as its headers would say.
    monkeypatch.setattr(components, "runs_scripts_in_browser", lambda: True)
    at = AppTest.from_function(_page, default_timeout=60).run()
    assert not at.exception
    # First run: the figure, then the hidden button and the script that clicks it once painted.
    assert _shown(at) == [("metric", "Habitants", "1 650"), ("container", "after_paint_essai"),
                          ("button", "after_paint_essai.button", "Afficher la suite"),
                          ("html", True, True, True)]
    at.button(key="after_paint_essai.button").click().run()      # what the script does
    assert _shown(at) == [("metric", "Habitants", "1 650"), ("markdown", "Le graphique")]
    at.run()                    # any later run of the session: at once, no second report
    assert _shown(at) == [("metric", "Habitants", "1 650"), ("markdown", "Le graphique")]


def test_without_a_browser_everything_comes_in_the_first_run() -> None:
    at = AppTest.from_function(_page, default_timeout=60).run()
    assert not at.exception
    assert _shown(at) == [("metric", "Habitants", "1 650"), ("markdown", "Le graphique")]


def _styled(presentation: bool) -> None:
    import streamlit as st

    from ui import components, state
    st.session_state[state.PRESENTATION] = presentation
    components.base_style()
    st.title("Titre")


def test_the_css_comes_by_st_html_in_the_event_container_not_as_markdown() -> None:
    """st.markdown's HTML needs the front end's HTML parser (rehype-raw, 189 kB) before a page's
    first element; style-only st.html needs none and takes no room in the page."""
    for presentation, expected in ((False, [components._BASE_CSS.strip()]),
                                   (True, [components._BASE_CSS.strip(), components._PRESENTATION_CSS.strip()])):
        at = AppTest.from_function(_styled, args=(presentation,), default_timeout=60).run()
        assert not at.exception
        assert [m.value for m in at.markdown] == []
        assert [type(e).__name__ for e in at.main.children.values()] == ["Title"]
        event = at._tree.children[2]
        assert [h.proto.body for h in event.children.values()] == expected


def test_a_portrait_in_a_browser_sends_its_first_themes_figures_first(demo_db, monkeypatch) -> None:
    """The map's click opens a portrait: its first run sends the title and the first theme's
    figure cards; the other themes' cards come with the charts, once those are painted."""
    from tests.app.test_pages import run_page
    from ui import data
    monkeypatch.setattr(components, "runs_scripts_in_browser", lambda: True)
    at = run_page("portrait", territoire="demo", qpv="QN09901M")
    assert not at.exception
    themes = [block.theme.capitalize() for block in data.qpv_portrait("QN09901M").themes]
    first_labels = [pv.label for pv in data.qpv_portrait("QN09901M").themes[0].values]

    def cards(at) -> list[str]:
        return [m.value.strip("*") for m in at.markdown if m.value.startswith("**")]

    assert len(themes) >= 2
    assert [h.value for h in at.header] == themes[:1]
    title, first = [t.value for t in at.title], cards(at)
    assert len(first) == len(first_labels)
    assert at.get("plotly_chart") == []
    at.button(key="after_paint_portrait_after_figures.button").click().run()
    assert not at.exception
    assert [t.value for t in at.title] == title
    assert [h.value for h in at.header][:len(themes)] == themes
    every = cards(at)
    assert every[:len(first)] == first
    assert len(every) >= sum(len(b.values) for b in data.qpv_portrait("QN09901M").themes)
    assert len(at.get("plotly_chart")) > 0
