"""Adherence's event handlers: load via the store, decide in the domain, persist."""

from __future__ import annotations

from collections.abc import Sequence

from services.adherence import store
from shared.contracts import PlanCreated
from shared.db.types import Connection
from shared.messaging.records import Inbound, Rejection
from shared.observability.tracing import each_traced


async def handle_batch(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
    """Apply plan events in order inside the consumer's transaction."""
    for inbound in each_traced(batch, service="adherence"):
        event = inbound.event
        if isinstance(event, PlanCreated) and await store.insert_plan(conn, event):
            await store.insert_doses(
                conn, plan_id=event.plan_id, patient_id=event.patient_id, doses=event.doses
            )
    return []
