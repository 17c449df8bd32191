"""The planner's pure domain: protocols, selection, schedules, monitoring and adjustments.

No I/O, no clock, no random ids: every entry point takes ``today`` and ids from its caller (or
derives them deterministically), so the API, store and Kafka handlers stay thin.

Entry points for the I/O layer:

* ``load_protocol_library`` (start-up) and ``list_protocols`` (``GET /protocols``)
* ``build_plan`` (``POST /plans`` -> PlanCreated via ``Plan.plan_created_fields``)
* ``apply_adjustment`` (clinician changes -> PlanAdjusted via ``plan_adjusted_fields``)
* ``propose_from_flag`` (ResponseFlagged -> Proposal), ``approve_proposal``
* ``find_due_loading_reviews`` and ``extend_horizon`` (daily sweeper)
"""

from services.planner.domain.adjustments import apply_adjustment
from services.planner.domain.build import build_plan
from services.planner.domain.calendar import ClinicCalendar
from services.planner.domain.changes import (
    AddChecks,
    Adjustment,
    ChangeLoadingLength,
    ChangeMaintenanceInterval,
    EndLoading,
    PlanChange,
)
from services.planner.domain.config import PlannerRules, SafetyBounds
from services.planner.domain.context import PlanningContext
from services.planner.domain.errors import (
    BoundViolationError,
    CalendarError,
    NotApplicableError,
    PlannerError,
    ProtocolDataError,
    UnknownProtocolError,
)
from services.planner.domain.horizon import extend_horizon, needs_extension
from services.planner.domain.library import (
    ProtocolLibrary,
    ProtocolListing,
    list_protocols,
    load_protocol_library,
    parse_protocol_library,
)
from services.planner.domain.overrides import Overrides
from services.planner.domain.plan import Plan, PlanRequest
from services.planner.domain.proposals import (
    Proposal,
    approve_proposal,
    find_due_loading_reviews,
    propose_from_flag,
)
from services.planner.domain.protocols import Protocol
from services.planner.domain.selection import PatientFacts, Selection, select_protocol

__all__ = [
    "AddChecks",
    "Adjustment",
    "BoundViolationError",
    "CalendarError",
    "ChangeLoadingLength",
    "ChangeMaintenanceInterval",
    "ClinicCalendar",
    "EndLoading",
    "NotApplicableError",
    "Overrides",
    "PatientFacts",
    "Plan",
    "PlanChange",
    "PlanRequest",
    "PlannerError",
    "PlannerRules",
    "PlanningContext",
    "Proposal",
    "Protocol",
    "ProtocolDataError",
    "ProtocolLibrary",
    "ProtocolListing",
    "SafetyBounds",
    "Selection",
    "UnknownProtocolError",
    "apply_adjustment",
    "approve_proposal",
    "build_plan",
    "extend_horizon",
    "find_due_loading_reviews",
    "list_protocols",
    "load_protocol_library",
    "needs_extension",
    "parse_protocol_library",
    "propose_from_flag",
    "select_protocol",
]
