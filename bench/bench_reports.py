"""Timings of the exports on a built database: image exports through the shared server, one
portrait PDF (cold: Chromium started by the export, and warm), every portrait of each territory,
the mandate report, CSV and XLSX of a large table. Prints one line per measure."""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from pathlib import Path

TARGET_PORTRAIT_S = 3.0


def _time(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _line(label: str, seconds: float, note: str = "") -> None:
    print(f"  {label:<66} {seconds:7.2f} s  {note}")


def run(db: Path) -> list[tuple[str, float]]:
    import duckdb
    import numpy as np
    import pandas as pd
    import plotly.graph_objects as go

    from reports import images, pdf, tables

    results: list[tuple[str, float]] = []

    def record(label: str, seconds: float, note: str = "") -> None:
        results.append((label, seconds))
        _line(label, seconds, note)

    con = duckdb.connect(str(db), read_only=True)
    contracts = [r[0] for r in con.execute("select contract_slug from contracts order by contract_slug").fetchall()]
    qpvs = {c: pdf.contract_qpv_codes(con, c) for c in contracts}
    print(f"Base : {db} — territoires : {', '.join(f'{c} ({len(qpvs[c])} QPV)' for c in contracts)}")

    # Tables (no browser involved).
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"Quartier": [f"Quartier {i}" for i in range(5000)],
                       "value": rng.uniform(0, 100, 5000).round(2),
                       "status": np.where(rng.uniform(size=5000) < 0.05, "secret", "ok"),
                       "Habitants": rng.integers(1000, 9000, 5000)})
    record("CSV, 5 000 lignes", _time(lambda: tables.to_csv_bytes(df, title="t", territory="x"))[0])
    record("XLSX, 5 000 lignes", _time(lambda: tables.to_xlsx_bytes(df, title="t", territory="x"))[0])

    # Portrait cold: the shared server is not running yet, the export starts it.
    images.stop_server()
    # The portrait measured is Aubépins when loaded, else the QPV with the most figures (charts).
    ranked = con.execute("""select territory_code from indicator_values where territory_level = 'qpv'
                            group by territory_code order by territory_code = 'QN07101I' desc, count(*) desc
                            limit 1""").fetchall()
    first = ranked[0][0] if ranked else next((q for c in contracts for q in qpvs[c]), None)
    if first is None:
        print("Aucun QPV dans la base : rien d'autre à mesurer.")
        return results
    cold, data = _time(lambda: pdf.portrait_pdf(con, first))
    ok = "OK" if cold < TARGET_PORTRAIT_S else f"AU-DESSUS de l'objectif de {TARGET_PORTRAIT_S:.0f} s"
    record(f"1 portrait PDF à froid ({first}, démarrage de Chromium inclus)", cold,
           f"{len(data) // 1024} Ko — {ok}")
    warm = [_time(lambda: pdf.portrait_pdf(con, first))[0] for _ in range(3)]
    record(f"1 portrait PDF, serveur démarré ({first}, médiane de 3)", statistics.median(warm),
           "OK" if statistics.median(warm) < TARGET_PORTRAIT_S else "AU-DESSUS de l'objectif")

    # Images through the shared server.
    fig = go.Figure(go.Bar(x=["Quartier", "Commune", "EPCI", "France"], y=[742, 1480, 1770, 1930]))
    png = [_time(lambda: images.figure_png(fig, title="Revenu médian", unit="€/mois", source_line="Insee"))[0]
           for _ in range(10)]
    record("Graphique PNG (2 250 px), médiane de 10", statistics.median(png))
    svg = [_time(lambda: images.figure_svg(fig, title="Revenu médian", unit="€/mois", source_line="Insee"))[0]
           for _ in range(10)]
    record("Graphique SVG, médiane de 10", statistics.median(svg))
    for c in contracts:
        record(f"Carte PNG des QPV ({c})",
               _time(lambda: images.map_png(con, contract_slug=c, indicator_id="poverty_rate_pct"))[0])

    # Every portrait of each territory, and the mandate report.
    for c in contracts:
        if not qpvs[c]:
            continue
        t, _ = _time(lambda: [pdf.portrait_pdf(con, q) for q in qpvs[c]])
        record(f"Tous les portraits de {c} ({len(qpvs[c])} PDF)", t, f"{t / len(qpvs[c]):.2f} s par portrait")
    for c in contracts:
        t, data = _time(lambda: pdf.mandate_pdf(con, c))
        record(f"Rapport de mandat complet ({c})", t, f"{len(data) // 1024} Ko")
    images.stop_server()
    con.close()
    return results
