"""FOLATE_DEFICIENT, IRON_DEFICIENCY_UNMASKED and HYPOKALAEMIA."""

from __future__ import annotations

import pytest

from services.labs.domain import Analyte, LabsConfig

from .builders import FERRITIN, FOLATE, POTASSIUM, RBC_FOLATE, evaluate, lab, of_reason

FOLATE_REASON = "FOLATE_DEFICIENT"
IRON_REASON = "IRON_DEFICIENCY_UNMASKED"
K_REASON = "HYPOKALAEMIA"


@pytest.mark.parametrize(("value", "flagged"), [(2.9, True), (3.0, False)])
def test_folate_below_its_own_range(value, flagged):
    findings = evaluate(lab(FOLATE, value, "ug/L", day=20, low=3.0, high=20))
    assert bool(of_reason(findings, FOLATE_REASON)) is flagged


def test_red_cell_folate_counts_too():
    findings = evaluate(lab(RBC_FOLATE, 90, "ug/L", day=20, low=100, high=600))
    (finding,) = of_reason(findings, FOLATE_REASON)
    (used,) = finding.evidence.thresholds
    assert used.name == "red_cell_folate reference low (result)"
    assert used.value == 100


def test_folate_before_treatment_is_not_flagged():
    assert of_reason(evaluate(lab(FOLATE, 1, "ug/L", day=-3, low=3)), FOLATE_REASON) == []


def test_folate_without_any_range_is_not_judged():
    assert of_reason(evaluate(lab(FOLATE, 0.5, "ug/L", day=20)), FOLATE_REASON) == []


def test_folate_with_a_laboratory_range_in_other_units():
    config = LabsConfig(
        laboratory_ranges={
            "lab-x": {Analyte.SERUM_FOLATE: {"low": 7, "unit": "nmol/L", "source": "lab x"}}
        }
    )
    low = lab(FOLATE, 6.9, "nmol/L", day=20, lab_id="lab-x")
    normal = lab(FOLATE, 7.0, "nmol/L", day=20, lab_id="lab-x")
    assert of_reason(evaluate(low, config=config), FOLATE_REASON)
    assert not of_reason(evaluate(normal, config=config), FOLATE_REASON)


@pytest.mark.parametrize(("value", "flagged"), [(14.9, True), (15, False)])
def test_ferritin_below_its_range_on_treatment(value, flagged):
    findings = evaluate(lab(FERRITIN, value, "ng/mL", day=10, low=15, high=300))
    assert bool(of_reason(findings, IRON_REASON)) is flagged


def test_ferritin_window_is_configurable():
    config = LabsConfig(iron={"until_day": {"value": 56, "unit": "d", "source": "t"}})
    late = lab(FERRITIN, 5, "ug/L", day=57, low=15)
    in_time = lab(FERRITIN, 5, "ug/L", day=56, low=15)
    assert of_reason(evaluate(late, config=config), IRON_REASON) == []
    assert of_reason(evaluate(in_time, config=config), IRON_REASON)


@pytest.mark.parametrize(("day", "flagged"), [(-1, False), (0, True), (6, True), (7, False)])
def test_hypokalaemia_window_is_the_first_7_days(day, flagged):
    findings = evaluate(lab(POTASSIUM, 3.0, "mmol/L", day=day))
    assert bool(of_reason(findings, K_REASON)) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(3.49, True), (3.5, False)])
def test_hypokalaemia_threshold(value, flagged):
    findings = evaluate(lab(POTASSIUM, value, "mEq/L", day=2))
    assert bool(of_reason(findings, K_REASON)) is flagged


def test_hypokalaemia_is_urgent_and_cites_the_threshold():
    (finding,) = of_reason(evaluate(lab(POTASSIUM, 3.1, "mmol/L", day=1)), K_REASON)
    assert finding.severity == "urgent"
    assert {(t.name, t.value, t.unit) for t in finding.evidence.thresholds} >= {
        ("potassium_low_below", 3.5, "mmol/L")
    }
