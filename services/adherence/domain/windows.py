"""Dose windows: the UTC instants between which a dose counts as given on time.

Schedules are dates in the clinic's timezone, so a window is reckoned in whole local days and
only then turned into UTC instants. Days are not always 24 hours long (DST), which is why the
arithmetic is done on dates and never by adding hours to an instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.adherence.domain.config import WindowConfig
from services.adherence.domain.model import TrackedDose, TrackedPlan
from shared.contracts import Phase

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class DoseWindow:
    """Half-open UTC intervals: on time [opens_at, closes_at), late [closes_at, late_until)."""

    opens_at: datetime
    closes_at: datetime
    late_until: datetime

    def contains(self, instant: datetime) -> bool:
        """The instant lies within the on-time window."""
        return self.opens_at <= instant < self.closes_at

    def closed_by(self, now: datetime) -> bool:
        """The window has closed at ``now`` (the dose can be declared missed)."""
        return now >= self.closes_at

    def accepts_late(self, instant: datetime) -> bool:
        """The instant is after the window but within the late-acceptance limit."""
        return self.closes_at <= instant < self.late_until


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    """The first instant (UTC) of ``day`` in ``zone``, even where local midnight is skipped."""
    # fold=0 resolves a skipped midnight (a DST jump at 00:00) with the offset in force before
    # the jump, which names exactly the instant the day begins; a repeated midnight resolves to
    # its first occurrence. Either way the result is the earliest instant of that local date.
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date in ``zone`` at ``instant``."""
    return instant.astimezone(zone).date()


def last_on_time_day(due_on: date, *, phase: Phase, windows: WindowConfig) -> date:
    """The last local date on which a dose due on ``due_on`` still counts as on time."""
    return due_on + timedelta(days=windows.for_phase(phase).grace_days)


def last_late_day(due_on: date, *, phase: Phase, windows: WindowConfig) -> date:
    """The last local date on which a late administration may still be matched to the dose."""
    settings = windows.for_phase(phase)
    return due_on + timedelta(days=settings.grace_days + settings.late_acceptance_days)


def dose_window(*, due_on: date, phase: Phase, zone: ZoneInfo, windows: WindowConfig) -> DoseWindow:
    """The window of a dose due on a local date: start of (due - early) to end of (due + grace)."""
    settings = windows.for_phase(phase)
    first_day = due_on - timedelta(days=settings.early_days)
    last_day = last_on_time_day(due_on, phase=phase, windows=windows)
    late_day = last_late_day(due_on, phase=phase, windows=windows)
    return DoseWindow(
        opens_at=start_of_local_day(first_day, zone),
        closes_at=start_of_local_day(last_day + ONE_DAY, zone),
        late_until=start_of_local_day(late_day + ONE_DAY, zone),
    )


def window_of(dose: TrackedDose, plan: TrackedPlan, *, windows: WindowConfig) -> DoseWindow:
    """The window of a tracked dose, in its plan's timezone."""
    return dose_window(due_on=dose.due_on, phase=dose.phase, zone=plan.zone, windows=windows)
