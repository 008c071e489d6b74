"""Issue 11, every page seen at 1440 px after the last merges (s14): « Droit commun » showed Grand
Chalon's 294 schemes no signatory declared in a grid whose rows were all 120 px tall, as tall as
its longest scheme name, for one or two lines in most rows: five rows in its box. A grid of many
rows made that tall by a few long cells is shown as the HTML table, whose rows each take their
own height, where the page asks for it (views.uneven_rows, components.table's own_heights). Small data built by code."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui import views

TALL = views.LINE_PX * views.UNEVEN_ROW_LINES + views.ROW_PADDING_PX


def test_many_rows_each_as_tall_as_the_longest_cell_are_uneven() -> None:
    many = views.UNEVEN_MIN_ROWS + 1
    assert [views.uneven_rows(many, TALL), views.uneven_rows(many, TALL - 1),
            views.uneven_rows(many, None), views.uneven_rows(views.UNEVEN_MIN_ROWS, TALL)] == [
        True, False, False, False]


def _script() -> None:
    import pandas as pd  # noqa: F811 (AppTest runs the function's source alone)

    from ui import components
    long = ("Crédits d'ingénierie : ingénierie de projets urbains dans le cadre du NPNRU, projets de "
            "développement économique, de cohésion sociale, interventions sur l'habitat privé dégradé")
    names = [long] + [f"Dispositif {i}" for i in range(1, 20)]
    frame = pd.DataFrame({"Pilier": ["Cadre de vie"] * 20,
                          "Signataire": ["Direction départementale des territoires (DDT)"] * 20,
                          "Dispositif": names})
    components.table(frame, hide_index=True, key="many", own_heights=True)
    components.table(frame.head(3), hide_index=True, key="few", own_heights=True)
    components.table(frame, hide_index=True, key="grid")      # a page that keeps its grid


def test_a_grid_of_uneven_rows_is_shown_as_the_html_table_only() -> None:
    at = AppTest.from_function(_script).run()
    assert not at.exception
    # The twenty rows asked with own heights are one HTML table, every name in it; the three-row
    # table and the one that did not ask keep their grids.
    assert [len(d.value) for d in at.dataframe] == [3, 20]
    bodies = [h.proto.body for h in at.get("html") if "qpv-narrow-many" in h.proto.body]
    assert len(bodies) == 1
    body = bodies[0]
    assert ".st-key-qpvgrid_many" in body             # its rule hides a grid that is not there
    assert "@container (min-width: 100000px) { .qpv-narrow-many { display: none; } }" in body
    assert all(f"Dispositif {i}<" in body for i in range(1, 20))
    assert "Crédits d&#x27;ingénierie" in body or "Crédits d'ingénierie" in body
