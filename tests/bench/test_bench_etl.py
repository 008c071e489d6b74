"""bench/bench_etl.py's summary of repeated builds: the median wall time, the largest peak memory
and the median CPU time (the figure a shared machine leaves comparable, issue #15)."""
from __future__ import annotations

from bench import bench_etl


def test_repeated_builds_give_median_wall_largest_memory_median_cpu(monkeypatch):
    runs = iter([(4.0, 300.0, 2.5), (9.0, 280.0, 2.1), (5.0, 310.0, 3.0)])
    asked = []

    def child(args):
        asked.append(args)
        return next(runs)

    monkeypatch.setattr(bench_etl, "_child", child)
    assert bench_etl._children(["build", "--quiet"], 3) == (5.0, 310.0, 2.5)
    assert asked == [["build", "--quiet"]] * 3
