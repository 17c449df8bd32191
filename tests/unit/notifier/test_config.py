"""Routing configuration: defaults, JSON loading, and the mistakes it refuses."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.notifier.domain import NotifierConfig, RetryPolicy, load_config, unreachable_channels
from tests.unit.notifier.factories import config_with_contacts


def test_defaults_escalate_urgent_after_thirty_minutes_to_a_three_level_ladder() -> None:
    config = load_config()
    urgent = next(rule for rule in config.rules if rule.severity == "urgent")
    team = config.team(urgent.team)
    assert urgent.escalate_after == timedelta(minutes=30)
    assert team is not None
    assert [level.name for level in team.levels] == [
        "clinic-nurses",
        "clinical-lead",
        "on-call-haematology",
    ]


def test_json_overrides_keep_the_other_defaults() -> None:
    config = load_config(
        '{"rules": [{"name": "all", "team": "clinic-team", "escalate_after": "PT45M"}],'
        ' "retry": {"max_attempts": 3}}'
    )
    assert config.rules[0].escalate_after == timedelta(minutes=45)
    assert config.retry.max_attempts == 3
    assert config.retry.first_delay == RetryPolicy().first_delay
    assert config.team("clinic-nurses") is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rules": [{"name": "r", "team": "nobody"}]}, "unknown team"),
        ({"rules": [{"name": "r", "severity": "urgent", "team": "clinic-team"}]}, "no rule routes"),
        ({"rules": [{"name": "r", "reason": "MISSED_X*", "team": "clinic-team"}]}, "matches no"),
        ({"rules": [{"name": "r", "team": "clinic-team", "colour": "red"}]}, "Extra inputs"),
        ({"retry": {"multiplier": 1.1, "jitter_ratio": 0.5}}, r"1 \+ jitter_ratio"),
        ({"teams": [{"name": "clinic-team", "levels": []}]}, "at least 1"),
    ],
)
def test_mistakes_in_configuration_are_refused_with_a_reason(
    data: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        load_config(data)


def test_a_channel_without_a_target_is_reported_for_start_up_warnings() -> None:
    assert "clinic-nurses level 0 (clinic-nurses): webhook has no URL" in unreachable_channels(
        NotifierConfig()
    )
    assert unreachable_channels(config_with_contacts()) == []
