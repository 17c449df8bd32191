"""Publishing and reading topics the way clinic systems and observers do."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from shared.contracts import Event


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


@dataclass(frozen=True)
class Record:
    """A record read back from a topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        assert self.value is not None
        return json.loads(self.value)


async def read_topic(bootstrap: str, topic: str, *, settle_s: float = 0.5) -> list[Record]:
    """Every record currently on ``topic`` (all partitions, from the beginning)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic)
        if partitions is None:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in partitions]
        if not assigned:
            return []
        consumer.assign(assigned)
        await consumer.seek_to_beginning(*assigned)
        ends = await consumer.end_offsets(assigned)
        records: list[Record] = []
        while [tp for tp in assigned if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=int(settle_s * 1000))
            for tp_records in batch.values():
                for r in tp_records:
                    headers = {k: v.decode(errors="replace") for k, v in r.headers}
                    records.append(Record(r.topic, r.partition, r.offset, r.key, r.value, headers))
        return records
    finally:
        await consumer.stop()


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
