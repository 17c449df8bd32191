"""Creating a plan: protocol selection, overrides, dose schedule, monitoring, horizon."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from services.planner.domain.calendar import add_months
from services.planner.domain.context import PlanningContext
from services.planner.domain.errors import NotApplicableError
from services.planner.domain.monitoring import schedule_monitoring
from services.planner.domain.overrides import (
    Overrides,
    check_loading_weeks,
    check_maintenance_interval_weeks,
)
from services.planner.domain.phases import PhaseEnd, PlannedPhase
from services.planner.domain.plan import Plan, PlanRequest, make_doses, review_date
from services.planner.domain.protocols import (
    Every,
    Frequency,
    Lasting,
    Period,
    Protocol,
    ProtocolPhase,
    UntilReview,
)
from services.planner.domain.schedule import schedule_phases
from services.planner.domain.selection import select_protocol
from shared.contracts.vocabulary import Phase, Route, Severity


def build_plan(
    request: PlanRequest, *, plan_id: UUID, today: date, context: PlanningContext
) -> Plan:
    """Create a plan with everything PlanCreated carries (``today`` is the clinic's date)."""
    rules = context.rules
    selection = select_protocol(
        request.facts(),
        library=context.library,
        rules=rules.selection,
        chosen_protocol_id=request.protocol_id,
    )
    protocol = context.library.get(selection.protocol_id, selection.protocol_version)
    rationale = list(selection.rationale)
    rationale.extend(_check_overrides(protocol, request.overrides, context=context))
    templates = [
        _planned_phase(
            phase,
            protocol=protocol,
            route=selection.route,
            overrides=request.overrides,
            starts_on=request.start_date,
        )
        for phase in protocol.phases
    ]
    # A plan taken over from elsewhere may start in the past: its horizon still runs from today.
    until = add_months(max(request.start_date, today), rules.schedule.horizon_months)
    phases, placed = schedule_phases(
        templates,
        first_index=0,
        not_before=request.start_date,
        prior=(),
        context=context.schedule_context(until=until),
    )
    doses = make_doses(plan_id, phases=phases, placed=placed)
    first_dose_on = doses[0].due_on if doses else request.start_date
    lab_checks = schedule_monitoring(
        plan_id=plan_id,
        first_dose_on=first_dose_on,
        severity=request.severity,
        pregnant=request.pregnant,
        calendar=context.calendar,
        rules=rules.monitoring,
    )
    horizon_until = until if protocol.open_ended else None
    rationale.extend(
        _schedule_reasons(request, today=today, horizon_until=horizon_until, context=context)
    )
    return Plan(
        plan_id=plan_id,
        patient_id=request.patient_id,
        protocol_id=protocol.id,
        protocol_version=protocol.version,
        recommended_protocol_id=selection.recommended_protocol_id,
        indication=request.indication,
        severity=request.severity,
        neurological_involvement=request.neurological_involvement,
        pregnant=request.pregnant,
        lifelong=selection.lifelong,
        rationale=rationale,
        start_date=request.start_date,
        timezone=request.timezone or rules.default_timezone,
        phases=phases,
        doses=doses,
        lab_checks=lab_checks,
        review_on=review_date(phases, lab_checks),
        horizon_until=horizon_until,
    )


def loading_end(weeks: int) -> PhaseEnd:
    """A loading phase lasting ``weeks`` from its first dose."""
    return Lasting(period=Period(count=weeks, unit="weeks"))


def maintenance_every(weeks: int) -> Frequency:
    """A maintenance rule of one dose every ``weeks`` weeks."""
    return Every(period=Period(count=weeks, unit="weeks"))


def _planned_phase(
    phase: ProtocolPhase,
    *,
    protocol: Protocol,
    route: Route,
    overrides: Overrides,
    starts_on: date,
) -> PlannedPhase:
    frequency: Frequency = phase.frequency
    end: PhaseEnd = phase.duration
    description = phase.description
    if phase.phase == Phase.LOADING and overrides.loading_weeks is not None:
        weeks = Period(count=overrides.loading_weeks, unit="weeks")
        if isinstance(end, UntilReview):
            end = UntilReview(review_after=weeks)
            description += f"; review after {weeks.describe()} (clinician)"
        else:
            end = Lasting(period=weeks)
            description += f"; for {weeks.describe()} (clinician)"
    if phase.phase == Phase.MAINTENANCE and overrides.maintenance_interval_weeks is not None:
        frequency = maintenance_every(overrides.maintenance_interval_weeks)
        description = (
            f"{phase.dose_mcg:g} mcg {route} every {overrides.maintenance_interval_weeks} weeks "
            f"(clinician; protocol: {phase.description})"
        )
    return PlannedPhase(
        phase=phase.phase,
        description=description,
        product=protocol.product,
        route=route,
        dose_mcg=phase.dose_mcg,
        frequency=frequency,
        end=end,
        starts_on=starts_on,
    )


def _check_overrides(
    protocol: Protocol, overrides: Overrides, *, context: PlanningContext
) -> list[str]:
    bounds = context.rules.bounds
    reasons = []
    if overrides.loading_weeks is not None:
        check_loading_weeks(overrides.loading_weeks, bounds)
        if not any(phase.phase == Phase.LOADING for phase in protocol.phases):
            raise NotApplicableError(f"loading_weeks: protocol {protocol.id} has no loading phase")
        reasons.append(
            f"Clinician set the loading length to {overrides.loading_weeks} weeks (bounds "
            f"{bounds.loading_weeks_min}-{bounds.loading_weeks_max} weeks)."
        )
    if overrides.maintenance_interval_weeks is not None:
        check_maintenance_interval_weeks(overrides.maintenance_interval_weeks, bounds)
        maintenance = [p for p in protocol.phases if p.phase == Phase.MAINTENANCE]
        if (
            not protocol.injected
            or not maintenance
            or not isinstance(maintenance[-1].frequency, Every)
        ):
            raise NotApplicableError(
                f"maintenance_interval_weeks: protocol {protocol.id} has no injected maintenance "
                "given at an interval"
            )
        reasons.append(
            f"Clinician set the maintenance interval to {overrides.maintenance_interval_weeks} "
            f"weeks (bounds {bounds.maintenance_interval_weeks_min}-"
            f"{bounds.maintenance_interval_weeks_max} weeks, {bounds.maintenance_interval_source} "
            "spacing cap)."
        )
    return reasons


def _schedule_reasons(
    request: PlanRequest, *, today: date, horizon_until: date | None, context: PlanningContext
) -> list[str]:
    monitoring = context.rules.monitoring
    reasons = []
    if request.pregnant:
        reasons.append(
            f"Pregnant: clinical review at {monitoring.clinical_review_after_months_pregnant} "
            f"month(s) instead of {monitoring.clinical_review_after_months} "
            f"[{monitoring.clinical_review_source}]."
        )
    if request.severity == Severity.SEVERE and monitoring.potassium_when_severe:
        reasons.append(
            "Severe deficiency: potassium checked within 48 h of starting treatment "
            f"[{monitoring.potassium.source}]."
        )
    if horizon_until is not None:
        reasons.append(
            f"Open-ended maintenance: doses are listed up to {horizon_until.isoformat()} and the "
            "schedule is extended before it runs out; only a clinician stops the plan."
        )
    if request.start_date < today:
        reasons.append(
            f"The plan starts in the past ({request.start_date.isoformat()}): doses before "
            f"{today.isoformat()} are simply due (a programme being taken over)."
        )
    return reasons
