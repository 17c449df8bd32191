"""The labs service's pure domain: normalisation, timelines, treatment clock, rules, read models.

No I/O, no clock, no random ids: the handlers load state, call these functions with plain
immutable values (and "now" when needed), and persist what they return.
"""

from services.labs.domain.catalogue import ANALYTES, LOINC, Analyte, find_loinc
from services.labs.domain.config import LabsConfig, RangeSetting, Setting
from services.labs.domain.course import TreatmentCourse, course_of
from services.labs.domain.describe import RulesView, describe_rules
from services.labs.domain.findings import (
    FindingStatus,
    KnownFinding,
    Reconciliation,
    build_flag,
    evidence_still_effective,
    flag_id_of,
    reconcile_findings,
    replaced_findings,
)
from services.labs.domain.ranges import Interpretation, RangeOrigin, ReferenceRange
from services.labs.domain.results import LabReport, Measurement, ResultKey, normalise_result
from services.labs.domain.rules import ALL_RULES, Finding, evaluate_labs
from services.labs.domain.summary import (
    AnalyteResponse,
    TimelineEntry,
    Trend,
    summarise_response,
    timeline_view,
)
from services.labs.domain.timeline import LabTimeline, Recorded, RecordOutcome, record_report
from services.labs.domain.treatment import (
    TreatmentContext,
    apply_plan_adjustment,
    context_from_plan,
    record_first_dose,
)
from services.labs.domain.units import NormalisationError, convert

__all__ = [
    "ALL_RULES",
    "ANALYTES",
    "LOINC",
    "Analyte",
    "AnalyteResponse",
    "Finding",
    "FindingStatus",
    "Interpretation",
    "KnownFinding",
    "LabReport",
    "LabTimeline",
    "LabsConfig",
    "Measurement",
    "NormalisationError",
    "RangeOrigin",
    "RangeSetting",
    "Reconciliation",
    "RecordOutcome",
    "Recorded",
    "ReferenceRange",
    "ResultKey",
    "RulesView",
    "Setting",
    "TimelineEntry",
    "TreatmentContext",
    "TreatmentCourse",
    "Trend",
    "apply_plan_adjustment",
    "build_flag",
    "context_from_plan",
    "convert",
    "course_of",
    "describe_rules",
    "evaluate_labs",
    "evidence_still_effective",
    "find_loinc",
    "flag_id_of",
    "normalise_result",
    "reconcile_findings",
    "record_first_dose",
    "record_report",
    "replaced_findings",
    "summarise_response",
    "timeline_view",
]
