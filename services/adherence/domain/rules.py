"""Adherence flag rules (clinical-reference.md, section 4, adherence rows).

Each rule is a pure function of a plan, its doses and ``now``, with an id, a version and
configured thresholds, returning zero or more findings. A rule describes what stands at
``now``: a miss resolved by a late dose before the rule runs raises nothing. Each finding
carries a deterministic dedupe key; the caller stores the keys it has raised and skips a
finding whose key is already stored, so a condition that persists is raised once:

- MISSED_LOADING_DOSE: rule + plan + dose_id (one finding per missed loading dose).
- CONSECUTIVE_MISSED_DOSES: rule + plan + first dose of the run (a growing run stays one
  finding; a new run after a given dose is a new one).
- MAINTENANCE_GAP_EXCEEDED: rule + plan + the gap's start date (the last maintenance dose's
  local date, or maintenance start); a dose given starts a new gap.
- LOW_ADHERENCE: rule + plan + the latest dose in the look-back not given within its window
  (low adherence that persists is one finding; a further miss while it is low is a new one).

Cancelled plans raise nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.figures import DatePeriod, measure_adherence
from services.adherence.domain.findings import (
    DAY_UNIT,
    FlagFinding,
    dedupe_key,
    scheduled_dose_item,
)
from services.adherence.domain.maintenance_gap import flag_maintenance_gap
from services.adherence.domain.model import TrackedDose, TrackedPlan
from services.adherence.domain.status import (
    MISSED_STATUSES,
    DoseStatus,
    missed_runs,
    schedule_at,
)
from services.adherence.domain.windows import local_date, window_of
from shared.contracts import (
    DoseAdministered,
    Evidence,
    EvidenceItem,
    FlagReason,
    Phase,
    Threshold,
)

MISSED_LOADING_DOSE_RULE = ("adherence.missed_loading_dose", 1)
CONSECUTIVE_MISSED_DOSES_RULE = ("adherence.consecutive_missed_doses", 1)
LOW_ADHERENCE_RULE = ("adherence.low_adherence", 1)


def flag_missed_loading_doses(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, now: datetime, config: AdherenceConfig
) -> list[FlagFinding]:
    """One finding per loading dose whose grace window closed with no dose given."""
    if plan.cancelled:
        return []
    settings = config.rules.missed_loading_dose
    rule_id, version = MISSED_LOADING_DOSE_RULE
    severity = (
        settings.severity_with_neurological_involvement
        if plan.neurological_involvement
        else settings.severity
    )
    grace = Threshold(
        name="loading_grace_days", value=config.windows.loading.grace_days, unit=DAY_UNIT
    )
    findings = []
    for entry in schedule_at(plan, doses, now=now, windows=config.windows):
        dose = entry.dose
        if dose.phase is not Phase.LOADING or entry.status not in MISSED_STATUSES:
            continue
        items = [
            scheduled_dose_item(dose, label="missed loading dose"),
            EvidenceItem(
                kind="measure",
                label="on-time window closed",
                at=window_of(dose, plan, windows=config.windows).closes_at,
            ),
        ]
        if dose.administration is not None:
            items.append(
                EvidenceItem(
                    kind="administration",
                    label="recorded as not done",
                    ref=dose.administration.administration_id,
                    at=dose.administration.administered_at,
                )
            )
        findings.append(
            FlagFinding(
                plan_id=plan.plan_id,
                reason=FlagReason.MISSED_LOADING_DOSE,
                severity=severity,
                rule_id=rule_id,
                rule_version=version,
                dedupe_key=dedupe_key(
                    rule_id=rule_id, plan_id=plan.plan_id, finding=str(dose.dose_id)
                ),
                evidence=Evidence(items=items, thresholds=[grace]),
                recommendation=settings.recommendation,
            )
        )
    return findings


def flag_consecutive_missed_doses(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, now: datetime, config: AdherenceConfig
) -> list[FlagFinding]:
    """One finding per run of at least ``min_consecutive`` scheduled doses missed in a row."""
    if plan.cancelled:
        return []
    settings = config.rules.consecutive_missed_doses
    rule_id, version = CONSECUTIVE_MISSED_DOSES_RULE
    schedule = schedule_at(plan, doses, now=now, windows=config.windows)
    findings = []
    for run in missed_runs(schedule):
        if len(run) < settings.min_consecutive:
            continue
        items = [scheduled_dose_item(dose, label="missed dose") for dose in run]
        items.append(EvidenceItem(kind="measure", label="doses missed in a row", value=len(run)))
        findings.append(
            FlagFinding(
                plan_id=plan.plan_id,
                reason=FlagReason.CONSECUTIVE_MISSED_DOSES,
                severity=settings.severity,
                rule_id=rule_id,
                rule_version=version,
                dedupe_key=dedupe_key(
                    rule_id=rule_id, plan_id=plan.plan_id, finding=str(run[0].dose_id)
                ),
                evidence=Evidence(
                    items=items,
                    thresholds=[
                        Threshold(name="min_consecutive_missed", value=settings.min_consecutive)
                    ],
                ),
                recommendation=settings.recommendation,
            )
        )
    return findings


def flag_low_adherence(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, now: datetime, config: AdherenceConfig
) -> list[FlagFinding]:
    """A finding when under ``min_percent`` of the doses due in the look-back were on time."""
    if plan.cancelled:
        return []
    settings = config.rules.low_adherence
    rule_id, version = LOW_ADHERENCE_RULE
    today = local_date(now, plan.zone)
    period = DatePeriod(first=today - timedelta(days=settings.lookback_days - 1), last=today)
    figure = measure_adherence(plan, doses, period=period, now=now, config=config)
    if figure.doses_assessed < settings.min_assessed_doses:
        return []
    # Integer-times-float comparison keeps "exactly 80 %" exact (no division rounding).
    if figure.doses_given_in_window * 100 >= settings.min_percent * figure.doses_assessed:
        return []
    not_on_time = [
        e.dose
        for e in schedule_at(plan, doses, now=now, windows=config.windows)
        if period.contains(e.dose.due_on)
        and e.status in (DoseStatus.MISSED, DoseStatus.NOT_DONE, DoseStatus.LATE)
    ]
    latest = not_on_time[-1]
    items = [
        EvidenceItem(kind="measure", label="adherence", value=figure.percent, unit="%"),
        EvidenceItem(kind="measure", label="doses assessed", value=figure.doses_assessed),
        EvidenceItem(
            kind="measure", label="doses given within window", value=figure.doses_given_in_window
        ),
        scheduled_dose_item(latest, label="latest dose not given on time"),
    ]
    thresholds = [
        Threshold(name="min_percent", value=settings.min_percent, unit="%"),
        Threshold(name="lookback_days", value=settings.lookback_days, unit=DAY_UNIT),
        Threshold(name="min_assessed_doses", value=settings.min_assessed_doses),
    ]
    return [
        FlagFinding(
            plan_id=plan.plan_id,
            reason=FlagReason.LOW_ADHERENCE,
            severity=settings.severity,
            rule_id=rule_id,
            rule_version=version,
            dedupe_key=dedupe_key(
                rule_id=rule_id, plan_id=plan.plan_id, finding=str(latest.dose_id)
            ),
            evidence=Evidence(items=items, thresholds=thresholds),
            recommendation=settings.recommendation,
        )
    ]


def evaluate_flags(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    now: datetime,
    config: AdherenceConfig,
    other_administrations: Sequence[DoseAdministered] = (),
) -> list[FlagFinding]:
    """Every adherence rule's findings for the plan at ``now`` (callers drop stored keys)."""
    return [
        *flag_missed_loading_doses(plan, doses, now=now, config=config),
        *flag_consecutive_missed_doses(plan, doses, now=now, config=config),
        *flag_maintenance_gap(
            plan, doses, now=now, config=config, other_administrations=other_administrations
        ),
        *flag_low_adherence(plan, doses, now=now, config=config),
    ]
