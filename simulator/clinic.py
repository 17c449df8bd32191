"""What the clinic does with a schedule: which doses it gives, when, and what it records."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from shared.contracts import Phase
from simulator.cohort import PatientProfile
from simulator.plans import Calendar, DoseDue, PlanSchedule

# Maintenance doses given late stay inside the platform's default 14-day grace window.
MAX_LATE_DAYS = 10


@dataclass(frozen=True)
class Administration:
    """One DoseAdministered the clinic will publish."""

    administration_id: str
    dose_id: UUID
    given_on: date
    administered_at: datetime
    status: str
    dose_mcg: float
    product: str
    route: str

    @property
    def completed(self) -> bool:
        return self.status == "completed"


def _reportable(plan: PlanSchedule, *, first_day: date, last_day: date) -> list[DoseDue]:
    # Doses due before the program was taken over have no record here (their history is
    # unknown to this clinic), and doses after the simulated period have not happened yet.
    return [d for d in plan.doses if first_day <= d.due_on <= last_day]


def _spaced(dose: DoseDue) -> bool:
    """Doses far enough apart that giving one late cannot be mistaken for the next one."""
    return dose.phase is Phase.MAINTENANCE and dose.route != "oral"


def administrations(
    profile: PatientProfile, plan: PlanSchedule, *, calendar: Calendar, last_day: date
) -> list[Administration]:
    """The administrations the profile's behaviour produces, in date order."""
    rng = random.Random(profile.seed)
    created_on = calendar.date_of(profile.created_on_day)
    doses = _reportable(plan, first_day=created_on, last_day=last_day)
    skipped: set[int] = set()
    not_done: set[int] = set()
    late_by: dict[int, int] = {}
    behaviour = profile.behaviour
    if len(doses) >= 3:
        if behaviour == "occasional_miss":
            candidates = [i for i, d in enumerate(doses[1:-1], 1) if _spaced(d)] or list(
                range(1, len(doses) - 1)
            )
            skipped.add(rng.choice(candidates))
        elif behaviour == "consecutive_misses":
            first = rng.randrange(1, len(doses) - 1)
            skipped.update({first, first + 1})
        elif behaviour == "drop_out":
            skipped.update(range(rng.randrange(2, max(3, len(doses) // 2 + 1)), len(doses)))
        elif behaviour == "not_done":
            not_done.add(rng.randrange(1, len(doses)))
    if behaviour == "late":
        for i, dose in enumerate(doses):
            if _spaced(dose) and rng.random() < 0.6:
                late_by[i] = rng.randint(1, MAX_LATE_DAYS)
    given = []
    for i, dose in enumerate(doses):
        if i in skipped:
            continue
        on = dose.due_on + timedelta(days=late_by.get(i, 0))
        if on > last_day:
            continue
        given.append(
            Administration(
                administration_id=f"{profile.patient_id}-adm-{i:04d}",
                dose_id=dose.dose_id,
                given_on=on,
                administered_at=calendar.at(on, 9 + rng.randrange(0, 8), rng.randrange(0, 60)),
                status="not-done" if i in not_done else "completed",
                dose_mcg=dose.dose_mcg,
                product=dose.product,
                route=dose.route,
            )
        )
    return sorted(given, key=lambda a: a.administered_at)
