"""Requests, flags and observers for the planner's integration tests."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
from fastapi import FastAPI

from services.planner.domain import Plan, PlanRequest, build_plan
from services.planner.runtime import PlannerRuntime
from shared.contracts import (
    AddLabChecks,
    Evidence,
    EvidenceItem,
    FlagReason,
    ResponseFlagged,
    ShortenMaintenanceInterval,
    Threshold,
)
from shared.contracts.findings import SuggestedAction
from tests.support.kafka import Publisher, events_on
from tests.support.polling import eventually

# A Monday: plans start here unless a test says otherwise, with the clock pinned to it.
MONDAY = date(2026, 1, 5)
MONDAY_MORNING = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def at_nine(day: date) -> datetime:
    """09:00 UTC on ``day`` (the same date in Europe/London, the default timezone)."""
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def plan_request(patient: str, **fields: Any) -> dict[str, Any]:
    """A POST /plans body: pernicious anaemia, moderate, no neurology, from MONDAY."""
    body: dict[str, Any] = {
        "patient_id": patient,
        "indication": "pernicious_anaemia",
        "severity": "moderate",
        "neurological_involvement": False,
        "start_date": MONDAY.isoformat(),
    }
    body.update(fields)
    return body


def response_flagged(
    patient: str,
    *,
    plan_id: uuid.UUID | str | None,
    reason: FlagReason = FlagReason.RELAPSE_ON_MAINTENANCE,
    action: SuggestedAction | None = None,
    flag_id: uuid.UUID | None = None,
) -> ResponseFlagged:
    """A flag from labs (fresh event id) suggesting ``action``."""
    return ResponseFlagged(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=patient,
        source="labs-test",
        flag_id=flag_id or uuid.uuid4(),
        plan_id=uuid.UUID(str(plan_id)) if plan_id else None,
        raised_by="labs",
        reason=reason,
        severity="warning",
        evidence=Evidence(
            items=[EvidenceItem(kind="lab_result", label="haemoglobin", code="718-7", value=112)],
            thresholds=[Threshold(name="haemoglobin_low", value=120, unit="g/L")],
        ),
        recommendation="Haemoglobin has fallen again on maintenance: consider shortening it.",
        suggested_action=action,
        rule_id="labs.relapse_on_maintenance",
        rule_version=1,
    )


def shorten_to(weeks: int) -> ShortenMaintenanceInterval:
    """The action RELAPSE_ON_MAINTENANCE suggests."""
    return ShortenMaintenanceInterval(to_interval_weeks=weeks, from_interval_weeks=12)


def add_folate_check() -> AddLabChecks:
    """An action that adds a folate test within a week."""
    return AddLabChecks(loinc_codes=["2284-8"], within_days=7, purpose="Check folate")


def expected_plan(
    runtime: PlannerRuntime, body: dict[str, Any], answer: dict[str, Any], *, today: date = MONDAY
) -> Plan:
    """The plan the domain builds for ``body`` with the answer's id, created on ``today``."""
    request = PlanRequest.model_validate(body)
    return build_plan(
        request, plan_id=uuid.UUID(answer["plan_id"]), today=today, context=runtime.context
    )


def detail(answer: httpx.Response) -> str:
    """The ``detail`` of an error answer."""
    text: str = answer.json()["detail"]
    return text


def json_of(models: list[Any]) -> list[Any]:
    """Pydantic models as the API and the events render them."""
    return [model.model_dump(mode="json") for model in models]


@dataclass
class Planner:
    """A running planner app, its runtime and client, and ways to look at what it published."""

    app: FastAPI
    client: httpx.AsyncClient
    publisher: Publisher
    admin: asyncpg.Pool
    bootstrap: str

    @property
    def runtime(self) -> PlannerRuntime:
        runtime: PlannerRuntime = self.app.state.runtime
        return runtime

    async def pin_clock(self, now: datetime) -> None:
        """Pin the service's "now" over the ops API, as a simulation does."""
        answer = await self.client.put("/ops/clock", json={"now": now.isoformat()})
        assert answer.status_code == 200, answer.text

    async def sweep(self) -> int:
        """Run the sweeper once over the ops API; returns what it did."""
        answer = await self.client.post("/ops/sweeps")
        assert answer.status_code == 200, answer.text
        found: int = answer.json()["plans"]
        return found

    async def create_plan(self, body: dict[str, Any]) -> dict[str, Any]:
        """POST /plans and expect 201."""
        answer = await self.client.post("/plans", json=body)
        assert answer.status_code == 201, answer.text
        created: dict[str, Any] = answer.json()
        return created

    async def flag(self, flag: ResponseFlagged) -> None:
        """Publish a flag on treatment.flags, as labs would."""
        await self.publisher.event(self.runtime.topics.flags, flag)

    async def plan_events(
        self, plan_id: str, event_type: str, *, count: int = 1
    ) -> list[dict[str, Any]]:
        """Wait for ``count`` events of a type for a plan on treatment.plans; returns them all."""
        topic = self.runtime.topics.plans

        async def found() -> list[dict[str, Any]]:
            events = await events_on(self.bootstrap, topic, plan_id=plan_id, type=event_type)
            return events if len(events) >= count else []

        return await eventually(found, what=f"{count} {event_type} for plan {plan_id}")

    async def proposals(self, plan_id: str, *, count: int = 1) -> list[dict[str, Any]]:
        """Wait until the plan has ``count`` proposals; returns them."""

        async def found() -> list[dict[str, Any]]:
            answer = await self.client.get(f"/plans/{plan_id}/proposals")
            assert answer.status_code == 200, answer.text
            items: list[dict[str, Any]] = answer.json()
            return items if len(items) >= count else []

        return await eventually(found, what=f"{count} proposal(s) for plan {plan_id}")

    async def outbox_types(self, patient: str) -> list[str]:
        """Event types the planner wrote to its outbox for a patient, in order (its truth)."""
        schema = self.runtime.settings.db_schema
        rows = await self.admin.fetch(
            f'select payload from "{schema}".outbox where key = $1 order by id', patient.encode()
        )
        return [json.loads(row["payload"])["type"] for row in rows]

    async def audit(self, plan_id: str) -> list[tuple[str, str]]:
        """The plan's audit trail as (action, actor) pairs."""
        answer = await self.client.get(f"/plans/{plan_id}/audit")
        assert answer.status_code == 200, answer.text
        return [(entry["action"], entry["actor"]) for entry in answer.json()]
