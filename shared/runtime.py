"""One service process: pool, migrations, broker, outbox relay and sweepers, started in order."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
from faststream.kafka import KafkaBroker
from faststream.kafka.prometheus import KafkaPrometheusMiddleware

from shared.clock import utcnow
from shared.contracts import events_of
from shared.db.migrations import migrate_service
from shared.db.pool import create_pool
from shared.messaging.admin import ensure_topics
from shared.messaging.broker import build_broker, subscribe
from shared.messaging.consumer import BatchHandler, ConsumerConfig, EventConsumer
from shared.messaging.relay import OutboxRelay
from shared.messaging.retry import retry_transient
from shared.observability.metrics import ServiceMetrics
from shared.observability.sampler import MetricsSampler
from shared.settings import ServiceSettings
from shared.topics import Stream

log = logging.getLogger(__name__)


class NotReady(RuntimeError):
    """The service is still connecting to its database or broker."""


@dataclass(frozen=True)
class Sweeper:
    """A periodic task (misses, escalations ...): ``run`` gets the time, returns findings."""

    name: str
    interval_s: float
    run: Callable[[ServiceRuntime, datetime], Awaitable[int]]


@dataclass
class ServiceSpec:
    """What makes one service: its settings, schema, subscriptions and background work."""

    settings: ServiceSettings
    migrations: Path
    consumes: Sequence[Stream] = ()
    produces: Sequence[Stream] = ()
    description: str = ""
    handler: Callable[[ServiceRuntime], BatchHandler] | None = None
    sweepers: Sequence[Sweeper] = ()
    on_ready: Sequence[Callable[[ServiceRuntime], Awaitable[None]]] = ()
    after_commit: Sequence[Callable[[], None]] = ()
    """Observers told after each consumer commit, before the offsets are committed."""
    extras: dict[str, Any] = field(default_factory=dict)


class ServiceRuntime:
    """Owns the connections and background tasks of one service process."""

    def __init__(self, spec: ServiceSpec, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.spec = spec
        self.settings = spec.settings
        self._wall_clock = clock
        self._clock_override: datetime | None = None
        self.metrics = ServiceMetrics(self.settings.service_name)
        # FastStream's own metrics (messages received, processed, published, durations) sit
        # beside the platform's on the same registry.
        self.broker: KafkaBroker = build_broker(
            self.settings,
            middlewares=[
                KafkaPrometheusMiddleware(
                    registry=self.metrics.registry, app_name=self.settings.service_name
                )
            ],
        )
        self.ready = asyncio.Event()
        self.extras = spec.extras
        self._pool: asyncpg.Pool | None = None
        self._relay: OutboxRelay | None = None
        self._tasks: list[asyncio.Task[Any]] = []
        self._broker_started = False
        self._sweep_locks: dict[str, asyncio.Lock] = {}
        if spec.consumes:
            self._subscribe()

    def clock(self) -> datetime:
        """The service's notion of now: the wall clock, unless a simulation has set it."""
        return self._clock_override or self._wall_clock()

    @property
    def clock_pinned(self) -> bool:
        """Whether a simulation has pinned the clock."""
        return self._clock_override is not None

    def set_clock(self, now: datetime | None) -> None:
        """Pin "now" in this process (None returns to the wall clock); never in production."""
        if now is not None and self.settings.environment == "production":
            raise PermissionError("the clock cannot be set in production")
        self._clock_override = now

    async def pin_clock(self, now: datetime | None) -> None:
        """Pin "now" and keep it in the database, so a restart resumes at the simulated time."""
        self.set_clock(now)
        async with self.pool.acquire() as conn:
            await conn.execute(
                "insert into simulation_clock (singleton, pinned_at) values (true, $1)"
                " on conflict (singleton) do update set pinned_at = excluded.pinned_at",
                now,
            )

    async def run_sweepers(self) -> dict[str, int]:
        """Run every sweeper once, now (for simulations and operators); returns findings."""
        found = {}
        for sweeper in self.spec.sweepers:
            found[sweeper.name] = await self._sweep_once(sweeper)
        return found

    @property
    def pool(self) -> asyncpg.Pool:
        """The database pool; raises NotReady while the service is still starting."""
        if self._pool is None:
            raise NotReady(f"{self.settings.service_name} is not connected to its database yet")
        return self._pool

    @property
    def topics(self) -> Any:
        """Topic names under the configured prefix."""
        return self.settings.kafka.topics

    def wake_relay(self) -> None:
        """Ask the outbox relay to publish now (after a commit that wrote outbox rows)."""
        if self._relay is not None:
            self._relay.wake()

    def _after_consumer_commit(self) -> None:
        self.wake_relay()
        for observer in self.spec.after_commit:
            observer()

    def _subscribe(self) -> None:
        topics = self.settings.kafka.topics
        accepts = {topics.name(stream): events_of(stream) for stream in self.spec.consumes}
        assert self.spec.handler is not None, "a service that consumes needs a handler"
        consumer = EventConsumer(
            config=ConsumerConfig(
                service=self.settings.service_name,
                accepts=accepts,
                max_event_bytes=self.settings.max_event_bytes,
                initial_backoff_s=self.settings.retry_initial_backoff_s,
                max_backoff_s=self.settings.retry_max_backoff_s,
            ),
            pool=lambda: self.pool,
            handler=self.spec.handler(self),
            metrics=self.metrics,
            after_commit=self._after_consumer_commit,
        )
        subscribe(
            self.broker,
            topics=list(accepts),
            group_id=self.settings.consumer_group,
            consumer=consumer,
            max_records=self.settings.consumer_max_records,
            title=f"{self.settings.service_name}:consume",
        )

    async def start(self) -> None:
        """Begin connecting in the background; ``ready`` is set once everything runs."""
        self._tasks.append(asyncio.create_task(self._bootstrap(), name="bootstrap"))

    async def _retry(self, operation: Callable[[], Awaitable[Any]], what: str) -> Any:
        return await retry_transient(
            operation,
            what=what,
            initial_backoff_s=self.settings.retry_initial_backoff_s,
            max_backoff_s=self.settings.retry_max_backoff_s,
        )

    async def _bootstrap(self) -> None:
        name = self.settings.service_name
        pool = await self._retry(lambda: create_pool(self.settings), "connect to Postgres")
        applied = await self._retry(
            lambda: migrate_service(
                pool, schema=self.settings.db_schema, service_migrations=self.spec.migrations
            ),
            "apply migrations",
        )
        self._pool = pool
        log.info("database ready", extra={"migrations_applied": applied})
        if self.settings.environment != "production" and self._clock_override is None:
            self._clock_override = await self._retry(
                lambda: pool.fetchval("select pinned_at from simulation_clock"), "read the clock"
            )
        await self._retry(self._start_broker, "connect to Kafka")
        self._relay = OutboxRelay(
            pool=pool,
            publish=self._publish,
            lock_name=f"outbox:{self.settings.db_schema}",
            batch_size=self.settings.outbox_batch_size,
            poll_interval_s=self.settings.outbox_poll_interval_s,
            max_backoff_s=self.settings.retry_max_backoff_s,
            on_published=self.metrics.outbox_published.inc,
        )
        self._spawn(self._relay.run(), "outbox-relay")
        consumed = [self.topics.name(stream) for stream in self.spec.consumes]
        sampler = MetricsSampler(
            pool=pool,
            kafka=self.settings.kafka,
            group_id=self.settings.consumer_group,
            topics=consumed,
            metrics=self.metrics,
        )
        self._spawn(sampler.run(self.settings.metrics_interval_s), "metrics-sampler")
        for sweeper in self.spec.sweepers:
            self._spawn(self._run_sweeper(sweeper), f"sweeper:{sweeper.name}")
        for hook in self.spec.on_ready:
            await hook(self)
        self.ready.set()
        log.info("service ready", extra={"service": name})

    async def _start_broker(self) -> None:
        await ensure_topics(self.settings.kafka)
        await self.broker.start()
        self._broker_started = True

    async def _publish(
        self, topic: str, payload: bytes, key: bytes | None, headers: dict[str, str]
    ) -> Awaitable[object]:
        future: Awaitable[object] = await self.broker.publish(
            payload, topic, key=key, headers=headers, no_confirm=True
        )
        return future

    def _spawn(self, coro: Awaitable[Any], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        self._tasks.append(task)

    async def _sweep_once(self, sweeper: Sweeper) -> int:
        labels = (sweeper.name,)
        started = time.perf_counter()
        # Two runs of one sweeper in this process (the loop and an operator) take turns.
        async with self._sweep_locks.setdefault(sweeper.name, asyncio.Lock()):
            found = await sweeper.run(self, self.clock())
        self.metrics.sweeper_findings.labels(*labels).inc(found)
        self.metrics.sweeper_last_run.labels(*labels).set(time.time())
        self.metrics.sweeper_duration.labels(*labels).set(time.perf_counter() - started)
        if found:
            self.wake_relay()
        return found

    async def _run_sweeper(self, sweeper: Sweeper) -> None:
        while True:
            try:
                await self._sweep_once(sweeper)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("sweeper failed", extra={"sweeper": sweeper.name})
            await asyncio.sleep(sweeper.interval_s)

    async def readiness(self) -> dict[str, bool]:
        """Whether the database and the broker answer now."""
        checks = {"started": self.ready.is_set(), "database": False, "kafka": False}
        if self._pool is not None:
            try:
                async with asyncio.timeout(2):
                    await self._pool.fetchval("select 1")
                checks["database"] = True
            except Exception:
                log.debug("database check failed", exc_info=True)
        if self._broker_started:
            try:
                checks["kafka"] = bool(await self.broker.ping(timeout=2.0))
            except Exception:
                log.debug("kafka check failed", exc_info=True)
        return checks

    async def stop(self) -> None:
        """Cancel background work, then close the broker and the pool."""
        for task in reversed(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._broker_started:
            await self.broker.stop()
            self._broker_started = False
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
