"""The yearly review report (reports.pdf.review_pdf / review_xlsx, `python -m reports review`) on a
small database built by code: every section, absent figures as « non renseigné », internal
figures only with --internal."""
from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pypdf
import pytest
from openpyxl import load_workbook

from etl.db import create_empty
from reports import pdf
from reports.__main__ import main

SRC = "src_review000001"


def _insert(con, table: str, **values) -> None:
    values.setdefault("source_id", SRC)
    con.execute(f"insert into {table} ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
                list(values.values()))


@pytest.fixture(scope="module")
def review_db(tmp_path_factory) -> Path:
    return build_review_db(tmp_path_factory.mktemp("review") / "review.duckdb")


def build_review_db(path: Path, pillar: str = "Parentalité") -> Path:
    """Contract `c`: two signatories (CAF, DDETS), two schemes, a public QPV amount and an internal
    territory-wide one for 2024, programme 147 credits, one committee member."""
    con = create_empty(path)
    con.execute("insert into sources (source_id, kind, producer, title, vintage, file_name, sha256, rows_read,"
                " loaded_at, is_fictional) values (?, 'programme_signatories', 'Agglo', 'Modèle', '2024',"
                " 'revue.csv', 'x', 5, ?, false)", [SRC, datetime(2026, 1, 1)])
    _insert(con, "contracts", contract_slug="c", contract_name="Contrat de ville de Testville",
            period_label="2024–2030", start_year=2024, end_year=2030, is_fictional=False)
    _insert(con, "documents", contract_slug="c", document_id="annexes", title="Annexes du contrat",
            producer="Agglo")
    for sid, name, kind in (("caf", "CAF de Testville", "caf"), ("ddets", "DDETS", "etat")):
        _insert(con, "review_signatories", contract_slug="c", signatory_id=sid, name=name, signatory_type=kind)
    for sid, sig, pil, label in (("s1", "caf", pillar, "CLAS"),
                                 ("s2", "ddets", "Emploi", "Contrats aidés")):
        _insert(con, "review_schemes", contract_slug="c", scheme_id=sid, signatory_id=sig, pillar=pil,
                scheme=label, funding_kind="droit_commun", document_id="annexes", source_ref="annexe 4")
    _insert(con, "review_figures", contract_slug="c", scheme_id="s1", year=2024, measure="montant",
            value=12500.0, unit="EUR", scope="qpv", is_internal=False)
    _insert(con, "review_figures", contract_slug="c", scheme_id="s1", year=2024, measure="montant",
            value=37500.0, unit="EUR", scope="territoire", is_internal=True)
    _insert(con, "programme_funding", contract_slug="c", year=2024, funder="etat_p147", amount_eur=25000.0)
    _insert(con, "review_committee", contract_slug="c", college="Pilotes", organisation="Agglo",
            member="La Présidence", position=1)
    con.close()
    return path


def _text(data: bytes) -> str:
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_review_pdf_holds_every_section(review_db) -> None:
    import duckdb
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    for expected in (
            "REVUE ANNUELLE 2024", "Contrat de ville de Testville", "Programmation 2024",
            "Aucune action programmée n'est saisie pour 2024.",
            "Crédits spécifiques et droit commun", "Droit commun par pilier et par signataire",
            "1 dispositifs sans aucun chiffre déclaré pour 2024",
            "Signataires obligatoires absents : Commune, Intercommunalité",
            "Dispositifs sans chiffre déclaré en 2024", "Contrats aidés",
            "Aucun bailleur n'a déclaré l'emploi de l'abattement de TFPB pour 2024.",
            "Aucun résultat d'attribution (CIA) n'est connu pour 2024.",
            "Aucune personne touchée n'est saisie pour 2024.", "Comité de pilotage", "La Présidence",
            "Aucun indicateur publié pour les communes seulement n'est chargé.",
            "non renseigné", "Annexes du contrat"):
        assert expected in text, expected
    assert "37 500" not in text and "50 000" not in text       # the internal figure stays out


def test_review_xlsx_one_sheet_per_section(review_db, tmp_path: Path) -> None:
    out = tmp_path / "revue.xlsx"
    assert main(["--db", str(review_db), "review", "--territory", "c", "--year", "2024", "--out", str(out)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == [
        "Programmation 2024", "Crédits spécifiques et droit co", "Droit commun par pilier et par",
        "Dispositifs sans chiffre déclar", "Abattement de TFPB des bailleur",
        "Attributions de logements socia", "Personnes touchées et part en Q", "Indicateurs clés des quartiers",
        "Publiés pour la commune seuleme", "Comité de pilotage", "Sources"]
    ws = wb["Crédits spécifiques et droit co"]
    rows = [[c for c in r] for r in ws.iter_rows(values_only=True) if any(v is not None for v in r)]
    assert rows[-2:] == [
        ["Année", "Crédits spécifiques (programme 147, €)", "Droit commun déclaré (€)",
         "dont propre aux QPV (€)", "Droit commun pour 1 € de programme 147"],
        [2024, 25000, 12500, 12500, 0.5]]
    assert rows[-3] == ["Montants de droit commun tels que déclarés par les signataires.", None, None, None, None]
    # With --internal, the internal territory-wide amount counts.
    assert main(["--db", str(review_db), "--internal", "review", "--territory", "c", "--year", "2024",
                 "--out", str(out)]) == 0
    ws = load_workbook(out)["Crédits spécifiques et droit co"]
    assert [r for r in ws.iter_rows(values_only=True) if r[0] == 2024] == [(2024, 25000, 50000, 12500, 2)]


def test_review_command_refuses_a_wrong_suffix_or_territory(review_db, tmp_path: Path, capsys) -> None:
    assert main(["--db", str(review_db), "review", "--territory", "c", "--year", "2024",
                 "--out", str(tmp_path / "revue.docx")]) == 2
    assert main(["--db", str(review_db), "review", "--territory", "x", "--year", "2024",
                 "--out", str(tmp_path / "revue.pdf")]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"--out doit finir par .pdf ou .xlsx (reçu : {tmp_path / 'revue.docx'}).",
        "Territoire inconnu : « x ». Territoires chargés : c"]
    assert main(["--db", str(review_db), "review", "--territory", "c", "--year", "2024",
                 "--out", str(tmp_path / "revue.pdf")]) == 0
    assert (tmp_path / "revue.pdf").read_bytes()[:5] == b"%PDF-"


def test_review_amounts_say_euro_never_eur(review_db, tmp_path: Path) -> None:
    """Amounts read « € » in the PDF, in the XLSX headers and formats (« (EUR) » was left over),
    and a figure typed with the unit EUR reads « 12 500 € (propre aux QPV) »."""
    import duckdb
    from indicators import review
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    assert "EUR" not in text
    assert "Droit commun déclaré (€)" in text and "Montant déclaré (€)" in text
    out = tmp_path / "revue.xlsx"
    assert main(["--db", str(review_db), "review", "--territory", "c", "--year", "2024", "--out", str(out)]) == 0
    wb = load_workbook(out)
    cells = [c for ws in wb if ws.title != "Sources" for r in ws.iter_rows() for c in r]
    assert not [c.value for c in cells if isinstance(c.value, str) and "EUR" in c.value]
    ws = wb["Crédits spécifiques et droit co"]
    row = next(r for r in ws.iter_rows() if r[0].value == 2024)
    assert [c.number_format for c in row] == ["0", '#,##0"\u00a0€"', '#,##0"\u00a0€"', '#,##0"\u00a0€"',
                                              '#,##0.00"\u00a0€"']
    assert sorted(review.schemes_view(con, "c", 2024)["Mobilisé en 2024"]) == [
        "12\u202f500 € (propre aux QPV)", review.NOT_REPORTED]


def test_review_columns_share_the_width_by_content() -> None:
    """A signatory's long name gets the room the short numbers do not need (equal columns wrapped
    it on six lines); no column is narrower than 8 characters or wider than 40."""
    texts = [["Pilier", "Signataire", "Dispositifs déclarés", "Montant déclaré (€)"],
             ["Sport", "Service départemental à la jeunesse, à l'engagement et aux sports (SDJES)", "7",
              "non renseigné"]]
    assert [round(w, 2) for w in pdf.review_col_widths(texts, 100.0)] == [
        round(100 * w / 84.5, 2) for w in (11, 40, 18.5, 15)]
    # « Pilier »: 6 bold characters (× 1,5 + 2); « Dispositifs déclarés »: its longest word, 11
    # bold characters, not cut; « non renseigné » (13 + 2) on one line.
