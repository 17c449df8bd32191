"""Miss detection at a given time, and consecutive counts."""

from __future__ import annotations

from datetime import date, timedelta

from services.adherence.domain import apply_outcome, detect_missed_doses, match_administration
from services.adherence.domain.windows import window_of

from .builders import CONFIG, administered, by_id, every, make_dose, make_plan, utc

MICROSECOND = timedelta(microseconds=1)


def test_no_miss_one_instant_before_the_window_closes() -> None:
    plan = make_plan()
    dose = make_dose(plan, date(2024, 1, 10))
    closes_at = window_of(dose, plan, windows=CONFIG.windows).closes_at
    assert (
        detect_missed_doses(plan, [dose], now=closes_at - MICROSECOND, config=CONFIG).declared == ()
    )


def test_miss_declared_exactly_when_the_window_closes() -> None:
    plan = make_plan()
    dose = make_dose(plan, date(2024, 1, 10))
    closes_at = window_of(dose, plan, windows=CONFIG.windows).closes_at
    sweep = detect_missed_doses(plan, [dose], now=closes_at, config=CONFIG)
    assert [d.dose_id for d in sweep.declared] == [dose.dose_id]
    miss = by_id(sweep.doses, dose).miss
    assert miss is not None
    assert (miss.declared_at, miss.consecutive_missed, miss.not_done) == (closes_at, 1, False)


def test_a_second_sweep_declares_nothing_new() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=3, days=2)
    first = detect_missed_doses(plan, doses, now=utc(2024, 2, 1), config=CONFIG)
    assert len(first.declared) == 3
    assert detect_missed_doses(plan, first.doses, now=utc(2024, 2, 2), config=CONFIG).declared == ()


def test_consecutive_counts_grow_within_one_sweep_and_reset_after_a_given_dose() -> None:
    plan = make_plan()
    doses = every(plan, date(2024, 1, 1), count=5, days=2)  # 1st, 3rd, 5th, 7th, 9th
    given = match_administration(
        administered(utc(2024, 1, 5, 9)),
        plans=(plan,),
        doses=doses,
        now=utc(2024, 1, 5, 9),
        config=CONFIG,
    )
    doses = list(apply_outcome(doses, given))
    sweep = detect_missed_doses(plan, doses, now=utc(2024, 2, 1), config=CONFIG)
    counts = [by_id(sweep.doses, d).miss for d in doses]
    assert [m.consecutive_missed if m else None for m in counts] == [1, 2, None, 1, 2]


def test_consecutive_count_continues_from_misses_declared_earlier() -> None:
    plan = make_plan()
    first, second = every(plan, date(2024, 1, 1), count=2, days=7)
    swept = detect_missed_doses(plan, [first, second], now=utc(2024, 1, 5), config=CONFIG)
    assert [d.dose_id for d in swept.declared] == [first.dose_id]
    later = detect_missed_doses(plan, swept.doses, now=utc(2024, 1, 12), config=CONFIG)
    miss = by_id(later.doses, second).miss
    assert miss is not None
    assert miss.consecutive_missed == 2


def test_doses_of_other_plans_are_left_alone() -> None:
    plan, other = make_plan(), make_plan()
    ours, theirs = make_dose(plan, date(2024, 1, 1)), make_dose(other, date(2024, 1, 1))
    sweep = detect_missed_doses(plan, [ours, theirs], now=utc(2024, 2, 1), config=CONFIG)
    assert [d.dose_id for d in sweep.declared] == [ours.dose_id]
    assert by_id(sweep.doses, theirs).miss is None
