"""Flags become proposals; staff approve (PlanAdjusted) or reject them, and who did it is kept."""

from __future__ import annotations

from datetime import date

from services.planner.domain import ChangeMaintenanceInterval, apply_adjustment
from shared.contracts import FlagReason
from tests.integration.planner.support import (
    Planner,
    add_folate_check,
    at_nine,
    detail,
    expected_plan,
    json_of,
    plan_request,
    response_flagged,
    shorten_to,
)
from tests.support.factories import patient_id
from tests.support.services import bearer

MAY_FIRST = date(2026, 5, 1)
LABS_ACTOR = "labs:labs.relapse_on_maintenance"


async def test_a_relapse_flag_becomes_a_proposal_and_its_approval_replaces_the_schedule(
    planner: Planner,
) -> None:
    body = plan_request(patient_id())
    created = await planner.create_plan(body)
    plan_id = created["plan_id"]
    await planner.pin_clock(at_nine(MAY_FIRST))  # in maintenance, every 12 weeks

    flag = response_flagged(body["patient_id"], plan_id=plan_id, action=shorten_to(8))
    await planner.flag(flag)
    [proposal] = await planner.proposals(plan_id)
    assert proposal["status"] == "proposed"
    assert proposal["flag_id"] == str(flag.flag_id)
    assert proposal["change"] == {"kind": "change_maintenance_interval", "interval_weeks": 8}
    assert proposal["effective_from"] == "2026-05-01"
    assert proposal["reason_kind"] == "flag"
    assert proposal["applicable"] is True
    assert proposal["created_by"] == LABS_ACTOR
    assert "2026-07-03" in proposal["removed_doses"]
    assert "2026-06-05" in proposal["added_doses"]
    assert any("RELAPSE_ON_MAINTENANCE" in reason for reason in proposal["reasons"])
    approve = f"/plans/{plan_id}/proposals/{proposal['proposal_id']}/approve"

    # A clinic-scoped token cannot approve: staff decide on proposals.
    refused = await planner.client.post(approve, headers=bearer("clinic", subject="clinic-desk"))
    assert refused.status_code == 403
    approved = await planner.client.post(
        approve, json={"note": "agreed"}, headers=bearer("staff", subject="dr-staff-7")
    )
    assert approved.status_code == 200, approved.text
    result = approved.json()
    assert (result["reason_kind"], result["actor"], result["revision"]) == ("flag", "dr-staff-7", 1)
    assert result["proposal_id"] == proposal["proposal_id"]
    assert result["flag_id"] == str(flag.flag_id)

    # The replacement is what the domain implies: every 8 weeks from the last dose kept.
    plan = expected_plan(planner.runtime, body, created)
    expected = apply_adjustment(
        plan,
        change=ChangeMaintenanceInterval(interval_weeks=8),
        effective_from=MAY_FIRST,
        reason="expected",
        context=planner.runtime.context,
    )
    assert result["doses"] == json_of(expected.doses)
    assert [d["due_on"] for d in result["doses"][:3]] == ["2026-06-05", "2026-07-31", "2026-09-25"]

    [event] = await planner.plan_events(plan_id, "PlanAdjusted")
    assert event["doses"] == result["doses"]
    assert event["phases"] == result["phases"]
    assert event["effective_from"] == "2026-05-01"
    assert (event["reason_kind"], event["proposal_id"], event["flag_id"]) == (
        "flag",
        proposal["proposal_id"],
        str(flag.flag_id),
    )
    assert event["adjustment_id"] == result["adjustment_id"]

    # History is kept: the 12-weekly dose is superseded, the plan carries the new schedule.
    rows = (
        await planner.client.get(f"/plans/{plan_id}/doses", params={"include_superseded": True})
    ).json()
    superseded = [r["due_on"] for r in rows if r["superseded_at"] is not None]
    assert "2026-07-03" in superseded
    assert {r["superseded_by_revision"] for r in rows if r["superseded_at"]} == {1}
    current = (await planner.client.get(f"/plans/{plan_id}")).json()
    assert current["revision"] == 1
    assert current["doses"] == json_of(expected.plan.doses)

    again = await planner.client.post(approve, headers=bearer("staff", subject="dr-other"))
    assert again.status_code == 409
    assert "already approved by dr-staff-7" in detail(again)
    [decided] = await planner.proposals(plan_id)
    assert (decided["status"], decided["decided_by"], decided["decision_reason"]) == (
        "approved",
        "dr-staff-7",
        "agreed",
    )
    assert decided["adjustment_id"] == result["adjustment_id"]
    assert await planner.audit(plan_id) == [
        ("plan_created", "tester-1"),
        ("proposal_raised", LABS_ACTOR),
        ("plan_adjusted", "dr-staff-7"),
        ("proposal_approved", "dr-staff-7"),
    ]
    [adjustment] = (await planner.client.get(f"/plans/{plan_id}/adjustments")).json()
    assert (adjustment["actor"], adjustment["proposal_id"]) == (
        "dr-staff-7",
        proposal["proposal_id"],
    )


async def test_the_same_flag_twice_makes_one_proposal_and_flags_without_action_are_ignored(
    planner: Planner,
) -> None:
    patient = patient_id()
    created = await planner.create_plan(plan_request(patient))
    plan_id = created["plan_id"]
    other = await planner.create_plan(plan_request(patient_id()))
    await planner.pin_clock(at_nine(MAY_FIRST))

    flag = response_flagged(patient, plan_id=plan_id, action=shorten_to(8))
    await planner.flag(flag)
    await planner.flag(flag)  # redelivered: same event id
    reissued = flag.model_copy(
        update={"event_id": response_flagged(patient, plan_id=None).event_id}
    )
    await planner.flag(reissued)  # re-issued by its producer: same flag, new event id
    # Ignored, not errors: no suggested action, an unknown plan, another patient's plan.
    await planner.flag(response_flagged(patient, plan_id=plan_id, reason=FlagReason.LOW_ADHERENCE))
    await planner.flag(
        response_flagged(
            patient, plan_id="00000000-0000-4000-8000-000000000000", action=shorten_to(8)
        )
    )
    await planner.flag(response_flagged(patient, plan_id=other["plan_id"], action=shorten_to(8)))
    # The patient's records stay in order on one partition: once this one is a proposal, every
    # flag published before it has been handled.
    barrier = response_flagged(patient, plan_id=plan_id, action=add_folate_check())
    await planner.flag(barrier)

    proposals = await planner.proposals(plan_id, count=2)
    assert sorted(p["flag_id"] for p in proposals) == sorted(
        [str(flag.flag_id), str(barrier.flag_id)]
    )
    assert (await planner.client.get(f"/plans/{other['plan_id']}/proposals")).json() == []
    dead = await planner.client.get("/dead-letters")
    assert dead.json() == []


async def test_a_flag_naming_no_plan_goes_to_the_patients_only_active_plan(
    planner: Planner,
) -> None:
    patient = patient_id()
    created = await planner.create_plan(plan_request(patient))
    await planner.pin_clock(at_nine(MAY_FIRST))
    await planner.flag(response_flagged(patient, plan_id=None, action=shorten_to(8)))
    [proposal] = await planner.proposals(created["plan_id"])
    assert proposal["change"]["interval_weeks"] == 8


async def test_a_rejected_proposal_records_why_and_changes_nothing(planner: Planner) -> None:
    patient = patient_id()
    created = await planner.create_plan(plan_request(patient))
    plan_id = created["plan_id"]
    await planner.pin_clock(at_nine(MAY_FIRST))
    await planner.flag(response_flagged(patient, plan_id=plan_id, action=shorten_to(8)))
    [proposal] = await planner.proposals(plan_id)
    base = f"/plans/{plan_id}/proposals/{proposal['proposal_id']}"

    no_reason = await planner.client.post(f"{base}/reject", json={}, headers=bearer("staff"))
    assert no_reason.status_code == 422
    assert "reason" in detail(no_reason)
    rejected = await planner.client.post(
        f"{base}/reject",
        json={"reason": "Haemoglobin recovering after the missed dose was given"},
        headers=bearer("staff", subject="nurse-3"),
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decided_by"] == "nurse-3"
    assert rejected.json()["decision_reason"].startswith("Haemoglobin recovering")

    late = await planner.client.post(f"{base}/approve", headers=bearer("staff"))
    assert late.status_code == 409
    plan = (await planner.client.get(f"/plans/{plan_id}")).json()
    assert plan["revision"] == 0
    assert plan["doses"] == created["doses"]
    assert (await planner.audit(plan_id))[-1] == ("proposal_rejected", "nurse-3")
    unknown = await planner.client.post(
        f"/plans/{plan_id}/proposals/00000000-0000-4000-8000-000000000000/approve",
        headers=bearer("staff"),
    )
    assert unknown.status_code == 404
