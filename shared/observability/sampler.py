"""Gauges that must be measured rather than counted: outbox backlog and consumer lag."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import asyncpg

from shared.messaging import outbox
from shared.messaging.lag import LagProbe
from shared.observability.metrics import ServiceMetrics
from shared.settings import KafkaSettings

log = logging.getLogger(__name__)


class MetricsSampler:
    """Samples the outbox backlog and the consumer group's lag into a service's gauges."""

    def __init__(
        self,
        *,
        pool: asyncpg.Pool,
        kafka: KafkaSettings,
        group_id: str,
        topics: Sequence[str],
        metrics: ServiceMetrics,
    ) -> None:
        self._pool = pool
        self._metrics = metrics
        self._lag = LagProbe(kafka, group_id=group_id, topics=topics) if topics else None

    async def run(self, interval_s: float) -> None:
        """Sample every ``interval_s`` until cancelled."""
        try:
            while True:
                await self.sample()
                await asyncio.sleep(interval_s)
        finally:
            if self._lag is not None:
                await self._lag.stop()

    async def sample(self) -> None:
        """One sample; a failure is logged and the gauges keep their last value."""
        try:
            async with self._pool.acquire() as conn:
                pending, age = await outbox.backlog(conn)
            self._metrics.outbox_backlog.set(pending)
            self._metrics.outbox_oldest_age.set(age)
        except Exception:
            log.debug("outbox sampling failed", exc_info=True)
        if self._lag is None:
            return
        try:
            if not self._lag.started:
                await self._lag.start()
            for (topic, partition), lag in (await self._lag.measure()).items():
                self._metrics.consumer_lag.labels(topic, str(partition)).set(lag)
        except Exception:
            log.debug("lag sampling failed", exc_info=True)
