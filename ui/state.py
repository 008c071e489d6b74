"""The selection shared by every page (territory, QPV, indicator), mirrored to the URL.

Session-state keys are the URL parameter names: `territoire` (a contract slug), `qpv` (a QPV
code), `indicateur` (an indicator id), plus `presentation` ("1" hides the chrome).

`resolve()` runs at the top of every run (in `app.py`, and in a page run alone under AppTest):
- a URL parameter that differs from what this session last wrote to the URL is a new link:
  it is adopted when valid, and reported (French message) when not;
- a QPV from a link selects its contract;
- missing or stale values fall back to defaults (`default_contract`: a real contract, the demo
  only when alone; its first QPV; the poverty rate), so every page also runs alone.
`write_url()` then writes the selection back to `st.query_params` (Streamlit clears them when
the user changes page), so the address bar always holds a link that can be sent. A broken link
is kept in the address bar as it was typed (beside its French message) until the user picks
something else: the fallback selection never rewrites it.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd
import streamlit as st

import config
from indicators.text import url_excerpt
from ui import auth, data

TERRITOIRE, QPV, INDICATEUR, PRESENTATION = "territoire", "qpv", "indicateur", "presentation"
URL_KEYS = (TERRITOIRE, QPV, INDICATEUR)
_SYNCED = "_url_synced"          # what this session last wrote to the URL
_ERRORS = "_link_errors"
_BROKEN = "_broken_link"         # the selection a broken link fell back to (URL left alone)
DEFAULT_INDICATOR = "poverty_rate_pct"


@dataclass(frozen=True)
class Selection:
    contract_slug: str
    contract_name: str
    is_fictional: bool
    period_label: str | None
    qpv_code: str | None
    qpv_name: str | None
    indicator_id: str
    errors: tuple[str, ...] = field(default_factory=tuple)


def _adopt(key: str, synced: dict) -> str | None:
    """The URL value of `key` when it is a new link (not what this session wrote), else None."""
    value = st.query_params.get(key)
    if value is None or value == synced.get(key):
        return None
    return value.strip()


# What each URL parameter holds, and what a valid value looks like, for the link error message.
_CODE_KINDS = {
    TERRITOIRE: ("de territoire", "un identifiant de territoire ressemble à grand-chalon"),
    QPV: ("de quartier", "un code QPV ressemble à QN07101I ou QP071001"),
    INDICATEUR: ("d'indicateur", "un code d'indicateur ressemble à poverty_rate_pct"),
}


def unknown_code_message(key: str, value: str) -> str:
    """The message for an unknown code in a link: the parameter's value is not trusted text, so
    only a short escaped excerpt is quoted (indicators.text.url_excerpt), inside a sentence
    that says it is an unknown code (a crafted link cannot make it read as our own message)."""
    kind, example = _CODE_KINDS[key]
    return (f"Code {kind} inconnu dans le lien (paramètre « {key} ») : « {url_excerpt(value)} ». "
            f"Ce code n'existe pas dans la base de données ; {example}.")


def default_contract(contracts) -> str:
    """config.DEFAULT_CONTRACT when present, else the first real contract, else the first one."""
    slugs = list(contracts["contract_slug"])
    if config.DEFAULT_CONTRACT in slugs:
        return config.DEFAULT_CONTRACT
    real = [s for s, fictional in zip(slugs, contracts["is_fictional"]) if not bool(fictional)]
    return (real or slugs)[0]


_RESOLVED = "_resolved_this_run"     # (the run, what resolve read, the selection it gives again)


def _inputs() -> tuple:
    """What `resolve` reads of the session, the URL and the data: the links it would adopt, the
    session's selection, whether presentation mode is asked for by the link, what is seen."""
    ss = st.session_state
    synced = ss.get(_SYNCED, {})
    return (tuple(_adopt(key, synced) for key in URL_KEYS), tuple(ss.get(key) for key in URL_KEYS),
            st.query_params.get(PRESENTATION) == "1" and PRESENTATION not in ss, data.view_key())


def resolve() -> Selection:
    """Reconcile URL, session and defaults; return the current selection (see module doc).

    Only writes a session value when it changes, so a page may call it after the sidebar
    widgets of the entrypoint exist. Worked out once per script run (issue #15: `app.py`, then
    the page): called again in the same run with the same session and links (write_url's
    changes aside), it gives the same selection, its link errors already reported (empty).
    """
    run = auth._this_run()
    memo = st.session_state.get(_RESOLVED)
    if run is not None and memo is not None and memo[0] is run and memo[1] == _inputs():
        return memo[2]
    selection = _resolve()
    if run is not None:
        st.session_state[_RESOLVED] = (run, _inputs(), dataclasses.replace(selection, errors=()))
    return selection


def _resolve() -> Selection:
    ss = st.session_state
    synced: dict = ss.setdefault(_SYNCED, {})
    errors: list[str] = []
    contracts = data.contracts()
    slugs = list(contracts["contract_slug"])

    def put(key: str, value) -> None:
        if ss.get(key) != value:
            ss[key] = value

    url_territoire = _adopt(TERRITOIRE, synced)
    if url_territoire is not None:
        if url_territoire in slugs:
            put(TERRITOIRE, url_territoire)
        else:
            errors.append(unknown_code_message(TERRITOIRE, url_territoire))
        synced[TERRITOIRE] = url_territoire

    url_qpv = _adopt(QPV, synced)
    if url_qpv is not None:
        owners = data.qpv_contracts(url_qpv.upper())
        if owners:
            put(QPV, url_qpv.upper())
            if ss.get(TERRITOIRE) not in owners:
                put(TERRITOIRE, owners[0])
        else:
            errors.append(unknown_code_message(QPV, url_qpv))
        synced[QPV] = url_qpv

    url_indicator = _adopt(INDICATEUR, synced)
    if url_indicator is not None:
        if url_indicator in set(data.indicator_catalog()["indicator_id"]):
            put(INDICATEUR, url_indicator)
        else:
            errors.append(unknown_code_message(INDICATEUR, url_indicator))
        synced[INDICATEUR] = url_indicator

    if ss.get(TERRITOIRE) not in slugs:
        put(TERRITOIRE, default_contract(contracts))
    qpvs = data.contract_qpvs(ss[TERRITOIRE])
    codes = list(qpvs["qpv_code"])
    if ss.get(QPV) not in codes:
        put(QPV, codes[0] if codes else None)
    if not ss.get(INDICATEUR):
        put(INDICATEUR, DEFAULT_INDICATOR)

    if st.query_params.get(PRESENTATION) == "1" and PRESENTATION not in ss:
        ss[PRESENTATION] = True

    if errors:
        ss[_ERRORS] = tuple(errors)
        ss[_BROKEN] = {key: ss.get(key) for key in URL_KEYS}
    # The contract's and the QPV's first rows, read by position (issue #15: boolean masks and
    # .loc cost about 4 ms a run).
    row = slugs.index(ss[TERRITOIRE])
    period = contracts["period_label"].iloc[row]
    return Selection(
        contract_slug=ss[TERRITOIRE],
        contract_name=str(contracts["contract_name"].iloc[row]),
        is_fictional=bool(contracts["is_fictional"].iloc[row]),
        period_label=None if pd.isna(period) else str(period),
        qpv_code=ss.get(QPV),
        qpv_name=str(qpvs["qpv_name"].iloc[codes.index(ss[QPV])]) if ss.get(QPV) in codes else None,
        indicator_id=ss[INDICATEUR],
        errors=tuple(errors),
    )


def write_url() -> None:
    """Write the current selection to the address bar (and remember what was written)."""
    ss = st.session_state
    synced: dict = ss.setdefault(_SYNCED, {})
    broken = ss.get(_BROKEN)
    if broken is not None:
        if broken == {key: ss.get(key) for key in URL_KEYS}:
            return                  # still on the fallback of a broken link: keep the URL typed
        del ss[_BROKEN]
    for key in URL_KEYS:
        value = ss.get(key)
        if value:
            if st.query_params.get(key) != value:
                st.query_params[key] = value
            synced[key] = value
        elif key in st.query_params:
            del st.query_params[key]
    if ss.get(PRESENTATION):
        st.query_params[PRESENTATION] = "1"
    elif PRESENTATION in st.query_params:
        del st.query_params[PRESENTATION]


def set_indicator(indicator_id: str) -> None:
    """Change the selected indicator (from a page widget's callback)."""
    st.session_state[INDICATEUR] = indicator_id


def set_qpv(qpv_code: str) -> None:
    st.session_state[QPV] = qpv_code
