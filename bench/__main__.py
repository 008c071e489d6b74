"""`python -m bench [--db PATH] [--repeat N] [--only GROUP...] [--france]`: run the benchmarks,
print one line per measure, and as the LAST line one JSON object merging every named figure
(seconds `_s`/`_ms`, memory `_mib`, sizes `_mb`, ratios against pandas `_ratio`; bench/figures.py)."""
from __future__ import annotations

import argparse
import importlib
import os
import platform
import sys
import tempfile
from pathlib import Path

import config
from bench import figures

GROUPS = ("etl", "pages", "browser", "reports", "locate")
TITLES = {"etl": "Construction de la base (etl/) :",
          "pages": "Travail du serveur par page, cache chaud (ui/data.py, indicators/) :",
          "browser": "Dans Chromium contre `streamlit run` :",
          "reports": "Exports (reports/) :",
          "locate": "Adresse → quartier (indicators/locate.py, geocode.py) :",
          "france": "Base de la taille de la France (bench/bench_france.py) :"}


def france_module():
    """bench.bench_france when it exists (another part of the bench writes it), else None."""
    try:
        return importlib.import_module("bench.bench_france")
    except ModuleNotFoundError as exc:
        if exc.name != "bench.bench_france":
            raise
        return None


def run_group(group: str, db: Path, repeat: int, work_dir: Path) -> dict[str, float]:
    """The named figures of one group of measures."""
    if group == "etl":
        from bench import bench_etl
        return bench_etl.run(repeat)
    if group == "pages":
        from bench import bench_pages
        return bench_pages.run(db, repeat)
    if group == "browser":
        from bench import bench_browser
        return bench_browser.run(db, repeat)
    if group == "reports":
        from bench import bench_reports
        return bench_reports.run(db, repeat)
    if group == "locate":
        from bench import bench_locate
        return bench_locate.run(db)
    if group == "france":
        return france_module().run(work_dir)
    raise ValueError(group)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench",
                                     description="Mesures de temps et de mémoire (ETL, pages, navigateur, exports).")
    parser.add_argument("--db", type=Path, default=config.DB_PATH,
                        help="base mesurée par les pages, le navigateur et les exports")
    parser.add_argument("--repeat", type=int, default=3, help="nombre de mesures (médiane), 3 par défaut")
    parser.add_argument("--only", nargs="+", choices=GROUPS, help="seulement ces mesures")
    parser.add_argument("--france", action="store_true",
                        help="ajoute la construction d'une base de la taille de la France (long)")
    parser.add_argument("--work-dir", type=Path, help="dossier de travail de --france (temporaire sinon)")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat doit valoir au moins 1")
    groups = list(args.only or GROUPS)
    if args.france:
        if france_module() is None:
            print("bench/bench_france.py est absent : --france ignoré.", file=sys.stderr)
        else:
            groups.append("france")
    print(f"Machine : {platform.machine()}, {os.cpu_count()} cœurs, Python {platform.python_version()}, "
          f"charge {os.getloadavg()[0]:.1f} ; médianes de {args.repeat} mesures")
    needs_db = [g for g in groups if g in ("pages", "browser", "reports", "locate")]
    if needs_db and not args.db.exists():
        print(f"Base introuvable : {args.db} (construisez-la avec `make db`).", file=sys.stderr)
        return 1
    parts: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="qpv-bench-") as tmp:
        for group in groups:
            print(TITLES[group])
            work_dir = args.work_dir or Path(tmp) / group
            work_dir.mkdir(parents=True, exist_ok=True)
            parts[group] = run_group(group, args.db, args.repeat, work_dir)
    print(figures.json_line(figures.merge(parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
