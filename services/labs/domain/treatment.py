"""Where a patient is in treatment: what labs keeps from plans and doses, and the clock it derives.

Treatment days count whole days elapsed in the plan's timezone from day zero: the local date of
the first administered dose when labs has seen it, else the plan's start date. Day 0 is that
date, so "days 5-14" means 5 to 14 days after the first dose and "the first 7 days" are days
0-6. A result is a baseline when it was taken before the first dose (to the instant) or, with
no dose seen, on a date before the plan's start date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from services.labs.domain.config import LabsConfig
from shared.contracts import (
    DoseAdministered,
    Indication,
    Phase,
    PhaseSpec,
    PlanAdjusted,
    PlanCreated,
    Severity,
)


class TreatmentContext(BaseModel):
    """The plan facts and first-dose instant that rules measure time against."""

    model_config = ConfigDict(frozen=True)

    plan_id: UUID | None = None
    start_date: date
    timezone: str = "UTC"
    phases: tuple[PhaseSpec, ...] = ()
    neurological_involvement: bool = False
    indication: Indication | None = None
    severity: Severity | None = None
    first_dose_at: datetime | None = None
    haemoglobin_anaemia_below_g_l: float | None = None
    """A per-plan anaemia threshold (e.g. 130 g/L for a man), overriding the configured one."""

    def local_date(self, at: datetime) -> date:
        """The date of ``at`` in the plan's timezone."""
        return at.astimezone(ZoneInfo(self.timezone)).date()

    @property
    def day_zero(self) -> date:
        """The first day of treatment: the first dose's local date, else the plan's start."""
        if self.first_dose_at is not None:
            return self.local_date(self.first_dose_at)
        return self.start_date

    def treatment_day(self, at: datetime) -> int:
        """Whole days from day zero to ``at`` (negative before treatment)."""
        return (self.local_date(at) - self.day_zero).days

    def is_baseline(self, at: datetime) -> bool:
        """Whether a sample taken at ``at`` predates treatment."""
        if self.first_dose_at is not None:
            return at < self.first_dose_at
        return self.local_date(at) < self.start_date

    def phase_on(self, on: date) -> PhaseSpec | None:
        """The phase in force on a date (the latest-starting one if phases overlap)."""
        current = [
            spec
            for spec in self.phases
            if spec.starts_on <= on and (spec.ends_on is None or on <= spec.ends_on)
        ]
        return max(current, key=lambda spec: spec.starts_on, default=None)

    def is_after_loading(self, on: date) -> bool:
        """Whether ``on`` falls after the loading phase (any date in a phase when there is none)."""
        loading = [spec for spec in self.phases if spec.phase is Phase.LOADING]
        if not loading:
            return self.phase_on(on) is not None
        last = max(loading, key=lambda spec: spec.starts_on)
        # An open-ended loading phase (ended at review) lasts until an adjustment closes it.
        return last.ends_on is not None and on > last.ends_on


def context_from_plan(plan: PlanCreated) -> TreatmentContext:
    """What labs keeps of a new plan."""
    return TreatmentContext(
        plan_id=plan.plan_id,
        start_date=plan.start_date,
        timezone=plan.timezone,
        phases=tuple(sorted(plan.phases, key=lambda spec: spec.starts_on)),
        neurological_involvement=plan.neurological_involvement,
        indication=plan.indication,
        severity=plan.severity,
    )


def apply_plan_adjustment(context: TreatmentContext, adjustment: PlanAdjusted) -> TreatmentContext:
    """The context with the adjustment's phases replacing those from its effective date on."""
    if context.plan_id is not None and adjustment.plan_id != context.plan_id:
        raise ValueError("the adjustment is for another plan")
    if not adjustment.phases:
        return context
    effective = adjustment.effective_from
    kept: list[PhaseSpec] = []
    for spec in context.phases:
        if spec.starts_on >= effective:
            continue
        if spec.ends_on is None or spec.ends_on >= effective:
            spec = spec.model_copy(update={"ends_on": effective - timedelta(days=1)})
        kept.append(spec)
    replacement = sorted(adjustment.phases, key=lambda spec: spec.starts_on)
    return context.model_copy(update={"phases": (*kept, *replacement)})


def record_first_dose(
    context: TreatmentContext, dose: DoseAdministered, *, config: LabsConfig
) -> TreatmentContext:
    """The context with ``dose`` considered as the start of treatment (the earliest one wins)."""
    if dose.status != "completed":
        return context
    if dose.plan_id is not None and context.plan_id is not None and dose.plan_id != context.plan_id:
        return context
    if dose.plan_id is None:
        limit = context.start_date - timedelta(
            days=int(config.timing.first_dose_max_days_before_start.value)
        )
        if context.local_date(dose.administered_at) < limit:
            return context
    if context.first_dose_at is not None and context.first_dose_at <= dose.administered_at:
        return context
    return context.model_copy(update={"first_dose_at": dose.administered_at})
