"""Miss detection: doses whose window closed without an administration become missed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.model import DeclaredMiss, TrackedDose, TrackedPlan
from services.adherence.domain.status import consecutive_missed_at, schedule_at
from services.adherence.domain.windows import window_of


@dataclass(frozen=True, slots=True, kw_only=True)
class MissSweep:
    """The result of sweeping one plan at ``now``."""

    declared: tuple[TrackedDose, ...]
    """Doses newly declared missed, in due order: emit one DoseMissed for each."""
    doses: tuple[TrackedDose, ...]
    """All the doses passed in, with the newly declared ones updated."""


def declare_miss(
    dose: TrackedDose, *, consecutive_missed: int, now: datetime, not_done: bool
) -> TrackedDose:
    """The dose with a miss declared at ``now``."""
    miss = DeclaredMiss(declared_at=now, consecutive_missed=consecutive_missed, not_done=not_done)
    return replace(dose, miss=miss)


def detect_missed_doses(
    plan: TrackedPlan, doses: Sequence[TrackedDose], *, now: datetime, config: AdherenceConfig
) -> MissSweep:
    """Declare missed every open dose of the plan whose window closed at or before ``now``."""
    if plan.cancelled:
        return MissSweep(declared=(), doses=tuple(doses))
    # Statuses already count a closed, unrecorded window as missed, so the consecutive count of
    # each new miss includes the earlier ones declared in this same sweep.
    schedule = schedule_at(plan, doses, now=now, windows=config.windows)
    declared: dict[UUID, TrackedDose] = {}
    for entry in schedule:
        dose = entry.dose
        if not dose.is_open:
            continue
        if not window_of(dose, plan, windows=config.windows).closed_by(now):
            continue
        declared[dose.dose_id] = declare_miss(
            dose,
            consecutive_missed=consecutive_missed_at(schedule, dose.dose_id),
            now=now,
            not_done=False,
        )
    updated = tuple(declared.get(dose.dose_id, dose) for dose in doses)
    return MissSweep(declared=tuple(declared.values()), doses=updated)
