"""One fault run: the platform on its own stack, a cohort as load, faults on a schedule."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from devstack.platform import IsolatedPlatform, bearer
from faults import reconcile
from faults.poison import Poison, batch
from faults.receiver import WebhookReceiver
from faults.stack import OwnStack
from simulator.config import CohortConfig
from simulator.driver import Simulation
from simulator.link import Target
from simulator.observe import observe
from simulator.report import compare

WEBHOOK_SECRET = "fault-suite-webhook-secret"  # noqa: S105 (a throwaway receiver)
ALL_FAULTS = (
    "kill planner",
    "kill adherence",
    "kill labs",
    "kill notifier",
    "restart kafka",
    "restart postgres",
    "kill one of two adherence",
    "kill one of two labs",
    "poison",
)
CI_FAULTS = ("kill adherence", "kill labs", "kill one of two adherence", "poison")


@dataclass
class Injected:
    """A fault, when it struck (simulated day) and what happened."""

    fault: str
    day: int
    outcome: str = ""


@dataclass
class FaultReport:
    """What was injected and how the platform came out of it."""

    injected: list[Injected] = field(default_factory=list)
    checks: list[reconcile.Check] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.disagreements


def _routing(receiver: WebhookReceiver) -> str:
    """Every alert goes to one webhook (the receiver counts them) and in-app."""
    level = {"channels": ["in_app", "webhook"], "webhooks": [receiver.url]}
    return json.dumps(
        {
            "teams": [{"name": "clinic", "levels": [{"name": "clinic", **level}]}],
            "rules": [{"name": "everything", "team": "clinic"}],
        }
    )


class FaultRun:
    """Wires the stack, the platform, the receiver and the simulation for one run."""

    def __init__(self, *, state: Path, faults: tuple[str, ...], config: CohortConfig) -> None:
        self.state = state
        self.faults = faults
        self.config = config
        self.stack = OwnStack(state / "stack")
        self.receiver = WebhookReceiver()
        self.report = FaultReport()
        self.poison_sent: list[Poison] = []
        self.platform: IsolatedPlatform | None = None
        self.target: Target | None = None

    async def run(self) -> FaultReport:
        """Run, reconcile, tear down; the report says what held."""
        await self.stack.start()
        await self.receiver.start()
        try:
            await self._start_platform()
            await self._simulate()
        finally:
            if self.platform is not None:
                self.platform.stop()
            await self.receiver.stop()
            await self.stack.stop()
        return self.report

    async def _start_platform(self) -> None:
        fast = {"OUTBOX_POLL_INTERVAL_S": "0.1"}
        self.platform = IsolatedPlatform(
            admin_dsn=self.stack.admin_dsn,
            bootstrap=self.stack.bootstrap,
            log_dir=self.state / "logs",
            extra_env={
                "notifier": {
                    "NOTIFIER_ROUTING": _routing(self.receiver),
                    "NOTIFIER_WEBHOOK_SECRETS": json.dumps({"default": WEBHOOK_SECRET}),
                    "NOTIFIER_DELIVERY_POLL_INTERVAL_S": "0.2",
                    "NOTIFIER_WEBHOOK_TIMEOUT_S": "2",
                    "NOTIFIER_SMTP_TIMEOUT_S": "2",
                    "NOTIFIER_DELIVERY_LEASE_S": "5",
                    **{f"NOTIFIER_{k}": v for k, v in fast.items()},
                },
            },
        )
        await self.platform.start()
        replicas: dict[str, list[str]] = {}
        for name in ("adherence", "labs"):
            replica = self.platform.spawn_replica(name)
            await replica.wait_ready()
            replicas[name] = [replica.url]
        self.target = Target(
            urls={n: self.platform.url(n) for n in self.platform.services},
            kafka=self.platform.kafka,
            headers=bearer(subject="fault-suite"),
            replicas=replicas,
        )

    def _schedule(self) -> dict[int, Callable[[], Awaitable[None]]]:
        """Faults spread over the simulated period, mid-stream on their day."""
        days = self.config.days
        wanted = [f for f in ALL_FAULTS if f in self.faults and f != "poison"]
        hooks: dict[int, list[Callable[[], Awaitable[None]]]] = {}
        for i, fault in enumerate(wanted):
            day = int(days * (i + 1) / (len(wanted) + 2))
            hooks.setdefault(day, []).append(self._fault(fault, day))
        if "poison" in self.faults:
            for round_no, day in enumerate((days // 5, days // 2, days - 3)):
                hooks.setdefault(day, []).append(self._poison(round_no, day))

        def run_all(actions: list[Callable[[], Awaitable[None]]]) -> Callable[[], Awaitable[None]]:
            async def all_of() -> None:
                for action in actions:
                    await action()

            return all_of

        return {day: run_all(actions) for day, actions in hooks.items()}

    def _fault(self, fault: str, day: int) -> Callable[[], Awaitable[None]]:
        async def inject() -> None:
            entry = Injected(fault, day)
            self.report.injected.append(entry)
            started = time.monotonic()
            assert self.platform is not None
            assert self.target is not None
            if fault.startswith("kill one of two"):
                name = fault.rsplit(" ", 1)[1]
                replica = self.platform.replicas[name].pop()
                replica.kill()
                self.target.replicas[name].remove(replica.url)
                entry.outcome = f"SIGKILL pid {replica.pid}; one instance left in the group"
            elif fault.startswith("kill "):
                name = fault.split(" ", 1)[1]
                victim = self.platform.services[name]
                pid = victim.pid
                victim.kill()
                await self.platform.spawn(name).wait_ready()
                entry.outcome = (
                    f"SIGKILL pid {pid}; restarted and ready in {time.monotonic() - started:.1f} s"
                )
            elif fault == "restart kafka":
                away = await self.stack.restart_kafka()
                entry.outcome = f"broker stopped and back in {away:.1f} s"
            elif fault == "restart postgres":
                away = await self.stack.restart_postgres()
                entry.outcome = f"database stopped (fast) and back in {away:.1f} s"

        return inject

    def _poison(self, round_no: int, day: int) -> Callable[[], Awaitable[None]]:
        async def inject() -> None:
            assert self.platform is not None
            now = self.simulation.calendar.end_of(self.simulation.calendar.date_of(day))
            records = batch(round_no, now=now - timedelta(minutes=1), max_event_bytes=256 * 1024)
            producer = AIOKafkaProducer(
                bootstrap_servers=self.stack.bootstrap,
                acks="all",
                enable_idempotence=True,
                max_request_size=4 * 1024**2,
            )
            await producer.start()
            try:
                topics = self.platform.kafka.topics
                for item in records:
                    await producer.send_and_wait(
                        getattr(topics, item.stream),
                        item.value,
                        key=item.key,
                        headers=[(k, v.encode()) for k, v in item.headers.items()],
                    )
            finally:
                await producer.stop()
            self.poison_sent.extend(records)
            self.report.injected.append(
                Injected(
                    "poison", day, f"{len(records)} records: " + ", ".join(r.kind for r in records)
                )
            )

        return inject

    async def _simulate(self) -> None:
        assert self.platform is not None
        assert self.target is not None
        self.simulation = Simulation(
            self.config,
            self.target,
            run_tag=uuid.uuid4().hex[:6],
            faults=self._schedule(),
        )
        ledger = await self.simulation.run()
        seen = await observe(
            self.target.kafka,
            notifier_url=self.target.urls["notifier"],
            headers=self.target.headers,
            patients=set(ledger.patients),
        )
        agreement = compare(ledger, seen)
        self.report.disagreements = agreement.disagreements
        self.report.checks = await reconcile.effects(self.platform, ledger)
        delivered, note = await reconcile.deliveries(self.platform, self.receiver)
        self.report.checks.append(delivered)
        self.report.notes.append(note)
        if self.poison_sent:
            poisoned, notes = await reconcile.poison(self.platform, self.poison_sent)
            self.report.checks.append(poisoned)
            self.report.notes.extend(notes)
        self.report.figures = {
            "patients": self.config.patients,
            "simulated_days": self.config.days,
            "records_published": ledger.records_sent,
            "duplicates_and_resends": ledger.duplicates_sent,
            "flags_by_reason": {r.value: list(v) for r, v in agreement.by_reason.items()},
            "misses_expected_found": list(agreement.misses),
            "wall_seconds": round(ledger.wall_s, 1),
        }
