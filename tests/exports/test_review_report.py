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
            "1 dispositif sans aucun chiffre déclaré pour 2024",
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
        "Attributions de logements socia", "Personnes touchées et part en Q", "Part des personnes touchées rés",
        "Indicateurs clés des quartiers",
        "Publiés pour la commune seuleme", "Signataires et autres acteurs", "Comité de pilotage", "Sources"]
    # A section with nothing to show is its note alone, without a header over empty columns.
    assert [r for r in wb["Publiés pour la commune seuleme"].iter_rows(values_only=True)][4:] == [
        ("Aucun indicateur publié pour les communes seulement n'est chargé.", None)]
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


def test_an_actor_that_does_not_sign_is_shown_as_such(review_db, tmp_path: Path) -> None:
    # Annex 4 of the Grand Chalon names associations and operators that carry schemes without
    # signing the contract: they are listed, marked « non signataire », and fill no mandatory place.
    import shutil

    import duckdb
    from indicators import review
    path = tmp_path / "actors.duckdb"
    shutil.copy(review_db, path)
    con = duckdb.connect(str(path))
    _insert(con, "review_signatories", contract_slug="c", signatory_id="unis", name="Unis-Cité",
            signatory_type="autre", is_signatory=False)
    _insert(con, "review_signatories", contract_slug="c", signatory_id="ml", name="Mission locale",
            signatory_type="france_travail", is_signatory=False)
    _insert(con, "review_schemes", contract_slug="c", scheme_id="s3", signatory_id="unis", pillar="Emploi",
            scheme="Service civique", funding_kind="droit_commun")
    assert review.signatories(con, "c")[["name", "type_label", "role"]].values.tolist() == [
        ["CAF de Testville", "Caisse d'allocations familiales", "signataire"],
        ["DDETS", "Service de l'État", "signataire"],
        ["Unis-Cité", "Autre partenaire", "non signataire"],
        ["Mission locale", "France Travail", "non signataire"]]
    # France Travail is still missing: an actor that does not sign does not fill its place.
    assert "France Travail" in review.missing_signatory_types(con, "c")
    assert review.mobilisation(con, "c", 2024)[["pillar", "signatory", "n_schemes"]].values.tolist() == [
        ["Emploi", "DDETS", 1], ["Emploi", "Unis-Cité (non signataire)", 1], ["Parentalité", "CAF de Testville", 1]]
    [section] = [s for s in review.review_sections(con, "c", 2024) if s.key == "signataires"]
    assert section.title == "Signataires et autres acteurs"
    assert section.note == ("2 signataires ; 2 autres acteurs nommés par le document, qui portent des "
                            "dispositifs sans signer le contrat (« non signataire »).")
    assert section.table.values.tolist() == [
        ["CAF de Testville", "Caisse d'allocations familiales", "signataire"],
        ["DDETS", "Service de l'État", "signataire"],
        ["Unis-Cité", "Autre partenaire", "non signataire"],
        ["Mission locale", "France Travail", "non signataire"]]
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    con.close()
    assert "Unis-Cité (non signataire)" in text and "Signataires et autres acteurs" in text


def test_the_mandate_report_holds_the_review_as_a_section(review_db, tmp_path: Path) -> None:
    import duckdb
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    assert pdf.mandate_contents(con, "c") == pdf.MandateContents(("financements", "revue"), (), 2024)
    data = pdf.mandate_pdf(con, "c", charts=False)
    con.close()
    reader = pypdf.PdfReader(io.BytesIO(data))

    def outline(items, depth=0):
        for it in items:
            if isinstance(it, list):
                yield from outline(it, depth + 1)
            else:
                yield ("  " * depth) + it.title
    assert list(outline(reader.outline)) == [
        "Programmes et financements", "Revue annuelle 2024",
        "  Programmation 2024", "  Crédits spécifiques et droit commun",
        "  Droit commun par pilier et par signataire", "  Dispositifs sans chiffre déclaré en 2024",
        "  Abattement de TFPB des bailleurs", "  Attributions de logements sociaux (CIA)",
        "  Personnes touchées et part en QPV", "  Part des personnes touchées résidant en QPV, par action",
        "  Indicateurs clés des quartiers : les écarts se réduisent-ils ?",
        "  Publiés pour la commune seulement", "  Signataires et autres acteurs", "  Comité de pilotage",
        "Annexe 1 — Dispositifs sans chiffre déclaré en 2024", "Sources"]
    text = " ".join(_text(data).split())
    assert "Contenu : Programmes et financements, revue annuelle 2024, sources." in text
    assert "37 500" not in text


@pytest.mark.parametrize("column, value, status, expected", [
    ("Année", 2025, None, "2025"),
    ("Montant (€)", 12300.0, None, "12\u202f300\u00a0€"),
    ("Montant déclaré (€)", 1_500_000.0, None, "1,5\u00a0M€"),
    ("Crédits spécifiques (programme 147, €)", 526200, None, "526\u202f200\u00a0€"),
    ("Part propre aux QPV (%)", 25.0, None, "25,0\u00a0%"),   # a share we compute: 1 decimal
    ("Part résidant en QPV (%)", 46.47, None, "46,5\u00a0%"),
    ("Taux (%)", 12.04, None, "12,04\u00a0%"),                 # a typed rate: as typed
    ("Montant (€)", None, None, "non renseigné"),
    ("Montant (€)", float("nan"), None, "non renseigné"),
    ("Personnes hors secret statistique", None, "secret", "secret statistique"),
    ("Code", None, None, ""),
    ("Dispositifs déclarés", 3, None, "3"),
    ("CPO", True, None, "oui"),
])
def test_review_cells_print_in_french(column, value, status, expected) -> None:
    assert pdf.review_column_cell(column, value, status) == expected


def test_review_headers_leave_the_unit_to_their_cells() -> None:
    assert [pdf.review_header(c) for c in ("Montant (€)", "Crédits spécifiques (programme 147, €)",
                                           "Part propre aux QPV (%)", "Taux (%)", "Cible (%)", "Année",
                                           "Droit commun pour 1 € de programme 147", "Pilier")] == [
        "Montant", "Crédits spécifiques (programme 147)", "Part propre aux QPV", "Taux", "Cible", "Année",
        "Droit commun pour 1 € de programme 147", "Pilier"]


@pytest.mark.parametrize("report", ["review", "mandate"])
def test_review_tables_say_each_unit_once(review_db, report) -> None:
    """Issue 11: « Montant déclaré (€) » above « 12 500 € », « Part propre aux QPV (%) » above
    « 100,0 % »: the unit is said by the cells only, in the review report as in the mandate
    report's review section."""
    import re

    import duckdb
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    data = pdf.review_pdf(con, "c", 2024) if report == "review" else pdf.mandate_pdf(con, "c", charts=False)
    con.close()
    text = " ".join(_text(data).split())
    assert re.findall(r"\([^()]*(?:€|%)\)", text) == []
    assert ("Année Crédits spécifiques (programme 147) Droit commun déclaré dont propre aux QPV "
            "Droit commun pour 1 € de programme 147 2024 25 000 € 12 500 € 12 500 € 0,5") in text
    assert ("Montant déclaré dont propre aux QPV Part propre aux QPV Emploi DDETS 1 0 non renseigné "
            "non renseigné non renseigné Parentalité CAF de Testville 1 1 12 500 € 12 500 € 100,0 %") in text


def test_review_pdf_reads_in_french(review_db, tmp_path: Path) -> None:
    # Amounts in euros (never « EUR »), years without a thousands separator, a TFPB line for every
    # QPV of its landlord said so, an amount not given « non renseigné », no « nan ».
    import shutil

    import duckdb
    from indicators.visibility import hide_internal
    path = tmp_path / "tfpb.duckdb"
    shutil.copy(review_db, path)
    con = duckdb.connect(str(path))
    _insert(con, "review_signatories", contract_slug="c", signatory_id="opac", name="OPAC de Testville",
            signatory_type="bailleur")
    _insert(con, "review_tfpb", contract_slug="c", signatory_id="opac", year=2024, action="Gardiennage",
            amount_eur=1_500_000.0, is_internal=False)
    _insert(con, "review_tfpb", contract_slug="c", signatory_id="opac", year=2024, action="Animation",
            territory_code="QN00001A", is_internal=False)
    con.close()
    con = hide_internal(duckdb.connect(str(path), read_only=True))
    [tfpb] = [s for s in __import__("indicators.review", fromlist=["x"]).review_sections(con, "c", 2024)
              if s.key == "tfpb"]
    assert tfpb.table.astype(object).where(tfpb.table.notna(), None).values.tolist() == [
        ["OPAC de Testville", "Animation", "QN00001A", None],
        ["OPAC de Testville", "Gardiennage", "tous ses QPV", 1_500_000.0]]
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    con.close()
    # The landlord's second row grouped under its first (grouped_first_column).
    for expected in ("OPAC de Testville Animation QN00001A non renseigné Gardiennage tous ses QPV 1,5 M€",
                     "2024 25 000 € 12 500 € 12 500 € 0,5"):
        assert expected in text, expected
    import re
    for wrong in (r"\bEUR\b", r"\b2 024\b", r"\bnan\b", r"\bNone\b"):
        assert not re.search(wrong, text), wrong


def test_cia_parties_read_as_names() -> None:
    from indicators.review import party_label
    assert [party_label(t, n) for t, n in (("reservataire", "action_logement"), ("ensemble", "ensemble"),
                                           ("bailleur", "OPAC de Testville"))] == [
        "Action Logement", "Ensemble", "OPAC de Testville"]


def test_the_share_of_people_living_in_a_qpv_per_action(review_db, tmp_path: Path) -> None:
    # 12 people reached living in a QPV and 8 outside: 60 %; an action whose few people are all
    # in cells under 5 shows « secret statistique », never a figure.
    import shutil

    import duckdb
    from indicators import review
    path = tmp_path / "people.duckdb"
    shutil.copy(review_db, path)
    con = duckdb.connect(str(path))
    for aid, title in (("a1", "Atelier emploi"), ("a2", "Sortie familles")):
        _insert(con, "programme_actions", contract_slug="c", action_id=aid, year=2024, title=title,
                is_internal=False)
    for aid, status, n in (("a1", "qpv", 12), ("a1", "hors_qpv", 8), ("a2", "qpv", 3)):
        for _ in range(n):
            _insert(con, "programme_beneficiaries", contract_slug="c", action_id=aid, year=2024,
                    sex="femme", age_band="30_59", residence_status=status)
    [section] = [s for s in review.review_sections(con, "c", 2024) if s.key == "personnes_actions"]
    assert section.table.astype(object).where(section.table.notna(), None).values.tolist() == [
        ["Atelier emploi", 20, "ok", 12, "ok", 60.0, "ok", 0],
        ["Sortie familles", None, "secret", None, "secret", None, "secret", 1]]
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    con.close()
    assert "Atelier emploi 20 12 60,0 % 0" in text
    assert "Sortie familles secret statistique secret statistique secret statistique 1" in text


def test_review_amounts_say_euro_never_eur(review_db, tmp_path: Path) -> None:
    """Amounts read « € » in the PDF, in the XLSX headers and formats (« (EUR) » was left over),
    and a figure typed with the unit EUR reads « 12 500 € (propre aux QPV) »."""
    import duckdb
    from indicators import review
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    assert "EUR" not in text
    # The unit said once: by the cells (« 12 500 € »), not again by the header (issue 11).
    assert "Droit commun déclaré dont propre aux QPV" in text and "Montant déclaré dont propre" in text
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


def _many_unreported(review_db: Path, tmp_path: Path) -> tuple[Path, list[tuple[str, str]]]:
    """The review database with 45 more schemes nobody reported, in three pillars."""
    import shutil

    import duckdb
    path = tmp_path / "unreported.duckdb"
    shutil.copy(review_db, path)
    con = duckdb.connect(str(path))
    added = []
    for i in range(45):
        pillar = ("Cadre de vie", "Emploi", "Santé")[i % 3]
        scheme = f"Dispositif numéro {i + 1:02d} jamais déclaré"
        _insert(con, "review_schemes", contract_slug="c", scheme_id=f"x{i:02d}", signatory_id="ddets",
                pillar=pillar, scheme=scheme, funding_kind="droit_commun")
        added.append((pillar, scheme))
    con.close()
    return path, added


def _body_and_annex(text: str, title: str) -> tuple[str, str]:
    """The report's text before its annex and the annex (the table of contents names it too)."""
    head = f"Annexe 1 — {title}"
    at = text.rindex(head)
    return text[:at], text[at:text.index("Sources", at)]


@pytest.mark.parametrize("report", ["review", "mandate"])
def test_schemes_nobody_reported_go_to_an_annex_whole(review_db, tmp_path: Path, report) -> None:
    import duckdb
    from indicators.visibility import hide_internal
    path, added = _many_unreported(review_db, tmp_path)
    con = hide_internal(duckdb.connect(str(path), read_only=True))
    data = (pdf.review_pdf(con, "c", 2024) if report == "review"
            else pdf.mandate_pdf(con, "c", sections=["revue"], charts=False))
    con.close()
    text = " ".join(_text(data).split())
    body, annex = _body_and_annex(text, "Dispositifs sans chiffre déclaré en 2024")
    # The body: one sentence counting the schemes per pillar (Contrats aidés: Emploi), no list.
    assert ("46 dispositifs sans chiffre déclaré : Cadre de vie 15, Emploi 16, Santé 15. La liste "
            "complète est en annexe 1 (« Dispositifs sans chiffre déclaré en 2024 »).") in body
    assert not any(scheme in body for _, scheme in added) and "Contrats aidés" not in body
    # The annex: its note, then the whole table, by pillar as on the page.
    assert annex.startswith("Annexe 1 — Dispositifs sans chiffre déclaré en 2024 Un dispositif sans "
                            "chiffre n'est pas compté 0 : il reste à déclarer. Pilier Signataire Dispositif")
    expected = sorted([("Emploi", "Contrats aidés")] + added, key=lambda ps: ps[0])   # s2 < x00
    positions = [annex.index(scheme) for _, scheme in expected]
    assert positions == sorted(positions)
    assert annex.count("jamais déclaré") == 45


def test_the_xlsx_lists_the_schemes_nobody_reported_on_their_own_sheet(review_db, tmp_path: Path) -> None:
    path, added = _many_unreported(review_db, tmp_path)
    out = tmp_path / "revue.xlsx"
    assert main(["--db", str(path), "review", "--territory", "c", "--year", "2024", "--out", str(out)]) == 0
    rows = [r for r in load_workbook(out)["Dispositifs sans chiffre déclar"].iter_rows(values_only=True)
            if any(v is not None for v in r)]
    header = rows.index(("Pilier", "Signataire", "Dispositif"))
    assert sorted(rows[header + 1:]) == sorted([("Emploi", "DDETS", "Contrats aidés")]
                                              + [(p, "DDETS", s) for p, s in added])


def test_a_review_table_groups_the_rows_of_one_first_cell() -> None:
    # Grand Chalon's steering committee printed its rubrique on every one of 30 rows running.
    body = [["Pilotes", "Préfecture", "Préfet"], ["Pilotes", "Agglo", "Président"],
            ["Élus", "Ville", "Maire"], ["", "Ville", "Adjoint"], ["", "Agglo", "Vice-président"],
            ["Pilotes", "Région", "Présidente"]]
    assert pdf.grouped_first_column(body) == [
        ["Pilotes", "Préfecture", "Préfet"], ["", "Agglo", "Président"],
        ["Élus", "Ville", "Maire"], ["", "Ville", "Adjoint"], ["", "Agglo", "Vice-président"],
        ["Pilotes", "Région", "Présidente"]]
    assert body[1][0] == "Pilotes"           # the rows given are left as they were
    assert pdf.grouped_first_column([]) == []


def test_the_common_law_note_points_to_where_each_output_puts_the_list(review_db, tmp_path: Path) -> None:
    """Issue 11: the note said « (liste ci-après) » in the PDF, whose list is in the annex."""
    import duckdb
    from indicators import review
    from indicators.visibility import hide_internal
    con = hide_internal(duckdb.connect(str(review_db), read_only=True))
    note = "1 dispositif sans aucun chiffre déclaré pour 2024 ({})."
    [section] = [s for s in review.review_sections(con, "c", 2024) if s.key == "droit_commun"]
    assert section.note.split(" Signataires")[0] == note.format("liste ci-après")
    text = " ".join(_text(pdf.review_pdf(con, "c", 2024)).split())
    assert note.format("liste en annexe") in text and "ci-après" not in text
    assert "La liste complète est en annexe 1 (« Dispositifs sans chiffre déclaré en 2024 »)." in text
    out = tmp_path / "revue.xlsx"
    assert main(["--db", str(review_db), "review", "--territory", "c", "--year", "2024", "--out", str(out)]) == 0
    ws = load_workbook(out)["Droit commun par pilier et par"]
    notes = [r[0] for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and "dispositif sans" in r[0]]
    assert [n.split(" Signataires")[0] for n in notes] == [note.format("liste dans la feuille suivante")]
