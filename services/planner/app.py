"""Composition root of the planner service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.planner.api import routers
from services.planner.handlers import flag_handler
from services.planner.runtime import PlannerRuntime, planning_context
from services.planner.settings import PlannerSettings
from services.planner.sweeper import planner_sweeper
from shared.http import create_app
from shared.runtime import ServiceSpec
from shared.topics import Stream

MIGRATIONS = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "Turns a diagnosis into a dated programme of injections and monitoring from a versioned "
    "protocol library, publishes it, and changes it only with a clinician in the loop."
)


def build_app(settings: PlannerSettings | None = None) -> FastAPI:
    """The planner process: plans and proposals in, PlanCreated/Adjusted/Cancelled out."""
    settings = settings or PlannerSettings()
    # Loaded here, not in the background: a protocol file that fails validation stops the start.
    context = planning_context(settings)
    spec = ServiceSpec(
        settings=settings,
        migrations=MIGRATIONS,
        consumes=(Stream.FLAGS,),
        produces=(Stream.PLANS,),
        description=DESCRIPTION,
        handler=flag_handler,
        sweepers=(planner_sweeper(settings.sweep_interval_s),),
    )
    runtime = PlannerRuntime(spec, settings=settings, context=context)
    return create_app(
        spec, routers=routers, title="B12 planner", description=DESCRIPTION, runtime=runtime
    )
