"""A plan's phases as the schedule engine runs them (the state behind each PhaseSpec)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.planner.domain.protocols import (
    AlternateDays,
    Daily,
    DoseCount,
    Every,
    Frequency,
    Lasting,
    OpenEnded,
    TimesPerWeek,
    UntilReview,
)
from shared.contracts.plans import PhaseSpec
from shared.contracts.vocabulary import Phase, Product, Route


class EndsOn(BaseModel):
    """The phase ends on a date; ``at_review`` when that date is a clinician's review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["ends_on"] = "ends_on"
    on: date
    at_review: bool = False


PhaseEnd = Annotated[
    DoseCount | Lasting | UntilReview | EndsOn | OpenEnded, Field(discriminator="kind")
]
"""UntilReview is resolved into EndsOn(at_review=True) once the phase's start date is known."""


class PlannedPhase(BaseModel):
    """One phase of a patient's plan: the protocol phase made concrete, with its dates."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    phase: Phase
    description: str
    product: Product
    route: Route
    dose_mcg: float = Field(gt=0)
    frequency: Frequency
    end: PhaseEnd
    starts_on: date
    origin: date | None = Field(
        default=None, description="The dose the phase's first dose is spaced from (None: none)"
    )
    ends_on: date | None = Field(default=None, description="Resolved once scheduled; None: open")

    @property
    def open_ended(self) -> bool:
        """True when the phase has no end of its own."""
        return isinstance(self.end, OpenEnded)

    @property
    def at_review(self) -> bool:
        """True while the phase is waiting for a clinician to end it at review."""
        return isinstance(self.end, EndsOn) and self.end.at_review

    def covers(self, day: date) -> bool:
        """True when ``day`` lies within the phase."""
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)

    def spec(self) -> PhaseSpec:
        """The contract view of the phase (PlanCreated / PlanAdjusted ``phases``)."""
        return PhaseSpec(
            phase=self.phase,
            description=self.description,
            product=self.product,
            route=self.route,
            dose_mcg=self.dose_mcg,
            interval_days=interval_days(self.frequency),
            times_per_week=(
                self.frequency.times if isinstance(self.frequency, TimesPerWeek) else None
            ),
            interval_months=interval_months(self.frequency),
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            ends_at_review=self.at_review,
        )


def interval_days(frequency: Frequency) -> int | None:
    """Days between doses, or None for N-times-a-week and calendar-month rules."""
    if isinstance(frequency, Daily):
        return 1
    if isinstance(frequency, AlternateDays):
        return 2
    if isinstance(frequency, Every) and frequency.period.unit != "months":
        return frequency.period.shortest_days
    return None


def interval_months(frequency: Frequency) -> int | None:
    """Calendar months between doses for monthly rules, else None."""
    if isinstance(frequency, Every) and frequency.period.unit == "months":
        return frequency.period.count
    return None
