"""The pieces of serving more users that need no server: figures of the load test, the nginx
configuration, the atomic copy of the database, and the version key that makes a replica see it."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import duckdb
import pytest

import config
from bench import load
from deploy import publish, replicas
from tests.app.conftest import build_small_db


def test_percentile_is_the_nearest_rank():
    values = [0.5, 0.1, 0.4, 0.2, 0.3, 1.0, 0.6, 0.7, 0.8, 0.9]
    assert [load.percentile(values, p) for p in (50, 95, 100)] == [0.5, 1.0, 1.0]
    assert load.percentile([2.0], 95) == 2.0


def test_summary_per_page_in_the_order_of_the_pages():
    runs = [("portrait", 0.2, []), ("", 1.0, []), ("portrait", 0.4, ["st.error: x"]),
            ("", 3.0, []), ("carte", 0.5, [])]
    assert load.summarise(runs) == {
        "pages": {"accueil": {"n": 2, "p50_s": 1.0, "p95_s": 3.0, "max_s": 3.0, "errors": 0},
                  "portrait": {"n": 2, "p50_s": 0.2, "p95_s": 0.4, "max_s": 0.4, "errors": 1},
                  "carte": {"n": 1, "p50_s": 0.5, "p95_s": 0.5, "max_s": 0.5, "errors": 0}},
        "overall": {"n": 5, "p50_s": 0.5, "p95_s": 3.0, "max_s": 3.0, "errors": 1}}


def test_links_take_every_contract_in_turn(tmp_path):
    db = build_small_db(tmp_path / "small.duckdb")
    assert load.links(db) == ["territoire=demo&qpv=QN09901N",
                              "territoire=grand-chalon&qpv=QN07101I",
                              "territoire=demo&qpv=QN09902M"]


def test_process_tree_memory_counts_the_children(tmp_path):
    import subprocess
    import sys
    child = subprocess.Popen([sys.executable, "-c", "import time; x = bytearray(80 << 20);"
                              " time.sleep(30)"])
    parent_only = load.process_tree_rss_bytes(os.getpid())
    try:
        import time
        deadline = time.monotonic() + 20
        while load.process_tree_rss_bytes(child.pid) < 80 << 20 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert load.process_tree_rss_bytes(child.pid) >= 80 << 20
        assert load.process_tree_rss_bytes(os.getpid()) >= parent_only + (80 << 20) * 0.9
    finally:
        child.kill()
        child.wait()
    assert load.process_tree_rss_bytes(child.pid) == 0


def test_nginx_conf_names_every_replica_and_keeps_nginx_under_the_run_folder(tmp_path):
    conf = replicas.render_nginx_conf(tmp_path, "127.0.0.1:9000",
                                      ["127.0.0.1:9001", "127.0.0.1:9002"])
    assert "{{" not in conf
    assert [line.strip() for line in conf.splitlines() if line.strip().startswith("server 127")] == [
        "server 127.0.0.1:9001 max_fails=0;", "server 127.0.0.1:9002 max_fails=0;"]
    assert "listen 127.0.0.1:9000;" in conf
    assert "hash $qpv_route consistent;" in conf
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    paths = re.findall(r"^\s*(?:pid|error_log|access_log|\w+_temp_path) ([^\s;]+)", conf, re.M)
    assert paths == [f"{tmp_path}/nginx.pid", f"{tmp_path}/nginx-error.log",
                     f"{tmp_path}/nginx-access.log",
                     *(f"{tmp_path}/nginx-tmp/{d}" for d in ("body", "proxy", "fastcgi", "uwsgi", "scgi"))]


def test_publish_copy_replaces_the_file_atomically_and_refuses_a_broken_source(tmp_path):
    src = build_small_db(tmp_path / "built.duckdb")
    dest = tmp_path / "replica" / "qpv.duckdb"
    publish.publish_copy(src, dest)
    first_inode = dest.stat().st_ino
    con = duckdb.connect(str(dest), read_only=True)
    assert con.execute("select contract_slug from contracts order by 1").fetchall() == [
        ("demo",), ("grand-chalon",)]
    con.close()
    publish.publish_copy(src, dest)
    assert dest.stat().st_ino != first_inode            # a new file, renamed in
    broken = tmp_path / "broken.duckdb"
    broken.write_bytes(b"not a database" * 100)
    with pytest.raises(Exception):
        publish.publish_copy(broken, dest)
    assert dest.read_bytes() == src.read_bytes()        # the published copy is untouched
    assert sorted(p.name for p in dest.parent.iterdir()) == ["qpv.duckdb"]   # no leftover


def test_publish_cli_names_the_missing_file(tmp_path, capsys):
    assert publish.main([str(tmp_path / "absent.duckdb"), str(tmp_path / "dest.duckdb")]) == 1
    assert capsys.readouterr().err == f"Base introuvable : {tmp_path / 'absent.duckdb'}\n"


def test_db_version_changes_for_a_copy_that_keeps_the_time(tmp_path, monkeypatch):
    """`cp -p` or `rsync -a` keeps the source's modification time: the renamed-in copy is still
    a new version for the app (ui/data.py keys its connection and caches on it)."""
    from ui import data
    db = build_small_db(tmp_path / "qpv.duckdb")
    monkeypatch.setattr(config, "DB_PATH", db)
    before = data.db_version()
    copy = tmp_path / "copy.tmp"
    shutil.copy2(db, copy)                              # same bytes, same mtime
    os.replace(copy, db)
    assert db.stat().st_mtime_ns == os.stat(db).st_mtime_ns
    assert data.db_version() != before
    assert data.db_version() == data.db_version()
    db.unlink()
    assert data.db_version() is None


def test_process_tree_cpu_counts_a_busy_child():
    import subprocess
    import sys
    import time
    child = subprocess.Popen([sys.executable, "-c", "import time\nt = time.process_time()\n"
                              "while time.process_time() - t < 1.0: pass\ntime.sleep(30)"])
    try:
        deadline = time.monotonic() + 30
        while load.process_tree_cpu_seconds(child.pid) < 1.0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert 1.0 <= load.process_tree_cpu_seconds(child.pid) < 3.0
        assert load.process_tree_cpu_seconds(os.getpid()) >= load.process_tree_cpu_seconds(child.pid)
    finally:
        child.kill()
        child.wait()
    assert load.process_tree_cpu_seconds(child.pid) == 0.0
