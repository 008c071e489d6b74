"""Issue #15: a portrait with more comparison charts than pages/portrait.py's
CHARTS_ON_REQUEST_ABOVE (a France-sized catalogue) shows every theme's figures at once, and a
theme's charts (with their « Voir les données » tables and downloads) and the gap charts only once
the reader turns on that theme's toggle, which says how many charts it holds."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

import config
from indicators.fmt import plain_spaces
from tests.app.conftest import build_small_db

ROOT = Path(__file__).resolve().parents[2]
EXTRA = 45          # more than CHARTS_ON_REQUEST_ABOVE with the registered poverty rate


def _threshold() -> int:
    text = (ROOT / "pages" / "portrait.py").read_text(encoding="utf-8")
    return int(text.split("CHARTS_ON_REQUEST_ABOVE = ", 1)[1].split()[0])


@pytest.fixture
def many_db(tmp_path: Path, monkeypatch) -> Path:
    """The small database, with EXTRA unregistered percentages (theme « autres indicateurs ») for
    Les Tilleuls and its commune, and a second year of its poverty rate (a gap chart)."""
    path = build_small_db(tmp_path / "many.duckdb")
    con = duckdb.connect(str(path))
    con.executemany(
        "insert into indicator_catalog (indicator_id, label, unit, is_registered) values (?, ?, '%', false)",
        [[f"part_fict{n:03d}", f"Part fictive n° {n}"] for n in range(1, EXTRA + 1)])
    con.executemany(
        "insert into indicator_facts (territory_code, territory_level, indicator_id, year, value,"
        " status, origin, source_id, source_note) values (?, ?, ?, ?, ?, 'ok', 'official_file', 'src_demo', null)",
        [[code, level, f"part_fict{n:03d}", 2021, value + n]
         for n in range(1, EXTRA + 1) for code, level, value in (("QN09901N", "qpv", 30.0),
                                                                ("99001", "commune", 10.0))]
        + [["QN09901N", "qpv", "poverty_rate_pct", 2019, 40.0],
           ["99001", "commune", "poverty_rate_pct", 2019, 18.0]])
    con.close()
    monkeypatch.setattr(config, "DB_PATH", path)
    monkeypatch.setenv("QPV_DB_PATH", str(path))
    return path


def _charts(at: AppTest) -> list[str]:
    """The titles of the charts drawn, in order (a long title's line breaks read as spaces)."""
    return [plain_spaces(json.loads(c.proto.spec)["layout"]["title"]["text"]).replace("<br>", " ")
            for c in at.get("plotly_chart")]


def _chart_downloads(at: AppTest) -> list[str]:
    """The charts whose image and data downloads were built (one key per chart, in order)."""
    keys = [d.proto.id.split("-", 2)[2] for d in at.get("download_button")]      # $$ID-<hash>-<key>
    return list(dict.fromkeys(k.removeprefix("dl_").rsplit("_", 1)[0] for k in keys
                              if k.startswith("dl_chart_")))


def test_a_theme_charts_come_when_asked(many_db: Path) -> None:
    assert EXTRA + 1 > _threshold()
    at = AppTest.from_file(str(ROOT / "pages" / "portrait.py"), default_timeout=120)
    at.session_state["territoire"] = "demo"
    at.session_state["qpv"] = "QN09901N"
    at.run()
    assert not at.exception
    # Every theme's figures, no chart, no chart's download; a toggle per theme and one for the gaps.
    assert [plain_spaces(h.value) for h in at.header] == [
        "Revenus et pauvreté", "Autres indicateurs", "Les écarts se réduisent-ils ?",
        "Tous les chiffres du portrait"]
    assert _charts(at) == []
    assert _chart_downloads(at) == []
    assert [plain_spaces(t.label) for t in at.toggle] == [
        "Afficher les graphiques du thème « Revenus et pauvreté » (1 graphique)",
        "Afficher les graphiques du thème « Autres indicateurs » (45 graphiques)",
        "Afficher les graphiques d'écart (1 graphique)"]
    assert [t.value for t in at.toggle] == [False, False, False]

    before = Counter(plain_spaces(m.value) for m in at.markdown)
    at.toggle(key="portrait_charts_autres indicateurs").set_value(True).run()
    assert not at.exception
    assert _charts(at) == [f"Part fictive n° {n}" for n in range(1, EXTRA + 1)]
    # Under each chart, its credit (read once the theme is shown).
    assert Counter(plain_spaces(m.value) for m in at.markdown) - before == Counter({
        '<div class="qpv-source">Source :\u2060 Données fictives de démonstration '
        '(Statistiques QPV fictives, 2021)</div>': EXTRA})
    assert _chart_downloads(at) == [f"chart_part_fict{n:03d}" for n in range(1, EXTRA + 1)]
    assert [t.value for t in at.toggle] == [False, True, False]

    # Another QPV's portrait (no chart, no toggle), then back: the theme's toggle is still on.
    at.session_state["qpv"] = "QN09902M"
    at.run()
    assert not at.exception and at.toggle.len == 0 and _charts(at) == []
    at.session_state["qpv"] = "QN09901N"
    at.run()
    assert not at.exception
    assert [t.value for t in at.toggle] == [False, True, False]
    assert _charts(at) == [f"Part fictive n° {n}" for n in range(1, EXTRA + 1)]

    at.toggle(key="portrait_charts_revenus et pauvreté").set_value(True).run()
    at.toggle(key="portrait_charts_gaps").set_value(True).run()
    assert not at.exception
    poverty = "Taux de pauvreté (seuil à 60 %)"
    assert _charts(at) == ([poverty] + [f"Part fictive n° {n}" for n in range(1, EXTRA + 1)]
                           + [f"Écart – {poverty} – Les Tilleuls"])

    # Turned off again: that theme's charts go, the others stay.
    at.toggle(key="portrait_charts_autres indicateurs").set_value(False).run()
    assert _charts(at) == [poverty, f"Écart – {poverty} – Les Tilleuls"]
    assert [t.value for t in at.toggle] == [True, False, True]
