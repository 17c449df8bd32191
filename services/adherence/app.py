"""Composition root of the adherence service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.adherence.api import router
from services.adherence.handlers import build_handler
from services.adherence.settings import AdherenceSettings
from services.adherence.settle import Context
from services.adherence.sweeper import build_sweeper, refresh_window_closes
from shared.http import create_app
from shared.messaging.consumer import BatchHandler
from shared.runtime import ServiceRuntime, ServiceSpec
from shared.topics import Stream

MIGRATIONS = Path(__file__).parent / "migrations"


def build_spec(settings: AdherenceSettings) -> ServiceSpec:
    """What the adherence process runs: its consumer, sweeper and start-up work."""

    def handler(runtime: ServiceRuntime) -> BatchHandler:
        return build_handler(runtime, context(settings, runtime))

    async def refresh_windows(runtime: ServiceRuntime) -> None:
        # Stored window closes follow the configured windows, which may have changed.
        await refresh_window_closes(runtime.pool, config=settings.config)

    return ServiceSpec(
        settings=settings,
        migrations=MIGRATIONS,
        consumes=(Stream.PLANS, Stream.DOSES),
        handler=handler,
        sweepers=(build_sweeper(settings),),
        on_ready=(refresh_windows,),
    )


def context(settings: AdherenceSettings, runtime: ServiceRuntime) -> Context:
    """The rules' config and the topics adherence writes to."""
    return Context(config=settings.config, topics=runtime.topics, source=settings.service_name)


def build_app(
    settings: AdherenceSettings | None = None, *, runtime: ServiceRuntime | None = None
) -> FastAPI:
    """The adherence process: schedules from plans, administrations from doses, misses, flags."""
    settings = settings or AdherenceSettings()
    spec = runtime.spec if runtime is not None else build_spec(settings)
    return create_app(
        spec,
        routers=[router],
        title="B12 adherence",
        description=(
            "Tracks administered doses against each plan's schedule, finds missed doses and"
            " raises adherence flags."
        ),
        runtime=runtime,
    )
