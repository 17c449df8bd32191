"""The plan as the planner answered it, and the simulated calendar around it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.contracts import Phase


@dataclass(frozen=True)
class DoseDue:
    """One scheduled dose."""

    dose_id: UUID
    due_on: date
    phase: Phase
    dose_mcg: float
    product: str
    route: str


@dataclass(frozen=True)
class PhaseSpan:
    """When a phase runs (``ends_on`` None: open-ended)."""

    phase: Phase
    starts_on: date
    ends_on: date | None
    interval_days: int | None


@dataclass(frozen=True)
class PlanSchedule:
    """What the simulator needs of a created plan."""

    plan_id: UUID
    protocol_id: str
    timezone: str
    doses: tuple[DoseDue, ...]
    phases: tuple[PhaseSpan, ...]

    @classmethod
    def from_api(cls, body: dict[str, Any]) -> PlanSchedule:
        """Parse the planner's ``POST /plans`` answer."""
        doses = tuple(
            sorted(
                (
                    DoseDue(
                        dose_id=UUID(d["dose_id"]),
                        due_on=date.fromisoformat(d["due_on"]),
                        phase=Phase(d["phase"]),
                        dose_mcg=float(d["dose_mcg"]),
                        product=d["product"],
                        route=d["route"],
                    )
                    for d in body["doses"]
                ),
                key=lambda d: (d.due_on, str(d.dose_id)),
            )
        )
        phases = tuple(
            PhaseSpan(
                phase=Phase(p["phase"]),
                starts_on=date.fromisoformat(p["starts_on"]),
                ends_on=date.fromisoformat(p["ends_on"]) if p.get("ends_on") else None,
                interval_days=p.get("interval_days"),
            )
            for p in body["phases"]
        )
        return cls(
            plan_id=UUID(body["plan_id"]),
            protocol_id=body["protocol_id"],
            timezone=body["timezone"],
            doses=doses,
            phases=phases,
        )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def maintenance_starts_on(self) -> date | None:
        """When maintenance starts: its phase's start, else its first dose."""
        starts = [p.starts_on for p in self.phases if p.phase is Phase.MAINTENANCE]
        if starts:
            return min(starts)
        due = [d.due_on for d in self.doses if d.phase is Phase.MAINTENANCE]
        return min(due, default=None)

    def phase_on(self, on: date) -> Phase | None:
        """The phase in force on a date (the latest-starting one if phases overlap)."""
        current = [
            p for p in self.phases if p.starts_on <= on and (p.ends_on is None or on <= p.ends_on)
        ]
        return max(current, key=lambda p: p.starts_on).phase if current else None

    def is_after_loading(self, on: date) -> bool:
        """After the loading phase (an open-ended loading phase never ends by itself)."""
        loading = [p for p in self.phases if p.phase is Phase.LOADING]
        if not loading:
            return self.phase_on(on) is not None
        last = max(loading, key=lambda p: p.starts_on)
        return last.ends_on is not None and on > last.ends_on


@dataclass(frozen=True)
class Calendar:
    """Simulated days as dates and instants in the clinic's timezone."""

    first_day: date
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def date_of(self, day: int) -> date:
        return self.first_day + timedelta(days=day)

    def day_of(self, on: date) -> int:
        return (on - self.first_day).days

    def at(self, on: date, hour: int, minute: int = 0) -> datetime:
        """A local wall-clock time on a date, as UTC."""
        return datetime.combine(on, time(hour, minute), tzinfo=self.zone).astimezone(UTC)

    def start_of(self, on: date) -> datetime:
        """Midnight at the start of a local date, as UTC."""
        return datetime.combine(on, time(0), tzinfo=self.zone).astimezone(UTC)

    def end_of(self, on: date) -> datetime:
        """The last millisecond of a local date, as UTC."""
        return self.start_of(on + timedelta(days=1)) - timedelta(milliseconds=1)
