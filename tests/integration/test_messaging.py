"""The delivery guarantees of the shared runtime, through real Kafka and Postgres."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.probe.app import ProbeSettings, build_app
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import Publisher, read_topic
from tests.support.polling import eventually
from tests.support.services import running


async def _effects(pool: asyncpg.Pool, schema: str, patient: str) -> list[str]:
    rows = await pool.fetch(
        f'select administration_id from "{schema}".effects where patient_id = $1 order by id',
        patient,
    )
    return [row["administration_id"] for row in rows]


async def _dead_letters(pool: asyncpg.Pool, schema: str, key: bytes) -> list[dict[str, Any]]:
    rows = await pool.fetch(
        f"select error_kind, error_message, source_partition, source_offset"
        f' from "{schema}".dead_letters where key = $1 order by source_offset',
        key,
    )
    return [dict(row) for row in rows]


async def test_same_event_twice_has_one_effect(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    event = dose_administered(patient)
    async with (
        running(build_app(probe_settings)),
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.doses, event)
        await pub.event(kafka_settings.topics.doses, event)
        marker = dose_administered(patient, administration_id="after-duplicate")
        await pub.event(kafka_settings.topics.doses, marker)

        async def both_seen() -> list[str]:
            found = await _effects(admin_pool, probe_settings.db_schema, patient)
            return found if "after-duplicate" in found else []

        effects = await eventually(both_seen, what="the marker event")
    assert effects == [event.administration_id, "after-duplicate"]


async def test_poison_is_dead_lettered_and_the_partition_moves_on(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    key = patient.encode()
    topic = kafka_settings.topics.doses
    invalid = json.loads(dose_administered(patient).to_json())
    invalid["dose_mcg"] = -5
    unknown = dict(invalid, type="DoseTeleported", dose_mcg=1000)
    good = dose_administered(patient, administration_id="good-after-poison")
    async with (
        running(build_app(probe_settings)),
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        # Same key, so every record lands on the same partition, in this order.
        await pub.raw(topic, b"{not json", key=key)
        await pub.raw(topic, json.dumps(invalid).encode(), key=key)
        await pub.raw(topic, json.dumps(unknown).encode(), key=key)
        await pub.raw(topic, b"", key=key)
        await pub.raw(topic, b"x" * (probe_settings.max_event_bytes + 1), key=key)
        await pub.event(topic, good)

        async def good_seen() -> list[str]:
            return await _effects(admin_pool, probe_settings.db_schema, patient)

        assert await eventually(good_seen, what="the good event") == ["good-after-poison"]
        dead = await _dead_letters(admin_pool, probe_settings.db_schema, key)
        assert [d["error_kind"] for d in dead] == [
            "invalid_json",
            "schema_invalid",
            "unknown_type",
            "empty_body",
            "oversized_body",
        ]
        assert "dose_mcg" in dead[1]["error_message"]
        assert "DoseTeleported" in dead[2]["error_message"]

        async def on_dlq() -> list[Any]:
            records = await read_topic(kafka_settings.bootstrap_servers, f"{topic}.dlq")
            mine = [r for r in records if r.key == key]
            return mine if len(mine) == 5 else []

        dlq = await eventually(on_dlq, what="five records on the DLQ")
    first = dlq[0].headers
    assert first["dlq_error_kind"] == "invalid_json"
    assert first["dlq_original_topic"] == topic
    assert int(first["dlq_original_offset"]) == dead[0]["source_offset"]
    assert dlq[0].value == b"{not json"


async def test_records_without_the_patient_key_are_dead_lettered(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    event = dose_administered(patient)
    async with (
        running(build_app(probe_settings)),
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.raw(kafka_settings.topics.doses, event.to_json(), key=None)
        wrong = dose_administered(patient)
        await pub.raw(kafka_settings.topics.doses, wrong.to_json(), key=b"someone-else")

        async def dead() -> list[Any]:
            rows = await admin_pool.fetch(
                f'select error_kind from "{probe_settings.db_schema}".dead_letters'
                " where event_id = any($1::uuid[]) order by source_offset",
                [event.event_id, wrong.event_id],
            )
            return rows if len(rows) == 2 else []

        kinds = sorted(row["error_kind"] for row in await eventually(dead, what="dead letters"))
    assert kinds == ["key_mismatch", "missing_key"]
    assert await _effects(admin_pool, probe_settings.db_schema, patient) == []


async def test_a_failing_event_is_isolated_and_a_refused_one_can_be_replayed(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    topic = kafka_settings.topics.doses
    bug = dose_administered(patient, administration_id="boom-1")
    refused = dose_administered(patient, administration_id="reject-1")
    good = dose_administered(patient, administration_id="fine-1")
    async with (
        running(build_app(probe_settings)),
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        for event in (bug, refused, good):
            await pub.event(topic, event)

        async def good_seen() -> list[str]:
            return await _effects(admin_pool, probe_settings.db_schema, patient)

        assert await eventually(good_seen, what="the good event") == ["fine-1"]

        async def two_dead() -> list[Any]:
            rows = await _dead_letters(admin_pool, probe_settings.db_schema, patient.encode())
            return rows if len(rows) == 2 else []

        dead = await eventually(two_dead, what="two dead letters")
        assert sorted(d["error_kind"] for d in dead) == ["domain_rejected", "processing_error"]
        # The refused event left the inbox, so replaying it (same event_id) is processed again.
        in_inbox = await admin_pool.fetchval(
            f'select count(*) from "{probe_settings.db_schema}".inbox where event_id = $1',
            refused.event_id,
        )
        assert in_inbox == 0


async def test_role_cannot_read_another_services_schema(
    stack: Any, databases: dict[str, ServiceDatabase]
) -> None:
    planner, adherence = databases["planner"], databases["adherence"]
    conn = await asyncpg.connect(planner.dsn(stack.admin_dsn))
    try:
        await conn.execute("create table if not exists mine (id int)")
        denied = None
        try:
            await conn.fetch(f'select * from "{adherence.schema}".schema_migrations')
        except asyncpg.InsufficientPrivilegeError as exc:
            denied = exc
        except asyncpg.UndefinedTableError:
            # Without privileges on the schema Postgres may not reveal the table either.
            denied = Exception("schema not visible")
        assert denied is not None
        try:
            await conn.execute(f'create table "{adherence.schema}".intruder (id int)')
        except asyncpg.InsufficientPrivilegeError:
            pass
        else:
            raise AssertionError("planner could create a table in adherence's schema")
        assert not await conn.fetchval("select rolsuper from pg_roles where rolname = current_user")
    finally:
        await conn.close()


def _lag_lines(metrics: str, topic: str) -> dict[str, float]:
    lag = {}
    for line in metrics.splitlines():
        if line.startswith("b12_consumer_lag{") and f'topic="{topic}"' in line:
            partition = line.split('partition="', 1)[1].split('"', 1)[0]
            lag[partition] = float(line.rsplit(" ", 1)[1])
    return lag


async def test_metrics_show_consumer_lag_per_partition_and_outbox_backlog(
    probe_settings: ProbeSettings,
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
) -> None:
    patient = patient_id()
    topic = kafka_settings.topics.doses
    async with (
        running(build_app(probe_settings)) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(topic, dose_administered(patient))

        async def caught_up() -> dict[str, float]:
            lag = _lag_lines((await client.get("/metrics")).text, topic)
            settled = len(lag) == kafka_settings.partitions and not any(lag.values())
            return lag if settled else {}

        lag = await eventually(caught_up, what="zero lag on every partition")
        metrics = (await client.get("/metrics")).text
    assert sorted(lag) == [str(p) for p in range(kafka_settings.partitions)]
    assert "b12_outbox_backlog " in metrics
    assert "b12_outbox_oldest_age_seconds " in metrics
    assert f'b12_events_processed_total{{topic="{topic}",type="DoseAdministered"}}' in metrics


async def test_faststreams_own_metrics_are_exposed_beside_ours(
    probe_settings: ProbeSettings, kafka_settings: KafkaSettings
) -> None:
    patient = patient_id()
    async with (
        running(build_app(probe_settings)) as client,
        Publisher(kafka_settings.bootstrap_servers) as pub,
    ):
        await pub.event(kafka_settings.topics.doses, dose_administered(patient))

        async def received() -> str:
            text = (await client.get("/metrics")).text
            return text if "faststream_received_messages_total{" in text else ""

        metrics = await eventually(received, what="FastStream's received-messages counter")
    assert 'app_name="probe"' in metrics
