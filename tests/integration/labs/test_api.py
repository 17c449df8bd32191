"""The labs API: normalised timelines, the response to treatment, the rules, and bad requests."""

from __future__ import annotations

import httpx
import pytest

from tests.integration.labs.support import (
    B12,
    FOLATE,
    FOLATE_RANGE_LAB,
    HB,
    MCV,
    POTASSIUM,
    Clinic,
)
from tests.support.services import bearer


async def test_the_timeline_is_normalised_and_interpreted(clinic: Clinic) -> None:
    await clinic.start_treatment()
    view = await clinic.results(
        clinic.lab(B12, 90 * 1.355, "ng/L", day=-5, source="lab-a"),
        clinic.lab(HB, 9.5, "g/dL", day=-5, source="lab-a", low=12, high=16),
        clinic.lab(MCV, 112, "fl", day=-5, source="lab-a"),
        clinic.lab(FOLATE, 2.0 * 2.266, "nmol/L", day=63, lab_id=FOLATE_RANGE_LAB),
        clinic.lab(HB, 128, "g/L", day=63),
    )
    assert view["plan"]["day_zero"] == "2026-01-05"
    entries = {(e["code"], e["treatment_day"]): e for e in view["entries"]}
    assert [(e["code"], e["treatment_day"]) for e in view["entries"]] == [
        (B12, -5),
        (HB, -5),
        (MCV, -5),
        (FOLATE, 63),
        (HB, 63),
    ]

    b12 = entries[B12, -5]
    assert (b12["value"], b12["unit"], b12["interpretation"]) == (90, "pmol/L", "L")
    assert (b12["original_value"], b12["original_unit"]) == (90 * 1.355, "ng/L")
    assert b12["baseline"] is True
    assert b12["reference"]["origin"] == "default"

    hb = entries[HB, -5]
    assert (hb["value"], hb["unit"], hb["interpretation"]) == (95, "g/L", "L")
    assert (hb["reference"]["low"], hb["reference"]["origin"]) == (120, "result")

    assert entries[MCV, -5]["interpretation"] == "H"

    folate = entries[FOLATE, 63]
    assert (folate["unit"], folate["interpretation"]) == ("ug/L", "L")
    assert folate["reference"]["origin"] == "laboratory"
    assert folate["evaluated"] is True
    assert folate["note"] is None

    assert entries[HB, 63]["interpretation"] == "N"


async def test_the_response_shows_baseline_latest_trend_and_open_findings(
    clinic: Clinic,
) -> None:
    await clinic.start_treatment()
    await clinic.results(
        clinic.lab(HB, 95, "g/L", day=-5),
        clinic.lab(HB, 101, "g/L", day=21),
        clinic.lab(HB, 110, "g/L", day=60),
        clinic.lab(POTASSIUM, 4.2, "mmol/L", day=3),
    )
    await clinic.published_flags()
    response = await clinic.view("response")
    assert response is not None
    by_analyte = {a["analyte"]: a for a in response["analytes"]}
    hb = by_analyte["haemoglobin"]
    assert (hb["baseline"]["value"], hb["latest"]["value"]) == (95, 110)
    assert hb["change_from_baseline"] == 15
    assert hb["trend"] == "rising"
    assert hb["result_count"] == 3
    (finding,) = response["findings"]
    assert (finding["reason"], finding["status"]) == ("HAEMOGLOBIN_NOT_RECOVERING", "open")
    assert finding["analytes"] == ["haemoglobin"]
    assert [f["flag_id"] for f in hb["open_findings"]] == [finding["flag_id"]]
    assert by_analyte["potassium"]["open_findings"] == []
    assert by_analyte["potassium"]["baseline"] is None


async def test_rules_show_versions_thresholds_and_sources(labs: httpx.AsyncClient) -> None:
    answer = await labs.get("/rules")
    assert answer.status_code == 200
    body = answer.json()
    rules = {rule["reason"]: rule for rule in body["rules"]}
    assert set(rules) == {
        "NO_RETICULOCYTE_RESPONSE",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "MACROCYTOSIS_PERSISTING",
        "B12_NOT_REPLETED",
        "FUNCTIONAL_DEFICIENCY_PERSISTING",
        "CHECK_COEXISTING_CAUSES",
        "FOLATE_DEFICIENT",
        "IRON_DEFICIENCY_UNMASKED",
        "HYPOKALAEMIA",
        "RELAPSE_ON_MAINTENANCE",
    }
    potassium = {s["name"]: s for s in rules["HYPOKALAEMIA"]["settings"]}
    assert potassium["potassium_low_below"]["value"] == 3.5
    assert "[FDA-CN]" in potassium["potassium_low_below"]["source"]
    assert rules["HYPOKALAEMIA"]["version"] >= 1
    assert all(s["source"] for rule in body["rules"] for s in rule["settings"])
    assert {"2132-9", "14685-2", "2823-3"} <= {code["code"] for code in body["codes"]}
    assert body["laboratories_with_ranges"] == [FOLATE_RANGE_LAB]


@pytest.mark.parametrize("path", ["labs", "response"])
@pytest.mark.parametrize("patient", ["not%20valid", "x" * 65, "semi;colon"])
async def test_a_malformed_patient_id_is_refused_with_a_reason(
    labs: httpx.AsyncClient, path: str, patient: str
) -> None:
    answer = await labs.get(f"/patients/{patient}/{path}")
    assert answer.status_code == 422
    assert "patient_id" in answer.json()["detail"]


async def test_an_unknown_patient_is_not_found(labs: httpx.AsyncClient, clinic: Clinic) -> None:
    for path in ("labs", "response"):
        answer = await labs.get(f"/patients/{clinic.patient}/{path}")
        assert answer.status_code == 404
        assert "no plan, dose or result" in answer.json()["detail"]


@pytest.mark.parametrize("path", ["/rules", "/patients/p-1/labs", "/patients/p-1/response"])
async def test_every_route_needs_a_token(labs: httpx.AsyncClient, path: str) -> None:
    assert (await labs.get(path, headers={"Authorization": ""})).status_code == 401
    assert (await labs.get(path, headers=bearer("staff"))).status_code in (200, 404)
