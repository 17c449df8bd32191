"""Event contracts: the pydantic models every service and clinic system integrates against.

Versioning rule: a contract changes only additively. New fields are optional and raise
``schema_version`` by one; consumers ignore fields they do not know and accept any version.
Renaming, removing or re-typing a field, or making one required, is a new event type.
"""

from shared.contracts.clinic import DoseAdministered, LabResulted
from shared.contracts.envelope import Event, PatientId, UtcDatetime
from shared.contracts.findings import (
    AddLabChecks,
    DoseMissed,
    DoseMissResolved,
    EndLoadingPhase,
    Evidence,
    EvidenceItem,
    ResponseFlagged,
    ShortenMaintenanceInterval,
    SuggestedAction,
    Threshold,
)
from shared.contracts.plans import (
    LabCheck,
    LoincCode,
    PhaseSpec,
    PlanAdjusted,
    PlanCancelled,
    PlanCreated,
    ScheduledDose,
)
from shared.contracts.registry import (
    EVENT_TYPES,
    STREAM_EVENTS,
    DecodeError,
    decode_event,
    events_of,
)
from shared.contracts.vocabulary import (
    FlagReason,
    FlagSeverity,
    Indication,
    Phase,
    Product,
    RaisedBy,
    Route,
    Severity,
)

__all__ = [
    "EVENT_TYPES",
    "STREAM_EVENTS",
    "AddLabChecks",
    "DecodeError",
    "DoseAdministered",
    "DoseMissResolved",
    "DoseMissed",
    "EndLoadingPhase",
    "Event",
    "Evidence",
    "EvidenceItem",
    "FlagReason",
    "FlagSeverity",
    "Indication",
    "LabCheck",
    "LabResulted",
    "LoincCode",
    "PatientId",
    "Phase",
    "PhaseSpec",
    "PlanAdjusted",
    "PlanCancelled",
    "PlanCreated",
    "Product",
    "RaisedBy",
    "ResponseFlagged",
    "Route",
    "ScheduledDose",
    "Severity",
    "ShortenMaintenanceInterval",
    "SuggestedAction",
    "Threshold",
    "UtcDatetime",
    "decode_event",
    "events_of",
]
