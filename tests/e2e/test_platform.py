"""The platform end to end: service processes, real Kafka and Postgres, driven over HTTP."""

from __future__ import annotations

import json
import secrets
from datetime import date, timedelta
from typing import Any

from devstack.platform import IsolatedPlatform
from tests.support.factories import patient_id
from tests.support.kafka import events_on
from tests.support.polling import eventually

PLAN_REQUEST: dict[str, Any] = {
    "indication": "pernicious_anaemia",
    "severity": "moderate",
    "neurological_involvement": False,
    "timezone": "Europe/London",
}


async def test_a_plan_created_over_http_reaches_adherence_through_kafka(
    platform: IsolatedPlatform,
) -> None:
    patient = patient_id()
    start = date.today() + timedelta(days=7)
    async with platform.client("planner", "clinic") as planner:
        created = await planner.post(
            "/plans", json={**PLAN_REQUEST, "patient_id": patient, "start_date": str(start)}
        )
    assert created.status_code == 201, created.text
    plan = created.json()
    schedule = [(d["dose_id"], d["due_on"], d["phase"]) for d in plan["doses"]]
    assert schedule
    assert plan["lifelong"] is True

    async def published() -> list[dict[str, Any]]:
        return await events_on(
            platform.kafka.bootstrap_servers,
            platform.kafka.topics.plans,
            plan_id=plan["plan_id"],
            type="PlanCreated",
        )

    (event,) = await eventually(published, what="PlanCreated on treatment.plans")
    assert [(d["dose_id"], d["due_on"], d["phase"]) for d in event["doses"]] == schedule

    async with platform.client("adherence", "staff") as adherence:

        async def held() -> list[dict[str, Any]]:
            answer = await adherence.get(f"/plans/{plan['plan_id']}/doses")
            return answer.json()["doses"] if answer.status_code == 200 else []

        doses = await eventually(held, what="the schedule held by adherence")
    assert [(d["dose_id"], d["due_on"], d["phase"]) for d in doses] == schedule


def _spans(log: str) -> list[dict[str, Any]]:
    spans = []
    for line in log.splitlines():
        if line.startswith('{"name"'):
            spans.append(json.loads(line))
    return spans


async def test_one_trace_from_post_plans_into_adherences_handler(
    platform: IsolatedPlatform,
) -> None:
    trace_id = secrets.token_hex(16)
    traceparent = f"00-{trace_id}-{secrets.token_hex(8)}-01"
    patient = patient_id()
    async with platform.client("planner", "clinic") as planner:
        created = await planner.post(
            "/plans",
            json={**PLAN_REQUEST, "patient_id": patient, "start_date": str(date.today())},
            headers={"traceparent": traceparent},
        )
    assert created.status_code == 201, created.text

    def traced(service: str, name: str) -> list[dict[str, Any]]:
        log = platform.services[service].log_path.read_text(errors="replace")
        return [
            s
            for s in _spans(log)
            if s["name"] == name and s["context"]["trace_id"] == f"0x{trace_id}"
        ]

    async def consumed() -> list[dict[str, Any]]:
        return traced("adherence", "process PlanCreated")

    (handler_span,) = await eventually(consumed, what="adherence's span for the PlanCreated")
    assert handler_span["attributes"]["messaging.destination.name"] == platform.kafka.topics.plans
    # The same trace passed through the planner's HTTP server span and its outbox relay.
    assert traced("planner", "POST /plans")
    assert traced("planner", f"publish {platform.kafka.topics.plans}")
