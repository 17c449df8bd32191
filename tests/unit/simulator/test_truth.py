"""The simulator's ground truth on small cohorts worked out by hand."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date, timedelta

import pytest

from shared.contracts import FlagReason, Indication, Phase, Severity
from simulator.clinic import Administration
from simulator.cohort import PatientProfile, generate_cohort
from simulator.config import CohortConfig
from simulator.laboratory import samples
from simulator.plans import Calendar, DoseDue, PhaseSpan, PlanSchedule
from simulator.truth import adherence_truth, labs_truth

CALENDAR = Calendar(first_day=date(2026, 1, 5), timezone="Europe/London")  # a Monday
START = CALENDAR.first_day
LOADING_DAYS = (0, 2, 4, 7, 9, 11)  # three times a week for two weeks
MAINTENANCE_DAYS = (96, 180)  # every 12 weeks after the last loading dose


def plan() -> PlanSchedule:
    doses = tuple(
        DoseDue(
            dose_id=uuid.uuid5(uuid.NAMESPACE_OID, f"{phase}-{day}"),
            due_on=START + timedelta(days=day),
            phase=phase,
            dose_mcg=1000,
            product="hydroxocobalamin",
            route="IM",
        )
        for phase, days in ((Phase.LOADING, LOADING_DAYS), (Phase.MAINTENANCE, MAINTENANCE_DAYS))
        for day in days
    )
    return PlanSchedule(
        plan_id=uuid.uuid4(),
        protocol_id="uk-hydroxocobalamin-no-neuro",
        timezone="Europe/London",
        doses=doses,
        phases=(
            PhaseSpan(Phase.LOADING, START, START + timedelta(days=11), None),
            PhaseSpan(Phase.MAINTENANCE, START + timedelta(days=12), None, 84),
        ),
    )


def given(
    schedule: PlanSchedule,
    *,
    skip: set[int] = frozenset(),
    late: dict[int, int] | None = None,
    not_done: set[int] = frozenset(),
) -> list[Administration]:
    records = []
    for i, dose in enumerate(schedule.doses):
        if i in skip:
            continue
        on = dose.due_on + timedelta(days=(late or {}).get(i, 0))
        records.append(
            Administration(
                administration_id=f"a{i}",
                dose_id=dose.dose_id,
                given_on=on,
                administered_at=CALENDAR.at(on, 10),
                status="not-done" if i in not_done else "completed",
                dose_mcg=1000,
                product="hydroxocobalamin",
                route="IM",
            )
        )
    return records


def truth(schedule: PlanSchedule, records: list[Administration], *, days: int = 200):
    last = CALENDAR.start_of(START + timedelta(days=days)) + timedelta(seconds=1)
    return adherence_truth(
        schedule, records, created_at=CALENDAR.end_of(START), last_sweep=last, calendar=CALENDAR
    )


def test_every_dose_on_time_raises_nothing() -> None:
    schedule = plan()
    expected = truth(schedule, given(schedule))
    assert expected.missed_dose_ids == set()
    assert expected.reasons == set()


def test_one_skipped_loading_dose_is_one_miss_and_one_reason() -> None:
    schedule = plan()
    expected = truth(schedule, given(schedule, skip={1}))
    assert expected.missed_dose_ids == {schedule.doses[1].dose_id}
    assert expected.reasons == {FlagReason.MISSED_LOADING_DOSE}


def test_two_in_a_row_are_consecutive() -> None:
    schedule = plan()
    expected = truth(schedule, given(schedule, skip={2, 3}))
    assert len(expected.missed_dose_ids) == 2
    # When dose 3's window closes (day 10), five doses are settled and three were on time:
    # 60 % is under the 80 % adherence threshold as well.
    assert expected.reasons == {
        FlagReason.MISSED_LOADING_DOSE,
        FlagReason.CONSECUTIVE_MISSED_DOSES,
        FlagReason.LOW_ADHERENCE,
    }


def test_not_done_counts_as_a_miss_at_once() -> None:
    schedule = plan()
    expected = truth(schedule, given(schedule, not_done={4}))
    assert expected.missed_dose_ids == {schedule.doses[4].dose_id}
    assert FlagReason.MISSED_LOADING_DOSE in expected.reasons


def test_a_twelve_weekly_dose_given_three_days_late_exceeds_the_gap() -> None:
    schedule = plan()
    # Last loading dose on day 11, maintenance due day 96 (85 days later) given on day 99.
    expected = truth(schedule, given(schedule, late={6: 3}))
    assert expected.missed_dose_ids == set()
    assert expected.reasons == {FlagReason.MAINTENANCE_GAP_EXCEEDED}


def test_the_gap_counts_from_maintenance_start_when_nothing_was_given() -> None:
    schedule = plan()
    # Maintenance starts day 12; nothing after day 11: day 12 + 85 = day 97 is the first flag day.
    assert (
        FlagReason.MAINTENANCE_GAP_EXCEEDED
        not in truth(schedule, given(schedule, skip={6, 7}), days=96).reasons
    )
    assert (
        FlagReason.MAINTENANCE_GAP_EXCEEDED
        in truth(schedule, given(schedule, skip={6, 7}), days=98).reasons
    )


def test_dropping_out_after_two_doses_is_low_adherence() -> None:
    schedule = plan()
    expected = truth(schedule, given(schedule, skip={2, 3, 4, 5, 6, 7}))
    assert FlagReason.LOW_ADHERENCE in expected.reasons
    assert FlagReason.CONSECUTIVE_MISSED_DOSES in expected.reasons
    assert len(expected.missed_dose_ids) == 6


def profile(response: str, **changes: object) -> PatientProfile:
    base = PatientProfile(
        patient_id="sim-x-00001",
        index=1,
        indication=Indication.PERNICIOUS_ANAEMIA,
        severity=Severity.MODERATE,
        neurological_involvement=False,
        start_day=0,
        behaviour="good",
        response=response,
        lab_id="south-lab",
        first_dose_before_plan=False,
        seed=1,
    )
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("response", "reasons"),
    [
        ("responder", set()),
        (
            "non_responder",
            {
                FlagReason.NO_RETICULOCYTE_RESPONSE,
                FlagReason.HAEMOGLOBIN_NOT_RECOVERING,
                FlagReason.MACROCYTOSIS_PERSISTING,
                FlagReason.CHECK_COEXISTING_CAUSES,
            },
        ),
        (
            "folate_codeficiency",
            {
                FlagReason.NO_RETICULOCYTE_RESPONSE,
                FlagReason.HAEMOGLOBIN_NOT_RECOVERING,
                FlagReason.MACROCYTOSIS_PERSISTING,
                FlagReason.CHECK_COEXISTING_CAUSES,
                FlagReason.FOLATE_DEFICIENT,
            },
        ),
        ("iron_codeficiency", {FlagReason.IRON_DEFICIENCY_UNMASKED}),
        ("relapse", {FlagReason.RELAPSE_ON_MAINTENANCE}),
        ("not_repleted", {FlagReason.B12_NOT_REPLETED}),
        ("functional", {FlagReason.FUNCTIONAL_DEFICIENCY_PERSISTING}),
        ("hypokalaemia", {FlagReason.HYPOKALAEMIA}),
    ],
)
def test_each_response_has_its_flags(response: str, reasons: set[FlagReason]) -> None:
    patient = profile(response)
    taken = samples(
        patient, first_dose_on=START, calendar=CALENDAR, last_day=START + timedelta(days=200)
    )
    assert labs_truth(patient, plan(), taken) == reasons


def test_samples_not_taken_yet_raise_nothing() -> None:
    patient = profile("relapse")
    taken = samples(
        patient, first_dose_on=START, calendar=CALENDAR, last_day=START + timedelta(days=100)
    )
    assert labs_truth(patient, plan(), taken) == set()


def test_south_lab_writes_its_own_units() -> None:
    taken = samples(
        profile("responder"),
        first_dose_on=START,
        calendar=CALENDAR,
        last_day=START + timedelta(days=200),
    )
    b12 = next(s for s in taken if s.code == "2132-9" and s.treatment_day == -2)
    assert (b12.unit, b12.value) == ("pg/mL", round(95 * 1.355, 4))
    hb = next(s for s in taken if s.code == "718-7" and s.treatment_day == 56)
    assert (hb.unit, hb.value) == ("g/dL", 13.2)


def test_the_same_seed_gives_the_same_cohort() -> None:
    config = CohortConfig(patients=30, seed=3)
    first = generate_cohort(config, run_tag="a")
    again = generate_cohort(config, run_tag="a")
    assert first == again
    assert len({p.patient_id for p in first}) == 30
    assert first != generate_cohort(config.model_copy(update={"seed": 4}), run_tag="a")
