"""Operations routes every service serves: dead letters (list, replay)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, Field

from shared.http import DomainError, PoolDep, RuntimeDep
from shared.messaging import deadletter
from shared.security import OpsActor

BIGINT_MAX = 2**63 - 1  # dead letter ids are bigserial: a larger number is a 422, not a 500

router = APIRouter(prefix="/dead-letters", tags=["operations"])
control = APIRouter(prefix="/ops", tags=["operations"])


class DeadLetterView(BaseModel):
    """A record this service could never process, and why."""

    id: int
    source_topic: str
    source_partition: int
    source_offset: int
    event_id: UUID | None
    event_type: str | None
    error_kind: str
    error_message: str
    dead_lettered_at: datetime
    replay_count: int
    last_replayed_at: datetime | None
    payload_bytes: int


class ReplayRequest(BaseModel):
    """Which dead letters to send back to their original topic."""

    ids: list[Annotated[int, Field(ge=1, le=BIGINT_MAX)]] = Field(min_length=1, max_length=1000)


class ReplayResult(BaseModel):
    """What was queued for replay, and which ids do not exist."""

    replayed: list[int]
    missing: list[int]


@router.get("")
async def list_dead_letters(
    pool: PoolDep,
    _: OpsActor,
    kind: str | None = None,
    topic: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=BIGINT_MAX)] = None,
) -> list[DeadLetterView]:
    """Dead-lettered records, newest first (page with ``before_id``)."""
    rows = await deadletter.list_dead_letters(
        pool, kind=kind, topic=topic, limit=limit, before_id=before_id
    )
    return [DeadLetterView(**row) for row in rows]


@router.post("/replay")
async def replay_dead_letters(
    request: ReplayRequest, runtime: RuntimeDep, actor: OpsActor
) -> ReplayResult:
    """Send records back to their original topic (same key and event id), after a fix."""
    async with runtime.pool.acquire() as conn, conn.transaction():
        replayed = await deadletter.replay(conn, request.ids, actor=actor.subject)
    runtime.wake_relay()
    return ReplayResult(replayed=replayed, missing=sorted(set(request.ids) - set(replayed)))


class ClockState(BaseModel):
    """The service's "now", and whether a simulation pinned it."""

    now: datetime
    pinned: bool


class ClockRequest(BaseModel):
    """Pin the clock to ``now`` (timezone-aware), or return to the wall clock with null."""

    now: AwareDatetime | None


@control.get("/clock")
async def get_clock(runtime: RuntimeDep, _: OpsActor) -> ClockState:
    """The time the service's rules and sweepers use."""
    return ClockState(now=runtime.clock(), pinned=runtime.clock_pinned)


@control.put("/clock", responses={403: {"description": "Not in production"}})
async def set_clock(request: ClockRequest, runtime: RuntimeDep, _: OpsActor) -> ClockState:
    """Pin the service's clock, for a simulation in which weeks pass in seconds."""
    try:
        await runtime.pin_clock(request.now)
    except PermissionError as exc:
        raise DomainError(str(exc), status_code=403) from None
    return ClockState(now=runtime.clock(), pinned=runtime.clock_pinned)


@control.post("/sweeps")
async def run_sweeps(runtime: RuntimeDep, _: OpsActor) -> dict[str, int]:
    """Run every sweeper of the service once, at the service's current time."""
    return await runtime.run_sweepers()
