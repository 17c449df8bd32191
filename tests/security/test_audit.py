"""The token's subject is the actor recorded on every change (audit trail)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from shared.db.provision import ServiceDatabase
from shared.settings import KafkaSettings
from tests.integration.notifier.builders import response_flagged
from tests.security.conftest import MakeApp
from tests.security.routes import auth, token
from tests.support.factories import patient_id
from tests.support.kafka import Publisher
from tests.support.polling import eventually
from tests.support.services import running


def _as(subject: str, *scopes: str) -> dict[str, str]:
    """Headers authenticating as ``subject`` with ``scopes``."""
    return auth(token(*scopes, subject=subject))


async def test_plan_creation_and_cancellation_record_the_token_subjects(make_app: MakeApp) -> None:
    """created_by, cancelled_by and the audit trail name the callers' subjects."""
    today = datetime.now(ZoneInfo("Europe/London")).date()
    body = {
        "patient_id": patient_id(),
        "indication": "pernicious_anaemia",
        "severity": "moderate",
        "neurological_involvement": False,
        "start_date": today.isoformat(),
        "timezone": "Europe/London",
    }
    async with running(make_app("planner"), headers={}) as client:
        created = await client.post("/plans", json=body, headers=_as("clin-creator", "clinic"))
        assert created.status_code == 201, created.text
        plan_id = created.json()["plan_id"]
        cancelled = await client.post(
            f"/plans/{plan_id}/cancel",
            json={"reason": "entered in error"},
            headers=_as("clin-canceller", "clinic"),
        )
        assert cancelled.status_code == 200, cancelled.text
        reader = _as("auditor", "ops")
        plan = (await client.get(f"/plans/{plan_id}", headers=reader)).json()
        audit = (await client.get(f"/plans/{plan_id}/audit", headers=reader)).json()
    assert (plan["created_by"], plan["cancelled_by"]) == ("clin-creator", "clin-canceller")
    actors = {entry["actor"] for entry in audit}
    assert {"clin-creator", "clin-canceller"} <= actors
    assert "auditor" not in actors


async def test_an_acknowledgement_records_the_token_subject_as_its_principal(
    make_app: MakeApp, security_kafka: KafkaSettings
) -> None:
    """The alert's history keeps who was authenticated beside the staff member named."""
    patient = patient_id()
    async with (
        running(make_app("notifier"), headers={}) as client,
        Publisher(security_kafka.bootstrap_servers) as pub,
    ):
        await pub.event(security_kafka.topics.flags, response_flagged(patient))
        reader = _as("ward-screen", "staff")

        async def alert() -> list[dict[str, Any]]:
            page = await client.get("/alerts", params={"patient_id": patient}, headers=reader)
            return list(page.json()["items"])

        (opened,) = await eventually(alert, what="the alert")
        url = f"/alerts/{opened['alert_id']}"
        acked = await client.post(
            f"{url}/acknowledge", json={"by": "nurse.ada"}, headers=_as("nurse-7", "staff")
        )
        assert acked.status_code == 200, acked.text
        history = (await client.get(url, headers=reader)).json()["history"]
    assert [(h["kind"], h["actor"], h["principal"]) for h in history][-1] == (
        "acknowledged",
        "nurse.ada",
        "nurse-7",
    )


async def test_a_dead_letter_replay_records_the_ops_subject(
    make_app: MakeApp,
    security_kafka: KafkaSettings,
    security_databases: dict[str, ServiceDatabase],
    admin_pool: asyncpg.Pool,
) -> None:
    """Replaying a dead letter is recorded with the replaying operator's subject."""
    key = patient_id().encode()
    async with (
        running(make_app("labs"), headers={}) as client,
        Publisher(security_kafka.bootstrap_servers) as pub,
    ):
        await pub.raw(security_kafka.topics.labs, b"{not json", key=key)
        ops = _as("operator-3", "ops")

        async def dead() -> list[int]:
            rows = (await client.get("/dead-letters", headers=ops)).json()
            return [r["id"] for r in rows if r["error_kind"] == "invalid_json"]

        dead_id = (await eventually(dead, what="the dead letter"))[0]
        replayed = await client.post("/dead-letters/replay", json={"ids": [dead_id]}, headers=ops)
        assert replayed.json()["replayed"] == [dead_id]
    actors = await admin_pool.fetch(
        f'select actor from "{security_databases["labs"].schema}".dead_letter_replays'
        " where dead_letter_id = $1",
        dead_id,
    )
    assert [row["actor"] for row in actors] == ["operator-3"]
