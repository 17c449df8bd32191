"""A synthetic cohort from a seed: who the patients are and how they will behave."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from shared.contracts import Indication, Severity
from simulator.config import CohortConfig

K = TypeVar("K")


@dataclass(frozen=True)
class PatientProfile:
    """One synthetic patient: facts for the planner, and what their record will look like."""

    patient_id: str
    index: int
    indication: Indication
    severity: Severity
    neurological_involvement: bool
    start_day: int
    """Simulated day the plan starts (negative: it started before the clinic took it over)."""
    behaviour: str
    response: str
    lab_id: str
    first_dose_before_plan: bool
    seed: int

    @property
    def taken_over(self) -> bool:
        """The plan started before its first simulated day."""
        return self.start_day < 0

    @property
    def created_on_day(self) -> int:
        """The simulated day the plan is entered into the planner."""
        return max(self.start_day, 0)


def _pick(rng: random.Random, weights: Mapping[K, float]) -> K:
    keys: Sequence[K] = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def generate_cohort(config: CohortConfig, *, run_tag: str) -> list[PatientProfile]:
    """The cohort a config and seed describe; ``run_tag`` keeps patient ids unique per run."""
    rng = random.Random(config.seed)
    cohort = []
    for index in range(config.patients):
        taken_over = rng.random() < config.taken_over_share
        start_day = -rng.randint(14, 60) if taken_over else rng.randint(0, config.enrolment_days)
        cohort.append(
            PatientProfile(
                patient_id=f"sim-{run_tag}-{index:05d}",
                index=index,
                indication=_pick(rng, config.indications),
                severity=_pick(rng, config.severities),
                neurological_involvement=rng.random() < config.neurological_share,
                start_day=start_day,
                behaviour=_pick(rng, config.behaviours),
                response=_pick(rng, config.responses),
                lab_id=_pick(rng, config.labs_per_unit_style),
                first_dose_before_plan=(
                    not taken_over and rng.random() < config.first_dose_before_plan_share
                ),
                seed=rng.getrandbits(32),
            )
        )
    return cohort
