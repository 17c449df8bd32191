"""The notifier's HTTP API for clinic staff (thin: SQL in the stores, rules in the domain)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.sse import EventSourceResponse, ServerSentEvent

from services.notifier import delivery_store, store
from services.notifier.actions import StaffAction, act_on_alert
from services.notifier.domain import AlertStatus
from services.notifier.runtime import NotifierRuntime, notifier_runtime
from services.notifier.schemas import (
    ActionResult,
    ActionView,
    AlertDetail,
    AlertPage,
    AlertSummary,
    EscalationView,
    OccurrenceView,
    StaffActionRequest,
    TeamName,
    decode_cursor,
    delivery_view,
    encode_cursor,
)
from shared.contracts import FlagReason, FlagSeverity, PatientId
from shared.http import NotFound, PoolDep, RuntimeDep
from shared.security import Principal, Reader, StaffActor

router = APIRouter(tags=["alerts"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown alert"}}


def get_notifier(runtime: RuntimeDep) -> NotifierRuntime:
    """The notifier's runtime (routing, stream, clock)."""
    return notifier_runtime(runtime)


NotifierDep = Annotated[NotifierRuntime, Depends(get_notifier)]


@router.get("/alerts", response_model=AlertPage)
async def list_alerts(
    pool: PoolDep,
    _: Reader,
    status: AlertStatus | None = None,
    severity: FlagSeverity | None = None,
    team: TeamName | None = None,
    patient_id: PatientId | None = None,
    reason: FlagReason | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AlertPage:
    """Alerts matching the filters, newest first, a page at a time."""
    wanted = {"status": status, "severity": severity, "team": team, "patient_id": patient_id}
    wanted["reason"] = reason.value if reason else None
    filters = {column: value for column, value in wanted.items() if value is not None}
    before = decode_cursor(cursor) if cursor else None
    # One row more than asked tells whether another page exists.
    rows = await store.list_alerts(pool, filters=filters, before=before, limit=limit + 1)
    items = [AlertSummary.model_validate(row) for row in rows[:limit]]
    last = items[-1] if len(rows) > limit else None
    next_cursor = encode_cursor(last.opened_at, last.alert_id) if last else None
    return AlertPage(items=items, next_cursor=next_cursor)


@router.get("/alerts/stream", response_class=EventSourceResponse)
async def stream_alerts(
    notifier: NotifierDep,
    _: Reader,
    team: TeamName | None = None,
    severity: FlagSeverity | None = None,
    recipient: TeamName | None = None,
) -> AsyncIterator[ServerSentEvent]:
    """Server-sent events: alerts opened, raised, escalated, acknowledged and resolved, live."""
    async with notifier.stream.subscribe() as subscription:
        # Sent at once so a client knows it is subscribed before anything happens.
        yield ServerSentEvent(comment="subscribed", retry=3000)
        while (message := await subscription.next()) is not None:
            if message["event"] != "resync" and (
                (team and message.get("team") != team)
                or (severity and message.get("severity") != severity)
                or (recipient and message.get("recipient") not in (None, recipient))
            ):
                continue
            yield ServerSentEvent(event=message["event"], id=message["id"], data=message["data"])


@router.get("/alerts/{alert_id}", response_model=AlertDetail, responses=NOT_FOUND)
async def get_alert(alert_id: UUID, pool: PoolDep, _: Reader) -> AlertDetail:
    """One alert with its evidence, occurrences, acknowledgements, escalations and deliveries."""
    row = await store.alert_row(pool, alert_id)
    if row is None:
        raise NotFound(f"alert {alert_id} does not exist")
    history = [ActionView.model_validate(r) for r in await store.actions_of(pool, alert_id)]
    escalate_after = row["escalate_after"]
    return AlertDetail.model_validate(
        row
        | {
            "escalate_after_s": escalate_after.total_seconds() if escalate_after else None,
            "occurrences": [
                OccurrenceView.model_validate(r) for r in await store.occurrences_of(pool, alert_id)
            ],
            "history": history,
            "acknowledgements": [a for a in history if a.kind.startswith("acknowledge")],
            "escalations": [
                EscalationView.model_validate(r) for r in await store.escalations_of(pool, alert_id)
            ],
            "deliveries": [
                delivery_view(r) for r in await delivery_store.deliveries_of(pool, alert_id)
            ],
        }
    )


async def _act(
    notifier: NotifierRuntime,
    alert_id: UUID,
    action: StaffAction,
    body: StaffActionRequest,
    actor: Principal,
) -> ActionResult:
    transition = await act_on_alert(
        notifier,
        alert_id,
        action=action,
        by=body.by,
        principal=actor.subject,
        note=body.note,
        now=notifier.clock(),
    )
    row = await store.alert_row(notifier.pool, alert_id)
    assert row is not None
    return ActionResult(
        action=transition.action.kind,
        changed=transition.changed,
        alert=AlertSummary.model_validate(row),
    )


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=ActionResult,
    responses={**NOT_FOUND, 409: {"description": "The alert is resolved"}},
)
async def acknowledge_alert(
    alert_id: UUID, body: StaffActionRequest, notifier: NotifierDep, actor: StaffActor
) -> ActionResult:
    """Acknowledge an alert (stops its escalation); repeating it is harmless."""
    return await _act(notifier, alert_id, "acknowledge", body, actor)


@router.post(
    "/alerts/{alert_id}/resolve",
    response_model=ActionResult,
    responses={**NOT_FOUND, 409: {"description": "The alert is already resolved"}},
)
async def resolve_alert(
    alert_id: UUID, body: StaffActionRequest, notifier: NotifierDep, actor: StaffActor
) -> ActionResult:
    """Resolve an open or acknowledged alert; the next flag for it opens a new alert."""
    return await _act(notifier, alert_id, "resolve", body, actor)
