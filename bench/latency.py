"""End-to-end latency: LabResulted published -> alert stored by the notifier.

Each result is a low potassium in a plan's first week (an urgent HYPOKALAEMIA) for a patient
of its own, published at a fixed moderate rate; the alert's ``opened_at`` against the publish
instant gives the latency (same machine, same clock). The baseline is a raw produce -> consume
on the same broker at the same rate.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from bench.baselines import raw_latency
from bench.stats import latency_summary
from devstack.platform import IsolatedPlatform
from shared.contracts import LabResulted
from simulator.records import event_id_for


async def _plans(platform: IsolatedPlatform, count: int) -> list[str]:
    patients = [f"lat-{i:05d}" for i in range(count)]
    async with platform.client("planner", "clinic") as planner:
        sem = asyncio.Semaphore(16)

        async def create(patient: str) -> None:
            async with sem:
                (
                    await planner.post(
                        "/plans",
                        json={
                            "patient_id": patient,
                            "indication": "pernicious_anaemia",
                            "severity": "severe",
                            "neurological_involvement": False,
                            "start_date": str(date.today()),
                            "timezone": "Europe/London",
                        },
                    )
                ).raise_for_status()

        await asyncio.gather(*(create(p) for p in patients))
    return patients


async def _labs_know(platform: IsolatedPlatform, patients: list[str]) -> None:
    """Wait until labs holds every plan, so results are judged in their treatment context."""
    async with platform.client("labs", "staff") as labs:
        for patient in patients:
            for _ in range(600):
                answer = await labs.get(f"/patients/{patient}/response")
                if answer.status_code == 200 and answer.json().get("plan"):
                    break
                await asyncio.sleep(0.05)


async def _opened_at(platform: IsolatedPlatform, patients: set[str]) -> dict[str, datetime]:
    opened: dict[str, datetime] = {}
    async with platform.client("notifier", "staff") as notifier:
        deadline = time.monotonic() + 120
        while len(opened) < len(patients) and time.monotonic() < deadline:
            cursor: str | None = None
            while True:
                params: dict[str, Any] = {"limit": 200, **({"cursor": cursor} if cursor else {})}
                page = (await notifier.get("/alerts", params=params)).raise_for_status().json()
                for alert in page["items"]:
                    if alert["patient_id"] in patients:
                        opened[alert["patient_id"]] = datetime.fromisoformat(alert["opened_at"])
                cursor = page.get("next_cursor")
                if not cursor:
                    break
            await asyncio.sleep(0.5)
    return opened


async def latency(
    *, admin_dsn: str, bootstrap: str, log_dir: Path, rate_per_s: float = 20, count: int = 400
) -> dict[str, Any]:
    """Publish -> alert latency percentiles beside raw Kafka at the same rate."""
    platform = IsolatedPlatform(admin_dsn=admin_dsn, bootstrap=bootstrap, log_dir=log_dir)
    await platform.start()
    try:
        patients = await _plans(platform, count)
        await _labs_know(platform, patients)
        producer = AIOKafkaProducer(
            bootstrap_servers=bootstrap, acks="all", enable_idempotence=True
        )
        await producer.start()
        sent: dict[str, datetime] = {}
        try:
            interval, begin = 1 / rate_per_s, time.perf_counter()
            for i, patient in enumerate(patients):
                await asyncio.sleep(max(0.0, begin + i * interval - time.perf_counter()))
                now = datetime.now(UTC)
                event = LabResulted(
                    event_id=event_id_for(patient, "k"),
                    occurred_at=now,
                    patient_id=patient,
                    source="bench-lab",
                    result_id=f"{patient}-k",
                    observed_at=now,
                    code="2823-3",
                    value=3.0,
                    unit="mmol/L",
                    status="final",
                )
                sent[patient] = now
                headers = [(k, v.encode()) for k, v in event.cloudevent_headers().items()]
                await producer.send_and_wait(
                    platform.kafka.topics.labs,
                    event.to_json(),
                    key=event.kafka_key(),
                    headers=headers,
                )
        finally:
            await producer.stop()
        opened = await _opened_at(platform, set(patients))
        samples = [(opened[p] - sent[p]).total_seconds() * 1000 for p in opened]
        baseline = await raw_latency(
            bootstrap=bootstrap,
            topic=f"{platform.run_id}.latency",
            rate_per_s=rate_per_s,
            count=count,
        )
        return {
            "rate_per_s": rate_per_s,
            "alerts": len(opened),
            "published": len(patients),
            "platform": latency_summary(samples),
            "baseline": baseline,
        }
    finally:
        platform.stop()
        await platform.drop()
