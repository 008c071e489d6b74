from __future__ import annotations

from indicators.territories import (
    Contract,
    TerritoryRef,
    contract_communes,
    contract_qpvs,
    contract_territories,
    default_qpv,
    find_qpvs,
    get_contract,
    list_contracts,
    qpv_code_vintage,
    qpv_communes,
    qpv_exists,
    territory_name,
)

from .conftest import chalon_like, records


def test_contracts_and_qpvs(db):
    chalon_like(db)
    db.contract("demo", "Démonstration", is_fictional=True)
    db.territory("QN09901N", "qpv", "Quartier fictif", vintage=2024, contract="demo",
                 note="fictif", is_fictional=True)
    db.territory("QV01", "quartier_veille", "Veille", contract="gc", note="quartier de veille")
    assert [c.slug for c in list_contracts(db.con)] == ["gc", "demo"]
    assert get_contract(db.con, "gc") == Contract("gc", "Contrat de ville test", "200000001",
                                                  "2024–2030", 2024, 2030, False)
    assert get_contract(db.con, "nope") is None
    df = contract_qpvs(db.con, "gc")
    assert records(df) == [
        {"qpv_code": "QN07102A", "qpv_name": "Quartier Deux", "geography_vintage": 2024,
         "population": None, "population_year": None, "commune_codes": ["71001"],
         "commune_names": ["Ville A"], "commune_label": "Ville A", "contract_slugs": ["gc"],
         "note": None, "is_fictional": False},
        {"qpv_code": "QN07103A", "qpv_name": "Quartier Trois", "geography_vintage": 2024,
         "population": None, "population_year": None, "commune_codes": ["71001", "71002"],
         "commune_names": ["Ville A", "Ville B"], "commune_label": "Ville A / Ville B",
         "contract_slugs": ["gc"], "note": None, "is_fictional": False},
        {"qpv_code": "QN07101A", "qpv_name": "Quartier Un", "geography_vintage": 2024,
         "population": 2500, "population_year": 2019, "commune_codes": ["71001"],
         "commune_names": ["Ville A"], "commune_label": "Ville A", "contract_slugs": ["gc"],
         "note": None, "is_fictional": False},
    ]
    assert contract_qpvs(db.con)["qpv_code"].tolist() == ["QN07102A", "QN09901N", "QN07103A", "QN07101A"]
    assert contract_qpvs(db.con, "gc", vintage=2015).empty
    assert [list(r.values()) for r in records(
        contract_territories(db.con, "gc")[["territory_code", "territory_level", "note"]])] == [
        ["QN07102A", "qpv", None], ["QN07103A", "qpv", None], ["QN07101A", "qpv", None],
        ["QV01", "quartier_veille", "quartier de veille"]]
    assert contract_communes(db.con, "gc") == [TerritoryRef("71001", "commune", "Ville A"),
                                               TerritoryRef("71002", "commune", "Ville B")]
    assert qpv_communes(db.con, "QN07103A") == contract_communes(db.con, "gc")
    assert default_qpv(db.con, "gc") == "QN07102A"
    assert default_qpv(db.con, "nope") is None
    assert find_qpvs(db.con, "quartier trois")["qpv_code"].tolist() == ["QN07103A"]
    assert find_qpvs(db.con, "qn0710", "gc")["qpv_code"].tolist() == ["QN07102A", "QN07103A", "QN07101A"]
    assert qpv_exists(db.con, "QN07101A") and not qpv_exists(db.con, "71001")
    assert territory_name(db.con, "71001") == "Ville A"
    assert territory_name(db.con, "00000") == "00000"


def test_qpv_code_vintage():
    assert [qpv_code_vintage(c) for c in ["QN07101I", "QN02A01N", "QP071001", "71076", ""]] == \
        [2024, 2024, 2015, None, None]


def test_registry_helpers():
    from indicators.registry import BY_SOURCE_VARIABLE, by_theme, label
    assert [i.id for i in by_theme("logement")] == [
        "social_housing_dwellings_count", "social_housing_share_pct", "fragile_occupation_dwellings_pct"]
    assert label("poverty_rate_pct") == "Taux de pauvreté (seuil à 60 %)"
    assert label("unknown_x") == "unknown_x"
    assert BY_SOURCE_VARIABLE["DISP_MED"] == "median_income_eur_year"
