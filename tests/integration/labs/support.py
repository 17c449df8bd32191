"""A clinic for labs tests: one patient's plan, doses and results, published and read back."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from shared.contracts import (
    Indication,
    LabResulted,
    Phase,
    PhaseSpec,
    PlanCreated,
    ScheduledDose,
    Severity,
)
from shared.settings import KafkaSettings
from tests.support.factories import dose_administered
from tests.support.kafka import Publisher, events_on
from tests.support.polling import eventually

START = date(2026, 1, 5)
FIRST_DOSE_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SAMPLE_HOUR = 10
FOLATE_RANGE_LAB = "b-main"

B12 = "2132-9"
MMA = "13964-2"
HB = "718-7"
MCV = "787-2"
RETIC = "4679-7"
FOLATE = "2284-8"
TSH = "3016-3"
FERRITIN = "2276-4"
POTASSIUM = "2823-3"


def sampled_on(day: int, hour: int = SAMPLE_HOUR) -> datetime:
    """The instant of a sample taken on treatment day ``day`` (day 0: the first dose)."""
    return datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC).replace(
        hour=hour
    )


def _phase(kind: Phase, starts_on: date, ends_on: date | None, **timing: int) -> PhaseSpec:
    return PhaseSpec(
        phase=kind,
        description=f"{kind.value}: hydroxocobalamin 1 mg IM",
        product="hydroxocobalamin",
        route="IM",
        dose_mcg=1000,
        starts_on=starts_on,
        ends_on=ends_on,
        **timing,
    )


def plan_created(
    patient: str, *, loading_days: int = 14, maintenance_interval_days: int = 84
) -> PlanCreated:
    """The planner's event: loading three times a week from START, then 12-weekly maintenance."""
    loading_end = START + timedelta(days=loading_days - 1)
    loading_doses = [
        ScheduledDose(
            dose_id=uuid.uuid4(),
            due_on=START + timedelta(days=day),
            dose_mcg=1000,
            product="hydroxocobalamin",
            route="IM",
            phase=Phase.LOADING,
        )
        for day in range(0, loading_days, 2)
    ]
    return PlanCreated(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=patient,
        source="planner-test",
        plan_id=uuid.uuid4(),
        protocol_id="uk-hydroxocobalamin-no-neuro",
        protocol_version=1,
        indication=Indication.PERNICIOUS_ANAEMIA,
        severity=Severity.MODERATE,
        neurological_involvement=False,
        lifelong=True,
        start_date=START,
        timezone="Europe/London",
        phases=[
            _phase(Phase.LOADING, START, loading_end, times_per_week=3),
            _phase(
                Phase.MAINTENANCE,
                loading_end + timedelta(days=1),
                None,
                interval_days=maintenance_interval_days,
            ),
        ],
        doses=loading_doses,
    )


@dataclass
class Clinic:
    """One patient's clinic, laboratories and planner, and what labs says about them."""

    patient: str
    client: httpx.AsyncClient
    publisher: Publisher
    kafka: KafkaSettings

    def lab(
        self,
        code: str,
        value: float,
        unit: str,
        *,
        day: int,
        result_id: str | None = None,
        status: str = "final",
        source: str = "lab-system",
        lab_id: str | None = None,
        low: float | None = None,
        high: float | None = None,
        reported_after_hours: int = 6,
    ) -> LabResulted:
        """A LabResulted for a sample taken on treatment day ``day``."""
        observed_at = sampled_on(day)
        return LabResulted.model_validate(
            {
                "event_id": uuid.uuid4(),
                "occurred_at": observed_at + timedelta(hours=reported_after_hours),
                "patient_id": self.patient,
                "source": source,
                # Laboratories number their own results: unique per test, whatever the patient.
                "result_id": f"{self.patient}/{result_id or f'{code}@{day}'}",
                "observed_at": observed_at,
                "code": code,
                "value": value,
                "unit": unit,
                "status": status,
                "lab_id": lab_id,
                "reference_low": low,
                "reference_high": high,
            }
        )

    async def start_treatment(self, **plan: int) -> PlanCreated:
        """Publish the plan and its first dose, and wait until labs runs on that clock."""
        created = plan_created(self.patient, **plan)
        dose = dose_administered(
            self.patient, plan_id=created.plan_id, administered_at=FIRST_DOSE_AT
        )
        await self.publisher.event(self.kafka.topics.plans, created)
        await self.publisher.event(self.kafka.topics.doses, dose)

        async def on_the_clock() -> dict[str, Any] | None:
            view = await self.view("response")
            plan_view = view["plan"] if view else None
            return plan_view if plan_view and plan_view["first_dose_at"] else None

        await eventually(on_the_clock, what="the plan and its first dose in labs")
        return created

    async def publish(self, *events: LabResulted) -> None:
        """Publish results as the laboratories would, in order."""
        for event in events:
            await self.publisher.event(self.kafka.topics.labs, event)

    async def results(self, *events: LabResulted) -> dict[str, Any]:
        """Publish results, then wait until labs has stored the last (so all before it)."""
        await self.publish(*events)
        return await self.stored(events[-1])

    async def stored(self, event: LabResulted) -> dict[str, Any]:
        """Wait until a result version is in the timeline; the timeline then."""

        async def found() -> dict[str, Any]:
            view = await self.view("labs")
            if view is None:
                return {}
            hit = any(
                entry["source"] == event.source
                and entry["result_id"] == event.result_id
                and entry["status"] == event.status
                and entry["original_value"] == event.value
                for entry in view["entries"]
            )
            return view if hit else {}

        result = await eventually(found, what=f"result {event.result_id}")
        return result

    async def view(self, name: str) -> dict[str, Any] | None:
        """GET /patients/{patient}/{name}; None while labs knows nothing of the patient."""
        answer = await self.client.get(f"/patients/{self.patient}/{name}")
        if answer.status_code == 404:
            return None
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        return body

    async def flags(self) -> list[dict[str, Any]]:
        """The patient's flags on treatment.flags, in publishing order."""
        return await events_on(
            self.kafka.bootstrap_servers, self.kafka.topics.flags, patient_id=self.patient
        )

    async def published_flags(self) -> list[dict[str, Any]]:
        """Once every finding labs recorded has reached the topic: the patient's flags."""
        view = await self.view("response")
        assert view is not None
        expected = len(view["findings"])
        if expected == 0:
            return await self.flags()

        async def all_published() -> list[dict[str, Any]]:
            flags = await self.flags()
            return flags if len(flags) >= expected else []

        published = await eventually(all_published, what=f"{expected} flags on the topic")
        return published


def reasons(flags: list[dict[str, Any]]) -> list[str]:
    """The flags' reasons, sorted."""
    return sorted(flag["reason"] for flag in flags)


def lab_evidence(flag: dict[str, Any]) -> list[dict[str, Any]]:
    """The results a flag cites (baselines included)."""
    return [i for i in flag["evidence"]["items"] if i["kind"] in ("lab_result", "baseline")]
