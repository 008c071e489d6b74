"""A portrait's rerun does not rebuild its charts (ui/charts.py shared figures) nor their image
export (ui/exports.py): built once per content, shared by every session and rerun."""
from __future__ import annotations

import json

import pandas as pd

from ui import charts, exports

ROWS = [{"name": "Les Tilleuls", "value": 41.5, "status": "ok", "is_qpv": True, "level": "qpv"},
        {"name": "Valfleuri", "value": 18.0, "status": "ok", "level": "commune"},
        {"name": "France métropolitaine", "value": None, "status": "secret", "level": "france"}]


def test_the_same_chart_is_built_once_and_another_one_apart():
    first = charts.shared(charts.comparison_bar, "Taux de pauvreté", "%", ROWS)
    again = charts.shared(charts.comparison_bar, "Taux de pauvreté", "%", [dict(r) for r in ROWS])
    other = charts.shared(charts.comparison_bar, "Taux de pauvreté", "%", ROWS[:2])
    assert first is again and other is not first
    assert first.to_dict() == charts.comparison_bar("Taux de pauvreté", "%", ROWS).to_dict()
    assert list(other.data[0].y) == ["Les Tilleuls", "Valfleuri"]


def test_gap_lines_are_shared_too():
    series = pd.DataFrame({"year": [2019, 2021], "gap": [10.0, 8.5], "gap_kind": "points",
                           "comparator_level": "commune", "comparator_name": "Valfleuri"})
    first = charts.shared(charts.gap_lines, series, "Écart", "%")
    assert charts.shared(charts.gap_lines, series.copy(), "Écart", "%") is first
    assert charts.shared(charts.gap_lines, series.assign(gap=[9.0, 8.5]), "Écart", "%") is not first
    assert list(first.data[0].y) == [10.0, 8.5]


def test_a_shared_chart_is_found_by_its_arguments_pickle_never_by_streamlit_hashing_them(monkeypatch):
    """Issue #15: Streamlit's hashing of a gap chart's DataFrame cost about 5 ms a chart and rerun;
    the figure is found by the pickle of its arguments, whatever they hold."""
    import pandas.util
    series = pd.DataFrame({"year": [2018, 2022], "gap": [3.0, 2.5], "gap_kind": "points",
                           "comparator_level": "epci", "comparator_name": "CA du Val"})
    first = charts.shared(charts.gap_lines, series, "Écart – chômage", unit="%")
    hashed = []
    monkeypatch.setattr(pandas.util, "hash_pandas_object", lambda *a, **k: hashed.append(a) or 1 / 0)
    assert charts.shared(charts.gap_lines, series.copy(), "Écart – chômage", unit="%") is first
    assert charts.shared(charts.gap_lines, series, "Écart – chômage", unit="€") is not first
    assert charts.shared(charts.gap_lines, series.assign(gap=[3.0, 2.4]), "Écart – chômage",
                         unit="%") is not first
    assert hashed == []
    assert first.to_dict() == charts.gap_lines(series, "Écart – chômage", unit="%").to_dict()


def test_only_the_charts_of_the_module_are_shared():
    import pytest
    with pytest.raises(ValueError, match="not a chart of ui.charts"):
        charts.shared(lambda: None)


def test_a_figure_export_is_made_once_per_figure_and_leaves_the_figure_alone():
    fig = charts.comparison_bar("Taux de pauvreté", "%", ROWS)
    before = fig.to_json()
    table, text = exports._figure_export(fig)
    table2, text2 = exports._figure_export(fig)
    assert table2 is table and text2 is text
    assert fig.to_json() == before                              # the shown figure is unchanged
    layout = json.loads(text)["layout"]
    assert "text" not in layout.get("title", {}) and layout["margin"]["t"] == 20
    assert layout["margin"]["b"] == 40
    assert list(table.columns) and len(table) == 3
    other = charts.comparison_bar("Taux de pauvreté", "%", ROWS[:2])
    assert len(exports._figure_export(other)[0]) == 2


def test_sessions_exporting_one_shared_figure_at_once_all_get_the_same_export():
    # plotly builds child objects on first read without a lock (plotly.py issue 3441): 16
    # sessions copying and reading a new shared figure at the same moment all succeed, alike.
    import threading

    fig = charts.shared(charts.comparison_bar, "Part des 15-24 ans", "%", [dict(r, value=7.0) for r in ROWS[:2]])
    barrier, results, errors = threading.Barrier(16), [], []

    def session():
        barrier.wait()
        try:
            results.append(exports._figure_export(fig)[1])
        except Exception as exc:  # noqa: BLE001 - any exception is the failure this test looks for
            errors.append(repr(exc))

    threads = [threading.Thread(target=session) for _ in range(16)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == [] and len(results) == 16 and len(set(results)) == 1
    assert json.loads(results[0])["layout"]["margin"]["t"] == 20


def _chart_with_downloads() -> None:
    from ui import charts, exports, state
    fig = charts.shared(charts.comparison_bar, "Part des 60 ans et plus", "%",
                        [{"name": "Les Tilleuls", "value": 12.5, "status": "ok", "is_qpv": True, "level": "qpv"},
                         {"name": "Valfleuri", "value": 21.0, "status": "ok", "level": "commune"}])
    selection = state.Selection("demo", "Contrat de démonstration", True, None, None, None, "x")
    exports.download_figure(fig, key="c", title="Part des 60 ans et plus", selection=selection,
                            unit="%", source="Insee", stem="graphique_c")


def test_a_chart_shows_its_table_and_makes_its_image_export_only_at_the_click(monkeypatch):
    """Rendering a chart's download buttons copies and serialises nothing (issue #15: about 15 ms
    a chart, 22 charts on a portrait never seen); the click makes the export from the figure."""
    from streamlit.runtime.media_file_manager import MediaFileManager
    from streamlit.testing.v1 import AppTest
    deferred: dict = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, mimetype, coordinates, file_name=None, *, element_id=""):
        deferred[file_name] = data_callable
        return original(self, data_callable, mimetype, coordinates, file_name=file_name, element_id=element_id)

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)
    made = []
    monkeypatch.setattr(exports, "_figure_bytes", lambda fig_json, fmt, *rest: made.append(
        (json.loads(fig_json)["layout"]["margin"]["t"], fmt)) or b"image")
    at = AppTest.from_function(_chart_with_downloads, default_timeout=60).run()
    assert not at.exception
    assert [list(d.value.columns) for d in at.dataframe] != [] and len(at.dataframe[0].value) == 2
    assert sorted(deferred) == ["graphique_c.png", "graphique_c.svg"] and made == []
    fig = charts.shared(charts.comparison_bar, "Part des 60 ans et plus", "%",
                        [{"name": "Les Tilleuls", "value": 12.5, "status": "ok", "is_qpv": True, "level": "qpv"},
                         {"name": "Valfleuri", "value": 21.0, "status": "ok", "level": "commune"}])
    assert id(fig) not in exports._FIGURE_EXPORTS
    assert deferred["graphique_c.svg"]() == b"image" and made == [(20, "svg")]
    assert exports._FIGURE_EXPORTS[id(fig)][0] is fig


def test_a_charts_data_table_is_made_and_laid_out_once_per_figure(monkeypatch):
    """Issue #15: « Voir les données » under a chart: its table and its columns' widths
    (components.fit_columns, about 2 ms a table) are worked out once per figure, not at every
    rerun; each rerun gets its own copy of the st.dataframe arguments."""
    from ui import components
    fig = charts.comparison_bar("Part des moins de 25 ans", "%", ROWS)
    table, args = exports._figure_table(fig)
    pd.testing.assert_frame_equal(table, exports.figure_table(fig))
    assert args == components.fit_columns(exports.figure_table(fig))
    assert list(args["column_config"]) == ["Catégorie", "Valeur"]

    def never(*_a, **_k):
        raise AssertionError("worked out again")

    monkeypatch.setattr(exports, "figure_table", never)
    monkeypatch.setattr(components, "fit_columns", never)
    args["column_config"].clear()
    again, args_again = exports._figure_table(fig)
    assert again is table and list(args_again["column_config"]) == ["Catégorie", "Valeur"]


def test_a_shared_chart_seen_again_skips_streamlits_cache(monkeypatch):
    """Issue #15: a figure already shared is found before Streamlit's cache (its lookup cost
    about 1 ms a chart and rerun)."""
    rows = [dict(r, value=33.0) if r["status"] == "ok" else r for r in ROWS]
    first = charts.shared(charts.comparison_bar, "Part des ménages d'une personne", "%", rows)
    monkeypatch.setattr(charts, "_shared", lambda *a: 1 / 0)
    assert charts.shared(charts.comparison_bar, "Part des ménages d'une personne", "%",
                         [dict(r) for r in rows]) is first
