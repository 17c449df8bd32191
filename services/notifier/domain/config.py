"""Notifier configuration: teams and their escalation ladders, routing rules, retry policy.

Everything here is plain data with defaults that work out of the box, loadable from JSON
(``load_config``) or nested in the service's pydantic-settings class. Unknown keys are
rejected (``extra="forbid"``) because a misspelt key in a routing file would otherwise
silently route urgent alerts with the defaults.

Decisions (see README.md in this package):

- A team is a ladder of escalation levels. Level 0 is the team itself; level 1 and up are
  whoever an unacknowledged alert escalates to (e.g. "clinical-lead", "on-call-haematology").
  Each level has its own channels, webhook endpoints and email addresses.
- A rule's ``channels`` choose how level 0 is told; escalations use the level's own channels.
- ``escalate_after`` is per rule: the time from the alert (or its raise in severity) to level 1,
  and the same period again for each further level. ``None`` never escalates.
- Validation guarantees that every (severity, reason) pair of the catalogue is routed, so no
  flag can ever be left without a team.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import timedelta
from fnmatch import fnmatchcase
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shared.contracts import FlagReason, FlagSeverity

Channel = Literal["in_app", "webhook", "email"]
CHANNELS: tuple[Channel, ...] = ("in_app", "webhook", "email")
SEVERITIES: tuple[FlagSeverity, ...] = ("info", "warning", "urgent")
WILDCARD = "*"

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]
"""A team, level, rule or secret name: lower-case, safe in URLs, logs and SQL values."""

EmailAddress = Annotated[
    str, StringConstraints(pattern=r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$", max_length=254)
]
WebhookUrl = Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2048)]
SubjectPrefix = Annotated[str, StringConstraints(max_length=40, pattern=r"^[^\r\n]*$")]
ReasonPattern = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9_*?]{1,64}$")]


class ConfigModel(BaseModel):
    """Base of configuration models: immutable, and unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _unique(values: tuple[str, ...], what: str) -> None:
    duplicates = sorted({value for value in values if values.count(value) > 1})
    if duplicates:
        raise ValueError(f"duplicate {what}: {', '.join(duplicates)}")


class WebhookEndpoint(ConfigModel):
    """A receiver URL and the name of the secret its requests are signed with."""

    url: WebhookUrl
    # The secret itself lives in the service settings (SecretStr), never in routing data:
    # routing files are shared and reviewed, secrets are not.
    secret_id: Name = "default"  # noqa: S105 - a name to look the secret up by, not a secret

    @model_validator(mode="before")
    @classmethod
    def _accept_bare_url(cls, data: Any) -> Any:
        return {"url": data} if isinstance(data, str) else data


class EscalationLevel(ConfigModel):
    """One rung of a team's ladder: who is told, and over which channels."""

    name: Name
    channels: tuple[Channel, ...] = Field(default=("in_app",), min_length=1)
    webhooks: tuple[WebhookEndpoint, ...] = ()
    email_addresses: tuple[EmailAddress, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> EscalationLevel:
        _unique(self.channels, f"channels in level {self.name}")
        return self


class Team(ConfigModel):
    """A team and its escalation ladder; level 0 is the team itself."""

    name: Name
    levels: tuple[EscalationLevel, ...] = Field(min_length=1)

    @property
    def top_level(self) -> int:
        """The highest level an alert of this team can escalate to."""
        return len(self.levels) - 1


class RoutingRule(ConfigModel):
    """Flags matching ``severity`` and ``reason`` go to ``team`` over ``channels``."""

    name: Name
    severity: FlagSeverity | Literal["*"] = "*"
    # A catalogue code, a glob over codes ("MISSED_*"), or "*".
    reason: ReasonPattern = "*"
    team: Name
    # None: the channels of the team's level 0.
    channels: tuple[Channel, ...] | None = Field(default=None, min_length=1)
    # None: alerts routed here never escalate.
    escalate_after: timedelta | None = None

    @model_validator(mode="after")
    def _check(self) -> RoutingRule:
        matched = [code for code in FlagReason if fnmatchcase(code.value, self.reason)]
        if not matched:
            # A pattern matching no catalogue code is a typo that would silently never fire.
            raise ValueError(f"rule {self.name}: reason {self.reason!r} matches no FlagReason")
        if self.channels is not None:
            _unique(self.channels, f"channels in rule {self.name}")
        if self.escalate_after is not None and self.escalate_after <= timedelta(0):
            raise ValueError(f"rule {self.name}: escalate_after must be positive")
        return self

    def applies_to(self, *, severity: FlagSeverity, reason: FlagReason) -> bool:
        """Whether a flag of this severity and reason matches the rule."""
        return self.severity in (WILDCARD, severity) and fnmatchcase(reason.value, self.reason)

    @property
    def specificity(self) -> tuple[int, int]:
        """How specific the rule is: reason first (exact > glob > any), then severity."""
        if self.reason == WILDCARD:
            reason_rank = 0
        elif any(char in self.reason for char in "*?"):
            reason_rank = 1
        else:
            reason_rank = 2
        return reason_rank, 0 if self.severity == WILDCARD else 1


class RetryPolicy(ConfigModel):
    """Exponential backoff with deterministic jitter for webhook and email deliveries."""

    first_delay: timedelta = timedelta(seconds=10)
    multiplier: float = Field(default=2.0, ge=1.0, le=10.0)
    max_delay: timedelta = timedelta(hours=1)
    # Delays are stretched by up to this fraction, so receivers coming back are not stampeded.
    jitter_ratio: float = Field(default=0.2, ge=0.0, le=1.0)
    # Attempts in total, the first included; a delivery failing all of them is dead.
    max_attempts: int = Field(default=12, ge=1, le=100)

    @model_validator(mode="after")
    def _check(self) -> RetryPolicy:
        if self.first_delay <= timedelta(0):
            raise ValueError("first_delay must be positive")
        if self.max_delay < self.first_delay:
            raise ValueError("max_delay must be at least first_delay")
        if self.multiplier < 1.0 + self.jitter_ratio:
            # Below this a jittered delay could exceed the next one: delays must never shrink.
            raise ValueError("multiplier must be at least 1 + jitter_ratio")
        return self


_ALL_CHANNELS: tuple[Channel, ...] = ("in_app", "webhook", "email")

DEFAULT_TEAMS: tuple[Team, ...] = (
    Team(
        name="clinic-nurses",
        levels=(
            EscalationLevel(name="clinic-nurses", channels=_ALL_CHANNELS),
            EscalationLevel(name="clinical-lead", channels=_ALL_CHANNELS),
            EscalationLevel(name="on-call-haematology", channels=_ALL_CHANNELS),
        ),
    ),
    Team(
        name="clinic-team",
        levels=(EscalationLevel(name="clinic-team", channels=("in_app", "email")),),
    ),
)

DEFAULT_RULES: tuple[RoutingRule, ...] = (
    RoutingRule(
        name="urgent",
        severity="urgent",
        team="clinic-nurses",
        channels=_ALL_CHANNELS,
        escalate_after=timedelta(minutes=30),
    ),
    RoutingRule(
        name="warning", severity="warning", team="clinic-team", channels=("in_app", "email")
    ),
    RoutingRule(name="info", severity="info", team="clinic-team", channels=("in_app",)),
)


class NotifierConfig(ConfigModel):
    """The notifier's routing, escalation and delivery configuration."""

    # Where staff open an alert: links are f"{link_base_url}/alerts/{alert_id}".
    link_base_url: WebhookUrl = "http://127.0.0.1:8000"
    email_subject_prefix: SubjectPrefix = "[B12]"
    teams: tuple[Team, ...] = DEFAULT_TEAMS
    rules: tuple[RoutingRule, ...] = Field(default=DEFAULT_RULES, min_length=1)
    retry: RetryPolicy = RetryPolicy()

    @model_validator(mode="after")
    def _check(self) -> NotifierConfig:
        _unique(tuple(team.name for team in self.teams), "team names")
        _unique(tuple(rule.name for rule in self.rules), "rule names")
        known = {team.name for team in self.teams}
        for rule in self.rules:
            if rule.team not in known:
                raise ValueError(f"rule {rule.name}: unknown team {rule.team!r}")
        unrouted = [
            f"{severity}/{reason.value}"
            for severity in SEVERITIES
            for reason in FlagReason
            if not any(rule.applies_to(severity=severity, reason=reason) for rule in self.rules)
        ]
        if unrouted:
            shown = ", ".join(unrouted[:5]) + (" ..." if len(unrouted) > 5 else "")
            raise ValueError(f"no rule routes {len(unrouted)} severity/reason pairs: {shown}")
        return self

    def team(self, name: str) -> Team | None:
        """The team called ``name``, or None if the configuration no longer has it."""
        return next((team for team in self.teams if team.name == name), None)


def load_config(source: str | bytes | Mapping[str, Any] | None = None) -> NotifierConfig:
    """Build the configuration from JSON text or a mapping; omitted keys keep their defaults."""
    if source is None:
        return NotifierConfig()
    data = json.loads(source) if isinstance(source, str | bytes) else dict(source)
    return NotifierConfig.model_validate(data)


def unreachable_channels(config: NotifierConfig) -> list[str]:
    """Channels a level or rule asks for but has no target for (to warn about at start-up)."""
    problems: list[str] = []
    for team in config.teams:
        for index, level in enumerate(team.levels):
            wanted = set(level.channels)
            if index == 0:
                for rule in config.rules:
                    if rule.team == team.name and rule.channels is not None:
                        wanted.update(rule.channels)
            if "webhook" in wanted and not level.webhooks:
                problems.append(f"{team.name} level {index} ({level.name}): webhook has no URL")
            if "email" in wanted and not level.email_addresses:
                problems.append(f"{team.name} level {index} ({level.name}): email has no address")
    return problems
