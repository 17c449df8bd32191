"""Deliveries: what an opened, raised or escalated alert sends, to whom, over which channel.

Outbound content is built only from fields that are safe to leave the platform: the opaque
patient id, alert id, reason code, severity, the one-sentence recommendation, the team, counts,
times and a link. Evidence values, staff notes and any other free text are never included;
staff follow the link to see them. The payload is fixed when the delivery is created, so every
retry sends the same bytes (receivers deduplicate on ``delivery_id``); the send time travels
in the signature headers instead.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from services.notifier.domain.alerts import NewAlert, Occurrence
from services.notifier.domain.config import Channel, EscalationLevel, NotifierConfig
from services.notifier.domain.escalation import Escalation
from services.notifier.domain.ids import delivery_id_for
from services.notifier.domain.models import Alert, DomainModel
from shared.contracts import FlagReason, FlagSeverity, PatientId, UtcDatetime
from shared.contracts.envelope import ShortText

DeliveryCause = Literal["opened", "severity_raised", "escalated"]
PayloadEvent = Literal["alert.opened", "alert.severity_raised", "alert.escalated"]
PAYLOAD_EVENTS: dict[DeliveryCause, PayloadEvent] = {
    "opened": "alert.opened",
    "severity_raised": "alert.severity_raised",
    "escalated": "alert.escalated",
}
PAYLOAD_SCHEMA_VERSION = 1


class AlertPayload(DomainModel):
    """The JSON sent to webhooks and the in-app stream (no evidence, no notes)."""

    schema_version: int = PAYLOAD_SCHEMA_VERSION
    event: PayloadEvent
    delivery_id: UUID
    alert_id: UUID
    patient_id: PatientId
    reason: FlagReason
    severity: FlagSeverity
    recommendation: ShortText
    team: str
    escalation_level: int
    recipient: str
    occurrence_count: int
    opened_at: UtcDatetime
    link: str


class EmailMessage(DomainModel):
    """A plain-text email to one address."""

    to: str
    subject: str
    body: str


class Delivery(DomainModel):
    """One message to send over one channel to one target, retried on its own."""

    delivery_id: UUID
    alert_id: UUID
    cause: DeliveryCause
    # The alert, occurrence or escalation id that caused it (with channel and target: the id).
    cause_id: UUID
    channel: Channel
    # in_app: the level's name (the audience of the live stream); webhook: URL; email: address.
    target: str
    # Webhook only: which configured secret signs it.
    secret_id: str | None = None
    level: int
    created_at: UtcDatetime
    payload: AlertPayload
    email: EmailMessage | None = None

    def body(self) -> bytes:
        """The exact bytes to POST (and to sign) for a webhook, or to push to the live stream."""
        return self.payload.model_dump_json().encode()


def alert_link(alert_id: UUID, *, config: NotifierConfig) -> str:
    """Where staff open the alert."""
    return f"{config.link_base_url.rstrip('/')}/alerts/{alert_id}"


class _Origin(DomainModel):
    """What a decision contributes to its deliveries."""

    alert: Alert
    cause: DeliveryCause
    cause_id: UUID
    level: int
    channels: tuple[Channel, ...] | None  # None: the level's own channels
    created_at: UtcDatetime


def _origin(decision: NewAlert | Occurrence | Escalation) -> _Origin | None:
    if isinstance(decision, NewAlert):
        alert = decision.alert
        return _Origin(
            alert=alert,
            cause="opened",
            cause_id=alert.alert_id,
            level=0,
            channels=alert.channels,
            created_at=alert.opened_at,
        )
    if isinstance(decision, Occurrence):
        if not decision.severity_raised:
            # Repeats are counted, not re-sent: alert fatigue is how urgent alerts get missed.
            return None
        alert = decision.alert
        return _Origin(
            alert=alert,
            cause="severity_raised",
            cause_id=decision.occurrence.occurrence_id,
            # The team that owns the alert hears of the raise over its route's channels; the
            # escalation ladder carries on from wherever it had reached.
            level=0,
            channels=alert.channels,
            created_at=decision.occurrence.received_at,
        )
    return _Origin(
        alert=decision.alert,
        cause="escalated",
        cause_id=decision.escalation_id,
        level=decision.level,
        channels=None,
        created_at=decision.escalated_at,
    )


def deliveries_for(
    decision: NewAlert | Occurrence | Escalation, *, config: NotifierConfig
) -> tuple[Delivery, ...]:
    """The deliveries a decision produces; a repeat at the same severity produces none."""
    origin = _origin(decision)
    if origin is None:
        return ()
    team = config.team(origin.alert.team)
    if team is None or origin.level > team.top_level:
        return ()
    recipient = team.levels[origin.level]
    channels = origin.channels if origin.channels is not None else recipient.channels
    return tuple(
        _delivery(
            origin,
            channel=channel,
            target=target,
            secret_id=secret_id,
            recipient=recipient.name,
            config=config,
        )
        for channel, target, secret_id in _targets(recipient, channels)
    )


def _targets(
    recipient: EscalationLevel, channels: tuple[Channel, ...]
) -> list[tuple[Channel, str, str | None]]:
    targets: list[tuple[Channel, str, str | None]] = []
    for channel in channels:
        if channel == "in_app":
            targets.append((channel, recipient.name, None))
        elif channel == "webhook":
            targets.extend((channel, hook.url, hook.secret_id) for hook in recipient.webhooks)
        else:
            # One delivery per address, so one bouncing mailbox does not hold up the others.
            targets.extend((channel, address, None) for address in recipient.email_addresses)
    return targets


def _delivery(
    origin: _Origin,
    *,
    channel: Channel,
    target: str,
    secret_id: str | None,
    recipient: str,
    config: NotifierConfig,
) -> Delivery:
    alert = origin.alert
    delivery_id = delivery_id_for(origin.cause_id, channel=channel, target=target)
    payload = AlertPayload(
        event=PAYLOAD_EVENTS[origin.cause],
        delivery_id=delivery_id,
        alert_id=alert.alert_id,
        patient_id=alert.patient_id,
        reason=alert.reason,
        severity=alert.severity,
        recommendation=alert.recommendation,
        team=alert.team,
        escalation_level=origin.level,
        recipient=recipient,
        occurrence_count=alert.occurrence_count,
        opened_at=alert.opened_at,
        link=alert_link(alert.alert_id, config=config),
    )
    email = (
        render_email(payload, to=target, cause=origin.cause, alert=alert, config=config)
        if channel == "email"
        else None
    )
    return Delivery(
        delivery_id=delivery_id,
        alert_id=alert.alert_id,
        cause=origin.cause,
        cause_id=origin.cause_id,
        channel=channel,
        target=target,
        secret_id=secret_id,
        level=origin.level,
        created_at=origin.created_at,
        payload=payload,
        email=email,
    )


_HEADLINES: dict[DeliveryCause, str] = {
    "opened": "A new {severity} B12 treatment alert needs attention.",
    "severity_raised": "A B12 treatment alert has been raised to {severity}.",
    "escalated": (
        "A {severity} B12 treatment alert has not been acknowledged and is escalated to you "
        "({recipient}, level {level})."
    ),
}


def render_email(
    payload: AlertPayload,
    *,
    to: str,
    cause: DeliveryCause,
    alert: Alert,
    config: NotifierConfig,
) -> EmailMessage:
    """Subject and plain-text body for one address (opaque id and recommendation only)."""
    subject = (
        f"{config.email_subject_prefix} {payload.severity.upper()}: {payload.reason.value} "
        f"- patient {payload.patient_id}"
    ).strip()
    headline = _HEADLINES[cause].format(
        severity=payload.severity, recipient=payload.recipient, level=payload.escalation_level
    )
    lines = [
        headline,
        "",
        f"Patient (pseudonymous id): {payload.patient_id}",
        f"Reason: {payload.reason.value}",
        f"Severity: {payload.severity}",
        f"Team: {payload.team}",
        f"Times flagged: {payload.occurrence_count}",
        f"Open since: {payload.opened_at.isoformat()}",
    ]
    if cause == "escalated" and alert.escalate_after is not None:
        minutes = int(alert.escalate_after.total_seconds() // 60) * payload.escalation_level
        lines.append(f"Unacknowledged for at least {minutes} minutes.")
    lines += [
        "",
        "Recommendation:",
        # The single-line recommendation is the only free text allowed out (issue 6).
        " ".join(payload.recommendation.split()),
        "",
        "Open the alert to see the evidence and acknowledge it:",
        payload.link,
        "",
        f"Alert {payload.alert_id} / delivery {payload.delivery_id}",
        "This message carries no clinical values; they are in the application.",
    ]
    # Header injection: nothing here should hold a line break, but a subject must never do.
    return EmailMessage(to=to, subject=" ".join(subject.split()), body="\n".join(lines) + "\n")
