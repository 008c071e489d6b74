"""A headless Streamlit client: one browser session over the websocket, without a browser.

A Streamlit session is a websocket at `/_stcore/stream` speaking protobuf: the client sends a
`BackMsg` whose `rerun_script` carries the page (`page_name` = the page's url path, as the
frontend sends it for `st.navigation` apps; "" for the default page) and the query string; the
server answers with `ForwardMsg`s (deltas of elements) and ends each run with `script_finished`.

`Session.run_page` sends one rerun and waits for its end, and returns what the run showed:
the latency, the errors (an exception element, an `st.error`, « page not found », a script that
did not finish) and, when asked, the texts of the run (markdown, headings, alerts, metrics,
select box options) to check what data a page shows. Used by `python -m bench.load` and by the
replica tests (tests/deploy/).
"""
from __future__ import annotations

import asyncio
import dataclasses
import time
import urllib.request

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg


@dataclasses.dataclass
class PageRun:
    page: str
    query: str
    seconds: float
    errors: list[str]
    texts: list[str]


def _element_texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind in ("markdown", "heading", "text", "alert"):
        return [getattr(element, kind).body]
    if kind == "metric":
        return [element.metric.label, element.metric.body]
    if kind == "selectbox":
        return [element.selectbox.label, *element.selectbox.options]
    return []


def _element_error(element) -> str | None:
    kind = element.WhichOneof("type")
    if kind == "exception":
        return f"exception {element.exception.type}: {element.exception.message[:200]}"
    if kind == "alert" and element.alert.format == Alert.ERROR:
        return f"st.error: {element.alert.body[:200]}"
    return None


class Session:
    """One Streamlit session (one browser tab) on `base_url` (http://host:port)."""

    def __init__(self, base_url: str, *, cookie: str | None = None):
        self.base_url = base_url.rstrip("/")
        self.cookie = cookie
        self.ws = None
        self.replica: str | None = None     # nginx's X-Qpv-Replica (deploy/), when proxied
        self.set_cookie: str | None = None

    async def open(self, timeout: float = 30) -> None:
        url = "ws" + self.base_url[len("http"):] + "/_stcore/stream"
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], max_size=None,
                                           open_timeout=timeout, additional_headers=headers,
                                           ping_interval=None)
        self.replica = self.ws.response.headers.get("X-Qpv-Replica")
        self.set_cookie = self.ws.response.headers.get("Set-Cookie")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    async def __aenter__(self) -> "Session":
        await self.open()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    async def run_page(self, page: str, query: str = "", *, timeout: float = 60,
                       keep_texts: bool = False) -> PageRun:
        """Run `page` (its url path; "" = the default page) with `query` ("a=1&b=2")."""
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        msg.rerun_script.page_script_hash = ""
        errors: list[str] = []
        texts: list[str] = []
        start = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        deadline = start + timeout
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                errors.append(f"pas de fin d'exécution après {timeout:g} s")
                break
            try:
                raw = await asyncio.wait_for(self.ws.recv(), left)
            except asyncio.TimeoutError:
                continue
            except websockets.ConnectionClosed as exc:
                errors.append(f"connexion fermée par le serveur ({exc.code})")
                break
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                error = _element_error(element)
                if error:
                    errors.append(error)
                if keep_texts:
                    texts.extend(_element_texts(element))
            elif kind == "page_not_found":
                errors.append(f"page introuvable : {page!r}")
            elif kind == "script_finished":
                status = fwd.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue          # the page asked for a rerun: its end is the next one
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("erreur de compilation du script")
                break
        return PageRun(page, query, time.perf_counter() - start, errors, texts)


def wait_healthy(base_url: str, timeout: float = 60, proc=None) -> None:
    """Wait until `base_url`/_stcore/health answers "ok" (raises TimeoutError, or RuntimeError
    when `proc`, the server process, has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"le serveur s'est arrêté (code {proc.returncode})")
        try:
            with urllib.request.urlopen(base_url.rstrip("/") + "/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{base_url} ne répond pas après {timeout:g} s")
