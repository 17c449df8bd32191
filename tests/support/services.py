"""Running services in tests: in-process (integration) or as real processes (e2e)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI

from shared.runtime import ServiceRuntime
from shared.security import AuthSettings, Scope, issue_token

REPO = Path(__file__).resolve().parents[2]


def bearer(*scopes: str, subject: str = "tester-1") -> dict[str, str]:
    """An Authorization header with a development token carrying ``scopes`` (all by default)."""
    token = issue_token(
        AuthSettings(),
        subject=subject,
        scopes=list(scopes or [s.value for s in Scope]),
        now=datetime.now(UTC),
    )
    return {"Authorization": f"Bearer {token}"}


@asynccontextmanager
async def running(
    app: FastAPI, *, timeout: float = 60.0, headers: dict[str, str] | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """Run an app's lifespan in this process; yields a client (all scopes) once it is ready."""
    async with app.router.lifespan_context(app):
        runtime: ServiceRuntime = app.state.runtime
        await asyncio.wait_for(runtime.ready.wait(), timeout)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://service",
            headers=bearer() if headers is None else headers,
        ) as client:
            yield client


def free_port() -> int:
    """A loopback port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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

    def start(self) -> ServiceProcess:
        """Start the process (its output goes to the log file, never to an unread pipe)."""
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", self.module],
            cwd=REPO,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    async def wait_ready(self, timeout: float = 90.0) -> None:
        """Poll /ready until it answers 200."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited:\n{self.tail()}")
                try:
                    if (await client.get("/ready")).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.2)
        raise AssertionError(f"{self.name} not ready after {timeout}s:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks run (a crash)."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not stop in time."""
        if self.process and self.process.poll() is None:
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
