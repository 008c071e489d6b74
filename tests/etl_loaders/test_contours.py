"""QPV contours (GeoJSON 2024/2015, Lambert-93, shapefile), the QPV list CSV and commune contours."""
from __future__ import annotations

import json
import time

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import Polygon, box, mapping

from etl.core import Candidate, EtlError
from etl.loaders import contours, cog
from tests.etl_loaders.conftest import candidates, load, need_reference, rows, source_id

TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True)
TO_WGS = Transformer.from_crs(2154, 4326, always_xy=True)

# Squares of 400 m × 300 m (Lambert-93) near Lucé and Dreux.
LUCE_L93 = TO_L93.transform(1.4650, 48.4380)
DREUX_L93 = TO_L93.transform(1.3550, 48.7350)


def square_l93(centre, w=400.0, h=300.0) -> Polygon:
    x, y = centre
    return box(x - w / 2, y - h / 2, x + w / 2, y + h / 2)


def to_wgs(poly: Polygon) -> Polygon:
    return shapely.transform(poly, lambda xy: __import__("numpy").column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1])))


FEATURES_2024 = [
    ({"code_qp": "QN02803M", "lib_qp": "Vieux Puits - Paradis - Maunoury", "insee_reg": "24",
      "lib_reg": "Centre-Val de Loire", "insee_dep": "28", "lib_dep": "Eure-et-Loir",
      "insee_com": "28218", "lib_com": "Lucé", "siren_epci": "200033181"}, square_l93(LUCE_L93)),
    ({"code_qp": "QN02806M", "lib_qp": "Les Bâtes Tabellionne", "insee_reg": "24",
      "lib_reg": "Centre-Val de Loire", "insee_dep": "28", "lib_dep": "Eure-et-Loir",
      "insee_com": "28134, 28404", "lib_com": "Dreux, Vernouillet", "siren_epci": "200040277"},
     square_l93(DREUX_L93)),
]


def write_geojson(path, features, *, crs: str | None = None, project=None):
    doc = {"type": "FeatureCollection", "name": path.stem}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    doc["features"] = [{"type": "Feature", "properties": props,
                        "geometry": mapping(project(geom) if project else geom)}
                       for props, geom in features]
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return Candidate(path, path.name)


def geometry_summary(ctx):
    out = []
    for code, level, vintage, wkb, gj, lon, lat, area, _src in rows(
            ctx, "select * from territory_geometries order by territory_code"):
        full = shapely.from_wkb(wkb)
        simple = shapely.from_geojson(gj)
        assert full.is_valid and simple.is_valid
        assert abs(full.centroid.x - lon) < 1e-9 and abs(full.centroid.y - lat) < 1e-9
        geodesic = abs(Geod(ellps="WGS84").geometry_area_perimeter(full)[0])
        assert area == pytest.approx(geodesic, rel=1e-4)
        out.append((code, level, vintage, json.loads(gj)["type"], round(lon, 4), round(lat, 4),
                    round(area / 1000)))
    return out


EXPECTED_QPV_GEOMS = [
    ("QN02803M", "qpv", 2024, "Polygon", 1.465, 48.438, 120),   # 400 m × 300 m = 120 000 m²
    ("QN02806M", "qpv", 2024, "Polygon", 1.355, 48.735, 120),
]


def expected_qpv_rows(src):
    return ([("QN02803M", "qpv", "Vieux Puits - Paradis - Maunoury", 2024, None, None, False, src),
             ("QN02806M", "qpv", "Les Bâtes Tabellionne", 2024, None, None, False, src)],
            [("QN02803M", "qpv", "28218", "commune", src),
             ("QN02806M", "qpv", "28134", "commune", src),
             ("QN02806M", "qpv", "28404", "commune", src)])


@pytest.mark.parametrize("variant", ["wgs84", "lambert93_geojson", "lambert93_shapefile"])
def test_qpv_contours_2024_in_each_projection(ctx, tmp_path, variant):
    if variant == "wgs84":
        c = write_geojson(tmp_path / "QP2024_WGS84.geojson", FEATURES_2024, project=to_wgs)
    elif variant == "lambert93_geojson":
        c = write_geojson(tmp_path / "QP2024_L93.geojson", FEATURES_2024, crs="urn:ogc:def:crs:EPSG::2154")
    else:
        gdf = gpd.GeoDataFrame([p for p, _ in FEATURES_2024], geometry=[g for _, g in FEATURES_2024],
                               crs=2154)
        gdf.to_file(tmp_path / "QP2024.shp", engine="pyogrio")
        c = next(x for x in candidates(tmp_path) if x.suffix == ".shp")
    assert load(contours, ctx, c) == ("anct_qpv_contours", 2)
    src = source_id(ctx, c.display_name)
    terr, links = expected_qpv_rows(src)
    assert rows(ctx, "select * from territories order by 1") == terr
    assert rows(ctx, "select * from territory_links order by all") == links
    assert geometry_summary(ctx) == EXPECTED_QPV_GEOMS
    assert rows(ctx, "select kind, producer, title, vintage, licence, rows_read from sources") == [
        ("anct_qpv_contours", "ANCT", "Contours des quartiers prioritaires de la politique de la ville",
         "QPV 2024", "Licence Ouverte", 2)]
    assert ctx.messages == []


def test_2015_attribute_names_link_communes_by_name(ctx, tmp_path):
    cogdir = tmp_path / "cog"
    cogdir.mkdir()
    (cogdir / "communes.json").write_text(json.dumps([
        {"code": "28218", "nom": "Lucé", "type": "commune-actuelle", "departement": "28", "region": "24"},
        {"code": "73218", "nom": "Lucé", "type": "commune-actuelle", "departement": "73", "region": "84"},
    ]), encoding="utf-8")
    load(cog, ctx, candidates(cogdir)[0])
    feats = [({"CODE_QP": "QP028003", "NOM_QP": "Vieux-Puits", "COMMUNE_QP": "LUCE"}, square_l93(LUCE_L93)),
             ({"CODE_QP": "QP028099", "NOM_QP": "Inconnu", "COMMUNE_QP": "Nulle-Part"},
              square_l93(DREUX_L93))]
    c = write_geojson(tmp_path / "qp2015.geojson", feats, project=to_wgs)
    assert load(contours, ctx, c) == ("anct_qpv_contours", 2)
    src = source_id(ctx, c.display_name)
    assert rows(ctx, "select * from territories where territory_level = 'qpv' order by 1") == [
        ("QP028003", "qpv", "Vieux-Puits", 2015, None, None, False, src),
        ("QP028099", "qpv", "Inconnu", 2015, None, None, False, src)]
    assert rows(ctx, "select * from territory_links where child_level = 'qpv'") == [
        ("QP028003", "qpv", "28218", "commune", src)]
    assert [str(m) for m in ctx.messages] == [
        "qp2015.geojson, ligne 2, colonne « COMMUNE_QP » : QP028099 : commune « Nulle-Part » "
        "introuvable parmi les communes chargées (chargez le COG avant) : lien quartier→commune non créé"]


def test_metres_claiming_wgs84_name_the_feature(ctx, tmp_path):
    c = write_geojson(tmp_path / "qp.geojson", FEATURES_2024)   # Lambert-93 metres, no crs member
    with pytest.raises(EtlError) as err:
        contours.load(ctx, c, contours.recognise(c))
    x, y = FEATURES_2024[0][1].bounds[:2]
    assert str(err.value) == (
        f"qp.geojson, ligne 1, colonne « geometry » : objet n° 1 (QN02803M) : coordonnées en mètres "
        f"(x={x:.0f}, y={y:.0f}) alors que le fichier déclare des degrés (EPSG:4326) (attendu : des "
        "longitudes/latitudes WGS84, ou un « crs » Lambert-93 (EPSG:2154) déclaré)")
    assert rows(ctx, "select count(*) from territories") == [(0,)]


def test_self_intersecting_polygon_is_repaired_with_a_warning(ctx, tmp_path):
    x, y = LUCE_L93
    bowtie = Polygon([(x, y), (x + 300, y + 300), (x + 300, y), (x, y + 300), (x, y)])
    feats = [FEATURES_2024[1], ({**FEATURES_2024[0][0]}, bowtie)]
    c = write_geojson(tmp_path / "qp.geojson", feats, crs="EPSG:2154")
    load(contours, ctx, c)
    assert [(m.line, m.column_name, m.message.rsplit(" (", 1)[0]) for m in ctx.messages] == [
        (2, "geometry", "objet n° 2 (QN02803M) : polygone invalide réparé")]
    summary = geometry_summary(ctx)
    assert summary[0][:4] == ("QN02803M", "qpv", 2024, "MultiPolygon")
    assert summary[0][6] == 45    # two triangles of 150 × 300 / 2 = 22 500 m² each


def test_unrepairable_polygon_is_an_error(ctx, tmp_path):
    x, y = LUCE_L93
    flat = Polygon([(x, y), (x + 300, y), (x + 600, y), (x, y)])
    c = write_geojson(tmp_path / "qp.geojson", [({**FEATURES_2024[0][0]}, flat)], crs="EPSG:2154")
    with pytest.raises(EtlError) as err:
        contours.load(ctx, c, contours.recognise(c))
    assert (err.value.line, err.value.column) == (1, "geometry")
    assert "objet n° 1 (QN02803M) : polygone invalide impossible à réparer" in str(err.value)


def test_qpv_list_csv(ctx, tmp_path):
    p = tmp_path / "liste.csv"
    p.write_text("code_qp,lib_qp,insee_com,lib_com,insee_dep,commune_centroid_lon,commune_centroid_lat\n"
                 "QN02806M,Les Bâtes Tabellionne,28134,Dreux; Vernouillet,28,1.35,48.74\n"
                 "QN02806M,Les Bâtes Tabellionne,28404,Vernouillet,28,1.35,48.72\n"
                 "QN97101N,Quartier d'outre-mer,97101,Les Abymes,971,-61.5,16.27\n"
                 "QN07101I,Aubépins,71076,Chalon-sur-Saône,71,4.85,46.78\n", encoding="utf-8")
    c = Candidate(p, p.name)
    assert load(contours, ctx, c) == ("anct_qpv_list", 4)
    src = source_id(ctx, p.name)
    assert rows(ctx, "select * from territories order by 1") == [
        ("QN02806M", "qpv", "Les Bâtes Tabellionne", 2024, None, None, False, src),
        ("QN07101I", "qpv", "Aubépins", 2024, None, None, False, src),
        ("QN97101N", "qpv", "Quartier d'outre-mer", 2025, None, None, False, src)]
    assert rows(ctx, "select * from territory_links order by all") == [
        ("QN02806M", "qpv", "28134", "commune", src), ("QN02806M", "qpv", "28404", "commune", src),
        ("QN07101I", "qpv", "71076", "commune", src), ("QN97101N", "qpv", "97101", "commune", src)]
    assert rows(ctx, "select vintage from sources") == [("QPV 2024, 2025",)]


def test_list_then_contours_do_not_repeat_territories(ctx, tmp_path):
    p = tmp_path / "liste.csv"
    p.write_text("code_qp;lib_qp;insee_com\nQN02803M;Vieux Puits - Paradis - Maunoury;28218\n",
                 encoding="utf-8")
    load(contours, ctx, Candidate(p, p.name))
    load(contours, ctx, write_geojson(tmp_path / "qp.geojson", FEATURES_2024, project=to_wgs))
    assert rows(ctx, "select territory_code, source_id = ? from territories order by 1",
                [source_id(ctx, p.name)]) == [("QN02803M", True), ("QN02806M", False)]
    assert rows(ctx, "select child_code, parent_code from territory_links order by all") == [
        ("QN02803M", "28218"), ("QN02806M", "28134"), ("QN02806M", "28404")]


@pytest.mark.parametrize("props", [
    [{"INSEE_COM": "28218", "NOM": "Lucé", "POPULATION": 15921}, {"INSEE_COM": "28134", "NOM": "Dreux"}],
    [{"code": "28218", "nom": "Lucé"}, {"code": "28134", "nom": "Dreux"}],
])
def test_commune_contours(ctx, tmp_path, props):
    feats = [(props[0], square_l93(LUCE_L93, 2000, 1500)), (props[1], square_l93(DREUX_L93, 2000, 1500))]
    c = write_geojson(tmp_path / "communes-2026.geojson", feats, project=to_wgs)
    assert load(contours, ctx, c) == ("commune_contours", 2)
    # 2 000 m × 1 500 m in Lambert-93, whose scale is slightly below 1 between 44° and 49° N.
    assert geometry_summary(ctx) == [("28134", "commune", 2026, "Polygon", 1.355, 48.735, 3001),
                                     ("28218", "commune", 2026, "Polygon", 1.465, 48.438, 3002)]
    assert rows(ctx, "select count(*) from territories") == [(0,)]


@pytest.mark.parametrize("content", [
    {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "73"},
                                                "geometry": None}]},
    {"type": "FeatureCollection", "features": []},
    [{"code": "73065", "nom": "Chambéry", "type": "commune-actuelle", "departement": "73"}],
])
def test_other_json_is_not_recognised(tmp_path, content):
    p = tmp_path / "x.geojson"
    p.write_text(json.dumps(content), encoding="utf-8")
    assert contours.recognise(Candidate(p, p.name)) is None


def test_simplified_geometry_is_lighter_and_close(ctx, tmp_path):
    import numpy as np
    x, y = LUCE_L93
    angles = np.linspace(0, 2 * np.pi, 2000, endpoint=False)
    circle = Polygon(np.column_stack([x + 400 * np.cos(angles), y + 400 * np.sin(angles)]))
    c = write_geojson(tmp_path / "qp.geojson", [({**FEATURES_2024[0][0]}, circle)], crs="EPSG:2154")
    load(contours, ctx, c)
    wkb, gj = rows(ctx, "select geom_wkb, geom_simplified_geojson from territory_geometries")[0]
    full, simple = shapely.from_wkb(wkb), shapely.from_geojson(gj)
    assert len(shapely.get_coordinates(simple)) < len(shapely.get_coordinates(full)) / 4
    assert shapely.hausdorff_distance(full, simple) < 0.0003     # ~ 20-30 m in degrees


@pytest.mark.integration
def test_real_qpv_2024_list(ctx):
    path = need_reference("qpv2024", "qpv2024_by_commune.csv")
    c = Candidate(path, "qpv2024/qpv2024_by_commune.csv")
    started = time.perf_counter()
    assert load(contours, ctx, c) == ("anct_qpv_list", 1684)
    elapsed = time.perf_counter() - started
    assert rows(ctx, "select geography_vintage, count(*) from territories group by 1 order by 1") == [
        (2024, 1362), (2025, 131)]
    assert rows(ctx, "select count(*) from (select child_code from territory_links"
                     " group by 1 having count(*) > 1)") == [(148,)]
    assert rows(ctx, "select parent_code from territory_links where child_code = 'QN02803M'") == [("28218",)]
    print(f"\nreal QPV 2024 list loaded in {elapsed:.2f} s")


def test_shapefile_without_prj_is_taken_as_lambert93_with_a_warning(ctx, tmp_path):
    gdf = gpd.GeoDataFrame([p for p, _ in FEATURES_2024], geometry=[g for _, g in FEATURES_2024], crs=2154)
    gdf.to_file(tmp_path / "QP2024.shp", engine="pyogrio")
    (tmp_path / "QP2024.prj").unlink()
    c = next(x for x in candidates(tmp_path) if x.suffix == ".shp")
    assert load(contours, ctx, c) == ("anct_qpv_contours", 2)
    assert [str(m) for m in ctx.messages] == [
        "QP2024.shp : système de coordonnées non déclaré (.prj absent) : Lambert-93 (EPSG:2154) "
        "supposé d'après les coordonnées"]
    assert geometry_summary(ctx) == EXPECTED_QPV_GEOMS


def test_properties_after_a_long_geometry_are_found(tmp_path):
    import numpy as np
    x, y = LUCE_L93
    angles = np.linspace(0, 2 * np.pi, 20000, endpoint=False)
    big = Polygon(np.column_stack([x + 400 * np.cos(angles), y + 400 * np.sin(angles)]))
    p = tmp_path / "qp.geojson"
    feature = {"type": "Feature", "geometry": mapping(to_wgs(big)), "properties": FEATURES_2024[0][0]}
    p.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    assert p.stat().st_size > 200_000
    assert contours.recognise(Candidate(p, p.name)) == "anct_qpv_contours"
