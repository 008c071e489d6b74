"""Issue 11, session 13 (RA): what the page-by-page look at the demo's and Grand Chalon's shots
at 1440 and 390 px found after the merges of the narrow tables and the chart labels."""
from __future__ import annotations

import pandas as pd

from ui import charts, views


def test_a_shortened_point_name_always_ends_with_an_ellipsis() -> None:
    # The gap scatter wrote « Pré-Vert » for « Pré-Vert - Fontaine » (a name of its own, no mark
    # that it was cut) beside « Les Grands… ».
    names = ["Pré-Vert - Fontaine", "Bords de Lorne - Gare", "Vieux Moulin - Paradis - Les Hauts de Lorne",
             "Les Grands Prés", "La Chênaie", "Saint-Exupéry"]
    assert [charts.short_label(n) for n in names] == [
        "Pré-Vert…", "Bords de Lorne…", "Vieux Moulin…", "Les Grands…", "", ""]


def test_the_gap_scatter_writes_a_shortened_name_with_its_ellipsis() -> None:
    # The demo's gap scatter (test_issue11_sb.DEMO) with « Pré-Vert - Fontaine » where « Cité des
    # Forges » had no room for its whole name: its short form reads « Pré-Vert… ».
    from tests.app.test_issue11_sb import DEMO
    names = list(DEMO["qpv_name"])
    names[5], names[8] = names[8], names[5]
    fig = charts.gap_change_scatter(DEMO.assign(qpv_name=names), "9e décile du niveau de vie", "EUR/an", "Q0")
    shown = {h.split(" (")[0]: (t, p) for tr in fig.data
             for t, p, h in zip(tr.text, tr.textposition, tr.hovertext)}
    assert shown == {
        "Vieux Moulin - Paradis - Les Hauts de Lorne": (
            "Vieux Moulin -<br>Paradis - Les<br>Hauts de Lorne", "bottom right"),
        "Les Tilleuls": ("Les Tilleuls", "top center"),
        "Bords de Lorne - Gare": ("Bords de Lorne -<br>Gare", "bottom left"),
        "La Chênaie": ("La Chênaie", "middle left"),
        "Champ de Foire": ("Champ de<br>Foire", "bottom center"),
        "Cité des Forges": ("Cité des Forges", "bottom right"),
        "Saint-Exupéry": ("", "top center"),            # no room: in the hover and the table
        "Les Grands Prés": ("Les Grands Prés", "middle left"),
        "Pré-Vert - Fontaine": ("Pré-Vert…", "middle left"),
    }


def test_a_unit_with_slashes_breaks_after_them_in_a_narrow_table() -> None:
    # « 3,0 consultations/an/habitant » (a commune-only figure of the portrait) is one word of
    # 169 px (« consultations/an/habitant »): broken anywhere, it read « consultatio | ns/an/habitan | t » at 390 px. It breaks
    # after its slashes, and its column is as wide as its widest part.
    frame = pd.DataFrame({"Indicateur": ["Accessibilité aux médecins généralistes"],
                          "Valeur de la commune": ["3,0 consultations/an/habitant"]})
    part = views.word_px("consultations/")
    assert views.min_px(frame, "Valeur de la commune") == part < views.LONG_WORD_PX
    html = views.narrow_table_html(frame, ["Indicateur", "Valeur de la commune"], "c")["html"]
    assert html == (
        '<div class="qpv-narrow qpv-narrow-c"><div class="qpv-narrow-rows" tabindex="0" role="region" '
        'aria-label="Tableau : Indicateur, Valeur de la commune"><table><thead><tr><th>Indicateur</th>'
        "<th>Valeur de la commune</th></tr></thead><tbody><tr><td>Accessibilité aux médecins généralistes</td>"
        "<td>3,0 consultations/<wbr>an/<wbr>habitant</td></tr></tbody></table></div></div>")


def test_a_path_whose_parts_are_still_too_wide_breaks_anywhere() -> None:
    name = "data/raw/demo/insee_filosofi_2021_quartiers_prioritaires_val_de_lorne.csv"
    assert views._screen_cell(name) == (f'<span class="qpv-break">{name}</span>', views.LONG_WORD_PX)


def test_a_chart_of_published_and_computed_rates_writes_each_as_its_tile_does() -> None:
    # The demo's CIA chart: 2022 published at two decimals, the other years computed. Rounded
    # to one decimal first, then written at the chart's two, 95 / 502 = 18,924 % read
    # « 18,90 % » (a digit the figure has not); written at two, « 18,92 % » beside its tile's
    # « 18,9 % ». Each bar now has its own digits: the document's, or one for a computed rate.
    from indicators.housing import chart_rates
    values, decimals = chart_rates([14.6032, 15.55, 16.5991, 20.2020, 95 / 502 * 100],
                                   ["computed", "published", "computed", "computed", "computed"])
    assert (values, decimals) == ([14.6, 15.55, 16.6, 20.2, 18.9], [1, 2, 1, 1, 1])
    fig = charts.bars_by_category(["2021", "2022", "2023", "2024", "2025"], values, "Taux", "%",
                                  target=25.0, target_label="objectif", decimals=decimals)
    assert [t.replace("\u00a0", " ") for t in fig.data[0].text] == [
        "14,6 %", "15,55 %", "16,6 %", "20,2 %", "18,9 %"]
    # A missing rate stays missing; published rates keep their own digits.
    assert chart_rates([18.924, None], ["computed", "computed"]) == ([18.9, None], [1, 1])
    assert chart_rates([12.04, 25.0], ["published", "published"]) == ([12.04, 25.0], [2, 0])


def test_demo_housing_charts_write_each_rate_as_its_tile_and_document_do(demo_db) -> None:
    # The demo's three CIA charts (2021–2025): the first two mix a rate published at two
    # decimals (2022, 2021) with computed ones at one; the third is computed only. The 2025
    # bars read as the tiles do.
    import json

    from tests.app.test_pages import run_page
    at = run_page("logement", territoire="demo")
    assert not at.exception
    texts = [[t.replace("\u00a0", " ") for t in json.loads(c.proto.spec)["data"][0]["text"]]
             for c in at.get("plotly_chart")]
    assert texts == [["14,6 %", "15,55 %", "16,6 %", "20,2 %", "18,9 %"],
                     ["57,57 %", "60,7 %", "60,7 %", "59,7 %", "59,4 %"],
                     ["37,3 %", "40,7 %", "38,4 %", "36,9 %", "40,1 %"]]
    assert [str(m.value).replace("\u00a0", " ") for m in at.metric] == ["18,9 %", "59,4 %", "40,1 %"]


def test_a_cia_tables_source_cells_name_the_section_and_the_downloads_keep_the_passage() -> None:
    # Grand Chalon's results quoted a whole paragraph of the CIA in each « Source » cell: rows
    # 20 lines tall, the table cut at its 600 px. The cell keeps the section and the start of
    # the quotation, cut at a word; the export keeps the whole reference.
    ref = ("Annexe 7 – CIA, « Les objectifs quantifiés et territorialisés par bailleur et réservataire » "
           "(p. 8 s. de la CIA), « Engagements en faveur des demandeurs du 1er quartile » : « En 2021, cet "
           "objectif n'a pas été atteint avec 82 attributions »")
    assert views.source_ref_cell(ref) == (
        "Annexe 7 – CIA, « Les objectifs quantifiés et territorialisés par bailleur et réservataire » (p. 8…)")     # a bracket cut open is closed (sources.clipped)
    assert views.source_ref_cell("p. 12") == "p. 12"
    assert views.source_ref_cell(None) == "" and views.source_ref_cell(float("nan")) == ""
    objectives = pd.DataFrame({"party_type": ["ensemble"], "party_name": ["Ensemble"],
                               "objective_label": ["Attributions hors QPV"], "target_pct": [25.0],
                               "note": [None], "source_ref": [ref]})
    assert views.objectives_table(objectives)["Source"].tolist() == [views.source_ref_cell(ref)]
    assert views.export_frame("cia_objectives", objectives)["Source"].tolist() == [ref]
