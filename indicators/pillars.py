"""Indicators of the three pillars published only for communes (health, education, public
safety: e.g. the SSMSI crime base): a QPV has no figure of its own, so its portrait shows its
commune's figure beside it, saying so (registry caution `COMMUNE_ONLY`). Pure SQL, no streamlit."""
from __future__ import annotations

import pandas as pd

from indicators.registry import COMMUNE_ONLY, REGISTRY

COMMUNE_ONLY_IDS = tuple(i.id for i in REGISTRY if i.caution == COMMUNE_ONLY)


def commune_only_figures(con, qpv_code: str) -> pd.DataFrame:
    """For each commune-only indicator and each commune of the QPV: the latest year's figure of
    the commune (withheld ones stay NULL with their status), its source and the caution. Empty
    when none of these indicators is loaded for the QPV's communes."""
    if not COMMUNE_ONLY_IDS:
        return pd.DataFrame()
    marks = ", ".join("?" for _ in COMMUNE_ONLY_IDS)
    df = con.execute(f"""
        with latest as (
            select v.*, row_number() over (partition by v.territory_code, v.indicator_id
                                           order by v.year desc) as rk
            from indicator_values v
            where v.territory_level = 'commune' and v.indicator_id in ({marks})
              and v.territory_code in (select commune_code from qpv_communes where qpv_code = ?)
        )
        select indicator_id, indicator_label, unit, territory_code as commune_code,
               territory_name as commune_name, year, value, numerator, denominator, status,
               status_note, source_label
        from latest where rk = 1
        order by indicator_id, commune_code""", [*COMMUNE_ONLY_IDS, qpv_code]).df()
    order = {i: n for n, i in enumerate(COMMUNE_ONLY_IDS)}
    df = df.sort_values(["indicator_id", "commune_code"], key=lambda s: s.map(order) if s.name == "indicator_id" else s)
    df["caution"] = COMMUNE_ONLY
    return df.reset_index(drop=True)
