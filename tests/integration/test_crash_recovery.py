"""A consumer killed between its database commit and its offset commit does nothing twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.support.factories import dose_administered, patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually
from tests.support.services import ServiceProcess, free_port
from tests.support.stack import Stack, service_env


async def test_kill_after_db_commit_before_offset_commit(
    stack: Stack,
    databases: dict[str, ServiceDatabase],
    kafka_settings: KafkaSettings,
    admin_pool: asyncpg.Pool,
    log_dir: Path,
    tmp_path: Path,
) -> None:
    flag = tmp_path / "crash-after-commit"
    flag.touch()
    port = free_port()
    env = service_env(
        "probe",
        stack=stack,
        databases=databases,
        kafka=kafka_settings,
        port=port,
        extra={"PROBE_CRASH_AFTER_COMMIT_FLAG": str(flag)},
    )
    schema = databases["probe"].schema
    patient = patient_id()
    first = dose_administered(patient, administration_id="before-crash")

    async def effects() -> list[str]:
        rows = await admin_pool.fetch(
            f'select administration_id from "{schema}".effects where patient_id = $1 order by id',
            patient,
        )
        return [row["administration_id"] for row in rows]

    probe = ServiceProcess(
        "probe", env=env, port=port, log_dir=log_dir, module="tests.integration.probe"
    ).start()
    try:
        await probe.wait_ready()
        async with Publisher(kafka_settings.bootstrap_servers) as pub:
            await pub.event(kafka_settings.topics.doses, first)

            async def died() -> bool:
                return probe.process is not None and probe.process.poll() is not None

            await eventually(died, timeout=60, what="the probe to kill itself after its commit")
            assert await effects() == ["before-crash"]

            flag.unlink()
            restarted = ServiceProcess(
                "probe", env=env, port=port, log_dir=log_dir, module="tests.integration.probe"
            ).start()
            try:
                await restarted.wait_ready()
                marker = dose_administered(patient, administration_id="after-restart")
                await pub.event(kafka_settings.topics.doses, marker)

                async def marker_seen() -> list[str]:
                    found = await effects()
                    return found if "after-restart" in found else []

                assert await eventually(marker_seen, what="the marker") == [
                    "before-crash",
                    "after-restart",
                ]
                # The first event really was delivered again, and skipped by the inbox.
                async with httpx.AsyncClient(base_url=restarted.url) as client:
                    metrics = (await client.get("/metrics")).text
                assert _duplicates(metrics) >= 1
            finally:
                restarted.stop()
    finally:
        probe.kill()
        await asyncio.sleep(0)


def _duplicates(metrics: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("b12_events_duplicate_total{")
    )
