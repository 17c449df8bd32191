"""The rolling horizon of open-ended plans, and plans that start in the past."""

from __future__ import annotations

from services.planner.domain import extend_horizon
from tests.unit.planner.builders import CONTEXT, d, dates, plan_for

UK = plan_for("uk-hydroxocobalamin-no-neuro")


def test_lifelong_plans_list_twelve_months_ahead():
    assert UK.horizon_until == d("2027-01-05")
    assert UK.doses[-1].due_on == d("2026-12-18")


def test_no_extension_while_enough_days_remain():
    assert extend_horizon(UK, today=d("2026-11-06"), context=CONTEXT) is None  # 60 days left


def test_the_extension_continues_the_schedule_after_the_horizon():
    extension = extend_horizon(UK, today=d("2026-11-07"), context=CONTEXT)  # 59 days left
    assert extension is not None
    assert extension.reason_kind == "horizon_extended"
    assert extension.effective_from == d("2027-01-06")
    assert extension.plan.horizon_until == d("2027-11-07")
    # Every 12 weeks on from Fri 18 Dec 2026.
    assert [dose.due_on for dose in extension.doses] == dates(
        "2027-03-12", "2027-06-04", "2027-08-27"
    )
    assert extension.plan.doses[: len(UK.doses)] == UK.doses


def test_plans_that_end_are_not_extended():
    assert (
        extend_horizon(
            plan_for("dietary-oral-cyanocobalamin"), today=d("2026-12-01"), context=CONTEXT
        )
        is None
    )


def test_a_plan_taken_over_in_the_past_has_its_past_doses_due_and_a_horizon_from_today():
    plan = plan_for("uk-hydroxocobalamin-no-neuro", start=d("2025-06-02"), today=d("2026-01-05"))
    assert plan.doses[0].due_on == d("2025-06-02")
    assert plan.horizon_until == d("2027-01-05")
    assert any("starts in the past" in reason for reason in plan.rationale)
