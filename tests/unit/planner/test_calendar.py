"""The clinic calendar and month arithmetic."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.planner.domain import CalendarError, ClinicCalendar
from services.planner.domain.calendar import add_months
from tests.unit.planner.builders import context_with, d, dates, due_dates, plan_for


def test_working_days_default_to_monday_to_friday():
    calendar = ClinicCalendar(closures=frozenset({d("2026-01-07")}))
    assert calendar.is_working_day(d("2026-01-05"))
    assert not calendar.is_working_day(d("2026-01-07"))  # closed
    assert not calendar.is_working_day(d("2026-01-10"))  # Saturday
    assert calendar.next_working_day(d("2026-01-10")) == d("2026-01-12")
    assert calendar.latest_working_day(
        on_or_before=d("2026-01-11"), not_before=d("2026-01-05")
    ) == d("2026-01-09")
    assert (
        calendar.latest_working_day(on_or_before=d("2026-01-11"), not_before=d("2026-01-10"))
        is None
    )


def test_a_calendar_needs_valid_weekdays():
    with pytest.raises(ValidationError):
        ClinicCalendar(working_weekdays=frozenset())
    with pytest.raises(ValidationError):
        ClinicCalendar(working_weekdays=frozenset({7}))


def test_a_clinic_closed_for_over_a_year_is_an_error():
    closures = frozenset(
        d("2026-01-01").fromordinal(d("2026-01-01").toordinal() + n) for n in range(500)
    )
    with pytest.raises(CalendarError, match="no working day"):
        ClinicCalendar(closures=closures).next_working_day(d("2026-01-01"))


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-11-15", 3, "2027-02-15"),
    ],
)
def test_add_months_clamps_to_the_month_end(start, months, expected):
    assert add_months(d(start), months) == d(expected)


def test_daily_injections_are_not_moved_to_working_days():
    plan = plan_for("us-cyanocobalamin-1000-practice")
    assert dates("2026-01-10", "2026-01-11") == [x for x in due_dates(plan) if x.weekday() >= 5][:2]


def test_a_clinic_open_on_saturdays_gets_saturday_doses():
    # Mon-Sat clinic: alternate days from Mon 5 Jan run 5, 7, 9, 11 (Sun) -> 12, 14, 16, 18 (Sun)...
    plan = plan_for("uk-hydroxocobalamin-neuro", context=context_with(weekdays=range(6)))
    assert plan.dose_dates_in(0)[:6] == dates(
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"
    )
    plan = plan_for("seed-confirmed-not-severe", context=context_with(weekdays=range(6)))
    assert d("2026-06-26") in due_dates(plan)
    assert d("2026-04-25") in due_dates(plan)  # 26 Apr is a Sunday: back to Saturday 25 Apr


def test_three_times_a_week_never_gives_four_doses_in_a_week_on_a_seven_day_clinic():
    # Mon 5, Wed 7, Fri 9; Sun 11 would be a fourth dose that week, so Mon 12 opens the next.
    plan = plan_for("uk-hydroxocobalamin-no-neuro", context=context_with(weekdays=range(7)))
    assert plan.dose_dates_in(0) == dates(
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16"
    )
