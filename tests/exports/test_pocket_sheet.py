"""The one-page justification sheet of a poverty pocket (reports.pdf.pocket_sheet_pdf) and its
map (reports.images.pocket_map_png), on the grid built by tests/indicators/test_pockets.py."""
from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from PIL import Image

from config import DEMO_MARK
from etl.db import create_empty
from indicators.fmt import plain_spaces
from indicators.pockets import detect
from reports import images, pdf
from tests.indicators.conftest import Factory
from tests.indicators.test_pockets import build_pocket_db

DATE = dt.date(2026, 3, 5)


@pytest.fixture
def con(pocket_con):
    return pocket_con


def _text(data: bytes) -> list[str]:
    return [plain_spaces(p.extract_text()) for p in pypdf.PdfReader(io.BytesIO(data)).pages]


def test_sheet_is_one_page_with_figures_method_and_sources(con):
    result = detect(con, "t")
    pages = _text(pdf.pocket_sheet_pdf(con, result, "t-P01", generated_on=DATE, charts=False))
    assert len(pages) == 1
    text = " ".join(pages[0].split())
    for expected in [
        "fiche de justification", "Poche 1 · Ville A, Ville B", "Contrat test",
        "carroyage Filosofi 2019 · 3 carreaux de 200 m · à 1 994 m du QPV le plus proche (Quartier test, QN09999A)",
        "Indicateur Poche QPV du territoire Commune(s) : Ville A, Ville B",
        "Population (habitants) 1 260 1 800",
        "Part des ménages pauvres 45,0 % 45,0 % 45,0 %",
        "Niveau de vie moyen par personne 9 000 €/an 9 000 €/an",
        "Logements sociaux rapportés aux ménages 70,0 % 70,0 % 70,0 %",
        # The threshold said once (issue 11: « Seuil appliqué : 12 857 €/an. Seuil par défaut :
        # S = … = 12 857 € »), the population once (« 1 000 personnes habitants »).
        "groupes d'au moins 1 000 habitants.",
        "Contiguïté : par un côté. Seuil appliqué : S = 0,6 × (0,7 × 22 040 € + 0,3 × 20 000 €) = 12 857 € "
        "par an et par unité de consommation ; médiane nationale : France (2019), médiane locale : Agglo "
        "test (EPCI, faute d'unité urbaine, 2019). "
        "Approximation du critère officiel des QPV",
        "Approximation du critère officiel des QPV",
        "carroyage Filosofi à 200 m, 2019",
        "circulaire du 31 août 2023",
        "Fiche de justification de la poche 1 · produite le 5 mars 2026",
    ]:
        assert expected in text, expected
    assert text.count("12 857") == 1 and text.count("Seuil") == 1
    # The pocket as the app names it: never its generated id (it holds the contract's slug).
    assert "t-P01" not in text
    assert DEMO_MARK not in text                  # a real (non-fictional) contract
    assert "fichier" not in text and "carreaux.csv" not in text     # no file name in the body
    with pytest.raises(pdf.ReportError, match="Poche inconnue : « t-P09 »"):
        pdf.pocket_sheet_pdf(con, result, "t-P09", generated_on=DATE, charts=False)


def test_a_threshold_chosen_by_the_team_is_said_with_the_default_it_replaces(con):
    from indicators.pockets import Threshold
    default = Threshold(year=2019, national_median_eur=22_040, national_year=2019, local_median_eur=None,
                        local_year=None, local_label=None)            # S = 0,6 × 22 040 = 13 224
    assert pdf.pocket_threshold_text(13_224, default) == (
        "Seuil appliqué : S = 0,6 × 22\u202f040\u00a0€ = 13\u202f224\u00a0€ par an et par unité de "
        "consommation ; médiane nationale : France (2019), pas de médiane locale dans la base.")
    assert pdf.pocket_threshold_text(11_000, default) == (
        "Seuil appliqué : 11\u202f000\u00a0€/an. Seuil par défaut : S = 0,6 × 22\u202f040\u00a0€ = "
        "13\u202f224\u00a0€ par an et par unité de consommation ; médiane nationale : France (2019), pas "
        "de médiane locale dans la base.")
    assert pdf.pocket_threshold_text(11_000, None) == "Seuil appliqué : 11\u202f000\u00a0€/an."


def test_sheet_with_its_map_stays_on_one_page(con):
    con.execute("update contracts set is_fictional = true")
    con.execute("update sources set is_fictional = true")
    result = detect(con, "t")
    data = pdf.pocket_sheet_pdf(con, result, "t-P02", generated_on=DATE)
    pages = _text(data)
    assert len(pages) == 1 and "Localisation" in pages[0] and DEMO_MARK in pages[0]
    # A fictional grid is credited as such, never to INSEE, and without its file name.
    text = " ".join(pages[0].split())
    assert "Données fictives de démonstration, carroyage à 200 m, 2019" in text
    assert "insee" not in text.lower() and "carreaux.csv" not in text
    reader = pypdf.PdfReader(io.BytesIO(data))
    assert len(reader.pages[0].images) == 1


def test_pocket_map_png_draws_the_pockets(con):
    result = detect(con, "t")
    wkts = list(zip(result.pockets["pocket_id"], result.pockets["geometry_wkt"]))
    png = images.pocket_map_png(con, "t", wkts, highlight="t-P01", date=DATE, width=900, height=500,
                                scale=1)
    with Image.open(io.BytesIO(png)) as im:
        rgb = im.convert("RGB")
        assert rgb.width == 900
        pocket = tuple(int(images.palette.POCKET[i:i + 2], 16) for i in (1, 3, 5))
        assert sum(1 for px in rgb.getdata() if px == pocket) > 50


def test_cli_writes_one_sheet_per_pocket(tmp_path, capsys):
    from reports.__main__ import main
    path = tmp_path / "pockets.duckdb"
    c = create_empty(path)
    build_pocket_db(Factory(c))
    c.close()
    out = tmp_path / "poches"
    assert main(["--db", str(path), "pockets", "--territory", "t", "--out", str(out)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["poche_t-P01.pdf", "poche_t-P02.pdf",
                                                      "poche_t-P03.pdf"]
    assert all(len(_text((out / n).read_bytes())) == 1 for n in ("poche_t-P01.pdf", "poche_t-P03.pdf"))
    assert main(["--db", str(path), "pockets", "--territory", "nope", "--out", str(out)]) == 2
    assert "Territoire inconnu : « nope »" in capsys.readouterr().err


def test_the_map_legend_names_the_pocket_as_the_app_does(con):
    """The highlighted pocket's legend entry read « t-P01 » (its generated id, which holds the
    contract's slug): « Poche 1 » as on the page (issue 11, D8; final review RV)."""
    result = detect(con, "t")
    wkts = list(zip(result.pockets["pocket_id"], result.pockets["geometry_wkt"]))
    fig = images.pocket_map_figure(images.load_map_data(con, contract_slug="t"), wkts, highlight="t-P01")
    assert [t.name for t in fig.data if t.showlegend is not False and t.name] == [
        "QPV", "poche de pauvreté<br>hors QPV", "Poche 1"]
