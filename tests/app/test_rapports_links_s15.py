"""« Rapports et exports » said « Chaque tableau de l'application se télécharge sous le tableau »,
but the tables of « Droit commun et signataires » have no button: they are the annual review's
XLSX, downloaded at the top of that page (issue 11, last look ZC). The page now says so, and its
list of pages links to it; every link is a page of the app."""
from __future__ import annotations

import re
from pathlib import Path

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page

ROOT = Path(__file__).resolve().parents[2]


def test_the_exports_page_says_where_every_table_downloads(demo_db) -> None:
    at = run_page("rapports", territoire="demo")
    assert not at.exception
    texts = [plain_spaces(m.value) for m in at.markdown]     # French no-break spaces as spaces
    intro = next(t for t in texts if "se téléchargent sous le tableau" in t)
    assert "ceux de « Droit commun et signataires » forment la revue annuelle" in intro
    assert "Chaque tableau de l'application" not in " ".join(texts)
    links = next(t for t in texts if t.startswith("- ["))
    paths = re.findall(r"\]\(([^)]*)\)", links)
    pages = set(re.findall(r'url_path="([^"]+)"', (ROOT / "app.py").read_text(encoding="utf-8")))
    assert paths == ["./", "carte", "portrait", "comparer", "programmes", "logement", "droit-commun",
                     "methode"]
    assert set(paths) - {"./"} <= pages
