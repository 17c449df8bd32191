"""The live stream behind ``GET /alerts/stream``, across instances via Postgres LISTEN/NOTIFY.

Whoever changes an alert (the Kafka consumer, the escalation sweeper, a staff action, in any
instance) calls ``notify`` inside its transaction. Postgres delivers a NOTIFY only when that
transaction commits, and to every listening session, so each instance's one listener
connection hears every change exactly when it becomes visible, and fans it out to the SSE
clients connected to that instance. Nothing is pushed for a rolled-back change.

The stream is live, not a log: a client that reconnects, or that the stream drops because it
reads too slowly, catches up with ``GET /alerts``. After the listener itself reconnects to
Postgres every client is sent a ``resync`` event, since notifications may have been missed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg

from services.notifier.domain import Alert, Delivery
from shared.db.types import Connection

log = logging.getLogger(__name__)

RESYNC = {"event": "resync", "id": None, "data": {"reason": "the live stream reconnected"}}
# Postgres refuses NOTIFY payloads of 8000 bytes or more; ours are far smaller.
_MAX_PAYLOAD = 7900


def channel_for(schema: str) -> str:
    """The NOTIFY channel of one notifier schema (one deployment, many instances)."""
    return f"{schema}.alerts"


def in_app_messages(deliveries: Sequence[Delivery]) -> list[dict[str, Any]]:
    """Stream messages for the in-app deliveries of a decision (the same payload webhooks get)."""
    return [
        {
            "event": d.payload.event,
            "id": str(d.delivery_id),
            "team": d.payload.team,
            "severity": d.payload.severity,
            "recipient": d.payload.recipient,
            "data": d.payload.model_dump(mode="json"),
        }
        for d in deliveries
        if d.channel == "in_app"
    ]


def status_message(alert: Alert, *, event: str, by: str) -> dict[str, Any]:
    """A stream message for a staff action (no notes: they may hold clinical detail)."""
    return {
        "event": event,
        "id": f"{alert.alert_id}/{alert.revision}",
        "team": alert.team,
        "severity": alert.severity,
        "recipient": None,
        "data": {
            "alert_id": str(alert.alert_id),
            "patient_id": alert.patient_id,
            "status": alert.status,
            "severity": alert.severity,
            "team": alert.team,
            "revision": alert.revision,
            "by": by,
        },
    }


async def notify(conn: Connection, channel: str, messages: Sequence[dict[str, Any]]) -> None:
    """Queue messages for the stream; Postgres sends them when the transaction commits."""
    for message in messages:
        payload = json.dumps(message, separators=(",", ":"))
        if len(payload.encode()) > _MAX_PAYLOAD:
            log.warning("stream message too large, skipped", extra={"id": message.get("id")})
            continue
        await conn.execute("select pg_notify($1, $2)", channel, payload)


@dataclass(eq=False)
class Subscription:
    """One SSE client's buffer; closed when it overflows or the service stops."""

    limit: int
    buffer: deque[dict[str, Any]] = field(default_factory=deque)
    closed: bool = False
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    def push(self, message: dict[str, Any]) -> bool:
        """Buffer a message; False (and closed) when the client fell too far behind."""
        if self.closed:
            return False
        if len(self.buffer) >= self.limit:
            self.close()
            return False
        self.buffer.append(message)
        self._ready.set()
        return True

    def close(self) -> None:
        """End the client's stream after what it already has."""
        self.closed = True
        self._ready.set()

    async def next(self) -> dict[str, Any] | None:
        """The next message, or None once the stream is closed."""
        while not self.buffer:
            if self.closed:
                return None
            self._ready.clear()
            await self._ready.wait()
        return self.buffer.popleft()


class AlertStream:
    """One LISTEN connection per instance, fanned out to the SSE clients of this instance."""

    def __init__(self, *, dsn: str, channel: str, queue_size: int) -> None:
        self._dsn = dsn
        self._channel = channel
        self._queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self.listening = asyncio.Event()

    @property
    def channel(self) -> str:
        """The NOTIFY channel this stream listens on."""
        return self._channel

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[Subscription]:
        """Register a client for as long as the context lasts."""
        subscription = Subscription(limit=self._queue_size)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)
            subscription.close()

    def broadcast(self, message: dict[str, Any]) -> None:
        """Hand a message to every client of this instance."""
        for subscription in list(self._subscriptions):
            if not subscription.push(message):
                self._subscriptions.discard(subscription)
                log.info("stream client dropped: too far behind")

    def _on_notification(self, _conn: Any, _pid: int, _channel: str, payload: object) -> None:
        try:
            message = json.loads(str(payload))
        except ValueError:
            log.warning("undecodable stream notification ignored")
            return
        self.broadcast(message)

    async def run(self, *, retry_s: float = 1.0, check_s: float = 30.0) -> None:
        """Listen until cancelled, reconnecting after a lost connection."""
        connected_before = False
        try:
            while True:
                try:
                    conn = await asyncpg.connect(
                        self._dsn, server_settings={"application_name": "notifier-stream"}
                    )
                except (OSError, asyncpg.PostgresError) as exc:
                    log.warning("stream listener cannot connect", extra={"error": repr(exc)})
                    await asyncio.sleep(retry_s)
                    continue
                try:
                    await self._listen(conn, resync=connected_before, check_s=check_s)
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
                    log.warning("stream listener lost its connection", exc_info=True)
                finally:
                    self.listening.clear()
                    conn.terminate()
                connected_before = True
                await asyncio.sleep(retry_s)
        finally:
            for subscription in list(self._subscriptions):
                subscription.close()
            self._subscriptions.clear()

    async def _listen(self, conn: asyncpg.Connection, *, resync: bool, check_s: float) -> None:
        lost = asyncio.Event()
        conn.add_termination_listener(lambda _: lost.set())
        await conn.add_listener(self._channel, self._on_notification)
        self.listening.set()
        if resync:
            self.broadcast(RESYNC)
        while not lost.is_set():
            try:
                await asyncio.wait_for(lost.wait(), check_s)
            except TimeoutError:
                # A silently dead TCP connection never terminates: probe it now and then.
                await asyncio.wait_for(conn.fetchval("select 1"), 5)
