"""Command line of the ETL.

    python -m etl build [--raw DIR]... [--db PATH] [--quiet]
    python -m etl validate [--raw DIR]...
    python -m etl import FILE... [--yes] | --list | --withdraw BATCH | --publish BATCH
    python -m etl demo --out DIR [--scale demo|france] [--qpv N]
    python -m etl template-doc
    python -m etl locate FILE --out FILE [--db PATH] [--geographie 2024|2015]

Exit codes: 0 success; 1 the files are wrong (the error names file, line, column and what was
expected; the published database is unchanged); 2 bad command line.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

import config
from etl.core import EtlError, printable
from etl.template import TABLES

_TYPES = {"text": "texte", "int": "nombre entier", "number": "nombre", "bool": "oui/non",
          "list": "liste de codes (séparés par « , » ou « \\| »)", "year": "année (4 chiffres)"}


def template_doc() -> str:
    """Markdown documenting every table and column of the programme template (etl/template.py)."""
    out = ["## Modèle de saisie du programme", "",
           "Un fichier CSV par table (séparateur `;` ou `,`, UTF-8 ou Latin-1, virgule décimale "
           "acceptée) ou un classeur XLSX avec une feuille par table. Un fichier est reconnu par "
           "sa ligne d'en-tête, pas par son nom : elle doit contenir toutes les colonnes "
           "obligatoires d'une table. L'ordre des colonnes est libre ; une colonne inconnue est "
           "signalée puis ignorée. Les formules d'un tableur ne sont jamais calculées.", ""]
    for t in TABLES:
        out += [f"### `{t.name}` → table `{t.target}`", "", t.doc, "",
                "| colonne | type | obligatoire | description | valeurs permises |",
                "|---|---|---|---|---|"]
        for c in t.columns:
            values = ", ".join(f"`{v}`" for v in c.values)
            out.append(f"| `{c.name}` | {_TYPES[c.type]} | {'oui' if c.required else 'non'} | "
                       f"{c.doc.replace('|', '/')} | {values} |")
        out.append("")
    return "\n".join(out)


def _print_errors(exc: EtlError) -> None:
    print("Erreur :", file=sys.stderr)
    for line in str(exc).splitlines():
        print(f"  {line}", file=sys.stderr)


def locate_command(args) -> int:
    """`python -m etl locate`: the file back with its QPVs, and the summary on the terminal."""
    from etl.db import open_snapshot
    from indicators import locate
    from reports import located as located_io

    if not args.db.exists():
        print(f"Erreur : base introuvable ({args.db}) ; construisez-la avec `python -m etl build`.",
              file=sys.stderr)
        return 1
    try:
        table = located_io.read_file(args.file.read_bytes(), args.file.name)
    except OSError as exc:
        print(f"Erreur : {args.file} : lecture impossible ({exc.strerror})", file=sys.stderr)
        return 1
    except EtlError as exc:
        _print_errors(exc)
        return 1
    columns = locate.guess_columns(table)
    if columns.empty:
        print(f"Erreur : {args.file.name}, ligne 1 : ni coordonnées ni adresse reconnues dans "
              f"l'en-tête ({', '.join(map(str, table.columns))}) (attendu : longitude/latitude, "
              "x/y en Lambert-93, ou adresse, code postal, commune)", file=sys.stderr)
        return 1
    con = open_snapshot(args.db)
    contours = locate.load_contours(con)
    if not contours.qpv:
        print(f"Erreur : aucun contour de QPV dans {args.db} (chargez un fichier de contours de l'ANCT).",
              file=sys.stderr)
        return 1
    geography = args.geographie or contours.geographies[0]
    if geography not in contours.qpv:
        print(f"Erreur : la géographie {geography} n'est pas chargée (chargées : "
              f"{', '.join(map(str, contours.geographies))}).", file=sys.stderr)
        return 1
    ban = None
    if columns.address:
        from indicators import geocode

        if args.moteur == "addok":
            if not args.addok_url:
                print("Erreur : --moteur addok demande --addok-url.", file=sys.stderr)
                return 2
            ban = geocode.AddokEngine(args.addok_url)
        elif not geocode.has_ban(con):
            print(f"Erreur : aucune adresse de la BAN dans {args.db} (chargez un fichier "
                  "adresses-XX.csv de adresse.data.gouv.fr).", file=sys.stderr)
            return 1
        else:
            ban = locate.ban_for(con, table, columns.address)
    result = locate.locate_rows(table, contours, columns=columns, geography=geography, ban=ban)
    summary = locate.summary(result)
    located_io.write(locate.output_frame(result), args.out, summary, locate.DISCLAIMER)
    how = (f"coordonnées {columns.coords[0]}/{columns.coords[1]} (EPSG:{columns.coords[2]})"
           if columns.coords else "adresses : " + ", ".join(f"{c}" for c in columns.address.values()))
    print(f"{args.file.name} : {len(table)} lignes, {how}, {locate.geography_label(geography)}")
    for label, n in summary.itertuples(index=False):
        print(f"  {label:<48} {n:>9}")
    print(f"Écrit : {args.out}")
    print(locate.DISCLAIMER)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description="Construction de la base des QPV.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_build = sub.add_parser("build", help="construire et publier la base (remplacement atomique)")
    p_build.add_argument("--raw", action="append", type=Path, metavar="DIR",
                         help="dossier de fichiers bruts (répétable ; défaut : démo et territoires)")
    p_build.add_argument("--db", type=Path, default=config.DB_PATH, help=f"base publiée (défaut : {config.DB_PATH})")
    p_build.add_argument("--quiet", action="store_true", help="n'afficher que les erreurs")
    p_val = sub.add_parser("validate", help="tout vérifier dans une base jetable, sans rien publier")
    p_val.add_argument("--raw", action="append", type=Path, metavar="DIR")
    p_val.add_argument("--quiet", action="store_true")
    p_demo = sub.add_parser("demo", help="écrire les fichiers du territoire fictif de démonstration")
    p_demo.add_argument("--out", type=Path, default=config.DEMO_RAW_DIR)
    p_demo.add_argument("--scale", choices=("demo", "france"), default="demo",
                        help="demo : le territoire Val-de-Lorne (défaut) ; france : une France fictive "
                             "à l'échelle nationale (etl/demo_france.py)")
    p_demo.add_argument("--qpv", type=int, default=1600,
                        help="avec --scale france : nombre de QPV 2024 (le reste suit en proportion)")
    sub.add_parser("template-doc", help="documentation Markdown du modèle de saisie")
    p_imp = sub.add_parser("import", help="importer des fichiers comme la page « Importer des fichiers »")
    p_imp.add_argument("files", nargs="*", type=Path, metavar="FILE", help="fichiers à importer (un lot)")
    p_imp.add_argument("--yes", action="store_true", help="publier sans demander si les contrôles passent")
    p_imp.add_argument("--list", action="store_true", help="l'historique des lots importés")
    p_imp.add_argument("--withdraw", metavar="LOT", help="retirer un lot (reconstruction sans lui)")
    p_imp.add_argument("--publish", metavar="LOT", help="publier un lot en attente")
    p_imp.add_argument("--db", type=Path, default=config.DB_PATH, help=f"base publiée (défaut : {config.DB_PATH})")
    p_loc = sub.add_parser("locate", help="adresses ou coordonnées d'un fichier → QPV (hors ligne)")
    p_loc.add_argument("file", type=Path, metavar="FICHIER", help="CSV ou XLSX avec des adresses ou des coordonnées")
    p_loc.add_argument("--out", type=Path, required=True, help="fichier rendu (.csv ou .xlsx)")
    p_loc.add_argument("--db", type=Path, default=config.DB_PATH, help=f"base publiée (défaut : {config.DB_PATH})")
    p_loc.add_argument("--geographie", type=int, choices=(2024, 2015), default=None,
                       help="géographie des QPV (défaut : la plus récente chargée)")
    p_loc.add_argument("--moteur", choices=("ban", "addok"), default="ban",
                       help="géocodage : BAN chargée dans la base (défaut, hors ligne) ou un serveur addok")
    p_loc.add_argument("--addok-url", default=None,
                       help="adresse d'un serveur addok ou de l'API Adresse (avec --moteur addok)")
    args = parser.parse_args(argv)
    if args.command == "locate":
        return locate_command(args)

    if args.command == "template-doc":
        print(template_doc())
        return 0
    if args.command == "demo" and args.scale == "france":
        import time

        from etl.demo_france import write_france
        if args.qpv < 8:
            parser.error("--qpv : au moins 8 QPV")
        t0 = time.perf_counter()
        figures = write_france(args.out, args.qpv)
        print(f"France fictive écrite dans {args.out} : {figures['qpv']} QPV 2024, {figures['qpv2015']} QPV 2015, "
              f"{figures['communes']} communes, {figures['epcis']} EPCI, {figures['departements']} départements, "
              f"{figures['grid_squares']} carreaux, {figures['programme_attributions']} lignes d'attributions, "
              f"{figures['ban_addresses']} adresses, en {time.perf_counter() - t0:.1f} s".replace(".", ","))
        return 0
    if args.command == "demo":
        from etl.demo import write_demo
        paths = write_demo(args.out)
        print(f"{len(paths)} fichiers de démonstration écrits dans {args.out}")
        return 0

    if args.command == "import":
        from etl.import_cli import run_import
        return run_import(args, parser)

    from etl import importer
    from etl.build import build, validate
    raw = args.raw
    if not raw:                    # the default folders that exist, then every imported batch
        for missing in importer.missing_default_dirs():
            print(f"Dossier par défaut absent, ignoré : {missing}"
                  + (" (python -m etl demo l'écrit)" if missing == config.DEMO_RAW_DIR else ""),
                  file=sys.stderr)
        raw = importer.raw_dirs()
    progress = None if args.quiet else (lambda line: print(printable(line), file=sys.stderr, flush=True))
    if args.command == "validate":
        report = validate(raw, progress=progress)
        for m in report.messages:
            print(f"{'ERREUR' if m.level == 'error' else 'avertissement'} : {m}")
        if report.error and not report.errors:
            print(printable(f"ERREUR : {report.error}"))
        for f in report.files:
            print(printable(f"{f.outcome:<12} {f.kind or '-':<28} {f.rows_read if f.rows_read is not None else '':>9}  {f.file_name}"))
        print(report.summary())
        return 0 if report.ok else 1
    try:
        if args.db.resolve() == Path(config.DB_PATH).resolve():
            # The published database always holds the imported batches (etl/importer.py).
            importer.rebuild(args.db, base=args.raw, progress=progress, max_file_bytes=None)
        elif args.raw:
            build(raw, args.db, progress=progress)
        else:
            build(raw, args.db, progress=progress, import_batches=importer.batch_records())
    except EtlError as exc:
        _print_errors(exc)
        print(f"La base publiée ({args.db}) n'a pas été modifiée.", file=sys.stderr)
        return 1
    except (OSError, duckdb.Error) as exc:
        # Disk full, read-only folder…: not the files' fault, but the same promise holds.
        print(printable(f"Erreur : {type(exc).__name__} : {exc}"), file=sys.stderr)
        print(f"La base publiée ({args.db}) n'a pas été modifiée.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
