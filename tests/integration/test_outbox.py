"""The outbox: a change committed while Kafka is away is published exactly once when it returns."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.probe.app import ProbeSettings, build_app
from tests.support.factories import patient_id
from tests.support.kafka import read_topic
from tests.support.polling import eventually
from tests.support.services import bearer, free_port
from tests.support.spare_kafka import SpareKafka
from tests.support.stack import Stack, settings_for


async def test_outbox_publishes_once_after_kafka_returns(
    stack: Stack,
    databases: dict[str, ServiceDatabase],
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    spare = SpareKafka(tmp_path / "kafka", free_port())
    kafka = kafka_settings.model_copy(update={"bootstrap_servers": spare.bootstrap})
    settings = settings_for(
        ProbeSettings,
        name="probe",
        stack=stack,
        databases=databases,
        kafka=kafka,
        retry_max_backoff_s=1.0,
    )
    app = build_app(settings)
    schema = settings.db_schema
    patients = [patient_id(), patient_id()]

    async def published(topic_records: list[str]) -> int:
        rows = await admin_pool.fetch(
            f"select count(*) filter (where published_at is not null) as sent, count(*) as total"
            f' from "{schema}".outbox where key = any($1::bytea[])',
            [p.encode() for p in topic_records],
        )
        return int(rows[0]["sent"])

    async def on_topic(patient: str) -> list[object]:
        records = await read_topic(spare.bootstrap, kafka.topics.adherence)
        return [r for r in records if r.key == patient.encode()]

    async with app.router.lifespan_context(app):
        runtime = app.state.runtime
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://p", headers=bearer("clinic")
        )
        async with client:
            # No broker yet: the service has its database but cannot reach Kafka.
            await eventually(lambda: _has_pool(runtime), what="the database connection")
            created = await client.post(f"/effects/{patients[0]}")
            assert created.status_code == 201
            assert await published([patients[0]]) == 0

            await spare.start()
            await eventually(lambda: _is_ready(runtime), timeout=90, what="Kafka connection")
            first = await eventually(lambda: on_topic(patients[0]), what="the first event")

            # Kafka goes away again while the service runs, then comes back.
            await spare.stop()
            assert (await client.post(f"/effects/{patients[1]}")).status_code == 201
            await spare.start()
            second = await eventually(
                lambda: on_topic(patients[1]), timeout=90, what="the second event"
            )
            await eventually(lambda: _all_sent(published, patients), what="rows marked sent")
            assert len(await on_topic(patients[0])) == len(first) == 1
            assert len(second) == 1
    await spare.stop()


async def _has_pool(runtime: object) -> bool:
    return getattr(runtime, "_pool", None) is not None


async def _is_ready(runtime: object) -> bool:
    return runtime.ready.is_set()  # type: ignore[attr-defined]


async def _all_sent(published: object, patients: list[str]) -> bool:
    return await published(patients) == 2  # type: ignore[operator]
