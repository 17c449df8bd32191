"""A Kafka broker owned by one test, to stop and start it without disturbing the others."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from devstack import kafka
from devstack.paths import StackConfig


class SpareKafka:
    """A second native broker (same cached jars) on its own port and data directory."""

    def __init__(self, state: Path, port: int) -> None:
        self.port = port
        self._cfg = dataclasses.replace(
            StackConfig.from_env(), state=state, kafka_port=port, external_kafka=None
        )

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self) -> None:
        """Start it and wait until it serves metadata."""
        launch = await asyncio.to_thread(kafka.launch, self._cfg)
        await asyncio.to_thread(kafka.wait_ready, self._cfg, launch)

    async def stop(self) -> None:
        """Stop it cleanly (its data stays for the next start)."""
        await asyncio.to_thread(kafka.stop, self._cfg)
