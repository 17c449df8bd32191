"""The asyncpg pool of one service: its own login role, its own schema on the search path."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from shared.settings import ServiceSettings


async def _init_connection(conn: asyncpg.Connection) -> None:
    # jsonb columns come back as Python objects, and go in from them.
    for type_name in ("json", "jsonb"):
        await conn.set_type_codec(
            type_name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def create_pool(settings: ServiceSettings, **overrides: Any) -> asyncpg.Pool:
    """Open the service's pool; every connection works inside the service's schema."""
    options: dict[str, Any] = {
        "dsn": settings.database_url.get_secret_value(),
        "min_size": settings.db_pool_min,
        "max_size": settings.db_pool_max,
        "init": _init_connection,
        "server_settings": {
            "search_path": settings.db_schema,
            "application_name": settings.service_name,
        },
        "command_timeout": 60,
    }
    options.update(overrides)
    pool = await asyncpg.create_pool(**options)
    assert pool is not None
    return pool
