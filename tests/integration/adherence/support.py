"""Building plan events as the planner would, and a harness around a running adherence app."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import asyncpg
import httpx

from services.adherence.settings import AdherenceSettings
from services.adherence.settle import Context
from services.adherence.sweeper import SweepReport, sweep
from shared.contracts import (
    DoseAdministered,
    Event,
    Indication,
    Phase,
    PhaseSpec,
    PlanAdjusted,
    PlanCancelled,
    PlanCreated,
    ScheduledDose,
    Severity,
)
from shared.runtime import ServiceRuntime
from tests.support.kafka import Publisher, events_on

PLANNER = "planner-test"


def today() -> date:
    """Today in UTC, the timezone of the plans built here unless told otherwise."""
    return datetime.now(UTC).date()


def at_noon(day: date) -> datetime:
    """Midday UTC on a date."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


class ManualClock:
    """The app's clock: the real time, or the real time moved by a chosen offset."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


def scheduled(due_on: date, phase: Phase = Phase.LOADING, **fields: Any) -> ScheduledDose:
    """A 1 mg hydroxocobalamin IM dose due on a date."""
    values: dict[str, Any] = {
        "dose_id": uuid.uuid4(),
        "due_on": due_on,
        "dose_mcg": 1000,
        "product": "hydroxocobalamin",
        "route": "IM",
        "phase": phase,
    }
    values.update(fields)
    return ScheduledDose(**values)


def phase(kind: Phase, starts_on: date, ends_on: date | None = None) -> PhaseSpec:
    """A phase of 1 mg hydroxocobalamin IM."""
    return PhaseSpec(
        phase=kind,
        description=f"{kind.value} phase",
        product="hydroxocobalamin",
        route="IM",
        dose_mcg=1000,
        interval_days=2 if kind is Phase.LOADING else 56,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def plan_created(
    patient: str,
    *,
    start: date,
    doses: Sequence[ScheduledDose],
    phases: Sequence[PhaseSpec] = (),
    neurological_involvement: bool = False,
    timezone: str = "UTC",
) -> PlanCreated:
    """A PlanCreated as the planner publishes it."""
    return PlanCreated(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=patient,
        source=PLANNER,
        plan_id=uuid.uuid4(),
        protocol_id="uk-hydroxocobalamin",
        protocol_version=1,
        indication=Indication.PERNICIOUS_ANAEMIA,
        severity=Severity.MODERATE,
        neurological_involvement=neurological_involvement,
        lifelong=True,
        start_date=start,
        timezone=timezone,
        phases=list(phases) or [phase(Phase.LOADING, start)],
        doses=list(doses),
    )


def plan_adjusted(
    plan: PlanCreated, *, effective_from: date, doses: Sequence[ScheduledDose]
) -> PlanAdjusted:
    """A clinician's adjustment replacing the plan's doses from ``effective_from`` on."""
    return PlanAdjusted(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=plan.patient_id,
        source=PLANNER,
        plan_id=plan.plan_id,
        adjustment_id=uuid.uuid4(),
        effective_from=effective_from,
        reason="clinician moved the remaining loading doses",
        doses=list(doses),
    )


def plan_cancelled(plan: PlanCreated) -> PlanCancelled:
    """The plan's cancellation."""
    return PlanCancelled(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=plan.patient_id,
        source=PLANNER,
        plan_id=plan.plan_id,
        reason="treatment stopped",
    )


@dataclass
class Harness:
    """A running adherence app, its clock, a producer, and ways to look inside."""

    client: httpx.AsyncClient
    settings: AdherenceSettings
    runtime: ServiceRuntime
    clock: ManualClock
    publisher: Publisher
    admin: asyncpg.Pool
    bootstrap: str
    seen: dict[str, int] = field(default_factory=dict)

    @property
    def schema(self) -> str:
        return self.settings.db_schema

    @property
    def context(self) -> Context:
        return Context(
            config=self.settings.config,
            topics=self.runtime.topics,
            source=self.settings.service_name,
        )

    async def publish(self, *events: Event) -> None:
        """Publish events on the topic that carries them, in order."""
        topics = self.runtime.topics
        for event in events:
            topic = topics.doses if isinstance(event, DoseAdministered) else topics.plans
            await self.publisher.event(topic, event)

    async def sweep(
        self, now: datetime, *, pool: asyncpg.Pool | None = None, batch_size: int = 100
    ) -> SweepReport:
        """One sweep at a chosen time, as the runtime's sweeper would run it."""
        return await sweep(
            pool or self.runtime.pool, now=now, context=self.context, batch_size=batch_size
        )

    async def rows(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """Rows of a query on the service's schema (``{s}`` stands for the schema)."""
        return list(await self.admin.fetch(sql.format(s=f'"{self.schema}"'), *args))

    async def adherence_events(self, patient: str, **match: Any) -> list[dict[str, Any]]:
        """Bodies on treatment.adherence for the patient."""
        topic = self.runtime.topics.adherence
        return await events_on(self.bootstrap, topic, patient_id=patient, **match)

    async def flags(self, patient: str, **match: Any) -> list[dict[str, Any]]:
        """Bodies on treatment.flags for the patient."""
        topic = self.runtime.topics.flags
        return await events_on(self.bootstrap, topic, patient_id=patient, **match)

    async def outbox(self, patient: str, topic: str) -> list[dict[str, Any]]:
        """What the service wrote to its outbox for the patient on a topic (its truth)."""
        rows = await self.rows(
            "select payload from {s}.outbox where key = $1 and topic = $2 order by id",
            patient.encode(),
            topic,
        )
        return [json.loads(row["payload"]) for row in rows]

    async def patient(self, patient: str) -> dict[str, Any]:
        """GET /patients/{patient}/adherence (200 expected)."""
        response = await self.client.get(f"/patients/{patient}/adherence")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def doses_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """Every dose of every plan in a patient adherence answer, in due order."""
    return sorted(
        (d for plan in body["plans"] for d in plan["doses"]),
        key=lambda d: (d["due_on"], d["dose_id"]),
    )
