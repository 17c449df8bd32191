"""The envelope every event carries, and its CloudEvents (Kafka binary mode) headers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, ClassVar
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


def _to_utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_to_utc)]
"""A timezone-aware instant, normalised to UTC."""

PatientId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]
"""An opaque pseudonymous patient id: never a name or a national number."""

SourceSystem = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ExternalId = Annotated[str, StringConstraints(min_length=1, max_length=128)]
ShortText = Annotated[str, StringConstraints(max_length=500)]


class Contract(BaseModel):
    """Base of every contract model: unknown fields are ignored so producers may add fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Event(Contract):
    """Fields every event body carries (architecture: Envelope)."""

    type_name: ClassVar[str] = "Event"

    event_id: UUID
    type: str
    schema_version: int = Field(default=1, ge=1)
    occurred_at: UtcDatetime
    patient_id: PatientId
    source: SourceSystem
    correlation_id: ExternalId | None = None

    def kafka_key(self) -> bytes:
        """Records are keyed by patient so each patient's events stay in order."""
        return self.patient_id.encode()

    def to_json(self) -> bytes:
        """The UTF-8 JSON body."""
        return self.model_dump_json().encode()

    def cloudevent_headers(self) -> dict[str, str]:
        """CloudEvents 1.0 Kafka binary-mode headers for this event."""
        headers = {
            "ce_specversion": SPEC_VERSION,
            "ce_id": str(self.event_id),
            "ce_type": self.type,
            "ce_source": self.source,
            "ce_time": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "content-type": CONTENT_TYPE,
        }
        if self.correlation_id:
            headers["ce_correlationid"] = self.correlation_id
        return headers
