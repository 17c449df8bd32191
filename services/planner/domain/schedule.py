"""The schedule engine: concrete dose dates for a run of phases, on the clinic's calendar.

Placement rules (see calendar.py for the non-working-day policy):

* Daily, alternate-day, N-times-a-week and every-2-to-6-days phases step from the dose actually
  scheduled before (a shifted dose pushes the next one), so spacing never shrinks. N times a week
  keeps at least 7 // N days between doses (1 when N > 3) and at most N doses in a Monday-Sunday
  week: three times a week on a Monday-Friday clinic lands Monday, Wednesday, Friday.
* Every-7-days-or-longer phases are anchored: the k-th dose is nominally k periods after the
  phase's first nominal date, so shifts do not accumulate. A phase's first dose comes one period
  after the dose before it (the previous phase's last dose), or on ``not_before`` when that
  would be earlier (a first phase, an overdue dose after an adjustment).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from services.planner.domain.calendar import ClinicCalendar, week_start
from services.planner.domain.errors import PlannerError
from services.planner.domain.phases import EndsOn, PlannedPhase
from services.planner.domain.protocols import (
    AlternateDays,
    Daily,
    DoseCount,
    Every,
    Frequency,
    Lasting,
    OpenEnded,
    Period,
    TimesPerWeek,
    UntilReview,
)

# Guards against a runaway loop from bad data: decades of daily doses stay far below it.
_MAX_DOSES_PER_PHASE = 50_000
_DAYS_PER_WEEK = 7


@dataclass(frozen=True)
class ScheduleContext:
    """What placing doses needs besides the phase: the calendar, the cap and the horizon."""

    calendar: ClinicCalendar
    spacing_cap_days: int
    until: date
    default_review_after: Period


@dataclass(frozen=True)
class PlacedDose:
    """A dose date and the position (in the plan's phase list) of the phase it belongs to."""

    phase_index: int
    due_on: date


def lands_on_working_days(phase: PlannedPhase) -> bool:
    """Clinic-given injections move to working days; daily and oral doses are never moved."""
    return phase.route != "oral" and not isinstance(phase.frequency, Daily)


def is_anchored(frequency: Frequency) -> bool:
    """Rules of a week or more keep nominal dates; shorter ones step from the last dose."""
    return isinstance(frequency, Every) and frequency.period.shortest_days >= _DAYS_PER_WEEK


def schedule_phases(
    phases: Sequence[PlannedPhase],
    *,
    first_index: int,
    not_before: date,
    prior: Sequence[date],
    context: ScheduleContext,
) -> tuple[list[PlannedPhase], list[PlacedDose]]:
    """Schedule ``phases`` in turn; the first continues after ``prior`` (its doses already kept)."""
    resolved: list[PlannedPhase] = []
    placed: list[PlacedDose] = []
    previous = prior[-1] if prior else phases[0].origin
    for offset, phase in enumerate(phases):
        if offset > 0:
            phase = phase.model_copy(update={"starts_on": not_before, "origin": previous})
            prior = ()
        if isinstance(phase.end, UntilReview):
            phase = phase.model_copy(update={"end": review_end(phase, context=context)})
        dates = schedule_phase(
            phase, previous=previous, not_before=not_before, prior=prior, context=context
        )
        phase_dates = [*prior, *dates]
        phase = phase.model_copy(update={"ends_on": _resolved_end(phase, phase_dates)})
        resolved.append(phase)
        placed.extend(PlacedDose(phase_index=first_index + offset, due_on=d) for d in dates)
        if phase_dates:
            previous = phase_dates[-1]
        if phase.ends_on is None:
            if offset != len(phases) - 1:
                raise PlannerError("only the last phase of a plan may be open-ended")
            break
        not_before = phase.ends_on + timedelta(days=1)
    return resolved, placed


def review_end(phase: PlannedPhase, *, context: ScheduleContext) -> EndsOn:
    """An until-review phase ends at its review: a period after its start, on a working day."""
    period = context.default_review_after
    if isinstance(phase.end, UntilReview) and phase.end.review_after is not None:
        period = phase.end.review_after
    return EndsOn(
        on=context.calendar.next_working_day(period.after(phase.starts_on)), at_review=True
    )


def schedule_phase(
    phase: PlannedPhase,
    *,
    previous: date | None,
    not_before: date,
    prior: Sequence[date],
    context: ScheduleContext,
) -> list[date]:
    """New dose dates for one phase, from ``not_before`` on, after the phase's ``prior`` doses."""
    limit = _last_allowed_day(phase, until=context.until)
    wanted = phase.end.count - len(prior) if isinstance(phase.end, DoseCount) else None
    if wanted is not None and wanted <= 0:
        return []
    clinic = lands_on_working_days(phase)
    dates: list[date] = []
    if is_anchored(phase.frequency):
        candidates = _anchored_dates(
            phase, previous=previous, not_before=not_before, clinic=clinic, context=context
        )
    else:
        candidates = _stepped_dates(
            phase,
            previous=previous,
            not_before=not_before,
            prior=prior,
            clinic=clinic,
            context=context,
        )
    for candidate in candidates:
        if isinstance(phase.end, Lasting):
            # A phase lasting N weeks counts them from its own first dose.
            first_of_phase = prior[0] if prior else (dates[0] if dates else candidate)
            limit = phase.end.period.after(first_of_phase) - timedelta(days=1)
        if limit is not None and candidate > limit:
            break
        dates.append(candidate)
        if wanted is not None and len(dates) >= wanted:
            break
        if len(dates) >= _MAX_DOSES_PER_PHASE:
            raise PlannerError(f"phase {phase.phase} produced over {_MAX_DOSES_PER_PHASE} doses")
    return dates


def _stepped_dates(
    phase: PlannedPhase,
    *,
    previous: date | None,
    not_before: date,
    prior: Sequence[date],
    clinic: bool,
    context: ScheduleContext,
) -> Iterator[date]:
    frequency = phase.frequency
    step = timedelta(days=_minimum_spacing_days(frequency))
    per_week = frequency.times if isinstance(frequency, TimesPerWeek) else None
    in_week: dict[date, int] = {}
    for day in prior:
        in_week[week_start(day)] = in_week.get(week_start(day), 0) + 1
    while True:
        candidate = not_before if previous is None else max(previous + step, not_before)
        while True:
            if clinic:
                candidate = context.calendar.next_working_day(candidate)
            if per_week is not None and in_week.get(week_start(candidate), 0) >= per_week:
                # The week already has its N doses: the next one opens the following week.
                candidate = week_start(candidate) + timedelta(days=_DAYS_PER_WEEK)
                continue
            break
        in_week[week_start(candidate)] = in_week.get(week_start(candidate), 0) + 1
        yield candidate
        previous = candidate


def _anchored_dates(
    phase: PlannedPhase,
    *,
    previous: date | None,
    not_before: date,
    clinic: bool,
    context: ScheduleContext,
) -> Iterator[date]:
    frequency = phase.frequency
    assert isinstance(frequency, Every)
    period = frequency.period
    if previous is None or period.after(previous) < not_before:
        base, offset = not_before, 0
    else:
        base, offset = previous, 1
    index = 0
    while True:
        nominal = period.after(base, index + offset)
        if not clinic:
            candidate = nominal
        else:
            candidate = _working_day_on_or_before(
                nominal, previous=previous, not_before=not_before, context=context
            )
        yield candidate
        previous = candidate
        index += 1


def _working_day_on_or_before(
    nominal: date, *, previous: date | None, not_before: date, context: ScheduleContext
) -> date:
    lower = not_before if previous is None else max(not_before, previous + timedelta(days=1))
    target = nominal
    if previous is not None:
        # Never further from the previous dose than the spacing cap, even if an earlier dose moved.
        target = min(target, previous + timedelta(days=context.spacing_cap_days))
    target = max(target, lower)
    found = context.calendar.latest_working_day(on_or_before=target, not_before=lower)
    return found if found is not None else context.calendar.next_working_day(target)


def _minimum_spacing_days(frequency: Frequency) -> int:
    if isinstance(frequency, Daily):
        return 1
    if isinstance(frequency, AlternateDays):
        return 2
    if isinstance(frequency, TimesPerWeek):
        return _DAYS_PER_WEEK // frequency.times if frequency.times <= 3 else 1
    return frequency.period.shortest_days


def _last_allowed_day(phase: PlannedPhase, *, until: date) -> date | None:
    end = phase.end
    if isinstance(end, EndsOn):
        return end.on
    if isinstance(end, OpenEnded):
        return until
    if isinstance(end, UntilReview):
        raise PlannerError("an until-review phase must be resolved to its review date first")
    return None


def _resolved_end(phase: PlannedPhase, dates: Sequence[date]) -> date | None:
    end = phase.end
    if isinstance(end, EndsOn):
        return end.on
    if isinstance(end, OpenEnded):
        return None
    if not dates:
        # A counted phase with no dose at all: it ends the day before it would have started.
        return phase.starts_on - timedelta(days=1)
    return dates[-1]
