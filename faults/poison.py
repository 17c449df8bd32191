"""Poison of eight kinds, each with the dead letters it must end up as."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from shared.contracts import DoseAdministered, LabResulted

FAULT_HEADER = "x-fault-id"
DOSE_CONSUMERS = frozenset({"adherence", "labs"})


@dataclass(frozen=True)
class Poison:
    """A record no consumer can ever process, and which dead letters it must become."""

    fault_id: str
    kind: str
    stream: str
    key: bytes | None
    value: bytes | None
    expected: dict[str, frozenset[str]]
    """Service -> the error kinds it may give this record (one dead letter each)."""

    @property
    def headers(self) -> dict[str, str]:
        return {FAULT_HEADER: self.fault_id}


def _dose(patient: str, *, at: datetime) -> DoseAdministered:
    return DoseAdministered(
        event_id=uuid.uuid4(),
        occurred_at=at,
        patient_id=patient,
        source="fault-suite",
        administration_id=f"poison-{uuid.uuid4().hex[:8]}",
        administered_at=at,
        product="hydroxocobalamin",
        dose_mcg=1000,
        route="IM",
        status="completed",
    )


def batch(round_no: int, *, now: datetime, max_event_bytes: int) -> list[Poison]:
    """One record of each kind (its patients are the fault suite's own, outside the cohort)."""
    patient = f"poison-{round_no:03d}"
    key = patient.encode()
    good = json.loads(_dose(patient, at=now - timedelta(hours=1)).to_json())

    def both(kind: str) -> dict[str, frozenset[str]]:
        return {service: frozenset({kind}) for service in DOSE_CONSUMERS}

    def fid(kind: str) -> str:
        return f"{round_no}-{kind}"

    invalid = dict(good, event_id=str(uuid.uuid4()), dose_mcg=-5)
    unknown = dict(good, event_id=str(uuid.uuid4()), type="DoseTeleported")
    future = _dose(patient, at=now + timedelta(days=3))
    oversized = dict(good, event_id=str(uuid.uuid4()), padding="x" * (max_event_bytes + 1))
    unit = LabResulted(
        event_id=uuid.uuid4(),
        occurred_at=now,
        patient_id=patient,
        source="fault-lab",
        result_id=f"poison-{round_no}",
        observed_at=now - timedelta(hours=2),
        code="2132-9",
        value=300,
        unit="furlongs",
        status="final",
    )
    return [
        Poison(
            fid("invalid_json"),
            "invalid_json",
            "doses",
            key,
            b'{"type": "DoseAdm',
            both("invalid_json"),
        ),
        Poison(
            fid("schema_invalid"),
            "schema_invalid",
            "doses",
            key,
            json.dumps(invalid).encode(),
            both("schema_invalid"),
        ),
        Poison(
            fid("unknown_type"),
            "unknown_type",
            "doses",
            key,
            json.dumps(unknown).encode(),
            both("unknown_type"),
        ),
        Poison(
            fid("missing_key"),
            "missing_key",
            "doses",
            None,
            json.dumps(dict(good, event_id=str(uuid.uuid4()))).encode(),
            both("missing_key"),
        ),
        Poison(
            fid("future_timestamp"),
            "future_timestamp",
            "doses",
            key,
            future.to_json(),
            {"adherence": frozenset({"administered_in_future"})},
        ),
        Poison(
            fid("oversized_body"),
            "oversized_body",
            "doses",
            key,
            json.dumps(oversized).encode(),
            both("oversized_body"),
        ),
        Poison(fid("empty_body"), "empty_body", "doses", key, b"", both("empty_body")),
        Poison(
            fid("unknown_unit"),
            "unknown_unit",
            "labs",
            key,
            unit.to_json(),
            {"labs": frozenset({"unknown_unit", "unconvertible_unit"})},
        ),
    ]
