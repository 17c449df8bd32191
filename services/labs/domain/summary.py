"""Read models for the API: the normalised timeline and the per-analyte response summary."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.labs.domain.catalogue import ANALYTES, Analyte
from services.labs.domain.config import LabsConfig
from services.labs.domain.ranges import Interpretation, ReferenceRange
from services.labs.domain.results import LabReport, Measurement, ResultStatus
from services.labs.domain.timeline import LabTimeline
from services.labs.domain.treatment import TreatmentContext


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class EntryState(StrEnum):
    """How a report stands in the timeline."""

    EFFECTIVE = "effective"
    UNRECOGNISED = "unrecognised"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class TimelineEntry(_View):
    """One report as GET /patients/{id}/labs shows it: original and normalised."""

    source: str
    result_id: str
    status: ResultStatus
    state: EntryState
    code: str
    code_confirmed: bool
    analyte: Analyte | None
    observed_at: datetime
    treatment_day: int | None
    baseline: bool
    lab_id: str | None
    original_value: float
    original_unit: str
    original_reference_low: float | None
    original_reference_high: float | None
    value: float | None
    unit: str | None
    reference: ReferenceRange | None
    interpretation: Interpretation | None


class Trend(StrEnum):
    """Direction of the latest change of an analyte."""

    RISING = "rising"
    FALLING = "falling"
    FLAT = "flat"
    UNKNOWN = "unknown"


class ValueView(_View):
    """A normalised value with where it came from."""

    source: str
    result_id: str
    observed_at: datetime
    treatment_day: int | None
    value: float
    unit: str
    original_value: float
    original_unit: str
    interpretation: Interpretation | None


class AnalyteResponse(_View):
    """Per analyte: baseline, latest, change and trend (GET /patients/{id}/response)."""

    analyte: Analyte
    display: str
    unit: str
    baseline: ValueView | None
    latest: ValueView
    change_from_baseline: float | None
    trend: Trend
    result_count: int


def timeline_view(
    *, timeline: LabTimeline, context: TreatmentContext | None
) -> tuple[TimelineEntry, ...]:
    """Every report, newest observation last, with its state and (with a plan) treatment day."""
    entries = [_entry(report, timeline=timeline, context=context) for report in timeline.reports]
    return tuple(sorted(entries, key=lambda e: (e.observed_at, e.source, e.result_id)))


def _entry(
    report: LabReport, *, timeline: LabTimeline, context: TreatmentContext | None
) -> TimelineEntry:
    if timeline.latest_version(report.key) is not report:
        state = EntryState.SUPERSEDED
    elif report.status == "cancelled":
        state = EntryState.CANCELLED
    elif not report.recognised:
        state = EntryState.UNRECOGNISED
    else:
        state = EntryState.EFFECTIVE
    return TimelineEntry(
        source=report.source,
        result_id=report.result_id,
        status=report.status,
        state=state,
        code=report.code,
        code_confirmed=report.code_confirmed,
        analyte=report.analyte,
        observed_at=report.observed_at,
        treatment_day=context.treatment_day(report.observed_at) if context else None,
        baseline=context.is_baseline(report.observed_at) if context else False,
        lab_id=report.lab_id,
        original_value=report.original_value,
        original_unit=report.original_unit,
        original_reference_low=report.original_reference_low,
        original_reference_high=report.original_reference_high,
        value=report.value,
        unit=report.unit,
        reference=report.reference,
        interpretation=report.interpretation,
    )


def summarise_response(
    *, timeline: LabTimeline, context: TreatmentContext | None, config: LabsConfig
) -> tuple[AnalyteResponse, ...]:
    """Per measured analyte: baseline, latest value, change from baseline and latest trend."""
    by_analyte: dict[Analyte, list[Measurement]] = {}
    for measurement in timeline.measurements():
        by_analyte.setdefault(measurement.analyte, []).append(measurement)
    tolerance = config.summary.trend_flat_tolerance.value
    summaries = []
    for analyte in Analyte:
        series = by_analyte.get(analyte)
        if not series:
            continue
        before = [m for m in series if context and context.is_baseline(m.observed_at)]
        baseline = before[-1] if before else None
        latest = series[-1]
        summaries.append(
            AnalyteResponse(
                analyte=analyte,
                display=ANALYTES[analyte].display,
                unit=ANALYTES[analyte].canonical_unit,
                baseline=_value(baseline, context) if baseline else None,
                latest=_value(latest, context),
                change_from_baseline=latest.value - baseline.value if baseline else None,
                trend=_trend(series, tolerance),
                result_count=len(series),
            )
        )
    return tuple(summaries)


def _trend(series: list[Measurement], tolerance: float) -> Trend:
    if len(series) < 2:
        return Trend.UNKNOWN
    previous, latest = series[-2].value, series[-1].value
    if abs(latest - previous) <= tolerance * abs(previous):
        return Trend.FLAT
    return Trend.RISING if latest > previous else Trend.FALLING


def _value(measurement: Measurement, context: TreatmentContext | None) -> ValueView:
    report = measurement.report
    return ValueView(
        source=report.source,
        result_id=report.result_id,
        observed_at=report.observed_at,
        treatment_day=context.treatment_day(report.observed_at) if context else None,
        value=measurement.value,
        unit=measurement.unit,
        original_value=report.original_value,
        original_unit=report.original_unit,
        interpretation=report.interpretation,
    )
