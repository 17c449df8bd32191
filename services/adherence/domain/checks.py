"""Checks on an administration before and during matching: validity and discrepancies."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from services.adherence.domain.config import AdherenceConfig
from services.adherence.domain.model import Discrepancy
from shared.contracts import DoseAdministered, ScheduledDose


@dataclass(frozen=True, slots=True, kw_only=True)
class AdministrationRejected:
    """The administration can never be processed: dead-letter it with this reason."""

    kind: str
    message: str


def validate_administration(
    administration: DoseAdministered, *, now: datetime, config: AdherenceConfig
) -> AdministrationRejected | None:
    """A rejection for an administration that can never be processed, else None."""
    latest_acceptable = now + config.matching.clock_skew_tolerance
    if administration.administered_at > latest_acceptable:
        return AdministrationRejected(
            kind="administered_in_future",
            message=(
                f"administered_at {administration.administered_at.isoformat()} is later than"
                f" now plus the clock-skew tolerance ({latest_acceptable.isoformat()})"
            ),
        )
    return None


def find_discrepancies(
    scheduled: ScheduledDose, administration: DoseAdministered
) -> tuple[Discrepancy, ...]:
    """How the administration differs from the scheduled dose (product, dose, route)."""
    found: list[Discrepancy] = []
    if administration.product != scheduled.product:
        found.append(
            Discrepancy(
                field="product", scheduled=scheduled.product, administered=administration.product
            )
        )
    # Doses travel as JSON floats: compare with a tolerance far below any real dose difference.
    if not math.isclose(administration.dose_mcg, scheduled.dose_mcg, rel_tol=1e-9):
        found.append(
            Discrepancy(
                field="dose_mcg",
                scheduled=scheduled.dose_mcg,
                administered=administration.dose_mcg,
            )
        )
    if administration.route != scheduled.route:
        found.append(
            Discrepancy(field="route", scheduled=scheduled.route, administered=administration.route)
        )
    return tuple(found)
