"""Composition root of the adherence service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.adherence.api import router
from services.adherence.handlers import handle_batch
from services.adherence.settings import AdherenceSettings
from shared.http import create_app
from shared.runtime import ServiceSpec
from shared.topics import Stream

MIGRATIONS = Path(__file__).parent / "migrations"


def build_app(settings: AdherenceSettings | None = None) -> FastAPI:
    """The adherence process: schedules from plans, administrations from doses."""
    settings = settings or AdherenceSettings()
    spec = ServiceSpec(
        settings=settings,
        migrations=MIGRATIONS,
        consumes=(Stream.PLANS,),
        produces=(Stream.ADHERENCE, Stream.FLAGS),
        description="Tracks administered doses against each plan's schedule and finds misses.",
        handler=lambda runtime: handle_batch,
    )
    return create_app(
        spec,
        routers=[router],
        title="B12 adherence",
        description="Tracks administered doses against each plan's schedule and finds misses.",
    )
