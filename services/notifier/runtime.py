"""The notifier's runtime: the shared one plus routing, the live stream and delivery wake-ups."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from prometheus_client import Counter

from services.notifier.domain import NotifierConfig
from services.notifier.settings import NotifierSettings
from services.notifier.stream import AlertStream, channel_for
from shared.clock import utcnow
from shared.runtime import ServiceRuntime, ServiceSpec


class NotifierMetrics:
    """What the notifier adds to /metrics."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        registry = runtime.metrics.registry
        self.alerts = Counter(
            "b12_notifier_alert_changes",
            "Alert changes by kind (opened, occurrence_recorded, severity_raised, escalated ...)",
            ["kind"],
            registry=registry,
        )
        self.deliveries = Counter(
            "b12_notifier_delivery_attempts",
            "Delivery attempts by channel and outcome (sent, retry, dead)",
            ["channel", "outcome"],
            registry=registry,
        )


class NotifierRuntime(ServiceRuntime):
    """Owns what the notifier's handler, sweeper, worker and routes share in one process."""

    def __init__(
        self,
        spec: ServiceSpec,
        *,
        settings: NotifierSettings,
        config: NotifierConfig,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        # Set before the base class subscribes (which builds the handler from this runtime).
        self.notifier_settings = settings
        self.config = config
        self.stream = AlertStream(
            dsn=settings.database_url.get_secret_value(),
            channel=channel_for(settings.db_schema),
            queue_size=settings.stream_queue_size,
        )
        self.deliveries_due = asyncio.Event()
        # The consumer's commit makes its deliveries visible: the worker can lease them now.
        spec = dataclasses.replace(spec, after_commit=(*spec.after_commit, self.deliveries_due.set))
        super().__init__(spec, clock=clock)
        self.notifier_metrics = NotifierMetrics(self)

    def wake_deliveries(self) -> None:
        """Tell the delivery worker that new deliveries were committed."""
        self.deliveries_due.set()

    def spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> None:
        """Run a background task that stops with the service."""
        self._spawn(coro, name)


def notifier_runtime(runtime: ServiceRuntime) -> NotifierRuntime:
    """The notifier's runtime behind the shared type the framework hands around."""
    if not isinstance(runtime, NotifierRuntime):
        raise TypeError("the notifier needs a NotifierRuntime (build it with build_app)")
    return runtime
