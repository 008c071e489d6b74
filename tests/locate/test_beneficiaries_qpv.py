"""People reached: the QPV of residence computed at load from an address or coordinates, which
are never stored; the share living in a QPV per action and year, masked under 5."""
from __future__ import annotations

import pandas as pd

from etl.core import Candidate
from etl.loaders import programme
from indicators.beneficiaries import SHARE_NOTE, qpv_share, share_display_table, share_export_table
from tests.locate.conftest import make_db


def _load(ctx, path, name):
    c = Candidate(path, name)
    kind = programme.recognise(c)
    assert kind == "programme_beneficiaries"
    return programme.load(ctx, c, kind)


def test_residence_computed_and_address_dropped(tmp_path):
    con, ctx = make_db(tmp_path)
    addresses = tmp_path / "participants.csv"
    addresses.write_text(
        "contract;action_id;year;territory_code;Nom;Adresse;Code postal;Ville;sex\n"
        "demo;A1;2025;;Durand;3 rue des Tilleuls;99100;Alpha;femme\n"
        "demo;A1;2025;;Martin;2 av. St Exupéry;99100;Alpha;homme\n"
        "demo;A1;2025;;Petit;2 pl. de la Gare;99100;Alpha;femme\n"
        "demo;A1;2025;;Leroy;2 rue du Pont;99200;Beta;\n"
        "demo;A1;2025;;Moreau;12 rue Inconnue;99100;Alpha;\n"
        "demo;A1;2025;QN09902B;Roux;3 rue des Tilleuls;99100;Alpha;\n", encoding="utf-8")
    coords = tmp_path / "coords.csv"
    coords.write_text("contract;action_id;year;lat;lon\n"
                      "demo;A2;2025;46.0075;2.0075\n"
                      "demo;A2;2025;46.0075;2.0040\n"
                      "demo;A2;2025;;\n", encoding="utf-8")
    assert _load(ctx, addresses, "participants.csv") == 6
    assert _load(ctx, coords, "coords.csv") == 3
    programme.post_load(con)
    # Nothing but these columns is stored: no name, address, postcode, town or point.
    assert con.execute("""select column_name from information_schema.columns
                          where table_name = 'programme_beneficiaries' order by ordinal_position""").fetchall() == [
        ("contract_slug",), ("action_id",), ("year",), ("territory_code",), ("sex",), ("age_band",),
        ("source_id",), ("residence_status",)]
    assert con.execute("""select action_id, territory_code, sex, residence_status
                          from programme_beneficiaries order by rowid""").fetchall() == [
        ("A1", "QN09901A", "femme", "qpv"),
        ("A1", None, "homme", "hors_qpv"),
        ("A1", None, "femme", "a_verifier"),       # 0.4 m outside the edge: not decided
        ("A1", "QN09902B", None, "qpv"),
        ("A1", None, None, None),                  # street not in the BAN: unknown
        ("A1", "QN09902B", None, "qpv"),           # typed territory wins over the address
        ("A2", "QN09901A", None, "qpv"),
        ("A2", None, None, "hors_qpv"),
        ("A2", None, None, None),
    ]
    assert [str(m) for m in ctx.messages] == [
        "participants.csv : quartier de résidence calculé (3 en QPV, 1 hors QPV, 1 à vérifier, "
        "1 non localisées) puis colonnes d'adresse ou de coordonnées ignorées, jamais "
        "enregistrées : Adresse, Code postal, Ville",
        "participants.csv : colonnes de données personnelles ignorées, jamais enregistrées : Nom",
        "coords.csv : quartier de résidence calculé (1 en QPV, 1 hors QPV, 0 à vérifier, "
        "1 non localisées) puis colonnes d'adresse ou de coordonnées ignorées, jamais "
        "enregistrées : lat, lon",
    ]
    stored = con.execute("select * from programme_beneficiaries").df().astype(str)
    assert not stored.apply(lambda col: col.str.contains("Tilleuls|Durand|99100|46.00")).any().any()


def test_without_contours_the_address_is_still_dropped(tmp_path):
    con, ctx = make_db(tmp_path)
    con.execute("delete from territory_geometries")
    path = tmp_path / "p.csv"
    path.write_text("contract;action_id;year;longitude;latitude\ndemo;A1;2025;2.0075;46.0075\n",
                    encoding="utf-8")
    _load(ctx, path, "p.csv")
    assert con.execute("select territory_code, residence_status from programme_beneficiaries").fetchall() == [
        (None, None)]
    assert [str(m) for m in ctx.messages] == [
        "p.csv : aucun contour de QPV chargé : le quartier de résidence n'est pas calculé ; "
        "colonnes d'adresse ou de coordonnées ignorées, jamais enregistrées : longitude, latitude"]


def test_share_in_qpv_per_action_and_year(tmp_path):
    con, _ = make_db(tmp_path, with_ban=False)
    con.execute("insert into programme_actions (contract_slug, action_id, year, title, source_id)"
                " values ('demo', 'A', 2025, 'Action A', 'x'), ('demo', 'B', 2025, 'Action B', 'x'),"
                " ('demo', 'C', 2024, 'Action C', 'x'), ('demo', 'D', 2025, 'Action D', 'x')")
    rows = ([("A", 2025, "qpv")] * 12 + [("A", 2025, "hors_qpv")] * 5 + [("A", 2025, None)] * 3
            + [("B", 2025, "qpv")] * 10 + [("B", 2025, "a_verifier")] * 2
            + [("C", 2024, "qpv")] * 3
            + [("D", 2025, "hors_qpv")] * 9)
    con.executemany("insert into programme_beneficiaries (contract_slug, action_id, year,"
                    " residence_status, source_id) values ('demo', ?, ?, ?, 'x')", rows)
    share = qpv_share(con, "demo")
    assert share_display_table(share).values.tolist() == [
        # 3 people in one cell: masked, so nothing of the action and year is shown.
        ["Action C", "2024", "secret statistique", "secret statistique", "secret statistique"],
        # 3 whose residence is unknown: a masked cell left out of the total, so no share.
        ["Action A", "2025", "au moins 17", "12", "secret statistique"],
        # 2 « à vérifier »: masked likewise; the 10 in a QPV are exact.
        ["Action B", "2025", "au moins 10", "10", "secret statistique"],
        # Nobody in a QPV: no cell to mask, the share is exactly 0.
        ["Action D", "2025", "9", "0", "0,0\u00a0%"],
    ]
    assert share["note"].tolist() == [SHARE_NOTE, SHARE_NOTE, SHARE_NOTE, None]
    # The CSV/XLSX export: French headers (the frame's `n_in_qpv`… were exported as they were),
    # masked figures « secret statistique », never 0, the masked cells each figure leaves out.
    import io

    import openpyxl

    from reports.tables import to_xlsx_bytes
    data = to_xlsx_bytes(share_export_table(share), title="Part des personnes touchées résidant en QPV",
                         territory="Démo")
    ws = openpyxl.load_workbook(io.BytesIO(data))["Données"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=6)] == [
        ["Code", "Action", "Année", "Personnes hors secret statistique",
         "Cellules en secret statistique (moins de 5 personnes)", "dont résidant en QPV (hors secret statistique)",
         "Cellules en secret statistique parmi les résidents en QPV", "Part résidant en QPV (%)"],
        ["C", "Action C", 2024, "secret statistique", 1, "secret statistique", 1, "secret statistique"],
        ["A", "Action A", 2025, 17, 1, 12, 0, "secret statistique"],
        ["B", "Action B", 2025, 10, 1, 10, 0, "secret statistique"],
        ["D", "Action D", 2025, 9, 0, 0, 0, 0],
    ]
    assert [c.number_format for c in ws[10]] == ["General", "General", "0", "#,##0", "#,##0", "#,##0", "#,##0",
                                                 '#,##0.0#"\u00a0%"']
    assert share["n_secret_cells"].tolist() == [1, 1, 1, 0]
    assert qpv_share(con, "demo", year=2024)["action_id"].tolist() == ["C"]
    assert qpv_share(con, "other").empty
    assert isinstance(share, pd.DataFrame)


def test_addresses_without_a_ban_are_dropped_as_personal_data(tmp_path):
    con, ctx = make_db(tmp_path, with_ban=False)
    path = tmp_path / "p.csv"
    path.write_text("contract;action_id;year;Adresse;Code postal\ndemo;A1;2025;3 rue des Tilleuls;99100\n",
                    encoding="utf-8")
    _load(ctx, path, "p.csv")
    assert con.execute("select territory_code, residence_status from programme_beneficiaries").fetchall() == [
        (None, None)]
    assert [str(m) for m in ctx.messages] == [
        "p.csv : colonnes de données personnelles ignorées, jamais enregistrées : Adresse, Code postal"]


def test_mandate_report_shows_the_share_per_action(tmp_path):
    import io

    import pypdf

    from reports.pdf import mandate_pdf

    con, _ = make_db(tmp_path, with_ban=False)
    con.execute("insert into contracts (contract_slug, contract_name, is_fictional, source_id)"
                " values ('demo', 'Contrat fictif', true, 'x')")
    con.execute("insert into programme_actions (contract_slug, action_id, year, title, source_id)"
                " values ('demo', 'A', 2025, 'Médiation', 'x'), ('demo', 'B', 2025, 'Sport', 'x')")
    con.execute("insert into programme_funding (contract_slug, action_id, year, funder, amount_eur,"
                " source_id) values ('demo', 'A', 2025, 'ville', 1000, 'x')")
    rows = [("A", "qpv")] * 14 + [("A", "hors_qpv")] * 6 + [("B", "qpv")] * 9 + [("B", None)] * 2
    con.executemany("insert into programme_beneficiaries (contract_slug, action_id, year,"
                    " residence_status, source_id) values ('demo', ?, 2025, ?, 'x')", rows)
    pdf = mandate_pdf(con, "demo", sections=["financements"], charts=False)
    text = " ".join(" ".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\u00a0", " ").replace("\u202f", " ")
    assert "Personnes touchées résidant en QPV" in text
    assert "Médiation 2025 20 14 70,0 %" in text
    assert "Sport 2025 au moins 9 9 secret statistique" in text
