"""Small builders for adherence domain tests: plans, doses and administrations."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from uuid import NAMESPACE_URL, UUID, uuid4, uuid5

from services.adherence.domain import (
    AdherenceConfig,
    MatchedAdministration,
    Timing,
    TrackedDose,
    TrackedPlan,
)
from shared.contracts import DoseAdministered, Indication, Phase, PhaseSpec, ScheduledDose

CONFIG = AdherenceConfig()
PATIENT = "patient-1"
LONDON = "Europe/London"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A UTC instant."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def make_plan(
    *,
    timezone: str = LONDON,
    neurological_involvement: bool = False,
    indication: Indication = Indication.PERNICIOUS_ANAEMIA,
    start_date: date = date(2024, 1, 1),
    phases: Sequence[PhaseSpec] = (),
    patient_id: str = PATIENT,
    plan_id: UUID | None = None,
) -> TrackedPlan:
    """A tracked plan (fresh id unless given)."""
    return TrackedPlan(
        plan_id=plan_id or uuid4(),
        patient_id=patient_id,
        timezone=timezone,
        indication=indication,
        neurological_involvement=neurological_involvement,
        start_date=start_date,
        phases=tuple(phases),
    )


def scheduled(
    plan_id: UUID,
    due_on: date,
    *,
    phase: Phase = Phase.LOADING,
    dose_mcg: float = 1000.0,
    route: str = "IM",
) -> ScheduledDose:
    """A scheduled dose whose id is derived from its plan, date and phase."""
    return ScheduledDose.model_validate(
        {
            "dose_id": uuid5(NAMESPACE_URL, f"{plan_id}/{due_on}/{phase}"),
            "due_on": due_on,
            "dose_mcg": dose_mcg,
            "product": "hydroxocobalamin",
            "route": route,
            "phase": phase,
        }
    )


def make_dose(plan: TrackedPlan, due_on: date, *, phase: Phase = Phase.LOADING) -> TrackedDose:
    """An open dose of the plan."""
    return TrackedDose(plan_id=plan.plan_id, scheduled=scheduled(plan.plan_id, due_on, phase=phase))


def every(
    plan: TrackedPlan, first: date, *, count: int, days: int, phase: Phase = Phase.LOADING
) -> list[TrackedDose]:
    """``count`` open doses, ``days`` apart from ``first``."""
    return [make_dose(plan, first + timedelta(days=days * i), phase=phase) for i in range(count)]


def administered(
    at: datetime,
    *,
    administration_id: str | None = None,
    plan_id: UUID | None = None,
    status: str = "completed",
    product: str = "hydroxocobalamin",
    dose_mcg: float = 1000.0,
    route: str = "IM",
    patient_id: str = PATIENT,
) -> DoseAdministered:
    """A DoseAdministered from a clinic system."""
    return DoseAdministered.model_validate(
        {
            "event_id": uuid4(),
            "occurred_at": at,
            "patient_id": patient_id,
            "source": "clinic-a",
            "administration_id": administration_id or f"adm-{uuid4()}",
            "plan_id": plan_id,
            "administered_at": at,
            "product": product,
            "dose_mcg": dose_mcg,
            "route": route,
            "status": status,
            "status_reason": "patient declined" if status == "not-done" else None,
        }
    )


def by_id(doses: Sequence[TrackedDose], dose: TrackedDose) -> TrackedDose:
    """The current version of ``dose`` among ``doses``."""
    return next(d for d in doses if d.dose_id == dose.dose_id)


def with_administration(
    dose: TrackedDose,
    at: datetime,
    *,
    timing: Timing = Timing.ON_TIME,
    completed: bool = True,
) -> TrackedDose:
    """The dose with an administration recorded directly (bypassing matching)."""
    recorded = MatchedAdministration(
        source="clinic-a",
        administration_id=f"adm-{dose.dose_id}",
        administered_at=at,
        completed=completed,
        timing=timing,
    )
    return replace(dose, administration=recorded)


def at_noon(day: date) -> datetime:
    """Midday UTC on a date (the same local date in Europe/London all year)."""
    return datetime.combine(day, time(12), tzinfo=UTC)
