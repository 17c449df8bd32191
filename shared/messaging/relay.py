"""The outbox relay: publishes committed outbox rows to Kafka and marks them sent."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

import asyncpg
from opentelemetry import trace

from shared.messaging import outbox
from shared.observability.tracing import current_context_headers, publish_span

log = logging.getLogger(__name__)

PublishFn = Callable[[str, bytes, bytes | None, dict[str, str]], Awaitable[Awaitable[object]]]
"""Send one record: the first await queues it, the returned awaitable confirms delivery."""


class OutboxRelay:
    """Moves outbox rows to the broker; a crash between publish and mark republishes (dedup'd)."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        publish: PublishFn,
        lock_name: str,
        batch_size: int = 500,
        poll_interval_s: float = 0.5,
        publish_timeout_s: float = 30.0,
        max_backoff_s: float = 10.0,
        on_published: Callable[[int], None] | None = None,
    ) -> None:
        self._pool = pool
        self._publish = publish
        self._lock_name = lock_name
        self._batch_size = batch_size
        self._poll_interval_s = poll_interval_s
        self._publish_timeout_s = publish_timeout_s
        self._max_backoff_s = max_backoff_s
        self._on_published = on_published
        self._wakeup = asyncio.Event()

    def wake(self) -> None:
        """Publish now rather than at the next poll (called after a commit that wrote rows)."""
        self._wakeup.set()

    async def run(self) -> None:
        """Publish until cancelled; while Kafka or Postgres is away, back off and try again."""
        backoff = self._poll_interval_s
        while True:
            try:
                sent = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("outbox relay failed, backing off", extra={"error": repr(exc)})
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff_s)
                continue
            backoff = self._poll_interval_s
            if sent < self._batch_size:
                await self._wait_for_work()

    async def _wait_for_work(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wakeup.wait(), timeout=self._poll_interval_s)
        self._wakeup.clear()

    async def publish_pending(self) -> int:
        """Publish one batch of pending rows; returns how many were sent."""
        leased: list[int] = []
        try:
            async with self._pool.acquire() as conn, conn.transaction():
                rows = await outbox.lease_pending(
                    conn, lock_name=self._lock_name, limit=self._batch_size
                )
                if not rows:
                    return 0
                leased = [row.id for row in rows]
                async with asyncio.timeout(self._publish_timeout_s):
                    confirmations = [await self._send(row) for row in rows]
                    await asyncio.gather(*confirmations)
                await outbox.mark_published(conn, leased)
        except Exception as exc:
            if leased:
                await self._record_failure(leased, exc)
            raise
        if self._on_published:
            self._on_published(len(leased))
        return len(leased)

    async def _send(self, row: outbox.PendingRow) -> Awaitable[object]:
        span = publish_span(row.topic, row.headers)
        try:
            with trace.use_span(span, end_on_exit=False):
                headers = {**row.headers, **current_context_headers()}
            return await self._publish(row.topic, row.payload, row.key, headers)
        finally:
            span.end()

    async def _record_failure(self, ids: list[int], exc: Exception) -> None:
        try:
            async with self._pool.acquire() as conn:
                await outbox.record_failure(conn, ids, repr(exc))
        except Exception:  # the database may be what failed; the rows stay pending anyway
            log.debug("could not record the outbox failure", exc_info=True)
