"""Adjustments replace the schedule from the effective date on; earlier doses stay as they were."""

from __future__ import annotations

import pytest

from services.planner.domain import (
    AddChecks,
    BoundViolationError,
    ChangeLoadingLength,
    ChangeMaintenanceInterval,
    EndLoading,
    NotApplicableError,
    apply_adjustment,
)
from tests.unit.planner.builders import CONTEXT, d, dates, plan_for

UK = plan_for("uk-hydroxocobalamin-no-neuro")
NEURO = plan_for("uk-hydroxocobalamin-neuro")


def _adjust(plan, change, effective_from):
    return apply_adjustment(
        plan, change=change, effective_from=d(effective_from), reason="test", context=CONTEXT
    )


def _before(plan, day):
    return [dose for dose in plan.doses if dose.due_on < d(day)]


def test_shortening_maintenance_in_progress_splits_the_phase_and_keeps_history():
    adjustment = _adjust(UK, ChangeMaintenanceInterval(interval_weeks=8), "2026-05-01")
    assert _before(adjustment.plan, "2026-05-01") == _before(UK, "2026-05-01")
    # Last dose kept: Fri 10 Apr; every 8 weeks from it: 5 Jun, 31 Jul, 25 Sep.
    assert [dose.due_on for dose in adjustment.doses][:3] == dates(
        "2026-06-05", "2026-07-31", "2026-09-25"
    )
    specs = [
        (s.phase.value, s.starts_on, s.ends_on, s.interval_days)
        for s in adjustment.plan.phase_specs()
    ]
    assert specs == [
        ("loading", d("2026-01-05"), d("2026-01-16"), None),
        ("maintenance", d("2026-01-17"), d("2026-04-30"), 84),
        ("maintenance", d("2026-05-01"), None, 56),
    ]
    assert adjustment.phases == adjustment.plan.phase_specs()[2:]  # what PlanAdjusted carries


def test_an_overdue_dose_after_shortening_is_due_on_the_effective_date():
    # Shortened to 4 weeks on Mon 18 May: 10 Apr + 4 weeks = 8 May has passed, so 18 May.
    adjustment = _adjust(UK, ChangeMaintenanceInterval(interval_weeks=4), "2026-05-18")
    assert [dose.due_on for dose in adjustment.doses][:2] == dates("2026-05-18", "2026-06-15")


def test_changing_maintenance_before_it_begins_keeps_the_loading_doses_and_ids():
    adjustment = _adjust(UK, ChangeMaintenanceInterval(interval_weeks=8), "2026-01-10")
    assert adjustment.doses[:3] == UK.doses[3:6]  # Mon 12, Wed 14, Fri 16: unchanged
    assert adjustment.doses[3].due_on == d("2026-03-13")
    assert len(adjustment.plan.phases) == 2


def test_ending_loading_early_starts_maintenance_from_the_last_loading_dose():
    adjustment = _adjust(NEURO, EndLoading(), "2026-01-15")
    loading, maintenance = adjustment.plan.phases
    assert (loading.ends_on, loading.at_review) == (d("2026-01-14"), False)
    assert maintenance.starts_on == d("2026-01-15")
    # Wed 14 Jan + 8 weeks = Wed 11 Mar.
    assert [dose.due_on for dose in adjustment.doses][:2] == dates("2026-03-11", "2026-05-06")
    assert adjustment.plan.review_on == d("2026-04-06")  # now the 3-month clinical review


def test_ending_loading_at_its_review_confirms_the_schedule():
    adjustment = _adjust(NEURO, EndLoading(), "2026-01-27")
    assert adjustment.plan.doses == NEURO.doses
    assert not adjustment.plan.phases[0].at_review
    assert adjustment.phases[0].phase.value == "maintenance"


def test_ending_a_loading_phase_that_already_ended_is_refused():
    with pytest.raises(NotApplicableError, match="already ended on 2026-01-16"):
        _adjust(UK, EndLoading(), "2026-02-01")


def test_extending_a_neurological_loading_moves_its_review_and_maintenance():
    adjustment = _adjust(NEURO, ChangeLoadingLength(weeks=5), "2026-01-20")
    assert adjustment.plan.review_on == d("2026-02-09")
    assert [dose.due_on for dose in adjustment.doses] [:10] == dates(
        "2026-01-21", "2026-01-23", "2026-01-26", "2026-01-28", "2026-01-30",
        "2026-02-02", "2026-02-04", "2026-02-06", "2026-02-09",
        "2026-04-06",
    )  # fmt: skip


def test_a_loading_length_that_would_already_be_over_is_refused():
    with pytest.raises(NotApplicableError, match="end the loading phase instead"):
        _adjust(NEURO, ChangeLoadingLength(weeks=1), "2026-01-20")


def test_loading_cannot_change_once_maintenance_has_begun():
    with pytest.raises(NotApplicableError, match="maintenance began on 2026-04-10"):
        _adjust(UK, ChangeLoadingLength(weeks=3), "2026-05-01")


def test_adding_lab_checks_leaves_the_doses_alone():
    change = AddChecks(loinc_codes=["2284-8", "2276-4"], within_days=7, purpose="Folate, ferritin")
    adjustment = _adjust(UK, change, "2026-03-10")
    assert adjustment.plan.doses == UK.doses
    added = [c for c in adjustment.lab_checks if c.loinc_codes == ["2284-8", "2276-4"]]
    assert [c.due_on for c in added] == [d("2026-03-17")]
    assert [c.due_on for c in adjustment.lab_checks] == dates("2026-03-17", "2026-04-06")
    with pytest.raises(NotApplicableError, match="already scheduled"):
        _adjust(adjustment.plan, change, "2026-03-10")


def test_adjustment_bounds_and_fit_are_checked():
    with pytest.raises(BoundViolationError, match="12-week spacing cap"):
        _adjust(UK, ChangeMaintenanceInterval(interval_weeks=13), "2026-05-01")
    with pytest.raises(NotApplicableError, match="already every 12 weeks"):
        _adjust(UK, ChangeMaintenanceInterval(interval_weeks=12), "2026-05-01")
    with pytest.raises(NotApplicableError, match="injections given at an interval"):
        _adjust(
            plan_for("oral-high-dose-cyanocobalamin"),
            ChangeMaintenanceInterval(interval_weeks=4),
            "2026-05-01",
        )
    with pytest.raises(NotApplicableError, match="before the plan's start_date"):
        _adjust(UK, ChangeMaintenanceInterval(interval_weeks=8), "2025-12-31")


def test_revisions_and_adjustment_ids_are_deterministic():
    first = _adjust(UK, ChangeMaintenanceInterval(interval_weeks=8), "2026-05-01")
    again = _adjust(UK, ChangeMaintenanceInterval(interval_weeks=8), "2026-05-01")
    second = _adjust(first.plan, ChangeMaintenanceInterval(interval_weeks=6), "2026-07-01")
    assert first == again
    assert (first.plan.revision, second.plan.revision) == (1, 2)
    assert first.adjustment_id != second.adjustment_id
    assert _before(second.plan, "2026-07-01") == _before(first.plan, "2026-07-01")
