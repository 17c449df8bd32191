"""RELAPSE_ON_MAINTENANCE and the interval it suggests."""

from __future__ import annotations

import pytest

from services.labs.domain import LabsConfig
from services.labs.domain.rules.relapse import shorter_interval
from shared.contracts import Phase

from .builders import HB, MCV, MMA, START, context, evaluate, lab, of_reason, phase, reasons

REASON = "RELAPSE_ON_MAINTENANCE"
CONFIG = LabsConfig()
RECOVERED_HB = lab(HB, 135, "g/L", day=56)


def test_haemoglobin_falling_again_on_maintenance_is_a_relapse():
    findings = evaluate(RECOVERED_HB, lab(HB, 110, "g/L", day=200))
    assert reasons(findings) == [REASON]
    (finding,) = findings
    labels = {item.label for item in finding.evidence.items}
    assert {"haemoglobin", "previously normal haemoglobin", "maintenance_interval_weeks"} <= labels


@pytest.mark.parametrize(("value", "flagged"), [(119.9, True), (120, False)])
def test_relapse_threshold(value, flagged):
    findings = evaluate(RECOVERED_HB, lab(HB, value, "g/L", day=200))
    assert bool(of_reason(findings, REASON)) is flagged


def test_without_an_earlier_recovery_it_is_not_recovering_instead():
    findings = evaluate(lab(HB, 110, "g/L", day=56), lab(HB, 110, "g/L", day=200))
    assert reasons(findings) == ["HAEMOGLOBIN_NOT_RECOVERING"]


def test_not_a_relapse_outside_maintenance():
    # Standard plan: maintenance from day 14; here loading never ends.
    ctx = context(phases=[phase(Phase.LOADING, START)])
    findings = evaluate(lab(HB, 135, "g/L", day=3), lab(HB, 110, "g/L", day=200), ctx=ctx)
    assert of_reason(findings, REASON) == []


@pytest.mark.parametrize(
    ("code", "good", "bad", "unit"),
    [(MCV, 95, 100.5, "fL"), (MMA, 0.2, 0.45, "umol/L")],
)
def test_mcv_and_mma_relapse(code, good, bad, unit):
    findings = evaluate(lab(code, good, unit, day=40), lab(code, bad, unit, day=200))
    assert of_reason(findings, REASON)
    assert "MACROCYTOSIS_PERSISTING" not in reasons(findings)
    assert "FUNCTIONAL_DEFICIENCY_PERSISTING" not in reasons(findings)


def test_relapse_suggests_one_step_shorter_interval():
    (finding,) = evaluate(RECOVERED_HB, lab(HB, 110, "g/L", day=200))
    action = finding.suggested_action
    assert action is not None
    assert action.action == "shorten_maintenance_interval"
    assert (action.from_interval_weeks, action.to_interval_weeks) == (12, 8)
    assert "8 weeks" in finding.recommendation


def test_relapse_at_the_shortest_step_suggests_no_action():
    ctx = context(maintenance_interval_days=28)
    (finding,) = evaluate(RECOVERED_HB, lab(HB, 110, "g/L", day=200), ctx=ctx)
    assert finding.suggested_action is None
    assert "shortest" in finding.recommendation


@pytest.mark.parametrize(
    ("current", "expected"), [(13, 8), (12, 8), (9, 4), (8, 4), (6, 4), (5, None), (None, 8)]
)
def test_interval_ladder(current, expected):
    assert shorter_interval(current, config=CONFIG) == expected


def test_a_persisting_relapse_is_one_finding_and_recovery_ends_it():
    findings = evaluate(
        RECOVERED_HB,
        lab(HB, 110, "g/L", day=200),
        lab(HB, 112, "g/L", day=230),
        lab(HB, 130, "g/L", day=260),
        lab(HB, 111, "g/L", day=400),
    )
    assert reasons(findings) == [REASON, REASON]
