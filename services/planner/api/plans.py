"""Protocols and plans: list the library, create, read and cancel plans (thin: no SQL here)."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Path

from services.planner import commands, store
from services.planner.api.schemas import (
    AuditEntry,
    CancelRequest,
    DoseRecord,
    PlanStatus,
    PlanView,
)
from services.planner.domain import (
    PlanRequest,
    ProtocolListing,
    UnknownProtocolError,
    list_protocols,
)
from services.planner.runtime import PlannerRuntime, planner_runtime
from shared.http import NotFound, PoolDep, RuntimeDep
from shared.security import ClinicActor, Reader

router = APIRouter(tags=["plans"])

PLAN_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown plan"}}
PatientPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


def get_planner(runtime: RuntimeDep) -> PlannerRuntime:
    """The planner's runtime (planning context, clock, pool)."""
    return planner_runtime(runtime)


PlannerDep = Annotated[PlannerRuntime, Depends(get_planner)]


@router.get("/protocols")
async def get_protocols(
    planner: PlannerDep, _: Reader, all_versions: bool = False
) -> list[ProtocolListing]:
    """The protocol library: phases, doses, intervals and the sources each rests on."""
    return list_protocols(planner.context.library, all_versions=all_versions)


@router.get("/protocols/{protocol_id}", responses={404: {"description": "Unknown protocol"}})
async def get_protocol(protocol_id: str, planner: PlannerDep, _: Reader) -> ProtocolListing:
    """One protocol's latest version, with its sources."""
    try:
        planner.context.library.get(protocol_id)
    except UnknownProtocolError as exc:
        raise NotFound(str(exc)) from None
    listings = list_protocols(planner.context.library)
    return next(listing for listing in listings if listing.protocol.id == protocol_id)


@router.post(
    "/plans",
    status_code=201,
    responses={409: {"description": "The patient already has an active plan for this cause"}},
)
async def create_plan(request: PlanRequest, planner: PlannerDep, actor: ClinicActor) -> PlanView:
    """Recommend (or take the chosen) protocol, schedule doses and checks, publish PlanCreated."""
    return PlanView.of(await commands.create_plan(planner, request, actor=actor))


@router.get("/plans/{plan_id}", responses=PLAN_NOT_FOUND)
async def get_plan(plan_id: UUID, pool: PoolDep, _: Reader) -> PlanView:
    """One plan with its rationale, phases and current schedule."""
    return PlanView.of(await _plan_row(pool, plan_id))


@router.get("/patients/{patient_id}/plans")
async def get_patient_plans(
    patient_id: PatientPath, pool: PoolDep, _: Reader, status: PlanStatus | None = None
) -> list[PlanView]:
    """A patient's plans, newest first (optionally only active or cancelled ones)."""
    rows = await store.plan_rows_of_patient(pool, patient_id, status=status)
    return [PlanView.of(row) for row in rows]


@router.post(
    "/plans/{plan_id}/cancel",
    responses={**PLAN_NOT_FOUND, 409: {"description": "The plan is already cancelled"}},
)
async def cancel_plan(
    plan_id: UUID, body: CancelRequest, planner: PlannerDep, actor: ClinicActor
) -> PlanView:
    """Cancel an active plan (pending proposals are rejected) and publish PlanCancelled."""
    row = await commands.cancel_plan(planner, plan_id, reason=body.reason, actor=actor)
    return PlanView.of(row)


@router.get("/plans/{plan_id}/doses", responses=PLAN_NOT_FOUND)
async def get_plan_doses(
    plan_id: UUID, pool: PoolDep, _: Reader, include_superseded: bool = False
) -> list[DoseRecord]:
    """The plan's scheduled doses as rows; superseded ones too when asked (history is kept)."""
    await _plan_row(pool, plan_id)
    rows = await store.dose_rows(pool, plan_id, include_superseded=include_superseded)
    return [DoseRecord.model_validate(dict(row)) for row in rows]


@router.get("/plans/{plan_id}/audit", responses=PLAN_NOT_FOUND)
async def get_plan_audit(plan_id: UUID, pool: PoolDep, _: Reader) -> list[AuditEntry]:
    """Who did what to the plan, and when, oldest first."""
    await _plan_row(pool, plan_id)
    return [AuditEntry.model_validate(dict(row)) for row in await store.audit_rows(pool, plan_id)]


async def _plan_row(pool: Any, plan_id: UUID) -> Any:
    row = await store.plan_row(pool, plan_id)
    if row is None:
        raise NotFound(f"plan {plan_id} does not exist")
    return row
