"""Adherence's SQL: functions take a connection so the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from shared.contracts import PlanCreated, ScheduledDose
from shared.db.types import Connection, Executor


async def insert_plan(conn: Connection, plan: PlanCreated) -> bool:
    """Keep a new plan; False when it was already known."""
    inserted = await conn.fetchval(
        "insert into plans (plan_id, patient_id, indication, neurological_involvement, lifelong,"
        " start_date, timezone) values ($1, $2, $3, $4, $5, $6, $7)"
        " on conflict (plan_id) do nothing returning true",
        plan.plan_id,
        plan.patient_id,
        plan.indication.value,
        plan.neurological_involvement,
        plan.lifelong,
        plan.start_date,
        plan.timezone,
    )
    return bool(inserted)


async def insert_doses(
    conn: Connection, *, plan_id: UUID, patient_id: str, doses: Sequence[ScheduledDose]
) -> None:
    """Add scheduled doses to a plan (a dose already known is left as it is)."""
    await conn.executemany(
        "insert into scheduled_doses (dose_id, plan_id, patient_id, due_on, dose_mcg, product,"
        " route, phase) values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict do nothing",
        [
            (
                d.dose_id,
                plan_id,
                patient_id,
                d.due_on,
                d.dose_mcg,
                d.product,
                d.route,
                d.phase.value,
            )
            for d in doses
        ],
    )


async def plan_doses(conn: Executor, plan_id: UUID) -> list[dict[str, Any]]:
    """Every dose of a plan, superseded ones included, in date order."""
    rows = await conn.fetch(
        "select dose_id, due_on, dose_mcg, product, route, phase, superseded_at"
        " from scheduled_doses where plan_id = $1 order by due_on, dose_id",
        plan_id,
    )
    return [dict(row) for row in rows]


async def plan_exists(conn: Executor, plan_id: UUID) -> bool:
    """Whether adherence knows the plan."""
    return bool(await conn.fetchval("select true from plans where plan_id = $1", plan_id))
