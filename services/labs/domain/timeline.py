"""A patient's lab timeline: every report kept, and the effective results evaluation works on.

Versions of one result (same ``source`` and ``result_id``) are ordered so that the effective
version does not depend on the order in which Kafka delivered them: a ``final`` report never
supersedes an amended, corrected or cancelled one (a late or re-sent original); otherwise the
later reported (event ``occurred_at``) wins, then the higher status (cancellation > correction
or amendment > original), then the event id. The latest version is effective; a cancelled
latest version removes the result from evaluation. A re-sent report repeating the effective
version's status and facts under a new event id is a duplicate. Nothing else is ever dropped:
the API shows all versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from services.labs.domain.results import LabReport, Measurement, ResultKey, as_measurement

_STATUS_RANK = {"final": 0, "amended": 1, "corrected": 1, "cancelled": 2}


class RecordOutcome(StrEnum):
    """What recording a report did to the timeline."""

    NEW = "new"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"
    DUPLICATE = "duplicate"
    STALE = "stale"


def _version_order(report: LabReport) -> tuple[object, ...]:
    revised = report.status != "final"
    return (revised, report.reported_at, _STATUS_RANK[report.status], str(report.event_id))


@dataclass(frozen=True, slots=True)
class LabTimeline:
    """All reports of one patient; build it from stored reports or grow it with record_report."""

    reports: tuple[LabReport, ...] = ()
    _latest: dict[ResultKey, LabReport] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        for report in self.reports:
            current = self._latest.get(report.key)
            if current is None or _version_order(report) > _version_order(current):
                self._latest[report.key] = report

    def latest_version(self, key: ResultKey) -> LabReport | None:
        """The most recent version of a result, cancelled or not."""
        return self._latest.get(key)

    def effective_reports(self) -> tuple[LabReport, ...]:
        """The latest version of every result that is not cancelled, in observation order."""
        effective = (r for r in self._latest.values() if r.status != "cancelled")
        return tuple(sorted(effective, key=_observation_order))

    def measurements(self) -> tuple[Measurement, ...]:
        """The effective, recognised results in canonical units, in observation order."""
        found = (as_measurement(report) for report in self.effective_reports())
        return tuple(m for m in found if m is not None)

    def unrecognised(self) -> tuple[LabReport, ...]:
        """Effective results whose code is unknown: stored, shown, never evaluated."""
        return tuple(r for r in self.effective_reports() if not r.recognised)

    def effective_fingerprint(self, key: ResultKey) -> str | None:
        """The evidence digest of a result's effective version; None when cancelled or unknown."""
        report = self._latest.get(key)
        if report is None or report.status == "cancelled":
            return None
        return report.fingerprint

    def superseded(self) -> tuple[LabReport, ...]:
        """Reports that are no longer the latest version of their result."""
        latest = {id(report) for report in self._latest.values()}
        return tuple(r for r in self.reports if id(r) not in latest)


@dataclass(frozen=True, slots=True)
class Recorded:
    """The timeline after recording a report, and whether evaluation must be redone."""

    timeline: LabTimeline
    outcome: RecordOutcome
    evaluation_changed: bool


def record_report(timeline: LabTimeline, report: LabReport) -> Recorded:
    """Add a report (idempotent on event id); say whether the evaluated results changed."""
    previous = timeline.latest_version(report.key)
    resent = (
        previous is not None
        and previous.status == report.status
        and previous.fingerprint == report.fingerprint
    )
    if resent or any(existing.event_id == report.event_id for existing in timeline.reports):
        return Recorded(timeline, RecordOutcome.DUPLICATE, evaluation_changed=False)
    grown = LabTimeline((*timeline.reports, report))
    if grown.latest_version(report.key) is not report:
        return Recorded(grown, RecordOutcome.STALE, evaluation_changed=False)
    if report.status == "cancelled":
        outcome = RecordOutcome.CANCELLED
    elif previous is None:
        outcome = RecordOutcome.NEW
    else:
        outcome = RecordOutcome.SUPERSEDED
    before = _evaluated_fingerprint(previous)
    after = _evaluated_fingerprint(report)
    # An amendment that repeats the same facts changes nothing a rule could see.
    changed = before != after
    return Recorded(grown, outcome, evaluation_changed=changed)


def _evaluated_fingerprint(report: LabReport | None) -> str | None:
    if report is None or report.status == "cancelled" or as_measurement(report) is None:
        return None
    return report.fingerprint


def timeline_of(reports: Iterable[LabReport]) -> LabTimeline:
    """A timeline from stored reports, in any order."""
    return LabTimeline(tuple(reports))


def _observation_order(report: LabReport) -> tuple[object, ...]:
    return (report.observed_at, report.analyte or "", report.source, report.result_id)
