"""Page crawl: every page, for every contract, every QPV, every map indicator and every selectable
year, run with AppTest on the demo database (ETL output) and on a database built from hostile
files. A run fails on an exception; on the demo database also on an English error message or on
"nan", "None", "<NA>" or "Traceback" in the text shown.

Parametrized per contract × page so a failure names its place; the QPVs, indicators and years are
walked inside one AppTest session (each change reruns the page, as a click would).
"""
from __future__ import annotations

import re
import time
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import config
from etl.db import open_snapshot
from indicators import territories

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
DEMO_CONTRACTS = ("demo", "grand-chalon", "chambery", "chartres-metropole")
# Widgets whose every option is visited (a year, a neighbourhood of the review page).
WALKED_WIDGETS = {"bilan": ("bilan_territory",), "logement": ("cia_year", "cia_party"),
                  "programmes": ("prog_year", "benef_year", "benef_by"),
                  "comparer": ("cmp_theme", "cmp_vintage"), "droit_commun": ("dc_year",)}

MISSING_WORDS = re.compile(r"\b(nan|NaN|None|NaT)\b|<NA>|Traceback")
ENGLISH = re.compile(r"\b(the|error|failed|not found|invalid|exception|cannot|could not|unable"
                     r"|no such|must be|expected)\b", re.IGNORECASE)


def _texts(at: AppTest) -> list[tuple[str, str]]:
    """(kind, text) of everything the page shows: texts, messages, metrics, widget labels and
    options, string cells of tables."""
    out: list[tuple[str, str]] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "error", "warning",
                 "info", "success", "latex", "code"):
        out += [(kind, str(e.value)) for e in getattr(at, kind)]
    out += [("metric", f"{m.label} {m.value} {m.delta or ''}") for m in at.metric]
    for kind in ("selectbox", "multiselect", "radio"):
        for w in getattr(at, kind):
            out.append((kind, str(w.label)))
            out += [(kind, str(o)) for o in w.options]
    out += [("button", str(b.label)) for b in at.button]
    for df in at.dataframe:
        frame: pd.DataFrame = df.value
        out += [("table", str(c)) for c in frame.columns]
        for column in frame.columns:
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                out += [("table", v) for v in frame[column].dropna() if isinstance(v, str)]
    return out


def problems(at: AppTest, where: str, *, strict: bool) -> list[str]:
    """What is wrong with one run: exceptions always; with `strict`, missing-value words and
    English messages in the shown text."""
    found = [f"{where}: exception {e.message}" for e in at.exception]
    for kind, text in _texts(at):
        if "Traceback" in text:
            found.append(f"{where}: traceback in {kind}: {text[:200]!r}")
        elif strict and MISSING_WORDS.search(text):
            found.append(f"{where}: « {MISSING_WORDS.search(text).group(0)} » in {kind}: {text[:200]!r}")
        if strict and kind in ("error", "warning") and ENGLISH.search(text):
            found.append(f"{where}: English {kind}: {text[:200]!r}")
    return found


def _targets(db: Path, contract: str) -> tuple[list[str], list[str]]:
    """(QPV codes of the contract, indicator ids with values) read from the database."""
    con = open_snapshot(db)
    try:
        codes = [str(c) for c in territories.contract_qpvs(con, contract)["qpv_code"]]
        ids = [r[0] for r in con.execute(
            "select distinct indicator_id from indicator_facts order by indicator_id").fetchall()]
    finally:
        con.close()
    return codes, ids


def _choose(widget, index: int) -> str:
    """Select the option shown at `index`, as the browser does (it sends the shown label).
    AppTest 1.67's select_index passes that label through the widget's format_func again, which
    fails for a format_func such as `lambda v: f"QPV {v}"`."""
    class Chosen(type(widget)):
        index = property(lambda self: index_)
    index_ = index
    widget.__class__ = Chosen
    return widget.options[index]


def crawl(db: Path, contract: str, page: str, *, strict: bool) -> tuple[list[str], int]:
    """Run `page` for `contract` and every value the page lets a user choose; (problems, runs)."""
    codes, indicator_ids = _targets(db, contract)
    runs, found = 0, []

    def fresh() -> AppTest:
        at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
        at.session_state["territoire"] = contract
        return at

    def run(at: AppTest, where: str) -> None:
        nonlocal runs
        at.run()
        runs += 1
        found.extend(problems(at, f"{page} [{contract}] {where}", strict=strict))

    at = fresh()
    if page == "portrait":
        for code in codes or [None]:
            at.session_state["qpv"] = code
            run(at, f"qpv={code}")
        return found, runs
    if page == "carte":
        for indicator_id in indicator_ids or ["poverty_rate_pct"]:
            at.session_state["indicateur"] = indicator_id
            run(at, f"indicateur={indicator_id}")
        if indicator_ids and any(r.key == "map_method" for r in at.radio):
            at.radio(key="map_method").set_value("jenks")
            run(at, "classes=jenks")
        return found, runs
    run(at, "")
    for key in WALKED_WIDGETS.get(page, ()):
        # One session per widget, the others at their defaults.
        at = fresh()
        run(at, "")
        if not [w for w in at.selectbox if w.key == key]:
            continue
        for i in range(len(at.selectbox(key=key).options)):
            label = _choose(at.selectbox(key=key), i)
            run(at, f"{key}={label}")
    return found, runs


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("contract", DEMO_CONTRACTS)
def test_crawl_demo_database(demo_db, contract, page) -> None:
    started = time.perf_counter()
    found, runs = crawl(demo_db, contract, page, strict=True)
    print(f"crawl {page} [{contract}]: {runs} runs in {time.perf_counter() - started:.1f} s")
    assert not found, "\n".join(found)


# ── A database built from hostile files ─────────────────────────────────────────────────────
MARKDOWN = ("**gras** _x_ [lien](javascript:alert(1)) <script>alert('x')</script> <b>HTML</b> "
            "# titre `code` $x^2$ | a | b | {{x}} %s {0}")
LONG = "Quartier au nom très long é🏘️ " * 25
# The build refuses C0/C1 control characters in a file (tests/etl_build/test_text_keys.py) and
# removes zero-width ones: the files carry what it accepts, and the control characters are put in
# the built database afterwards, as a database built before that rule would hold them.
CONTROL = "Nom avec contrôle\u202e inversé\u200b et fin"
RAW_CONTROL = "Nom\x07avec\x1b[31m contrôle\u202e inversé et\x0bfin"


def write_hostile_files(folder: Path) -> Path:
    """Programme-template files with hostile labels: a contract whose QPVs carry Markdown/HTML,
    very long and control-character names, withheld published values, one QPV without any value,
    and a contract with no QPV at all. Uses the demo's communes (load it with the demo)."""
    folder.mkdir(parents=True, exist_ok=True)
    q = lambda s: '"' + s.replace('"', '""') + '"'   # noqa: E731  (CSV quoting)
    files = {
        "contracts.csv": ["contract;contract_name;epci_code;period_label;start_year;end_year;is_fictional",
                          f"hostile;{q(MARKDOWN)};999000001;{q(CONTROL)};2024;2030;oui",
                          f"sans-qpv;{q(LONG)};;;;;oui"],
        "territories.csv": [
            "contract;territory_code;territory_level;territory_name;parent_codes;geography_vintage;"
            "population;population_year;in_contract;note;document_id;source_ref",
            f"hostile;QN09911M;qpv;{q(MARKDOWN)};99001;2024;;;oui;{q(CONTROL)};doc-h;{q(MARKDOWN)}",
            f"hostile;QN09912M;qpv;{q(LONG)};99002;2024;;;oui;;;",
            f"hostile;QN09913M;qpv;{q(CONTROL)};99001,99002;2024;100;2020;oui;{q(LONG)};doc-h;"],
        "documents.csv": ["contract;document_id;title;producer;published_on;url;licence",
                          f"hostile;doc-h;{q(MARKDOWN)};{q(CONTROL)};2024;javascript:alert(1);{q(LONG)}"],
        "published_values.csv": [
            "contract;territory_code;territory_level;indicator_id;year;value;numerator;denominator;"
            "status;source_note;document_id;source_ref",
            f"hostile;QN09911M;qpv;poverty_rate_pct;2021;;;;secret;{q(MARKDOWN)};doc-h;{q(CONTROL)}",
            f"hostile;QN09911M;qpv;population_count;2020;;;;secret;{q(LONG)};doc-h;{q(MARKDOWN)}",
            f"hostile;QN09913M;qpv;poverty_rate_pct;2021;;;;missing;;doc-h;",
            f"hostile;QN09913M;qpv;population_count;2020;100;;;ok;{q(CONTROL)};doc-h;{q(LONG)}"],
        "qualitative.csv": [
            "contract;territory_code;item_type;theme;position;text;document_id;source_ref",
            *[f"hostile;{code};{kind};{q(MARKDOWN)};1;{q(text)};doc-h;{q(CONTROL)}"
              for code in ("QN09911M", "QN09912M", "")
              for kind, text in (("review_need", MARKDOWN), ("review_done", LONG),
                                 ("review_changed", CONTROL), ("priority_issue", MARKDOWN))]],
        "kpi_definitions.csv": [
            "contract;kpi_id;label;unit;theme;cumulation;higher_is_better;definition",
            f"hostile;k_md;{q(MARKDOWN)};{q(CONTROL)};{q(LONG)};sum;oui;{q(MARKDOWN)}"],
        "kpi_values.csv": [
            "contract;kpi_id;territory_code;year;period_label;value;target;qualifier;status;"
            "is_published;document_id;source_ref",
            f"hostile;k_md;;2024;{q(MARKDOWN)};;10;{q(CONTROL)};secret;oui;doc-h;{q(LONG)}",
            f"hostile;k_md;QN09911M;2025;;;;;missing;oui;doc-h;"],
    }
    for name, lines in files.items():
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


HOSTILE_CONTRACTS = ("hostile", "sans-qpv", "demo")


@pytest.fixture(scope="session")
def hostile_db_path(demo_db_path, tmp_path_factory) -> Path:
    """The ETL build of the demo, the seeds and the hostile files; then, in the built file, every
    indicator value and KPI value withheld (secret statistique everywhere)."""
    import duckdb

    from tests.app.conftest import _run
    tmp = tmp_path_factory.mktemp("hostile")
    hostile = write_hostile_files(tmp / "hostile")
    db = tmp / "qpv.duckdb"
    log = tmp / "etl.log"
    build = ["-m", "etl", "build", "--raw", str(demo_db_path.parent / "raw_demo"),
             "--raw", str(ROOT / "data" / "territories"), "--raw", str(hostile), "--db", str(db)]
    assert _run(build, log).returncode == 0, log.read_text()[-2000:]
    con = duckdb.connect(str(db))
    con.execute("update indicator_facts set value = null, numerator = null, denominator = null,"
                " status = 'secret'")
    con.execute("update kpi_values set value = null, status = 'secret'")
    con.execute("update territories set territory_name = ? where territory_code = 'QN09913M'",
                [RAW_CONTROL])
    con.execute("update qualitative_items set text = ? where item_type = 'review_changed'", [RAW_CONTROL])
    con.close()
    return db


@pytest.fixture
def hostile_db(hostile_db_path, monkeypatch) -> Path:
    monkeypatch.setattr(config, "DB_PATH", hostile_db_path)
    monkeypatch.setenv("QPV_DB_PATH", str(hostile_db_path))
    return hostile_db_path


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("contract", HOSTILE_CONTRACTS)
def test_crawl_hostile_database(hostile_db, contract, page) -> None:
    # Escaping of Markdown is checked elsewhere: here only no exception and no traceback.
    started = time.perf_counter()
    found, runs = crawl(hostile_db, contract, page, strict=False)
    print(f"crawl hostile {page} [{contract}]: {runs} runs in {time.perf_counter() - started:.1f} s")
    assert not found, "\n".join(found)
