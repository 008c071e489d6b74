"""Colours shared by the app's charts and maps and by every export (images, PDFs).

Pure constants (no import of plotly or streamlit) so that the pages, `reports.images` and
`reports.pdf` draw with the same colours. Hex strings '#rrggbb'.
"""
from __future__ import annotations

# Brand colours of the product (headers, bars of the selected territory, rules).
PRIMARY = "#1f4e79"        # dark blue: the selected QPV, titles
PRIMARY_LIGHT = "#dce6f1"  # background of headers and key-figure boxes
ACCENT = "#c55a11"         # orange: a target line, a highlight
TEXT = "#1a1a1a"
TEXT_MUTED = "#4a4a4a"     # source lines and notes (contrast 8.9:1 on white)
RULE = "#b7c4d1"

# The demo mark (same as the app's .qpv-demo-mark).
DEMO_BACKGROUND = "#fff4d6"
DEMO_TEXT = "#5c3b00"
DEMO_BORDER = "#e0b44c"

# Poverty pockets outside the QPVs (indicators/pockets.py), on the maps beside the QPVs.
POCKET = "#d55e00"

# Withheld values (secret statistique, non disponible): grey, never a class colour.
WITHHELD = "#bdbdbd"
NO_DATA_OUTLINE = "#8c8c8c"

# One colour per comparison level, in config.COMPARATOR_LEVELS order plus the QPV itself.
# Okabe–Ito colour-blind-safe set.
LEVEL_COLOURS: dict[str, str] = {
    "qpv": PRIMARY,
    "commune": "#e69f00",
    "epci": "#56b4e9",
    "departement": "#009e73",
    "region": "#cc79a7",
    "france": "#7f7f7f",
    "qpv_ensemble": "#d55e00",
}

# Funders (programme financing charts), Okabe–Ito then greys.
FUNDER_COLOURS: dict[str, str] = {
    "ville": "#0072b2",
    "epci": "#56b4e9",
    "etat_p147": "#d55e00",
    "etat_autre": "#e69f00",
    "caf": "#009e73",
    "departement": "#cc79a7",
    "region": "#f0e442",
    "bailleur": "#8c564b",
    "europe": "#1f4e79",
    "autre": "#9e9e9e",
}

# Sequential classes for choropleth maps (ColorBrewer YlGnBu, colour-blind safe, printable in
# greyscale): index k-1 holds the k-class palette, light = low, dark = high.
SEQUENTIAL: dict[int, tuple[str, ...]] = {
    2: ("#a1dab4", "#225ea8"),
    3: ("#edf8b1", "#7fcdbb", "#2c7fb8"),
    4: ("#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"),
    5: ("#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"),
    6: ("#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"),
}


def sequential(k: int) -> tuple[str, ...]:
    """The k-class sequential palette (1 ≤ k ≤ 6)."""
    if k <= 1:
        return (SEQUENTIAL[3][1],)
    return SEQUENTIAL[min(k, 6)]


def hex_to_rgb(colour: str) -> tuple[int, int, int]:
    """'#1f4e79' → (31, 78, 121) (pydeck wants RGB lists)."""
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)
