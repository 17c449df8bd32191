"""The ``treatment.flags`` handler: a flag opens an alert or becomes an occurrence of one."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from services.notifier import delivery_store, store
from services.notifier.domain import (
    NewAlert,
    NotifierConfig,
    decide_on_flag,
    deliveries_for,
    next_escalation_at,
)
from services.notifier.runtime import notifier_runtime
from services.notifier.stream import in_app_messages, notify
from shared.contracts import ResponseFlagged
from shared.db.types import Connection
from shared.messaging.consumer import BatchHandler
from shared.messaging.records import Inbound, Rejection
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)

FlagOutcome = Literal["opened", "occurrence_recorded", "severity_raised", "duplicate_flag"]


async def apply_flag(
    conn: Connection,
    flag: ResponseFlagged,
    *,
    now: datetime,
    config: NotifierConfig,
    stream_channel: str,
) -> FlagOutcome:
    """Record one flag: alert or occurrence, audit row, deliveries and stream notice, together."""
    # The inbox already dropped a redelivered event; this drops the same flag re-issued by its
    # producer under a new event id, which must not count as a second occurrence.
    if await store.flag_seen(conn, flag.flag_id):
        return "duplicate_flag"
    await store.lock_patient_reason(conn, patient_id=flag.patient_id, reason=flag.reason.value)
    existing = await store.open_alert_for_update(
        conn, patient_id=flag.patient_id, reason=flag.reason.value
    )
    decision = decide_on_flag(existing, flag, now=now, config=config)
    alert = decision.alert
    next_at = next_escalation_at(alert, config=config)
    outcome: FlagOutcome
    if isinstance(decision, NewAlert):
        if not await store.insert_alert(conn, alert, next_escalation_at=next_at, now=now):
            return "duplicate_flag"
        await store.insert_occurrence(conn, decision.occurrence)
        outcome = "opened"
    else:
        assert existing is not None
        if not await store.insert_occurrence(conn, decision.occurrence):
            return "duplicate_flag"
        # The row is locked (FOR UPDATE), so the revision cannot have moved.
        if not await store.update_alert(
            conn, alert, expected_revision=existing.revision, next_escalation_at=next_at, now=now
        ):
            raise RuntimeError(f"alert {alert.alert_id} changed while locked")
        outcome = "severity_raised" if decision.severity_raised else "occurrence_recorded"
    await store.record_action(
        conn,
        alert_id=alert.alert_id,
        kind=outcome,
        actor=f"{flag.raised_by}:{flag.rule_id}",
        at=now,
    )
    deliveries = await delivery_store.insert_deliveries(
        conn, deliveries_for(decision, config=config), now=now
    )
    await notify(conn, stream_channel, in_app_messages(deliveries))
    return outcome


def flag_handler(runtime: ServiceRuntime) -> BatchHandler:
    """The consumer's handler for ``treatment.flags``, bound to the notifier's runtime."""
    notifier = notifier_runtime(runtime)

    async def handle_flags(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
        """Apply each flag in order inside the consumer's transaction."""
        now = notifier.clock()
        for inbound in batch:
            flag = inbound.event
            if not isinstance(flag, ResponseFlagged):
                continue  # the consumer only accepts ResponseFlagged on this topic
            outcome = await apply_flag(
                conn,
                flag,
                now=now,
                config=notifier.config,
                stream_channel=notifier.stream.channel,
            )
            # Counted before the commit: a retried batch may count twice (metrics, not state).
            notifier.notifier_metrics.alerts.labels(outcome).inc()
            log.info(
                "flag applied",
                extra={
                    "outcome": outcome,
                    "flag_id": str(flag.flag_id),
                    "patient_id": flag.patient_id,
                },
            )
        return []

    return handle_flags
