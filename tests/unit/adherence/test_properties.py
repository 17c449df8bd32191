"""Hypothesis properties of matching and miss detection over generated schedules."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.adherence.domain import (
    AdministrationMatched,
    TrackedDose,
    TrackedPlan,
    apply_outcome,
    detect_missed_doses,
    match_administration,
    window_of,
)
from services.adherence.domain.status import MISSED_STATUSES, schedule_at
from shared.contracts import DoseAdministered, Phase

from .builders import CONFIG, administered, make_dose, make_plan, utc

START = date(2024, 1, 1)
BASE = utc(2023, 12, 20)
HORIZON_MINUTES = 200 * 24 * 60
ZONES = ["Europe/London", "America/Santiago", "Australia/Sydney", "UTC"]


@st.composite
def schedules(draw: st.DrawFn) -> tuple[TrackedPlan, list[TrackedDose]]:
    """A plan whose doses pass through the phases in order, on distinct dates."""
    plan = make_plan(timezone=draw(st.sampled_from(ZONES)), start_date=START)
    offsets = sorted(draw(st.sets(st.integers(0, 150), min_size=1, max_size=25)))
    first_cut = draw(st.integers(0, len(offsets)))
    second_cut = draw(st.integers(first_cut, len(offsets)))
    phases = (
        [Phase.LOADING] * first_cut
        + [Phase.CONSOLIDATION] * (second_cut - first_cut)
        + [Phase.MAINTENANCE] * (len(offsets) - second_cut)
    )
    doses = [
        make_dose(plan, START + timedelta(days=offset), phase=phase)
        for offset, phase in zip(offsets, phases, strict=True)
    ]
    return plan, doses


def administrations(count: int = 30) -> st.SearchStrategy[list[DoseAdministered]]:
    one = st.builds(
        lambda minutes, done, number: administered(
            BASE + timedelta(minutes=minutes),
            administration_id=f"adm-{number}",
            status="completed" if done else "not-done",
        ),
        st.integers(0, HORIZON_MINUTES),
        st.booleans(),
        st.integers(0, 10**9),
    )
    return st.lists(one, max_size=count, unique_by=lambda a: a.administration_id)


@settings(max_examples=200, deadline=None)
@given(
    schedule=schedules(),
    given_doses=administrations(),
    sweep_minutes=st.lists(st.integers(0, HORIZON_MINUTES), max_size=3),
)
def test_an_administration_matches_at_most_one_dose_and_a_dose_at_most_one_administration(
    schedule: tuple[TrackedPlan, list[TrackedDose]],
    given_doses: list[DoseAdministered],
    sweep_minutes: list[int],
) -> None:
    plan, doses = schedule
    current: tuple[TrackedDose, ...] = tuple(doses)
    now = BASE + timedelta(minutes=HORIZON_MINUTES + 1)
    matched_to: dict[str, object] = {}
    sweeps = sorted(BASE + timedelta(minutes=m) for m in sweep_minutes)
    for administration in sorted(given_doses, key=lambda a: a.administered_at):
        # Sweeps interleave with administrations, as they would in the running service.
        while sweeps and sweeps[0] <= administration.administered_at:
            current = detect_missed_doses(plan, current, now=sweeps.pop(0), config=CONFIG).doses
        before = {d.dose_id: d for d in current}
        outcome = match_administration(
            administration, plans=(plan,), doses=current, now=now, config=CONFIG
        )
        if isinstance(outcome, AdministrationMatched):
            assert before[outcome.dose.dose_id].administration is None
            assert outcome.dose.dose_id not in matched_to.values()
            matched_to[administration.administration_id] = outcome.dose.dose_id
        current = apply_outcome(current, outcome)
    recorded = {d.administration.administration_id: d.dose_id for d in current if d.administration}
    assert recorded == matched_to


@settings(max_examples=200, deadline=None)
@given(
    schedule=schedules(),
    given_doses=administrations(10),
    now_minutes=st.integers(0, HORIZON_MINUTES),
)
def test_a_miss_is_never_declared_before_its_window_closes_and_always_once_it_has(
    schedule: tuple[TrackedPlan, list[TrackedDose]],
    given_doses: list[DoseAdministered],
    now_minutes: int,
) -> None:
    plan, doses = schedule
    now = BASE + timedelta(minutes=now_minutes)
    current: tuple[TrackedDose, ...] = tuple(doses)
    for administration in given_doses:
        if administration.administered_at <= now:
            outcome = match_administration(
                administration, plans=(plan,), doses=current, now=now, config=CONFIG
            )
            current = apply_outcome(current, outcome)
    sweep = detect_missed_doses(plan, current, now=now, config=CONFIG)
    declared = {d.dose_id for d in sweep.declared}
    for dose in current:
        closed = window_of(dose, plan, windows=CONFIG.windows).closed_by(now)
        assert (dose.dose_id in declared) == (dose.is_open and closed)
    for dose in sweep.declared:
        assert dose.miss is not None
        assert window_of(dose, plan, windows=CONFIG.windows).closes_at <= dose.miss.declared_at


@settings(max_examples=200, deadline=None)
@given(
    schedule=schedules(),
    given_doses=administrations(10),
    sweep_minutes=st.lists(st.integers(0, HORIZON_MINUTES), min_size=1, max_size=6),
)
def test_consecutive_counts_follow_the_run_of_misses_however_often_the_sweeper_runs(
    schedule: tuple[TrackedPlan, list[TrackedDose]],
    given_doses: list[DoseAdministered],
    sweep_minutes: list[int],
) -> None:
    plan, doses = schedule
    end = BASE + timedelta(minutes=HORIZON_MINUTES + 1)
    given_now: tuple[TrackedDose, ...] = tuple(doses)
    for administration in sorted(given_doses, key=lambda a: a.administered_at):
        # Only on-time, completed doses here, so that a late dose cannot resolve a miss after
        # its count was taken (a later resolution legitimately changes runs after the fact).
        outcome = match_administration(
            administration, plans=(plan,), doses=given_now, now=end, config=CONFIG
        )
        on_time = isinstance(outcome, AdministrationMatched) and not outcome.miss_declared
        if on_time and administration.status == "completed":
            given_now = apply_outcome(given_now, outcome)
    incremental = given_now
    for minutes in sorted(sweep_minutes):
        incremental = detect_missed_doses(
            plan, incremental, now=BASE + timedelta(minutes=minutes), config=CONFIG
        ).doses
    incremental = detect_missed_doses(plan, incremental, now=end, config=CONFIG).doses
    at_once = detect_missed_doses(plan, given_now, now=end, config=CONFIG).doses
    counts = {d.dose_id: d.miss.consecutive_missed for d in at_once if d.miss}
    assert {d.dose_id: d.miss.consecutive_missed for d in incremental if d.miss} == counts
    streak = 0
    for entry in schedule_at(plan, at_once, now=end, windows=CONFIG.windows):
        streak = streak + 1 if entry.status in MISSED_STATUSES else 0
        assert counts.get(entry.dose.dose_id, 0) == streak
