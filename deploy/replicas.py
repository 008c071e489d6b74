"""`python -m deploy.replicas` (`make serve-replicas`): N app processes behind nginx.

Starts `--replicas` `streamlit run app.py` processes on 127.0.0.1 (ports PORT+1 … PORT+N), all
reading the same published database read-only, then Debian's nginx on `--listen`:PORT with
websocket proxying and sticky sessions (deploy/nginx.conf.template). Everything nginx writes
(configuration, pid, logs, temporary files) is under the run folder, so no root is needed.
Ctrl-C (or SIGTERM) stops nginx and every replica.

Each replica picks up a newly published database on the next rerun of each session (ui/data.py
keys its connection and caches on the file's identity), so publishing a new file (the ETL's
atomic rename, or deploy/publish.py for a copy) needs no restart.
"""
from __future__ import annotations

import argparse
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import config
from bench.load import start_server
from bench.stclient import wait_healthy

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = Path(__file__).with_name("nginx.conf.template")
DEFAULT_RUN_DIR = config.DATA_DIR / "run" / "replicas"


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, often outside an ordinary user's PATH), or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def render_nginx_conf(run_dir: Path, listen: str, backends: list[str]) -> str:
    """deploy/nginx.conf.template with the run folder, the listen address and the replicas."""
    servers = "\n".join(f"        server {b} max_fails=0;" for b in backends)
    text = TEMPLATE.read_text(encoding="utf-8")
    for key, value in {"run_dir": str(run_dir), "listen": listen, "servers": servers}.items():
        text = text.replace("{{" + key + "}}", value)
    return text


class Replicas:
    """N app replicas and nginx, started by `start()`, stopped by `stop()` (or `with`)."""

    def __init__(self, *, replicas: int = 2, port: int = 8080, host: str = "127.0.0.1",
                 db: Path = config.DB_PATH, run_dir: Path = DEFAULT_RUN_DIR):
        if replicas < 1:
            raise ValueError("il faut au moins une instance")
        self.count, self.port, self.host = replicas, port, host
        self.db, self.run_dir = Path(db).resolve(), Path(run_dir).resolve()
        self.apps: list[subprocess.Popen] = []
        self.nginx: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def replica_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{self.port + 1 + i}" for i in range(self.count)]

    def _start_app(self, i: int, cookie_secret: str) -> subprocess.Popen:
        # One secret for every replica: signed cookies (XSRF, st.login) stay valid whichever
        # replica a browser lands on after a restart.
        return start_server(self.db, self.port + 1 + i, self.run_dir / f"app-{i + 1}.log",
                            env={"STREAMLIT_SERVER_COOKIE_SECRET": cookie_secret})

    def start(self, timeout: float = 90) -> "Replicas":
        nginx = nginx_binary()
        if nginx is None:
            raise RuntimeError("nginx est introuvable : apt-get install nginx (paquet Debian), "
                               "ou `make system-deps` en root")
        if not self.db.exists():
            raise RuntimeError(f"base introuvable : {self.db} (construisez-la avec `make db`)")
        (self.run_dir / "nginx-tmp").mkdir(parents=True, exist_ok=True)
        cookie_secret = secrets.token_hex(32)
        try:
            self.apps = [self._start_app(i, cookie_secret) for i in range(self.count)]
            conf = self.run_dir / "nginx.conf"
            conf.write_text(render_nginx_conf(self.run_dir, f"{self.host}:{self.port}",
                                              [u.removeprefix("http://") for u in self.replica_urls]),
                            encoding="utf-8")
            check = subprocess.run([nginx, "-t", "-q", "-p", str(self.run_dir), "-c", str(conf),
                                    "-e", str(self.run_dir / "nginx-error.log")],
                                   capture_output=True, text=True)
            if check.returncode:
                raise RuntimeError(f"configuration nginx refusée ({conf}) : {check.stderr.strip()}")
            self.nginx = subprocess.Popen(
                [nginx, "-p", str(self.run_dir), "-c", str(conf),
                 "-e", str(self.run_dir / "nginx-error.log")],
                stdout=(self.run_dir / "nginx.out").open("w"), stderr=subprocess.STDOUT)
            for url, proc in zip(self.replica_urls, self.apps):
                wait_healthy(url, timeout, proc)
            wait_healthy(self.url, timeout, self.nginx)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        for proc in [p for p in (self.nginx, *self.apps) if p is not None]:
            if proc.poll() is None:
                proc.terminate()
        for proc in [p for p in (self.nginx, *self.apps) if p is not None]:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.nginx, self.apps = None, []

    def __enter__(self) -> "Replicas":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.replicas",
                                     description="Plusieurs instances de l'application derrière nginx.")
    parser.add_argument("--replicas", type=int, default=2, help="nombre d'instances (défaut 2)")
    parser.add_argument("--port", type=int, default=8080,
                        help="port de nginx ; les instances prennent les ports suivants")
    parser.add_argument("--listen", default="127.0.0.1",
                        help="adresse d'écoute de nginx (défaut 127.0.0.1)")
    parser.add_argument("--db", type=Path, default=config.DB_PATH)
    parser.add_argument("--run-dir", type=Path, default=DEFAULT_RUN_DIR,
                        help="dossier de la configuration, des journaux et du pid")
    args = parser.parse_args(argv)
    group = Replicas(replicas=args.replicas, port=args.port, host=args.listen, db=args.db,
                     run_dir=args.run_dir)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        group.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"Échec du démarrage : {exc} (journaux : {group.run_dir})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:           # start() has stopped what it had started
        return 130
    print(f"{args.replicas} instances ({', '.join(group.replica_urls)}) derrière nginx : "
          f"{group.url}  (journaux : {group.run_dir} ; Ctrl-C pour arrêter)")
    try:
        while all(p.poll() is None for p in (group.nginx, *group.apps)):
            time.sleep(1)
        print("Un processus s'est arrêté : arrêt de l'ensemble.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        group.stop()


if __name__ == "__main__":
    sys.exit(main())
