"""Matching administrations to scheduled doses."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.adherence.domain import (
    AdministrationMatched,
    AdministrationParked,
    AdministrationRejected,
    AdministrationUnscheduled,
    Discrepancy,
    MatchOutcome,
    Timing,
    apply_outcome,
    cancel_plan,
    detect_missed_doses,
    match_administration,
    reconcile_administrations,
)
from services.adherence.domain.windows import window_of
from shared.contracts import Phase, PlanCancelled

from .builders import CONFIG, administered, by_id, every, make_dose, make_plan, utc

MICROSECOND = timedelta(microseconds=1)
PLAN = make_plan()
NOW = utc(2024, 6, 1)


def matched(outcome: MatchOutcome) -> AdministrationMatched:
    assert isinstance(outcome, AdministrationMatched), outcome
    return outcome


def match(at, doses, *, now=NOW, plans=(PLAN,), **fields) -> MatchOutcome:
    return match_administration(
        administered(at, **fields), plans=plans, doses=doses, now=now, config=CONFIG
    )


def test_administration_within_the_window_matches_on_time() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(match(utc(2024, 1, 10, 9), [dose]))
    assert outcome.dose.dose_id == dose.dose_id
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.timing is Timing.ON_TIME
    assert not outcome.miss_declared
    assert not outcome.miss_resolved


def test_window_edges_decide_between_on_time_and_unscheduled() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    window = window_of(dose, PLAN, windows=CONFIG.windows)
    assert isinstance(match(window.opens_at, [dose]), AdministrationMatched)
    assert isinstance(match(window.opens_at - MICROSECOND, [dose]), AdministrationUnscheduled)
    last_on_time = matched(match(window.closes_at - MICROSECOND, [dose]))
    assert last_on_time.dose.administration is not None
    assert last_on_time.dose.administration.timing is Timing.ON_TIME


def test_administration_at_the_window_close_is_late() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(match(window_of(dose, PLAN, windows=CONFIG.windows).closes_at, [dose]))
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.timing is Timing.LATE


def test_overlapping_windows_pick_the_dose_due_closest_to_the_administration_date() -> None:
    monday, wednesday = make_dose(PLAN, date(2024, 1, 8)), make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(match(utc(2024, 1, 10, 10), [monday, wednesday]))
    assert outcome.dose.dose_id == wednesday.dose_id


def test_equally_close_doses_go_to_the_earlier_one() -> None:
    monday, wednesday = make_dose(PLAN, date(2024, 1, 8)), make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(match(utc(2024, 1, 9, 10), [monday, wednesday]))
    assert outcome.dose.dose_id == monday.dose_id


def test_a_dose_that_has_an_administration_is_not_matched_again() -> None:
    monday, wednesday = make_dose(PLAN, date(2024, 1, 8)), make_dose(PLAN, date(2024, 1, 10))
    doses = apply_outcome([monday, wednesday], match(utc(2024, 1, 9, 9), [monday, wednesday]))
    assert by_id(doses, monday).given  # equally close: the earlier dose
    second = matched(match(utc(2024, 1, 9, 15), doses))
    assert second.dose.dose_id == wednesday.dose_id
    third = match(utc(2024, 1, 9, 16), apply_outcome(doses, second))
    assert isinstance(third, AdministrationUnscheduled)


def test_discrepancies_are_named() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(
        match(utc(2024, 1, 10), [dose], product="cyanocobalamin", dose_mcg=100.0, route="SC")
    )
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.discrepancies == (
        Discrepancy(field="product", scheduled="hydroxocobalamin", administered="cyanocobalamin"),
        Discrepancy(field="dose_mcg", scheduled=1000.0, administered=100.0),
        Discrepancy(field="route", scheduled="IM", administered="SC"),
    )


def test_matching_dose_has_no_discrepancies() -> None:
    outcome = matched(match(utc(2024, 1, 10), [make_dose(PLAN, date(2024, 1, 10))]))
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.discrepancies == ()


def test_not_done_is_a_miss_at_once() -> None:
    earlier = make_dose(PLAN, date(2024, 1, 6))  # its window closed at the end of the 8th
    dose = make_dose(PLAN, date(2024, 1, 10))
    doses = detect_missed_doses(PLAN, [earlier, dose], now=utc(2024, 1, 10), config=CONFIG).doses
    assert by_id(doses, earlier).miss is not None
    outcome = matched(match(utc(2024, 1, 10, 9), doses, now=utc(2024, 1, 10, 9), status="not-done"))
    assert outcome.miss_declared
    assert not outcome.miss_resolved
    assert outcome.dose.miss is not None
    assert outcome.dose.miss.not_done
    assert outcome.dose.miss.consecutive_missed == 2  # the 6th was missed before it


def test_late_administration_after_a_declared_miss_resolves_it() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    swept = detect_missed_doses(PLAN, [dose], now=utc(2024, 1, 13), config=CONFIG).doses
    outcome = matched(match(utc(2024, 1, 15), swept))
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.timing is Timing.LATE
    assert not outcome.miss_declared
    assert outcome.miss_resolved


def test_on_time_administration_arriving_after_the_miss_was_declared_resolves_it() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    swept = detect_missed_doses(PLAN, [dose], now=utc(2024, 1, 13), config=CONFIG).doses
    outcome = matched(match(utc(2024, 1, 12, 18), swept, now=utc(2024, 1, 14)))
    assert outcome.dose.administration is not None
    assert outcome.dose.administration.timing is Timing.ON_TIME
    assert outcome.miss_resolved


def test_late_administration_before_the_sweep_declares_and_resolves_the_miss() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    outcome = matched(match(utc(2024, 1, 15), [dose]))
    assert outcome.miss_declared
    assert outcome.miss_resolved
    assert outcome.dose.miss is not None
    assert outcome.dose.miss.consecutive_missed == 1


def test_late_acceptance_ends_at_its_limit() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    late_until = window_of(dose, PLAN, windows=CONFIG.windows).late_until
    assert isinstance(match(late_until - MICROSECOND, [dose]), AdministrationMatched)
    assert isinstance(match(late_until, [dose]), AdministrationUnscheduled)


def test_late_administration_goes_to_the_most_recent_missed_dose() -> None:
    doses = every(PLAN, date(2024, 1, 1), count=2, days=3)  # 1st and 4th, closed by the 7th
    outcome = matched(match(utc(2024, 1, 8), doses))
    assert outcome.dose.dose_id == doses[1].dose_id


def test_late_administration_is_unscheduled_once_a_later_dose_was_given() -> None:
    first, second = every(PLAN, date(2024, 1, 1), count=2, days=3)
    doses = apply_outcome([first, second], match(utc(2024, 1, 4, 9), [first, second]))
    assert by_id(doses, second).given
    assert isinstance(match(utc(2024, 1, 8), doses), AdministrationUnscheduled)


def test_in_window_dose_wins_over_a_late_candidate() -> None:
    missed, current = make_dose(PLAN, date(2024, 1, 1)), make_dose(PLAN, date(2024, 1, 8))
    outcome = matched(match(utc(2024, 1, 8, 9), [missed, current]))
    assert outcome.dose.dose_id == current.dose_id


def test_administration_beyond_the_clock_skew_tolerance_is_rejected() -> None:
    dose = make_dose(PLAN, date(2024, 6, 1))
    tolerance = CONFIG.matching.clock_skew_tolerance
    rejected = match(NOW + tolerance + MICROSECOND, [dose])
    assert isinstance(rejected, AdministrationRejected)
    assert rejected.kind == "administered_in_future"
    assert isinstance(match(NOW + tolerance, [dose]), AdministrationMatched)


def test_unknown_plan_is_parked() -> None:
    outcome = match(utc(2024, 1, 10), [], plan_id=make_plan().plan_id)
    assert isinstance(outcome, AdministrationParked)


def test_patient_without_any_plan_is_parked() -> None:
    assert isinstance(match(utc(2024, 1, 10), [], plans=()), AdministrationParked)


def test_plan_of_another_patient_is_rejected() -> None:
    other = make_plan(patient_id="patient-2")
    outcome = match(utc(2024, 1, 10), [], plans=(PLAN, other), plan_id=other.plan_id)
    assert isinstance(outcome, AdministrationRejected)
    assert outcome.kind == "plan_of_another_patient"


def test_named_plan_restricts_the_candidates() -> None:
    other = make_plan()
    ours, theirs = make_dose(PLAN, date(2024, 1, 10)), make_dose(other, date(2024, 1, 10))
    outcome = matched(
        match(utc(2024, 1, 10), [theirs, ours], plans=(other, PLAN), plan_id=PLAN.plan_id)
    )
    assert outcome.dose.dose_id == ours.dose_id


def test_cancelled_plan_takes_no_administration() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    cancellation = PlanCancelled.model_validate(
        {
            "event_id": "00000000-0000-0000-0000-000000000001",
            "occurred_at": utc(2024, 1, 5),
            "patient_id": PLAN.patient_id,
            "source": "planner",
            "plan_id": PLAN.plan_id,
            "reason": "stopped",
        }
    )
    change = cancel_plan(PLAN, [dose], cancellation=cancellation)
    outcome = match(utc(2024, 1, 10), change.doses, plans=(change.plan,))
    assert isinstance(outcome, AdministrationUnscheduled)


@pytest.mark.parametrize("phase", [Phase.LOADING, Phase.MAINTENANCE])
def test_reconciliation_matches_parked_administrations_in_the_order_given(phase: Phase) -> None:
    interval = 2 if phase is Phase.LOADING else 28
    doses = every(PLAN, date(2024, 1, 1), count=3, days=interval, phase=phase)
    parked = [administered(utc(2024, 1, 1, 9) + timedelta(days=interval * i)) for i in (2, 0, 1)]
    result = reconcile_administrations(parked, plans=(PLAN,), doses=doses, now=NOW, config=CONFIG)
    assert all(isinstance(outcome, AdministrationMatched) for _, outcome in result.outcomes)
    assert all(by_id(result.doses, dose).given for dose in doses)
    for dose, admin in zip(doses, sorted(parked, key=lambda a: a.administered_at), strict=True):
        recorded = by_id(result.doses, dose).administration
        assert recorded is not None
        assert recorded.administration_id == admin.administration_id
