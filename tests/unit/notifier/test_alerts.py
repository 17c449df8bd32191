"""Alerts: a flag opens one, repeats become occurrences, staff acknowledge and resolve."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from services.notifier.domain import (
    AlertResolvedError,
    NewAlert,
    Occurrence,
    acknowledge,
    decide_on_flag,
    load_config,
    resolve,
)
from services.notifier.domain.models import Alert
from shared.contracts import FlagReason
from tests.unit.notifier.factories import T0, make_flag, minutes

CONFIG = load_config()


def open_alert(severity: str = "urgent", *, reason: FlagReason = FlagReason.HYPOKALAEMIA) -> Alert:
    decision = decide_on_flag(
        None, make_flag(severity=severity, reason=reason), now=T0, config=CONFIG
    )
    assert isinstance(decision, NewAlert)
    return decision.alert


def test_a_flag_without_an_open_alert_opens_one_routed_by_the_configuration() -> None:
    flag = make_flag(occurred_at=T0 - minutes(5))
    decision = decide_on_flag(None, flag, now=T0, config=CONFIG)
    assert isinstance(decision, NewAlert)
    alert = decision.alert
    assert (alert.status, alert.severity, alert.team, alert.occurrence_count) == (
        "open",
        "urgent",
        "clinic-nurses",
        1,
    )
    assert (alert.opened_at, alert.severity_since, alert.first_flagged_at) == (
        T0,
        T0,
        flag.occurred_at,
    )
    assert decision.occurrence.flag == flag
    assert decision.occurrence.sequence == 1
    # Replaying the flag later must produce the same ids, for the store to deduplicate.
    again = decide_on_flag(None, flag, now=T0 + minutes(9), config=CONFIG)
    assert again.alert.alert_id == alert.alert_id
    assert again.occurrence.occurrence_id == decision.occurrence.occurrence_id


def test_a_repeat_for_the_same_patient_and_reason_is_an_occurrence_not_a_new_alert() -> None:
    alert = open_alert()
    repeat = make_flag("flag-2", occurred_at=T0 + minutes(10))
    decision = decide_on_flag(alert, repeat, now=T0 + minutes(11), config=CONFIG)
    assert isinstance(decision, Occurrence)
    assert decision.alert.alert_id == alert.alert_id
    assert decision.alert.occurrence_count == 2
    assert decision.alert.revision == alert.revision + 1
    assert decision.occurrence.sequence == 2
    assert decision.alert.last_flagged_at == repeat.occurred_at
    assert not decision.severity_raised
    # The escalation clock does not restart because the problem was seen again.
    assert decision.alert.severity_since == alert.severity_since


def test_the_flag_that_opened_an_alert_replayed_collides_with_its_first_occurrence() -> None:
    first = decide_on_flag(None, make_flag(), now=T0, config=CONFIG)
    replay = decide_on_flag(first.alert, make_flag(), now=T0 + minutes(1), config=CONFIG)
    assert replay.occurrence.occurrence_id == first.occurrence.occurrence_id


def test_a_more_severe_repeat_raises_and_reroutes_the_alert() -> None:
    alert = open_alert("warning", reason=FlagReason.MISSED_LOADING_DOSE)
    assert (alert.team, alert.escalate_after) == ("clinic-team", None)
    urgent = make_flag(
        "flag-2",
        severity="urgent",
        reason=FlagReason.MISSED_LOADING_DOSE,
        recommendation="Give the missed dose today; neurological involvement.",
    )
    later = T0 + minutes(40)
    decision = decide_on_flag(alert, urgent, now=later, config=CONFIG)
    assert isinstance(decision, Occurrence)
    assert decision.severity_raised
    raised = decision.alert
    assert (raised.severity, raised.team, raised.route_rule) == (
        "urgent",
        "clinic-nurses",
        "urgent",
    )
    assert raised.escalate_after == timedelta(minutes=30)
    assert raised.severity_since == later
    assert raised.recommendation == urgent.recommendation


def test_a_milder_repeat_keeps_the_severity_and_the_recommendation() -> None:
    alert = open_alert("urgent")
    milder = make_flag("flag-2", severity="info", recommendation="Nothing to do.")
    decision = decide_on_flag(alert, milder, now=T0 + minutes(1), config=CONFIG)
    assert isinstance(decision, Occurrence)
    assert decision.alert.severity == "urgent"
    assert decision.alert.recommendation == alert.recommendation


def test_the_caller_must_pass_the_matching_open_alert() -> None:
    alert = open_alert()
    with pytest.raises(ValueError, match="another patient"):
        decide_on_flag(alert, make_flag("f2", patient_id="pt-7"), now=T0, config=CONFIG)
    resolved = resolve(alert, by="nurse.a", note=None, now=T0).alert
    with pytest.raises(ValueError, match="pass None"):
        decide_on_flag(resolved, make_flag("f2"), now=T0, config=CONFIG)


def test_acknowledge_then_resolve() -> None:
    alert = open_alert()
    acked = acknowledge(alert, by="nurse.a", note="calling the patient", now=T0 + minutes(3))
    assert acked.changed
    assert acked.action.kind == "acknowledged"
    assert (acked.alert.status, acked.alert.acknowledged_by) == ("acknowledged", "nurse.a")
    assert acked.alert.acknowledged_at == T0 + minutes(3)
    done = resolve(acked.alert, by="dr.b", note="potassium replaced", now=T0 + minutes(50))
    assert (done.alert.status, done.alert.resolved_by, done.alert.resolved_at) == (
        "resolved",
        "dr.b",
        T0 + minutes(50),
    )
    assert done.alert.acknowledged_by == "nurse.a"


def test_an_open_alert_can_be_resolved_without_acknowledgement() -> None:
    done = resolve(open_alert(), by="dr.b", note=None, now=T0)
    assert done.alert.status == "resolved"
    assert done.alert.acknowledged_at is None


def test_acknowledging_twice_keeps_the_first_acknowledgement_and_reports_the_attempt() -> None:
    first = acknowledge(open_alert(), by="nurse.a", note=None, now=T0 + minutes(1))
    second = acknowledge(first.alert, by="nurse.c", note="me too", now=T0 + minutes(2))
    assert not second.changed
    assert second.alert == first.alert
    assert (second.action.kind, second.action.by) == ("acknowledgement_repeated", "nurse.c")


@pytest.mark.parametrize("action", [acknowledge, resolve])
def test_nothing_moves_a_resolved_alert(action) -> None:
    resolved = resolve(open_alert(), by="dr.b", note=None, now=T0).alert
    with pytest.raises(AlertResolvedError, match="resolved at") as caught:
        action(resolved, by="nurse.a", note=None, now=T0 + minutes(1))
    assert caught.value.alert_id == resolved.alert_id


def test_staff_actions_need_a_name_and_an_aware_time() -> None:
    alert = open_alert()
    with pytest.raises(ValidationError):
        acknowledge(alert, by="  ", note=None, now=T0)
    with pytest.raises(ValueError, match="timezone-aware"):
        acknowledge(alert, by="nurse.a", note=None, now=datetime(2026, 3, 2, 9, 0))
