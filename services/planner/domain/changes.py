"""Changes a clinician (or an approved proposal) can make to a plan, and their outcome."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.planner.domain.plan import Plan
from shared.contracts.plans import AdjustmentKind, LabCheck, LoincCode, PhaseSpec, ScheduledDose

ReasonText = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class _Change(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ChangeMaintenanceInterval(_Change):
    """Give maintenance injections every ``interval_weeks`` weeks from the effective date."""

    kind: Literal["change_maintenance_interval"] = "change_maintenance_interval"
    # Unconstrained on purpose: the safety bounds check names the bound it breaks.
    interval_weeks: int


class EndLoading(_Change):
    """Close the loading phase the day before the effective date and continue with what follows."""

    kind: Literal["end_loading"] = "end_loading"


class ChangeLoadingLength(_Change):
    """Make the loading phase last ``weeks`` from its start (or move its review there)."""

    kind: Literal["change_loading_length"] = "change_loading_length"
    weeks: int


class AddChecks(_Change):
    """Schedule extra laboratory tests ``within_days`` after the effective date."""

    kind: Literal["add_lab_checks"] = "add_lab_checks"
    loinc_codes: list[LoincCode] = Field(min_length=1)
    within_days: int = Field(default=7, ge=0, le=90)
    purpose: Annotated[str, StringConstraints(max_length=300)] = ""


PlanChange = Annotated[
    ChangeMaintenanceInterval | EndLoading | ChangeLoadingLength | AddChecks,
    Field(discriminator="kind"),
]


class Adjustment(BaseModel):
    """A plan after a change, and the replacement schedule PlanAdjusted carries."""

    model_config = ConfigDict(frozen=True)

    plan: Plan
    adjustment_id: UUID
    effective_from: date
    reason: ReasonText
    reason_kind: AdjustmentKind
    flag_id: UUID | None = None

    @property
    def phases(self) -> list[PhaseSpec]:
        """Phases still running on or after the effective date."""
        return [
            phase.spec()
            for phase in self.plan.phases
            if phase.ends_on is None or phase.ends_on >= self.effective_from
        ]

    @property
    def doses(self) -> list[ScheduledDose]:
        """The replacement doses: every dose due on or after the effective date."""
        return [dose for dose in self.plan.doses if dose.due_on >= self.effective_from]

    @property
    def lab_checks(self) -> list[LabCheck]:
        """The lab checks due on or after the effective date."""
        return [check for check in self.plan.lab_checks if check.due_on >= self.effective_from]

    def plan_adjusted_fields(self) -> dict[str, Any]:
        """PlanAdjusted's body fields; the I/O layer adds the envelope."""
        return {
            "plan_id": self.plan.plan_id,
            "adjustment_id": self.adjustment_id,
            "effective_from": self.effective_from,
            "reason": self.reason,
            "reason_kind": self.reason_kind,
            "flag_id": self.flag_id,
            "phases": self.phases,
            "doses": self.doses,
            "lab_checks": self.lab_checks,
            "review_on": self.plan.review_on,
            "horizon_until": self.plan.horizon_until,
        }
