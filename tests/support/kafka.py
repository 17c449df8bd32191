"""Publishing and reading topics the way clinic systems and observers do."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaProducer

from shared.contracts import Event
from simulator.topics import Record, read_topic

__all__ = ["Publisher", "Record", "events_on", "read_topic"]


class Publisher:
    """An idempotent producer for tests: events with CloudEvents headers, or raw bytes."""

    def __init__(self, bootstrap: str) -> None:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
        )

    async def __aenter__(self) -> Publisher:
        await self._producer.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._producer.stop()

    async def event(self, topic: str, event: Event) -> None:
        """Publish an event as a clinic system would."""
        headers = [(k, v.encode()) for k, v in event.cloudevent_headers().items()]
        await self._producer.send_and_wait(
            topic, event.to_json(), key=event.kafka_key(), headers=headers
        )

    async def raw(
        self,
        topic: str,
        value: bytes | None,
        *,
        key: bytes | None = b"poison",
        headers: dict[str, bytes] | None = None,
    ) -> None:
        """Publish arbitrary bytes (poison, malformed records)."""
        await self._producer.send_and_wait(
            topic, value, key=key, headers=list((headers or {}).items())
        )


async def events_on(bootstrap: str, topic: str, **match: Any) -> list[dict[str, Any]]:
    """Bodies on ``topic`` whose fields equal ``match`` (undecodable records are skipped)."""
    found = []
    for record in await read_topic(bootstrap, topic):
        try:
            body = record.json()
        except (ValueError, AssertionError):
            continue
        if isinstance(body, dict) and all(body.get(k) == v for k, v in match.items()):
            found.append(body)
    return found


async def gather_settled(*aws: Any) -> list[Any]:
    """Await several coroutines concurrently."""
    return list(await asyncio.gather(*aws))
