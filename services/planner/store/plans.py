"""Plans, their doses and lab checks (functions take a connection: the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.planner.domain import Plan
from services.planner.store.schedule import insert_checks, insert_doses
from shared.contracts import Phase
from shared.db.types import Connection, Executor

_PLAN_COLUMNS = (
    "plan_id, patient_id, indication, status, protocol_id, protocol_version, lifelong, timezone,"
    " start_date, horizon_until, loading_review_on, revision, document, created_at, created_by,"
    " updated_at, cancelled_at, cancelled_by, cancel_reason"
)
_SELECT_PLAN = f"select {_PLAN_COLUMNS} from plans"  # noqa: S608 (fixed column names)
# Plans with no proposal yet for their loading review (the domain proposes ending loading from
# the day after the review, reason "phase_ended", so the review date finds it).
_SELECT_PLANS_REVIEW_UNPROPOSED = (
    _SELECT_PLAN  # noqa: S608 (fixed column names; values are $n parameters)
    + " p where status = 'active' and loading_review_on <= $1"
    " and plan_id <> all($2::uuid[])"
    " and not exists (select 1 from proposals q where q.plan_id = p.plan_id"
    " and q.reason_kind = 'phase_ended' and q.effective_from = p.loading_review_on + 1)"
    " order by loading_review_on limit $3 for update skip locked"
)


def plan_from_row(row: Any) -> Plan:
    """The domain plan stored in a ``plans`` row."""
    return Plan.model_validate(row["document"])


def loading_review_on(plan: Plan) -> date | None:
    """The review date of a loading phase waiting for a clinician to end it, if any."""
    for phase in plan.phases:
        if phase.phase == Phase.LOADING and phase.at_review:
            return phase.ends_on
    return None


async def active_plan_id(conn: Connection, *, patient_id: str, indication: str) -> UUID | None:
    """The patient's active plan for a cause, if there is one."""
    plan_id: UUID | None = await conn.fetchval(
        "select plan_id from plans where patient_id = $1 and indication = $2 and status = 'active'",
        patient_id,
        indication,
    )
    return plan_id


async def insert_plan(conn: Connection, plan: Plan, *, actor: str, now: datetime) -> bool:
    """Store a new active plan with its schedule; False when the patient already has one."""
    inserted = await conn.fetchval(
        "insert into plans (plan_id, patient_id, indication, status, protocol_id,"
        " protocol_version, lifelong, timezone, start_date, horizon_until, loading_review_on,"
        " revision, document, created_at, created_by, updated_at)"
        " values ($1, $2, $3, 'active', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $13)"
        " on conflict (patient_id, indication) where status = 'active' do nothing"
        " returning true",
        plan.plan_id,
        plan.patient_id,
        plan.indication.value,
        plan.protocol_id,
        plan.protocol_version,
        plan.lifelong,
        plan.timezone,
        plan.start_date,
        plan.horizon_until,
        loading_review_on(plan),
        plan.revision,
        plan.model_dump(mode="json"),
        now,
        actor,
    )
    if not inserted:
        return False
    await insert_doses(conn, plan.plan_id, plan.doses, revision=plan.revision)
    await insert_checks(conn, plan.plan_id, plan.lab_checks, revision=plan.revision)
    return True


async def plan_row(executor: Executor, plan_id: UUID) -> Any | None:
    """One plan's row, or None."""
    return await executor.fetchrow(_SELECT_PLAN + " where plan_id = $1", plan_id)


async def plan_row_for_update(conn: Connection, plan_id: UUID) -> Any | None:
    """One plan's row, locked until the transaction ends (changes to a plan take turns)."""
    return await conn.fetchrow(_SELECT_PLAN + " where plan_id = $1 for update", plan_id)


async def plan_rows_of_patient(
    executor: Executor, patient_id: str, *, status: str | None = None
) -> list[Any]:
    """A patient's plans, newest first, optionally only those with ``status``."""
    return list(
        await executor.fetch(
            _SELECT_PLAN + " where patient_id = $1 and ($2::text is null or status = $2)"
            " order by created_at desc, seq desc",
            patient_id,
            status,
        )
    )


async def save_adjusted_plan(
    conn: Connection, plan: Plan, *, previous_revision: int, now: datetime
) -> None:
    """Store the plan after an adjustment; its schedule rows are replaced separately."""
    updated = await conn.fetchval(
        "update plans set document = $2, revision = $3, horizon_until = $4,"
        " loading_review_on = $5, updated_at = $6"
        " where plan_id = $1 and revision = $7 returning true",
        plan.plan_id,
        plan.model_dump(mode="json"),
        plan.revision,
        plan.horizon_until,
        loading_review_on(plan),
        now,
        previous_revision,
    )
    if not updated:
        # Callers lock the row first, so this is a bug, not a race to retry.
        raise RuntimeError(f"plan {plan.plan_id} is not at revision {previous_revision}")


async def cancel_plan(
    conn: Connection, plan_id: UUID, *, actor: str, reason: str, now: datetime
) -> None:
    """Mark an active plan cancelled (its schedule rows stay as they were)."""
    await conn.execute(
        "update plans set status = 'cancelled', cancelled_at = $2, cancelled_by = $3,"
        " cancel_reason = $4, updated_at = $2 where plan_id = $1 and status = 'active'",
        plan_id,
        now,
        actor,
        reason,
    )


async def plans_with_horizon_before(
    conn: Connection, *, before: date, limit: int, skip: Sequence[UUID]
) -> list[Any]:
    """Active open-ended plans whose horizon ends before ``before``, locked (others skip them)."""
    return list(
        await conn.fetch(
            _SELECT_PLAN + " where status = 'active' and horizon_until < $1"
            " and plan_id <> all($2::uuid[]) order by horizon_until limit $3"
            " for update skip locked",
            before,
            list(skip),
            limit,
        )
    )


async def plans_with_loading_review_by(
    conn: Connection, *, on_or_before: date, limit: int, skip: Sequence[UUID]
) -> list[Any]:
    """Active plans whose loading review is due and has no proposal yet, locked."""
    return list(
        await conn.fetch(
            _SELECT_PLANS_REVIEW_UNPROPOSED,
            on_or_before,
            list(skip),
            limit,
        )
    )
