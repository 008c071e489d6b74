"""Conventions the codebase keeps (STYLE.md §5, §12): pure layers stay free of Streamlit."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE_PACKAGES = ("etl", "indicators")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(p for pkg in PURE_PACKAGES for p in (ROOT / pkg).rglob("*.py")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_pure_layers_do_not_import_streamlit(path: Path) -> None:
    assert "streamlit" not in _imports(path)


def test_registry_entries_are_complete() -> None:
    from indicators.registry import REGISTRY, THEMES
    ids = [i.id for i in REGISTRY]
    assert len(ids) == len(set(ids))
    for ind in REGISTRY:
        assert ind.label and ind.unit and ind.definition and ind.source, ind.id
        assert ind.theme in THEMES, ind.id
        assert ind.aggregation in {"sum", "ratio", "none"}, ind.id
        if ind.is_rate:
            assert ind.unit == "%" and ind.numerator and ind.denominator, ind.id
