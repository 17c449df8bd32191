"""The notifier's immutable state: alerts and the flag occurrences they absorbed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.notifier.domain.config import Channel
from shared.contracts import FlagReason, FlagSeverity, PatientId, ResponseFlagged, UtcDatetime
from shared.contracts.envelope import ShortText

AlertStatus = Literal["open", "acknowledged", "resolved"]
OPEN_STATUSES: frozenset[AlertStatus] = frozenset({"open", "acknowledged"})

SEVERITY_RANK: dict[FlagSeverity, int] = {"info": 0, "warning": 1, "urgent": 2}

StaffId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Note = Annotated[str, StringConstraints(max_length=2000)]


def more_severe(first: FlagSeverity, second: FlagSeverity) -> FlagSeverity:
    """The more severe of two severities."""
    return first if SEVERITY_RANK[first] >= SEVERITY_RANK[second] else second


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is a bug in the caller, so it is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("time must be timezone-aware")
    return moment.astimezone(UTC)


class DomainModel(BaseModel):
    """Base of the notifier's domain models: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Alert(DomainModel):
    """An alert: one open problem for one patient and reason, however often it is flagged.

    It deliberately carries no evidence and no staff notes beyond their own fields, so that
    outbound payloads built from it cannot leak clinical values.
    """

    alert_id: UUID
    # Bumped on every change, for optimistic concurrency in the store (ack vs. sweeper).
    revision: int = Field(default=1, ge=1)
    patient_id: PatientId
    plan_id: UUID | None = None
    reason: FlagReason
    severity: FlagSeverity
    status: AlertStatus = "open"
    team: str
    route_rule: str
    channels: tuple[Channel, ...]
    escalate_after: timedelta | None
    recommendation: ShortText
    opened_at: UtcDatetime
    first_flagged_at: UtcDatetime
    last_flagged_at: UtcDatetime
    # The escalation clock: when the alert reached its current severity and route.
    severity_since: UtcDatetime
    occurrence_count: int = Field(default=1, ge=1)
    escalation_level: int = Field(default=0, ge=0)
    escalated_at: UtcDatetime | None = None
    acknowledged_at: UtcDatetime | None = None
    acknowledged_by: StaffId | None = None
    acknowledgement_note: Note | None = None
    resolved_at: UtcDatetime | None = None
    resolved_by: StaffId | None = None
    resolution_note: Note | None = None

    @property
    def is_open(self) -> bool:
        """Open or acknowledged: the alert still absorbs repeats of its flag."""
        return self.status in OPEN_STATUSES


class OccurrenceRecord(DomainModel):
    """One flag absorbed by an alert, kept whole (with its evidence) for the alert's history."""

    occurrence_id: UUID
    alert_id: UUID
    sequence: int = Field(ge=1)
    received_at: UtcDatetime
    flag: ResponseFlagged
