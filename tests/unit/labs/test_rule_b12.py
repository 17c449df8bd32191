"""B12_NOT_REPLETED and FUNCTIONAL_DEFICIENCY_PERSISTING."""

from __future__ import annotations

from datetime import timedelta

import pytest

from shared.contracts import Phase

from .builders import B12, HCY, MMA, START, context, evaluate, lab, of_reason, phase

NOT_REPLETED = "B12_NOT_REPLETED"
FUNCTIONAL = "FUNCTIONAL_DEFICIENCY_PERSISTING"


@pytest.mark.parametrize(("value", "flagged"), [(147.9, True), (148, False)])
def test_b12_deficient_band_after_loading(value, flagged):
    findings = evaluate(lab(B12, value, "pmol/L", day=30))
    assert bool(of_reason(findings, NOT_REPLETED)) is flagged


@pytest.mark.parametrize(("day", "flagged"), [(13, False), (14, True)])
def test_b12_judged_only_after_the_loading_phase(day, flagged):
    # The standard plan loads on days 0-13.
    findings = evaluate(lab(B12, 100, "pmol/L", day=day))
    assert bool(of_reason(findings, NOT_REPLETED)) is flagged


def test_b12_in_mass_units_uses_the_same_band():
    # 200 ng/L = 147.6 pmol/L: deficient; 201 ng/L = 148.3 pmol/L: not.
    assert of_reason(evaluate(lab(B12, 200, "ng/L", day=30)), NOT_REPLETED)
    assert not of_reason(evaluate(lab(B12, 201, "pg/mL", day=30)), NOT_REPLETED)


def test_open_ended_loading_never_counts_as_after_loading():
    ctx = context(phases=[phase(Phase.LOADING, START)])
    assert of_reason(evaluate(lab(B12, 100, "pmol/L", day=60), ctx=ctx), NOT_REPLETED) == []


def test_plan_without_loading_phase_judges_from_its_first_phase():
    ctx = context(phases=[phase(Phase.MAINTENANCE, START, interval_days=28)])
    assert of_reason(evaluate(lab(B12, 100, "pmol/L", day=30), ctx=ctx), NOT_REPLETED)


def test_baseline_b12_is_cited():
    findings = evaluate(lab(B12, 90, "pmol/L", day=-3), lab(B12, 120, "pmol/L", day=30))
    (finding,) = of_reason(findings, NOT_REPLETED)
    assert {item.kind for item in finding.evidence.items} >= {"lab_result", "baseline"}


@pytest.mark.parametrize(
    ("code", "value", "flagged"),
    [(MMA, 0.40, False), (MMA, 0.41, True), (HCY, 14, False), (HCY, 14.1, True)],
)
def test_functional_markers_thresholds(code, value, flagged):
    findings = evaluate(lab(B12, 500, "pmol/L", day=30), lab(code, value, "umol/L", day=30))
    assert bool(of_reason(findings, FUNCTIONAL)) is flagged


def test_functional_marker_in_nmol_per_litre():
    findings = evaluate(lab(B12, 500, "pmol/L", day=30), lab(MMA, 410, "nmol/L", day=30))
    (finding,) = of_reason(findings, FUNCTIONAL)
    assert any(item.value == 0.41 and item.unit == "umol/L" for item in finding.evidence.items)


def test_functional_needs_a_normal_b12():
    deficient = evaluate(lab(B12, 100, "pmol/L", day=30), lab(MMA, 0.9, "umol/L", day=30))
    missing = evaluate(lab(MMA, 0.9, "umol/L", day=30))
    assert of_reason(deficient, FUNCTIONAL) == []
    assert of_reason(missing, FUNCTIONAL) == []


def test_functional_marker_during_loading_is_not_judged():
    findings = evaluate(lab(B12, 500, "pmol/L", day=10), lab(MMA, 0.9, "umol/L", day=10))
    assert of_reason(findings, FUNCTIONAL) == []


def test_elevated_marker_before_b12_is_flagged_when_b12_arrives():
    first = lab(MMA, 0.9, "umol/L", day=30)
    findings = evaluate(first, lab(B12, 500, "pmol/L", day=31))
    (finding,) = of_reason(findings, FUNCTIONAL)
    assert finding.episode_start == lab(B12, 500, "pmol/L", day=31).observed_at
    assert finding.episode_start - first.observed_at == timedelta(days=1)
