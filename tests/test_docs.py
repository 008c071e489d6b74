"""The documentation is kept honest by tests (Datasette's practice)."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_template_doc_is_generated_from_the_template() -> None:
    from etl.__main__ import template_doc
    assert (ROOT / "docs" / "programme-template.md").read_text(encoding="utf-8") == template_doc() + "\n", \
        "run: .venv/bin/python -m etl template-doc > docs/programme-template.md"


def test_readme_names_every_template_table() -> None:
    from etl.template import TABLES
    section = README.split("## The programme template", 1)[1].split("\n## ", 1)[0]
    assert [t.name for t in TABLES if f"`{t.name}`" not in section] == []


def test_readme_documents_the_public_view_columns() -> None:
    import duckdb
    from etl.db import create_empty
    con: duckdb.DuckDBPyConnection = create_empty()
    columns = [r[0] for r in con.execute("describe indicator_values").fetchall()]
    section = README.split("### The stable view `indicator_values`", 1)[1].split("\n## ", 1)[0]
    assert [c for c in columns if f"`{c}`" not in section] == []


def test_readme_commands_point_to_existing_files() -> None:
    for path in re.findall(r"`((?:etl|indicators|reports|pages|ui|tests|data|docs)/[\w./-]+\.(?:py|sql|md))`", README):
        assert (ROOT / path).exists(), path
