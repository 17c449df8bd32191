"""Labs' HTTP API for clinic staff: timelines, the response to treatment, the rules (no SQL)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict

from services.labs import store
from services.labs.domain import (
    Analyte,
    AnalyteResponse,
    FindingStatus,
    LabsConfig,
    ResultKey,
    RulesView,
    TimelineEntry,
    TreatmentContext,
    describe_rules,
    summarise_response,
    timeline_view,
)
from services.labs.domain.summary import EntryState
from services.labs.settings import LabsSettings
from services.labs.state import PatientState, StoredFinding
from shared.contracts import Evidence, FlagReason, FlagSeverity, Indication, PhaseSpec, Severity
from shared.contracts.envelope import PatientId
from shared.contracts.findings import SuggestedAction
from shared.http import NotFound, PoolDep, RuntimeDep
from shared.security import Reader

router = APIRouter(tags=["labs"])

PatientPath = Annotated[
    PatientId, Path(description="The opaque patient id: 1-64 characters of [A-Za-z0-9._-]")
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"description": "Labs has received nothing for this patient"}
}


def labs_config(runtime: RuntimeDep) -> LabsConfig:
    """The clinical configuration the service runs with."""
    settings = runtime.settings
    assert isinstance(settings, LabsSettings)
    return settings.config


ConfigDep = Annotated[LabsConfig, Depends(labs_config)]


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PlanView(_View):
    """The treatment clock labs evaluates against."""

    plan_id: UUID | None
    start_date: date
    timezone: str
    first_dose_at: datetime | None
    day_zero: date
    indication: Indication | None
    severity: Severity | None
    neurological_involvement: bool
    phases: list[PhaseSpec]


class LabEntry(TimelineEntry):
    """One report: original and normalised, with L/H interpretation and whether it is evaluated."""

    evaluated: bool
    note: str | None


class LabsView(_View):
    """GET /patients/{patient_id}/labs."""

    patient_id: str
    plan: PlanView | None
    evaluated_at: datetime | None
    entries: list[LabEntry]


class FindingSummary(_View):
    """An open finding, as listed under the analytes it cites."""

    flag_id: UUID
    reason: FlagReason
    severity: FlagSeverity


class AnalyteView(AnalyteResponse):
    """Per analyte: baseline, latest, change, trend, and the open findings citing it."""

    open_findings: list[FindingSummary]


class FindingView(_View):
    """A finding labs raised, open or withdrawn (its evidence was amended or cancelled away)."""

    flag_id: UUID
    status: FindingStatus
    reason: FlagReason
    severity: FlagSeverity
    rule_id: str
    rule_version: int
    recommendation: str
    suggested_action: SuggestedAction | None
    evidence: Evidence
    analytes: list[Analyte]
    supersedes_flag_id: UUID | None
    raised_at: datetime
    changed_at: datetime


class ResponseView(_View):
    """GET /patients/{patient_id}/response."""

    patient_id: str
    plan: PlanView | None
    evaluated_at: datetime | None
    analytes: list[AnalyteView]
    findings: list[FindingView]


@router.get("/patients/{patient_id}/labs", responses=NOT_FOUND)
async def get_labs(
    patient_id: PatientPath, pool: PoolDep, config: ConfigDep, _: Reader
) -> LabsView:
    """Every report received for the patient, normalised, with its original value and unit."""
    state = await _patient(pool, patient_id)
    context = state.context(config)
    entries = timeline_view(timeline=state.timeline, context=context)
    return LabsView(
        patient_id=patient_id,
        plan=_plan_view(context),
        evaluated_at=state.evaluated_at,
        entries=[
            LabEntry(
                **entry.model_dump(),
                evaluated=context is not None and entry.state is EntryState.EFFECTIVE,
                note=_note(entry, planned=context is not None),
            )
            for entry in entries
        ],
    )


@router.get("/patients/{patient_id}/response", responses=NOT_FOUND)
async def get_response(
    patient_id: PatientPath, pool: PoolDep, config: ConfigDep, _: Reader
) -> ResponseView:
    """Per analyte the baseline, latest value and trend; every finding with its evidence."""
    state = await _patient(pool, patient_id)
    context = state.context(config)
    findings = [_finding_view(stored, state) for stored in state.findings]
    open_by_analyte: dict[Analyte, list[FindingSummary]] = {}
    for view in findings:
        if view.status is FindingStatus.OPEN:
            summary = FindingSummary(
                flag_id=view.flag_id, reason=view.reason, severity=view.severity
            )
            for analyte in view.analytes:
                open_by_analyte.setdefault(analyte, []).append(summary)
    analytes = [
        AnalyteView(
            **response.model_dump(), open_findings=open_by_analyte.get(response.analyte, [])
        )
        for response in summarise_response(timeline=state.timeline, context=context, config=config)
    ]
    return ResponseView(
        patient_id=patient_id,
        plan=_plan_view(context),
        evaluated_at=state.evaluated_at,
        analytes=analytes,
        findings=findings,
    )


@router.get("/rules")
async def get_rules(config: ConfigDep, _: Reader) -> RulesView:
    """Every rule with its version, thresholds and their sources; the codes and default ranges."""
    return describe_rules(config)


async def _patient(pool: asyncpg.Pool, patient_id: str) -> PatientState:
    state = await store.read_patient(pool, patient_id)
    if state is None:
        raise NotFound(f"labs has received no plan, dose or result for patient {patient_id}")
    return state


def _plan_view(context: TreatmentContext | None) -> PlanView | None:
    if context is None:
        return None
    return PlanView(
        plan_id=context.plan_id,
        start_date=context.start_date,
        timezone=context.timezone,
        first_dose_at=context.first_dose_at,
        day_zero=context.day_zero,
        indication=context.indication,
        severity=context.severity,
        neurological_involvement=context.neurological_involvement,
        phases=list(context.phases),
    )


_NOTES = {
    EntryState.UNRECOGNISED: "unrecognised code: stored, not evaluated",
    EntryState.SUPERSEDED: "superseded by a later version of this result: not evaluated",
    EntryState.CANCELLED: "cancelled by the laboratory: not evaluated",
}


def _note(entry: TimelineEntry, *, planned: bool) -> str | None:
    if entry.state in _NOTES:
        return _NOTES[entry.state]
    if not planned:
        return "no active plan yet: evaluated once a plan arrives"
    if entry.interpretation is None:
        return "no reference range: not interpreted as L/H"
    return None


def _finding_view(stored: StoredFinding, state: PatientState) -> FindingView:
    finding = stored.finding
    analytes: list[Analyte] = []
    for ref in finding.evidence_refs:
        report = state.timeline.latest_version(ResultKey(ref.source, ref.result_id))
        if report is not None and report.analyte is not None and report.analyte not in analytes:
            analytes.append(report.analyte)
    return FindingView(
        flag_id=stored.flag_id,
        status=stored.status,
        reason=finding.reason,
        severity=finding.severity,
        rule_id=finding.rule_id,
        rule_version=finding.rule_version,
        recommendation=finding.recommendation,
        suggested_action=finding.suggested_action,
        evidence=finding.evidence,
        analytes=analytes,
        supersedes_flag_id=stored.supersedes_flag_id,
        raised_at=stored.raised_at,
        changed_at=stored.changed_at,
    )
