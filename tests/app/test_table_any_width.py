"""Issue 11: every table reads on any width without scrolling inside it. Streamlit's grid cannot
shrink a column below its content nor wrap a header, so a table that starts with a year or a
short label spread its values beyond a 390 px phone (the CIA results, the CPO table,
« Montant (partagé à par… »), and a few beyond a 1440 px page (« Source », « Manquantes
publiées »). A grid wider than a phone comes with an HTML table of the same cells whose headers and
cells wrap (views.narrow_table_html); CSS container queries show the grid only where its room
holds it, else the HTML table, with every column where their widest words fit, else the label and
the values first and the other columns in a « Détail » under it (components.show_table)."""
from __future__ import annotations

import html
import json
import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from indicators.text import screen_text
from tests.app.test_pages import run_page
from ui import components, views

NBSP = "\u00a0"
SOURCE = "Convention intercommunale d'attribution du Val-de-Lorne, article 3 (fictive)"
NOTE = "Attributions suivies d'un bail signé, hors QPV, au 1er quartile des demandeurs"


def _cia_like() -> pd.DataFrame:
    """A table that starts with a short column (a year), with many columns and a long source."""
    return pd.DataFrame({
        "Année": [2024, 2025],
        "Partie": ["Lorne Habitat (fictif)", "Ensemble"],
        "Taux": ["18,9 %", "secret statistique"],
        "Manquantes publiées": ["31", ""],
        "Source": [SOURCE, SOURCE],
        "Note": [NOTE, ""],
    })


def test_narrowest_widths_are_the_widest_words() -> None:
    frame = _cia_like()
    # 14 px of padding and border, then the widest word at views.char_px: « Année » (capital
    # 8,4 + 4 × 6,6 = 34,8 × 1,08 → 38), « Réservataire »… Numbers are written as the table
    # writes them (« 2024 »), headers wrap like the cells.
    assert views.word_px("Année") == 14 + 38
    assert views.word_px("Lorne Habitat (fictif)") == views.word_px("Habitat")
    # « 18,9 % » kept whole: 3 digits × 7,2, « , » 3,6, the no-break space and « % » 6 each.
    assert views.word_px(f"18,9{NBSP}%") == 14 + 41
    assert {c: views.min_px(frame, c) for c in frame.columns} == {
        "Année": 52, "Partie": views.word_px("Ensemble"), "Taux": views.word_px("statistique"),
        "Manquantes publiées": views.word_px("Manquantes"), "Source": views.word_px("intercommunale"),
        "Note": views.word_px("demandeurs")}
    assert [views.cell_text(v) for v in (2024, 12.5, 3.0, None, float("nan"), True, ["CAF", "Ville"], "x")] == [
        "2024", "12,5", "3", "", "", "oui", "CAF, Ville", "x"]


def test_a_phone_keeps_the_label_and_the_values_and_prose_goes_to_the_detail() -> None:
    frame = _cia_like()
    order = list(frame.columns)
    # 52 + 74 + 77 + 87 = 290 px: the year, the party and the values fit 320 px; the source
    # (110) and the note (87) are prose, tried last, and no longer fit.
    assert views.narrow_columns(frame, order) == (
        ["Année", "Partie", "Taux", "Manquantes publiées"], ["Source", "Note"])
    # Prose goes last even before it in the order; a tight room keeps the label only.
    assert views.narrow_columns(frame, ["Partie", "Source", "Taux"]) == (["Partie", "Source", "Taux"], [])
    assert views.narrow_columns(frame, ["Partie", "Note", "Source", "Taux"], room_px=260) == (
        ["Partie", "Note", "Taux"], ["Source"])
    assert views.narrow_columns(frame, order, room_px=40) == (["Année"], order[1:])
    assert views.narrow_columns(frame, []) == ([], [])
    # A marker column (the comparison's « ▶ ») comes with the label after it.
    marked = frame.assign(**{"": ["▶", ""]})
    assert views.narrow_columns(marked, ["", "Partie", "Source", "Taux"], room_px=100) == (["", "Partie"],
                                                                                         ["Source", "Taux"])


def test_the_narrow_table_writes_every_cell_and_details_what_a_phone_leaves_out() -> None:
    narrow = views.narrow_table_html(_cia_like(), list(_cia_like().columns), "cia")
    hide = ' class="qpv-wide-only"'
    source = SOURCE.replace("'", "&#x27;")
    note = NOTE.replace("'", "&#x27;")
    assert narrow == {
        "html": (
            # The rows' box is reached by the keyboard and named (it scrolls beyond 600 px).
            '<div class="qpv-narrow qpv-narrow-cia"><div class="qpv-narrow-rows" tabindex="0" '
            'role="region" aria-label="Tableau : Année, Partie, Taux, Manquantes publiées">'
            "<table><thead><tr>"
            f"<th>Année</th><th>Partie</th><th>Taux</th><th>Manquantes publiées</th>"
            f"<th{hide}>Source</th><th{hide}>Note</th></tr></thead><tbody>"
            f"<tr><td>2024</td><td>Lorne Habitat (fictif)</td><td>18,9{NBSP}%</td><td>31</td>"
            f"<td{hide}>{source}</td><td{hide}>{note}</td></tr>"
            f"<tr><td>2025</td><td>Ensemble</td><td>secret statistique</td><td></td>"
            f"<td{hide}>{source}</td><td{hide}></td></tr></tbody></table></div>"
            # The source, the same in every row, said once; the note of the row that has one,
            # named by its year and party.
            f'<details class="qpv-narrow-only"><summary>Détail{NBSP}: Source, Note</summary><ul>'
            f"<li><b>Source</b> (toutes les lignes){NBSP}: {source}</li>"
            f"<li><b>2024 · Lorne Habitat (fictif)</b> — Note{NBSP}: {note}</li></ul></details></div>"),
        "full_px": 52 + 74 + 77 + 87 + 110 + 87,
        "shown": ["Année", "Partie", "Taux", "Manquantes publiées"], "left": ["Source", "Note"]}


def test_cells_are_escaped_and_keep_french_punctuation_with_their_words() -> None:
    frame = pd.DataFrame({"Nom <b>": ["<i>a</i> : x"], "Valeur": ["« 12 »"]})
    html = views.narrow_table_html(frame, ["Nom <b>", "Valeur"], "k")["html"]
    assert "<i>" not in html and "<b>" not in html.split("<tbody>")[0]
    # (indicators.text.html_text: a word joiner after « : », as in every data text of our HTML)
    assert f"<td>&lt;i&gt;a&lt;/i&gt;{NBSP}:\u2060 x</td><td>«{NBSP}12{NBSP}»</td>" in html
    assert "<details" not in html


def test_grid_width_adds_configured_and_measured_columns() -> None:
    frame = pd.DataFrame({"Quartier": ["Les Tilleuls"], "Montant": [1250.5],
                          "Portrait": ["/portrait?qpv=A"]})
    args = {"column_config": {"Quartier": {"width": 120},
                              "Portrait": {"type_config": {"display_text": "Ouvrir le portrait"}}}}
    # « 1 250,5 » is wider than its header « Montant »; the link column shows its display text.
    assert views.text_px(views.cell_text(1250.5)) > views.text_px("Montant")
    assert views.grid_px(frame, args) == 120 + views.text_px("1\u202f250,5") + views.text_px("Ouvrir le portrait")
    assert views.grid_px(frame, {**args, "column_order": ["Quartier"]}) == 120
    assert views.grid_px(frame, {"column_order": ["Quartier"]}, index=True) == \
        views.text_px("Les Tilleuls") + views.text_px("0")


def test_container_queries_of_one_table() -> None:
    assert components.css_key("dc_schemes_Cadre de vie") == "dc_schemes_Cadre-de-vie"
    assert components.narrow_css("dc schemes", 700, 420) == (
        "<style>"
        "@container (max-width: 699px) { .st-key-qpvgrid_dc-schemes { display: none !important; } }"
        "@container (min-width: 700px) { .qpv-narrow-dc-schemes { display: none; } }"
        "@container (max-width: 419px) { .qpv-narrow-dc-schemes .qpv-wide-only { display: none; } }"
        "@container (min-width: 420px) { .qpv-narrow-dc-schemes .qpv-narrow-only { display: none; } }"
        "</style>")


def _script() -> None:
    import pandas as pd  # noqa: F811 (AppTest runs the function's source alone)

    from ui import components
    wide = pd.DataFrame({
        "Année": [2024, 2025], "Partie": ["Lorne Habitat (fictif)", "Ensemble"],
        "Taux": ["18,9 %", "secret statistique"], "Manquantes publiées": ["31", ""],
        "Source": ["Convention intercommunale d'attribution du Val-de-Lorne, article 3 (fictive)"] * 2})
    components.table(wide, hide_index=True, key="wide")
    components.table(wide[["Année", "Taux"]], hide_index=True, key="small")


def test_a_table_wider_than_a_phone_comes_with_its_narrow_table() -> None:
    at = AppTest.from_function(_script).run()
    assert not at.exception
    # Both grids stay (sorting, search, full screen), in the same order as before.
    assert [list(d.value.columns) for d in at.dataframe] == [
        ["Année", "Partie", "Taux", "Manquantes publiées", "Source"], ["Année", "Taux"]]
    wide = at.dataframe[0]
    args = {"column_config": json.loads(wide.proto.columns)}
    grid = views.grid_px(wide.value, args) + components.GRID_SLACK_PX
    assert grid > views.PHONE_ROOM_PX
    narrow = views.narrow_table_html(wide.value, list(wide.value.columns), "wide")
    # One HTML element: the table's container queries and its narrow table; none for the small
    # table (two short columns fit any phone).
    bodies = [h.proto.body for h in at.get("html") if "qpv-narrow" in h.proto.body]
    short = tuple(views.short_columns(wide.value, list(wide.value.columns)))
    assert bodies == [components.narrow_css("wide", grid, narrow["full_px"], short,
                                            views.one_line_px(wide.value, list(wide.value.columns), short))
                      + narrow["html"]]
    # The source's widest word (110 px) no longer fits beside the four others (290 px).
    assert (narrow["shown"], narrow["left"]) == (["Année", "Partie", "Taux", "Manquantes publiées"], ["Source"])
    # The grid sits in the container the queries hide, inside the container they measure.
    outer, small = at.main.children[0], at.main.children[1]
    grid_box, html = outer.children[0], outer.children[1]
    assert (outer.proto.id.endswith("-qpvfit_wide"), grid_box.proto.id.endswith("-qpvgrid_wide")) == (True, True)
    assert (grid_box.children[0].type, html.type, small.type) == ("dataframe", "html", "dataframe")


def _narrow_pairs(node, found=None) -> dict:
    """{table key: (its grid's frame, the grid's column order, its HTML body)} of every table
    shown with a narrow twin (components.show_table), by walking the page's blocks."""
    found = {} if found is None else found
    for child in getattr(node, "children", {}).values():
        block_id = getattr(getattr(child, "proto", None), "id", "") or ""
        if "-qpvfit_" in block_id and child.type == "flex_container":
            grid = child.children[0].children[0]
            found[block_id.split("-qpvfit_", 1)[1]] = (
                grid.value, list(grid.proto.column_order) or list(grid.value.columns), child.children[1].proto.body)
        else:
            _narrow_pairs(child, found)
    return found


def test_cia_and_programme_tables_on_the_demo(demo_db) -> None:
    """The tables the page review named, as built from the demo database: each grid wider than a
    phone has its narrow table, whose first column is the grid's first and whose shown columns'
    widest words fit 320 px."""
    seen = {}
    for page in ("logement", "programmes", "droit_commun"):
        at = run_page(page, territoire="demo")
        assert not at.exception
        for key, (frame, order, body) in _narrow_pairs(at.main).items():
            heads = re.findall(r"<th( class=\"qpv-wide-only\")?>(.*?)</th>", body)
            assert [html.unescape(h).replace("\u2060", "") for _, h in heads] == [screen_text(c) for c in order]
            shown = [c for c, (hidden, _) in zip(order, heads) if not hidden]
            left = [c for c, (hidden, _) in zip(order, heads) if hidden]
            assert shown[0] == order[0]
            assert sum(views.min_px(frame, c) for c in shown) <= views.PHONE_ROOM_PX
            assert ("<summary>Détail" in body) == bool(left)
            seen[key] = (shown, left)
    # Every table of these pages wider than a phone (a chart's « Voir les données » too).
    assert sorted(seen) == [
        "actions_table", "benef_qpv_share", "benef_table", "cia_objectives", "cia_table", "cpo_table",
        "dc_credits", "dc_missing", "dc_mobilisation", "dc_schemes_Cadre de vie",
        "dc_schemes_Emploi et insertion", "dc_schemes_Santé", "dc_schemes_Éducation et parentalité",
        "dc_signatories", "dc_tfpb", "figdata_years_chart", "pockets_table", "territory_table",
        "theme_table"]
    # On a phone: the CIA results keep the year, the party, the objective and the rate (the
    # page's `main` columns); the CPO and P147 tables their first five columns,
    # « Par quartier » every column, the TFPB its quartier and amount; prose (notes, engagements)
    # goes to the « Détail ».
    assert seen["cia_table"][0] == ["Année", "Partie", "Objectif", "Taux"]
    assert seen["cpo_table"] == (["Année", "Conventions État (P147)", "dont CPO", "Part de CPO", "Objectif"],
                                 ["Atteint"])
    assert seen["pockets_table"] == (["Année", "Crédits P147 du contrat", "dont poches de pauvreté", "Part",
                                      "Plafond"], ["Respecté"])
    # « Par quartier »'s notes break after their hyphens (« multi-quartiers »): every column shows.
    assert seen["territory_table"] == (["Quartier", "Montant (partagé à parts égales)", "Actions", "Note"], [])
    assert seen["dc_tfpb"][0] == ["Année", "Bailleur", "Quartier", "Montant (€)"]
    assert seen["cia_objectives"] == (["Partie", "Objectif", "Cible", "Source"], ["Note"])
    assert seen["dc_signatories"] == (["Nom", "Type", "Rôle"], ["Engagement", "Source"])
    assert seen["actions_table"][0] == ["Année", "Action", "Montant", "CPO"]


def test_a_word_wider_than_a_column_breaks_anywhere() -> None:
    # A file name has no space: at its own width the first column alone was 688 px on a phone
    # (« Fichiers examinés »); it counts LONG_WORD_PX and breaks anywhere (class qpv-break).
    name = "data/raw/demo/insee_filosofi_2021_quartiers_prioritaires_val_de_lorne.csv"
    frame = pd.DataFrame({"Fichier": [name, "a.csv"], "Lignes": ["12", "3"]})
    assert views.word_px(name) > views.LONG_WORD_PX
    assert views.min_px(frame, "Fichier") == views.LONG_WORD_PX
    html = views.narrow_table_html(frame, ["Fichier", "Lignes"], "f")["html"]
    assert f'<td><span class="qpv-break">{name}</span></td><td>12</td>' in html
    assert "<td>a.csv</td>" in html


def test_a_link_column_reads_its_display_text() -> None:
    frame = pd.DataFrame({"Quartier": ["Bel-Air", "Gare"], "Portrait": ["/portrait?qpv=QN1&x=1", None]})
    html = views.narrow_table_html(frame, ["Quartier", "Portrait"], "m", links={"Portrait": "Ouvrir le portrait"})["html"]
    assert ('<tr><td>Bel-Air</td><td><a href="/portrait?qpv=QN1&amp;x=1" target="_self">Ouvrir le portrait</a>'
            "</td></tr><tr><td>Gare</td><td></td></tr>") in html
