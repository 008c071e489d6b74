"""bench/figures.py and bench/__main__.py: medians of repeated runs, named figures merged into the
one JSON object printed last."""
from __future__ import annotations

import json
import math

import pytest

from bench import __main__ as bench_main
from bench import figures


def test_timings_and_median_call_the_function_repeat_times():
    calls = []
    seconds, out = figures.timings(lambda: calls.append(1) or len(calls), 4)
    assert len(seconds) == 4 and all(s >= 0 for s in seconds)
    assert out == 4 and calls == [1, 1, 1, 1]
    median, out = figures.median_seconds(lambda: "x", 0)      # at least one run
    assert out == "x" and median >= 0


def test_median_is_the_middle_run(monkeypatch):
    clock = iter([0.0, 5.0, 10.0, 11.0, 20.0, 23.0])            # runs of 5, 1 and 3 s
    monkeypatch.setattr(figures.time, "perf_counter", lambda: next(clock))
    assert figures.median_seconds(lambda: None, 3) == (3.0, None)


def test_ratio():
    assert figures.ratio(3.0, 1.5) == 2.0
    assert math.isnan(figures.ratio(1.0, 0.0))


def test_merge_keeps_order_and_refuses_duplicates_and_unitless_names():
    merged = figures.merge({"etl": {"build_demo_s": 1.5, "build_demo_peak_mib": 210.0},
                            "pages": {"portrait_server_ms": 80.0, "map_all_payload_mb": 1.2,
                                      "map_all_vs_pandas_ratio": 2.0}})
    assert list(merged.items()) == [("build_demo_s", 1.5), ("build_demo_peak_mib", 210.0),
                                    ("portrait_server_ms", 80.0), ("map_all_payload_mb", 1.2),
                                    ("map_all_vs_pandas_ratio", 2.0)]
    with pytest.raises(ValueError, match="'build_demo_s' given by both 'etl' and 'pages'"):
        figures.merge({"etl": {"build_demo_s": 1.0}, "pages": {"build_demo_s": 2.0}})
    with pytest.raises(ValueError, match="'portrait_time' has no unit suffix"):
        figures.merge({"pages": {"portrait_time": 1.0}})


def test_json_line_rounds_and_writes_null_for_what_was_not_measured():
    line = figures.json_line({"a_s": 1.23456789, "b_ms": 12345.678, "c_ratio": math.nan,
                              "d_mib": 0.000123456})
    assert "\n" not in line
    assert json.loads(line) == {"a_s": 1.235, "b_ms": 12345.7, "c_ratio": None, "d_mib": 0.0001235}


def test_main_prints_the_merged_figures_as_the_last_line(monkeypatch, capsys, tmp_path):
    db = tmp_path / "x.duckdb"
    db.write_bytes(b"")
    seen = []

    def fake_group(group, db_path, repeat, work_dir):
        seen.append((group, db_path, repeat))
        print(f"ligne de {group}")
        return {f"{group}_first_s": 1.0, f"{group}_size_mb": 2.5}

    monkeypatch.setattr(bench_main, "run_group", fake_group)
    assert bench_main.main(["--db", str(db), "--repeat", "5", "--only", "pages", "reports"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert seen == [("pages", db, 5), ("reports", db, 5)]
    assert json.loads(lines[-1]) == {"pages_first_s": 1.0, "pages_size_mb": 2.5,
                                     "reports_first_s": 1.0, "reports_size_mb": 2.5}
    assert "ligne de pages" in lines and "ligne de reports" in lines


def test_main_runs_the_france_bench_only_with_its_flag(monkeypatch, capsys, tmp_path):
    class France:
        @staticmethod
        def run(work_dir):
            assert work_dir.is_dir()
            return {"build_france_s": 42.0}

    monkeypatch.setattr(bench_main, "france_module", lambda: France)
    monkeypatch.setattr(bench_main, "run_group", lambda g, *a: France.run(a[-1]) if g == "france" else {})
    assert bench_main.main(["--only", "etl"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {}
    assert bench_main.main(["--only", "etl", "--france", "--work-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1]) == {"build_france_s": 42.0}


def test_main_says_when_the_france_bench_is_missing(monkeypatch, capsys):
    monkeypatch.setattr(bench_main, "france_module", lambda: None)
    monkeypatch.setattr(bench_main, "run_group", lambda *a: {"x_s": 1.0})
    assert bench_main.main(["--only", "etl", "--france"]) == 0
    captured = capsys.readouterr()
    assert "bench/bench_france.py est absent" in captured.err
    assert json.loads(captured.out.strip().splitlines()[-1]) == {"x_s": 1.0}
