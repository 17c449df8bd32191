"""What the planner's API accepts and answers (requests validated with readable 422s)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.planner import store
from services.planner.domain import PlanChange, Proposal
from shared.contracts import (
    Indication,
    LabCheck,
    PhaseSpec,
    Product,
    Route,
    ScheduledDose,
    Severity,
)

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
PlanStatus = Literal["active", "cancelled"]
ProposalStatus = Literal["proposed", "approved", "rejected"]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CancelRequest(_Request):
    """Why the plan is cancelled (published in PlanCancelled)."""

    reason: Reason


class RejectRequest(_Request):
    """Why the proposal is rejected (kept with it)."""

    reason: Reason


class ApproveRequest(_Request):
    """An optional note kept with the approval."""

    note: Reason | None = None


class AdjustmentRequest(_Request):
    """A clinician's direct change to a plan, from ``effective_from`` (default: today)."""

    change: PlanChange
    effective_from: date | None = Field(
        default=None, description="The first day the change applies (today or later)"
    )
    reason: Reason


class PlanView(BaseModel):
    """A plan as the planner holds it: choices, rationale, phases, current schedule, status."""

    plan_id: UUID
    patient_id: str
    status: PlanStatus
    protocol_id: str
    protocol_version: int
    recommended_protocol_id: str
    rationale: list[str]
    indication: Indication
    severity: Severity
    neurological_involvement: bool
    pregnant: bool
    lifelong: bool
    start_date: date
    timezone: str
    phases: list[PhaseSpec]
    doses: list[ScheduledDose]
    lab_checks: list[LabCheck]
    review_on: date | None
    horizon_until: date | None
    revision: int
    created_at: datetime
    created_by: str
    cancelled_at: datetime | None
    cancelled_by: str | None
    cancel_reason: str | None

    @classmethod
    def of(cls, row: Any) -> PlanView:
        """The view of a ``plans`` row (its document holds the schedule)."""
        plan = store.plan_from_row(row)
        return cls(
            **plan.model_dump(
                include={
                    "plan_id",
                    "patient_id",
                    "protocol_id",
                    "protocol_version",
                    "recommended_protocol_id",
                    "rationale",
                    "indication",
                    "severity",
                    "neurological_involvement",
                    "pregnant",
                    "lifelong",
                    "start_date",
                    "timezone",
                    "doses",
                    "lab_checks",
                    "review_on",
                    "horizon_until",
                    "revision",
                }
            ),
            phases=plan.phase_specs(),
            status=row["status"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            cancelled_at=row["cancelled_at"],
            cancelled_by=row["cancelled_by"],
            cancel_reason=row["cancel_reason"],
        )


class DoseRecord(BaseModel):
    """A scheduled dose row, with the revision that scheduled it and any that replaced it."""

    dose_id: UUID
    due_on: date
    dose_mcg: float
    product: Product
    route: Route
    phase: str
    revision: int
    superseded_at: datetime | None
    superseded_by_revision: int | None


class ProposalView(BaseModel):
    """A proposed change: what, from when, its effect on the schedule, why, and its decision."""

    proposal_id: UUID
    plan_id: UUID
    flag_id: UUID | None
    change: PlanChange
    effective_from: date
    reason_kind: str
    applicable: bool
    summary: str
    reasons: list[str]
    removed_doses: list[date]
    added_doses: list[date]
    status: ProposalStatus
    created_at: datetime
    created_by: str
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None
    adjustment_id: UUID | None

    @classmethod
    def of(cls, row: Any) -> ProposalView:
        """The view of a ``proposals`` row."""
        proposal: Proposal = store.proposal_from_row(row)
        return cls(
            **proposal.model_dump(exclude={"change"}),
            change=proposal.change,
            status=row["status"],
            created_at=row["created_at"],
            created_by=row["created_by"],
            decided_at=row["decided_at"],
            decided_by=row["decided_by"],
            decision_reason=row["decision_reason"],
            adjustment_id=row["adjustment_id"],
        )


class AdjustmentView(BaseModel):
    """One adjustment of a plan: the change, from when, why, and who decided it."""

    adjustment_id: UUID
    plan_id: UUID
    revision: int
    effective_from: date
    reason_kind: str
    reason: str
    change: PlanChange | None
    flag_id: UUID | None
    proposal_id: UUID | None
    actor: str
    created_at: datetime


class AdjustmentResult(AdjustmentView):
    """An adjustment just made, with the replacement schedule PlanAdjusted carried."""

    phases: list[PhaseSpec]
    doses: list[ScheduledDose]
    lab_checks: list[LabCheck]
    review_on: date | None
    horizon_until: date | None


class AuditEntry(BaseModel):
    """One entry of a plan's audit trail."""

    at: datetime
    actor: str
    action: str
    proposal_id: UUID | None
    adjustment_id: UUID | None
    note: str | None
