"""Valid events with random ids, for tests that need one quickly."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.contracts import DoseAdministered, LabResulted


def patient_id() -> str:
    """A fresh opaque patient id."""
    return f"p-{uuid.uuid4().hex[:12]}"


def dose_administered(patient: str, **fields: Any) -> DoseAdministered:
    """A completed 1 mg hydroxocobalamin IM injection given an hour ago."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "occurred_at": now,
        "patient_id": patient,
        "source": "clinic-test",
        "administration_id": f"adm-{uuid.uuid4().hex[:10]}",
        "administered_at": now - timedelta(hours=1),
        "product": "hydroxocobalamin",
        "dose_mcg": 1000,
        "route": "IM",
        "status": "completed",
    }
    values.update(fields)
    return DoseAdministered(**values)


def lab_resulted(patient: str, **fields: Any) -> LabResulted:
    """A final serum B12 result in ng/L observed a day ago."""
    now = datetime.now(UTC)
    values: dict[str, Any] = {
        "event_id": uuid.uuid4(),
        "occurred_at": now,
        "patient_id": patient,
        "source": "lab-test",
        "result_id": f"res-{uuid.uuid4().hex[:10]}",
        "observed_at": now - timedelta(days=1),
        "code": "2132-9",
        "value": 150,
        "unit": "ng/L",
        "status": "final",
    }
    values.update(fields)
    return LabResulted(**values)
