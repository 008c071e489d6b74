"""Issue 11 (S14, RQ): the mandate report's « Personnes touchées résidant en QPV » table, in its
« Programmes et financements » section, had no source line under it (the funding's « Source : »
came after it, as if it were its source) and its lists of participants were missing from the
report's « Sources » page. Now the funding's note and source close the funding tables, the
people table follows with its own source line, and the « Sources » page lists the lists."""
from __future__ import annotations

import datetime as dt
import io

import pypdf

import etl.db
from reports.pdf import mandate_pdf


def _db():
    con = etl.db.create_empty(":memory:")
    con.execute("""insert into sources (source_id, kind, producer, title, file_name, sha256, loaded_at,
                                        is_fictional) values
        ('f', 'programme_funding', 'Ville d''Alpha', 'Modèle de saisie du programme : financements',
         'funding.csv', 'x', now(), false),
        ('p', 'programme_beneficiaries', 'Ville d''Alpha', 'Modèle de saisie du programme : personnes touchées',
         'participants.csv', 'y', now(), false)""")
    con.execute("insert into contracts (contract_slug, contract_name, is_fictional, source_id)"
                " values ('alpha', 'Contrat de ville d''Alpha', false, 'f')")
    con.execute("insert into documents (contract_slug, document_id, title, producer, published_on, source_id)"
                " values ('alpha', 'bilan', 'Bilan annuel 2025', 'Ville d''Alpha', '2026-02-10', 'f')")
    con.execute("insert into programme_actions (contract_slug, action_id, year, title, is_new,"
                " is_multiyear_agreement, document_id, source_id) values"
                " ('alpha', 'A', 2025, 'Médiation', true, false, 'bilan', 'f'),"
                " ('alpha', 'B', 2025, 'Sport', false, false, 'bilan', 'f')")
    con.execute("insert into programme_funding (contract_slug, action_id, year, funder, amount_eur,"
                " document_id, source_id) values ('alpha', 'A', 2025, 'ville', 1000, 'bilan', 'f')")
    rows = [("A", "qpv")] * 14 + [("A", "hors_qpv")] * 6 + [("B", "qpv")] * 9 + [("B", None)] * 2
    con.executemany("insert into programme_beneficiaries (contract_slug, action_id, year,"
                    " residence_status, source_id) values ('alpha', ?, 2025, ?, 'p')", rows)
    return con


def _pages(pdf: bytes) -> list[str]:
    return [" ".join(p.extract_text().replace("\u00a0", " ").replace("\u202f", " ").split())
            for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def test_people_table_has_its_source_line_and_is_on_the_sources_page():
    pages = _pages(mandate_pdf(_db(), "alpha", sections=["financements"], charts=False,
                               generated_on=dt.date(2026, 3, 1)))
    section = next(p for p in pages if p.startswith("Programmes et financements"))
    foot = "Rapport de mandat — Contrat de ville d'Alpha · produit le 1er mars 2026"
    assert section.split(foot)[0].strip() == (
        "Programmes et financements "
        "Année 2025 Financeur Montant Part Actions financées Ville 1 000 € 100,0 % 1 Total 1 000 € "
        "Actions du programme Année Actions dont nouvelles dont sous CPO 2025 2 1 0 "
        "Montants des lignes de financement du programme, par année et par financeur ; "
        "CPO : convention pluriannuelle d'objectifs. "
        "Source : Bilan annuel 2025 — Ville d'Alpha, 2026 "
        "Personnes touchées résidant en QPV "
        "Action Année Personnes touchées dont résidant en QPV Part résidant en QPV "
        "Médiation 2025 20 14 70,0 % Sport 2025 au moins 9 9 secret statistique "
        "Part des personnes touchées par chaque action qui résident dans un quartier prioritaire, "
        "d'après le quartier saisi ou calculé à l'import depuis l'adresse (aucune adresse n'est "
        "conservée ; résultat indicatif). Un effectif de moins de 5 personnes est masqué, ainsi "
        "que celui qui permettrait de le retrouver. "
        "Source : Modèle de saisie du programme : personnes touchées — Ville d'Alpha")
    sources = next(p for p in pages if p.startswith("Sources"))
    assert sources.split(foot)[0].strip() == (
        "Sources Documents "
        "• Bilan annuel 2025 — Ville d'Alpha, 2026 "
        "• Modèle de saisie du programme : personnes touchées — Ville d'Alpha "
        "Les fichiers chargés (noms, dates de chargement, empreintes) sont listés sur la page "
        "« Données et méthode » de l'application.")


def test_no_people_no_people_source():
    con = _db()
    con.execute("delete from programme_beneficiaries")
    pages = _pages(mandate_pdf(con, "alpha", sections=["financements"], charts=False,
                               generated_on=dt.date(2026, 3, 1)))
    text = " ".join(pages)
    assert "Personnes touchées" not in text
    assert "personnes touchées —" not in text
    assert text.count("Source : Bilan annuel 2025 — Ville d'Alpha, 2026") == 1
