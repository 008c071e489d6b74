"""Issue 11, session 13 (contracts chambery and chartres-metropole looked at one by one at 1440
and 390 px after the merges of session 11): the defects found, each fixed at its cause for every
contract."""
from __future__ import annotations

from indicators.fmt import plain_spaces
from tests.app.test_pages import shown
from tests.app.test_review_sources import run_page


def test_the_build_tables_buttons_name_their_table_whole(small_db) -> None:
    # « Télécharger « Dernière construction : fichiers… » (CSV) » under « Fichiers examinés », and
    # « … avertissements… » under « Avertissements et erreurs »: the title cut at 40 characters
    # did not say which table the button downloads (issue 11: buttons say what they download).
    at = run_page("methode", "demo")
    assert not at.exception
    # Compared as the reader sees them (no-break spaces as spaces).
    assert [plain_spaces(shown(b.proto.label)) for b in at.get("download_button")] == [
        f"Télécharger « {name} » ({fmt})"
        for name in ("Indicateurs : définitions et sources", "Fichiers chargés",
                     "Dernière construction : fichiers examinés",
                     "Dernière construction : avertissements et erreurs")
        for fmt in ("CSV", "XLSX")]


def test_a_phone_tells_the_loaded_files_apart_by_their_title(tmp_path, monkeypatch) -> None:
    # « Fichiers chargés » at 390 px showed Producteur, Millésime, Licence, Lignes lues: twelve rows
    # read « Contrat de ville de Val-de-Lorne (fictif) », their titles and files in the « Détail »
    # only (a title over 60 characters is prose, shown last). The phone's table keeps the title
    # beside the producer.
    import re

    from tests.app.test_review_sources import small_db_with
    from tests.app.test_table_any_width import _narrow_pairs
    small_db_with(
        tmp_path, monkeypatch, "sources.duckdb",
        "insert into sources (source_id, kind, producer, title, vintage, licence, file_name, sha256,"
        " rows_read, loaded_at, is_fictional) values ('src_rp', 'insee_rp', 'Insee',"
        " 'Recensement de la population, données par commune, EPCI, département et France',"
        " 'RP 2021', 'Licence Ouverte 2.0', 'insee/rp_2021.csv', repeat('ef', 32), 34935,"
        " timestamp '2026-01-15 10:30', false)")
    at = run_page("methode", "demo")
    assert not at.exception
    frame, order, body = _narrow_pairs(at.main)["sources_table"]
    heads = re.findall(r"<th( class=\"qpv-wide-only\")?>(.*?)</th>", body)
    assert [(name, not hidden) for hidden, name in heads] == [
        ("Producteur", True), ("Titre", True), ("Millésime", True), ("Licence", True),
        ("Fichier", False), ("Lignes lues", False), ("SHA-256", False), ("Chargé le", False),
        ("Fictif", False)]
