"""Adherence's copy of a schedule: creation, adjustments with history, cancellation."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from services.adherence.domain import (
    DoseLifecycle,
    TrackedDose,
    TrackedPlan,
    apply_adjustment,
    apply_outcome,
    cancel_plan,
    detect_missed_doses,
    maintenance_starts_on,
    match_administration,
    track_plan,
)
from shared.contracts import Phase, PhaseSpec, PlanAdjusted, PlanCancelled, PlanCreated

from .builders import CONFIG, PATIENT, administered, by_id, every, make_plan, scheduled, utc


def envelope(at=utc(2024, 1, 1)) -> dict[str, object]:
    return {"event_id": uuid4(), "occurred_at": at, "patient_id": PATIENT, "source": "planner"}


def adjustment(plan_id, effective_from: date, doses, phases=()) -> PlanAdjusted:
    return PlanAdjusted.model_validate(
        envelope()
        | {
            "plan_id": plan_id,
            "adjustment_id": uuid4(),
            "effective_from": effective_from,
            "reason": "clinician decision",
            "doses": doses,
            "phases": phases,
        }
    )


def phase_of(phase: Phase, starts_on: date) -> PhaseSpec:
    return PhaseSpec.model_validate(phase_spec(phase, starts_on))


def phase_spec(phase: Phase, starts_on: date) -> dict[str, object]:
    return {
        "phase": phase,
        "description": phase.value,
        "product": "hydroxocobalamin",
        "route": "IM",
        "dose_mcg": 1000,
        "interval_days": 2,
        "starts_on": starts_on,
    }


def test_track_plan_copies_the_plan_and_its_doses() -> None:
    plan_id = uuid4()
    created = PlanCreated.model_validate(
        envelope()
        | {
            "plan_id": plan_id,
            "protocol_id": "uk-hydroxo-neuro",
            "protocol_version": 1,
            "indication": "pernicious_anaemia",
            "severity": "severe",
            "neurological_involvement": True,
            "lifelong": True,
            "start_date": date(2024, 1, 1),
            "timezone": "Europe/London",
            "phases": [phase_spec(Phase.LOADING, date(2024, 1, 1))],
            "doses": [scheduled(plan_id, date(2024, 1, 1)), scheduled(plan_id, date(2024, 1, 3))],
        }
    )
    change = track_plan(created)
    assert change.plan.plan_id == plan_id
    assert change.plan.neurological_involvement
    assert change.plan.timezone == "Europe/London"
    assert [d.due_on for d in change.doses] == [date(2024, 1, 1), date(2024, 1, 3)]
    assert change.added == change.doses
    assert all(d.is_open for d in change.doses)


def loading_history(plan: TrackedPlan) -> list[TrackedDose]:
    """Six loading doses (1st-11th): the 1st given, the 3rd declared missed, the rest open."""
    doses = every(plan, date(2024, 1, 1), count=6, days=2)
    given = match_administration(
        administered(utc(2024, 1, 1, 9)),
        plans=(plan,),
        doses=doses,
        now=utc(2024, 1, 7),
        config=CONFIG,
    )
    swept = detect_missed_doses(
        plan, apply_outcome(doses, given), now=utc(2024, 1, 7), config=CONFIG
    )
    return list(swept.doses)


def test_adjustment_supersedes_open_doses_from_effective_date_and_keeps_history() -> None:
    plan = make_plan()
    doses = loading_history(plan)
    replacement = [scheduled(plan.plan_id, date(2024, 1, 7), phase=Phase.MAINTENANCE)]
    event = adjustment(plan.plan_id, date(2024, 1, 3), replacement)
    change = apply_adjustment(plan, doses, adjustment=event)
    lifecycle = {d.due_on: d.lifecycle for d in change.doses if d.phase is Phase.LOADING}
    assert lifecycle == {
        date(2024, 1, 1): DoseLifecycle.ACTIVE,  # given: history
        date(2024, 1, 3): DoseLifecycle.ACTIVE,  # declared missed: history
        date(2024, 1, 5): DoseLifecycle.SUPERSEDED,
        date(2024, 1, 7): DoseLifecycle.SUPERSEDED,
        date(2024, 1, 9): DoseLifecycle.SUPERSEDED,
        date(2024, 1, 11): DoseLifecycle.SUPERSEDED,
    }
    assert [(d.due_on, d.phase) for d in change.added] == [(date(2024, 1, 7), Phase.MAINTENANCE)]
    assert {d.changed_by for d in change.superseded} == {event.adjustment_id}
    assert len(change.doses) == 7


def test_open_doses_before_the_effective_date_stay() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=3, days=2)
    change = apply_adjustment(
        plan, doses, adjustment=adjustment(plan.plan_id, date(2024, 1, 5), [])
    )
    assert [d.due_on for d in change.superseded] == [date(2024, 1, 5)]
    assert all(by_id(change.doses, d).is_active for d in doses[:2])


def test_applying_the_same_adjustment_twice_changes_nothing_more() -> None:
    plan = make_plan()
    replacement = [scheduled(plan.plan_id, date(2024, 1, 7), phase=Phase.MAINTENANCE)]
    event = adjustment(plan.plan_id, date(2024, 1, 3), replacement)
    first = apply_adjustment(plan, loading_history(plan), adjustment=event)
    second = apply_adjustment(first.plan, first.doses, adjustment=event)
    assert second.added == ()
    assert second.superseded == ()
    assert second.doses == first.doses


def test_adjustment_phases_replace_those_from_the_effective_date() -> None:
    plan = make_plan(
        phases=[
            phase_of(Phase.LOADING, date(2024, 1, 1)),
            phase_of(Phase.MAINTENANCE, date(2024, 2, 1)),
        ]
    )
    event = adjustment(
        plan.plan_id,
        date(2024, 1, 15),
        [],
        phases=[phase_spec(Phase.MAINTENANCE, date(2024, 1, 15))],
    )
    change = apply_adjustment(plan, [], adjustment=event)
    assert [(p.phase, p.starts_on) for p in change.plan.phases] == [
        (Phase.LOADING, date(2024, 1, 1)),
        (Phase.MAINTENANCE, date(2024, 1, 15)),
    ]
    assert maintenance_starts_on(change.plan, []) == date(2024, 1, 15)


def test_maintenance_start_falls_back_to_the_first_maintenance_dose() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 3, 1), count=2, days=28, phase=Phase.MAINTENANCE)
    assert maintenance_starts_on(plan, doses) == date(2024, 3, 1)
    assert maintenance_starts_on(plan, []) is None


def test_adjustment_for_another_plan_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="applied to plan"):
        apply_adjustment(make_plan(), [], adjustment=adjustment(uuid4(), date(2024, 1, 1), []))


def cancellation(plan_id, at=utc(2024, 1, 7)) -> PlanCancelled:
    return PlanCancelled.model_validate(envelope(at) | {"plan_id": plan_id, "reason": "stopped"})


def test_cancellation_cancels_open_doses_and_nothing_more_is_missed() -> None:
    plan = make_plan()
    doses = loading_history(plan)
    change = cancel_plan(plan, doses, cancellation=cancellation(plan.plan_id))
    assert change.plan.cancelled_at == utc(2024, 1, 7)
    assert [d.due_on for d in change.cancelled] == [date(2024, 1, d) for d in (5, 7, 9, 11)]
    assert by_id(change.doses, doses[0]).is_active  # given: history
    assert by_id(change.doses, doses[1]).miss is not None  # declared miss: history
    later = detect_missed_doses(change.plan, change.doses, now=utc(2025, 1, 1), config=CONFIG)
    assert later.declared == ()


def test_adjustment_after_cancellation_changes_nothing() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=2, days=2)
    cancelled = cancel_plan(plan, doses, cancellation=cancellation(plan.plan_id))
    replacement = [scheduled(plan.plan_id, date(2024, 2, 1))]
    change = apply_adjustment(
        cancelled.plan,
        cancelled.doses,
        adjustment=adjustment(plan.plan_id, date(2024, 1, 1), replacement),
    )
    assert change.added == ()
    assert change.doses == cancelled.doses
