"""Turning evaluations into flags: what is new, what is already raised, what no longer holds.

Decisions:
- A finding is raised once per dedupe key (rule id + the evidence result versions). The store
  keeps every finding raised; re-evaluation after any change returns the full current set and
  ``reconcile_findings`` says what to do with it.
- Evidence that grows within one episode (e.g. the MCV of a blood count arriving after its Hb)
  changes the key but not the episode: it is absorbed into the open finding, not re-raised.
- An open finding whose evidence was superseded by an amendment, or cancelled, and that the
  current evaluation no longer produces, is withdrawn: the API shows it as withdrawn and no event
  is published (the contract has no withdrawal event; staff see it on the response view). When
  the amended evidence still meets the rule, the new finding (new key) is raised in its place,
  and its flag names the withdrawn one in ``supersedes_flag_id`` (``replaced_findings``).
- An open finding whose evidence is unchanged stays open even if it is no longer produced (for
  example after a plan adjustment moved a phase boundary): it was true of the facts it cites.
- A withdrawn finding that holds again with exactly the same evidence is reopened, not re-raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict

from services.labs.domain.results import ResultKey
from services.labs.domain.rules.base import Finding
from services.labs.domain.timeline import LabTimeline
from shared.contracts import ResponseFlagged

FLAG_NAMESPACE = uuid5(NAMESPACE_URL, "urn:b12-platform:labs:flag")
FLAG_EVENT_NAMESPACE = uuid5(NAMESPACE_URL, "urn:b12-platform:labs:flag-event")


class FindingStatus(StrEnum):
    """The state of a finding the store has recorded."""

    OPEN = "open"
    WITHDRAWN = "withdrawn"


class KnownFinding(BaseModel):
    """A finding already recorded for the patient, with its state."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    status: FindingStatus = FindingStatus.OPEN


@dataclass(frozen=True, slots=True, kw_only=True)
class Reconciliation:
    """What to do after an evaluation."""

    raised: tuple[Finding, ...]
    """New: record as open and publish a ResponseFlagged for each."""
    absorbed: tuple[Finding, ...]
    """Same episode as a finding already open: no event."""
    reopened: tuple[Finding, ...]
    """Withdrawn earlier, holding again on identical evidence: mark open, no event."""
    withdrawn: tuple[Finding, ...]
    """Open, but their evidence was amended or cancelled away: mark withdrawn, no event."""


def evidence_still_effective(finding: Finding, timeline: LabTimeline) -> bool:
    """Whether every result version the finding cites is still the effective one."""
    return all(
        timeline.effective_fingerprint(ResultKey(ref.source, ref.result_id)) == ref.fingerprint
        for ref in finding.evidence_refs
    )


def reconcile_findings(
    *, current: Sequence[Finding], known: Sequence[KnownFinding], timeline: LabTimeline
) -> Reconciliation:
    """Compare a fresh evaluation with the findings already recorded for the patient."""
    current_keys = {finding.dedupe_key for finding in current}
    withdrawn = [
        entry.finding
        for entry in known
        if entry.status is FindingStatus.OPEN
        and entry.finding.dedupe_key not in current_keys
        and not evidence_still_effective(entry.finding, timeline)
    ]
    withdrawn_keys = {finding.dedupe_key for finding in withdrawn}
    by_key = {entry.finding.dedupe_key: entry for entry in known}
    open_episodes = {
        entry.finding.episode_key
        for entry in known
        if entry.status is FindingStatus.OPEN and entry.finding.dedupe_key not in withdrawn_keys
    }
    raised: list[Finding] = []
    absorbed: list[Finding] = []
    reopened: list[Finding] = []
    for finding in current:
        entry = by_key.get(finding.dedupe_key)
        if entry is not None:
            if entry.status is FindingStatus.WITHDRAWN:
                reopened.append(finding)
            continue
        if finding.episode_key in open_episodes:
            absorbed.append(finding)
            continue
        raised.append(finding)
        open_episodes.add(finding.episode_key)
    return Reconciliation(
        raised=tuple(raised),
        absorbed=tuple(absorbed),
        reopened=tuple(reopened),
        withdrawn=tuple(withdrawn),
    )


def replaced_findings(reconciliation: Reconciliation) -> dict[str, Finding]:
    """For each raised finding that takes the place of one withdrawn, the one it replaces.

    A raised finding replaces a withdrawn one of the same rule that cites a version of one of
    the same results: the amended evidence still meets the rule (its flag names the earlier
    flag as ``supersedes_flag_id``). Keys are the raised findings' dedupe keys.
    """
    replaced: dict[str, Finding] = {}
    available = list(reconciliation.withdrawn)
    for finding in reconciliation.raised:
        results = _result_keys(finding)
        match = next(
            (
                old
                for old in available
                if old.rule_id == finding.rule_id and results & _result_keys(old)
            ),
            None,
        )
        if match is not None:
            replaced[finding.dedupe_key] = match
            available.remove(match)
    return replaced


def _result_keys(finding: Finding) -> set[ResultKey]:
    return {ResultKey(ref.source, ref.result_id) for ref in finding.evidence_refs}


def flag_id_of(finding: Finding, *, patient_id: str) -> UUID:
    """The flag id of a finding: derived, so a republished flag keeps its id."""
    return uuid5(FLAG_NAMESPACE, f"{patient_id}|{finding.dedupe_key}")


def build_flag(
    finding: Finding,
    *,
    patient_id: str,
    plan_id: UUID | None,
    source: str,
    occurred_at: datetime,
    correlation_id: str | None = None,
    supersedes_flag_id: UUID | None = None,
) -> ResponseFlagged:
    """The ResponseFlagged event announcing a raised finding (event id derived from the flag)."""
    flag_id = flag_id_of(finding, patient_id=patient_id)
    return ResponseFlagged(
        event_id=uuid5(FLAG_EVENT_NAMESPACE, str(flag_id)),
        occurred_at=occurred_at,
        patient_id=patient_id,
        source=source,
        correlation_id=correlation_id,
        flag_id=flag_id,
        plan_id=plan_id,
        raised_by="labs",
        reason=finding.reason,
        severity=finding.severity,
        evidence=finding.evidence,
        recommendation=finding.recommendation,
        suggested_action=finding.suggested_action,
        rule_id=finding.rule_id,
        rule_version=finding.rule_version,
        supersedes_flag_id=supersedes_flag_id,
    )
