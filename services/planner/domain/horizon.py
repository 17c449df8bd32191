"""Rolling horizon: open-ended (lifelong) plans list doses a year ahead and roll forward.

A plan never ends by itself: before the listed doses run out (fewer than
``extend_when_days_left`` days remain), the planner publishes PlanAdjusted with the doses after
the current horizon, up to ``horizon_months`` after today.
"""

from __future__ import annotations

from datetime import date, timedelta

from services.planner.domain.calendar import add_months
from services.planner.domain.changes import Adjustment
from services.planner.domain.context import PlanningContext
from services.planner.domain.ids import adjustment_id
from services.planner.domain.plan import Plan, make_doses
from services.planner.domain.schedule import PlacedDose, schedule_phase


def needs_extension(plan: Plan, *, today: date, context: PlanningContext) -> bool:
    """True when the plan is open-ended and its horizon is closer than the configured margin."""
    if plan.horizon_until is None:
        return False
    days_left = (plan.horizon_until - today).days
    return days_left < context.rules.schedule.extend_when_days_left


def extend_horizon(plan: Plan, *, today: date, context: PlanningContext) -> Adjustment | None:
    """The extension of an open-ended plan's schedule when it is due, else None."""
    if plan.horizon_until is None or not needs_extension(plan, today=today, context=context):
        return None
    old_horizon = plan.horizon_until
    new_horizon = max(
        add_months(today, context.rules.schedule.horizon_months), old_horizon + timedelta(days=1)
    )
    index = len(plan.phases) - 1
    phase = plan.phases[index]
    # The open phase is scheduled again from its own start (anchored dates do not drift) and
    # only what lies beyond the doses already published is added.
    dates = schedule_phase(
        phase,
        previous=phase.origin,
        not_before=phase.starts_on,
        prior=(),
        context=context.schedule_context(until=new_horizon),
    )
    last_listed = plan.doses[-1].due_on if plan.doses else None
    new_dates = [
        day for day in dates if day > old_horizon and (last_listed is None or day > last_listed)
    ]
    placed = [PlacedDose(phase_index=index, due_on=day) for day in new_dates]
    revision = plan.revision + 1
    extended = plan.model_copy(
        update={
            "doses": [*plan.doses, *make_doses(plan.plan_id, phases=plan.phases, placed=placed)],
            "horizon_until": new_horizon,
            "revision": revision,
        }
    )
    effective_from = old_horizon + timedelta(days=1)
    return Adjustment(
        plan=extended,
        adjustment_id=adjustment_id(plan.plan_id, revision=revision),
        effective_from=effective_from,
        reason=f"Rolling horizon extended from {old_horizon} to {new_horizon}",
        reason_kind="horizon_extended",
    )
