"""NO_RETICULOCYTE_RESPONSE at its boundaries."""

from __future__ import annotations

import pytest

from .builders import RETIC, RETIC_ABS, evaluate, lab, of_reason

REASON = "NO_RETICULOCYTE_RESPONSE"
BASELINE = lab(RETIC, 1.0, "%", day=-3)


@pytest.mark.parametrize(("day", "flagged"), [(4, False), (5, True), (14, True), (15, False)])
def test_window_is_days_5_to_14(day, flagged):
    findings = of_reason(evaluate(BASELINE, lab(RETIC, 1.0, "%", day=day)), REASON)
    assert bool(findings) is flagged


@pytest.mark.parametrize(("value", "flagged"), [(0.8, True), (1.0, True), (1.01, False)])
def test_must_rise_above_baseline(value, flagged):
    findings = of_reason(evaluate(BASELINE, lab(RETIC, value, "%", day=7)), REASON)
    assert bool(findings) is flagged


def test_finding_carries_result_baseline_day_and_window():
    (finding,) = of_reason(evaluate(BASELINE, lab(RETIC, 0.9, "%", day=7)), REASON)
    kinds = {(item.kind, item.label, item.value) for item in finding.evidence.items}
    assert ("lab_result", "reticulocytes_percent", 0.9) in kinds
    assert ("baseline", "baseline reticulocytes_percent", 1.0) in kinds
    assert ("measure", "treatment_day", 7) in kinds
    assert {t.name: t.value for t in finding.evidence.thresholds} == {
        "window_from_day": 5,
        "window_to_day": 14,
    }
    assert finding.severity == "warning"
    assert finding.rule_id == "labs.no_reticulocyte_response"
    assert finding.rule_version == 1


@pytest.mark.parametrize(("value", "flagged"), [(2.5, True), (2.6, False)])
def test_without_baseline_compares_with_the_reference_high(value, flagged):
    findings = of_reason(evaluate(lab(RETIC, value, "%", day=7, low=0.5, high=2.5)), REASON)
    assert bool(findings) is flagged


def test_without_baseline_or_range_nothing_can_be_judged():
    assert of_reason(evaluate(lab(RETIC, 0.1, "%", day=7)), REASON) == []


def test_absolute_count_compares_with_its_own_baseline():
    findings = evaluate(
        lab(RETIC_ABS, 40, "10*9/L", day=-3),
        BASELINE,
        lab(RETIC_ABS, 40_000, "/uL", day=7),
        lab(RETIC, 3.0, "%", day=7),
    )
    (finding,) = of_reason(findings, REASON)
    labels = {item.label for item in finding.evidence.items}
    assert "reticulocytes_absolute" in labels
    assert "reticulocytes_percent" not in labels


def test_a_persisting_non_response_is_one_finding():
    findings = evaluate(BASELINE, lab(RETIC, 0.9, "%", day=6), lab(RETIC, 0.95, "%", day=9))
    (finding,) = of_reason(findings, REASON)
    assert any(item.value == 0.9 for item in finding.evidence.items)


def test_a_new_episode_after_a_rise_is_a_new_finding():
    findings = evaluate(
        BASELINE,
        lab(RETIC, 0.9, "%", day=6),
        lab(RETIC, 2.0, "%", day=8),
        lab(RETIC, 0.9, "%", day=11),
    )
    assert len(of_reason(findings, REASON)) == 2
