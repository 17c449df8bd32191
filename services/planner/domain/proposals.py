"""Proposals: plan changes suggested by flags or by a loading phase reaching its review.

Nothing changes until a clinician approves: a proposal carries the change, the date it would
take effect, what it would do to the schedule and why it was raised.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.planner.domain.adjustments import apply_adjustment
from services.planner.domain.changes import (
    AddChecks,
    Adjustment,
    ChangeMaintenanceInterval,
    EndLoading,
    PlanChange,
)
from services.planner.domain.context import PlanningContext
from services.planner.domain.errors import NotApplicableError, PlannerError
from services.planner.domain.ids import proposal_id
from services.planner.domain.plan import Plan, first_phase_index
from services.planner.domain.protocols import Every
from shared.contracts.findings import (
    AddLabChecks,
    EndLoadingPhase,
    ResponseFlagged,
    ShortenMaintenanceInterval,
)
from shared.contracts.plans import AdjustmentKind
from shared.contracts.vocabulary import Phase


class Proposal(BaseModel):
    """A change waiting for a clinician: what, from when, what it would do, and why."""

    model_config = ConfigDict(frozen=True)

    proposal_id: UUID
    plan_id: UUID
    flag_id: UUID | None
    change: PlanChange
    effective_from: date
    reason_kind: AdjustmentKind
    applicable: bool
    summary: str
    reasons: list[str]
    removed_doses: list[date]
    added_doses: list[date]


def propose_from_flag(
    plan: Plan, flag: ResponseFlagged, *, today: date, context: PlanningContext
) -> Proposal | None:
    """Turn a flag's suggested action into a proposal for ``plan``; None when it suggests none."""
    action = flag.suggested_action
    if action is None:
        return None
    if flag.plan_id is not None and flag.plan_id != plan.plan_id:
        raise NotApplicableError(f"flag {flag.flag_id} concerns plan {flag.plan_id}")
    change: PlanChange
    effective_from = today
    reasons = [
        f"{flag.reason.value} raised by {flag.raised_by} ({flag.severity}; rule {flag.rule_id} "
        f"v{flag.rule_version}).",
        flag.recommendation,
    ]
    reasons.extend(
        f"Threshold {t.name}: {t.value:g}{' ' + t.unit if t.unit else ''}."
        for t in flag.evidence.thresholds
    )
    if isinstance(action, ShortenMaintenanceInterval):
        change = ChangeMaintenanceInterval(interval_weeks=action.to_interval_weeks)
    elif isinstance(action, EndLoadingPhase):
        change = EndLoading()
        if action.on is not None:
            effective_from = action.on + timedelta(days=1)
    else:
        assert isinstance(action, AddLabChecks)
        change = AddChecks(
            loinc_codes=list(action.loinc_codes),
            within_days=action.within_days,
            purpose=action.purpose or f"Requested by {flag.reason.value}",
        )
    return _proposal(
        plan,
        change=change,
        effective_from=effective_from,
        reason_kind="flag",
        flag_id=flag.flag_id,
        origin=f"flag/{flag.flag_id}",
        reasons=reasons,
        context=context,
    )


def find_due_loading_reviews(
    plans: Iterable[Plan], *, today: date, context: PlanningContext
) -> list[Proposal]:
    """Proposals to end the loading phase of plans whose loading review date has come."""
    proposals = []
    for plan in plans:
        index = first_phase_index(plan.phases, Phase.LOADING)
        if index is None:
            continue
        loading = plan.phases[index]
        if not loading.at_review or loading.ends_on is None or loading.ends_on > today:
            continue
        proposals.append(
            _proposal(
                plan,
                change=EndLoading(),
                effective_from=loading.ends_on + timedelta(days=1),
                reason_kind="phase_ended",
                flag_id=None,
                origin=f"loading-review/{loading.ends_on.isoformat()}",
                reasons=[
                    f"The loading phase reached its review date {loading.ends_on}: a clinician "
                    "ends it when there is no further improvement [BNF-f].",
                    "If improvement continues, change the loading length instead.",
                ],
                context=context,
            )
        )
    return proposals


def approve_proposal(plan: Plan, proposal: Proposal, *, context: PlanningContext) -> Adjustment:
    """Apply an approved proposal to the plan as it is now (it may have changed since)."""
    return apply_adjustment(
        plan,
        change=proposal.change,
        effective_from=proposal.effective_from,
        reason=f"Approved: {proposal.summary}",
        reason_kind=proposal.reason_kind,
        flag_id=proposal.flag_id,
        context=context,
    )


def _proposal(
    plan: Plan,
    *,
    change: PlanChange,
    effective_from: date,
    reason_kind: AdjustmentKind,
    flag_id: UUID | None,
    origin: str,
    reasons: list[str],
    context: PlanningContext,
) -> Proposal:
    base = {
        "proposal_id": proposal_id(plan.plan_id, origin=origin),
        "plan_id": plan.plan_id,
        "flag_id": flag_id,
        "change": change,
        "effective_from": effective_from,
        "reason_kind": reason_kind,
        "reasons": reasons,
    }
    try:
        preview = apply_adjustment(
            plan,
            change=change,
            effective_from=effective_from,
            reason="preview",
            reason_kind=reason_kind,
            flag_id=flag_id,
            context=context,
        )
    except PlannerError as exc:
        # Not applicable as things stand (e.g. already shorter): recorded, never applied.
        return Proposal(
            **base,
            applicable=False,
            summary=f"Not applicable: {exc}",
            removed_doses=[],
            added_doses=[],
        )
    before = {dose.due_on for dose in plan.doses if dose.due_on >= effective_from}
    after = {dose.due_on for dose in preview.doses}
    return Proposal(
        **base,
        applicable=True,
        summary=_summary(plan, change=change, effective_from=effective_from, preview=preview),
        removed_doses=sorted(before - after),
        added_doses=sorted(after - before),
    )


def _summary(plan: Plan, *, change: PlanChange, effective_from: date, preview: Adjustment) -> str:
    upcoming = [dose.due_on for dose in preview.doses]
    next_dose = f"; next dose {upcoming[0]}" if upcoming else ""
    if isinstance(change, ChangeMaintenanceInterval):
        current = next(p for p in reversed(plan.phases) if p.phase == Phase.MAINTENANCE)
        was = (
            f"every {current.frequency.period.describe()}"
            if isinstance(current.frequency, Every)
            else current.description
        )
        return (
            f"Maintenance every {change.interval_weeks} weeks instead of {was} from "
            f"{effective_from}{next_dose}."
        )
    if isinstance(change, EndLoading):
        return f"End the loading phase on {effective_from - timedelta(days=1)}{next_dose}."
    if isinstance(change, AddChecks):
        added = [c for c in preview.plan.lab_checks if c not in plan.lab_checks]
        due = added[0].due_on if added else effective_from
        return f"Add tests {', '.join(change.loinc_codes)} due {due}."
    return f"Loading phase of {change.weeks} weeks from {effective_from}{next_dose}."
