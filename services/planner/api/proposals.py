"""Changing plans: proposals staff approve or reject, and clinicians' direct adjustments."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter

from services.planner import commands, store
from services.planner.api.plans import PLAN_NOT_FOUND, PlannerDep
from services.planner.api.schemas import (
    AdjustmentRequest,
    AdjustmentResult,
    AdjustmentView,
    ApproveRequest,
    ProposalStatus,
    ProposalView,
    RejectRequest,
)
from services.planner.domain import Adjustment
from shared.http import NotFound, PoolDep
from shared.security import ClinicOrStaffActor, Reader, StaffActor

router = APIRouter(tags=["adjustments"])

DECISION_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Unknown plan or proposal"},
    409: {"description": "The proposal was already decided, or the plan is cancelled"},
}


@router.get("/plans/{plan_id}/proposals", responses=PLAN_NOT_FOUND)
async def get_proposals(
    plan_id: UUID, pool: PoolDep, _: Reader, status: ProposalStatus | None = None
) -> list[ProposalView]:
    """The plan's proposals, oldest first (optionally only those with ``status``)."""
    if await store.plan_row(pool, plan_id) is None:
        raise NotFound(f"plan {plan_id} does not exist")
    rows = await store.proposal_rows(pool, plan_id, status=status)
    return [ProposalView.of(row) for row in rows]


@router.post("/plans/{plan_id}/proposals/{proposal_id}/approve", responses=DECISION_ERRORS)
async def approve_proposal(
    plan_id: UUID,
    proposal_id: UUID,
    planner: PlannerDep,
    actor: StaffActor,
    body: ApproveRequest | None = None,
) -> AdjustmentResult:
    """Apply a pending proposal (from today at the earliest) and publish PlanAdjusted."""
    adjustment, row = await commands.approve(
        planner, plan_id, proposal_id, note=body.note if body else None, actor=actor
    )
    return _result(adjustment, row)


@router.post("/plans/{plan_id}/proposals/{proposal_id}/reject", responses=DECISION_ERRORS)
async def reject_proposal(
    plan_id: UUID, proposal_id: UUID, body: RejectRequest, planner: PlannerDep, actor: StaffActor
) -> ProposalView:
    """Reject a pending proposal, recording why; the plan does not change."""
    row = await commands.reject(planner, plan_id, proposal_id, reason=body.reason, actor=actor)
    return ProposalView.of(row)


@router.post(
    "/plans/{plan_id}/adjustments",
    status_code=201,
    responses={**PLAN_NOT_FOUND, 409: {"description": "The plan is cancelled"}},
)
async def adjust_plan(
    plan_id: UUID, body: AdjustmentRequest, planner: PlannerDep, actor: ClinicOrStaffActor
) -> AdjustmentResult:
    """A clinician's direct change (interval, end loading, loading length, extra checks)."""
    adjustment, row = await commands.adjust_plan(
        planner,
        plan_id,
        change=body.change,
        effective_from=body.effective_from,
        reason=body.reason,
        actor=actor,
    )
    return _result(adjustment, row)


@router.get("/plans/{plan_id}/adjustments", responses=PLAN_NOT_FOUND)
async def get_adjustments(plan_id: UUID, pool: PoolDep, _: Reader) -> list[AdjustmentView]:
    """Every adjustment of the plan, in order, with who decided it."""
    if await store.plan_row(pool, plan_id) is None:
        raise NotFound(f"plan {plan_id} does not exist")
    rows = await store.adjustment_rows(pool, plan_id)
    return [AdjustmentView.model_validate(dict(row)) for row in rows]


def _result(adjustment: Adjustment, row: Any) -> AdjustmentResult:
    return AdjustmentResult.model_validate(
        {
            **dict(row),
            "phases": adjustment.phases,
            "doses": adjustment.doses,
            "lab_checks": adjustment.lab_checks,
            "review_on": adjustment.plan.review_on,
            "horizon_until": adjustment.plan.horizon_until,
        }
    )
