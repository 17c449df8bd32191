"""Clinician overrides of a protocol, checked against the configured safety bounds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from services.planner.domain.config import SafetyBounds
from services.planner.domain.errors import BoundViolationError


class Overrides(BaseModel):
    """Loading length and maintenance interval a clinician sets instead of the protocol's."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    # Deliberately unconstrained here: check_* names the violated bound in the 422 answer.
    loading_weeks: int | None = None
    maintenance_interval_weeks: int | None = None


def check_maintenance_interval_weeks(value: int, bounds: SafetyBounds) -> int:
    """Return ``value`` when within the maintenance interval bounds, else raise naming the bound."""
    if value > bounds.maintenance_interval_weeks_max:
        raise BoundViolationError(
            field="maintenance_interval_weeks",
            value=value,
            bound="maintenance_interval_weeks_max",
            limit=bounds.maintenance_interval_weeks_max,
            message=(
                f"maintenance_interval_weeks {value} exceeds the "
                f"{bounds.maintenance_interval_weeks_max}-week spacing cap "
                f"({bounds.maintenance_interval_source})"
            ),
        )
    if value < bounds.maintenance_interval_weeks_min:
        raise BoundViolationError(
            field="maintenance_interval_weeks",
            value=value,
            bound="maintenance_interval_weeks_min",
            limit=bounds.maintenance_interval_weeks_min,
            message=(
                f"maintenance_interval_weeks {value} is below the minimum maintenance interval of "
                f"{_weeks(bounds.maintenance_interval_weeks_min)} (maintenance_interval_weeks_min)"
            ),
        )
    return value


def check_loading_weeks(value: int, bounds: SafetyBounds) -> int:
    """Return ``value`` when within the loading length bounds, else raise naming the bound."""
    if value > bounds.loading_weeks_max:
        raise BoundViolationError(
            field="loading_weeks",
            value=value,
            bound="loading_weeks_max",
            limit=bounds.loading_weeks_max,
            message=(
                f"loading_weeks {value} exceeds the maximum loading length of "
                f"{_weeks(bounds.loading_weeks_max)} (loading_weeks_max)"
            ),
        )
    if value < bounds.loading_weeks_min:
        raise BoundViolationError(
            field="loading_weeks",
            value=value,
            bound="loading_weeks_min",
            limit=bounds.loading_weeks_min,
            message=(
                f"loading_weeks {value} is below the minimum loading length of "
                f"{_weeks(bounds.loading_weeks_min)} (loading_weeks_min)"
            ),
        )
    return value


def _weeks(count: int) -> str:
    return f"{count} week" if count == 1 else f"{count} weeks"
