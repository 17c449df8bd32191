"""Real receivers for the notifier's tests: an HTTP webhook endpoint, an SMTP server, SSE."""

from __future__ import annotations

import asyncio
import email
import json
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from typing import Any

import httpx
import uvicorn
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from services.notifier.domain import verify_signature
from tests.integration.notifier.builders import SECRET
from tests.support.polling import eventually
from tests.support.services import free_port


@dataclass(frozen=True)
class Received:
    """One request the webhook receiver got, and the status it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)

    def signature_valid(self) -> bool:
        """Whether the request carries a valid signature under the test secret."""
        verify_signature(
            self.body, headers=self.headers, secrets=SECRET.encode(), now=datetime.now(UTC)
        )
        return True


@dataclass
class WebhookReceiver:
    """A minimal HTTP/1.1 server on loopback that records each POST (asyncio.start_server)."""

    port: int = field(default_factory=free_port)
    received: list[Received] = field(default_factory=list)
    # Patients whose alerts are answered 503, always.
    failing_for: set[str] = field(default_factory=set)
    _server: asyncio.Server | None = None

    def url(self, path: str = "/hooks/nurses") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def for_patient(self, patient: str, *, path: str | None = None) -> list[Received]:
        return [
            r
            for r in self.received
            if r.json().get("patient_id") == patient and (path is None or r.path == path)
        ]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = {}
            for line in head[1:]:
                if ":" in line:
                    name, value = line.split(":", 1)
                    headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            try:
                patient = json.loads(body).get("patient_id")
            except ValueError:
                patient = None
            status = 503 if patient in self.failing_for else 200
            self.received.append(Received(path, headers, body, status))
            writer.write(
                f"HTTP/1.1 {status} Test\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


class _Collect:
    def __init__(self, sink: MailSink) -> None:
        self._sink = sink

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self._sink.add(list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    """A real SMTP server (aiosmtpd) on a free loopback port, keeping every message."""

    def __init__(self) -> None:
        self.port = free_port()
        self._lock = threading.Lock()
        self._messages: list[tuple[list[str], Message]] = []
        self._controller = Controller(_Collect(self), hostname="127.0.0.1", port=self.port)
        # aiosmtpd logs every SMTP command at INFO.
        logging.getLogger("mail.log").setLevel(logging.WARNING)

    def add(self, recipients: list[str], content: bytes) -> None:
        with self._lock:
            self._messages.append((recipients, email.message_from_bytes(content)))

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def for_patient(self, patient: str) -> list[tuple[list[str], Message]]:
        with self._lock:
            return [(to, m) for to, m in self._messages if patient in str(m["Subject"])]


async def alert_of(client: httpx.AsyncClient, patient: str, **filters: str) -> dict[str, Any]:
    """The patient's only alert (polled until it exists), in full."""

    async def listed() -> list[dict[str, Any]]:
        answer = await client.get("/alerts", params={"patient_id": patient, **filters})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, Any]] = answer.json()["items"]
        return items

    items = await eventually(listed, what=f"an alert for {patient}")
    assert len(items) == 1, items
    return await detail(client, items[0]["alert_id"])


async def detail(client: httpx.AsyncClient, alert_id: str) -> dict[str, Any]:
    """GET /alerts/{alert_id}."""
    answer = await client.get(f"/alerts/{alert_id}")
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


async def until(check: Callable[[], Awaitable[Any]], *, what: str, timeout: float = 30.0) -> Any:
    """``eventually`` with a shorter name for the many waits of these tests."""
    return await eventually(check, what=what, timeout=timeout)


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    """Serve an app whose lifespan already runs (``running``) on a real port, for SSE."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_config=None)
    )
    task = asyncio.create_task(server.serve())

    async def started() -> bool:
        return server.started

    await eventually(started, what="uvicorn to start")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def sse_events(response: httpx.Response) -> AsyncIterator[dict[str, Any]]:
    """Parse a text/event-stream into events (comments come as {"comment": ...})."""
    event: dict[str, Any] = {}
    async for line in response.aiter_lines():
        if line == "":
            if event:
                yield event
            event = {}
        elif line.startswith(":"):
            yield {"comment": line[1:].strip()}
        else:
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            event[name] = json.loads(value) if name == "data" else value
