"""Whole trajectories: what a clinician would expect flagged, and nothing else."""

from __future__ import annotations

from services.labs.domain import Analyte, LabsConfig

from .builders import (
    B12,
    FERRITIN,
    FOLATE,
    HB,
    MCV,
    MMA,
    POTASSIUM,
    RETIC,
    TSH,
    evaluate,
    lab,
    reasons,
)


def baseline_bloods():
    return [
        lab(B12, 90, "pmol/L", day=-5),
        lab(HB, 95, "g/L", day=-5),
        lab(MCV, 112, "fL", day=-5),
        lab(RETIC, 1.0, "%", day=-5),
        lab(MMA, 0.9, "umol/L", day=-5),
        lab(POTASSIUM, 4.1, "mmol/L", day=-5),
    ]


def test_good_responder_raises_nothing():
    findings = evaluate(
        *baseline_bloods(),
        lab(POTASSIUM, 3.9, "mmol/L", day=2),
        lab(RETIC, 4.5, "%", day=7),
        lab(HB, 112, "g/L", day=21),
        lab(HB, 132, "g/L", day=56),
        lab(MCV, 94, "fL", day=56),
        lab(B12, 600, "pmol/L", day=56),
        lab(MMA, 0.2, "umol/L", day=56),
        lab(FOLATE, 8, "ug/L", day=56, low=3, high=20),
        lab(FERRITIN, 80, "ug/L", day=56, low=15, high=300),
        lab(HB, 138, "g/L", day=180),
        lab(MCV, 91, "fL", day=180),
    )
    assert reasons(findings) == []


def test_non_responder_with_folate_deficiency():
    findings = evaluate(
        *baseline_bloods(),
        lab(RETIC, 1.2, "%", day=7),
        lab(B12, 650, "pmol/L", day=56),
        lab(HB, 97, "g/L", day=56),
        lab(MCV, 110, "fL", day=56),
        lab(FOLATE, 1.8, "ug/L", day=63, low=3.0, high=20),
        lab(FERRITIN, 120, "ug/L", day=63, low=15, high=300),
        lab(TSH, 2.0, "mIU/L", day=63, low=0.4, high=4.0),
    )
    assert sorted(reasons(findings)) == [
        "CHECK_COEXISTING_CAUSES",
        "FOLATE_DEFICIENT",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "MACROCYTOSIS_PERSISTING",
    ]


def test_relapse_on_maintenance_suggests_a_shorter_interval():
    findings = evaluate(
        *baseline_bloods(),
        lab(RETIC, 5.0, "%", day=7),
        lab(HB, 134, "g/L", day=56),
        lab(MCV, 93, "fL", day=56),
        lab(MMA, 0.25, "umol/L", day=56),
        lab(HB, 136, "g/L", day=140),
        lab(HB, 114, "g/L", day=300),
        lab(MCV, 103, "fL", day=300),
        lab(MMA, 0.6, "umol/L", day=300),
    )
    assert reasons(findings) == ["RELAPSE_ON_MAINTENANCE"]
    (relapse,) = findings
    assert relapse.suggested_action is not None
    assert relapse.suggested_action.action == "shorten_maintenance_interval"
    assert relapse.suggested_action.from_interval_weeks == 12
    assert relapse.suggested_action.to_interval_weeks == 8
    cited = {item.label for item in relapse.evidence.items if item.kind == "lab_result"}
    assert {"haemoglobin", "mcv", "methylmalonic_acid"} <= cited


def test_low_potassium_in_the_first_week_is_urgent():
    findings = evaluate(
        *baseline_bloods(), lab(POTASSIUM, 3.1, "mmol/L", day=2), lab(RETIC, 5.0, "%", day=7)
    )
    assert reasons(findings) == ["HYPOKALAEMIA"]
    assert findings[0].severity == "urgent"


def canonical_trajectory():
    return [
        lab(B12, 90, "pmol/L", day=-5),
        lab(HB, 95, "g/L", day=-5),
        lab(MCV, 112, "fL", day=-5),
        lab(RETIC, 1.0, "%", day=-5),
        lab(POTASSIUM, 3.3, "mmol/L", day=1),
        lab(RETIC, 0.9, "%", day=7),
        lab(B12, 140, "pmol/L", day=56),
        lab(HB, 118, "g/L", day=56),
        lab(MCV, 104, "fL", day=56),
        lab(MMA, 0.45, "umol/L", day=56),
        lab(FOLATE, 2.0, "ug/L", day=63, low=3.0),
        lab(FERRITIN, 10, "ug/L", day=63, low=15),
    ]


def mixed_unit_trajectory():
    # The same facts from three laboratories in their own units and their own ranges.
    return [
        lab(B12, 90 * 1.355, "ng/L", day=-5, source="lab-a"),
        lab(HB, 9.5, "g/dL", day=-5, source="lab-a"),
        lab(MCV, 112, "fl", day=-5, source="lab-a"),
        lab(RETIC, 1.0, "%", day=-5, source="lab-a"),
        lab(POTASSIUM, 3.3, "mEq/L", day=1, source="lab-b"),
        lab(RETIC, 0.9, "%", day=7, source="lab-b"),
        lab(B12, 140 * 1.355, "pg/mL", day=56, source="lab-c"),
        lab(HB, 11.8, "g/dL", day=56, source="lab-c"),
        lab(MCV, 104, "um3", day=56, source="lab-c"),
        lab(MMA, 450, "nmol/L", day=56, source="lab-c"),
        lab(FOLATE, 2.0 * 2.266, "nmol/L", day=63, source="lab-b", lab_id="b-main"),
        lab(FERRITIN, 10, "ng/mL", day=63, source="lab-b", low=15),
    ]


def summary(findings):
    return sorted(
        (
            f.reason.value,
            f.severity,
            # Published factors are rounded (folate 2.266): compare to 4 significant digits.
            tuple(sorted((i.label, f"{i.value:.4g}", i.unit) for i in f.evidence.items)),
        )
        for f in findings
    )


def test_mixed_units_from_several_laboratories_match_canonical_units():
    config = LabsConfig(
        laboratory_ranges={
            "b-main": {Analyte.SERUM_FOLATE: {"low": 3.0 * 2.266, "unit": "nmol/L", "source": "b"}}
        }
    )
    canonical = evaluate(*canonical_trajectory(), config=config)
    mixed = evaluate(*mixed_unit_trajectory(), config=config)
    assert summary(mixed) == summary(canonical)
    assert sorted(reasons(canonical)) == [
        "B12_NOT_REPLETED",
        "FOLATE_DEFICIENT",
        "HAEMOGLOBIN_NOT_RECOVERING",
        "HYPOKALAEMIA",
        "IRON_DEFICIENCY_UNMASKED",
        "MACROCYTOSIS_PERSISTING",
        "NO_RETICULOCYTE_RESPONSE",
    ]
