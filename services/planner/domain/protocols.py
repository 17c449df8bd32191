"""Typed protocol definitions: what the versioned JSON files in services/planner/protocols hold."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from services.planner.domain.calendar import add_months
from services.planner.domain.config import Region
from shared.contracts.vocabulary import Phase, Product, Route

ProtocolId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
SourceKey = Annotated[str, StringConstraints(min_length=1, max_length=32)]
PeriodUnit = Literal["days", "weeks", "months"]

# Phases must follow each other in this order (shared.contracts.Phase lists them in order).
PHASE_ORDER: dict[Phase, int] = {phase: rank for rank, phase in enumerate(Phase)}


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Period(_Data):
    """A length of time: N days, weeks or calendar months."""

    count: int = Field(ge=1)
    unit: PeriodUnit

    def after(self, day: date, times: int = 1) -> date:
        """The date ``times`` periods after ``day``."""
        if self.unit == "months":
            return add_months(day, self.count * times)
        days = self.count * times * (7 if self.unit == "weeks" else 1)
        return day + timedelta(days=days)

    @property
    def longest_days(self) -> int:
        """The longest this period can be, in days (a month counts as 31)."""
        per_unit = {"days": 1, "weeks": 7, "months": 31}[self.unit]
        return self.count * per_unit

    @property
    def shortest_days(self) -> int:
        """The shortest this period can be, in days (a month counts as 28)."""
        per_unit = {"days": 1, "weeks": 7, "months": 28}[self.unit]
        return self.count * per_unit

    def describe(self) -> str:
        """'2 weeks', '1 month'."""
        unit = self.unit if self.count != 1 else self.unit.removesuffix("s")
        return f"{self.count} {unit}"


class Daily(_Data):
    """One dose every day."""

    kind: Literal["daily"] = "daily"


class AlternateDays(_Data):
    """One dose every other day."""

    kind: Literal["alternate_days"] = "alternate_days"


class TimesPerWeek(_Data):
    """N doses in each Monday-Sunday week, spread out."""

    kind: Literal["times_per_week"] = "times_per_week"
    times: int = Field(ge=1, le=7)


class Every(_Data):
    """One dose every N days, weeks or months."""

    kind: Literal["every"] = "every"
    period: Period


Frequency = Annotated[Daily | AlternateDays | TimesPerWeek | Every, Field(discriminator="kind")]


class DoseCount(_Data):
    """The phase ends after this many doses."""

    kind: Literal["doses"] = "doses"
    count: int = Field(ge=1)


class Lasting(_Data):
    """The phase lasts this long from its first dose (doses on the last day included)."""

    kind: Literal["lasting"] = "lasting"
    period: Period


class UntilReview(_Data):
    """The phase lasts until a clinician ends it at review; ``review_after`` defaults in config."""

    kind: Literal["until_review"] = "until_review"
    review_after: Period | None = None


class OpenEnded(_Data):
    """The phase has no end: it runs until a clinician stops the plan (lifelong maintenance)."""

    kind: Literal["open_ended"] = "open_ended"


Duration = Annotated[DoseCount | Lasting | UntilReview | OpenEnded, Field(discriminator="kind")]


class ProtocolPhase(_Data):
    """One phase of a protocol: dose, how often, for how long."""

    phase: Phase
    description: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    dose_mcg: float = Field(gt=0)
    dose_range_mcg: tuple[float, float] | None = Field(
        default=None, description="The range the source gives when dose_mcg is a choice within it"
    )
    frequency: Frequency
    duration: Duration
    sources: list[SourceKey] = Field(min_length=1)


class Protocol(_Data):
    """A versioned treatment regimen from the library, with the sources it rests on."""

    id: ProtocolId
    version: int = Field(ge=1)
    title: Annotated[str, StringConstraints(min_length=1, max_length=120)]
    summary: Annotated[str, StringConstraints(min_length=1, max_length=600)]
    region: Region | None = Field(description="None: not tied to one country's guidance")
    product: Product
    routes: list[Route] = Field(min_length=1, description="Allowed routes; the first is default")
    phases: list[ProtocolPhase] = Field(min_length=1)
    sources: list[SourceKey] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Protocol:
        ranks = [PHASE_ORDER[phase.phase] for phase in self.phases]
        if ranks != sorted(ranks):
            raise ValueError("phases must run loading, consolidation, maintenance in that order")
        for phase in self.phases[:-1]:
            if isinstance(phase.duration, OpenEnded):
                raise ValueError("only the last phase may be open-ended")
        oral = "oral" in self.routes
        if oral and len(self.routes) > 1:
            raise ValueError("a protocol is either oral or injected, not both")
        for phase in self.phases:
            missing = set(phase.sources) - set(self.sources)
            if missing:
                raise ValueError(f"phase sources {sorted(missing)} are not in the protocol sources")
        return self

    @property
    def injected(self) -> bool:
        """True when the protocol's doses are injections (IM or SC)."""
        return "oral" not in self.routes

    @property
    def open_ended(self) -> bool:
        """True when the last phase never ends by itself (it can carry a lifelong plan)."""
        return isinstance(self.phases[-1].duration, OpenEnded)
