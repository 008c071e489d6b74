"""Named figures of the benchmarks: medians of repeated runs, one merged JSON line.

Every bench module's `run(...)` returns a dict of named figures whose name ends with its unit
(`_s`, `_ms`, `_mib`, `_mb`, `_ratio`, `_pct`, `_count`): `python -m bench` merges them and prints
them as the last line, one JSON object.
"""
from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Mapping

UNITS = ("_s", "_ms", "_mib", "_mb", "_ratio", "_pct", "_count")


def timings(fn: Callable[[], object], repeat: int) -> tuple[list[float], object]:
    """Seconds of `repeat` calls of `fn` (at least one), and the last call's result."""
    seconds, out = [], None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        out = fn()
        seconds.append(time.perf_counter() - t0)
    return seconds, out


def median_seconds(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median of `repeat` timed calls of `fn`, in seconds, and the last call's result."""
    seconds, out = timings(fn, repeat)
    return statistics.median(seconds), out


def ratio(measured: float, baseline: float) -> float:
    """measured / baseline (how many times the baseline's time or size); NaN without a baseline."""
    return measured / baseline if baseline > 0 else math.nan


def check_name(name: str) -> None:
    if not any(name.endswith(u) for u in UNITS):
        raise ValueError(f"figure {name!r} has no unit suffix ({', '.join(UNITS)})")


def merge(parts: Mapping[str, Mapping[str, float]]) -> dict[str, float]:
    """One dict of every part's figures, in order. A figure named twice, or without its unit
    suffix, is an error naming it and the parts (never silently overwritten)."""
    merged: dict[str, float] = {}
    origin: dict[str, str] = {}
    for part, figures in parts.items():
        for name, value in figures.items():
            check_name(name)
            if name in merged:
                raise ValueError(f"figure {name!r} given by both {origin[name]!r} and {part!r}")
            merged[name] = value
            origin[name] = part
    return merged


def _clean(value):
    if value is None or isinstance(value, bool):
        return value
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        return None            # JSON has no NaN: a figure that could not be measured is null
    return float(f"{value:.4g}") if abs(value) < 1e4 else round(value, 1)


def json_line(figures: Mapping[str, float]) -> str:
    """The figures as one line of JSON (4 significant digits, NaN as null)."""
    return json.dumps({k: _clean(v) for k, v in figures.items()}, ensure_ascii=False,
                      separators=(", ", ": "))
