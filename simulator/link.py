"""The simulator's line to a live platform: calls that wait out restarts, clocks, lag, settling."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import httpx

from shared.messaging.lag import LagProbe
from shared.settings import KafkaSettings
from shared.topics import Stream

# Services whose rules read the clock (the notifier's escalations stay on real time).
CLOCKED = ("planner", "adherence", "labs")
CONSUMERS = {
    "adherence": (Stream.PLANS, Stream.DOSES),
    "labs": (Stream.PLANS, Stream.DOSES, Stream.LABS),
    "notifier": (Stream.FLAGS,),
    "planner": (Stream.FLAGS,),
}


@dataclass(frozen=True)
class Target:
    """Where the platform runs and how to call it."""

    urls: dict[str, str]
    kafka: KafkaSettings
    headers: dict[str, str]
    replicas: dict[str, list[str]] = field(default_factory=dict)
    """Further instances of a service (their clocks are pinned too)."""

    def instances(self, service: str) -> list[str]:
        """Every instance's base URL."""
        return [self.urls[service], *self.replicas.get(service, [])]


class PlatformLink:
    """HTTP and consumer-lag access to the platform, patient with services that restart."""

    def __init__(self, target: Target, *, patience_s: float = 180.0) -> None:
        self.target = target
        self.patience_s = patience_s
        self._http = httpx.AsyncClient(headers=target.headers, timeout=60.0)
        self._lag: dict[str, LagProbe] = {}

    async def start(self) -> None:
        """Connect the lag probes of every consumer group."""
        kafka = self.target.kafka
        for service, streams in CONSUMERS.items():
            probe = LagProbe(
                kafka,
                group_id=f"{kafka.group_prefix}.{service}",
                topics=[kafka.topics.name(s) for s in streams],
            )
            await probe.start()
            self._lag[service] = probe

    async def stop(self) -> None:
        """Disconnect everything."""
        for probe in self._lag.values():
            await probe.stop()
        await self._http.aclose()

    def url(self, service: str, path: str) -> str:
        """A service's primary instance URL for ``path``."""
        return f"{self.target.urls[service]}{path}"

    async def request(self, method: str, url: str, **options: Any) -> httpx.Response:
        """A call that waits out a restarting service or database (transport errors, 5xx)."""
        deadline = time.monotonic() + self.patience_s
        while True:
            try:
                answer = await self._http.request(method, url, **options)
                if answer.status_code < 500 or time.monotonic() > deadline:
                    return answer.raise_for_status()
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
            await asyncio.sleep(0.2)

    async def pin(self, now: datetime | None) -> None:
        """Pin (or, with None, release) the clock of every instance of the clocked services."""
        body = {"now": now.isoformat() if now else None}
        await asyncio.gather(
            *(
                self.request("PUT", f"{url}/ops/clock", json=body)
                for service in CLOCKED
                for url in self.target.instances(service)
            )
        )

    async def sweep(self, *services: str) -> None:
        """Run the sweepers of ``services`` once, at their pinned time."""
        for service in services:
            await self.request("POST", self.url(service, "/ops/sweeps"))

    async def adherence_knows(self, plan_id: UUID) -> bool:
        """Whether adherence holds the plan (PlanCreated leaves the planner through an outbox)."""
        url = self.url("adherence", f"/plans/{plan_id}/doses")
        for _ in range(int(self.patience_s * 20)):
            try:
                if (await self._http.get(url)).status_code == 200:
                    return True
            except httpx.TransportError:
                pass  # restarting
            await asyncio.sleep(0.05)
        return False

    async def caught_up(self, services: tuple[str, ...], *, timeout_s: float = 120.0) -> None:
        """Wait until each service's consumer group has committed everything on its topics."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                lags = await asyncio.gather(*(self._lag[s].measure() for s in services))
            except Exception:  # the broker restarting: ask again
                await asyncio.sleep(0.5)
                continue
            if all(lag and not any(lag.values()) for lag in lags):
                return
            await asyncio.sleep(0.05)
        raise TimeoutError(f"{', '.join(services)} did not catch up within {timeout_s}s")

    async def settle(self, *, timeout_s: float = 300.0) -> None:
        """Wait until every consumer has caught up and every outbox is empty, twice in a row."""
        deadline = time.monotonic() + timeout_s
        calm = 0
        while time.monotonic() < deadline:
            await self.caught_up(tuple(CONSUMERS), timeout_s=timeout_s)
            calm = calm + 1 if await self.outbox_backlog() == 0 else 0
            if calm >= 2:
                await self.caught_up(tuple(CONSUMERS), timeout_s=timeout_s)
                return
            await asyncio.sleep(1.0)
        raise TimeoutError("the platform did not settle")

    async def outbox_backlog(self) -> float:
        """Unpublished outbox rows, summed over the services (from their /metrics)."""
        total = 0.0
        for url in self.target.urls.values():
            metrics = (await self.request("GET", f"{url}/metrics")).text
            for line in metrics.splitlines():
                if line.startswith("b12_outbox_backlog "):
                    total += float(line.split()[1])
        return total
