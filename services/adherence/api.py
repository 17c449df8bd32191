"""Adherence's HTTP API for clinic staff (thin: SQL in the store, figures in the domain)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict

from services.adherence.domain import (
    AdherenceConfig,
    PlanAdherence,
    build_worklist,
    summarize_patient,
    summarize_plan,
)
from services.adherence.domain.status import DoseStatus
from services.adherence.settings import AdherenceSettings
from services.adherence.store import reads, state
from shared.http import DomainError, NotFound, PoolDep, RuntimeDep
from shared.security import Reader

router = APIRouter(tags=["adherence"])

PATIENT_ID_PATTERN = r"^[A-Za-z0-9._-]{1,64}$"
"""The contracts' patient id: opaque, 1-64 characters of letters, digits, dot, dash, underscore."""

PatientIdPath = Annotated[
    str,
    Path(
        pattern=PATIENT_ID_PATTERN,
        description="Opaque pseudonymous patient id (1-64 of A-Z a-z 0-9 . _ -)",
    ),
]


class _View(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class DiscrepancyView(_View):
    """How the administration differs from the scheduled dose."""

    field: str
    scheduled: str | float
    administered: str | float


class DoseView(_View):
    """A scheduled dose with its status now: upcoming, due, given, late, missed, not-done..."""

    dose_id: UUID
    plan_id: UUID
    due_on: date
    phase: str
    product: str
    dose_mcg: float
    route: str
    status: DoseStatus
    window_opens_at: datetime
    window_closes_at: datetime
    administration_source: str | None
    administration_id: str | None
    administered_at: datetime | None
    discrepancies: list[DiscrepancyView]
    miss_declared_at: datetime | None
    superseded_by: UUID | None


class AdherenceView(BaseModel):
    """Doses given within their window out of the doses whose outcome is known."""

    first_day: date
    last_day: date
    doses_assessed: int
    doses_given_in_window: int
    percent: float | None


class PlanAdherenceView(BaseModel):
    """One plan's doses, adherence, last dose given and next dose due."""

    plan_id: UUID
    patient_id: str
    cancelled: bool
    adherence: AdherenceView
    last_given_at: datetime | None
    next_due_on: date | None
    doses: list[DoseView]


class UnmatchedView(_View):
    """An administration that holds no scheduled dose (unscheduled, or parked for its plan)."""

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


class PatientAdherenceView(BaseModel):
    """A patient's adherence across plans, every dose with its status, and unmatched doses."""

    patient_id: str
    adherence_percent: float | None
    doses_assessed: int
    doses_given_in_window: int
    last_given_at: datetime | None
    next_due_on: date | None
    plans: list[PlanAdherenceView]
    unmatched_administrations: list[UnmatchedView]


class WorklistEntryView(_View):
    """A dose to give on the list's date: due that day, overdue, or missed but still givable."""

    patient_id: str
    plan_id: UUID
    dose_id: UUID
    due_on: date
    phase: str
    kind: str
    days_past_due: int
    last_on_time_day: date


class WorklistView(BaseModel):
    """The clinic's day list."""

    day: date
    entries: list[WorklistEntryView]


def _config(runtime: RuntimeDep) -> AdherenceConfig:
    settings = runtime.settings
    assert isinstance(settings, AdherenceSettings)
    return settings.config


def _plan_view(summary: PlanAdherence) -> PlanAdherenceView:
    figure = summary.adherence
    return PlanAdherenceView(
        plan_id=summary.plan_id,
        patient_id=summary.patient_id,
        cancelled=summary.cancelled,
        adherence=AdherenceView(
            first_day=figure.period.first,
            last_day=figure.period.last,
            doses_assessed=figure.doses_assessed,
            doses_given_in_window=figure.doses_given_in_window,
            percent=figure.percent,
        ),
        last_given_at=summary.last_given_at,
        next_due_on=summary.next_due_on,
        doses=[DoseView.model_validate(view) for view in summary.doses],
    )


@router.get(
    "/patients/{patient_id}/adherence",
    responses={404: {"description": "No plan or administration of the patient is known"}},
)
async def get_patient_adherence(
    patient_id: PatientIdPath, pool: PoolDep, runtime: RuntimeDep, _: Reader
) -> PatientAdherenceView:
    """Every dose of the patient's plans with its status, adherence %, last given, next due."""
    # One snapshot, so the doses, figures and unmatched administrations agree with each other.
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        if not await reads.patient_known(conn, patient_id):
            raise NotFound(f"no plan or administration is known for patient {patient_id}")
        plans = await state.patient_plans(conn, patient_id)
        doses = await state.plan_doses(conn, [p.plan_id for p in plans])
        unmatched = await reads.unmatched_administrations(conn, patient_id)
    summary = summarize_patient(plans, doses, now=runtime.clock(), config=_config(runtime))
    return PatientAdherenceView(
        patient_id=patient_id,
        adherence_percent=summary.percent,
        doses_assessed=summary.doses_assessed,
        doses_given_in_window=summary.doses_given_in_window,
        last_given_at=summary.last_given_at,
        next_due_on=summary.next_due_on,
        plans=[_plan_view(plan) for plan in summary.plans],
        unmatched_administrations=[UnmatchedView.model_validate(u) for u in unmatched],
    )


@router.get("/plans/{plan_id}/doses", responses={404: {"description": "Unknown plan"}})
async def get_plan_doses(
    plan_id: UUID, pool: PoolDep, runtime: RuntimeDep, _: Reader
) -> PlanAdherenceView:
    """The plan's schedule as adherence holds it (history included), with statuses now."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        plans = await state.plans_by_id(conn, [plan_id])
        if not plans:
            raise NotFound(f"plan {plan_id} is not known to adherence")
        doses = await state.plan_doses(conn, [plan_id])
    return _plan_view(summarize_plan(plans[0], doses, now=runtime.clock(), config=_config(runtime)))


@router.get("/worklist")
async def get_worklist(
    day: Annotated[
        str,
        Query(
            alias="date",
            pattern=r"^\d{4}-\d{2}-\d{2}$",
            description="The clinic's local date, YYYY-MM-DD",
        ),
    ],
    pool: PoolDep,
    runtime: RuntimeDep,
    _: Reader,
) -> WorklistView:
    """Doses due or overdue on a date (still givable), oldest first, for the day list."""
    try:
        on = date.fromisoformat(day)
    except ValueError:
        raise DomainError(f"query.date: {day} is not a calendar date") from None
    config = _config(runtime)
    windows = (config.windows.loading, config.windows.consolidation, config.windows.maintenance)
    # A dose stays on the list until its late-acceptance limit: look back that far.
    lookback = max(w.grace_days + w.late_acceptance_days for w in windows)
    doses = await reads.active_doses_due_between(pool, first=on - timedelta(days=lookback), last=on)
    plans = await state.plans_by_id(pool, {d.plan_id for d in doses})
    entries = build_worklist(plans, doses, on=on, config=config)
    return WorklistView(day=on, entries=[WorklistEntryView.model_validate(e) for e in entries])
