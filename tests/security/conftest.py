"""Fixtures: the four services in this process, on topics, schemas and roles of their own.

The security tests send forged tokens, fuzzed requests and poison records; their own slice of
the stack keeps all of that away from the other tests' topics and schemas.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fastapi import FastAPI

from services.adherence.app import build_app as adherence_app
from services.adherence.settings import AdherenceSettings
from services.labs.app import build_app as labs_app
from services.labs.settings import LabsSettings
from services.notifier.app import build_app as notifier_app
from services.notifier.settings import NotifierSettings
from services.planner.app import build_app as planner_app
from services.planner.settings import PlannerSettings
from shared.db.provision import SERVICES, ServiceDatabase
from shared.messaging.admin import ensure_topics
from shared.settings import KafkaSettings, ServiceSettings
from tests.e2e.conftest import platform
from tests.support.stack import Stack, provisioned, settings_for

__all__ = ["platform"]  # the e2e fixture: the four services as processes

SETTINGS: dict[str, type[ServiceSettings]] = {
    "planner": PlannerSettings,
    "adherence": AdherenceSettings,
    "labs": LabsSettings,
    "notifier": NotifierSettings,
}
BUILDERS: dict[str, Callable[[Any], FastAPI]] = {
    "planner": planner_app,
    "adherence": adherence_app,
    "labs": labs_app,
    "notifier": notifier_app,
}

MakeApp = Callable[..., FastAPI]


@pytest.fixture(scope="session")
async def security_kafka(stack: Stack, run_id: str) -> KafkaSettings:
    """Topics and consumer groups of the security tests alone."""
    settings = KafkaSettings(
        bootstrap_servers=stack.kafka_bootstrap,
        topic_prefix=f"{run_id}.sec.treatment.",
        group_prefix=f"{run_id}.sec",
    )
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="session")
async def security_databases(
    stack: Stack, run_id: str
) -> AsyncIterator[dict[str, ServiceDatabase]]:
    """One role and schema per service (and the probe), provisioned as in production."""
    dbs = {
        name: ServiceDatabase(
            role=f"{run_id}_sec_{name}", password=uuid.uuid4().hex, schema=f"{run_id}_sec_{name}"
        )
        for name in (*SERVICES, "probe")
    }
    async with provisioned(stack.admin_dsn, *dbs.values()):
        yield dbs


@pytest.fixture(scope="session")
def make_app(
    stack: Stack, security_databases: dict[str, ServiceDatabase], security_kafka: KafkaSettings
) -> MakeApp:
    """Build one service's app on the security slice (settings overridable)."""

    def make(name: str, **overrides: Any) -> FastAPI:
        settings = settings_for(
            SETTINGS[name],
            name=name,
            stack=stack,
            databases=security_databases,
            kafka=security_kafka,
            **overrides,
        )
        return BUILDERS[name](settings)

    return make
