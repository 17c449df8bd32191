"""The batch consumer: decode, dead-letter, deduplicate, apply in one transaction, retry."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

import asyncpg

from shared.clock import utcnow
from shared.contracts import DecodeError, Event, decode_event
from shared.db.types import Connection
from shared.messaging import inbox
from shared.messaging.deadletter import dead_letter
from shared.messaging.records import Delivery, Inbound, Rejection
from shared.messaging.retry import is_transient, retry_transient
from shared.observability.metrics import ServiceMetrics

log = logging.getLogger(__name__)


class BatchHandler(Protocol):
    """A service's effect: apply fresh events inside the caller's transaction.

    It returns the events it rejects for good (they are dead-lettered, and nothing of theirs
    may have been written); anything it raises is retried (transient) or isolated.
    """

    def __call__(
        self, conn: Connection, batch: Sequence[Inbound]
    ) -> Awaitable[Sequence[Rejection]]: ...


@dataclass(frozen=True)
class ConsumerConfig:
    """How a consumer decodes and retries."""

    service: str
    accepts: Mapping[str, Mapping[str, type[Event]]]
    """Per topic: the event types (by name) it may carry."""
    max_event_bytes: int = 256 * 1024
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 10.0


@dataclass
class _Outcome:
    processed: list[Inbound]
    duplicates: list[Inbound]
    rejected: list[Rejection]


class EventConsumer:
    """Turns fetched Kafka records into committed effects, exactly once per event."""

    def __init__(
        self,
        *,
        config: ConsumerConfig,
        pool: Callable[[], asyncpg.Pool],
        handler: BatchHandler,
        metrics: ServiceMetrics,
        after_commit: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._config = config
        self._pool = pool
        self._handler = handler
        self._metrics = metrics
        self._after_commit = after_commit
        self._clock = clock

    def decode(self, delivery: Delivery) -> Inbound | Rejection:
        """The event a record carries, or why it never can be one."""
        allowed = self._config.accepts.get(delivery.topic, {})
        try:
            event = decode_event(
                delivery.value, allowed=allowed, max_bytes=self._config.max_event_bytes
            )
        except DecodeError as exc:
            return Rejection(delivery=delivery, kind=exc.kind, message=exc.message)
        if delivery.key is None:
            return Rejection(delivery, "missing_key", "records must be keyed by patient_id", event)
        if delivery.key != event.kafka_key():
            return Rejection(
                delivery, "key_mismatch", "the record key is not the patient_id", event
            )
        ce_type = delivery.headers.get("ce_type")
        if ce_type is not None and ce_type != event.type:
            message = f"header ce_type {ce_type[:64]!r} differs from the body's type"
            return Rejection(delivery, "type_mismatch", message, event)
        return Inbound(event=event, delivery=delivery)

    async def process(self, records: Sequence[Any]) -> None:
        """Process one fetched batch; returns only once its effects are committed."""
        started = time.perf_counter()
        deliveries = [Delivery.from_record(record) for record in records]
        inbounds: list[Inbound] = []
        rejections: list[Rejection] = []
        for delivery in deliveries:
            decoded = self.decode(delivery)
            (inbounds if isinstance(decoded, Inbound) else rejections).append(decoded)  # type: ignore[arg-type]
            type_name = decoded.event.type if decoded.event else "unknown"
            self._metrics.events_consumed.labels(delivery.topic, type_name).inc()

        outcome = await retry_transient(
            lambda: self._apply(inbounds, rejections),
            what=f"{self._config.service} consumer",
            initial_backoff_s=self._config.initial_backoff_s,
            max_backoff_s=self._config.max_backoff_s,
        )
        self._after_commit()
        self._count(outcome)
        topics = {delivery.topic for delivery in deliveries}
        elapsed = time.perf_counter() - started
        for topic in topics:
            self._metrics.handler_seconds.labels(topic).observe(elapsed)

    async def _apply(self, inbounds: list[Inbound], rejections: list[Rejection]) -> _Outcome:
        try:
            async with self._pool().acquire() as conn, conn.transaction():
                return await self._apply_in(conn, inbounds, rejections)
        except Exception as exc:
            if is_transient(exc):
                raise
            return await self._isolate(inbounds, rejections, exc)

    async def _isolate(
        self, inbounds: list[Inbound], rejections: list[Rejection], batch_error: Exception
    ) -> _Outcome:
        """Apply one event per transaction so a single bad event cannot block the batch."""
        log.warning("batch failed, applying events one by one", extra={"error": repr(batch_error)})
        outcome = _Outcome(processed=[], duplicates=[], rejected=[])
        pool = self._pool()
        if rejections:
            async with pool.acquire() as conn, conn.transaction():
                await dead_letter(conn, rejections, service=self._config.service, now=self._clock())
            outcome.rejected.extend(rejections)
        for inbound in inbounds:
            try:
                async with pool.acquire() as conn, conn.transaction():
                    single = await self._apply_in(conn, [inbound], [])
            except Exception as exc:
                if is_transient(exc):
                    raise  # retried from the start; what already committed is skipped by the inbox
                log.exception("event failed permanently", extra={"at": inbound.delivery.position})
                failure = Rejection(
                    inbound.delivery,
                    "processing_error",
                    f"{type(exc).__name__}: {exc}",
                    inbound.event,
                )
                async with pool.acquire() as conn, conn.transaction():
                    await dead_letter(
                        conn, [failure], service=self._config.service, now=self._clock()
                    )
                outcome.rejected.append(failure)
                continue
            outcome.processed.extend(single.processed)
            outcome.duplicates.extend(single.duplicates)
            outcome.rejected.extend(single.rejected)
        return outcome

    async def _apply_in(
        self, conn: Connection, inbounds: list[Inbound], rejections: list[Rejection]
    ) -> _Outcome:
        unique: dict[Any, Inbound] = {}
        duplicates: list[Inbound] = []
        for inbound in inbounds:
            if inbound.event.event_id in unique:
                duplicates.append(inbound)
            else:
                unique[inbound.event.event_id] = inbound
        fresh_ids = await inbox.claim(
            conn, [(i.event.event_id, i.delivery.topic) for i in unique.values()]
        )
        fresh = [i for i in unique.values() if i.event.event_id in fresh_ids]
        duplicates.extend(i for i in unique.values() if i.event.event_id not in fresh_ids)
        refused = list(await self._handler(conn, fresh)) if fresh else []
        if refused:
            await inbox.release(conn, [r.event.event_id for r in refused if r.event])
        all_rejected = rejections + refused
        await dead_letter(conn, all_rejected, service=self._config.service, now=self._clock())
        refused_ids = {r.event.event_id for r in refused if r.event}
        processed = [i for i in fresh if i.event.event_id not in refused_ids]
        return _Outcome(processed=processed, duplicates=duplicates, rejected=all_rejected)

    def _count(self, outcome: _Outcome) -> None:
        m = self._metrics
        for inbound in outcome.processed:
            m.events_processed.labels(inbound.delivery.topic, inbound.event.type).inc()
        for inbound in outcome.duplicates:
            m.events_duplicate.labels(inbound.delivery.topic).inc()
        for rejection in outcome.rejected:
            type_name = rejection.event.type if rejection.event else "unknown"
            m.events_failed.labels(rejection.delivery.topic, type_name, rejection.kind).inc()
            m.dead_lettered.labels(rejection.delivery.topic, rejection.kind).inc()
        if outcome.processed or outcome.duplicates or outcome.rejected:
            log.debug(
                "batch committed",
                extra={
                    "processed": len(outcome.processed),
                    "duplicates": len(outcome.duplicates),
                    "rejected": len(outcome.rejected),
                },
            )
