"""The planner's clinical and scheduling parameters, with their sources.

Plain pydantic models with the defaults of clinical-reference.md: the service's settings class
(pydantic-settings, env prefix ``PLANNER_``) nests ``PlannerRules`` so every figure can be
changed per deployment without touching code. The domain never reads the environment itself.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.contracts.plans import LoincCode
from shared.contracts.vocabulary import Indication

Region = Literal["UK", "US"]


class _Rules(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SafetyBounds(_Rules):
    """Limits on clinician overrides; a value outside them is refused with the bound's name."""

    maintenance_interval_weeks_min: int = Field(
        default=1, ge=1, description="Engineering default: no source sets a shortest interval"
    )
    maintenance_interval_weeks_max: int = Field(
        default=12,
        ge=1,
        description="Spacing cap: maintenance injections no more than 12 weeks apart "
        "[ICB-COVID quoting RCGP]",
    )
    maintenance_interval_source: str = "RCGP"
    loading_weeks_min: int = Field(default=1, ge=1)
    loading_weeks_max: int = Field(
        default=12,
        ge=1,
        description="Engineering default, not guidance: no source bounds the loading length; "
        "the neurological loading runs until no further improvement [BNF-f]",
    )

    @model_validator(mode="after")
    def _ordered(self) -> SafetyBounds:
        if self.maintenance_interval_weeks_min > self.maintenance_interval_weeks_max:
            raise ValueError("maintenance_interval_weeks_min exceeds its max")
        if self.loading_weeks_min > self.loading_weeks_max:
            raise ValueError("loading_weeks_min exceeds its max")
        return self

    @property
    def spacing_cap_days(self) -> int:
        """The longest allowed gap between injections, in days."""
        return self.maintenance_interval_weeks_max * 7


class ScheduleRules(_Rules):
    """Review of until-review phases; how far ahead open-ended schedules are listed and rolled."""

    horizon_months: int = Field(default=12, ge=1, le=60)
    extend_when_days_left: int = Field(
        default=60, ge=1, description="Extend once fewer days than this remain before the horizon"
    )
    review_after_weeks: int = Field(
        default=3,
        ge=1,
        description="Default review of an 'until no further improvement' phase, e.g. at 3 weeks "
        "[BNF-f][Scot]",
    )

    @model_validator(mode="after")
    def _extension_adds_doses(self) -> ScheduleRules:
        # Extending must push the horizon past where it stands, or lifelong plans could run dry.
        if self.extend_when_days_left >= self.horizon_months * 28:
            raise ValueError("extend_when_days_left must be shorter than the horizon")
        return self


class CheckRule(_Rules):
    """One monitoring step: due on ``target_day`` after the first dose, within a window."""

    key: str
    purpose: str
    loinc_codes: tuple[LoincCode, ...] = ()
    target_day: int = Field(ge=0)
    earliest_day: int = Field(ge=0)
    latest_day: int = Field(ge=0)
    source: str

    @model_validator(mode="after")
    def _window_holds_target(self) -> CheckRule:
        if not self.earliest_day <= self.target_day <= self.latest_day:
            raise ValueError(f"{self.key}: target_day must lie within earliest_day..latest_day")
        return self


class MonitoringRules(_Rules):
    """The monitoring schedule that goes with every plan (no repeat B12 once settled [BNSSG])."""

    reticulocytes: CheckRule = CheckRule(
        key="reticulocytes",
        purpose="Reticulocyte response (days 7-10 of treatment)",
        loinc_codes=("4679-7", "17849-1"),
        target_day=8,
        earliest_day=7,
        latest_day=10,
        source="Lothian",
    )
    blood_count: CheckRule = CheckRule(
        key="blood_count_8_weeks",
        purpose="Full blood count and reticulocytes at 8 weeks",
        loinc_codes=("718-7", "787-2", "4679-7"),
        target_day=56,
        earliest_day=56,
        # Engineering default: a week's leeway to find a working day; the source says "at 8 weeks".
        latest_day=63,
        source="Lothian",
    )
    clinical_review_after_months: int = Field(
        default=3, ge=1, description="Clinical review at 3 months [NASGP-NG239]"
    )
    clinical_review_after_months_pregnant: int = Field(
        default=1, ge=1, description="Clinical review at 1 month if pregnant [NASGP-NG239]"
    )
    clinical_review_source: str = "NASGP-NG239"
    potassium_when_severe: bool = Field(
        default=True,
        description="Potassium within 48 h of starting treatment of severe anaemia [FDA-CN]",
    )
    potassium: CheckRule = CheckRule(
        key="potassium_48h",
        purpose="Potassium within 48 h of starting treatment (severe deficiency)",
        loinc_codes=("2823-3",),
        target_day=2,
        earliest_day=1,
        latest_day=2,
        source="FDA-CN",
    )


class SelectionRules(_Rules):
    """Which library protocol each clinical situation maps to, and which causes are lifelong."""

    default_region: Region = Field(
        default="UK", description="Used when the request states no region preference"
    )
    lifelong_indications: frozenset[Indication] = Field(
        default=frozenset(
            {
                Indication.PERNICIOUS_ANAEMIA,
                Indication.GASTRECTOMY,
                Indication.BARIATRIC_SURGERY,
                Indication.ILEAL_RESECTION,
            }
        ),
        description="Pernicious anaemia and irreversible causes [NICE-R][Scot][FDA-CN]",
    )
    uk_without_neuro: str = "uk-hydroxocobalamin-no-neuro"
    uk_with_neuro: str = "uk-hydroxocobalamin-neuro"
    us_standard: str = "us-cyanocobalamin-label"
    us_severe_or_neuro: str = "us-cyanocobalamin-1000-practice"
    dietary_oral: str = "dietary-oral-cyanocobalamin"
    oral_high_dose: str = "oral-high-dose-cyanocobalamin"


class PlannerRules(_Rules):
    """Every parameter the planner's domain uses; built once in the composition root."""

    bounds: SafetyBounds = SafetyBounds()
    schedule: ScheduleRules = ScheduleRules()
    monitoring: MonitoringRules = MonitoringRules()
    selection: SelectionRules = SelectionRules()
    default_timezone: str = "Europe/London"
