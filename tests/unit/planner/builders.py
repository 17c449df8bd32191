"""Small builders for planner domain tests: a context, requests and plans."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from services.planner.domain import (
    ClinicCalendar,
    Overrides,
    Plan,
    PlannerRules,
    PlanningContext,
    PlanRequest,
    build_plan,
    load_protocol_library,
)
from shared.contracts import Indication, Severity

RULES = PlannerRules()
LIBRARY = load_protocol_library(bounds=RULES.bounds)
CONTEXT = PlanningContext(library=LIBRARY, rules=RULES, calendar=ClinicCalendar())
PLAN_ID = UUID("00000000-0000-4000-8000-000000000001")
MONDAY = date(2026, 1, 5)
SIX_MONTHS_LATER = date(2026, 7, 5)
ALL_PROTOCOL_IDS = [protocol.id for protocol in LIBRARY.protocols()]


def d(text: str) -> date:
    """A date from ISO text, to keep expected schedules readable."""
    return date.fromisoformat(text)


def dates(*texts: str) -> list[date]:
    """Dates from ISO texts."""
    return [d(text) for text in texts]


def context_with(
    *, closures: Iterable[date] = (), weekdays: Iterable[int] = range(5)
) -> PlanningContext:
    """The default context on a clinic calendar with the given closures and working weekdays."""
    calendar = ClinicCalendar(working_weekdays=frozenset(weekdays), closures=frozenset(closures))
    return PlanningContext(library=LIBRARY, rules=RULES, calendar=calendar)


def request(
    *,
    indication: Indication = Indication.PERNICIOUS_ANAEMIA,
    severity: Severity = Severity.MODERATE,
    neuro: bool = False,
    pregnant: bool = False,
    start: date = MONDAY,
    protocol_id: str | None = None,
    loading_weeks: int | None = None,
    maintenance_interval_weeks: int | None = None,
) -> PlanRequest:
    """A plan request with sensible defaults."""
    return PlanRequest(
        patient_id="patient-1",
        indication=indication,
        severity=severity,
        neurological_involvement=neuro,
        pregnant=pregnant,
        start_date=start,
        protocol_id=protocol_id,
        overrides=Overrides(
            loading_weeks=loading_weeks, maintenance_interval_weeks=maintenance_interval_weeks
        ),
    )


def plan_for(
    protocol_id: str | None,
    *,
    start: date = MONDAY,
    today: date | None = None,
    context: PlanningContext = CONTEXT,
    indication: Indication | None = None,
    severity: Severity = Severity.MODERATE,
    neuro: bool = False,
    pregnant: bool = False,
    loading_weeks: int | None = None,
    maintenance_interval_weeks: int | None = None,
) -> Plan:
    """A plan on a given protocol (dietary indication for the dietary protocol)."""
    if indication is None:
        dietary = protocol_id is not None and protocol_id.startswith("dietary")
        indication = Indication.DIETARY if dietary else Indication.PERNICIOUS_ANAEMIA
    plan_request = request(
        indication=indication,
        severity=severity,
        neuro=neuro,
        pregnant=pregnant,
        start=start,
        protocol_id=protocol_id,
        loading_weeks=loading_weeks,
        maintenance_interval_weeks=maintenance_interval_weeks,
    )
    return build_plan(plan_request, plan_id=PLAN_ID, today=today or start, context=context)


def due_dates(plan: Plan, *, before: date = SIX_MONTHS_LATER) -> list[date]:
    """The plan's dose dates before ``before``."""
    return [dose.due_on for dose in plan.doses if dose.due_on < before]
