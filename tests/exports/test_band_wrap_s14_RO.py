"""Issue 11, every PDF page seen as an image (s14): the Grand Chalon portrait's shares chart
printed its source line wrapped after an opening quote (« … bloc cité « » then « Données Compas –
ABS 2022 ») »). The bands' word wrap (reports.images._wrap) keeps the spaces of French typography
and of dates non-breaking, so a quote mark never ends or starts a line alone."""
from reports.images import _wrap

SOURCE = ("Source : Pôle emploi Dares 2020 ; Données INSEE 2019 (en-tête du portrait ; "
          "bloc cité « Données Compas – ABS 2022 »)")


def test_a_quote_mark_never_ends_or_starts_a_band_line() -> None:
    for width in range(150, 900, 10):
        lines = _wrap(SOURCE, 12, width)
        assert " ".join(lines).replace("\u00a0", " ") == SOURCE, width
        for line in lines:
            assert not line.endswith("«") and not line.startswith(("»", ";", ":")), (width, lines)


def test_the_line_the_portrait_printed() -> None:
    # 560 px: the width where the first line ended on « bloc cité « ».
    assert _wrap(SOURCE, 12, 560) == [
        "Source\u00a0: Pôle emploi Dares 2020\u00a0; Données INSEE 2019 (en-tête du portrait\u00a0; bloc cité",
        "«\u00a0Données Compas – ABS 2022\u00a0»)"]


def test_a_date_is_never_broken() -> None:
    assert _wrap("Export du 1er décembre 2026", 12, 120) == ["Export du", "1er\u00a0décembre\u00a02026"]
