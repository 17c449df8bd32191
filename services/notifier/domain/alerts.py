"""Alerts: a flag opens an alert or becomes an occurrence of the open one; staff acknowledge
and resolve.

State machine: open -> acknowledged -> resolved, and open -> resolved. Acknowledging an
acknowledged alert is harmless: the first acknowledgement is kept and the repeat is reported
(``changed=False``, action ``acknowledgement_repeated``) so the store can log the attempt.
Anything from resolved is refused with ``AlertResolvedError``; a later flag for the same
patient and reason opens a new alert.

A repeat that is more severe raises the alert to the new severity and re-routes it (the urgent
route, its channels and escalation). The escalation clock restarts at the raise; if the route
changes team, the ladder restarts at level 0 of the new team. An acknowledged alert stays
acknowledged (someone owns it) but the raise is still delivered to the new route.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from services.notifier.domain.config import NotifierConfig
from services.notifier.domain.ids import alert_id_for, occurrence_id_for
from services.notifier.domain.models import (
    SEVERITY_RANK,
    Alert,
    DomainModel,
    Note,
    OccurrenceRecord,
    StaffId,
    as_utc,
    more_severe,
)
from services.notifier.domain.routing import route_flag
from shared.contracts import FlagSeverity, ResponseFlagged, UtcDatetime


class AlertTransitionError(ValueError):
    """A transition the alert's state does not allow."""

    def __init__(self, alert: Alert, attempted: str, detail: str) -> None:
        super().__init__(f"cannot {attempted} alert {alert.alert_id}: {detail}")
        self.alert_id = alert.alert_id
        self.status = alert.status
        self.attempted = attempted


class AlertResolvedError(AlertTransitionError):
    """The alert is resolved; nothing moves it any more."""


class NewAlert(DomainModel):
    """The flag opened a new alert; its first occurrence is the flag itself."""

    alert: Alert
    occurrence: OccurrenceRecord


class Occurrence(DomainModel):
    """The flag repeats an open alert: record the occurrence, then store the updated alert.

    The occurrence id is derived from (alert, flag), so a replayed flag collides with its first
    recording: the store must update the alert only if the occurrence row was new.
    """

    alert: Alert
    occurrence: OccurrenceRecord
    previous_severity: FlagSeverity

    @property
    def severity_raised(self) -> bool:
        """Whether this occurrence made the alert more severe (and so is delivered again)."""
        return SEVERITY_RANK[self.alert.severity] > SEVERITY_RANK[self.previous_severity]


AlertActionKind = Literal["acknowledged", "acknowledgement_repeated", "resolved"]


class AlertAction(DomainModel):
    """What a member of staff did to an alert, for the audit trail."""

    alert_id: UUID
    kind: AlertActionKind
    by: StaffId
    note: Note | None
    at: UtcDatetime


class Transition(DomainModel):
    """The alert after a staff action, the action itself, and whether the alert changed."""

    alert: Alert
    action: AlertAction
    changed: bool


def decide_on_flag(
    existing_open_alert: Alert | None,
    flag: ResponseFlagged,
    *,
    now: datetime,
    config: NotifierConfig,
) -> NewAlert | Occurrence:
    """Open an alert for the flag, or record it as an occurrence of the open one."""
    now = as_utc(now)
    if existing_open_alert is None:
        return _open_alert(flag, now=now, config=config)
    alert = existing_open_alert
    if not alert.is_open:
        raise ValueError(f"alert {alert.alert_id} is resolved: pass None to open a new alert")
    if (alert.patient_id, alert.reason) != (flag.patient_id, flag.reason):
        raise ValueError(f"alert {alert.alert_id} is for another patient or reason than the flag")
    return _absorb(alert, flag, now=now, config=config)


def _open_alert(flag: ResponseFlagged, *, now: datetime, config: NotifierConfig) -> NewAlert:
    route = route_flag(severity=flag.severity, reason=flag.reason, config=config)
    alert_id = alert_id_for(flag.flag_id)
    alert = Alert(
        alert_id=alert_id,
        patient_id=flag.patient_id,
        plan_id=flag.plan_id,
        reason=flag.reason,
        severity=flag.severity,
        team=route.team,
        route_rule=route.rule,
        channels=route.channels,
        escalate_after=route.escalate_after,
        recommendation=flag.recommendation,
        # The escalation clock starts when staff could first see the alert, not when the
        # flag was raised: a lagging consumer must not make an alert escalate on arrival.
        opened_at=now,
        first_flagged_at=flag.occurred_at,
        last_flagged_at=flag.occurred_at,
        severity_since=now,
    )
    occurrence = OccurrenceRecord(
        occurrence_id=occurrence_id_for(alert_id, flag.flag_id),
        alert_id=alert_id,
        sequence=1,
        received_at=now,
        flag=flag,
    )
    return NewAlert(alert=alert, occurrence=occurrence)


def _absorb(
    alert: Alert, flag: ResponseFlagged, *, now: datetime, config: NotifierConfig
) -> Occurrence:
    severity = more_severe(alert.severity, flag.severity)
    update: dict[str, object] = {
        "revision": alert.revision + 1,
        "severity": severity,
        "occurrence_count": alert.occurrence_count + 1,
        "plan_id": alert.plan_id or flag.plan_id,
        # Flags can arrive out of order; keep the latest moment, not the latest arrival.
        "last_flagged_at": max(alert.last_flagged_at, flag.occurred_at),
        "first_flagged_at": min(alert.first_flagged_at, flag.occurred_at),
    }
    if SEVERITY_RANK[flag.severity] >= SEVERITY_RANK[alert.severity]:
        # Keep the advice of the most severe finding; a milder repeat must not overwrite it.
        update["recommendation"] = flag.recommendation
    if severity != alert.severity:
        route = route_flag(severity=severity, reason=alert.reason, config=config)
        update |= {
            "team": route.team,
            "route_rule": route.rule,
            "channels": route.channels,
            "escalate_after": route.escalate_after,
            "severity_since": now,
        }
        if route.team != alert.team:
            update |= {"escalation_level": 0, "escalated_at": None}
    occurrence = OccurrenceRecord(
        occurrence_id=occurrence_id_for(alert.alert_id, flag.flag_id),
        alert_id=alert.alert_id,
        sequence=alert.occurrence_count + 1,
        received_at=now,
        flag=flag,
    )
    return Occurrence(
        alert=alert.model_copy(update=update),
        occurrence=occurrence,
        previous_severity=alert.severity,
    )


def acknowledge(alert: Alert, *, by: str, note: str | None, now: datetime) -> Transition:
    """Acknowledge an open alert; repeating it keeps the first acknowledgement."""
    now = as_utc(now)
    if alert.status == "resolved":
        raise AlertResolvedError(alert, "acknowledge", f"it was resolved at {alert.resolved_at}")
    if alert.status == "acknowledged":
        action = AlertAction(
            alert_id=alert.alert_id, kind="acknowledgement_repeated", by=by, note=note, at=now
        )
        return Transition(alert=alert, action=action, changed=False)
    action = AlertAction(alert_id=alert.alert_id, kind="acknowledged", by=by, note=note, at=now)
    updated = alert.model_copy(
        update={
            "revision": alert.revision + 1,
            "status": "acknowledged",
            "acknowledged_at": now,
            "acknowledged_by": action.by,
            "acknowledgement_note": note,
        }
    )
    return Transition(alert=updated, action=action, changed=True)


def resolve(alert: Alert, *, by: str, note: str | None, now: datetime) -> Transition:
    """Resolve an open or acknowledged alert; a resolved alert cannot be resolved again."""
    now = as_utc(now)
    if alert.status == "resolved":
        detail = f"it was already resolved at {alert.resolved_at} by {alert.resolved_by}"
        raise AlertResolvedError(alert, "resolve", detail)
    action = AlertAction(alert_id=alert.alert_id, kind="resolved", by=by, note=note, at=now)
    updated = alert.model_copy(
        update={
            "revision": alert.revision + 1,
            "status": "resolved",
            "resolved_at": now,
            "resolved_by": action.by,
            "resolution_note": note,
        }
    )
    return Transition(alert=updated, action=action, changed=True)
