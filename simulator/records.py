"""The records clinic and laboratory systems publish, and the noise real integrations add."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from shared.contracts import DoseAdministered, Event, LabResulted
from simulator.clinic import Administration
from simulator.laboratory import Sample

NAMESPACE = uuid.UUID("5b7d0c3e-2f0a-4b4e-9d8c-1f3a6e2b9c10")
POISON_KINDS = ("invalid_json", "schema_invalid", "unknown_type")


@dataclass(frozen=True)
class Outgoing:
    """One record to publish: where, keyed by whom, and its bytes."""

    stream: str
    key: bytes
    value: bytes
    headers: dict[str, str]
    poison: str | None = None


def event_id_for(*parts: str) -> uuid.UUID:
    # Deterministic ids: the same seed publishes the same events.
    return uuid.uuid5(NAMESPACE, "/".join(parts))


def dose_event(
    patient_id: str,
    given: Administration,
    *,
    plan_id: uuid.UUID | None,
    source: str,
    recorded_at: datetime,
) -> DoseAdministered:
    """The DoseAdministered a clinic system sends for an administration."""
    return DoseAdministered(
        event_id=event_id_for(patient_id, given.administration_id),
        occurred_at=recorded_at,
        patient_id=patient_id,
        source=source,
        administration_id=given.administration_id,
        plan_id=plan_id,
        administered_at=given.administered_at,
        product=given.product,
        dose_mcg=given.dose_mcg,
        route=given.route,
        status=given.status,
        status_reason="patient declined" if given.status == "not-done" else None,
    )


def lab_event(patient_id: str, sample: Sample, *, lab_id: str) -> LabResulted:
    """The LabResulted a laboratory system sends for a sample."""
    return LabResulted(
        event_id=event_id_for(patient_id, sample.result_id),
        occurred_at=sample.observed_at,
        patient_id=patient_id,
        source=lab_id,
        result_id=sample.result_id,
        observed_at=sample.observed_at,
        code=sample.code,
        value=sample.value,
        unit=sample.unit,
        status="final",
        lab_id=lab_id,
        reference_low=sample.reference_low,
        reference_high=sample.reference_high,
    )


def outgoing(stream: str, event: Event) -> Outgoing:
    """An event as a record with CloudEvents headers, keyed by patient."""
    return Outgoing(stream, event.kafka_key(), event.to_json(), event.cloudevent_headers())


def with_noise(
    record: Outgoing,
    event: Event,
    *,
    rng: random.Random,
    duplicate: float,
    resend: float,
    malformed: float,
) -> list[Outgoing]:
    """The record, sometimes twice, sometimes re-sent under a new id, sometimes with poison."""
    sent = [record]
    if rng.random() < duplicate:
        sent.append(record)
    if rng.random() < resend:
        again = event.model_copy(update={"event_id": event_id_for(str(event.event_id), "resend")})
        sent.append(outgoing(record.stream, again))
    if rng.random() < malformed:
        sent.append(poison(record, rng.choice(POISON_KINDS)))
    return sent


def poison(record: Outgoing, kind: str) -> Outgoing:
    """A record of ``kind`` that no consumer can ever process."""
    body = json.loads(record.value)
    if kind == "invalid_json":
        value = record.value[: len(record.value) // 2]
    elif kind == "schema_invalid":
        body["event_id"] = str(uuid.uuid4())
        body["occurred_at"] = "yesterday"
        value = json.dumps(body).encode()
    else:
        body["event_id"] = str(uuid.uuid4())
        body["type"] = "DoseTeleported"
        value = json.dumps(body).encode()
    return Outgoing(record.stream, record.key, value, {}, poison=kind)
