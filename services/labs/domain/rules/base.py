"""What every labs rule shares: its identity, the Finding it emits, evidence and episodes.

Episodes keep a persisting problem from being flagged on every new result. A rule reads the
patient's state at each instant a relevant result was taken (the latest value of each analyte
so far); consecutive instants where the rule holds form one episode, reported once, with the
evidence seen at its first instant. A result that no longer meets the rule ends the episode; a
later one that meets it again starts a new episode and a new finding.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import groupby

from pydantic import BaseModel, ConfigDict, computed_field

from services.labs.domain.catalogue import Analyte
from services.labs.domain.config import LabsConfig, Setting
from services.labs.domain.course import TreatmentCourse
from services.labs.domain.results import Measurement
from shared.contracts import (
    Evidence,
    EvidenceItem,
    FlagReason,
    FlagSeverity,
    SuggestedAction,
    Threshold,
)


class EvidenceRef(BaseModel):
    """A result version a finding rests on."""

    model_config = ConfigDict(frozen=True)

    source: str
    result_id: str
    fingerprint: str


class Finding(BaseModel):
    """A rule's conclusion, ready to become a ResponseFlagged (see findings.build_flag)."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    rule_version: int
    reason: FlagReason
    severity: FlagSeverity
    evidence: Evidence
    recommendation: str
    suggested_action: SuggestedAction | None = None
    episode_start: datetime
    evidence_refs: tuple[EvidenceRef, ...]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def dedupe_key(self) -> str:
        """Rule id plus a digest of the evidence result versions: same evidence, same key."""
        parts = sorted(
            f"{r.source}\x1f{r.result_id}\x1f{r.fingerprint}" for r in self.evidence_refs
        )
        digest = hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:32]
        return f"{self.rule_id}:{digest}"

    @computed_field  # type: ignore[prop-decorator]
    @property
    def episode_key(self) -> str:
        """Rule id plus the instant the episode began: later evidence of it is not a new flag."""
        return f"{self.rule_id}@{self.episode_start.isoformat()}"


DAYS_PER_WEEK = 7


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleInfo:
    """A rule's identity as shown in every flag and by GET /rules."""

    rule_id: str
    version: int
    reason: FlagReason
    severity: FlagSeverity
    summary: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    """A pure rule: its identity, its evaluation and the settings it applies."""

    info: RuleInfo
    evaluate: Callable[[TreatmentCourse, LabsConfig], Sequence[Finding]]
    settings: Callable[[LabsConfig], Mapping[str, Setting]]
    parameters: Callable[[LabsConfig], Mapping[str, str]] | None = None
    """Non-numeric settings (codes, ladders) with their sources, for GET /rules."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The latest value of each relevant analyte at one instant."""

    at: datetime
    latest: Mapping[Analyte, Measurement]


def snapshots(measurements: Iterable[Measurement]) -> list[Snapshot]:
    """The state after each instant at which one of ``measurements`` was taken."""
    ordered = sorted(measurements, key=lambda m: (m.observed_at, m.key))
    latest: dict[Analyte, Measurement] = {}
    states = []
    for at, group in groupby(ordered, key=lambda m: m.observed_at):
        for measurement in group:
            latest[measurement.analyte] = measurement
        states.append(Snapshot(at=at, latest=dict(latest)))
    return states


def first_of_each_episode(
    states: Iterable[Snapshot], assess: Callable[[Snapshot], Finding | None]
) -> list[Finding]:
    """The finding at the first instant of every run of instants where ``assess`` holds."""
    findings: list[Finding] = []
    in_episode = False
    for state in states:
        finding = assess(state)
        if finding is not None and not in_episode:
            findings.append(finding)
        in_episode = finding is not None
    return findings


@dataclass(frozen=True, slots=True)
class Cited:
    """A measurement cited as evidence, with its role."""

    measurement: Measurement
    label: str
    baseline: bool = False


def threshold(name: str, setting: Setting) -> Threshold:
    """A configured setting as the threshold a flag reports."""
    return Threshold(name=name, value=setting.value, unit=setting.unit)


def build_finding(
    info: RuleInfo,
    *,
    course: TreatmentCourse,
    episode_start: datetime,
    cited: Sequence[Cited],
    thresholds: Sequence[Threshold],
    recommendation: str,
    measures: Sequence[EvidenceItem] = (),
    suggested_action: SuggestedAction | None = None,
) -> Finding:
    """A finding citing ``cited`` results (deduplicated) and the thresholds compared against."""
    unique = list({c.measurement.key: c for c in cited}.values())
    items = [_evidence_item(c, course) for c in unique]
    refs = tuple(
        EvidenceRef(
            source=c.measurement.key.source,
            result_id=c.measurement.key.result_id,
            fingerprint=c.measurement.report.fingerprint,
        )
        for c in unique
    )
    return Finding(
        rule_id=info.rule_id,
        rule_version=info.version,
        reason=info.reason,
        severity=info.severity,
        evidence=Evidence(items=[*items, *measures], thresholds=list(thresholds)),
        recommendation=recommendation,
        suggested_action=suggested_action,
        episode_start=episode_start,
        evidence_refs=refs,
    )


def treatment_day_item(course: TreatmentCourse, measurement: Measurement) -> EvidenceItem:
    """The treatment day of a result, as a derived measure."""
    return EvidenceItem(
        kind="measure",
        label="treatment_day",
        ref=measurement.key.result_id,
        source=measurement.key.source,
        value=course.day_of(measurement),
        unit="d",
        on=course.context.local_date(measurement.observed_at),
    )


def _evidence_item(cited: Cited, course: TreatmentCourse) -> EvidenceItem:
    m = cited.measurement
    return EvidenceItem(
        kind="baseline" if cited.baseline else "lab_result",
        label=cited.label,
        ref=m.key.result_id,
        source=m.key.source,
        code=m.report.code,
        value=m.value,
        unit=m.unit,
        on=course.context.local_date(m.observed_at),
        at=m.observed_at,
        # Staff compare with the laboratory's own report, which shows the original unit.
        original_value=m.report.original_value,
        original_unit=m.report.original_unit,
    )


def settings_of(**named: Setting | None) -> dict[str, Setting]:
    """The non-empty settings a rule applies, by name (for GET /rules)."""
    return {name: setting for name, setting in named.items() if setting is not None}
