"""Issue #11, defects left by the last page review (SB): a period said once per tile, short
credits under figures and comparators, French typography of team text, chart labels that never
collide."""
from __future__ import annotations

import pytest

from indicators import fmt
from indicators.fmt import plain_spaces
from indicators.kpi import KpiTile
from ui import views


def _tile(**kw) -> KpiTile:
    base = dict(kpi_id="k", label="Structures disparues", unit="structures", theme="participation",
                territory_code=None, value=3.0, status="ok", qualifier=None, period_label=None,
                year=2020, is_published=True, previous_value=None, previous_year=None,
                evolution=None, evolution_pct=None, cumulative_value=None, cumulative_status=None,
                cumulative_period_label=None, target=None, achievement_pct=None,
                cumulative_target=None, cumulative_achievement_pct=None, higher_is_better=None,
                definition=None, source_line="Source : bilan", document_id=None, source_ref=None)
    base.update(kw)
    return KpiTile(**base)


@pytest.mark.parametrize("label, period, expected", [
    # Chambéry: the label says the period, the « Période » line does not repeat it.
    ("Structures d'animation de la vie sociale disparues (constat de 2020)", "constat de 2020",
     ("Structures d'animation de la vie sociale disparues (constat de 2020)", None)),
    ("Jeunes retenus en 2021", "2021", ("Jeunes retenus en 2021", None)),
    # Case, accents and dashes aside.
    ("Logements réhabilités 2020-2026", "2020–2026", ("Logements réhabilités 2020-2026", None)),
    # The other way round: the label's bracket is said by the period under it.
    ("Logements réhabilités (2024)", "en 2024", ("Logements réhabilités", "en 2024")),
    ("Habitants rencontrés (depuis juillet 2024)", "depuis juillet 2024 (cumul)",
     ("Habitants rencontrés", "depuis juillet 2024 (cumul)")),
    # Different periods: both kept; a year inside a longer number is not the year.
    ("Interventions (2023)", "en 2024", ("Interventions (2023)", "en 2024")),
    ("Jeunes suivis (20245 dossiers)", "2024", ("Jeunes suivis (20245 dossiers)", "2024")),
    ("Interventions", None, ("Interventions", None)),
    ("Interventions", "  ", ("Interventions", None)),
])
def test_a_period_is_said_once_by_a_label_and_its_period(label, period, expected) -> None:
    assert fmt.label_and_period(label, period) == expected


def test_a_tile_never_repeats_in_its_period_line_the_period_its_label_says() -> None:
    said = views.kpi_tile(_tile(label="Structures disparues (constat de 2020)",
                                period_label="constat de 2020"))
    assert (said["label"], said["lines"]) == ("Structures disparues (constat de 2020)", [])
    other = views.kpi_tile(_tile(label="Structures disparues (2020)", period_label="constat de 2020"))
    assert (other["label"], [plain_spaces(x) for x in other["lines"]]) == (
        "Structures disparues", ["Période : constat de 2020"])
    plain = views.kpi_tile(_tile(period_label="constat de 2020"))
    assert (plain["label"], [plain_spaces(x) for x in plain["lines"]]) == (
        "Structures disparues", ["Période : constat de 2020"])


def test_the_mandate_report_and_the_tile_drop_the_same_period() -> None:
    from reports.pdf import kpi_cells
    assert kpi_cells(_tile(label="Structures disparues (constat de 2020)",
                           period_label="constat de 2020"))[1] == ""
    assert kpi_cells(_tile(label="Structures disparues", period_label="constat de 2020"))[1] \
        == "constat de 2020"


# ── 1. The objective line's label never over a bar ───────────────────────────────────────────

@pytest.mark.parametrize("values, target, unit", [
    ([59.23], 50.0, "%"),                       # Grand Chalon: the bar crosses the line
    ([12.04, 14.6, 25.1], 25.0, "%"),           # the last bar just over the line
    ([4783.0, 4592.0], 4000.0, "interventions"),
])
def test_the_objective_line_is_labelled_in_the_right_margin_held_whole(values, target, unit) -> None:
    from reports import images
    from ui import charts
    fig = charts.bars_by_category([str(2020 + i) for i in range(len(values))], values, "Taux", unit,
                                  target=target, target_label="objectif")
    (note,) = fig.layout.annotations
    value = fmt.fmt_target(target, unit)
    # Right of the plot area (paper x = 1, anchored on its left): no bar reaches it, at any width.
    assert (note.text, note.xref, note.x, note.xanchor, note.yref, note.y, note.showarrow) == (
        f"objectif<br>{value}", "paper", 1, "left", "y", target, False)
    # The margin holds the label's longest line in the exports' font (wider than the screen's).
    font = images._font(13)
    longest = max(font.getlength(t) for t in ("objectif", value))
    assert note.xshift + longest <= fig.layout.margin.r
    # The line itself: a dashed line across the plot, with no label of its own.
    (line,) = fig.layout.shapes
    assert (line.y0, line.y1, line.line.dash) == (target, target, "dash")
    assert charts.bars_by_category(["2020"], [10.0], "Taux", "%").layout.margin.r == 10


# ── 2. Labels of the gap scatter never collide ──────────────────────────────────────────────

def _gap_table(names, xs, ys):
    import pandas as pd
    n = len(names)
    return pd.DataFrame({"qpv_code": [f"Q{i}" for i in range(n)], "qpv_name": names,
                         "qpv_value_last": xs, "distance_change": ys, "first_year": [2017] * n,
                         "last_year": [2021] * n, "gap_kind": ["ratio"] * n})


# The demo's nine quartiers (9e décile, gap to the EPCI) as the page draws them at 390 px:
# « Cité des Forges » and « Pré-Vert - Fontaine » touched, one wrote over the zero line's note.
DEMO = _gap_table(
    ["Vieux Moulin - Paradis - Les Hauts de Lorne", "Les Tilleuls", "Bords de Lorne - Gare",
     "La Chênaie", "Champ de Foire", "Pré-Vert - Fontaine", "Saint-Exupéry", "Les Grands Prés",
     "Cité des Forges"],
    [22450.0, 24100.0, 25300.0, 26800.0, 26100.0, 24700.0, 23500.0, 25200.0, 24050.0],
    [-0.3104, 0.5713, 0.5725, -0.8766, 0.4217, -0.1106, 0.7447, 0.1330, -0.1838])


def _boxes(fig):
    """Every label's, marker's and note's box in px on the phone's plot, read from the figure
    (its axis ranges, its texts and their positions), as plotly lays them out."""
    from ui import charts
    w, h = charts.PHONE_PLOT_PX
    xr, yr = list(fig.layout.xaxis.range), list(fig.layout.yaxis.range)
    labels, markers = [], []
    for t in fig.data:
        r = t.marker.size / 2
        for x, y, text, pos in zip(t.x, t.y, t.text, t.textposition):
            px, py = (x - xr[0]) / (xr[1] - xr[0]) * w, (y - yr[0]) / (yr[1] - yr[0]) * h
            markers.append((px - r, py - r, px + r, py + r))
            if not text:
                continue
            tw, th = charts.label_px(text), charts.LABEL_LINE_PX * (text.count("<br>") + 1)
            d = r + charts.LABEL_GAP_PX
            v, hz = pos.split()
            left = {"center": px - tw / 2, "right": px + (d if v == "middle" else 0),
                    "left": px - tw - (d if v == "middle" else 0)}[hz]
            bottom = {"top": py + d, "bottom": py - d - th, "middle": py - th / 2}[v]
            labels.append((text, (left, bottom, left + tw, bottom + th)))
    return labels, markers, (w, h)


def _overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("table, highlight", [
    (DEMO, "Q0"), (DEMO, "Q8"),
    # Five quartiers on nearly one spot, and two far apart.
    (_gap_table([f"Quartier numéro {i}" for i in range(5)] + ["Loin", "Très loin"],
                [10.0, 10.1, 10.05, 10.0, 10.1, 30.0, 50.0], [0.1, 0.1, 0.12, 0.11, 0.09, -2.0, 3.0]), "Q2"),
])
def test_no_two_labels_of_the_gap_scatter_collide_on_a_phone_nor_touch_a_point_or_the_note(table, highlight) -> None:
    from ui import charts
    fig = charts.gap_change_scatter(table, "9e décile du niveau de vie", "EUR/an", highlight)
    labels, markers, (w, h) = _boxes(fig)
    (note,) = fig.layout.annotations
    boxes = [b for _, b in labels]
    for i, a in enumerate(boxes):
        assert 0 <= a[0] and a[2] <= w and 0 <= a[1] and a[3] <= h          # inside the plot
        assert not any(_overlap(a, b) for b in boxes[i + 1:])
        assert not any(_overlap(a, m) for m in markers)
    _, zero = charts._to_px(0, 0, [0, 1], list(fig.layout.yaxis.range), w, h)
    assert not any(b[1] - 2 < zero < b[3] + 2 for b in boxes)               # off the zero line
    note_box = charts.zero_note_place(note.text, list(fig.layout.yaxis.range), w, h, markers)[1]
    assert note.text == "en dessous : l'écart se réduit" and not any(_overlap(note_box, b) for b in boxes)
    # The selected quartier keeps its name; a point left unnamed keeps it in its hover.
    selected = fig.data[-1]
    assert selected.text[0] and selected.name == "quartier sélectionné"
    for t in fig.data:
        for text, hover in zip(t.text, t.hovertext):
            assert text or hover.split(" (")[0]


def test_the_demo_gap_scatter_names_its_points_apart_shortening_a_name_with_no_room() -> None:
    from ui import charts
    fig = charts.gap_change_scatter(DEMO, "9e décile du niveau de vie", "EUR/an", "Q0")
    shown = {h.split(" (")[0]: (t, p) for tr in fig.data
             for t, p, h in zip(tr.text, tr.textposition, tr.hovertext)}
    assert shown == {
        "Vieux Moulin - Paradis - Les Hauts de Lorne": (
            "Vieux Moulin -<br>Paradis - Les<br>Hauts de Lorne", "bottom right"),
        "Les Tilleuls": ("Les Tilleuls", "top center"),
        "Bords de Lorne - Gare": ("Bords de Lorne -<br>Gare", "bottom left"),
        "La Chênaie": ("La Chênaie", "middle left"),
        "Champ de Foire": ("Champ de<br>Foire", "bottom center"),
        "Pré-Vert - Fontaine": ("Pré-Vert -<br>Fontaine", "bottom right"),
        "Saint-Exupéry": ("", "top center"),            # no room: in the hover and the table
        "Les Grands Prés": ("Les Grands Prés", "middle left"),
        "Cité des Forges": ("Cité des…", "middle left"),
    }


# ── 4. A short source line in about two lines ───────────────────────────────────────────────

@pytest.mark.parametrize("producer, expected", [
    ("Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire", "Le Grand Chalon et al."),
    ("Le Grand Chalon, l'État (préfet de Saône-et-Loire), le Département, les communes, "
     "les bailleurs sociaux et Action Logement Services", "Le Grand Chalon et al."),
    ("Ville de Lorneville (fictive) et Préfecture de Lorne (fictive)", "Ville de Lorneville (fictive) et al."),
    ("CA Val-de-Lorne (fictive)", "CA Val-de-Lorne (fictive)"),                 # short: whole
    ("Préfecture de Saône-et-Loire", "Préfecture de Saône-et-Loire"),            # « -et- » is a name
    ("Bilan du mandat municipal de Chambéry 2020-2026 (auteur et date non indiqués dans le texte)",
     "Bilan du mandat municipal de Chambéry 2020-2026"),                         # one name, no bracket
    (None, ""),
])
def test_a_short_line_names_a_list_of_producers_by_its_first(producer, expected) -> None:
    from indicators.sources import short_producer
    assert short_producer(producer) == expected


def test_grand_chalon_short_line_holds_in_two_lines_with_its_quotations() -> None:
    from indicators.sources import SHORT_LINE, reader_credit
    title = ("Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes (annexe 2 "
             "« Portraits de quartiers » ; annexe 7 « Convention Intercommunale d'Attribution »)")
    producer = "Le Grand Chalon (Agglomération) et Préfet de Saône-et-Loire"
    one = reader_credit(title, "Annexe 2 – Portraits de quartiers, Aubépins", producer, None,
                        quotes=["Insee 2019"])
    two = reader_credit(title, "Annexe 2 – Portraits de quartiers, Aubépins", producer, None,
                        quotes=["Insee 2019", "Données Compas – ABS 2022"])
    assert (one, two) == (
        "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits de… (d'après Insee 2019)",
        "Contrat de ville du Grand Chalon 2024-2030, Annexe 2 – Portraits… (d'après Insee 2019 ; …)")
    assert max(len(one), len(two)) <= SHORT_LINE == 90
    # A line that holds is left whole.
    assert reader_credit("Bilan 2025", "p. 2", "CA Val-de-Lorne (fictive)", "2026-02-10",
                         quotes=["Insee 2019", "Cnaf 2022"]) == (
        "Bilan 2025, p. 2 — CA Val-de-Lorne (fictive), 2026 (d'après Insee 2019 ; Cnaf 2022)")


# ── 5. « Comparaison : » lines: the short credit, the whole behind the toggle ─────────────

def _comparator_pv():
    from indicators.portrait import Comparator, PortraitValue
    comp = Comparator("71076", "commune", "Chalon-sur-Saône", 1480.0, None, None, 2022, "ok",
                      "published", "Insee 2022", "gc-annexes", "Annexe 2", "same_document", None, "ratio")
    return PortraitValue("median_income_eur_month", "Revenu médian", "EUR/mois", "revenus", False, True,
                         742.0, None, None, 2019, "ok", None, "published", "Insee 2019", "gc-annexes",
                         "Annexe 2", None, (comp,))


LONG = {None: "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes, "
              "Annexe 2 – Portraits de quartiers (d'après Insee 2019)",
        "71076": "Contrat de ville du Grand Chalon 2024-2030 – Engagements Quartiers 2030 – Annexes, "
                 "Annexe 2 – Portraits de quartiers (d'après Insee 2022)"}
SHORT = {None: "Contrat de ville du Grand Chalon 2024-2030… — Le Grand Chalon et al. (d'après Insee 2019)",
         "71076": "Contrat de ville du Grand Chalon 2024-2030… — Le Grand Chalon et al. (d'après Insee 2022)"}


def test_a_comparator_carries_its_short_credit_beside_its_whole_one() -> None:
    figure = views.portrait_figure(_comparator_pv(), credit=lambda code, year: LONG[code],
                                   short_credit=lambda code, year: SHORT[code])
    assert [(c["source"], c["short"]) for c in figure["comparators"]] == [
        (LONG["71076"] + " · chiffre publié", SHORT["71076"] + " · chiffre publié")]
    assert (figure["source"], figure["short"]) == (LONG[None] + " · chiffre publié",
                                                   SHORT[None] + " · chiffre publié")


def _card() -> None:
    from tests.app.test_issue11_sb import LONG, SHORT, _comparator_pv
    from ui import components, views
    components.figure_card(views.portrait_figure(_comparator_pv(), credit=lambda code, year: LONG[code],
                                                 short_credit=lambda code, year: SHORT[code]))


def test_a_card_shows_the_comparison_short_and_the_whole_credit_behind_its_toggle() -> None:
    import html

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_function(_card, default_timeout=60).run()
    assert not at.exception
    shown = [plain_spaces(html.unescape(m.value)).replace("\u2060", "") for m in at.markdown
             if "qpv-source" in m.value]
    assert [s.split(">", 1)[1].rsplit("</div>", 1)[0] for s in shown] == [
        "Source : " + SHORT[None] + " · chiffre publié",
        "Source : " + LONG[None] + " · chiffre publié",             # behind the figure's toggle
        "Comparaison : " + SHORT["71076"] + " · chiffre publié",
        "Comparaison : " + LONG["71076"] + " · chiffre publié",     # behind its own toggle
    ]
    assert [p.proto.popover.label for p in at.get("popover")] == ["Source complète", "Source complète"]


# ── 7. Team text in French typography on screen and in PDFs, never in data or exports ────────

NOTE = 'Accueillir les "nouveaux-arrivants" ; transports le soir (au-delà de 20h), de 8h30 à 12h'
SHOWN = ("Accueillir les «\u00a0nouveaux-arrivants\u00a0» ; transports le soir (au-delà de 20\u00a0h), "
         "de 8\u00a0h\u00a030 à 12\u00a0h")


@pytest.mark.parametrize("typed, shown", [
    (NOTE, SHOWN),
    ('"a" et "b".', "«\u00a0a\u00a0» et «\u00a0b\u00a0»."),
    ("les &quot;nouveaux&quot; (HTML)", "les «\u00a0nouveaux\u00a0» (HTML)"),     # html_text's quotes
    ("24h/24, 8h-12h", "24\u00a0h/24, 8\u00a0h-12\u00a0h"),
    # Left as typed: a code, a number that is no hour, an inch, inline code, a colour.
    ("QN07101I, 2020h, 5\" écran, `\"x\"`, #20h", "QN07101I, 2020h, 5\" écran, `\"x\"`, #20h"),
    (None, ""),
])
def test_french_marks(typed, shown) -> None:
    from indicators.text import french_marks
    assert french_marks(typed) == shown
    assert french_marks(shown) == shown                        # idempotent


def _note() -> None:
    import streamlit as st

    from indicators.text import html_text, md_text
    from tests.app.test_issue11_sb import NOTE
    from ui import components  # noqa: F401  (installs the screen typography)
    st.markdown(f"- {md_text(NOTE)}")
    st.markdown(f"<div class='qpv-source'>{html_text(NOTE)}</div>", unsafe_allow_html=True)


def test_team_text_reads_in_french_typography_on_screen() -> None:
    import html

    from streamlit.testing.v1 import AppTest
    at = AppTest.from_function(_note, default_timeout=60).run()
    assert not at.exception
    plain = [html.unescape(m.value).replace("\\", "").replace("\u2060", "") for m in at.markdown]
    assert [plain_spaces(t) for t in plain] == [
        plain_spaces("- " + SHOWN), plain_spaces(f"<div class='qpv-source'>{SHOWN}</div>")]
    assert all("«\u00a0nouveaux-arrivants\u00a0»" in t and "20\u00a0h)" in t for t in plain)


def test_team_text_reads_in_french_typography_in_pdfs_and_as_typed_in_exports() -> None:
    import pandas as pd

    from reports.pdf import esc
    assert esc(NOTE) == SHOWN.replace("«\u00a0", "«\u00a0").replace(" ;", "\u00a0;")
    action = pd.DataFrame.from_records([{
        "year": 2026, "action_id": "A1", "title": 'Atelier "vélo"', "operator": None, "theme": None,
        "territories": [], "territory_names": [], "is_new": None, "is_multiyear_agreement": None,
        "is_poverty_pocket": None, "amount_eur": None, "funders": [], "description": NOTE,
        "source_line": None}])
    out = views.export_frame("actions", action)
    assert (out.at[0, "Action"], out.at[0, "Description"]) == ('Atelier "vélo"', NOTE)
