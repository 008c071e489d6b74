"""Issue 11 (first screen, reports, phone), page by page with AppTest on the real demo database:
the map's commune names inside a phone's map, CIA rates we compute with one decimal."""
from __future__ import annotations

import json
import re

from indicators.fmt import plain_spaces
from tests.app.test_pages import run_page, shown
from ui import maps

NARROW_PX, WIDE_PX, HEIGHT_PX = 358, 680, 560


def test_demo_map_names_read_whole_on_a_phone_and_a_computer(demo_db) -> None:
    at = run_page("carte", territoire="demo")
    assert not at.exception
    deck = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = deck["initialViewState"]
    cx, cy = maps._to_px(view["longitude"], view["latitude"], view["zoom"])
    [labels] = [layer["data"] for layer in deck["layers"] if layer["id"] == "commune_names"]
    # Every commune of Val-de-Lorne on the map keeps its name (none is out of sight on a phone).
    assert sorted(label["name"] for label in labels) == [
        "Beaurepaire-la-Rivière", "Les Forges-de-Lorne", "Lorneville", "Montvaillant",
        "Saint-Aubin-sur-Lorne"]
    for label in labels:
        x, y = maps._to_px(label["lon"], label["lat"], view["zoom"])
        w, h = maps.label_size_px(label["name"])
        for width in (NARROW_PX, WIDE_PX):
            assert abs(float(x - cx)) + w / 2 <= width / 2, (label["name"], width)
        assert abs(float(y - cy)) + h / 2 <= HEIGHT_PX / 2, label["name"]


def test_demo_housing_page_shows_computed_rates_with_one_decimal(demo_db) -> None:
    at = run_page("logement", territoire="demo")
    assert not at.exception
    # The tiles show the latest year, which the fictional review does not publish: computed.
    values = [plain_spaces(str(m.value)) for m in at.metric]
    assert values and all(re.fullmatch(r"\d+,\d %", v) for v in values), values
    table = at.dataframe[0].value
    computed = table.loc[table["Origine"] == "calculé", "Taux"].tolist()
    assert len(computed) > 50 and all(re.fullmatch(r"\d+,\d %", plain_spaces(v)) for v in computed)
    # The fictional annual review prints its two rates with two decimals (etl/demo.py): kept.
    published = table.loc[table["Origine"] == "publié", ["Année", "Taux"]].values.tolist()
    assert [[y, plain_spaces(v)] for y, v in published] == [["2022", "15,55 %"], ["2021", "57,57 %"]]


def test_report_choices_put_their_chips_on_as_many_rows_as_needed(demo_db) -> None:
    # In a column, Streamlit 1.67 keeps a multiselect's chips on one row that scrolls: at 390
    # and 1440 px the QPV names were cut at its edges. Wrapped, each chip reads whole (checked in
    # Chromium: every chip's text as wide as its box, inside the window, at both widths).
    at = run_page("rapports", territoire="demo")
    assert not at.exception
    boxes = {m.key: m for m in at.multiselect}
    assert sorted(boxes) == ["report_qpvs_demo", "report_sections_demo"]
    assert all(m.proto.wrap for m in boxes.values())
    at.multiselect(key="report_qpvs_demo").select("QN09901M").select("QN09902I").run()
    assert not at.exception
    assert at.multiselect(key="report_qpvs_demo").proto.wrap
    assert at.multiselect(key="report_qpvs_demo").value == ["QN09901M", "QN09902I"]


def _walk(node):
    """Every element of a page in reading order (blocks opened)."""
    children = getattr(node, "children", None)
    if children is None:
        yield node
        return
    for child in (children.values() if isinstance(children, dict) else children):
        yield from _walk(child)


def _under_headers(at) -> dict[str, list[str]]:
    """{header: the subheaders, bold labels, bullets and metric labels that follow it}."""
    out: dict[str, list[str]] = {}
    current = None
    for el in _walk(at.main):
        kind = type(el).__name__
        if kind == "Header":
            current = plain_spaces(shown(el.value))
            out[current] = []
        elif current is not None and kind in ("Subheader", "Metric"):
            out[current].append(plain_spaces(shown(el.label if kind == "Metric" else el.value)))
        elif current is not None and kind == "Markdown" and not el.value.startswith("<"):
            out[current].append(plain_spaces(shown(el.value)))
    return out


def test_a_portrait_whose_only_note_is_the_geography_note(demo_db) -> None:
    # Biollay - Bellevue: no issue, no resident's word, one note. The note has its own heading;
    # « Enjeux et parole des habitants » is not printed over nothing of the kind.
    at = run_page("portrait", territoire="chambery", qpv="QN07301M")
    assert not at.exception
    sections = _under_headers(at)
    assert list(sections) == ["Notes"]
    assert sections["Notes"] == [
        "Géographie prioritaire", "- Nouveau secteur intégré à la géographie prioritaire : cœur du Biollay."]
    assert [shown(i.value) for i in at.info] == [
        "Aucun chiffre n'est encore chargé pour ce quartier.",
        "Aucun enjeu prioritaire ni résultat de concertation saisi pour ce quartier."]


def test_a_portrait_with_issues_and_notes_shows_each_under_its_heading(demo_db) -> None:
    at = run_page("portrait", territoire="grand-chalon", qpv="QN07102I")
    assert not at.exception
    sections = _under_headers(at)
    assert list(sections)[-2:] == ["Enjeux et parole des habitants", "Notes"]
    assert "Notes" not in sections["Enjeux et parole des habitants"]
    assert sections["Notes"] == [
        "Familles", "- Jusqu'à 58,9 % de familles monoparentales sur certains secteurs"]


def test_chambery_rights_reopened_are_under_access_to_rights(demo_db) -> None:
    # « 610 droits ont été réouverts au bénéfice de 120 habitants » is in the seed's section
    # « Aller vers les habitants et garantir l'accès aux droits », not an income figure.
    at = run_page("mandat", territoire="chambery")
    assert not at.exception
    sections = _under_headers(at)
    assert "Revenus et pauvreté" not in sections
    assert sections["Accès aux droits"] == ["Habitants bénéficiaires de droits réouverts"]
    assert list(sections)[:3] == ["Les chiffres clés", "Programme", "Accès aux droits"]
