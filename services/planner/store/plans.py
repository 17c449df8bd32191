"""Plans, their doses and lab checks (functions take a connection: the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from services.planner.domain import Plan
from shared.contracts import LabCheck, Phase, ScheduledDose
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
_DOSE_COLUMNS = (
    "dose_id, due_on, dose_mcg, product, route, phase, revision, superseded_at,"
    " superseded_by_revision"
)
_CHECK_COLUMNS = (
    "check_id, due_on, loinc_codes, purpose, kind, revision, superseded_at, superseded_by_revision"
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
    await _insert_doses(conn, plan.plan_id, plan.doses, revision=plan.revision)
    await _insert_checks(conn, plan.plan_id, plan.lab_checks, revision=plan.revision)
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


async def replace_schedule(
    conn: Connection,
    *,
    plan_id: UUID,
    effective_from: date,
    doses: Sequence[ScheduledDose],
    lab_checks: Sequence[LabCheck],
    revision: int,
    now: datetime,
) -> None:
    """Supersede the rows from ``effective_from`` that the replacement changes; add the new ones.

    Rows the replacement repeats unchanged stay current, so a dose's history shows only real
    changes; nothing is deleted.
    """
    current = await conn.fetch(
        "select id, dose_id, due_on, dose_mcg, product, route, phase from plan_doses"
        " where plan_id = $1 and superseded_at is null and due_on >= $2",
        plan_id,
        effective_from,
    )
    wanted = {dose.dose_id: _dose_values(dose) for dose in doses}
    stale = [row["id"] for row in current if wanted.get(row["dose_id"]) != _dose_values(row)]
    kept = {row["dose_id"] for row in current if row["id"] not in stale}
    await _supersede(conn, "plan_doses", stale, revision=revision, now=now)
    await _insert_doses(
        conn, plan_id, [d for d in doses if d.dose_id not in kept], revision=revision
    )

    current = await conn.fetch(
        "select id, check_id, due_on, loinc_codes, purpose, kind from plan_lab_checks"
        " where plan_id = $1 and superseded_at is null and due_on >= $2",
        plan_id,
        effective_from,
    )
    wanted = {check.check_id: _check_values(check) for check in lab_checks}
    stale = [row["id"] for row in current if wanted.get(row["check_id"]) != _check_values(row)]
    kept = {row["check_id"] for row in current if row["id"] not in stale}
    await _supersede(conn, "plan_lab_checks", stale, revision=revision, now=now)
    await _insert_checks(
        conn, plan_id, [c for c in lab_checks if c.check_id not in kept], revision=revision
    )


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


async def dose_rows(
    executor: Executor, plan_id: UUID, *, include_superseded: bool = False
) -> list[Any]:
    """A plan's dose rows by due date (current ones only unless asked otherwise)."""
    return list(
        await executor.fetch(
            f"select {_DOSE_COLUMNS} from plan_doses where plan_id = $1"  # noqa: S608
            " and ($2 or superseded_at is null) order by due_on, id",
            plan_id,
            include_superseded,
        )
    )


async def lab_check_rows(
    executor: Executor, plan_id: UUID, *, include_superseded: bool = False
) -> list[Any]:
    """A plan's lab check rows by due date (current ones only unless asked otherwise)."""
    return list(
        await executor.fetch(
            f"select {_CHECK_COLUMNS} from plan_lab_checks where plan_id = $1"  # noqa: S608
            " and ($2 or superseded_at is null) order by due_on, id",
            plan_id,
            include_superseded,
        )
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


def _dose_values(dose: Any) -> tuple[Any, ...]:
    if isinstance(dose, ScheduledDose):
        return (dose.due_on, dose.dose_mcg, dose.product, dose.route, dose.phase.value)
    return (dose["due_on"], dose["dose_mcg"], dose["product"], dose["route"], dose["phase"])


def _check_values(check: Any) -> tuple[Any, ...]:
    if isinstance(check, LabCheck):
        return (check.due_on, list(check.loinc_codes), check.purpose, check.kind)
    return (check["due_on"], list(check["loinc_codes"]), check["purpose"], check["kind"])


async def _supersede(
    conn: Connection, table: str, ids: Sequence[int], *, revision: int, now: datetime
) -> None:
    if not ids:
        return
    await conn.execute(
        f"update {table} set superseded_at = $2, superseded_by_revision = $3"  # noqa: S608
        " where id = any($1::bigint[])",
        list(ids),
        now,
        revision,
    )


async def _insert_doses(
    conn: Connection, plan_id: UUID, doses: Sequence[ScheduledDose], *, revision: int
) -> None:
    if not doses:
        return
    await conn.executemany(
        "insert into plan_doses (plan_id, dose_id, due_on, dose_mcg, product, route, phase,"
        " revision) values ($1, $2, $3, $4, $5, $6, $7, $8)",
        [
            (plan_id, d.dose_id, d.due_on, d.dose_mcg, d.product, d.route, d.phase.value, revision)
            for d in doses
        ],
    )


async def _insert_checks(
    conn: Connection, plan_id: UUID, checks: Sequence[LabCheck], *, revision: int
) -> None:
    if not checks:
        return
    await conn.executemany(
        "insert into plan_lab_checks (plan_id, check_id, due_on, loinc_codes, purpose, kind,"
        " revision) values ($1, $2, $3, $4, $5, $6, $7)",
        [
            (plan_id, c.check_id, c.due_on, list(c.loinc_codes), c.purpose, c.kind, revision)
            for c in checks
        ],
    )
