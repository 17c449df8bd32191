"""Fuzzed Kafka records: decoding never raises, and every record ends processed or dead-lettered
without stalling its partition."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiokafka import AIOKafkaProducer
from hypothesis import HealthCheck, given, settings

from shared.contracts import events_of
from shared.db.provision import ServiceDatabase
from shared.messaging.admin import ensure_topics
from shared.messaging.consumer import ConsumerConfig, EventConsumer
from shared.messaging.records import Delivery, Inbound, Rejection
from shared.observability.metrics import ServiceMetrics
from shared.settings import KafkaSettings
from shared.topics import Stream
from tests.integration.probe.app import ProbeSettings, build_app
from tests.security.fuzz import (
    MAX_EVENT_BYTES,
    REJECTION_KINDS,
    FuzzRecord,
    as_consumed,
    event_id_of,
    records,
)
from tests.support.factories import dose_administered, patient_id
from tests.support.polling import eventually
from tests.support.services import running
from tests.support.stack import Stack, settings_for

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
TOPIC = "fuzz.treatment.doses"
BURST = 200


def _consumer() -> EventConsumer:
    accepts = {TOPIC: events_of(Stream.DOSES), "fuzz.treatment.plans": events_of(Stream.PLANS)}
    config = ConsumerConfig(service="fuzz", accepts=accepts, max_event_bytes=MAX_EVENT_BYTES)

    async def handler(conn: Any, batch: Any) -> list[Rejection]:
        raise AssertionError("decode only")

    def no_pool() -> asyncpg.Pool:
        raise AssertionError("decode needs no database")

    return EventConsumer(
        config=config, pool=no_pool, handler=handler, metrics=ServiceMetrics("fuzz")
    )


CONSUMER = _consumer()


@given(record=records())
@settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
def test_decoding_any_record_gives_an_event_or_a_reasoned_rejection(record: FuzzRecord) -> None:
    """Bytes, JSON junk, broken envelopes, odd keys and undecodable headers never raise."""
    delivery = Delivery.from_record(as_consumed(record, topic=TOPIC))
    outcome = CONSUMER.decode(delivery)
    assert isinstance(outcome, Inbound | Rejection)
    if isinstance(outcome, Rejection):
        assert outcome.kind in REJECTION_KINDS
        assert outcome.message.strip()
        assert outcome.delivery is delivery
    else:
        assert outcome.event.kafka_key() == record.key


@pytest.mark.parametrize(
    "value",
    [
        b"[" * 100_000 + b"]" * 100_000,
        b'{"type":"DoseAdministered","event_id":' + b'{"a":' * 50_000 + b"1" + b"}" * 50_001,
    ],
    ids=["deep-array", "deep-object"],
)
def test_json_nested_deeper_than_the_parser_recurses_is_rejected(value: bytes) -> None:
    """Deep nesting is refused as invalid JSON instead of raising RecursionError."""
    big = CONSUMER.decode(Delivery(TOPIC, 0, 0, b"k", value[: MAX_EVENT_BYTES - 1], {}))
    assert isinstance(big, Rejection)
    assert big.kind == "invalid_json"


def _burst() -> list[FuzzRecord]:
    """BURST seeded records and a few crafted ones.

    Drawn in a fresh interpreter: Hypothesis mixes in constants from the modules loaded so far,
    so a draw inside a test session would depend on which tests ran before it.
    """
    out = subprocess.run(
        [sys.executable, "-m", "tests.security.fuzz", str(BURST)],
        cwd=REPO,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [*map(FuzzRecord.from_json, out.splitlines()), *_crafted()]


def _crafted() -> list[FuzzRecord]:
    """Valid events the probe's handler fails on: NUL in a stored field, a raising handler."""
    found = []
    for administration_id in ("adm-\x00-nul", "boom-fuzz", 'adm-\n{"forged": 1}'):
        event = dose_administered(patient_id(), administration_id=administration_id)
        headers = [(k, v.encode()) for k, v in event.cloudevent_headers().items()]
        headers.append(("x-note", b"line\x00\nbreak\xff"))
        found.append(FuzzRecord(event.to_json(), event.kafka_key(), tuple(headers)))
    return found


@pytest.fixture
async def fuzz_kafka(stack: Stack, run_id: str) -> KafkaSettings:
    """Topics of this test alone (the probe consumes doses; nothing else reads them)."""
    settings = KafkaSettings(
        bootstrap_servers=stack.kafka_bootstrap,
        topic_prefix=f"{run_id}.fuzz.{uuid.uuid4().hex[:6]}.treatment.",
        group_prefix=f"{run_id}.fuzz",
    )
    await ensure_topics(settings)
    return settings


async def test_a_burst_of_fuzzed_records_is_processed_or_dead_lettered_and_nothing_stalls(
    stack: Stack,
    security_databases: dict[str, ServiceDatabase],
    fuzz_kafka: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    """Every fuzzed record has an effect or a dead letter; good events after them get through."""
    settings = settings_for(
        ProbeSettings, name="probe", stack=stack, databases=security_databases, kafka=fuzz_kafka
    )
    schema, topic = settings.db_schema, fuzz_kafka.topics.doses
    burst = _burst()
    producer = AIOKafkaProducer(
        bootstrap_servers=fuzz_kafka.bootstrap_servers, acks="all", max_request_size=2**20
    )
    await producer.start()
    try:
        for record in burst:
            # The client refuses a record with neither key nor value; an empty key stands in.
            key = b"" if record.key is None and record.value is None else record.key
            await producer.send_and_wait(topic, record.value, key=key, headers=list(record.headers))
        # Then one good event on every partition: each must get past the fuzz before it.
        good = [dose_administered(patient_id()) for _ in range(fuzz_kafka.partitions)]
        for partition, event in enumerate(good):
            headers = [(k, v.encode()) for k, v in event.cloudevent_headers().items()]
            await producer.send_and_wait(
                topic, event.to_json(), key=event.kafka_key(), headers=headers, partition=partition
            )
    finally:
        await producer.stop()

    async with running(build_app(settings)):

        async def good_ones_applied() -> bool:
            found = await admin_pool.fetchval(
                f'select count(*) from "{schema}".effects where event_id = any($1::uuid[])',
                [e.event_id for e in good],
            )
            return bool(found == len(good))

        await eventually(good_ones_applied, timeout=90, what="the good events after the fuzz")
    effects = await admin_pool.fetchval(
        f'select count(*) from "{schema}".effects where event_id = any($1::uuid[])',
        [i for i in (event_id_of(r.value) for r in burst) if i],
    )
    dead = await admin_pool.fetch(
        f'select error_kind, error_message from "{schema}".dead_letters where source_topic = $1',
        topic,
    )
    kinds = Counter(row["error_kind"] for row in dead)
    summary = json.dumps(
        {"published": len(burst), "processed": effects, "dead": len(dead), "kinds": kinds}
    )
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "event-fuzz.json").write_text(summary)
    assert effects + len(dead) == len(burst), summary
    assert effects > 0, summary
    assert len(dead) > 0, summary
    assert set(kinds) <= REJECTION_KINDS | {"processing_error", "domain_rejected"}, kinds
    assert all(row["error_message"] for row in dead)
