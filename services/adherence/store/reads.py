"""What the staff API reads: administrations outside the schedule, doses around a date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.adherence.domain import TrackedDose
from services.adherence.store.state import DOSES_QUERY, dose_from_row
from shared.db.types import Executor


@dataclass(frozen=True, slots=True, kw_only=True)
class UnmatchedAdministration:
    """An administration recorded against no dose: unscheduled, parked or refused on arrival."""

    source: str
    administration_id: str
    plan_id: UUID | None
    administered_at: datetime
    product: str
    dose_mcg: float
    route: str
    status: str
    outcome: str
    reason: str | None


async def unmatched_administrations(
    conn: Executor, patient_id: str
) -> list[UnmatchedAdministration]:
    """The patient's administrations that hold no dose, oldest first."""
    rows = await conn.fetch(
        "select source, administration_id, claimed_plan_id, administered_at, product, dose_mcg,"
        " route, status, outcome, outcome_reason from administrations"
        " where patient_id = $1 and dose_id is null order by administered_at, id",
        patient_id,
    )
    return [
        UnmatchedAdministration(
            source=r["source"],
            administration_id=r["administration_id"],
            plan_id=r["claimed_plan_id"],
            administered_at=r["administered_at"],
            product=r["product"],
            dose_mcg=r["dose_mcg"],
            route=r["route"],
            status=r["status"],
            outcome=r["outcome"],
            reason=r["outcome_reason"],
        )
        for r in rows
    ]


async def patient_known(conn: Executor, patient_id: str) -> bool:
    """Whether adherence holds any plan or administration of the patient."""
    return bool(
        await conn.fetchval(
            "select exists (select 1 from plans where patient_id = $1)"
            " or exists (select 1 from administrations where patient_id = $1)",
            patient_id,
        )
    )


async def active_doses_due_between(conn: Executor, *, first: date, last: date) -> list[TrackedDose]:
    """Active doses due from ``first`` to ``last`` (the worklist's candidates), index on due_on."""
    rows = await conn.fetch(
        DOSES_QUERY + " where d.lifecycle = 'active' and d.due_on between $1 and $2"
        " order by d.due_on, d.dose_id",
        first,
        last,
    )
    return [dose_from_row(row) for row in rows]
