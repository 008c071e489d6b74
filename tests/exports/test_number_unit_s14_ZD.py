"""A number keeps its unit on its line in PDFs (issue 11, last look at the PDFs): the demo portrait's
figures table printed « Ménages pauvres (carroyage 200 » then « m) » on the next line, as
« Niveau de vie moyen (carroyage 200 » / « m) ». reports.pdf.esc now joins a number and the
unit after it (indicators.text.no_break_units, a distance or an area too), as the screen does."""
from __future__ import annotations

import datetime as dt
import subprocess

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Table

from indicators.fmt import plain_spaces
from indicators.text import no_break_units, screen_text
from reports import pdf

NB = "\u00a0"


def _lines(data: bytes) -> list[str]:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True,
                         check=True).stdout.decode()
    return [ln for page in out.split("\f")[:-1] for ln in plain_spaces(page).split("\n") if ln.strip()]


def test_a_distance_or_an_area_keeps_its_number() -> None:
    assert no_break_units("Ménages pauvres (carroyage 200 m)") == f"Ménages pauvres (carroyage 200{NB}m)"
    assert no_break_units("à 1\u202f558 m du QPV, 1,2 km, 40 m², 2 km², 3 ha, 58,9 %") == (
        f"à 1\u202f558{NB}m du QPV, 1,2{NB}km, 40{NB}m², 2{NB}km², 3{NB}ha, 58,9{NB}%")
    # A word after a number is not a unit (« 3 mois », « 2 habitants », « 5 kms »), nor a letter
    # after a word.
    assert no_break_units("3 mois, 2 habitants, 5 kms, en m, 2020 hab.") == (
        "3 mois, 2 habitants, 5 kms, en m, 2020 hab.")
    assert screen_text("Niveau de vie moyen (carroyage 200 m)") == f"Niveau de vie moyen (carroyage 200{NB}m)"


def test_pdf_text_keeps_a_number_with_its_unit() -> None:
    assert pdf.esc("Ménages pauvres (carroyage 200 m) ; 58,9 % & 1,5 M€") == (
        f"Ménages pauvres (carroyage 200{NB}m){NB}; 58,9{NB}% &amp; 1,5{NB}M€")


def test_the_figures_label_never_wraps_between_number_and_unit() -> None:
    # The portrait's label column (52 mm) and every width down to 20 mm: the label wraps where it
    # may, never between « 200 » and « m ».
    pdf.register_fonts()
    st = pdf.styles()
    labels = ["Ménages pauvres (carroyage 200 m)", "Niveau de vie moyen (carroyage 200 m)"]
    widths = [52, 45, 40, 35, 30, 25, 20]
    story = [Table([[Paragraph(pdf.esc(label), st.cell)]], colWidths=[w * mm])
             for w in widths for label in labels]
    info = pdf.PageInfo(footer="Essai · produit le 5 mars 2026", fictional=False,
                        generated_on=dt.date(2026, 3, 5))
    lines = [ln.strip() for ln in _lines(pdf._build(story, info, title="Essai"))
             if "Essai" not in ln and "page " not in ln]
    assert [ln for ln in lines if ln.startswith("m)") or ln.endswith(" 200")] == []
    assert " ".join(lines).split() == " ".join(labels * len(widths)).split()
    # At the portrait's own width the first label wraps as it did, with « 200 m) » whole.
    assert lines[:2] == ["Ménages pauvres (carroyage", "200 m)"]
