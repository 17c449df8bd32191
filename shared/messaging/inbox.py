"""The inbox: an event's id is recorded with its effect, so a redelivery has none."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from shared.db.types import Connection


async def claim(conn: Connection, entries: Sequence[tuple[UUID, str]]) -> set[UUID]:
    """Record (event_id, topic) pairs; returns the ids seen for the first time."""
    if not entries:
        return set()
    rows = await conn.fetch(
        "insert into inbox (event_id, topic) select * from unnest($1::uuid[], $2::text[])"
        " on conflict do nothing returning event_id",
        [event_id for event_id, _ in entries],
        [topic for _, topic in entries],
    )
    return {row["event_id"] for row in rows}


async def release(conn: Connection, event_ids: Sequence[UUID]) -> None:
    """Forget events that were rejected, so a replay after a fix is processed."""
    if event_ids:
        await conn.execute("delete from inbox where event_id = any($1::uuid[])", list(event_ids))
