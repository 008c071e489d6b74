"""`python -m bench [--db PATH]`: run the benchmarks and print the figures."""
from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="Mesures de temps et de mémoire (ETL, exports).")
    parser.add_argument("--db", type=Path, default=config.DB_PATH)
    args = parser.parse_args(argv)
    print(f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}")
    print("Construction de la base (etl/) :")
    from bench import bench_etl
    bench_etl.run()
    if not args.db.exists():
        print(f"Base introuvable : {args.db} (construisez-la avec `make db`).", file=sys.stderr)
        return 1
    print("Adresse → quartier (indicators/locate.py, geocode.py) :")
    from bench import bench_locate
    bench_locate.run(args.db)
    print("Exports (reports/) :")
    from bench import bench_reports
    bench_reports.run(args.db)
    return 0


if __name__ == "__main__":
    sys.exit(main())
