"""Type aliases for asyncpg objects as store functions receive them."""

from __future__ import annotations

from typing import TypeAlias

import asyncpg
from asyncpg.pool import PoolConnectionProxy

Connection: TypeAlias = "asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]"
"""A connection, direct or borrowed from a pool; the caller owns its transaction."""

Executor: TypeAlias = "Connection | asyncpg.Pool[asyncpg.Record]"
"""Anything that runs a single query: a connection, or a pool for one-off reads."""
