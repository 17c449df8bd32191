"""Adherence figures and worklists for the staff API.

Adherence over a period = doses given within their window / doses assessed, where a dose is
assessed once its outcome is known (given, late, missed or not-done) and its due date lies in
the period. A dose whose window is still open and that has not been given yet is not judged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.model import Discrepancy, TrackedDose, TrackedPlan
from services.adherence.domain.status import SETTLED, DoseStatus, dose_status, schedule_at
from services.adherence.domain.windows import (
    last_late_day,
    last_on_time_day,
    local_date,
    window_of,
)
from shared.contracts import Phase, Product, Route


@dataclass(frozen=True, slots=True, kw_only=True)
class DatePeriod:
    """Local dates from ``first`` to ``last``, both included."""

    first: date
    last: date

    def contains(self, day: date) -> bool:
        """The date lies in the period."""
        return self.first <= day <= self.last


@dataclass(frozen=True, slots=True, kw_only=True)
class AdherenceFigure:
    """Doses given within their window out of the doses assessed in a period."""

    period: DatePeriod
    doses_assessed: int
    doses_given_in_window: int

    @property
    def percent(self) -> float | None:
        """Adherence in percent, or None when no dose was assessed."""
        if self.doses_assessed == 0:
            return None
        return 100.0 * self.doses_given_in_window / self.doses_assessed


def measure_adherence(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    period: DatePeriod,
    now: datetime,
    config: AdherenceConfig,
) -> AdherenceFigure:
    """The plan's adherence over ``period`` as known at ``now``."""
    schedule = schedule_at(plan, doses, now=now, windows=config.windows)
    assessed = [e for e in schedule if period.contains(e.dose.due_on) and e.status in SETTLED]
    return AdherenceFigure(
        period=period,
        doses_assessed=len(assessed),
        doses_given_in_window=sum(1 for e in assessed if e.status is DoseStatus.GIVEN),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class DoseView:
    """One dose as staff see it."""

    dose_id: UUID
    plan_id: UUID
    due_on: date
    phase: Phase
    product: Product
    dose_mcg: float
    route: Route
    status: DoseStatus
    window_opens_at: datetime
    window_closes_at: datetime
    administration_source: str | None
    administration_id: str | None
    administered_at: datetime | None
    discrepancies: tuple[Discrepancy, ...]
    miss_declared_at: datetime | None
    superseded_by: UUID | None


def view_dose(
    dose: TrackedDose, plan: TrackedPlan, *, now: datetime, config: AdherenceConfig
) -> DoseView:
    """The staff view of one dose at ``now``."""
    window = window_of(dose, plan, windows=config.windows)
    given = dose.administration
    return DoseView(
        dose_id=dose.dose_id,
        plan_id=dose.plan_id,
        due_on=dose.due_on,
        phase=dose.phase,
        product=dose.scheduled.product,
        dose_mcg=dose.scheduled.dose_mcg,
        route=dose.scheduled.route,
        status=dose_status(dose, plan, now=now, windows=config.windows),
        window_opens_at=window.opens_at,
        window_closes_at=window.closes_at,
        administration_source=given.source if given else None,
        administration_id=given.administration_id if given else None,
        administered_at=given.administered_at if given else None,
        discrepancies=given.discrepancies if given else (),
        miss_declared_at=dose.miss.declared_at if dose.miss else None,
        superseded_by=dose.changed_by,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanAdherence:
    """A plan's doses with their statuses, its adherence, the last dose given and the next due."""

    plan_id: UUID
    patient_id: str
    cancelled: bool
    doses: tuple[DoseView, ...]
    adherence: AdherenceFigure
    last_given_at: datetime | None
    next_due_on: date | None


def summarize_plan(
    plan: TrackedPlan,
    doses: Sequence[TrackedDose],
    *,
    now: datetime,
    config: AdherenceConfig,
    period: DatePeriod | None = None,
) -> PlanAdherence:
    """The plan's adherence summary at ``now`` (period: plan start to today, unless given)."""
    own = sorted(
        (d for d in doses if d.plan_id == plan.plan_id), key=lambda d: (d.due_on, str(d.dose_id))
    )
    views = tuple(view_dose(d, plan, now=now, config=config) for d in own)
    chosen = period or DatePeriod(first=plan.start_date, last=local_date(now, plan.zone))
    given_times = [d.administration.administered_at for d in own if d.given and d.administration]
    upcoming = [v.due_on for v in views if v.status in (DoseStatus.DUE, DoseStatus.UPCOMING)]
    return PlanAdherence(
        plan_id=plan.plan_id,
        patient_id=plan.patient_id,
        cancelled=plan.cancelled,
        doses=views,
        adherence=measure_adherence(plan, own, period=chosen, now=now, config=config),
        last_given_at=max(given_times, default=None),
        next_due_on=min(upcoming, default=None),
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientAdherence:
    """A patient's plans, with adherence, last dose given and next due taken across them."""

    patient_id: str
    plans: tuple[PlanAdherence, ...]
    doses_assessed: int
    doses_given_in_window: int
    last_given_at: datetime | None
    next_due_on: date | None

    @property
    def percent(self) -> float | None:
        """Adherence in percent across the plans, or None when no dose was assessed."""
        if self.doses_assessed == 0:
            return None
        return 100.0 * self.doses_given_in_window / self.doses_assessed


def summarize_patient(
    plans: Sequence[TrackedPlan],
    doses: Sequence[TrackedDose],
    *,
    now: datetime,
    config: AdherenceConfig,
) -> PatientAdherence:
    """The patient's adherence at ``now``: every plan summarised, with totals across them."""
    summaries = tuple(
        summarize_plan(plan, doses, now=now, config=config)
        for plan in sorted(plans, key=lambda p: (p.start_date, str(p.plan_id)))
    )
    last_given = [s.last_given_at for s in summaries if s.last_given_at is not None]
    next_due = [s.next_due_on for s in summaries if s.next_due_on is not None]
    return PatientAdherence(
        patient_id=plans[0].patient_id if plans else "",
        plans=summaries,
        doses_assessed=sum(s.adherence.doses_assessed for s in summaries),
        doses_given_in_window=sum(s.adherence.doses_given_in_window for s in summaries),
        last_given_at=max(last_given, default=None),
        next_due_on=min(next_due, default=None),
    )


WorklistKind = Literal["due", "overdue", "missed"]


@dataclass(frozen=True, slots=True, kw_only=True)
class WorklistEntry:
    """A dose to give on the worklist's date."""

    patient_id: str
    plan_id: UUID
    dose_id: UUID
    due_on: date
    phase: Phase
    kind: WorklistKind
    """due: due that day; overdue: past due but still on time; missed: may still be given late."""
    days_past_due: int
    last_on_time_day: date


def build_worklist(
    plans: Sequence[TrackedPlan],
    doses: Sequence[TrackedDose],
    *,
    on: date,
    config: AdherenceConfig,
) -> tuple[WorklistEntry, ...]:
    """Doses due or overdue on a clinic's local date, oldest first."""
    by_id = {plan.plan_id: plan for plan in plans if not plan.cancelled}
    entries: list[WorklistEntry] = []
    for dose in doses:
        plan = by_id.get(dose.plan_id)
        if plan is None or not dose.is_active or dose.administration is not None:
            continue
        on_time_until = last_on_time_day(dose.due_on, phase=dose.phase, windows=config.windows)
        late_until = last_late_day(dose.due_on, phase=dose.phase, windows=config.windows)
        # Past the late-acceptance limit a dose can no longer be caught up as itself, so it
        # leaves the day list; the flags keep it in view.
        if not dose.due_on <= on <= late_until:
            continue
        kind: WorklistKind = "due"
        if dose.due_on < on:
            kind = "overdue" if on <= on_time_until else "missed"
        entries.append(
            WorklistEntry(
                patient_id=plan.patient_id,
                plan_id=plan.plan_id,
                dose_id=dose.dose_id,
                due_on=dose.due_on,
                phase=dose.phase,
                kind=kind,
                days_past_due=(on - dose.due_on).days,
                last_on_time_day=on_time_until,
            )
        )
    return tuple(sorted(entries, key=lambda e: (e.due_on, e.patient_id, str(e.dose_id))))
