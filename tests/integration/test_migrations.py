"""Migrations are recorded, idempotent, and safe when two instances start at once."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg

from shared.db.migrations import SHARED_MIGRATIONS, discover, migrate
from shared.db.provision import ServiceDatabase, drop, provision
from tests.support.stack import Stack

SERVICE_MIGRATIONS = Path(__file__).parent / "probe" / "migrations"


async def test_concurrent_starts_apply_each_migration_once(stack: Stack, run_id: str) -> None:
    db = ServiceDatabase(role=f"{run_id}_mig", password="mig-pw", schema=f"{run_id}_mig")
    admin = await asyncpg.connect(stack.admin_dsn)
    await provision(admin, db)
    migrations = discover(("shared", SHARED_MIGRATIONS), ("service", SERVICE_MIGRATIONS))
    conns = [
        await asyncpg.connect(db.dsn(stack.admin_dsn), server_settings={"search_path": db.schema})
        for _ in range(2)
    ]
    try:
        first, second = await asyncio.gather(
            *(migrate(conn, db.schema, migrations) for conn in conns)
        )
        # One start applied everything; the other waited on the lock and found nothing to do.
        assert sorted([first, second], key=len) == [[], [m.version for m in migrations]]
        assert await migrate(conns[0], db.schema, migrations) == []
        recorded = await conns[0].fetch("select version from schema_migrations order by version")
        assert [r["version"] for r in recorded] == sorted(m.version for m in migrations)
    finally:
        for conn in conns:
            await conn.close()
        await drop(admin, db)
        await admin.close()
