"""Adherence's copy of each schedule: adjustments replace future doses and keep history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.integration.adherence.support import (
    Harness,
    plan_adjusted,
    plan_cancelled,
    plan_created,
    scheduled,
    today,
)
from tests.support.factories import dose_administered, patient_id
from tests.support.polling import eventually


async def _plan(adherence: Harness, plan_id: object) -> dict[str, Any]:
    response = await adherence.client.get(f"/plans/{plan_id}/doses")
    return dict(response.json()) if response.status_code == 200 else {}


async def test_an_adjustment_replaces_future_doses_and_keeps_the_history(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    given, kept, moved, dropped = (
        scheduled(day - timedelta(days=1)),
        scheduled(day + timedelta(days=2)),
        scheduled(day + timedelta(days=6)),
        scheduled(day + timedelta(days=9)),
    )
    plan = plan_created(patient, start=given.due_on, doses=[given, kept, moved, dropped])
    administered = dose_administered(
        patient, plan_id=plan.plan_id, administered_at=datetime.now(UTC) - timedelta(hours=2)
    )
    replacements = [scheduled(day + timedelta(days=7)), scheduled(day + timedelta(days=14))]
    adjustment = plan_adjusted(plan, effective_from=day + timedelta(days=5), doses=replacements)
    await adherence.publish(plan, administered, adjustment)

    async def adjusted() -> dict[str, Any]:
        body = await _plan(adherence, plan.plan_id)
        return body if body and len(body["doses"]) == 6 else {}

    body = await eventually(adjusted, what="the adjustment applied")
    status = {d["dose_id"]: d["status"] for d in body["doses"]}
    assert status == {
        str(given.dose_id): "given",
        str(kept.dose_id): "upcoming",
        str(moved.dose_id): "superseded",
        str(dropped.dose_id): "superseded",
        str(replacements[0].dose_id): "upcoming",
        str(replacements[1].dose_id): "upcoming",
    }
    superseded_by = {d["superseded_by"] for d in body["doses"] if d["status"] == "superseded"}
    assert superseded_by == {str(adjustment.adjustment_id)}
    rows = await adherence.rows(
        "select lifecycle, open, changed_at from {s}.scheduled_doses where plan_id = $1",
        plan.plan_id,
    )
    superseded = [r for r in rows if r["lifecycle"] == "superseded"]
    assert len(superseded) == 2
    assert all(not r["open"] and r["changed_at"] is not None for r in superseded)
    assert body["next_due_on"] == kept.due_on.isoformat()

    # Applying the same adjustment again (a resent event) changes nothing.
    await adherence.publish(adjustment.model_copy(update={"event_id": adjustment.adjustment_id}))
    await adherence.publish(plan_cancelled(plan))

    async def cancelled() -> dict[str, Any]:
        body = await _plan(adherence, plan.plan_id)
        return body if body and body["cancelled"] else {}

    body = await eventually(cancelled, what="the plan cancelled")
    after = {d["dose_id"]: d["status"] for d in body["doses"]}
    assert after[str(given.dose_id)] == "given"
    assert after[str(moved.dose_id)] == "superseded"
    assert {after[str(kept.dose_id)], after[str(replacements[0].dose_id)]} == {"cancelled"}
    assert len(after) == 6
    assert body["next_due_on"] is None


async def test_an_adjustment_for_an_unknown_plan_is_dead_lettered(adherence: Harness) -> None:
    patient = patient_id()
    day = today()
    never_created = plan_created(patient, start=day, doses=[scheduled(day)])
    adjustment = plan_adjusted(never_created, effective_from=day, doses=[scheduled(day)])
    await adherence.publish(adjustment)

    async def dead() -> list[Any]:
        return await adherence.rows(
            "select error_kind, error_message from {s}.dead_letters where event_id = $1",
            adjustment.event_id,
        )

    [row] = await eventually(dead, what="the dead letter")
    assert row["error_kind"] == "unknown_plan"
    assert str(never_created.plan_id) in row["error_message"]
