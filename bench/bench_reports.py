"""Timings of the exports on a built database: CSV and XLSX of a large table, image exports through
the shared server, one portrait PDF (cold: Chromium started by the export, and warm), every portrait
and the mandate report of the largest territory. Prints one line per measure, returns named figures."""
from __future__ import annotations

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
    cold, data = _time(lambda: pdf.portrait_pdf(con, first))
    _line(f"1 portrait PDF à froid ({first}, démarrage de Chromium inclus)", cold, f"{len(data) // 1024} Ko")
    warm, _ = figures.median_seconds(lambda: pdf.portrait_pdf(con, first), repeat)
    _line(f"1 portrait PDF, serveur démarré ({first}, médiane de {repeat})", warm,
          _verdict(warm, TARGET_PORTRAIT_WARM_S))
    out.update(portrait_pdf_cold_s=cold, portrait_pdf_warm_s=warm)

    # Images through the shared server.
    fig = go.Figure(go.Bar(x=["Quartier", "Commune", "EPCI", "France"], y=[742, 1480, 1770, 1930]))
    png, _ = figures.median_seconds(lambda: images.figure_png(
        fig, title="Revenu médian", unit="€/mois", source_line="Insee"), max(repeat, 5))
    _line("Graphique PNG (2 250 px), médiane", png)
    svg, _ = figures.median_seconds(lambda: images.figure_svg(
        fig, title="Revenu médian", unit="€/mois", source_line="Insee"), max(repeat, 5))
    _line("Graphique SVG, médiane", svg)
    out.update(chart_png_s=png, chart_svg_s=svg)
    if largest is not None and qpvs[largest]:
        s, _ = figures.median_seconds(lambda: images.map_png(
            con, contract_slug=largest, indicator_id="poverty_rate_pct"), repeat)
        _line(f"Carte PNG des QPV ({largest})", s)
        out["map_png_largest_s"] = s

        # Every portrait of the largest territory, and its mandate report.
        t, _ = _time(lambda: [pdf.portrait_pdf(con, q) for q in qpvs[largest]])
        _line(f"Tous les portraits de {largest} ({len(qpvs[largest])} PDF)", t,
              f"{t / len(qpvs[largest]):.2f} s par portrait")
        out["portraits_largest_per_pdf_s"] = t / len(qpvs[largest])
        s, data = figures.median_seconds(lambda: pdf.mandate_pdf(con, largest), repeat)
        _line(f"Rapport de mandat complet ({largest}, médiane de {repeat})", s,
              f"{len(data) // 1024} Ko — {_verdict(s, TARGET_MANDATE_S)}")
        out["mandate_report_largest_s"] = s
    images.stop_server()
    con.close()
    return out
