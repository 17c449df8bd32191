"""Lab trajectories through Kafka and Postgres yield exactly the flags the catalogue implies."""

from __future__ import annotations

from typing import Any

from shared.contracts import LabResulted
from tests.integration.labs.support import (
    B12,
    FERRITIN,
    FOLATE,
    FOLATE_RANGE_LAB,
    HB,
    MCV,
    MMA,
    POTASSIUM,
    RETIC,
    TSH,
    Clinic,
    lab_evidence,
    reasons,
)


def baseline_bloods(clinic: Clinic) -> list[LabResulted]:
    """A macrocytic anaemia with low B12 before the first dose."""
    return [
        clinic.lab(B12, 90, "pmol/L", day=-5),
        clinic.lab(HB, 95, "g/L", day=-5),
        clinic.lab(MCV, 112, "fL", day=-5),
        clinic.lab(RETIC, 1.0, "%", day=-5),
        clinic.lab(MMA, 0.9, "umol/L", day=-5),
        clinic.lab(POTASSIUM, 4.1, "mmol/L", day=-5),
    ]


async def test_a_good_responder_raises_nothing(clinic: Clinic) -> None:
    await clinic.start_treatment()
    await clinic.results(
        *baseline_bloods(clinic),
        clinic.lab(POTASSIUM, 3.9, "mmol/L", day=2),
        clinic.lab(RETIC, 4.5, "%", day=7),
        clinic.lab(HB, 112, "g/L", day=21),
        clinic.lab(HB, 132, "g/L", day=56),
        clinic.lab(MCV, 94, "fL", day=56),
        clinic.lab(B12, 600, "pmol/L", day=56),
        clinic.lab(MMA, 0.2, "umol/L", day=56),
        clinic.lab(FOLATE, 8, "ug/L", day=56, low=3, high=20),
        clinic.lab(FERRITIN, 80, "ug/L", day=56, low=15, high=300),
        clinic.lab(HB, 138, "g/L", day=180),
        clinic.lab(MCV, 91, "fL", day=180),
    )
    response = await clinic.view("response")
    assert response is not None
    assert response["evaluated_at"] is not None
    assert response["findings"] == []
    assert await clinic.published_flags() == []


async def test_a_non_responder_with_folate_deficiency(clinic: Clinic) -> None:
    plan = await clinic.start_treatment()
    await clinic.results(
        *baseline_bloods(clinic),
        clinic.lab(RETIC, 1.2, "%", day=7),
        clinic.lab(B12, 650, "pmol/L", day=56),
        clinic.lab(HB, 97, "g/L", day=56),
        clinic.lab(MCV, 110, "fL", day=56),
        clinic.lab(FOLATE, 1.8, "ug/L", day=63, low=3.0, high=20),
        clinic.lab(FERRITIN, 120, "ug/L", day=63, low=15, high=300),
        clinic.lab(TSH, 2.0, "mIU/L", day=63, low=0.4, high=4.0),
    )
    flags = await clinic.published_flags()
    assert reasons(flags) == [
        "CHECK_COEXISTING_CAUSES",
        "FOLATE_DEFICIENT",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "MACROCYTOSIS_PERSISTING",
    ]
    assert len({flag["flag_id"] for flag in flags}) == len(flags)
    by_reason = {flag["reason"]: flag for flag in flags}
    for flag in flags:
        assert flag["raised_by"] == "labs"
        assert flag["plan_id"] == str(plan.plan_id)
        assert flag["rule_id"].startswith("labs.")
        assert flag["rule_version"] >= 1
        assert flag["recommendation"]

    coexisting = by_reason["CHECK_COEXISTING_CAUSES"]
    assert coexisting["severity"] == "info"
    cited = {(i["label"], i["value"], i["unit"]) for i in lab_evidence(coexisting)}
    assert {("b12", 650, "pmol/L"), ("haemoglobin", 97, "g/L"), ("mcv", 110, "fL")} <= cited
    assert {t["name"] for t in coexisting["evidence"]["thresholds"]} >= {
        "b12_deficient_below",
        "anaemia_below",
    }
    action = coexisting["suggested_action"]
    assert action["action"] == "add_lab_checks"
    assert set(action["loinc_codes"]) == {FOLATE, FERRITIN, TSH}

    folate = by_reason["FOLATE_DEFICIENT"]
    assert folate["severity"] == "warning"
    (item,) = lab_evidence(folate)
    assert (item["code"], item["value"], item["unit"], item["source"]) == (
        FOLATE,
        1.8,
        "ug/L",
        "lab-system",
    )
    assert item["on"] == "2026-03-09"
    (low,) = folate["evidence"]["thresholds"]
    assert (low["value"], low["unit"]) == (3.0, "ug/L")


async def test_a_relapse_on_maintenance_suggests_a_shorter_interval(clinic: Clinic) -> None:
    await clinic.start_treatment(maintenance_interval_days=84)
    await clinic.results(
        *baseline_bloods(clinic),
        clinic.lab(RETIC, 5.0, "%", day=7),
        clinic.lab(HB, 134, "g/L", day=56),
        clinic.lab(MCV, 93, "fL", day=56),
        clinic.lab(MMA, 0.25, "umol/L", day=56),
        clinic.lab(HB, 136, "g/L", day=140),
        # MMA first: the first relapsed result raises the flag, and the ones after it may
        # arrive in a later batch and join the same finding (absorbed, not raised again).
        clinic.lab(MMA, 600, "nmol/L", day=300),
        clinic.lab(HB, 114, "g/L", day=300),
        clinic.lab(MCV, 103, "fL", day=300),
    )
    (flag,) = await clinic.published_flags()
    assert flag["reason"] == "RELAPSE_ON_MAINTENANCE"
    assert flag["severity"] == "warning"
    assert flag["suggested_action"] == {
        "action": "shorten_maintenance_interval",
        "to_interval_weeks": 8,
        "from_interval_weeks": 12,
    }
    cited = {i["label"]: i for i in lab_evidence(flag)}
    mma = cited["methylmalonic_acid"]
    assert (mma["value"], mma["unit"]) == (0.6, "umol/L")
    assert (mma["original_value"], mma["original_unit"]) == (600, "nmol/L")


async def test_low_potassium_in_the_first_week_is_urgent(clinic: Clinic) -> None:
    await clinic.start_treatment()
    await clinic.results(
        *baseline_bloods(clinic),
        clinic.lab(POTASSIUM, 3.1, "mmol/L", day=2),
        clinic.lab(RETIC, 5.0, "%", day=7),
    )
    (flag,) = await clinic.published_flags()
    assert (flag["reason"], flag["severity"]) == ("HYPOKALAEMIA", "urgent")
    (item,) = lab_evidence(flag)
    assert (item["value"], item["unit"], item["on"]) == (3.1, "mmol/L", "2026-01-07")
    thresholds = {t["name"]: t["value"] for t in flag["evidence"]["thresholds"]}
    assert thresholds == {"potassium_low_below": 3.5, "within_days": 7}


def _canonical(clinic: Clinic) -> list[LabResulted]:
    return [
        clinic.lab(B12, 90, "pmol/L", day=-5),
        clinic.lab(HB, 95, "g/L", day=-5),
        clinic.lab(MCV, 112, "fL", day=-5),
        clinic.lab(RETIC, 1.0, "%", day=-5),
        clinic.lab(POTASSIUM, 3.3, "mmol/L", day=1),
        clinic.lab(RETIC, 0.9, "%", day=7),
        clinic.lab(B12, 140, "pmol/L", day=56),
        clinic.lab(HB, 118, "g/L", day=56),
        clinic.lab(MCV, 104, "fL", day=56),
        clinic.lab(MMA, 0.45, "umol/L", day=56),
        clinic.lab(FOLATE, 2.0, "ug/L", day=63, low=3.0),
        clinic.lab(FERRITIN, 10, "ug/L", day=63, low=15),
    ]


def _mixed_units(clinic: Clinic) -> list[LabResulted]:
    # The same facts from three laboratories in their own units, one with a configured range.
    return [
        clinic.lab(B12, 90 * 1.355, "ng/L", day=-5, source="lab-a"),
        clinic.lab(HB, 9.5, "g/dL", day=-5, source="lab-a"),
        clinic.lab(MCV, 112, "fl", day=-5, source="lab-a"),
        clinic.lab(RETIC, 1.0, "%", day=-5, source="lab-a"),
        clinic.lab(POTASSIUM, 3.3, "mEq/L", day=1, source="lab-b"),
        clinic.lab(RETIC, 0.9, "%", day=7, source="lab-b"),
        clinic.lab(B12, 140 * 1.355, "pg/mL", day=56, source="lab-c"),
        clinic.lab(HB, 11.8, "g/dL", day=56, source="lab-c"),
        clinic.lab(MCV, 104, "um3", day=56, source="lab-c"),
        clinic.lab(MMA, 450, "nmol/L", day=56, source="lab-c"),
        clinic.lab(FOLATE, 2.0 * 2.266, "nmol/L", day=63, source="lab-b", lab_id=FOLATE_RANGE_LAB),
        clinic.lab(FERRITIN, 10, "ng/mL", day=63, source="lab-b", low=15),
    ]


def _comparable(flags: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    # Published factors are rounded (folate 2.266): compare values to 4 significant digits.
    return sorted(
        (
            flag["reason"],
            flag["severity"],
            tuple(sorted((i["label"], f"{i['value']:.4g}", i["unit"]) for i in lab_evidence(flag))),
        )
        for flag in flags
    )


async def test_mixed_units_from_several_laboratories_give_the_same_flags(
    clinic: Clinic, other_clinic: Clinic
) -> None:
    await clinic.start_treatment()
    await other_clinic.start_treatment()
    await clinic.results(*_canonical(clinic))
    await other_clinic.results(*_mixed_units(other_clinic))
    canonical = await clinic.published_flags()
    mixed = await other_clinic.published_flags()
    assert reasons(canonical) == [
        "B12_NOT_REPLETED",
        "FOLATE_DEFICIENT",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "HYPOKALAEMIA",
        "IRON_DEFICIENCY_UNMASKED",
        "MACROCYTOSIS_PERSISTING",
        "NO_RETICULOCYTE_RESPONSE",
    ]
    assert _comparable(mixed) == _comparable(canonical)
    hb = next(
        i
        for flag in mixed
        if flag["reason"] == "HAEMOGLOBIN_NOT_RECOVERING"
        for i in lab_evidence(flag)
        if i["label"] == "haemoglobin"
    )
    assert (hb["value"], hb["unit"], hb["original_value"], hb["original_unit"]) == (
        118,
        "g/L",
        11.8,
        "g/dL",
    )
