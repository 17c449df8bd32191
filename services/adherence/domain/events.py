"""Turning domain decisions into the events adherence publishes (ids derived, never random).

Event ids are derived from what the event is about, so the same decision replayed (after a
crash, or by a second sweeper) produces the same event_id and consumers' inboxes drop it.
"""

from __future__ import annotations

from datetime import datetime

from services.adherence.domain.config import WindowConfig
from services.adherence.domain.findings import FlagFinding
from services.adherence.domain.ids import derived_id
from services.adherence.domain.model import TrackedDose, TrackedPlan
from services.adherence.domain.windows import window_of
from shared.contracts import DoseMissed, DoseMissResolved, ResponseFlagged


def dose_missed_event(
    dose: TrackedDose, plan: TrackedPlan, *, source: str, windows: WindowConfig | None = None
) -> DoseMissed:
    """The DoseMissed for a dose whose miss was declared (occurred when it was declared).

    With ``windows``, the event also says when the dose's window closed, so a consumer can
    tell a miss declared at once (not-done) from one found when the window closed.
    """
    if dose.miss is None:
        raise ValueError(f"dose {dose.dose_id} has no declared miss")
    closed_at = window_of(dose, plan, windows=windows).closes_at if windows else None
    return DoseMissed(
        event_id=derived_id("DoseMissed", dose.dose_id),
        occurred_at=dose.miss.declared_at,
        patient_id=plan.patient_id,
        source=source,
        dose_id=dose.dose_id,
        plan_id=dose.plan_id,
        due_on=dose.due_on,
        phase=dose.phase,
        consecutive_missed=dose.miss.consecutive_missed,
        not_done=dose.miss.not_done,
        window_closed_at=closed_at,
    )


def dose_miss_resolved_event(
    dose: TrackedDose, plan: TrackedPlan, *, now: datetime, source: str
) -> DoseMissResolved:
    """The DoseMissResolved for a missed dose that a completed administration now covers."""
    given = dose.administration
    if dose.miss is None or given is None or not given.completed:
        raise ValueError(f"dose {dose.dose_id} is not a missed dose given after all")
    return DoseMissResolved(
        event_id=derived_id(
            "DoseMissResolved", dose.dose_id, given.source, given.administration_id
        ),
        occurred_at=now,
        patient_id=plan.patient_id,
        source=source,
        dose_id=dose.dose_id,
        plan_id=dose.plan_id,
        due_on=dose.due_on,
        administration_id=given.administration_id,
        administered_at=given.administered_at,
        timing=given.timing.value,
    )


def response_flagged_event(
    finding: FlagFinding, *, patient_id: str, now: datetime, source: str
) -> ResponseFlagged:
    """The ResponseFlagged (raised_by adherence) for a rule's finding."""
    return ResponseFlagged(
        event_id=derived_id("ResponseFlagged", finding.dedupe_key),
        occurred_at=now,
        patient_id=patient_id,
        source=source,
        flag_id=finding.flag_id,
        plan_id=finding.plan_id,
        raised_by="adherence",
        reason=finding.reason,
        severity=finding.severity,
        evidence=finding.evidence,
        recommendation=finding.recommendation,
        suggested_action=finding.suggested_action,
        rule_id=finding.rule_id,
        rule_version=finding.rule_version,
    )
