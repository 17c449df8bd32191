"""The domain's output fits the event contracts, and a plan survives storage as JSON."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.planner.domain import ChangeMaintenanceInterval, Plan, apply_adjustment
from shared.contracts import PlanAdjusted, PlanCreated
from tests.unit.planner.builders import CONTEXT, d, plan_for

ENVELOPE = {
    "event_id": UUID(int=1),
    "occurred_at": datetime(2026, 1, 5, 9, tzinfo=UTC),
    "patient_id": "patient-1",
    "source": "planner",
}


def test_plan_created_carries_the_whole_schedule():
    plan = plan_for("uk-hydroxocobalamin-neuro")
    event = PlanCreated(**ENVELOPE, **plan.plan_created_fields())
    assert event.protocol_id == "uk-hydroxocobalamin-neuro"
    assert event.timezone == "Europe/London"
    assert event.review_on == d("2026-01-26")
    assert [p.phase.value for p in event.phases] == ["loading", "maintenance"]
    assert event.phases[0].ends_at_review
    assert event.doses == plan.doses


def test_plan_adjusted_carries_the_replacement_schedule():
    plan = plan_for("uk-hydroxocobalamin-no-neuro")
    adjustment = apply_adjustment(
        plan,
        change=ChangeMaintenanceInterval(interval_weeks=8),
        effective_from=d("2026-05-01"),
        reason="clinician decision",
        context=CONTEXT,
    )
    event = PlanAdjusted(**ENVELOPE, **adjustment.plan_adjusted_fields())
    assert event.effective_from == d("2026-05-01")
    assert event.doses[0].due_on == d("2026-06-05")
    assert event.horizon_until == d("2027-01-05")


def test_ids_are_deterministic_and_unique():
    first, again = plan_for("us-cyanocobalamin-label"), plan_for("us-cyanocobalamin-label")
    assert [dose.dose_id for dose in first.doses] == [dose.dose_id for dose in again.doses]
    assert len({dose.dose_id for dose in first.doses}) == len(first.doses)


def test_a_plan_round_trips_through_json():
    plan = plan_for("us-cyanocobalamin-label")
    assert Plan.model_validate_json(plan.model_dump_json()) == plan


def test_plan_created_fills_rationale_recommendation_and_monthly_intervals():
    plan = plan_for("us-cyanocobalamin-label")
    event = PlanCreated(**ENVELOPE, **plan.plan_created_fields())
    assert event.rationale == plan.rationale
    assert event.recommended_protocol_id == plan.recommended_protocol_id
    assert event.phases[-1].interval_months == 1
    assert event.phases[0].interval_months is None


def test_lab_checks_name_their_kind():
    plan = plan_for("uk-hydroxocobalamin-no-neuro")
    assert [check.kind for check in plan.lab_checks] == [
        "reticulocytes",
        "blood_count_8_weeks",
        "clinical_review",
    ]
