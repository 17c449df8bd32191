"""The escalation sweeper: unacknowledged alerts climb their team's ladder at the set time."""

from __future__ import annotations

import logging
from datetime import datetime

from services.notifier import delivery_store, store
from services.notifier.domain import (
    Alert,
    Escalation,
    deliveries_for,
    due_escalations,
    next_escalation_at,
)
from services.notifier.runtime import NotifierRuntime, notifier_runtime
from services.notifier.stream import in_app_messages, notify
from shared.db.types import Connection
from shared.runtime import ServiceRuntime, Sweeper

log = logging.getLogger(__name__)

ACTOR = "notifier:escalation"


async def sweep_escalations(runtime: ServiceRuntime, now: datetime) -> int:
    """Escalate every alert due at ``now`` by one level; returns how many escalated."""
    notifier = notifier_runtime(runtime)
    config = notifier.config
    async with notifier.pool.acquire() as conn, conn.transaction():
        # Locked rows: a second instance's sweeper skips them, a staff action waits for us.
        alerts = await store.alerts_due_for_escalation(
            conn, now=now, limit=notifier.notifier_settings.escalation_batch_size
        )
        due = {e.alert_id: e for e in due_escalations(alerts, now=now, config=config)}
        for alert in alerts:
            escalation = due.get(alert.alert_id)
            if escalation is None:
                # The configuration changed under it (team removed, ladder shortened).
                await store.set_next_escalation(
                    conn, alert.alert_id, next_escalation_at(alert, config=config)
                )
                continue
            await _escalate(conn, alert, escalation, now=now, notifier=notifier)
    if due:
        notifier.wake_deliveries()
        notifier.notifier_metrics.alerts.labels("escalated").inc(len(due))
    return len(due)


async def _escalate(
    conn: Connection,
    alert: Alert,
    escalation: Escalation,
    *,
    now: datetime,
    notifier: NotifierRuntime,
) -> None:
    config = notifier.config
    new = await store.insert_escalation(conn, escalation)
    if not await store.update_alert(
        conn,
        escalation.alert,
        expected_revision=alert.revision,
        next_escalation_at=next_escalation_at(escalation.alert, config=config),
        now=now,
    ):
        raise RuntimeError(f"alert {alert.alert_id} changed while locked")
    if not new:
        # This team's level was already told (the alert moved teams and came back).
        return
    await store.record_action(
        conn,
        alert_id=alert.alert_id,
        kind="escalated",
        actor=ACTOR,
        note=f"level {escalation.level}: {escalation.recipient}",
        at=now,
    )
    deliveries = await delivery_store.insert_deliveries(
        conn, deliveries_for(escalation, config=config), now=now
    )
    await notify(conn, notifier.stream.channel, in_app_messages(deliveries))
    log.info(
        "alert escalated",
        extra={"alert_id": str(alert.alert_id), "level": escalation.level, "team": escalation.team},
    )


def escalation_sweeper(interval_s: float) -> Sweeper:
    """The sweeper as the shared runtime runs it."""
    return Sweeper(name="escalations", interval_s=interval_s, run=sweep_escalations)
