"""Properties of every schedule the planner builds, on random protocols, starts and calendars.

Calendars have at least three working weekdays and at most one closure per week, so every
7-day window holds a working day: the spacing cap can always be kept.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from services.planner.domain import (
    ChangeMaintenanceInterval,
    NotApplicableError,
    Plan,
    PlanningContext,
    PlanRequest,
    Protocol,
    apply_adjustment,
    build_plan,
    extend_horizon,
)
from services.planner.domain.calendar import week_start
from services.planner.domain.protocols import DoseCount, TimesPerWeek
from services.planner.domain.schedule import lands_on_working_days
from shared.contracts import Indication, Phase, Severity
from tests.unit.planner.builders import (
    ALL_PROTOCOL_IDS,
    LIBRARY,
    PLAN_ID,
    RULES,
    context_with,
    request,
)

CAP_DAYS = RULES.bounds.spacing_cap_days
NOT_LIFELONG = [i for i in Indication if i not in RULES.selection.lifelong_indications]
PROPERTY_SETTINGS = settings(max_examples=50, deadline=None)


@dataclass(frozen=True)
class Case:
    plan: Plan
    protocol: Protocol
    context: PlanningContext
    today: date
    loading_weeks: int | None
    request: PlanRequest


@st.composite
def cases(draw: st.DrawFn) -> Case:
    protocol = LIBRARY.get(draw(st.sampled_from(ALL_PROTOCOL_IDS)))
    start = draw(st.dates(date(2025, 1, 1), date(2028, 12, 31)))
    weekdays = draw(st.frozensets(st.integers(0, 6), min_size=3))
    closure_slots = draw(
        st.lists(
            st.tuples(st.integers(0, 120), st.integers(0, 6)), max_size=30, unique_by=lambda s: s[0]
        )
    )
    closures = [week_start(start) + timedelta(weeks=week, days=day) for week, day in closure_slots]
    has_loading = any(phase.phase == Phase.LOADING for phase in protocol.phases)
    loading_weeks = draw(st.none() | st.integers(1, 12)) if has_loading else None
    interval = draw(st.none() | st.integers(1, 12)) if protocol.injected else None
    lifelong_ok = protocol.open_ended
    indication = draw(st.sampled_from(list(Indication) if lifelong_ok else NOT_LIFELONG))
    context = context_with(closures=closures, weekdays=weekdays)
    today = start + timedelta(days=draw(st.integers(-200, 200)))
    plan_request = request(
        indication=indication,
        severity=draw(st.sampled_from(list(Severity))),
        neuro=draw(st.booleans()),
        pregnant=draw(st.booleans()),
        start=start,
        protocol_id=protocol.id,
        loading_weeks=loading_weeks,
        maintenance_interval_weeks=interval,
    )
    plan = build_plan(plan_request, plan_id=PLAN_ID, today=today, context=context)
    return Case(
        plan=plan,
        protocol=protocol,
        context=context,
        today=today,
        loading_weeks=loading_weeks,
        request=plan_request,
    )


def _dates(plan: Plan) -> list[date]:
    return [dose.due_on for dose in plan.doses]


def _gaps(days: list[date]) -> list[int]:
    return [(after - before).days for before, after in pairwise(days)]


@PROPERTY_SETTINGS
@given(cases())
def test_doses_strictly_increase_and_none_precede_the_start(case: Case):
    days = _dates(case.plan)
    assert days
    assert all(gap > 0 for gap in _gaps(days))
    assert days[0] >= case.plan.start_date
    assert len({dose.dose_id for dose in case.plan.doses}) == len(days)


@PROPERTY_SETTINGS
@given(cases())
def test_injections_land_on_working_days_where_the_rule_says_so(case: Case):
    for dose in case.plan.doses:
        index = case.plan.phase_index_of(dose.due_on)
        assert index is not None
        if lands_on_working_days(case.plan.phases[index]):
            assert case.context.calendar.is_working_day(dose.due_on), dose


@PROPERTY_SETTINGS
@given(cases())
def test_no_injection_gap_exceeds_the_spacing_cap(case: Case):
    if case.protocol.injected:
        assert max(_gaps(_dates(case.plan)), default=0) <= CAP_DAYS


@PROPERTY_SETTINGS
@given(cases())
def test_n_times_a_week_means_at_most_n_doses_in_any_monday_to_sunday_week(case: Case):
    for index, phase in enumerate(case.plan.phases):
        if isinstance(phase.frequency, TimesPerWeek):
            weeks = Counter(week_start(day) for day in case.plan.dose_dates_in(index))
            assert max(weeks.values()) <= phase.frequency.times


@PROPERTY_SETTINGS
@given(cases())
def test_counted_phases_give_the_number_of_doses_the_protocol_says(case: Case):
    for index, phase in enumerate(case.protocol.phases):
        overridden = phase.phase == Phase.LOADING and case.loading_weeks is not None
        if isinstance(phase.duration, DoseCount) and not overridden:
            assert len(case.plan.dose_dates_in(index)) == phase.duration.count


@PROPERTY_SETTINGS
@given(cases())
def test_review_phases_stop_at_the_review_and_checks_stay_in_their_windows(case: Case):
    for index, phase in enumerate(case.plan.phases):
        if phase.at_review:
            assert all(day <= phase.ends_on for day in case.plan.dose_dates_in(index))
    first = case.plan.doses[0].due_on
    reticulocytes = next(c for c in case.plan.lab_checks if "4679-7" in c.loinc_codes)
    assert first + timedelta(days=7) <= reticulocytes.due_on <= first + timedelta(days=10)


@PROPERTY_SETTINGS
@given(cases(), st.integers(0, 59))
def test_lifelong_plans_never_end(case: Case, days_before_horizon: int):
    plan = case.plan
    if not plan.lifelong:
        return
    assert plan.phases[-1].ends_on is None
    longest = CAP_DAYS if case.protocol.injected else 1
    for _ in range(3):
        assert plan.horizon_until is not None
        today = plan.horizon_until - timedelta(days=days_before_horizon)
        extension = extend_horizon(plan, today=today, context=case.context)
        assert extension is not None
        new = extension.plan
        assert new.horizon_until is not None
        assert new.horizon_until > plan.horizon_until
        assert new.doses[: len(plan.doses)] == plan.doses
        assert all(dose.due_on > plan.horizon_until for dose in extension.doses)
        assert (new.horizon_until - new.doses[-1].due_on).days <= longest
        assert max(_gaps(_dates(new)), default=0) <= longest or not case.protocol.injected
        plan = new


@PROPERTY_SETTINGS
@given(cases())
def test_plans_that_end_are_never_extended(case: Case):
    if case.plan.horizon_until is None:
        assert (
            extend_horizon(case.plan, today=case.plan.doses[-1].due_on, context=case.context)
            is None
        )


@PROPERTY_SETTINGS
@given(cases(), st.integers(0, 400), st.integers(1, 12))
def test_a_new_maintenance_interval_keeps_history_and_the_cap(case: Case, offset: int, weeks: int):
    assume(case.protocol.injected)
    effective_from = case.plan.start_date + timedelta(days=offset)
    try:
        adjustment = apply_adjustment(
            case.plan,
            change=ChangeMaintenanceInterval(interval_weeks=weeks),
            effective_from=effective_from,
            reason="property",
            context=case.context,
        )
    except NotApplicableError:
        assume(False)
        return
    before = [dose for dose in case.plan.doses if dose.due_on < effective_from]
    assert [d for d in adjustment.plan.doses if d.due_on < effective_from] == before
    assert all(dose.due_on >= effective_from for dose in adjustment.doses)
    days = _dates(adjustment.plan)
    assert all(0 < gap <= CAP_DAYS for gap in _gaps(days))


@PROPERTY_SETTINGS
@given(cases())
def test_rebuilding_a_plan_gives_the_same_plan_and_ids(case: Case):
    again = build_plan(case.request, plan_id=PLAN_ID, today=case.today, context=case.context)
    assert again == case.plan
