"""The monitoring schedule: reticulocytes at days 7-10, blood count at 8 weeks, clinical review."""

from __future__ import annotations

from shared.contracts import Severity
from tests.unit.planner.builders import context_with, d, plan_for

RETICULOCYTES = ["4679-7", "17849-1"]
BLOOD_COUNT = ["718-7", "787-2", "4679-7"]


def _checks(plan):
    return [(check.due_on, check.loinc_codes) for check in plan.lab_checks]


def test_default_monitoring_from_monday_5_january():
    # Day 8 = Tue 13 Jan; day 56 = Mon 2 Mar; 3 months = Sun 5 Apr -> Mon 6 Apr.
    plan = plan_for("uk-hydroxocobalamin-no-neuro")
    assert _checks(plan) == [
        (d("2026-01-13"), RETICULOCYTES),
        (d("2026-03-02"), BLOOD_COUNT),
        (d("2026-04-06"), []),
    ]
    assert plan.lab_checks[2].purpose == "Clinical review at 3 months [NASGP-NG239]"


def test_pregnancy_brings_the_clinical_review_to_one_month():
    plan = plan_for("uk-hydroxocobalamin-no-neuro", pregnant=True)
    assert _checks(plan)[1] == (d("2026-02-05"), [])
    assert plan.review_on == d("2026-02-05")


def test_severe_deficiency_adds_a_potassium_check_within_48_hours():
    plan = plan_for("uk-hydroxocobalamin-no-neuro", severity=Severity.SEVERE)
    assert _checks(plan)[0] == (d("2026-01-07"), ["2823-3"])


def test_checks_count_from_the_first_dose_and_stay_in_the_window():
    # Start Sat 10 Jan, first dose Mon 12; day 8 = Tue 20 Jan. With Tue 20 closed the check
    # moves to Wed 21 (day 9), still inside days 7-10.
    plan = plan_for("uk-hydroxocobalamin-neuro", start=d("2026-01-10"))
    assert plan.lab_checks[0].due_on == d("2026-01-20")
    closed = context_with(closures=[d("2026-01-20")])
    plan = plan_for("uk-hydroxocobalamin-neuro", start=d("2026-01-10"), context=closed)
    assert plan.lab_checks[0].due_on == d("2026-01-21")


def test_b12_is_never_scheduled_again():
    for protocol_id in ["uk-hydroxocobalamin-no-neuro", "dietary-oral-cyanocobalamin"]:
        codes = {code for check in plan_for(protocol_id).lab_checks for code in check.loinc_codes}
        assert "2132-9" not in codes
        assert "14685-2" not in codes


def test_check_ids_are_deterministic_and_distinct():
    first, again = (
        plan_for("uk-hydroxocobalamin-no-neuro"),
        plan_for("uk-hydroxocobalamin-no-neuro"),
    )
    assert [c.check_id for c in first.lab_checks] == [c.check_id for c in again.lab_checks]
    assert len({c.check_id for c in first.lab_checks}) == len(first.lab_checks)
