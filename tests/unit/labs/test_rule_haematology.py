"""HAEMOGLOBIN_NOT_RECOVERING, MACROCYTOSIS_PERSISTING and CHECK_COEXISTING_CAUSES."""

from __future__ import annotations

import pytest

from services.labs.domain import LabsConfig

from .builders import B12, HB, MCV, context, evaluate, lab, of_reason

HB_REASON = "HAEMOGLOBIN_NOT_RECOVERING"
MCV_REASON = "MACROCYTOSIS_PERSISTING"
CHECK_REASON = "CHECK_COEXISTING_CAUSES"


@pytest.mark.parametrize(("day", "flagged"), [(55, False), (56, True)])
def test_haemoglobin_judged_from_8_weeks(day, flagged):
    assert bool(of_reason(evaluate(lab(HB, 100, "g/L", day=day)), HB_REASON)) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(119.9, True), (120, False)])
def test_haemoglobin_anaemia_threshold(value, flagged):
    assert bool(of_reason(evaluate(lab(HB, value, "g/L", day=56)), HB_REASON)) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(125, True), (125.1, False)])
def test_anaemic_baseline_must_be_risen_from(value, flagged):
    # 125 g/L is anaemic for a man (< 130) though above the single default threshold (120).
    findings = evaluate(lab(HB, 125, "g/L", day=-3), lab(HB, value, "g/L", day=56))
    assert bool(of_reason(findings, HB_REASON)) is flagged


def test_not_risen_clause_ignores_a_non_anaemic_baseline():
    findings = evaluate(lab(HB, 140, "g/L", day=-3), lab(HB, 138, "g/L", day=56))
    assert of_reason(findings, HB_REASON) == []


def test_plan_may_set_its_own_anaemia_threshold():
    findings = evaluate(lab(HB, 125, "g/L", day=56), ctx=context(anaemia_threshold=130))
    (finding,) = of_reason(findings, HB_REASON)
    assert {t.name: t.value for t in finding.evidence.thresholds}["anaemia_below"] == 130


def test_haemoglobin_threshold_and_window_are_configuration():
    config = LabsConfig(
        thresholds={"haemoglobin_anaemia_below": {"value": 130, "unit": "g/L", "source": "t"}},
        recovery={"from_day": {"value": 28, "unit": "d", "source": "t"}},
    )
    findings = evaluate(lab(HB, 125, "g/L", day=28), config=config)
    assert len(of_reason(findings, HB_REASON)) == 1


@pytest.mark.parametrize(
    ("day", "value", "flagged"),
    [(55, 105, False), (56, 100, False), (56, 100.1, True)],
)
def test_macrocytosis_boundaries(day, value, flagged):
    assert bool(of_reason(evaluate(lab(MCV, value, "fL", day=day)), MCV_REASON)) is flagged


def test_persisting_macrocytosis_is_one_finding():
    findings = evaluate(lab(MCV, 104, "fL", day=56), lab(MCV, 103, "fL", day=84))
    assert len(of_reason(findings, MCV_REASON)) == 1


@pytest.mark.parametrize(("b12", "flagged"), [(147.9, False), (148, True)])
def test_coexisting_causes_needs_a_normal_b12(b12, flagged):
    findings = evaluate(lab(B12, b12, "pmol/L", day=50), lab(HB, 100, "g/L", day=56))
    assert bool(of_reason(findings, CHECK_REASON)) is flagged


def test_coexisting_causes_needs_an_on_treatment_b12():
    findings = evaluate(lab(B12, 400, "pmol/L", day=-3), lab(HB, 100, "g/L", day=56))
    assert of_reason(findings, CHECK_REASON) == []


def test_coexisting_causes_suggests_folate_ferritin_tsh():
    findings = evaluate(lab(B12, 600, "pmol/L", day=56), lab(MCV, 105, "fL", day=56))
    (finding,) = of_reason(findings, CHECK_REASON)
    action = finding.suggested_action
    assert action is not None
    assert action.action == "add_lab_checks"
    assert set(action.loinc_codes) == {"2284-8", "2276-4", "3016-3"}
    assert finding.severity == "info"


def test_coexisting_causes_not_raised_when_the_blood_count_recovers():
    findings = evaluate(
        lab(B12, 600, "pmol/L", day=56), lab(HB, 135, "g/L", day=56), lab(MCV, 92, "fL", day=56)
    )
    assert of_reason(findings, CHECK_REASON) == []
