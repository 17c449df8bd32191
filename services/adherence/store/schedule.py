"""Writing plans and their doses: history kept, derived columns (open, closes_at) in step."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from uuid import UUID

from services.adherence.domain import TrackedDose, TrackedPlan, WindowConfig, window_of
from shared.contracts import PlanCreated
from shared.db.types import Connection


async def insert_plan(conn: Connection, created: PlanCreated) -> bool:
    """Keep a new plan; False when it is already known (a resent PlanCreated)."""
    inserted = await conn.fetchval(
        "insert into plans (plan_id, patient_id, protocol_id, protocol_version, indication,"
        " neurological_involvement, lifelong, start_date, timezone, phases)"
        " values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " on conflict (plan_id) do nothing returning true",
        created.plan_id,
        created.patient_id,
        created.protocol_id,
        created.protocol_version,
        created.indication.value,
        created.neurological_involvement,
        created.lifelong,
        created.start_date,
        created.timezone,
        [phase.model_dump(mode="json") for phase in created.phases],
    )
    return bool(inserted)


async def save_plan(conn: Connection, plan: TrackedPlan) -> None:
    """Write back what an adjustment or cancellation changes on a plan."""
    await conn.execute(
        "update plans set phases = $2, cancelled_at = $3, updated_at = now() where plan_id = $1",
        plan.plan_id,
        [phase.model_dump(mode="json") for phase in plan.phases],
        plan.cancelled_at,
    )


async def save_doses(
    conn: Connection,
    doses: Sequence[TrackedDose],
    *,
    plan: TrackedPlan,
    windows: WindowConfig,
    now: datetime,
) -> None:
    """Insert new doses of ``plan`` and bring changed ones up to date (rows never deleted).

    ``open`` and ``closes_at`` are derived here from the domain's values and the configured
    windows, so the sweep's index always reflects them; unchanged rows are not rewritten, and
    a dose id already held by another plan is never taken over.
    """
    own = [d for d in doses if d.plan_id == plan.plan_id]
    if not own:
        return
    await conn.execute(
        """
        insert into scheduled_doses as d (dose_id, plan_id, patient_id, due_on, dose_mcg,
            product, route, phase, lifecycle, changed_by, changed_at, closes_at, open)
        select u.dose_id, $11, $12, u.due_on, u.dose_mcg, u.product, u.route, u.phase,
               u.lifecycle, u.changed_by,
               case when u.lifecycle = 'active' then null else $13::timestamptz end,
               u.closes_at, u.open
        from unnest($1::uuid[], $2::date[], $3::float8[], $4::text[], $5::text[], $6::text[],
                    $7::text[], $8::uuid[], $9::timestamptz[], $10::boolean[])
             as u(dose_id, due_on, dose_mcg, product, route, phase, lifecycle, changed_by,
                  closes_at, open)
        on conflict (dose_id) do update set
            lifecycle = excluded.lifecycle,
            changed_by = excluded.changed_by,
            changed_at = case when d.lifecycle = excluded.lifecycle then d.changed_at
                              else $13::timestamptz end,
            closes_at = excluded.closes_at,
            open = excluded.open
        where d.plan_id = excluded.plan_id
          and (d.lifecycle, d.changed_by, d.closes_at, d.open)
              is distinct from (excluded.lifecycle, excluded.changed_by, excluded.closes_at,
                                excluded.open)
        """,
        [d.dose_id for d in own],
        [d.due_on for d in own],
        [d.scheduled.dose_mcg for d in own],
        [d.scheduled.product for d in own],
        [d.scheduled.route for d in own],
        [d.phase.value for d in own],
        [d.lifecycle.value for d in own],
        [d.changed_by for d in own],
        [window_of(d, plan, windows=windows).closes_at for d in own],
        [d.is_open for d in own],
        plan.plan_id,
        plan.patient_id,
        now,
    )


async def set_gap_deadline(
    conn: Connection, plan_id: UUID, *, due_on: date | None, due_at: datetime | None
) -> None:
    """Record when the plan's maintenance-gap flag fires if nothing is given (None: never)."""
    await conn.execute(
        "update plans set gap_due_on = $2, gap_due_at = $3 where plan_id = $1"
        " and (gap_due_on, gap_due_at) is distinct from ($2, $3)",
        plan_id,
        due_on,
        due_at,
    )


async def open_doses_after(
    conn: Connection, *, after: UUID | None, limit: int
) -> list[tuple[UUID, str, date, str, datetime]]:
    """A page of open doses (dose_id, timezone, due_on, phase, closes_at) in dose_id order."""
    rows = await conn.fetch(
        "select d.dose_id, p.timezone, d.due_on, d.phase, d.closes_at"
        " from scheduled_doses d join plans p using (plan_id)"
        " where d.open and ($1::uuid is null or d.dose_id > $1) order by d.dose_id limit $2",
        after,
        limit,
    )
    return [(r["dose_id"], r["timezone"], r["due_on"], r["phase"], r["closes_at"]) for r in rows]


async def set_closes_at(conn: Connection, changes: Sequence[tuple[UUID, datetime]]) -> None:
    """Move the window close of open doses (after the configured windows changed)."""
    if not changes:
        return
    await conn.execute(
        "update scheduled_doses d set closes_at = u.closes_at"
        " from unnest($1::uuid[], $2::timestamptz[]) as u(dose_id, closes_at)"
        " where d.dose_id = u.dose_id",
        [dose_id for dose_id, _ in changes],
        [closes_at for _, closes_at in changes],
    )
