"""`python -m etl …`: exit codes and what is printed. These use every loader of LOADER_MODULES."""
from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import pytest

from etl.__main__ import main, template_doc
from etl.loaders import accepted_formats, import_loaders
from etl.template import TABLES
from tests.etl_build.conftest import ROOT, query, sha256, write_csv


def test_build_then_failed_build_exit_codes(programme_dir: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "qpv.duckdb"
    assert main(["build", "--raw", str(programme_dir), "--db", str(db), "--quiet"]) == 0
    out = capsys.readouterr()
    assert (out.out, out.err) == ("", "")
    assert query(db, "select count(*) from sources") == [(9,)]
    before = sha256(db)

    write_csv(programme_dir / "financements 2.csv", [["contract", "year", "funder", "amount_eur"],
                                                     ["demo", "2024", "ville", "12 k€"]])
    assert main(["build", "--raw", str(programme_dir), "--db", str(db)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[-3:] == [
        "Erreur :",
        "  raw/financements 2.csv, ligne 2, colonne « amount_eur » : nombre non reconnu « 12 k€ »"
        " (attendu : un nombre (ex. 1 075 ou 12,5))",
        f"La base publiée ({db}) n'a pas été modifiée.",
    ]
    assert err[-4].startswith("échec, la base publiée n'a pas été modifiée : ")
    assert sha256(db) == before


def test_validate_prints_report_and_exit_code(programme_dir: Path, capsys) -> None:
    assert main(["validate", "--raw", str(programme_dir), "--quiet"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "avertissement : raw/classeur.xlsx, feuille « Notice » : feuille sans en-tête du modèle, ignorée"
    assert out[-1].startswith("validation réussie (rien n'est publié) : 9 fichiers, 31 lignes lues, 9 territoires,")
    assert "loaded       programme_workbook                   5  raw/classeur.xlsx" in out

    (programme_dir / "inconnu.dat").write_bytes(b"\x00\x01")
    assert main(["validate", "--raw", str(programme_dir), "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    formats = accepted_formats(import_loaders())
    assert "modèle de saisie du programme" in formats and formats.count(" ; ") == 8
    assert "base communale de la délinquance enregistrée du SSMSI (CSV data.gouv.fr)" in formats
    assert "accessibilité potentielle localisée (APL) de la DREES (classeur XLSX)" in formats
    assert "IPS des collèges de la DEPP ou annuaire de l'éducation (CSV data.education.gouv.fr)" in formats
    assert "Base Adresse Nationale" in formats
    assert [line for line in out if line.startswith("ERREUR")] == [
        f"ERREUR : raw/inconnu.dat : format de fichier non reconnu (attendu : un des formats acceptés : {formats})"]
    assert out[-1].startswith("échec, la base publiée n'a pas été modifiée : 0 fichier, ")


def test_template_doc_documents_every_table_and_column(capsys) -> None:
    assert main(["template-doc"]) == 0
    text = capsys.readouterr().out
    assert text == template_doc() + "\n"
    for table in TABLES:
        assert f"### `{table.name}` → table `{table.target}`" in text
        for col in table.columns:
            line = next(ln for ln in text.splitlines() if ln.startswith(f"| `{col.name}` |") and col.doc.replace("|", "/") in ln)
            assert ("| oui |" if col.required else "| non |") in line
            for v in col.values:
                assert f"`{v}`" in line


def test_demo_command_calls_write_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    calls = []
    fake = types.ModuleType("etl.demo")
    fake.write_demo = lambda out: calls.append(out) or [out / "a.csv", out / "b.csv"]
    monkeypatch.setitem(sys.modules, "etl.demo", fake)
    assert main(["demo", "--out", str(tmp_path / "demo")]) == 0
    assert calls == [tmp_path / "demo"]
    assert capsys.readouterr().out == f"2 fichiers de démonstration écrits dans {tmp_path / 'demo'}\n"


def test_bad_command_line_exits_2(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["construire"])
    assert info.value.code == 2


def test_real_process_exit_code(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    write_csv(raw / "x.csv", [["contract", "contract_name"], ["demo", "Démo"], ["demo", "Démo bis"]])
    db = tmp_path / "qpv.duckdb"
    done = subprocess.run([sys.executable, "-m", "etl", "build", "--raw", str(raw), "--db", str(db)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert ("  raw/x.csv, ligne 3, colonne « contract » : ligne en double (même contract qu'à la ligne 2)"
            " (attendu : une seule ligne par contract)") in done.stderr.splitlines()
    assert not db.exists()
