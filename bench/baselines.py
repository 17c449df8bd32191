"""Baselines without any guarantee: what the broker and database do on their own.

- raw ingest: a minimal aiokafka consumer and asyncpg writer inserting equivalent rows (no
  inbox, no outbox, no validation, offsets auto-committed);
- raw latency: produce -> consume on the same broker at the same rate.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.stats import latency_summary
from shared.messaging.admin import ensure_topics
from shared.settings import KafkaSettings

RAW_TABLE = """
create table if not exists bench_raw_ingest (
    event_id uuid, patient_id text, kind text, ref text, at timestamptz, value double precision
)
"""


async def raw_ingest(*, bootstrap: str, dsn: str, topics: list[str], expected: int) -> float:
    """Events per second for a consumer that just inserts rows; reads ``expected`` records."""
    conn = await asyncpg.connect(dsn)
    await conn.execute(RAW_TABLE)
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="earliest",
        enable_auto_commit=True,
        max_poll_records=500,
    )
    await consumer.start()
    seen = 0
    started: float | None = None
    try:
        while seen < expected:
            batches = await consumer.getmany(timeout_ms=1000, max_records=500)
            rows = []
            for records in batches.values():
                for record in records:
                    body = json.loads(record.value)
                    rows.append(
                        (
                            uuid.UUID(body["event_id"]),
                            body["patient_id"],
                            body["type"],
                            body.get("administration_id") or body.get("result_id"),
                            None,
                            float(body.get("dose_mcg") or body.get("value") or 0),
                        )
                    )
            if rows:
                started = started or time.perf_counter()
                await conn.executemany(
                    "insert into bench_raw_ingest values ($1, $2, $3, $4, $5, $6)", rows
                )
                seen += len(rows)
        assert started is not None
        return seen / (time.perf_counter() - started)
    finally:
        await consumer.stop()
        await conn.execute("drop table if exists bench_raw_ingest")
        await conn.close()


async def raw_latency(
    *, bootstrap: str, topic: str, rate_per_s: float, count: int
) -> dict[str, float]:
    """Produce -> consume latency at a fixed rate on the same broker (ms percentiles)."""
    await ensure_topics(KafkaSettings(bootstrap_servers=bootstrap), names=[topic])
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-lat-{uuid.uuid4().hex[:6]}",
        auto_offset_reset="latest",
        enable_auto_commit=True,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await consumer.start()
    await producer.start()
    # Make sure the group has its partitions before the first record, so none is missed.
    while not consumer.assignment():
        await consumer.getmany(timeout_ms=200)
    await consumer.seek_to_end()
    latencies: list[float] = []

    async def consume() -> None:
        while len(latencies) < count:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                now = time.perf_counter()
                latencies.extend((now - json.loads(r.value)["sent"]) * 1000 for r in records)

    reader = asyncio.create_task(consume())
    try:
        interval, begin = 1 / rate_per_s, time.perf_counter()
        for i in range(count):
            # Paced by absolute times, so the rate holds whatever each send costs.
            await asyncio.sleep(max(0.0, begin + i * interval - time.perf_counter()))
            body = json.dumps({"sent": time.perf_counter(), "n": i}).encode()
            await producer.send_and_wait(topic, body, key=f"p-{i}".encode())
        await asyncio.wait_for(reader, timeout=60)
    finally:
        reader.cancel()
        await producer.stop()
        await consumer.stop()
    return latency_summary(latencies)
