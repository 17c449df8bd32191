"""Labs' SQL: functions take a connection so the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.labs.domain import (
    Finding,
    FindingStatus,
    LabReport,
    LabTimeline,
    RecordOutcome,
    TreatmentContext,
)
from services.labs.state import PatientState, StoredFinding, StoredPlan
from shared.contracts import DoseAdministered, PlanAdjusted, PlanCancelled, ResponseFlagged
from shared.db.types import Connection, Executor


async def lock_patient(conn: Connection, patient_id: str) -> None:
    """Create the patient's row if needed and lock it until the transaction ends."""
    # A freshly inserted row is already ours; a concurrent insert of the same id waits for us.
    created = await conn.fetchval(
        "insert into patients (patient_id) values ($1) on conflict do nothing returning true",
        patient_id,
    )
    if not created:
        await conn.execute("select 1 from patients where patient_id = $1 for update", patient_id)


async def read_patient(pool: asyncpg.Pool, patient_id: str) -> PatientState | None:
    """A consistent snapshot of the patient for the API; None when labs knows nothing of them."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        evaluated = await conn.fetchrow(
            "select evaluated_at from patients where patient_id = $1", patient_id
        )
        if evaluated is None:
            return None
        state = await load_patient(conn, patient_id)
        state.evaluated_at = evaluated["evaluated_at"]
        return state


async def load_patient(conn: Executor, patient_id: str) -> PatientState:
    """Plans, adjustments, cancellations, doses, every report and every finding of a patient."""
    plans = await conn.fetch(
        "select plan_id, start_date, context, seq from plans where patient_id = $1", patient_id
    )
    adjustments = await conn.fetch(
        "select adjustment from plan_adjustments where patient_id = $1 order by seq", patient_id
    )
    cancelled = await conn.fetch(
        "select plan_id from plan_cancellations where patient_id = $1", patient_id
    )
    doses = await conn.fetch(
        "select dose from administrations where patient_id = $1 order by administered_at",
        patient_id,
    )
    reports = await conn.fetch(
        "select report from results where patient_id = $1 order by id", patient_id
    )
    return PatientState(
        patient_id=patient_id,
        plans={
            row["plan_id"]: StoredPlan(
                plan_id=row["plan_id"],
                start_date=row["start_date"],
                context=TreatmentContext.model_validate(row["context"]),
                seq=row["seq"],
            )
            for row in plans
        },
        # Only the phases are kept; the schedule and the free-text reason are not labs' concern.
        adjustments=[
            PlanAdjusted.model_validate({**row["adjustment"], "doses": [], "reason": ""})
            for row in adjustments
        ],
        cancelled={row["plan_id"] for row in cancelled},
        doses={
            (dose.source, dose.administration_id): dose
            for dose in (DoseAdministered.model_validate(row["dose"]) for row in doses)
        },
        timeline=LabTimeline(tuple(LabReport.model_validate(row["report"]) for row in reports)),
        findings=await findings_of(conn, patient_id),
    )


async def findings_of(conn: Executor, patient_id: str) -> list[StoredFinding]:
    """Every finding recorded for the patient, oldest first."""
    rows = await conn.fetch(
        "select flag_id, finding, status, supersedes_flag_id, raised_at, changed_at"
        " from findings where patient_id = $1 order by raised_at, flag_id",
        patient_id,
    )
    return [
        StoredFinding(
            flag_id=row["flag_id"],
            finding=Finding.model_validate(row["finding"]),
            status=FindingStatus(row["status"]),
            supersedes_flag_id=row["supersedes_flag_id"],
            raised_at=row["raised_at"],
            changed_at=row["changed_at"],
        )
        for row in rows
    ]


async def insert_plan(
    conn: Connection, *, patient_id: str, plan_id: UUID, context: TreatmentContext
) -> int | None:
    """Keep a new plan's context; its arrival sequence, or None when the plan is known."""
    seq: int | None = await conn.fetchval(
        "insert into plans (plan_id, patient_id, start_date, context) values ($1, $2, $3, $4)"
        " on conflict (plan_id) do nothing returning seq",
        plan_id,
        patient_id,
        context.start_date,
        context.model_dump(mode="json"),
    )
    return seq


async def insert_adjustment(conn: Connection, adjustment: PlanAdjusted) -> bool:
    """Keep an adjustment's phases; False when it was already known."""
    kept = adjustment.model_dump(mode="json", exclude={"doses", "lab_checks", "reason"})
    inserted = await conn.fetchval(
        "insert into plan_adjustments (adjustment_id, plan_id, patient_id, effective_from,"
        " adjustment) values ($1, $2, $3, $4, $5)"
        " on conflict (adjustment_id) do nothing returning true",
        adjustment.adjustment_id,
        adjustment.plan_id,
        adjustment.patient_id,
        adjustment.effective_from,
        kept,
    )
    return bool(inserted)


async def insert_cancellation(conn: Connection, cancellation: PlanCancelled) -> bool:
    """Record that a plan was cancelled; False when it was already known."""
    inserted = await conn.fetchval(
        "insert into plan_cancellations (plan_id, patient_id, cancelled_at) values ($1, $2, $3)"
        " on conflict (plan_id) do nothing returning true",
        cancellation.plan_id,
        cancellation.patient_id,
        cancellation.occurred_at,
    )
    return bool(inserted)


async def insert_administrations(conn: Connection, doses: Sequence[DoseAdministered]) -> None:
    """Keep completed administrations (one per source and administration id)."""
    await conn.executemany(
        "insert into administrations (source, administration_id, patient_id, plan_id,"
        " administered_at, dose) values ($1, $2, $3, $4, $5, $6) on conflict do nothing",
        [
            (
                dose.source,
                dose.administration_id,
                dose.patient_id,
                dose.plan_id,
                dose.administered_at,
                dose.model_dump(mode="json", exclude={"status_reason"}),
            )
            for dose in doses
        ],
    )


async def result_owner(conn: Connection, *, source: str, result_id: str) -> str | None:
    """The patient a result (source, result_id) was first received for, if any."""
    owner: str | None = await conn.fetchval(
        "select patient_id from results where source = $1 and result_id = $2 and version = 1",
        source,
        result_id,
    )
    return owner


@dataclass(frozen=True, slots=True)
class NewVersion:
    """A report to store as a version of its result."""

    report: LabReport
    version: int
    outcome: RecordOutcome


async def insert_results(conn: Connection, *, patient_id: str, rows: Sequence[NewVersion]) -> None:
    """Store report versions with their original and normalised values."""
    await conn.executemany(
        "insert into results (patient_id, source, result_id, version, event_id, status, outcome,"
        " code, analyte, observed_at, reported_at, lab_id, original_value, original_unit, value,"
        " unit, interpretation, report) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
        " $12, $13, $14, $15, $16, $17, $18)",
        [
            (
                patient_id,
                row.report.source,
                row.report.result_id,
                row.version,
                row.report.event_id,
                row.report.status,
                row.outcome.value,
                row.report.code,
                row.report.analyte.value if row.report.analyte else None,
                row.report.observed_at,
                row.report.reported_at,
                row.report.lab_id,
                row.report.original_value,
                row.report.original_unit,
                row.report.value,
                row.report.unit,
                row.report.interpretation.value if row.report.interpretation else None,
                row.report.model_dump(mode="json"),
            )
            for row in rows
        ],
    )


async def insert_findings(
    conn: Connection,
    raised: Sequence[tuple[Finding, ResponseFlagged]],
    *,
    at: datetime,
) -> None:
    """Record raised findings as open, with the flag that announces each."""
    await conn.executemany(
        "insert into findings (flag_id, patient_id, dedupe_key, episode_key, plan_id, rule_id,"
        " rule_version, reason, severity, status, supersedes_flag_id, finding, raised_at,"
        " changed_at) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10, $11, $12, $12)",
        [
            (
                flag.flag_id,
                flag.patient_id,
                finding.dedupe_key,
                finding.episode_key,
                flag.plan_id,
                finding.rule_id,
                finding.rule_version,
                finding.reason.value,
                finding.severity,
                flag.supersedes_flag_id,
                finding.model_dump(mode="json"),
                at,
            )
            for finding, flag in raised
        ],
    )


async def set_findings_status(
    conn: Connection,
    patient_id: str,
    *,
    dedupe_keys: Sequence[str],
    status: FindingStatus,
    at: datetime,
) -> None:
    """Mark findings withdrawn or open again."""
    if not dedupe_keys:
        return
    await conn.execute(
        "update findings set status = $3, changed_at = $4"
        " where patient_id = $1 and dedupe_key = any($2::text[])",
        patient_id,
        list(dedupe_keys),
        status.value,
        at,
    )


async def mark_evaluated(conn: Connection, patient_id: str, *, at: datetime) -> None:
    """Record when the patient's results were last evaluated."""
    await conn.execute(
        "update patients set evaluated_at = $2 where patient_id = $1", patient_id, at
    )
