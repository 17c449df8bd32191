"""Fixtures: the real Kafka broker and Postgres, and an isolated slice of them per test run.

The stack is chosen in order: services given by the environment (KAFKA_BOOTSTRAP_SERVERS,
DATABASE_URL), testcontainers when a Docker engine answers, else the native stack
(``python -m devstack``: Kafka from Maven Central, Postgres from the OS packages).
Each run gets its own topic prefix, consumer groups, schemas and roles.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from pathlib import Path

import asyncpg
import pytest

from shared.db.provision import SERVICES, ServiceDatabase
from shared.messaging.admin import ensure_topics
from shared.settings import KafkaSettings
from tests.support.stack import Stack, provisioned

REPO = Path(__file__).resolve().parents[1]


def _docker_engine_answers() -> bool:
    try:
        import docker  # type: ignore[import-untyped]

        return bool(docker.from_env(timeout=3).ping())
    except Exception:
        return False


def _native_stack() -> dict[str, str]:
    """Start Kafka and Postgres with the project's own scripts; returns their env."""
    subprocess.run(
        [sys.executable, "-m", "devstack", "postgres-up", "kafka-up"], cwd=REPO, check=True
    )
    out = subprocess.run(
        [sys.executable, "-m", "devstack", "env"],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    env = {}
    for line in out.splitlines():
        if line.startswith("export ") and "=" in line:
            key, value = line[len("export ") :].split("=", 1)
            env[key] = value.strip("'\"")
    return env


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    """The real broker and database this run uses."""
    kafka, dsn = os.environ.get("KAFKA_BOOTSTRAP_SERVERS"), os.environ.get("DATABASE_URL")
    if kafka and dsn:
        yield Stack(kafka, dsn, "environment")
        return
    if _docker_engine_answers():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        with ExitStack() as containers:
            if not kafka:
                k = containers.enter_context(KafkaContainer("apache/kafka:4.1.1").with_kraft())
                kafka = k.get_bootstrap_server()
            if not dsn:
                p = containers.enter_context(PostgresContainer("postgres:15", driver=None))
                dsn = p.get_connection_url()
            yield Stack(kafka, dsn, "testcontainers")
        return
    env = _native_stack()
    yield Stack(kafka or env["KAFKA_BOOTSTRAP_SERVERS"], dsn or env["DATABASE_URL"], "native")


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id naming this run's topics, groups, schemas and roles."""
    return f"t{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
async def kafka_settings(stack: Stack, run_id: str) -> KafkaSettings:
    """Kafka settings with this run's own topic prefix and consumer groups."""
    settings = KafkaSettings(
        bootstrap_servers=stack.kafka_bootstrap,
        topic_prefix=f"{run_id}.treatment.",
        group_prefix=run_id,
    )
    await ensure_topics(settings)
    return settings


@pytest.fixture(scope="session")
async def databases(stack: Stack, run_id: str) -> AsyncIterator[dict[str, ServiceDatabase]]:
    """One role and schema per service for this run, dropped afterwards."""
    dbs = {
        name: ServiceDatabase(
            role=f"{run_id}_{name}", password=uuid.uuid4().hex, schema=f"{run_id}_{name}"
        )
        for name in (*SERVICES, "probe")
    }
    async with provisioned(stack.admin_dsn, *dbs.values()):
        yield dbs


@pytest.fixture(scope="session")
async def admin_pool(stack: Stack) -> AsyncIterator[asyncpg.Pool]:
    """An administrative pool, for assertions that look inside a service's schema."""
    pool = await asyncpg.create_pool(stack.admin_dsn, min_size=1, max_size=4)
    assert pool is not None
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where service processes started by tests write their logs."""
    path = REPO / "test-artifacts" / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path
