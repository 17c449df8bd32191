"""Loading plans and doses as domain values; locking a patient's plans; leasing due plans."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.adherence.domain import (
    DeclaredMiss,
    Discrepancy,
    DoseLifecycle,
    MatchedAdministration,
    Timing,
    TrackedDose,
    TrackedPlan,
)
from shared.contracts import DoseAdministered, Indication, PhaseSpec, ScheduledDose
from shared.db.types import Connection, Executor

PLANS_QUERY = (
    "select plan_id, patient_id, timezone, indication, neurological_involvement, start_date,"
    " phases, cancelled_at from plans"
)

# Doses with their administration, its discrepancies and the declared miss; callers add
# the where clause.
DOSES_QUERY = """
select d.dose_id, d.plan_id, d.due_on, d.dose_mcg, d.product, d.route, d.phase, d.lifecycle,
       d.changed_by,
       a.id as administration_pk, a.source, a.administration_id, a.administered_at, a.status,
       a.timing,
       coalesce((select jsonb_agg(jsonb_build_object('field', x.field, 'scheduled', x.scheduled,
                                                     'administered', x.administered)
                                  order by x.field)
                 from discrepancies x where x.administration_pk = a.id), '[]') as discrepancies,
       m.declared_at, m.consecutive_missed, m.not_done
from scheduled_doses d
left join administrations a on a.dose_id = d.dose_id
left join misses m on m.dose_id = d.dose_id
"""

# Plans with an open dose whose window closed: reads only the partial index of open doses.
_DUE_PLAN_IDS = "select plan_id from scheduled_doses where open and closes_at <= $1"


def plan_from_row(row: asyncpg.Record) -> TrackedPlan:
    """A plan row as the domain's TrackedPlan."""
    return TrackedPlan(
        plan_id=row["plan_id"],
        patient_id=row["patient_id"],
        timezone=row["timezone"],
        indication=Indication(row["indication"]),
        neurological_involvement=row["neurological_involvement"],
        start_date=row["start_date"],
        phases=tuple(PhaseSpec.model_validate(p) for p in row["phases"]),
        cancelled_at=row["cancelled_at"],
    )


def _discrepancy(item: dict[str, Any]) -> Discrepancy:
    # Values are stored as text; the dose is a number in the domain and in the API.
    numeric = item["field"] == "dose_mcg"
    return Discrepancy(
        field=item["field"],
        scheduled=float(item["scheduled"]) if numeric else item["scheduled"],
        administered=float(item["administered"]) if numeric else item["administered"],
    )


def dose_from_row(row: asyncpg.Record) -> TrackedDose:
    """A dose row, with its administration and declared miss, as the domain's TrackedDose."""
    scheduled = ScheduledDose.model_validate(
        {
            "dose_id": row["dose_id"],
            "due_on": row["due_on"],
            "dose_mcg": row["dose_mcg"],
            "product": row["product"],
            "route": row["route"],
            "phase": row["phase"],
        }
    )
    administration = None
    if row["administration_pk"] is not None:
        administration = MatchedAdministration(
            source=row["source"],
            administration_id=row["administration_id"],
            administered_at=row["administered_at"],
            completed=row["status"] == "completed",
            timing=Timing(row["timing"]),
            discrepancies=tuple(_discrepancy(item) for item in row["discrepancies"]),
        )
    miss = None
    if row["declared_at"] is not None:
        miss = DeclaredMiss(
            declared_at=row["declared_at"],
            consecutive_missed=row["consecutive_missed"],
            not_done=row["not_done"],
        )
    return TrackedDose(
        plan_id=row["plan_id"],
        scheduled=scheduled,
        lifecycle=DoseLifecycle(row["lifecycle"]),
        changed_by=row["changed_by"],
        administration=administration,
        miss=miss,
    )


async def lock_patient_plans(conn: Connection, patient_id: str) -> list[TrackedPlan]:
    """The patient's plans, locked until the transaction ends (in plan_id order: no deadlock).

    A patient lock comes first: with no plan yet there is no row to lock, and a dose parked by
    one transaction must not pass a PlanCreated reconciled by another that cannot see it.
    """
    await conn.execute("select pg_advisory_xact_lock(hashtext('adherence:' || $1))", patient_id)
    rows = await conn.fetch(
        PLANS_QUERY + " where patient_id = $1 order by plan_id for update",
        patient_id,
    )
    return [plan_from_row(row) for row in rows]


async def patient_plans(conn: Executor, patient_id: str) -> list[TrackedPlan]:
    """The patient's plans, for reading."""
    rows = await conn.fetch(
        PLANS_QUERY + " where patient_id = $1 order by start_date, plan_id",
        patient_id,
    )
    return [plan_from_row(row) for row in rows]


async def plans_by_id(conn: Executor, plan_ids: Iterable[UUID]) -> list[TrackedPlan]:
    """The plans with these ids (unknown ids are left out)."""
    rows = await conn.fetch(PLANS_QUERY + " where plan_id = any($1::uuid[])", list(plan_ids))
    return [plan_from_row(row) for row in rows]


async def plan_doses(conn: Executor, plan_ids: Sequence[UUID]) -> list[TrackedDose]:
    """Every dose of the plans, history included, with administrations and misses."""
    rows = await conn.fetch(
        DOSES_QUERY + " where d.plan_id = any($1::uuid[]) order by d.due_on, d.dose_id",
        list(plan_ids),
    )
    return [dose_from_row(row) for row in rows]


async def unscheduled_given(conn: Executor, patient_id: str) -> list[DoseAdministered]:
    """The patient's completed administrations that matched no dose (the gap rule counts them)."""
    rows = await conn.fetch(
        "select event_id, received_at, patient_id, source, administration_id, claimed_plan_id,"
        " administered_at, product, dose_mcg, route from administrations"
        " where patient_id = $1 and outcome = 'unscheduled' and status = 'completed'"
        " order by administered_at",
        patient_id,
    )
    return [
        DoseAdministered(
            event_id=row["event_id"],
            occurred_at=row["received_at"],
            patient_id=row["patient_id"],
            source=row["source"],
            administration_id=row["administration_id"],
            plan_id=row["claimed_plan_id"],
            administered_at=row["administered_at"],
            product=row["product"],
            dose_mcg=row["dose_mcg"],
            route=row["route"],
            status="completed",
        )
        for row in rows
    ]


async def lease_plans_with_closed_windows(
    conn: Connection, *, now: datetime, limit: int
) -> list[TrackedPlan]:
    """Lease plans with an open dose whose window closed by ``now`` (SKIP LOCKED).

    The inner query reads the partial index of open doses by closes_at, so its cost follows
    the doses that are due; a plan another sweeper or a handler holds is skipped, and the
    lease lasts until the caller's transaction ends.
    """
    rows = await conn.fetch(
        PLANS_QUERY + " where plan_id in (" + _DUE_PLAN_IDS + ") limit $2 for update skip locked",
        now,
        limit,
    )
    return [plan_from_row(row) for row in rows]


async def lease_plans_with_gap_due(
    conn: Connection, *, now: datetime, limit: int
) -> list[TrackedPlan]:
    """Lease plans whose maintenance-gap deadline has come (SKIP LOCKED, index on gap_due_at)."""
    rows = await conn.fetch(
        PLANS_QUERY + " where gap_due_at <= $1 order by gap_due_at limit $2 for update skip locked",
        now,
        limit,
    )
    return [plan_from_row(row) for row in rows]
