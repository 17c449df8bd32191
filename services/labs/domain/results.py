"""Laboratory results as labs keeps them: the original report plus its normalised form."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from services.labs.domain.catalogue import ANALYTES, Analyte, find_loinc
from services.labs.domain.config import LabsConfig
from services.labs.domain.ranges import (
    Interpretation,
    ReferenceRange,
    interpret,
    resolve_reference_range,
)
from services.labs.domain.units import NormalisationError
from shared.contracts import LabResulted

ResultStatus = Literal["final", "amended", "corrected", "cancelled"]


class ResultKey(NamedTuple):
    """The idempotency key of a result: a later report with the same key supersedes it."""

    source: str
    result_id: str


class LabReport(BaseModel):
    """One version of one result as received, normalised when its code is known."""

    model_config = ConfigDict(frozen=True)

    source: str
    result_id: str
    event_id: UUID
    reported_at: datetime
    status: ResultStatus
    code: str
    observed_at: datetime
    lab_id: str | None = None
    original_value: float
    original_unit: str
    original_reference_low: float | None = None
    original_reference_high: float | None = None
    analyte: Analyte | None = None
    code_confirmed: bool = False
    value: float | None = None
    unit: str | None = None
    reference: ReferenceRange | None = None
    interpretation: Interpretation | None = None

    @property
    def key(self) -> ResultKey:
        """The result this report is a version of."""
        return ResultKey(self.source, self.result_id)

    @property
    def recognised(self) -> bool:
        """Whether the code maps to an analyte (unrecognised results are kept, not evaluated)."""
        return self.analyte is not None

    @property
    def fingerprint(self) -> str:
        """A digest of what a finding's evidence depends on: same digest, same evidence."""
        facts = [
            self.code,
            self.observed_at.isoformat(),
            repr(self.original_value),
            self.original_unit,
            repr(self.original_reference_low),
            repr(self.original_reference_high),
            self.lab_id,
        ]
        return hashlib.sha256(json.dumps(facts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Measurement:
    """An effective, recognised, normalised result: what the rules evaluate."""

    report: LabReport
    analyte: Analyte
    value: float
    unit: str

    @property
    def key(self) -> ResultKey:
        """The result's idempotency key."""
        return self.report.key

    @property
    def observed_at(self) -> datetime:
        """When the sample was taken."""
        return self.report.observed_at

    @property
    def reference(self) -> ReferenceRange | None:
        """The applied reference range, in canonical units."""
        return self.report.reference


def as_measurement(report: LabReport) -> Measurement | None:
    """The report as a measurement, or None when it is unrecognised or has no canonical value."""
    if report.analyte is None or report.value is None or report.unit is None:
        return None
    return Measurement(report=report, analyte=report.analyte, value=report.value, unit=report.unit)


def normalise_result(event: LabResulted, *, config: LabsConfig) -> LabReport:
    """Normalise a LabResulted into a LabReport, or raise NormalisationError (dead-letter it)."""
    original = LabReport(
        source=event.source,
        result_id=event.result_id,
        event_id=event.event_id,
        reported_at=event.occurred_at,
        status=event.status,
        code=event.code,
        observed_at=event.observed_at,
        lab_id=event.lab_id,
        original_value=event.value,
        original_unit=event.unit,
        original_reference_low=event.reference_low,
        original_reference_high=event.reference_high,
    )
    entry = find_loinc(event.code, config.local_codes)
    if entry is None:
        return original
    try:
        value = config.to_canonical(entry.analyte, event.value, unit=event.unit)
        reference = resolve_reference_range(
            entry.analyte,
            lab_id=event.lab_id,
            own_low=event.reference_low,
            own_high=event.reference_high,
            own_unit=event.unit,
            config=config,
        )
    except NormalisationError as error:
        if event.status == "cancelled":
            # A cancellation only withdraws the result: never dead-letter it over its unit.
            return original.model_copy(
                update={"analyte": entry.analyte, "code_confirmed": entry.confirmed}
            )
        raise NormalisationError(error.kind, f"code {event.code}: {error.reason}") from None
    return original.model_copy(
        update={
            "analyte": entry.analyte,
            "code_confirmed": entry.confirmed,
            "value": value,
            "unit": ANALYTES[entry.analyte].canonical_unit,
            "reference": reference,
            "interpretation": interpret(value, reference),
        }
    )
