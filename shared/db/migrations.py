"""Versioned SQL migrations, applied at start under an advisory lock and recorded."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from shared.db.types import Connection

log = logging.getLogger(__name__)

SHARED_MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass(frozen=True)
class Migration:
    """One SQL file; ``version`` orders it (``shared.0001``, then the service's ``0001`` ...)."""

    version: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text()


def discover(*directories: tuple[str, Path]) -> list[Migration]:
    """Migrations from (namespace, directory) pairs, each directory's files in name order."""
    found: list[Migration] = []
    for namespace, directory in directories:
        for path in sorted(directory.glob("*.sql")):
            found.append(Migration(version=f"{namespace}.{path.stem}", path=path))
    return found


async def migrate(conn: Connection, schema: str, migrations: list[Migration]) -> list[str]:
    """Apply the migrations not yet recorded in ``schema``; returns the versions applied."""
    applied_now: list[str] = []
    async with conn.transaction():
        # Two instances starting at once: the second waits, then finds nothing to do.
        await conn.execute("select pg_advisory_xact_lock(hashtext($1))", f"migrate:{schema}")
        await conn.execute(
            "create table if not exists schema_migrations ("
            " version text primary key,"
            " applied_at timestamptz not null default now())"
        )
        done = {row["version"] for row in await conn.fetch("select version from schema_migrations")}
        for migration in migrations:
            if migration.version in done:
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "insert into schema_migrations (version) values ($1)", migration.version
            )
            applied_now.append(migration.version)
            log.info("migration applied", extra={"version": migration.version, "schema": schema})
    return applied_now


async def migrate_service(
    pool: asyncpg.Pool, *, schema: str, service_migrations: Path
) -> list[str]:
    """Apply the shared messaging tables, then the service's own migrations."""
    migrations = discover(("shared", SHARED_MIGRATIONS), ("service", service_migrations))
    async with pool.acquire() as conn:
        return await migrate(conn, schema, migrations)
