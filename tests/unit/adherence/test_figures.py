"""Dose statuses, adherence figures and the clinic's worklist."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from services.adherence.domain import (
    DatePeriod,
    DoseLifecycle,
    DoseStatus,
    Timing,
    build_worklist,
    dose_status,
    measure_adherence,
    summarize_patient,
    summarize_plan,
    window_of,
)
from shared.contracts import Phase

from .builders import CONFIG, at_noon, every, make_dose, make_plan, utc, with_administration

PLAN = make_plan()
MICROSECOND = timedelta(microseconds=1)


def status_at(dose, now) -> DoseStatus:
    return dose_status(dose, PLAN, now=now, windows=CONFIG.windows)


def test_open_dose_moves_from_upcoming_to_due_to_missed_at_its_window_edges() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    window = window_of(dose, PLAN, windows=CONFIG.windows)
    assert status_at(dose, window.opens_at - MICROSECOND) is DoseStatus.UPCOMING
    assert status_at(dose, window.opens_at) is DoseStatus.DUE
    assert status_at(dose, window.closes_at - MICROSECOND) is DoseStatus.DUE
    assert status_at(dose, window.closes_at) is DoseStatus.MISSED


@pytest.mark.parametrize(
    ("timing", "completed", "expected"),
    [
        (Timing.ON_TIME, True, DoseStatus.GIVEN),
        (Timing.LATE, True, DoseStatus.LATE),
        (Timing.ON_TIME, False, DoseStatus.NOT_DONE),
    ],
)
def test_recorded_administration_decides_the_status(timing, completed, expected) -> None:
    dose = with_administration(
        make_dose(PLAN, date(2024, 1, 10)), utc(2024, 1, 10), timing=timing, completed=completed
    )
    assert status_at(dose, utc(2024, 1, 1)) is expected


def test_superseded_and_cancelled_doses_say_so() -> None:
    dose = make_dose(PLAN, date(2024, 1, 10))
    superseded = replace(dose, lifecycle=DoseLifecycle.SUPERSEDED)
    cancelled = replace(dose, lifecycle=DoseLifecycle.CANCELLED)
    assert status_at(superseded, utc(2024, 6, 1)) is DoseStatus.SUPERSEDED
    assert status_at(cancelled, utc(2024, 6, 1)) is DoseStatus.CANCELLED


def test_adherence_counts_settled_doses_in_the_period() -> None:
    doses = every(PLAN, date(2024, 1, 1), count=6, days=7)  # 1st ... 5 Feb
    doses[0] = with_administration(doses[0], at_noon(doses[0].due_on))
    doses[1] = with_administration(doses[1], at_noon(date(2024, 1, 20)), timing=Timing.LATE)
    # 15th and 22nd missed; 29 Jan due (window open); 5 Feb upcoming: neither is judged.
    figure = measure_adherence(
        PLAN,
        doses,
        period=DatePeriod(first=date(2024, 1, 1), last=date(2024, 2, 29)),
        now=at_noon(date(2024, 1, 29)),
        config=CONFIG,
    )
    assert (figure.doses_assessed, figure.doses_given_in_window) == (4, 1)
    assert figure.percent == pytest.approx(25.0)


def test_adherence_without_assessed_doses_has_no_percent() -> None:
    figure = measure_adherence(
        PLAN,
        [],
        period=DatePeriod(first=date(2024, 1, 1), last=date(2024, 1, 2)),
        now=utc(2024, 1, 2),
        config=CONFIG,
    )
    assert figure.percent is None


def test_summary_gives_statuses_last_given_and_next_due() -> None:
    doses = every(PLAN, date(2024, 1, 1), count=4, days=7)
    doses[0] = with_administration(doses[0], at_noon(doses[0].due_on))
    summary = summarize_plan(PLAN, doses, now=at_noon(date(2024, 1, 15)), config=CONFIG)
    assert [v.status for v in summary.doses] == [
        DoseStatus.GIVEN,
        DoseStatus.MISSED,
        DoseStatus.DUE,
        DoseStatus.UPCOMING,
    ]
    assert summary.last_given_at == at_noon(date(2024, 1, 1))
    assert summary.next_due_on == date(2024, 1, 15)
    assert summary.adherence.percent == pytest.approx(50.0)
    assert summary.doses[0].administration_id is not None


def test_worklist_lists_due_overdue_and_catch_up_doses_for_the_date() -> None:
    other = make_plan(patient_id="patient-2")
    on = date(2024, 1, 20)
    doses = [
        make_dose(PLAN, on),  # due
        make_dose(PLAN, on - timedelta(days=2)),  # last on-time day: overdue
        make_dose(PLAN, on - timedelta(days=3)),  # grace over: missed, may be given late
        make_dose(PLAN, on - timedelta(days=9)),  # last day of late acceptance
        make_dose(PLAN, on - timedelta(days=10)),  # beyond late acceptance: off the list
        make_dose(PLAN, on + timedelta(days=1)),  # tomorrow: not on the list
        with_administration(make_dose(other, on), at_noon(on)),  # given: not on the list
    ]
    entries = build_worklist([PLAN, other], doses, on=on, config=CONFIG)
    assert [(e.days_past_due, e.kind) for e in entries] == [
        (9, "missed"),
        (3, "missed"),
        (2, "overdue"),
        (0, "due"),
    ]


def test_worklist_skips_cancelled_plans_and_superseded_doses() -> None:
    on = date(2024, 1, 20)
    cancelled = replace(make_plan(), cancelled_at=utc(2024, 1, 1))
    superseded = replace(make_dose(PLAN, on), lifecycle=DoseLifecycle.SUPERSEDED)
    doses = [superseded, make_dose(cancelled, on), make_dose(PLAN, on, phase=Phase.MAINTENANCE)]
    entries = build_worklist([PLAN, cancelled], doses, on=on, config=CONFIG)
    assert [(e.plan_id, e.phase) for e in entries] == [(PLAN.plan_id, Phase.MAINTENANCE)]


def test_patient_summary_totals_across_plans() -> None:
    other = make_plan(start_date=date(2024, 2, 1))
    ours = every(PLAN, date(2024, 1, 1), count=2, days=7)
    ours[0] = with_administration(ours[0], at_noon(ours[0].due_on))
    theirs = every(other, date(2024, 2, 1), count=2, days=7)
    theirs[0] = with_administration(theirs[0], at_noon(date(2024, 2, 2)))
    summary = summarize_patient(
        [other, PLAN], [*ours, *theirs], now=at_noon(date(2024, 2, 3)), config=CONFIG
    )
    assert [s.plan_id for s in summary.plans] == [PLAN.plan_id, other.plan_id]
    assert (summary.doses_assessed, summary.doses_given_in_window) == (3, 2)
    assert summary.last_given_at == at_noon(date(2024, 2, 2))
    assert summary.next_due_on == date(2024, 2, 8)
