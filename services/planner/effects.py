"""Writing the planner's decisions: state, audit and outbox events in the caller's transaction.

Shared by the API, the flag handler and the sweeper, so a change is recorded the same way
whoever made it.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from services.planner import store
from services.planner.domain import Adjustment, PlanChange, Proposal
from services.planner.runtime import SOURCE
from shared.contracts import Event, PlanAdjusted
from shared.db.types import Connection
from shared.messaging.outbox import enqueue_events

log = logging.getLogger(__name__)


def envelope(*, patient_id: str, now: datetime) -> dict[str, Any]:
    """The envelope fields of an event the planner publishes now."""
    return {"event_id": uuid4(), "occurred_at": now, "patient_id": patient_id, "source": SOURCE}


async def publish(conn: Connection, topic: str, event: Event) -> None:
    """Write ``event`` to the outbox in the caller's transaction (the relay publishes it)."""
    await enqueue_events(conn, topic, [event])


async def record_adjustment(
    conn: Connection,
    adjustment: Adjustment,
    *,
    previous_revision: int,
    change: PlanChange | None,
    proposal_id: UUID | None,
    actor: str,
    topic: str,
    now: datetime,
) -> PlanAdjusted:
    """Store the adjusted plan and its history, and queue PlanAdjusted; returns the event."""
    plan = adjustment.plan
    event = PlanAdjusted(
        **envelope(patient_id=plan.patient_id, now=now),
        **adjustment.plan_adjusted_fields(),
        proposal_id=proposal_id,
    )
    await store.save_adjusted_plan(conn, plan, previous_revision=previous_revision, now=now)
    await store.replace_schedule(
        conn,
        plan_id=plan.plan_id,
        effective_from=adjustment.effective_from,
        doses=adjustment.doses,
        lab_checks=adjustment.lab_checks,
        revision=plan.revision,
        now=now,
    )
    await store.insert_adjustment(
        conn,
        adjustment,
        change=change,
        proposal_id=proposal_id,
        actor=actor,
        event_id=event.event_id,
        now=now,
    )
    await store.record(
        conn,
        plan_id=plan.plan_id,
        action="plan_adjusted",
        actor=actor,
        at=now,
        proposal_id=proposal_id,
        adjustment_id=adjustment.adjustment_id,
        note=f"{adjustment.reason_kind} from {adjustment.effective_from}: {adjustment.reason}",
    )
    await publish(conn, topic, event)
    log.info(
        "plan adjusted",
        extra={
            "plan_id": str(plan.plan_id),
            "adjustment_id": str(adjustment.adjustment_id),
            "reason_kind": adjustment.reason_kind,
            "revision": plan.revision,
        },
    )
    return event


async def record_proposal(
    conn: Connection, proposal: Proposal, *, actor: str, now: datetime
) -> bool:
    """Store a new proposal and audit it; False when it was already there (nothing written)."""
    if not await store.insert_proposal(conn, proposal, actor=actor, now=now):
        return False
    await store.record(
        conn,
        plan_id=proposal.plan_id,
        action="proposal_raised",
        actor=actor,
        at=now,
        proposal_id=proposal.proposal_id,
        note=proposal.summary,
    )
    log.info(
        "proposal raised",
        extra={
            "plan_id": str(proposal.plan_id),
            "proposal_id": str(proposal.proposal_id),
            "reason_kind": proposal.reason_kind,
            "applicable": proposal.applicable,
        },
    )
    return True
