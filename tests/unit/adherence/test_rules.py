"""Each adherence flag rule at its boundaries."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.adherence.domain import (
    AdherenceConfig,
    ConsecutiveMissedDosesConfig,
    RulesConfig,
    Timing,
    TrackedDose,
    TrackedPlan,
    detect_missed_doses,
    evaluate_flags,
    flag_consecutive_missed_doses,
    flag_low_adherence,
    flag_maintenance_gap,
    flag_missed_loading_doses,
    maintenance_gap_deadline,
    window_of,
)
from services.adherence.domain.windows import start_of_local_day
from shared.contracts import FlagReason, Indication, Phase, PhaseSpec

from .builders import (
    CONFIG,
    administered,
    at_noon,
    every,
    make_dose,
    make_plan,
    utc,
    with_administration,
)

MICROSECOND = timedelta(microseconds=1)
LONDON = ZoneInfo("Europe/London")


# MISSED_LOADING_DOSE


def test_missed_loading_dose_fires_exactly_when_the_grace_window_closes() -> None:
    plan = make_plan()
    dose = make_dose(plan, date(2024, 1, 10))
    closes_at = window_of(dose, plan, windows=CONFIG.windows).closes_at
    assert flag_missed_loading_doses(plan, [dose], now=closes_at - MICROSECOND, config=CONFIG) == []
    [finding] = flag_missed_loading_doses(plan, [dose], now=closes_at, config=CONFIG)
    assert finding.reason is FlagReason.MISSED_LOADING_DOSE
    assert finding.severity == "warning"
    assert finding.dedupe_key == f"adherence.missed_loading_dose:{plan.plan_id}:{dose.dose_id}"
    assert finding.evidence.items[0].ref == str(dose.dose_id)
    assert finding.evidence.items[0].on == date(2024, 1, 10)
    assert [(t.name, t.value) for t in finding.evidence.thresholds] == [("loading_grace_days", 2)]
    assert finding.recommendation


def test_missed_loading_dose_is_urgent_with_neurological_involvement() -> None:
    plan = make_plan(neurological_involvement=True)
    [finding] = flag_missed_loading_doses(
        plan, [make_dose(plan, date(2024, 1, 10))], now=utc(2024, 2, 1), config=CONFIG
    )
    assert finding.severity == "urgent"


def test_missed_loading_dose_ignores_other_phases_and_given_doses() -> None:
    plan = make_plan()
    maintenance = make_dose(plan, date(2024, 1, 1), phase=Phase.MAINTENANCE)
    given_late = with_administration(
        make_dose(plan, date(2024, 1, 10)), utc(2024, 1, 15), timing=Timing.LATE
    )
    doses = [maintenance, given_late]
    assert flag_missed_loading_doses(plan, doses, now=utc(2024, 3, 1), config=CONFIG) == []


def test_not_done_loading_dose_fires_at_once_with_the_record_as_evidence() -> None:
    plan = make_plan()
    dose = with_administration(
        make_dose(plan, date(2024, 1, 10)), utc(2024, 1, 10, 9), completed=False
    )
    [finding] = flag_missed_loading_doses(plan, [dose], now=utc(2024, 1, 10, 9), config=CONFIG)
    assert [item.kind for item in finding.evidence.items][-1] == "administration"


def test_dedupe_key_is_stable_as_time_passes() -> None:
    plan = make_plan()
    dose = make_dose(plan, date(2024, 1, 10))
    early = flag_missed_loading_doses(plan, [dose], now=utc(2024, 1, 13), config=CONFIG)
    later = flag_missed_loading_doses(plan, [dose], now=utc(2024, 5, 1), config=CONFIG)
    assert [f.dedupe_key for f in early] == [f.dedupe_key for f in later]
    assert early[0].flag_id == later[0].flag_id


# CONSECUTIVE_MISSED_DOSES


def test_a_single_miss_is_not_consecutive() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=2, days=7)
    doses[1] = with_administration(doses[1], at_noon(date(2024, 1, 8)))
    assert flag_consecutive_missed_doses(plan, doses, now=utc(2024, 2, 1), config=CONFIG) == []


def test_two_misses_in_a_row_fire_once_and_a_growing_run_keeps_its_key() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=3, days=7)  # 1st, 8th, 15th
    second_closes = window_of(doses[1], plan, windows=CONFIG.windows).closes_at
    before = flag_consecutive_missed_doses(
        plan, doses, now=second_closes - MICROSECOND, config=CONFIG
    )
    assert before == []
    [two] = flag_consecutive_missed_doses(plan, doses, now=second_closes, config=CONFIG)
    assert [item.ref for item in two.evidence.items[:2]] == [str(d.dose_id) for d in doses[:2]]
    [three] = flag_consecutive_missed_doses(plan, doses, now=utc(2024, 2, 1), config=CONFIG)
    assert three.dedupe_key == two.dedupe_key
    assert three.evidence.items[-1].value == 3


def test_a_given_dose_breaks_the_run_and_a_new_run_is_a_new_finding() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=5, days=7)
    doses[2] = with_administration(doses[2], at_noon(doses[2].due_on), timing=Timing.LATE)
    findings = flag_consecutive_missed_doses(plan, doses, now=utc(2024, 3, 1), config=CONFIG)
    assert [f.dedupe_key.rsplit(":", 1)[1] for f in findings] == [
        str(doses[0].dose_id),
        str(doses[3].dose_id),
    ]


def test_not_done_counts_as_missed_in_a_run() -> None:
    plan = make_plan()
    first, second = every(plan, date(2024, 1, 1), count=2, days=7)
    second = with_administration(second, at_noon(second.due_on), completed=False)
    findings = flag_consecutive_missed_doses(
        plan, [first, second], now=at_noon(second.due_on), config=CONFIG
    )
    assert len(findings) == 1


def test_consecutive_threshold_is_configurable() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=2, days=7)
    strict = AdherenceConfig(
        rules=RulesConfig(consecutive_missed_doses=ConsecutiveMissedDosesConfig(min_consecutive=3))
    )
    assert flag_consecutive_missed_doses(plan, doses, now=utc(2024, 2, 1), config=strict) == []


# MAINTENANCE_GAP_EXCEEDED


def maintenance_plan(
    starts_on: date, indication: Indication = Indication.PERNICIOUS_ANAEMIA
) -> TrackedPlan:
    spec = PhaseSpec(
        phase=Phase.MAINTENANCE,
        description="1 mg every 12 weeks",
        product="hydroxocobalamin",
        route="IM",
        dose_mcg=1000,
        interval_days=84,
        starts_on=starts_on,
    )
    return make_plan(phases=[spec], indication=indication, start_date=date(2024, 1, 1))


def test_gap_since_maintenance_start_fires_after_12_weeks_plus_one_day_local() -> None:
    plan = maintenance_plan(date(2024, 5, 1))
    twelve_weeks = date(2024, 5, 1) + timedelta(days=84)
    # Summer time: the local day starts at 23:00 UTC the day before.
    end_of_week_12 = start_of_local_day(twelve_weeks + timedelta(days=1), LONDON)
    assert flag_maintenance_gap(plan, [], now=end_of_week_12 - MICROSECOND, config=CONFIG) == []
    [finding] = flag_maintenance_gap(plan, [], now=end_of_week_12, config=CONFIG)
    assert finding.severity == "urgent"
    assert finding.dedupe_key.endswith(":2024-05-01")
    assert finding.evidence.items[-1].value == 85
    assert [(t.name, t.value) for t in finding.evidence.thresholds] == [("max_gap_days", 84)]


def test_gap_counts_from_the_last_dose_given() -> None:
    plan = maintenance_plan(date(2024, 1, 1))
    given = with_administration(
        make_dose(plan, date(2024, 3, 1), phase=Phase.MAINTENANCE), at_noon(date(2024, 3, 2))
    )
    after_84 = at_noon(date(2024, 3, 2) + timedelta(days=84))
    assert flag_maintenance_gap(plan, [given], now=after_84, config=CONFIG) == []
    [finding] = flag_maintenance_gap(plan, [given], now=after_84 + timedelta(days=1), config=CONFIG)
    assert finding.dedupe_key.endswith(":2024-03-02")
    assert finding.evidence.items[0].kind == "administration"


def test_an_unscheduled_dose_given_resets_the_gap() -> None:
    plan = maintenance_plan(date(2024, 1, 1))
    extra = administered(at_noon(date(2024, 2, 1)))
    now = at_noon(date(2024, 4, 1))
    assert flag_maintenance_gap(plan, [], now=now, config=CONFIG) != []
    assert (
        flag_maintenance_gap(plan, [], now=now, config=CONFIG, other_administrations=[extra]) == []
    )


def test_gap_deadline_is_the_first_local_date_the_rule_fires() -> None:
    plan = maintenance_plan(date(2024, 1, 1))
    given = with_administration(
        make_dose(plan, date(2024, 3, 1), phase=Phase.MAINTENANCE), at_noon(date(2024, 3, 2))
    )
    deadline = maintenance_gap_deadline(plan, [given], config=CONFIG)
    assert deadline == date(2024, 3, 2) + timedelta(days=85)
    first_instant = start_of_local_day(deadline, LONDON)
    assert flag_maintenance_gap(plan, [given], now=first_instant - MICROSECOND, config=CONFIG) == []
    assert len(flag_maintenance_gap(plan, [given], now=first_instant, config=CONFIG)) == 1
    assert maintenance_gap_deadline(make_plan(), [], config=CONFIG) is None


def test_no_gap_before_maintenance_starts() -> None:
    plan = maintenance_plan(date(2025, 1, 1))
    assert flag_maintenance_gap(plan, [], now=utc(2024, 12, 31, 12), config=CONFIG) == []


@pytest.mark.parametrize(
    ("indication", "mentions_bridging"),
    [(Indication.PERNICIOUS_ANAEMIA, True), (Indication.DIETARY, False)],
)
def test_gap_recommendation_mentions_oral_bridging_for_non_dietary_causes(
    indication: Indication, mentions_bridging: bool
) -> None:
    plan = maintenance_plan(date(2024, 1, 1), indication)
    [finding] = flag_maintenance_gap(plan, [], now=utc(2024, 6, 1), config=CONFIG)
    assert ("oral cyanocobalamin 1 mg daily" in finding.recommendation) is mentions_bridging


# LOW_ADHERENCE


def weekly_doses(
    plan: TrackedPlan, *, count: int, on_time: int, last_due: date
) -> list[TrackedDose]:
    """``count`` weekly doses ending on ``last_due``; the first ``on_time`` given on time."""
    first = last_due - timedelta(days=7 * (count - 1))
    doses = every(plan, first, count=count, days=7)
    return [
        with_administration(d, at_noon(d.due_on)) if i < on_time else d for i, d in enumerate(doses)
    ]


NOW = at_noon(date(2024, 7, 1))  # every weekly dose due by 21 June has closed


def test_exactly_80_percent_does_not_fire_and_below_does() -> None:
    plan = make_plan()
    eight_of_ten = weekly_doses(plan, count=10, on_time=8, last_due=date(2024, 6, 21))
    assert flag_low_adherence(plan, eight_of_ten, now=NOW, config=CONFIG) == []
    seven_of_ten = weekly_doses(plan, count=10, on_time=7, last_due=date(2024, 6, 21))
    [finding] = flag_low_adherence(plan, seven_of_ten, now=NOW, config=CONFIG)
    assert finding.severity == "info"
    assert finding.evidence.items[0].value == pytest.approx(70.0)
    assert finding.dedupe_key.endswith(str(seven_of_ten[-1].dose_id))


def test_low_adherence_needs_a_minimum_number_of_assessed_doses() -> None:
    plan = make_plan()
    four = weekly_doses(plan, count=4, on_time=0, last_due=date(2024, 6, 21))
    assert flag_low_adherence(plan, four, now=NOW, config=CONFIG) == []
    five = weekly_doses(plan, count=5, on_time=0, last_due=date(2024, 6, 21))
    assert len(flag_low_adherence(plan, five, now=NOW, config=CONFIG)) == 1


def test_late_doses_are_not_within_their_window() -> None:
    plan = make_plan()
    doses = weekly_doses(plan, count=5, on_time=5, last_due=date(2024, 6, 21))
    doses[0] = with_administration(doses[0], at_noon(date(2024, 5, 30)), timing=Timing.LATE)
    doses[1] = with_administration(doses[1], at_noon(date(2024, 6, 6)), timing=Timing.LATE)
    assert len(flag_low_adherence(plan, doses, now=NOW, config=CONFIG)) == 1


def test_look_back_is_180_days_including_today() -> None:
    plan = make_plan()
    today = date(2024, 7, 1)
    oldest_counted = today - timedelta(days=179)
    # Five on-time doses and two misses make 5 of 7 = 71 % (fires); if one of the misses falls
    # a day before the look-back it is not counted: 5 of 6 = 83 % (does not fire).
    doses = weekly_doses(plan, count=5, on_time=5, last_due=date(2024, 6, 21))
    inside = make_dose(plan, oldest_counted)
    also_inside = make_dose(plan, oldest_counted + timedelta(days=1))
    outside = make_dose(plan, oldest_counted - timedelta(days=1))
    assert len(flag_low_adherence(plan, [*doses, inside, also_inside], now=NOW, config=CONFIG)) == 1
    assert flag_low_adherence(plan, [*doses, outside, also_inside], now=NOW, config=CONFIG) == []


def test_doses_not_yet_settled_are_not_judged() -> None:
    plan = make_plan()
    doses = weekly_doses(plan, count=5, on_time=5, last_due=date(2024, 6, 21))
    still_open = every(plan, date(2024, 6, 30), count=2, days=1)  # windows open at NOW
    assert flag_low_adherence(plan, [*doses, *still_open], now=NOW, config=CONFIG) == []


# All rules


def test_plan_that_started_30_days_ago_with_nothing_given() -> None:
    plan = make_plan(neurological_involvement=True, start_date=date(2024, 1, 1))
    doses = every(plan, date(2024, 1, 1), count=7, days=2)  # alternate days for two weeks
    now = utc(2024, 1, 31)
    sweep = detect_missed_doses(plan, doses, now=now, config=CONFIG)
    assert [d.miss.consecutive_missed for d in sweep.declared if d.miss] == [1, 2, 3, 4, 5, 6, 7]
    reasons = [f.reason for f in evaluate_flags(plan, sweep.doses, now=now, config=CONFIG)]
    assert reasons.count(FlagReason.MISSED_LOADING_DOSE) == 7
    assert reasons.count(FlagReason.CONSECUTIVE_MISSED_DOSES) == 1
    assert reasons.count(FlagReason.LOW_ADHERENCE) == 1
    assert FlagReason.MAINTENANCE_GAP_EXCEEDED not in reasons


def test_cancelled_plan_raises_nothing() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=7, days=2)
    cancelled = replace(plan, cancelled_at=utc(2024, 1, 20))
    assert evaluate_flags(cancelled, doses, now=utc(2024, 6, 1), config=CONFIG) == []
