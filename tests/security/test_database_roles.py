"""Least privilege in the database: each service's role touches its own schema and nothing else,
and every way of starting the services connects with those roles, never a superuser."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest
import yaml

from devstack import postgres, services
from devstack.paths import StackConfig
from devstack.platform import IsolatedPlatform
from shared.db.provision import SERVICES, ServiceDatabase
from tests.security.conftest import SETTINGS
from tests.support.stack import Stack

REPO = Path(__file__).resolve().parents[2]
PAIRS = list(itertools.permutations(SERVICES, 2))


@asynccontextmanager
async def connected(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A connection with ``dsn``, closed afterwards."""
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


async def _refused(conn: asyncpg.Connection, sql: str) -> bool:
    """Whether Postgres refuses ``sql`` for lack of privilege."""
    try:
        await conn.execute(sql)
    except asyncpg.InsufficientPrivilegeError:
        return True
    return False


async def _is_plain_login(conn: asyncpg.Connection, role: str) -> bool:
    row = await conn.fetchrow(
        "select rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls,"
        " (select count(*) from pg_auth_members where member = r.oid) as memberships"
        " from pg_roles r where rolname = $1",
        role,
    )
    assert row is not None, f"no role {role}"
    return bool(row["rolcanlogin"]) and not any(list(row.values())[1:])


@pytest.fixture(scope="module")
async def canaries(
    stack: Stack, security_databases: dict[str, ServiceDatabase]
) -> dict[str, ServiceDatabase]:
    """Each service's schema holds a table of its own, created by its role."""
    for name in SERVICES:
        db = security_databases[name]
        async with connected(db.dsn(stack.admin_dsn)) as conn:
            await conn.execute("create table if not exists canary (secret text)")
    return {name: security_databases[name] for name in SERVICES}


@pytest.mark.parametrize("name", SERVICES)
async def test_a_service_role_is_a_plain_login_in_its_own_schema(
    stack: Stack, canaries: dict[str, ServiceDatabase], name: str
) -> None:
    """Not superuser, createdb, createrole, replication or bypassrls; member of no role."""
    db = canaries[name]
    async with connected(db.dsn(stack.admin_dsn)) as conn:
        assert await _is_plain_login(conn, db.role)
        assert await conn.fetchval("select current_user") == db.role
        assert await conn.fetchval("select current_schema()") == db.schema
        assert await conn.fetchval("select count(*) from canary") == 0
        assert await _refused(conn, "create table public.intruder (id int)")
        assert await _refused(conn, f'create schema "{db.schema}_extra"')


@pytest.mark.parametrize(("name", "other"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
async def test_a_role_cannot_use_another_services_schema(
    stack: Stack, canaries: dict[str, ServiceDatabase], name: str, other: str
) -> None:
    """No USAGE or CREATE on the other's schema: its tables can be neither read nor added to."""
    mine, theirs = canaries[name], canaries[other]
    async with connected(mine.dsn(stack.admin_dsn)) as conn:
        privileges = await conn.fetchrow(
            "select has_schema_privilege($1, $2, 'USAGE') as usage,"
            " has_schema_privilege($1, $2, 'CREATE') as create",
            mine.role,
            theirs.schema,
        )
        assert privileges is not None
        assert dict(privileges) == {"usage": False, "create": False}
        assert await _refused(conn, f'select * from "{theirs.schema}".canary')
        assert await _refused(conn, f"insert into \"{theirs.schema}\".canary values ('x')")
        assert await _refused(conn, f'create table "{theirs.schema}".intruder (id int)')


def test_the_services_own_default_dsns_name_their_roles() -> None:
    """Out of the box each service connects as the role named after it."""
    for name, cls in SETTINGS.items():
        dsn = urlsplit(cls().database_url.get_secret_value())
        assert (dsn.username, cls().db_schema) == (name, name)


def test_docker_compose_gives_each_service_its_own_role() -> None:
    """Only the provisioning job holds the administrative DSN; services get their own."""
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    admin = compose["services"]["postgres"]["environment"]["POSTGRES_USER"]
    for name in SERVICES:
        env = compose["services"][name]["environment"]
        dsn = urlsplit(env[f"{name.upper()}_DATABASE_URL"])
        assert dsn.username == name != admin
        assert "DATABASE_URL" not in env
    assert urlsplit(compose["services"]["provision"]["environment"]["DATABASE_URL"]).username == (
        admin
    )


async def test_devstack_starts_each_service_with_its_own_non_superuser_role(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The environment `python -m devstack up` gives a service connects as that service."""
    await asyncio.to_thread(postgres.provision_all, stack.admin_dsn)  # what `up` does first
    dsns = postgres.service_dsns(stack.admin_dsn)
    cfg = StackConfig.from_env()
    for name in SERVICES:
        env = services.service_env(cfg, name, dsn=dsns[name], bootstrap=stack.kafka_bootstrap)
        prefix = f"{name.upper()}_"
        for key, value in env.items():
            if key.startswith(prefix):
                monkeypatch.setenv(key, value)
        settings = SETTINGS[name]()  # as the service process reads its environment
        async with connected(settings.database_url.get_secret_value()) as conn:
            assert await conn.fetchval("select current_user") == name
            assert await _is_plain_login(conn, name)


async def test_platform_processes_connect_with_their_own_roles(
    platform: IsolatedPlatform,
) -> None:
    """The e2e platform gives each process its own DSN, and the process connects with it."""
    for name, process in platform.services.items():
        role = platform.databases[name].role
        dsn = process.env[f"{name.upper()}_DATABASE_URL"]
        async with connected(dsn) as conn:
            assert await conn.fetchval("select current_user") == role
            assert await _is_plain_login(conn, role)
            live = await conn.fetchval(
                "select count(*) from pg_stat_activity"
                " where usename = $1 and application_name = $2",
                role,
                name,
            )
        assert live >= 1, f"{name} holds no connection as {role}"
