"""Adherence's pure domain: windows, matching, misses, flag rules, figures, schedule changes.

No I/O, no clock reads, no random ids: state and inputs go in as immutable values, with the
time ``now`` always an argument, and new state and event-ready data come out. The store, the
Kafka handlers, the sweeper and the API are built on these entry points.
"""

from services.adherence.domain.checks import (
    AdministrationRejected,
    find_discrepancies,
    validate_administration,
)
from services.adherence.domain.config import (
    AdherenceConfig,
    ConsecutiveMissedDosesConfig,
    LowAdherenceConfig,
    MaintenanceGapConfig,
    MatchingConfig,
    MissedLoadingDoseConfig,
    PhaseWindow,
    RulesConfig,
    WindowConfig,
)
from services.adherence.domain.events import (
    dose_miss_resolved_event,
    dose_missed_event,
    response_flagged_event,
)
from services.adherence.domain.figures import (
    AdherenceFigure,
    DatePeriod,
    DoseView,
    PatientAdherence,
    PlanAdherence,
    WorklistEntry,
    build_worklist,
    measure_adherence,
    summarize_patient,
    summarize_plan,
    view_dose,
)
from services.adherence.domain.findings import FlagFinding
from services.adherence.domain.maintenance_gap import (
    flag_maintenance_gap,
    maintenance_gap_deadline,
)
from services.adherence.domain.matching import (
    AdministrationMatched,
    AdministrationParked,
    AdministrationUnscheduled,
    MatchOutcome,
    Reconciliation,
    apply_outcome,
    match_administration,
    reconcile_administrations,
)
from services.adherence.domain.misses import MissSweep, detect_missed_doses
from services.adherence.domain.model import (
    DeclaredMiss,
    Discrepancy,
    DoseLifecycle,
    MatchedAdministration,
    Timing,
    TrackedDose,
    TrackedPlan,
)
from services.adherence.domain.rules import (
    evaluate_flags,
    flag_consecutive_missed_doses,
    flag_low_adherence,
    flag_missed_loading_doses,
)
from services.adherence.domain.schedule import (
    ScheduleChange,
    apply_adjustment,
    cancel_plan,
    maintenance_starts_on,
    track_plan,
)
from services.adherence.domain.status import DoseStatus, dose_status
from services.adherence.domain.windows import DoseWindow, dose_window, window_of

__all__ = [
    "AdherenceConfig",
    "AdherenceFigure",
    "AdministrationMatched",
    "AdministrationParked",
    "AdministrationRejected",
    "AdministrationUnscheduled",
    "ConsecutiveMissedDosesConfig",
    "DatePeriod",
    "DeclaredMiss",
    "Discrepancy",
    "DoseLifecycle",
    "DoseStatus",
    "DoseView",
    "DoseWindow",
    "FlagFinding",
    "LowAdherenceConfig",
    "MaintenanceGapConfig",
    "MatchOutcome",
    "MatchedAdministration",
    "MatchingConfig",
    "MissSweep",
    "MissedLoadingDoseConfig",
    "PatientAdherence",
    "PhaseWindow",
    "PlanAdherence",
    "Reconciliation",
    "RulesConfig",
    "ScheduleChange",
    "Timing",
    "TrackedDose",
    "TrackedPlan",
    "WindowConfig",
    "WorklistEntry",
    "apply_adjustment",
    "apply_outcome",
    "build_worklist",
    "cancel_plan",
    "detect_missed_doses",
    "dose_miss_resolved_event",
    "dose_missed_event",
    "dose_status",
    "dose_window",
    "evaluate_flags",
    "find_discrepancies",
    "flag_consecutive_missed_doses",
    "flag_low_adherence",
    "flag_maintenance_gap",
    "flag_missed_loading_doses",
    "maintenance_gap_deadline",
    "maintenance_starts_on",
    "match_administration",
    "measure_adherence",
    "reconcile_administrations",
    "response_flagged_event",
    "summarize_patient",
    "summarize_plan",
    "track_plan",
    "validate_administration",
    "view_dose",
    "window_of",
]
