"""What labs holds about one patient, and the treatment clock derived from it (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from services.labs.domain import (
    Finding,
    FindingStatus,
    KnownFinding,
    LabsConfig,
    LabTimeline,
    TreatmentContext,
    apply_plan_adjustment,
    record_first_dose,
)
from shared.contracts import DoseAdministered, PlanAdjusted


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredPlan:
    """What labs keeps of a PlanCreated."""

    plan_id: UUID
    start_date: date
    context: TreatmentContext
    seq: int


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredFinding:
    """A finding recorded for a patient, with its flag id and state."""

    flag_id: UUID
    finding: Finding
    status: FindingStatus
    supersedes_flag_id: UUID | None
    raised_at: datetime
    changed_at: datetime

    def known(self) -> KnownFinding:
        """The finding as the domain's reconciliation sees it."""
        return KnownFinding(finding=self.finding, status=self.status)


@dataclass(kw_only=True)
class PatientState:
    """Everything labs holds about one patient, as loaded (and grown while handling a batch)."""

    patient_id: str
    plans: dict[UUID, StoredPlan] = field(default_factory=dict)
    adjustments: list[PlanAdjusted] = field(default_factory=list)
    cancelled: set[UUID] = field(default_factory=set)
    doses: dict[tuple[str, str], DoseAdministered] = field(default_factory=dict)
    timeline: LabTimeline = field(default_factory=LabTimeline)
    findings: list[StoredFinding] = field(default_factory=list)
    evaluated_at: datetime | None = None

    def context(self, config: LabsConfig) -> TreatmentContext | None:
        """The clock rules run on: the current plan, its adjustments, its first dose; or None.

        The current plan is the active (not cancelled) plan that starts last, the later
        received on a tie; with no active plan nothing is evaluated.
        """
        active = [plan for plan in self.plans.values() if plan.plan_id not in self.cancelled]
        if not active:
            return None
        plan = max(active, key=lambda p: (p.start_date, p.seq))
        context = plan.context
        for adjustment in self.adjustments:
            if adjustment.plan_id == plan.plan_id:
                context = apply_plan_adjustment(context, adjustment)
        for dose in sorted(self.doses.values(), key=lambda d: d.administered_at):
            context = record_first_dose(context, dose, config=config)
        return context
