"""The transactional outbox: events are written with the state change, published later."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.contracts import Event
from shared.db.types import Connection
from shared.observability.tracing import current_context_headers


@dataclass(frozen=True)
class OutboxMessage:
    """A record to publish once the transaction that wrote it commits."""

    topic: str
    payload: bytes
    key: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


def event_message(topic: str, event: Event) -> OutboxMessage:
    """The outbox record of an event: keyed by patient, CloudEvents and trace-context headers."""
    return OutboxMessage(
        topic=topic,
        payload=event.to_json(),
        key=event.kafka_key(),
        # The trace context is stored with the row so the trace survives the outbox.
        headers={**event.cloudevent_headers(), **current_context_headers()},
    )


async def enqueue(conn: Connection, messages: Sequence[OutboxMessage]) -> None:
    """Write ``messages`` to the outbox inside the caller's transaction."""
    if not messages:
        return
    await conn.execute(
        "insert into outbox (topic, key, payload, headers, trace_context)"
        " select * from unnest($1::text[], $2::bytea[], $3::bytea[], $4::jsonb[], $5::jsonb[])",
        [m.topic for m in messages],
        [m.key for m in messages],
        [m.payload for m in messages],
        [m.headers for m in messages],
        [_trace_context(m.headers) for m in messages],
    )


async def enqueue_events(conn: Connection, topic: str, events: Sequence[Event]) -> None:
    """Write events bound for ``topic`` to the outbox inside the caller's transaction."""
    await enqueue(conn, [event_message(topic, event) for event in events])


def _trace_context(headers: dict[str, str]) -> dict[str, str] | None:
    context = {k: v for k, v in headers.items() if k in ("traceparent", "tracestate")}
    return context or None


@dataclass(frozen=True)
class PendingRow:
    """An outbox row leased by the relay."""

    id: int
    topic: str
    key: bytes | None
    payload: bytes
    headers: dict[str, str]


async def lease_pending(conn: Connection, *, lock_name: str, limit: int) -> list[PendingRow] | None:
    """Lease the oldest unsent rows, or None when another relay of this service is publishing.

    One relay per service publishes at a time (a transaction-scoped advisory lock), which keeps
    each patient's events in the order they were written; SKIP LOCKED keeps a second relay from
    waiting on rows that are already leased.
    """
    if not await conn.fetchval("select pg_try_advisory_xact_lock(hashtext($1))", lock_name):
        return None
    rows = await conn.fetch(
        "select id, topic, key, payload, headers from outbox"
        " where published_at is null order by id limit $1 for update skip locked",
        limit,
    )
    return [
        PendingRow(
            id=row["id"],
            topic=row["topic"],
            key=row["key"],
            payload=row["payload"],
            headers=row["headers"],
        )
        for row in rows
    ]


async def mark_published(conn: Connection, ids: Sequence[int]) -> None:
    """Record that the rows reached the broker."""
    await conn.execute(
        "update outbox set published_at = now(), attempts = attempts + 1"
        " where id = any($1::bigint[])",
        list(ids),
    )


async def record_failure(conn: Connection, ids: Sequence[int], error: str) -> None:
    """Count a failed publishing attempt (the rows stay pending)."""
    await conn.execute(
        "update outbox set attempts = attempts + 1, last_error = $2 where id = any($1::bigint[])",
        list(ids),
        error[:1000],
    )


async def backlog(conn: Connection) -> tuple[int, float]:
    """Unsent rows and the age in seconds of the oldest one."""
    row = await conn.fetchrow(
        "select count(*) as n,"
        " coalesce(extract(epoch from now() - min(created_at)), 0)::float8 as age"
        " from outbox where published_at is null"
    )
    assert row is not None
    return int(row["n"]), float(row["age"])


async def prune_published(conn: Connection, *, older_than_s: float) -> int:
    """Delete rows published long ago (the topic keeps the record)."""
    result = await conn.execute(
        "delete from outbox where published_at < now() - make_interval(secs => $1)",
        older_than_s,
    )
    return int(result.split()[-1])
