"""Adherence's HTTP API for clinic staff (thin: queries live in the store)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from fastapi import APIRouter
from pydantic import BaseModel

from services.adherence import store
from shared.http import NotFound, PoolDep
from shared.security import Reader

router = APIRouter(tags=["adherence"])


class DoseView(BaseModel):
    """A scheduled dose as adherence holds it."""

    dose_id: UUID
    due_on: date
    dose_mcg: float
    product: str
    route: str
    phase: str
    superseded_at: datetime | None


@router.get("/plans/{plan_id}/doses", responses={404: {"description": "Unknown plan"}})
async def get_plan_doses(plan_id: UUID, pool: PoolDep, _: Reader) -> list[DoseView]:
    """The plan's schedule as adherence holds it, superseded doses included."""
    if not await store.plan_exists(pool, plan_id):
        raise NotFound(f"plan {plan_id} is not known to adherence")
    return [DoseView(**row) for row in await store.plan_doses(pool, plan_id)]
