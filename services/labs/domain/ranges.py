"""Reference ranges: which one applies to a result, in canonical units, and L/N/H interpretation.

Precedence (clinical-reference.md, section 2: assays and cut-offs differ between laboratories):
the result's own range, else the range configured for its ``lab_id``, else the default. A range
is taken whole from the first source that gives any bound; bounds are never mixed across sources.
Ranges in another unit are converted with the same factor as values; every conversion is a
positive scaling, so a converted range stays ordered.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.labs.domain.catalogue import ANALYTES, Analyte
from services.labs.domain.config import LabsConfig, RangeSetting


class RangeOrigin(StrEnum):
    """Where the applied reference range came from."""

    RESULT = "result"
    LABORATORY = "laboratory"
    DEFAULT = "default"


class Interpretation(StrEnum):
    """FHIR Observation interpretation codes for a value against its range."""

    LOW = "L"
    NORMAL = "N"
    HIGH = "H"


class ReferenceRange(BaseModel):
    """A reference range in the analyte's canonical unit."""

    model_config = ConfigDict(frozen=True)

    low: float | None
    high: float | None
    unit: str
    origin: RangeOrigin
    source: str | None = None


def resolve_reference_range(
    analyte: Analyte,
    *,
    lab_id: str | None,
    own_low: float | None,
    own_high: float | None,
    own_unit: str,
    config: LabsConfig,
) -> ReferenceRange | None:
    """The range that applies to a result (own > laboratory > default), or None when none does."""
    canonical = ANALYTES[analyte].canonical_unit
    if own_low is not None or own_high is not None:
        return ReferenceRange(
            low=_convert(own_low, analyte=analyte, unit=own_unit, config=config),
            high=_convert(own_high, analyte=analyte, unit=own_unit, config=config),
            unit=canonical,
            origin=RangeOrigin.RESULT,
            source="reported with the result",
        )
    if lab_id is not None:
        setting = config.laboratory_ranges.get(lab_id, {}).get(analyte)
        if setting is not None:
            return _from_setting(
                setting, analyte=analyte, origin=RangeOrigin.LABORATORY, config=config
            )
    setting = config.default_ranges.get(analyte)
    if setting is not None:
        return _from_setting(setting, analyte=analyte, origin=RangeOrigin.DEFAULT, config=config)
    return None


def interpret(value: float, reference: ReferenceRange | None) -> Interpretation | None:
    """L below the low bound, H above the high bound, N otherwise; None without a range."""
    if reference is None:
        return None
    if reference.low is not None and value < reference.low:
        return Interpretation.LOW
    if reference.high is not None and value > reference.high:
        return Interpretation.HIGH
    return Interpretation.NORMAL


def _from_setting(
    setting: RangeSetting, *, analyte: Analyte, origin: RangeOrigin, config: LabsConfig
) -> ReferenceRange:
    return ReferenceRange(
        low=_convert(setting.low, analyte=analyte, unit=setting.unit, config=config),
        high=_convert(setting.high, analyte=analyte, unit=setting.unit, config=config),
        unit=ANALYTES[analyte].canonical_unit,
        origin=origin,
        source=setting.source,
    )


def _convert(
    value: float | None, *, analyte: Analyte, unit: str, config: LabsConfig
) -> float | None:
    return None if value is None else config.to_canonical(analyte, value, unit=unit)
