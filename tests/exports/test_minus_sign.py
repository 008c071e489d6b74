"""Issue #11: a negative number in a PDF table is written with the minus sign U+2212 glued to it
(« −4,70 »), which DejaVu Sans (the PDFs' font) draws, never with a hyphen-minus."""
from __future__ import annotations

import io
import subprocess

import pandas as pd
from reportlab.lib.pagesizes import A4
from reportlab.platypus import SimpleDocTemplate

from reports import pdf


def _gaps() -> pd.DataFrame:
    return pd.DataFrame({
        "Indicateur": ["Taux de pauvreté", "Taux de pauvreté"],
        "Quartier": ["Aubépins", "Stade"],
        "Année": [2021, 2021],
        "Écart au début": [-4.7, 3.25],
        "À la fin": [-1250.5, -0.2],
        "Actions": [3, 4],
        "L'écart s'est": ["réduit", "creusé"],
    })


def test_review_gap_table_writes_negative_numbers_with_the_minus_sign(tmp_path) -> None:
    pdf.register_fonts()
    table = pdf._review_table(_gaps(), pdf.styles())
    rows = [[(c[0] if isinstance(c, (list, tuple)) else c).getPlainText() for c in r]
            for r in table._cellvalues[1:]]
    assert [r[3:5] for r in rows] == [["\u22124,70", "\u22121\u202f250,5"], ["3,25", "\u22120,2"]]
    # Drawn in DejaVu Sans and read back from the PDF as the same character.
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([table])
    path = tmp_path / "table.pdf"
    path.write_bytes(buffer.getvalue())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    numbers = [w for line in text.splitlines() for w in line.split()
               if any(ch.isdigit() for ch in w) and w not in ("2021", "3", "4")]
    # (pdftotext writes the narrow no-break space of « −1 250,5 » as a space.)
    assert numbers == ["\u22124,70", "\u22121", "250,5", "3,25", "\u22120,2"]
    assert "-" not in "".join(numbers)
