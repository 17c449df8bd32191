"""The four services as real processes on this run's topics and schemas."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from shared.db.provision import SERVICES, ServiceDatabase
from shared.settings import KafkaSettings
from tests.support.services import ServiceProcess, bearer, free_port
from tests.support.stack import Stack, service_env


@dataclass
class Platform:
    """The running services, by name, and clients to call them."""

    services: dict[str, ServiceProcess]
    kafka: KafkaSettings

    def url(self, name: str) -> str:
        return self.services[name].url

    def client(self, name: str, *scopes: str) -> httpx.AsyncClient:
        """An authenticated client of one service (all scopes unless given)."""
        return httpx.AsyncClient(base_url=self.url(name), headers=bearer(*scopes), timeout=10.0)


@pytest.fixture(scope="session")
async def platform(
    stack: Stack, databases: dict[str, ServiceDatabase], kafka_settings: KafkaSettings,
    log_dir: Path,
) -> AsyncIterator[Platform]:
    """Start planner, adherence, labs and notifier; stop them at the end of the session."""
    processes = {}
    ports = {name: free_port() for name in SERVICES}
    # Each service's overview dashboard shows the others, wherever this run put them.
    peers = json.dumps({name: f"http://127.0.0.1:{port}" for name, port in ports.items()})
    for name, port in ports.items():
        env = service_env(name, stack=stack, databases=databases, kafka=kafka_settings,
                          port=port, extra={"DASHBOARD_PEERS": peers})
        processes[name] = ServiceProcess(name, env=env, port=port, log_dir=log_dir).start()
    try:
        await asyncio.gather(*(p.wait_ready() for p in processes.values()))
        yield Platform(services=processes, kafka=kafka_settings)
    finally:
        for process in processes.values():
            process.stop()
