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


def _message(kind: str) -> bytes:
    msg = ForwardMsg()
    if kind == "new_session":
        msg.new_session.SetInParent()
    elif kind == "finished":
        msg.script_finished = ForwardMsg.FINISHED_SUCCESSFULLY
    else:
        return _element(kind)
    return msg.SerializeToString()


def test_a_map_click_s_messages_are_named_by_what_they_carry():
    payloads = [_message("new_session"), _message("heading"), _message("markdown"),
                _message("finished"), "un cadre texte", b"\xff\x00pas un message"]
    assert [bench_browser.message_kind(p) for p in payloads] == [
        "new_session", "heading", "markdown", "finished", "", ""]


def test_a_map_click_s_time_is_broken_down_from_the_press_to_the_title_painted():
    """Messages of the map's run before the press, the hover's, and a fragment rerun after
    the title are not counted; each step starts where the one before it ended."""
    received = [(100.0, "new_session"), (150.0, "heading"), (180.0, "finished"),
                (1900.0, "new_session"), (1950.0, "html"), (2300.0, "heading"),
                (2310.0, "markdown"), (2500.0, "finished"), (3400.0, "heading"),
                (3500.0, "finished")]
    parts = bench_browser.click_breakdown(1000.0, [50.0, 1700.0, 2600.0], received, 3200.0)
    assert parts == {"to_rerun_sent_s": 0.7, "rerun_to_run_start_s": 0.2,
                     "run_start_to_title_message_s": 0.4, "title_message_to_painted_s": 0.9,
                     "server_run_s": 0.6}
    # Nothing sent after the press (the click missed the QPV): no step is known.
    assert bench_browser.click_breakdown(1000.0, [50.0], received, None) == dict.fromkeys(parts)


def test_a_click_s_breakdown_line_is_french_with_its_unknown_steps():
    med = {"to_rerun_sent_s": 0.7, "rerun_to_run_start_s": 0.2, "run_start_to_title_message_s": 0.4,
           "title_message_to_painted_s": None, "server_run_s": 0.6, "chromium_cpu_s": 1.25}
    assert bench_browser.click_parts_line(med) == (
        "dont : clic → relance envoyée par la page (la carte) 0,70 s ; → début de l'exécution "
        "sur le serveur 0,20 s ; → message du titre (serveur) 0,40 s ; → titre affiché "
        "(navigateur) ? ; exécution entière sur le serveur 0,60 s ; CPU de Chromium 1,25 s")
