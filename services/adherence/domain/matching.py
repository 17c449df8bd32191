"""Matching administrations to scheduled doses.

Rules, in order:

1. Validation (permanent failures, for the DLQ): administered_at further in the future than the
   clock-skew tolerance, or a plan_id that belongs to another patient.
2. Parking: a plan_id adherence does not know yet, or a patient with no plan at all, is parked
   until the plan arrives (``reconcile_administrations``), never dropped.
3. On time: among the open doses (active, no administration recorded) whose window contains
   administered_at, the one due closest to the local administration date; a tie goes to the
   earlier dose. Closest rather than oldest, so that a dose given on its day is recorded as that
   day's dose and a skipped dose is reported missed when its own window closes instead of the
   shortfall surfacing only at the end of the phase.
4. Late: otherwise, among doses whose window has closed and that accept it within the phase's
   late-acceptance limit, the most recently due one, provided no later dose of that plan was
   given since (the patient has moved on and this is an extra dose, not a catch-up).
5. Otherwise the administration is unscheduled.

A dose holds at most one administration (a not-done record included), and an administration
matches at most one dose. ``status: not-done`` declares the dose missed at once. A completed
administration for a dose whose miss was declared resolves it; a late one for a dose whose miss
was not declared yet declares it and resolves it, so the events emitted do not depend on whether
the sweeper ran before the administration arrived.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from services.adherence.domain.checks import (
    AdministrationRejected,
    find_discrepancies,
    validate_administration,
)
from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.misses import declare_miss
from services.adherence.domain.model import (
    MatchedAdministration,
    Timing,
    TrackedDose,
    TrackedPlan,
)
from services.adherence.domain.status import consecutive_missed_at, schedule_at
from services.adherence.domain.windows import DoseWindow, local_date, window_of
from shared.contracts import DoseAdministered


@dataclass(frozen=True, slots=True, kw_only=True)
class AdministrationParked:
    """Its plan is not known yet: keep it and reconcile when the plan arrives."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AdministrationUnscheduled:
    """No scheduled dose takes it: record it as unscheduled."""

    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AdministrationMatched:
    """Matched to a dose; emit DoseMissed then DoseMissResolved as the flags say."""

    dose: TrackedDose
    """The dose after the match: administration recorded, a miss declared if one was."""
    miss_declared: bool
    """Emit DoseMissed for ``dose.miss`` (not-done, or late for a miss not declared yet)."""
    miss_resolved: bool
    """Emit DoseMissResolved: a completed administration for a dose declared missed."""


MatchOutcome = (
    AdministrationRejected
    | AdministrationParked
    | AdministrationUnscheduled
    | AdministrationMatched
)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Candidate:
    plan: TrackedPlan
    dose: TrackedDose
    window: DoseWindow


def match_administration(
    administration: DoseAdministered,
    *,
    plans: Sequence[TrackedPlan],
    doses: Sequence[TrackedDose],
    now: datetime,
    config: AdherenceConfig,
) -> MatchOutcome:
    """Decide what an administration is: rejected, parked, unscheduled, or matched to a dose."""
    rejection = validate_administration(administration, now=now, config=config)
    if rejection is not None:
        return rejection
    patient_plans = [plan for plan in plans if plan.patient_id == administration.patient_id]
    if administration.plan_id is not None:
        named = [plan for plan in plans if plan.plan_id == administration.plan_id]
        if not named:
            return AdministrationParked(reason=f"plan {administration.plan_id} is not known yet")
        if named[0].patient_id != administration.patient_id:
            return AdministrationRejected(
                kind="plan_of_another_patient",
                message=f"plan {administration.plan_id} belongs to another patient",
            )
        patient_plans = named
    elif not patient_plans:
        return AdministrationParked(reason="no plan is known for the patient yet")
    live_plans = [plan for plan in patient_plans if not plan.cancelled]
    if not live_plans:
        return AdministrationUnscheduled(reason="the plan is cancelled")
    candidates = _candidates(live_plans, doses, config=config)
    chosen = _pick_on_time(administration, candidates)
    timing = Timing.ON_TIME
    if chosen is None:
        chosen = _pick_late(administration, candidates, doses)
        timing = Timing.LATE
    if chosen is None:
        return AdministrationUnscheduled(
            reason=(
                "no open scheduled dose has a window containing administered_at, and no missed"
                " dose accepts it late"
            )
        )
    return _record(administration, chosen, timing=timing, doses=doses, now=now, config=config)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """Parked administrations matched once their plan is known."""

    outcomes: tuple[tuple[DoseAdministered, MatchOutcome], ...]
    doses: tuple[TrackedDose, ...]
    """All the doses passed in, with the matched ones updated."""


def reconcile_administrations(
    administrations: Sequence[DoseAdministered],
    *,
    plans: Sequence[TrackedPlan],
    doses: Sequence[TrackedDose],
    now: datetime,
    config: AdherenceConfig,
) -> Reconciliation:
    """Match parked administrations in the order they were given, each seeing the ones before."""
    current = tuple(doses)
    outcomes: list[tuple[DoseAdministered, MatchOutcome]] = []
    ordered = sorted(
        administrations, key=lambda a: (a.administered_at, a.source, a.administration_id)
    )
    for administration in ordered:
        outcome = match_administration(
            administration, plans=plans, doses=current, now=now, config=config
        )
        outcomes.append((administration, outcome))
        current = apply_outcome(current, outcome)
    return Reconciliation(outcomes=tuple(outcomes), doses=current)


def apply_outcome(doses: Sequence[TrackedDose], outcome: MatchOutcome) -> tuple[TrackedDose, ...]:
    """The doses with a matched outcome's dose put in place (others change nothing)."""
    if not isinstance(outcome, AdministrationMatched):
        return tuple(doses)
    return tuple(outcome.dose if d.dose_id == outcome.dose.dose_id else d for d in doses)


def _candidates(
    plans: Sequence[TrackedPlan], doses: Sequence[TrackedDose], *, config: AdherenceConfig
) -> list[_Candidate]:
    by_id = {plan.plan_id: plan for plan in plans}
    return [
        _Candidate(plan=plan, dose=dose, window=window_of(dose, plan, windows=config.windows))
        for dose in doses
        if (plan := by_id.get(dose.plan_id)) is not None
        and dose.is_active
        and dose.administration is None
    ]


def _pick_on_time(
    administration: DoseAdministered, candidates: Sequence[_Candidate]
) -> _Candidate | None:
    given_at = administration.administered_at
    in_window = [c for c in candidates if c.window.contains(given_at)]
    if not in_window:
        return None

    def distance(candidate: _Candidate) -> tuple[int, date, str]:
        given_on = local_date(given_at, candidate.plan.zone)
        days_apart = abs((given_on - candidate.dose.due_on).days)
        return (days_apart, candidate.dose.due_on, str(candidate.dose.dose_id))

    return min(in_window, key=distance)


def _pick_late(
    administration: DoseAdministered,
    candidates: Sequence[_Candidate],
    doses: Sequence[TrackedDose],
) -> _Candidate | None:
    given_at = administration.administered_at
    late = [
        c for c in candidates if c.window.accepts_late(given_at) and not _given_after(c.dose, doses)
    ]
    if not late:
        return None
    return max(late, key=lambda c: (c.dose.due_on, str(c.dose.dose_id)))


def _given_after(dose: TrackedDose, doses: Sequence[TrackedDose]) -> bool:
    """A later dose of the same plan has been given: the patient has moved past this one."""
    return any(
        other.plan_id == dose.plan_id
        and other.is_active
        and other.given
        and other.due_on > dose.due_on
        for other in doses
    )


def _record(
    administration: DoseAdministered,
    chosen: _Candidate,
    *,
    timing: Timing,
    doses: Sequence[TrackedDose],
    now: datetime,
    config: AdherenceConfig,
) -> AdministrationMatched:
    completed = administration.status == "completed"
    matched = MatchedAdministration(
        source=administration.source,
        administration_id=administration.administration_id,
        administered_at=administration.administered_at,
        completed=completed,
        timing=timing,
        discrepancies=(
            find_discrepancies(chosen.dose.scheduled, administration) if completed else ()
        ),
    )
    dose = chosen.dose
    already_declared = dose.miss is not None
    # A miss is declared here when nothing was given (not-done) or when it was given only after
    # the window closed and the sweeper has not declared the miss yet.
    declare_now = not already_declared and (not completed or timing is Timing.LATE)
    if declare_now:
        provisional = declare_miss(dose, consecutive_missed=1, now=now, not_done=not completed)
        in_place = apply_outcome(
            doses, AdministrationMatched(dose=provisional, miss_declared=True, miss_resolved=False)
        )
        schedule = schedule_at(chosen.plan, in_place, now=now, windows=config.windows)
        dose = declare_miss(
            dose,
            consecutive_missed=consecutive_missed_at(schedule, dose.dose_id),
            now=now,
            not_done=not completed,
        )
    return AdministrationMatched(
        dose=replace(dose, administration=matched),
        miss_declared=declare_now,
        miss_resolved=completed and (already_declared or declare_now),
    )
