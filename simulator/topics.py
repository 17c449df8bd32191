"""Reading topics back, as an observer: every record from the beginning."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition


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
        """The body as JSON."""
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
            batch = await consumer.getmany(timeout_ms=int(settle_s * 1000), max_records=5000)
            for tp_records in batch.values():
                for r in tp_records:
                    headers = {k: v.decode(errors="replace") for k, v in r.headers}
                    records.append(Record(r.topic, r.partition, r.offset, r.key, r.value, headers))
        return records
    finally:
        await consumer.stop()


async def bodies(bootstrap: str, topic: str) -> list[dict[str, Any]]:
    """The JSON object bodies on ``topic`` (anything else is skipped)."""
    found = []
    for record in await read_topic(bootstrap, topic):
        try:
            body = record.json()
        except (ValueError, AssertionError):
            continue
        if isinstance(body, dict):
            found.append(body)
    return found
