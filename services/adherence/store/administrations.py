"""Administrations (once per source + administration_id), parked ones, discrepancies, misses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal
from uuid import UUID

from services.adherence.domain import (
    Discrepancy,
    Timing,
    TrackedDose,
    TrackedPlan,
    WindowConfig,
    window_of,
)
from shared.contracts import DoseAdministered
from shared.db.types import Connection

Outcome = Literal["matched", "unscheduled", "parked", "rejected"]


async def insert_administration(
    conn: Connection,
    administration: DoseAdministered,
    *,
    outcome: Outcome,
    reason: str | None,
    dose_id: UUID | None,
    timing: Timing | None,
    now: datetime,
) -> int | None:
    """Record an administration; None when (source, administration_id) is already recorded."""
    pk: int | None = await conn.fetchval(
        "insert into administrations (source, administration_id, event_id, patient_id,"
        " claimed_plan_id, administered_at, product, dose_mcg, route, status, status_reason,"
        " outcome, outcome_reason, dose_id, timing, received_at, updated_at)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16)"
        " on conflict (source, administration_id) do nothing returning id",
        administration.source,
        administration.administration_id,
        administration.event_id,
        administration.patient_id,
        administration.plan_id,
        administration.administered_at,
        administration.product,
        administration.dose_mcg,
        administration.route,
        administration.status,
        administration.status_reason,
        outcome,
        reason,
        dose_id,
        timing.value if timing else None,
        now,
    )
    return pk


async def park(
    conn: Connection, pk: int, administration: DoseAdministered, *, reason: str, now: datetime
) -> None:
    """Keep an administration whose plan is not known yet, with its event, for reconciliation."""
    await conn.execute(
        "insert into parked_administrations (administration_pk, patient_id, claimed_plan_id,"
        " reason, event, parked_at) values ($1, $2, $3, $4, $5, $6)",
        pk,
        administration.patient_id,
        administration.plan_id,
        reason,
        administration.model_dump(mode="json"),
        now,
    )


async def waiting_parked(conn: Connection, patient_id: str) -> list[tuple[int, DoseAdministered]]:
    """The patient's parked administrations not reconciled yet, locked for reconciliation."""
    rows = await conn.fetch(
        "select administration_pk, event from parked_administrations"
        " where patient_id = $1 and reconciled_at is null order by administration_pk for update",
        patient_id,
    )
    return [
        (row["administration_pk"], DoseAdministered.model_validate(row["event"])) for row in rows
    ]


async def settle_parked(
    conn: Connection,
    pk: int,
    *,
    outcome: Outcome,
    reason: str | None,
    dose_id: UUID | None,
    timing: Timing | None,
    now: datetime,
) -> None:
    """Record what a parked administration became once its plan arrived."""
    await conn.execute(
        "update administrations set outcome = $2, outcome_reason = $3, dose_id = $4,"
        " timing = $5, updated_at = $6 where id = $1",
        pk,
        outcome,
        reason,
        dose_id,
        timing.value if timing else None,
        now,
    )
    await conn.execute(
        "update parked_administrations set reconciled_at = $2, reconciled_as = $3"
        " where administration_pk = $1",
        pk,
        now,
        outcome,
    )


async def insert_discrepancies(
    conn: Connection, pk: int, *, dose_id: UUID, discrepancies: Sequence[Discrepancy]
) -> None:
    """Record how a matched administration differs from its scheduled dose."""
    if not discrepancies:
        return
    await conn.executemany(
        "insert into discrepancies (administration_pk, dose_id, field, scheduled, administered)"
        " values ($1, $2, $3, $4, $5) on conflict do nothing",
        [(pk, dose_id, d.field, str(d.scheduled), str(d.administered)) for d in discrepancies],
    )


async def insert_misses(
    conn: Connection, doses: Sequence[TrackedDose], *, plan: TrackedPlan, windows: WindowConfig
) -> set[UUID]:
    """Store the declared misses not stored yet; returns the dose ids newly stored.

    The primary key on dose_id decides what is new, so each miss is emitted once even if two
    code paths (a sweep and a late administration) declare it.
    """
    declared = [d for d in doses if d.plan_id == plan.plan_id and d.miss is not None]
    if not declared:
        return set()
    rows = await conn.fetch(
        "insert into misses (dose_id, plan_id, patient_id, declared_at, consecutive_missed,"
        " not_done, window_closed_at)"
        " select u.dose_id, $6, $7, u.declared_at, u.consecutive, u.not_done, u.closed_at"
        " from unnest($1::uuid[], $2::timestamptz[], $3::int[], $4::boolean[],"
        " $5::timestamptz[]) as u(dose_id, declared_at, consecutive, not_done, closed_at)"
        " on conflict (dose_id) do nothing returning dose_id",
        [d.dose_id for d in declared],
        [d.miss.declared_at for d in declared if d.miss],
        [d.miss.consecutive_missed for d in declared if d.miss],
        [d.miss.not_done for d in declared if d.miss],
        [window_of(d, plan, windows=windows).closes_at for d in declared],
        plan.plan_id,
        plan.patient_id,
    )
    return {row["dose_id"] for row in rows}


async def resolve_misses(conn: Connection, dose_ids: Sequence[UUID], *, now: datetime) -> set[UUID]:
    """Resolve the unresolved misses of these doses that now hold a completed administration."""
    if not dose_ids:
        return set()
    rows = await conn.fetch(
        "update misses m set resolved_at = $2, resolved_by = a.id, resolved_timing = a.timing"
        " from administrations a"
        " where a.dose_id = m.dose_id and a.status = 'completed' and m.resolved_at is null"
        " and m.dose_id = any($1::uuid[]) returning m.dose_id",
        list(dose_ids),
        now,
    )
    return {row["dose_id"] for row in rows}
