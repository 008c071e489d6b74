"""The selection is worked out once per script run (issue #15: `app.py` resolved it, then the
page again): a second call in the same run gives the same selection, its link errors already
reported; a changed session or link is resolved again."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import data


def _twice() -> None:
    import streamlit as st

    from ui import state
    first = state.resolve()
    state.write_url()
    second = state.resolve()
    if st.session_state.get("pick"):
        st.session_state[state.TERRITOIRE] = st.session_state["pick"]
    third = state.resolve()
    for selection in (first, second, third):
        st.text(repr((selection.contract_slug, selection.qpv_code, selection.indicator_id,
                      [e[:40] for e in selection.errors])))


def test_a_second_resolve_in_the_same_run_reuses_the_first(small_db, monkeypatch) -> None:
    asked = []
    real = data.contract_qpvs
    monkeypatch.setattr(data, "contract_qpvs", lambda slug: asked.append(slug) or real(slug))
    at = AppTest.from_function(_twice, default_timeout=60)
    at.query_params["qpv"] = "QN09999X"                       # a broken link: reported once
    at.run()
    assert not at.exception
    message = "Code de quartier inconnu dans le lien (p"
    assert [t.value for t in at.text] == [
        f"('grand-chalon', 'QN07101I', 'poverty_rate_pct', ['{message}'])",
        "('grand-chalon', 'QN07101I', 'poverty_rate_pct', [])",
        "('grand-chalon', 'QN07101I', 'poverty_rate_pct', [])"]
    assert asked == ["grand-chalon"]

    asked.clear()
    at.session_state["pick"] = "demo"                         # the session changes mid-run
    at.run()
    assert not at.exception
    assert [t.value for t in at.text] == [
        "('grand-chalon', 'QN07101I', 'poverty_rate_pct', [])",
        "('grand-chalon', 'QN07101I', 'poverty_rate_pct', [])",
        "('demo', 'QN09901N', 'poverty_rate_pct', [])"]
    assert asked == ["grand-chalon", "demo"]                   # the next run, then the change
