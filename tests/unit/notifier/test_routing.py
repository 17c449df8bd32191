"""Routing: the most specific matching rule wins; wildcards and globs match reasons."""

from __future__ import annotations

from datetime import timedelta

from services.notifier.domain import load_config, route_flag
from shared.contracts import FlagReason

ESCALATING = {"name": "clinic-team", "levels": [{"name": "clinic-team"}, {"name": "ward-lead"}]}
WARD = {"name": "ward", "levels": [{"name": "ward", "channels": ["webhook"]}]}


def test_defaults_route_by_severity() -> None:
    config = load_config()
    urgent = route_flag(severity="urgent", reason=FlagReason.HYPOKALAEMIA, config=config)
    warning = route_flag(severity="warning", reason=FlagReason.FOLATE_DEFICIENT, config=config)
    info = route_flag(severity="info", reason=FlagReason.LOW_ADHERENCE, config=config)
    assert (urgent.team, urgent.channels) == ("clinic-nurses", ("in_app", "webhook", "email"))
    assert urgent.escalate_after == timedelta(minutes=30)
    assert (warning.team, warning.channels, warning.escalate_after) == (
        "clinic-team",
        ("in_app", "email"),
        None,
    )
    assert (info.team, info.channels) == ("clinic-team", ("in_app",))


def test_an_exact_reason_beats_a_wildcard_listed_before_it() -> None:
    config = load_config(
        {
            "teams": [ESCALATING, WARD],
            "rules": [
                {"name": "everything", "team": "clinic-team"},
                {"name": "potassium", "reason": "HYPOKALAEMIA", "team": "ward"},
            ],
        }
    )
    route = route_flag(severity="urgent", reason=FlagReason.HYPOKALAEMIA, config=config)
    other = route_flag(severity="urgent", reason=FlagReason.FOLATE_DEFICIENT, config=config)
    assert (route.rule, route.team) == ("potassium", "ward")
    assert other.rule == "everything"


def test_a_glob_beats_a_wildcard_and_loses_to_an_exact_reason() -> None:
    config = load_config(
        {
            "teams": [ESCALATING, WARD],
            "rules": [
                {"name": "exact", "reason": "MISSED_LOADING_DOSE", "team": "clinic-team"},
                {"name": "missed", "reason": "MISSED_*", "team": "ward"},
                {"name": "any", "team": "clinic-team"},
            ],
        }
    )
    assert (
        route_flag(severity="warning", reason=FlagReason.MISSED_LOADING_DOSE, config=config).rule
        == "exact"
    )
    assert (
        route_flag(severity="warning", reason=FlagReason.LOW_ADHERENCE, config=config).rule == "any"
    )
    config_glob = load_config(
        {
            "teams": [ESCALATING, WARD],
            "rules": [
                {"name": "any", "team": "clinic-team"},
                {"name": "consecutive", "reason": "CONSECUTIVE_*", "team": "ward"},
            ],
        }
    )
    route = route_flag(
        severity="warning", reason=FlagReason.CONSECUTIVE_MISSED_DOSES, config=config_glob
    )
    assert route.rule == "consecutive"


def test_severity_and_reason_beat_reason_alone_and_ties_go_to_the_earlier_rule() -> None:
    config = load_config(
        {
            "teams": [ESCALATING, WARD],
            "rules": [
                {"name": "any", "team": "clinic-team"},
                {"name": "gap", "reason": "MAINTENANCE_GAP_EXCEEDED", "team": "clinic-team"},
                {"name": "gap-too", "reason": "MAINTENANCE_GAP_EXCEEDED", "team": "ward"},
                {
                    "name": "urgent-gap",
                    "severity": "urgent",
                    "reason": "MAINTENANCE_GAP_EXCEEDED",
                    "team": "ward",
                },
            ],
        }
    )
    reason = FlagReason.MAINTENANCE_GAP_EXCEEDED
    assert route_flag(severity="urgent", reason=reason, config=config).rule == "urgent-gap"
    assert route_flag(severity="warning", reason=reason, config=config).rule == "gap"


def test_a_rule_without_channels_uses_the_teams_level_zero_channels() -> None:
    config = load_config({"teams": [ESCALATING, WARD], "rules": [{"name": "r", "team": "ward"}]})
    route = route_flag(severity="info", reason=FlagReason.LOW_ADHERENCE, config=config)
    assert route.channels == ("webhook",)
