"""Timings of the exports on a built database: CSV and XLSX of a large table, image exports through
the shared server, one portrait PDF (cold: Chromium started by the export and no image cached, and
warm), every portrait and the mandate report of the largest territory, and that of every territory
with a cold image cache. Prints one line per measure, returns named figures. Beside the wall-clock
seconds, the CPU seconds of this process (`_cpu_s`) and of this process with its Chromium
(`_tree_cpu_s`), which a busy machine does not inflate."""
from __future__ import annotations

import os
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench import figures

TARGET_PORTRAIT_WARM_S = 1.0
TARGET_MANDATE_S = 10.0


def _time(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _tree_cpu() -> float:
    """CPU seconds of this process and its descendants (the export server's Chromium)."""
    from bench.load import process_tree_cpu_seconds
    return process_tree_cpu_seconds(os.getpid())


def _cpu_time(fn: Callable[[], object]) -> tuple[float, float, float, object]:
    """(wall, CPU of this process, CPU of this process and Chromium) seconds of one call."""
    w0, c0, t0 = time.perf_counter(), time.process_time(), _tree_cpu()
    out = fn()
    return time.perf_counter() - w0, time.process_time() - c0, _tree_cpu() - t0, out


def _cpu_medians(fn: Callable[[], object], repeat: int) -> tuple[float, float, float, object]:
    runs = [_cpu_time(fn) for _ in range(max(1, repeat))]
    return (*(statistics.median(r[i] for r in runs) for i in range(3)), runs[-1][3])


def _cpu_note(cpu: float, tree: float) -> str:
    return f"CPU {cpu:.2f} s (avec Chromium {tree:.2f} s)".replace(".", ",")


def _line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<66} {seconds:7.2f} s  {note}")


def _verdict(seconds: float, target: float) -> str:
    return "OK" if seconds < target else f"AU-DESSUS de l'objectif de {target:g} s".replace(".", ",")


def run(db: Path, repeat: int = 3) -> dict[str, float]:
    """Named figures (seconds, medians of `repeat` runs): CSV/XLSX, a portrait PDF cold and warm,
    chart images, the map of the largest contract, every portrait and the mandate report of the
    largest contract (the one with the most QPVs)."""
    import duckdb
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from reports import images, pdf, tables

    out: dict[str, float] = {}
    con = duckdb.connect(str(db), read_only=True)
    contracts = [r[0] for r in con.execute("select contract_slug from contracts order by contract_slug").fetchall()]
    qpvs = {c: pdf.contract_qpv_codes(con, c) for c in contracts}
    largest = max(contracts, key=lambda c: (len(qpvs[c]), c), default=None)
    shown = ", ".join(f"{c} ({len(qpvs[c])} QPV)" for c in contracts[:8])
    more = f" et {len(contracts) - 8} autres" if len(contracts) > 8 else ""
    print(f"Base : {db} — territoires : {shown}{more}")

    # Tables (no browser involved).
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"Quartier": [f"Quartier {i}" for i in range(5000)],
                       "value": rng.uniform(0, 100, 5000).round(2),
                       "status": np.where(rng.uniform(size=5000) < 0.05, "secret", "ok"),
                       "Habitants": rng.integers(1000, 9000, 5000)})
    s, _ = figures.median_seconds(lambda: tables.to_csv_bytes(df, title="t", territory="x"), repeat)
    _line("CSV, 5 000 lignes", s)
    out["csv_5000_rows_s"] = s
    s, _ = figures.median_seconds(lambda: tables.to_xlsx_bytes(df, title="t", territory="x"), repeat)
    _line("XLSX, 5 000 lignes", s)
    out["xlsx_5000_rows_s"] = s

    # Portrait cold: the shared server is not running yet, the export starts it.
    images.stop_server()
    # The portrait measured is Aubépins when loaded, else the QPV with the most figures (charts).
    ranked = con.execute("""select territory_code from indicator_values where territory_level = 'qpv'
                            group by territory_code order by territory_code = 'QN07101I' desc, count(*) desc
                            limit 1""").fetchall()
    first = ranked[0][0] if ranked else next((q for c in contracts for q in qpvs[c]), None)
    if first is None:
        print("Aucun QPV dans la base : rien d'autre à mesurer.")
        return out
    images.clear_cache()
    cold, cold_cpu, cold_tree, data = _cpu_time(lambda: pdf.portrait_pdf(con, first))
    _line(f"1 portrait PDF à froid ({first}, démarrage de Chromium inclus)", cold,
          f"{len(data) // 1024} Ko — {_cpu_note(cold_cpu, cold_tree)}")
    warm, warm_cpu, warm_tree, _ = _cpu_medians(lambda: pdf.portrait_pdf(con, first), repeat)
    _line(f"1 portrait PDF, serveur démarré ({first}, médiane de {repeat})", warm,
          f"{_cpu_note(warm_cpu, warm_tree)} — {_verdict(warm, TARGET_PORTRAIT_WARM_S)}")
    out.update(portrait_pdf_cold_s=cold, portrait_pdf_cold_cpu_s=cold_cpu, portrait_pdf_cold_tree_cpu_s=cold_tree,
               portrait_pdf_warm_s=warm, portrait_pdf_warm_cpu_s=warm_cpu, portrait_pdf_warm_tree_cpu_s=warm_tree)

    # Images through the shared server.
    fig = go.Figure(go.Bar(x=["Quartier", "Commune", "EPCI", "France"], y=[742, 1480, 1770, 1930]))
    # Each render measured without the image cache (which would answer the repeats at once).
    png, _ = figures.median_seconds(lambda: (images.clear_cache(), images.figure_png(
        fig, title="Revenu médian", unit="€/mois", source_line="Insee")), max(repeat, 5))
    _line("Graphique PNG (2 250 px), médiane", png)
    svg, _ = figures.median_seconds(lambda: (images.clear_cache(), images.figure_svg(
        fig, title="Revenu médian", unit="€/mois", source_line="Insee")), max(repeat, 5))
    _line("Graphique SVG, médiane", svg)
    out.update(chart_png_s=png, chart_svg_s=svg)
    if largest is not None and qpvs[largest]:
        s, _ = figures.median_seconds(lambda: (images.clear_cache(), images.map_png(
            con, contract_slug=largest, indicator_id="poverty_rate_pct")), repeat)
        _line(f"Carte PNG des QPV ({largest})", s)
        out["map_png_largest_s"] = s

        # Every portrait of the largest territory, and its mandate report.
        t, _ = _time(lambda: [pdf.portrait_pdf(con, q) for q in qpvs[largest]])
        _line(f"Tous les portraits de {largest} ({len(qpvs[largest])} PDF)", t,
              f"{t / len(qpvs[largest]):.2f} s par portrait")
        out["portraits_largest_per_pdf_s"] = t / len(qpvs[largest])
        # Each run with no image cached: every chart of the report rendered.
        s, cpu, tree, data = _cpu_medians(lambda: (images.clear_cache(), pdf.mandate_pdf(con, largest))[1], repeat)
        _line(f"Rapport de mandat complet ({largest}, aucune image en cache, médiane de {repeat})", s,
              f"{len(data) // 1024} Ko — {_cpu_note(cpu, tree)} — {_verdict(s, TARGET_MANDATE_S)}")
        out.update(mandate_report_largest_s=s, mandate_report_largest_cpu_s=cpu,
                   mandate_report_largest_tree_cpu_s=tree)

    # The mandate report of every territory (the first eight), no image cached.
    for slug in contracts[:8]:
        images.clear_cache()
        s, cpu, tree, data = _cpu_time(lambda: pdf.mandate_pdf(con, slug))
        _line(f"Rapport de mandat de {slug}, aucune image en cache", s, f"{len(data) // 1024} Ko — {_cpu_note(cpu, tree)}")
        key = re.sub(r"[^a-z0-9]+", "_", slug.lower()).strip("_")
        out.update({f"mandate_report_{key}_cold_s": s, f"mandate_report_{key}_cold_cpu_s": cpu,
                    f"mandate_report_{key}_cold_tree_cpu_s": tree})
    images.stop_server()
    con.close()
    return out
