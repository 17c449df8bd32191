"""Composition root of the labs service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.labs.api import router
from services.labs.handlers import labs_handler
from services.labs.settings import LabsSettings
from shared.http import create_app
from shared.runtime import ServiceSpec
from shared.topics import Stream

MIGRATIONS = Path(__file__).parent / "migrations"
DESCRIPTION = (
    "Normalises laboratory results from any laboratory, keeps each patient's baselines and"
    " treatment clock, and flags a response to B12 treatment that is not what it should be."
)


def build_app(settings: LabsSettings | None = None) -> FastAPI:
    """The labs process: plans, doses and results in; ResponseFlagged out."""
    settings = settings or LabsSettings()
    spec = ServiceSpec(
        settings=settings,
        migrations=MIGRATIONS,
        consumes=(Stream.PLANS, Stream.DOSES, Stream.LABS),
        produces=(Stream.FLAGS,),
        description=DESCRIPTION,
        handler=labs_handler,
    )
    return create_app(spec, routers=[router], title="B12 labs", description=DESCRIPTION)
