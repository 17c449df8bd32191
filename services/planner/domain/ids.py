"""Deterministic ids: the same plan regenerated gives the same dose, check and adjustment ids."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid5

from shared.contracts.vocabulary import Phase

# Fixed once for the planner; changing it would change every derived id.
PLANNER_NAMESPACE = UUID("5d0c6a52-43f1-4c5e-9a55-1b12b12b12b1")


def dose_id(plan_id: UUID, *, phase: Phase, due_on: date) -> UUID:
    """A dose's id: a plan never has two doses on one date, so phase + date identify it."""
    return uuid5(PLANNER_NAMESPACE, f"{plan_id}/dose/{phase.value}/{due_on.isoformat()}")


def check_id(plan_id: UUID, *, key: str, due_on: date) -> UUID:
    """A lab check's id, from the kind of check and its due date."""
    return uuid5(PLANNER_NAMESPACE, f"{plan_id}/check/{key}/{due_on.isoformat()}")


def adjustment_id(plan_id: UUID, *, revision: int) -> UUID:
    """The id of the adjustment that produced the plan's ``revision``."""
    return uuid5(PLANNER_NAMESPACE, f"{plan_id}/adjustment/{revision}")


def proposal_id(plan_id: UUID, *, origin: str) -> UUID:
    """A proposal's id from what raised it (a flag id, or a review date)."""
    return uuid5(PLANNER_NAMESPACE, f"{plan_id}/proposal/{origin}")
