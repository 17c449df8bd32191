"""A running planner (in this process) on the run's topics, with a schema of the test's own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.planner.app import build_app
from services.planner.settings import PlannerSettings
from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.planner.support import MONDAY_MORNING, Planner
from tests.support.kafka import Publisher
from tests.support.services import running
from tests.support.stack import Stack, provisioned, scratch_database, settings_for


@pytest.fixture
async def planner_db(
    stack: Stack, run_id: str, databases: dict[str, ServiceDatabase]
) -> AsyncIterator[ServiceDatabase]:
    """A schema and role for this test alone, so sweeps see only this test's plans."""
    # ``databases`` first: the run's roles exist and are dropped after ours.
    db = scratch_database(f"{run_id}_planner_{uuid.uuid4().hex[:8]}")
    async with provisioned(stack.admin_dsn, db):
        yield db


@pytest.fixture
def planner_settings(
    stack: Stack, planner_db: ServiceDatabase, kafka_settings: KafkaSettings
) -> PlannerSettings:
    """Planner settings on the stack; tests run the sweeper themselves."""
    return settings_for(
        PlannerSettings,
        name="planner",
        stack=stack,
        databases={"planner": planner_db},
        kafka=kafka_settings,
        sweep_interval_s=3600.0,
    )


@pytest.fixture
async def planner(
    planner_settings: PlannerSettings, kafka_settings: KafkaSettings, admin_pool: asyncpg.Pool
) -> AsyncIterator[Planner]:
    """The planner running with its clock pinned to MONDAY_MORNING, and a producer."""
    app = build_app(planner_settings)
    app.state.runtime.set_clock(MONDAY_MORNING)
    async with (
        running(app) as client,
        Publisher(kafka_settings.bootstrap_servers) as publisher,
    ):
        yield Planner(
            app=app,
            client=client,
            publisher=publisher,
            admin=admin_pool,
            bootstrap=kafka_settings.bootstrap_servers,
        )
