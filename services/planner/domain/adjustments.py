"""Applying a change to a plan: the schedule from the effective date is replaced, history kept.

Doses due before ``effective_from`` never change. Phases the change does not touch keep their
doses (and ids) even after the effective date; the touched phase and everything after it are
scheduled again, spaced from the last dose kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from itertools import pairwise
from uuid import UUID

from services.planner.domain.build import loading_end, maintenance_every
from services.planner.domain.changes import (
    AddChecks,
    Adjustment,
    ChangeLoadingLength,
    ChangeMaintenanceInterval,
    EndLoading,
    PlanChange,
)
from services.planner.domain.context import PlanningContext
from services.planner.domain.errors import NotApplicableError, PlannerError
from services.planner.domain.ids import adjustment_id
from services.planner.domain.monitoring import added_check
from services.planner.domain.overrides import check_loading_weeks, check_maintenance_interval_weeks
from services.planner.domain.phases import EndsOn, PlannedPhase
from services.planner.domain.plan import Plan, first_phase_index, make_doses, review_date
from services.planner.domain.protocols import Every, Period
from services.planner.domain.schedule import schedule_phases
from shared.contracts.plans import AdjustmentKind, ScheduledDose
from shared.contracts.vocabulary import Phase

_ONE_DAY = timedelta(days=1)


def apply_adjustment(
    plan: Plan,
    *,
    change: PlanChange,
    effective_from: date,
    reason: str,
    reason_kind: AdjustmentKind = "clinician",
    flag_id: UUID | None = None,
    context: PlanningContext,
) -> Adjustment:
    """Apply ``change`` from ``effective_from`` on; raises NotApplicableError or a bound error."""
    if effective_from < plan.start_date:
        raise NotApplicableError(
            f"effective_from {effective_from} is before the plan's start_date {plan.start_date}"
        )
    if isinstance(change, ChangeMaintenanceInterval):
        updated = _change_maintenance_interval(
            plan, change, effective_from=effective_from, context=context
        )
    elif isinstance(change, EndLoading):
        updated = _end_loading(plan, effective_from=effective_from, context=context)
    elif isinstance(change, ChangeLoadingLength):
        updated = _change_loading_length(
            plan, change, effective_from=effective_from, context=context
        )
    else:
        updated = _add_checks(plan, change, effective_from=effective_from, context=context)
    revision = plan.revision + 1
    updated = updated.model_copy(
        update={
            "revision": revision,
            "review_on": review_date(updated.phases, updated.lab_checks),
        }
    )
    _check_doses_increase(updated.doses)
    return Adjustment(
        plan=updated,
        adjustment_id=adjustment_id(plan.plan_id, revision=revision),
        effective_from=effective_from,
        reason=reason[:500],
        reason_kind=reason_kind,
        flag_id=flag_id,
    )


def _change_maintenance_interval(
    plan: Plan, change: ChangeMaintenanceInterval, *, effective_from: date, context: PlanningContext
) -> Plan:
    check_maintenance_interval_weeks(change.interval_weeks, context.rules.bounds)
    index = _last_maintenance_index(plan)
    current = plan.phases[index]
    frequency = maintenance_every(change.interval_weeks)
    if current.frequency == frequency:
        raise NotApplicableError(f"maintenance is already every {change.interval_weeks} weeks")
    description = (
        f"{current.dose_mcg:g} mcg {current.route} every {change.interval_weeks} weeks "
        f"(adjusted from {effective_from.isoformat()})"
    )
    if current.starts_on >= effective_from:
        # Maintenance has not begun: only its own doses are scheduled again.
        revised = current.model_copy(
            update={"frequency": frequency, "description": description, "ends_on": None}
        )
        return _replan(
            plan,
            unchanged_phases=plan.phases[:index],
            unchanged_doses=[d for d in plan.doses if d.due_on < current.starts_on],
            regenerate=[revised],
            prior=(),
            not_before=current.starts_on,
            context=context,
        )
    kept = [dose for dose in plan.doses if dose.due_on < effective_from]
    ended = current.model_copy(
        update={"end": EndsOn(on=effective_from - _ONE_DAY), "ends_on": effective_from - _ONE_DAY}
    )
    successor = current.model_copy(
        update={
            "frequency": frequency,
            "description": description,
            "starts_on": effective_from,
            "origin": kept[-1].due_on if kept else current.origin,
            "ends_on": None,
        }
    )
    return _replan(
        plan,
        unchanged_phases=[*plan.phases[:index], ended],
        unchanged_doses=kept,
        regenerate=[successor],
        prior=(),
        not_before=effective_from,
        context=context,
    )


def _end_loading(plan: Plan, *, effective_from: date, context: PlanningContext) -> Plan:
    index = _loading_index(plan)
    loading = plan.phases[index]
    last_day = effective_from - _ONE_DAY
    if effective_from <= loading.starts_on:
        raise NotApplicableError(
            f"the loading phase starts on {loading.starts_on}; it can end from the day after"
        )
    if loading.ends_on is not None and last_day >= loading.ends_on:
        if not loading.at_review:
            raise NotApplicableError(f"the loading phase already ended on {loading.ends_on}")
        # Reached its review: maintenance was scheduled from there, so ending confirms it.
        confirmed = loading.model_copy(update={"end": EndsOn(on=loading.ends_on)})
        phases = [*plan.phases[:index], confirmed, *plan.phases[index + 1 :]]
        return plan.model_copy(update={"phases": phases})
    kept = [dose for dose in plan.doses if dose.due_on < effective_from]
    ended = loading.model_copy(update={"end": EndsOn(on=last_day), "ends_on": last_day})
    following = plan.phases[index + 1 :]
    if not following:
        return plan.model_copy(update={"phases": [*plan.phases[:index], ended], "doses": kept})
    first = following[0].model_copy(
        update={"starts_on": effective_from, "origin": kept[-1].due_on if kept else None}
    )
    return _replan(
        plan,
        unchanged_phases=[*plan.phases[:index], ended],
        unchanged_doses=kept,
        regenerate=[first, *following[1:]],
        prior=(),
        not_before=effective_from,
        context=context,
    )


def _change_loading_length(
    plan: Plan, change: ChangeLoadingLength, *, effective_from: date, context: PlanningContext
) -> Plan:
    check_loading_weeks(change.weeks, context.rules.bounds)
    index = _loading_index(plan)
    loading = plan.phases[index]
    kept = [dose for dose in plan.doses if dose.due_on < effective_from]
    later = [d for d in kept if any(p.covers(d.due_on) for p in plan.phases[index + 1 :])]
    if later:
        raise NotApplicableError(
            f"{later[0].phase.value} began on {later[0].due_on}; the loading phase can no "
            "longer change (end or adjust the current phase instead)"
        )
    prior = [d.due_on for d in kept if loading.covers(d.due_on)]
    weeks = Period(count=change.weeks, unit="weeks")
    if loading.at_review:
        review = context.calendar.next_working_day(weeks.after(loading.starts_on))
        revised = loading.model_copy(update={"end": EndsOn(on=review, at_review=True)})
        last_day = review
    else:
        first = prior[0] if prior else (plan.dose_dates_in(index) or [loading.starts_on])[0]
        revised = loading.model_copy(update={"end": loading_end(change.weeks)})
        last_day = weeks.after(first) - _ONE_DAY
    if last_day < effective_from - _ONE_DAY:
        raise NotApplicableError(
            f"a {change.weeks}-week loading would have ended on {last_day}, before "
            f"effective_from {effective_from}: end the loading phase instead"
        )
    revised = revised.model_copy(
        update={
            "description": f"{loading.description.split(';')[0]}; {change.weeks} weeks "
            f"(adjusted from {effective_from.isoformat()})"
        }
    )
    return _replan(
        plan,
        unchanged_phases=plan.phases[:index],
        unchanged_doses=kept,
        regenerate=[revised, *plan.phases[index + 1 :]],
        prior=prior,
        not_before=max(effective_from, loading.starts_on),
        context=context,
    )


def _add_checks(
    plan: Plan, change: AddChecks, *, effective_from: date, context: PlanningContext
) -> Plan:
    check = added_check(
        plan_id=plan.plan_id,
        loinc_codes=list(change.loinc_codes),
        due_on=effective_from + timedelta(days=change.within_days),
        purpose=change.purpose,
        calendar=context.calendar,
    )
    if any(existing.check_id == check.check_id for existing in plan.lab_checks):
        raise NotApplicableError(f"these tests are already scheduled on {check.due_on}")
    checks = sorted([*plan.lab_checks, check], key=lambda c: (c.due_on, c.purpose))
    return plan.model_copy(update={"lab_checks": checks})


def _replan(
    plan: Plan,
    *,
    unchanged_phases: Sequence[PlannedPhase],
    unchanged_doses: Sequence[ScheduledDose],
    regenerate: Sequence[PlannedPhase],
    prior: Sequence[date],
    not_before: date,
    context: PlanningContext,
) -> Plan:
    until = plan.horizon_until or plan.start_date
    resolved, placed = schedule_phases(
        regenerate,
        first_index=len(unchanged_phases),
        not_before=not_before,
        prior=prior,
        context=context.schedule_context(until=until),
    )
    phases = [*unchanged_phases, *resolved]
    doses = [*unchanged_doses, *make_doses(plan.plan_id, phases=phases, placed=placed)]
    return plan.model_copy(update={"phases": phases, "doses": doses})


def _loading_index(plan: Plan) -> int:
    index = first_phase_index(plan.phases, Phase.LOADING)
    if index is None:
        raise NotApplicableError(f"protocol {plan.protocol_id} has no loading phase")
    return index


def _last_maintenance_index(plan: Plan) -> int:
    for index in range(len(plan.phases) - 1, -1, -1):
        phase = plan.phases[index]
        if phase.phase == Phase.MAINTENANCE:
            if phase.route == "oral" or not isinstance(phase.frequency, Every):
                raise NotApplicableError(
                    "the maintenance interval applies to injections given at an interval; this "
                    f"plan's maintenance is {phase.description!r}"
                )
            return index
    raise NotApplicableError(f"protocol {plan.protocol_id} has no maintenance phase")


def _check_doses_increase(doses: Sequence[ScheduledDose]) -> None:
    for before, after in pairwise(doses):
        if after.due_on <= before.due_on:
            raise PlannerError(f"internal: doses out of order ({before.due_on}, {after.due_on})")
