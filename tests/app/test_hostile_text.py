"""Text from data is text on every page: a database built by the real ETL from programme template
files whose every free-text field (contract, territory and document names, sources, review and
qualitative texts, KPI labels and definitions, action titles, operators, themes, funders,
landlords, housing parties…) holds Markdown links and images, HTML tags, emphasis, headings,
Streamlit directives, bare URLs and LaTeX. Every page runs for every contract; every Markdown
body, label and help text Streamlit would render is rendered with markdown-it-py and must hold
no link, image, emphasis or heading taken from the data, and no pattern the frontend rewrites
(bare URLs, :icons:, :colour[…]). The same database feeds the PDF and SVG export tests.
"""
from __future__ import annotations

import csv
import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

import config
from etl.template import TABLES

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
CONTRACTS = ("grand-chalon", "chambery", "chartres-metropole")

# Every hostile form, appended to each free-text cell (after a heading mark at its start).
PAYLOADS = (
    "[lien](https://evil.example)", "![i](http://evil.example/x.png)",
    '<a href="https://evil.example/a">a</a>', '<img src="http://evil.example/y.png">',
    "**gras**", ":red[rouge]", "https://evil.example/b", "www.evil.example", "$x^2$",
    ":material/warning:", '<img src="/etc/hostname">',
)
# Template columns that are codes, keys or units (parsed, matched, validated), not free text.
NOT_FREE_TEXT = {"contract", "territory_code", "document_id", "action_id", "kpi_id", "epci_code",
                 "qpv_code", "url", "published_on", "indicator_id", "unit"}
FREE_TEXT = {c.name for t in TABLES for c in t.columns
             if c.type == "text" and not c.values} - NOT_FREE_TEXT


def hostile(value: str) -> str:
    return "# " + value + " " + " ".join(PAYLOADS)


def write_hostile_territories(out: Path) -> Path:
    """data/territories (the three real contracts, all template tables) with every non-empty
    free-text cell made hostile."""
    for folder in sorted(p for p in config.TERRITORIES_DIR.iterdir() if p.is_dir()):
        (out / folder.name).mkdir(parents=True, exist_ok=True)
        for path in sorted(folder.glob("*.csv")):
            with path.open(encoding="utf-8-sig", newline="") as fh:
                rows = list(csv.reader(fh, delimiter=";"))
            columns = [i for i, name in enumerate(rows[0]) if name in FREE_TEXT]
            for row in rows[1:]:
                for i in columns:
                    if i < len(row) and row[i].strip():
                        row[i] = hostile(row[i])
            with (out / folder.name / path.name).open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh, delimiter=";").writerows(rows)
    return out


@pytest.fixture(scope="session")
def hostile_db_path(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("hostile")
    raw = write_hostile_territories(tmp / "raw")
    db = tmp / "hostile.duckdb"
    done = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return db


@pytest.fixture
def hostile_db(hostile_db_path, monkeypatch) -> Path:
    monkeypatch.setattr(config, "DB_PATH", hostile_db_path)
    monkeypatch.setenv("QPV_DB_PATH", str(hostile_db_path))
    return hostile_db_path


def test_every_free_text_column_of_the_template_is_made_hostile(hostile_db_path) -> None:
    import duckdb
    con = duckdb.connect(str(hostile_db_path), read_only=True)
    checks = {
        "contracts": "contract_name", "territories": "territory_name", "documents": "title",
        "programme_actions": "operator", "kpi_definitions": "label",
        "qualitative_items": "text", "housing_objectives": "party_name",
    }
    for table, column in checks.items():
        values = [r[0] for r in con.execute(f"select {column} from {table} "
                                            f"where {column} like '%evil.example%' limit 1").fetchall()]
        assert values and values[0].startswith("# "), (table, column)
    con.close()


# ── What a rendered element may not contain ──────────────────────────────────────────────────
MD = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
TAG = re.compile(r"<[^>]*>")
FORBIDDEN_HTML = [re.compile(p, re.IGNORECASE) for p in (
    r"<a\s[^>]*href=[^>]*evil", r"<img", r"<strong>gras", r"<h[1-6]>", r"<script")]
# Rewritten by Streamlit's frontend in rendered text (autolinks, icons, colour directives).
FORBIDDEN_TEXT = [re.compile(p, re.IGNORECASE) for p in (
    r"https?://evil", r"www\.evil", r":red\[", r":material/warning:")]
UNESCAPED_DOLLAR = re.compile(r"(?<!\\)\$x")
MARKDOWN_FIELDS = ("body", "label", "help", "placeholder")


def _strings(message, out: list[str]) -> None:
    """Every Markdown string of a Streamlit proto (bodies, labels, help), nested ones included."""
    for field, value in message.ListFields():
        if field.type == field.TYPE_MESSAGE:
            for item in ([value] if hasattr(value, "ListFields") else value):
                _strings(item, out)
        elif field.name in MARKDOWN_FIELDS and isinstance(value, str):
            out.append(value)


def rendered_strings(at: AppTest) -> list[str]:
    out: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None and type(node).__name__ not in ("Dataframe", "Json", "Code", "Text",
                                                              "UnknownElement"):
            _strings(proto, out)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return out


def problems(body: str) -> list[str]:
    rendered = MD.render(body)
    text = html.unescape(TAG.sub("", rendered))
    found = [p.pattern for p in FORBIDDEN_HTML if p.search(rendered)]
    found += [p.pattern for p in FORBIDDEN_TEXT if p.search(text)]
    if UNESCAPED_DOLLAR.search(body):
        found.append("$…$")
    return found


def test_the_checks_catch_unescaped_data() -> None:
    """The checks themselves: each payload, unescaped, is caught."""
    assert all(problems(f"x {p}") for p in PAYLOADS)
    assert problems("# titre") == [r"<h[1-6]>"]


@pytest.mark.parametrize("contract", CONTRACTS)
@pytest.mark.parametrize("page", [*PAGES, "app"])
def test_no_page_renders_markup_from_data(hostile_db, page, contract) -> None:
    path = ROOT / ("app.py" if page == "app" else f"pages/{page}.py")
    at = AppTest.from_file(str(path), default_timeout=120)
    at.session_state["territoire"] = contract
    at.run()
    assert not at.exception, at.exception
    bodies = rendered_strings(at)
    bad = {body[:160]: problems(body) for body in bodies if problems(body)}
    assert bad == {}
    if page not in ("importer", "methode", "rapports", "comparer", "carte"):
        # The data is on the page (escaped), not left out.
        assert any("evil" in body for body in bodies), page
