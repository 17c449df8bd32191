"""A plan's doses and lab checks as rows: history kept, a replaced row superseded."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

from shared.contracts import LabCheck, ScheduledDose
from shared.db.types import Connection, Executor

_DOSE_COLUMNS = (
    "dose_id, due_on, dose_mcg, product, route, phase, revision, superseded_at,"
    " superseded_by_revision"
)
_CHECK_COLUMNS = (
    "check_id, due_on, loinc_codes, purpose, kind, revision, superseded_at, superseded_by_revision"
)


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
    await insert_doses(
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
    await insert_checks(
        conn, plan_id, [c for c in lab_checks if c.check_id not in kept], revision=revision
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


def _dose_values(dose: Any) -> tuple[Any, ...]:
    if isinstance(dose, ScheduledDose):
        return (dose.due_on, dose.dose_mcg, dose.product, dose.route, dose.phase.value)
    return (dose["due_on"], dose["dose_mcg"], dose["product"], dose["route"], dose["phase"])


def _check_values(check: Any) -> tuple[Any, ...]:
    if isinstance(check, LabCheck):
        return (check.due_on, list(check.loinc_codes), check.purpose, check.kind)
    return (check["due_on"], list(check["loinc_codes"]), check["purpose"], check["kind"])


async def _supersede(
    conn: Connection,
    table: Literal["plan_doses", "plan_lab_checks"],
    ids: Sequence[int],
    *,
    revision: int,
    now: datetime,
) -> None:
    if not ids:
        return
    await conn.execute(
        # The table is one of two literal names; values are $n parameters.
        f"update {table} set superseded_at = $2, superseded_by_revision = $3"  # noqa: S608
        " where id = any($1::bigint[])",
        list(ids),
        now,
        revision,
    )


async def insert_doses(
    conn: Connection, plan_id: UUID, doses: Sequence[ScheduledDose], *, revision: int
) -> None:
    """Add dose rows scheduled by ``revision``."""
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


async def insert_checks(
    conn: Connection, plan_id: UUID, checks: Sequence[LabCheck], *, revision: int
) -> None:
    """Add lab check rows scheduled by ``revision``."""
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
