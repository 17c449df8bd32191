"""Misses and flags: found when a plan arrives late or when time passes, emitted once each."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from shared.contracts import Phase
from shared.db.pool import create_pool
from tests.integration.adherence.support import (
    Harness,
    at_noon,
    doses_of,
    phase,
    plan_created,
    scheduled,
    today,
)
from tests.support.factories import dose_administered, patient_id
from tests.support.polling import eventually


def _counted(events: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return events if len(events) >= n else []


async def test_a_plan_started_30_days_ago_with_nothing_given_yields_its_misses_and_flags_once(
    adherence: Harness,
) -> None:
    patient = patient_id()
    start = today() - timedelta(days=30)
    # Neurological involvement: 1 mg on alternate days for three weeks, then every 2 months.
    loading = [scheduled(start + timedelta(days=2 * i)) for i in range(11)]
    maintenance_start = start + timedelta(days=21)
    first_maintenance = scheduled(start + timedelta(days=70), Phase.MAINTENANCE)
    plan = plan_created(
        patient,
        start=start,
        doses=[*loading, first_maintenance],
        phases=[
            phase(Phase.LOADING, start, start + timedelta(days=20)),
            phase(Phase.MAINTENANCE, maintenance_start),
        ],
        neurological_involvement=True,
    )
    await adherence.publish(plan)
    topics = adherence.runtime.topics

    async def all_out() -> list[list[dict[str, Any]]]:
        missed = await adherence.adherence_events(patient, type="DoseMissed")
        flags = await adherence.flags(patient)
        return [missed, flags] if len(missed) >= 11 and len(flags) >= 13 else []

    await eventually(all_out, what="11 DoseMissed and 13 flags")
    # Time passes and sweeps run again, and the planner resends its event: nothing new.
    now = datetime.now(UTC)
    await adherence.sweep(now)
    await adherence.sweep(now + timedelta(hours=1))
    await adherence.publish(plan.model_copy(update={"event_id": plan.plan_id}))
    marker = dose_administered(patient, plan_id=plan.plan_id, administered_at=now)
    await adherence.publish(marker)

    async def marker_seen() -> list[Any]:
        return await adherence.rows(
            "select 1 from {s}.administrations where administration_id = $1",
            marker.administration_id,
        )

    await eventually(marker_seen, what="the marker administration")
    written = await adherence.outbox(patient, topics.adherence)
    flagged = await adherence.outbox(patient, topics.flags)
    missed, flags = await eventually(all_out, what="the topics caught up")
    assert len(written) == len(missed) == 11
    assert len(flagged) == len(flags) == 13

    by_due = sorted(missed, key=lambda e: e["due_on"])
    assert [e["dose_id"] for e in by_due] == [str(d.dose_id) for d in loading]
    assert [e["consecutive_missed"] for e in by_due] == list(range(1, 12))
    assert all(e["phase"] == "loading" and not e["not_done"] for e in missed)
    assert Counter(f["reason"] for f in flags) == {
        "MISSED_LOADING_DOSE": 11,
        "CONSECUTIVE_MISSED_DOSES": 1,
        "LOW_ADHERENCE": 1,
    }
    assert {f["severity"] for f in flags if f["reason"] == "MISSED_LOADING_DOSE"} == {"urgent"}
    [run] = [f for f in flags if f["reason"] == "CONSECUTIVE_MISSED_DOSES"]
    assert run["severity"] == "warning"
    [low] = [f for f in flags if f["reason"] == "LOW_ADHERENCE"]
    assert low["severity"] == "info"
    assert {i["label"]: i["value"] for i in low["evidence"]["items"]}["adherence"] == 0
    assert len({f["flag_id"] for f in flags}) == 13

    body = await adherence.patient(patient)
    statuses = [d["status"] for d in doses_of(body)]
    assert statuses[:11] == ["missed"] * 11
    assert body["adherence_percent"] == 0
    assert body["next_due_on"] == first_maintenance.due_on.isoformat()


async def test_two_sweepers_at_once_declare_each_miss_once(adherence: Harness) -> None:
    day = today()
    plans = []
    for _ in range(12):
        patient = patient_id()
        doses = [scheduled(day + timedelta(days=d)) for d in (1, 3, 5, 8, 10, 12)]
        plans.append(plan_created(patient, start=day + timedelta(days=1), doses=doses))
    await adherence.publish(*plans)

    async def all_stored() -> bool:
        rows = await adherence.rows(
            "select count(*) as n from {s}.scheduled_doses where plan_id = any($1::uuid[])",
            [p.plan_id for p in plans],
        )
        return bool(rows[0]["n"] == 6 * len(plans))

    await eventually(all_stored, what="the plans stored")
    later = datetime.now(UTC) + timedelta(days=40)
    second_pool = await create_pool(adherence.settings)
    try:
        reports = await asyncio.gather(
            adherence.sweep(later, batch_size=2),
            adherence.sweep(later, pool=second_pool, batch_size=2),
        )
    finally:
        await second_pool.close()

    ids = [p.plan_id for p in plans]
    misses = await adherence.rows(
        "select plan_id, count(*) as n from {s}.misses where plan_id = any($1::uuid[])"
        " group by plan_id",
        ids,
    )
    assert {r["plan_id"]: r["n"] for r in misses} == dict.fromkeys(ids, 6)
    assert sum(r.misses for r in reports) >= 6 * len(plans)
    for plan in plans:

        async def out(patient: str = plan.patient_id) -> list[dict[str, Any]]:
            return _counted(await adherence.adherence_events(patient, type="DoseMissed"), 6)

        missed = await eventually(out, what="DoseMissed of one plan")
        assert len(missed) == 6
        assert len({e["dose_id"] for e in missed}) == 6
        flags = await adherence.outbox(plan.patient_id, adherence.runtime.topics.flags)
        assert Counter(f["reason"] for f in flags) == {
            "MISSED_LOADING_DOSE": 6,
            "CONSECUTIVE_MISSED_DOSES": 1,
            "LOW_ADHERENCE": 1,
        }


async def test_a_late_dose_after_a_declared_miss_is_late_and_resolves_it(
    adherence: Harness,
) -> None:
    patient = patient_id()
    day = today()
    overdue = scheduled(day - timedelta(days=5))  # window closed at the end of day - 3
    plan = plan_created(
        patient, start=overdue.due_on, doses=[overdue, scheduled(day + timedelta(days=2))]
    )
    await adherence.publish(plan)
    [missed] = await eventually(
        lambda: adherence.adherence_events(patient, type="DoseMissed"), what="DoseMissed"
    )
    assert missed["dose_id"] == str(overdue.dose_id)

    given_at = datetime.now(UTC) - timedelta(hours=1)
    late = dose_administered(patient, plan_id=plan.plan_id, administered_at=given_at)
    await adherence.publish(late)
    [resolved] = await eventually(
        lambda: adherence.adherence_events(patient, type="DoseMissResolved"),
        what="DoseMissResolved",
    )
    assert resolved["dose_id"] == str(overdue.dose_id)
    assert resolved["administration_id"] == late.administration_id
    assert resolved["timing"] == "late"
    assert datetime.fromisoformat(resolved["administered_at"]) == given_at
    first = doses_of(await adherence.patient(patient))[0]
    assert first["status"] == "late"
    assert first["miss_declared_at"] is not None
    [row] = await adherence.rows(
        "select resolved_at, resolved_timing from {s}.misses where dose_id = $1", overdue.dose_id
    )
    assert row["resolved_timing"] == "late"
    assert await adherence.adherence_events(patient, type="DoseMissed") == [missed]


async def test_the_maintenance_gap_is_found_by_the_sweep_when_its_deadline_comes(
    adherence: Harness,
) -> None:
    patient = patient_id()
    start = today() - timedelta(days=10)
    only = scheduled(start, Phase.MAINTENANCE)  # the horizon holds no later dose
    plan = plan_created(
        patient, start=start, doses=[only], phases=[phase(Phase.MAINTENANCE, start)]
    )
    given_on = start + timedelta(days=1)
    given = dose_administered(patient, plan_id=plan.plan_id, administered_at=at_noon(given_on))
    await adherence.publish(plan, given)

    async def deadline() -> date | None:
        rows = await adherence.rows(
            "select gap_due_on from {s}.plans where plan_id = $1", plan.plan_id
        )
        return (
            rows[0]["gap_due_on"]
            if rows and rows[0]["gap_due_on"] != start + timedelta(days=85)
            else None
        )

    # Maintenance started on ``start``; the dose given a day later moves the deadline on.
    due_on = await eventually(deadline, what="the gap deadline after the dose")
    assert due_on is not None
    assert due_on == given_on + timedelta(days=85)  # the first day more than 84 days after it
    before = datetime.combine(due_on, datetime.min.time(), tzinfo=UTC) - timedelta(seconds=1)
    await adherence.sweep(before)
    assert await adherence.outbox(patient, adherence.runtime.topics.flags) == []
    await adherence.sweep(before + timedelta(seconds=1))
    [flag] = await eventually(
        lambda: adherence.flags(patient, reason="MAINTENANCE_GAP_EXCEEDED"), what="the gap flag"
    )
    assert flag["severity"] == "urgent"
    assert "oral" in flag["recommendation"]
    [row] = await adherence.rows(
        "select gap_due_at from {s}.plans where plan_id = $1", plan.plan_id
    )
    assert row["gap_due_at"] is None  # flagged: nothing left for the sweep until a dose is given


async def test_the_runtime_sweeper_finds_misses_as_its_clock_moves(adherence: Harness) -> None:
    patient = patient_id()
    day = today()
    dose = scheduled(day + timedelta(days=3))
    plan = plan_created(patient, start=dose.due_on, doses=[dose])
    await adherence.publish(plan)

    async def stored() -> list[Any]:
        return await adherence.rows(
            "select open from {s}.scheduled_doses where dose_id = $1", dose.dose_id
        )

    await eventually(stored, what="the plan stored")
    adherence.clock.offset = timedelta(days=10)
    try:
        [missed] = await eventually(
            lambda: adherence.adherence_events(patient, type="DoseMissed"), what="DoseMissed"
        )
    finally:
        adherence.clock.offset = timedelta(0)
    assert missed["dose_id"] == str(dose.dose_id)
