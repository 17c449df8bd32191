"""Events the platform derives: missed doses and flags raised on a patient's response."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from shared.contracts.envelope import Contract, Event, ExternalId, ShortText, UtcDatetime
from shared.contracts.plans import LoincCode
from shared.contracts.vocabulary import FlagReason, FlagSeverity, Phase, RaisedBy


class DoseMissed(Event):
    """A scheduled dose's window closed without an administration (or it was not done)."""

    type: Literal["DoseMissed"] = "DoseMissed"
    dose_id: UUID
    plan_id: UUID
    due_on: date
    phase: Phase
    consecutive_missed: int = Field(ge=1)
    not_done: bool = False
    window_closed_at: UtcDatetime | None = Field(
        default=None, description="When the dose's window closed (occurred_at is when declared)"
    )


class DoseMissResolved(Event):
    """A dose declared missed was given late after all; the miss no longer stands."""

    type: Literal["DoseMissResolved"] = "DoseMissResolved"
    dose_id: UUID
    plan_id: UUID
    due_on: date
    administration_id: ExternalId
    administered_at: UtcDatetime
    timing: Literal["on_time", "late"] | None = Field(
        default=None,
        description="on_time: given in its window but reported after the miss; late: given late",
    )


class EvidenceItem(Contract):
    """One fact behind a flag: a lab result, a dose, or a derived measure."""

    kind: Literal["lab_result", "baseline", "scheduled_dose", "administration", "measure"]
    label: Annotated[str, StringConstraints(max_length=64)]
    ref: ExternalId | None = Field(default=None, description="result_id, dose_id or similar")
    source: str | None = Field(default=None, description="the system that issued ``ref``")
    code: LoincCode | None = None
    value: float | None = None
    unit: str | None = None
    on: date | None = None
    at: datetime | None = None
    original_value: float | None = Field(default=None, description="as the laboratory sent it")
    original_unit: str | None = None


class Threshold(Contract):
    """A configured threshold a rule compared against."""

    name: Annotated[str, StringConstraints(max_length=64)]
    value: float
    unit: str | None = None


class Evidence(Contract):
    """What a rule saw and what it compared it with."""

    items: list[EvidenceItem] = Field(default_factory=list)
    thresholds: list[Threshold] = Field(default_factory=list)


class ShortenMaintenanceInterval(Contract):
    """Give maintenance doses more often."""

    action: Literal["shorten_maintenance_interval"] = "shorten_maintenance_interval"
    to_interval_weeks: int = Field(ge=1, le=12)
    from_interval_weeks: int | None = Field(default=None, ge=1)


class EndLoadingPhase(Contract):
    """Close the loading phase (no further improvement) and start maintenance."""

    action: Literal["end_loading_phase"] = "end_loading_phase"
    on: date | None = None


class AddLabChecks(Contract):
    """Schedule extra laboratory tests."""

    action: Literal["add_lab_checks"] = "add_lab_checks"
    loinc_codes: list[LoincCode] = Field(min_length=1)
    within_days: int = Field(default=7, ge=0, le=90)
    purpose: ShortText = ""


SuggestedAction = Annotated[
    ShortenMaintenanceInterval | EndLoadingPhase | AddLabChecks,
    Field(discriminator="action"),
]


class ResponseFlagged(Event):
    """A rule found something staff should look at, with its evidence."""

    type: Literal["ResponseFlagged"] = "ResponseFlagged"
    flag_id: UUID
    plan_id: UUID | None = None
    raised_by: RaisedBy
    reason: FlagReason
    severity: FlagSeverity
    evidence: Evidence
    recommendation: ShortText
    suggested_action: SuggestedAction | None = None
    rule_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    rule_version: int = Field(ge=1)
    supersedes_flag_id: UUID | None = Field(
        default=None, description="an earlier flag this one replaces (its evidence was amended)"
    )
