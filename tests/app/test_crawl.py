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

from etl.db import open_snapshot
from indicators import territories

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
DEMO_CONTRACTS = ("demo", "grand-chalon", "chambery", "chartres-metropole")
# Widgets whose every option is visited (a year, a neighbourhood of the review page).
WALKED_WIDGETS = {"bilan": ("bilan_territory",), "logement": ("cia_year",),
                  "programmes": ("prog_year", "benef_year")}

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


def crawl(db: Path, contract: str, page: str, *, strict: bool) -> tuple[list[str], int]:
    """Run `page` for `contract` and every value the page lets a user choose; (problems, runs)."""
    codes, indicator_ids = _targets(db, contract)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    at.session_state["territoire"] = contract
    runs, found = 0, []

    def run(where: str) -> None:
        nonlocal runs
        at.run()
        runs += 1
        found.extend(problems(at, f"{page} [{contract}] {where}", strict=strict))

    if page == "portrait":
        for code in codes or [None]:
            at.session_state["qpv"] = code
            run(f"qpv={code}")
        return found, runs
    if page == "carte":
        for indicator_id in indicator_ids or ["poverty_rate_pct"]:
            at.session_state["indicateur"] = indicator_id
            run(f"indicateur={indicator_id}")
        if indicator_ids and at.radio(key="map_method") is not None:
            at.radio(key="map_method").set_value("jenks")
            run("classes=jenks")
        return found, runs
    run("")
    for key in WALKED_WIDGETS.get(page, ()):
        widgets = [w for w in at.selectbox if w.key == key]
        if not widgets:
            continue
        for i in range(len(widgets[0].options)):
            at.selectbox(key=key).select_index(i)
            run(f"{key}={at.selectbox(key=key).options[i]}")
    return found, runs


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("contract", DEMO_CONTRACTS)
def test_crawl_demo_database(demo_db, contract, page) -> None:
    started = time.perf_counter()
    found, runs = crawl(demo_db, contract, page, strict=True)
    print(f"crawl {page} [{contract}]: {runs} runs in {time.perf_counter() - started:.1f} s")
    assert not found, "\n".join(found)
