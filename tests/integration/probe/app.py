"""The probe service: records each DoseAdministered as one effect row."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path

from fastapi import APIRouter, FastAPI
from pydantic_settings import SettingsConfigDict

from shared.contracts import DoseAdministered, DoseMissed, Phase
from shared.db.types import Connection
from shared.http import RuntimeDep, create_app
from shared.messaging.consumer import BatchHandler
from shared.messaging.outbox import enqueue_events
from shared.messaging.records import Inbound, Rejection
from shared.runtime import ServiceRuntime, ServiceSpec, Sweeper
from shared.security import ClinicActor
from shared.settings import ServiceSettings
from shared.topics import Stream


class ProbeSettings(ServiceSettings):
    """Settings of the probe (env prefix ``PROBE_``)."""

    model_config = SettingsConfigDict(env_prefix="PROBE_", extra="ignore")

    service_name: str = "probe"
    crash_after_commit_flag: str = ""
    """When this file exists, the process SIGKILLs itself right after a consumer commit."""


def effect_recorder(runtime: ServiceRuntime) -> BatchHandler:
    """A handler writing one effect row per dose; ``boom-*`` ids raise, and ids starting with
    ``runtime.extras["refuse"]`` (default ``reject``) are refused, until a test "fixes" that."""

    async def record(conn: Connection, batch: Sequence[Inbound]) -> list[Rejection]:
        return await record_effects(conn, batch, refuse=runtime.extras.get("refuse", "reject"))

    return record


async def record_effects(
    conn: Connection, batch: Sequence[Inbound], *, refuse: str | None
) -> list[Rejection]:
    """One effect row per dose, unless refused or failing."""
    refused = []
    for inbound in batch:
        event = inbound.event
        assert isinstance(event, DoseAdministered)
        if refuse and event.administration_id.startswith(refuse):
            refused.append(Rejection(inbound.delivery, "domain_rejected", "refused", event))
            continue
        if event.administration_id.startswith("boom"):
            raise ValueError("a bug in the handler")
        await conn.execute(
            "insert into effects (event_id, patient_id, administration_id) values ($1, $2, $3)",
            event.event_id,
            event.patient_id,
            event.administration_id,
        )
    return refused


router = APIRouter()


@router.post("/effects/{patient_id}", status_code=201)
async def create_effect(patient_id: str, runtime: RuntimeDep, _: ClinicActor) -> dict[str, str]:
    """A state change and its event, written together (the outbox)."""
    event = DoseMissed(
        event_id=uuid.uuid4(),
        occurred_at=datetime.now(UTC),
        patient_id=patient_id,
        source="probe",
        dose_id=uuid.uuid4(),
        plan_id=uuid.uuid4(),
        due_on=date(2026, 1, 5),
        phase=Phase.LOADING,
        consecutive_missed=1,
    )
    async with runtime.pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "insert into effects (event_id, patient_id, administration_id) values ($1, $2, 'api')",
            event.event_id,
            patient_id,
        )
        await enqueue_events(conn, runtime.topics.adherence, [event])
    runtime.wake_relay()
    return {"event_id": str(event.event_id)}


def _crash_if_flagged(settings: ProbeSettings) -> None:
    if settings.crash_after_commit_flag and Path(settings.crash_after_commit_flag).exists():
        os.kill(os.getpid(), signal.SIGKILL)


async def tick(runtime: ServiceRuntime, now: datetime) -> int:
    """A sweeper that records the time it was given."""
    async with runtime.pool.acquire() as conn:
        await conn.execute("insert into ticks (at) values ($1)", now)
    return 1


def build_app(settings: ProbeSettings) -> FastAPI:
    """The probe as a FastAPI app."""
    spec = ServiceSpec(
        settings=settings,
        migrations=Path(__file__).parent / "migrations",
        consumes=(Stream.DOSES,),
        handler=effect_recorder,
        after_commit=(lambda: _crash_if_flagged(settings),),
        sweepers=(Sweeper(name="tick", interval_s=3600, run=tick),),
    )
    return create_app(spec, routers=[router], title="probe", description="test probe")
