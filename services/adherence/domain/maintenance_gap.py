"""MAINTENANCE_GAP_EXCEEDED: too long since the last maintenance dose was given.

The gap starts on the local date of the last dose given on or after maintenance started (any
completed administration of the plan, or an unscheduled one of the patient's: a dose given off
schedule is still a dose), else on the date maintenance started. The flag fires once more than
``max_gap_days`` have passed. It needs no new event to fire, only time, so the sweeper must look
at plans whose deadline has come: ``maintenance_gap_deadline`` gives the date to index.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.findings import DAY_UNIT, FlagFinding, dedupe_key
from services.adherence.domain.model import TrackedDose, TrackedPlan
from services.adherence.domain.schedule import maintenance_starts_on
from services.adherence.domain.windows import local_date
from shared.contracts import (
    DoseAdministered,
    Evidence,
    EvidenceItem,
    FlagReason,
    Indication,
    Threshold,
)

MAINTENANCE_GAP_RULE = ("adherence.maintenance_gap_exceeded", 1)


@dataclass(frozen=True, slots=True, kw_only=True)
class _GapStart:
    on: date
    evidence: EvidenceItem


def _gap_start(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    other_administrations: Sequence[DoseAdministered],
) -> _GapStart | None:
    started_on = maintenance_starts_on(plan, doses)
    if started_on is None:
        return None
    given = [
        (d.administration.administered_at, d.administration.administration_id)
        for d in doses
        if d.plan_id == plan.plan_id and d.given and d.administration is not None
    ]
    given += [
        (a.administered_at, a.administration_id)
        for a in other_administrations
        if a.status == "completed"
        and a.patient_id == plan.patient_id
        and a.plan_id in (None, plan.plan_id)
    ]
    last = max(given, default=None)
    if last is not None and local_date(last[0], plan.zone) >= started_on:
        return _GapStart(
            on=local_date(last[0], plan.zone),
            evidence=EvidenceItem(
                kind="administration", label="last dose given", ref=last[1], at=last[0]
            ),
        )
    return _GapStart(
        on=started_on,
        evidence=EvidenceItem(kind="measure", label="maintenance started", on=started_on),
    )


def maintenance_gap_deadline(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    config: AdherenceConfig,
    other_administrations: Sequence[DoseAdministered] = (),
) -> date | None:
    """The first local date the gap flag fires if nothing is given (None: no maintenance)."""
    if plan.cancelled:
        return None
    start = _gap_start(plan, doses, other_administrations)
    if start is None:
        return None
    return start.on + timedelta(days=config.rules.maintenance_gap.max_gap_days + 1)


def flag_maintenance_gap(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    now: datetime,
    config: AdherenceConfig,
    other_administrations: Sequence[DoseAdministered] = (),
) -> list[FlagFinding]:
    """A finding when more than ``max_gap_days`` passed since the last maintenance dose."""
    if plan.cancelled:
        return []
    settings = config.rules.maintenance_gap
    rule_id, version = MAINTENANCE_GAP_RULE
    start = _gap_start(plan, doses, other_administrations)
    today = local_date(now, plan.zone)
    if start is None or today < start.on:
        return []
    days_since = (today - start.on).days
    if days_since <= settings.max_gap_days:
        return []
    recommendation = (
        settings.recommendation_dietary_cause
        if plan.indication is Indication.DIETARY
        else settings.recommendation
    )
    days = EvidenceItem(
        kind="measure", label="days without a dose", value=days_since, unit=DAY_UNIT
    )
    return [
        FlagFinding(
            plan_id=plan.plan_id,
            reason=FlagReason.MAINTENANCE_GAP_EXCEEDED,
            severity=settings.severity,
            rule_id=rule_id,
            rule_version=version,
            dedupe_key=dedupe_key(
                rule_id=rule_id, plan_id=plan.plan_id, finding=start.on.isoformat()
            ),
            evidence=Evidence(
                items=[start.evidence, days],
                thresholds=[
                    Threshold(name="max_gap_days", value=settings.max_gap_days, unit=DAY_UNIT)
                ],
            ),
            recommendation=recommendation,
        )
    ]
