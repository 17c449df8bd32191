"""Proposals: functions take a connection so the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from services.planner.domain import Proposal
from shared.db.types import Connection, Executor

Decision = Literal["approved", "rejected"]

_COLUMNS = (
    "proposal_id, plan_id, flag_id, change, effective_from, reason_kind, applicable, summary,"
    " reasons, removed_doses, added_doses, status, created_at, created_by, decided_at,"
    " decided_by, decision_reason, adjustment_id"
)
_SELECT = f"select {_COLUMNS} from proposals"  # noqa: S608 (fixed column names)
_DOMAIN_FIELDS = tuple(Proposal.model_fields)


def proposal_from_row(row: Any) -> Proposal:
    """The domain proposal stored in a row (status and decision columns are ignored)."""
    return Proposal.model_validate({name: row[name] for name in _DOMAIN_FIELDS})


async def insert_proposal(
    conn: Connection, proposal: Proposal, *, actor: str, now: datetime
) -> bool:
    """Store a new proposal; False when it (or one for the same flag and plan) exists."""
    inserted = await conn.fetchval(
        "insert into proposals (proposal_id, plan_id, flag_id, change, effective_from,"
        " reason_kind, applicable, summary, reasons, removed_doses, added_doses, status,"
        " created_at, created_by)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'proposed', $12, $13)"
        " on conflict do nothing returning true",
        proposal.proposal_id,
        proposal.plan_id,
        proposal.flag_id,
        proposal.change.model_dump(mode="json"),
        proposal.effective_from,
        proposal.reason_kind,
        proposal.applicable,
        proposal.summary,
        proposal.reasons,
        proposal.removed_doses,
        proposal.added_doses,
        now,
        actor,
    )
    return bool(inserted)


async def proposal_rows(
    executor: Executor, plan_id: UUID, *, status: str | None = None
) -> list[Any]:
    """A plan's proposals, oldest first, optionally only those with ``status``."""
    return list(
        await executor.fetch(
            _SELECT + " where plan_id = $1 and ($2::text is null or status = $2)"
            " order by created_at, seq",
            plan_id,
            status,
        )
    )


async def proposal_row(executor: Executor, *, plan_id: UUID, proposal_id: UUID) -> Any | None:
    """One proposal of a plan, or None."""
    return await executor.fetchrow(
        _SELECT + " where plan_id = $1 and proposal_id = $2", plan_id, proposal_id
    )


async def proposal_row_for_update(
    conn: Connection, *, plan_id: UUID, proposal_id: UUID
) -> Any | None:
    """One proposal of a plan, locked until the transaction ends."""
    return await conn.fetchrow(
        _SELECT + " where plan_id = $1 and proposal_id = $2 for update", plan_id, proposal_id
    )


async def decide(
    conn: Connection,
    proposal_id: UUID,
    *,
    decision: Decision,
    actor: str,
    reason: str | None,
    adjustment_id: UUID | None,
    now: datetime,
) -> None:
    """Record a pending proposal's approval or rejection, by whom and why."""
    await conn.execute(
        "update proposals set status = $2, decided_at = $3, decided_by = $4,"
        " decision_reason = $5, adjustment_id = $6 where proposal_id = $1"
        " and status = 'proposed'",
        proposal_id,
        decision,
        now,
        actor,
        reason,
        adjustment_id,
    )


async def reject_pending(
    conn: Connection, plan_id: UUID, *, actor: str, reason: str, now: datetime
) -> list[UUID]:
    """Reject every pending proposal of a plan (it was cancelled); returns their ids."""
    rows = await conn.fetch(
        "update proposals set status = 'rejected', decided_at = $2, decided_by = $3,"
        " decision_reason = $4 where plan_id = $1 and status = 'proposed'"
        " returning proposal_id",
        plan_id,
        now,
        actor,
        reason,
    )
    return [row["proposal_id"] for row in rows]
