"""A platform of service processes on its own topics and schemas (tests, benchmarks, faults)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

from devstack.paths import REPO_ROOT
from devstack.procs import free_port
from shared.db.provision import SERVICES, ServiceDatabase, drop, provision
from shared.messaging.admin import ensure_topics
from shared.security import AuthSettings, Scope, issue_token
from shared.settings import KafkaSettings


def bearer(*scopes: str, subject: str = "tester-1") -> dict[str, str]:
    """An Authorization header with a development token carrying ``scopes`` (all by default)."""
    token = issue_token(
        AuthSettings(),
        subject=subject,
        scopes=list(scopes or [s.value for s in Scope]),
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {token}"}


class ServiceProcess:
    """``python -m services.<name>`` (or another module) as a child process, logging to a file."""

    def __init__(
        self, name: str, *, env: dict[str, str], port: int, log_dir: Path, module: str = ""
    ) -> None:
        self.name = name
        self.module = module or f"services.{name}"
        self.port = port
        self.env = {**os.environ, **env}
        self.log_path = log_dir / f"{name}-{port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self) -> ServiceProcess:
        """Start the process (its output goes to the log file, never to an unread pipe)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                cwd=REPO_ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process is not None and self.process.poll() is None

    async def wait_ready(self, within_s: float = 90.0) -> None:
        """Poll /ready until it answers 200."""
        deadline = time.monotonic() + within_s
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if not self.alive():
                    raise RuntimeError(f"{self.name} exited:\n{self.tail()}")
                try:
                    if (await client.get("/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {within_s}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run (a crash)."""
        if self.process and self.alive():
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        if self.process and self.alive():
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def tail(self, lines: int = 40) -> str:
        """The end of the service's log."""
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def service_env(
    name: str,
    *,
    admin_dsn: str,
    db: ServiceDatabase,
    kafka: KafkaSettings,
    port: int,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Environment for ``python -m services.<name>`` on a given slice of the stack."""
    prefix = name.upper()
    return {
        f"{prefix}_DATABASE_URL": db.dsn(admin_dsn),
        f"{prefix}_DB_SCHEMA": db.schema,
        f"{prefix}_HTTP_PORT": str(port),
        f"{prefix}_ENVIRONMENT": "test",
        f"{prefix}_OUTBOX_POLL_INTERVAL_S": "0.1",
        f"{prefix}_METRICS_INTERVAL_S": "0.5",
        "KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
        "KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        "KAFKA_GROUP_PREFIX": kafka.group_prefix,
        **(extra or {}),
    }


@dataclass
class IsolatedPlatform:
    """The four services with their own run id: topics ``<run>.treatment.*``, own schemas."""

    admin_dsn: str
    bootstrap: str
    log_dir: Path
    run_id: str = field(default_factory=lambda: f"r{uuid.uuid4().hex[:8]}")
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    databases: dict[str, ServiceDatabase] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)
    """Further instances of a service, in its consumer group, on ports of their own."""

    @property
    def kafka(self) -> KafkaSettings:
        return KafkaSettings(
            bootstrap_servers=self.bootstrap,
            topic_prefix=f"{self.run_id}.treatment.",
            group_prefix=self.run_id,
        )

    async def provision(self, names: Iterable[str] = SERVICES) -> None:
        """Roles and schemas for this run, and its topics."""
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            for name in names:
                db = ServiceDatabase(
                    role=f"{self.run_id}_{name}",
                    password=uuid.uuid4().hex,
                    schema=f"{self.run_id}_{name}",
                )
                await provision(admin, db)
                self.databases[name] = db
        finally:
            await admin.close()
        await ensure_topics(self.kafka)

    def _launch(self, name: str, port: int) -> ServiceProcess:
        extra = {"DASHBOARD_PEERS": self.dashboard_peers(), **self.extra_env.get(name, {})}
        env = service_env(
            name,
            admin_dsn=self.admin_dsn,
            db=self.databases[name],
            kafka=self.kafka,
            port=port,
            extra=extra,
        )
        return ServiceProcess(name, env=env, port=port, log_dir=self.log_dir).start()

    def spawn(self, name: str) -> ServiceProcess:
        """Start (or restart on the same port) one service process."""
        old = self.services.get(name)
        port = old.port if old else self.ports.get(name) or free_port()
        self.ports[name] = port
        self.services[name] = self._launch(name, port)
        return self.services[name]

    def spawn_replica(self, name: str) -> ServiceProcess:
        """Start another instance of a service: same schema, group and topics, its own port."""
        process = self._launch(name, free_port())
        self.replicas.setdefault(name, []).append(process)
        return process

    async def start(self, names: Iterable[str] = SERVICES) -> None:
        """Provision, start every service and wait until each is ready."""
        names = list(names)
        await self.provision(names)
        # Ports first, so that each service's overview dashboard knows where the others are.
        self.ports.update({name: free_port() for name in names if name not in self.ports})
        for name in names:
            self.spawn(name)
        await asyncio.gather(*(self.services[n].wait_ready() for n in names))

    def dashboard_peers(self) -> str:
        """``DASHBOARD_PEERS``: where this run's services listen (JSON, name -> base URL)."""
        return json.dumps({name: f"http://127.0.0.1:{port}" for name, port in self.ports.items()})

    def url(self, name: str) -> str:
        return self.services[name].url

    def client(self, name: str, *scopes: str) -> httpx.AsyncClient:
        """An authenticated client of one service (all scopes unless given)."""
        return httpx.AsyncClient(base_url=self.url(name), headers=bearer(*scopes), timeout=30.0)

    def stop(self) -> None:
        """Stop every service process, replicas included."""
        for process in [*self.services.values(), *(r for rs in self.replicas.values() for r in rs)]:
            process.stop()

    async def drop(self) -> None:
        """Drop this run's schemas and roles."""
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            for db in self.databases.values():
                await drop(admin, db)
        finally:
            await admin.close()
