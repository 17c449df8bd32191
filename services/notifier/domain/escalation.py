"""Escalation: alerts nobody acknowledged climb their team's ladder, one level per period.

Level n is due at ``severity_since + n * escalate_after`` (a fixed schedule, so a late sweep
does not push later levels further out). One call escalates an alert by at most one level:
after a sweeper outage the overdue levels follow one sweep apart, each still notified, none
skipped. Acknowledged and resolved alerts never escalate; a level at or below the alert's
current one is never emitted again, and the escalation id (alert, team, level) lets the store
refuse a duplicate from a concurrent sweeper.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from services.notifier.domain.config import NotifierConfig
from services.notifier.domain.ids import escalation_id_for
from services.notifier.domain.models import Alert, DomainModel, as_utc
from shared.contracts import UtcDatetime


class Escalation(DomainModel):
    """An alert escalated to ``level`` of its team's ladder; ``alert`` is its state afterwards."""

    escalation_id: UUID
    alert_id: UUID
    team: str
    level: int
    recipient: str
    due_at: UtcDatetime
    escalated_at: UtcDatetime
    alert: Alert


def escalation_due_at(alert: Alert, *, level: int) -> datetime | None:
    """When ``level`` becomes due for the alert, or None if its route never escalates."""
    if alert.escalate_after is None or level < 1:
        return None
    return alert.severity_since + alert.escalate_after * level


def next_escalation_at(alert: Alert, *, config: NotifierConfig) -> datetime | None:
    """When the alert escalates next, if nobody acknowledges it (for the sweeper's index)."""
    team = config.team(alert.team)
    # A team dropped from the configuration has no ladder left to climb.
    if alert.status != "open" or team is None or alert.escalation_level >= team.top_level:
        return None
    return escalation_due_at(alert, level=alert.escalation_level + 1)


def due_escalations(
    alerts: Iterable[Alert], *, now: datetime, config: NotifierConfig
) -> tuple[Escalation, ...]:
    """The escalations due at ``now``: at most the next level for each unacknowledged alert."""
    now = as_utc(now)
    due: list[Escalation] = []
    for alert in alerts:
        due_at = next_escalation_at(alert, config=config)
        if due_at is None or now < due_at:
            continue
        team = config.team(alert.team)
        assert team is not None  # next_escalation_at returned a time, so the team exists
        level = alert.escalation_level + 1
        escalated = alert.model_copy(
            update={"revision": alert.revision + 1, "escalation_level": level, "escalated_at": now}
        )
        due.append(
            Escalation(
                escalation_id=escalation_id_for(alert.alert_id, team=team.name, level=level),
                alert_id=alert.alert_id,
                team=team.name,
                level=level,
                recipient=team.levels[level].name,
                due_at=due_at,
                escalated_at=now,
                alert=escalated,
            )
        )
    return tuple(sorted(due, key=lambda escalation: (escalation.due_at, str(escalation.alert_id))))
