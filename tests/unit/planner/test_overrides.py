"""Clinician overrides: applied within the safety bounds, refused outside with the bound named."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.planner.domain import (
    BoundViolationError,
    NotApplicableError,
    PlannerRules,
    PlanningContext,
    SafetyBounds,
)
from services.planner.domain.config import ScheduleRules
from tests.unit.planner.builders import CONTEXT, LIBRARY, d, dates, due_dates, plan_for


def test_maintenance_interval_over_the_cap_names_the_rcgp_bound():
    with pytest.raises(BoundViolationError) as caught:
        plan_for("uk-hydroxocobalamin-no-neuro", maintenance_interval_weeks=13)
    assert str(caught.value) == (
        "maintenance_interval_weeks 13 exceeds the 12-week spacing cap (RCGP)"
    )
    assert (caught.value.bound, caught.value.limit) == ("maintenance_interval_weeks_max", 12)


def test_maintenance_interval_below_the_minimum_names_the_bound():
    with pytest.raises(BoundViolationError, match="maintenance_interval_weeks_min"):
        plan_for("uk-hydroxocobalamin-no-neuro", maintenance_interval_weeks=0)


@pytest.mark.parametrize(("weeks", "bound"), [(0, "loading_weeks_min"), (13, "loading_weeks_max")])
def test_loading_length_outside_the_bounds_names_the_bound(weeks, bound):
    with pytest.raises(BoundViolationError, match=f"loading_weeks {weeks} .*{bound}"):
        plan_for("uk-hydroxocobalamin-no-neuro", loading_weeks=weeks)


def test_bounds_are_configuration():
    rules = PlannerRules(bounds=SafetyBounds(maintenance_interval_weeks_max=10))
    context = PlanningContext(library=LIBRARY, rules=rules, calendar=CONTEXT.calendar)
    with pytest.raises(BoundViolationError, match="exceeds the 10-week spacing cap"):
        plan_for("uk-hydroxocobalamin-neuro", context=context, maintenance_interval_weeks=12)


def test_a_shorter_maintenance_interval_is_applied():
    plan = plan_for("uk-hydroxocobalamin-no-neuro", maintenance_interval_weeks=8)
    # From Fri 16 Jan every 8 weeks: 13 Mar, 8 May, 3 Jul.
    assert due_dates(plan)[6:] == dates("2026-03-13", "2026-05-08", "2026-07-03")
    assert plan.phases[1].spec().interval_days == 56
    assert any("maintenance interval to 8 weeks" in reason for reason in plan.rationale)


def test_a_longer_count_based_loading_lasts_that_many_weeks():
    plan = plan_for("uk-hydroxocobalamin-no-neuro", loading_weeks=3)
    loading = plan.dose_dates_in(0)
    assert loading == dates(
        "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
        "2026-01-19", "2026-01-21", "2026-01-23",
    )  # fmt: skip


def test_a_loading_length_moves_the_review_of_an_until_review_loading():
    plan = plan_for("uk-hydroxocobalamin-neuro", loading_weeks=6)
    assert plan.review_on == d("2026-02-16")
    assert plan.phases[0].ends_on == d("2026-02-16")


def test_overrides_that_do_not_fit_the_protocol_are_refused():
    with pytest.raises(NotApplicableError, match="no loading phase"):
        plan_for("oral-high-dose-cyanocobalamin", loading_weeks=2)
    with pytest.raises(NotApplicableError, match="no injected maintenance"):
        plan_for("oral-high-dose-cyanocobalamin", maintenance_interval_weeks=4)


def test_inconsistent_configuration_is_refused():
    with pytest.raises(ValidationError, match="loading_weeks_min exceeds its max"):
        SafetyBounds(loading_weeks_min=5, loading_weeks_max=4)
    with pytest.raises(ValidationError, match="extend_when_days_left must be shorter"):
        ScheduleRules(horizon_months=1, extend_when_days_left=40)
