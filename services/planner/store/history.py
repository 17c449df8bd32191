"""Adjustments and the audit trail: what changed a plan, and who did what to it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.planner.domain import Adjustment, PlanChange
from shared.db.types import Connection, Executor

AuditAction = Literal[
    "plan_created",
    "plan_cancelled",
    "plan_adjusted",
    "proposal_raised",
    "proposal_approved",
    "proposal_rejected",
]


async def insert_adjustment(
    conn: Connection,
    adjustment: Adjustment,
    *,
    change: PlanChange | None,
    proposal_id: UUID | None,
    actor: str,
    event_id: UUID,
    now: datetime,
) -> None:
    """Record an adjustment as published (PlanAdjusted ``event_id``), with its decider."""
    await conn.execute(
        "insert into adjustments (adjustment_id, plan_id, revision, effective_from, reason_kind,"
        " reason, change, flag_id, proposal_id, actor, event_id, created_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        adjustment.adjustment_id,
        adjustment.plan.plan_id,
        adjustment.plan.revision,
        adjustment.effective_from,
        adjustment.reason_kind,
        adjustment.reason,
        change.model_dump(mode="json") if change is not None else None,
        adjustment.flag_id,
        proposal_id,
        actor,
        event_id,
        now,
    )


_SELECT_ADJUSTMENT = (
    "select adjustment_id, plan_id, revision, effective_from, reason_kind, reason, change,"
    " flag_id, proposal_id, actor, created_at from adjustments"
)


async def adjustment_rows(executor: Executor, plan_id: UUID) -> list[Any]:
    """A plan's adjustments in the order they were made."""
    return list(
        await executor.fetch(_SELECT_ADJUSTMENT + " where plan_id = $1 order by revision", plan_id)
    )


async def adjustment_row(executor: Executor, adjustment_id: UUID) -> Any | None:
    """One adjustment, or None."""
    return await executor.fetchrow(_SELECT_ADJUSTMENT + " where adjustment_id = $1", adjustment_id)


async def record(
    conn: Connection,
    *,
    plan_id: UUID,
    action: AuditAction,
    actor: str,
    at: datetime,
    proposal_id: UUID | None = None,
    adjustment_id: UUID | None = None,
    note: str | None = None,
) -> None:
    """Append one entry to the audit trail."""
    await conn.execute(
        "insert into audit_log (plan_id, action, actor, at, proposal_id, adjustment_id, note)"
        " values ($1, $2, $3, $4, $5, $6, $7)",
        plan_id,
        action,
        actor,
        at,
        proposal_id,
        adjustment_id,
        note,
    )


async def audit_rows(executor: Executor, plan_id: UUID) -> list[Any]:
    """A plan's audit trail, oldest first."""
    return list(
        await executor.fetch(
            "select at, actor, action, proposal_id, adjustment_id, note from audit_log"
            " where plan_id = $1 order by id",
            plan_id,
        )
    )
