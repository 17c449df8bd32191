"""Adherence configuration: dose windows per phase, matching tolerances, flag-rule thresholds.

No source gives a grace window for a late dose (clinical-reference.md, section 4): the window
numbers below are engineering defaults, not guidance, and a clinic should set its own. The flag
thresholds default to the catalogue's values; each carries its source in its description and
is reported in every flag's evidence, so what a rule applied is always visible.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts import FlagSeverity, Phase


class _Config(BaseModel):
    """Immutable and strict: a misspelt setting fails loudly instead of silently defaulting."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PhaseWindow(_Config):
    """When a dose of one phase counts as given on time, in whole days of the clinic's timezone."""

    early_days: int = Field(
        ge=0, description="The window opens at the start of (due_on - early_days), local time."
    )
    grace_days: int = Field(
        ge=0, description="The window closes at the end of (due_on + grace_days), local time."
    )
    late_acceptance_days: int = Field(
        ge=0,
        description=(
            "After the window closes, an administration outside every window may still be"
            " matched, as late, to this dose for this many more days."
        ),
    )


class WindowConfig(_Config):
    """Windows per phase. Engineering defaults, not guidance: no source gives a grace window."""

    loading: PhaseWindow = PhaseWindow(early_days=1, grace_days=2, late_acceptance_days=7)
    consolidation: PhaseWindow = PhaseWindow(early_days=1, grace_days=2, late_acceptance_days=7)
    maintenance: PhaseWindow = PhaseWindow(early_days=7, grace_days=14, late_acceptance_days=28)

    def for_phase(self, phase: Phase) -> PhaseWindow:
        """The window settings of ``phase``."""
        by_phase = {
            Phase.LOADING: self.loading,
            Phase.CONSOLIDATION: self.consolidation,
            Phase.MAINTENANCE: self.maintenance,
        }
        return by_phase[phase]


class MatchingConfig(_Config):
    """How administrations are validated before matching."""

    clock_skew_tolerance: timedelta = Field(
        default=timedelta(minutes=5),
        ge=timedelta(0),
        description="An administered_at further than this in the future is rejected (DLQ).",
    )


class MissedLoadingDoseConfig(_Config):
    """MISSED_LOADING_DOSE: a loading-phase dose not given by the end of its grace window."""

    severity: FlagSeverity = Field(default="warning", description="Catalogue, section 4.")
    severity_with_neurological_involvement: FlagSeverity = Field(
        default="urgent", description="Catalogue, section 4: urgent with neurological involvement."
    )
    recommendation: str = Field(
        default=(
            "Contact the patient to give the missed loading dose as soon as possible and review"
            " whether the loading phase needs extending."
        ),
        max_length=500,
    )


class ConsecutiveMissedDosesConfig(_Config):
    """CONSECUTIVE_MISSED_DOSES: several scheduled doses in a row missed."""

    min_consecutive: int = Field(default=2, ge=2, description="Catalogue, section 4: 2 or more.")
    severity: FlagSeverity = "warning"
    recommendation: str = Field(
        default=(
            "Contact the patient about the doses missed in a row and address what stops them"
            " attending before the next dose is due."
        ),
        max_length=500,
    )


class MaintenanceGapConfig(_Config):
    """MAINTENANCE_GAP_EXCEEDED: too long since the last maintenance dose was given."""

    max_gap_days: int = Field(
        default=84,
        ge=1,
        description=(
            "12 weeks: keep maintenance injections no more than 12 weeks apart"
            " [ICB-COVID, quoting RCGP]. Fires when more days than this have passed."
        ),
    )
    severity: FlagSeverity = Field(default="urgent", description="Catalogue, section 4.")
    recommendation: str = Field(
        default=(
            "Give the overdue maintenance injection as soon as possible; in a non-dietary cause a"
            " missed maintenance dose may be bridged with oral cyanocobalamin 1 mg daily until"
            " it is given [SPS]."
        ),
        max_length=500,
        description="Used for every cause except a dietary one.",
    )
    recommendation_dietary_cause: str = Field(
        default=(
            "Give the overdue maintenance dose as soon as possible, or review with the patient"
            " whether the dietary deficiency is corrected and treatment can stop [SPS]."
        ),
        max_length=500,
    )


class LowAdherenceConfig(_Config):
    """LOW_ADHERENCE: too few of the recently due doses given within their window."""

    lookback_days: int = Field(
        default=180,
        ge=1,
        description="Catalogue, section 4: doses due in the last 180 days (today included).",
    )
    min_percent: float = Field(
        default=80.0,
        gt=0,
        le=100,
        description="Catalogue, section 4: fires below 80 %; exactly 80 % does not fire.",
    )
    min_assessed_doses: int = Field(
        default=5,
        ge=1,
        description=(
            "Engineering default: with fewer assessed doses one miss swings the figure by more"
            " than 20 points, and sparse schedules are covered by the gap and miss rules."
        ),
    )
    severity: FlagSeverity = Field(default="info", description="Catalogue, section 4.")
    recommendation: str = Field(
        default=(
            "Review with the patient why doses are missed or given outside their window and"
            " whether the schedule, setting or route suits them."
        ),
        max_length=500,
    )


class RulesConfig(_Config):
    """Thresholds of the adherence flag rules."""

    missed_loading_dose: MissedLoadingDoseConfig = MissedLoadingDoseConfig()
    consecutive_missed_doses: ConsecutiveMissedDosesConfig = ConsecutiveMissedDosesConfig()
    maintenance_gap: MaintenanceGapConfig = MaintenanceGapConfig()
    low_adherence: LowAdherenceConfig = LowAdherenceConfig()


class AdherenceConfig(_Config):
    """Everything the adherence domain needs to decide; built once and passed down."""

    windows: WindowConfig = WindowConfig()
    matching: MatchingConfig = MatchingConfig()
    rules: RulesConfig = RulesConfig()
