"""The browser bench's helpers that need no browser: which websocket message carries the first
st.metric, whose Chromium processes' CPU is counted, how script runs are counted."""
from __future__ import annotations

import subprocess

from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench import bench_browser


def _element(kind: str) -> bytes:
    msg = ForwardMsg()
    getattr(msg.delta.new_element, kind).SetInParent()
    if kind == "metric":
        msg.delta.new_element.metric.body = "1 650"
    if kind == "markdown":
        msg.delta.new_element.markdown.body = "Les chiffres du mandat"
    return msg.SerializeToString()


def _finished() -> bytes:
    msg = ForwardMsg()
    msg.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    return msg.SerializeToString()


def test_the_first_metric_message_is_found_among_other_elements_and_text_frames():
    session = ForwardMsg()
    session.new_session.SetInParent()
    payloads = [session.SerializeToString(), "un cadre texte", _element("markdown"),
                _element("metric"), _element("plotly_chart"), _element("metric"), _finished()]
    assert bench_browser._first_metric_message(payloads) == 3
    assert bench_browser._first_metric_message(payloads[:3] + [b"\xff\x00pas un message"]) is None


def test_only_this_process_s_chromium_processes_are_counted():
    fake = subprocess.Popen(["chromium-banc-d-essai", "30"], executable="/bin/sleep")
    other = subprocess.Popen(["sleep", "30"])
    try:
        counted = bench_browser.own_chromium_cpu()
        assert list(counted) == [fake.pid]
        assert counted[fake.pid] >= 0.0
    finally:
        for proc in (fake, other):
            proc.kill()
            proc.wait()


def test_script_runs_and_fragment_reruns_are_counted_apart():
    """A map click that st.switch_page answered finished two runs (one stopped early); a page
    whose charts come after the paint finishes one run and one fragment rerun."""
    handlers = []

    class Socket:
        def on(self, event, handler):
            handlers.append((event, handler))

    class Page:
        def on(self, event, handler):
            assert event == "websocket"
            handler(Socket())

    def finished(status) -> bytes:
        msg = ForwardMsg()
        msg.script_finished = status
        return msg.SerializeToString()

    runs = bench_browser.Runs(Page())
    [(event, frame)] = handlers
    assert event == "framereceived"
    for payload in (finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN), _element("metric"),
                    finished(ForwardMsg.FINISHED_SUCCESSFULLY), "un cadre texte"):
        frame(payload)
    assert (runs.count, runs.fragments) == (2, 0)
    runs.start()
    for payload in (_element("metric"), finished(ForwardMsg.FINISHED_SUCCESSFULLY),
                    _element("plotly_chart"), finished(ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY)):
        frame(payload)
    assert (runs.count, runs.fragments) == (1, 1)
