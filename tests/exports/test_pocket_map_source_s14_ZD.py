"""The pocket map's source line names the grid as the sheet's sources do, with its year (issue 11,
last look at the PDFs): the demo sheet's map read « Source : carroyage Filosofi 200 m ; contours
des QPV : fictifs », no year, and the demo's fictional grid under INSEE's product name, above a
« Sources » list reading « Données fictives de démonstration, carroyage à 200 m, 2019 »
(indicators.pockets.map_source_line, passed by reports.pdf.pocket_sheet_pdf)."""
from __future__ import annotations

from indicators import pockets as pk


def test_a_real_grid_is_credited_with_its_year(pocket_con) -> None:
    result = pk.detect(pocket_con, "t")
    assert pk.map_source_line(pocket_con, result) == "carroyage Filosofi à 200 m, 2019 ; contours des QPV : ANCT"


def test_a_fictional_grid_is_credited_as_fictional_with_its_year(pocket_con) -> None:
    pocket_con.execute("update sources set is_fictional = true, producer = 'INSEE' where source_id = 'src_grid'")
    result = pk.detect(pocket_con, "t")
    assert pk.map_source_line(pocket_con, result) == (
        "Données fictives de démonstration, carroyage à 200 m, 2019 ; contours des QPV : fictifs")


def test_the_sheet_passes_the_line_to_its_map(pocket_con, monkeypatch) -> None:
    import datetime as dt

    from reports import images, pdf
    seen = {}

    def fake_map(*args, **kwargs):
        seen.update(kwargs)
        from PIL import Image
        import io
        buf = io.BytesIO()
        Image.new("RGB", (600, 360), "white").save(buf, format="PNG")
        return buf.getvalue()

    monkeypatch.setattr(images, "pocket_map_png", fake_map)
    monkeypatch.setattr(pdf, "_warm_up_images", lambda: None)
    result = pk.detect(pocket_con, "t")
    pdf.pocket_sheet_pdf(pocket_con, result, "t-P01", generated_on=dt.date(2026, 3, 5))
    assert seen["source_line"] == "carroyage Filosofi à 200 m, 2019 ; contours des QPV : ANCT"
    assert seen["title"] == "Poche 1 et les quartiers prioritaires"
