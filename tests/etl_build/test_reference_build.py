"""The whole build on the real reference files (COG 2026, QPV 2024 list, Filosofi 2021 communes)."""
from __future__ import annotations

from pathlib import Path

import pytest

from config import REFERENCE_DIR, TERRITORIES_DIR
from etl.build import build
from tests.etl_build.conftest import query

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def reference_db(tmp_path_factory) -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"{REFERENCE_DIR} is absent (real reference files are not part of the project)")
    db = tmp_path_factory.mktemp("ref") / "qpv.duckdb"
    report = build([REFERENCE_DIR, TERRITORIES_DIR], db, progress=None)
    assert report.outcome == "published"
    return db


def test_real_values_and_links(reference_db: Path) -> None:
    assert query(reference_db, "select territory_code, indicator_id, value, status, origin from indicator_values"
                 " where territory_code in ('73065', '71076') and year = 2021"
                 " and indicator_id in ('median_income_eur_year', 'poverty_rate_pct') order by 1, 2") == [
        ("71076", "median_income_eur_year", 19590.0, "ok", "official_file"),
        ("71076", "poverty_rate_pct", 23.0, "ok", "official_file"),
        ("73065", "median_income_eur_year", 21950.0, "ok", "official_file"),
        ("73065", "poverty_rate_pct", 19.0, "ok", "official_file"),
    ]
    assert query(reference_db, "select parent_code from territory_links where child_code = '28218'"
                 " and parent_level = 'epci'") == [("200033181",)]
    assert query(reference_db, "select count(*) from territories where territory_level = 'qpv'") == [(1493,)]


def test_communes_outside_the_cog_are_set_aside_with_one_warning(reference_db: Path) -> None:
    rows = query(reference_db, "select file_name, column_name, message from build_messages"
                 " where message like '%absent(s) du COG%'")
    assert len(rows) == 1
    file_name, column, message = rows[0]
    assert file_name.endswith("cc_filosofi_2021_COM.csv") and column == "CODGEO"
    assert message.startswith("113 code(s) de commune absent(s) du COG chargé")
    # A withheld value stays NULL with its status, never 0.
    assert query(reference_db, "select value, status, status_note from indicator_values"
                 " where territory_code = '01001' and indicator_id = 'poverty_rate_pct'") == [(None, "secret", "s")]
