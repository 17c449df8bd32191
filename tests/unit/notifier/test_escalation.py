"""Escalation: unacknowledged urgent alerts climb the ladder, exactly on time, once per level."""

from __future__ import annotations

from datetime import timedelta

from services.notifier.domain import (
    NewAlert,
    acknowledge,
    decide_on_flag,
    due_escalations,
    load_config,
    next_escalation_at,
    resolve,
)
from services.notifier.domain.models import Alert
from tests.unit.notifier.factories import T0, make_flag, minutes

CONFIG = load_config()
SECOND = timedelta(seconds=1)


def urgent_alert(severity: str = "urgent") -> Alert:
    decision = decide_on_flag(None, make_flag(severity=severity), now=T0, config=CONFIG)
    assert isinstance(decision, NewAlert)
    return decision.alert


def test_escalates_at_exactly_the_configured_time_and_not_a_second_before() -> None:
    alert = urgent_alert()
    assert due_escalations([alert], now=T0 + minutes(30) - SECOND, config=CONFIG) == ()
    (escalation,) = due_escalations([alert], now=T0 + minutes(30), config=CONFIG)
    assert (escalation.level, escalation.recipient, escalation.due_at) == (
        1,
        "clinical-lead",
        T0 + minutes(30),
    )
    assert escalation.alert.escalation_level == 1
    assert escalation.alert.escalated_at == T0 + minutes(30)


def test_climbs_one_level_per_period_up_to_the_top_and_never_twice_for_a_level() -> None:
    first = due_escalations([urgent_alert()], now=T0 + minutes(30), config=CONFIG)[0].alert
    assert due_escalations([first], now=T0 + minutes(59), config=CONFIG) == ()
    (second,) = due_escalations([first], now=T0 + minutes(60), config=CONFIG)
    assert (second.level, second.recipient) == (2, "on-call-haematology")
    assert due_escalations([second.alert], now=T0 + timedelta(days=2), config=CONFIG) == ()
    assert next_escalation_at(second.alert, config=CONFIG) is None


def test_a_late_sweep_escalates_one_level_at_a_time_so_no_level_is_skipped() -> None:
    (late,) = due_escalations([urgent_alert()], now=T0 + minutes(200), config=CONFIG)
    assert late.level == 1
    (following,) = due_escalations([late.alert], now=T0 + minutes(200), config=CONFIG)
    assert following.level == 2


def test_the_same_sweep_twice_yields_the_same_escalation_id() -> None:
    alert = urgent_alert()
    once = due_escalations([alert], now=T0 + minutes(30), config=CONFIG)
    twice = due_escalations([alert], now=T0 + minutes(31), config=CONFIG)
    assert once[0].escalation_id == twice[0].escalation_id


def test_acknowledged_resolved_and_non_escalating_alerts_never_escalate() -> None:
    acked = acknowledge(urgent_alert(), by="nurse.a", note=None, now=T0 + minutes(29)).alert
    resolved = resolve(urgent_alert(), by="nurse.a", note=None, now=T0 + minutes(1)).alert
    warning = urgent_alert("warning")
    later = T0 + timedelta(days=1)
    assert due_escalations([acked, resolved, warning], now=later, config=CONFIG) == ()


def test_next_escalation_time_is_what_the_sweeper_can_index_on() -> None:
    assert next_escalation_at(urgent_alert(), config=CONFIG) == T0 + minutes(30)
    assert next_escalation_at(urgent_alert("warning"), config=CONFIG) is None


def test_escalation_period_comes_from_configuration() -> None:
    config = load_config(
        {"rules": [{"name": "all", "team": "clinic-nurses", "escalate_after": "PT5M"}]}
    )
    decision = decide_on_flag(None, make_flag(severity="info"), now=T0, config=config)
    assert due_escalations([decision.alert], now=T0 + minutes(5) - SECOND, config=config) == ()
    assert len(due_escalations([decision.alert], now=T0 + minutes(5), config=config)) == 1


def test_a_raise_that_moves_the_alert_to_another_team_restarts_that_teams_ladder() -> None:
    config = load_config(
        {
            "teams": [
                {"name": "clinic-team", "levels": [{"name": "clinic-team"}, {"name": "gp-lead"}]},
                {"name": "ward", "levels": [{"name": "ward"}, {"name": "ward-lead"}]},
            ],
            "rules": [
                {"name": "slow", "team": "clinic-team", "escalate_after": "PT2H"},
                {"name": "fast", "severity": "urgent", "team": "ward", "escalate_after": "PT10M"},
            ],
        }
    )
    opened = decide_on_flag(None, make_flag(severity="warning"), now=T0, config=config).alert
    (to_gp,) = due_escalations([opened], now=T0 + minutes(120), config=config)
    raised = decide_on_flag(
        to_gp.alert, make_flag("flag-2"), now=T0 + minutes(125), config=config
    ).alert
    assert (raised.team, raised.escalation_level, raised.severity_since) == (
        "ward",
        0,
        T0 + minutes(125),
    )
    (to_ward_lead,) = due_escalations([raised], now=T0 + minutes(135), config=config)
    assert (to_ward_lead.level, to_ward_lead.recipient) == (1, "ward-lead")
    assert to_ward_lead.escalation_id != to_gp.escalation_id
