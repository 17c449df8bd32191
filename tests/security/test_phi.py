"""No PHI in logs or outbound events: an e2e run through the platform's processes carries free
text everywhere it may go (a recommendation, a staff note, a not-done reason, a cancellation
reason, a dead-lettered body), then every service's log is scanned for it."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaProducer

from devstack.platform import IsolatedPlatform
from tests.security.routes import auth, token
from tests.support.factories import dose_administered, lab_resulted, patient_id
from tests.support.kafka import Publisher, read_topic
from tests.support.polling import eventually

# A sentence of the labs rule the run triggers (HYPOKALAEMIA), free text written by the rules.
RECOMMENDATION = "review urgently, consider replacement and repeat the level"


def _markers() -> dict[str, str]:
    run = uuid.uuid4().hex[:8]
    return {
        "note": f"Told me her husband hides the injections {run}",
        "status_reason": f"Refused: afraid of needles since the assault {run}",
        "dead_letter": f"Lives alone at 12 Hidden Lane {run}",
        "cancel": f"Moving abroad for chemotherapy {run}",
    }


def _log_lines(platform: IsolatedPlatform) -> dict[str, list[str]]:
    return {
        name: process.log_path.read_text(errors="replace").splitlines()
        for name, process in platform.services.items()
    }


async def _publish_raw(bootstrap: str, topic: str, value: bytes, key: bytes) -> tuple[int, int]:
    """Publish bytes as they are; returns where they landed (partition, offset)."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()
    return sent.partition, sent.offset


async def _dead_lettered(client: httpx.AsyncClient, topic: str, at: tuple[int, int]) -> bool:
    rows = (await client.get("/dead-letters", params={"topic": topic})).json()
    return any((row["source_partition"], row["source_offset"]) == at for row in rows)


async def test_free_text_never_reaches_logs_or_outbound_events(platform: IsolatedPlatform) -> None:
    """Markers of every free-text field end up in no service log and no event we publish."""
    markers, patient = _markers(), patient_id()
    topics, bootstrap = platform.kafka.topics, platform.kafka.bootstrap_servers
    clinic, staff, ops = (auth(token(s, subject=f"{s}-phi")) for s in ("clinic", "staff", "ops"))
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo("Europe/London")).date()
    async with (
        httpx.AsyncClient(base_url=platform.url("planner"), timeout=30) as planner,
        httpx.AsyncClient(base_url=platform.url("notifier"), timeout=30) as notifier,
        httpx.AsyncClient(base_url=platform.url("adherence"), headers=ops) as adherence,
        httpx.AsyncClient(base_url=platform.url("labs"), headers=ops) as labs,
        Publisher(bootstrap) as pub,
    ):
        body = {
            "patient_id": patient,
            "indication": "pernicious_anaemia",
            "severity": "moderate",
            "neurological_involvement": False,
            "start_date": today.isoformat(),
            "timezone": "Europe/London",
        }
        created = await planner.post("/plans", json=body, headers=clinic)
        assert created.status_code == 201, created.text
        plan_id = uuid.UUID(created.json()["plan_id"])

        first = dose_administered(
            patient, plan_id=plan_id, administered_at=now - timedelta(minutes=3)
        )
        await pub.event(topics.doses, first)
        low_potassium = lab_resulted(
            patient, code="2823-3", value=3.1, unit="mmol/L", observed_at=now - timedelta(minutes=1)
        )
        await pub.event(topics.labs, low_potassium)

        async def alert() -> list[dict[str, Any]]:
            page = await notifier.get("/alerts", params={"patient_id": patient}, headers=staff)
            return list(page.json()["items"])

        (opened,) = await eventually(alert, timeout=60, what="the HYPOKALAEMIA alert")
        # The recommendation is really in the system: the scan below is not vacuous.
        assert RECOMMENDATION in opened["recommendation"]
        acked = await notifier.post(
            f"/alerts/{opened['alert_id']}/acknowledge",
            json={"by": "nurse.phi", "note": markers["note"]},
            headers=staff,
        )
        assert acked.status_code == 200, acked.text

        not_done = dose_administered(
            patient,
            plan_id=plan_id,
            status="not-done",
            status_reason=markers["status_reason"],
            administered_at=now - timedelta(minutes=2),
        )
        await pub.event(topics.doses, not_done)
        poison = json.loads(
            dose_administered(patient, status_reason=markers["dead_letter"]).to_json()
        )
        poison["dose_mcg"] = -1
        # Same key, after the rest: once it is dead-lettered, the patient's events were applied.
        raw = json.dumps(poison).encode()
        at = await _publish_raw(bootstrap, topics.doses, raw, patient.encode())
        for service in (adherence, labs):
            await eventually(partial(_dead_lettered, service, topics.doses, at))
        cancelled = await planner.post(
            f"/plans/{plan_id}/cancel", json={"reason": markers["cancel"]}, headers=clinic
        )
        assert cancelled.status_code == 200, cancelled.text

        detail = (await notifier.get(f"/alerts/{opened['alert_id']}", headers=staff)).json()
        flag_id = detail["occurrences"][0]["flag"]["flag_id"]

        async def planner_applied_the_flag() -> bool:
            return any(flag_id in line for line in _log_lines(platform)["planner"])

        await eventually(planner_applied_the_flag, what="the planner's log of the flag")

    leaks = [
        f"{name}: {what}"
        for name, lines in _log_lines(platform).items()
        for what, marker in {**markers, "recommendation": RECOMMENDATION}.items()
        if any(marker in line for line in lines)
    ]
    assert leaks == []
    unparsed = [
        f"{name}: {line[:120]}"
        for name, lines in _log_lines(platform).items()
        for line in lines
        if not line.startswith("{")
    ]
    assert unparsed == []

    # Staff notes, not-done reasons and dead-lettered bodies never go out on the services' topics
    # (the cancellation reason is in PlanCancelled and the recommendation in ResponseFlagged by
    # contract: those are for the services, not logs).
    private = [markers["note"], markers["status_reason"], markers["dead_letter"]]
    for topic in (topics.plans, topics.adherence, topics.flags):
        for record in await read_topic(bootstrap, topic):
            assert not any(m.encode() in (record.value or b"") for m in private), topic
