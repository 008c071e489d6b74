"""No developer word reaches a user: the texts the pages display name no table, column, file or
module (those belong in the method page's « Pour les techniciens » section)."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOWN = {"caption", "markdown", "info", "warning", "error", "success", "empty_note", "header",
         "subheader", "metric", "title", "write", "text", "toast", "source_line", "page_header"}
DEV_WORDS = re.compile(r"\b(?:kpi|cia|housing|programme|indicator|review)_[a-z_]+\b|"
                       r"\b[\w/]+\.(?:py|duckdb|sql)\b|\btables? [a-z]+_[a-z_]+|\(table [a-z_]+\)")


def _shown_strings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", ""))
            if name in SHOWN:
                for arg in node.args[:1]:
                    out += [n.value for n in ast.walk(arg)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        if isinstance(node, ast.Assign) and any(getattr(t, "id", "").endswith("_SOURCE") or
                                                getattr(t, "id", "") == "funding_source"
                                                for t in node.targets):
            out += [n.value for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return out


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_show_no_developer_words(path: Path) -> None:
    texts = _shown_strings(path)
    if path.name == "methode.py":      # its technicians' section is the one place allowed
        texts = [t for t in texts if "Base de données lue par" not in t]
    assert [t for t in texts if DEV_WORDS.search(t)] == []


def test_developer_words_are_on_the_method_page() -> None:
    from ui import views
    notes = " ".join(views.TECHNICAL_NOTES)
    for word in ("indicators/registry.py", "kpi_definitions", "kpi_values", "funding",
                 "review_need", "headline_order"):
        assert word in notes
    assert "Pour les techniciens" in (ROOT / "pages" / "methode.py").read_text(encoding="utf-8")


def test_multiselects_have_a_french_placeholder() -> None:
    """Streamlit's own « Choose options » never shows: every multiselect sets its placeholder."""
    missing = []
    for path in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "multiselect" \
                    and not any(kw.arg == "placeholder" for kw in node.keywords):
                missing.append(f"{path.name}:{node.lineno}")
    assert missing == []


def test_the_file_uploader_speaks_french() -> None:
    """Checked in Chromium: these selectors replace Streamlit's « Upload » and « 200MB per
    file • … » (no parameter sets them in Streamlit 1.67)."""
    from ui import components
    assert components.file_uploader_css("Choisir des fichiers", 'Au plus 200 Mio "x"') == (
        '<style>[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p'
        '{font-size:0 !important;}'
        '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] p::after'
        '{content:"Choisir des fichiers";font-size:.9rem;}'
        # It wraps: at 390 px the last words were cut (issue 11, Chambéry, Importer des fichiers).
        '[data-testid="stFileUploaderDropzoneInstructions"] span{font-size:0 !important;white-space:normal !important;}'
        '[data-testid="stFileUploaderDropzoneInstructions"] span::after'
        '{content:"Au plus 200 Mio \\"x\\"";font-size:.8rem;}</style>')
    source = (ROOT / "pages" / "importer.py").read_text(encoding="utf-8")
    assert source.index("components.french_file_uploader(") < source.index("st.file_uploader(")


def test_an_empty_table_is_a_french_note_not_streamlits_empty() -> None:
    # An empty st.dataframe reads « empty » (issue 11, Chartres, Programmes et financements, CPO).
    from streamlit.testing.v1 import AppTest

    def page() -> None:
        import pandas as pd

        from ui import components
        components.dataframe_or_note(pd.DataFrame({"Année": []}), "Aucune ligne.", key="none")
        components.dataframe_or_note(pd.DataFrame({"Année": ["2024"]}), "Aucune ligne.", key="one")

    at = AppTest.from_function(page).run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["Aucune ligne."]
    assert [d.value.values.tolist() for d in at.dataframe] == [[["2024"]]]
