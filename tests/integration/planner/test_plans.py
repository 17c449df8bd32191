"""Plans over HTTP for every indication: the protocol, phases and dates the domain implies, and a
PlanCreated on treatment.plans carrying the same schedule."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tests.integration.planner.support import MONDAY, Planner, expected_plan, json_of, plan_request
from tests.support.factories import patient_id

# (indication and facts, recommended protocol, lifelong, phases) as clinical-reference.md implies.
CASES: list[tuple[dict[str, Any], str, bool, list[str]]] = [
    (
        {"indication": "pernicious_anaemia"},
        "uk-hydroxocobalamin-no-neuro",
        True,
        ["loading", "maintenance"],
    ),
    (
        {"indication": "gastrectomy", "neurological_involvement": True},
        "uk-hydroxocobalamin-neuro",
        True,
        ["loading", "maintenance"],
    ),
    (
        {"indication": "bariatric_surgery", "severity": "severe", "region_preference": "US"},
        "us-cyanocobalamin-1000-practice",
        True,
        ["loading", "consolidation", "maintenance"],
    ),
    (
        {"indication": "ileal_resection", "severity": "mild", "region_preference": "US"},
        "us-cyanocobalamin-label",
        True,
        ["loading", "consolidation", "consolidation", "maintenance"],
    ),
    (
        {"indication": "malabsorption_other"},
        "uk-hydroxocobalamin-no-neuro",
        False,
        ["loading", "maintenance"],
    ),
    (
        {"indication": "dietary", "severity": "mild"},
        "dietary-oral-cyanocobalamin",
        False,
        ["maintenance"],
    ),
    (
        {"indication": "drug_related", "severity": "mild", "route_preference": "oral"},
        "oral-high-dose-cyanocobalamin",
        False,
        ["maintenance"],
    ),
    (
        {"indication": "other", "pregnant": True, "timezone": "Europe/Dublin"},
        "uk-hydroxocobalamin-no-neuro",
        False,
        ["loading", "maintenance"],
    ),
]


@pytest.mark.parametrize(
    ("facts", "protocol_id", "lifelong", "phases"),
    CASES,
    ids=[case[0]["indication"] for case in CASES],
)
async def test_a_plan_for_each_indication_is_what_the_domain_implies_and_is_published(
    planner: Planner, facts: dict[str, Any], protocol_id: str, lifelong: bool, phases: list[str]
) -> None:
    body = plan_request(patient_id(), **facts)
    created = await planner.create_plan(body)

    assert created["protocol_id"] == protocol_id
    assert created["recommended_protocol_id"] == protocol_id
    assert created["lifelong"] is lifelong
    assert [phase["phase"] for phase in created["phases"]] == phases
    assert created["status"] == "active"
    assert created["rationale"], "the choice is explained"
    assert created["timezone"] == facts.get("timezone", "Europe/London")
    expected = expected_plan(planner.runtime, body, created)
    assert created["doses"] == json_of(expected.doses)
    assert created["lab_checks"] == json_of(expected.lab_checks)
    assert created["phases"] == json_of(expected.phase_specs())
    assert expected.review_on is not None
    assert created["review_on"] == expected.review_on.isoformat()
    assert all(date.fromisoformat(d["due_on"]) >= MONDAY for d in created["doses"])

    [event] = await planner.plan_events(created["plan_id"], "PlanCreated")
    assert event["patient_id"] == body["patient_id"]
    assert event["source"] == "planner"
    for field in ("protocol_id", "lifelong", "phases", "doses", "lab_checks", "review_on"):
        assert event[field] == created[field], field
    assert event["rationale"] == created["rationale"]
    assert event["recommended_protocol_id"] == protocol_id
    assert event["horizon_until"] == created["horizon_until"]

    fetched = await planner.client.get(f"/plans/{created['plan_id']}")
    assert fetched.status_code == 200
    assert fetched.json() == created


async def test_uk_schedule_without_neurology_matches_the_dates_worked_out_by_hand(
    planner: Planner,
) -> None:
    created = await planner.create_plan(plan_request(patient_id()))

    # Three times a week for 2 weeks on a Monday-Friday clinic, then every 12 weeks (the
    # 12-week spacing cap reading of "every 3 months") from the last loading dose.
    first_doses = [(d["due_on"], d["phase"]) for d in created["doses"][:8]]
    assert first_doses == [
        ("2026-01-05", "loading"),
        ("2026-01-07", "loading"),
        ("2026-01-09", "loading"),
        ("2026-01-12", "loading"),
        ("2026-01-14", "loading"),
        ("2026-01-16", "loading"),
        ("2026-04-10", "maintenance"),
        ("2026-07-03", "maintenance"),
    ]
    assert {d["dose_mcg"] for d in created["doses"]} == {1000}
    assert {(d["product"], d["route"]) for d in created["doses"]} == {("hydroxocobalamin", "IM")}
    assert created["phases"][1]["interval_days"] == 84
    # Reticulocytes on day 8, blood count at 8 weeks, clinical review at 3 months.
    assert [(c["due_on"], c["kind"]) for c in created["lab_checks"]] == [
        ("2026-01-13", "reticulocytes"),
        ("2026-03-02", "blood_count_8_weeks"),
        ("2026-04-06", "clinical_review"),
    ]
    # Lifelong: doses are listed a year ahead and rolled forward by the sweeper.
    assert created["horizon_until"] == "2027-01-05"
    assert created["doses"][-1]["due_on"] <= "2027-01-05"


async def test_neurological_loading_carries_its_review_and_pregnancy_an_earlier_review(
    planner: Planner,
) -> None:
    neuro = await planner.create_plan(
        plan_request(patient_id(), indication="gastrectomy", neurological_involvement=True)
    )
    loading = neuro["phases"][0]
    assert loading["ends_at_review"] is True
    assert neuro["review_on"] == loading["ends_on"] == "2026-01-26"  # review at 3 weeks

    pregnant = await planner.create_plan(plan_request(patient_id(), pregnant=True))
    assert pregnant["review_on"] == "2026-02-05"  # one month after the first dose


async def test_a_plan_taken_over_in_the_past_lists_its_past_doses_as_due(
    planner: Planner,
) -> None:
    start = MONDAY - timedelta(weeks=4)
    created = await planner.create_plan(plan_request(patient_id(), start_date=start.isoformat()))
    assert created["doses"][0]["due_on"] == start.isoformat()
    assert any("starts in the past" in reason for reason in created["rationale"])


async def test_a_patients_plans_are_listed_newest_first(planner: Planner) -> None:
    patient = patient_id()
    first = await planner.create_plan(plan_request(patient, indication="pernicious_anaemia"))
    second = await planner.create_plan(plan_request(patient, indication="drug_related"))
    await planner.create_plan(plan_request(patient_id()))

    listed = await planner.client.get(f"/patients/{patient}/plans")
    assert listed.status_code == 200
    assert [p["plan_id"] for p in listed.json()] == [second["plan_id"], first["plan_id"]]
    active = await planner.client.get(f"/patients/{patient}/plans", params={"status": "cancelled"})
    assert active.json() == []


async def test_the_protocol_library_lists_phases_doses_intervals_and_sources(
    planner: Planner,
) -> None:
    answer = await planner.client.get("/protocols")
    assert answer.status_code == 200
    listed = {item["protocol"]["id"]: item for item in answer.json()}
    assert set(listed) == {
        "seed-severe-or-neuro",
        "seed-confirmed-not-severe",
        "uk-hydroxocobalamin-no-neuro",
        "uk-hydroxocobalamin-neuro",
        "us-cyanocobalamin-label",
        "us-cyanocobalamin-1000-practice",
        "dietary-oral-cyanocobalamin",
        "oral-high-dose-cyanocobalamin",
    }
    uk = listed["uk-hydroxocobalamin-no-neuro"]
    maintenance = uk["protocol"]["phases"][-1]
    assert maintenance["dose_mcg"] == 1000
    assert maintenance["frequency"] == {"kind": "every", "period": {"count": 12, "unit": "weeks"}}
    assert {c["key"] for c in uk["citations"]} >= {"BNF-f", "Scot"}
    assert all(c["title"] for item in listed.values() for c in item["citations"])

    one = await planner.client.get("/protocols/us-cyanocobalamin-label")
    assert one.status_code == 200
    assert one.json()["protocol"]["version"] == 1
    missing = await planner.client.get("/protocols/no-such-protocol")
    assert missing.status_code == 404
    assert "unknown protocol" in missing.json()["detail"]


async def test_the_service_documents_what_it_consumes_and_publishes(planner: Planner) -> None:
    answer = await planner.client.get("/asyncapi.json")
    assert answer.status_code == 200
    text = answer.text
    assert planner.runtime.topics.flags in text
    assert planner.runtime.topics.plans in text
    assert "PlanCreated" in text
