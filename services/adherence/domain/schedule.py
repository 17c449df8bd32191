"""Adherence's copy of each schedule: created, adjusted (history kept) and cancelled.

An adjustment supersedes the open doses due on or after ``effective_from`` and adds the
replacement doses. Doses with something recorded (an administration, or a declared miss) are
history and stay as they are, even on or after ``effective_from``: the miss happened under the
schedule in force at the time, and erasing it would hide it from figures and rules. Applying the
same adjustment twice changes nothing (replacement doses are never superseded by their own
adjustment, and a dose id already stored is not added again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from services.adherence.domain.model import DoseLifecycle, TrackedDose, TrackedPlan
from shared.contracts import Phase, PlanAdjusted, PlanCancelled, PlanCreated


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduleChange:
    """A plan and its doses after a plan event, with what changed."""

    plan: TrackedPlan
    doses: tuple[TrackedDose, ...]
    """Every dose of the plan after the change, history included."""
    added: tuple[TrackedDose, ...] = ()
    superseded: tuple[TrackedDose, ...] = ()
    cancelled: tuple[TrackedDose, ...] = ()


def track_plan(created: PlanCreated) -> ScheduleChange:
    """Adherence's copy of a newly created plan and its scheduled doses."""
    plan = TrackedPlan(
        plan_id=created.plan_id,
        patient_id=created.patient_id,
        timezone=created.timezone,
        indication=created.indication,
        neurological_involvement=created.neurological_involvement,
        start_date=created.start_date,
        phases=tuple(created.phases),
    )
    doses = tuple(TrackedDose(plan_id=created.plan_id, scheduled=dose) for dose in created.doses)
    return ScheduleChange(plan=plan, doses=doses, added=doses)


def apply_adjustment(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, adjustment: PlanAdjusted
) -> ScheduleChange:
    """Supersede the open doses from ``effective_from`` on and add the replacement schedule."""
    _require_same_plan(plan, adjustment.plan_id)
    if plan.cancelled:
        # A cancelled plan expects nothing more; a late adjustment must not revive it.
        return ScheduleChange(plan=plan, doses=tuple(doses))
    replacement_ids = {dose.dose_id for dose in adjustment.doses}
    superseded: list[TrackedDose] = []
    kept: list[TrackedDose] = []
    for dose in doses:
        if (
            dose.is_open
            and dose.due_on >= adjustment.effective_from
            and dose.dose_id not in replacement_ids
        ):
            changed = replace(
                dose, lifecycle=DoseLifecycle.SUPERSEDED, changed_by=adjustment.adjustment_id
            )
            superseded.append(changed)
            kept.append(changed)
        else:
            kept.append(dose)
    known_ids = {dose.dose_id for dose in doses}
    added = tuple(
        TrackedDose(plan_id=plan.plan_id, scheduled=dose)
        for dose in adjustment.doses
        if dose.dose_id not in known_ids
    )
    phases = plan.phases
    if adjustment.phases:
        # The adjustment describes the phases from effective_from on; earlier ones are history.
        earlier = tuple(p for p in plan.phases if p.starts_on < adjustment.effective_from)
        phases = earlier + tuple(adjustment.phases)
    return ScheduleChange(
        plan=replace(plan, phases=phases),
        doses=tuple(kept) + added,
        added=added,
        superseded=tuple(superseded),
    )


def cancel_plan(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, cancellation: PlanCancelled
) -> ScheduleChange:
    """Cancel the plan and its open doses, so nothing more is matched, missed or flagged."""
    _require_same_plan(plan, cancellation.plan_id)
    if plan.cancelled:
        return ScheduleChange(plan=plan, doses=tuple(doses))
    # Open doses include ones whose window has closed but which the sweeper has not declared
    # yet: a cancelled plan must not raise new misses, so cancellation wins over them.
    cancelled = [replace(dose, lifecycle=DoseLifecycle.CANCELLED) for dose in doses if dose.is_open]
    by_id = {dose.dose_id: dose for dose in cancelled}
    return ScheduleChange(
        plan=replace(plan, cancelled_at=cancellation.occurred_at),
        doses=tuple(by_id.get(dose.dose_id, dose) for dose in doses),
        cancelled=tuple(cancelled),
    )


def maintenance_starts_on(plan: TrackedPlan, doses: Sequence[TrackedDose]) -> date | None:
    """When maintenance starts: its phase's start date, else its first scheduled dose's date."""
    phase_starts = [p.starts_on for p in plan.phases if p.phase is Phase.MAINTENANCE]
    if phase_starts:
        return min(phase_starts)
    dose_dates = [
        d.due_on
        for d in doses
        if d.plan_id == plan.plan_id
        and d.phase is Phase.MAINTENANCE
        and d.lifecycle is not DoseLifecycle.SUPERSEDED
    ]
    return min(dose_dates, default=None)


def _require_same_plan(plan: TrackedPlan, plan_id: UUID) -> None:
    if plan.plan_id != plan_id:
        raise ValueError(f"event for plan {plan_id} applied to plan {plan.plan_id}")
