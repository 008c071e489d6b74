"""Issue 11, every page seen as an image (s14): the demo portrait of Cité des Forges drew its
situation map without the name of its own commune, Les Forges-de-Lorne (the QPV's name took its
place; the communes placed before it kept theirs). The portrait's map names the QPV's communes
right after the QPV (reports.pdf.portrait_map_spec, images' `first_communes`): they are the names
kept when names collide. Small data built by code."""
from __future__ import annotations

from types import SimpleNamespace

from reports import images, pdf
from reports.images import MapArea, MapData


def _square(x0, y0, x1, y1):
    return [[(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]]


def _data() -> MapData:
    """Three communes, the QPV's own listed last (as the database ordered Les Forges-de-Lorne)."""
    own = MapArea("99004", "Les Forges-de-Lorne", _square(2.55, 46.80, 2.65, 46.88), (2.60, 46.852))
    west = MapArea("99003", "Montvaillant", _square(2.45, 46.80, 2.55, 46.88), (2.50, 46.84))
    south = MapArea("99001", "Lorneville", _square(2.45, 46.72, 2.65, 46.80), (2.55, 46.76))
    qpv = MapArea("QN09909N", "Cité des Forges", _square(2.595, 46.825, 2.605, 46.835), (2.60, 46.83))
    return MapData(qpvs=[qpv], communes=[west, south, own])


def _portrait(commune_codes):
    return SimpleNamespace(qpv=SimpleNamespace(code="QN09909N"),
                           communes=[SimpleNamespace(code=c) for c in commune_codes])


def _names(spec) -> list[str]:
    return [t for trace in spec["data"] if trace.get("mode") == "text" for t in trace["text"]]


def test_the_quartiers_commune_is_named_right_after_the_quartier() -> None:
    spec = pdf.portrait_map_spec(_data(), _portrait(["99004"]), pdf.CONTENT_W * 0.42)
    # Names in the order they were placed: the QPV, its commune, then the others.
    assert _names(spec) == ["Cité des Forges", "<b>LES FORGES-DE-LORNE</b>", "<b>MONTVAILLANT</b>",
                            "<b>LORNEVILLE</b>"]


def test_a_quartier_over_two_communes_names_both_first() -> None:
    spec = pdf.portrait_map_spec(_data(), _portrait(["99001", "99004"]), pdf.CONTENT_W * 0.42)
    assert _names(spec) == ["Cité des Forges", "<b>LORNEVILLE</b>", "<b>LES FORGES-DE-LORNE</b>",
                            "<b>MONTVAILLANT</b>"]


def test_the_map_is_what_qpv_map_spec_draws_for_the_portrait() -> None:
    expected = images.qpv_map_spec(_data(), highlight="QN09909N", legend=False, label_codes=["QN09909N"],
                                   size_px=(420, 260), text_px=images.print_text_px(420, 150.0),
                                   first_communes=["99004"])
    assert pdf.portrait_map_spec(_data(), _portrait(["99004"]), 150.0) == expected
