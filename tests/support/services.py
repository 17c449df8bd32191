"""Running services in tests: in-process (integration) or as real processes (e2e)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

from devstack.platform import ServiceProcess, bearer
from devstack.procs import free_port
from shared.runtime import ServiceRuntime

__all__ = ["ServiceProcess", "bearer", "free_port", "running"]

REPO = Path(__file__).resolve().parents[2]


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
