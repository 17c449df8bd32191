"""Small builders for labs domain tests: a standard plan, lab events on treatment days."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from uuid import NAMESPACE_URL, UUID, uuid5

from services.labs.domain import (
    Finding,
    LabReport,
    LabsConfig,
    LabTimeline,
    TreatmentContext,
    evaluate_labs,
    normalise_result,
)
from shared.contracts import LabResulted, Phase, PhaseSpec

NS = uuid5(NAMESPACE_URL, "urn:test:labs")
PATIENT = "patient-1"
PLAN_ID = uuid5(NS, "plan")
START = date(2026, 1, 5)
FIRST_DOSE_AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SAMPLE_HOUR = 10
DEFAULT_CONFIG = LabsConfig()

B12 = "2132-9"
B12_MOLAR = "14685-2"
MMA = "13964-2"
HCY = "13965-9"
HB = "718-7"
MCV = "787-2"
RETIC = "4679-7"
RETIC_ABS = "14196-0"
FOLATE = "2284-8"
RBC_FOLATE = "2283-0"
TSH = "3016-3"
FERRITIN = "2276-4"
POTASSIUM = "2823-3"


def phase(
    kind: Phase,
    starts_on: date,
    ends_on: date | None = None,
    *,
    interval_days: int | None = None,
) -> PhaseSpec:
    """A hydroxocobalamin IM phase."""
    return PhaseSpec(
        phase=kind,
        description=kind.value,
        product="hydroxocobalamin",
        route="IM",
        dose_mcg=1000,
        interval_days=interval_days,
        times_per_week=None if interval_days else 3,
        starts_on=starts_on,
        ends_on=ends_on,
    )


def standard_phases(*, loading_days: int = 14, maintenance_interval_days: int = 84):
    """Loading for ``loading_days`` days from START, then open-ended maintenance."""
    loading_end = START + timedelta(days=loading_days - 1)
    return (
        phase(Phase.LOADING, START, loading_end),
        phase(
            Phase.MAINTENANCE,
            loading_end + timedelta(days=1),
            interval_days=maintenance_interval_days,
        ),
    )


def context(
    *,
    first_dose_at: datetime | None = FIRST_DOSE_AT,
    phases: Iterable[PhaseSpec] | None = None,
    maintenance_interval_days: int = 84,
    timezone: str = "UTC",
    anaemia_threshold: float | None = None,
) -> TreatmentContext:
    """The standard plan: starts START, 2 weeks loading then 12-weekly maintenance."""
    return TreatmentContext(
        plan_id=PLAN_ID,
        start_date=START,
        timezone=timezone,
        phases=tuple(
            phases
            if phases is not None
            else standard_phases(maintenance_interval_days=maintenance_interval_days)
        ),
        first_dose_at=first_dose_at,
        haemoglobin_anaemia_below_g_l=anaemia_threshold,
    )


def sampled_on(day: int, hour: int = SAMPLE_HOUR) -> datetime:
    """The instant of a sample taken on treatment day ``day`` (day 0 = first dose)."""
    return datetime.combine(START + timedelta(days=day), datetime.min.time(), UTC).replace(
        hour=hour
    )


def lab(
    code: str,
    value: float,
    unit: str,
    *,
    day: int,
    result_id: str | None = None,
    status: str = "final",
    source: str = "lab-system",
    lab_id: str | None = None,
    low: float | None = None,
    high: float | None = None,
    hour: int = SAMPLE_HOUR,
    reported_after_hours: int = 6,
) -> LabResulted:
    """A LabResulted for a sample taken on treatment day ``day``."""
    result_id = result_id or f"{code}@{day}h{hour}"
    observed_at = sampled_on(day, hour)
    reported_at = observed_at + timedelta(hours=reported_after_hours)
    return LabResulted.model_validate(
        {
            "event_id": uuid5(NS, f"{source}|{result_id}|{status}|{value}|{unit}|{reported_at}"),
            "occurred_at": reported_at,
            "patient_id": PATIENT,
            "source": source,
            "result_id": result_id,
            "observed_at": observed_at,
            "code": code,
            "value": value,
            "unit": unit,
            "status": status,
            "lab_id": lab_id,
            "reference_low": low,
            "reference_high": high,
        }
    )


def reports(*events: LabResulted, config: LabsConfig = DEFAULT_CONFIG) -> list[LabReport]:
    """The events normalised."""
    return [normalise_result(event, config=config) for event in events]


def timeline(*events: LabResulted, config: LabsConfig = DEFAULT_CONFIG) -> LabTimeline:
    """A timeline of the events."""
    return LabTimeline(tuple(reports(*events, config=config)))


def evaluate(
    *events: LabResulted,
    ctx: TreatmentContext | None = None,
    config: LabsConfig = DEFAULT_CONFIG,
) -> tuple[Finding, ...]:
    """The findings over the events against the standard plan (or ``ctx``)."""
    return evaluate_labs(
        timeline=timeline(*events, config=config),
        context=ctx or context(),
        config=config,
    )


def reasons(findings: Iterable[Finding]) -> list[str]:
    """The flag reasons, in order."""
    return [finding.reason.value for finding in findings]


def of_reason(findings: Iterable[Finding], reason: str) -> list[Finding]:
    """The findings with ``reason``."""
    return [finding for finding in findings if finding.reason.value == reason]


def uuid_for(text: str) -> UUID:
    """A deterministic id for tests."""
    return uuid5(NS, text)
