"""Events published by clinic and laboratory systems: administrations and lab results."""

from __future__ import annotations

import math
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, Field, StringConstraints, model_validator

from shared.contracts.envelope import Event, ExternalId, ShortText, UtcDatetime
from shared.contracts.plans import LoincCode
from shared.contracts.vocabulary import Product, Route


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


FiniteFloat = Annotated[float, AfterValidator(_finite)]


class DoseAdministered(Event):
    """A clinic gave (or did not give) a dose: FHIR MedicationAdministration semantics."""

    type: Literal["DoseAdministered"] = "DoseAdministered"
    administration_id: ExternalId
    plan_id: UUID | None = None
    administered_at: UtcDatetime
    product: Product
    dose_mcg: FiniteFloat = Field(gt=0)
    route: Route
    status: Literal["completed", "not-done"]
    status_reason: ShortText | None = None

    @model_validator(mode="after")
    def _reason_when_not_done(self) -> DoseAdministered:
        if self.status == "not-done" and not self.status_reason:
            raise ValueError("status_reason is required when status is not-done")
        return self


class LabResulted(Event):
    """A laboratory reported a result (FHIR Observation semantics), in its own units."""

    type: Literal["LabResulted"] = "LabResulted"
    result_id: ExternalId
    observed_at: UtcDatetime
    code: LoincCode
    value: FiniteFloat
    unit: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    status: Literal["final", "amended", "corrected", "cancelled"]
    lab_id: ExternalId | None = None
    reference_low: FiniteFloat | None = None
    reference_high: FiniteFloat | None = None

    @model_validator(mode="after")
    def _range_ordered(self) -> LabResulted:
        low, high = self.reference_low, self.reference_high
        if low is not None and high is not None and low > high:
            raise ValueError("reference_low is above reference_high")
        return self
