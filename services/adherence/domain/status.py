"""What state each dose is in at a given time, and runs of doses missed in a row."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from services.adherence.domain.config import WindowConfig
from services.adherence.domain.model import (
    DoseLifecycle,
    Timing,
    TrackedDose,
    TrackedPlan,
    active_in_order,
)
from services.adherence.domain.windows import window_of


class DoseStatus(StrEnum):
    """A dose's status as staff see it."""

    UPCOMING = "upcoming"
    """Its window has not opened yet."""
    DUE = "due"
    """Its window is open and nothing is recorded."""
    GIVEN = "given"
    """Given within its window."""
    LATE = "late"
    """Given after its window closed (a declared miss, if any, is resolved)."""
    MISSED = "missed"
    """Its window closed without an administration (declared by the sweeper, or about to be)."""
    NOT_DONE = "not-done"
    """The clinic recorded it as not done: a miss at once."""
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


SETTLED = frozenset({DoseStatus.GIVEN, DoseStatus.LATE, DoseStatus.MISSED, DoseStatus.NOT_DONE})
"""Statuses whose outcome is known: only these count in adherence figures."""

MISSED_STATUSES = frozenset({DoseStatus.MISSED, DoseStatus.NOT_DONE})
"""Statuses that make up a run of misses; any given dose (on time or late) ends a run."""


def dose_status(
    dose: TrackedDose, plan: TrackedPlan, *, now: datetime, windows: WindowConfig
) -> DoseStatus:
    """The dose's status at ``now``, from what is recorded and where ``now`` lies in its window."""
    if dose.lifecycle is DoseLifecycle.SUPERSEDED:
        return DoseStatus.SUPERSEDED
    if dose.lifecycle is DoseLifecycle.CANCELLED:
        return DoseStatus.CANCELLED
    if dose.administration is not None:
        if not dose.administration.completed:
            return DoseStatus.NOT_DONE
        if dose.administration.timing is Timing.LATE:
            return DoseStatus.LATE
        return DoseStatus.GIVEN
    if dose.miss is not None:
        return DoseStatus.MISSED
    window = window_of(dose, plan, windows=windows)
    if now < window.opens_at:
        return DoseStatus.UPCOMING
    if window.closed_by(now):
        # Missed by definition once the window closes, whether or not the sweeper has run yet:
        # figures and rules must not depend on when a sweep happened.
        return DoseStatus.MISSED
    return DoseStatus.DUE


@dataclass(frozen=True, slots=True, kw_only=True)
class DoseAtTime:
    """A dose with its status at one instant."""

    dose: TrackedDose
    status: DoseStatus


def schedule_at(
    plan: TrackedPlan, doses: Iterable[TrackedDose], *, now: datetime, windows: WindowConfig
) -> list[DoseAtTime]:
    """The plan's active doses in due order, each with its status at ``now``."""
    return [
        DoseAtTime(dose=dose, status=dose_status(dose, plan, now=now, windows=windows))
        for dose in active_in_order(d for d in doses if d.plan_id == plan.plan_id)
    ]


def missed_runs(schedule: Sequence[DoseAtTime]) -> list[tuple[TrackedDose, ...]]:
    """Maximal runs of consecutive missed (or not-done) doses, in due order."""
    runs: list[tuple[TrackedDose, ...]] = []
    current: list[TrackedDose] = []
    for entry in schedule:
        if entry.status in MISSED_STATUSES:
            current.append(entry.dose)
            continue
        # Anything else ends a run: a given dose resets it, and a dose not yet settled means
        # the doses after it are not known to be "in a row" with the ones before.
        if current:
            runs.append(tuple(current))
        current = []
    if current:
        runs.append(tuple(current))
    return runs


def consecutive_missed_at(schedule: Sequence[DoseAtTime], dose_id: UUID) -> int:
    """How many doses in a row are missed up to and including ``dose_id`` (0 if it is not)."""
    count = 0
    for entry in schedule:
        count = count + 1 if entry.status in MISSED_STATUSES else 0
        if entry.dose.dose_id == dose_id:
            return count
    return 0
