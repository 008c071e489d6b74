"""nginx in front of the replicas (deploy/nginx.conf.template) gzips the static files Streamlit
serves uncompressed, for browsers that accept it, and only for them. nginx runs here in front of
a small HTTP server standing for a replica (no Streamlit needed). Skipped without nginx."""
from __future__ import annotations

import gzip
import http.server
import socket
import subprocess
import threading
import time
import urllib.request

import pytest

from deploy import replicas

pytestmark = pytest.mark.server

# What a replica serves: a JavaScript chunk (repetitive, as minified code is), a stylesheet,
# a woff2 font (compressed already) and a file under gzip_min_length.
FILES = {
    "/static/js/chunk.js": ("application/javascript",
                            b"".join(b"export const v%d=function(e){return e+%d};\n" % (i, i)
                                     for i in range(4000))),
    "/static/css/index.css": ("text/css", b".stMain{margin:0 auto;padding:1rem}\n" * 500),
    "/static/media/font.woff2": ("font/woff2", bytes(range(256)) * 40),
    "/_stcore/health": ("text/plain; charset=utf-8", b"ok"),
}


class _Replica(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        kind, body = FILES[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, accept_gzip: bool) -> tuple[str | None, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if accept_gzip else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.headers.get("Content-Encoding"), response.read()


@pytest.fixture
def nginx_in_front(tmp_path):
    nginx = replicas.nginx_binary()
    if nginx is None:
        pytest.skip("nginx n'est pas installé (apt-get install nginx, ou `make system-deps` en root)")
    backend = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Replica)
    threading.Thread(target=backend.serve_forever, daemon=True).start()
    port = _free_port()
    (tmp_path / "nginx-tmp").mkdir()
    conf = tmp_path / "nginx.conf"
    conf.write_text(replicas.render_nginx_conf(tmp_path, f"127.0.0.1:{port}",
                                               [f"127.0.0.1:{backend.server_address[1]}"]))
    proc = subprocess.Popen([nginx, "-p", str(tmp_path), "-c", str(conf), "-e", str(tmp_path / "err.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                _get(url + "/_stcore/health", False)
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(20)
        backend.shutdown()


def test_static_files_are_gzipped_for_browsers_that_accept_it(nginx_in_front):
    got = {path: _get(nginx_in_front + path, True) for path in FILES}
    assert {path: encoding for path, (encoding, _) in got.items()} == {
        "/static/js/chunk.js": "gzip", "/static/css/index.css": "gzip",
        "/static/media/font.woff2": None, "/_stcore/health": None}
    for path, (encoding, body) in got.items():
        assert (gzip.decompress(body) if encoding else body) == FILES[path][1], path
    js = FILES["/static/js/chunk.js"][1]
    assert len(got["/static/js/chunk.js"][1]) < len(js) / 4


def test_a_client_without_gzip_gets_every_file_as_served(nginx_in_front):
    assert {path: _get(nginx_in_front + path, False) for path in FILES} == {
        path: (None, body) for path, (_, body) in FILES.items()}
