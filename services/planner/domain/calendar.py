"""The clinic calendar: which days injections can be given, and date arithmetic in months.

Policy for a dose that falls on a non-working day:

* Daily doses and every oral dose are never moved: they are self-administered (or given at
  home), so the clinic's opening days do not constrain them.
* Short-interval injections (alternate days, N times a week, every 2-6 days) move to the NEXT
  working day, and the following dose is spaced from the day actually used, so the spacing is
  never shorter than the regimen's.
* Long-interval injections (every 7 days or more, weekly, monthly) stay anchored to the phase's
  nominal dates (no drift) and move to the latest working day BEFORE the nominal date: B12 given
  a day early is harmless, a day late erodes the 12-week spacing cap.
* Lab checks and reviews move to the next working day (the reticulocyte check stays inside its
  7-10 day window).
"""

from __future__ import annotations

import calendar as _stdlib_calendar
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.planner.domain.errors import CalendarError

MONDAY_TO_FRIDAY: frozenset[int] = frozenset({0, 1, 2, 3, 4})
# A clinic that is closed for more than a year on end is a configuration error, not a schedule.
_SEARCH_LIMIT_DAYS = 400


class ClinicCalendar(BaseModel):
    """Working weekdays (Monday = 0) and closure dates of the clinic giving the injections."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    working_weekdays: frozenset[int] = Field(default=MONDAY_TO_FRIDAY, min_length=1)
    closures: frozenset[date] = frozenset()

    @field_validator("working_weekdays")
    @classmethod
    def _weekdays_in_range(cls, value: frozenset[int]) -> frozenset[int]:
        if any(day < 0 or day > 6 for day in value):
            raise ValueError("weekdays are 0 (Monday) to 6 (Sunday)")
        return value

    def is_working_day(self, day: date) -> bool:
        """True when the clinic is open on ``day``."""
        return day.weekday() in self.working_weekdays and day not in self.closures

    def next_working_day(self, day: date) -> date:
        """``day`` itself when the clinic is open, else the first open day after it."""
        for offset in range(_SEARCH_LIMIT_DAYS):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise CalendarError(
            f"the clinic has no working day within {_SEARCH_LIMIT_DAYS} days of {day}"
        )

    def latest_working_day(self, *, on_or_before: date, not_before: date) -> date | None:
        """The last open day in ``not_before..on_or_before``, or None when there is none."""
        candidate = on_or_before
        while candidate >= not_before:
            if self.is_working_day(candidate):
                return candidate
            candidate -= timedelta(days=1)
        return None


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 month = 28 Feb)."""
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    last_day = _stdlib_calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())
