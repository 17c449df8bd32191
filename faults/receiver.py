"""A webhook receiver that counts what it is sent, by the notifier's delivery id."""

from __future__ import annotations

import asyncio
from collections import Counter

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from devstack.procs import free_port


class WebhookReceiver:
    """Answers 200 to every POST and counts receipts per ``X-B12-Delivery``."""

    def __init__(self) -> None:
        self.port = free_port()
        self.receipts: Counter[str] = Counter()
        self.unsigned = 0
        app = Starlette(routes=[Route("/{path:path}", self._receive, methods=["POST"])])
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                host="127.0.0.1",
                port=self.port,
                log_config=None,
                access_log=False,
                lifespan="off",
            )
        )
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def _receive(self, request: Request) -> Response:
        await request.body()
        delivery = request.headers.get("x-b12-delivery", "")
        if not request.headers.get("x-b12-signature"):
            self.unsigned += 1
        self.receipts[delivery] += 1
        return Response(status_code=200)

    async def start(self) -> None:
        """Serve in the background until stopped."""
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:  # noqa: ASYNC110 (uvicorn exposes a flag, not an event)
            await asyncio.sleep(0.02)

    async def stop(self) -> None:
        """Stop serving."""
        self._server.should_exit = True
        if self._task is not None:
            await self._task
