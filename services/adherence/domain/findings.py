"""What a flag rule returns: ResponseFlagged-ready data with a deterministic dedupe key."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from services.adherence.domain.ids import derived_id
from services.adherence.domain.model import TrackedDose
from shared.contracts import Evidence, EvidenceItem, FlagReason, FlagSeverity, SuggestedAction

MICROGRAM_UNIT = "ug"
"""UCUM code for micrograms, the unit doses are scheduled in."""
DAY_UNIT = "d"
"""UCUM code for days."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FlagFinding:
    """One finding of a flag rule, ready to become a ResponseFlagged."""

    plan_id: UUID
    reason: FlagReason
    severity: FlagSeverity
    rule_id: str
    rule_version: int
    dedupe_key: str
    """Same finding, same key: store it and skip a finding whose key is already stored."""
    evidence: Evidence
    recommendation: str
    suggested_action: SuggestedAction | None = None

    @property
    def flag_id(self) -> UUID:
        """The flag's id, derived from the dedupe key so a re-raised finding keeps its id."""
        return derived_id("flag", self.dedupe_key)


def dedupe_key(*, rule_id: str, plan_id: UUID, finding: str) -> str:
    """``<rule_id>:<plan_id>:<what identifies the finding>`` (a dose id or a start date)."""
    return f"{rule_id}:{plan_id}:{finding}"


def scheduled_dose_item(dose: TrackedDose, *, label: str) -> EvidenceItem:
    """Evidence naming a scheduled dose: its id, due date and dose."""
    return EvidenceItem(
        kind="scheduled_dose",
        label=label,
        ref=str(dose.dose_id),
        on=dose.due_on,
        value=dose.scheduled.dose_mcg,
        unit=MICROGRAM_UNIT,
    )
