"""What the API asks of the planner: each command is one transaction, then the relay is woken."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from services.planner import store
from services.planner.domain import (
    Adjustment,
    PlanChange,
    PlannerError,
    PlanRequest,
    apply_adjustment,
    approve_proposal,
    build_plan,
)
from services.planner.effects import envelope, publish, record_adjustment
from services.planner.runtime import PlannerRuntime
from shared.contracts import PlanCancelled, PlanCreated
from shared.db.types import Connection
from shared.http import Conflict, DomainError, NotFound
from shared.security import Principal

CANCELLED_PROPOSAL_REASON = "The plan was cancelled."


@contextmanager
def domain_errors() -> Iterator[None]:
    """Turn a rule the request breaks into a 422 whose detail is the domain's own message."""
    try:
        yield
    except PlannerError as exc:
        raise DomainError(str(exc)) from None


async def create_plan(planner: PlannerRuntime, request: PlanRequest, *, actor: Principal) -> Any:
    """Build and store a plan, queue PlanCreated; returns the stored row."""
    settings = planner.planner_settings
    timezone = request.timezone or settings.rules.default_timezone
    today = planner.today(timezone)
    earliest = today - timedelta(days=settings.max_start_days_in_past)
    latest = today + timedelta(days=settings.max_start_days_ahead)
    if not earliest <= request.start_date <= latest:
        raise DomainError(
            f"start_date {request.start_date} is outside {earliest}..{latest}: a plan may start "
            f"at most {settings.max_start_days_in_past} days before today ({today}, {timezone}) "
            f"and at most {settings.max_start_days_ahead} days after"
        )
    with domain_errors():
        plan = build_plan(request, plan_id=uuid4(), today=today, context=planner.context)
    now = planner.clock()
    async with planner.pool.acquire() as conn, conn.transaction():
        if not await store.insert_plan(conn, plan, actor=actor.subject, now=now):
            existing = await store.active_plan_id(
                conn, patient_id=plan.patient_id, indication=plan.indication.value
            )
            raise Conflict(
                f"patient {plan.patient_id} already has an active plan ({existing}) for "
                f"{plan.indication.value}: cancel it before creating another"
            )
        await store.record(
            conn, plan_id=plan.plan_id, action="plan_created", actor=actor.subject, at=now
        )
        event = PlanCreated(
            **envelope(patient_id=plan.patient_id, now=now), **plan.plan_created_fields()
        )
        await publish(conn, planner.topics.plans, event)
        row = await store.plan_row(conn, plan.plan_id)
    planner.wake_relay()
    return row


async def cancel_plan(
    planner: PlannerRuntime, plan_id: UUID, *, reason: str, actor: Principal
) -> Any:
    """Cancel an active plan, reject its pending proposals, queue PlanCancelled."""
    now = planner.clock()
    async with planner.pool.acquire() as conn, conn.transaction():
        row = await _active_plan_for_update(conn, plan_id)
        await store.cancel_plan(conn, plan_id, actor=actor.subject, reason=reason, now=now)
        for proposal_id in await store.reject_pending(
            conn, plan_id, actor=actor.subject, reason=CANCELLED_PROPOSAL_REASON, now=now
        ):
            await store.record(
                conn,
                plan_id=plan_id,
                action="proposal_rejected",
                actor=actor.subject,
                at=now,
                proposal_id=proposal_id,
                note=CANCELLED_PROPOSAL_REASON,
            )
        await store.record(
            conn, plan_id=plan_id, action="plan_cancelled", actor=actor.subject, at=now, note=reason
        )
        event = PlanCancelled(
            **envelope(patient_id=row["patient_id"], now=now), plan_id=plan_id, reason=reason
        )
        await publish(conn, planner.topics.plans, event)
        cancelled = await store.plan_row(conn, plan_id)
    planner.wake_relay()
    return cancelled


async def adjust_plan(
    planner: PlannerRuntime,
    plan_id: UUID,
    *,
    change: PlanChange,
    effective_from: date | None,
    reason: str,
    actor: Principal,
) -> tuple[Adjustment, Any]:
    """Apply a clinician's change and queue PlanAdjusted; returns it and the adjustment row."""
    now = planner.clock()
    async with planner.pool.acquire() as conn, conn.transaction():
        plan = store.plan_from_row(await _active_plan_for_update(conn, plan_id))
        today = planner.today(plan.timezone)
        start = effective_from or today
        if start < today:
            raise DomainError(
                f"effective_from {start} is before today ({today}, {plan.timezone}): doses "
                "already due are history and are not rescheduled"
            )
        with domain_errors():
            adjustment = apply_adjustment(
                plan,
                change=change,
                effective_from=start,
                reason=reason,
                reason_kind="clinician",
                context=planner.context,
            )
        await record_adjustment(
            conn,
            adjustment,
            previous_revision=plan.revision,
            change=change,
            proposal_id=None,
            actor=actor.subject,
            topic=planner.topics.plans,
            now=now,
        )
        row = await _adjustment_row(conn, adjustment.adjustment_id)
    planner.wake_relay()
    return adjustment, row


async def approve(
    planner: PlannerRuntime,
    plan_id: UUID,
    proposal_id: UUID,
    *,
    note: str | None,
    actor: Principal,
) -> tuple[Adjustment, Any]:
    """Apply a pending proposal to the plan as it is now and queue PlanAdjusted."""
    now = planner.clock()
    async with planner.pool.acquire() as conn, conn.transaction():
        plan_row = await _plan_for_update(conn, plan_id)
        proposal_row = await _pending_proposal_for_update(conn, plan_id, proposal_id)
        if plan_row["status"] != "active":
            raise Conflict(f"plan {plan_id} is {plan_row['status']}")
        plan = store.plan_from_row(plan_row)
        proposal = store.proposal_from_row(proposal_row)
        # Approved later than proposed: the change starts today at the earliest, so doses
        # already due are never rewritten.
        today = planner.today(plan.timezone)
        if proposal.effective_from < today:
            proposal = proposal.model_copy(update={"effective_from": today})
        with domain_errors():
            adjustment = approve_proposal(plan, proposal, context=planner.context)
        await record_adjustment(
            conn,
            adjustment,
            previous_revision=plan.revision,
            change=proposal.change,
            proposal_id=proposal_id,
            actor=actor.subject,
            topic=planner.topics.plans,
            now=now,
        )
        await store.decide(
            conn,
            proposal_id,
            decision="approved",
            actor=actor.subject,
            reason=note,
            adjustment_id=adjustment.adjustment_id,
            now=now,
        )
        await store.record(
            conn,
            plan_id=plan_id,
            action="proposal_approved",
            actor=actor.subject,
            at=now,
            proposal_id=proposal_id,
            adjustment_id=adjustment.adjustment_id,
            note=note,
        )
        row = await _adjustment_row(conn, adjustment.adjustment_id)
    planner.wake_relay()
    return adjustment, row


async def reject(
    planner: PlannerRuntime,
    plan_id: UUID,
    proposal_id: UUID,
    *,
    reason: str,
    actor: Principal,
) -> Any:
    """Record why a pending proposal is rejected; the plan does not change."""
    now = planner.clock()
    async with planner.pool.acquire() as conn, conn.transaction():
        await _plan_for_update(conn, plan_id)
        await _pending_proposal_for_update(conn, plan_id, proposal_id)
        await store.decide(
            conn,
            proposal_id,
            decision="rejected",
            actor=actor.subject,
            reason=reason,
            adjustment_id=None,
            now=now,
        )
        await store.record(
            conn,
            plan_id=plan_id,
            action="proposal_rejected",
            actor=actor.subject,
            at=now,
            proposal_id=proposal_id,
            note=reason,
        )
        return await store.proposal_row(conn, plan_id=plan_id, proposal_id=proposal_id)


async def _plan_for_update(conn: Connection, plan_id: UUID) -> Any:
    row = await store.plan_row_for_update(conn, plan_id)
    if row is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return row


async def _active_plan_for_update(conn: Connection, plan_id: UUID) -> Any:
    row = await _plan_for_update(conn, plan_id)
    if row["status"] != "active":
        raise Conflict(f"plan {plan_id} is {row['status']}")
    return row


async def _pending_proposal_for_update(conn: Connection, plan_id: UUID, proposal_id: UUID) -> Any:
    row = await store.proposal_row_for_update(conn, plan_id=plan_id, proposal_id=proposal_id)
    if row is None:
        raise NotFound(f"plan {plan_id} has no proposal {proposal_id}")
    if row["status"] != "proposed":
        raise Conflict(
            f"proposal {proposal_id} was already {row['status']} by {row['decided_by']} "
            f"at {row['decided_at'].isoformat()}"
        )
    return row


async def _adjustment_row(conn: Connection, adjustment_id: UUID) -> Any:
    row = await store.adjustment_row(conn, adjustment_id)
    assert row is not None, "written in this transaction"
    return row
