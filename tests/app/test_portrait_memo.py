"""The portrait's credits and gap series are memoised in front of Streamlit's cache (issue #15),
keyed by the database version and what the session sees: a database published by atomic rename
is read at the next run, never the previous one's answers."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
from streamlit.testing.v1 import AppTest

import config
from indicators.fmt import plain_spaces
from ui import auth


def _credits_and_gaps() -> None:
    import streamlit as st

    from ui import data
    credits = data.value_credits_many([[("QN09901N", "poverty_rate_pct", 2021)],
                                       [("QN09901N", "poverty_rate_pct", 2021), ("99001", "poverty_rate_pct", 2021)]])
    st.write(repr(sorted(credits.items())))
    series = data.gap_series_many("QN09901N", ["poverty_rate_pct"])["poverty_rate_pct"]
    st.write(repr(series[["year", "comparator_code", "comparator_value", "gap"]].to_dict("records")))


def _published_copy(small_db_path: Path, tmp_path: Path, monkeypatch) -> Path:
    """A copy of the small database as the app's published file, read by a visitor."""
    published = tmp_path / "qpv.duckdb"
    shutil.copy(small_db_path, published)
    monkeypatch.setattr(config, "DB_PATH", published)
    monkeypatch.setattr(auth, "peer_address", lambda: "203.0.113.7")     # a visitor
    monkeypatch.setattr(auth, "request_headers", lambda: {})
    return published


def _publish_edited(published: Path, *statements: str) -> None:
    """A new database published as the ETL does (a new file renamed over the old one)."""
    rebuilt = published.with_suffix(".duckdb.tmp")
    shutil.copy(published, rebuilt)
    con = duckdb.connect(str(rebuilt))
    for statement in statements:
        con.execute(statement)
    con.close()
    os.replace(rebuilt, published)


def test_a_new_database_is_read_at_the_next_run(small_db_path: Path, tmp_path: Path, monkeypatch) -> None:
    published = _published_copy(small_db_path, tmp_path, monkeypatch)
    at = AppTest.from_function(_credits_and_gaps, default_timeout=60).run()
    assert not at.exception
    credit = "Données fictives de démonstration (Statistiques QPV fictives, 2021)"
    assert [m.value for m in at.markdown] == [
        f"[((('QN09901N', 'poverty_rate_pct', 2021),), ['{credit}']), "
        f"((('QN09901N', 'poverty_rate_pct', 2021), ('99001', 'poverty_rate_pct', 2021)), ['{credit}'])]",
        "[{'year': 2021, 'comparator_code': '99001', 'comparator_value': 18.25, 'gap': 23.25}]"]
    first = [m.value for m in at.markdown]

    _publish_edited(published,
                    "update indicator_facts set value = 20.5 where territory_code = '99001'",
                    "update sources set title = 'Statistiques révisées' where source_id = 'src_demo'")
    at.run()
    assert not at.exception
    assert [m.value for m in at.markdown] == [
        first[0].replace("Statistiques QPV fictives", "Statistiques révisées"),
        "[{'year': 2021, 'comparator_code': '99001', 'comparator_value': 20.5, 'gap': 21.0}]"]


def _contract_names() -> None:
    import streamlit as st

    from ui import data
    st.text(repr((list(data.contracts()["contract_name"]), data.contracts() is data.contracts())))
    st.text(repr((list(data.contract_qpvs("demo")["qpv_name"]),
                  data.contract_qpvs("demo") is data.contract_qpvs("demo"))))


def test_the_contracts_are_shared_until_a_new_database_is_published(small_db_path: Path, tmp_path: Path,
                                                                    monkeypatch) -> None:
    """Issue #15: the contracts and a contract's QPVs (each read two to four times a run) are one
    frame for every call of a database version, read again from a database published by atomic
    rename."""
    published = _published_copy(small_db_path, tmp_path, monkeypatch)
    at = AppTest.from_function(_contract_names, default_timeout=60).run()
    assert not at.exception
    # st.text goes through the screen typography once ui.typography is installed (by any page
    # run before in the process): compared as read.
    names = [plain_spaces(t.value) for t in at.text]
    assert len(names) == 2 and names[0].endswith(", True)") and "Grand Chalon" in names[0]
    assert names[1] == "(['Les Tilleuls', 'Vieux Puits - Paradis - Maunoury'], True)"

    _publish_edited(published,
                    "update contracts set contract_name = 'Contrat de ville du Grand Chalon révisé' "
                    "where contract_slug = 'grand-chalon'",
                    "update territories set territory_name = 'Les Tilleuls Nord' where territory_code = 'QN09901N'")
    at.run()
    assert not at.exception
    assert [plain_spaces(t.value) for t in at.text] == [names[0].replace("Grand Chalon", "Grand Chalon révisé"),
                                          names[1].replace("Les Tilleuls", "Les Tilleuls Nord")]
