"""A Kafka broker and a Postgres cluster owned by one fault run: free to restart them."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from pathlib import Path

from devstack import kafka, postgres
from devstack.paths import StackConfig
from devstack.procs import free_port


class OwnStack:
    """Native Kafka and Postgres on free ports, with their state under ``state``."""

    def __init__(self, state: Path) -> None:
        self.cfg = dataclasses.replace(
            StackConfig.from_env(),
            state=state,
            pg_port=free_port(),
            kafka_port=free_port(),
            external_database_url=None,
            external_kafka=None,
        )
        self.admin_dsn = ""

    @property
    def bootstrap(self) -> str:
        return self.cfg.kafka_bootstrap

    async def start(self) -> None:
        """Start both and wait until they serve."""
        info = await asyncio.to_thread(postgres.ensure_up, self.cfg)
        self.admin_dsn = info.admin_dsn
        await asyncio.to_thread(kafka.ensure_up, self.cfg)

    async def restart_kafka(self) -> float:
        """Stop the broker cleanly and start it again; the seconds it was away."""
        started = time.monotonic()
        await asyncio.to_thread(kafka.stop, self.cfg)
        await asyncio.to_thread(kafka.ensure_up, self.cfg)
        return time.monotonic() - started

    async def restart_postgres(self) -> float:
        """Stop Postgres (fast shutdown: connections are cut) and start it again."""
        started = time.monotonic()
        await asyncio.to_thread(postgres.stop, self.cfg)
        await asyncio.to_thread(postgres.ensure_up, self.cfg)
        return time.monotonic() - started

    async def stop(self) -> None:
        """Stop both."""
        await asyncio.to_thread(kafka.stop, self.cfg)
        await asyncio.to_thread(postgres.stop, self.cfg)
