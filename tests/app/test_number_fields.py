"""Number fields in French (issue #11): the poverty-pockets parameters show « 12 880 », read
« 13 224 », « 13224 », « 13 224,5 » with any kind of space, say a wrong entry in French and keep
the « à saisir » empty state (ui.components.number_field, indicators.numbers)."""
from __future__ import annotations

from indicators.fmt import plain_spaces
from tests.app.test_pages import page_text, run_page, shown

NNB = "\u202f"


def headings(at) -> list[str]:
    return [plain_spaces(h.value) for h in at.subheader]


def test_pocket_parameters_are_typed_and_shown_in_french(demo_db) -> None:
    at = run_page("poches", territoire="demo")
    assert not at.exception, at.exception
    # No st.number_input left: every parameter is a French text field.
    assert [w.key for w in at.number_input] == []
    fields = {w.key: (w.label, w.value) for w in at.text_input}
    assert fields == {"pocket_threshold": ("Seuil S de niveau de vie (€ par an)", f"12{NNB}880"),
                      "pocket_min_population": ("Population minimale d'une poche", f"1{NNB}000"),
                      "pocket_min_poor": ("Part minimale de ménages pauvres par carreau (%)", "0")}
    assert headings(at)[0] == "1 poche de pauvreté hors QPV"

    # Typed without a separator: read, then shown grouped.
    at.text_input(key="pocket_threshold").input("1000").run()
    assert not at.exception and not at.error
    assert at.text_input(key="pocket_threshold").value == f"1{NNB}000"
    assert headings(at)[0] == "Aucune poche de pauvreté hors QPV avec ces paramètres"

    # Ordinary and no-break spaces, a decimal comma.
    for typed, regrouped in (("12 880", f"12{NNB}880"), ("12\u00a0880,5", f"12{NNB}880,5")):
        at.text_input(key="pocket_threshold").input(typed).run()
        assert not at.exception and not at.error, typed
        assert at.text_input(key="pocket_threshold").value == regrouped
        assert headings(at)[0] == "1 poche de pauvreté hors QPV", typed

    # A wrong entry: a French error under the field, kept as typed, and no search.
    at.text_input(key="pocket_threshold").input("13 2a4").run()
    assert not at.exception
    assert [plain_spaces(shown(e.value)) for e in at.error] == [
        "Seuil S de niveau de vie (€ par an) : « 13 2a4 » n'est pas un nombre (par exemple "
        "13 224 ou 13 224,5)."]
    assert at.text_input(key="pocket_threshold").value == "13 2a4"
    assert headings(at) == []
    at.text_input(key="pocket_min_poor").input("120").run()
    assert [plain_spaces(shown(e.value)) for e in at.error][1:] == [
        "Part minimale de ménages pauvres par carreau (%) : « 120 » : la valeur doit être comprise "
        "entre 0 et 100."]

    # Emptied: the « à saisir » state, and the page says S is to be typed.
    at.text_input(key="pocket_min_poor").input("0").run()
    at.text_input(key="pocket_threshold").input("").run()
    assert not at.exception and not at.error
    assert at.text_input(key="pocket_threshold").proto.placeholder == "à saisir"
    assert headings(at) == []
    assert "saisissez le seuil S" in page_text(at)
