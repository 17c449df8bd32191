"""Planner and adherence side by side: an approved proposal changes the schedule adherence holds."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.adherence.app import build_app as build_adherence
from services.adherence.settings import AdherenceSettings
from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.planner.support import (
    Planner,
    at_nine,
    plan_request,
    response_flagged,
    shorten_to,
)
from tests.support.factories import patient_id
from tests.support.polling import eventually
from tests.support.services import bearer, running
from tests.support.stack import Stack, settings_for

MAY_FIRST = date(2026, 5, 1)


async def test_an_approved_proposal_supersedes_the_future_doses_adherence_holds(
    planner: Planner,
    stack: Stack,
    databases: dict[str, ServiceDatabase],
    kafka_settings: KafkaSettings,
) -> None:
    settings = settings_for(
        AdherenceSettings,
        name="adherence",
        stack=stack,
        databases=databases,
        kafka=kafka_settings,
        sweep_interval_s=3600.0,  # no misses declared while the clocks are moved
    )
    adherence_app = build_adherence(settings)
    adherence_app.state.runtime.set_clock(at_nine(date(2026, 1, 5)))
    async with running(adherence_app) as adherence:
        patient = patient_id()
        created = await planner.create_plan(plan_request(patient))
        plan_id = created["plan_id"]

        async def held() -> list[dict[str, Any]]:
            answer = await adherence.get(f"/plans/{plan_id}/doses")
            doses: list[dict[str, Any]] = answer.json()["doses"] if answer.is_success else []
            return doses

        before = await eventually(held, what="adherence to hold the plan's schedule")
        assert sorted(d["dose_id"] for d in before) == sorted(
            d["dose_id"] for d in created["doses"]
        )

        await planner.pin_clock(at_nine(MAY_FIRST))
        adherence_app.state.runtime.set_clock(at_nine(MAY_FIRST))
        await planner.flag(response_flagged(patient, plan_id=plan_id, action=shorten_to(8)))
        [proposal] = await planner.proposals(plan_id)
        approved = await planner.client.post(
            f"/plans/{plan_id}/proposals/{proposal['proposal_id']}/approve",
            headers=bearer("staff", subject="dr-staff-7"),
        )
        assert approved.status_code == 200, approved.text
        replacement = approved.json()

        async def replaced() -> list[dict[str, Any]]:
            doses = await held()
            return doses if any(d["superseded_by"] for d in doses) else []

        after = await eventually(replaced, what="adherence to apply PlanAdjusted")
        current = [d for d in after if d["superseded_by"] is None]
        superseded = [d for d in after if d["superseded_by"] is not None]
        upcoming = [(d["dose_id"], d["due_on"]) for d in current if d["due_on"] >= "2026-05-01"]
        assert upcoming == [(d["dose_id"], d["due_on"]) for d in replacement["doses"]]
        assert upcoming[0][1] == "2026-06-05"
        assert "2026-07-03" in [d["due_on"] for d in superseded]
        assert {d["superseded_by"] for d in superseded} == {replacement["adjustment_id"]}
        assert all(d["status"] == "superseded" for d in superseded)
        # Doses before the effective date are history and stay as they were.
        earlier = [d["dose_id"] for d in current if d["due_on"] < "2026-05-01"]
        assert earlier == [d["dose_id"] for d in created["doses"] if d["due_on"] < "2026-05-01"]
