"""Staff actions on an alert: acknowledge and resolve, audited, in one short transaction."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.notifier import store
from services.notifier.domain import (
    AlertResolvedError,
    Transition,
    acknowledge,
    next_escalation_at,
    resolve,
)
from services.notifier.runtime import NotifierRuntime
from services.notifier.stream import notify, status_message
from shared.http import Conflict, NotFound

StaffAction = Literal["acknowledge", "resolve"]


async def act_on_alert(
    notifier: NotifierRuntime,
    alert_id: UUID,
    *,
    action: StaffAction,
    by: str,
    principal: str,
    note: str | None,
    now: datetime,
) -> Transition:
    """Apply a staff action (``principal``: who was authenticated); a repeat changes nothing."""
    decide = acknowledge if action == "acknowledge" else resolve
    async with notifier.pool.acquire() as conn, conn.transaction():
        alert = await store.alert_for_update(conn, alert_id)
        if alert is None:
            raise NotFound(f"alert {alert_id} does not exist")
        try:
            transition = decide(alert, by=by, note=note, now=now)
        except AlertResolvedError as exc:
            raise Conflict(str(exc)) from exc
        if transition.changed:
            if not await store.update_alert(
                conn,
                transition.alert,
                expected_revision=alert.revision,
                next_escalation_at=next_escalation_at(transition.alert, config=notifier.config),
                now=now,
            ):
                raise RuntimeError(f"alert {alert_id} changed while locked")
            event = f"alert.{transition.action.kind}"
            message = status_message(transition.alert, event=event, by=transition.action.by)
            await notify(conn, notifier.stream.channel, [message])
        await store.record_action(
            conn,
            alert_id=alert_id,
            kind=transition.action.kind,
            actor=transition.action.by,
            note=transition.action.note,
            at=now,
            principal=principal,
        )
    notifier.notifier_metrics.alerts.labels(transition.action.kind).inc()
    return transition
