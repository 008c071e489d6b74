"""The CIA table's « Il manque » cell says a shortfall once when the document and our calculation
agree (issue 11: the demo's mandate report printed « 48 (calcul) ; 48 (document) » for 2022)."""
from reports.pdf import needed_text


def test_same_shortfall_is_said_once():
    assert needed_text(48, 48) == "48 (calcul et document)"


def test_different_shortfalls_are_both_said():
    assert needed_text(48, 52) == "48 (calcul) ; 52 (document)"
    assert needed_text(1650, 1649) == "1\u202f650 (calcul) ; 1\u202f649 (document)"


def test_one_side_only():
    assert needed_text(31, None) == "31 (calcul)"
    assert needed_text(None, 12) == "12 (document)"
    assert needed_text(0, None) == "0 (calcul)"
    assert needed_text(None, None) == "—"
