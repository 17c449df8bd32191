"""Cancelling plans, and clinicians adjusting them directly (within the safety bounds)."""

from __future__ import annotations

from datetime import date

from tests.integration.planner.support import (
    Planner,
    at_nine,
    detail,
    plan_request,
    response_flagged,
    shorten_to,
)
from tests.support.factories import patient_id
from tests.support.services import bearer


async def test_cancelling_publishes_plan_cancelled_and_closes_pending_proposals(
    planner: Planner,
) -> None:
    patient = patient_id()
    created = await planner.create_plan(plan_request(patient))
    plan_id = created["plan_id"]
    await planner.pin_clock(at_nine(date(2026, 5, 1)))
    await planner.flag(response_flagged(patient, plan_id=plan_id, action=shorten_to(8)))
    [proposal] = await planner.proposals(plan_id)

    cancelled = await planner.client.post(
        f"/plans/{plan_id}/cancel",
        json={"reason": "Moved to another clinic"},
        headers=bearer("clinic", subject="clinic-admin-2"),
    )
    assert cancelled.status_code == 200, cancelled.text
    view = cancelled.json()
    assert (view["status"], view["cancelled_by"], view["cancel_reason"]) == (
        "cancelled",
        "clinic-admin-2",
        "Moved to another clinic",
    )
    [event] = await planner.plan_events(plan_id, "PlanCancelled")
    assert (event["reason"], event["patient_id"]) == ("Moved to another clinic", patient)

    [closed] = await planner.proposals(plan_id)
    assert (closed["status"], closed["decided_by"]) == ("rejected", "clinic-admin-2")
    approve = await planner.client.post(
        f"/plans/{plan_id}/proposals/{proposal['proposal_id']}/approve", headers=bearer("staff")
    )
    assert approve.status_code == 409
    again = await planner.client.post(f"/plans/{plan_id}/cancel", json={"reason": "again"})
    assert again.status_code == 409
    assert "cancelled" in detail(again)
    adjust = await planner.client.post(
        f"/plans/{plan_id}/adjustments",
        json={"change": {"kind": "end_loading"}, "reason": "too late"},
    )
    assert adjust.status_code == 409
    # A flag for a cancelled plan is ignored (the one after it, for another plan, shows when).
    other = await planner.create_plan(plan_request(patient, indication="drug_related"))
    await planner.flag(response_flagged(patient, plan_id=plan_id, action=shorten_to(6)))
    await planner.flag(response_flagged(patient, plan_id=other["plan_id"], action=shorten_to(6)))
    await planner.proposals(other["plan_id"])
    assert len(await planner.proposals(plan_id)) == 1
    assert [a for a, _ in await planner.audit(plan_id)] == [
        "plan_created",
        "proposal_raised",
        "proposal_rejected",
        "plan_cancelled",
    ]


async def test_a_clinician_adjusts_a_plan_directly_within_the_bounds(planner: Planner) -> None:
    created = await planner.create_plan(plan_request(patient_id()))
    plan_id = created["plan_id"]
    await planner.pin_clock(at_nine(date(2026, 5, 1)))
    url = f"/plans/{plan_id}/adjustments"

    unsafe = await planner.client.post(
        url,
        json={
            "change": {"kind": "change_maintenance_interval", "interval_weeks": 13},
            "reason": "patient asks for fewer visits",
        },
    )
    assert unsafe.status_code == 422
    assert "12-week spacing cap" in detail(unsafe)
    past = await planner.client.post(
        url,
        json={
            "change": {"kind": "change_maintenance_interval", "interval_weeks": 8},
            "effective_from": "2026-04-01",
            "reason": "relapse",
        },
    )
    assert past.status_code == 422
    assert "before today (2026-05-01" in detail(past)
    unknown_kind = await planner.client.post(
        url, json={"change": {"kind": "double_dose"}, "reason": "x"}
    )
    assert unknown_kind.status_code == 422
    assert "change" in detail(unknown_kind)
    not_applicable = await planner.client.post(
        url, json={"change": {"kind": "end_loading"}, "reason": "loading done"}
    )
    assert not_applicable.status_code == 422
    assert "already ended" in detail(not_applicable)
    ops = await planner.client.post(
        url,
        json={"change": {"kind": "end_loading"}, "reason": "x"},
        headers=bearer("ops"),
    )
    assert ops.status_code == 403

    adjusted = await planner.client.post(
        url,
        json={
            "change": {"kind": "change_maintenance_interval", "interval_weeks": 10},
            "reason": "CKS: every 2-3 months; symptoms return before the injection",
        },
        headers=bearer("clinic", subject="gp-11"),
    )
    assert adjusted.status_code == 201, adjusted.text
    result = adjusted.json()
    assert (result["reason_kind"], result["actor"], result["effective_from"]) == (
        "clinician",
        "gp-11",
        "2026-05-01",
    )
    assert result["doses"][0]["due_on"] == "2026-06-19"  # 10 weeks after 10 April
    [event] = await planner.plan_events(plan_id, "PlanAdjusted")
    assert event["doses"] == result["doses"]
    assert event["reason"].startswith("CKS")
    assert event["proposal_id"] is None

    checks = await planner.client.post(
        url,
        json={
            "change": {"kind": "add_lab_checks", "loinc_codes": ["2276-4"], "within_days": 7},
            "reason": "ferritin after the interval change",
        },
        headers=bearer("staff", subject="nurse-4"),
    )
    assert checks.status_code == 201, checks.text
    assert ["2276-4"] in [c["loinc_codes"] for c in checks.json()["lab_checks"]]
    assert checks.json()["revision"] == 2
    history = (await planner.client.get(f"/plans/{plan_id}/adjustments")).json()
    assert [(a["revision"], a["actor"], a["change"]["kind"]) for a in history] == [
        (1, "gp-11", "change_maintenance_interval"),
        (2, "nurse-4", "add_lab_checks"),
    ]
    await planner.plan_events(plan_id, "PlanAdjusted", count=2)
