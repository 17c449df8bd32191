"""A running planner (in this process) on the run's topics, with a schema of the test's own."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.planner.app import build_app
from services.planner.settings import PlannerSettings
from shared.db.provision import ServiceDatabase, drop, provision
from shared.settings import KafkaSettings
from tests.integration.planner.support import MONDAY_MORNING, Planner
from tests.support.kafka import Publisher
from tests.support.services import running
from tests.support.stack import Stack, settings_for


@pytest.fixture
async def planner_db(
    stack: Stack, run_id: str, databases: dict[str, ServiceDatabase]
) -> AsyncIterator[ServiceDatabase]:
    """A schema and role for this test alone, so sweeps see only this test's plans."""
    # ``databases`` first: the run's roles exist and are dropped after ours.
    name = f"{run_id}_planner_{uuid.uuid4().hex[:8]}"
    db = ServiceDatabase(role=name, password=uuid.uuid4().hex, schema=name)
    admin = await asyncpg.connect(stack.admin_dsn)
    try:
        await provision(admin, db)
        yield db
        await _drop(admin, db)
    finally:
        await admin.close()


async def _drop(admin: asyncpg.Connection, db: ServiceDatabase) -> None:
    # Other test sessions on the same server change the database's ACL at the same time
    # ("tuple concurrently updated"): serialise with provisioning, and try again.
    for attempt in range(5):
        try:
            async with admin.transaction():
                await admin.execute("select pg_advisory_xact_lock(hashtext('b12.provision'))")
                await drop(admin, db)
            return
        except asyncpg.InternalServerError:
            if attempt == 4:
                raise
            await asyncio.sleep(0.2 * (attempt + 1))  # backoff between attempts, not a wait


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
