"""`python -m bench.load` (`make load`): many concurrent sessions through the main pages.

Each session is a headless Streamlit client (bench/stclient.py: the websocket a browser tab
opens, no browser), so 50 sessions cost the load generator little on a 2-core machine. Every
session goes through the main pages in turn, starting at a different page, with the territory
and a QPV of one of the database's contracts in the query string (as a shared link does), until
it has made `--requests` page runs or `--duration` seconds have passed. The server is started
here (`streamlit run app.py` on 127.0.0.1, a free port, the database of `--db`) unless `--url`
names a running one (127.0.0.1 or localhost only); a first session warms the caches first.

Printed: p50/p95/max latency per page and overall, errors (an exception, an `st.error`, a page
not found, a run that does not finish: there must be none), the server's memory (RSS summed over
its process tree, peak and end, when the server runs on this machine). The last line is one JSON
object of named figures.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import duckdb

import config
from bench.stclient import Session, wait_healthy

ROOT = Path(__file__).resolve().parents[1]

# The main pages (url paths of app.py; "" is the home page, « Les chiffres du mandat »).
PAGES = ("", "portrait", "carte", "comparer", "bilan", "programmes", "logement", "droit-commun",
         "methode")


def page_label(page: str) -> str:
    return page or "accueil"


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (pct in 0–100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[int(rank) - 1]


def links(db: Path) -> list[str]:
    """One query string per QPV of every contract (territoire + qpv), contracts in turn."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("select contract_slug, territory_code from contract_territories"
                           " where territory_level = 'qpv' order by contract_slug,"
                           " territory_code").fetchall()
    finally:
        con.close()
    by_contract: dict[str, list[str]] = {}
    for slug, code in rows:
        by_contract.setdefault(slug, []).append(code)
    out = []
    for i in range(max((len(v) for v in by_contract.values()), default=0)):
        for slug, codes in by_contract.items():
            if i < len(codes):
                out.append(urllib.parse.urlencode({"territoire": slug, "qpv": codes[i]}))
    return out or [""]


def process_tree_rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and all its descendants (Linux /proc), 0 when it is gone."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def process_tree_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its living descendants (Linux /proc)."""
    total, todo = 0.0, [pid]
    tick = os.sysconf("SC_CLK_TCK")
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            for task in Path(f"/proc/{p}/task").iterdir():
                todo.extend(int(c) for c in (task / "children").read_text().split())
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


def summarise(results: list[tuple[str, float, list[str]]]) -> dict:
    """Figures of (page, seconds, errors) runs: per page and overall n, p50, p95, max, errors."""
    def figures(runs):
        secs = [s for _, s, _ in runs]
        return {"n": len(runs), "p50_s": round(percentile(secs, 50), 3),
                "p95_s": round(percentile(secs, 95), 3), "max_s": round(max(secs), 3),
                "errors": sum(1 for _, _, e in runs if e)}
    per_page = {}
    for page in sorted({p for p, _, _ in results},
                       key=lambda p: (PAGES.index(p) if p in PAGES else len(PAGES), p)):
        per_page[page_label(page)] = figures([r for r in results if r[0] == page])
    return {"pages": per_page, "overall": figures(results) if results else None}


async def _session(base_url: str, index: int, queries: list[str], requests: int, deadline: float,
                   timeout: float, results: list, errors: list, start_delay: float) -> None:
    await asyncio.sleep(start_delay)
    session = Session(base_url)
    try:
        await session.open()
    except Exception as exc:                        # noqa: BLE001 (counted, never hidden)
        errors.append(f"session {index} : ouverture impossible ({exc})")
        return
    try:
        for n in range(requests):
            if time.monotonic() >= deadline:
                break
            page = PAGES[(index + n) % len(PAGES)]
            # A run started before the deadline is waited for (at most `timeout`): the
            # deadline bounds when sessions stop asking, never cuts a page short.
            run = await session.run_page(page, queries[index % len(queries)], timeout=timeout)
            results.append((run.page, run.seconds, run.errors))
            errors.extend(f"session {index}, page {page_label(page)} : {e}" for e in run.errors)
            # A lost connection ends the session; so does a run without end (a user closes
            # the tab): its late messages would be counted as the next run's.
            if any("connexion fermée" in e or "pas de fin" in e for e in run.errors):
                break
    finally:
        await session.close()


async def _load(base_url: str, sessions: int, requests: int, duration: float, timeout: float,
                ramp: float, queries: list[str], server_pid: int | None) -> dict:
    results: list = []
    errors: list[str] = []
    rss: list[int] = []
    deadline = time.monotonic() + duration
    rng = random.Random(15)

    async def sample():
        while True:
            if server_pid:
                rss.append(process_tree_rss_bytes(server_pid))
            await asyncio.sleep(0.5)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    server_cpu = process_tree_cpu_seconds(server_pid) if server_pid else None
    client_cpu = time.process_time()
    await asyncio.gather(*(_session(base_url, i, queries, requests, deadline, timeout, results,
                                    errors, rng.uniform(0, ramp)) for i in range(sessions)))
    wall = time.perf_counter() - start
    sampler.cancel()
    out = summarise(results)
    out.update(wall_s=round(wall, 1), errors_list=errors,
               server_cpu_s=(round(process_tree_cpu_seconds(server_pid) - server_cpu, 1)
                             if server_pid else None),
               client_cpu_s=round(time.process_time() - client_cpu, 1),
               rss_peak_mb=round(max(rss) / 2**20) if rss else None,
               rss_end_mb=round(process_tree_rss_bytes(server_pid) / 2**20) if server_pid else None)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, port: int, log: Path, env: dict[str, str] | None = None,
                 script: Path | None = None) -> subprocess.Popen:
    """`streamlit run app.py` (through `ui.serve`) on 127.0.0.1:`port`, reading `db`, its output
    in `log` (with a closed pipe Streamlit ignores SIGTERM); `env`: more environment variables;
    `script`: another app than ours, with the same server options."""
    env = {**os.environ, "QPV_DB_PATH": str(db), "PYTHONPATH": str(ROOT), **(env or {})}
    what = ["-m", "ui.serve"] if script is None else ["-m", "streamlit", "run", str(script)]
    cmd = [sys.executable, *what,
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def stop_server(proc: subprocess.Popen, timeout: float = 10) -> None:
    """Stop a server started by start_server (killed if it has not stopped after `timeout` s)."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load",
                                     description="Test de charge : sessions Streamlit simultanées.")
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--requests", type=int, default=len(PAGES),
                        help="pages par session (défaut : chaque page principale une fois)")
    parser.add_argument("--duration", type=float, default=180,
                        help="après ces secondes, plus aucune session ne demande de page")
    parser.add_argument("--timeout", type=float, default=120,
                        help="une page sans fin d'exécution après ces secondes est une erreur")
    parser.add_argument("--ramp", type=float, default=5,
                        help="les sessions démarrent au hasard dans ces premières secondes")
    parser.add_argument("--db", type=Path, default=config.DB_PATH)
    parser.add_argument("--url", help="serveur déjà lancé (127.0.0.1 ou localhost seulement)")
    parser.add_argument("--server-pid", type=int, help="pid du serveur de --url (mémoire)")
    args = parser.parse_args(argv)
    if not args.db.exists():
        print(f"Base introuvable : {args.db} (construisez-la avec `make db`).", file=sys.stderr)
        return 1
    queries = links(args.db)
    proc = None
    if args.url:
        host = urllib.parse.urlsplit(args.url).hostname
        if host not in ("127.0.0.1", "localhost"):
            print(f"--url doit viser 127.0.0.1 ou localhost, pas {host!r}.", file=sys.stderr)
            return 2
        base_url, server_pid = args.url, args.server_pid
    else:
        port = free_port()
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"qpv-load-{port}.log"
        proc = start_server(args.db, port, log)
        base_url, server_pid = f"http://127.0.0.1:{port}", proc.pid
        print(f"Serveur : {base_url} (journal {log})")
    try:
        wait_healthy(base_url, 90, proc)
        print(f"Préchauffage : une session parcourt {len(PAGES)} pages…")
        warm = asyncio.run(_load(base_url, 1, len(PAGES), args.duration, args.timeout, 0,
                                 queries, server_pid))
        print(f"  {warm['wall_s']} s, erreurs : {warm['overall']['errors']}")
        print(f"{args.sessions} sessions sur {len(queries)} liens (territoire + QPV), "
              f"{args.requests} pages chacune au plus, plus de demande après {args.duration:g} s…")
        out = asyncio.run(_load(base_url, args.sessions, args.requests, args.duration,
                                args.timeout, args.ramp, queries, server_pid))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
    print(f"{'page':<14}{'n':>5}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'erreurs':>9}")
    for page, f in {**out["pages"], "ensemble": out["overall"]}.items():
        if f:
            print(f"{page:<14}{f['n']:>5}{f['p50_s']:>9.2f}{f['p95_s']:>9.2f}{f['max_s']:>9.2f}"
                  f"{f['errors']:>9}")
    for line in out["errors_list"][:20]:
        print("  erreur :", line)
    print(f"Durée {out['wall_s']} s ; mémoire du serveur : pic {out['rss_peak_mb']} Mo, "
          f"fin {out['rss_end_mb']} Mo ; temps CPU : serveur {out['server_cpu_s']} s, "
          f"client de charge {out['client_cpu_s']} s")
    if out["server_cpu_s"] is not None and out["overall"]:
        print(f"CPU du serveur par page : {out['server_cpu_s'] / out['overall']['n']:.2f} s")
    overall = out["overall"] or {"n": 0, "p50_s": None, "p95_s": None, "max_s": None}
    figures = {"sessions": args.sessions, "requests": overall["n"],
               "p50_s": overall["p50_s"], "p95_s": overall["p95_s"], "max_s": overall["max_s"],
               "errors": len(out["errors_list"]), "wall_s": out["wall_s"],
               "rss_peak_mb": out["rss_peak_mb"], "rss_end_mb": out["rss_end_mb"],
               "server_cpu_s": out["server_cpu_s"], "client_cpu_s": out["client_cpu_s"],
               # What bounds the pages a second one core can serve (README: what limits).
               "server_cpu_per_run_s": (round(out["server_cpu_s"] / overall["n"], 3)
                                        if out["server_cpu_s"] is not None and overall["n"]
                                        else None),
               "links": len(queries), "load_avg_1min": round(os.getloadavg()[0], 1),
               "cpu_count": os.cpu_count(),
               **{f"p95_s_{p}": f["p95_s"] for p, f in out["pages"].items()}}
    print(json.dumps(figures))
    return 0 if not out["errors_list"] and overall["n"] else 1


if __name__ == "__main__":
    sys.exit(main())
