"""Routing: which team, channels and escalation period a flag's alert gets.

The most specific matching rule wins, whatever its position: a rule naming the exact reason
beats a glob over reasons, which beats "*"; at equal reason specificity a rule naming the
severity beats one that does not. Rules equally specific are tie-broken by their order in the
configuration (the earlier wins). This lets a clinic add one exception ("HYPOKALAEMIA goes to
the ward") without reordering the defaults, which "first match wins" would require.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict

from services.notifier.domain.config import Channel, NotifierConfig, RoutingRule
from shared.contracts import FlagReason, FlagSeverity


class Route(BaseModel):
    """Where an alert goes: the rule that decided it, the team, channels and escalation period."""

    model_config = ConfigDict(frozen=True)

    rule: str
    team: str
    channels: tuple[Channel, ...]
    escalate_after: timedelta | None


def matching_rule(
    *, severity: FlagSeverity, reason: FlagReason, config: NotifierConfig
) -> RoutingRule:
    """The rule that routes a flag of this severity and reason (the most specific match)."""
    candidates = [
        (rule.specificity, -position, rule)
        for position, rule in enumerate(config.rules)
        if rule.applies_to(severity=severity, reason=reason)
    ]
    if not candidates:
        # NotifierConfig validation makes this unreachable; a clear error beats an IndexError.
        raise LookupError(f"no routing rule matches {severity}/{reason.value}")
    return max(candidates, key=lambda candidate: candidate[:2])[2]


def route_flag(*, severity: FlagSeverity, reason: FlagReason, config: NotifierConfig) -> Route:
    """Route a flag of this severity and reason to a team, channels and escalation period."""
    rule = matching_rule(severity=severity, reason=reason, config=config)
    team = config.team(rule.team)
    if team is None:  # pragma: no cover - NotifierConfig validation forbids it
        raise LookupError(f"rule {rule.name} names unknown team {rule.team}")
    channels = rule.channels if rule.channels is not None else team.levels[0].channels
    return Route(
        rule=rule.name, team=team.name, channels=channels, escalate_after=rule.escalate_after
    )
