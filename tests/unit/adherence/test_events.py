"""Domain decisions turned into contract events, with derived (replay-stable) ids."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.adherence.domain import (
    AdministrationMatched,
    TrackedDose,
    detect_missed_doses,
    dose_miss_resolved_event,
    dose_missed_event,
    flag_missed_loading_doses,
    match_administration,
    response_flagged_event,
    window_of,
)
from shared.contracts import FlagReason, decode_event

from .builders import CONFIG, administered, make_dose, make_plan, utc

PLAN = make_plan(neurological_involvement=True)


def swept_dose() -> TrackedDose:
    dose = make_dose(PLAN, date(2024, 1, 10))
    [missed] = detect_missed_doses(PLAN, [dose], now=utc(2024, 1, 13), config=CONFIG).declared
    return missed


def test_dose_missed_event_carries_the_declared_miss() -> None:
    missed = swept_dose()
    event = dose_missed_event(missed, PLAN, source="adherence")
    assert (event.dose_id, event.plan_id, event.due_on) == (
        missed.dose_id,
        PLAN.plan_id,
        date(2024, 1, 10),
    )
    assert event.occurred_at == utc(2024, 1, 13)
    assert event.consecutive_missed == 1
    assert not event.not_done
    assert decode_event(event.to_json()) == event
    assert dose_missed_event(missed, PLAN, source="adherence").event_id == event.event_id


def test_dose_missed_event_needs_a_declared_miss() -> None:
    with pytest.raises(ValueError, match="no declared miss"):
        dose_missed_event(make_dose(PLAN, date(2024, 1, 10)), PLAN, source="adherence")


def test_late_dose_yields_a_miss_resolved_event() -> None:
    outcome = match_administration(
        administered(utc(2024, 1, 15), administration_id="adm-9"),
        plans=(PLAN,),
        doses=[swept_dose()],
        now=utc(2024, 1, 15),
        config=CONFIG,
    )
    assert isinstance(outcome, AdministrationMatched)
    event = dose_miss_resolved_event(outcome.dose, PLAN, now=utc(2024, 1, 15), source="adherence")
    assert event.administration_id == "adm-9"
    assert event.administered_at == utc(2024, 1, 15)
    assert decode_event(event.to_json()) == event


def test_response_flagged_event_is_raised_by_adherence_with_a_stable_flag_id() -> None:
    [finding] = flag_missed_loading_doses(PLAN, [swept_dose()], now=utc(2024, 1, 13), config=CONFIG)
    event = response_flagged_event(
        finding, patient_id=PLAN.patient_id, now=utc(2024, 1, 13), source="adherence"
    )
    again = response_flagged_event(
        finding, patient_id=PLAN.patient_id, now=utc(2024, 1, 14), source="adherence"
    )
    assert event.raised_by == "adherence"
    assert event.reason is FlagReason.MISSED_LOADING_DOSE
    assert event.severity == "urgent"
    assert (event.rule_id, event.rule_version) == ("adherence.missed_loading_dose", 1)
    assert (event.flag_id, event.event_id) == (again.flag_id, again.event_id)
    assert decode_event(event.to_json()) == event


def test_dose_missed_event_says_when_the_window_closed_when_given_the_windows() -> None:
    missed = swept_dose()
    event = dose_missed_event(missed, PLAN, source="adherence", windows=CONFIG.windows)
    assert event.window_closed_at == window_of(missed, PLAN, windows=CONFIG.windows).closes_at
    assert dose_missed_event(missed, PLAN, source="adherence").window_closed_at is None


@pytest.mark.parametrize(
    ("given_at", "timing"),
    [
        (utc(2024, 1, 12, 9), "on_time"),  # within the window, reported after the sweep
        (utc(2024, 1, 15), "late"),
    ],
)
def test_miss_resolved_event_says_whether_the_dose_was_given_on_time_or_late(
    given_at: datetime, timing: str
) -> None:
    outcome = match_administration(
        administered(given_at),
        plans=(PLAN,),
        doses=[swept_dose()],
        now=utc(2024, 1, 15),
        config=CONFIG,
    )
    assert isinstance(outcome, AdministrationMatched)
    assert outcome.miss_resolved
    event = dose_miss_resolved_event(outcome.dose, PLAN, now=utc(2024, 1, 15), source="adherence")
    assert event.timing == timing
