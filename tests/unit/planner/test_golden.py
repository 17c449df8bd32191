"""Golden schedules: each protocol's first six months from Monday 2026-01-05, worked out by hand.

Default clinic: Monday-Friday, no closures. Rules applied by hand: N-times-a-week and
alternate-day injections land on the next working day and the next dose is spaced from it;
weekly and monthly injections move to the previous working day; daily and oral doses never move.
"""

from __future__ import annotations

from datetime import timedelta

from tests.unit.planner.builders import context_with, d, dates, due_dates, plan_for


def test_uk_hydroxocobalamin_without_neuro():
    # Mon/Wed/Fri for two weeks; then every 12 weeks from the last loading dose (Fri 16 Jan).
    plan = plan_for("uk-hydroxocobalamin-no-neuro")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-07",
        "2026-01-09",
        "2026-01-12",
        "2026-01-14",
        "2026-01-16",
        "2026-04-10",
        "2026-07-03",
    )


def test_uk_hydroxocobalamin_with_neuro_runs_alternate_days_to_the_review():
    # Alternate days skip the weekend (Sun -> Mon) up to the review at 3 weeks (Mon 26 Jan);
    # maintenance every 8 weeks from the review-day dose.
    plan = plan_for("uk-hydroxocobalamin-neuro")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-07",
        "2026-01-09",
        "2026-01-12",
        "2026-01-14",
        "2026-01-16",
        "2026-01-19",
        "2026-01-21",
        "2026-01-23",
        "2026-01-26",
        "2026-03-23",
        "2026-05-18",
    )
    assert plan.review_on == d("2026-01-26")
    assert plan.phases[0].spec().ends_at_review


def test_seed_severe_or_neurological():
    # 3x/week for 2 weeks, weekly x4 from Fri 16 Jan, monthly from Fri 13 Feb
    # (13 Jun is a Saturday: moved back to Fri 12 Jun).
    plan = plan_for("seed-severe-or-neuro")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-07",
        "2026-01-09",
        "2026-01-12",
        "2026-01-14",
        "2026-01-16",
        "2026-01-23",
        "2026-01-30",
        "2026-02-06",
        "2026-02-13",
        "2026-03-13",
        "2026-04-13",
        "2026-05-13",
        "2026-06-12",
    )


def test_seed_confirmed_not_severe():
    # Weekly x4 on Mondays; monthly from Mon 26 Jan (26 Apr is a Sunday: Fri 24 Apr).
    plan = plan_for("seed-confirmed-not-severe")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-12",
        "2026-01-19",
        "2026-01-26",
        "2026-02-26",
        "2026-03-26",
        "2026-04-24",
        "2026-05-26",
        "2026-06-26",
    )


def test_us_cyanocobalamin_label():
    # Daily 5-11 Jan (not moved); alternate days x7 from Sun 11 (Sat/Sun -> Mon);
    # twice a week x6 from Wed 28 Jan (+3 = Sat -> Mon 2 Feb, then Mon/Thu);
    # monthly from Thu 19 Feb (19 Apr is a Sunday: Fri 17 Apr).
    plan = plan_for("us-cyanocobalamin-label")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
        "2026-01-10",
        "2026-01-11",
        "2026-01-13",
        "2026-01-15",
        "2026-01-19",
        "2026-01-21",
        "2026-01-23",
        "2026-01-26",
        "2026-01-28",
        "2026-02-02",
        "2026-02-05",
        "2026-02-09",
        "2026-02-12",
        "2026-02-16",
        "2026-02-19",
        "2026-03-19",
        "2026-04-17",
        "2026-05-19",
        "2026-06-19",
    )
    assert [dose.dose_mcg for dose in plan.doses[:3]] == [100, 100, 100]


def test_us_cyanocobalamin_1000_practice():
    # Daily 5-11 Jan; weekly from Sun 11 Jan lands on Sundays, moved back to Fridays;
    # monthly from Fri 6 Feb (6 Jun is a Saturday: Fri 5 Jun).
    plan = plan_for("us-cyanocobalamin-1000-practice")
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-06",
        "2026-01-07",
        "2026-01-08",
        "2026-01-09",
        "2026-01-10",
        "2026-01-11",
        "2026-01-16",
        "2026-01-23",
        "2026-01-30",
        "2026-02-06",
        "2026-03-06",
        "2026-04-06",
        "2026-05-06",
        "2026-06-05",
    )


def test_dietary_oral_runs_daily_until_the_three_month_review():
    # Daily oral doses are not moved; the review (5 Apr, a Sunday) moves to Mon 6 Apr and
    # the course stops there: 27 + 28 + 31 + 6 = 92 doses.
    plan = plan_for("dietary-oral-cyanocobalamin")
    expected = [d("2026-01-05") + timedelta(days=n) for n in range(92)]
    assert due_dates(plan) == expected
    assert expected[-1] == d("2026-04-06")
    assert plan.review_on == d("2026-04-06")
    assert plan.horizon_until is None
    assert {dose.route for dose in plan.doses} == {"oral"}


def test_oral_high_dose_runs_daily_without_end():
    # 5 Jan to 4 Jul inclusive: 27 + 28 + 31 + 30 + 31 + 30 + 4 = 181 doses.
    plan = plan_for("oral-high-dose-cyanocobalamin")
    assert due_dates(plan) == [d("2026-01-05") + timedelta(days=n) for n in range(181)]
    assert plan.horizon_until == d("2027-01-05")


def test_closures_shift_loading_forward_and_maintenance_back():
    # Closed Wed 7 Jan and Mon 13 Apr. Loading: 7 -> Thu 8, then +2 = Sat -> Mon 12 ... the
    # sixth dose is Mon 19. Maintenance nominal 13 Apr (closed) -> Fri 10 Apr; the next nominal,
    # 6 Jul, is more than 12 weeks after 10 Apr, so the cap pulls it to Fri 3 Jul.
    context = context_with(closures=dates("2026-01-07", "2026-04-13"))
    plan = plan_for("uk-hydroxocobalamin-no-neuro", context=context)
    assert due_dates(plan) == dates(
        "2026-01-05",
        "2026-01-08",
        "2026-01-12",
        "2026-01-14",
        "2026-01-16",
        "2026-01-19",
        "2026-04-10",
        "2026-07-03",
    )


def test_a_saturday_start_begins_on_monday_and_reviews_on_a_working_day():
    # Start Sat 10 Jan: first dose Mon 12; review 10 Jan + 3 weeks = Sat 31 Jan -> Mon 2 Feb;
    # maintenance every 8 weeks from Mon 2 Feb.
    plan = plan_for("uk-hydroxocobalamin-neuro", start=d("2026-01-10"))
    assert due_dates(plan, before=d("2026-07-10")) == dates(
        "2026-01-12",
        "2026-01-14",
        "2026-01-16",
        "2026-01-19",
        "2026-01-21",
        "2026-01-23",
        "2026-01-26",
        "2026-01-28",
        "2026-01-30",
        "2026-02-02",
        "2026-03-30",
        "2026-05-25",
    )
    assert plan.review_on == d("2026-02-02")
