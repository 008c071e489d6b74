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
