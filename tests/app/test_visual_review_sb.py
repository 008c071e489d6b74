"""Issue 11, Chambéry and Chartres métropole at 1440 and 390 px (SB review): no blank column."""
from __future__ import annotations

import json

import pandas as pd
from streamlit.testing.v1 import AppTest

from tests.app.test_crawl import ROOT
from ui import views


def shown(table) -> pd.DataFrame:
    """What a table of the page shows: its value in its column order (fit_columns leaves a
    column blank on every row out of the order, never out of the frame an export takes)."""
    order = list(table.proto.column_order)
    return table.value[order] if order else table.value


def test_method_page_shows_no_blank_column(demo_db) -> None:
    # « Fichiers chargés » (every contract's method page) showed an empty « Licence » column:
    # the demo's files are fictional (no licence said) and the territories' typed templates
    # name none. The export keeps every column.
    at = AppTest.from_file(str(ROOT / "pages" / "methode.py"), default_timeout=120)
    at.session_state["territoire"] = "chambery"
    at.run()
    assert not at.exception, at.exception
    # « Indicateurs » at 390 px: « Thème » came first and the name was cut at the screen's edge
    # (« Demandeurs d'emploi de nivea… »); the name is now pinned first, wrapped within its room.
    registry = next(d for d in at.dataframe if "Définition" in d.value.columns)
    config = json.loads(registry.proto.columns)
    assert list(registry.proto.column_order)[:2] == ["Indicateur", "Thème"]
    assert [c for c, cfg in config.items() if cfg.get("pinned")] == ["Indicateur"]
    assert config["Indicateur"]["width"] <= views.PINNED_NAME_MAX_PX
    files = next(shown(d) for d in at.dataframe if "SHA-256" in d.value.columns)
    assert list(files.columns) == ["Producteur", "Titre", "Millésime", "Fichier", "Lignes lues",
                                   "SHA-256", "Chargé le", "Fictif"]
    assert len(files) > 0
    # « Avertissements et erreurs »: the demo build's one warning names a file but no line or
    # column, so neither shows as an empty column.
    messages = next(shown(d) for d in at.dataframe if "Niveau" in d.value.columns)
    assert messages.to_dict("list") == {
        "Niveau": ["avertissement"], "Fichier": ["raw_demo/programme/beneficiaires_adresses.csv"],
        "Message": messages["Message"].tolist()}
    assert messages["Message"].str.startswith("quartier de résidence calculé").tolist() == [True]


def test_programmes_by_quartier_table_has_no_blank_note_column(demo_db) -> None:
    # Chartres métropole at 1440 px: « Par quartier » showed an empty « Note » column (no action
    # spans several quartiers, so no amount is shared), cut at the edge of its half of the page.
    from indicators import fmt
    at = AppTest.from_file(str(ROOT / "pages" / "programmes.py"), default_timeout=120)
    at.session_state["territoire"] = "chartres-metropole"
    at.run()
    assert not at.exception, at.exception
    by_quartier = next(shown(d) for d in at.dataframe if "Quartier" in d.value.columns
                       and "Actions" in d.value.columns)
    assert by_quartier.to_dict("list") == {
        "Quartier": ["ensemble du contrat"], "Actions": ["8"],
        "Montant (partagé à parts égales)": [fmt.fmt_eur(40990, 0)]}
