"""Events of treatment.plans: a plan's creation, adjustments and cancellation."""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import available_timezones

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shared.contracts.envelope import Contract, Event, ShortText
from shared.contracts.vocabulary import Indication, Phase, Product, Route, Severity

LoincCode = Annotated[str, StringConstraints(pattern=r"^\d{1,7}-\d$")]


@cache
def _timezones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk at every call: read it once.
    return frozenset(available_timezones())


def _known_timezone(value: str) -> str:
    if value not in _timezones():
        raise ValueError(f"unknown IANA timezone {value!r}")
    return value


Timezone = Annotated[str, AfterValidator(_known_timezone)]


class PhaseSpec(Contract):
    """One phase of a plan: what is given, how often, from when until when."""

    phase: Phase
    description: ShortText
    product: Product
    route: Route
    dose_mcg: float = Field(gt=0)
    interval_days: int | None = Field(
        default=None, ge=1, description="Days between doses; None when given on set weekdays"
    )
    times_per_week: int | None = Field(default=None, ge=1, le=7)
    interval_months: int | None = Field(
        default=None, ge=1, description="Calendar months between doses (monthly phases)"
    )
    starts_on: date
    ends_on: date | None = Field(
        default=None, description="Last day of the phase; None while open-ended (lifelong)"
    )
    ends_at_review: bool = Field(
        default=False, description="The phase lasts until a clinician ends it at review"
    )


class ScheduledDose(Contract):
    """One injection (or oral course day) the plan expects on a date."""

    dose_id: UUID
    due_on: date
    dose_mcg: float = Field(gt=0)
    product: Product
    route: Route
    phase: Phase


class LabCheck(Contract):
    """A monitoring step: lab tests (LOINC codes) or a clinical review when codes are empty."""

    check_id: UUID
    due_on: date
    loinc_codes: list[LoincCode] = Field(default_factory=list)
    purpose: ShortText
    kind: str | None = Field(default=None, description="e.g. reticulocyte_response, fbc_8_weeks")


class PlanCreated(Event):
    """A treatment plan was created with its full schedule for the planning horizon."""

    type: Literal["PlanCreated"] = "PlanCreated"
    plan_id: UUID
    protocol_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    protocol_version: int = Field(ge=1)
    indication: Indication
    severity: Severity
    neurological_involvement: bool
    pregnant: bool = False
    lifelong: bool
    start_date: date
    timezone: Timezone
    phases: list[PhaseSpec] = Field(min_length=1)
    doses: list[ScheduledDose]
    lab_checks: list[LabCheck] = Field(default_factory=list)
    review_on: date | None = None
    horizon_until: date | None = Field(
        default=None, description="Doses are listed up to this date; lifelong plans roll forward"
    )
    rationale: list[ShortText] = Field(default_factory=list)
    recommended_protocol_id: str | None = None

    @model_validator(mode="after")
    def _doses_within_plan(self) -> PlanCreated:
        if any(dose.due_on < self.start_date for dose in self.doses):
            raise ValueError("a scheduled dose is due before the plan's start_date")
        return self


AdjustmentKind = Literal["flag", "clinician", "horizon_extended", "phase_ended"]


class PlanAdjusted(Event):
    """A plan's schedule was replaced from ``effective_from`` on; earlier doses are kept."""

    type: Literal["PlanAdjusted"] = "PlanAdjusted"
    plan_id: UUID
    adjustment_id: UUID
    effective_from: date
    reason: ShortText
    reason_kind: AdjustmentKind = "clinician"
    flag_id: UUID | None = None
    proposal_id: UUID | None = None
    phases: list[PhaseSpec] = Field(default_factory=list)
    doses: list[ScheduledDose]
    lab_checks: list[LabCheck] = Field(default_factory=list)
    review_on: date | None = None
    horizon_until: date | None = None

    @model_validator(mode="after")
    def _doses_from_effective_date(self) -> PlanAdjusted:
        if any(dose.due_on < self.effective_from for dose in self.doses):
            raise ValueError("a replacement dose is due before effective_from")
        return self


class PlanCancelled(Event):
    """A plan was cancelled: no further doses are expected."""

    type: Literal["PlanCancelled"] = "PlanCancelled"
    plan_id: UUID
    reason: ShortText
