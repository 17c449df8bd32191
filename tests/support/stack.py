"""The stack a test run uses, and settings or environments pointing services at it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg

from devstack.platform import service_env as platform_env
from shared.db.provision import ServiceDatabase, drop, provision
from shared.settings import KafkaSettings, ServiceSettings

S = TypeVar("S", bound=ServiceSettings)


def scratch_database(name: str) -> ServiceDatabase:
    """A role and schema of this name, with a random password."""
    return ServiceDatabase(role=name, password=uuid.uuid4().hex, schema=name)


@asynccontextmanager
async def provisioned(admin_dsn: str, *databases: ServiceDatabase) -> AsyncIterator[None]:
    """Roles and schemas that exist for the block and are dropped after it."""
    admin = await asyncpg.connect(admin_dsn)
    try:
        for db in databases:
            await provision(admin, db)
        yield
        for db in databases:
            await drop(admin, db)
    finally:
        await admin.close()


@dataclass(frozen=True)
class Stack:
    """Where the broker and the database are, and how they were found."""

    kafka_bootstrap: str
    admin_dsn: str
    origin: str


def settings_for(
    cls: type[S],
    *,
    name: str,
    stack: Stack,
    databases: dict[str, ServiceDatabase],
    kafka: KafkaSettings,
    **overrides: Any,
) -> S:
    """Settings of one service pointed at this run's slice of the stack."""
    db = databases[name]
    return cls(
        database_url=db.dsn(stack.admin_dsn),
        db_schema=db.schema,
        kafka=kafka,
        environment="test",
        outbox_poll_interval_s=0.1,
        metrics_interval_s=0.5,
        **overrides,
    )


def service_env(
    name: str,
    *,
    stack: Stack,
    databases: dict[str, ServiceDatabase],
    kafka: KafkaSettings,
    port: int,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Environment for ``python -m services.<name>`` pointed at this run's slice of the stack."""
    return platform_env(
        name, admin_dsn=stack.admin_dsn, db=databases[name], kafka=kafka, port=port, extra=extra
    )
