"""The plan: the request that creates one, and the state the planner keeps and publishes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from services.planner.domain.config import Region
from services.planner.domain.ids import dose_id
from services.planner.domain.overrides import Overrides
from services.planner.domain.phases import PlannedPhase
from services.planner.domain.schedule import PlacedDose
from services.planner.domain.selection import PatientFacts
from shared.contracts.envelope import PatientId
from shared.contracts.plans import LabCheck, PhaseSpec, ScheduledDose, Timezone
from shared.contracts.vocabulary import Indication, Phase, Route, Severity

RATIONALE_LINE_MAX = 500


class PlanRequest(BaseModel):
    """What a clinician asks for (``POST /plans``): the patient's facts, start, choices."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    patient_id: PatientId
    indication: Indication
    severity: Severity
    neurological_involvement: bool
    pregnant: bool = False
    start_date: date
    timezone: Timezone | None = None
    route_preference: Route | None = None
    region_preference: Region | None = None
    protocol_id: str | None = Field(default=None, description="The clinician's choice, if any")
    overrides: Overrides = Overrides()

    def facts(self) -> PatientFacts:
        """The part of the request protocol selection looks at."""
        return PatientFacts(
            indication=self.indication,
            severity=self.severity,
            neurological_involvement=self.neurological_involvement,
            pregnant=self.pregnant,
            route_preference=self.route_preference,
            region_preference=self.region_preference,
        )


class Plan(BaseModel):
    """A patient's plan as the planner stores it: choices, phases, doses, checks, horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    plan_id: UUID
    patient_id: PatientId
    protocol_id: str
    protocol_version: int = Field(ge=1)
    recommended_protocol_id: str
    indication: Indication
    severity: Severity
    neurological_involvement: bool
    pregnant: bool
    lifelong: bool
    rationale: list[str]
    start_date: date
    timezone: Timezone
    phases: list[PlannedPhase] = Field(min_length=1)
    doses: list[ScheduledDose]
    lab_checks: list[LabCheck]
    review_on: date | None
    horizon_until: date | None = Field(description="None: the doses listed are the whole plan")
    revision: int = Field(default=0, ge=0, description="Adjustments applied so far")

    def phase_specs(self) -> list[PhaseSpec]:
        """The phases as the contracts carry them."""
        return [phase.spec() for phase in self.phases]

    def phase_index_of(self, day: date) -> int | None:
        """Position of the phase that covers ``day`` (phases tile the calendar), or None."""
        for index, phase in enumerate(self.phases):
            if phase.covers(day):
                return index
        return None

    def dose_dates_in(self, phase_index: int) -> list[date]:
        """Due dates of the doses listed for one phase."""
        phase = self.phases[phase_index]
        return [dose.due_on for dose in self.doses if phase.covers(dose.due_on)]

    def plan_created_fields(self) -> dict[str, Any]:
        """PlanCreated's body fields; the I/O layer adds the envelope (event_id, patient, time)."""
        return {
            "plan_id": self.plan_id,
            "protocol_id": self.protocol_id,
            "protocol_version": self.protocol_version,
            "indication": self.indication,
            "severity": self.severity,
            "neurological_involvement": self.neurological_involvement,
            "pregnant": self.pregnant,
            "lifelong": self.lifelong,
            "start_date": self.start_date,
            "timezone": self.timezone,
            "phases": self.phase_specs(),
            "doses": list(self.doses),
            "lab_checks": list(self.lab_checks),
            "review_on": self.review_on,
            "horizon_until": self.horizon_until,
            # The contract caps each line at 500 characters; the plan keeps them whole.
            "rationale": [reason[:RATIONALE_LINE_MAX] for reason in self.rationale],
            "recommended_protocol_id": self.recommended_protocol_id,
        }


def make_doses(
    plan_id: UUID, *, phases: Sequence[PlannedPhase], placed: Sequence[PlacedDose]
) -> list[ScheduledDose]:
    """ScheduledDose contracts for placed dates, with ids derived from plan, phase and date."""
    doses = []
    for item in placed:
        phase = phases[item.phase_index]
        doses.append(
            ScheduledDose(
                dose_id=dose_id(plan_id, phase=phase.phase, due_on=item.due_on),
                due_on=item.due_on,
                dose_mcg=phase.dose_mcg,
                product=phase.product,
                route=phase.route,
                phase=phase.phase,
            )
        )
    return doses


def review_date(phases: Sequence[PlannedPhase], lab_checks: Sequence[LabCheck]) -> date | None:
    """The next clinician decision: an until-review phase's end, else the clinical review."""
    for phase in phases:
        if phase.at_review:
            return phase.ends_on
    reviews = [check.due_on for check in lab_checks if not check.loinc_codes]
    return min(reviews) if reviews else None


def first_phase_index(phases: Sequence[PlannedPhase], phase: Phase) -> int | None:
    """Position of the first phase of a kind, or None."""
    for index, candidate in enumerate(phases):
        if candidate.phase == phase:
            return index
    return None
