"""The ``treatment.flags`` handler: a flag suggesting an action becomes a proposal for its plan."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

from services.planner import store
from services.planner.domain import propose_from_flag
from services.planner.effects import record_proposal
from services.planner.runtime import PlannerRuntime, planner_runtime
from shared.contracts import ResponseFlagged
from shared.db.types import Connection
from shared.messaging.consumer import BatchHandler
from shared.messaging.records import Inbound, Rejection
from shared.observability.tracing import each_traced
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

FlagOutcome = Literal[
    "proposed", "already_proposed", "no_suggested_action", "no_active_plan", "not_proposed"
]


async def apply_flag(
    conn: Connection, flag: ResponseFlagged, *, planner: PlannerRuntime
) -> FlagOutcome:
    """Turn one flag into a proposal for its active plan; anything else is ignored, not an error."""
    if flag.suggested_action is None:
        return "no_suggested_action"
    row = await _plan_of(conn, flag)
    if row is None:
        return "no_active_plan"
    plan = store.plan_from_row(row)
    proposal = propose_from_flag(
        plan, flag, today=planner.today(plan.timezone), context=planner.context
    )
    if proposal is None:
        return "not_proposed"
    created = await record_proposal(
        conn, proposal, actor=f"{flag.raised_by}:{flag.rule_id}", now=planner.clock()
    )
    return "proposed" if created else "already_proposed"


async def _plan_of(conn: Connection, flag: ResponseFlagged) -> Any | None:
    """The active plan the flag concerns (checked against its patient), locked."""
    plan_id = flag.plan_id
    if plan_id is None:
        # No plan named: the patient's only active plan is unambiguous; several are not guessed at.
        rows = await store.plan_rows_of_patient(conn, flag.patient_id, status="active")
        if len(rows) != 1:
            return None
        plan_id = rows[0]["plan_id"]
    # Locked so a cancellation waits for the proposal (and then rejects it) or comes first.
    row = await store.plan_row_for_update(conn, plan_id)
    if row is None or row["status"] != "active" or row["patient_id"] != flag.patient_id:
        return None
    return row


def flag_handler(runtime: ServiceRuntime) -> BatchHandler:
    """The consumer's handler for ``treatment.flags``, bound to the planner's runtime."""
    planner = planner_runtime(runtime)

    async def handle_flags(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
        """Apply each flag in order inside the consumer's transaction."""
        for inbound in each_traced(batch, service="planner"):
            flag = inbound.event
            if not isinstance(flag, ResponseFlagged):
                continue  # the consumer only accepts ResponseFlagged on this topic
            outcome = await apply_flag(conn, flag, planner=planner)
            log.info(
                "flag applied",
                extra={
                    "outcome": outcome,
                    "flag_id": str(flag.flag_id),
                    "reason": flag.reason.value,
                    "plan_id": str(flag.plan_id) if flag.plan_id else None,
                },
            )
        return []

    return handle_flags
