"""Invalid or unsafe requests get a 4xx that says what is wrong; nothing is published for them."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.planner.support import Planner, detail, plan_request
from tests.support.factories import patient_id
from tests.support.services import bearer

UNSAFE_OR_INVALID: list[tuple[str, dict[str, Any], list[str]]] = [
    (
        "maintenance interval over the spacing cap",
        {"overrides": {"maintenance_interval_weeks": 13}},
        ["maintenance_interval_weeks 13", "12-week spacing cap"],
    ),
    (
        "maintenance interval below its minimum",
        {"overrides": {"maintenance_interval_weeks": 0}},
        ["maintenance_interval_weeks_min"],
    ),
    (
        "loading longer than its bound",
        {"overrides": {"loading_weeks": 13}},
        ["loading_weeks 13", "loading_weeks_max"],
    ),
    (
        "interval override on an oral protocol",
        {"indication": "dietary", "overrides": {"maintenance_interval_weeks": 8}},
        ["no injected maintenance"],
    ),
    ("unknown protocol", {"protocol_id": "made-up-protocol"}, ["unknown protocol", "known:"]),
    (
        "lifelong cause on a protocol that ends",
        {"protocol_id": "dietary-oral-cyanocobalamin"},
        ["needs lifelong treatment"],
    ),
    ("patient id with a space", {"patient_id": "Jane Doe"}, ["patient_id", "pattern"]),
    ("patient id too long", {"patient_id": "p" * 65}, ["patient_id"]),
    ("unknown indication", {"indication": "anaemia"}, ["indication", "pernicious_anaemia"]),
    ("unknown severity", {"severity": "critical"}, ["severity"]),
    ("unknown timezone", {"timezone": "Mars/Olympus"}, ["timezone", "unknown IANA timezone"]),
    ("not a date", {"start_date": "05/01/2026"}, ["start_date"]),
    ("start date years ago", {"start_date": "2020-01-06"}, ["start_date 2020-01-06", "days"]),
    ("start date far ahead", {"start_date": "2028-01-03"}, ["start_date 2028-01-03"]),
    ("unknown field", {"dose": "lots"}, ["dose", "Extra inputs are not permitted"]),
    ("route the vocabulary lacks", {"route_preference": "IV"}, ["route_preference"]),
]


@pytest.mark.parametrize(
    ("changes", "mentions"),
    [(case[1], case[2]) for case in UNSAFE_OR_INVALID],
    ids=[case[0] for case in UNSAFE_OR_INVALID],
)
async def test_an_invalid_or_unsafe_plan_request_is_refused_with_a_reason(
    planner: Planner, changes: dict[str, Any], mentions: list[str]
) -> None:
    body = plan_request(patient_id(), **changes)
    answer = await planner.client.post("/plans", json=body)
    assert answer.status_code == 422, answer.text
    for words in mentions:
        assert words in detail(answer)


async def test_missing_required_fields_are_named(planner: Planner) -> None:
    answer = await planner.client.post("/plans", json={"patient_id": patient_id()})
    assert answer.status_code == 422
    for field in ("indication", "severity", "neurological_involvement", "start_date"):
        assert field in detail(answer)


async def test_a_second_active_plan_for_the_same_cause_conflicts(planner: Planner) -> None:
    patient = patient_id()
    first = await planner.create_plan(plan_request(patient))
    again = await planner.client.post("/plans", json=plan_request(patient, severity="severe"))
    assert again.status_code == 409
    assert first["plan_id"] in detail(again)
    # Another cause is another plan.
    other = await planner.client.post("/plans", json=plan_request(patient, indication="dietary"))
    assert other.status_code == 201

    # Once cancelled, a new plan for the cause may be created.
    cancel = await planner.client.post(
        f"/plans/{first['plan_id']}/cancel", json={"reason": "restart with a new regimen"}
    )
    assert cancel.status_code == 200
    assert (await planner.client.post("/plans", json=plan_request(patient))).status_code == 201

    # The refused request wrote nothing: the outbox holds the three plans and one cancellation.
    assert await planner.outbox_types(patient) == [
        "PlanCreated",
        "PlanCreated",
        "PlanCancelled",
        "PlanCreated",
    ]


async def test_who_may_do_what(planner: Planner) -> None:
    body = plan_request(patient_id())
    anonymous = await planner.client.post("/plans", json=body, headers={"Authorization": ""})
    assert anonymous.status_code == 401
    staff = await planner.client.post("/plans", json=body, headers=bearer("staff"))
    assert staff.status_code == 403
    assert "clinic" in detail(staff)
    created = await planner.client.post("/plans", json=body, headers=bearer("clinic"))
    assert created.status_code == 201
    plan_id = created.json()["plan_id"]
    # Any authenticated caller reads; only the clinic cancels.
    assert (await planner.client.get(f"/plans/{plan_id}", headers=bearer("ops"))).status_code == 200
    cancel = await planner.client.post(
        f"/plans/{plan_id}/cancel", json={"reason": "x"}, headers=bearer("staff")
    )
    assert cancel.status_code == 403


async def test_unknown_plans_and_bad_ids_are_answered_clearly(planner: Planner) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    assert (await planner.client.get(f"/plans/{unknown}")).status_code == 404
    answer = await planner.client.post(f"/plans/{unknown}/cancel", json={"reason": "gone"})
    assert answer.status_code == 404
    assert unknown in detail(answer)
    assert (await planner.client.get("/plans/not-a-uuid")).status_code == 422
    assert (await planner.client.get("/patients/bad%20id/plans")).status_code == 422
    empty_reason = await planner.client.post(f"/plans/{unknown}/cancel", json={"reason": "  "})
    assert empty_reason.status_code == 422
    assert "reason" in detail(empty_reason)
