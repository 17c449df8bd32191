"""Ingest throughput: adherence and labs draining a pre-filled topic, effects committed.

Plans are created through the planner; DoseAdministered and LabResulted are published while
adherence and labs are stopped; then both start and the time from their first to their last
processed event gives the rate. The baseline is a guarantee-free consumer over the same records.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from bench.baselines import raw_ingest
from devstack.platform import IsolatedPlatform
from shared.contracts import DoseAdministered, Event, LabResulted
from simulator.records import event_id_for

CODES = (("718-7", "g/L", 118.0), ("787-2", "fL", 104.0), ("2132-9", "pmol/L", 160.0))


def _processed(metrics: str, types: tuple[str, ...]) -> float:
    total = 0.0
    for line in metrics.splitlines():
        if line.startswith("b12_events_processed_total{") and any(
            f'type="{t}"' in line for t in types
        ):
            total += float(line.rsplit(" ", 1)[1])
    return total


async def _create_plans(platform: IsolatedPlatform, patients: int) -> list[dict[str, Any]]:
    start = date.today() - timedelta(days=30)
    plans: list[dict[str, Any]] = []
    async with platform.client("planner", "clinic") as planner:
        sem = asyncio.Semaphore(16)

        async def create(i: int) -> None:
            async with sem:
                answer = await planner.post(
                    "/plans",
                    json={
                        "patient_id": f"ingest-{i:06d}",
                        "indication": "pernicious_anaemia",
                        "severity": "moderate",
                        "neurological_involvement": False,
                        "start_date": str(start),
                        "timezone": "Europe/London",
                    },
                )
                plans.append(answer.raise_for_status().json())

        await asyncio.gather(*(create(i) for i in range(patients)))
    return plans


def _events(plans: list[dict[str, Any]], *, doses_each: int, labs_each: int) -> list[Event]:
    now = datetime.now(UTC)
    events: list[Event] = []
    for plan in plans:
        patient = plan["patient_id"]
        for n, dose in enumerate(plan["doses"][:doses_each]):
            at = datetime.combine(
                date.fromisoformat(dose["due_on"]), datetime.min.time(), UTC
            ) + timedelta(hours=10)
            if at > now:
                break
            events.append(
                DoseAdministered(
                    event_id=event_id_for(patient, f"dose-{n}"),
                    occurred_at=at,
                    patient_id=patient,
                    source="bench",
                    administration_id=f"{patient}-{n}",
                    plan_id=plan["plan_id"],
                    administered_at=at,
                    product=dose["product"],
                    dose_mcg=dose["dose_mcg"],
                    route=dose["route"],
                    status="completed",
                )
            )
        for n in range(labs_each):
            code, unit, value = CODES[n % len(CODES)]
            at = now - timedelta(days=20 - n)
            events.append(
                LabResulted(
                    event_id=event_id_for(patient, f"lab-{n}"),
                    occurred_at=at,
                    patient_id=patient,
                    source="bench-lab",
                    result_id=f"{patient}-r{n}",
                    observed_at=at,
                    code=code,
                    value=value,
                    unit=unit,
                    status="final",
                )
            )
    return events


async def _publish(bootstrap: str, topics: Any, events: list[Event]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=20
    )
    await producer.start()
    try:
        sends = []
        for event in events:
            topic = topics.doses if isinstance(event, DoseAdministered) else topics.labs
            headers = [(k, v.encode()) for k, v in event.cloudevent_headers().items()]
            sends.append(
                await producer.send(topic, event.to_json(), key=event.kafka_key(), headers=headers)
            )
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def _drain_rate(url: str, types: tuple[str, ...], expected: int) -> float:
    """Events per second between the first and the last processed event of ``types``."""
    first: float | None = None
    async with httpx.AsyncClient(base_url=url, timeout=10.0) as client:
        while True:
            try:
                done = _processed((await client.get("/metrics")).text, types)
            except httpx.TransportError:  # still starting
                await asyncio.sleep(0.02)
                continue
            now = time.perf_counter()
            if done and first is None:
                first = now
            if done >= expected:
                assert first is not None
                return expected / max(now - first, 1e-6)
            await asyncio.sleep(0.05)


async def ingest(
    *,
    admin_dsn: str,
    bootstrap: str,
    log_dir: Path,
    patients: int = 1000,
    doses_each: int = 8,
    labs_each: int = 6,
) -> dict[str, Any]:
    """Platform ingest rates for adherence and labs, beside the guarantee-free baseline."""
    platform = IsolatedPlatform(admin_dsn=admin_dsn, bootstrap=bootstrap, log_dir=log_dir)
    await platform.provision()
    try:
        platform.spawn("planner")
        await platform.services["planner"].wait_ready()
        plans = await _create_plans(platform, patients)
        events = _events(plans, doses_each=doses_each, labs_each=labs_each)
        doses = sum(isinstance(e, DoseAdministered) for e in events)
        labs = len(events) - doses
        topics = platform.kafka.topics
        await _publish(bootstrap, topics, events)
        for name in ("adherence", "labs"):
            platform.spawn(name)
        rates = await asyncio.gather(
            _drain_rate(platform.url("adherence"), ("DoseAdministered",), doses),
            _drain_rate(platform.url("labs"), ("DoseAdministered", "LabResulted"), doses + labs),
        )
        baseline = await raw_ingest(
            bootstrap=bootstrap,
            dsn=admin_dsn,
            topics=[topics.doses, topics.labs],
            expected=doses + labs,
        )
        return {
            "doses": doses,
            "lab_results": labs,
            "adherence_events_per_s": round(rates[0]),
            "labs_events_per_s": round(rates[1]),
            "baseline_events_per_s": round(baseline),
        }
    finally:
        platform.stop()
        await platform.drop()
