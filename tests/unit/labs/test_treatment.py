"""The treatment clock: day zero, days, baselines, phases, adjustments and first doses."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.labs.domain import (
    LabsConfig,
    apply_plan_adjustment,
    context_from_plan,
    record_first_dose,
)
from shared.contracts import DoseAdministered, Phase, PlanAdjusted, PlanCreated

from .builders import (
    FIRST_DOSE_AT,
    PATIENT,
    PLAN_ID,
    START,
    context,
    phase,
    sampled_on,
    standard_phases,
    uuid_for,
)

CONFIG = LabsConfig()


def dose(at: datetime, *, status: str = "completed", plan_id=PLAN_ID) -> DoseAdministered:
    return DoseAdministered(
        event_id=uuid_for(f"dose{at}{status}{plan_id}"),
        occurred_at=at,
        patient_id=PATIENT,
        source="clinic",
        administration_id=f"adm-{at.isoformat()}",
        plan_id=plan_id,
        administered_at=at,
        product="hydroxocobalamin",
        dose_mcg=1000,
        route="IM",
        status=status,
        status_reason="refused" if status == "not-done" else None,
    )


def test_days_count_from_the_first_dose():
    ctx = context(first_dose_at=FIRST_DOSE_AT + timedelta(days=2))
    assert ctx.day_zero == START + timedelta(days=2)
    assert ctx.treatment_day(sampled_on(7)) == 5


def test_days_count_from_the_plan_start_without_a_dose():
    ctx = context(first_dose_at=None)
    assert ctx.treatment_day(sampled_on(0)) == 0
    assert ctx.treatment_day(sampled_on(-1)) == -1


def test_local_dates_use_the_plan_timezone():
    ctx = context(first_dose_at=None, timezone="Pacific/Auckland")
    # 2026-01-04 20:00 UTC is already 2026-01-05 in Auckland: day 0, not a baseline.
    at = datetime(2026, 1, 4, 20, 0, tzinfo=UTC)
    assert ctx.treatment_day(at) == 0
    assert not ctx.is_baseline(at)


def test_baseline_is_before_the_first_dose_to_the_instant():
    ctx = context()
    assert ctx.is_baseline(FIRST_DOSE_AT - timedelta(minutes=1))
    assert not ctx.is_baseline(FIRST_DOSE_AT)


def test_baseline_without_a_dose_is_before_the_start_date():
    ctx = context(first_dose_at=None)
    assert ctx.is_baseline(sampled_on(-1, hour=23))
    assert not ctx.is_baseline(sampled_on(0, hour=0))


def test_phase_on_dates_and_after_loading():
    ctx = context()
    assert ctx.phase_on(START - timedelta(days=1)) is None
    assert ctx.phase_on(START).phase is Phase.LOADING
    assert ctx.phase_on(START + timedelta(days=13)).phase is Phase.LOADING
    assert ctx.phase_on(START + timedelta(days=14)).phase is Phase.MAINTENANCE
    assert not ctx.is_after_loading(START + timedelta(days=13))
    assert ctx.is_after_loading(START + timedelta(days=14))


def test_open_ended_loading_is_never_over_until_adjusted():
    ctx = context(phases=[phase(Phase.LOADING, START)])
    assert not ctx.is_after_loading(START + timedelta(days=300))


def test_adjustment_replaces_phases_from_its_effective_date():
    ctx = context(phases=[phase(Phase.LOADING, START)])
    effective = START + timedelta(days=21)
    adjusted = apply_plan_adjustment(
        ctx,
        PlanAdjusted(
            event_id=uuid_for("adj"),
            occurred_at=FIRST_DOSE_AT,
            patient_id=PATIENT,
            source="planner",
            plan_id=PLAN_ID,
            adjustment_id=uuid_for("adj"),
            effective_from=effective,
            reason="no further improvement",
            reason_kind="phase_ended",
            phases=[phase(Phase.MAINTENANCE, effective, interval_days=56)],
            doses=[],
        ),
    )
    assert [p.phase for p in adjusted.phases] == [Phase.LOADING, Phase.MAINTENANCE]
    assert adjusted.phases[0].ends_on == effective - timedelta(days=1)
    assert adjusted.is_after_loading(effective)


def test_adjustment_of_another_plan_is_refused():
    ctx = context()
    with pytest.raises(ValueError, match="another plan"):
        apply_plan_adjustment(
            ctx,
            PlanAdjusted(
                event_id=uuid_for("adj2"),
                occurred_at=FIRST_DOSE_AT,
                patient_id=PATIENT,
                source="planner",
                plan_id=uuid_for("other"),
                adjustment_id=uuid_for("adj2"),
                effective_from=START,
                reason="x",
                doses=[],
            ),
        )


def test_first_completed_dose_sets_day_zero_and_the_earliest_wins():
    ctx = context(first_dose_at=None)
    later = record_first_dose(ctx, dose(FIRST_DOSE_AT + timedelta(days=2)), config=CONFIG)
    earlier = record_first_dose(later, dose(FIRST_DOSE_AT), config=CONFIG)
    again = record_first_dose(earlier, dose(FIRST_DOSE_AT + timedelta(days=5)), config=CONFIG)
    assert later.first_dose_at == FIRST_DOSE_AT + timedelta(days=2)
    assert again.first_dose_at == FIRST_DOSE_AT


@pytest.mark.parametrize(
    "given",
    [
        dose(FIRST_DOSE_AT, status="not-done"),
        dose(FIRST_DOSE_AT, plan_id=uuid_for("another plan")),
        dose(FIRST_DOSE_AT - timedelta(days=15), plan_id=None),
    ],
)
def test_doses_that_do_not_start_this_treatment_are_ignored(given):
    ctx = context(first_dose_at=None)
    assert record_first_dose(ctx, given, config=CONFIG).first_dose_at is None


def test_dose_without_plan_shortly_before_start_counts():
    ctx = context(first_dose_at=None)
    at = FIRST_DOSE_AT - timedelta(days=14)
    assert record_first_dose(ctx, dose(at, plan_id=None), config=CONFIG).first_dose_at == at


def test_context_from_plan_keeps_what_labs_needs():
    plan = PlanCreated(
        event_id=uuid_for("plan-event"),
        occurred_at=FIRST_DOSE_AT,
        patient_id=PATIENT,
        source="planner",
        plan_id=PLAN_ID,
        protocol_id="uk-hydroxo-neuro",
        protocol_version=1,
        indication="pernicious_anaemia",
        severity="severe",
        neurological_involvement=True,
        lifelong=True,
        start_date=date(2026, 1, 5),
        timezone="Europe/London",
        phases=list(reversed(standard_phases())),
        doses=[],
    )
    ctx = context_from_plan(plan)
    assert ctx.neurological_involvement
    assert ctx.timezone == "Europe/London"
    assert [p.phase for p in ctx.phases] == [Phase.LOADING, Phase.MAINTENANCE]
    assert ctx.first_dose_at is None
