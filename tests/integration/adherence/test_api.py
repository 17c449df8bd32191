"""The staff API: statuses and figures per patient and plan, the day's worklist, bad input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts import Phase
from tests.integration.adherence.support import (
    Harness,
    at_noon,
    doses_of,
    plan_created,
    scheduled,
    today,
)
from tests.support.factories import dose_administered, patient_id
from tests.support.polling import eventually
from tests.support.services import bearer


async def test_patient_adherence_shows_each_dose_status_and_the_figures(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    missed, late, given, due, upcoming = (
        scheduled(day - timedelta(days=12)),
        scheduled(day - timedelta(days=8)),
        scheduled(day - timedelta(days=1)),
        scheduled(day),
        scheduled(day + timedelta(days=20), Phase.MAINTENANCE),
    )
    plan = plan_created(patient, start=missed.due_on, doses=[missed, late, given, due, upcoming])
    late_at = at_noon(day - timedelta(days=3))  # after the window of day - 8, before day - 1's
    given_at = datetime.now(UTC) - timedelta(days=1)
    await adherence.publish(
        plan,
        dose_administered(patient, plan_id=plan.plan_id, administered_at=late_at),
        dose_administered(patient, plan_id=plan.plan_id, administered_at=given_at, dose_mcg=500),
    )

    async def both_recorded() -> dict[str, Any]:
        body = (await adherence.client.get(f"/patients/{patient}/adherence")).json()
        statuses = [d["status"] for d in doses_of(body)] if "plans" in body else []
        return body if statuses.count("given") + statuses.count("late") == 2 else {}

    body = await eventually(both_recorded, what="both administrations matched")
    assert [d["status"] for d in doses_of(body)] == ["missed", "late", "given", "due", "upcoming"]
    # Adherence counts doses whose outcome is known: 1 given within its window out of 3.
    assert body["doses_assessed"] == 3
    assert body["doses_given_in_window"] == 1
    assert round(body["adherence_percent"], 1) == 33.3
    assert datetime.fromisoformat(body["last_given_at"]) == given_at
    assert body["next_due_on"] == due.due_on.isoformat()
    [discrepant] = [d for d in doses_of(body) if d["discrepancies"]]
    assert discrepant["dose_id"] == str(given.dose_id)
    assert discrepant["discrepancies"] == [
        {"field": "dose_mcg", "scheduled": 1000.0, "administered": 500.0}
    ]

    plan_body = (await adherence.client.get(f"/plans/{plan.plan_id}/doses")).json()
    assert [d["status"] for d in plan_body["doses"]] == [d["status"] for d in doses_of(body)]
    assert plan_body["adherence"]["doses_assessed"] == 3

    worklist = await adherence.client.get("/worklist", params={"date": day.isoformat()})
    assert worklist.status_code == 200
    mine = [e for e in worklist.json()["entries"] if e["patient_id"] == patient]
    # Today: only the dose due today (the one missed 12 days ago is past its late limit).
    # Ten days ago: that dose, past due but still within its window.
    assert [(e["dose_id"], e["kind"]) for e in mine] == [(str(due.dose_id), "due")]
    earlier = await adherence.client.get(
        "/worklist", params={"date": (day - timedelta(days=10)).isoformat()}
    )
    mine = [e for e in earlier.json()["entries"] if e["patient_id"] == patient]
    assert [(e["dose_id"], e["kind"]) for e in mine] == [(str(missed.dose_id), "overdue")]


async def test_bad_input_is_answered_with_a_4xx_and_a_reason(adherence: Harness) -> None:
    client = adherence.client
    bad_patient = await client.get("/patients/not%20valid!/adherence")
    assert bad_patient.status_code == 422
    assert "patient_id" in bad_patient.json()["detail"]
    too_long = await client.get(f"/patients/{'p' * 65}/adherence")
    assert too_long.status_code == 422
    unknown = await client.get(f"/patients/{patient_id()}/adherence")
    assert unknown.status_code == 404
    assert (await client.get(f"/plans/{uuid.uuid4()}/doses")).status_code == 404
    assert (await client.get("/plans/not-a-uuid/doses")).status_code == 422
    for value in ("2024-13-01", "2024-02-30", "yesterday", "2024-1-5", "1704067200"):
        answer = await client.get("/worklist", params={"date": value})
        assert answer.status_code == 422, value
        assert "date" in answer.json()["detail"]
    assert (await client.get("/worklist")).status_code == 422


async def test_every_route_needs_a_token(adherence: Harness) -> None:
    client = adherence.client
    for path in (
        f"/patients/{patient_id()}/adherence",
        f"/plans/{uuid.uuid4()}/doses",
        f"/worklist?date={today().isoformat()}",
    ):
        assert (await client.get(path, headers={"Authorization": ""})).status_code == 401
        answer = await client.get(path, headers=bearer("ops"))
        assert answer.status_code in (200, 404), path
