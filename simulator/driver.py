"""Runs a cohort through a live platform, one simulated day at a time.

Each day: pin the services' clocks to the end of that day, create the plans that start, publish
the day's administrations and results (with duplicates, re-sends and poison), wait until the
consumers have caught up, then pin the clocks to the start of the next day and run the sweeps.
Weeks pass in seconds, and every rule sees the time it would have seen in a real clinic.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from shared.contracts import Indication
from shared.topics import Stream
from simulator.clinic import Administration, administrations
from simulator.cohort import PatientProfile, generate_cohort
from simulator.config import CohortConfig
from simulator.laboratory import Sample, samples
from simulator.link import PlatformLink, Target
from simulator.plans import Calendar, PlanSchedule
from simulator.records import Outgoing, dose_event, lab_event, outgoing, with_noise
from simulator.truth import Expected, adherence_truth, labs_truth

CLINIC_SOURCE = "clinic-sim"


@dataclass
class PatientRun:
    """One patient as the run unfolds: the plan, what was given and taken, what must follow."""

    profile: PatientProfile
    plan: PlanSchedule | None = None
    created_at: datetime | None = None
    given: list[Administration] = field(default_factory=list)
    taken: list[Sample] = field(default_factory=list)
    expected: Expected = field(default_factory=Expected)


@dataclass
class RunLedger:
    """Everything the run did, for the report and for reconciliation."""

    config: CohortConfig
    calendar: Calendar
    patients: dict[str, PatientRun]
    poison_sent: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    records_sent: int = 0
    duplicates_sent: int = 0
    wall_s: float = 0.0
    failures: list[str] = field(default_factory=list)


class Simulation:
    """A cohort driven through the platform; ``run`` returns the ledger with the ground truth."""

    def __init__(
        self,
        config: CohortConfig,
        target: Target,
        *,
        run_tag: str,
        on_day: Callable[[int, int], None] = lambda done, total: None,
        faults: Mapping[int, Callable[[], Awaitable[None]]] | None = None,
        patience_s: float = 180.0,
    ) -> None:
        self.config = config
        self.target = target
        self.on_day = on_day
        self.faults = dict(faults or {})
        self.patience_s = patience_s
        self.topics = target.kafka.topics
        first_day = datetime.now(UTC).date() - timedelta(days=config.days + 1)
        self.calendar = Calendar(first_day=first_day, timezone=config.timezone)
        cohort = [self._on_a_working_day(p) for p in generate_cohort(config, run_tag=run_tag)]
        self.ledger = RunLedger(
            config=config,
            calendar=self.calendar,
            patients={p.patient_id: PatientRun(profile=p) for p in cohort},
        )
        self.rng = random.Random(config.seed ^ 0x5EED)
        self.outbox: dict[int, list[tuple[Outgoing, Any]]] = defaultdict(list)
        self.link = PlatformLink(target, patience_s=patience_s)
        self._producer: AIOKafkaProducer | None = None

    def _on_a_working_day(self, profile: PatientProfile) -> PatientProfile:
        """New plans start on a clinic day (the first injection is given at that visit)."""
        if profile.taken_over:
            return profile
        day = profile.start_day
        while self.calendar.date_of(day).weekday() >= 5:
            day += 1
        return replace(profile, start_day=day)

    @property
    def last_day(self) -> date:
        return self.calendar.date_of(self.config.days - 1)

    async def run(self) -> RunLedger:
        """Simulate every day, settle the pipeline, and return the ledger."""
        started = time.perf_counter()
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.target.kafka.bootstrap_servers,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
        )
        await self._producer.start()
        await self.link.start()
        try:
            for day in range(self.config.days):
                await self._simulate_day(day)
                self.on_day(day + 1, self.config.days)
            await self.link.pin(None)
            await self.link.settle()
        finally:
            await self.link.pin(None)
            await self.link.stop()
            await self._producer.stop()
        self._work_out_truth()
        self.ledger.wall_s = time.perf_counter() - started
        return self.ledger

    async def _simulate_day(self, day: int) -> None:
        on = self.calendar.date_of(day)
        await self.link.pin(self.calendar.end_of(on))
        starting = [p for p in self.ledger.patients.values() if p.profile.created_on_day == day]
        early = [p for p in starting if self._first_dose_before_plan(p.profile)]
        if early:
            await self._publish([self._early_first_dose(p, on) for p in early])
            await self.link.caught_up(("adherence", "labs"))
        for patient in starting:
            await self._create_plan(patient, on)
        await self._publish(self.outbox.pop(day, []))
        if day in self.faults:
            # Mid-stream: the day's records are on their way to the consumers.
            await self.faults[day]()
        for patient in starting:
            if patient.plan is not None and not await self.link.adherence_knows(
                patient.plan.plan_id
            ):
                self.ledger.failures.append(
                    f"{patient.profile.patient_id}: plan never reached adherence"
                )
        await self.link.caught_up(("adherence", "labs"))
        await self.link.pin(self.calendar.start_of(on + timedelta(days=1)) + timedelta(seconds=1))
        await self.link.sweep("adherence", "planner")

    def _first_dose_before_plan(self, profile: PatientProfile) -> bool:
        # Only injections given at the first visit are recorded before the plan is entered.
        return profile.first_dose_before_plan and profile.indication is not Indication.DIETARY

    def _early_first_dose(self, patient: PatientRun, on: date) -> tuple[Outgoing, Any]:
        first = Administration(
            administration_id=f"{patient.profile.patient_id}-adm-0000",
            dose_id=_NO_DOSE,
            given_on=on,
            administered_at=self.calendar.at(on, 9),
            status="completed",
            dose_mcg=1000,
            product="hydroxocobalamin",
            route="IM",
        )
        patient.given.append(first)
        event = dose_event(
            patient.profile.patient_id,
            first,
            plan_id=None,
            source=CLINIC_SOURCE,
            recorded_at=first.administered_at,
        )
        return outgoing("doses", event), event

    async def _create_plan(self, patient: PatientRun, on: date) -> None:
        profile = patient.profile
        start = self.calendar.date_of(profile.start_day)
        answer = await self._plan_request(
            f"{self.target.urls['planner']}/plans",
            {
                "patient_id": profile.patient_id,
                "indication": profile.indication.value,
                "severity": profile.severity.value,
                "neurological_involvement": profile.neurological_involvement,
                "start_date": start.isoformat(),
                "timezone": self.config.timezone,
            },
        )
        if answer.status_code != 201:
            self.ledger.failures.append(
                f"{profile.patient_id}: POST /plans answered {answer.status_code}: {answer.text}"
            )
            return
        plan = PlanSchedule.from_api(answer.json())
        patient.plan = plan
        patient.created_at = self.calendar.end_of(on)
        self._prepare_records(patient, on)

    async def _plan_request(self, url: str, body: dict[str, Any]) -> httpx.Response:
        # A planner killed mid-request may have committed the plan: a retry then meets 409
        # (one active plan per patient and indication), and the plan is read back instead.
        try:
            return await self.link.request("POST", url, json=body)
        except httpx.HTTPStatusError as exc:
            if exc.response.status_code != 409:
                return exc.response
        plans = await self.link.request(
            "GET", self.link.url("planner", f"/patients/{body['patient_id']}/plans")
        )
        found = [p for p in plans.json() if p["status"] == "active"]
        return httpx.Response(201, json=found[0]) if found else plans

    def _prepare_records(self, patient: PatientRun, created_on: date) -> None:
        """Work out the patient's administrations and results and queue them by day."""
        profile, plan = patient.profile, patient.plan
        assert plan is not None
        given = administrations(profile, plan, calendar=self.calendar, last_day=self.last_day)
        early = [g for g in patient.given if g.dose_id is _NO_DOSE]
        first = plan.doses[0]
        if early and first.due_on == created_on:
            # The injection recorded before the plan stands for the first scheduled dose.
            given = [g for g in given if g.dose_id != first.dose_id]
            patient.given = [_as_dose(early[0], first.dose_id)]
        patient.given += given
        completed = sorted(g.given_on for g in patient.given if g.completed)
        if completed:
            patient.taken = samples(
                profile, first_dose_on=completed[0], calendar=self.calendar, last_day=self.last_day
            )
        today = self.calendar.day_of(created_on)
        with_plan_id = self.rng.random() >= self.config.without_plan_id_share
        for record in given:
            event = dose_event(
                profile.patient_id,
                record,
                plan_id=plan.plan_id if with_plan_id else None,
                source=CLINIC_SOURCE,
                recorded_at=record.administered_at,
            )
            day = max(self.calendar.day_of(record.given_on), today)
            self.outbox[day].append((outgoing("doses", event), event))
        for sample in patient.taken:
            result = lab_event(profile.patient_id, sample, lab_id=profile.lab_id)
            day = max(self.calendar.day_of(sample.taken_on), today)
            self.outbox[day].append((outgoing("labs", result), result))

    async def _publish(self, queued: list[tuple[Outgoing, Any]]) -> None:
        assert self._producer is not None
        config, sends = self.config, []
        for record, event in queued:
            noisy = with_noise(
                record,
                event,
                rng=self.rng,
                duplicate=config.duplicate_share,
                resend=config.resend_share,
                malformed=config.malformed_share,
            )
            self.ledger.duplicates_sent += len(noisy) - 1 - sum(1 for r in noisy if r.poison)
            for item in noisy:
                if item.poison:
                    self.ledger.poison_sent[item.stream] += 1
                topic = self.topics.name(Stream(item.stream))
                headers = [(k, v.encode()) for k, v in item.headers.items()]
                sends.append(
                    await self._producer.send(topic, item.value, key=item.key, headers=headers)
                )
                self.ledger.records_sent += 1
        if sends:
            await asyncio.gather(*sends)

    def _work_out_truth(self) -> None:
        last_sweep = self.calendar.start_of(self.last_day + timedelta(days=1)) + timedelta(
            seconds=1
        )
        for patient in self.ledger.patients.values():
            if patient.plan is None or patient.created_at is None:
                continue
            patient.expected = adherence_truth(
                patient.plan,
                patient.given,
                created_at=patient.created_at,
                last_sweep=last_sweep,
                calendar=self.calendar,
            )
            patient.expected.reasons |= labs_truth(patient.profile, patient.plan, patient.taken)


_NO_DOSE: Any = object()


def _as_dose(record: Administration, dose_id: Any) -> Administration:
    return Administration(
        administration_id=record.administration_id,
        dose_id=dose_id,
        given_on=record.given_on,
        administered_at=record.administered_at,
        status=record.status,
        dose_mcg=record.dose_mcg,
        product=record.product,
        route=record.route,
    )
