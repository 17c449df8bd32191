"""Adherence's state: its copy of each plan and of each scheduled dose, and what happened to it.

Plain immutable values. The store loads them, domain functions return new ones, the store
writes them back; nothing here knows about I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.contracts import Indication, Phase, PhaseSpec, ScheduledDose


class DoseLifecycle(StrEnum):
    """Whether a stored dose is still part of the plan's schedule."""

    ACTIVE = "active"
    SUPERSEDED = "superseded"
    """Replaced by a PlanAdjusted; kept as history, never missed or matched."""
    CANCELLED = "cancelled"
    """Open when its plan was cancelled; kept as history, never missed or matched."""


class Timing(StrEnum):
    """When an administration happened relative to its dose's window."""

    ON_TIME = "on_time"
    LATE = "late"
    """After the window closed (accepted within the phase's late-acceptance limit)."""


DiscrepancyField = Literal["product", "dose_mcg", "route"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Discrepancy:
    """One way an administration differs from the dose it was matched to."""

    field: DiscrepancyField
    scheduled: str | float
    administered: str | float


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchedAdministration:
    """The administration recorded against a dose (at most one per dose)."""

    source: str
    administration_id: str
    administered_at: datetime
    completed: bool
    """False for ``status: not-done``: recorded, but the dose counts as missed."""
    timing: Timing
    discrepancies: tuple[Discrepancy, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredMiss:
    """A DoseMissed was emitted for the dose; kept even after a late dose resolves it."""

    declared_at: datetime
    consecutive_missed: int
    not_done: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedDose:
    """A scheduled dose as adherence holds it."""

    plan_id: UUID
    scheduled: ScheduledDose
    lifecycle: DoseLifecycle = DoseLifecycle.ACTIVE
    changed_by: UUID | None = None
    """The adjustment_id that superseded the dose (None otherwise)."""
    administration: MatchedAdministration | None = None
    miss: DeclaredMiss | None = None

    @property
    def dose_id(self) -> UUID:
        """The planner's id of the dose."""
        return self.scheduled.dose_id

    @property
    def due_on(self) -> date:
        """The local date the dose is due."""
        return self.scheduled.due_on

    @property
    def phase(self) -> Phase:
        """The phase the dose belongs to."""
        return self.scheduled.phase

    @property
    def is_active(self) -> bool:
        """Still part of the schedule (neither superseded nor cancelled)."""
        return self.lifecycle is DoseLifecycle.ACTIVE

    @property
    def is_open(self) -> bool:
        """Active, with nothing recorded yet: it can still be given, missed or replaced."""
        return self.is_active and self.administration is None and self.miss is None

    @property
    def given(self) -> bool:
        """A completed administration is recorded (on time or late)."""
        return self.administration is not None and self.administration.completed

    @property
    def miss_stands(self) -> bool:
        """A miss was declared and no completed administration has resolved it."""
        return self.miss is not None and not self.given


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedPlan:
    """What adherence keeps of a plan: enough to place windows and word flags."""

    plan_id: UUID
    patient_id: str
    timezone: str
    indication: Indication
    neurological_involvement: bool
    start_date: date
    phases: tuple[PhaseSpec, ...] = ()
    cancelled_at: datetime | None = None

    @property
    def zone(self) -> ZoneInfo:
        """The clinic's timezone, in which due dates are reckoned."""
        return ZoneInfo(self.timezone)

    @property
    def cancelled(self) -> bool:
        """A cancelled plan expects nothing more: no matches, misses or flags."""
        return self.cancelled_at is not None


def active_in_order(doses: Iterable[TrackedDose]) -> list[TrackedDose]:
    """The schedule in force: active doses by due date (dose id breaks ties, for determinism)."""
    return sorted((d for d in doses if d.is_active), key=lambda d: (d.due_on, str(d.dose_id)))
