"""A running adherence service (in this process) on the run's topics and its own schema."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from services.adherence.app import build_app, build_spec
from services.adherence.settings import AdherenceSettings
from shared.db.provision import ServiceDatabase
from shared.runtime import ServiceRuntime
from shared.settings import KafkaSettings
from tests.integration.adherence.support import Harness, ManualClock
from tests.support.kafka import Publisher
from tests.support.services import running
from tests.support.stack import Stack, settings_for


@pytest.fixture(scope="module")
def adherence_settings(
    stack: Stack, databases: dict[str, ServiceDatabase], kafka_settings: KafkaSettings
) -> AdherenceSettings:
    """Adherence settings on this run's topics and schema, sweeping often."""
    return settings_for(
        AdherenceSettings,
        name="adherence",
        stack=stack,
        databases=databases,
        kafka=kafka_settings,
        sweep_interval_s=0.2,
    )


@pytest.fixture(scope="module")
async def adherence(
    adherence_settings: AdherenceSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> AsyncIterator[Harness]:
    """The service running with a clock tests may move, and a producer to feed it."""
    clock = ManualClock()
    runtime = ServiceRuntime(build_spec(adherence_settings), clock=clock)
    app = build_app(adherence_settings, runtime=runtime)
    async with (
        running(app) as client,
        Publisher(kafka_settings.bootstrap_servers) as publisher,
    ):
        yield Harness(
            client=client,
            settings=adherence_settings,
            runtime=runtime,
            clock=clock,
            publisher=publisher,
            admin=admin_pool,
            bootstrap=kafka_settings.bootstrap_servers,
        )
