"""Two app replicas behind nginx (deploy/replicas.py) keep answering while a new database is
published, and every one shows the new data without a restart.

Sessions are headless Streamlit clients (bench/stclient.py) through nginx and straight to each
replica. Skipped with the reason when Debian's nginx is not installed.
"""
from __future__ import annotations

import asyncio
import random
import socket

import duckdb
import pytest

from bench.stclient import Session
from deploy import publish, replicas
from tests.app.conftest import build_small_db

pytestmark = pytest.mark.server

OLD_NAME, NEW_NAME = "Grand Chalon", "Rives de Saône"
QUERY = "territoire=grand-chalon&qpv=QN07101I"


def _free_ports(n: int) -> int:
    """A base port with the n ports from it free on 127.0.0.1."""
    rng = random.Random()
    for _ in range(50):
        base = rng.randrange(20000, 40000)
        socks = []
        try:
            for p in range(base, base + n):
                s = socket.socket()
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("pas de ports libres")


@pytest.fixture
def databases(tmp_path):
    """(published path read by the replicas, a new build to publish): the new build renames
    the Grand Chalon contract."""
    published = build_small_db(tmp_path / "qpv.duckdb")
    new = build_small_db(tmp_path / "new_build.duckdb")
    con = duckdb.connect(str(new))
    con.execute("update contracts set contract_name = ? where contract_slug = 'grand-chalon'",
                [f"Contrat de ville {NEW_NAME}"])
    con.close()
    return published, new


def _shows(texts: list[str], name: str) -> bool:
    return any(name in t for t in texts)


def test_replicas_keep_answering_and_show_a_new_database_without_restart(databases, tmp_path):
    if replicas.nginx_binary() is None:
        pytest.skip("nginx n'est pas installé (apt-get install nginx, ou `make system-deps` en root)")
    published, new = databases
    group = replicas.Replicas(replicas=2, port=_free_ports(3), db=published,
                              run_dir=tmp_path / "run")
    with group:
        asyncio.run(_scenario(group, new, published))
        assert [p.poll() for p in (group.nginx, *group.apps)] == [None, None, None]
    assert group.apps == [] and group.nginx is None


async def _scenario(group: replicas.Replicas, new, published) -> None:
    backends = [u.removeprefix("http://") for u in group.replica_urls]
    # A browser without the route cookie gets one from nginx.
    async with Session(group.url) as first:
        assert first.set_cookie.startswith("qpv_route=") and first.replica in backends
    # Sessions through nginx, one route cookie each, until both replicas serve some.
    proxied: list[Session] = []
    for i in range(40):
        s = Session(group.url, cookie=f"qpv_route=session-{i}")
        await s.open()
        proxied.append(s)
        if {p.replica for p in proxied} == set(backends) and len(proxied) >= 4:
            break
    assert {p.replica for p in proxied} == set(backends)
    # Sticky: the same cookie reaches the same replica again.
    async with Session(group.url, cookie="qpv_route=session-0") as again:
        assert again.replica == proxied[0].replica
    direct = [Session(u) for u in group.replica_urls]
    for s in direct:
        await s.open()
    sessions = proxied + direct
    try:
        before = await asyncio.gather(*(s.run_page("", QUERY, keep_texts=True) for s in sessions))
        assert [r.errors for r in before] == [[]] * len(sessions)
        assert all(_shows(r.texts, OLD_NAME) and not _shows(r.texts, NEW_NAME) for r in before)

        # Every session keeps rerunning its pages while the new database is published.
        runs: list = []
        stop = asyncio.Event()

        async def keep_running(s: Session) -> None:
            pages = ["", "portrait", "methode"]
            n = 0
            while not stop.is_set():
                runs.append(await s.run_page(pages[n % 3], QUERY, timeout=60))
                n += 1

        workers = [asyncio.create_task(keep_running(s)) for s in sessions]
        await asyncio.sleep(3)
        await asyncio.to_thread(publish.publish_copy, new, published)
        await asyncio.sleep(3)
        stop.set()
        await asyncio.gather(*workers)
        assert len(runs) >= 2 * len(sessions)
        assert [r.errors for r in runs if r.errors] == []

        # The same sessions (no new connection, no restart) now show the new data.
        after = await asyncio.gather(*(s.run_page("", QUERY, keep_texts=True) for s in sessions))
        assert [r.errors for r in after] == [[]] * len(sessions)
        assert [_shows(r.texts, NEW_NAME) for r in after] == [True] * len(sessions)
        assert [_shows(r.texts, OLD_NAME) for r in after] == [False] * len(sessions)
    finally:
        for s in sessions:
            await s.close()
    # New sessions, through nginx and straight to each replica, see the new data too.
    for url, cookie in [(group.url, None), *((u, None) for u in group.replica_urls)]:
        async with Session(url, cookie=cookie) as s:
            run = await s.run_page("", QUERY, keep_texts=True)
            assert run.errors == [] and _shows(run.texts, NEW_NAME), url
