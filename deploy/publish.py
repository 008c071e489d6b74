"""`python -m deploy.publish SRC DEST...`: copy a published database to the replicas' paths.

The ETL builds and checks the database once (`python -m etl build`); each machine (or each
replica with its own copy) then gets the file by this copy. The copy is written beside the
destination (`DEST.tmp-<pid>`), flushed to disk, then renamed over DEST in one atomic step, so
a replica never opens a half-copied file: sessions keep reading the old file until their next
rerun, which opens the new one (ui/data.py). A copy is never made from a file DuckDB cannot open.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from etl.db import open_snapshot


def publish_copy(src: Path, dest: Path) -> Path:
    """Copy `src` to `dest` atomically (temporary file in dest's folder, fsync, rename)."""
    src, dest = Path(src), Path(dest)
    open_snapshot(src).close()          # refuse a file that is not a readable DuckDB database
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.tmp-{os.getpid()}")
    try:
        with src.open("rb") as fin, tmp.open("wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, dest)
    finally:
        tmp.unlink(missing_ok=True)
    fd = os.open(dest.parent, os.O_RDONLY)
    try:
        os.fsync(fd)                    # the rename itself survives a power cut
    finally:
        os.close(fd)
    return dest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.publish",
                                     description="Copie atomique de la base publiée.")
    parser.add_argument("src", type=Path, help="la base construite par `python -m etl build`")
    parser.add_argument("dest", type=Path, nargs="+", help="chemin(s) lu(s) par les instances")
    args = parser.parse_args(argv)
    if not args.src.is_file():
        print(f"Base introuvable : {args.src}", file=sys.stderr)
        return 1
    for dest in args.dest:
        try:
            publish_copy(args.src, dest)
        except Exception as exc:         # noqa: BLE001 (reported with the file it concerns)
            print(f"Échec de la copie vers {dest} : {exc}", file=sys.stderr)
            return 1
        print(f"Base copiée : {args.src} → {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
