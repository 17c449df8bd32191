"""The delivery outbox's SQL: write with the decision, lease, mark, and read the log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from services.notifier.domain import Delivery
from shared.db.types import Connection, Executor


async def insert_deliveries(
    conn: Connection, deliveries: Sequence[Delivery], *, now: datetime
) -> list[Delivery]:
    """Queue deliveries with the decision that caused them; returns those that were new.

    in_app deliveries are sent by being written: the alert is in the API from this commit on,
    and the live stream is notified by the same transaction.
    """
    new: list[Delivery] = []
    for delivery in deliveries:
        in_app = delivery.channel == "in_app"
        inserted = await conn.fetchval(
            "insert into deliveries (delivery_id, alert_id, cause, cause_id, channel, target,"
            " secret_id, level, payload, email_subject, email_body, status, attempts,"
            " next_attempt_at, created_at, delivered_at)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
            " on conflict (delivery_id) do nothing returning true",
            delivery.delivery_id,
            delivery.alert_id,
            delivery.cause,
            delivery.cause_id,
            delivery.channel,
            delivery.target,
            delivery.secret_id,
            delivery.level,
            delivery.body(),
            delivery.email.subject if delivery.email else None,
            delivery.email.body if delivery.email else None,
            "sent" if in_app else "pending",
            1 if in_app else 0,
            now,
            now,
            now if in_app else None,
        )
        if inserted:
            new.append(delivery)
            if in_app:
                await conn.execute(
                    "insert into delivery_attempts (delivery_id, attempt, at, outcome)"
                    " values ($1, 1, $2, 'sent')",
                    delivery.delivery_id,
                    now,
                )
    return new


@dataclass(frozen=True)
class LeasedDelivery:
    """A delivery this worker alone may send until its lease ends."""

    delivery_id: UUID
    alert_id: UUID
    channel: str
    target: str
    secret_id: str | None
    payload: bytes
    email_subject: str | None
    email_body: str | None
    attempt: int
    """This attempt's number, counting from 1."""
    lease_token: UUID


async def lease_due(
    conn: Connection, *, now: datetime, limit: int, lease: timedelta, token: UUID
) -> list[LeasedDelivery]:
    """Lease pending deliveries due at ``now``: hidden from other workers until the lease ends.

    The attempt is counted here, before sending, so a crash mid-send still uses one up.
    """
    rows = await conn.fetch(
        "with due as ("
        "  select delivery_id from deliveries"
        "  where status = 'pending' and next_attempt_at <= $1"
        "  order by next_attempt_at limit $2 for update skip locked)"
        " update deliveries d set next_attempt_at = $3, lease_token = $4,"
        "  attempts = d.attempts + 1, last_attempt_at = $1"
        " from due where d.delivery_id = due.delivery_id"
        " returning d.delivery_id, d.alert_id, d.channel, d.target, d.secret_id, d.payload,"
        "  d.email_subject, d.email_body, d.attempts",
        now,
        limit,
        now + lease,
        token,
    )
    return [
        LeasedDelivery(
            delivery_id=row["delivery_id"],
            alert_id=row["alert_id"],
            channel=row["channel"],
            target=row["target"],
            secret_id=row["secret_id"],
            payload=bytes(row["payload"]),
            email_subject=row["email_subject"],
            email_body=row["email_body"],
            attempt=row["attempts"],
            lease_token=token,
        )
        for row in rows
    ]


async def mark_sent(conn: Connection, delivery: LeasedDelivery, *, now: datetime) -> bool:
    """Record a successful send; False if the lease was lost (nothing is changed then)."""
    updated = await conn.fetchval(
        "update deliveries set status = 'sent', delivered_at = $3, lease_token = null,"
        " last_error = null where delivery_id = $1 and lease_token = $2 and status = 'pending'"
        " returning true",
        delivery.delivery_id,
        delivery.lease_token,
        now,
    )
    if updated:
        await _log_attempt(conn, delivery, now=now, outcome="sent", error=None)
    return bool(updated)


async def mark_retry(
    conn: Connection, delivery: LeasedDelivery, *, now: datetime, at: datetime, error: str
) -> bool:
    """Record a failed send to be tried again at ``at``."""
    updated = await conn.fetchval(
        "update deliveries set next_attempt_at = $3, lease_token = null, last_error = $4"
        " where delivery_id = $1 and lease_token = $2 and status = 'pending' returning true",
        delivery.delivery_id,
        delivery.lease_token,
        at,
        error[:1000],
    )
    if updated:
        await _log_attempt(conn, delivery, now=now, outcome="retry", error=error)
    return bool(updated)


async def mark_dead(
    conn: Connection, delivery: LeasedDelivery, *, now: datetime, error: str
) -> bool:
    """Give up on a delivery; it stays visible as dead."""
    updated = await conn.fetchval(
        "update deliveries set status = 'dead', dead_at = $3, lease_token = null, last_error = $4"
        " where delivery_id = $1 and lease_token = $2 and status = 'pending' returning true",
        delivery.delivery_id,
        delivery.lease_token,
        now,
        error[:1000],
    )
    if updated:
        await _log_attempt(conn, delivery, now=now, outcome="dead", error=error)
    return bool(updated)


async def release(conn: Connection, deliveries: Sequence[LeasedDelivery], *, now: datetime) -> None:
    """Hand unfinished leases back (on shutdown), due at once and with the attempt returned."""
    if not deliveries:
        return
    await conn.execute(
        "update deliveries set next_attempt_at = $3, lease_token = null,"
        " attempts = greatest(attempts - 1, 0)"
        " where delivery_id = any($1::uuid[]) and lease_token = $2 and status = 'pending'",
        [d.delivery_id for d in deliveries],
        deliveries[0].lease_token,
        now,
    )


async def _log_attempt(
    conn: Connection,
    delivery: LeasedDelivery,
    *,
    now: datetime,
    outcome: str,
    error: str | None,
) -> None:
    await conn.execute(
        "insert into delivery_attempts (delivery_id, attempt, at, outcome, error)"
        " values ($1, $2, $3, $4, $5)",
        delivery.delivery_id,
        delivery.attempt,
        now,
        outcome,
        error[:1000] if error else None,
    )


async def deliveries_of(conn: Executor, alert_id: UUID) -> list[dict[str, Any]]:
    """Every delivery of an alert with its state and attempt log, oldest first."""
    rows = await conn.fetch(
        "select d.delivery_id, d.cause, d.channel, d.target, d.level, d.status, d.attempts,"
        " d.next_attempt_at, d.last_attempt_at, d.last_error, d.created_at, d.delivered_at,"
        " d.dead_at, coalesce((select jsonb_agg(jsonb_build_object('attempt', a.attempt,"
        "  'at', a.at, 'outcome', a.outcome, 'error', a.error) order by a.id)"
        "  from delivery_attempts a where a.delivery_id = d.delivery_id), '[]') as log"
        " from deliveries d where d.alert_id = $1 order by d.created_at, d.channel, d.target",
        alert_id,
    )
    return [dict(row) for row in rows]


async def pending_count(conn: Executor) -> int:
    """Deliveries still to send (for the backlog gauge)."""
    return int(await conn.fetchval("select count(*) from deliveries where status = 'pending'"))
