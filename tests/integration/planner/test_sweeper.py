"""The sweeper rolls lifelong horizons forward and proposes ending loading at review, once."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

from services.planner.domain import extend_horizon
from tests.integration.planner.support import (
    Planner,
    at_nine,
    expected_plan,
    json_of,
    plan_request,
)
from tests.support.factories import patient_id
from tests.support.services import bearer


async def test_a_lifelong_horizon_is_extended_once_before_it_runs_out(planner: Planner) -> None:
    body = plan_request(patient_id())
    lifelong = await planner.create_plan(body)
    plan_id = lifelong["plan_id"]
    dietary = await planner.create_plan(plan_request(patient_id(), indication="dietary"))
    assert (lifelong["horizon_until"], dietary["horizon_until"]) == ("2027-01-05", None)

    await planner.pin_clock(at_nine(date(2026, 11, 6)))  # 60 days left: not yet
    assert await planner.sweep() == 0
    await planner.pin_clock(at_nine(date(2026, 11, 10)))  # 56 days left
    assert await planner.sweep() == 1
    assert await planner.sweep() == 0

    expected = extend_horizon(
        expected_plan(planner.runtime, body, lifelong),
        today=date(2026, 11, 10),
        context=planner.runtime.context,
    )
    assert expected is not None
    [event] = await planner.plan_events(plan_id, "PlanAdjusted")
    assert (event["reason_kind"], event["effective_from"], event["horizon_until"]) == (
        "horizon_extended",
        "2027-01-06",
        "2027-11-10",
    )
    assert event["doses"] == json_of(expected.doses)
    assert event["doses"]
    assert all(d["due_on"] > "2027-01-05" for d in event["doses"])

    plan = (await planner.client.get(f"/plans/{plan_id}")).json()
    assert plan["horizon_until"] == "2027-11-10"
    assert plan["doses"] == json_of(expected.plan.doses)
    # The rolled schedule keeps the 12-week spacing across the old horizon.
    maintenance = [date.fromisoformat(d["due_on"]) for d in plan["doses"][6:]]
    assert {(b - a).days for a, b in pairwise(maintenance)} == {84}
    [adjustment] = (await planner.client.get(f"/plans/{plan_id}/adjustments")).json()
    assert (adjustment["actor"], adjustment["change"]) == ("planner:sweeper", None)
    untouched = (await planner.client.get(f"/plans/{dietary['plan_id']}")).json()
    assert untouched["revision"] == 0


async def test_a_neurological_loading_phase_at_review_gets_one_end_loading_proposal(
    planner: Planner,
) -> None:
    created = await planner.create_plan(
        plan_request(patient_id(), indication="gastrectomy", neurological_involvement=True)
    )
    plan_id = created["plan_id"]
    assert created["review_on"] == "2026-01-26"

    await planner.pin_clock(at_nine(date(2026, 1, 23)))
    assert await planner.sweep() == 0
    await planner.pin_clock(at_nine(date(2026, 1, 26)))
    assert await planner.sweep() == 1
    assert await planner.sweep() == 0

    [proposal] = await planner.proposals(plan_id)
    assert proposal["change"] == {"kind": "end_loading"}
    assert (proposal["reason_kind"], proposal["effective_from"]) == ("phase_ended", "2026-01-27")
    assert proposal["created_by"] == "planner:sweeper"
    assert proposal["applicable"] is True

    approved = await planner.client.post(
        f"/plans/{plan_id}/proposals/{proposal['proposal_id']}/approve",
        headers=bearer("staff", subject="haematologist-1"),
    )
    assert approved.status_code == 200, approved.text
    [event] = await planner.plan_events(plan_id, "PlanAdjusted")
    assert (event["reason_kind"], event["proposal_id"]) == ("phase_ended", proposal["proposal_id"])
    plan = (await planner.client.get(f"/plans/{plan_id}")).json()
    assert plan["phases"][0]["ends_at_review"] is False
    assert plan["phases"][0]["ends_on"] == "2026-01-26"
    # Confirmed, not re-proposed: the next sweep leaves it alone.
    assert await planner.sweep() == 0
    assert ("proposal_approved", "haematologist-1") in await planner.audit(plan_id)
