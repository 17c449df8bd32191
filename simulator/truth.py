"""Ground truth: the misses and flags a patient's record must produce, worked out independently.

The adherence half replays the catalogue's rules (clinical-reference.md, section 4) with the
platform's default windows over the moments the platform evaluates a plan: when it receives
the plan or an administration (at the end of that simulated day) and when a sweep finds a
window closed or a maintenance gap due (at the start of the next day). The labs half follows
from how each response's trajectory was built (laboratory.py), given which samples were taken.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID

from shared.contracts import FlagReason, Phase
from simulator.clinic import Administration
from simulator.cohort import PatientProfile
from simulator.laboratory import B12, FERRITIN, FOLATE, HB, MCV, MMA, RETIC, K, Sample
from simulator.plans import Calendar, DoseDue, PlanSchedule


@dataclass(frozen=True)
class Windows:
    """The platform's default windows (engineering defaults, days)."""

    early: dict[Phase, int] = field(
        default_factory=lambda: {Phase.LOADING: 1, Phase.CONSOLIDATION: 1, Phase.MAINTENANCE: 7}
    )
    grace: dict[Phase, int] = field(
        default_factory=lambda: {Phase.LOADING: 2, Phase.CONSOLIDATION: 2, Phase.MAINTENANCE: 14}
    )
    max_gap_days: int = 84
    low_adherence_percent: float = 80.0
    lookback_days: int = 180
    min_assessed: int = 5
    min_consecutive: int = 2


@dataclass
class Expected:
    """What one patient's record must produce."""

    missed_dose_ids: set[UUID] = field(default_factory=set)
    reasons: set[FlagReason] = field(default_factory=set)


def _closes_at(dose: DoseDue, calendar: Calendar, windows: Windows) -> datetime:
    return calendar.start_of(dose.due_on + timedelta(days=windows.grace[dose.phase] + 1))


def _opens_at(dose: DoseDue, calendar: Calendar, windows: Windows) -> datetime:
    return calendar.start_of(dose.due_on - timedelta(days=windows.early[dose.phase]))


def _status(
    dose: DoseDue,
    record: Administration | None,
    *,
    now: datetime,
    calendar: Calendar,
    windows: Windows,
) -> str:
    closes = _closes_at(dose, calendar, windows)
    if record is not None and record.administered_at <= now:
        if record.status == "not-done":
            return "not_done"
        return "given" if record.administered_at < closes else "late"
    return "missed" if closes <= now else "open"


def _moments(
    plan: PlanSchedule,
    records: dict[UUID, Administration],
    *,
    created_at: datetime,
    last_sweep: datetime,
    calendar: Calendar,
    windows: Windows,
) -> list[tuple[datetime, str]]:
    moments = [(created_at, "handler")]
    moments += [(calendar.end_of(r.given_on), "handler") for r in records.values()]
    for dose in plan.doses:
        closes = _closes_at(dose, calendar, windows)
        given = records.get(dose.dose_id)
        if created_at < closes <= last_sweep and (given is None or given.administered_at >= closes):
            moments.append((closes + timedelta(seconds=1), "sweep"))
    # The gap rule fires with time alone, at the first sweep past its deadline: try each day.
    day = created_at.astimezone(calendar.zone).date() + timedelta(days=1)
    while (sweep := calendar.start_of(day) + timedelta(seconds=1)) <= last_sweep:
        moments.append((sweep, "gap"))
        day += timedelta(days=1)
    return sorted(set(moments))


def adherence_truth(
    plan: PlanSchedule,
    given: Sequence[Administration],
    *,
    created_at: datetime,
    last_sweep: datetime,
    calendar: Calendar,
    windows: Windows | None = None,
) -> Expected:
    """Misses and adherence flags of one plan over the simulated period."""
    windows = windows or Windows()
    records = {a.dose_id: a for a in given}
    expected = Expected()
    maintenance_start = plan.maintenance_starts_on()
    for now, kind in _moments(
        plan,
        records,
        created_at=created_at,
        last_sweep=last_sweep,
        calendar=calendar,
        windows=windows,
    ):
        statuses = [
            (
                dose,
                _status(
                    dose, records.get(dose.dose_id), now=now, calendar=calendar, windows=windows
                ),
            )
            for dose in plan.doses
        ]
        days_without = _days_without_dose(
            given, now=now, start=maintenance_start, calendar=calendar
        )
        # The sweeper takes a plan up when a window closed or its gap deadline came; either way
        # every rule is evaluated then.
        if kind != "gap" or days_without == windows.max_gap_days + 1:
            _rules_at(statuses, now=now, calendar=calendar, windows=windows, expected=expected)
        if days_without is not None and days_without > windows.max_gap_days:
            expected.reasons.add(FlagReason.MAINTENANCE_GAP_EXCEEDED)
    return expected


def _rules_at(
    statuses: list[tuple[DoseDue, str]],
    *,
    now: datetime,
    calendar: Calendar,
    windows: Windows,
    expected: Expected,
) -> None:
    missed = [dose for dose, status in statuses if status in ("missed", "not_done")]
    expected.missed_dose_ids.update(dose.dose_id for dose in missed)
    if any(dose.phase is Phase.LOADING for dose in missed):
        expected.reasons.add(FlagReason.MISSED_LOADING_DOSE)
    run = 0
    for _, status in statuses:
        run = run + 1 if status in ("missed", "not_done") else 0
        if run >= windows.min_consecutive:
            expected.reasons.add(FlagReason.CONSECUTIVE_MISSED_DOSES)
    today = now.astimezone(calendar.zone).date()
    first = today - timedelta(days=windows.lookback_days - 1)
    assessed = [s for d, s in statuses if first <= d.due_on <= today and s != "open"]
    on_time = sum(1 for s in assessed if s == "given")
    if len(assessed) >= windows.min_assessed and on_time * 100 < (
        windows.low_adherence_percent * len(assessed)
    ):
        expected.reasons.add(FlagReason.LOW_ADHERENCE)


def _days_without_dose(
    given: Iterable[Administration], *, now: datetime, start: date | None, calendar: Calendar
) -> int | None:
    """Days since the last dose given in maintenance (or since it started); None before then."""
    if start is None:
        return None
    dates = [a.given_on for a in given if a.completed and a.administered_at <= now]
    last = max(dates, default=None)
    gap_start = last if last is not None and last >= start else start
    today = now.astimezone(calendar.zone).date()
    return (today - gap_start).days if today >= gap_start else None


def labs_truth(
    profile: PatientProfile, plan: PlanSchedule, taken: Sequence[Sample]
) -> set[FlagReason]:
    """The labs flags the profile's trajectory produces, given which samples were taken."""
    have = {(s.code, s.treatment_day): s for s in taken}
    response = profile.response
    reasons: set[FlagReason] = set()
    non_responding = response in ("non_responder", "folate_codeficiency")

    def taken_on(code: str, day: int) -> date | None:
        sample = have.get((code, day))
        return sample.taken_on if sample else None

    if non_responding and taken_on(RETIC, 8) and taken_on(RETIC, -2):
        reasons.add(FlagReason.NO_RETICULOCYTE_RESPONSE)
    if non_responding and taken_on(HB, 56):
        reasons.add(FlagReason.HAEMOGLOBIN_NOT_RECOVERING)
    if non_responding and taken_on(MCV, 56):
        reasons.add(FlagReason.MACROCYTOSIS_PERSISTING)
    if non_responding and taken_on(HB, 56) and taken_on(B12, 70):
        reasons.add(FlagReason.CHECK_COEXISTING_CAUSES)
    if response == "folate_codeficiency" and taken_on(FOLATE, 70):
        reasons.add(FlagReason.FOLATE_DEFICIENT)
    if response == "iron_codeficiency" and taken_on(FERRITIN, 70):
        reasons.add(FlagReason.IRON_DEFICIENCY_UNMASKED)
    relapse_on = taken_on(HB, 120)
    if response == "relapse" and relapse_on:
        if plan.phase_on(relapse_on) is Phase.MAINTENANCE:
            reasons.add(FlagReason.RELAPSE_ON_MAINTENANCE)
        else:
            # Outside maintenance the same fall reads as a response that is not holding.
            reasons |= {FlagReason.HAEMOGLOBIN_NOT_RECOVERING, FlagReason.MACROCYTOSIS_PERSISTING}
            if taken_on(B12, 70):
                reasons.add(FlagReason.CHECK_COEXISTING_CAUSES)
    b12_on = taken_on(B12, 70)
    if response == "not_repleted" and b12_on and plan.is_after_loading(b12_on):
        reasons.add(FlagReason.B12_NOT_REPLETED)
    mma_on = taken_on(MMA, 70)
    if response == "functional" and mma_on and plan.is_after_loading(mma_on):
        reasons.add(FlagReason.FUNCTIONAL_DEFICIENCY_PERSISTING)
    if response == "hypokalaemia" and taken_on(K, 1):
        reasons.add(FlagReason.HYPOKALAEMIA)
    return reasons
