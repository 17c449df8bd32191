"""Dead letters: records that can never be processed, kept with the reason and published to DLQ."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from shared.db.types import Connection, Executor
from shared.messaging.outbox import OutboxMessage, enqueue
from shared.messaging.records import Rejection
from shared.topics import DLQ_SUFFIX

HEADER_PREFIX = "dlq_"


def storable(text: str) -> str:
    """Text Postgres can hold: NUL (refused by text and jsonb) becomes U+FFFD, as undecodable
    bytes do, so a poison record can always be dead-lettered."""
    return text.replace("\x00", "\ufffd")


def dlq_headers(rejection: Rejection, *, service: str, now: datetime) -> dict[str, str]:
    """The original headers plus why and where from (the original ``ce_id`` is kept for replay)."""
    delivery = rejection.delivery
    original = {storable(k): storable(v) for k, v in delivery.headers.items()}
    return {
        **{k: v for k, v in original.items() if not k.startswith(HEADER_PREFIX)},
        "dlq_error_kind": rejection.kind,
        "dlq_error_message": storable(rejection.message[:1000]),
        "dlq_original_topic": delivery.topic,
        "dlq_original_partition": str(delivery.partition),
        "dlq_original_offset": str(delivery.offset),
        "dlq_service": service,
        "dlq_dead_lettered_at": now.isoformat(),
    }


async def dead_letter(
    conn: Connection, rejections: Sequence[Rejection], *, service: str, now: datetime
) -> int:
    """Record rejections and queue them for ``<topic>.dlq``; a redelivered one is recorded once."""
    recorded = 0
    for rejection in rejections:
        delivery, event = rejection.delivery, rejection.event
        headers = dlq_headers(rejection, service=service, now=now)
        new_id = await conn.fetchval(
            "insert into dead_letters (source_topic, source_partition, source_offset, event_id,"
            " event_type, error_kind, error_message, key, payload, headers)"
            " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
            " on conflict (source_topic, source_partition, source_offset) do nothing returning id",
            delivery.topic,
            delivery.partition,
            delivery.offset,
            event.event_id if event else None,
            event.type if event else headers.get("ce_type"),
            rejection.kind,
            headers["dlq_error_message"],
            delivery.key,
            delivery.value or b"",
            headers,
        )
        if new_id is None:
            continue
        recorded += 1
        await enqueue(
            conn,
            [
                OutboxMessage(
                    topic=f"{delivery.topic}{DLQ_SUFFIX}",
                    payload=delivery.value or b"",
                    key=delivery.key,
                    headers=headers,
                )
            ],
        )
    return recorded


REPLAY_HEADER = "b12_replay_of"


async def list_dead_letters(
    conn: Executor,
    *,
    kind: str | None = None,
    topic: str | None = None,
    limit: int = 100,
    before_id: int | None = None,
) -> list[dict[str, Any]]:
    """Dead letters, newest first, optionally of one error kind or source topic."""
    rows = await conn.fetch(
        "select id, source_topic, source_partition, source_offset, event_id, event_type,"
        " error_kind, error_message, dead_lettered_at, replay_count, last_replayed_at,"
        " octet_length(payload) as payload_bytes"
        " from dead_letters"
        " where ($1::text is null or error_kind = $1) and ($2::text is null or source_topic = $2)"
        " and ($3::bigint is null or id < $3)"
        " order by id desc limit $4",
        kind,
        topic,
        before_id,
        limit,
    )
    return [dict(row) for row in rows]


async def replay(conn: Connection, ids: Sequence[int], *, actor: str) -> list[int]:
    """Queue dead letters back to their original topic, as they were (same key, ``ce_id``).

    The original event id is kept, so the inbox still deduplicates; the replay is recorded.
    Returns the ids that exist and were queued.
    """
    rows = await conn.fetch(
        "select id, source_topic, key, payload, headers from dead_letters"
        " where id = any($1::bigint[]) order by id for update",
        list(ids),
    )
    messages = []
    for row in rows:
        headers = {k: v for k, v in row["headers"].items() if not k.startswith(HEADER_PREFIX)}
        headers[REPLAY_HEADER] = str(row["id"])
        messages.append(
            OutboxMessage(
                topic=row["source_topic"], payload=row["payload"], key=row["key"], headers=headers
            )
        )
    await enqueue(conn, messages)
    found = [row["id"] for row in rows]
    await conn.execute(
        "update dead_letters set replay_count = replay_count + 1, last_replayed_at = now()"
        " where id = any($1::bigint[])",
        found,
    )
    await conn.execute(
        "insert into dead_letter_replays (dead_letter_id, actor) select unnest($1::bigint[]), $2",
        found,
        actor,
    )
    return found
