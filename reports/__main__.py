"""Command line for the printable reports.

    python -m reports portrait --qpv QN07101I --out portrait.pdf
    python -m reports portrait --territory grand-chalon --out portraits/      (one PDF per QPV)
    python -m reports mandate --territory chambery --out mandat.pdf [--sections chiffres portraits]
                              [--qpv QN07302M ...]
    python -m reports map --territory demo --indicator poverty_rate_pct --out carte.png  (or .svg)
    python -m reports pockets --territory demo --out poches/     (one justification sheet per pocket)
    python -m reports review --territory grand-chalon --year 2024 --out revue.pdf   (or .xlsx)

`--db PATH` reads another database than config.DB_PATH. Internal figures of the programme
template (`is_internal`, indicators/visibility.py) are left out unless `--internal` is given
(before or after the subcommand). Messages are in French; the exit code is
0 on success, 2 for a wrong argument (unknown QPV, territory or section), 1 for anything else.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
import unicodedata
from pathlib import Path

import config


def _slug(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:60] or "quartier"


def _connect(db: Path):
    import duckdb
    if not db.exists():
        raise SystemExit(f"Base de données introuvable : {db}. Construisez-la avec `make db` "
                         "ou `python -m etl build`.")
    return duckdb.connect(str(db), read_only=True)


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def cmd_portrait(args, con) -> int:
    from indicators.portrait import UnknownQpv
    from reports import images, pdf

    try:
        if args.qpv:
            out = Path(args.out)
            if out.is_dir() or args.out.endswith("/"):
                out = out / f"portrait_{args.qpv}.pdf"
            t0 = time.perf_counter()
            try:
                data = pdf.portrait_pdf(con, args.qpv, year=args.year)
            except UnknownQpv:
                print(f"Quartier inconnu : {args.qpv} (aucun QPV de ce code dans {args.db}).", file=sys.stderr)
                return 2
            _write(out, data)
            print(f"{out} ({len(data) // 1024} Ko, {time.perf_counter() - t0:.1f} s)")
            return 0
        codes = pdf.contract_qpv_codes(con, args.territory)
        if not codes:
            known = ", ".join(r[0] for r in con.execute("select contract_slug from contracts order by 1").fetchall())
            print(f"Aucun quartier pour le territoire « {args.territory} » (territoires chargés : {known}).",
                  file=sys.stderr)
            return 2
        out_dir = Path(args.out)
        if out_dir.suffix.lower() == ".pdf":
            print("--territory écrit un PDF par quartier : --out doit être un dossier.", file=sys.stderr)
            return 2
        out_dir.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        for code in codes:
            name = con.execute("select territory_name from territories where territory_code = ? "
                               "and territory_level = 'qpv'", [code]).fetchall()
            path = out_dir / f"portrait_{code}_{_slug(name[0][0] if name else code)}.pdf"
            _write(path, pdf.portrait_pdf(con, code, year=args.year))
            print(path)
        print(f"{len(codes)} portraits en {time.perf_counter() - t0:.1f} s")
        return 0
    finally:
        images.stop_server()


def cmd_mandate(args, con) -> int:
    from reports import images, pdf

    try:
        t0 = time.perf_counter()
        try:
            data = pdf.mandate_pdf(con, args.territory, sections=args.sections, qpv_codes=args.qpv,
                                   review_year=args.review_year)
        except pdf.ReportError as e:
            print(str(e), file=sys.stderr)
            return 2
        contents = pdf.mandate_contents(con, args.territory, args.sections, args.qpv, args.review_year)
        left_out = pdf.review_left_out_note(con, args.territory, contents, args.sections, args.review_year)
        if left_out:
            print(left_out)
        out = Path(args.out)
        _write(out, data)
        print(f"{out} ({len(data) // 1024} Ko, {time.perf_counter() - t0:.1f} s)")
        return 0
    finally:
        images.stop_server()


def cmd_map(args, con) -> int:
    from reports import images

    out = Path(args.out)
    try:
        kw = dict(contract_slug=args.territory, indicator_id=args.indicator, year=args.year, highlight=args.qpv)
        data = images.map_svg(con, **kw) if out.suffix.lower() == ".svg" else images.map_png(con, **kw)
        _write(out, data)
        print(out)
        return 0
    finally:
        images.stop_server()


def cmd_pockets(args, con) -> int:
    """One justification sheet (PDF) per poverty pocket of a territory, default parameters."""
    from indicators.pockets import detect
    from indicators.territories import get_contract
    from reports import images, pdf

    if get_contract(con, args.territory) is None:
        print(f"Territoire inconnu : « {args.territory} »", file=sys.stderr)
        return 2
    result = detect(con, args.territory)
    if result.message or result.pockets.empty:
        print(result.message or "Aucune poche de pauvreté hors QPV avec les paramètres par défaut.")
        return 0
    out_dir = Path(args.out)
    t0 = time.perf_counter()
    try:
        for pocket_id in result.pockets["pocket_id"]:
            path = out_dir / f"poche_{pocket_id}.pdf"
            _write(path, pdf.pocket_sheet_pdf(con, result, pocket_id))
            print(path)
    finally:
        images.stop_server()
    print(f"{len(result.pockets)} fiches en {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_review(args, con) -> int:
    """The yearly review of a territory: PDF or XLSX, by the suffix of --out."""
    from reports import pdf

    out = Path(args.out)
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".xlsx"):
        print(f"--out doit finir par .pdf ou .xlsx (reçu : {args.out}).", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        make = pdf.review_pdf if suffix == ".pdf" else pdf.review_xlsx
        data = make(con, args.territory, args.year)
    except pdf.ReportError as e:
        print(str(e), file=sys.stderr)
        return 2
    _write(out, data)
    print(f"{out} ({len(data) // 1024} Ko, {time.perf_counter() - t0:.1f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    from reports.pdf import SECTIONS

    parser = argparse.ArgumentParser(prog="python -m reports",
                                     description="Portraits de quartier, rapports de mandat et cartes (PDF, PNG, SVG).")
    parser.add_argument("--db", type=Path, default=config.DB_PATH, help=f"base DuckDB (défaut : {config.DB_PATH})")
    parser.add_argument("--internal", action="store_true",
                        help="inclure les chiffres internes (réservés aux éditeurs ; jamais par défaut)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("portrait", help="portrait PDF d'un quartier, ou de chaque quartier d'un territoire")
    p.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    p.add_argument("--internal", action="store_true", default=argparse.SUPPRESS)
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--qpv", help="code du quartier (QN07101I)")
    who.add_argument("--territory", help="territoire (contrat) : un PDF par quartier")
    p.add_argument("--out", required=True, help="fichier .pdf (--qpv) ou dossier (--territory)")
    p.add_argument("--year", type=int, default=None, help="année des chiffres (défaut : la plus récente)")
    p.set_defaults(func=cmd_portrait)

    m = sub.add_parser("mandate", help="rapport de mandat PDF d'un territoire")
    m.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    m.add_argument("--internal", action="store_true", default=argparse.SUPPRESS)
    m.add_argument("--territory", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--sections", nargs="+", choices=list(SECTIONS), default=None,
                   help="sections (défaut : toutes) : " + ", ".join(SECTIONS))
    m.add_argument("--qpv", nargs="+", default=None, help="quartiers des portraits et bilans (défaut : tous)")
    m.add_argument("--review-year", type=int, default=None,
                   help="année de la revue annuelle (défaut : la plus récente déclarée)")
    m.set_defaults(func=cmd_mandate)

    c = sub.add_parser("map", help="carte des quartiers d'un territoire (PNG ou SVG selon --out)")
    c.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    c.add_argument("--internal", action="store_true", default=argparse.SUPPRESS)
    c.add_argument("--territory", required=True)
    c.add_argument("--indicator", default=None, help="indicateur du registre (poverty_rate_pct…)")
    c.add_argument("--year", type=int, default=None)
    c.add_argument("--qpv", default=None, help="quartier mis en évidence")
    c.add_argument("--out", required=True)
    c.set_defaults(func=cmd_map)

    k = sub.add_parser("pockets", help="fiche de justification PDF de chaque poche de pauvreté hors QPV")
    k.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    k.add_argument("--internal", action="store_true", default=argparse.SUPPRESS)
    k.add_argument("--territory", required=True)
    k.add_argument("--out", required=True, help="dossier des fiches")
    k.set_defaults(func=cmd_pockets)

    r = sub.add_parser("review", help="revue annuelle d'un territoire (PDF ou XLSX selon --out)")
    r.add_argument("--db", type=Path, default=argparse.SUPPRESS)
    r.add_argument("--internal", action="store_true", default=argparse.SUPPRESS)
    r.add_argument("--territory", required=True)
    r.add_argument("--year", type=int, required=True, help="année de la revue")
    r.add_argument("--out", required=True, help="fichier .pdf ou .xlsx")
    r.set_defaults(func=cmd_review)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from indicators.visibility import with_internal
    con = with_internal(_connect(Path(args.db)), args.internal)
    try:
        return args.func(args, con)
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
