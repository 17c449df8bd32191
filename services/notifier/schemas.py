"""The notifier API's request and response bodies, and its pagination cursor."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.notifier.domain import AlertStatus
from shared.contracts import FlagReason, FlagSeverity, PatientId, ResponseFlagged
from shared.http import DomainError

StaffId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
TeamName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{0,63}$")]


class StaffActionRequest(BaseModel):
    """Who acts on the alert, and an optional note (kept in the audit trail, never sent out)."""

    model_config = ConfigDict(extra="forbid")

    by: StaffId = Field(description="The member of staff (an id from the clinic's directory)")
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class AlertSummary(BaseModel):
    """An alert as listed: who, why, how severe, where it stands."""

    alert_id: UUID
    revision: int
    patient_id: PatientId
    plan_id: UUID | None
    reason: FlagReason
    severity: FlagSeverity
    status: AlertStatus
    team: str
    route_rule: str
    channels: list[str]
    recommendation: str
    opened_at: datetime
    first_flagged_at: datetime
    last_flagged_at: datetime
    occurrence_count: int
    escalation_level: int
    escalated_at: datetime | None
    next_escalation_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    updated_at: datetime


class AlertPage(BaseModel):
    """One page of alerts, newest first; pass ``next_cursor`` back as ``cursor`` for more."""

    items: list[AlertSummary]
    next_cursor: str | None


class OccurrenceView(BaseModel):
    """One flag the alert absorbed, whole (evidence included)."""

    occurrence_id: UUID
    sequence: int
    received_at: datetime
    flag: ResponseFlagged


class ActionView(BaseModel):
    """One entry of the audit trail."""

    kind: str
    actor: str
    principal: str | None = Field(
        default=None, description="The authenticated caller (token subject) of a staff action"
    )
    note: str | None
    at: datetime


class EscalationView(BaseModel):
    """A level the alert escalated to."""

    escalation_id: UUID
    team: str
    level: int
    recipient: str
    due_at: datetime
    escalated_at: datetime


class AttemptView(BaseModel):
    """One attempt of a delivery."""

    attempt: int
    at: datetime
    outcome: Literal["sent", "retry", "dead"]
    error: str | None


class DeliveryView(BaseModel):
    """One message to one target over one channel, and how it went."""

    delivery_id: UUID
    cause: str
    channel: str
    target: str
    level: int
    status: Literal["pending", "sent", "dead"]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    dead_at: datetime | None
    log: list[AttemptView]


class AlertDetail(AlertSummary):
    """An alert with its evidence, history, escalations and deliveries."""

    escalate_after_s: float | None
    acknowledgement_note: str | None
    resolution_note: str | None
    occurrences: list[OccurrenceView]
    acknowledgements: list[ActionView]
    history: list[ActionView]
    escalations: list[EscalationView]
    deliveries: list[DeliveryView]


class ActionResult(BaseModel):
    """What a staff action did: ``changed`` is false for a repeated acknowledgement."""

    action: str
    changed: bool
    alert: AlertSummary


def redact_target(channel: str, target: str) -> str:
    """A webhook URL without credentials or query (they may hold tokens); others as they are."""
    if channel != "webhook":
        return target
    parts = urlsplit(target)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def delivery_view(row: dict[str, Any]) -> DeliveryView:
    """A stored delivery as the API shows it."""
    pending = row["status"] == "pending"
    return DeliveryView.model_validate(
        row
        | {
            "target": redact_target(row["channel"], row["target"]),
            "next_attempt_at": row["next_attempt_at"] if pending else None,
        }
    )


def encode_cursor(opened_at: datetime, alert_id: UUID) -> str:
    """An opaque cursor positioned after this alert."""
    raw = f"{opened_at.isoformat()}|{alert_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    """The position a cursor names; a 422 answer when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        opened_at, alert_id = base64.urlsafe_b64decode(padded).decode().split("|")
        moment = datetime.fromisoformat(opened_at)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment, UUID(alert_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise DomainError("cursor: not a cursor this API returned") from exc
